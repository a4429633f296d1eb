#include "core/conditions.hpp"

#include <string>
#include <string_view>

#include "core/hot.hpp"

namespace medsettle::detail {

namespace {

/// The names of the bits set in `mask`, in the enumeration's order.
template <class E>
std::string names_in(std::uint64_t mask, std::size_t count) {
  std::string out;
  for (std::size_t b = 0; b < count; ++b) {
    if (((mask >> b) & 1u) == 0) continue;
    out += (out.empty() ? "" : ", ") + std::string(name(static_cast<E>(b)));
  }
  return out;
}

std::string test_text(const PlanData& p, const CondNode& n) {
    switch (n.op) {
    case CondOp::identity: return "identity: " + names_in<Identity>(n.mask, 5);
    case CondOp::hospital_level: return "hospital_level: " + names_in<HospitalLevel>(n.mask, hospital_level_count);
    case CondOp::region: return "region: " + names_in<Region>(n.mask, 4);
    case CondOp::category: return "category: " + names_in<Category>(n.mask, 4);
    case CondOp::insurance: return "insurance: " + names_in<Insurance>(n.mask, 2);
    case CondOp::flag: return "flag: " + names_in<Flag>(n.mask, 3);
    case CondOp::age: {
      std::string out = "age:";
      if (n.min_age > 0) out += " min " + std::to_string(n.min_age);
      if (n.max_age < 1000) out += " max " + std::to_string(n.max_age);
      return out;
    }
    case CondOp::principal_diagnosis:
    case CondOp::any_diagnosis: {
      std::string out = n.op == CondOp::principal_diagnosis ? "principal_diagnosis: " : "any_diagnosis: ";
      bool first = true;
      for (std::size_t g = 0; g < p.groups.size(); ++g) {
        if (((n.mask >> g) & 1u) == 0) continue;
        out += (first ? "" : ", ") + p.groups[g].name;
        first = false;
      }
      return out;
    }
    default: return {};
  }
}


/// ASCII letters fold to upper case, nothing else (SEMANTICS.md v2 §2).
char upper_ascii(char c) noexcept { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

bool starts_with_nocase(std::string_view code, std::string_view prefix) noexcept {
  if (code.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (upper_ascii(code[i]) != prefix[i]) return false;
  }
  return true;
}

bool in_range_nocase(std::string_view code, std::string_view low, std::string_view high) noexcept {
  if (code.size() < 3) return false;
  const char c3[3] = {upper_ascii(code[0]), upper_ascii(code[1]), upper_ascii(code[2])};
  const std::string_view three(c3, 3);
  return three >= low && three <= high;
}

bool in_group(const DiseaseGroup& group, std::string_view code, int age) noexcept {
  for (const auto& e : group.entries) {
    if (e.max_age && age > *e.max_age) continue;
    if (e.prefix.empty() ? in_range_nocase(code, e.low, e.high) : starts_with_nocase(code, e.prefix)) return true;
  }
  return false;
}

MEDSETTLE_HOT void find_groups(const PlanData& p, const Stay& stay, DiagnosisGroups& g) {
  g.known = true;
  for (std::size_t gi = 0; gi < p.groups.size(); ++gi) {
    for (std::size_t di = 0; di < stay.diagnoses.size(); ++di) {
      if (!in_group(p.groups[gi], stay.diagnoses[di], stay.age)) continue;
      g.any |= std::uint64_t{1} << gi;
      if (di == 0) g.principal |= std::uint64_t{1} << gi;
    }
  }
}

bool all_of_children(const PlanData& p, const CondNode& n, const Stay& s, DiagnosisGroups& dx) {
  for (std::uint32_t i = 0; i < n.child_count; ++i) {
    if (!holds(p, static_cast<std::int32_t>(p.children[n.first_child + i]), s, dx)) return false;
  }
  return true;
}

bool any_of_children(const PlanData& p, const CondNode& n, const Stay& s, DiagnosisGroups& dx) {
  for (std::uint32_t i = 0; i < n.child_count; ++i) {
    if (holds(p, static_cast<std::int32_t>(p.children[n.first_child + i]), s, dx)) return true;
  }
  return false;
}

}  // namespace

MEDSETTLE_HOT bool holds(const PlanData& p, std::int32_t node, const Stay& s, DiagnosisGroups& dx) {
  if (node < 0) return true;
  const CondNode& n = p.nodes[static_cast<std::size_t>(node)];
  auto member = [&](unsigned b) { return ((n.mask >> b) & 1u) != 0; };
  switch (n.op) {
    case CondOp::all: return all_of_children(p, n, s, dx);
    case CondOp::any: return any_of_children(p, n, s, dx);
    case CondOp::not_: return !holds(p, static_cast<std::int32_t>(p.children[n.first_child]), s, dx);
    case CondOp::identity: return (s.identities.bits() & n.mask) != 0;
    case CondOp::hospital_level: return member(static_cast<unsigned>(s.hospital_level));
    case CondOp::region: return member(static_cast<unsigned>(s.region));
    case CondOp::category: return s.category != Category::none && member(static_cast<unsigned>(s.category));
    case CondOp::insurance: return member(static_cast<unsigned>(s.insurance));
    case CondOp::flag: return (s.flags.bits() & n.mask) != 0;
    case CondOp::age: return s.age >= n.min_age && s.age <= n.max_age;
    case CondOp::principal_diagnosis:
      if (!dx.known) find_groups(p, s, dx);
      return (dx.principal & n.mask) != 0;
    case CondOp::any_diagnosis:
      if (!dx.known) find_groups(p, s, dx);
      return (dx.any & n.mask) != 0;
  }
  return false;
}

/// A condition as text: `identity: dibao and region: in_county`,
/// `any of (principal_diagnosis: major_29; category: II)`, `not (...)`.
std::string condition_text(const PlanData& p, std::int32_t node, bool top) {
    const CondNode& n = p.nodes[static_cast<std::size_t>(node)];
  if (n.op != CondOp::all && n.op != CondOp::any && n.op != CondOp::not_) return test_text(p, n);
  std::string inner;
  for (std::uint32_t i = 0; i < n.child_count; ++i) {
    const auto child = static_cast<std::int32_t>(p.children[n.first_child + i]);
    inner += (i ? (n.op == CondOp::all && top ? " and " : "; ") : "") + condition_text(p, child, false);
  }
  if (n.op == CondOp::not_) return "not (" + inner + ")";
  if (n.op == CondOp::all) return top ? inner : "all of (" + inner + ")";
  return "any of (" + inner + ")";
}

std::string choice_text(const PlanData& p, const Choice& c) {
  switch (c.by) {
    case Choice::By::nothing: return {};
    case Choice::By::hospital_level: return "hospital_level " + std::string(name(c.level));
    case Choice::By::condition: return c.condition >= 0 ? "when " + condition_text(p, c.condition) : std::string{};
    case Choice::By::hospital_level_and_condition:
      return "hospital_level " + std::string(name(c.level)) +
             (c.condition >= 0 ? "; when " + condition_text(p, c.condition) : std::string{});
  }
  return {};
}

}  // namespace medsettle::detail
