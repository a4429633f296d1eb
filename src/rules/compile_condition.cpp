// Step 3, conditions: each test's names resolved to a mask (identities and
// sets, levels, regions, classes, schemes, flags, disease groups), the tree
// laid out as the engine's nodes.
#include "rules/compile_support.hpp"
#include "rules/names.hpp"

namespace medsettle::detail::rule {

namespace {

/// A word of the vocabulary as its bit, and the words a test accepts.
struct Vocabulary {
  std::optional<unsigned> bit;
  std::string_view expected;
};

template <class E>
std::optional<unsigned> bit_of(std::optional<E> e) {
  if (!e) return std::nullopt;
  return static_cast<unsigned>(*e);
}

Vocabulary vocabulary(CondOp op, const std::string& word) {
  switch (op) {
    case CondOp::hospital_level: return {bit_of(hospital_level_from(word)), hospital_level_names()};
    case CondOp::region: return {bit_of(region_from(word)), region_names()};
    case CondOp::category: return {bit_of(category_from(word)), "I, II, III"};
    case CondOp::insurance: return {bit_of(insurance_from(word)), "resident, employee"};
    default: return {bit_of(flag_from(word)), flag_names()};
  }
}

}  // namespace

std::uint32_t Compiler::add_node(CondNode node, const std::vector<std::int32_t>& kids) {
  node.first_child = static_cast<std::uint32_t>(p_.children.size());
  node.child_count = static_cast<std::uint32_t>(kids.size());
  for (auto k : kids) p_.children.push_back(static_cast<std::uint32_t>(k));
  p_.nodes.push_back(node);
  return static_cast<std::uint32_t>(p_.nodes.size() - 1);
}

std::uint64_t Compiler::names_mask(const TestSpec& t) {
  const std::string_view key = name_of(test_names, t.op);
  std::uint64_t mask = 0;
  for (const Name& n : t.names) {
    if (t.op == CondOp::identity) {
      if (auto id = identity_from(n.text)) {
        mask |= bit(*id).bits();
      } else if (auto it = sets_.find(n.text); it != sets_.end()) {
        mask |= it->second.bits();
      } else {
        error(n.at, message(N_("identity: '{}' is neither an identity ({}) nor a defined identity set"), n.text,
                            identity_names()));
      }
    } else if (t.op == CondOp::principal_diagnosis || t.op == CondOp::any_diagnosis) {
      auto it = group_index_.find(n.text);
      if (it == group_index_.end()) {
        error(n.at, message(N_("{}: '{}' is not a defined disease group"), key, n.text));
      } else {
        mask |= std::uint64_t{1} << it->second;
      }
    } else {
      const Vocabulary v = vocabulary(t.op, n.text);
      if (!v.bit) {
        error(n.at, message(N_("{}: unknown value '{}' (expected one of: {})"), key, n.text, v.expected));
      } else {
        mask |= std::uint64_t{1} << *v.bit;
      }
    }
  }
  return mask;
}

std::int32_t Compiler::condition(const ConditionSpec& c) {
  report(c.problems);
  if (!c.usable) return -1;
  const std::uint32_t source = intern(c.source);
  std::vector<std::int32_t> parts;
  for (const TestSpec& t : c.tests) {
    report(t.problems);
    if (!t.usable) continue;
    CondNode node;
    node.op = t.op;
    node.cite = cite(t.key, source);
    std::vector<std::int32_t> kids;
    for (const ConditionSpec& child : t.children) {
      const std::int32_t id = condition(child);
      if (id >= 0) kids.push_back(id);
    }
    if (t.op == CondOp::not_ && kids.empty()) continue;
    if (t.op == CondOp::age) {
      node.min_age = t.min_age;
      node.max_age = t.max_age;
    } else if (t.op != CondOp::all && t.op != CondOp::any && t.op != CondOp::not_) {
      node.mask = names_mask(t);
    }
    parts.push_back(static_cast<std::int32_t>(add_node(node, kids)));
  }
  if (parts.empty()) {
    report(c.empty);
    return -1;
  }
  if (parts.size() == 1) return parts.front();
  CondNode all;
  all.op = CondOp::all;
  all.cite = cite(c.at, source);
  return static_cast<std::int32_t>(add_node(all, parts));
}

}  // namespace medsettle::detail::rule
