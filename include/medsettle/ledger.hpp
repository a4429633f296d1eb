// medsettle/ledger.hpp: one person's running figures (SEMANTICS.md §8, §11).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "medsettle/date.hpp"
#include "medsettle/errors.hpp"
#include "medsettle/export.hpp"
#include "medsettle/money.hpp"

namespace medsettle {

class Plan;
namespace detail {
struct PlanData;
struct LedgerAccess;
}  // namespace detail

/// One channel's figures in one person-year.
struct ChannelLedger {
  Fen accumulated{};        ///< coinsurance, year: base accumulated; cap, year: the patient's kept share
  Fen paid{};               ///< paid by the channel this year (every kind)
  std::int64_t grants = 0;  ///< grants paid this year
  friend bool operator==(const ChannelLedger&, const ChannelLedger&) = default;
};

// ---- a ledger as plain data (INTERCHANGE.md, "A person's ledger as JSON") ----

/// One channel's figures, by channel id.
struct LedgerFigures {
  std::string channel;
  ChannelLedger figures;
  friend bool operator==(const LedgerFigures&, const LedgerFigures&) = default;
};

/// A person-year: whether it has started, and the figures of every channel
/// that has any (channels with all figures zero are left out).
struct LedgerYear {
  int year = 0;
  bool started = false;
  std::vector<LedgerFigures> channels;
  friend bool operator==(const LedgerYear&, const LedgerYear&) = default;
};

/// A settled stay as the ledger keeps it: enough to refer to it and to
/// reverse it exactly.
struct LedgerStay {
  std::string stay_id;
  int year = 0;                 ///< the ledger year (of the discharge date)
  Date version{};               ///< the `from` date of the version it was settled under
  std::string digest;           ///< the rule file's digest
  std::vector<std::pair<std::string, Fen>> deductibles;  ///< the deductible each channel applied (those above 0)
  bool started_before = false;  ///< whether its year had started before it
  std::vector<LedgerFigures> before;  ///< its year's figures before it (all-zero channels left out)
  friend bool operator==(const LedgerStay&, const LedgerStay&) = default;
};

/// A person's whole ledger: the same content as the JSON form.
struct LedgerSnapshot {
  std::string person_id;
  std::string rules;                ///< the rule set id it belongs to
  std::vector<LedgerYear> years;    ///< ascending; years not started and all zero are left out
  std::vector<LedgerStay> stays;    ///< settled and not reversed, in settlement order
  friend bool operator==(const LedgerSnapshot&, const LedgerSnapshot&) = default;
};

/// A person's ledger: per calendar year of the discharge date, per channel
/// (the same channel id keeps its figures across versions and across newer
/// files of the same rule set), and the person's settled stays in
/// settlement order, each with what it applied and what its year was
/// before it.
///
/// A ledger is guarded: it belongs to one person (bound by its first stay)
/// and one rule set id; settle() refuses another person's stay and a stay it
/// already holds, and changes it only when a stay settles (never on a
/// rejection or an exception). Only settle() and reverse() change it. It can
/// be written out as data (snapshot, and the JSON form in writer.hpp) and
/// read back (restore). Not thread-safe: a ledger used by two threads at
/// once is refused (UsageError); different ledgers may be used by any threads.
class MEDSETTLE_API Ledger {
 public:
  Ledger();
  explicit Ledger(const Plan& plan);
  Ledger(const Ledger& other);
  Ledger& operator=(const Ledger& other);
  Ledger(Ledger&& other) noexcept;
  Ledger& operator=(Ledger&& other) noexcept;
  ~Ledger();

  /// The person it belongs to; empty until its first stay.
  [[nodiscard]] std::string_view person_id() const noexcept;
  /// The rule set id it belongs to; empty if made without a plan and not used yet.
  [[nodiscard]] std::string_view rules() const noexcept;

  /// The figures of a channel slot (of the Plan it was made for) in a year;
  /// zero if nothing is recorded.
  [[nodiscard]] ChannelLedger get(int year, std::size_t slot) const noexcept;
  /// The figures of a channel, by id, in a year; zero if nothing is recorded.
  [[nodiscard]] ChannelLedger figures(int year, std::string_view channel_id) const noexcept;
  /// Whether the year has started (a stay of it settled, with or without a
  /// `prior`): a `prior` is then refused.
  [[nodiscard]] bool year_started(int year) const noexcept;
  /// Years with figures, ascending.
  [[nodiscard]] std::vector<int> years() const;
  [[nodiscard]] std::size_t slot_count() const noexcept;

