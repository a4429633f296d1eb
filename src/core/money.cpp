#include "medsettle/money.hpp"

#include <algorithm>
#include <charconv>
#include <numeric>
#include <stdexcept>

#include "core/hot.hpp"
#include "core/fen_text.hpp"
#include "core/wide.hpp"

namespace medsettle {

namespace {

// The largest |amount| whose product with a rate of at most 10000 fits in int64.
constexpr std::int64_t native_limit = INT64_MAX / Rate::scale;

}  // namespace

MEDSETTLE_HOT std::int64_t round_div(std::int64_t num, std::int64_t den, Rounding mode) noexcept {
  std::int64_t q = num / den;
  std::int64_t r = num % den;  // same sign as num
  if (r == 0) return q;
  // Compare |r| with den - |r| (i.e. 2|r| with den) without computing 2|r|,
  // which would overflow for den >= 2^62. |r| < den <= INT64_MAX, so -r is safe.
  std::int64_t abs_r = r < 0 ? -r : r;
  std::int64_t rest = den - abs_r;
  bool away;
  if (abs_r > rest) {
    away = true;
  } else if (abs_r < rest) {
    away = false;
  } else {
    away = mode == Rounding::half_up ? true : (q % 2 != 0);
  }
  if (away) q += (num < 0 ? -1 : 1);
  return q;
}

MEDSETTLE_HOT Fen multiply(Fen amount, Rate rate, Rounding mode) {
  std::int64_t a = amount.count();
  std::int32_t r = rate.ten_thousandths();
  // native_limit assumes |rate| <= 1; a Rate can hold more (up to ±2^31/10^4),
  // and then the 64-bit product could overflow, so such rates take the wide path.
  if (a <= native_limit && a >= -native_limit && r <= Rate::scale && r >= -Rate::scale) {
    return Fen(round_div(a * r, Rate::scale, mode));
  }
  Wide product = Wide(a) * r;
  return Fen(round_wide(product, Rate::scale, mode));
}

std::vector<Fen> allocate(Fen amount, std::span<const Fen> weights) {
  std::vector<Fen> shares(weights.size());
  if (weights.empty()) return shares;
  if (amount.count() < 0) throw std::invalid_argument("allocate: negative amount");
  Wide total = 0;
  for (Fen w : weights) {
    if (w.count() < 0) throw std::invalid_argument("allocate: negative weight");
    total += w.count();
  }
  if (total == 0) {
    shares[0] = amount;
    return shares;
  }
  std::vector<Wide> remainders(weights.size());
  std::int64_t given = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    Wide p = Wide(amount.count()) * weights[i].count();
    Wide q = p / total;
    remainders[i] = p % total;
    shares[i] = Fen(static_cast<std::int64_t>(q));
    given += shares[i].count();
  }
  std::vector<std::size_t> order(weights.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return remainders[x] > remainders[y]; });
  std::int64_t left = amount.count() - given;  // < number of weights
  for (std::size_t k = 0; left > 0; ++k, --left) shares[order[k]] += Fen(1);
  return shares;
}

// ---- text ---------------------------------------------------------------

std::string_view describe(NumberError e, bool rate) noexcept {
  switch (e) {
    case NumberError::ok: return "ok";
    case NumberError::empty: return "empty";
    case NumberError::junk: return "not a decimal number";
    case NumberError::sign: return "signs are not allowed";
    case NumberError::negative: return "negative amount";
    case NumberError::leading_zero: return "leading zeros are not allowed";
    case NumberError::bare_point: return "a decimal point needs digits on both sides";
    case NumberError::too_many_decimals:
      return rate ? "more than 4 fractional digits" : "more than 2 fractional digits";
    case NumberError::exponent: return "exponents are not allowed";
    case NumberError::not_a_number: return "not a number";
    case NumberError::too_large: return rate ? "above 1" : "amount above 10^12 yuan";
  }
  return "invalid";
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// An unsigned decimal `int[.frac]` split into its digit strings, with the
// grammar errors every number shares. `max_frac` is 2 for amounts, 4 for rates.
struct Decimal {
  std::string_view whole, frac;
  NumberError error = NumberError::ok;
};

Decimal split_decimal(std::string_view t, std::size_t max_frac) {
  Decimal d;
  if (t.empty()) { d.error = NumberError::empty; return d; }
  std::string_view body = t;
  if (body.front() == '+' || body.front() == '-') body.remove_prefix(1);
  if (iequals(body, "nan") || iequals(body, "infinity") || iequals(body, "inf")) {
    d.error = NumberError::not_a_number;
    return d;
  }
  if (t.front() == '+' || t.front() == '-') { d.error = NumberError::sign; return d; }
  std::size_t i = 0;
  while (i < t.size() && is_digit(t[i])) ++i;
  d.whole = t.substr(0, i);
  if (i < t.size() && t[i] == '.') {
    std::size_t j = i + 1;
    while (j < t.size() && is_digit(t[j])) ++j;
    d.frac = t.substr(i + 1, j - i - 1);
    if (d.whole.empty() || d.frac.empty()) {
      bool rest_ok = j == t.size();
      d.error = rest_ok ? NumberError::bare_point : NumberError::junk;
      if (j < t.size() && (t[j] == 'e' || t[j] == 'E')) d.error = NumberError::exponent;
      return d;
    }
    i = j;
  }
  if (i < t.size()) {
    d.error = (t[i] == 'e' || t[i] == 'E') && !d.whole.empty() ? NumberError::exponent
                                                               : NumberError::junk;
    return d;
  }
  if (d.whole.empty()) { d.error = NumberError::junk; return d; }
  if (d.whole.size() > 1 && d.whole.front() == '0') { d.error = NumberError::leading_zero; return d; }
  if (d.frac.size() > max_frac) { d.error = NumberError::too_many_decimals; return d; }
  return d;
}

}  // namespace

