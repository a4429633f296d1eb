// medsettle/compare.hpp: the what-if comparison of two rule sets on one
// population of stays (`medsettle compare`): the statistics, and their text
// and HTML renderings.
//
// Money is summed in 128-bit integers of fen; every percentage and ratio is
// computed from those integers with integer division (basis points, rounded
// half away from zero) and exists for display only. No floating point.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "medsettle/date.hpp"
#include "medsettle/export.hpp"
#include "medsettle/language.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/record.hpp"
#include "medsettle/settle.hpp"
#include "medsettle/settlement.hpp"
#include "medsettle/show.hpp"

namespace medsettle::report {

/// A sum of many amounts in fen; cannot overflow for any realistic batch.
__extension__ typedef __int128 Sum;

/// What the statistics need to know of a stay beyond its settlement.
struct StayFacts {
  std::string person_id;
  int year = 0;  ///< calendar year of the discharge date (the ledger year)
  IdentitySet identities{};
  HospitalLevel hospital_level = HospitalLevel::county;
  Region region = Region::in_county;
  bool readable = false;  ///< the record was a valid stay
};
/// The facts of each record, in input order.
[[nodiscard]] MEDSETTLE_API std::vector<StayFacts> facts_of(const std::vector<Record>& records);

/// A value under rule set A and under rule set B.
struct PairSum {
  Sum a = 0, b = 0;
};

/// One rule set as it was applied.
struct SideInfo {
  std::string id, title, file, digest;
  std::optional<Date> as_of;                          ///< none: the discharge date
  std::vector<std::pair<Date, std::size_t>> applied;  ///< version `from` date -> paired stays settled under it
  std::size_t settled = 0, rejected = 0;
  std::vector<std::pair<std::string, std::size_t>> rejected_by_code;  ///< error code -> count, by code name
};

/// The settlement fields compared, in INTERCHANGE.md order.
inline constexpr std::array<std::string_view, 13> field_names{
    "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt",
    "act_pay_dedc",  "hifp_pay",          "hifmi_pay",       "maf_pay",        "hosp_part_amt",
    "oth_pay",       "fund_pay_sumamt",   "psn_part_amt"};
/// The Chinese name of a settlement field (接口 2304 setlinfo).
[[nodiscard]] MEDSETTLE_API std::string_view field_label(std::string_view field) noexcept;

struct ChannelRow {
  std::string id, name;  ///< as the rule file writes it (A's, else B's; "A's / B's" if they differ)
  bool in_a = false, in_b = false;
  PairSum paid;
};

/// A group of stays for the reimbursement ratio 1 − patient pays ÷ total.
struct RatioRow {
  std::string key;    ///< "rural_poor", "county", ...
  std::string label;  ///< Chinese label
  std::string note;   ///< what the group holds, if the label does not say it
  std::size_t stays = 0;
  PairSum total;      ///< medfee_sumamt (the same under A and B unless class_b_selfpay differs)
  PairSum patient;    ///< psn_part_amt
};

/// The distribution of what patients pay, per stay or per person-year.
struct Distribution {
  std::size_t count = 0;
  std::int64_t p50 = 0, p90 = 0, p99 = 0, max = 0;  ///< fen; nearest-rank percentiles
  std::array<std::size_t, 4> above{};               ///< counts strictly above 1,000 / 5,000 / 10,000 / 20,000 yuan
  std::array<std::size_t, 7> bins{};                ///< histogram, see histogram_edges
};
inline constexpr std::array<std::int64_t, 4> threshold_yuan{1'000, 5'000, 10'000, 20'000};
/// Bin k holds amounts in (edge[k-1], edge[k]] yuan; bin 0 is [0, 500], the last is > 20,000.
inline constexpr std::array<std::int64_t, 6> histogram_edges_yuan{500, 1'000, 2'000, 5'000, 10'000, 20'000};
[[nodiscard]] MEDSETTLE_API std::string histogram_bin_label(std::size_t bin);

struct PersonChange {
  std::string person_id;
  int year = 0;
  std::size_t stays = 0;
  std::int64_t a = 0, b = 0;  ///< fen: psn_part_amt summed over the person-year's paired stays
};

struct Comparison {
  SideInfo a, b;
  std::size_t records = 0;         ///< input records
  std::size_t paired = 0;          ///< settled under both
  std::size_t rejected_both = 0, rejected_only_a = 0, rejected_only_b = 0;
  std::size_t changed = 0;         ///< paired stays whose settlement changed
  std::size_t person_years = 0, person_years_changed = 0;
  std::array<PairSum, field_names.size()> fields{};
  std::vector<ChannelRow> channels;
  PairSum patient;                 ///< = fields[psn_part_amt]
  RatioRow overall;
  std::vector<RatioRow> by_identity, by_level, by_region;
  Distribution stay_a, stay_b, person_year_a, person_year_b;
  std::size_t top_n = 10;
  std::vector<PersonChange> top;   ///< the person-years whose payment changes most
  /// The parameters that differ between the versions compared: on each side
  /// the version in force on its as-of date, or (without one) the version
  /// most paired stays were settled under, or the last; none when a side has
  /// no version in force on its date.
  std::optional<ParameterDiff> parameters;
};

struct CompareOptions {
  std::optional<Date> as_of_a, as_of_b;
  std::size_t top_n = 10;
};

/// Builds the comparison. `outcomes_a[i]`, `outcomes_b[i]` and `facts[i]`
/// belong to input record i.
[[nodiscard]] MEDSETTLE_API Comparison compare(const Plan& plan_a, const Plan& plan_b, const CompareOptions& options,
                                 const std::vector<StayFacts>& facts, const std::vector<Outcome>& outcomes_a,
                                 const std::vector<Outcome>& outcomes_b);

/// Whether two settlements of the same stay differ in any amount: a
/// settlement field, or a channel's id, eligibility, base, deductible or
/// payment. The rule id, version, digest and channel names are not compared.
[[nodiscard]] MEDSETTLE_API bool settlement_changed(const Settlement& a, const Settlement& b);

/// A what-if run: both rule sets' outcomes, record by record, and their comparison.
struct WhatIf {
  Comparison comparison;
  std::vector<Outcome> a, b;  ///< one per input record, in input order
};

/// Settles `stays` under both rule sets (each as one batch, on `threads`
/// threads) and compares them.
[[nodiscard]] MEDSETTLE_API WhatIf what_if(const Plan& plan_a, const Plan& plan_b, const std::vector<Record>& stays,
                                           const CompareOptions& options, unsigned threads = 1);

/// Appends one JSON line {"stay_id", "a", "b"} per stay settled under both
/// whose settlement changed, in input order.
MEDSETTLE_API void write_changed_jsonl(std::string& out, const WhatIf& w);

// ---- display formatting (integers only) ------------------------------------

/// A non-negative integer with thousands separators: "20,000".
[[nodiscard]] MEDSETTLE_API std::string thousands(Sum v);
/// "1,234,567.89"; negative "-1,234.50".
[[nodiscard]] MEDSETTLE_API std::string yuan(Sum fen);
/// Like yuan() with a sign: "+1,234.50", "-3.00", "0.00".
[[nodiscard]] MEDSETTLE_API std::string signed_yuan(Sum fen);
/// round(num × 10000 ÷ den) half away from zero; den > 0.
[[nodiscard]] MEDSETTLE_API std::int64_t basis_points(Sum num, Sum den);
/// "87.31%" from basis points; with `sign`, "+1.20%".
[[nodiscard]] MEDSETTLE_API std::string percent(std::int64_t bp, bool sign = false);
/// The change from a to b in percent of a: "+12.34%", "n/a" when a is 0 and b is not.
[[nodiscard]] MEDSETTLE_API std::string percent_change(Sum a, Sum b);
/// 1 − patient ÷ total in basis points, or nullopt when total is 0.
[[nodiscard]] MEDSETTLE_API std::optional<std::int64_t> ratio_bp(Sum total, Sum patient);
/// The ratio "87.31%" or "n/a".
[[nodiscard]] MEDSETTLE_API std::string ratio_text(Sum total, Sum patient);
/// The change of the ratio in percentage points: "+1.23 pp", or "n/a".
[[nodiscard]] MEDSETTLE_API std::string ratio_change_text(const RatioRow& r);
/// "as of 2018-06-30" or "as of each stay's discharge date", in English.
[[nodiscard]] MEDSETTLE_API std::string as_of_text(const SideInfo& s);
/// The same in `language`.
[[nodiscard]] MEDSETTLE_API std::string as_of_text(const SideInfo& s, Language language);
/// "2017-07-01 (31 stays), 2019-01-01 (9 stays)", in English.
[[nodiscard]] MEDSETTLE_API std::string applied_text(const SideInfo& s);
/// The same in `language`.
[[nodiscard]] MEDSETTLE_API std::string applied_text(const SideInfo& s, Language language);

/// The aligned text summary printed on standard output, in English.
[[nodiscard]] MEDSETTLE_API std::string render_text(const Comparison& c);
/// The same with every heading, label and sentence in `language` (the
/// figures, ids and field names are the same in both).
[[nodiscard]] MEDSETTLE_API std::string render_text(const Comparison& c, Language language);
/// The self-contained HTML report (inline CSS and SVG, no script, no network), in English.
[[nodiscard]] MEDSETTLE_API std::string render_html(const Comparison& c);
/// The same in `language`.
[[nodiscard]] MEDSETTLE_API std::string render_html(const Comparison& c, Language language);

}  // namespace medsettle::report
