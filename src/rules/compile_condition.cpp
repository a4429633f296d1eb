// Step 3, conditions: each test's names resolved to a mask (identities and
// sets, levels, regions, classes, schemes, flags, disease groups), the tree
// laid out as the engine's nodes.
#include "rules/compile_support.hpp"
#include "rules/names.hpp"
#include "rules/parse_support.hpp"

namespace medsettle::detail::rule {

namespace {

/// A word of the vocabulary as its bit, and the words a test accepts.
struct Vocabulary {
  std::optional<unsigned> bit;
  std::vector<std::string_view> expected;
};

template <class E>
std::optional<unsigned> bit_of(std::optional<E> e) {
  if (!e) return std::nullopt;
  return static_cast<unsigned>(*e);
}

Vocabulary vocabulary(CondOp op, const std::string& word) {
  switch (op) {
    case CondOp::hospital_level: return {bit_of(hospital_level_from(word)), split(hospital_level_names())};
    case CondOp::region: return {bit_of(region_from(word)), split(region_names())};
    case CondOp::category: return {bit_of(category_from(word)), {"I", "II", "III"}};
    case CondOp::insurance: return {bit_of(insurance_from(word)), {"resident", "employee"}};
    default: return {bit_of(flag_from(word)), split(flag_names())};
  }
}

}  // namespace

Message Compiler::unknown_identity(const std::string& word) const {
  std::vector<std::string_view> known = split(identity_names());
  for (const auto& [name, set] : sets_) known.push_back(name);
  if (auto near = nearest(word, known)) {
    return message(N_("identity: '{}' is neither an identity ({}) nor a defined identity set; did you mean '{}'?"), word,
                   identity_names(), *near);
  }
  return message(N_("identity: '{}' is neither an identity ({}) nor a defined identity set"), word, identity_names());
}

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
        error(n.at, unknown_identity(n.text));
      }
    } else if (t.op == CondOp::principal_diagnosis || t.op == CondOp::any_diagnosis) {
      auto it = group_index_.find(n.text);
      if (it == group_index_.end()) {
        std::vector<std::string_view> groups;
        for (const DiseaseGroup& g : p_.groups) groups.push_back(g.name);
        if (auto near = nearest(n.text, groups)) {
          error(n.at, message(N_("{}: '{}' is not a defined disease group; did you mean '{}'?"), key, n.text, *near));
        } else {
          error(n.at, message(N_("{}: '{}' is not a defined disease group"), key, n.text));
        }
      } else {
        mask |= std::uint64_t{1} << it->second;
      }
    } else {
      const Vocabulary v = vocabulary(t.op, n.text);
      if (!v.bit) {
        error(n.at, unknown_value(key, n.text, v.expected));
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
