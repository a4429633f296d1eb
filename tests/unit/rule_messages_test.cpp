// Rule files that explain themselves (issue #16): each mistake gets a message
// that names it, at its line and column. Every expectation is the whole
// diagnostic, "file:line:column: message".
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "medsettle/engine.hpp"
#include "medsettle/plan.hpp"

using namespace medsettle;

namespace {

// Lines 1-15; the channel's keys are at column 9.
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

std::vector<std::string> problems(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& d : Plan::check(text, "t.yaml")) out.push_back(d.to_string());
  return out;
}

/// `kBase` with `from` replaced by `to`.
std::string edit(std::string_view from, std::string_view to, std::string text = kBase) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

/// `kBase` with these lines before `versions:` (line 4 becomes line 4 + their count).
std::string with_top(std::string_view lines) { return edit("versions:\n", std::string(lines) + "versions:\n"); }

using Lines = std::vector<std::string>;

}  // namespace

// ---- a group names a group; entries look like ICD-10 codes -------------------------

TEST(RuleMessages, AGroupThatListsAnotherGroupSaysSo) {
  // Line 6: "  cancers: [C00-C97, major]": `major` at column 22.
  std::string text = with_top("disease_groups:\n  major: [N18]\n  cancers: [C00-C97, major]\n");
  EXPECT_EQ(problems(text),
            Lines{"t.yaml:6:22: 'major' is a disease group, not an ICD-10 code: a group cannot contain a group; "
                  "list its codes here, or name both groups in the condition (any_diagnosis: [cancers, major])"});
  // Named before it is defined, the same.
  text = with_top("disease_groups:\n  cancers: [C00-C97, major]\n  major: [N18]\n");
  EXPECT_EQ(problems(text).size(), 1u);
  EXPECT_NE(problems(text)[0].find("t.yaml:5:22: 'major' is a disease group"), std::string::npos);
}

TEST(RuleMessages, AWordThatIsNoGroupIsNotAnIcdCode) {
  // `major` with no such group used to be taken as a prefix that matched nothing.
  std::string text = with_top("disease_groups:\n  cancers: [C00-C97, major]\n");
  EXPECT_EQ(problems(text), Lines{"t.yaml:5:22: 'major' is not an ICD-10 code prefix like C15 or N18.5 (a letter "
                                  "and two digits, then optionally a dot and letters or digits)"});
}

TEST(RuleMessages, IcdCodeShapes) {
  for (const char* good : {"C15", "c15", "N18.5", "C16.9x", "Q21.0", "C00-C97", "j60-j65"}) {
    EXPECT_EQ(problems(with_top(std::string("disease_groups:\n  g: [") + good + "]\n")), Lines{}) << good;
  }
  for (const char* bad : {"C1", "C", "C7A", "C169", "C16.", "C16..9", "15", "N18.5.1x"}) {
    auto p = problems(with_top(std::string("disease_groups:\n  g: [") + bad + "]\n"));
    ASSERT_EQ(p.size(), 1u) << bad;
    EXPECT_NE(p[0].find("t.yaml:5:7: '" + std::string(bad) + "' is not an ICD-10 code prefix"), std::string::npos)
        << p[0];
  }
  for (const char* bad : {"C00-C9", "C97-C00", "CAA-CZZ", "C16.9-9"}) {
    auto p = problems(with_top(std::string("disease_groups:\n  g: [") + bad + "]\n"));
    ASSERT_EQ(p.size(), 1u) << bad;
    EXPECT_EQ(p[0], "t.yaml:5:7: '" + std::string(bad) + "' is not a range of three-character categories like C00-C97");
  }
}

// ---- an identity set names a set ---------------------------------------------------

