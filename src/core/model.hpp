// The compiled model of a rule set: what the engine reads. Internal; the
// rules layer (src/rules) compiles rule files into it. Every name is resolved
// to an index; positions and sources are kept for explanations.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "medsettle/date.hpp"
#include "medsettle/money.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/stay.hpp"
#include "medsettle/trace.hpp"

namespace medsettle::detail {

inline constexpr std::uint32_t no_source = UINT32_MAX;

/// Where a value was written, and the `source` that justifies it.
struct Cited {
  std::uint32_t line = 0, column = 0;
  std::uint32_t source = no_source;  ///< index into PlanData::sources
};

/// A value given once or per hospital level.
template <class T>
struct Leveled {
  std::array<T, hospital_level_count> by_level{};
  bool per_level = false;
  Cited cite;
  /// Where each level's value was written, with the value's source (when
  /// given once, every level cites the one value): for `medsettle show`.
  std::array<Cited, hospital_level_count> level_cite{};
  [[nodiscard]] T at(HospitalLevel l) const noexcept { return by_level[static_cast<std::size_t>(l)]; }
  static Leveled once(T v) {
    Leveled x;
    x.by_level.fill(v);
    return x;
  }
};

enum class Kind : std::uint8_t { coinsurance, cap, grant };
enum class Period : std::uint8_t { stay, year };
enum class LimitKind : std::uint8_t { amount, fraction_of_total, fraction_of_in_scope };

struct Band {
  std::optional<Leveled<Fen>> upto;  ///< none on the last band
  Leveled<Rate> rate;
};

struct Limit {
  LimitKind kind = LimitKind::amount;
  Leveled<Fen> amount;
  Rate fraction{};
  Cited cite;
};

using ChangeKind = AdjustmentKind;

struct Change {
  ChangeKind kind = ChangeKind::rate_add;
  Rate rate{};      ///< rate_add (signed), rate_set, deductible_scale (a factor in [0, 1])
  Fen amount{};     ///< deductible_set, cap_*_set
  bool none = false;  ///< cap_*_set none
  Limit limit;      ///< limit_set
  Cited cite;
};

struct Adjustment {
  std::int32_t when = -1;  ///< condition node
  std::vector<Change> changes;
  Cited cite;
};

enum class CondOp : std::uint8_t {
  all, any, not_, identity, hospital_level, region, category, insurance, age, principal_diagnosis, any_diagnosis, flag
};

struct CondNode {
  CondOp op = CondOp::all;
  std::uint64_t mask = 0;  ///< identities, levels, regions, categories, insurances, flags, or disease groups
  int min_age = 0, max_age = 1000;
  std::uint32_t first_child = 0, child_count = 0;  ///< into PlanData::children
  Cited cite;
};

struct Channel {
  std::string id, name, fund_pay_type;
  std::uint16_t slot = 0;  ///< ledger slot (same id in every version)
  Kind kind = Kind::coinsurance;
  ReportsAs reports_as = ReportsAs::oth_pay;
  std::int32_t when = -1;  ///< condition node; -1: always
  std::array<Bucket, bucket_count> base{};
  std::uint8_t base_count = 0;
  Period period = Period::stay;
  // coinsurance
  Leveled<Fen> deductible;
  std::vector<Band> bands;
  Cited bands_cite;
  std::optional<Leveled<Fen>> cap_stay, cap_year;
  bool referral_continuous = false;
  Cited referral_cite;
  // cap
  Limit limit;
  // grant
  Fen grant_amount{};
  Period once_per = Period::stay;
  Cited grant_cite;
  std::vector<Adjustment> adjustments;
  Cited cite;
};

struct Version {
  Date from;
  std::vector<Channel> channels;
  std::size_t band_count = 0;  ///< bands over all channels (to size a settlement once)
  Cited cite;
};

struct DiseaseEntry {
  std::string prefix;    ///< upper case; empty for a range
  std::string low, high; ///< three-character range bounds, upper case
  std::optional<int> max_age;
};

struct DiseaseGroup {
  std::string name;
  std::vector<DiseaseEntry> entries;
  Cited cite;
};

struct PlanData {
  std::string id, title, file, digest;
  Rounding rounding = Rounding::half_up;
  Cited rounding_cite;                ///< where `rounding` was given (line 0: the default)
  Rate class_b_selfpay = Rate(1000);
  Cited class_b_cite;
  std::optional<Date> until;
  std::vector<std::pair<std::string, std::string>> documents;
  std::vector<std::pair<std::string, IdentitySet>> identity_sets;
  std::vector<DiseaseGroup> groups;   ///< at most 64
  std::vector<std::string> slots;     ///< channel ids across versions
  std::vector<Version> versions;      ///< in date order
  std::vector<CondNode> nodes;
  std::vector<std::uint32_t> children;
  std::vector<std::string> sources;   ///< cited texts
  bool has_referral = false;          ///< some channel continues a referral's deductible

  [[nodiscard]] std::string_view source(const Cited& c) const noexcept {
    return c.source == no_source ? std::string_view{} : std::string_view(sources[c.source]);
  }
};

}  // namespace medsettle::detail
