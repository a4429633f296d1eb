// medsettle/replay.hpp: recompute recorded settlements and report where they
// differ (auditors' replay).
//
// The recorded settlements are JSON Lines: medsettle's own settle output
// (INTERCHANGE.md, with `channels`), or lines with the national platform's
// names (`setl_id`, `psn_no`, the setlinfo amounts, `setldetail`); README.md,
// "The national platform's recorded format", lists every key read. The stays
// are settled with the plan, then each recorded settlement is compared per
// field, per channel (base, deductible, paid, eligible) and per
// fund_pay_type. The report is plain data: it holds no reference into the
// plan, the stays or the recorded text.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "medsettle/date.hpp"
#include "medsettle/errors.hpp"
#include "medsettle/export.hpp"
#include "medsettle/language.hpp"
#include "medsettle/money.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/record.hpp"

namespace medsettle {

struct ReplayOptions {
  /// Settle under the version in force on this date instead of each
  /// discharge date. It must have a version in force (else UsageError).
  std::optional<Date> as_of;
  unsigned threads = 1;  ///< for settling the stays (settle_batch)
  /// Settle only the persons that have at least one recorded stay (every
  /// stay of such a person, for the yearly ledger); the other stays are
  /// counted (ReplayReport::stays_not_settled), not settled. Stays settled
  /// only for a ledger and not recorded are counted, not differences.
  bool recorded_only = false;
  /// The names of the inputs, for the report ("-": standard input).
  std::string recorded_file, stays_file;
};

/// The settlement fields compared, in report order (INTERCHANGE.md).
inline constexpr std::size_t replay_field_count = 13;
inline constexpr std::array<std::string_view, replay_field_count> replay_fields{
    "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt",
    "act_pay_dedc",  "hifp_pay",          "hifmi_pay",       "maf_pay",        "hosp_part_amt",
    "oth_pay",       "fund_pay_sumamt",   "psn_part_amt"};

/// One item of a recorded settlement that differs from its recomputation.
struct ReplayDifference {
  std::uint64_t line = 0;  ///< of the recorded file
  std::string stay_id;
  std::optional<std::string> person_id;  ///< as recorded
  /// "hifp_pay", "person_id", "channel basic", "channel basic.paid",
  /// "channel basic.eligible", "fund_pay_type 310100".
  std::string item;
  std::string recorded, recomputed;  ///< as text: "12.34", "true", "listed"/"absent", an id
  std::optional<Fen> difference;     ///< recomputed - recorded, for amounts
};

/// A recorded settlement whose stay cannot be settled now.
struct ReplayNotRecomputable {
  std::uint64_t line = 0;
  std::string stay_id;
  std::optional<std::string> person_id;
  /// Why its stay was rejected now; none: the stay is missing from the stays.
  std::optional<Rejection> rejection;
};

/// A stay settled now that has no recorded settlement.
struct ReplayNotRecorded {
  std::string stay_id, person_id;
  Fen medfee_sumamt{}, psn_part_amt{};
};

/// A recorded line that cannot be used.
struct ReplayMalformed {
  std::uint64_t line = 0;
  std::optional<std::string> stay_id;  ///< when it could be read
  Message problem;
};

/// The differences of one item over all stays.
struct ReplayTotal {
  std::size_t stays = 0;
  Fen difference{};  ///< recomputed - recorded, summed
};

struct ReplayChannelTotals {
  std::string channel;
  ReplayTotal base, deductible, paid;
  std::size_t eligible_differs = 0;  ///< stays where eligibility differs
  std::size_t listed_one_side = 0;   ///< stays where the channel is listed on one side only
};

struct ReplayFundTotal {
  std::string fund_pay_type;
  ReplayTotal total;
};

/// An item that some recorded lines did not give, so it was not compared
/// for them: a field, "person_id", "channel basic.paid", or
/// "channels or setldetail".
struct ReplayNotCompared {
  std::string item;
  std::size_t lines = 0;
};

/// Recorded settlements that name another rule set or digest than the plan.
struct ReplayOtherRuleSet {
  std::optional<std::string> rules, digest;  ///< as recorded (either may be absent)
  std::size_t settlements = 0;
};

struct ReplayReport {
  // What was replayed.
  std::string rules, rules_file, digest;  ///< the plan's id, file and digest
  std::optional<Date> as_of;
  std::string recorded_file, stays_file;
  bool recorded_only = false;

  // The stays.
  std::size_t stays_read = 0, stays_settled = 0, stays_rejected = 0;
  std::size_t stays_not_settled = 0;    ///< left out by recorded_only
  std::size_t rejected_not_recorded = 0;  ///< rejected now and not recorded (not a difference)
  std::map<Date, std::size_t> versions_applied;  ///< the `from` dates, with the stays settled under each

  // The recorded settlements.
  std::size_t recorded = 0;  ///< usable recorded lines
  std::size_t matching_stays = 0, differing_stays = 0;
  std::map<std::string, std::size_t> recorded_versions;  ///< `version` as recorded, with counts
  std::vector<ReplayOtherRuleSet> other_rule_sets;       ///< in first-seen order

  std::vector<ReplayDifference> differences;  ///< in recorded-line order
  std::vector<ReplayNotRecomputable> not_recomputable;
  std::vector<ReplayNotRecorded> not_recorded;  ///< in stay order
  std::vector<ReplayMalformed> malformed;
  std::vector<ReplayNotCompared> not_compared;  ///< in first-seen order

  // Totals of the differences.
  std::array<ReplayTotal, replay_field_count> field_totals{};  ///< by replay_fields
  std::vector<ReplayChannelTotals> channel_totals;  ///< in first-seen order
  std::vector<ReplayFundTotal> fund_totals;         ///< in first-seen order
  std::size_t person_id_differs = 0;

  /// Nothing differs, is missing on either side, or is malformed (with
  /// recorded_only, stays not recorded do not count).
  [[nodiscard]] bool clean() const noexcept {
    return differences.empty() && not_recomputable.empty() && malformed.empty() &&
           (recorded_only || not_recorded.empty());
  }
};

/// Settles `stays` with `plan` and compares every recorded settlement read
/// from `recorded` (JSON Lines) with its recomputation. A recorded line that
/// cannot be used is reported as malformed, not thrown. Throws UsageError if
/// options.as_of has no version in force, IoError if `recorded` cannot be read.
[[nodiscard]] MEDSETTLE_API ReplayReport replay(const Plan& plan, std::istream& recorded,
                                                const std::vector<Record>& stays, const ReplayOptions& options = {});

/// Why a recorded settlement is not recomputable, in `language`.
[[nodiscard]] MEDSETTLE_API std::string describe(const ReplayNotRecomputable& item, Language language = Language::en);

struct ReplayTextOptions {
  bool list_not_recorded = false;  ///< list the stays not recorded (else one line counts them)
};

/// The report as text for a reader: a header, the differences, what could
/// not be recomputed or compared, malformed lines, totals, a summary line.
[[nodiscard]] MEDSETTLE_API std::string render_text(const ReplayReport& report, Language language = Language::en,
                                                    const ReplayTextOptions& options = {});
/// The report as one JSON object (and a line end), every stay listed.
[[nodiscard]] MEDSETTLE_API std::string render_json(const ReplayReport& report);
/// The one-line summary ("replayed 12 recorded, 11 match, ...", no line end).
[[nodiscard]] MEDSETTLE_API std::string summary_line(const ReplayReport& report, Language language = Language::en);

}  // namespace medsettle