  /// The settled stays, in settlement order.
  [[nodiscard]] std::vector<std::string> stay_ids() const;
  [[nodiscard]] bool holds(std::string_view stay_id) const noexcept;
  /// The deductibles a settled stay applied, by slot (empty if they were not
  /// kept); nullopt if the stay is not in this ledger.
  [[nodiscard]] std::optional<std::span<const Fen>> deductibles_of(std::string_view stay_id) const noexcept;

  /// The ledger as plain data.
  [[nodiscard]] LedgerSnapshot snapshot() const;
  /// A ledger from plain data, for settling under `plan` (a plan of the
  /// snapshot's rule set id; channels are matched by id). Throws Error if
  /// the snapshot is inconsistent (another rule set, a stay twice, a stay
  /// of a year that has not started, a year twice).
  [[nodiscard]] static Ledger restore(const Plan& plan, const LedgerSnapshot& snapshot);
  /// The same without a plan (a kept ledger read back to be shown or
  /// reversed, where no rule file is at hand): channels keep their ids; the
  /// first settle() binds it to a plan of its rule set id.
  [[nodiscard]] static Ledger restore(const LedgerSnapshot& snapshot);

  friend bool operator==(const Ledger& a, const Ledger& b) { return a.snapshot() == b.snapshot(); }

 private:
  friend struct detail::LedgerAccess;
  struct Year {
    int year = 0;
    bool started = false;
    std::vector<ChannelLedger> slots;
  };
  /// A settled stay. What it keeps by slot lives in flat vectors shared by
  /// all stays (no heap block per stay): its year's figures before it in
  /// before_[before_at, + before_count), its deductibles in
  /// deductibles_[deductibles_at, + deductibles_count).
  struct StayEntry {
    std::string id;
    int year = 0;
    Date version{};
    std::uint32_t digest = 0;           ///< 0: the plan's digest; k: digests_[k - 1]
    bool had_year = false;              ///< whether its year had a record before it
    bool started_before = false;
    std::size_t before_at = 0, before_count = 0;            ///< count 0: history not kept
    std::size_t deductibles_at = 0, deductibles_count = 0;  ///< count 0: not kept
  };
  /// A flag that tells when two threads use the ledger at once; not copied.
  struct InUse {
    std::atomic<bool> flag{false};
    InUse() = default;
    InUse(const InUse&) noexcept {}
    InUse& operator=(const InUse&) noexcept { return *this; }
  };

  std::shared_ptr<const detail::PlanData> plan_;  ///< its slot table and rule set id
  std::vector<std::string> extra_ids_;            ///< channel ids of slots beyond the plan's
  std::string rules_;
  std::string person_;
  std::vector<Year> years_;
  std::vector<StayEntry> stays_;
  std::vector<std::string> digests_;    ///< digests of other files the stays were settled under
  std::vector<ChannelLedger> before_;   ///< see StayEntry
  std::vector<Fen> deductibles_;        ///< see StayEntry
  // Past `indexed_from` stays an index by id keeps look-ups from turning quadratic.
  static constexpr std::size_t indexed_from = 16;
  std::unordered_multimap<std::size_t, std::size_t> index_;  ///< hash of an id -> its position
  bool history_ = true;  ///< keep each stay's year before it (for reversal); batches leave it off
  InUse in_use_;

  /// Fills `l` (empty, its rule set set) from `snapshot`.
  static Ledger restore_into(Ledger l, const LedgerSnapshot& snapshot);
  [[nodiscard]] const StayEntry* find_stay(std::string_view id) const noexcept;
  /// The digest of the file a stay was settled under.
  [[nodiscard]] std::string_view digest_of(const StayEntry& e) const noexcept;
  /// 0 for the plan's digest, else 1 + its place in digests_ (added if new).
  std::uint32_t intern_digest(std::string_view digest);
  [[nodiscard]] std::string_view slot_id(std::size_t slot) const noexcept;
  [[nodiscard]] std::optional<std::size_t> slot_of(std::string_view id) const noexcept;
  Year* find(int year) noexcept;
  [[nodiscard]] const Year* find(int year) const noexcept;
};

}  // namespace medsettle
