#include "rules/parse_support.hpp"

#include <algorithm>

#include "rules/limits.hpp"

namespace medsettle::detail::rule {

namespace {

/// Edit distance with adjacent swaps (optimal string alignment): `cap_yaer`
/// is one step from `cap_year`.
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t change = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + change});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

/// A value given once (`500`), once with a source (`{value: 500, source: ...}`)
/// or per hospital level (`{village: 100, ..., source: ...}`).
template <class T, class Parse>
std::optional<LeveledSpec<T>> leveled(const YNode& n, std::string_view what, Problems& out, Parse parse) {
  LeveledSpec<T> x;
  x.at = pos(n);
  if (n.is_scalar()) {
    auto v = parse(n, what, out);
    if (!v) return std::nullopt;
    x.by_level.fill(*v);
    x.level_at.fill(pos(n));
    return x;
  }
  if (!n.is_map()) {
    add(out, n,
        message(N_("{}: expected a value, a map with 'value', or one value per hospital level; got {}"), what,
                describe(n)));
    return std::nullopt;
  }
  check_keys(n, {"value", "village", "township", "county", "city", "province", "source"}, what, out);
  x.source = source_of(n, out);
  if (const YNode* v = n.find("value")) {
    for (const auto& level : level_names) {
      if (const YNode* extra = n.find(level.name)) {
        add(out, *extra, message(N_("{}: give 'value' or the levels, not both"), what));
      }
    }
    auto val = parse(*v, what, out);
    if (!val) return std::nullopt;
    x.by_level.fill(*val);
    x.at = pos(*v);
    x.level_at.fill(pos(*v));
    return x;
  }
  x.per_level = true;
  // Every level is required: a level left out has no default, since a value
  // silently taken for a forgotten level is the mistake this would hide.
  std::vector<std::string_view> missing;
  for (const auto& level : level_names) {
    if (!n.find(level.name)) missing.push_back(level.name);
  }
  if (missing.size() == 1) {
    add(out, n,
        message(N_("{}: missing the value for hospital level '{}' (give all five: village, township, county, city, "
                   "province)"),
                what, missing.front()));
  } else if (missing.size() == level_names.size()) {
    add(out, n,
        message(N_("{}: give 'value', or one value for each hospital level (village, township, county, city, "
                   "province)"),
                what));
  } else if (!missing.empty()) {
    std::string quoted(1, '\'');  // 'city', 'province'
    quoted += join(missing, "', '");
    quoted += '\'';
    add(out, n,
        message(N_("{}: missing the values for hospital levels {} (give all five: village, township, county, city, "
                   "province)"),
                what, quoted));
  }
  bool ok = missing.empty();
  for (std::size_t i = 0; i < level_names.size(); ++i) {
    const YNode* v = n.find(level_names[i].name);
    if (!v) continue;
    auto val = parse(*v, std::string(what) + "." + std::string(level_names[i].name), out);
    if (!val) {
      ok = false;
      continue;
    }
    x.by_level[i] = *val;
    x.level_at[i] = pos(*v);
  }
  if (!ok) return std::nullopt;
  return x;
}

}  // namespace

std::uint32_t count_values(const YNode& n) {
  std::uint32_t c = 1;
  for (const YNode& i : n.items) c += count_values(i);
  for (const auto& [k, v] : n.pairs) c += 1 + count_values(v);
  return c;
}

bool expect_map(const YNode& n, std::string_view what, Problems& out) {
  if (n.is_map()) return true;
  add(out, n, message(N_("{}: expected a map, got {}"), what, describe(n)));
  return false;
}

bool expect_list(const YNode& n, std::string_view what, Problems& out) {
  if (n.is_sequence()) return true;
  add(out, n, message(N_("{}: expected a list, got {}"), what, describe(n)));
  return false;
}

std::vector<std::string_view> split(std::string_view list) {
  std::vector<std::string_view> out;
  while (!list.empty()) {
    const std::size_t comma = list.find(", ");
    out.push_back(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 2);
  }
  return out;
}

std::string join(const std::vector<std::string_view>& names, std::string_view separator) {
  std::string s;
  for (auto n : names) {
    if (!s.empty()) s += separator;
    s += n;
  }
  return s;
}

std::optional<std::string_view> nearest(std::string_view word, const std::vector<std::string_view>& allowed) {
  // Words of hostile length are not compared (the cost is their length squared).
  if (word.size() > 64) return std::nullopt;
  std::optional<std::string_view> best;
  std::size_t best_distance = 3;
  for (std::string_view a : allowed) {
    const std::size_t d = distance(word, a);
    if (d < best_distance && d * 3 <= word.size()) {
      best = a;
      best_distance = d;
    }
  }
  return best;
}

Message unknown_key(std::string_view key, std::string_view what, const std::vector<std::string_view>& allowed) {
  if (auto near = nearest(key, allowed)) {
    return message(N_("unknown key '{}' in {} (expected one of: {}); did you mean '{}'?"), key, what, join(allowed),
                   *near);
  }
  return message(N_("unknown key '{}' in {} (expected one of: {})"), key, what, join(allowed));
}

Message unknown_value(std::string_view what, std::string_view value, const std::vector<std::string_view>& allowed) {
  if (auto near = nearest(value, allowed)) {
    return message(N_("{}: unknown value '{}' (expected one of: {}); did you mean '{}'?"), what, value, join(allowed),
                   *near);
  }
  return message(N_("{}: unknown value '{}' (expected one of: {})"), what, value, join(allowed));
}

