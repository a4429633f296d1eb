// The rule-file loader: strict diagnostics at their line and column, all at
// once and in line order; and the facts of the built-in rule set.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "medsettle/engine.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/reader.hpp"

using namespace medsettle;

namespace {

// A minimal valid rule file: one version, one coinsurance channel.
const std::string kBase = R"(medsettle: 1
id: t
class_b_selfpay: 0.10
versions:
  - from: 2020-01-01
    channels:
      - id: basic
        name: Basic
        kind: coinsurance
        fund_pay_type: "390100"
        reports_as: hifp_pay
        base: [in_scope]
        period: stay
        deductible: 500
        rate: 0.75
)";

// A second channel of kind cap, to append to kBase.
const std::string kCap = R"(      - id: backstop
        name: Backstop
        kind: cap
        fund_pay_type: "640100"
        reports_as: oth_pay
        base: [in_scope]
        period: stay
        limit: 5000
)";

/// `text` with the first `from` replaced by `to` (the test fails if absent).
std::string edit(std::string text, std::string_view from, std::string_view to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "edit: '" << from << "' not in the text";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

struct Pos {
  std::uint32_t line = 0, column = 0;
};

/// The 1-based line and column of the first occurrence of `needle` in
/// `text`, moved `skip` characters to the right (to point inside it).
Pos pos(std::string_view text, std::string_view needle, std::size_t skip = 0) {
  auto at = text.find(needle);
  EXPECT_NE(at, std::string_view::npos) << "pos: '" << needle << "' not in the text";
  if (at == std::string_view::npos) return {};
  at += skip;
  Pos p{1, 1};
  for (std::size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

std::vector<RuleDiagnostic> check(const std::string& text) { return Plan::check(text, "t.yaml"); }

std::string dump(const std::vector<RuleDiagnostic>& d) {
  std::string s;
  for (const auto& x : d) s += "  " + x.to_string() + "\n";
  return s;
}

/// Exactly one diagnostic, at `at`, whose message contains `phrase`.
void expect_one(const std::string& text, Pos at, std::string_view phrase) {
  auto d = check(text);
  ASSERT_EQ(d.size(), 1u) << dump(d);
  EXPECT_EQ(d[0].file, "t.yaml");
  EXPECT_EQ(d[0].line, at.line) << dump(d);
  EXPECT_EQ(d[0].column, at.column) << dump(d);
  EXPECT_NE(d[0].message.find(phrase), std::string::npos) << "wanted '" << phrase << "' in\n" << dump(d);
  // load_string refuses the same text with the same diagnostics.
  try {
    (void)Plan::load_string(text, "t.yaml");
    ADD_FAILURE() << "load_string accepted a text that check() refuses";
  } catch (const RuleFileError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].to_string(), d[0].to_string());
  }
}

/// At least one diagnostic at `at` whose message contains `phrase`.
void expect_has(const std::vector<RuleDiagnostic>& d, Pos at, std::string_view phrase) {
  for (const auto& x : d) {
    if (x.line == at.line && x.column == at.column && x.message.find(phrase) != std::string::npos) return;
  }
  ADD_FAILURE() << "no diagnostic at " << at.line << ":" << at.column << " with '" << phrase << "' in\n" << dump(d);
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Date day(int y, unsigned m, unsigned d) { return Date::from_ymd(y, m, d); }

}  // namespace

// ---- the valid base ----------------------------------------------------------

TEST(LoaderValid, MinimalFileLoads) {
  EXPECT_TRUE(check(kBase).empty()) << dump(check(kBase));
  Plan p = Plan::load_string(kBase, "t.yaml");
  EXPECT_EQ(p.id(), "t");
  EXPECT_EQ(p.file(), "t.yaml");
  EXPECT_EQ(p.rounding(), Rounding::half_up);  // the default
  EXPECT_EQ(p.class_b_selfpay(), Rate(1000));
  ASSERT_EQ(p.versions().size(), 1u);
  EXPECT_EQ(p.versions()[0], day(2020, 1, 1));
  EXPECT_EQ(p.channel_ids(0), std::vector<std::string>{"basic"});
  EXPECT_TRUE(check(kBase + kCap).empty()) << dump(check(kBase + kCap));
}

TEST(LoaderValid, ToStringIsFileLineColumnMessage) {
  std::string text = edit(kBase, "id: t\n", "id: t\ncolour: red\n");
  try {
    (void)Plan::load_string(text, "t.yaml");
    FAIL() << "accepted an unknown key";
  } catch (const RuleFileError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    const std::string s = e.diagnostics()[0].to_string();
    EXPECT_EQ(s.rfind("t.yaml:3:1: ", 0), 0u) << s;
    EXPECT_NE(std::string(e.what()).find("t.yaml:3:1:"), std::string::npos) << e.what();
  }
}

// ---- unknown and misplaced keys ------------------------------------------------

TEST(LoaderKeys, UnknownKeyAtTopLevel) {
  std::string text = edit(kBase, "id: t\n", "id: t\ncolour: red\n");
  expect_one(text, pos(text, "colour"), "unknown key 'colour'");
}

TEST(LoaderKeys, UnknownKeyInAChannel) {
  std::string text = kBase + "        colour: red\n";
  expect_one(text, pos(text, "colour"), "unknown key 'colour' in channel 'basic'");
}

TEST(LoaderKeys, UnknownKeyInACondition) {
  std::string text = kBase + "        when: {identity: dibao, colour: red}\n";
  expect_one(text, pos(text, "colour"), "unknown key 'colour'");
}

TEST(LoaderKeys, LimitOnACoinsuranceChannelIsMisplaced) {
  std::string text = kBase + "        limit: 100\n";
  expect_one(text, pos(text, "limit: 100"), "unknown key 'limit' in channel 'basic' (kind coinsurance)");
}

TEST(LoaderKeys, RateOnACapChannelIsMisplaced) {
  std::string text = kBase + kCap + "        rate: 0.5\n";
  expect_one(text, pos(text, "rate: 0.5\n"), "unknown key 'rate' in channel 'backstop' (kind cap)");
}

TEST(LoaderKeys, OncePerOnACoinsuranceChannelIsMisplaced) {
  std::string text = kBase + "        once_per: year\n";
  expect_one(text, pos(text, "once_per"), "unknown key 'once_per' in channel 'basic' (kind coinsurance)");
}

TEST(LoaderKeys, DuplicateKeyInAChannelIsReported) {
  // yaml-cpp takes a repeated key silently; the loader must not.
  std::string text = kBase + "        rate: 0.80\n";
  auto first = pos(text, "rate: 0.75");
  expect_one(text, pos(text, "rate: 0.80"), "duplicate key 'rate' (first given at line " + std::to_string(first.line));
}

TEST(LoaderKeys, DuplicateKeyAtTopLevelIsReported) {
  std::string text = edit(kBase, "class_b_selfpay", "id: u\nclass_b_selfpay");
  expect_one(text, pos(text, "id: u"), "duplicate key 'id' (first given at line 2)");
}

TEST(LoaderKeys, DuplicateKeyInAFlowMapIsReported) {
  std::string text = kBase + "        when: {identity: dibao, identity: tekun}\n";
  expect_one(text, pos(text, "identity: tekun"), "duplicate key 'identity'");
}

// ---- types and scalars -----------------------------------------------------------

TEST(LoaderTypes, AListWhereAValueIsExpected) {
  std::string text = edit(kBase, "name: Basic", "name: [Basic, Other]");
  expect_one(text, pos(text, "[Basic"), "name: expected a single value, got a list");
}

TEST(LoaderTypes, AnEmptyTextSaysItMustNotBeEmpty) {
  // `name: ''` used to say "expected a single value, got a single value".
  std::string text = edit(kBase, "name: Basic", "name: ''");
  expect_one(text, pos(text, "''"), "name: must not be empty");
}

TEST(LoaderTypes, AListWhereAnAmountIsExpected) {
  std::string text = edit(kBase, "deductible: 500", "deductible: [500, 600]");
  expect_one(text, pos(text, "[500"), "got a list");
}

TEST(LoaderTypes, AValueWhereAListIsExpected) {
  std::string text = edit(kBase, "base: [in_scope]", "base: in_scope");
  expect_one(text, pos(text, "in_scope"), "base: expected a list, got a single value");
}

TEST(LoaderScalars, RateAboveOne) {
  std::string text = edit(kBase, "rate: 0.75", "rate: 1.5");
  expect_one(text, pos(text, "1.5"), "'1.5' is not a rate in [0, 1]");
}

TEST(LoaderScalars, NegativeRate) {
  std::string text = edit(kBase, "rate: 0.75", "rate: -0.1");
  expect_one(text, pos(text, "-0.1"), "'-0.1' is not a rate");
}

TEST(LoaderScalars, RateWithFiveDecimals) {
  std::string text = edit(kBase, "rate: 0.75", "rate: 0.12345");
  expect_one(text, pos(text, "0.12345"), "more than 4 fractional digits");
}

TEST(LoaderScalars, RateWithFourDecimalsIsFine) {
  std::string text = edit(kBase, "rate: 0.75", "rate: 0.0525");
  EXPECT_TRUE(check(text).empty()) << dump(check(text));
}

TEST(LoaderScalars, AmountWithALeadingZeroIsNotOctal) {
  // `010` is neither 10 nor octal 8: it is refused.
  std::string text = edit(kBase, "deductible: 500", "deductible: 010");
  expect_one(text, pos(text, "deductible: 010", 12), "'010' is not an amount of yuan (leading zeros are not allowed)");
}

TEST(LoaderScalars, AmountWithAnExponent) {
  std::string text = edit(kBase, "deductible: 500", "deductible: 1e3");
  expect_one(text, pos(text, "1e3"), "'1e3' is not an amount of yuan");
}

TEST(LoaderScalars, AmountWithThreeDecimals) {
  std::string text = edit(kBase, "deductible: 500", "deductible: 1.500");
  expect_one(text, pos(text, "1.500"), "more than 2 fractional digits");
}

TEST(LoaderScalars, YesIsNotABoolean) {
  std::string text = kBase + "        referral: yes\n";
  expect_one(text, pos(text, "yes"), "referral: unknown value 'yes' (expected one of: continuous)");
}

TEST(LoaderScalars, NoIsNotAnIdentityOrALevel) {
  std::string text = kBase + "        when: {hospital_level: no}\n";
  expect_one(text, pos(text, "no}"), "hospital_level: unknown value 'no'");
}

TEST(LoaderScalars, FormatVersionMustBeOne) {
  std::string text = edit(kBase, "medsettle: 1", "medsettle: 2");
  expect_one(text, pos(text, "2\n"), "rule-file format 1");
}

// ---- bands ---------------------------------------------------------------------------

namespace {
std::string with_bands(std::string_view steps) {
  return edit(kBase, "        rate: 0.75\n", std::string("        bands:\n") + std::string(steps));
}
}  // namespace

TEST(LoaderBands, IncreasingBandsLoad) {
  std::string text = with_bands(
      "          - {upto: 2000, rate: 0.5}\n"
      "          - {upto: 5000, rate: 0.6}\n"
      "          - {rate: 0.8}\n");
  EXPECT_TRUE(check(text).empty()) << dump(check(text));
}

TEST(LoaderBands, BandsNotIncreasing) {
  std::string text = with_bands(
      "          - {upto: 2000, rate: 0.5}\n"
      "          - {upto: 2000, rate: 0.6}\n"
      "          - {rate: 0.8}\n");
  // Reported at the second band's upto value.
  expect_one(text, pos(text, "2000, rate: 0.6"), "bands must increase");
}

TEST(LoaderBands, BandsDecreasing) {
  std::string text = with_bands(
      "          - {upto: 5000, rate: 0.5}\n"
      "          - {upto: 1000, rate: 0.6}\n"
      "          - {rate: 0.8}\n");
  expect_one(text, pos(text, "1000, rate: 0.6"), "upto 1000.00 is not above the previous band's 5000.00");
}

TEST(LoaderBands, LastBandWithUpto) {
  std::string text = with_bands(
      "          - {upto: 2000, rate: 0.5}\n"
      "          - {upto: 5000, rate: 0.8}\n");
  expect_one(text, pos(text, "5000, rate"), "the last band has no 'upto'");
}

TEST(LoaderBands, MiddleBandWithoutUpto) {
  std::string text = with_bands(
      "          - {upto: 2000, rate: 0.5}\n"
      "          - {rate: 0.6}\n"
      "          - {rate: 0.8}\n");
  expect_one(text, pos(text, "{rate: 0.6}"), "every band but the last needs 'upto'");
}

TEST(LoaderBands, RateAndBandsTogether) {
  std::string text = kBase + "        bands:\n          - {rate: 0.8}\n";
  expect_one(text, pos(text, "- {rate: 0.8}"), "give 'rate' or 'bands', not both");
}

// ---- versions and dates -----------------------------------------------------------------

namespace {
const std::string kSecondVersion = R"(  - from: 2021-01-01
    changes:
      basic:
        deductible: 100
)";
}  // namespace

