#include "core/conditions.hpp"

#include <string_view>

namespace medsettle::detail {

namespace {

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

void find_groups(const PlanData& p, const Stay& stay, DiagnosisGroups& g) {
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

bool holds(const PlanData& p, std::int32_t node, const Stay& s, DiagnosisGroups& dx) {
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

}  // namespace medsettle::detail
