// settle_stream equals settle_batch on the same input, for every wave size
// and thread count, when the input is grouped by person.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <fstream>
#include <sstream>
#include <thread>

#include "medsettle/record_stream.hpp"
#include "medsettle/stream.hpp"
#include "medsettle/writer.hpp"
#include "io/stream_internal.hpp"

using namespace medsettle;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The golden stays with each person's lines made consecutive (stable by
/// first appearance), so that the input is grouped.
std::string grouped(const std::string& scheme) {
  std::istringstream in(read_file(std::string(MEDSETTLE_GOLDEN_DIR) + "/" + scheme + ".stays.jsonl"));
  std::vector<std::pair<std::string, std::string>> lines;
  std::vector<std::string> order;
  std::string line;
  JsonStayReader reader;
  while (std::getline(in, line)) {
    if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // linxian starts with a byte-order mark
    std::string person;
    if (!reader.peek_person(line, person)) person = "";  // unreadable: keep in place as its own group
    if (std::find(order.begin(), order.end(), person) == order.end()) order.push_back(person);
    lines.emplace_back(person, line);
  }
  std::string out;
  for (const auto& p : order) {
    for (const auto& [who, l] : lines) {
      if (who == p) out += l + "\n";
    }
  }
  return out;
}

std::string render(const Plan& /*plan*/, const Outcome& o) {
  std::string s;
  if (o.settled()) write_json(s, o.settlement());
  else write_json(s, o.rejection());
  return s + "\n";
}

/// settle_stream_waves over `text` in waves of `wave` records: the outcomes
/// rendered in order, the counts, and the waves passed on.
struct InWaves {
  std::string got;
  StreamCounts counts;
  std::size_t waves = 0, largest = 0, total = 0;
};

InWaves in_waves(const Plan& plan, const std::string& text, std::size_t wave, unsigned threads) {
  std::istringstream in(text);
  StreamOptions options;
  options.wave_records = wave;
  options.batch.threads = threads;
  InWaves r;
  r.counts = settle_stream_waves(plan, in, options, [&](std::span<const Outcome> outcomes) {
    ++r.waves;
    r.largest = std::max(r.largest, outcomes.size());
    r.total += outcomes.size();
    for (const Outcome& o : outcomes) r.got += render(plan, o);
  });
  return r;
}

}  // namespace

class StreamEqualsBatch : public ::testing::TestWithParam<std::string> {};

