// Rule file -> PlanData. Strict: every problem is reported at its line and
// column, all at once, and nothing is silently ignored. The format is
// documented in rules/README.md.
#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <map>
#include <set>

#include <fmt/format.h>

#include "rules/compile.hpp"
#include "rules/yaml_reader.hpp"

namespace medsettle::detail {

namespace {

constexpr std::array<std::string_view, 5> level_keys{"village", "township", "county", "city", "province"};

std::string join(std::initializer_list<std::string_view> names) {
  std::string s;
  for (auto n : names) {
    if (!s.empty()) s += ", ";
    s += n;
  }
  return s;
}

/// Parses a plain non-negative integer without leading zeros.
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

/// A scale factor: up to two integer digits and four decimals (0.5, 1.2).
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

/// The values (scalars, lists, maps, nulls; keys included) in a tree.
std::size_t count_values(const YNode& n) {
  std::size_t c = 1;
  for (const YNode& i : n.items) c += count_values(i);
  for (const auto& [k, v] : n.pairs) c += 1 + count_values(v);
  return c;
}

std::string upper(std::string_view s) {
  std::string u(s);
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

class Compiler {
 public:
  Compiler(const std::string& file, std::vector<RuleDiagnostic>& diags, PlanData& plan)
      : file_(file), diags_(diags), p_(plan) {}

  void compile(const YNode& root);

 private:
  const std::string& file_;
  std::vector<RuleDiagnostic>& diags_;
  PlanData& p_;
  std::map<std::string, std::uint32_t, std::less<>> source_index_;
  std::map<std::string, std::size_t, std::less<>> group_index_;
  std::map<std::string, IdentitySet, std::less<>> sets_;

  // ---- diagnostics -------------------------------------------------------
  void err(const YNode& at, std::string message) {
    diags_.push_back({file_, at.line ? at.line : 1, at.column ? at.column : 1, std::move(message)});
  }
  Cited cite(const YNode& at, std::uint32_t source = no_source) const { return {at.line, at.column, source}; }
  std::uint32_t intern(std::string_view s) {
    auto it = source_index_.find(s);
    if (it != source_index_.end()) return it->second;
    auto idx = static_cast<std::uint32_t>(p_.sources.size());
    p_.sources.emplace_back(s);
    source_index_.emplace(std::string(s), idx);
    return idx;
  }
  /// The `source` of a map, if it has one.
  std::uint32_t source_of(const YNode& map) {
    const YNode* s = map.find("source");
    if (!s) return no_source;
    if (!s->is_scalar() || s->text.empty()) {
      err(*s, "source: expected the seed document and its wording, or 'illustrative'");
      return no_source;
    }
    return intern(s->text);
  }

  bool expect_map(const YNode& n, std::string_view what) {
    if (n.is_map()) return true;
    err(n, fmt::format("{}: expected a map, got {}", what, describe(n)));
    return false;
  }
  bool expect_list(const YNode& n, std::string_view what) {
    if (n.is_sequence()) return true;
    err(n, fmt::format("{}: expected a list, got {}", what, describe(n)));
    return false;
  }
  void check_keys(const YNode& map, std::initializer_list<std::string_view> allowed, std::string_view what) {
    for (const auto& [k, v] : map.pairs) {
      if (std::find(allowed.begin(), allowed.end(), k.text) == allowed.end()) {
        err(k, fmt::format("unknown key '{}' in {} (expected one of: {})", k.text, what, join(allowed)));
      }
    }
  }
  const YNode* require(const YNode& map, std::string_view key, std::string_view what) {
    const YNode* n = map.find(key);
    if (!n) err(map, fmt::format("{}: missing required key '{}'", what, key));
    return n;
  }

  // ---- scalars -----------------------------------------------------------
  std::optional<std::string> text(const YNode& n, std::string_view what) {
    if (!n.is_scalar() || n.text.empty()) {
      err(n, fmt::format("{}: expected a single value, got {}", what, describe(n)));
      return std::nullopt;
    }
    return n.text;
  }
  std::optional<Fen> amount(const YNode& n, std::string_view what) {
    auto t = text(n, what);
    if (!t) return std::nullopt;
    AmountParse a = parse_amount(*t);
    if (!a) {
      err(n, fmt::format("{}: '{}' is not an amount of yuan ({})", what, *t, describe(a.error)));
      return std::nullopt;
    }
    return a.value;
  }
  std::optional<Rate> rate(const YNode& n, std::string_view what) {
    auto t = text(n, what);
    if (!t) return std::nullopt;
    RateParse r = parse_rate(*t);
    if (!r) {
      err(n, fmt::format("{}: '{}' is not a rate in [0, 1] with at most 4 decimals ({})", what, *t,
                         describe(r.error, true)));
      return std::nullopt;
    }
    return r.value;
  }
  std::optional<Date> date(const YNode& n, std::string_view what) {
    auto t = text(n, what);
    if (!t) return std::nullopt;
    DateParse d = parse_date(*t);
    if (!d) {
      err(n, fmt::format("{}: '{}' is not a date (YYYY-MM-DD){}", what, *t,
                         d.error == DateError::no_such_date ? ": no such day" : ""));
      return std::nullopt;
    }
    return d.value;
  }
  template <class E>
  std::optional<E> choice(const YNode& n, std::string_view what, std::initializer_list<std::string_view> names) {
    auto t = text(n, what);
    if (!t) return std::nullopt;
    std::size_t i = 0;
    for (auto nm : names) {
      if (nm == *t) return static_cast<E>(i);
      ++i;
    }
    err(n, fmt::format("{}: unknown value '{}' (expected one of: {})", what, *t, join(names)));
    return std::nullopt;
  }

  // ---- values given once or per level ------------------------------------
  template <class T, class Parse>
  std::optional<Leveled<T>> leveled(const YNode& n, std::string_view what, Parse parse) {
    if (n.is_scalar()) {
      auto v = parse(n, what);
      if (!v) return std::nullopt;
      Leveled<T> x = Leveled<T>::once(*v);
      x.cite = cite(n);
      return x;
    }
    if (!n.is_map()) {
      err(n, fmt::format("{}: expected a value, a map with 'value', or one value per hospital level; got {}", what,
                         describe(n)));
      return std::nullopt;
    }
    check_keys(n, {"value", "village", "township", "county", "city", "province", "source"}, what);
    Leveled<T> x;
    x.cite = cite(n, source_of(n));
    if (const YNode* v = n.find("value")) {
      for (auto k : level_keys) {
        if (const YNode* extra = n.find(k)) err(*extra, fmt::format("{}: give 'value' or the levels, not both", what));
      }
      auto val = parse(*v, what);
      if (!val) return std::nullopt;
      x.by_level.fill(*val);
      x.cite.line = v->line;
      x.cite.column = v->column;
      return x;
    }
    x.per_level = true;
    bool ok = true;
    for (std::size_t i = 0; i < level_keys.size(); ++i) {
      const YNode* v = n.find(level_keys[i]);
      if (!v) {
        err(n, fmt::format("{}: missing the value for hospital level '{}' (give all five: {})", what, level_keys[i],
                           "village, township, county, city, province"));
        ok = false;
        continue;
      }
      auto val = parse(*v, fmt::format("{}.{}", what, level_keys[i]));
      if (!val) { ok = false; continue; }
      x.by_level[i] = *val;
    }
    if (!ok) return std::nullopt;
    return x;
  }
  std::optional<Leveled<Fen>> amount_value(const YNode& n, std::string_view what) {
    return leveled<Fen>(n, what, [this](const YNode& x, std::string_view w) { return amount(x, w); });
  }
  std::optional<Leveled<Rate>> rate_value(const YNode& n, std::string_view what) {
    return leveled<Rate>(n, what, [this](const YNode& x, std::string_view w) { return rate(x, w); });
  }

  // ---- the parts of a file ------------------------------------------------
  void identity_sets(const YNode& n);
  void disease_groups(const YNode& n);
  std::int32_t condition(const YNode& n, std::string_view what, int depth = 0);
  std::optional<Limit> limit(const YNode& n, std::string_view what);
  std::optional<Channel> channel(const YNode& n);
  std::vector<Band> bands(const YNode& n, Cited& bands_cite);
  std::optional<Adjustment> adjustment(const YNode& n, Kind kind, std::string_view what);
  std::uint16_t slot(const std::string& id) {
    auto it = std::find(p_.slots.begin(), p_.slots.end(), id);
    if (it != p_.slots.end()) return static_cast<std::uint16_t>(it - p_.slots.begin());
    p_.slots.push_back(id);
    return static_cast<std::uint16_t>(p_.slots.size() - 1);
  }
  std::uint32_t add_node(CondNode node, const std::vector<std::int32_t>& kids) {
    node.first_child = static_cast<std::uint32_t>(p_.children.size());
    node.child_count = static_cast<std::uint32_t>(kids.size());
    for (auto k : kids) p_.children.push_back(static_cast<std::uint32_t>(k));
    p_.nodes.push_back(node);
    return static_cast<std::uint32_t>(p_.nodes.size() - 1);
  }
  template <class F>
  std::uint64_t mask_of(const YNode& n, std::string_view what, F lookup) {
    std::vector<const YNode*> items;
    if (n.is_sequence()) {
      for (const auto& i : n.items) items.push_back(&i);
      if (items.empty()) err(n, fmt::format("{}: the list is empty", what));
    } else {
      items.push_back(&n);
    }
    std::uint64_t mask = 0;
    for (const YNode* i : items) {
      auto t = text(*i, what);
      if (!t) continue;
      mask |= lookup(*i, *t);
    }
    return mask;
  }
};

void Compiler::identity_sets(const YNode& n) {
  if (!expect_map(n, "identity_sets")) return;
  for (const auto& [k, v] : n.pairs) {
    if (identity_from(k.text)) {
      err(k, fmt::format("identity set '{}' has the name of an identity", k.text));
      continue;
    }
    const YNode* members = &v;
    if (v.is_map()) {
      check_keys(v, {"members", "source"}, fmt::format("identity set '{}'", k.text));
      (void)source_of(v);
      members = require(v, "members", fmt::format("identity set '{}'", k.text));
      if (!members) continue;
    }
    if (!expect_list(*members, fmt::format("identity set '{}'", k.text))) continue;
    IdentitySet set{};
    for (const YNode& m : members->items) {
      auto t = text(m, "identity");
      if (!t) continue;
      if (auto id = identity_from(*t)) set |= bit(*id);
      else err(m, fmt::format("unknown identity '{}' (expected one of: {})", *t, identity_names()));
    }
    sets_[k.text] = set;
    p_.identity_sets.emplace_back(k.text, set);
  }
}

void Compiler::disease_groups(const YNode& n) {
  if (!expect_map(n, "disease_groups")) return;
  for (const auto& [k, v] : n.pairs) {
    if (p_.groups.size() >= 64) {
      err(k, "more than 64 disease groups");
      break;
    }
    DiseaseGroup g;
    g.name = k.text;
    g.cite = cite(k);
    const YNode* entries = &v;
    if (v.is_map()) {
      check_keys(v, {"entries", "source"}, fmt::format("disease group '{}'", k.text));
      g.cite.source = source_of(v);
      entries = require(v, "entries", fmt::format("disease group '{}'", k.text));
      if (!entries) continue;
    }
    if (!expect_list(*entries, fmt::format("disease group '{}'", k.text))) continue;
    for (const YNode& e : entries->items) {
      const YNode* code = &e;
      DiseaseEntry entry;
      if (e.is_map()) {
        check_keys(e, {"code", "max_age"}, "a disease entry");
        code = require(e, "code", "a disease entry");
        if (!code) continue;
        if (const YNode* age = e.find("max_age")) {
          auto a = age->is_scalar() ? small_integer(age->text) : std::nullopt;
          if (!a || *a > 150) err(*age, "max_age: expected a whole number of years from 0 to 150");
          else entry.max_age = static_cast<int>(*a);
        }
      }
      auto t = text(*code, "a disease entry");
      if (!t) continue;
      std::string u = upper(*t);
      auto valid_code = [](std::string_view s) {
        return !s.empty() && s.size() <= 10 && std::isalpha(static_cast<unsigned char>(s[0])) &&
               std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.'; });
      };
      if (auto dash = u.find('-'); dash != std::string::npos) {
        std::string lo = u.substr(0, dash), hi = u.substr(dash + 1);
        if (lo.size() != 3 || hi.size() != 3 || !valid_code(lo) || !valid_code(hi) || lo > hi) {
          err(*code, fmt::format("'{}' is not a range of three-character categories like C00-C97", *t));
          continue;
        }
        entry.low = lo;
        entry.high = hi;
      } else {
        if (!valid_code(u)) {
          err(*code, fmt::format("'{}' is not an ICD-10 code prefix like C15 or N18.5", *t));
          continue;
        }
        entry.prefix = u;
      }
      g.entries.push_back(std::move(entry));
    }
    group_index_[g.name] = p_.groups.size();
    p_.groups.push_back(std::move(g));
  }
}

std::int32_t Compiler::condition(const YNode& n, std::string_view what, int depth) {
  if (depth > 16) {
    err(n, "conditions nested deeper than 16 levels");
    return -1;
  }
  if (!expect_map(n, what)) return -1;
  check_keys(n, {"all", "any", "not", "identity", "hospital_level", "region", "category", "insurance", "age",
                 "principal_diagnosis", "any_diagnosis", "flag", "source"},
             what);
  std::uint32_t source = source_of(n);
  std::vector<std::int32_t> parts;
  for (const auto& [k, v] : n.pairs) {
    const std::string& key = k.text;
    CondNode node;
    node.cite = cite(k, source);
    if (key == "source") continue;
    if (key == "all" || key == "any") {
      if (!expect_list(v, key)) continue;
      if (v.items.empty()) err(v, fmt::format("{}: the list is empty", key));
      std::vector<std::int32_t> kids;
      for (const YNode& c : v.items) {
        std::int32_t id = condition(c, key, depth + 1);
        if (id >= 0) kids.push_back(id);
      }
      node.op = key == "all" ? CondOp::all : CondOp::any;
      parts.push_back(static_cast<std::int32_t>(add_node(node, kids)));
    } else if (key == "not") {
      std::int32_t id = condition(v, "not", depth + 1);
      node.op = CondOp::not_;
      if (id >= 0) parts.push_back(static_cast<std::int32_t>(add_node(node, {id})));
    } else if (key == "identity") {
      node.op = CondOp::identity;
      node.mask = mask_of(v, key, [&](const YNode& at, const std::string& t) -> std::uint64_t {
        if (auto id = identity_from(t)) return bit(*id).bits();
        if (auto it = sets_.find(t); it != sets_.end()) return it->second.bits();
        err(at, fmt::format("identity: '{}' is neither an identity ({}) nor a defined identity set", t, identity_names()));
        return 0;
      });
      parts.push_back(static_cast<std::int32_t>(add_node(node, {})));
    } else if (key == "hospital_level" || key == "region" || key == "category" || key == "insurance" || key == "flag") {
      node.op = key == "hospital_level" ? CondOp::hospital_level
                : key == "region"       ? CondOp::region
                : key == "category"     ? CondOp::category
                : key == "insurance"    ? CondOp::insurance
                                        : CondOp::flag;
      node.mask = mask_of(v, key, [&](const YNode& at, const std::string& t) -> std::uint64_t {
        std::optional<unsigned> bitno;
        std::string_view expected;
        if (key == "hospital_level") {
          if (auto x = hospital_level_from(t)) bitno = static_cast<unsigned>(*x);
          expected = hospital_level_names();
        } else if (key == "region") {
          if (auto x = region_from(t)) bitno = static_cast<unsigned>(*x);
          expected = region_names();
        } else if (key == "category") {
          if (auto x = category_from(t)) bitno = static_cast<unsigned>(*x);
          expected = "I, II, III";
        } else if (key == "insurance") {
          if (auto x = insurance_from(t)) bitno = static_cast<unsigned>(*x);
          expected = "resident, employee";
        } else {
          if (auto x = flag_from(t)) bitno = static_cast<unsigned>(*x);
          expected = flag_names();
        }
        if (!bitno) {
          err(at, fmt::format("{}: unknown value '{}' (expected one of: {})", key, t, expected));
          return 0;
        }
        return std::uint64_t{1} << *bitno;
      });
      parts.push_back(static_cast<std::int32_t>(add_node(node, {})));
    } else if (key == "age") {
      node.op = CondOp::age;
      if (expect_map(v, "age")) {
        check_keys(v, {"min", "max"}, "age");
        if (v.pairs.empty()) err(v, "age: give min, max or both");
        for (const auto& [ak, av] : v.pairs) {
          auto a = av.is_scalar() ? small_integer(av.text) : std::nullopt;
          if (!a || *a > 150) { err(av, fmt::format("age.{}: expected a whole number of years from 0 to 150", ak.text)); continue; }
          (ak.text == "min" ? node.min_age : node.max_age) = static_cast<int>(*a);
        }
        if (node.min_age > node.max_age) err(v, "age: min is above max");
      }
      parts.push_back(static_cast<std::int32_t>(add_node(node, {})));
    } else if (key == "principal_diagnosis" || key == "any_diagnosis") {
      node.op = key == "principal_diagnosis" ? CondOp::principal_diagnosis : CondOp::any_diagnosis;
      node.mask = mask_of(v, key, [&](const YNode& at, const std::string& t) -> std::uint64_t {
        auto it = group_index_.find(t);
        if (it == group_index_.end()) {
          err(at, fmt::format("{}: '{}' is not a defined disease group", key, t));
          return 0;
        }
        return std::uint64_t{1} << it->second;
      });
      parts.push_back(static_cast<std::int32_t>(add_node(node, {})));
    }
  }
  if (parts.empty()) {
    if (n.pairs.empty() || (n.pairs.size() == 1 && n.find("source"))) err(n, fmt::format("{}: the condition is empty", what));
    return -1;
  }
  if (parts.size() == 1) return parts.front();
  CondNode all;
  all.op = CondOp::all;
  all.cite = cite(n, source);
  return static_cast<std::int32_t>(add_node(all, parts));
}

std::optional<Limit> Compiler::limit(const YNode& n, std::string_view what) {
  Limit l;
  if (n.is_map() && n.find("fraction")) {
    check_keys(n, {"fraction", "of", "source"}, what);
    l.cite = cite(n, source_of(n));
    auto f = rate(*n.find("fraction"), fmt::format("{}.fraction", what));
    const YNode* of = require(n, "of", what);
    if (!f || !of) return std::nullopt;
    auto ref = choice<int>(*of, fmt::format("{}.of", what), {"total", "in_scope"});
    if (!ref) return std::nullopt;
    l.kind = *ref == 0 ? LimitKind::fraction_of_total : LimitKind::fraction_of_in_scope;
    l.fraction = *f;
    return l;
  }
  auto a = amount_value(n, what);
  if (!a) return std::nullopt;
  l.kind = LimitKind::amount;
  l.amount = *a;
  l.cite = a->cite;
  return l;
}

std::vector<Band> Compiler::bands(const YNode& n, Cited& bands_cite) {
  const YNode* steps = &n;
  bands_cite = cite(n);
  if (n.is_map()) {
    check_keys(n, {"steps", "source"}, "bands");
    bands_cite.source = source_of(n);
    steps = require(n, "steps", "bands");
    if (!steps) return {};
  }
  std::vector<Band> out;
  if (!expect_list(*steps, "bands")) return out;
  if (steps->items.empty()) err(*steps, "bands: at least one band is required");
  if (steps->items.size() > 16) err(*steps, "bands: at most 16 bands");
  for (std::size_t i = 0; i < steps->items.size(); ++i) {
    const YNode& b = steps->items[i];
    std::string what = fmt::format("bands[{}]", i);
    if (!expect_map(b, what)) continue;
    check_keys(b, {"upto", "rate", "source"}, what);
    Band band;
    bool last = i + 1 == steps->items.size();
    if (const YNode* u = b.find("upto")) {
      if (last) err(*u, fmt::format("{}: the last band has no 'upto' (it covers the rest)", what));
      band.upto = amount_value(*u, what + ".upto");
    } else if (!last) {
      err(b, fmt::format("{}: every band but the last needs 'upto'", what));
    }
    if (const YNode* r = require(b, "rate", what)) {
      if (auto rv = rate_value(*r, what + ".rate")) band.rate = *rv;
    }
    if (std::uint32_t s = source_of(b); s != no_source) band.rate.cite.source = s;
    if (band.upto && !out.empty() && out.back().upto) {
      for (std::size_t l = 0; l < hospital_level_count; ++l) {
        if (band.upto->by_level[l] <= out.back().upto->by_level[l]) {
          err(*b.find("upto"), fmt::format("{}: bands must increase: upto {} is not above the previous band's {}", what,
                                           format(band.upto->by_level[l]), format(out.back().upto->by_level[l])));
          break;
        }
      }
    }
    if (band.upto && out.empty()) {
      for (std::size_t l = 0; l < hospital_level_count; ++l) {
        if (band.upto->by_level[l] <= Fen(0)) {
          err(*b.find("upto"), fmt::format("{}: upto must be above 0", what));
          break;
        }
      }
    }
    out.push_back(std::move(band));
  }
  return out;
}

std::optional<Adjustment> Compiler::adjustment(const YNode& n, Kind kind, std::string_view what) {
  if (!expect_map(n, what)) return std::nullopt;
  check_keys(n, {"when", "rate_add", "rate_set", "deductible_scale", "deductible_set", "cap_year_set", "cap_stay_set",
                 "limit_set", "source"},
             what);
  Adjustment a;
  a.cite = cite(n, source_of(n));
  if (const YNode* w = require(n, "when", what)) a.when = condition(*w, fmt::format("{}.when", what));
  for (const auto& [k, v] : n.pairs) {
    const std::string& key = k.text;
    if (key == "when" || key == "source") continue;
    Change c;
    c.cite = cite(v, a.cite.source);
    bool coins_only = key != "limit_set";
    if (coins_only && kind != Kind::coinsurance) {
      err(k, fmt::format("{}: '{}' applies to coinsurance channels only", what, key));
      continue;
    }
    if (!coins_only && kind != Kind::cap) {
      err(k, fmt::format("{}: 'limit_set' applies to cap channels only", what));
      continue;
    }
    if (key == "rate_add") {
      c.kind = ChangeKind::rate_add;
      auto t = text(v, key);
      if (!t) continue;
      RateParse r = parse_rate_delta(*t);
      if (!r) { err(v, fmt::format("rate_add: '{}' is not a rate change in [-1, 1] with at most 4 decimals", *t)); continue; }
      c.rate = r.value;
    } else if (key == "rate_set") {
      c.kind = ChangeKind::rate_set;
      auto r = rate(v, key);
      if (!r) continue;
      c.rate = *r;
    } else if (key == "deductible_scale") {
      c.kind = ChangeKind::deductible_scale;
      auto t = text(v, key);
      if (!t) continue;
      auto f = parse_factor(*t);
      if (!f) { err(v, fmt::format("deductible_scale: '{}' is not a factor like 0.5 (at most 4 decimals)", *t)); continue; }
      c.rate = *f;
    } else if (key == "deductible_set") {
      c.kind = ChangeKind::deductible_set;
      auto x = amount(v, key);
      if (!x) continue;
      c.amount = *x;
    } else if (key == "cap_year_set" || key == "cap_stay_set") {
      c.kind = key == "cap_year_set" ? ChangeKind::cap_year_set : ChangeKind::cap_stay_set;
      if (v.is_scalar() && v.plain && v.text == "none") {
        c.none = true;
      } else {
        auto x = amount(v, key);
        if (!x) continue;
        c.amount = *x;
      }
    } else if (key == "limit_set") {
      c.kind = ChangeKind::limit_set;
      auto l = limit(v, key);
      if (!l) continue;
      c.limit = *l;
    }
    a.changes.push_back(c);
  }
  bool any_change_key = std::any_of(n.pairs.begin(), n.pairs.end(),
                                    [](const auto& kv) { return kv.first.text != "when" && kv.first.text != "source"; });
  if (!any_change_key) err(n, fmt::format("{}: no change given (rate_add, rate_set, ...)", what));
  return a;
}

std::optional<Channel> Compiler::channel(const YNode& n) {
  if (!expect_map(n, "channel")) return std::nullopt;
  Channel ch;
  std::string what = "channel";
  if (const YNode* id = require(n, "id", what)) {
    if (auto t = text(*id, "id")) {
      ch.id = *t;
      what = fmt::format("channel '{}'", ch.id);
      bool ok = std::all_of(t->begin(), t->end(), [](char c) { return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'; });
      if (!ok) err(*id, fmt::format("id: '{}' must be lower case letters, digits and _", *t));
    }
  }
  ch.cite = cite(n, source_of(n));
  auto kind = n.find("kind") ? choice<Kind>(*n.find("kind"), "kind", {"coinsurance", "cap", "grant"}) : std::nullopt;
  if (!n.find("kind")) err(n, fmt::format("{}: missing required key 'kind'", what));
  ch.kind = kind.value_or(Kind::coinsurance);
  switch (ch.kind) {
    case Kind::coinsurance:
      check_keys(n, {"id", "name", "kind", "fund_pay_type", "reports_as", "base", "period", "when", "source",
                     "deductible", "rate", "bands", "cap_stay", "cap_year", "referral", "adjustments"},
                 what + " (kind coinsurance)");
      break;
    case Kind::cap:
      check_keys(n, {"id", "name", "kind", "fund_pay_type", "reports_as", "base", "period", "when", "source", "limit",
                     "adjustments"},
                 what + " (kind cap)");
      break;
    case Kind::grant:
      check_keys(n, {"id", "name", "kind", "fund_pay_type", "reports_as", "base", "when", "source", "amount",
                     "once_per"},
                 what + " (kind grant)");
      break;
  }
  if (const YNode* v = require(n, "name", what)) {
    if (auto t = text(*v, "name")) ch.name = *t;
  }
  if (const YNode* v = require(n, "fund_pay_type", what)) {
    if (auto t = text(*v, "fund_pay_type")) {
      if (t->size() != 6 || !std::all_of(t->begin(), t->end(), [](char c) { return c >= '0' && c <= '9'; })) {
        err(*v, fmt::format("fund_pay_type: '{}' is not a six-digit fund code like \"390100\"", *t));
      }
      ch.fund_pay_type = *t;
    }
  }
  if (const YNode* v = require(n, "reports_as", what)) {
    if (auto r = choice<ReportsAs>(*v, "reports_as", {"hifp_pay", "hifmi_pay", "maf_pay", "hosp_part_amt", "oth_pay"}))
      ch.reports_as = *r;
  }
  if (const YNode* v = require(n, "base", what)) {
    if (expect_list(*v, "base")) {
      if (v->items.empty()) err(*v, "base: at least one bucket is required");
      for (const YNode& b : v->items) {
        auto t = text(b, "base");
        if (!t) continue;
        auto bucket = bucket_from(*t);
        if (!bucket) {
          err(b, fmt::format("base: unknown bucket '{}' (expected one of: in_scope, pre_selfpay, over_limit, full_selfpay)", *t));
          continue;
        }
        if (std::find(ch.base.begin(), ch.base.begin() + ch.base_count, *bucket) != ch.base.begin() + ch.base_count) {
          err(b, fmt::format("base: bucket '{}' is listed twice", *t));
          continue;
        }
        if (ch.base_count < bucket_count) ch.base[ch.base_count++] = *bucket;
      }
    }
  }
  if (ch.kind != Kind::grant) {
    if (const YNode* v = require(n, "period", what)) {
      if (auto pd = choice<Period>(*v, "period", {"stay", "year"})) ch.period = *pd;
    }
  }
  if (const YNode* w = n.find("when")) ch.when = condition(*w, "when");

  if (ch.kind == Kind::coinsurance) {
    if (const YNode* d = n.find("deductible")) {
      if (auto v = amount_value(*d, "deductible")) ch.deductible = *v;
    } else {
      ch.deductible = Leveled<Fen>::once(Fen(0));
      ch.deductible.cite = cite(n);
    }
    const YNode* r = n.find("rate");
    const YNode* b = n.find("bands");
    if (r && b) err(*b, fmt::format("{}: give 'rate' or 'bands', not both", what));
    if (!r && !b) err(n, fmt::format("{}: missing 'rate' (or 'bands')", what));
    if (r) {
      if (auto v = rate_value(*r, "rate")) {
        Band band;
        band.rate = *v;
        ch.bands.push_back(band);
        ch.bands_cite = v->cite;
      }
    } else if (b) {
      ch.bands = bands(*b, ch.bands_cite);
    }
    if (const YNode* c = n.find("cap_stay")) ch.cap_stay = amount_value(*c, "cap_stay");
    if (const YNode* c = n.find("cap_year")) ch.cap_year = amount_value(*c, "cap_year");
    if (const YNode* ref = n.find("referral")) {
      if (choice<int>(*ref, "referral", {"continuous"})) {
        ch.referral_continuous = true;
        ch.referral_cite = cite(*ref);
      }
      if (ch.period != Period::stay) err(*ref, "referral: continuous needs period: stay");
    }
  } else if (ch.kind == Kind::cap) {
    if (const YNode* l = require(n, "limit", what)) {
      if (auto lim = limit(*l, "limit")) {
        ch.limit = *lim;
        if (lim->kind != LimitKind::amount && ch.period == Period::year) {
          err(*l, "limit: a fraction of the stay's total or in_scope needs period: stay");
        }
      }
    }
  } else {
    if (const YNode* a = require(n, "amount", what)) {
      if (a->is_map()) {
        check_keys(*a, {"value", "source"}, "amount");
        ch.grant_cite = cite(*a, source_of(*a));
        if (const YNode* v = require(*a, "value", "amount")) {
          if (auto x = amount(*v, "amount")) ch.grant_amount = *x;
        }
      } else if (auto x = amount(*a, "amount")) {
        ch.grant_amount = *x;
        ch.grant_cite = cite(*a);
      }
    }
    if (const YNode* o = require(n, "once_per", what)) {
      if (auto pd = choice<Period>(*o, "once_per", {"stay", "year"})) ch.once_per = *pd;
    }
  }
  if (const YNode* adj = n.find("adjustments")) {
    if (expect_list(*adj, "adjustments")) {
      for (std::size_t i = 0; i < adj->items.size(); ++i) {
        if (auto a = adjustment(adj->items[i], ch.kind, fmt::format("adjustments[{}]", i))) {
          // a fraction limit_set on a year cap is as wrong as a fraction limit
          for (const Change& c : a->changes) {
            if (c.kind == ChangeKind::limit_set && c.limit.kind != LimitKind::amount && ch.period == Period::year) {
              diags_.push_back({file_, c.cite.line, c.cite.column,
                                "limit_set: a fraction of the stay's total or in_scope needs period: stay"});
            }
          }
          ch.adjustments.push_back(std::move(*a));
        }
      }
    }
  }
  return ch;
}

void Compiler::compile(const YNode& root) {
  if (!expect_map(root, "the rule file")) return;
  check_keys(root, {"medsettle", "id", "title", "documents", "rounding", "class_b_selfpay", "until", "identity_sets",
                    "disease_groups", "versions"},
             "the rule file");
  if (const YNode* v = require(root, "medsettle", "the rule file")) {
    if (!v->is_scalar() || v->text != "1") err(*v, "medsettle: this program reads rule-file format 1");
  }
  if (const YNode* v = require(root, "id", "the rule file")) {
    if (auto t = text(*v, "id")) p_.id = *t;
  }
  if (const YNode* v = root.find("title")) {
    if (auto t = text(*v, "title")) p_.title = *t;
  }
  if (const YNode* v = root.find("documents")) {
    if (expect_map(*v, "documents")) {
      for (const auto& [k, d] : v->pairs) {
        if (auto t = text(d, "documents")) p_.documents.emplace_back(k.text, *t);
      }
    }
  }
  if (const YNode* v = root.find("rounding")) {
    if (auto r = choice<Rounding>(*v, "rounding", {"half_up", "half_even"})) p_.rounding = *r;
  }
  if (const YNode* v = require(root, "class_b_selfpay", "the rule file")) {
    if (auto r = rate_value(*v, "class_b_selfpay")) {
      if (r->per_level) err(*v, "class_b_selfpay: one value for every level");
      p_.class_b_selfpay = r->by_level[0];
      p_.class_b_cite = r->cite;
    }
  }
  if (const YNode* v = root.find("until")) p_.until = date(*v, "until");
  if (const YNode* v = root.find("identity_sets")) identity_sets(*v);
  if (const YNode* v = root.find("disease_groups")) disease_groups(*v);

  const YNode* versions = require(root, "versions", "the rule file");
  if (!versions || !expect_list(*versions, "versions")) return;
  if (versions->items.empty()) err(*versions, "versions: at least one version is required");
  // The channel maps of the previous version, for versions that give only changes.
  std::vector<YNode> previous;
  // Every version is compiled in full, so 'changes' repeat the previous
  // version's channels: a small file of many versions could make a huge
  // plan. The values compiled over all versions share the file's limit.
  std::size_t compiled_values = 0;
  const std::size_t max_values = YamlLimits{}.max_nodes;
  for (std::size_t vi = 0; vi < versions->items.size(); ++vi) {
    const YNode& vn = versions->items[vi];
    std::string what = fmt::format("versions[{}]", vi);
    if (!expect_map(vn, what)) continue;
    check_keys(vn, {"from", "source", "channels", "changes"}, what);
    Version ver;
    ver.cite = cite(vn, source_of(vn));
    if (const YNode* f = require(vn, "from", what)) {
      if (auto d = date(*f, "from")) {
        ver.from = *d;
        if (!p_.versions.empty() && ver.from <= p_.versions.back().from) {
          err(*f, fmt::format("from: versions must be in date order; {} is not after {}", format(ver.from),
                              format(p_.versions.back().from)));
        }
      }
    }
    const YNode* channels = vn.find("channels");
    const YNode* changes = vn.find("changes");
    std::vector<YNode> maps;
    if (channels && changes) {
      err(*changes, fmt::format("{}: give 'channels' or 'changes', not both", what));
    } else if (channels) {
      if (expect_list(*channels, "channels")) maps = channels->items;
      if (channels->is_sequence() && channels->items.empty()) err(*channels, "channels: at least one channel is required");
    } else if (changes) {
      if (vi == 0 || previous.empty()) {
        err(*changes, "changes: the first version must list its channels");
      } else if (expect_map(*changes, "changes")) {
        maps = previous;
        // Named references, not structured bindings: the lambdas below
        // capture them, which clang 14 does not allow for bindings.
        for (const YPair& change : changes->pairs) {
          const YNode& cid = change.first;
          const YNode& overrides = change.second;
          auto it = std::find_if(maps.begin(), maps.end(), [&](const YNode& m) {
            const YNode* id = m.find("id");
            return id && id->text == cid.text;
          });
          if (it == maps.end()) {
            err(cid, fmt::format("changes: the previous version has no channel '{}'", cid.text));
            continue;
          }
          if (!expect_map(overrides, fmt::format("changes.{}", cid.text))) continue;
          for (const YPair& entry : overrides.pairs) {
            const YNode& k = entry.first;
            const YNode& v = entry.second;
            if (k.text == "id") {
              err(k, "changes: a channel's id cannot change");
              continue;
            }
            // 'rate' and 'bands' are one parameter written two ways: a change to one replaces the other.
            if (k.text == "rate" || k.text == "bands") {
              std::string_view other = k.text == "rate" ? "bands" : "rate";
              std::erase_if(it->pairs, [&](const auto& kv) { return kv.first.text == other; });
            }
            auto slot = std::find_if(it->pairs.begin(), it->pairs.end(), [&](const auto& kv) { return kv.first.text == k.text; });
            if (slot != it->pairs.end()) slot->second = v;
            else it->pairs.emplace_back(k, v);
          }
        }
      }
    } else {
      err(vn, fmt::format("{}: give 'channels' (the full list) or 'changes' (to the previous version)", what));
    }
    for (const YNode& m : maps) compiled_values += count_values(m);
    if (compiled_values > max_values) {
      err(vn, fmt::format("{}: with the changes carried forward, the versions hold more than {} values; "
                          "give fewer versions or split the rule file",
                          what, max_values));
      break;
    }
    std::set<std::string, std::less<>> ids;
    for (const YNode& m : maps) {
      auto ch = channel(m);
      if (!ch) continue;
      if (!ch->id.empty() && !ids.insert(ch->id).second) {
        err(m, fmt::format("channel id '{}' is used twice in this version", ch->id));
        continue;
      }
      if (!ch->id.empty()) ch->slot = slot(ch->id);
      ver.band_count += ch->bands.size();
      p_.has_referral = p_.has_referral || ch->referral_continuous;
      ver.channels.push_back(std::move(*ch));
    }
    previous = std::move(maps);
    p_.versions.push_back(std::move(ver));
  }
  if (p_.until && !p_.versions.empty() && *p_.until < p_.versions.back().from) {
    err(*root.find("until"), fmt::format("until: {} is before the last version's from date {}", format(*p_.until),
                                         format(p_.versions.back().from)));
  }
}

}  // namespace

std::shared_ptr<const PlanData> compile_rules(std::string_view text, const std::string& file,
                                              std::vector<RuleDiagnostic>& diags) {
  std::size_t before = diags.size();
  YNode root = parse_yaml(text, file, diags);
  if (diags.size() > before && root.kind == YNode::Kind::null) return nullptr;
  auto plan = std::make_shared<PlanData>();
  plan->file = file;
  plan->digest = sha256_digest(text);
  Compiler(file, diags, *plan).compile(root);
  if (diags.size() > before) {
    std::stable_sort(diags.begin() + static_cast<std::ptrdiff_t>(before), diags.end(),
                     [](const RuleDiagnostic& a, const RuleDiagnostic& b) {
                       return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                     });
    // A channel carried into a later version by 'changes' is compiled again:
    // report each problem once.
    auto last = std::unique(diags.begin() + static_cast<std::ptrdiff_t>(before), diags.end(),
                            [](const RuleDiagnostic& a, const RuleDiagnostic& b) {
                              return a.line == b.line && a.column == b.column && a.message == b.message;
                            });
    diags.erase(last, diags.end());
    return nullptr;
  }
  return plan;
}

}  // namespace medsettle::detail
