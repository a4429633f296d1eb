// What the engine and the batch do to a Ledger, which nobody else may:
// bind it to a plan, read a year, and post a settled stay (strong
// guarantee: all of it or nothing). Internal.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "core/model.hpp"
#include "medsettle/ledger.hpp"

namespace medsettle::detail {

/// A settled stay, ready to post: everything prepared before the ledger changes.
struct Posting {
  int year = 0;
  const Version* version = nullptr;
  std::span<const ChannelLedger> after;   ///< by channel index of `version`: the year's figures after the stay
  std::span<const Fen> deductibles;       ///< by channel index: the deductible applied
  std::string_view stay_id, person_id;
  bool keep_deductibles = false;          ///< for referrals (always kept with history)
};

struct LedgerAccess {
  /// A ledger for a batch: bound to `plan` (whose reference the caller
  /// shares), without history (it is never reversed or written out).
  static Ledger for_batch(std::shared_ptr<const PlanData> plan) {
    Ledger l;
    l.plan_ = std::move(plan);
    l.rules_ = l.plan_->id;
    l.history_ = false;
    return l;
  }
  /// Binds the ledger to `plan`: its first plan, or another file of the same
  /// rule set (channels matched by id). Throws UsageError for another rule set.
  static void bind(Ledger& l, const std::shared_ptr<const PlanData>& plan) {
    if (l.plan_ != plan) rebind(l, plan);  // nearly always bound already: the rest stays out of line
  }
  /// Before the ledger changes plan: its stays keep the digest they were settled under.
  static void keep_digests(Ledger& l, const std::shared_ptr<const PlanData>& plan);
  /// The figures of a slot in a year (zero if none).
  static ChannelLedger figures(const Ledger& l, int year, std::size_t slot) noexcept { return l.get(year, slot); }
  /// A year's figures by slot; empty if the year has none.
  static std::span<const ChannelLedger> year_figures(const Ledger& l, int year) noexcept {
    const Ledger::Year* y = l.find(year);
    return y ? std::span<const ChannelLedger>(y->slots) : std::span<const ChannelLedger>();
  }
  /// Records a settled stay; the ledger is unchanged if this throws.
  static void post(Ledger& l, const Posting& p);
  /// Marks the ledger in use by this thread; throws UsageError if another holds it.
  class Use {
   public:
    explicit Use(Ledger& l);
    ~Use() { l_.in_use_.flag.store(false, std::memory_order_release); }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;

   private:
    Ledger& l_;
  };
  /// Removes the last stay and restores its year as it was before it.
  static LedgerStay pop_last(Ledger& l);
  static std::string_view last_stay(const Ledger& l) noexcept {
    return l.stays_.empty() ? std::string_view{} : std::string_view(l.stays_.back().id);
  }
  static bool has_history(const Ledger& l) noexcept { return l.history_; }

 private:
  struct Remap;  // moves a ledger's vectors by slot to another slot table
  /// bind() for a ledger not yet bound to `plan`.
  static void rebind(Ledger& l, const std::shared_ptr<const PlanData>& plan);
  /// Adds a new stay's id to the ledger's index (from indexed_from stays on).
  static void index_stay(Ledger& l, std::string_view id);
};

}  // namespace medsettle::detail