void check_keys(const YNode& map, std::initializer_list<std::string_view> allowed, std::string_view what,
                Problems& out) {
  for (const auto& [k, v] : map.pairs) {
    if (std::find(allowed.begin(), allowed.end(), k.text) == allowed.end()) {
      add(out, k, unknown_key(k.text, what, std::vector<std::string_view>(allowed)));
    }
  }
}

const YNode* require(const YNode& map, std::string_view key, std::string_view what, Problems& out) {
  const YNode* n = map.find(key);
  if (!n) add(out, map, message(N_("{}: missing required key '{}'"), what, key));
  return n;
}

std::optional<std::string> text(const YNode& n, std::string_view what, Problems& out) {
  if (!n.is_scalar()) {
    add(out, n, message(N_("{}: expected a single value, got {}"), what, describe(n)));
    return std::nullopt;
  }
  if (n.text.empty()) {  // `id: ''` or `id:` with nothing after it
    add(out, n, message(N_("{}: must not be empty"), what));
    return std::nullopt;
  }
  return n.text;
}

std::optional<Fen> amount(const YNode& n, std::string_view what, Problems& out) {
  return read_scalar<Fen>(n, what, out, [what](const std::string& t, Message& why) -> std::optional<Fen> {
    AmountParse a = parse_amount(t);
    if (a) return a.value;
    std::string plain = t;
    std::erase(plain, ',');
    if (plain != t && parse_amount(plain)) {
      why = message(N_("{}: '{}' is not an amount of yuan (thousands separators are not allowed: write {})"), what, t,
                    plain);
    } else {
      why = message(N_("{}: '{}' is not an amount of yuan ({})"), what, t, describe(a.error));
    }
    return std::nullopt;
  });
}

std::optional<Rate> rate(const YNode& n, std::string_view what, Problems& out) {
  return read_scalar<Rate>(n, what, out, [what](const std::string& t, Message& why) -> std::optional<Rate> {
    RateParse r = parse_rate(t);
    if (r) return r.value;
    why = message(N_("{}: '{}' is not a rate in [0, 1] with at most 4 decimals ({})"), what, t, describe(r.error, true));
    return std::nullopt;
  });
}

std::optional<Date> date(const YNode& n, std::string_view what, Problems& out) {
  return read_scalar<Date>(n, what, out, [what](const std::string& t, Message& why) -> std::optional<Date> {
    DateParse d = parse_date(t);
    if (d) return d.value;
    why = d.error == DateError::no_such_date ? message(N_("{}: '{}' is not a date (YYYY-MM-DD): no such day"), what, t)
                                             : message(N_("{}: '{}' is not a date (YYYY-MM-DD)"), what, t);
    return std::nullopt;
  });
}

std::optional<long long> small_integer(std::string_view t) {
  if (t.empty() || t.size() > 9) return std::nullopt;
  if (t.size() > 1 && t[0] == '0') return std::nullopt;
  long long v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<Rate> parse_factor(std::string_view t) {
  std::size_t dot = t.find('.');
  std::string_view whole = t.substr(0, dot), frac = dot == std::string_view::npos ? "" : t.substr(dot + 1);
  if (whole.empty() || whole.size() > 2 || (whole.size() > 1 && whole[0] == '0')) return std::nullopt;
  if (dot != std::string_view::npos && (frac.empty() || frac.size() > 4)) return std::nullopt;
  std::int32_t v = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  std::int32_t f = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    char c = i < frac.size() ? frac[i] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    f = f * 10 + (c - '0');
  }
  return Rate(v * Rate::scale + f);
}

void check_length(const YNode& n, std::string_view what, std::size_t limit, Problems& out) {
  if (n.text.size() <= limit) return;
  add(out, n, message(N_("{}: {} bytes; this is limited to {} bytes"), what, n.text.size(), limit));
}

Source source_text(const YNode& s, Problems& out) {
  if (!s.is_scalar() || s.text.empty()) {
    add(out, s, message(N_("source: expected the seed document and its wording, or 'illustrative'")));
    return std::nullopt;
  }
  if (s.text.size() > limits::source_bytes) {
    check_length(s, "source", limits::source_bytes, out);
    return std::nullopt;
  }
  return s.text;
}

Source source_of(const YNode& map, Problems& out) {
  const YNode* s = map.find("source");
  if (!s) return std::nullopt;
  return source_text(*s, out);
}

const YNode* with_source(const YNode& v, std::string_view key, std::string_view what, Source& source, Problems& out) {
  if (!v.is_map()) return &v;
  check_keys(v, {key, "source"}, what, out);
  source = source_of(v, out);
  return require(v, key, what, out);
}

std::optional<LeveledSpec<Fen>> amount_value(const YNode& n, std::string_view what, Problems& out) {
  return leveled<Fen>(n, what, out, [](const YNode& x, std::string_view w, Problems& o) { return amount(x, w, o); });
}

std::optional<LeveledSpec<Rate>> rate_value(const YNode& n, std::string_view what, Problems& out) {
  return leveled<Rate>(n, what, out, [](const YNode& x, std::string_view w, Problems& o) { return rate(x, w, o); });
}

}  // namespace medsettle::detail::rule
