// Nothing is lost: every input record yields exactly one settlement or one
// rejection, in every mode: JSON Lines and CSV, 1 and N threads,
// settle_stream with small waves, and the `medsettle settle` command with
// --mode auto, stream and whole. The input mixes the golden stays of every
// scheme with hostile records (broken JSON, blank and CRLF lines, duplicate
// ids, a truncated last line).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "medsettle/engine.hpp"
#include "medsettle/reader.hpp"
#include "medsettle/stream.hpp"
#include "medsettle/writer.hpp"

using namespace medsettle;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::size_t count_lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

const char* const kSchemes[] = {"hunan", "zhuzhou", "funing", "zhenba", "xuchang", "linxian"};

/// The golden stays of every scheme, then hostile lines; `records` is the
/// number of records (non-blank lines). Grouped by person when `grouped`.
std::string mixed_jsonl(bool grouped, std::size_t& records) {
  std::vector<std::string> lines;
  for (const char* s : kSchemes) {
    std::istringstream in(read_file(std::string(MEDSETTLE_GOLDEN_DIR) + "/" + s + ".stays.jsonl"));
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") != std::string::npos) lines.push_back(line);
    }
  }
  const std::string hostile[] = {
      R"({"stay_id": "H1", "person_id": "PH", "age": 40)",  // broken
      "[1, 2]",
      "null",
      R"({"stay_id": "H2", "person_id": "PH", "age": 40, "hospital_level": "county", "region": "in_county", "admitted": "2019-03-02", "discharged": "2019-03-12", "diagnoses": ["J18.9"], "fees": [], "fees": []})",
      R"({"stay_id": "H3", "person_id": "PH", "age": 40, "hospital_level": "county", "region": "in_county", "admitted": "2019-03-02", "discharged": "2019-03-12", "diagnoses": ["J18.9"], "fees": []}  )",
      R"({"stay_id": "H3", "person_id": "PI", "age": 40, "hospital_level": "county", "region": "in_county", "admitted": "2019-03-02", "discharged": "2019-03-12", "diagnoses": ["J18.9"], "fees": []})",
      "\x01\x02\xFF",
  };
  for (const auto& h : hostile) lines.push_back(h);
  records = lines.size() + 1;  // and the truncated last line below
  if (grouped) {
    // Each person's lines together, persons by first appearance; records
    // without a readable person where they are.
    JsonStayReader reader;
    std::vector<std::string> order;
    std::map<std::string, std::vector<std::string>> by;
    std::vector<std::pair<std::string, std::string>> tagged;
    for (const auto& l : lines) {
      std::string p;
      if (!reader.peek_person(l, p)) p = "\x01" + std::to_string(tagged.size());  // its own group
      if (!by.count(p)) order.push_back(p);
      by[p].push_back(l);
      tagged.emplace_back(p, l);
    }
    lines.clear();
    for (const auto& p : order) {
      for (const auto& l : by[p]) lines.push_back(l);
    }
  }
  std::string text = "\xEF\xBB\xBF";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    text += lines[i];
    text += i % 5 == 0 ? "\r\n" : "\n";
    if (i % 17 == 0) text += "  \t\r\n";  // blank lines are not records
  }
  text += R"({"stay_id": "H9", "person_id": "PZ", "age")";  // truncated, no line end
  return text;
}

/// A CSV input in bucket form: valid rows, rejected rows and a quoted cell
/// with a line break; `records` is the number of rows.
std::string mixed_csv(std::size_t& records) {
  std::string text =
      "stay_id,person_id,identities,category,age,insurance,hospital_level,region,admitted,discharged,"
      "diagnoses,flags,referred_from,total,full_selfpay,over_limit,pre_selfpay,in_scope\r\n";
  records = 0;
  for (int p = 0; p < 40; ++p) {
    for (int k = 0; k < 3; ++k) {
      const std::string id = "C" + std::to_string(p) + "_" + std::to_string(k);
      const std::string day = "2019-0" + std::to_string(k + 1) + "-1" + std::to_string(p % 10);
      std::string row = id + ",Q" + std::to_string(p) + ",dibao,,40,,county,in_county," + day + "," + day +
                        ",C15.9,,,1000.00,100.00,0,100.00,800.00\r\n";
      if ((p + k) % 7 == 0) row.replace(row.find("1000.00"), 7, "1000.001");  // bad_amount
      if ((p + k) % 11 == 0) row.replace(row.find("C15.9"), 5, "\"C15.9\nJ18.9\"");
      if ((p + k) % 13 == 0) row += "\r\n";  // a blank line
      text += row;
      ++records;
    }
  }
  text += "C99,Q99,,,40\r\n";  // too few cells
  text += "C98,Q98,\"unterminated";
  records += 2;
  return text;
}

