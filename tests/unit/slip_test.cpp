// The stay's attributes and the choices in an explanation (issue #16 item 4)
// and the settlement slip's HTML (item 5, medsettle/slip.hpp), on one stay
// settled under the built-in hunan rule set (rules/hunan.yaml), worked by hand:
//
// county hospital, in_county, resident, registered_poor (so in rural_poor),
// age 60, principal diagnosis I10 (not a nine_major disease), discharged
// 2019-03-10: version 2019-01-01. Buckets: total 20000.00 = full_selfpay
// 1000.00 + over_limit 0.00 + pre_selfpay 1000.00 + in_scope 18000.00.
//
// basic: B = in_scope 18000.00; deductible county 500.00 (hunan.yaml:48);
//   rate county 0.75 + rate_add 0.10 (rural_poor) = 0.85;
//   X = (18000.00 - 500.00) x 0.85 = 14875.00. in_scope left 3125.00.
// critical_illness: B = 3125.00; deductible 10000.00 (2019 change) x
//   deductible_scale 0.5 = 5000.00 > B: pays 0.00.
// commercial (rural_poor): B = in_scope 3125.00 + pre_selfpay 1000.00 =
//   4125.00; deductible 0, rate 0.30: X = 1237.50, taken from in_scope
//   (3125.00 - 1237.50 = 1887.50 left).
// medical_aid, hospital_waiver: need nine_major: not eligible.
// backstop (cap): B = 1887.50 + 1000.00 = 2887.50 <= limit 5000.00: pays 0.00.
// The patient pays 1887.50 + 1000.00 + 0.00 + 1000.00 = 3887.50
//   = 20000.00 - 14875.00 - 1237.50 (the waterfall's steps).
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "medsettle/settle.hpp"
#include "medsettle/slip.hpp"
#include "medsettle/writer.hpp"

using namespace medsettle;

namespace {

Stay worked_stay() {
  Stay s;
  s.stay_id = "S1";
  s.person_id = "P1";
  s.identities = bit(Identity::registered_poor);
  s.age = 60;
  s.hospital_level = HospitalLevel::county;
  s.region = Region::in_county;
  s.admitted = Date::from_ymd(2019, 3, 1);
  s.discharged = Date::from_ymd(2019, 3, 10);
  s.diagnoses = {"I10"};
  s.buckets = Buckets{Fen::from_yuan(20000), Fen::from_yuan(1000), Fen(0), Fen::from_yuan(1000),
                      Fen::from_yuan(18000)};
  return s;
}

Settlement settled(const Stay& stay) {
  Ledger ledger(Plan::builtin());
  SettleOptions options;
  options.trace = true;
  Outcome o = settle(Plan::builtin(), stay, ledger, options);
  EXPECT_TRUE(o.settled());
  return o.settlement();
}

const TraceStep* find_step(const Settlement& s, int channel, std::string_view kind) {
  for (const TraceStep& t : s.trace->steps) {
    if (t.channel == channel && t.kind == kind) return &t;
  }
  return nullptr;
}

/// The text of the element with id `id` in `html`.
std::string by_id(const std::string& html, const std::string& id) {
  std::smatch m;
  if (!std::regex_search(html, m, std::regex("id=\"" + id + "\"[^>]*>([^<]*)<"))) return "<missing " + id + ">";
  return m[1];
}

}  // namespace

TEST(ExplainChoices, TheTraceKeepsTheStaysAttributes) {
  const Settlement s = settled(worked_stay());
  ASSERT_TRUE(s.trace);
  EXPECT_EQ(s.trace->stay.hospital_level, HospitalLevel::county);
  EXPECT_EQ(s.trace->stay.identities, bit(Identity::registered_poor));
  EXPECT_EQ(s.trace->stay.age, 60);
  EXPECT_EQ(s.trace->stay.diagnoses, std::vector<std::string>{"I10"});
}

TEST(ExplainChoices, APerLevelValueNamesTheLevelAndItsLine) {
  const Settlement s = settled(worked_stay());
  const TraceStep* d = find_step(s, 0, "deductible");  // basic
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->choice.by, Choice::By::hospital_level);
  EXPECT_EQ(d->choice.level, HospitalLevel::county);
  EXPECT_EQ(d->chosen_by, "hospital_level county");
  EXPECT_EQ(d->line, 48u);  // `county: 500` under basic's deductible
  EXPECT_EQ(d->source, "illustrative");
  EXPECT_EQ(d->message, "basic: deductible 500.00; applied min(B, D) = 500.00");
}

TEST(ExplainChoices, AnAdjustedValueNamesTheCondition) {
  const Settlement s = settled(worked_stay());
  const TraceStep* d = find_step(s, 1, "deductible");  // critical_illness: scaled for rural_poor
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->choice.by, Choice::By::condition);
  EXPECT_EQ(d->chosen_by, "when identity: registered_poor, dibao, tekun, poor_disabled");
  // basic's rate: 0.75 read at the county level, then rate_add 0.10 for rural_poor: both chose it.
  const TraceStep* b = find_step(s, 0, "bands");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->choice.by, Choice::By::hospital_level_and_condition);
  EXPECT_EQ(b->chosen_by, "hospital_level county; when identity: registered_poor, dibao, tekun, poor_disabled");
  const TraceStep* e = find_step(s, 3, "eligibility");  // medical_aid
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->chosen_by, "when identity: registered_poor, dibao, tekun, poor_disabled and principal_diagnosis: "
                          "nine_major");
  EXPECT_EQ(find_step(s, -1, "version")->chosen_by, "");
}

