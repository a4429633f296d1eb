// The replay library (medsettle/replay.hpp): planted differences, fields not
// given, other rule sets, --recorded-only and malformed lines. Expected
// amounts come from the worked examples (tests/golden/hunan.expected.jsonl),
// which the engine does not produce: it is checked against them.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "medsettle/engine.hpp"
#include "medsettle/replay.hpp"
#include "medsettle/writer.hpp"

using namespace medsettle;

namespace {

const std::string example_dir = std::string(MEDSETTLE_SOURCE_DIR) + "/examples/replay";

const Plan& hunan() {
  static const Plan plan = Plan::load_file(std::string(MEDSETTLE_RULES_DIR) + "/hunan.yaml");
  return plan;
}

std::vector<Record> example_stays() {
  std::ifstream in(example_dir + "/platform.stays.jsonl", std::ios::binary);
  return read_jsonl(in);
}

ReplayReport replay_text(const std::string& recorded, const std::vector<Record>& stays, ReplayOptions options = {}) {
  std::istringstream in(recorded);
  return replay(hunan(), in, stays, options);
}

/// Our own settle output for the example stays, one line each, by stay id.
std::map<std::string, std::string> own_output() {
  std::map<std::string, std::string> lines;
  for (const Outcome& o : settle_batch(hunan(), example_stays())) {
    std::string line;
    write_json(line, o.settlement());
    lines[o.settlement().stay_id] = line;
  }
  return lines;
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

}  // namespace

TEST(Replay, FindsThePlantedDifferenceOfThePlatformExample) {
  std::ifstream recorded(example_dir + "/platform.recorded.jsonl", std::ios::binary);
  ReplayOptions options;
  options.recorded_file = "platform.recorded.jsonl";
  options.stays_file = "platform.stays.jsonl";
  const ReplayReport rep = replay(hunan(), recorded, example_stays(), options);
  // S4342670's hifp_pay: recorded 13230.05, the worked example 13230.06: +1 fen.
  ASSERT_EQ(rep.differences.size(), 1u);
  const ReplayDifference& d = rep.differences[0];
  EXPECT_EQ(d.line, 4u);
  EXPECT_EQ(d.stay_id, "S4342670");
  EXPECT_EQ(d.person_id, "P000731");
  EXPECT_EQ(d.item, "hifp_pay");
  EXPECT_EQ(d.recorded, "13230.05");
  EXPECT_EQ(d.recomputed, "13230.06");
  EXPECT_EQ(d.difference, Fen(1));
  EXPECT_EQ(rep.recorded, 5u);
  EXPECT_EQ(rep.matching_stays, 4u);
  EXPECT_EQ(rep.differing_stays, 1u);
  // 7 stays, 5 recorded: S1039570 and S1498986 are not.
  ASSERT_EQ(rep.not_recorded.size(), 2u);
  EXPECT_EQ(rep.not_recorded[0].stay_id, "S1039570");
  EXPECT_EQ(rep.not_recorded[1].stay_id, "S1498986");
  EXPECT_TRUE(rep.not_compared.empty());  // every field, psn_no and setldetail are given
  EXPECT_EQ(rep.field_totals[6].stays, 1u);  // replay_fields[6] is hifp_pay
  EXPECT_EQ(rep.field_totals[6].difference, Fen(1));
  EXPECT_FALSE(rep.clean());
  const std::string text = render_text(rep);
  EXPECT_NE(text.find("\n     4  S4342670  P000731    hifp_pay  13230.05    13230.06          +1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("\n2 stays settled now have no recorded settlement (listed with --list-unrecorded)\n"),
            std::string::npos);
  EXPECT_EQ(text.find("S1498986"), std::string::npos);  // counted, not listed
  EXPECT_NE(render_text(rep, Language::en, {true}).find("\n  S1498986  P001945 "), std::string::npos);
}

TEST(Replay, OurOwnOutputMatches) {
  std::string recorded;
  for (const auto& [id, line] : own_output()) recorded += line + "\n";
  const ReplayReport rep = replay_text(recorded, example_stays());
  EXPECT_TRUE(rep.clean()) << render_text(rep);
  EXPECT_EQ(rep.matching_stays, 7u);
  EXPECT_TRUE(rep.not_compared.empty());
  EXPECT_TRUE(rep.other_rule_sets.empty());
}

TEST(Replay, AFieldOrChannelFigureNotGivenIsNotCompared) {
  auto own = own_output();
  // S8800362 without hifmi_pay, S8319281 without basic's deductible, S1498986 with amounts only.
  std::string a = replace(own["S8800362"], "\"hifmi_pay\":\"0.00\",", "");
  std::string b = replace(own["S8319281"], "\"deductible\":\"200.00\",", "");
  std::string c = own["S1498986"].substr(0, own["S1498986"].find(",\"channels\":")) + "}";
  const ReplayReport rep = replay_text(a + "\n" + b + "\n" + c + "\n", example_stays());
  EXPECT_TRUE(rep.differences.empty()) << render_text(rep);
  EXPECT_EQ(rep.matching_stays, 3u);
  ASSERT_EQ(rep.not_compared.size(), 3u) << render_text(rep);
  EXPECT_EQ(rep.not_compared[0].item, "hifmi_pay");
  EXPECT_EQ(rep.not_compared[1].item, "channel basic.deductible");
  EXPECT_EQ(rep.not_compared[2].item, "channels or setldetail");
  for (const auto& n : rep.not_compared) EXPECT_EQ(n.lines, 1u) << n.item;
  const std::string text = render_text(rep);
  EXPECT_NE(text.find("\nNot compared (3; the number of recorded lines that do not give the item):\n"), std::string::npos);
  // The item column is as wide as "channel basic.deductible" (24), the count right-aligned under "lines".
  EXPECT_NE(text.find("\n  hifmi_pay                     1\n"), std::string::npos) << text;
  EXPECT_NE(render_json(rep).find("\"not_compared\":[\n{\"item\":\"hifmi_pay\",\"lines\":1},"), std::string::npos);
}

TEST(Replay, NotesNameTheOtherRuleSetAndDigest) {
  auto own = own_output();
  const std::string digest(hunan().digest());
  std::string recorded;
  for (const char* id : {"S8800362", "S8319281"}) {
    std::string line = replace(own[id], "\"rules\":\"hunan\"", "\"rules\":\"zhuzhou\"");
    recorded += replace(line, digest, "sha256:0f") + "\n";
  }
  recorded += replace(own["S1498986"], digest, "sha256:0e") + "\n";
  const ReplayReport rep = replay_text(recorded, example_stays());
  ASSERT_EQ(rep.other_rule_sets.size(), 2u);
  EXPECT_EQ(rep.other_rule_sets[0].rules, "zhuzhou");
  EXPECT_EQ(rep.other_rule_sets[0].digest, "sha256:0f");
  EXPECT_EQ(rep.other_rule_sets[0].settlements, 2u);
  EXPECT_EQ(rep.other_rule_sets[1].rules, "hunan");
  EXPECT_EQ(rep.other_rule_sets[1].settlements, 1u);
  const std::string text = render_text(rep);
  EXPECT_NE(text.find("  note               2 recorded settlements name rule set zhuzhou (sha256:0f)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  note               1 recorded settlement of rule set hunan carries another digest: sha256:0e\n"),
            std::string::npos);
}

TEST(Replay, RecordedOnlySettlesThePersonsOfTheRecordedStays) {
  // S8319281 is P000049's third stay (2018-01-10); S6608497 (2018-01-06) used the year's deductible
  // before it, so the worked example's act_pay_dedc is 200.00, not the full 800.00.
  const std::string line = own_output()["S8319281"];
  ASSERT_NE(line.find("\"act_pay_dedc\":\"200.00\""), std::string::npos);
  ReplayOptions only;
  only.recorded_only = true;
  const ReplayReport rep = replay_text(line + "\n", example_stays(), only);
  EXPECT_TRUE(rep.clean()) << render_text(rep);
  EXPECT_EQ(rep.matching_stays, 1u);
  EXPECT_EQ(rep.stays_read, 7u);
  EXPECT_EQ(rep.stays_settled, 3u);      // P000049's three stays
  EXPECT_EQ(rep.stays_not_settled, 4u);  // P000731's two, P002899's and P001945's
  ASSERT_EQ(rep.not_recorded.size(), 2u);  // P000049's first two: counted, not differences
  EXPECT_EQ(rep.not_recorded[0].stay_id, "S1039570");
  EXPECT_EQ(rep.not_recorded[1].stay_id, "S6608497");
  // Without the earlier stays the ledger is empty and the deductible differs: they are needed.
  std::vector<Record> alone;
  for (const Record& r : example_stays()) {
    if (r.stay.stay_id == "S8319281") alone.push_back(r);
  }
  const ReplayReport bare = replay_text(line + "\n", alone, only);
  EXPECT_EQ(bare.differing_stays, 1u);
  // Without recorded_only, the other stays are not recorded: a difference.
  EXPECT_FALSE(replay_text(line + "\n", example_stays()).clean());
}

TEST(Replay, MalformedLinesAreReportedNotThrown) {
  auto own = own_output();
  const std::string recorded = "not json\n"
                               "{\"setl_id\":\"S8800362\",\"hifp_pay\":\"1.001\"}\n"
                               "{\"hifp_pay\":\"1.00\"}\n"
                               "{\"stay_id\":\"S1498986\",\"stay_id\":\"S1498986\",\"hifp_pay\":\"1.00\"}\n"
                               "[1,2]\n" +
                               own["S8319281"] + "\n" + own["S8319281"] + "\n" +
                               "{\"stay_id\":\"S8096439\",\"psn_no\":\"P000731\"}\n";
  const ReplayReport rep = replay_text(recorded, example_stays());
  ASSERT_EQ(rep.malformed.size(), 7u) << render_text(rep);
  EXPECT_EQ(rep.malformed[0].line, 1u);
  EXPECT_EQ(rep.malformed[0].problem.text().rfind("not JSON: ", 0), 0u);
  EXPECT_EQ(rep.malformed[1].stay_id, "S8800362");
  EXPECT_EQ(rep.malformed[1].problem.text(), "hifp_pay: more than 2 fractional digits: '1.001'");
  EXPECT_EQ(rep.malformed[2].problem.text(), "no stay_id (or setl_id)");
  EXPECT_EQ(rep.malformed[3].problem.text(), "stay_id: the stay id is given twice ('stay_id' and 'stay_id')");
  EXPECT_EQ(rep.malformed[4].problem.text(), "not a JSON object but a list");
  EXPECT_EQ(rep.malformed[5].line, 7u);
  EXPECT_EQ(rep.malformed[5].problem.text(), "stay S8319281 recorded again (first at line 6)");
  EXPECT_EQ(rep.malformed[6].problem.text(), "nothing to compare: no settlement field, channels or setldetail");
  EXPECT_EQ(rep.recorded, 1u);  // line 6
  EXPECT_EQ(rep.matching_stays, 1u);
  // The stays of malformed lines with an id count as recorded: not listed again as not recorded.
  for (const auto& n : rep.not_recorded) {
    EXPECT_NE(n.stay_id, "S8800362");
    EXPECT_NE(n.stay_id, "S8096439");
  }
  EXPECT_FALSE(rep.clean());
}

TEST(Replay, AmountsAreReadFromTheirTextWithASignAndTrailingZeros) {
  // A reversal's negative amount and "13230.0600" (number and string) are exact; the worked example
  // has hifp_pay 13230.06, so -13230.06 differs by 13230.06 - (-13230.06) = 2646012 fen.
  auto recorded = [](const std::string& hifp) {
    return "{\"setl_id\":\"S4342670\",\"psn_no\":\"P000731\",\"hifp_pay\":" + hifp + "}\n";
  };
  EXPECT_TRUE(replay_text(recorded("13230.0600"), example_stays(), {std::nullopt, 1, true, "", ""}).clean());
  EXPECT_TRUE(replay_text(recorded("\"13230.0600\""), example_stays(), {std::nullopt, 1, true, "", ""}).clean());
  const ReplayReport rep = replay_text(recorded("\"-13230.06\""), example_stays(), {std::nullopt, 1, true, "", ""});
  ASSERT_EQ(rep.differences.size(), 1u);
  EXPECT_EQ(rep.differences[0].recorded, "-13230.06");
  EXPECT_EQ(rep.differences[0].difference, Fen(2646012));
}

TEST(Replay, JsonKeepsItsKeysAndAddsTheNewOnesAtTheEnd) {
  std::ifstream recorded(example_dir + "/platform.recorded.jsonl", std::ios::binary);
  const ReplayReport rep = replay(hunan(), recorded, example_stays(), {});
  const std::string json = render_json(rep);
  EXPECT_EQ(json.rfind("{\"rules\":\"hunan\",\"file\":", 0), 0u);
  EXPECT_NE(json.find(",\"status\":\"differ\",\"counts\":{\"recorded\":5,\"match\":4,\"differ\":1,\"differences\":1,"),
            std::string::npos);
  EXPECT_NE(json.find("{\"line\":4,\"stay_id\":\"S4342670\",\"person_id\":\"P000731\",\"item\":\"hifp_pay\","
                      "\"recorded\":\"13230.05\",\"recomputed\":\"13230.06\",\"difference_fen\":1}"),
            std::string::npos);
  const auto totals = json.find("\"person_id_differs\":0}");
  const auto added = json.find("\n\"recorded_only\":false,\"not_settled\":0,");
  ASSERT_NE(totals, std::string::npos);
  EXPECT_GT(added, totals);
  EXPECT_EQ(json.substr(json.size() - 2), "}\n");
}

TEST(Replay, AsOfWithoutAVersionInForceIsAUsageError) {
  ReplayOptions options;
  options.as_of = Date::from_ymd(2016, 1, 1);
  EXPECT_THROW((void)replay_text("", example_stays(), options), UsageError);
}