TEST(LoaderVersions, NotInDateOrder) {
  std::string text = kBase + edit(kSecondVersion, "2021-01-01", "2019-06-01");
  expect_one(text, pos(text, "2019-06-01"), "versions must be in date order; 2019-06-01 is not after 2020-01-01");
}

TEST(LoaderVersions, TheSameFromDateTwice) {
  std::string text = kBase + edit(kSecondVersion, "2021-01-01", "2020-01-01");
  expect_one(text, pos(text, "from: 2020-01-01\n    changes", 6), "versions must be in date order");
}

TEST(LoaderVersions, UntilBeforeTheLastVersion) {
  std::string text = edit(kBase, "versions:", "until: 2020-12-31\nversions:") + kSecondVersion;
  expect_one(text, pos(text, "2020-12-31"), "until: 2020-12-31 is before the last version's from date 2021-01-01");
}

TEST(LoaderVersions, UntilOnTheLastFromDateIsFine) {
  std::string text = edit(kBase, "versions:", "until: 2021-01-01\nversions:") + kSecondVersion;
  EXPECT_TRUE(check(text).empty()) << dump(check(text));
}

TEST(LoaderVersions, NoSuchDay) {
  std::string text = edit(kBase, "2020-01-01", "2019-02-29");
  expect_one(text, pos(text, "2019-02-29"), "no such day");
}

