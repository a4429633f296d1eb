// medsettle/settle.hpp: settling stays (SEMANTICS.md §4–§11).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <string_view>
#include <variant>
#include <vector>

#include "medsettle/errors.hpp"
#include "medsettle/export.hpp"
#include "medsettle/ledger.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/record.hpp"
#include "medsettle/settlement.hpp"
#include "medsettle/stay.hpp"
#include "medsettle/trace.hpp"

namespace medsettle {

struct SettleOptions {
  bool trace = false;  ///< attach the steps to the settlement (Settlement::trace)
  /// Settle under the version in force on this date instead of the
  /// discharge date (auditors' "as of" replays). The ledger year is still
  /// the discharge date's.
  std::optional<Date> as_of;
  /// Receives every step as it happens (with or without `trace`). Not owned.
  Observer* observer = nullptr;
  /// With `trace`: also fill each TraceStep's texts (`kind`, the English
  /// `message`, `chosen_by`) as the stay settles. False leaves them empty
  /// and records only the typed steps: a trace then costs a small part of
  /// one with its texts (bench/README.md, "Traces"), and the texts are made
  /// when shown, from the steps, by step_name(), describe() and
  /// describe_choice() (what `explain`, the C ABI and Python do).
  /// (Last, so that a struct filled in order as before still means the same.)
  bool trace_text = true;
};

/// A settled stay, or why it was rejected: failure is ordinary data.
///
/// An Outcome is a handle (four words) to its settlement or rejection. In a
/// batch, these live in the arena of the thread that settled them (with
/// their lists: one arena per thread of a batch, reused batch after batch);
/// otherwise on the heap, where a dropped settlement is kept by its thread
/// as a spare for the next settle() (docs/ARCHITECTURE.md, "What flows"). Copies are deep and on the heap; a move takes the
/// result and leaves the source empty: neither settled nor rejected, and
/// settlement() and rejection() throw std::bad_variant_access, as they do
/// for the other kind.
class MEDSETTLE_API Outcome {
 public:
  Outcome(Settlement s);  // NOLINT: implicit by design
  Outcome(Rejection r);   // NOLINT
  /// An empty settlement made in place, to be filled (no Settlement moved).
  explicit Outcome(std::in_place_type_t<Settlement> /*tag*/);
  /// Empty (what a moved-from Outcome is): a placeholder to be assigned.
  Outcome() noexcept = default;
  Outcome(const Outcome& other);
  Outcome(Outcome&& other) noexcept
      : p_(std::exchange(other.p_, nullptr)), arena_(std::move(other.arena_)), settled_(other.settled_) {}
  Outcome& operator=(const Outcome& other) {
    if (this != &other) Outcome(other).swap(*this);
    return *this;
  }
  Outcome& operator=(Outcome&& other) noexcept {
    Outcome(std::move(other)).swap(*this);
    return *this;
  }
  ~Outcome() {
    if (p_) release();
  }
  void swap(Outcome& other) noexcept {
    std::swap(p_, other.p_);
    arena_.swap(other.arena_);
    std::swap(settled_, other.settled_);
  }

  [[nodiscard]] bool settled() const noexcept { return p_ && settled_; }
  /// Neither settled nor rejected: default-made or moved from.
  [[nodiscard]] bool empty() const noexcept { return !p_; }
  [[nodiscard]] const Settlement& settlement() const { return *static_cast<const Settlement*>(get(true)); }
  [[nodiscard]] Settlement& settlement() { return *static_cast<Settlement*>(get(true)); }
  [[nodiscard]] const Rejection& rejection() const { return *static_cast<const Rejection*>(get(false)); }
  [[nodiscard]] Rejection& rejection() { return *static_cast<Rejection*>(get(false)); }

 private:
  [[nodiscard]] void* get(bool settlement) const {
    if (!p_ || settled_ != settlement) throw std::bad_variant_access();
    return p_;
  }
  void release() noexcept;

