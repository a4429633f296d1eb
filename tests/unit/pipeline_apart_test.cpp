// settle_file on a JSON Lines or CSV file not grouped by person (automatic
// mode): settled in waves of persons read back from the file, the outcomes
// spilled and written in input order. The output equals the whole-file
// mode's byte for byte, for any wave size and thread count, from a file or
// from standard input (a pipe).
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
#include "medsettle/stream.hpp"
#include "test_files.hpp"

using namespace medsettle;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

/// The lines of a generated population (the header row first, for CSV).
std::vector<std::string> generated_lines(std::uint64_t persons, std::uint64_t seed, bool csv) {
  std::string text;
  gen::Options g;
  g.persons = persons;
  g.seed = seed;
  g.csv = csv;
  gen::generate(text, g);
  return lines_of(text);
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
  std::vector<std::string> lines = generated_lines(persons, 11, false);
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

/// A CSV row of the built-in rules (the generator's columns); `age` may be
/// made invalid, `referred_from` is written as given (quotes and all).
std::string csv_stay(const std::string& id, const std::string& person, const std::string& admitted,
                     const std::string& discharged, const std::string& age = "52",
                     const std::string& referred_from = "") {
  return id + "," + person + ",,," + age + ",resident,city,in_city," + admitted + "," + discharged + ",N18.4,," +
         referred_from + ",1952.33,0,0,0,1952.33";
}

/// The rows of a generated CSV population with hand-made rows of every
/// kind of rejection mixed in, shuffled (a row may hold line ends in
/// quotes), after a byte-order mark and the header, with a CRLF row, a
/// blank line, and last a quote left open at the end of the input.
std::string shuffled_csv(std::uint64_t persons) {
  std::vector<std::string> rows = generated_lines(persons, 11, true);
  const std::string header = rows.front();
  rows.erase(rows.begin());
  rows.push_back(csv_stay("SX1", "PX", "2019-01-02", "2019-01-05", "-3"));  // rejected, then the cascade
  rows.push_back(csv_stay("SX2", "PX", "2019-03-02", "2019-03-05"));
  rows.push_back(csv_stay("SX3", "PX", "2019-06-02", "2019-06-05"));
  rows.push_back(csv_stay("SY1", "PY", "2019-02-02", "2019-02-05"));  // and its id under PZ, and PY again
  rows.push_back(csv_stay("SY1", "PZ", "2019-04-02", "2019-04-05"));
  rows.push_back(csv_stay("SY1", "PY", "2019-05-02", "2019-05-05"));
  rows.push_back(csv_stay("SZ2", "PZ", "2019-07-02", "2019-07-05"));
  rows.push_back("only,three,cells");
  rows.push_back(csv_stay("SN1", "", "2019-01-01", "2019-01-02"));      // no person
  rows.push_back(csv_stay("S\"T1", "PT", "2019-01-01", "2019-01-02"));  // a stray quote
  rows.push_back(csv_stay("SQ1", "PQ", "2019-08-02", "2019-08-05", "52", "\"S-\n0\""));  // a line end in quotes
  rows.push_back(csv_stay("SQ2", "PQ", "2019-09-02", "2019-09-05", "52", "\"S-\r\n\"\"1\"\"\""));
  rows.push_back(csv_stay("\xEF\xBB\xBFSB1", "PB", "2019-01-02", "2019-01-05"));  // a mark that is no BOM
  rows.push_back(csv_stay("SO1", "\"PO", "2019-01-02", "2019-01-05"));  // a quote not closed on its line
  rows.push_back(csv_stay("SM1", "PM", "2019-01-02", "2019-01-05", "52", "\"" + std::string(120, '\n') + "\""));
  rows.push_back(csv_stay("SW1", "PW", "2019-01-02", "2019-01-05", "52", "\"S-0\"x"));  // after the closing quote
  std::mt19937 random(7);
  std::shuffle(rows.begin(), rows.end(), random);
  std::string out = "\xEF\xBB\xBF" + header + "\r\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out += rows[i];
    out += i == 3 ? "\r\n" : "\n";
    if (i == 10) out += " \t\n";
  }
  return out + csv_stay("SU1", "\"PU", "2019-01-02", "2019-01-05");  // open to the end
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

/// Automatic mode's options for one way of settling: formats in and out,
/// threads, and wave size (0: the default).
PipelineOptions way(InputFormat input, OutputFormat output, unsigned threads, std::uint64_t wave) {
  PipelineOptions o;
  o.input = input;
  o.output = output;
  o.threads = threads;
  o.wave_bytes = wave;
  return o;
}

/// The file at `path` settled in waves of 1 byte (a wave a person), 20,000
/// bytes and the default, on 1 and 2 threads, into JSON and CSV, gives the
/// whole-file mode's bytes; `read`: the records the file holds.
void expect_waves_equal_whole(const std::string& path, InputFormat input, std::uint64_t read) {
  PipelineOptions whole;
  whole.input = input;
  whole.mode = PipelineMode::whole;
  whole.threads = 1;
  for (const OutputFormat format : {OutputFormat::jsonl, OutputFormat::csv}) {
    whole.output = format;
    const Settled want = settle_path(path, whole);
    for (unsigned threads : {1u, 2u}) {
      for (std::uint64_t wave : {std::uint64_t{1}, std::uint64_t{20'000}, std::uint64_t{0}}) {
        const Settled got = settle_path(path, way(input, format, threads, wave));
        SCOPED_TRACE("threads " + std::to_string(threads) + ", wave " + std::to_string(wave));
        expect_same(got, want);
        if (wave == 1) EXPECT_GT(got.progress_calls, read / 2);  // a wave a person
      }
    }
  }
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
  expect_waves_equal_whole(path, InputFormat::jsonl, expected.counts.read);
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

/// Rows of a few persons, interleaved, with quotes, line ends, carriage
/// returns, commas and byte-order marks put in at random places: whatever
/// the CSV reader makes of them, the waves make the same, for a limit that
/// cuts long records too.
TEST(PipelineApart, CsvMangledRowsEqualWhole) {
  const std::string pieces[] = {"\"", "\n", "\r", ",", "\xEF\xBB\xBF", "\"\"", "\r\n", "\n\n"};
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 random(seed);
    std::string text = std::string(gen::Population::csv_header());
    for (int r = 0; r < 120; ++r) {
      const std::string person = "P" + std::to_string(random() % 9);
      std::string row = csv_stay("S" + std::to_string(r), person, "2019-0" + std::to_string(1 + r % 9) + "-02",
                                 "2019-0" + std::to_string(1 + r % 9) + "-05");
      if (random() % 3 == 0) row.insert(random() % row.size(), pieces[random() % std::size(pieces)]);
      text += row + (random() % 4 == 0 ? "\r\n" : "\n");
    }
    const std::string path = write_temp("mangled.csv", text);
    PipelineOptions o;
    o.input = InputFormat::csv;
    o.limits.max_record_bytes = seed % 2 ? 200 : ReadLimits{}.max_record_bytes;  // the header is 174 bytes
    o.wave_bytes = seed % 3 ? 1 : 700;
    PipelineOptions whole = o;
    whole.mode = PipelineMode::whole;
    SCOPED_TRACE("seed " + std::to_string(seed));
    expect_same(settle_path(path, o), settle_path(path, whole));
    std::remove(path.c_str());
  }
}

/// Standard input (here a pipe) that is not grouped is copied to a
/// temporary file and settled in waves: the whole-file mode's bytes.
void standard_input_equals_whole(InputFormat input) {
  const std::string text = input == InputFormat::csv ? shuffled_csv(120) : shuffled_population(120);
  const std::string path = write_temp("stdin", text);
  PipelineOptions whole;
  whole.input = input;
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
  o.input = input;
  o.wave_bytes = 3'000;
  o.threads = 2;
  const Settled got = settle(in, o);
  writer.join();
  expect_same(got, want);
  EXPECT_GT(got.progress_calls, 5u);
  std::remove(path.c_str());
}

/// CSV input not grouped goes the same way: its records are found as the CSV reader finds
/// them (quoted line ends, a quote not closed, a BOM, CRLF), each read again
/// with the header read once, with the reader's lines in the rejections.
TEST(PipelineApart, CsvShuffledEqualsWholeForWaveSizesAndThreads) {
  const std::string path = write_temp("shuffled.csv", shuffled_csv(400));
  PipelineOptions whole;
  whole.input = InputFormat::csv;
  whole.mode = PipelineMode::whole;
  whole.threads = 1;
  const Settled expected = settle_path(path, whole);
  EXPECT_EQ(count(expected.errors, "\"duplicate_stay_id\""), 2u);
  EXPECT_EQ(count(expected.errors, "\"earlier_rejected\""), 2u);
  EXPECT_EQ(count(expected.errors, "row has 3 cells"), 1u);
  EXPECT_EQ(count(expected.errors, "a double quote inside an unquoted cell"), 1u);
  EXPECT_EQ(count(expected.errors, "characters after the closing quote"), 1u);
  // SO1's; SM1's, whose quotes hold too many line ends; and the quote that closed SM1's, read as a record.
  EXPECT_EQ(count(expected.errors, "is not closed on it"), 3u);
  EXPECT_EQ(count(expected.errors, "unterminated quoted field"), 1u);
  EXPECT_EQ(count(expected.errors, "'S-\\n0' is not a settled stay"), 1u);  // SQ1, read whole
  EXPECT_EQ(count(expected.errors, "'S-\\r\\n\\\"1\\\"' is not a settled stay"), 1u);  // SQ2
  EXPECT_EQ(count(expected.out, "\xEF\xBB\xBFSB1"), 1u);
  EXPECT_GT(expected.counts.settled, 400u);
  expect_waves_equal_whole(path, InputFormat::csv, expected.counts.read);
  std::remove(path.c_str());
}

/// CSV: itemized JSON and CSV output, the header's names in Chinese, the
/// rejections' messages in Chinese, a CSV BOM in the output.
TEST(PipelineApart, CsvItemizedAndChineseEqualWhole) {
  const std::string path = write_temp("itemized.csv", shuffled_csv(60));
  for (const OutputFormat format : {OutputFormat::jsonl, OutputFormat::csv}) {
    PipelineOptions o;
    o.input = InputFormat::csv;
    o.output = format;
    o.itemize = true;
    o.csv_bom = true;
    o.csv_headers = CsvHeaders::chinese;
    o.messages = Language::zh;
    o.wave_bytes = 3'000;
    o.threads = 2;
    PipelineOptions whole = o;
    whole.mode = PipelineMode::whole;
    expect_same(settle_path(path, o), settle_path(path, whole));
  }
  std::remove(path.c_str());
}

/// CSV records too long to be kept (one on a line, one whose quotes run
/// over a line too long to read again), with a small limit: rejected with
/// their lines, as in the whole-file mode, without being read back.
TEST(PipelineApart, CsvTooLongRecordsEqualWhole) {
  std::string text;
  gen::Options g;
  g.persons = 30;
  g.csv = true;
  gen::generate(text, g);
  std::vector<std::string> rows = lines_of(text);
  rows.push_back(csv_stay("SL1", "PL", "2019-01-02", "2019-01-05", "52", std::string(1'000, 'x')));
  rows.push_back("SL2,\"a\n" + std::string(900, 'x') + "\",\"b\nc\"");
  std::mt19937 random(3);
  std::shuffle(rows.begin() + 1, rows.end(), random);
  text.clear();
  for (const std::string& r : rows) text += r + "\n";
  const std::string path = write_temp("long.csv", text);
  PipelineOptions o;
  o.input = InputFormat::csv;
  o.limits.max_record_bytes = 400;
  o.wave_bytes = 500;
  PipelineOptions whole = o;
  whole.mode = PipelineMode::whole;
  const Settled want = settle_path(path, whole);
  EXPECT_EQ(count(want.errors, "record longer than 400 bytes"), 2u);
  expect_same(settle_path(path, o), want);
  std::remove(path.c_str());
}

TEST(PipelineApart, StandardInputEqualsWhole) {
  for (const InputFormat input : {InputFormat::jsonl, InputFormat::csv}) {
    SCOPED_TRACE(input == InputFormat::csv ? "csv" : "jsonl");
    standard_input_equals_whole(input);
  }
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
void spill_leaves_nothing(InputFormat input) {
  const std::string path =
      write_temp("spill", input == InputFormat::csv ? shuffled_csv(40) : shuffled_population(40));
  const std::string dir = ::testing::TempDir() + "/medsettle_apart_spill_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  PipelineOptions o;
  o.input = input;
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

TEST(PipelineApart, SpillLeavesNothingAndItsErrorsAreErrors) {
  for (const InputFormat input : {InputFormat::jsonl, InputFormat::csv}) {
    SCOPED_TRACE(input == InputFormat::csv ? "csv" : "jsonl");
    spill_leaves_nothing(input);
  }
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

/// A wave of more outcomes than one round of spilling formats (2,048 a
/// piece, a piece a thread: 3,000 persons make about 6,000 records, so 3
/// rounds on one thread and 2 on two) is spilled piece by piece in input
/// order: the whole-file mode's bytes, rejections among them.
TEST(PipelineApart, AWaveSpilledInSeveralRoundsEqualsWhole) {
  const std::string text = shuffled_population(3000);
  const std::string path = write_temp("rounds.jsonl", text);
  PipelineOptions whole;
  whole.mode = PipelineMode::whole;
  const Settled want = settle_path(path, whole);
  EXPECT_GT(want.counts.read, 2u * 2048u);  // 3 pieces at least
  EXPECT_GT(want.counts.rejected, 0u);
  for (unsigned threads : {1u, 2u}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    PipelineOptions o;
    o.threads = threads;
    o.wave_bytes = 1u << 30;  // one wave
    expect_same(settle_path(path, o), want);
  }
  std::remove(path.c_str());
}

/// The texts are read back from the spill in pieces of at least 64 KiB (a
/// wave's share of a sixty-fourth of the input, at least 4 MiB, within
/// [64 KiB, 4 MiB]): a
/// settlement of 300,000 bytes (its stay id) and a rejection of 200,000 are
/// each larger than a piece, in waves of a person (pieces of 64 KiB), of
/// 20,000 bytes, and of the default (one wave, one piece of 4 MiB). Before
/// them, a text of the same person's, read with the first piece: the rest
/// of that piece is kept when room is made for the large one.
TEST(PipelineApart, TextsLargerThanTheSpillsPiecesEqualWhole) {
  std::string text = shuffled_population(400);
  const std::string large(300'000, 'L'), rejected(200'000, 'M');
  text += stay("SL1", "PL", "2018-12-01", "2018-12-05") + "\n";
  text += stay(large, "PL", "2019-01-02", "2019-01-05") + "\n";
  text += stay(rejected, "PL", "2019-02-02", "2019-02-05", "-3") + "\n";  // a bad age
  text += stay("SL3", "PM", "2019-02-02", "2019-02-05") + "\n";          // after them, in another wave
  const std::string path = write_temp("large.jsonl", text);
  PipelineOptions whole;
  whole.mode = PipelineMode::whole;
  whole.threads = 1;
  const Settled want = settle_path(path, whole);
  EXPECT_EQ(count(want.out, large), 1u);
  EXPECT_EQ(count(want.errors, rejected), 1u);
  EXPECT_EQ(count(want.out, "\"SL3\""), 1u);
  for (unsigned threads : {1u, 2u}) {
    for (std::uint64_t wave : {std::uint64_t{1}, std::uint64_t{20'000}, std::uint64_t{0}}) {
      SCOPED_TRACE("threads " + std::to_string(threads) + ", wave " + std::to_string(wave));
      const Settled got = settle_path(path, way(InputFormat::jsonl, OutputFormat::jsonl, threads, wave));
      expect_same(got, want);
      if (wave == 1) EXPECT_GT(got.progress_calls, 400u);  // settled apart, a wave a person
    }
  }
  std::remove(path.c_str());
}

/// The grouping pass reads a plain line's person without the parser; a line
/// that is not JSON past its person (line 3: the parser finds no person in
/// it) made that pass see A, B, A. Its "apart" is checked by the parser's
/// pass, which sees A, B, -, B: grouped, so stream mode settles the file.
/// An input really apart is still refused, naming the line.
TEST(PipelineApart, TheQuickGroupingPassIsCheckedByTheParser) {
  const std::string text = stay("S1", "A", "2019-01-02", "2019-01-05") + "\n" +
                           stay("S2", "B", "2019-01-02", "2019-01-05") + "\n" +
                           R"({"stay_id": "S3", "person_id": "A", "age": )" + "\n" +
                           stay("S4", "B", "2019-02-02", "2019-02-05") + "\n";
  const std::string path = write_temp("quick.jsonl", text);
  PipelineOptions stream, whole;
  stream.mode = PipelineMode::stream;
  whole.mode = PipelineMode::whole;
  const Settled got = settle_path(path, stream);
  EXPECT_EQ(got.counts.read, 4u);
  EXPECT_EQ(got.counts.settled, 3u);  // S1, S2, S4
  EXPECT_EQ(got.counts.rejected, 1u);  // line 3, not JSON
  expect_same(got, settle_path(path, whole));

  const std::string apart = stay("S1", "A", "2019-01-02", "2019-01-05") + "\n" +
                            stay("S2", "B", "2019-01-02", "2019-01-05") + "\n" +
                            stay("S3", "A", "2019-02-02", "2019-02-05") + "\n";
  const std::string apart_path = write_temp("quick_apart.jsonl", apart);
  try {
    settle_path(apart_path, stream);
    ADD_FAILURE() << "an input apart was streamed";
  } catch (const NotGroupedError& e) {
    EXPECT_EQ(e.line, 3u);
    EXPECT_EQ(e.person, "A");
  }
  std::remove(path.c_str());
  std::remove(apart_path.c_str());
}


}  // namespace

namespace {

/// settle_file to OutputFiles, as the command settles; `restarted`: the
/// progress went back, in records or bytes read (the stream was started
/// again in waves of persons).
Settled settle_to_files(const std::string& path, PipelineOptions o, bool* restarted = nullptr) {
  const std::string out_path = path + ".out", errors_path = path + ".errors";
  Settled r;
  PipelineProgress last;
  bool back = false;
  o.progress = [&](const PipelineProgress& p) {
    ++r.progress_calls;
    back = back || p.records < last.records || p.bytes_read < last.bytes_read;
    last = p;
  };
  {
    InputFile in(path);
    OutputFile out(out_path), errors(errors_path);
    r.counts = settle_file(Plan::builtin(), in, out, errors, o);
    out.commit();
    errors.commit();
  }
  r.out = test_files::text_of(out_path);
  r.errors = test_files::text_of(errors_path);
  std::remove(out_path.c_str());
  std::remove(errors_path.c_str());
  if (restarted) *restarted = back;
  return r;
}

/// How late_apart ends its file.
enum class Last {
  nothing,  ///< grouped
  apart,    ///< a new stay of the first person: apart
  copy,     ///< the first stay again (its id copied): apart to the grouping pass, not to the stream
};

/// A generated population of `persons`, grouped, with a line not JSON and a
/// copied stay id early on, and last what `last` says: found in the
/// stream's last wave.
std::string late_apart(std::uint64_t persons, bool csv, Last last) {
  std::vector<std::string> lines = generated_lines(persons, 5, csv);
  const std::size_t first = csv ? 1 : 0;  // the header
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(first) + 3, csv ? "only,three,cells" : "{not json");
  // The first record's stay id again, under its own person (a duplicate, still grouped).
  lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(first) + 1, lines[first]);
  if (last == Last::apart) {
    // The first person: the generator's second field in both formats.
    const std::string& p = lines[first];
    const std::size_t at = csv ? p.find(',') + 1 : p.find(R"("person_id":")") + 13;
    const std::string person = p.substr(at, p.find(csv ? ',' : '"', at) - at);
    lines.push_back(csv ? csv_stay("LATE1", person, "2019-11-02", "2019-11-05")
                        : stay("LATE1", person, "2019-11-02", "2019-11-05"));
  }
  if (last == Last::copy) lines.push_back(lines[first]);
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

}  // namespace

/// To files (both through temporary files, as the command writes them), a
/// grouped JSON Lines file is streamed at once, and one whose person comes
/// back in its last wave (after 8,192 records, their settlements and
/// rejections written) is started again in waves of persons; a stay copied
/// last (apart to the grouping pass, a duplicate to the stream) is streamed
/// once. CSV keeps the grouping pass. Every way gives the whole-file mode's
/// bytes, in JSON Lines and CSV, on one thread and two.
TEST(PipelineApart, ToFilesAStreamFoundApartLateStartsAgain) {
  for (const bool csv : {false, true}) {
    for (const Last last : {Last::nothing, Last::apart, Last::copy}) {
      const std::string text = late_apart(5'000, csv, last);
      const std::string path = write_temp(csv ? "late.csv" : "late.jsonl", text);
      {
        std::ifstream in(path, std::ios::binary);
        ASSERT_EQ(grouped_by_person(in, csv ? InputFormat::csv : InputFormat::jsonl), last == Last::nothing);
      }
      for (const OutputFormat format : {OutputFormat::jsonl, OutputFormat::csv}) {
        PipelineOptions whole;
        whole.input = csv ? InputFormat::csv : InputFormat::jsonl;
        whole.output = format;
        whole.mode = PipelineMode::whole;
        const Settled want = settle_path(path, whole);
        ASSERT_GT(want.counts.read, 9'000u);  // more than one wave of 8,192
        // The line that is no stay, the copied id (and the copy last).
        EXPECT_EQ(want.counts.rejected, last == Last::copy ? 3u : 2u);
        for (unsigned threads : {1u, 2u}) {
          PipelineOptions o = whole;
          o.mode = PipelineMode::automatic;
          o.threads = threads;
          o.wave_bytes = 200'000;  // waves of persons of about 370 records: their progress starts low again
          bool restarted = false;
          SCOPED_TRACE(std::string(csv ? "csv" : "jsonl") + ", last " + std::to_string(static_cast<int>(last)) +
                       ", threads " + std::to_string(threads));
          expect_same(settle_to_files(path, o, &restarted), want);
          // Settled as a stream first, and only then in waves.
          EXPECT_EQ(restarted, !csv && last == Last::apart);
        }
      }
      std::remove(path.c_str());
    }
  }
}

/// A file shuffled (found apart in the first wave), itemized, to files:
/// the whole-file mode's bytes.
TEST(PipelineApart, ToFilesShuffledEqualsWhole) {
  const std::string path = write_temp("shuffled_files.jsonl", shuffled_population(300));
  PipelineOptions o;
  o.itemize = true;
  o.threads = 2;
  PipelineOptions whole = o;
  whole.mode = PipelineMode::whole;
  expect_same(settle_to_files(path, o), settle_path(path, whole));
  std::remove(path.c_str());
}

/// The first pass reads a plain line's two ids without the parser. A line
/// whose ids are plain but which is not JSON after them (the parser keeps
/// no id of it) is found out when the line is parsed in its wave, and the
/// file is settled again with the parser's ids. Here the line takes the
/// stay id of a real stay after it: read quickly, that stay would be a
/// duplicate; to the parser it is not. The same bytes as the whole-file
/// mode; with a wave a person and the line last, the progress goes back.
/// To files, the waves settled before the line's were written already
/// (ToFilesTextsAreWrittenAsTheWavesAllow): they are emptied first.
TEST(PipelineApart, QuickIdsTheParserDisownsStartAgain) {
  std::vector<std::string> lines = lines_of(shuffled_population(200));
  std::size_t real = 0;  // the first generated stay: {"stay_id":"S0000001-1",...
  while (lines[real].rfind(R"({"stay_id":"S0)", 0) != 0) ++real;
  const std::size_t open = std::string_view(R"({"stay_id":")").size();
  const std::string id = lines[real].substr(open, lines[real].find('"', open) - open);
  const std::string disowned = R"({"stay_id": ")" + id + R"(", "person_id": "PQ", "age": )";
  for (const bool first : {true, false}) {
    std::vector<std::string> with = lines;
    if (first) with.insert(with.begin() + static_cast<std::ptrdiff_t>(real), disowned);
    else with.push_back(disowned);
    std::string text;
    for (const std::string& l : with) text += l + "\n";
    const std::string path = write_temp(first ? "disowned_first.jsonl" : "disowned_last.jsonl", text);
    PipelineOptions whole;
    whole.mode = PipelineMode::whole;
    const Settled want = settle_path(path, whole);
    EXPECT_EQ(count(want.errors, "\"not_json\""), 2u);  // "{not json" and the disowned line
    EXPECT_EQ(count(want.errors, "\"duplicate_stay_id\""), 2u);  // the two copies of SY1 only
    for (unsigned threads : {1u, 2u}) {
      for (std::uint64_t wave : {std::uint64_t{1}, std::uint64_t{0}}) {
        PipelineOptions o;
        o.threads = threads;
        o.wave_bytes = wave;
        bool back = false;
        std::uint64_t last = 0;
        Settled got;
        {
          InputFile in(path);
          std::ostringstream out, errors;
          o.progress = [&](const PipelineProgress& p) {
            back = back || p.records < last;
            last = p.records;
          };
          got.counts = settle_file(Plan::builtin(), in, out, errors, o);
          got.out = out.str();
          got.errors = errors.str();
        }
        SCOPED_TRACE(std::string(first ? "first" : "last") + ", threads " + std::to_string(threads) + ", wave " +
                     std::to_string(wave));
        expect_same(got, want);
        // A wave a person, the line last: its person's wave is the last, after every other's progress.
        if (!first && wave == 1) EXPECT_TRUE(back);
        // To files, where the waves before it were written already: emptied, and settled again.
        o.progress = nullptr;
        bool restarted = false;
        expect_same(settle_to_files(path, o, &restarted), want);
        if (!first && wave == 1) EXPECT_TRUE(restarted);
      }
    }
    std::remove(path.c_str());
  }
}

namespace {

/// The bytes of the temporary files in `folder` that OutputFile writes
/// before its commit ("." name ".medsettle-" number).
std::uintmax_t temporary_bytes(const std::string& folder) {
  std::uintmax_t bytes = 0;
  for (const auto& f : std::filesystem::directory_iterator(folder)) {
    if (f.path().filename().string().find(".medsettle-") != std::string::npos) bytes += f.file_size();
  }
  return bytes;
}

}  // namespace

/// To files written through temporary files, a shuffled file's texts are
/// written as the waves allow (every record before the first of the next
/// wave is settled), not all after the last wave: some progress call,
/// before the last wave, sees the temporary outputs holding bytes. To
/// ostreams nothing is written before the last wave. Every way gives the
/// whole-file mode's bytes: waves of a person, of 200,000 bytes and the
/// default (4 MiB: two waves here); one thread and two; JSON Lines and CSV out.
TEST(PipelineApart, ToFilesTextsAreWrittenAsTheWavesAllow) {
  const std::string folder = ::testing::TempDir() + "/medsettle_early_" + std::to_string(::getpid());
  std::filesystem::create_directories(folder);
  const std::string path = folder + "/in.jsonl";
  std::ofstream(path, std::ios::binary) << shuffled_population(5'000);  // 10,000 records, 13 MB settled
  for (const OutputFormat format : {OutputFormat::jsonl, OutputFormat::csv}) {
    PipelineOptions whole;
    whole.output = format;
    whole.mode = PipelineMode::whole;
    const Settled want = settle_path(path, whole);
    ASSERT_GT(want.counts.read, 10'000u);
    for (unsigned threads : {1u, 2u}) {
      for (std::uint64_t wave : {std::uint64_t{1}, std::uint64_t{200'000}, std::uint64_t{0}}) {
        PipelineOptions o = way(InputFormat::jsonl, format, threads, wave);
        bool early = false;
        o.progress = [&](const PipelineProgress& p) {
          if (!early && p.records < want.counts.read && temporary_bytes(folder) > 0) early = true;
        };
        SCOPED_TRACE(std::string(format == OutputFormat::csv ? "csv" : "jsonl") + ", threads " +
                     std::to_string(threads) + ", wave " + std::to_string(wave));
        Settled got;
        {
          InputFile in(path);
          OutputFile out(folder + "/out"), errors(folder + "/errors");
          got.counts = settle_file(Plan::builtin(), in, out, errors, o);
          out.commit();
          errors.commit();
        }
        got.out = test_files::text_of(folder + "/out");
        got.errors = test_files::text_of(folder + "/errors");
        expect_same(got, want);
        if (wave != 0) EXPECT_TRUE(early);
        EXPECT_EQ(temporary_bytes(folder), 0u);
      }
    }
  }
  // To ostreams, which cannot be taken back: nothing before the last wave.
  PipelineOptions o;
  o.wave_bytes = 200'000;
  std::ostringstream out, errors;
  std::uint64_t last = 0;
  bool early = false;
  o.progress = [&](const PipelineProgress& p) {
    last = p.records;
    if (p.records < 10'000 && (out.tellp() > 0 || errors.tellp() > 0)) early = true;
  };
  InputFile in(path);
  EXPECT_GT(settle_file(Plan::builtin(), in, out, errors, o).read, 10'000u);
  EXPECT_GT(last, 10'000u);
  EXPECT_FALSE(early);
  EXPECT_GT(out.str().size(), 10'000'000u);
  std::filesystem::remove_all(folder);
}