TEST(RuleMessages, ASetThatListsAnotherSetSaysSoAndListsItsMembers) {
  // Line 6: "  needy: [poor, marginal]": `poor` at column 11.
  std::string text = with_top("identity_sets:\n  poor: [registered_poor, dibao]\n  needy: [poor, marginal]\n");
  EXPECT_EQ(problems(text), Lines{"t.yaml:6:11: 'poor' is an identity set, not an identity: a set cannot contain a "
                                  "set; list its members here (registered_poor, dibao)"});
}

TEST(RuleMessages, AMisspeltIdentityInASetGetsASuggestion) {
  std::string text = with_top("identity_sets:\n  poor: [registered_poor, dibaoo]\n");
  EXPECT_EQ(problems(text), Lines{"t.yaml:5:27: unknown identity 'dibaoo' (expected one of: registered_poor, dibao, "
                                  "tekun, poor_disabled, marginal); did you mean 'dibao'?"});
}

// ---- YAML's own surprises -------------------------------------------------------------

TEST(RuleMessages, ATabInTheIndentationIsNamed) {
  // yaml-cpp says "end of map not found" at 14:2; the tab is at 14:1.
  std::string text = edit("        deductible: 500\n", "\tdeductible: 500\n");
  EXPECT_EQ(problems(text), Lines{"t.yaml:14:1: YAML syntax: a tab in the indentation; YAML indents with spaces only "
                                  "(the parser says: illegal tab when looking for indentation)"});
  // After spaces, at its own column.
  text = with_top("identity_sets:\n  poor:\n\tmembers: [dibao]\n");
  auto p = problems(text);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].rfind("t.yaml:6:1: YAML syntax: a tab in the indentation", 0), 0u) << p[0];
}

TEST(RuleMessages, AThousandsSeparatorInsideBracesIsNamedNotAnUnknownKey) {
  // `{value: 150,000, ...}` reads as `value: 150` and a key `000`: one message, at the 150 (column 27).
  std::string text = kBase + "        cap_year: {value: 150,000, source: illustrative}\n";
  EXPECT_EQ(problems(text), Lines{"t.yaml:16:27: '150,000': thousands separators are not allowed in rule files; "
                                  "write 150000 (inside {...} a comma separates entries)"});
  // Several separators, and decimals: one message for the whole number.
  text = kBase + "        cap_year: {value: 1,500,000.50}\n";
  EXPECT_EQ(problems(text), Lines{"t.yaml:16:27: '1,500,000.50': thousands separators are not allowed in rule files; "
                                  "write 1500000.50 (inside {...} a comma separates entries)"});
}

TEST(RuleMessages, AThousandsSeparatorInAPlainAmountIsNamed) {
  std::string text = edit("deductible: 500", "deductible: 1,500");
  EXPECT_EQ(problems(text), Lines{"t.yaml:14:21: deductible: '1,500' is not an amount of yuan (thousands separators "
                                  "are not allowed: write 1500)"});
}

// ---- the nearest key or value ---------------------------------------------------------

TEST(RuleMessages, AMisspeltKeyGetsTheNearestKey) {
  std::string text = edit("deductible: 500", "deductable: 500");
  EXPECT_EQ(problems(text),
            Lines{"t.yaml:14:9: unknown key 'deductable' in channel 'basic' (kind coinsurance) (expected one of: id, "
                  "name, kind, fund_pay_type, reports_as, base, period, when, source, deductible, rate, bands, "
                  "cap_stay, cap_year, referral, adjustments); did you mean 'deductible'?"});
  // Two letters swapped, in a condition.
  text = kBase + "        when: {identiyt: dibao}\n";
  auto p = problems(text);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("unknown key 'identiyt' in when"), std::string::npos) << p[0];
  EXPECT_NE(p[0].find("; did you mean 'identity'?"), std::string::npos) << p[0];
  // Nothing near: no suggestion.
  p = problems(kBase + "        colour: red\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].find("did you mean"), std::string::npos) << p[0];
}

