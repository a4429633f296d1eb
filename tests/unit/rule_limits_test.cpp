// The limits of a rule file (rules/README.md "Limits", SECURITY.md): at each
// limit the file loads; one more is refused at file:line:column with a
// message naming the limit. Time and memory are measured in
// bench/limits_bench.cpp, not here.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "medsettle/plan.hpp"

using namespace medsettle;

namespace {

// Lines 1-6, then the channels from line 7; versions at column 5.
const std::string kHead = "medsettle: 1\nid: t\nclass_b_selfpay: 0.10\nversions:\n  - from: 2020-01-01\n    channels:\n";

/// A channel on one line (line 7 + i for the i-th), its map at column 9, its
/// id at column 14; with the id `basic` the name is at column 27 and the
/// line is 136 characters long before `extra`.
std::string channel(const std::string& id, std::string_view extra = "") {
  return "      - {id: " + id +
         ", name: C, kind: coinsurance, fund_pay_type: \"390100\", reports_as: hifp_pay, base: [in_scope], "
         "period: stay, rate: 0.5" +
         std::string(extra) + "}\n";
}

std::string channels(std::size_t n, const std::string& prefix = "c") {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += channel(prefix + std::to_string(i));
  return s;
}

/// A file with these lines before `versions:` (at line 4) and one channel.
std::string with_top(const std::string& top) {
  return "medsettle: 1\nid: t\nclass_b_selfpay: 0.10\n" + top + "versions:\n  - from: 2020-01-01\n    channels:\n" +
         channel("basic");
}

/// A map `key:` of n entries, one a line: "  <prefix><i>: <value>".
std::string numbered(std::string_view key, int n, std::string_view prefix, std::string_view value) {
  std::string s = std::string(key) + ":\n";
  for (int i = 0; i < n; ++i) s += "  " + std::string(prefix) + std::to_string(i) + ": " + std::string(value) + "\n";
  return s;
}

/// A distinct ICD-10 code for each i < 900: C10.0, C11.0, ..., C99.0, C10.1, ...
std::string code(int i) { return "C" + std::to_string(10 + i % 90) + "." + std::to_string(i / 90); }

std::vector<std::string> problems(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& d : Plan::check(text, "t.yaml")) out.push_back(d.to_string());
  return out;
}

using Lines = std::vector<std::string>;

}  // namespace

TEST(RuleLimits, SixtyFourChannelsInAVersion) {
  EXPECT_EQ(problems(kHead + channels(64)), Lines{});
  // The 65th channel is on line 7 + 64 = 71.
  EXPECT_EQ(problems(kHead + channels(65)), Lines{"t.yaml:71:9: channels: more than 64 channels in one version"});
}

TEST(RuleLimits, SevenThousandChannelsAreRefusedAtTheSixtyFifth) {
  // The file of issue #18: 7,001 channels in under 1 MiB used to validate.
  const std::string text = kHead + channels(7001);
  ASSERT_LT(text.size(), std::size_t{1} << 20);
  EXPECT_EQ(problems(text), Lines{"t.yaml:71:9: channels: more than 64 channels in one version"});
}

TEST(RuleLimits, SixtyFourChannelIdsOverAllVersions) {
  // Version 1: c0..c63 (lines 7-70). Version 2 (line 71) lists one channel
  // (line 73): an id already seen keeps its ledger slot; a new one is the 65th.
  const std::string base = kHead + channels(64) + "  - from: 2021-01-01\n    channels:\n";
  EXPECT_EQ(problems(base + channel("c5")), Lines{});
  EXPECT_EQ(problems(base + channel("d0")),
            Lines{"t.yaml:73:9: channel id 'd0': more than 64 different channel ids in one rule file (a person's "
                  "ledger keeps one slot per id)"});
}

TEST(RuleLimits, AHundredVersions) {
  // Version 0 at line 5; version k at line 7 + k (after the channel on line 7).
  auto file = [](int versions) {
    std::string s = kHead + channel("basic");
    Date d = Date::from_ymd(2020, 1, 2);
    for (int v = 1; v < versions; ++v) {
      s += "  - {from: " + format(d) + ", changes: {}}\n";
      d = Date::from_days(d.days() + 1);
    }
    return s;
  };
  EXPECT_EQ(problems(file(100)), Lines{});
  EXPECT_EQ(problems(file(101)), Lines{"t.yaml:107:5: versions: more than 100 versions in one rule file"});
}

TEST(RuleLimits, SixteenBands) {
  auto bands = [](int n) {
    std::string s = ", bands: [";
    for (int i = 1; i < n; ++i) s += "{upto: " + std::to_string(i * 100) + ", rate: 0.5}, ";
    return s + "{rate: 0.5}]";
  };
  auto file = [&](int n) {
    std::string c = channel("basic", bands(n));
    c.replace(c.find(", rate: 0.5,"), 11, "");  // bands instead of rate
    return kHead + c;
  };
  EXPECT_EQ(problems(file(16)), Lines{});
  auto p = problems(file(17));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].substr(p[0].find(": ", 10)), ": bands: at most 16 bands");
}

TEST(RuleLimits, SixteenAdjustments) {
  auto file = [](int n) {
    std::string s = kHead + channel("basic") + "  - from: 2021-01-01\n    changes:\n      basic:\n        adjustments:\n";
    for (int i = 0; i < n; ++i) s += "          - {when: {identity: dibao}, rate_add: 0.01}\n";
    return s;
  };
  EXPECT_EQ(problems(file(16)), Lines{});
  // Adjustment i is on line 12 + i: the 17th on line 28, column 13.
  EXPECT_EQ(problems(file(17)), Lines{"t.yaml:28:13: adjustments: more than 16 adjustments in one channel"});
}

