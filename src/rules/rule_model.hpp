// The typed rule model: a rule file as written, before names are resolved.
// Step 1 (parse.cpp) builds it from the YAML tree, step 2 (merge.cpp) turns
// each version's `changes:` into its full channel list, step 3 (compile.cpp)
// resolves the names and compiles it into the core's PlanData.
//
// Every value keeps where it was written and its `source`. A problem found
// while parsing stays with the part it was found in and is reported when that
// part is compiled: a part refused as a whole (a key the channel's kind does
// not use, a change to a channel that does not exist) is then one error, not
// one per problem inside it. Internal to the rules layer.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "medsettle/errors.hpp"

namespace medsettle::detail::rule {

/// 1-based line and column; 0 when unknown.
struct Pos {
  std::uint32_t line = 0, column = 0;
};

/// A problem found in a part of the file, reported when that part is compiled.
struct Problem {
  Pos at;
  Message what;
};
using Problems = std::vector<Problem>;

/// A `source:` as written; nullopt when absent or unusable (a problem then says why).
using Source = std::optional<std::string>;

/// A name as written: an identity, a set, a disease group, a level, a channel id.
struct Name {
  std::string text;
  Pos at;
};

/// An amount or a rate given once or per hospital level.
template <class T>
struct LeveledSpec {
  std::array<T, hospital_level_count> by_level{};
  std::array<Pos, hospital_level_count> level_at{};  ///< each level's value (all the value's place when once)
  bool per_level = false;
  Pos at;  ///< the value, or the map of the levels
  Source source;
};

struct BandSpec {
  std::optional<LeveledSpec<Fen>> upto;
  std::optional<LeveledSpec<Rate>> rate;
  Source source;  ///< the step's own source, for its rate
};

struct BandsSpec {
  std::vector<BandSpec> steps;
  Pos at;
  Source source;
};

struct LimitSpec {
  LimitKind kind = LimitKind::amount;
  LeveledSpec<Fen> amount;
  Rate fraction{};
  Pos at;
  Source source;
};

struct GrantAmountSpec {
  Fen amount{};
  Pos at;
  Source source;
};

struct ConditionSpec;

/// One test of a condition map (`identity: poor`, `any: [...]`).
struct TestSpec {
  CondOp op = CondOp::all;
  Pos key;
  bool usable = true;                   ///< false: makes no node (`all: 5`)
  std::vector<Name> names;              ///< identity, level, region, ..., disease groups: resolved by compile
  int min_age = 0, max_age = 1000;      ///< age
  std::vector<ConditionSpec> children;  ///< all, any (the items), not (one)
  Problems problems;                    ///< in this test's value
};

/// A condition: a map of tests that must all hold.
struct ConditionSpec {
  Pos at;
  bool usable = false;  ///< a map, not nested too deep
  Source source;
  Problems problems;    ///< of the map itself (not a map, unknown keys, source)
  std::vector<TestSpec> tests;
  Problems empty;       ///< no test at all: reported after the tests' problems
  std::size_t size() const;  ///< tests, counted through every all / any / not
};

/// One change of an adjustment (`rate_add: 0.10`).
struct ChangeSpec {
  ChangeKind kind = ChangeKind::rate_add;
  Name key;         ///< as written, for the kind check
  Pos at;           ///< the value
  bool ok = false;  ///< the value was read
  Rate rate{};
  Fen amount{};
  bool none = false;
  LimitSpec limit;
  Problems problems;  ///< in the value (reported only if the change applies to the kind)
};

struct AdjustmentSpec {
  Pos at;
  bool usable = false;  ///< a map
  Source source;
  Problems problems;    ///< of the map: unknown keys, source, missing `when`
  std::optional<ConditionSpec> when;
  std::vector<ChangeSpec> changes;  ///< in the order written
  bool no_change = false;
};

/// A key of a channel as written: where the key is, its value (nullopt when
/// the value has problems) and the YAML values in the key and its value.
template <class T>
struct Field {
  Pos key, at;  ///< the key, and its value
  std::optional<T> value;
  Problems problems;
  std::uint32_t values = 0;
};

struct UnknownKey {
  Name key;
  std::uint32_t values = 0;
};

/// The keys a channel may have; `changes:` name them too.
enum class ChannelKey : std::uint8_t {
  id, name, kind, fund_pay_type, reports_as, base, period, when, source, deductible, rate, bands, cap_stay, cap_year,
  referral, limit, amount, once_per, adjustments
};

/// A channel as written, or a version's changes to one (every key optional).
struct ChannelSpec {
  Pos at;
  bool usable = false;  ///< a map
  Problems problems;    ///< not a map
  std::uint32_t values = 0;  ///< YAML values when not a map
  std::string id_text;  ///< the id as written, to find the channel a change names