TEST_P(StreamEqualsBatch, ForEveryWaveSizeAndThreadCount) {
  Plan plan = Plan::load_file(std::string(MEDSETTLE_RULES_DIR) + "/" + GetParam() + ".yaml");
  const std::string text = grouped(GetParam());
  std::string expected;
  std::size_t records = 0;
  for (const auto& o : settle_batch(plan, read_jsonl(text))) {
    expected += render(plan, o);
    ++records;
  }
  for (std::size_t wave : {1u, 2u, 7u, 1000u}) {
    for (unsigned threads : {1u, 3u}) {
      std::istringstream in(text);
      StreamOptions options;
      options.wave_records = wave;
      options.batch.threads = threads;
      std::string got;
      StreamCounts c = settle_stream(plan, in, options, [&](const Outcome& o) { got += render(plan, o); });
      EXPECT_EQ(got, expected) << "wave " << wave << ", threads " << threads;
      EXPECT_EQ(c.read, records);
      EXPECT_EQ(c.read, c.settled + c.rejected);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Schemes, StreamEqualsBatch,
                         ::testing::Values("hunan", "zhuzhou", "funing", "zhenba", "xuchang", "linxian"),
                         [](const auto& info) { return info.param; });

TEST(Stream, UngroupedInputIsRefusedNamingTheLine) {
  // P1 on lines 1 and 3, P2 on line 2: P1's stays are not consecutive.
  const std::string text =
      R"({"stay_id":"a","person_id":"P1","age":1,"hospital_level":"county","region":"in_county","admitted":"2019-01-01","discharged":"2019-01-02","diagnoses":["A09"],"fees":[]})" "\n"
      R"({"stay_id":"b","person_id":"P2","age":1,"hospital_level":"county","region":"in_county","admitted":"2019-01-01","discharged":"2019-01-02","diagnoses":["A09"],"fees":[]})" "\n"
      R"({"stay_id":"c","person_id":"P1","age":1,"hospital_level":"county","region":"in_county","admitted":"2019-01-01","discharged":"2019-01-03","diagnoses":["A09"],"fees":[]})" "\n";
  std::istringstream check(text);
  EXPECT_FALSE(grouped_by_person(check, InputFormat::jsonl));
  std::istringstream in(text);
  try {
    (void)settle_stream(Plan::builtin(), in, StreamOptions{}, [](const Outcome&) {});
    FAIL() << "expected NotGroupedError";
  } catch (const NotGroupedError& e) {
    EXPECT_EQ(e.line, 3u);
    EXPECT_EQ(e.person, "P1");
  }
}

namespace {

/// settle_record_waves over `records`, given `per_call` at a time, in waves
/// of `wave` on two threads: the outcomes rendered, in the order passed on.
std::string streamed(const Plan& plan, const std::vector<Record>& records, std::size_t wave, std::size_t per_call,
                     StreamCounts* counts = nullptr) {
  StreamOptions options;
  options.wave_records = wave;
  options.batch.threads = 2;
  std::size_t next = 0;
  const RecordSource source = [&](std::vector<Record>& out, std::size_t max) {
    for (std::size_t n = 0; n < std::min(max, per_call) && next < records.size(); ++n) out.push_back(records[next++]);
    return next < records.size();
  };
  std::string got;
  const StreamCounts c = settle_record_waves(plan, source, options, [&](std::span<const Outcome> outcomes) {
    for (const Outcome& o : outcomes) got += render(plan, o);
  });
  if (counts) *counts = c;
  return got;
}

}  // namespace

TEST_P(StreamEqualsBatch, RecordsMadeElsewhereToo) {
  // settle_record_waves: the records of the grouped stays, given 3 at a time, in waves of 1, 4 and 1000.
  Plan plan = Plan::load_file(std::string(MEDSETTLE_RULES_DIR) + "/" + GetParam() + ".yaml");
  const std::vector<Record> records = read_jsonl(grouped(GetParam()));
  std::string expected;
  for (const auto& o : settle_batch(plan, records)) expected += render(plan, o);
  for (std::size_t wave : {1u, 4u, 1000u}) {
    StreamCounts c;
    EXPECT_EQ(streamed(plan, records, wave, 3, &c), expected) << "wave " << wave;
    EXPECT_EQ(c.read, records.size());
  }
}

TEST(Stream, RecordsMadeByHandWithoutTheirIdFlagsAreCheckedAsTheBatchChecksThem) {
  // A valid stay has its stay id and person whoever built the record, flags
  // or not (settle_batch places it by its fields). Hand-built records with
  // has_stay_id and has_person_id left false: hunan's grouped stays, then a
  // copy of the first stay at the end (a duplicate stay id, waves apart),
  // then a stay of the first person again under a new stay id.
  Plan plan = Plan::builtin();
  std::vector<Record> records = read_jsonl(grouped("hunan"));
  ASSERT_FALSE(records.front().rejection);
  for (Record& r : records) {
    if (!r.rejection) r.has_stay_id = r.has_person_id = false;
  }
  records.push_back(records.front());
  const std::vector<Outcome> batch = settle_batch(plan, records);
  // The copy is the batch's duplicate.
  ASSERT_FALSE(batch.back().settled());
  EXPECT_EQ(batch.back().rejection().code, ErrorCode::duplicate_stay_id);
  std::string expected;
  for (const auto& o : batch) expected += render(plan, o);
  for (std::size_t wave : {1u, 4u, 1000u}) {
    EXPECT_EQ(streamed(plan, records, wave, records.size()), expected) << "wave " << wave;
  }
  // The first person's stays again, after others', under a new stay id: not grouped.
  records.back().stay.stay_id += "-again";
  EXPECT_THROW((void)streamed(plan, records, 1000, records.size()), NotGroupedError);
}

/// A kept ledger holding the stays `held` (and no person's figures).
class Holding final : public LedgerBook {
 public:
  explicit Holding(std::vector<std::string> held) : held_(std::move(held)) {}
  Ledger open(std::string_view) override { return Ledger(); }
  void close(std::string_view, Ledger&&) override {}
  [[nodiscard]] bool holds(std::string_view stay_id) const override {
    return std::find(held_.begin(), held_.end(), stay_id) != held_.end();
  }

 private:
  std::vector<std::string> held_;
};

/// SEMANTICS.md §11: a stay the kept ledger holds is that ledger's duplicate
/// (before anything else), however often it comes, and the batch rejects it
/// before placing it in its person's stays. Two inputs, the first line's
/// stay id held:
/// - hunan's grouped stays with the first line twice more, right after it:
///   the batch rejects all three copies as already settled in the kept
///   ledger, and so must the stream (it rejected the second and third as
///   used by an earlier record);
/// - that line, a line of another person, that line again: a held stay is
///   in no person's run, so the input is grouped for the batch, and the
///   stream must not refuse it (it did, once the copy was no longer a
///   duplicate of the run's: found in review).
TEST(Stream, AStayTheKeptLedgerHoldsIsItsDuplicateEveryTimeAsInTheBatch) {
  const Plan plan = Plan::load_file(std::string(MEDSETTLE_RULES_DIR) + "/hunan.yaml");
  const std::string all = grouped("hunan");
  const std::string first = all.substr(0, all.find('\n') + 1);
  const std::vector<Record> stays = read_jsonl(all);
  std::string other;  // the first line of another person
  for (std::size_t at = 0, i = 0; at < all.size(); at = all.find('\n', at) + 1, ++i) {
    if (stays[i].stay.person_id != stays[0].stay.person_id) {
      other = all.substr(at, all.find('\n', at) + 1 - at);
      break;
    }
  }
  ASSERT_FALSE(other.empty());
  Holding book({stays[0].stay.stay_id});
  const std::string held = "is already settled in the kept ledger";
  for (const auto& [text, copies] : {std::pair{first + first + all, 3u}, std::pair{first + other + first, 2u}}) {
    const std::vector<Record> records = read_jsonl(text);
    ASSERT_EQ(records[0].stay.stay_id, stays[0].stay.stay_id);
    BatchOptions batch;
    batch.ledgers = &book;
    std::string expected;
    for (const Outcome& o : settle_batch(plan, records, batch)) expected += render(plan, o);
    std::size_t found = 0;
    for (auto at = expected.find(held); at != std::string::npos; at = expected.find(held, at + 1)) ++found;
    EXPECT_EQ(found, copies);
    for (std::size_t wave : {1u, 2u, 1000u}) {
      SCOPED_TRACE("wave " + std::to_string(wave) + ", " + std::to_string(records.size()) + " records");
      std::istringstream in(text);
      StreamOptions options;
      options.wave_records = wave;
      options.batch.threads = 2;
      options.batch.ledgers = &book;
      std::string got;
      settle_stream_waves(plan, in, options, [&](std::span<const Outcome> outcomes) {
        for (const Outcome& o : outcomes) got += render(plan, o);
      });
      EXPECT_EQ(got, expected);
    }
  }
}

TEST(Stream, AnEmptyPersonIdIsAPersonAsInTheBatch) {
  // A record made elsewhere may hold an empty person id (the readers reject
  // one); the batch takes it as a person like any other. hunan's grouped
  // stays with the first person's under an empty id: in waves of 1 the
  // person's stays settle together, with one ledger, as in the batch (its
  // later stays see what the first one used).
  Plan plan = Plan::builtin();
  std::vector<Record> records = read_jsonl(grouped("hunan"));
  const std::string first = records.front().stay.person_id;
  std::size_t run = 0;
  while (run < records.size() && records[run].stay.person_id == first) records[run++].stay.person_id.clear();
  ASSERT_GE(run, 2u) << "the first person has two stays or more";
  std::string expected;
  for (const auto& o : settle_batch(plan, records)) expected += render(plan, o);
  for (std::size_t wave : {1u, 4u, 1000u}) {
    EXPECT_EQ(streamed(plan, records, wave, records.size()), expected) << "wave " << wave;
  }
  // The empty person again after another's stays: not grouped.
  records.push_back(records.front());
  records.back().stay.stay_id += "-again";
  EXPECT_THROW((void)streamed(plan, records, 1000, records.size()), NotGroupedError);
}

TEST(Stream, RecordsNotGroupedAreRefused) {
  // A person's record, another person's, then the first person's again (another stay id).
  Plan plan = Plan::builtin();
  const std::vector<Record> all = read_jsonl(grouped("hunan"));
  const Record& a = all.front();
  const auto b = std::find_if(all.begin(), all.end(), [&](const Record& r) {
    return r.has_person_id && r.stay.person_id != a.stay.person_id;
  });
  ASSERT_TRUE(a.has_person_id && b != all.end());
  std::vector<Record> records{a, *b, a};
  records[2].stay.stay_id += "-again";
  const RecordSource source = [&](std::vector<Record>& out, std::size_t) {
    out = records;
    return false;
  };
  EXPECT_THROW((void)settle_record_waves(plan, source, StreamOptions{}, [](std::span<const Outcome>) {}),
               NotGroupedError);
}

TEST(Stream, GroupedInputIsRecognised) {
  std::istringstream in(grouped("funing"));
  EXPECT_TRUE(grouped_by_person(in, InputFormat::jsonl));
}

namespace {

/// An output that notes each flush's thread.
class NotingBuffer final : public std::streambuf {
 public:
  std::string text;
  std::vector<std::thread::id> flushed_on;

 protected:
  int overflow(int c) override {
    if (c != traits_type::eof()) text.push_back(static_cast<char>(c));
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    text.append(s, static_cast<std::size_t>(n));
    return n;
  }
  int sync() override {
    flushed_on.push_back(std::this_thread::get_id());
    return 0;
  }
};

}  // namespace

TEST(Stream, AnInputTiedToTheSinksOutputIsFlushedOnTheCallingThread) {
  // settle_stream reads the next wave's lines on a thread beside the one
  // settling. An input tied to an output (as std::cin to std::cout) flushes
  // that output before each read: done from the reading thread while the
  // sink writes to it here, that would race. The output is flushed on this
  // thread instead, before each wave's read (funing, grouped, waves of 3:
  // more than one flush), every outcome is there in order, and the tie is
  // given back.
  Plan plan = Plan::load_file(std::string(MEDSETTLE_RULES_DIR) + "/funing.yaml");
  const std::string text = grouped("funing");
  std::string expected;
  for (const auto& o : settle_batch(plan, read_jsonl(text))) expected += render(plan, o);
  NotingBuffer buffer;
  std::ostream out(&buffer);
  std::istringstream in(text);
  in.tie(&out);
  StreamOptions options;
  options.wave_records = 3;
  options.batch.threads = 2;
  settle_stream(plan, in, options, [&](const Outcome& o) { out << render(plan, o); });
  EXPECT_EQ(buffer.text, expected);
  EXPECT_GT(buffer.flushed_on.size(), 1u);
  for (const auto& id : buffer.flushed_on) EXPECT_EQ(id, std::this_thread::get_id());
  EXPECT_EQ(in.tie(), &out);
}

TEST(Stream, WavesCarryEveryOutcomeInInputOrderAndStayBounded) {
  // settle_stream_waves on the grouped funing stays, waves of 5 records: the
  // waves joined equal settle_batch; a wave holds at most 5 records plus the
  // stays of the one person it waited for.
  Plan plan = Plan::load_file(std::string(MEDSETTLE_RULES_DIR) + "/funing.yaml");
  const std::string text = grouped("funing");
  std::string expected;
  std::map<std::string, std::size_t> stays_of;
  std::size_t most = 0;
  for (const auto& r : read_jsonl(text)) most = std::max(most, ++stays_of[r.stay.person_id]);
  for (const auto& o : settle_batch(plan, read_jsonl(text))) expected += render(plan, o);
  for (unsigned threads : {1u, 2u}) {
    const InWaves r = in_waves(plan, text, 5, threads);
    EXPECT_EQ(r.got, expected) << threads;
    EXPECT_EQ(r.total, r.counts.read);
    EXPECT_GT(r.waves, r.counts.read / (5 + most));
    EXPECT_LE(r.largest, 5u);
  }
}

TEST(Stream, RecordsDecidedWhenReadAreNotHeldWithTheOpenPerson) {
  // P1's first stay, then 3,000 records each rejected by itself (issue
  // #18): lines of `x`, records without a person (with and without a stay
  // id), P1's first stay id again, a P1 record without a discharge date;
  // then P1's second stay. The current person P1 stays open throughout,
  // yet every outcome equals settle_batch's, in input order, in waves of at
  // most 100: 1 + 3,000 + 1 = 3,002 outcomes, 2 settled.
  const std::string stay_a =
      R"({"stay_id":"a","person_id":"P1","age":1,"hospital_level":"county","region":"in_county","admitted":"2019-01-01","discharged":"2019-01-02","diagnoses":["A09"],"fees":[]})";
  const std::string stay_b =
      R"({"stay_id":"b","person_id":"P1","age":1,"hospital_level":"county","region":"in_county","admitted":"2019-02-01","discharged":"2019-02-02","diagnoses":["A09"],"fees":[]})";
  std::string text = stay_a + "\n";
  for (int i = 0; i < 600; ++i) {
    text += "x\n";
    text += "{\"k" + std::to_string(i) + "\":1}\n";
    text += "{\"stay_id\":\"s" + std::to_string(i) + "\"}\n";
    text += stay_a + "\n";  // a duplicate of P1's first stay
    text += "{\"stay_id\":\"n" + std::to_string(i) + "\",\"person_id\":\"P1\"}\n";
  }
  text += stay_b + "\n";
  const Plan& plan = Plan::builtin();
  std::string expected;
  for (const auto& o : settle_batch(plan, read_jsonl(text))) expected += render(plan, o);
  for (unsigned threads : {1u, 2u}) {
    const InWaves r = in_waves(plan, text, 100, threads);
    EXPECT_EQ(r.got, expected) << threads;
    EXPECT_EQ(r.counts.read, 3002u);
    EXPECT_EQ(r.counts.settled, 2u);
    EXPECT_EQ(r.counts.rejected, 3000u);
    EXPECT_LE(r.largest, 100u);
  }
}

namespace {

/// What the grouping pass's quick reading and the parser make of `line`:
/// the parser's person must be the quick one's, or the quick one defers
/// (false); the quick one may find a person the parser does not only in a
/// line that is not JSON.
void expect_quick_agrees(JsonStayReader& reader, std::string_view line) {
  std::string parsed;
  std::string_view quick;
  const bool parser_found = reader.peek_person(line, parsed);
  const bool quick_found = detail::quick_person(line, quick);
  if (parser_found && quick_found) EXPECT_EQ(quick, parsed) << line;
  if (quick_found && !parser_found) {
    JsonStayReader full;
    EXPECT_TRUE(full.read(line, 1).rejection) << "a valid line where only the quick reading finds a person: " << line;
  }
}

}  // namespace

/// Lines made to mislead: the quick reading takes the first key person_id
/// of the outer object, and defers on a backslash, a value that is not a
/// plain string, or no person at all.
TEST(QuickPerson, ReadsPlainLinesAndDefersOnTheRest) {
  struct Case {
    std::string line;
    std::optional<std::string> person;  // nullopt: defers to the parser
  };
  const std::vector<Case> cases = {
      {R"({"stay_id":"S1","person_id":"P1","age":3})", "P1"},
      {R"(  { "person_id" :  "张三" , "x": 1})", "张三"},
      {R"({"a":{"person_id":"X"},"person_id":"Y"})", "Y"},            // nested first
      {R"({"a":[{"person_id":"X"}],"person_id":"Y"})", "Y"},
      {R"({"note":"person_id","person_id":"Z"})", "Z"},                // a value, not a key
      {R"({"note":"{[","person_id":"W"})", "W"},                       // brackets in a string
      {R"({"person_id":"A","person_id":"B"})", "A"},                   // the first, as the parser
      {R"({"person\u005fid":"E"})", std::nullopt},                    // an escaped key
      {R"({"n":"\"person_id\":\"F\"","person_id":"G"})", std::nullopt},  // a backslash before
      {R"({"person_id":"H\"I"})", std::nullopt},                      // in the value
      {R"({"person_id":7})", std::nullopt},
      {R"({"person_id":""})", std::nullopt},
      {R"({"person_id":null})", std::nullopt},
      {R"({"stay_id":"S1"})", std::nullopt},
      {R"([{"person_id":"Q"}])", std::nullopt},
      {R"({"person_id")", std::nullopt},
      {R"({"person_id":"unclosed)", std::nullopt},
  };
  JsonStayReader reader;
  for (const Case& c : cases) {
    std::string_view got;
    const bool found = detail::quick_person(c.line, got);
    EXPECT_EQ(found, c.person.has_value()) << c.line;
    if (found && c.person) EXPECT_EQ(std::string(got), *c.person) << c.line;
    expect_quick_agrees(reader, c.line);
  }
}

namespace {

/// Every line of the golden stays (without a byte-order mark).
std::vector<std::string> golden_lines() {
  std::vector<std::string> lines;
  for (const char* scheme : {"funing", "hunan", "linxian", "xuchang", "zhenba", "zhuzhou"}) {
    std::istringstream in(read_file(std::string(MEDSETTLE_GOLDEN_DIR) + "/" + scheme + ".stays.jsonl"));
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
      lines.push_back(line);
    }
  }
  return lines;
}

/// `line`, and it cut short, or with a quote, a backslash, a bracket or a
/// colon put in, at every place of its first 80 bytes.
std::vector<std::string> with_mutations(const std::string& line) {
  std::vector<std::string> out{line};
  for (std::size_t at = 0; at < std::min<std::size_t>(line.size(), 80); ++at) {
    out.push_back(line.substr(0, at));
    for (const char c : {'"', '\\', '{', '}', '[', ']', ':'}) {
      std::string changed = line;
      changed.insert(changed.begin() + static_cast<std::ptrdiff_t>(at), c);
      out.push_back(std::move(changed));
    }
  }
  return out;
}

}  // namespace

/// Every line of the golden stays, and each cut short, or with a quote, a
/// backslash or a bracket put in at every place of its first 80 bytes.
TEST(QuickPerson, AgreesWithTheParserOnGoldenAndMutatedLines) {
  JsonStayReader reader;
  const std::vector<std::string> lines = golden_lines();
  std::size_t quick = 0;
  for (const std::string& line : lines) {
    std::string_view p;
    quick += detail::quick_person(line, p) ? 1 : 0;
    for (const std::string& changed : with_mutations(line)) expect_quick_agrees(reader, changed);
  }
  EXPECT_GT(lines.size(), 100u);
  EXPECT_GT(quick * 10, lines.size() * 8);  // most golden lines are plain: the quick reading is the common path
}

namespace {

/// What quick_ids and the parser make of `line`: where the parser reads a
/// valid record, quick_ids finds its two ids or defers (false). In a record
/// the parser rejects, quick_ids may find ids the parser does not keep; the
/// not-grouped settling checks each record and starts again then
/// (PipelineApart.QuickIdsTheParserDisownsStartAgain).
void expect_quick_ids_agree(JsonStayReader& reader, std::string_view line) {
  std::string_view stay, person;
  if (!detail::quick_ids(line, stay, person)) return;
  const Record rec = reader.read(line, 1);
  if (rec.rejection) return;
  EXPECT_EQ(rec.stay.stay_id, stay) << line;
  EXPECT_EQ(rec.stay.person_id, person) << line;
}

}  // namespace

/// The first keys stay_id and person_id of the outer object, in either
/// order; defers on a backslash before both are found, a value that is not
/// a plain non-empty string, or either id missing.
TEST(QuickIds, ReadsPlainLinesAndDefersOnTheRest) {
  struct Case {
    std::string line;
    std::optional<std::pair<std::string, std::string>> ids;  // nullopt: defers to the parser
  };
  const std::vector<Case> cases = {
      {R"({"stay_id":"S1","person_id":"P1","age":3})", std::pair{"S1", "P1"}},
      {R"({"person_id":"P1", "age": 3, "stay_id" : "S1"})", std::pair{"S1", "P1"}},       // either order
      {R"({"a":{"stay_id":"X"},"stay_id":"S2","person_id":"P2"})", std::pair{"S2", "P2"}},  // nested first
      {R"({"stay_id":"S3","stay_id":"S4","person_id":"P3"})", std::pair{"S3", "P3"}},       // the first, as the parser
      {R"({"stay_id":"person_id","person_id":"P4"})", std::pair{"person_id", "P4"}},        // a value like a key
      {R"({"stay_id":"S5","person_id":"P5","name":"a\"b"})", std::pair{"S5", "P5"}},        // a backslash after both
      {R"({"stay_id":"S6","n":"\u0041","person_id":"P6"})", std::nullopt},                 // a backslash between
      {R"({"stay_id":"S7"})", std::nullopt},                                                // no person
      {R"({"person_id":"P8"})", std::nullopt},                                              // no stay id
      {R"({"stay_id":"","person_id":"P9"})", std::nullopt},                                 // empty
      {R"({"stay_id":7,"person_id":"P10"})", std::nullopt},                                 // a number
      {R"({"stay_id":null,"person_id":"P11"})", std::nullopt},
      {R"([{"stay_id":"S12","person_id":"P12"}])", std::nullopt},                           // not the outer object
      {R"({"stay_id":"S13","person_id":"unclosed)", std::nullopt},
  };
  JsonStayReader reader;
  for (const Case& c : cases) {
    std::string_view stay, person;
    const bool found = detail::quick_ids(c.line, stay, person);
    EXPECT_EQ(found, c.ids.has_value()) << c.line;
    if (found && c.ids) {
      EXPECT_EQ(std::string(stay), c.ids->first) << c.line;
      EXPECT_EQ(std::string(person), c.ids->second) << c.line;
    }
    expect_quick_ids_agree(reader, c.line);
  }
}

/// Every line of the golden stays, and each cut short, or with a quote, a
/// backslash, a bracket or a colon put in at every place of its first 80
/// bytes: where the parser reads a valid stay, quick_ids reads its ids or defers.
TEST(QuickIds, AgreesWithTheParserOnGoldenAndMutatedLines) {
  JsonStayReader reader;
  const std::vector<std::string> lines = golden_lines();
  std::size_t quick = 0;
  for (const std::string& line : lines) {
    std::string_view s, p;
    quick += detail::quick_ids(line, s, p) ? 1 : 0;
    for (const std::string& changed : with_mutations(line)) expect_quick_ids_agree(reader, changed);
  }
  EXPECT_GT(lines.size(), 100u);
  EXPECT_GT(quick * 10, lines.size() * 8);  // most golden lines are plain: the quick reading is the common path
}