TEST(RuleLimits, ThirtyTwoTestsInACondition) {
  auto file = [](int items) {
    std::string when = ", when: {any: [";
    for (int i = 0; i < items; ++i) when += std::string(i ? ", " : "") + "{age: {min: 1}}";
    return kHead + channel("basic", when + "]}");
  };
  // `any` and its 31 tests: 32.
  EXPECT_EQ(problems(file(31)), Lines{});
  // 33: refused at the condition's map: line 7, column 136 + length(", when: ") + 1 = 145.
  auto p = problems(file(32));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], "t.yaml:7:145: when: more than 32 tests in one condition (all, any and not count as tests)");
}

TEST(RuleLimits, SixtyFourIdentitySets) {
  auto sets = [](int n) { return numbered("identity_sets", n, "s", "[dibao]"); };
  EXPECT_EQ(problems(with_top(sets(64))), Lines{});
  // The 65th set is on line 4 + 65 = 69.
  EXPECT_EQ(problems(with_top(sets(65))), Lines{"t.yaml:69:3: identity_sets: more than 64 identity sets"});
}

TEST(RuleLimits, SixtyFourDiseaseGroups) {
  auto groups = [](int n) { return numbered("disease_groups", n, "g", "[C15]"); };
  EXPECT_EQ(problems(with_top(groups(64))), Lines{});
  EXPECT_EQ(problems(with_top(groups(65))), Lines{"t.yaml:69:3: more than 64 disease groups"});
}

TEST(RuleLimits, TwoHundredFiftySixEntriesInADiseaseGroup) {
  auto group = [](int n) {
    std::string s = "disease_groups:\n  g:\n";
    for (int i = 0; i < n; ++i) s += "    - " + code(i) + "\n";
    return s;
  };
  EXPECT_EQ(problems(with_top(group(256))), Lines{});
  // Entry i on line 6 + i: the 257th on line 262.
  EXPECT_EQ(problems(with_top(group(257))), Lines{"t.yaml:262:7: disease group 'g': more than 256 entries"});
}

TEST(RuleLimits, ATotalOfOneThousandTwentyFourEntries) {
  // Four groups of 256 entries: 1,024, the total allowed. Group g on line
  // 5 + 257 g, its entries on the 256 lines after it.
  std::string four = "disease_groups:\n";
  for (int g = 0; g < 4; ++g) {
    four += "  g" + std::to_string(g) + ":\n";
    for (int i = 0; i < 256; ++i) four += "    - " + code(i) + "\n";
  }
  EXPECT_EQ(problems(with_top(four)), Lines{});
  // A fifth group (line 5 + 4 x 257 = 1033) with one entry (line 1034): the 1,025th.
  EXPECT_EQ(problems(with_top(four + "  g4:\n    - C15\n")),
            Lines{"t.yaml:1034:7: disease_groups: more than 1024 entries in all groups together"});
}

TEST(RuleLimits, SixtyFourDocuments) {
  auto docs = [](int n) { return numbered("documents", n, "d", "a document"); };
  EXPECT_EQ(problems(with_top(docs(64))), Lines{});
  EXPECT_EQ(problems(with_top(docs(65))), Lines{"t.yaml:69:3: documents: more than 64 documents"});
}

TEST(RuleLimits, IdsOfSixtyFourBytes) {
  EXPECT_EQ(problems(kHead + channel(std::string(64, 'c'))), Lines{});
  EXPECT_EQ(problems(kHead + channel(std::string(65, 'c'))),
            Lines{"t.yaml:7:14: id: 65 bytes; this is limited to 64 bytes"});
  std::string text = kHead + channel("basic");
  text.replace(text.find("id: t\n"), 6, "id: " + std::string(65, 't') + "\n");
  EXPECT_EQ(problems(text), Lines{"t.yaml:2:5: id: 65 bytes; this is limited to 64 bytes"});
  EXPECT_EQ(problems(with_top("identity_sets:\n  " + std::string(65, 's') + ": [dibao]\n")),
            Lines{"t.yaml:5:3: identity set name: 65 bytes; this is limited to 64 bytes"});
}

TEST(RuleLimits, NamesOfTwoHundredFiftySixBytes) {
  auto named = [](std::size_t bytes) {
    std::string c = channel("basic");
    c.replace(c.find("name: C"), 7, "name: " + std::string(bytes, 'n'));
    return kHead + c;
  };
  EXPECT_EQ(problems(named(256)), Lines{});
  EXPECT_EQ(problems(named(257)), Lines{"t.yaml:7:27: name: 257 bytes; this is limited to 256 bytes"});
}

TEST(RuleLimits, SourcesOfTwoKibibytes) {
  auto sourced = [](std::size_t bytes) { return kHead + channel("basic", ", source: " + std::string(bytes, 's')); };
  EXPECT_EQ(problems(sourced(2048)), Lines{});
  // The source's value: line 7, column 136 + length(", source: ") + 1 = 147.
  EXPECT_EQ(problems(sourced(2049)), Lines{"t.yaml:7:147: source: 2049 bytes; this is limited to 2048 bytes"});
}