  void* p_ = nullptr;                    ///< the Settlement or the Rejection
  std::shared_ptr<ResultArena> arena_;  ///< where *p_ lives; none: the heap
  bool settled_ = false;
};

/// Settles one stay of a person against that person's ledger, per
/// SEMANTICS.md §2–§8 and §10: the stay is validated (validate()), then
/// checked against the ledger (another person's stay: bad_value at
/// person_id; a stay id the ledger holds: duplicate_stay_id; a referral to
/// a stay it does not hold; a `prior` on a year that has started), then
/// settled. On success the ledger records the stay; on a rejection or an
/// exception it is exactly as before. `line` goes into a rejection.
/// Throws UsageError for a ledger of another rule set or one in use by
/// another thread. Thread-safe for distinct ledgers: the Plan is shared
/// read-only.
[[nodiscard]] MEDSETTLE_API Outcome settle(const Plan& plan, const Stay& stay, Ledger& ledger,
                                           const SettleOptions& options = {}, std::uint64_t line = 0);

/// What reversing a stay did (SEMANTICS.md §11).
struct Reversal {
  std::vector<LedgerStay> reversed;   ///< the stays reversed, latest first (as the ledger held them)
  std::optional<Rejection> refused;   ///< unknown_stay or not_last; then nothing changed
  [[nodiscard]] bool ok() const noexcept { return !refused; }
};

/// Reverses settled stay `stay_id` (撤销结算): the ledger returns exactly to
/// what it was before that stay. The stay must be the person's last
/// settled stay (else not_last, naming the later stays), unless `cascade`,
/// which reverses the later stays first, latest first.
[[nodiscard]] MEDSETTLE_API Reversal reverse(Ledger& ledger, std::string_view stay_id, bool cascade = false);

/// The most threads a batch uses, whatever it is asked for.
inline constexpr unsigned max_batch_threads = 256;

/// Where a batch finds each person's ledger before the run and leaves it
/// after: a kept ledger (SEMANTICS.md §11). Both are called once per person
/// that has a record placed in the run, from the thread that settles that
/// person: an implementation must allow calls for different persons at once.
class MEDSETTLE_API LedgerBook {
 public:
  virtual ~LedgerBook();
  /// The person's ledger before the run; an empty one if the person has none.
  virtual Ledger open(std::string_view person_id) = 0;
  /// The person's ledger after the run (the run's settled stays posted).
  virtual void close(std::string_view person_id, Ledger&& ledger) = 0;
  /// Whether the kept ledger already holds a settled stay with this id, of
  /// any person (§11: stay ids are unique across persons): such a record is
  /// rejected duplicate_stay_id before anything else and does not cascade.
  /// Called for every record with a readable stay id (some more than once),
  /// one call at a time, not always from the same thread.
  [[nodiscard]] virtual bool holds(std::string_view stay_id) const = 0;
};

struct BatchOptions {
  SettleOptions settle;
  /// Persons are partitioned across threads (at most max_batch_threads, and
  /// at most one per person); the result does not depend on it. The calling
  /// thread settles too; the others are the library's standing workers,
  /// started when first needed and kept, idle, for the process's life (as
  /// many as the most threads any call has asked for, less one; calls made
  /// at once share them, and a call's calling thread does any part of it no
  /// worker is free to take).
  unsigned threads = 1;
  /// Kept ledgers to settle against (not owned); none: every person starts empty.
  LedgerBook* ledgers = nullptr;
};

/// Settles a batch of records (SEMANTICS.md §8, §10): duplicate stay ids,
/// processing order per person, ledgers, referrals, `prior`, rejections
/// and their cascade. Returns one Outcome per record, in input order.
[[nodiscard]] MEDSETTLE_API std::vector<Outcome> settle_batch(const Plan& plan, const std::vector<Record>& records,
                                                              const BatchOptions& options = {});

/// The outcome of the stay `stay_id` among `records`, settled as in a batch
/// of them (the person's other records are settled too, so that the year's
/// ledger is right; the first record of the id stands), with `options`
/// (SettleOptions::trace, for `explain`). nullopt if no record has that id.
[[nodiscard]] MEDSETTLE_API std::optional<Outcome> settle_one_of(const Plan& plan, const std::vector<Record>& records,
                                                                 std::string_view stay_id,
                                                                 const SettleOptions& options = {});

}  // namespace medsettle
