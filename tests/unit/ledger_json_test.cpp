// A person's ledger as JSON (INTERCHANGE.md) and a settlement as JSON:
// written, read back, and every malformed ledger refused, naming the field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "medsettle/reader.hpp"
#include "medsettle/settle.hpp"
#include "medsettle/store.hpp"
#include "medsettle/writer.hpp"

namespace {

using namespace medsettle;
using ::testing::HasSubstr;

std::string stay_json(const std::string& id, const std::string& person, const std::string& discharged,
                      const std::string& in_scope, const std::string& extra = "") {
  return R"({"stay_id":")" + id + R"(","person_id":")" + person +
         R"(","identities":["registered_poor"],"age":56,"hospital_level":"county","region":"in_county","admitted":")" +
         discharged + R"(","discharged":")" + discharged + R"(","diagnoses":["C16.9"],"buckets":{"total":")" +
         in_scope + R"(","full_selfpay":"0.00","over_limit":"0.00","pre_selfpay":"0.00","in_scope":")" + in_scope +
         "\"}" + extra + "}";
}

/// A ledger with two years, a prior, a referral, and a stay id that needs escaping.
Ledger busy_ledger() {
  const Plan& plan = Plan::builtin();
  Ledger l(plan);
  const std::vector<std::string> stays{
      stay_json("H1", "P\\\"1", "2019-03-10", "30000.00", R"(,"prior":{"critical_illness":{"accumulated":"100.00"}})"),
      stay_json("H2\\n", "P\\\"1", "2019-05-20", "50000.00", R"(,"referred_from":"H1")"),
      stay_json("H3", "P\\\"1", "2020-02-01", "1234.56")};
  JsonStayReader reader;
  for (const std::string& s : stays) {
    const Record r = reader.read(s, 1);
    EXPECT_FALSE(r.rejection) << r.rejection->message;
    EXPECT_TRUE(settle(plan, r.stay, l).settled());
  }
  return l;
}

TEST(LedgerJson, RoundTripGivesTheSameLedgerAndTheSameBytes) {
  const Ledger l = busy_ledger();
  std::string once;
  write_ledger_json(once, l.snapshot());
  const LedgerSnapshot read = read_ledger_json(once);
  EXPECT_EQ(read, l.snapshot());
  std::string twice;
  write_ledger_json(twice, read);
  EXPECT_EQ(twice, once);
  // Restored, it is the same ledger: it continues and reverses the same way.
  Ledger back = Ledger::restore(Plan::builtin(), read);
  EXPECT_EQ(back, l);
  Ledger copy = l;
  EXPECT_EQ(reverse(back, "H1", true).reversed.size(), 3u);
  EXPECT_EQ(reverse(copy, "H1", true).reversed.size(), 3u);
  EXPECT_EQ(back, copy);
  EXPECT_TRUE(back.snapshot().years.empty());
}

TEST(LedgerJson, AnEmptyLedgerRoundTrips) {
  const Ledger fresh(Plan::builtin());
  std::string text;
  write_ledger_json(text, fresh.snapshot());
  EXPECT_EQ(text, R"({"person_id":"","rules":"hunan","years":[],"stays":[]})");
  EXPECT_EQ(Ledger::restore(Plan::builtin(), read_ledger_json(text)), fresh);
}

TEST(LedgerJson, RecordsAreAcceptedOnlyWhenAsked) {
  const std::string line = R"({"person_id":"P1","rules":"hunan","years":[],"stays":[],"records":[{"a": 1}]})";
  std::string records;
  EXPECT_EQ(read_ledger_json(line, &records).person_id, "P1");
  EXPECT_EQ(records, R"([{"a":1}])");
  EXPECT_THROW((void)read_ledger_json(line), Error);
}

/// The message a malformed ledger is refused with.
std::string refusal(const std::string& text) {
  try {
    (void)read_ledger_json(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "accepted";
}

TEST(LedgerJson, EveryMalformedLedgerIsRefusedNamingTheField) {
  const std::string year = R"({"year":2019,"started":true,"channels":{"basic":{"accumulated":"0.00","paid":"1.00","grants":0}}})";
  const std::string stay = R"({"stay_id":"S1","year":2019,"version":"2019-01-01","digest":"sha256:x","deductibles":{"basic":"5.00"},"before":{"started":false,"channels":{}}})";
  auto ledger = [](const std::string& years, const std::string& stays) {
    return R"({"person_id":"P1","rules":"hunan","years":[)" + years + R"(],"stays":[)" + stays + "]}";
  };
  EXPECT_EQ(refusal(ledger(year, stay)), "accepted");
  const std::vector<std::pair<std::string, std::string>> cases{
      {"{", "not JSON"},
      {"[]", "ledger: expected an object, got a list"},
      {R"({"person_id":"P1","rules":"hunan","years":[]})", "person_id, rules, years and stays are all required"},
      {R"({"person_id":"P1","person_id":"P2","rules":"hunan","years":[],"stays":[]})", "person_id: key given more than once"},
      {R"({"person_id":"P1","rules":"hunan","years":[],"stays":[],"extra":1})", "extra: unknown field"},
      {R"({"person_id":7,"rules":"hunan","years":[],"stays":[]})", "person_id: expected a string, got a number"},
      {R"({"person_id":"P1","rules":"","years":[],"stays":[]})", "rules: must not be empty"},
      {R"({"person_id":"P1","rules":"hunan","years":{},"stays":[]})", "years: expected a list, got an object"},
      {ledger(R"({"year":2019,"started":true})", ""), "years[0]: year, started and channels are all required"},
      {ledger(R"({"year":999,"started":true,"channels":{}})", ""), "years[0].year: 999 is out of range"},
      {ledger(R"({"year":2019.5,"started":true,"channels":{}})", ""), "years[0].year: expected a whole number"},
      {ledger(R"({"year":2019,"started":1,"channels":{}})", ""), "years[0].started: expected true or false"},
      {ledger(R"({"year":2019,"started":true,"channels":[]})", ""), "years[0].channels: expected an object"},
      {ledger(R"({"year":2019,"started":true,"channels":{"":{"accumulated":"0.00","paid":"0.00","grants":0}}})", ""),
       "a channel id must not be empty"},
      {ledger(R"({"year":2019,"started":true,"channels":{"basic":{"accumulated":"0.00","paid":"0.00"}}})", ""),
       "years[0].channels.basic: accumulated, paid and grants are all required"},
      {ledger(R"({"year":2019,"started":true,"channels":{"basic":{"accumulated":0,"paid":"0.00","grants":0}}})", ""),
       "years[0].channels.basic.accumulated: expected an amount as a string, got a number"},
      {ledger(R"({"year":2019,"started":true,"channels":{"basic":{"accumulated":"1.500","paid":"0.00","grants":0}}})", ""),
       "years[0].channels.basic.accumulated: not an amount: '1.500'"},
      {ledger(R"({"year":2019,"started":true,"channels":{"basic":{"accumulated":"-1.00","paid":"0.00","grants":0}}})", ""),
       "not an amount: '-1.00'"},
      {ledger(R"({"year":2019,"started":true,"channels":{"basic":{"accumulated":"0.00","paid":"0.00","grants":-1}}})", ""),
       "grants: -1 is out of range"},
      {ledger(R"({"year":2019,"started":true,"channels":{"basic":{"accumulated":"0.00","paid":"0.00","grants":0,"x":1}}})", ""),
       "basic.x: unknown field"},
      {ledger(year, R"({"stay_id":"S1"})"), "stays[0]: stay_id, year, version, digest, deductibles and before are all required"},
      {ledger(year, R"({"stay_id":"","year":2019,"version":"2019-01-01","digest":"d","deductibles":{},"before":{"started":false,"channels":{}}})"),
       "stays[0].stay_id: must not be empty"},
      {ledger(year, R"({"stay_id":"S1","year":2019,"version":"2019-02-30","digest":"d","deductibles":{},"before":{"started":false,"channels":{}}})"),
       "stays[0].version: not a date"},
      {ledger(year, R"({"stay_id":"S1","year":2019,"version":"2019-01-01","digest":"d","deductibles":{"basic":5},"before":{"started":false,"channels":{}}})"),
       "stays[0].deductibles.basic: expected an amount as a string"},
      {ledger(year, R"({"stay_id":"S1","year":2019,"version":"2019-01-01","digest":"d","deductibles":{"":"1.00"},"before":{"started":false,"channels":{}}})"),
       "a channel id must not be empty"},
      {ledger(year, R"({"stay_id":"S1","year":2019,"version":"2019-01-01","digest":"d","deductibles":{},"before":{"started":false}})"),
       "stays[0].before: started and channels are both required"},
  };
  for (const auto& [text, why] : cases) EXPECT_THAT(refusal(text), HasSubstr(why)) << text;
}

TEST(LedgerJson, RestoredWithoutAPlanItWritesItsListsBackAsTheyWere) {
  // 2019 lists only critical_illness; 2020 lists basic before it (the plan's order).
  const std::string text =
      R"({"person_id":"P1","rules":"hunan","years":[)"
      R"({"year":2019,"started":true,"channels":{"critical_illness":{"accumulated":"1.00","paid":"0.00","grants":0}}},)"
      R"({"year":2020,"started":true,"channels":{"basic":{"accumulated":"0.00","paid":"2.00","grants":0},)"
      R"("critical_illness":{"accumulated":"3.00","paid":"0.00","grants":0}}}],"stays":[]})";
  std::string back;
  write_ledger_json(back, Ledger::restore(read_ledger_json(text)).snapshot());
  EXPECT_EQ(back, text);
  // And a busy ledger reversed without its plan writes the same bytes as with it.
  const Ledger l = busy_ledger();
  Ledger with_plan = l;
  Ledger without = Ledger::restore(l.snapshot());
  ASSERT_TRUE(reverse(with_plan, "H3").ok());
  ASSERT_TRUE(reverse(without, "H3").ok());
  std::string a, b;
  write_ledger_json(a, with_plan.snapshot());
  write_ledger_json(b, without.snapshot());
  EXPECT_EQ(a, b);
}

TEST(LedgerJson, RestoreRefusesAnInconsistentLedger) {
  const LedgerSnapshot good = busy_ledger().snapshot();
  LedgerSnapshot other = good;
  other.rules = "zhenba";
  EXPECT_THROW((void)Ledger::restore(Plan::builtin(), other), Error);
  LedgerSnapshot twice = good;
  twice.stays.push_back(twice.stays.front());
  EXPECT_THROW((void)Ledger::restore(Plan::builtin(), twice), Error);
  LedgerSnapshot nobody = good;
  nobody.person_id.clear();
  EXPECT_THROW((void)Ledger::restore(nobody), Error);
}

/// The settlement JSON, parsed: every field in INTERCHANGE.md's order.
TEST(SettlementJson, FieldsInOrderMoneyAsTwoDecimalStringsTextEscaped) {
  Ledger l(Plan::builtin());
  JsonStayReader reader;
  const Record r = reader.read(stay_json("S\\\"1\\t", "P1", "2019-03-10", "30000.00"), 1);
  const Outcome o = settle(Plan::builtin(), r.stay, l);
  ASSERT_TRUE(o.settled());
  std::string text;
  write_json(text, o.settlement());
  simdjson::dom::parser p;
  simdjson::dom::object obj = p.parse(text).get_object();
  std::vector<std::string> keys;
  for (auto [k, v] : obj) keys.emplace_back(k);
  EXPECT_THAT(keys, ::testing::ElementsAre("stay_id", "person_id", "rules", "version", "digest", "medfee_sumamt",
                                           "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt",
                                           "act_pay_dedc", "hifp_pay", "hifmi_pay", "maf_pay", "hosp_part_amt",
                                           "oth_pay", "fund_pay_sumamt", "psn_part_amt", "channels"));
  EXPECT_EQ(obj["stay_id"].get_string().value(), "S\"1\t");
  // basic: 0.85 × (30,000.00 − 500.00) = 25,075.00 (registered poor, county)
  EXPECT_EQ(obj["hifp_pay"].get_string().value(), "25075.00");
  EXPECT_EQ(obj["medfee_sumamt"].get_string().value(), "30000.00");
  std::vector<std::string> channel_keys;
  for (auto [k, v] : obj["channels"].at(0).get_object()) channel_keys.emplace_back(k);
  EXPECT_THAT(channel_keys,
              ::testing::ElementsAre("id", "name", "fund_pay_type", "eligible", "base", "deductible", "paid"));

  // Its reversal: every money figure negated, zeros as they are, then "reversal": true.
  const std::string rev = reversal_json(text);
  simdjson::dom::parser q;
  simdjson::dom::object back = q.parse(rev).get_object();
  EXPECT_EQ(back["hifp_pay"].get_string().value(), "-25075.00");
  EXPECT_EQ(back["fulamt_ownpay_amt"].get_string().value(), "0.00");
  EXPECT_EQ(back["channels"].at(1)["deductible"].get_string().value(), "-4925.00");
  EXPECT_EQ(back["digest"].get_string().value(), obj["digest"].get_string().value());
  EXPECT_TRUE(back["reversal"].get_bool().value());
  EXPECT_THAT(rev, ::testing::EndsWith(R"(],"reversal":true})"));
  EXPECT_THROW((void)reversal_json(rev), Error);  // a reversal is not reversed again
}

}  // namespace
