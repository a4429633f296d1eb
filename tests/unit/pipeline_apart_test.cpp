// settle_file on a JSON Lines file not grouped by person (automatic mode):
// settled in waves of persons read back from the file, the outcomes spilled
// and written in input order. The output equals the whole-file mode's byte
// for byte, for any wave size and thread count, from a file or from
// standard input (a pipe).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <algorithm>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "medsettle/generate.hpp"
#include "medsettle/pipeline.hpp"

using namespace medsettle;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

/// A stay of the built-in (hunan) rules; `age` may be made invalid.
std::string stay(const std::string& id, const std::string& person, const std::string& admitted,
                 const std::string& discharged, const std::string& age = "52") {
  return R"({"stay_id": ")" + id + R"(", "person_id": ")" + person + R"(", "identities": [], "age": )" + age +
         R"(, "insurance": "resident", "hospital_level": "city", "region": "in_city", "admitted": ")" + admitted +
         R"(", "discharged": ")" + discharged +
         R"(", "diagnoses": ["N18.4"], "flags": [], "fees": [{"category": "A", "amount": "1952.33"}]})";
}

/// A generated population of `persons` with hand-made records of every kind
/// of rejection mixed in, its lines shuffled by a fixed random source, with a
/// byte-order mark, a CRLF line and blank lines.
std::string shuffled_population(std::uint64_t persons) {
  std::string text;
  gen::Options g;
  g.persons = persons;
  g.seed = 11;
  gen::generate(text, g);
  std::vector<std::string> lines = lines_of(text);
  // Person PX: a rejected stay (a bad age) then two later ones of the same year (the cascade).
  lines.push_back(stay("SX1", "PX", "2019-01-02", "2019-01-05", "-3"));
  lines.push_back(stay("SX2", "PX", "2019-03-02", "2019-03-05"));
  lines.push_back(stay("SX3", "PX", "2019-06-02", "2019-06-05"));
  // PY's stay SY1, and a copy of its id under another person (and the same person).
  lines.push_back(stay("SY1", "PY", "2019-02-02", "2019-02-05"));
  lines.push_back(stay("SY1", "PZ", "2019-04-02", "2019-04-05"));
  lines.push_back(stay("SY1", "PY", "2019-05-02", "2019-05-05"));
  lines.push_back(stay("SZ2", "PZ", "2019-07-02", "2019-07-05"));
  lines.push_back("{not json");
  lines.push_back(R"({"stay_id": "SN1", "admitted": "2019-01-01", "discharged": "2019-01-02"})");
  std::mt19937 random(7);
  std::shuffle(lines.begin(), lines.end(), random);
  std::string out = "\xEF\xBB\xBF";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    out += lines[i];
    out += i == 3 ? "\r\n" : "\n";
    if (i == 10) out += "   \n";
  }
  return out;
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/medsettle_apart_" + std::to_string(::getpid()) + "_" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

struct Settled {
  std::string out, errors;
  PipelineCounts counts;
  std::size_t progress_calls = 0;
};

Settled settle(InputFile& in, PipelineOptions o) {
  Settled r;
  std::ostringstream out, errors;
  o.progress = [&](const PipelineProgress&) { ++r.progress_calls; };
  r.counts = settle_file(Plan::builtin(), in, out, errors, o);
  r.out = out.str();
  r.errors = errors.str();
  return r;
}

Settled settle_path(const std::string& path, const PipelineOptions& o) {
  InputFile in(path);
  return settle(in, o);
}

