// Golden tests: the public worked examples of every scheme settle exactly.
// The expected files leave out `digest` and the channels' `name` (they depend
// on how the rule file is written); every other field must match.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <simdjson.h>

#include "golden_support.hpp"
#include "medsettle/engine.hpp"
#include "medsettle/reader.hpp"
#include "medsettle/writer.hpp"

namespace golden {

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::string render(simdjson::dom::element e) { return simdjson::minify(e); }

/// Every key of `expected` must be in `actual` with an equal value.
void compare(simdjson::dom::element expected, simdjson::dom::element actual, const std::string& path,
             std::vector<std::string>& out) {
  using simdjson::dom::element_type;
  if (expected.type() == element_type::OBJECT) {
    if (actual.type() != element_type::OBJECT) {
      out.push_back(fmt::format("{}: expected an object, got {}", path, render(actual)));
      return;
    }
    for (auto [key, value] : expected.get_object()) {
      simdjson::dom::element a;
      if (actual.get_object()[key].get(a)) {
        out.push_back(fmt::format("{}.{}: missing", path, key));
        continue;
      }
      compare(value, a, fmt::format("{}.{}", path, key), out);
    }
  } else if (expected.type() == element_type::ARRAY) {
    auto ea = expected.get_array();
    auto aa = actual.get_array();
    if (aa.error() || ea.size() != aa.value().size()) {
      out.push_back(fmt::format("{}: expected {} items, got {}", path, ea.size(), render(actual)));
      return;
    }
    for (std::size_t i = 0; i < ea.size(); ++i) compare(ea.at(i), aa.value().at(i), fmt::format("{}[{}]", path, i), out);
  } else if (render(expected) != render(actual)) {
    out.push_back(fmt::format("{}: expected {}, got {}", path, render(expected), render(actual)));
  }
}

}  // namespace

Report run(const std::string& scheme, unsigned threads) {
  Report report;
  const std::string dir = MEDSETTLE_GOLDEN_DIR;
  medsettle::Plan plan = medsettle::Plan::load_file(std::string(MEDSETTLE_RULES_DIR) + "/" + scheme + ".yaml");
  std::ifstream in(dir + "/" + scheme + ".stays.jsonl", std::ios::binary);
  auto records = medsettle::read_jsonl(in);
  report.records = records.size();
  medsettle::BatchOptions options;
  options.threads = threads;
  auto outcomes = medsettle::settle_batch(plan, std::move(records), options);

  std::vector<std::string> settled, rejected;
  for (const auto& o : outcomes) {
    std::string line;
    if (o.settled()) {
      medsettle::write_json(line, o.settlement());
      settled.push_back(line);
    } else {
      medsettle::write_json(line, o.rejection());
      rejected.push_back(line);
    }
  }
  report.settled = settled.size();
  report.rejected = rejected.size();

  simdjson::dom::parser pe, pa;
  auto check = [&](const std::vector<std::string>& expected, const std::vector<std::string>& actual,
                   std::string_view what, bool errors) {
    if (expected.size() != actual.size()) {
      report.mismatches.push_back(fmt::format("{}: expected {} lines, got {}", what, expected.size(), actual.size()));
    }
    for (std::size_t i = 0; i < std::min(expected.size(), actual.size()); ++i) {
      simdjson::dom::element e = pe.parse(expected[i]);
      simdjson::dom::element a = pa.parse(actual[i]);
      std::string id = std::string(e["stay_id"].is_null() ? std::string_view("null") : e["stay_id"].get_string().value());
      std::vector<std::string> diffs;
      if (errors) {
        // Messages are free text: compare stay id, line, code and field.
        for (const char* key : {"stay_id", "line"}) compare(e[key], a[key], key, diffs);
        compare(e["error"]["code"], a["error"]["code"], "error.code", diffs);
        compare(e["error"]["field"], a["error"]["field"], "error.field", diffs);
        if (!diffs.empty()) diffs.push_back("  message: " + std::string(a["error"]["message"].get_string().value()));
      } else {
        compare(e, a, "", diffs);
      }
      for (auto& d : diffs) report.mismatches.push_back(fmt::format("{} line {} ({}): {}", what, i + 1, id, d));
    }
  };
  check(lines_of(slurp(dir + "/" + scheme + ".expected.jsonl")), settled, "settlements", false);
  check(lines_of(slurp(dir + "/" + scheme + ".errors.jsonl")), rejected, "rejections", true);
  return report;
}

}  // namespace golden

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, SettlesEveryExampleExactly) {
  golden::Report r = golden::run(GetParam());
  EXPECT_EQ(r.records, r.settled + r.rejected) << "every record yields one settlement or one rejection";
  std::string all;
  for (std::size_t i = 0; i < r.mismatches.size() && i < 40; ++i) all += r.mismatches[i] + "\n";
  EXPECT_TRUE(r.mismatches.empty()) << r.mismatches.size() << " differences:\n" << all;
}

TEST_P(Golden, ThreadsDoNotChangeTheResult) {
  golden::Report one = golden::run(GetParam(), 1);
  golden::Report four = golden::run(GetParam(), 4);
  EXPECT_EQ(one.mismatches, four.mismatches);
  EXPECT_EQ(one.settled, four.settled);
}

INSTANTIATE_TEST_SUITE_P(Schemes, Golden,
                         ::testing::Values("hunan", "zhuzhou", "funing", "zhenba", "xuchang", "linxian"),
                         [](const auto& info) { return info.param; });