std::string render(const Outcome& o) {
  std::string s;
  if (o.settled()) write_json(s, o.settlement());
  else write_json(s, o.rejection());
  return s;
}

struct Counts {
  std::size_t settled = 0, rejected = 0;
};
Counts counts(const std::vector<Outcome>& out) {
  Counts c;
  for (const auto& o : out) (o.settled() ? c.settled : c.rejected) += 1;
  return c;
}

/// The `medsettle` command next to this test binary's directory, or "".
std::string cli() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  auto p = exe.parent_path().parent_path() / "medsettle";
  return std::filesystem::exists(p) ? p.string() : std::string();
}

struct CliRun {
  int status = -1;
  std::string out, errors, summary;
};

CliRun run_settle(const std::string& in, const std::vector<std::string>& args) {
  const std::string dir = testing::TempDir() + "nl_" + std::to_string(::getpid()) + "_";
  const std::string out = dir + "out.txt", err = dir + "err.jsonl", log = dir + "log.txt";
  std::string cmd = "'" + cli() + "' settle --in '" + in + "' --out '" + out + "' --errors '" + err + "'";
  for (const auto& a : args) cmd += " " + a;
  cmd += " 2>'" + log + "'";
  CliRun r;
  int raw = std::system(cmd.c_str());
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = read_file(out);
  r.errors = read_file(err);
  r.summary = read_file(log);
  return r;
}

}  // namespace

TEST(NothingLost, JsonLinesOneAndManyThreads) {
  std::size_t n = 0;
  const std::string text = mixed_jsonl(false, n);
  std::vector<Record> records = read_jsonl(std::string_view(text));
  ASSERT_EQ(records.size(), n);
  for (const char* s : kSchemes) {
    const Plan plan = Plan::load_file(std::string(MEDSETTLE_RULES_DIR) + "/" + s + ".yaml");
    std::vector<std::string> first;
    for (unsigned threads : {1u, 2u, 3u, 8u}) {
      BatchOptions o;
      o.threads = threads;
      auto out = settle_batch(plan, records, o);
      ASSERT_EQ(out.size(), n) << s << " threads " << threads;
      Counts c = counts(out);
      EXPECT_EQ(c.settled + c.rejected, n);
      EXPECT_GE(c.rejected, 8u);  // the hostile records at least
      std::vector<std::string> rendered;
      for (std::size_t i = 0; i < out.size(); ++i) {
        rendered.push_back(render(out[i]));
        const std::uint64_t line = out[i].settled() ? records[i].line : out[i].rejection().line;
        EXPECT_EQ(line, records[i].line) << s << " record " << i;  // in input order
      }
      if (first.empty()) first = rendered;
      else EXPECT_EQ(rendered, first) << s << " threads " << threads;
    }
  }
}

TEST(NothingLost, CsvOneAndManyThreads) {
  std::size_t n = 0;
  const std::string text = mixed_csv(n);
  std::istringstream in(text);
  std::vector<Record> records = read_csv(in);
  ASSERT_EQ(records.size(), n);
  const Plan& plan = Plan::builtin();
  for (unsigned threads : {1u, 4u}) {
    BatchOptions o;
    o.threads = threads;
    auto out = settle_batch(plan, records, o);
    ASSERT_EQ(out.size(), n);
    Counts c = counts(out);
    EXPECT_GT(c.settled, 50u);
    EXPECT_GT(c.rejected, 10u);
  }
}

