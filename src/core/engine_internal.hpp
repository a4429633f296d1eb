// Internal pieces of the engine shared with the batch.
#pragma once

#include <optional>
#include <span>

#include "medsettle/engine.hpp"

namespace medsettle::detail {

/// The referral and `prior` checks of SEMANTICS.md §8 for a stay settled
/// under version `version_index`: the stay's own errors, found without
/// touching the ledger.
std::optional<Rejection> check_links(const Plan& plan, const Stay& stay, const Ledger& ledger,
                                     std::size_t version_index, std::uint64_t line);

/// settle_batch over records the caller holds: `out[i]` receives the
/// outcome of `*records[i]`. A null record is skipped, its outcome left as
/// the caller put it (the stream's duplicates, decided before). The records
/// must outlive the call; `out` has one element per record.
void settle_batch_into(const Plan& plan, std::span<const Record* const> records, std::span<Outcome> out,
                       const BatchOptions& options);

}  // namespace medsettle::detail
