// Step 1, conditions: a map of tests as a tree of names. The names (identities,
// sets, levels, groups, ...) are resolved by compile.
#include "rules/limits.hpp"
#include "rules/parse_support.hpp"

namespace medsettle::detail::rule {

namespace {

/// The items of a test that takes one value or a list.
std::vector<Name> names_in(const YNode& n, std::string_view what, Problems& out) {
  std::vector<const YNode*> items;
  if (n.is_sequence()) {
    for (const auto& i : n.items) items.push_back(&i);
    if (items.empty()) add(out, n, message(N_("{}: the list is empty"), what));
  } else {
    items.push_back(&n);
  }
  std::vector<Name> names;
  for (const YNode* i : items) {
    if (auto t = text(*i, what, out)) names.push_back({*t, pos(*i)});
  }
  return names;
}

void age_test(const YNode& v, TestSpec& t) {
  if (!expect_map(v, "age", t.problems)) return;
  check_keys(v, {"min", "max"}, "age", t.problems);
  if (v.pairs.empty()) add(t.problems, v, message(N_("age: give min, max or both")));
  for (const auto& [ak, av] : v.pairs) {
    auto a = av.is_scalar() ? small_integer(av.text) : std::nullopt;
    if (!a || *a > 150) {
      add(t.problems, av, message(N_("age.{}: expected a whole number of years from 0 to 150"), ak.text));
      continue;
    }
    (ak.text == "min" ? t.min_age : t.max_age) = static_cast<int>(*a);
  }
  if (t.min_age > t.max_age) add(t.problems, v, message(N_("age: min is above max")));
}

/// One test; false when it makes no node (an `all` or `any` that is not a list).
bool read_test(const std::string& key, const YNode& v, int depth, TestSpec& t) {
  switch (t.op) {
    case CondOp::all:
    case CondOp::any:
      if (!expect_list(v, key, t.problems)) return false;
      if (v.items.empty()) add(t.problems, v, message(N_("{}: the list is empty"), key));
      for (const YNode& c : v.items) t.children.push_back(parse_condition(c, key, depth + 1));
      return true;
    case CondOp::not_:
      t.children.push_back(parse_condition(v, "not", depth + 1));
      return true;
    case CondOp::age:
      age_test(v, t);
      return true;
    default:
      t.names = names_in(v, key, t.problems);
      return true;
  }
}

}  // namespace

std::size_t ConditionSpec::size() const {
  std::size_t n = 0;
  for (const TestSpec& t : tests) {
    n += t.usable ? 1 : 0;
    for (const ConditionSpec& c : t.children) n += c.size();
  }
  return n;
}

ConditionSpec parse_condition(const YNode& n, std::string_view what, int depth) {
  ConditionSpec c;
  c.at = pos(n);
  if (depth > static_cast<int>(limits::condition_depth)) {
    add(c.problems, n, message(N_("conditions nested deeper than {} levels"), limits::condition_depth));
    return c;
  }
  if (!expect_map(n, what, c.problems)) return c;
  c.usable = true;
  check_keys(n,
             {"all", "any", "not", "identity", "hospital_level", "region", "category", "insurance", "age",
              "principal_diagnosis", "any_diagnosis", "flag", "source"},
             what, c.problems);
  c.source = source_of(n, c.problems);
  for (const auto& [k, v] : n.pairs) {
    auto op = value_named(test_names, k.text);
    if (!op) continue;  // source, or an unknown key (reported above)
    TestSpec t;
    t.op = *op;
    t.key = pos(k);
    t.usable = read_test(k.text, v, depth, t);
    c.tests.push_back(std::move(t));
  }
  if (depth == 0 && c.size() > limits::condition_tests) {
    add(c.problems, n,
        message(N_("{}: more than {} tests in one condition (all, any and not count as tests)"), what,
                limits::condition_tests));
  }
  if (n.pairs.empty() || (n.pairs.size() == 1 && n.find("source"))) {
    add(c.empty, n, message(N_("{}: the condition is empty"), what));
  }
  return c;
}

}  // namespace medsettle::detail::rule