std::size_t detail::plain_fen_prefix(std::string_view t, Fen& fen) noexcept {
  std::size_t i = 0;
  std::int64_t yuan = 0;
  while (i < t.size() && i < 14 && is_digit(t[i])) yuan = yuan * 10 + (t[i++] - '0');
  if (i == 0 || i > 13 || (i > 1 && t[0] == '0')) return 0;
  std::int64_t cents = 0;
  if (i + 1 < t.size() && t[i] == '.' && is_digit(t[i + 1])) {
    cents = (t[i + 1] - '0') * 10;
    i += 2;
    if (i < t.size() && is_digit(t[i])) cents += t[i++] - '0';
  }
  const std::int64_t total = yuan * 100 + cents;
  if (total > max_amount.count()) return 0;
  fen = Fen(total);
  return i;
}

AmountParse parse_amount(std::string_view text) noexcept {
  AmountParse out;
  // The usual amount in one pass; anything else goes the long way, which
  // names what is wrong with it.
  if (Fen fen{}; !text.empty() && detail::plain_fen_prefix(text, fen) == text.size()) {
    out.value = fen;
    return out;
  }
  if (!text.empty() && text.front() == '-') {
    // "-" alone is a sign with no number; "-0" / "-0.00" is a signed zero, not
    // a negative amount; "-50.00" is negative; "-1.500" reports its grammar error.
    if (text.size() == 1) { out.error = NumberError::sign; return out; }
    Decimal d = split_decimal(text.substr(1), 2);
    out.error = d.error == NumberError::ok ? NumberError::negative : d.error;
    if (d.error == NumberError::ok &&
        d.whole.find_first_not_of('0') == std::string_view::npos &&
        d.frac.find_first_not_of('0') == std::string_view::npos) {
      out.error = NumberError::sign;
    }
    return out;
  }
  Decimal d = split_decimal(text, 2);
  if (d.error != NumberError::ok) { out.error = d.error; return out; }
  // 10^12 yuan has 13 digits; anything longer is too large without computing it.
  if (d.whole.size() > 13) { out.error = NumberError::too_large; return out; }
  std::int64_t yuan = 0;
  for (char c : d.whole) yuan = yuan * 10 + (c - '0');
  std::int64_t fen = 0;
  for (std::size_t k = 0; k < 2; ++k) fen = fen * 10 + (k < d.frac.size() ? d.frac[k] - '0' : 0);
  std::int64_t total = yuan * 100 + fen;
  if (total > max_amount.count()) { out.error = NumberError::too_large; return out; }
  out.value = Fen(total);
  return out;
}

RateParse parse_rate(std::string_view text) noexcept {
  RateParse out;
  Decimal d = split_decimal(text, 4);
  if (d.error != NumberError::ok) { out.error = d.error; return out; }
  if (d.whole.size() != 1 || d.whole[0] > '1') { out.error = NumberError::too_large; return out; }
  std::int32_t v = (d.whole[0] - '0') * Rate::scale;
  std::int32_t f = 0;
  for (std::size_t k = 0; k < 4; ++k) f = f * 10 + (k < d.frac.size() ? d.frac[k] - '0' : 0);
  v += f;
  if (v > Rate::scale) { out.error = NumberError::too_large; return out; }
  out.value = Rate(v);
  return out;
}

RateParse parse_rate_delta(std::string_view text) noexcept {
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
    // "-" alone, "--0.1", "+-0.1": a sign without a rate after it.
    if (text.empty() || text.front() == '-' || text.front() == '+') return {Rate{}, NumberError::sign};
  }
  RateParse r = parse_rate(text);
  if (r && negative) r.value = Rate(-r.value.ten_thousandths());
  return r;
}

namespace detail {

char* write_fen(char* at, Fen amount) noexcept {
  const std::int64_t v = amount.count();
  // The unsigned magnitude, so that INT64_MIN formats too.
  const std::uint64_t mag = v < 0 ? std::uint64_t(0) - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  if (v < 0) *at++ = '-';
  at = std::to_chars(at, at + 20, mag / 100).ptr;
  const auto cents = static_cast<unsigned>(mag % 100);
  at[0] = '.';
  at[1] = static_cast<char>('0' + cents / 10);
  at[2] = static_cast<char>('0' + cents % 10);
  return at + 3;
}

}  // namespace detail

void format_to(std::string& out, Fen amount) {
  char buf[detail::max_fen_chars];
  out.append(buf, detail::write_fen(buf, amount));
}

std::string format(Fen amount) {
  std::string s;
  format_to(s, amount);
  return s;
}

std::string format(Rate rate) {
  // 64-bit so that negating Rate(INT32_MIN) does not overflow.
  std::int64_t v = rate.ten_thousandths();
  std::string s;
  if (v < 0) { s += '-'; v = -v; }
  s += std::to_string(v / Rate::scale);
  std::int64_t frac = v % Rate::scale;
  if (frac != 0) {
    std::string digits = std::to_string(frac + Rate::scale).substr(1);  // 4 digits
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    s += '.';
    s += digits;
  }
  return s;
}

}  // namespace medsettle
