// medsettle/settlement.hpp: the itemized result of settling one stay.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "medsettle/date.hpp"
#include "medsettle/errors.hpp"
#include "medsettle/export.hpp"
#include "medsettle/money.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/stay.hpp"
#include "medsettle/trace.hpp"

namespace medsettle {

/// What limited a channel's payment, if anything.
enum class Limiter : std::uint8_t {
  none,
  cap_stay,     ///< the per-stay cap
  cap_year,     ///< what was left of the yearly cap
  base,         ///< the remaining base
  grant_used,   ///< a once-a-year grant already paid this year
};
MEDSETTLE_API std::string_view name(Limiter) noexcept;

/// The part of the amount above the deductible that fell in one band, and
/// that band's rate.
struct BandShare {
  Fen amount{};
  Rate rate{};
};

/// The memory of a batch's settlements' lists (opaque; src/core/result_arena.hpp).
class ResultArena;
/// `bytes` from `arena` (never freed one by one: the arena's memory goes
/// when the last list that uses it goes). Thread-safe once the batch that
/// made the arena has returned; during the batch only its own thread
/// allocates from it.
[[nodiscard]] MEDSETTLE_API void* arena_allocate(ResultArena& arena, std::size_t bytes, std::size_t align);

/// The allocator of a settlement's lists: the heap, or the arena of the
/// batch that settled it. Every list keeps its arena alive, so a list never
/// points into an arena it does not keep: a copy, made or assigned, keeps
/// its own memory (the heap for a new one); a move or a swap takes the
/// other list's memory and allocator. A settlement moved out of a batch's
/// results keeps its thread's whole arena alive: copy it to keep one alone.
template <class T>
struct ResultAllocator {
  using value_type = T;
  using propagate_on_container_copy_assignment = std::false_type;
  using propagate_on_container_move_assignment = std::true_type;
  using propagate_on_container_swap = std::true_type;

  std::shared_ptr<ResultArena> arena;  ///< none: the heap

  ResultAllocator() noexcept = default;
  explicit ResultAllocator(std::shared_ptr<ResultArena> a) noexcept : arena(std::move(a)) {}
  template <class U>
  ResultAllocator(const ResultAllocator<U>& other) noexcept : arena(other.arena) {}  // NOLINT: rebinding

  static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "an arena's blocks have operator new's alignment");

  [[nodiscard]] T* allocate(std::size_t n) {
    if (!arena) return std::allocator<T>().allocate(n);
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(arena_allocate(*arena, n * sizeof(T), alignof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (!arena) std::allocator<T>().deallocate(p, n);
  }
  [[nodiscard]] ResultAllocator select_on_container_copy_construction() const noexcept { return {}; }
  friend bool operator==(const ResultAllocator& a, const ResultAllocator& b) noexcept {
    return a.arena == b.arena;
  }
};

/// One channel's line in a settlement.
struct ChannelResult {
  std::uint16_t index = 0;  ///< position in the version's channel list
  std::uint16_t slot = 0;   ///< ledger slot of the plan that settled it
  bool eligible = false;
  Fen base{};               ///< B: the remainders of the base buckets
  Fen deductible{};         ///< deductible applied (coinsurance)
  Fen computed{};           ///< the payment before caps and the base: round(raw), B - L, or the grant
  Limiter limiter = Limiter::none;
  Fen paid{};               ///< X
  std::array<Fen, bucket_count> taken{};  ///< X taken from each bucket (by Bucket)
  std::uint16_t first_band = 0, band_count = 0;  ///< into Settlement::bands (coinsurance)
};

/// A settlement's lists: vectors whose memory comes from the batch's arena
/// (one block for many settlements) or, for settle() and for copies, from
/// the heap. They are used as std::vector is.
using ChannelList = std::vector<ChannelResult, ResultAllocator<ChannelResult>>;
using BandList = std::vector<BandShare, ResultAllocator<BandShare>>;

/// The settlement of one stay (SEMANTICS.md §7, INTERCHANGE.md). It is
/// self-describing: it keeps the part of the rule set that settled it
/// alive, so its channel names, rule set, version and digest stay valid
/// after the Plan is gone.
struct Settlement {
  std::string stay_id, person_id;
  std::string_view rules, digest;  ///< the rule set's id and "sha256:…" digest (kept alive by `rule_set`)
  std::size_t version_index = 0;
  Date version{};  ///< the `from` date of the version applied
  Buckets buckets;
  Fen act_pay_dedc{}, hifp_pay{}, hifmi_pay{}, maf_pay{}, hosp_part_amt{}, oth_pay{}, fund_pay_sumamt{},
      psn_part_amt{};
  ChannelList channels;
  BandList bands;
  std::shared_ptr<Trace> trace;  ///< set when a trace was asked for
  /// The compiled rule set that settled it (an opaque handle); `plan()` gives it back as a Plan.
  std::shared_ptr<const detail::PlanData> rule_set;

  /// Channel `i` of the version applied (ChannelResult::index): id, name, fund_pay_type, reports_as.
  [[nodiscard]] MEDSETTLE_API ChannelInfo channel_info(std::size_t i) const;
  /// The rule set's title and file name.
  [[nodiscard]] MEDSETTLE_API std::string_view title() const noexcept;
  [[nodiscard]] MEDSETTLE_API std::string_view file() const noexcept;
  /// The plan that settled it (shares the compiled rule set).
  [[nodiscard]] MEDSETTLE_API Plan plan() const;
  /// The number of ledger slots of that plan (the channel ids of all its versions).
  [[nodiscard]] MEDSETTLE_API std::size_t slot_count() const noexcept;

  /// The sum of `paid` over all channels.
  [[nodiscard]] Fen paid_total() const noexcept {
    Fen s{};
    for (const auto& c : channels) s += c.paid;
    return s;
  }
};

/// A step of a settlement's trace as text in `language` (in English, what
/// TraceStep::message holds when SettleOptions::trace_text).
[[nodiscard]] MEDSETTLE_API std::string describe(const Settlement& s, const TraceStep& step, Language language);

/// What about the stay chose a step's value, as text ("hospital_level
/// county", "when identity: dibao"; "" if nothing did): what
/// TraceStep::chosen_by holds when SettleOptions::trace_text.
[[nodiscard]] MEDSETTLE_API std::string describe_choice(const Settlement& s, const TraceStep& step);

}  // namespace medsettle
