// One validation for every caller: SEMANTICS.md §2–§3 and §10 for a stay.
#include "core/validation.hpp"

#include <algorithm>

#include "core/hot.hpp"
#include "core/text.hpp"

namespace medsettle::detail {

std::string FieldPath::str() const {
  std::string s(head_);
  if (index_ != none) {
    s += '[';
    s += std::to_string(index_);
    s += ']';
  }
  for (std::string_view k : {key1_, key2_}) {
    if (k.empty()) continue;
    s += '.';
    s += k;
  }
  return s;
}

namespace {

Problem problem(ErrorCode code, const FieldPath& field, Message what) {
  return Problem{code, field.str(), std::move(what)};
}

/// The half-width form of a code written in full-width ASCII (Ｃ１５ -> C15),
/// or "" if it has other characters.
std::string half_width(std::string_view code) {
  std::string out;
  for (std::size_t i = 0; i < code.size();) {
    const auto c = static_cast<unsigned char>(code[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    // U+FF01..U+FF5E are EF BC 81..EF BD 9E in UTF-8: ASCII 0x21..0x7E plus 0xFEE0.
    if (c == 0xEF && i + 2 < code.size()) {
      const auto b1 = static_cast<unsigned char>(code[i + 1]), b2 = static_cast<unsigned char>(code[i + 2]);
      const unsigned cp = ((c & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
      if (cp >= 0xFF01 && cp <= 0xFF5E) {
        out += static_cast<char>(cp - 0xFEE0);
        i += 3;
        continue;
      }
    }
    return {};
  }
  return out;
}

bool printable_code(std::string_view code) noexcept {
  if (code.empty() || code.size() > 32) return false;
  for (const char c : code) {
    // '!'..'~' in one comparison: below '!' wraps around to a large value.
    if (static_cast<unsigned>(static_cast<unsigned char>(c)) - 0x21u > 0x7Eu - 0x21u) return false;
  }
  return true;
}

template <class E, class Names>
Check check_enum(const FieldPath& field, E value, std::size_t count, Names names) {
  if (static_cast<std::size_t>(value) < count) return std::nullopt;
  return unknown_value(field, std::to_string(static_cast<unsigned>(value)), names());
}

}  // namespace

Check check_not_empty(const FieldPath& field, std::string_view value) {
  if (!value.empty()) return std::nullopt;
  return problem(ErrorCode::bad_value, field, message(N_("{}: must not be empty"), field.str()));
}

Problem unknown_value(const FieldPath& field, std::string_view text, std::string_view expected) {
  return problem(ErrorCode::bad_value, field,
                 message(N_("{}: unknown value '{}' (expected one of {})"), field.str(), text, expected));
}

Check check_age(std::int64_t age) {
  if (age >= 0 && age <= 150) return std::nullopt;
  return problem(ErrorCode::bad_value, "age", message(N_("age: {} is not within 0..150"), age));
}

Check check_diagnosis(std::size_t index, std::string_view code) {
  if (printable_code(code)) return std::nullopt;
  const FieldPath field("diagnoses", index);
  if (code.empty()) return check_not_empty(field, code);
  const std::string half = half_width(code);
  if (printable_code(half)) {
    return problem(ErrorCode::bad_value, field,
                   message(N_("{}: '{}' is not a diagnosis code (printable ASCII without spaces, 1 to 32 "
                              "characters); written in half-width characters it is '{}'"),
                           field.str(), code, half));
  }
  return problem(ErrorCode::bad_value, field,
                 message(N_("{}: '{}' is not a diagnosis code (printable ASCII without spaces, 1 to 32 characters)"),
                         field.str(), code));
}

Check check_diagnosis_count(std::size_t count) {
  if (count > 0) return std::nullopt;
  return problem(ErrorCode::bad_value, "diagnoses", message(N_("diagnoses: at least one diagnosis is required")));
}

Check check_date(const FieldPath& field, Date day) {
  const int y = day.year();
  if (y >= 1000 && y <= 9999) return std::nullopt;
  return problem(ErrorCode::bad_date, field, message(N_("{}: not an ISO date (YYYY-MM-DD): '{}'"), field.str(), day));
}

Check check_stay_dates(Date admitted, Date discharged) {
  if (admitted <= discharged) return std::nullopt;
  return problem(ErrorCode::bad_date, "admitted", message(N_("admitted: after the discharge date")));
}

Problem amount_text_problem(const FieldPath& field, NumberError error, std::string_view text) {
  switch (error) {
    case NumberError::too_large:
      return problem(ErrorCode::bad_amount, field, message(N_("{}: amount above 10^12 yuan"), field.str()));
    case NumberError::empty: return problem(ErrorCode::bad_amount, field, message(N_("{}: empty: '{}'"), field.str(), text));
    case NumberError::junk:
      return problem(ErrorCode::bad_amount, field, message(N_("{}: not a decimal number: '{}'"), field.str(), text));
    case NumberError::sign:
      return problem(ErrorCode::bad_amount, field, message(N_("{}: signs are not allowed: '{}'"), field.str(), text));
    case NumberError::negative:
      return problem(ErrorCode::bad_amount, field, message(N_("{}: negative amount: '{}'"), field.str(), text));
    case NumberError::leading_zero:
      return problem(ErrorCode::bad_amount, field, message(N_("{}: leading zeros are not allowed: '{}'"), field.str(), text));
    case NumberError::bare_point:
      return problem(ErrorCode::bad_amount, field,
                     message(N_("{}: a decimal point needs digits on both sides: '{}'"), field.str(), text));
    case NumberError::too_many_decimals:
      return problem(ErrorCode::bad_amount, field,
                     message(N_("{}: more than 2 fractional digits: '{}'"), field.str(), text));
    case NumberError::exponent:
      return problem(ErrorCode::bad_amount, field, message(N_("{}: exponents are not allowed: '{}'"), field.str(), text));
    case NumberError::not_a_number:
      return problem(ErrorCode::bad_amount, field, message(N_("{}: not a number: '{}'"), field.str(), text));
    case NumberError::ok: break;
  }
  return problem(ErrorCode::bad_amount, field, message(N_("{}: invalid: '{}'"), field.str(), text));
}

Check check_amount(const FieldPath& field, Fen amount) {
  if (amount < Fen(0)) return amount_text_problem(field, NumberError::negative, format(amount));
  if (amount > max_amount) return amount_text_problem(field, NumberError::too_large, format(amount));
  return std::nullopt;
}

Problem rate_text_problem(const FieldPath& field, std::string_view text) {
  return problem(ErrorCode::bad_rate, field,
                 message(N_("{}: expected a rate in [0, 1] with at most 4 decimals, got '{}'"), field.str(), text));
}

Check check_ratio(const FieldPath& field, Rate ratio) {
  if (ratio >= Rate::zero() && ratio <= Rate::one()) return std::nullopt;
  return rate_text_problem(field, format(ratio));
}

Check check_fee_across(std::size_t index, const FeeLine& line, bool has_ratio) {
  if (line.over_limit > line.amount) {
    const FieldPath field("fees", index, "over_limit");
    return problem(ErrorCode::bad_amount, field, message(N_("{}: more than the line's amount"), field.str()));
  }
  if (has_ratio && line.category != FeeCategory::B) {
    const FieldPath field("fees", index, "selfpay_ratio");
    return problem(ErrorCode::bad_value, field, message(N_("{}: only allowed on category B lines"), field.str()));
  }
  return std::nullopt;
}

Check check_fees_total(std::span<const FeeLine> fees) {
  Fen total{};
  for (const FeeLine& f : fees) {
    total += f.amount;  // each at most 10^12 yuan: no overflow before the check
    if (total > max_amount) {
      return problem(ErrorCode::bad_amount, "fees", message(N_("fees: the stay's total is above 10^12 yuan")));
    }
  }
  return std::nullopt;
}

Check check_buckets_sum(const Buckets& b) {
  const Fen sum = b.full_selfpay + b.over_limit + b.pre_selfpay + b.in_scope;
  if (sum == b.total) return std::nullopt;
  return problem(ErrorCode::buckets_mismatch, "buckets",
                 message(N_("buckets.total {} is not the sum of the other four ({})"), b.total, sum));
}

Check check_grants(const FieldPath& field, std::int64_t grants) {
  if (grants < 0) return problem(ErrorCode::bad_value, field, message(N_("{}: must not be negative"), field.str()));
  if (grants > 999'999'999'999) {
    return problem(ErrorCode::bad_value, field, message(N_("{}: {} is out of range"), field.str(), grants));
  }
  return std::nullopt;
}

Problem too_many_items(const FieldPath& field, std::size_t max) {
  return problem(ErrorCode::bad_value, field, message(N_("{}: more than {} items"), field.str(), max));
}

Rejection rejection_of(Problem p, std::optional<std::string> stay_id, std::uint64_t line) {
  return rejection(std::move(stay_id), line, p.code, std::move(p.field), std::move(p.what));
}

namespace {

Check check_identity_fields(const Stay& s) {
  if (auto p = check_not_empty("stay_id", s.stay_id)) return p;
  if (auto p = check_not_empty("person_id", s.person_id)) return p;
  if (s.identities.bits() >> identity_count) {
    return unknown_value("identities", std::to_string(s.identities.bits()), identity_names());
  }
  if (auto p = check_enum("category", s.category, 4, [] { return std::string_view("I, II, III"); })) return p;
  if (auto p = check_age(s.age)) return p;
  if (auto p = check_enum("insurance", s.insurance, 2, [] { return std::string_view("resident, employee"); })) return p;
  if (auto p = check_enum("hospital_level", s.hospital_level, hospital_level_count, hospital_level_names)) return p;
  if (auto p = check_enum("region", s.region, 4, region_names)) return p;
  if (auto p = check_date("admitted", s.admitted)) return p;
  return check_date("discharged", s.discharged);
}

Check check_lists(const Stay& s) {
  if (s.diagnoses.size() > max_list_items) return too_many_items("diagnoses", max_list_items);
  for (std::size_t i = 0; i < s.diagnoses.size(); ++i) {
    if (auto p = check_diagnosis(i, s.diagnoses[i])) return p;
  }
  if (auto p = check_diagnosis_count(s.diagnoses.size())) return p;
  if (s.flags.bits() >> flag_count) return unknown_value("flags", std::to_string(s.flags.bits()), flag_names());
  if (s.referred_from) return check_not_empty("referred_from", *s.referred_from);
  return std::nullopt;
}

Check check_cost(const Stay& s) {
  if (s.fees.size() > max_fee_lines) return too_many_items("fees", max_fee_lines);
  for (std::size_t i = 0; i < s.fees.size(); ++i) {
    const FeeLine& f = s.fees[i];
    if (static_cast<std::size_t>(f.category) > 2) return unknown_value(FieldPath("fees", i, "category"), "?", "A, B, C");
    if (auto p = check_amount(FieldPath("fees", i, "amount"), f.amount)) return p;
    if (auto p = check_amount(FieldPath("fees", i, "over_limit"), f.over_limit)) return p;
    if (f.selfpay_ratio) {
      if (auto p = check_ratio(FieldPath("fees", i, "selfpay_ratio"), *f.selfpay_ratio)) return p;
    }
    if (auto p = check_fee_across(i, f, f.selfpay_ratio.has_value())) return p;
  }
  if (!s.buckets) return std::nullopt;
  const Buckets& b = *s.buckets;
  for (auto [key, value] : {std::pair{"buckets.total", b.total}, std::pair{"buckets.full_selfpay", b.full_selfpay},
                            std::pair{"buckets.over_limit", b.over_limit}, std::pair{"buckets.pre_selfpay", b.pre_selfpay},
                            std::pair{"buckets.in_scope", b.in_scope}}) {
    if (auto p = check_amount(key, value)) return p;
  }
  return check_buckets_sum(b);
}

Check check_prior(const Stay& s) {
  if (!s.prior) return std::nullopt;
  if (s.prior->size() > max_list_items) {
    return problem(ErrorCode::bad_value, "prior", message(N_("prior: too many channels")));
  }
  for (std::size_t i = 0; i < s.prior->size(); ++i) {
    const PriorEntry& e = (*s.prior)[i];
    for (std::size_t j = 0; j < i; ++j) {
      if ((*s.prior)[j].channel == e.channel) {
        const FieldPath field("prior", e.channel, {});
        return problem(ErrorCode::duplicate_key, field, message(N_("{}: key given more than once"), field.str()));
      }
    }
    if (auto p = check_amount(FieldPath("prior", e.channel, "accumulated"), e.accumulated)) return p;
    if (auto p = check_amount(FieldPath("prior", e.channel, "paid"), e.paid)) return p;
    if (auto p = check_grants(FieldPath("prior", e.channel, "grants"), e.grants)) return p;
  }
  return std::nullopt;
}

}  // namespace

}  // namespace medsettle::detail

namespace medsettle {

namespace {

/// The days of the first and the last date a reader can read (1000-01-01, 9999-12-31).
constexpr std::int32_t first_day = Date::from_ymd(1000, 1, 1).days();
constexpr std::int32_t last_day = Date::from_ymd(9999, 12, 31).days();

bool plain_amount(Fen f) noexcept { return f >= Fen(0) && f <= max_amount; }

bool plain_buckets(const Buckets& b) noexcept {
  return plain_amount(b.total) && plain_amount(b.full_selfpay) && plain_amount(b.over_limit) &&
         plain_amount(b.pre_selfpay) && plain_amount(b.in_scope) &&
         b.full_selfpay + b.over_limit + b.pre_selfpay + b.in_scope == b.total;
}

bool plain_fee(const FeeLine& f) noexcept {
  if (static_cast<unsigned>(f.category) > 2 || !plain_amount(f.amount) || f.over_limit < Fen(0) ||
      f.over_limit > f.amount) {
    return false;
  }
  return !f.selfpay_ratio ||
         (f.category == FeeCategory::B && *f.selfpay_ratio >= Rate::zero() && *f.selfpay_ratio <= Rate::one());
}

bool plain_cost(const Stay& s) noexcept {
  if (s.fees.size() > detail::max_fee_lines || (!s.fees.empty() && s.buckets)) return false;
  if (s.buckets) return plain_buckets(*s.buckets);
  Fen total{};
  for (const FeeLine& f : s.fees) {
    if (!plain_fee(f)) return false;
    total += f.amount;  // each at most 10^12 yuan: checked before it could overflow
    if (total > max_amount) return false;
  }
  return true;
}

/// Whether every rule but those of the cost plainly holds.
bool plain_fields(const Stay& s) noexcept {
  if (s.stay_id.empty() || s.person_id.empty() || (s.identities.bits() >> identity_count) ||
      (s.flags.bits() >> flag_count) || static_cast<unsigned>(s.category) > 3 || s.age < 0 || s.age > 150 ||
      static_cast<unsigned>(s.insurance) > 1 || static_cast<std::size_t>(s.hospital_level) >= hospital_level_count ||
      static_cast<unsigned>(s.region) > 3 || s.prior) {
    return false;
  }
  for (const Date d : {s.admitted, s.discharged}) {
    if (d.days() < first_day || d.days() > last_day) return false;
  }
  if (s.admitted > s.discharged || s.diagnoses.empty() || s.diagnoses.size() > detail::max_list_items) return false;
  for (const std::string& code : s.diagnoses) {
    if (!detail::printable_code(code)) return false;
  }
  return !s.referred_from || !s.referred_from->empty();
}

/// Whether every rule plainly holds, checked with comparisons alone (most
/// stays): then no rule needs to say what is wrong. When this says no, the
/// checks below find the first problem.
bool plainly_valid(const Stay& s) noexcept { return plain_fields(s) && plain_cost(s); }

}  // namespace

std::optional<Rejection> validate(const Stay& stay, std::uint64_t line) {
  using namespace detail;
  if (plainly_valid(stay)) return std::nullopt;
  Check p = check_identity_fields(stay);
  if (!p) p = check_lists(stay);
  if (!p) p = check_cost(stay);
  if (!p) p = check_prior(stay);
  if (!p && !stay.fees.empty() && stay.buckets) {
    p = Problem{ErrorCode::bad_value, "buckets", message(N_("buckets: give either fees or buckets, not both"))};
  }
  if (!p) p = check_stay_dates(stay.admitted, stay.discharged);
  if (!p && !stay.buckets) p = check_fees_total(stay.fees);
  if (!p) return std::nullopt;
  std::optional<std::string> id;
  if (!stay.stay_id.empty()) id = stay.stay_id;
  return rejection_of(std::move(*p), std::move(id), line);
}

}  // namespace medsettle

namespace medsettle::detail {

MEDSETTLE_HOT std::optional<Buckets> plain_split(const Stay& s, Rate class_b_selfpay, Rounding mode) {
  if (!plain_fields(s)) return std::nullopt;
  if (s.buckets) return s.fees.empty() && plain_buckets(*s.buckets) ? s.buckets : std::nullopt;
  if (s.fees.size() > max_fee_lines) return std::nullopt;
  // split()'s sums, with plain_cost()'s checks on the way.
  Buckets b;
  for (const FeeLine& f : s.fees) {
    if (!plain_fee(f)) return std::nullopt;
    b.total += f.amount;
    if (b.total > max_amount) return std::nullopt;
    if (f.category == FeeCategory::C) {
      b.full_selfpay += f.amount;
      continue;
    }
    const Fen rest = f.amount - f.over_limit;
    b.over_limit += f.over_limit;
    if (f.category == FeeCategory::B) {
      const Fen pre = multiply(rest, f.selfpay_ratio.value_or(class_b_selfpay), mode);
      b.pre_selfpay += pre;
      b.in_scope += rest - pre;
    } else {
      b.in_scope += rest;
    }
  }
  return b;
}

}  // namespace medsettle::detail
