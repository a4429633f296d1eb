// The parameters in force on a date and the parameters that differ
// (medsettle/show.hpp): values after every `changes:`, each citing the line
// it was written on and its source.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

#include "medsettle/compare.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/show.hpp"

using namespace medsettle;
using namespace medsettle::report;

namespace {

// Line numbers on the right are the ones the tests expect.
const std::string kRules = R"(medsettle: 1
id: t
class_b_selfpay: 0.10
rounding: half_even
versions:
  - from: 2020-01-01
    source: v1
    channels:
      - id: basic
        name: Basic
        kind: coinsurance
        fund_pay_type: "390100"
        reports_as: hifp_pay
        base: [in_scope]
        period: stay
        deductible:
          village: 100
          township: 200
          county: 500
          city: 800
          province: 1500
          source: illustrative
        rate: {value: 0.75, source: seed 75%}
        cap_year: 150000
      - id: backstop
        name: Backstop
        kind: cap
        fund_pay_type: "640100"
        reports_as: oth_pay
        base: [in_scope]
        period: stay
        when: {identity: dibao}
        limit: {fraction: 0.10, of: total, source: ten percent}
  - from: 2021-01-01
    source: v2
    changes:
      basic:
        deductible: {value: 600, source: raised}
        cap_year: {value: 200000, source: raised}
)";

Plan plan(const std::string& text = kRules) { return Plan::load_string(text, "t.yaml"); }

const Parameter* find(const ChannelParameters& c, const std::string& key) {
  for (const Parameter& p : c.parameters) {
    if (p.key() == key) return &p;
  }
  return nullptr;
}

Date day(int y, unsigned m, unsigned d) { return Date::from_ymd(y, m, d); }

}  // namespace

TEST(Show, TheFirstVersionPerLevelWithEveryLineAndSource) {
  const ParametersInForce p = parameters_in_force(plan(), day(2020, 6, 30));
  EXPECT_EQ(p.rule_set, "t");
  EXPECT_EQ(p.from, day(2020, 1, 1));
  EXPECT_EQ(p.to, day(2020, 12, 31));  // the day before the next version's from
  EXPECT_EQ(p.version_cite, (Citation{"t.yaml", 6, 5, "v1"}));
  // rounding on line 4 (its value at column 11), class_b_selfpay on line 3, without a source.
  ASSERT_EQ(p.rule_set_parameters.size(), 2u);
  EXPECT_EQ(p.rule_set_parameters[0], (Parameter{"rounding", std::nullopt, "half_even", {"t.yaml", 4, 11, ""}}));
  EXPECT_EQ(p.rule_set_parameters[1], (Parameter{"class_b_selfpay", std::nullopt, "0.1", {"t.yaml", 3, 18, ""}}));
  ASSERT_EQ(p.channels.size(), 2u);
  const ChannelParameters& basic = p.channels[0];
  EXPECT_EQ(basic.id, "basic");
  // Per level: each level on its own line (17 to 21, the values at column 20 or 19), with the map's source.
  const Parameter* village = find(basic, "deductible.village");
  ASSERT_NE(village, nullptr);
  EXPECT_EQ(*village, (Parameter{"deductible", HospitalLevel::village, "100.00", {"t.yaml", 17, 20, "illustrative"}}));
  EXPECT_EQ(find(basic, "deductible.province")->value, "1500.00");
  EXPECT_EQ(find(basic, "deductible.province")->cite.line, 21u);
  EXPECT_EQ(find(basic, "deductible"), nullptr);
  // Once, with a source: the value's place.
  EXPECT_EQ(*find(basic, "rate"), (Parameter{"rate", std::nullopt, "0.75", {"t.yaml", 23, 23, "seed 75%"}}));
  EXPECT_EQ(find(basic, "cap_year")->value, "150000.00");
  EXPECT_EQ(find(basic, "cap_year")->cite.line, 24u);
  EXPECT_EQ(find(basic, "cap_stay")->value, "none");
  const ChannelParameters& backstop = p.channels[1];
  EXPECT_EQ(find(backstop, "when")->value, "identity: dibao");
  EXPECT_EQ(find(backstop, "when")->cite.line, 32u);
  EXPECT_EQ(*find(backstop, "limit"), (Parameter{"limit", std::nullopt, "0.1 of total", {"t.yaml", 33, 16, "ten percent"}}));
}

TEST(Show, TheSecondVersionAfterItsChanges) {
  // 2021-01-01 (line 34) changes basic's deductible (line 38, the 600 at column 29) and cap_year (line 39);
  // the rest is carried over.
  const ParametersInForce p = parameters_in_force(plan(), day(2021, 3, 1));
  EXPECT_EQ(p.from, day(2021, 1, 1));
  EXPECT_EQ(p.to, std::nullopt);  // the last version, no until
  const ChannelParameters& basic = p.channels[0];
  EXPECT_EQ(*find(basic, "deductible"), (Parameter{"deductible", std::nullopt, "600.00", {"t.yaml", 38, 29, "raised"}}));
  EXPECT_EQ(find(basic, "deductible.county"), nullptr);
  EXPECT_EQ(find(basic, "cap_year")->value, "200000.00");
  EXPECT_EQ(find(basic, "cap_year")->cite.line, 39u);
  EXPECT_EQ(find(basic, "rate")->cite.line, 23u);  // carried over from version 1
  // Without a date: the last version.
  EXPECT_EQ(parameters_in_force(plan()).from, day(2021, 1, 1));
}

