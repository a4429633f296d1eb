// Internal pieces of the engine shared with the batch.
#pragma once

#include <memory>
#include <optional>
#include <span>

#include "core/model.hpp"
#include "medsettle/settle.hpp"

namespace medsettle::detail {

/// The referral and `prior` checks of SEMANTICS.md §8 for a stay settled
/// under version `version_index`: the stay's own errors, found without
/// touching the ledger. `started_in_run`: a rejected record of this run
/// placed the stay's year (§8, §11: counts for this run only).
std::optional<Rejection> check_links(const PlanData& plan, const Stay& stay, const Ledger& ledger,
                                     std::size_t version_index, std::uint64_t line, bool started_in_run = false);

/// settle() as the batch calls it: `plan` is the reference the settlement
/// keeps (the batch gives each thread its own, so that threads do not share
/// a reference count), the stay is validated, and the ledger is the batch's
/// own (bound to `plan`, the person's, without the stay).
Outcome settle_checked(const Plan& plan, const std::shared_ptr<const PlanData>& ref, const Stay& stay, Ledger& ledger,
                       const SettleOptions& options, std::uint64_t line);

/// A reference to `plan`'s data with its own reference count: copies of it
/// made by one thread do not contend with other threads' copies.
std::shared_ptr<const PlanData> private_reference(const std::shared_ptr<const PlanData>& plan);

/// The outcome the batch gives a record it cannot place in a person's
/// order (a rejected record without a person or a discharge date), decided
/// without the rest of the batch: the kept ledgers' duplicate when `book`
/// holds its stay id, else its own rejection. nullopt for any other record.
std::optional<Rejection> unplaceable(const Record& rec, const LedgerBook* book);

/// What a caller of settle_batch_into has made sure of already, so that
/// the batch need not check it again.
struct Checked {
  /// No two of the records hold the same stay id (the caller decided the
  /// duplicates, and left them out as null records).
  bool unique_ids = false;
  /// Each person's records are consecutive (no person comes back after
  /// another's records).
  bool grouped = false;
};

/// settle_batch over records the caller holds: `out[i]` receives the
/// outcome of `*records[i]`. A null record is skipped, its outcome left as
/// the caller put it (the stream's duplicates, decided before). The records
/// must outlive the call; `out` has one element per record. What `checked`
/// claims must hold: the batch relies on it.
void settle_batch_into(const Plan& plan, std::span<const Record* const> records, std::span<Outcome> out,
                       const BatchOptions& options, Checked checked = {});

}  // namespace medsettle::detail
