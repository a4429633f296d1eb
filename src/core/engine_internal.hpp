// Internal pieces of the engine shared with the batch.
#pragma once

#include <optional>

#include "medsettle/engine.hpp"

namespace medsettle::detail {

/// The referral and `prior` checks of SEMANTICS.md §8 for a stay settled
/// under version `version_index`: the stay's own errors, found without
/// touching the ledger.
std::optional<Rejection> check_links(const Plan& plan, const Stay& stay, const Ledger& ledger,
                                     std::size_t version_index, std::uint64_t line);

}  // namespace medsettle::detail
