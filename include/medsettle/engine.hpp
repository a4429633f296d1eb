// medsettle/engine.hpp: settling stays.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <variant>
#include <vector>

#include "medsettle/errors.hpp"
#include "medsettle/export.hpp"
#include "medsettle/ledger.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/reader.hpp"
#include "medsettle/settlement.hpp"
#include "medsettle/stay.hpp"

namespace medsettle {

struct SettleOptions {
  bool trace = false;  ///< attach a step-by-step explanation
  /// Settle under the version in force on this date instead of the
  /// discharge date (auditors' "as of" replays). The ledger year is still
  /// the discharge date's.
  std::optional<Date> as_of;
};

/// A settled stay, or why it was rejected: failure is ordinary data.
class Outcome {
 public:
  Outcome(Settlement s) : v_(std::move(s)) {}  // NOLINT: implicit by design
  Outcome(Rejection r) : v_(std::move(r)) {}   // NOLINT
  [[nodiscard]] bool settled() const noexcept { return v_.index() == 0; }
  [[nodiscard]] const Settlement& settlement() const { return std::get<0>(v_); }
  [[nodiscard]] Settlement& settlement() { return std::get<0>(v_); }
  [[nodiscard]] const Rejection& rejection() const { return std::get<1>(v_); }
  [[nodiscard]] Rejection& rejection() { return std::get<1>(v_); }

 private:
  std::variant<Settlement, Rejection> v_;
};

/// Settles one stay of a person, given that person's ledger, per
/// SEMANTICS.md §4–§8. On success the ledger is updated; on rejection
/// (no version in force, a referral to a stay not in the ledger, a `prior`
/// that cannot be honoured) it is untouched. `line` goes into a rejection.
/// Thread-safe for distinct ledgers: the Plan is shared read-only.
[[nodiscard]] MEDSETTLE_API Outcome settle(const Plan& plan, const Stay& stay, Ledger& ledger, const SettleOptions& options = {},
                             std::uint64_t line = 0);

struct BatchOptions {
  SettleOptions settle;
  unsigned threads = 1;  ///< persons are partitioned across threads; the result does not depend on it
};

/// Settles a batch of records (SEMANTICS.md §8, §10): duplicate stay ids,
/// processing order per person, ledgers, referrals, `prior`, rejections
/// and their cascade. Returns one Outcome per record, in input order.
[[nodiscard]] MEDSETTLE_API std::vector<Outcome> settle_batch(const Plan& plan, const std::vector<Record>& records,
                                                              const BatchOptions& options = {});

}  // namespace medsettle