  std::optional<Field<std::string>> id, name, fund_pay_type, source;
  std::optional<Field<Kind>> kind;
  std::optional<Field<ReportsAs>> reports_as;
  std::optional<Field<std::vector<Bucket>>> base;
  std::optional<Field<Period>> period, once_per;
  std::optional<Field<ConditionSpec>> when;
  std::optional<Field<LeveledSpec<Fen>>> deductible, cap_stay, cap_year;
  std::optional<Field<LeveledSpec<Rate>>> rate;
  std::optional<Field<BandsSpec>> bands;
  std::optional<Field<Pos>> referral;  ///< `continuous`, where written
  std::optional<Field<LimitSpec>> limit;
  std::optional<Field<GrantAmountSpec>> amount;
  std::optional<Field<std::vector<AdjustmentSpec>>> adjustments;
  std::vector<UnknownKey> unknown;  ///< keys no channel has, reported by compile with the kind's keys
  std::vector<ChannelKey> written;  ///< the known keys in the order written (a change applies them in this order)

  /// YAML values in the channel as it stands (the map, its keys and values).
  [[nodiscard]] std::uint32_t value_count() const;
};

/// A version's `changes:` entry: the channel it names and the keys it changes.
struct ChannelChange {
  Name channel;
  ChannelSpec spec;
};

struct VersionSpec {
  Pos at;
  bool usable = false;  ///< a map
  Problems head;        ///< not a map, unknown keys, source, `from`
  Source source;
  std::optional<Date> from;
  Pos from_at;
  bool has_channels = false, has_changes = false;
  Pos channels_at, changes_at;
  std::vector<ChannelSpec> channels;  ///< as written; after merge, the version's full list
  bool changes_usable = false;        ///< `changes:` is a map
  Problems changes_problems;          ///< `changes:` is not a map (reported unless it is the first version)
  std::vector<ChannelChange> changes;
  Problems body;          ///< channels / changes structure; merge adds its own
  bool over_limit = false;  ///< merge stopped here: the carried values passed the limit
};

struct IdentitySetSpec {
  Name name;
  bool usable = false;  ///< read as a list of members
  Source source;
  std::vector<Name> members;
  Problems problems;
};

struct DiseaseEntrySpec {
  std::string text;  ///< as written, for messages
  Pos at;
  bool valid = false;  ///< looks like an ICD-10 code or range (compile explains the others)
  bool range = false;  ///< written with a dash
  DiseaseEntry entry;
};

struct DiseaseGroupSpec {
  Name name;
  bool usable = false;  ///< entries could be read as a list
  Source source;
  std::vector<DiseaseEntrySpec> entries;
  Problems problems;  ///< of the group's map and entries, in order (entries that are not codes are explained by compile)
};

/// The whole file.
struct RuleFile {
  Pos at;
  bool usable = false;  ///< the root is a map
  Problems head;        ///< header keys, in order
  std::string id, title;
  Rounding rounding = Rounding::half_up;
  Pos rounding_at;
  std::optional<LeveledSpec<Rate>> class_b_selfpay;
  std::vector<std::pair<std::string, std::string>> documents;
  std::optional<Date> until;
  Pos until_at;
  std::vector<IdentitySetSpec> identity_sets;
  Problems identity_sets_problems;  ///< `identity_sets:` itself
  std::vector<DiseaseGroupSpec> groups;
  Problems groups_problems;  ///< `disease_groups:` itself
  bool has_versions = false;
  Problems versions_problems;  ///< `versions:` itself
  std::vector<VersionSpec> versions;
};

}  // namespace medsettle::detail::rule