TEST(Show, NoVersionInForceIsAUsageError) {
  try {
    (void)parameters_in_force(plan(), day(2019, 12, 31));
    FAIL() << "no version in force, yet parameters";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "no version of rule set t is in force on 2019-12-31; its versions run from 2020-01-01 with "
                           "no end");
  }
}

TEST(Show, HunanVersionsDifferInTwoParameters) {
  // README's worked example: 2019-01-01 raises basic's cap_year 150,000 -> 200,000 and lowers
  // critical_illness' deductible 12,000 -> 10,000 (hunan.yaml lines 59/153 and 75/155).
  const Plan& hunan = Plan::builtin();
  const ParameterDiff d =
      diff_parameters(parameters_in_force(hunan, day(2018, 6, 30)), parameters_in_force(hunan, day(2019, 6, 30)));
  ASSERT_EQ(d.changes.size(), 2u);
  EXPECT_EQ(d.changes[0].channel, "basic");
  EXPECT_EQ(d.changes[0].key, "cap_year");
  EXPECT_EQ(d.changes[0].a->value, "150000.00");
  EXPECT_EQ(d.changes[0].a->cite.line, 59u);
  EXPECT_EQ(d.changes[0].b->value, "200000.00");
  EXPECT_EQ(d.changes[0].b->cite.line, 153u);
  EXPECT_EQ(d.changes[0].b->cite.source, "illustrative");
  EXPECT_EQ(d.changes[1].channel, "critical_illness");
  EXPECT_EQ(d.changes[1].key, "deductible");
  EXPECT_EQ(d.changes[1].a->value, "12000.00");
  EXPECT_EQ(d.changes[1].b->value, "10000.00");
  EXPECT_EQ(d.changes[1].b->cite.line, 155u);
}

TEST(Show, ValuesAreComparedNotTheirLines) {
  // The same rules two lines lower, with other sources: nothing differs.
  std::string moved = kRules;
  moved.replace(moved.find("id: t\n"), 6, "id: t\n# a comment\n# another\n");
  moved.replace(moved.find("source: v1"), 10, "source: other");
  const ParameterDiff d = diff_parameters(parameters_in_force(plan(), day(2020, 6, 30)),
                                          parameters_in_force(plan(moved), day(2020, 6, 30)));
  EXPECT_TRUE(d.changes.empty());
}

TEST(Show, OnceAgainstPerLevelIsComparedLevelByLevel) {
  // Version 1 gives the deductible per level (100, 200, 500, 800, 1500); version 2 once (600): all five differ.
  const ParameterDiff d =
      diff_parameters(parameters_in_force(plan(), day(2020, 6, 30)), parameters_in_force(plan(), day(2021, 6, 30)));
  std::vector<std::string> keys;
  for (const ParameterChange& c : d.changes) keys.push_back(c.channel + "." + c.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"basic.deductible.village", "basic.deductible.township",
                                            "basic.deductible.county", "basic.deductible.city",
                                            "basic.deductible.province", "basic.cap_year"}));
  EXPECT_EQ(d.changes[2].a->value, "500.00");
  EXPECT_EQ(d.changes[2].b->value, "600.00");
  EXPECT_EQ(d.changes[2].b->level, HospitalLevel::county);
}

TEST(Show, AChannelOnOneSideOnlyIsAbsentOnTheOther) {
  std::string without = kRules.substr(0, kRules.find("      - id: backstop")) + kRules.substr(kRules.find("  - from: 2021"));
  const ParameterDiff d = diff_parameters(parameters_in_force(plan(), day(2020, 6, 30)),
                                          parameters_in_force(plan(without), day(2020, 6, 30)));
  ASSERT_FALSE(d.changes.empty());
  for (const ParameterChange& c : d.changes) {
    EXPECT_EQ(c.channel, "backstop");
    EXPECT_TRUE(c.a.has_value());
    EXPECT_FALSE(c.b.has_value());
  }
  // name, kind, reports_as, fund_pay_type, base, period, when, limit
  EXPECT_EQ(d.changes.size(), 8u);
}