TEST(ExplainChoices, TextShowsAttributesFirstAndTheChoiceInTheDetail) {
  const std::string text = render_trace_text(settled(worked_stay()), Language::en);
  const auto attributes = text.find("\nstay attributes\n  hospital_level  county\n  region          in_county\n"
                                    "  insurance       resident\n  identities      registered_poor\n"
                                    "  category        -\n  age             60\n  flags           -\n"
                                    "  diagnoses       I10\n  admitted        2019-03-01\n"
                                    "  discharged      2019-03-10\n");
  ASSERT_NE(attributes, std::string::npos) << text;
  const auto choice =
      text.find("hospital_level county \u2192 basic: deductible 500.00; applied min(B, D) = 500.00\n");
  ASSERT_NE(choice, std::string::npos) << text;
  EXPECT_LT(attributes, choice);
}

TEST(ExplainChoices, JsonHasTheStayAndEachStepsChoice) {
  std::string json;
  write_trace_json(json, settled(worked_stay()));
  EXPECT_NE(json.find("],\"stay\":{\"hospital_level\":\"county\",\"region\":\"in_county\",\"insurance\":\"resident\","
                      "\"identities\":[\"registered_poor\"],\"category\":null,\"age\":60,\"flags\":[],"
                      "\"diagnoses\":[\"I10\"],\"admitted\":\"2019-03-01\",\"discharged\":\"2019-03-10\","
                      "\"referred_from\":null}}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"line\":48,\"column\":"), std::string::npos);
  EXPECT_NE(json.find("\"source\":\"illustrative\",\"chosen_by\":\"hospital_level county\"}"), std::string::npos);
}

TEST(Slip, TheFiguresAreThoseOfTheSettlement) {
  const Stay stay = worked_stay();
  const Settlement s = settled(stay);
  ASSERT_EQ(s.psn_part_amt, Fen(388750));
  const std::string html = render_slip_html(stay, s, Language::en);
  EXPECT_EQ(by_id(html, "stay-id"), "S1");
  EXPECT_EQ(by_id(html, "hospital-level"), "county");
  EXPECT_EQ(by_id(html, "admitted"), "2019-03-01");
  EXPECT_EQ(by_id(html, "discharged"), "2019-03-10");
  // The buckets: 1000.00 + 0.00 + 1000.00 + 18000.00 = 20000.00.
  EXPECT_EQ(by_id(html, "bucket-full_selfpay"), "1000.00");
  EXPECT_EQ(by_id(html, "bucket-over_limit"), "0.00");
  EXPECT_EQ(by_id(html, "bucket-pre_selfpay"), "1000.00");
  EXPECT_EQ(by_id(html, "bucket-in_scope"), "18000.00");
  EXPECT_EQ(by_id(html, "bucket-total"), "20000.00");
  EXPECT_EQ(by_id(html, "channel-basic-paid"), "14875.00");
  EXPECT_EQ(by_id(html, "channel-critical_illness-paid"), "0.00");
  EXPECT_EQ(by_id(html, "channel-commercial-paid"), "1237.50");
  EXPECT_EQ(by_id(html, "channel-medical_aid-paid"), "0.00");
  EXPECT_EQ(by_id(html, "funds-total"), "16112.50");  // 14875.00 + 1237.50
  EXPECT_EQ(by_id(html, "patient-pays"), "3887.50");
  EXPECT_EQ(by_id(html, "rules"), "hunan");
  EXPECT_EQ(by_id(html, "version"), "2019-01-01");
  EXPECT_EQ(by_id(html, "digest"), std::string(s.digest));
  // Each channel's why: basic's names its base, deductible and what chose them.
  // In the order of the steps: the rate_add adjustment, then the deductible read at the level.
  EXPECT_NE(html.find("base 18000.00, deductible 500.00, computed 14875.00 (when identity: registered_poor, dibao, "
                      "tekun, poor_disabled; hospital_level county)"),
            std::string::npos);
  EXPECT_NE(html.find("not eligible: its condition does not hold for this stay"), std::string::npos);
}

TEST(Slip, TheWaterfallStepsDownFromTheTotalToThePatientsShare) {
  const Stay stay = worked_stay();
  const std::string html = render_slip_html(stay, settled(stay), Language::en);
  // step-0 the total 20000.00; step-1 basic 14875.00; step-2 commercial
  // 1237.50; step-3 the patient's share 20000.00 - 14875.00 - 1237.50 = 3887.50.
  const std::regex rect("<rect id=\"step-(\\d+)\" data-amount=\"([0-9.]+)\" data-kind=\"(\\w+)\"");
  std::vector<std::pair<std::string, std::string>> steps;
  for (std::sregex_iterator i(html.begin(), html.end(), rect), end; i != end; ++i) steps.emplace_back((*i)[2], (*i)[3]);
  const std::vector<std::pair<std::string, std::string>> expected{
      {"20000.00", "total"}, {"14875.00", "step"}, {"1237.50", "step"}, {"3887.50", "total"}};
  EXPECT_EQ(steps, expected);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);  // nothing fetched
}

TEST(Slip, ChineseByDefaultAndRefusesAnotherStaysSettlement) {
  const Stay stay = worked_stay();
  const Settlement s = settled(stay);
  EXPECT_NE(render_slip_html(stay, s).find("<html lang=\"zh-CN\">"), std::string::npos);
  Stay other = stay;
  other.stay_id = "S2";
  EXPECT_THROW((void)render_slip_html(other, s), Error);
}
