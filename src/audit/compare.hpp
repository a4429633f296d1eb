// Comparing one recorded settlement with its recomputation. Internal to the
// audit layer.
#pragma once

#include "audit/recorded.hpp"
#include "medsettle/replay.hpp"
#include "medsettle/settlement.hpp"

namespace medsettle::audit {

/// Adds to `rep` the differences between `r` and `s`, their totals, and the
/// items `r` does not give (not compared). Returns whether anything differs.
bool compare(ReplayReport& rep, const Recorded& r, const Settlement& s);

}  // namespace medsettle::audit