TEST(NothingLost, StreamWithSmallWaves) {
  std::size_t n = 0;
  const std::string text = mixed_jsonl(true, n);
  std::size_t ncsv = 0;
  const std::string csv = mixed_csv(ncsv);
  for (const char* s : {"hunan", "zhenba"}) {
    const Plan plan = Plan::load_file(std::string(MEDSETTLE_RULES_DIR) + "/" + s + ".yaml");
    std::vector<std::string> whole;
    for (const auto& o : settle_batch(plan, read_jsonl(std::string_view(text)))) whole.push_back(render(o));
    ASSERT_EQ(whole.size(), n);
    for (std::size_t wave : {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{64}, std::size_t{100'000}}) {
      for (unsigned threads : {1u, 3u}) {
        StreamOptions o;
        o.wave_records = wave;
        o.batch.threads = threads;
        std::istringstream in(text);
        std::vector<std::string> got;
        StreamCounts c = settle_stream(plan, in, o, [&](const Outcome& x) { got.push_back(render(x)); });
        EXPECT_EQ(c.read, n) << s << " wave " << wave;
        EXPECT_EQ(c.settled + c.rejected, n);
        EXPECT_EQ(got, whole) << s << " wave " << wave << " threads " << threads;
        // CSV, streamed.
        o.format = InputFormat::csv;
        std::istringstream cin(csv);
        std::size_t m = 0;
        StreamCounts cc = settle_stream(plan, cin, o, [&](const Outcome&) { ++m; });
        EXPECT_EQ(cc.read, ncsv);
        EXPECT_EQ(m, ncsv);
        EXPECT_EQ(cc.settled + cc.rejected, ncsv);
      }
    }
  }
}

TEST(NothingLost, SettleCommandInEveryMode) {
  if (cli().empty()) GTEST_SKIP() << "the medsettle command is not built";
  const std::string dir = testing::TempDir() + "nl_" + std::to_string(::getpid()) + "_";
  std::size_t n = 0, ngrouped = 0, ncsv = 0;
  const std::string ungrouped = dir + "nl_ungrouped.jsonl", grouped = dir + "nl_grouped.jsonl",
                    csv = dir + "nl_stays.csv", empty = dir + "nl_empty.jsonl";
  write_file(ungrouped, mixed_jsonl(false, n));
  write_file(grouped, mixed_jsonl(true, ngrouped));
  write_file(csv, mixed_csv(ncsv));
  write_file(empty, "");
  ASSERT_EQ(n, ngrouped);
  const std::regex summary(R"(read (\d+), settled (\d+), rejected (\d+)\n$)");
  struct Case {
    std::string in;
    std::size_t records;
    std::string mode;
  };
  const Case cases[] = {{ungrouped, n, "auto"},  {ungrouped, n, "whole"}, {grouped, n, "auto"},
                        {grouped, n, "stream"},  {grouped, n, "whole"},   {csv, ncsv, "auto"},
                        {csv, ncsv, "stream"},   {csv, ncsv, "whole"},    {empty, 0, "auto"},
                        {empty, 0, "stream"},    {empty, 0, "whole"}};
  std::map<std::string, std::pair<std::string, std::string>> first;  // by input: settlements, rejections
  for (const Case& c : cases) {
    for (const char* threads : {"1", "3"}) {
      CliRun r = run_settle(c.in, {"--mode", c.mode, "--threads", threads});
      // Every mode and thread count writes the same bytes for one input.
      auto [it, added] = first.emplace(c.in, std::make_pair(r.out, r.errors));
      if (!added) {
        EXPECT_TRUE(it->second.first == r.out) << c.in << " --mode " << c.mode << " --threads " << threads;
        EXPECT_TRUE(it->second.second == r.errors) << c.in << " --mode " << c.mode << " --threads " << threads;
      }
      const std::string what = c.in + " --mode " + c.mode + " --threads " + threads + ": " + r.summary;
      std::smatch m;
      ASSERT_TRUE(std::regex_search(r.summary, m, summary)) << what;
      const std::size_t read = std::stoul(m[1]), settled = std::stoul(m[2]), rejected = std::stoul(m[3]);
      EXPECT_EQ(read, c.records) << what;
      EXPECT_EQ(settled + rejected, read) << what;
      EXPECT_EQ(count_lines(r.out), settled) << what;
      EXPECT_EQ(count_lines(r.errors), rejected) << what;
      EXPECT_EQ(r.status, rejected ? 1 : 0) << what;
    }
  }
  // An empty input: nothing read, nothing written, exit 0.
  CliRun r = run_settle(empty, {});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.summary, "read 0, settled 0, rejected 0\n");
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.errors, "");
  // Streaming an ungrouped input is refused loudly (exit 2), never half done silently.
  r = run_settle(ungrouped, {"--mode", "stream"});
  EXPECT_EQ(r.status, 2) << r.summary;
  EXPECT_NE(r.summary.find("are not consecutive in the input"), std::string::npos) << r.summary;
  for (const auto& f : {ungrouped, grouped, csv, empty, dir + "out.txt", dir + "err.jsonl", dir + "log.txt"}) {
    std::remove(f.c_str());
  }
}