TEST(Show, TextAndJson) {
  const ParametersInForce p = parameters_in_force(plan(), day(2021, 3, 1));
  const std::string text = render_text(p);
  EXPECT_NE(text.find("version 2021-01-01, in force 2021-01-01 to no end (as of 2021-03-01); t.yaml:34  v2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\n  deductible     600.00       t.yaml:38  raised\n"), std::string::npos) << text;
  std::string json;
  write_json(json, p);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json);
  EXPECT_EQ(std::string_view(doc["version"]), "2021-01-01");
  EXPECT_TRUE(doc["to"].is_null());
  simdjson::dom::element deductible = doc["channels"].at(0)["parameters"].at(6);
  EXPECT_EQ(std::string_view(deductible["name"]), "deductible");
  EXPECT_EQ(std::string_view(deductible["value"]), "600.00");
  EXPECT_EQ(std::int64_t(deductible["line"]), 38);
  EXPECT_EQ(std::string_view(deductible["source"]), "raised");

  const ParameterDiff d =
      diff_parameters(parameters_in_force(plan(), day(2020, 6, 30)), parameters_in_force(plan(), day(2021, 6, 30)));
  const std::string dt = render_text(d);
  EXPECT_NE(dt.find("6 parameters differ"), std::string::npos) << dt;
  EXPECT_NE(dt.find("  basic.cap_year\n    A  150000.00  t.yaml:24\n    B  200000.00  t.yaml:39  raised\n"),
            std::string::npos)
      << dt;
  std::string dj;
  write_json(dj, d);
  simdjson::dom::element diff = parser.parse(dj);
  EXPECT_EQ(std::string_view(diff["a"]["version"]), "2020-01-01");
  EXPECT_EQ(diff["changes"].get_array().size(), 6u);
  EXPECT_EQ(std::string_view(diff["changes"].at(5)["parameter"]), "cap_year");
  EXPECT_EQ(std::string_view(diff["changes"].at(5)["b"]["value"]), "200000.00");
}

TEST(Show, TheCompareReportListsTheParametersThatDiffer) {
  const Plan& hunan = Plan::builtin();
  CompareOptions o;
  o.as_of_a = day(2018, 6, 30);
  o.as_of_b = day(2019, 6, 30);
  const Comparison c = compare(hunan, hunan, o, {}, {}, {});
  ASSERT_TRUE(c.parameters.has_value());
  EXPECT_EQ(c.parameters->changes.size(), 2u);
  const std::string html = render_html(c);
  EXPECT_NE(html.find("<h2>Parameters that differ</h2>"), std::string::npos);
  EXPECT_NE(html.find("<td>basic</td><td class=\"mono\">cap_year</td><td><span class=\"mono\">150000.00</span>"),
            std::string::npos);
  // A date with no version in force: no section (every stay was rejected there).
  o.as_of_a = day(2016, 1, 1);
  EXPECT_FALSE(compare(hunan, hunan, o, {}, {}, {}).parameters.has_value());
}

TEST(Show, InChineseWithIdsAsTheyAre) {
  // gettext translates only under a locale other than C: use_language sets it (ctest runs each test alone).
  if (!use_language(Language::zh)) GTEST_SKIP() << "no Chinese catalogue built";
  const ParametersInForce p = parameters_in_force(plan(), day(2021, 3, 1));
  EXPECT_EQ(render_text(p, Language::en), render_text(p));
  const std::string text = render_text(p, Language::zh);
  EXPECT_NE(text.find("版本 2021-01-01，生效 2021-01-01 至 无截止（适用日期 2021-03-01）; t.yaml:34  v2"), std::string::npos)
      << text;
  EXPECT_NE(text.find("\n  deductible     600.00       t.yaml:38  raised\n"), std::string::npos) << text;
  const ParameterDiff d =
      diff_parameters(parameters_in_force(plan(), day(2020, 6, 30)), parameters_in_force(plan(), day(2021, 6, 30)));
  EXPECT_EQ(render_text(d, Language::en), render_text(d));
  const std::string dt = render_text(d, Language::zh);
  EXPECT_NE(dt.find("\n6 个参数不同\n"), std::string::npos) << dt;
  EXPECT_NE(dt.find("  basic.cap_year\n    A  150000.00  t.yaml:24\n"), std::string::npos) << dt;

  const Plan& hunan = Plan::builtin();
  CompareOptions o;
  o.as_of_a = day(2018, 6, 30);
  o.as_of_b = day(2019, 6, 30);
  const Comparison c = compare(hunan, hunan, o, {}, {}, {});
  EXPECT_EQ(render_html(c, Language::en), render_html(c));
  EXPECT_EQ(render_text(c, Language::en), render_text(c));
  const std::string html = render_html(c, Language::zh);
  EXPECT_NE(html.find("<h1>medsettle 政策测算：A 对比 B</h1>"), std::string::npos);
  EXPECT_NE(html.find("<h2>不同的参数</h2>"), std::string::npos);
  EXPECT_NE(html.find("<td>basic</td><td class=\"mono\">cap_year</td>"), std::string::npos);
  EXPECT_EQ(html.find("<h2>Parameters that differ</h2>"), std::string::npos);
  const std::string t = render_text(c, Language::zh);
  EXPECT_NE(t.find("\n结算字段（元，配对住院）\n"), std::string::npos) << t;
  EXPECT_EQ(applied_text(c.a, Language::zh), "无");
  EXPECT_EQ(as_of_text(c.a, Language::zh), "适用日期 2018-06-30");
}