TEST(LoaderVersions, ChangesNamingAChannelThePreviousVersionLacks) {
  std::string text = kBase + edit(kSecondVersion, "basic:", "critical:");
  expect_one(text, pos(text, "critical"), "changes: the previous version has no channel 'critical'");
}

TEST(LoaderVersions, ChangesOnTheFirstVersion) {
  std::string text = edit(kBase, "channels:\n      - id: basic", "changes:\n      basic:\n        id: basic");
  auto d = check(text);
  expect_has(d, pos(text, "basic:"), "the first version must list its channels");
}

TEST(LoaderVersions, ChangesKeepUnchangedChannelsAndChangeOnlyTheGivenKeys) {
  // Version 1: basic D 500 rate 0.75, backstop limit 5000.
  // Version 2 changes basic's deductible to 100 and nothing else.
  std::string text = kBase + kCap + kSecondVersion;
  Plan p = Plan::load_string(text, "t.yaml");
  ASSERT_EQ(p.versions().size(), 2u);
  EXPECT_EQ(p.channel_ids(1), (std::vector<std::string>{"basic", "backstop"}));
  EXPECT_EQ(p.channel(1, 0).name, "Basic");
  EXPECT_EQ(p.channel(1, 0).fund_pay_type, "390100");
  EXPECT_EQ(p.ledger_slots(), (std::vector<std::string>{"basic", "backstop"}));

  Stay s;
  s.stay_id = "S";
  s.person_id = "P";
  s.age = 40;
  s.diagnoses = {"J18"};
  s.admitted = s.discharged = day(2021, 3, 1);
  s.buckets = Buckets{Fen(1'000'000), Fen(0), Fen(0), Fen(0), Fen(1'000'000)};  // in_scope 10000.00
  Ledger ledger(p);
  Outcome o = settle(p, s, ledger);
  ASSERT_TRUE(o.settled());
  const Settlement& st = o.settlement();
  EXPECT_EQ(st.version, day(2021, 1, 1));
  // basic: D 100 (changed), rate 0.75 (kept): round(0.75 × (10000.00 − 100.00)) = 7425.00
  EXPECT_EQ(st.channels[0].deductible, Fen(10'000));
  EXPECT_EQ(st.channels[0].paid, Fen(742'500));
  // backstop (kept): B = 10000.00 − 7425.00 = 2575.00, limit 5000: X = max(0, 2575 − 5000) = 0
  EXPECT_EQ(st.channels[1].paid, Fen(0));

  // Under version 1 the deductible is still 500: round(0.75 × 9500.00) = 7125.00
  s.admitted = s.discharged = day(2020, 3, 1);
  Ledger l1(p);
  Outcome o1 = settle(p, s, l1);
  ASSERT_TRUE(o1.settled());
  EXPECT_EQ(o1.settlement().channels[0].paid, Fen(712'500));
}

TEST(LoaderVersions, ChangesMayAddAKey) {
  // cap_stay was not given in version 1; version 2 adds it.
  std::string text = kBase + edit(kSecondVersion, "deductible: 100", "cap_stay: 1000");
  Plan p = Plan::load_string(text, "t.yaml");
  Stay s;
  s.stay_id = "S";
  s.person_id = "P";
  s.age = 40;
  s.diagnoses = {"J18"};
  s.admitted = s.discharged = day(2021, 3, 1);
  s.buckets = Buckets{Fen(1'000'000), Fen(0), Fen(0), Fen(0), Fen(1'000'000)};
  Ledger ledger(p);
  Outcome o = settle(p, s, ledger);
  ASSERT_TRUE(o.settled());
  // round(0.75 × (10000.00 − 500.00)) = 7125.00, capped at cap_stay 1000.00
  EXPECT_EQ(o.settlement().channels[0].computed, Fen(712'500));
  EXPECT_EQ(o.settlement().channels[0].paid, Fen(100'000));
}

TEST(LoaderVersions, ChangesCannotChangeAnId) {
  std::string text = kBase + edit(kSecondVersion, "deductible: 100", "id: other");
  expect_one(text, pos(text, "id: other"), "a channel's id cannot change");
}

// ---- limits ----------------------------------------------------------------------------------

TEST(LoaderLimits, FractionLimitOnAYearCap) {
  std::string text = edit(kBase + kCap, "period: stay\n        limit: 5000", "period: year\n        limit: {fraction: 0.1, of: total}");
  expect_one(text, pos(text, "{fraction"), "a fraction of the stay's total or in_scope needs period: stay");
}

TEST(LoaderLimits, FractionLimitOnAStayCapIsFine) {
  std::string text = edit(kBase + kCap, "limit: 5000", "limit: {fraction: 0.1, of: in_scope}");
  EXPECT_TRUE(check(text).empty()) << dump(check(text));
}

TEST(LoaderLimits, FractionLimitSetOnAYearCap) {
  std::string text = edit(kBase + kCap, "period: stay\n        limit: 5000", "period: year\n        limit: 5000") +
                     "        adjustments:\n"
                     "          - when: {identity: dibao}\n"
                     "            limit_set: {fraction: 0.2, of: total}\n";
  expect_one(text, pos(text, "{fraction"), "limit_set: a fraction of the stay's total or in_scope needs period: stay");
}

TEST(LoaderLimits, FractionOfSomethingElse) {
  std::string text = edit(kBase + kCap, "limit: 5000", "limit: {fraction: 0.1, of: base}");
  expect_one(text, pos(text, "base}"), "limit.of: unknown value 'base' (expected one of: total, in_scope)");
}

TEST(LoaderLimits, LimitSetOnACoinsuranceChannel) {
  std::string text = kBase +
                     "        adjustments:\n"
                     "          - when: {identity: dibao}\n"
                     "            limit_set: 100\n";
  // The refused change leaves the adjustment without one: reported too.
  auto d = check(text);
  EXPECT_LE(d.size(), 2u) << dump(d);
  expect_has(d, pos(text, "limit_set"), "adjustments[0]: 'limit_set' applies to cap channels only");
}

TEST(LoaderLimits, RateAddOnACapChannel) {
  std::string text = kBase + kCap +
                     "        adjustments:\n"
                     "          - when: {identity: dibao}\n"
                     "            rate_add: 0.1\n";
  auto d = check(text);
  EXPECT_LE(d.size(), 2u) << dump(d);
  expect_has(d, pos(text, "rate_add"), "adjustments[0]: 'rate_add' applies to coinsurance channels only");
}

// ---- names: groups, sets, enumerations ------------------------------------------------------------

TEST(LoaderNames, UndefinedDiseaseGroup) {
  std::string text = kBase + "        when: {principal_diagnosis: cancer}\n";
  expect_one(text, pos(text, "cancer"), "principal_diagnosis: 'cancer' is not a defined disease group");
}

TEST(LoaderNames, UndefinedIdentitySet) {
  std::string text = kBase + "        when: {identity: poor}\n";
  expect_one(text, pos(text, "poor}"), "identity: 'poor' is neither an identity");
}

TEST(LoaderNames, DefinedIdentitySetAndGroupLoad) {
  std::string text = edit(kBase, "versions:",
                          "identity_sets:\n  poor: [registered_poor, dibao]\n"
                          "disease_groups:\n  cancer: [C00-C97, {code: C91.0, max_age: 17}]\nversions:") +
                     "        when: {identity: poor, any_diagnosis: cancer}\n";
  EXPECT_TRUE(check(text).empty()) << dump(check(text));
}

TEST(LoaderNames, UnknownIdentityInASet) {
  std::string text = edit(kBase, "versions:", "identity_sets:\n  poor: [registered_poor, orphan]\nversions:");
  expect_one(text, pos(text, "orphan"), "unknown identity 'orphan'");
}

TEST(LoaderNames, UnknownIdentityInACondition) {
  std::string text = kBase + "        when: {identity: [dibao, orphan]}\n";
  expect_one(text, pos(text, "orphan"), "identity: 'orphan' is neither an identity");
}

TEST(LoaderNames, UnknownKind) {
  std::string text = edit(kBase, "kind: coinsurance", "kind: insurance");
  auto d = check(text);
  ASSERT_FALSE(d.empty());
  EXPECT_EQ(d[0].line, pos(text, "insurance").line);
  EXPECT_EQ(d[0].column, pos(text, "insurance").column);
  EXPECT_NE(d[0].message.find("kind: unknown value 'insurance' (expected one of: coinsurance, cap, grant)"),
            std::string::npos)
      << dump(d);
}

TEST(LoaderNames, UnknownPeriod) {
  std::string text = edit(kBase, "period: stay", "period: month");
  expect_one(text, pos(text, "month"), "period: unknown value 'month' (expected one of: stay, year)");
}

TEST(LoaderNames, UnknownReportsAs) {
  std::string text = edit(kBase, "reports_as: hifp_pay", "reports_as: hifp");
  expect_one(text, pos(text, "hifp\n"), "reports_as: unknown value 'hifp'");
}

TEST(LoaderNames, UnknownRounding) {
  std::string text = edit(kBase, "id: t\n", "id: t\nrounding: half_down\n");
  expect_one(text, pos(text, "half_down"), "rounding: unknown value 'half_down' (expected one of: half_up, half_even)");
}

TEST(LoaderNames, UnknownBucket) {
  std::string text = edit(kBase, "base: [in_scope]", "base: [in_scope, selfpay]");
  expect_one(text, pos(text, "selfpay]"), "base: unknown bucket 'selfpay'");
}

TEST(LoaderNames, UnknownHospitalLevelInACondition) {
  std::string text = kBase + "        when: {hospital_level: [county, clinic]}\n";
  expect_one(text, pos(text, "clinic"), "hospital_level: unknown value 'clinic'");
}

TEST(LoaderNames, UnknownHospitalLevelInAPerLevelValue) {
  std::string text = edit(kBase, "deductible: 500",
                          "deductible: {village: 1, township: 2, county: 3, city: 4, province: 5, clinic: 6}");
  expect_one(text, pos(text, "clinic"), "unknown key 'clinic'");
}

TEST(LoaderNames, UnknownRegionCategoryInsuranceFlag) {
  std::string text = kBase + "        when: {region: abroad, category: IV, insurance: private, flag: vip}\n";
  auto d = check(text);
  ASSERT_EQ(d.size(), 4u) << dump(d);
  expect_has(d, pos(text, "abroad"), "region: unknown value 'abroad'");
  expect_has(d, pos(text, "IV"), "category: unknown value 'IV'");
  expect_has(d, pos(text, "private"), "insurance: unknown value 'private'");
  expect_has(d, pos(text, "vip"), "flag: unknown value 'vip'");
}

TEST(LoaderNames, MissingLevelInAPerLevelValue) {
  std::string text = edit(kBase, "deductible: 500", "deductible: {village: 100, township: 200, county: 500, province: 1500}");
  expect_one(text, pos(text, "{village"), "missing the value for hospital level 'city'");
}

TEST(LoaderNames, MissingLevelInABlockPerLevelValue) {
  std::string text = edit(kBase, "rate: 0.75",
                          "rate:\n          village: 0.9\n          township: 0.9\n          county: 0.8\n"
                          "          city: 0.7");
  // A block map is placed at its first key.
  expect_one(text, pos(text, "village: 0.9"), "missing the value for hospital level 'province'");
}

TEST(LoaderNames, ValueAndLevelsTogether) {
  std::string text = edit(kBase, "deductible: 500", "deductible: {value: 500, city: 800}");
  expect_one(text, pos(text, "800"), "give 'value' or the levels, not both");
}

// ---- YAML features refused ---------------------------------------------------------------------------

TEST(LoaderYaml, AliasesAreRefused) {
  std::string text = edit(kBase, "deductible: 500", "deductible: &d 500\n        cap_stay: *d");
  // The alias is read as nothing, so cap_stay is also reported at the same place.
  auto d = check(text);
  EXPECT_LE(d.size(), 2u) << dump(d);
  expect_has(d, pos(text, "*d"), "aliases (*name) are not allowed");
  EXPECT_THROW((void)Plan::load_string(text, "t.yaml"), RuleFileError);
}

TEST(LoaderYaml, StandardTagsAreRefused) {
  std::string text = edit(kBase, "deductible: 500", "deductible: !!str 500");
  auto d = check(text);
  ASSERT_EQ(d.size(), 1u) << dump(d);
  EXPECT_EQ(d[0].line, pos(text, "!!str").line);
  EXPECT_NE(d[0].message.find("tags ("), std::string::npos) << dump(d);
  EXPECT_NE(d[0].message.find("are not allowed in rule files"), std::string::npos) << dump(d);
}

TEST(LoaderYaml, LocalTagsAreRefused) {
  std::string text = edit(kBase, "base: [in_scope]", "base: !buckets [in_scope]");
  auto d = check(text);
  ASSERT_EQ(d.size(), 1u) << dump(d);
  EXPECT_EQ(d[0].line, pos(text, "!buckets").line);
  EXPECT_NE(d[0].message.find("tags (!buckets) are not allowed"), std::string::npos) << dump(d);
}

TEST(LoaderYaml, AFileOverOneMebibyte) {
  // Exactly 1 MiB is allowed; one byte more is refused at 1:1.
  std::string text = kBase;
  while (text.size() + 100 < (1u << 20)) text += "# " + std::string(77, 'x') + "\n";
  text += "#" + std::string((1u << 20) - text.size() - 2, 'y') + "\n";
  ASSERT_EQ(text.size(), 1u << 20);
  EXPECT_TRUE(check(text).empty()) << dump(check(text));
  text += "\n";
  expect_one(text, {1, 1}, "rule files are limited to 1048576 bytes");
}

TEST(LoaderYaml, NestingOfThirtyTwoLevelsIsRead) {
  // The root map is level 1; `x` holds 31 nested lists: 32 levels. Only the
  // unknown key is reported.
  std::string text = edit(kBase, "id: t\n", "id: t\nx: " + std::string(31, '[') + std::string(31, ']') + "\n");
  expect_one(text, pos(text, "x:"), "unknown key 'x'");
}

TEST(LoaderYaml, NestingDeeperThanThirtyTwo) {
  std::string text = edit(kBase, "id: t\n", "id: t\nx: " + std::string(32, '[') + std::string(32, ']') + "\n");
  auto d = check(text);
  // The 33rd level is the 32nd '[' on line 3, at column 4 + 31 = 35.
  expect_has(d, {3, 35}, "nested deeper than 32 levels");
  EXPECT_THROW((void)Plan::load_string(text, "t.yaml"), RuleFileError);
}

TEST(LoaderYaml, AHundredThousandOpenBracketsDoNotCrash) {
  std::string text(100'000, '[');
  auto d = check(text);
  ASSERT_FALSE(d.empty());
  bool depth = false;
  for (const auto& x : d) depth = depth || x.message.find("nested deeper than 32 levels") != std::string::npos;
  EXPECT_TRUE(depth) << dump(d);
  EXPECT_THROW((void)Plan::load_string(text, "t.yaml"), RuleFileError);
  // And the same closed again.
  std::string closed = std::string(100'000, '[') + std::string(100'000, ']');
  EXPECT_FALSE(check(closed).empty());
}

TEST(LoaderYaml, DeepMapsDoNotCrash) {
  std::string text;
  for (int i = 0; i < 20'000; ++i) text += "{a: ";
  auto d = check(text);
  ASSERT_FALSE(d.empty());
  EXPECT_THROW((void)Plan::load_string(text, "t.yaml"), RuleFileError);
}

TEST(LoaderYaml, AnEmptyFile) {
  expect_one("", {1, 1}, "the file is empty");
}

TEST(LoaderYaml, AFileOfCommentsIsEmpty) {
  expect_one("# nothing here\n\n", {1, 1}, "the file is empty");
}

TEST(LoaderYaml, NotAMap) {
  expect_one("- a\n- b\n", {1, 1}, "the rule file: expected a map, got a list");
}

TEST(LoaderYaml, SyntaxError) {
  auto d = check("id: [a, b\n");
  ASSERT_EQ(d.size(), 1u) << dump(d);
  EXPECT_NE(d[0].message.find("YAML syntax"), std::string::npos) << dump(d);
}

TEST(LoaderYaml, TwoDocuments) {
  auto d = check(kBase + "---\n" + kBase);
  ASSERT_FALSE(d.empty());
  EXPECT_NE(d[0].message.find("one YAML document"), std::string::npos) << dump(d);
}

// ---- several errors at once ------------------------------------------------------------------------------

TEST(LoaderMany, EveryErrorIsReportedAtOnceInLineOrder) {
  std::string text = kBase + kCap;
  text = edit(text, "id: t\n", "id: t\ncolour: red\n");                // unknown key (line 3)
  text = edit(text, "deductible: 500", "deductible: 010");              // leading zero
  text = edit(text, "rate: 0.75", "rate: 1.5");                         // rate above 1
  text = edit(text, "reports_as: oth_pay", "reports_as: hifp");         // unknown reports_as (in the cap channel)
  text += "        rate: 0.5\n";                                        // misplaced on a cap
  auto d = check(text);
  ASSERT_EQ(d.size(), 5u) << dump(d);
  const Pos want[] = {pos(text, "colour"), pos(text, "deductible: 010", 12), pos(text, "1.5"), pos(text, "hifp\n"),
                      pos(text, "rate: 0.5\n")};
  const char* phrase[] = {"unknown key 'colour'", "leading zeros", "not a rate", "unknown value 'hifp'",
                          "unknown key 'rate'"};
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(d[i].line, want[i].line) << i << "\n" << dump(d);
    EXPECT_EQ(d[i].column, want[i].column) << i << "\n" << dump(d);
    EXPECT_NE(d[i].message.find(phrase[i]), std::string::npos) << i << "\n" << dump(d);
  }
  for (std::size_t i = 1; i < d.size(); ++i) {
    EXPECT_LE(std::tie(d[i - 1].line, d[i - 1].column), std::tie(d[i].line, d[i].column));
  }
  try {
    (void)Plan::load_string(text, "t.yaml");
    FAIL();
  } catch (const RuleFileError& e) {
    ASSERT_EQ(e.diagnostics().size(), d.size());
    for (std::size_t i = 0; i < d.size(); ++i) EXPECT_EQ(e.diagnostics()[i].to_string(), d[i].to_string());
    EXPECT_NE(std::string(e.what()).find("(and 4 more)"), std::string::npos) << e.what();
  }
}

TEST(LoaderMany, ErrorsInAChangedChannelAreReportedOnce) {
  // The channel carried into version 2 is compiled again: its error once.
  std::string text = edit(kBase, "rate: 0.75", "rate: 1.5") + kSecondVersion;
  auto d = check(text);
  ASSERT_EQ(d.size(), 1u) << dump(d);
  EXPECT_EQ(d[0].line, pos(text, "1.5").line);
}

// ---- the built-in rule set ----------------------------------------------------------------------------------

TEST(LoaderBuiltin, IsHunanWithTwoVersions) {
  const Plan& p = Plan::builtin();
  EXPECT_EQ(p.id(), "hunan");
  EXPECT_EQ(p.versions(), (std::vector<Date>{day(2017, 7, 1), day(2019, 1, 1)}));
  EXPECT_EQ(p.rounding(), Rounding::half_up);
  EXPECT_EQ(p.class_b_selfpay(), Rate(1000));
  EXPECT_EQ(p.channel_ids(0), (std::vector<std::string>{"basic", "critical_illness", "commercial", "medical_aid",
                                                        "hospital_waiver", "backstop"}));
  EXPECT_EQ(p.channel_ids(1), p.channel_ids(0));
}

TEST(LoaderBuiltin, DigestIsSha256OfTheRuleFile) {
  const Plan& p = Plan::builtin();
  std::string_view dg = p.digest();
  ASSERT_EQ(dg.size(), 7u + 64u) << dg;
  EXPECT_EQ(dg.substr(0, 7), "sha256:");
  for (char c : dg.substr(7)) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << dg;
  const std::string path = std::string(MEDSETTLE_RULES_DIR) + "/hunan.yaml";
  Plan disk = Plan::load_file(path);
  EXPECT_EQ(disk.digest(), p.digest());
  EXPECT_EQ(disk.id(), "hunan");
  // The digest is of the bytes, not of the file name.
  EXPECT_EQ(Plan::load_string(slurp(path), "other-name.yaml").digest(), p.digest());
  // One more byte, another digest.
  EXPECT_NE(Plan::load_string(slurp(path) + "\n", "x").digest(), p.digest());
}

TEST(LoaderBuiltin, DigestEqualsAnIndependentSha256OfTheBytes) {
  // The expected hex is not the library's: it is `sha256sum` (GNU coreutils)
  // of kBase's 300 bytes, written to a file as they stand in this source
  // ("medsettle: 1\n" ... "rate: 0.75\n", LF line ends):
  //   5e17c1ce0b05d86f2ca1c07cadce9cca0753feba19b0eb60cb9c9a02df01ca4f
  // (tests/e2e/digest_test.sh compares the shipped rule files with sha256sum
  // at run time, so that check follows any edit of rules/).
  ASSERT_EQ(kBase.size(), 300u);
  const std::string want = "sha256:5e17c1ce0b05d86f2ca1c07cadce9cca0753feba19b0eb60cb9c9a02df01ca4f";
  EXPECT_EQ(Plan::load_string(kBase, "t.yaml").digest(), want);
  // The same bytes from a file.
  const std::string path = testing::TempDir() + "loader_digest_" + std::to_string(::getpid()) + ".yaml";
  {
    std::ofstream out(path, std::ios::binary);
    out << kBase;
  }
  EXPECT_EQ(Plan::load_file(path).digest(), want);
  std::remove(path.c_str());
  // A settlement names the same digest.
  JsonStayReader reader;
  Record rec = reader.read(R"({"stay_id":"S1","person_id":"P1","age":40,"hospital_level":"county","region":"in_county",)"
                           R"("admitted":"2020-03-01","discharged":"2020-03-05","diagnoses":["J18.9"],)"
                           R"("fees":[{"category":"A","amount":"1000.00"}]})",
                           1);
  ASSERT_FALSE(rec.rejection.has_value()) << rec.rejection->message;
  const Plan plan = Plan::load_string(kBase, "t.yaml");
  Ledger ledger(plan);
  Outcome o = settle(plan, rec.stay, ledger);
  ASSERT_TRUE(o.settled()) << o.rejection().message;
  EXPECT_EQ(o.settlement().digest, want);
}

TEST(LoaderBuiltin, EveryShippedRuleFileLoads) {
  for (const char* name : {"hunan", "zhuzhou", "funing", "zhenba", "xuchang", "linxian"}) {
    const std::string text = slurp(std::string(MEDSETTLE_RULES_DIR) + "/" + name + ".yaml");
    ASSERT_FALSE(text.empty()) << name;
    EXPECT_TRUE(check(text).empty()) << name << "\n" << dump(check(text));
  }
}

TEST(LoaderBuiltin, VersionOnBoundaries) {
  const Plan& p = Plan::builtin();
  EXPECT_EQ(p.version_on(day(2017, 6, 30)), std::nullopt);
  EXPECT_EQ(p.version_on(day(2017, 7, 1)), std::optional<std::size_t>(0));
  EXPECT_EQ(p.version_on(day(2018, 12, 31)), std::optional<std::size_t>(0));
  EXPECT_EQ(p.version_on(day(2019, 1, 1)), std::optional<std::size_t>(1));
  EXPECT_EQ(p.version_on(day(2020, 12, 31)), std::optional<std::size_t>(1));
  EXPECT_EQ(p.version_on(day(2021, 1, 1)), std::nullopt);  // until: 2020-12-31
}

TEST(LoaderBuiltin, WithoutUntilTheLastVersionHoldsForever) {
  Plan p = Plan::load_string(kBase, "t.yaml");
  EXPECT_EQ(p.version_on(day(2019, 12, 31)), std::nullopt);
  EXPECT_EQ(p.version_on(day(2020, 1, 1)), std::optional<std::size_t>(0));
  EXPECT_EQ(p.version_on(day(9999, 12, 31)), std::optional<std::size_t>(0));
}

TEST(LoaderBuiltin, ChangesVersionKeepsHunanChannels) {
  // 2019-01-01 changes only basic.cap_year (150000 -> 200000) and
  // critical_illness.deductible (12000 -> 10000).
  const Plan& p = Plan::builtin();
  for (std::size_t i = 0; i < p.channel_count(0); ++i) {
    EXPECT_EQ(p.channel(0, i).name, p.channel(1, i).name);
    EXPECT_EQ(p.channel(0, i).fund_pay_type, p.channel(1, i).fund_pay_type);
    EXPECT_EQ(p.channel(0, i).reports_as, p.channel(1, i).reports_as);
  }
  // A non-poor person, county hospital, in_scope 30000.00 in a single stay:
  //   basic: D 500, rate 0.75: round(0.75 × 29500.00) = 22125.00 (both versions)
  //   critical_illness (year): B = 30000.00 − 22125.00 = 7875.00, below D 12000 (v1) and D 10000 (v2): 0,
  //   deductible applied 7875.00 either way.
  // With in_scope 60000.00:
  //   basic: round(0.75 × 59500.00) = 44625.00; B for critical = 15375.00
  //   v1: D 12000: 0.50 × 3375.00 = 1687.50; v2: D 10000: 0.50 × 5375.00 = 2687.50
  Stay s;
  s.stay_id = "S";
  s.person_id = "P";
  s.age = 40;
  s.diagnoses = {"J18"};
  s.hospital_level = HospitalLevel::county;
  s.region = Region::in_county;
  s.buckets = Buckets{Fen(6'000'000), Fen(0), Fen(0), Fen(0), Fen(6'000'000)};
  s.admitted = s.discharged = day(2018, 6, 1);
  Ledger l1(p);
  Outcome o1 = settle(p, s, l1);
  ASSERT_TRUE(o1.settled());
  EXPECT_EQ(o1.settlement().channels[0].paid, Fen(4'462'500));
  EXPECT_EQ(o1.settlement().channels[1].paid, Fen(168'750));
  s.admitted = s.discharged = day(2019, 6, 1);
  Ledger l2(p);
  Outcome o2 = settle(p, s, l2);
  ASSERT_TRUE(o2.settled());
  EXPECT_EQ(o2.settlement().version, day(2019, 1, 1));
  EXPECT_EQ(o2.settlement().channels[0].paid, Fen(4'462'500));
  EXPECT_EQ(o2.settlement().channels[1].paid, Fen(268'750));
}

// ---- more structure ------------------------------------------------------------------------------------------

TEST(LoaderMore, MissingRequiredKey) {
  std::string text = edit(kBase, "        reports_as: hifp_pay\n", "");
  // Reported at the channel's map, which starts at its first key.
  expect_one(text, pos(text, "id: basic"), "channel 'basic': missing required key 'reports_as'");
}

TEST(LoaderMore, ReferralNeedsPeriodStay) {
  std::string text = edit(kBase, "period: stay", "period: year") + "        referral: continuous\n";
  expect_one(text, pos(text, "continuous"), "referral: continuous needs period: stay");
}

TEST(LoaderMore, AChannelIdTwiceInOneVersion) {
  std::string text = kBase + edit(kCap, "id: backstop", "id: basic");
  auto d = check(text);
  ASSERT_EQ(d.size(), 1u) << dump(d);
  EXPECT_NE(d[0].message.find("channel id 'basic' is used twice"), std::string::npos) << dump(d);
}

TEST(LoaderMore, UnknownKeyInABandAndInAnAdjustment) {
  std::string text = with_bands("          - {upto: 2000, rate: 0.5, colour: red}\n          - {rate: 0.8}\n") +
                     "        adjustments:\n"
                     "          - when: {identity: dibao}\n"
                     "            rate_add: 0.1\n"
                     "            shade: blue\n";
  auto d = check(text);
  ASSERT_EQ(d.size(), 2u) << dump(d);
  expect_has(d, pos(text, "colour"), "unknown key 'colour' in bands[0]");
  expect_has(d, pos(text, "shade"), "unknown key 'shade' in adjustments[0]");
}

TEST(LoaderMore, ConditionsNestedTooDeep) {
  std::string cond = "{identity: dibao}";
  for (int i = 0; i < 17; ++i) cond = "{not: " + cond + "}";
  std::string text = kBase + "        when: " + cond + "\n";
  auto d = check(text);
  ASSERT_EQ(d.size(), 1u) << dump(d);
  EXPECT_NE(d[0].message.find("conditions nested deeper than 16 levels"), std::string::npos) << dump(d);
  // 16 levels are fine.
  cond = "{identity: dibao}";
  for (int i = 0; i < 16; ++i) cond = "{not: " + cond + "}";
  EXPECT_TRUE(check(kBase + "        when: " + cond + "\n").empty());
}

TEST(LoaderMore, DeepInputGivesFewDiagnostics) {
  auto d = check(std::string(100'000, '['));
  EXPECT_LE(d.size(), 3u) << dump(d);
}
