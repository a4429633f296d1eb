// medsettle/settlement.hpp: the itemized result of settling one stay.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "medsettle/date.hpp"
#include "medsettle/errors.hpp"
#include "medsettle/export.hpp"
#include "medsettle/money.hpp"
#include "medsettle/stay.hpp"

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

/// One channel's line in a settlement.
struct ChannelResult {
  std::uint16_t index = 0;  ///< position in the version's channel list
  std::uint16_t slot = 0;   ///< ledger slot
  bool eligible = false;
  Fen base{};               ///< B: the remainders of the base buckets
  Fen deductible{};         ///< deductible applied (coinsurance)
  Fen computed{};           ///< the payment before caps and the base: round(raw), B - L, or the grant
  Limiter limiter = Limiter::none;
  Fen paid{};               ///< X
  std::array<Fen, bucket_count> taken{};  ///< X taken from each bucket (by Bucket)
  std::uint16_t first_band = 0, band_count = 0;  ///< into Settlement::bands (coinsurance)
};

/// One step of an explanation, citing the rule-file line it came from.
struct TraceStep {
  int channel = -1;            ///< index in the version's channel list; -1 for the stay
  std::string kind;            ///< "version", "split", "eligibility", "adjustment", "parameters", "base",
                               ///< "deductible", "bands", "limit", "grant", "cap", "allocation", "ledger", "result"
  std::string message;         ///< readable text
  std::uint32_t line = 0, column = 0;  ///< in the rule file; 0 if none
  std::string source;          ///< the cited source of the rule value, if any
};

struct Trace {
  std::vector<TraceStep> steps;
};

/// The settlement of one stay (SEMANTICS.md §7, INTERCHANGE.md).
/// `rules` and `digest` view the Plan's strings: keep the Plan alive.
struct Settlement {
  std::string stay_id, person_id;
  std::string_view rules, digest;
  std::size_t version_index = 0;
  Date version{};  ///< the `from` date of the version applied
  Buckets buckets;
  Fen act_pay_dedc{}, hifp_pay{}, hifmi_pay{}, maf_pay{}, hosp_part_amt{}, oth_pay{}, fund_pay_sumamt{},
      psn_part_amt{};
  std::vector<ChannelResult> channels;
  std::vector<BandShare> bands;
  std::shared_ptr<Trace> trace;  ///< set when a trace was asked for

  /// The sum of `paid` over all channels.
  [[nodiscard]] Fen paid_total() const noexcept {
    Fen s{};
    for (const auto& c : channels) s += c.paid;
    return s;
  }
};

}  // namespace medsettle