TEST(RuleMessages, AKeyOfAnotherKindSaysWhichKindsUseIt) {
  auto p = problems(kBase + "        limit: 100\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("t.yaml:16:9: unknown key 'limit' in channel 'basic' (kind coinsurance)"), std::string::npos);
  EXPECT_NE(p[0].find("; 'limit' is a key of cap channels"), std::string::npos) << p[0];
  // (and `period` is then missing: reported first, at the channel, 7:9)
  p = problems(edit("period: stay", "once_per: year"));
  ASSERT_EQ(p.size(), 2u);
  EXPECT_NE(p[1].find("t.yaml:13:9: unknown key 'once_per'"), std::string::npos) << p[1];
  EXPECT_NE(p[1].find("; 'once_per' is a key of grant channels"), std::string::npos) << p[1];
}

TEST(RuleMessages, MisspeltValuesAndNamesGetTheNearestOne) {
  auto p = problems(edit("kind: coinsurance", "kind: coinsurence"));
  ASSERT_FALSE(p.empty());
  EXPECT_EQ(p[0], "t.yaml:9:15: kind: unknown value 'coinsurence' (expected one of: coinsurance, cap, grant); did you "
                  "mean 'coinsurance'?");
  std::string text = with_top("identity_sets:\n  poor: [dibao]\n") + "        when: {identity: poorr}\n";
  EXPECT_EQ(problems(text), Lines{"t.yaml:18:26: identity: 'poorr' is neither an identity (registered_poor, dibao, "
                                  "tekun, poor_disabled, marginal) nor a defined identity set; did you mean 'poor'?"});
  text = with_top("disease_groups:\n  major: [N18]\n") + "        when: {principal_diagnosis: majr}\n";
  EXPECT_EQ(problems(text), Lines{"t.yaml:18:37: principal_diagnosis: 'majr' is not a defined disease group; did "
                                  "you mean 'major'?"});
  EXPECT_EQ(problems(kBase + "        when: {hospital_level: contry}\n"),
            Lines{"t.yaml:16:32: hospital_level: unknown value 'contry' (expected one of: village, township, county, "
                  "city, province); did you mean 'county'?"});
}

// ---- per-level tables -------------------------------------------------------------------

TEST(RuleMessages, PerLevelTablesNeedAllFiveAndTheMessageListsTheMissingOnes) {
  // No default level: a table that leaves levels out is refused, in one message.
  auto p = problems(edit("deductible: 500", "deductible: {village: 100, township: 200, county: 500}"));
  EXPECT_EQ(p, Lines{"t.yaml:14:21: deductible: missing the values for hospital levels 'city', 'province' (give all "
                     "five: village, township, county, city, province)"});
  p = problems(edit("deductible: 500", "deductible: {village: 100, township: 200, county: 500, city: 800}"));
  EXPECT_EQ(p, Lines{"t.yaml:14:21: deductible: missing the value for hospital level 'province' (give all five: "
                     "village, township, county, city, province)"});
  p = problems(edit("deductible: 500", "deductible: {source: illustrative}"));
  EXPECT_EQ(p, Lines{"t.yaml:14:21: deductible: give 'value', or one value for each hospital level (village, "
                     "township, county, city, province)"});
}

// ---- no version in force --------------------------------------------------------------------

TEST(RuleMessages, NoVersionInForceSaysWhenTheVersionsRun) {
  Plan plan = Plan::builtin();  // hunan: from 2017-07-01, until 2020-12-31
  Stay s;
  s.stay_id = "S";
  s.person_id = "P";
  s.age = 40;
  s.diagnoses = {"J18"};
  s.admitted = s.discharged = Date::from_ymd(2016, 5, 1);
  s.buckets = Buckets{Fen(100), Fen(0), Fen(0), Fen(0), Fen(100)};
  Ledger ledger(plan);
  Outcome o = settle(plan, s, ledger);
  ASSERT_FALSE(o.settled());
  EXPECT_EQ(o.rejection().message,
            "discharged: no version of rule set hunan is in force on 2016-05-01; its versions run from 2017-07-01 to "
            "2020-12-31");
}
