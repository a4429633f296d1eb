// medsettle/ledger.hpp: one person's running figures (SEMANTICS.md §8).
#pragma once

#include <cstdint>
#include <functional>
#include <unordered_map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "medsettle/export.hpp"
#include "medsettle/money.hpp"

namespace medsettle {

class Plan;

/// One channel's figures in one person-year.
struct ChannelLedger {
  Fen accumulated{};        ///< coinsurance, year: base accumulated; cap, year: the patient's kept share
  Fen paid{};               ///< paid by the channel this year (every kind)
  std::int64_t grants = 0;  ///< grants paid this year
  friend bool operator==(const ChannelLedger&, const ChannelLedger&) = default;
};

/// A person's ledger: per calendar year of the discharge date, per channel
/// (by ledger slot: the same channel id keeps its figures across versions),
/// and, per settled stay, the deductible each channel applied (for
/// referrals). A ledger belongs to one Plan. Not thread-safe; a caller that
/// settles one stay at a time keeps it between calls.
class MEDSETTLE_API Ledger {
 public:
  Ledger() = default;
  explicit Ledger(const Plan& plan);

  /// The figures of a channel slot in a year; zero if nothing is recorded.
  [[nodiscard]] ChannelLedger get(int year, std::size_t slot) const noexcept;
  /// Mutable figures (creates the year).
  ChannelLedger& at(int year, std::size_t slot);
  /// Whether a stay of this year has been placed (settled, or rejected in a
  /// batch while a version was in force): a `prior` is then refused.
  [[nodiscard]] bool year_started(int year) const noexcept;
  void start_year(int year);

  /// Records a settled stay and the deductible each slot applied.
  void record_stay(std::string_view stay_id, std::vector<Fen> deductibles);
  /// The deductibles a settled stay applied, by slot; nullptr if the stay
  /// is not in this ledger.
  [[nodiscard]] const std::vector<Fen>* deductibles_of(std::string_view stay_id) const noexcept;

  /// Years with figures, ascending.
  [[nodiscard]] std::vector<int> years() const;
  [[nodiscard]] std::size_t slot_count() const noexcept { return slots_; }

 private:
  struct Year {
    int year;
    bool started;
    std::vector<ChannelLedger> slots;
  };
  std::size_t slots_ = 0;
  std::vector<Year> years_;
  struct StayEntry {
    std::string id;
    std::vector<Fen> deductibles;
  };
  // The settled stays in order; most persons have a few, searched in
  // place. Past `indexed_from` stays an index by id keeps the look-ups of
  // a person with very many stays from turning quadratic.
  static constexpr std::size_t indexed_from = 16;
  std::vector<StayEntry> stays_;
  std::unordered_multimap<std::size_t, std::size_t> index_;  ///< hash of an id -> its position; empty below indexed_from
  [[nodiscard]] const StayEntry* find_stay(std::string_view id) const noexcept;
  Year* find(int year) noexcept;
  const Year* find(int year) const noexcept;
};

}  // namespace medsettle