void expect_same(const Settled& a, const Settled& b) {
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(a.errors, b.errors);
  EXPECT_EQ(a.counts.read, b.counts.read);
  EXPECT_EQ(a.counts.settled, b.counts.settled);
  EXPECT_EQ(a.counts.rejected, b.counts.rejected);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

/// A regular file whose stays are not grouped is settled in waves (one
/// progress call a wave) and gives the whole-file mode's bytes.
TEST(PipelineApart, ShuffledEqualsWholeForWaveSizesAndThreads) {
  const std::string text = shuffled_population(400);
  const std::string path = write_temp("shuffled.jsonl", text);
  PipelineOptions whole;
  whole.mode = PipelineMode::whole;
  whole.threads = 1;
  const Settled expected = settle_path(path, whole);
  ASSERT_EQ(expected.counts.read, lines_of(text).size() - 1);  // less the blank line
  EXPECT_EQ(count(expected.errors, "\"duplicate_stay_id\""), 2u);
  EXPECT_EQ(count(expected.errors, "\"earlier_rejected\""), 2u);
  EXPECT_EQ(count(expected.errors, "\"not_json\""), 1u);
  // The two copies of SY1, SX1 (its age), SX2 and SX3 (the cascade), the bad line, SN1 (no person).
  EXPECT_EQ(expected.counts.rejected, 7u);
  EXPECT_EQ(expected.counts.settled, expected.counts.read - 7);
  EXPECT_EQ(count(expected.errors, "\n"), 7u);
  for (const OutputFormat format : {OutputFormat::jsonl, OutputFormat::csv}) {
    whole.output = format;
    const Settled want = settle_path(path, whole);
    for (unsigned threads : {1u, 2u}) {
      for (std::uint64_t wave : {std::uint64_t{1}, std::uint64_t{20'000}, std::uint64_t{0}}) {
        PipelineOptions o;
        o.output = format;
        o.threads = threads;
        o.wave_bytes = wave;
        const Settled got = settle_path(path, o);
        SCOPED_TRACE("threads " + std::to_string(threads) + ", wave " + std::to_string(wave));
        expect_same(got, want);
        if (wave == 1) EXPECT_GT(got.progress_calls, expected.counts.read / 2);  // a wave a person
      }
    }
  }
  std::remove(path.c_str());
}

/// Itemized JSON output and rejections' messages in Chinese go the same way.
TEST(PipelineApart, ItemizedAndChineseEqualWhole) {
  const std::string path = write_temp("itemized.jsonl", shuffled_population(60));
  PipelineOptions o;
  o.itemize = true;
  o.messages = Language::zh;
  o.wave_bytes = 5'000;
  o.threads = 2;
  PipelineOptions whole = o;
  whole.mode = PipelineMode::whole;
  expect_same(settle_path(path, o), settle_path(path, whole));
  std::remove(path.c_str());
}

/// Standard input (here a pipe) that is not grouped is copied to a
/// temporary file and settled in waves: the whole-file mode's bytes.
TEST(PipelineApart, StandardInputEqualsWhole) {
  const std::string text = shuffled_population(120);
  const std::string path = write_temp("stdin.jsonl", text);
  PipelineOptions whole;
  whole.mode = PipelineMode::whole;
  const Settled want = settle_path(path, whole);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::thread writer([&] {
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t w = ::write(fds[1], text.data() + done, text.size() - done);
      if (w <= 0) break;
      done += static_cast<std::size_t>(w);
    }
    ::close(fds[1]);
  });
  InputFile in(fds[0], "<stdin>");
  ASSERT_FALSE(in.regular());
  PipelineOptions o;
  o.wave_bytes = 10'000;
  o.threads = 2;
  const Settled got = settle(in, o);
  writer.join();
  expect_same(got, want);
  EXPECT_GT(got.progress_calls, 5u);
  std::remove(path.c_str());
}

/// Sets TMPDIR for one scope.
class TempDirVariable {
 public:
  explicit TempDirVariable(const std::string& dir) {
    if (const char* old = std::getenv("TMPDIR")) old_ = old;
    ::setenv("TMPDIR", dir.c_str(), 1);
  }
  ~TempDirVariable() {
    if (old_.empty()) ::unsetenv("TMPDIR");
    else ::setenv("TMPDIR", old_.c_str(), 1);
  }

 private:
  std::string old_;
};

/// The spill lives in TMPDIR and is gone from it during and after the run
/// (it is unlinked as soon as it is made); a TMPDIR that cannot hold it is
/// an IoError naming the folder, and nothing is written.
TEST(PipelineApart, SpillLeavesNothingAndItsErrorsAreErrors) {
  const std::string path = write_temp("spill.jsonl", shuffled_population(40));
  const std::string dir = ::testing::TempDir() + "/medsettle_apart_spill_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  PipelineOptions o;
  o.wave_bytes = 2'000;
  std::size_t seen = 0;
  o.progress = [&](const PipelineProgress&) {
    seen += static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
  };
  {
    const TempDirVariable tmp(dir);
    InputFile in(path);
    std::ostringstream out, errors;
    EXPECT_GT(settle_file(Plan::builtin(), in, out, errors, o).read, 40u);
  }
  EXPECT_EQ(seen, 0u);
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  {
    const TempDirVariable tmp(dir + "/missing");
    InputFile in(path);
    std::ostringstream out, errors;
    try {
      (void)settle_file(Plan::builtin(), in, out, errors, o);
      ADD_FAILURE() << "no IoError";
    } catch (const IoError& e) {
      EXPECT_NE(std::string(e.what()).find("cannot make a temporary file in " + dir + "/missing"), std::string::npos)
          << e.what();
    }
    EXPECT_EQ(out.str(), "");
    EXPECT_EQ(errors.str(), "");
  }
  std::filesystem::remove_all(dir);
  std::remove(path.c_str());
}

/// A grouped file still streams, and an empty file gives nothing (a CSV header alone).
TEST(PipelineApart, GroupedAndEmpty) {
  std::string grouped;
  gen::Options g;
  g.persons = 50;
  gen::generate(grouped, g);
  const std::string path = write_temp("grouped.jsonl", grouped);
  PipelineOptions o, whole;
  whole.mode = PipelineMode::whole;
  expect_same(settle_path(path, o), settle_path(path, whole));
  const std::string empty = write_temp("empty.jsonl", "");
  o.output = OutputFormat::csv;
  const Settled none = settle_path(empty, o);
  EXPECT_EQ(none.counts.read, 0u);
  EXPECT_EQ(none.out, csv_header(Plan::builtin(), CsvOptions{}) + "\n");
  std::remove(path.c_str());
  std::remove(empty.c_str());
}

}  // namespace
