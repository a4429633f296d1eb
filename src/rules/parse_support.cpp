#include "rules/parse_support.hpp"

#include <algorithm>

namespace medsettle::detail::rule {

namespace {

std::string join(std::initializer_list<std::string_view> names) {
  std::string s;
  for (auto n : names) {
    if (!s.empty()) s += ", ";
    s += n;
  }
  return s;
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
  bool ok = true;
  for (std::size_t i = 0; i < level_names.size(); ++i) {
    const YNode* v = n.find(level_names[i].name);
    if (!v) {
      add(out, n,
          message(N_("{}: missing the value for hospital level '{}' (give all five: village, township, county, city, "
                     "province)"),
                  what, level_names[i].name));
      ok = false;
      continue;
    }
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

Message unknown_key(std::string_view key, std::string_view what, std::string_view allowed) {
  return message(N_("unknown key '{}' in {} (expected one of: {})"), key, what, allowed);
}

void check_keys(const YNode& map, std::initializer_list<std::string_view> allowed, std::string_view what,
                Problems& out) {
  for (const auto& [k, v] : map.pairs) {
    if (std::find(allowed.begin(), allowed.end(), k.text) == allowed.end()) {
      add(out, k, unknown_key(k.text, what, join(allowed)));
    }
  }
}

const YNode* require(const YNode& map, std::string_view key, std::string_view what, Problems& out) {
  const YNode* n = map.find(key);
  if (!n) add(out, map, message(N_("{}: missing required key '{}'"), what, key));
  return n;
}

std::optional<std::string> text(const YNode& n, std::string_view what, Problems& out) {
  if (!n.is_scalar() || n.text.empty()) {
    add(out, n, message(N_("{}: expected a single value, got {}"), what, describe(n)));
    return std::nullopt;
  }
  return n.text;
}

std::optional<Fen> amount(const YNode& n, std::string_view what, Problems& out) {
  return read_scalar<Fen>(n, what, out, [what](const std::string& t, Message& why) -> std::optional<Fen> {
    AmountParse a = parse_amount(t);
    if (a) return a.value;
    why = message(N_("{}: '{}' is not an amount of yuan ({})"), what, t, describe(a.error));
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

Source source_of(const YNode& map, Problems& out) {
  const YNode* s = map.find("source");
  if (!s) return std::nullopt;
  if (!s->is_scalar() || s->text.empty()) {
    add(out, *s, message(N_("source: expected the seed document and its wording, or 'illustrative'")));
    return std::nullopt;
  }
  return s->text;
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
