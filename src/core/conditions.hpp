// Conditions (SEMANTICS.md §9): does a stay meet a channel's or an
// adjustment's `when`? Internal.
#pragma once

#include <cstdint>
#include <string>

#include "core/model.hpp"
#include "medsettle/stay.hpp"

namespace medsettle::detail {

/// Which disease groups the principal diagnosis, and any diagnosis, fall
/// in; worked out on first use, since most stays never reach a diagnosis test.
struct DiagnosisGroups {
  std::uint64_t principal = 0, any = 0;
  bool known = false;
};

/// Whether condition node `node` (-1: none, always true) holds for the stay.
bool holds(const PlanData& p, std::int32_t node, const Stay& s, DiagnosisGroups& dx);

/// A condition as text: `identity: dibao and region: in_county`,
/// `any of (principal_diagnosis: major_29; category: II)`, `not (...)`.
std::string condition_text(const PlanData& p, std::int32_t node, bool top = true);

/// A step's choice as text: "hospital_level county", "when identity: dibao"; "" for none.
std::string choice_text(const PlanData& p, const Choice& c);

}  // namespace medsettle::detail
