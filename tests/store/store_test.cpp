// Kept ledgers (SEMANTICS.md §11) on SQLite and on PostgreSQL: the worked
// examples of tests/store/kept/, runs against the ledger equal to one batch,
// reversals, pre-settlement, export and import. Every test runs on both
// stores (Sqlite/... and Postgres/...).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "medsettle/generate.hpp"
#include "medsettle/reader.hpp"
#include "medsettle/writer.hpp"
#include "store_support.hpp"

namespace {

using namespace medsettle;
using namespace storetest;
namespace dom = simdjson::dom;

const std::string kept_dir = std::string(MEDSETTLE_SOURCE_DIR) + "/tests/store/kept/";

/// The JSON with the keys the worked examples leave out (digest, channel name) dropped, minified.
void strip_into(std::string& out, dom::element e) {
  dom::object obj;
  dom::array arr;
  if (!e.get_object().get(obj)) {
    out += '{';
    bool first = true;
    for (auto [k, v] : obj) {
      if (k == "digest" || k == "name") continue;
      if (!first) out += ',';
      first = false;
      write_json_string(out, k);
      out += ':';
      strip_into(out, v);
    }
    out += '}';
  } else if (!e.get_array().get(arr)) {
    out += '[';
    bool first = true;
    for (dom::element v : arr) {
      if (!first) out += ',';
      first = false;
      strip_into(out, v);
    }
    out += ']';
  } else {
    out += simdjson::minify(e);
  }
}

std::string stripped(const std::string& json) {
  dom::parser p;
  std::string out;
  strip_into(out, p.parse(json));
  return out;
}

/// (stay_id, line, code, field) of a rejection line of a worked example.
using ErrorRow = std::tuple<std::string, std::uint64_t, std::string, std::string>;

std::vector<ErrorRow> expected_errors(const std::string& file) {
  std::vector<ErrorRow> out;
  dom::parser p;
  for (const std::string& line : lines_of(slurp(kept_dir + file))) {
    dom::element e = p.parse(line);
    out.emplace_back(std::string(e["stay_id"].get_string().value()), e["line"].get_uint64().value(),
                     std::string(e["error"]["code"].get_string().value()),
                     std::string(e["error"]["field"].get_string().value()));
  }
  return out;
}

class KeptStore : public ::testing::TestWithParam<std::string> {
 protected:
  LedgerStore fresh() { return LedgerStore::open(fresh_location(GetParam())); }
};

/// Replays one worked example's steps against one fresh ledger and checks
/// every step and the final figures.
void replay_example(LedgerStore& store, const std::string& example) {
  const Plan plan = scheme(example);
  dom::parser steps_parser;
  for (const std::string& step_line : lines_of(slurp(kept_dir + example + ".steps.jsonl"))) {
    dom::element step = steps_parser.parse(step_line);
    const std::string op(step["op"].get_string().value());
    SCOPED_TRACE(example + " step " + std::to_string(step["step"].get_int64().value()));
    if (op == "settle") {
      const StoreRun run = store.settle(plan, read_records(kept_dir + std::string(step["stays"].get_string().value())));
      std::vector<std::string> got;
      std::vector<ErrorRow> errors;
      for (const Outcome& o : run.outcomes) {
        if (o.settled()) got.push_back(stripped(json_of(o)));
        else errors.emplace_back(*o.rejection().stay_id, o.rejection().line, std::string(name(o.rejection().code)), o.rejection().field);
      }
      std::vector<std::string> want;
      for (const std::string& l : lines_of(slurp(kept_dir + std::string(step["expected"].get_string().value())))) {
        want.push_back(stripped(l));
      }
      EXPECT_EQ(got, want);
      EXPECT_EQ(errors, expected_errors(std::string(step["errors"].get_string().value())));
      continue;
    }
    const StoreReversal r = store.reverse(step["stay_id"].get_string().value(), step["cascade"].get_bool().value());
    std::string_view refused;
    if (!step["refused"].get_string().get(refused)) {
      ASSERT_FALSE(r.ok());
      dom::parser p;
      dom::element want = p.parse(slurp(kept_dir + std::string(refused)));
      EXPECT_EQ(*r.refused->stay_id, want["stay_id"].get_string().value());
      EXPECT_EQ(name(r.refused->code), want["error"]["code"].get_string().value());
      EXPECT_EQ(r.refused->field, want["error"]["field"].get_string().value());
      continue;
    }
    ASSERT_TRUE(r.ok());
    std::vector<std::string> got, want;
    for (const StoreRecord& rec : r.records) got.push_back(stripped(rec.json));
    for (const std::string& l : lines_of(slurp(kept_dir + std::string(step["reversals"].get_string().value())))) {
      want.push_back(stripped(l));
    }
    EXPECT_EQ(got, want);
  }
}

/// (person, year, channel, accumulated, paid, grants), all-zero figures left out.
using FigureRow = std::tuple<std::string, std::int64_t, std::string, std::string, std::string, std::int64_t>;

std::set<FigureRow> figures_of(LedgerStore& store, const std::set<std::string>& persons) {
  std::set<FigureRow> out;
  for (const std::string& person : persons) {
    const std::optional<LedgerSnapshot> l = store.ledger(person);
    if (!l) continue;
    for (const LedgerYear& y : l->years) {
      for (const LedgerFigures& f : y.channels) {
        out.emplace(person, y.year, f.channel, format(f.figures.accumulated), format(f.figures.paid), f.figures.grants);
      }
    }
  }
  return out;
}

std::set<FigureRow> expected_figures(const std::string& name, std::set<std::string>& persons) {
  std::set<FigureRow> out;
  dom::parser p;
  for (const std::string& line : lines_of(slurp(kept_dir + name + ".figures.jsonl"))) {
    dom::element e = p.parse(line);
    persons.insert(std::string(e["person_id"].get_string().value()));
    out.emplace(std::string(e["person_id"].get_string().value()), e["year"].get_int64().value(),
                std::string(e["channel"].get_string().value()), std::string(e["accumulated"].get_string().value()),
                std::string(e["paid"].get_string().value()), e["grants"].get_int64().value());
  }
  return out;
}

TEST_P(KeptStore, WorkedExamplesEveryStepAndTheFinalFigures) {
  for (const std::string name : {"hunan", "zhenba"}) {
    LedgerStore store = fresh();
    replay_example(store, name);
    std::set<std::string> persons;
    const std::set<FigureRow> want = expected_figures(name, persons);
    EXPECT_EQ(figures_of(store, persons), want) << name;
  }
}


/// The records of `stays` that one batch settles, so that splitting them
/// between runs meets §11's condition (no rejection that cascades).
std::vector<Record> settled_records(const Plan& plan, const std::vector<Record>& stays) {
  const std::vector<Outcome> outcomes = settle_batch(plan, stays);
  std::vector<Record> out;
  for (std::size_t i = 0; i < stays.size(); ++i) {
    if (outcomes[i].settled()) out.push_back(stays[i]);
  }
  return out;
}

/// A scheme's golden stays and 150 generated persons (about 300 stays, referrals and priors among them).
std::vector<Record> population(const Plan& plan, const std::string& name) {
  std::vector<Record> all = read_records(std::string(MEDSETTLE_SOURCE_DIR) + "/tests/golden/" + name + ".stays.jsonl");
  std::string text;
  gen::generate(text, {150, 11, 2019, false});
  for (Record& r : read_text(text)) all.push_back(std::move(r));
  return settled_records(plan, all);
}

bool before(const Record& a, const Record& b) {
  return std::forward_as_tuple(a.stay.discharged, a.stay.admitted, a.stay.stay_id) <
         std::forward_as_tuple(b.stay.discharged, b.stay.admitted, b.stay.stay_id);
}

/// Each person's stays in processing order: the first `share` of them to A,
/// the rest to B (in reverse input order: B's order does not matter).
std::pair<std::vector<Record>, std::vector<Record>> split(const std::vector<Record>& records, double share = 0.5) {
  std::map<std::string, std::vector<const Record*>> persons;
  for (const Record& r : records) persons[r.stay.person_id].push_back(&r);
  std::set<std::string> in_a;
  for (auto& [p, stays] : persons) {
    std::sort(stays.begin(), stays.end(), [](const Record* x, const Record* y) { return before(*x, *y); });
    const auto n = static_cast<std::size_t>(static_cast<double>(stays.size()) * share);
    for (std::size_t i = 0; i < n; ++i) in_a.insert(stays[i]->stay.stay_id);
  }
  std::vector<Record> a, b;
  for (const Record& r : records) (in_a.contains(r.stay.stay_id) ? a : b).push_back(r);
  std::reverse(b.begin(), b.end());
  return {a, b};
}

TEST_P(KeptStore, FileAThenFileBEqualsOneBatchForEveryScheme) {
  for (const std::string name : {"hunan", "zhuzhou", "funing", "zhenba", "xuchang", "linxian"}) {
    SCOPED_TRACE(name);
    const Plan plan = scheme(name);
    const std::vector<Record> all = population(plan, name);
    const auto [a, b] = split(all);
    ASSERT_GT(a.size(), 50u);
    ASSERT_GT(b.size(), 50u);
    LedgerStore two_runs = fresh();
    std::map<std::string, std::string> got = by_stay(two_runs.settle(plan, a).outcomes);
    for (auto& [id, json] : by_stay(two_runs.settle(plan, b).outcomes)) got[id] = json;
    EXPECT_EQ(got, by_stay(settle_batch(plan, all)));
    // And the kept ledgers are those of settling everything in one run.
    LedgerStore one_run = fresh();
    (void)one_run.settle(plan, all);
    EXPECT_EQ(lines_of(export_of(two_runs, false)).size(), lines_of(export_of(one_run, false)).size());
    std::string l1, l2;
    for (const std::string& person : [&] {
           std::set<std::string> ps;
           for (const Record& r : all) ps.insert(r.stay.person_id);
           return ps;
         }()) {
      write_ledger_json(l1, *two_runs.ledger(person));
      write_ledger_json(l2, *one_run.ledger(person));
    }
    EXPECT_EQ(l1, l2);
  }
}

TEST_P(KeptStore, TheSameFileTwiceSettlesNothingTheSecondTimeAndChangesNothing) {
  const Plan plan = scheme("hunan");
  const std::vector<Record> all = population(plan, "hunan");
  LedgerStore store = fresh();
  const StoreRun first = store.settle(plan, all);
  EXPECT_EQ(std::count_if(first.outcomes.begin(), first.outcomes.end(), [](const Outcome& o) { return o.settled(); }),
            static_cast<std::ptrdiff_t>(all.size()));
  const std::string before_second = export_of(store);
  const StoreRun second = store.settle(plan, all);
  for (const Outcome& o : second.outcomes) {
    ASSERT_FALSE(o.settled());
    EXPECT_EQ(o.rejection().code, ErrorCode::duplicate_stay_id);
  }
  EXPECT_EQ(export_of(store), before_second);
}

/// The stays, in processing order, of a person with at least `at_least` of them.
std::vector<const Record*> stays_of_busy_person(const std::vector<Record>& all, std::size_t at_least = 3) {
  std::map<std::string, std::vector<const Record*>> persons;
  for (const Record& r : all) persons[r.stay.person_id].push_back(&r);
  for (auto& [p, stays] : persons) {
    if (stays.size() >= at_least) {
      std::sort(stays.begin(), stays.end(), [](const Record* x, const Record* y) { return before(*x, *y); });
      return stays;
    }
  }
  return {};
}

TEST_P(KeptStore, ReversalOfTheLastRefusalOfAnEarlierCascadeAndACorrectedBill) {
  const Plan plan = scheme("hunan");
  const std::vector<Record> all = population(plan, "hunan");
  const std::vector<const Record*> mine = stays_of_busy_person(all);
  ASSERT_GE(mine.size(), 3u);
  LedgerStore store = fresh();
  (void)store.settle(plan, all);
  const std::string person = mine[0]->stay.person_id, first = mine[0]->stay.stay_id, last = mine.back()->stay.stay_id;
  const std::string everything = export_of(store);

  // An earlier stay: not_last, naming the later ones; nothing changes.
  const StoreReversal refused = store.reverse(first);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.refused->code, ErrorCode::not_last);
  EXPECT_NE(refused.refused->message.find(last), std::string::npos);
  EXPECT_EQ(export_of(store), everything);

  // The last stay: the ledger is as if it had never been settled.
  const LedgerSnapshot with_last = *store.ledger(person);
  const StoreReversal one = store.reverse(last, false, "fee corrected");
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one.records.size(), 1u);
  EXPECT_EQ(one.records[0].reason, "fee corrected");
  std::vector<Record> without_last;
  for (const Record& r : all) {
    if (r.stay.stay_id != last) without_last.push_back(r);
  }
  LedgerStore never = fresh();
  (void)never.settle(plan, without_last);
  EXPECT_EQ(store.ledger(person), never.ledger(person));

  // Cascade from the first: every stay of the person, latest first.
  const StoreReversal all_of_them = store.reverse(first, true);
  ASSERT_TRUE(all_of_them.ok());
  ASSERT_EQ(all_of_them.records.size(), mine.size() - 1);
  EXPECT_EQ(all_of_them.records.back().stay_id, first);
  EXPECT_TRUE(store.ledger(person)->stays.empty());
  EXPECT_TRUE(store.ledger(person)->years.empty());

  // A corrected first bill (total 1,000.00 more, in scope), then the others again:
  // exactly a batch that never had the first bill.
  std::vector<Record> again;
  for (const Record* r : mine) again.push_back(*r);
  Buckets b = split(again[0].stay, plan.class_b_selfpay(), plan.rounding());
  b.total = b.total + Fen(100'000);
  b.in_scope = b.in_scope + Fen(100'000);
  again[0].stay.buckets = b;
  again[0].stay.fees.clear();
  again[0].checked = false;
  const std::map<std::string, std::string> got = by_stay(store.settle(plan, again).outcomes);
  std::vector<Record> corrected = without_last;
  corrected.push_back(*mine.back());
  for (Record& r : corrected) {
    if (r.stay.stay_id == first) r = again[0];
  }
  const std::map<std::string, std::string> batch = by_stay(settle_batch(plan, corrected));
  for (const auto& [id, json] : got) EXPECT_EQ(json, batch.at(id)) << id;
  EXPECT_EQ(got.size(), mine.size());
}

TEST_P(KeptStore, APreSettlementChangesNothingAndEqualsTheFinalSettlement) {
  const Plan plan = scheme("zhenba");
  const auto [a, b] = split(population(plan, "zhenba"));
  LedgerStore store = fresh();
  (void)store.settle(plan, a);
  const std::string kept = export_of(store);
  StoreSettleOptions dry;
  dry.dry_run = true;
  const StoreRun pre = store.settle(plan, b, dry);
  EXPECT_FALSE(pre.committed);
  EXPECT_EQ(export_of(store), kept);
  const StoreRun final_run = store.settle(plan, b);
  EXPECT_TRUE(final_run.committed);
  EXPECT_EQ(by_stay(pre.outcomes), by_stay(final_run.outcomes));
}

TEST_P(KeptStore, ExportImportExportIsTheIdentityAndLaterRunsDoNotChange) {
  const Plan plan = scheme("hunan");
  const auto [a, b] = split(population(plan, "hunan"), 0.7);
  LedgerStore store = fresh();
  (void)store.settle(plan, a);
  const std::vector<const Record*> mine = stays_of_busy_person(a, 1);
  ASSERT_FALSE(mine.empty());
  ASSERT_TRUE(store.reverse(mine.back()->stay.stay_id, false, "wrong identity").ok());
  const std::string exported = export_of(store);
  LedgerStore copy = fresh();
  std::istringstream in(exported);
  EXPECT_EQ(copy.import_jsonl(in), lines_of(exported).size());
  EXPECT_EQ(export_of(copy), exported);
  // A store that is not empty refuses an import.
  std::istringstream again(exported);
  EXPECT_THROW((void)copy.import_jsonl(again), UsageError);
  EXPECT_EQ(by_stay(copy.settle(plan, b).outcomes), by_stay(store.settle(plan, b).outcomes));
  EXPECT_EQ(export_of(copy, false), export_of(store, false));
}

TEST_P(KeptStore, ALedgerBelongsToOneRuleSet) {
  LedgerStore store = fresh();
  EXPECT_EQ(store.rules(), "");
  (void)store.settle(scheme("hunan"), read_records(kept_dir + "hunan.step1.stays.jsonl"));
  EXPECT_EQ(store.rules(), "hunan");
  const std::string before_refusal = export_of(store);
  EXPECT_THROW((void)store.settle(scheme("zhenba"), read_records(kept_dir + "zhenba.step1.stays.jsonl")), UsageError);
  EXPECT_EQ(export_of(store), before_refusal);
}

/// The message of the StoreError that `f` throws ("" if none).
template <class F>
std::string store_error(F f) {
  try {
    f();
  } catch (const StoreError& e) {
    return e.what();
  }
  return "";
}

void sqlite_exec(sqlite3* db, const char* sql) { ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sql; }

TEST(StoreErrors, ASqliteSchemaFromANewerReleaseIsRefused) {
  const std::string path = fresh_location("sqlite");
  { LedgerStore created = LedgerStore::open(path); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite_exec(db, "UPDATE medsettle_meta SET value = '2' WHERE key = 'schema'");
  sqlite3_close(db);
  EXPECT_THAT(store_error([&] { (void)LedgerStore::open(path); }),
              ::testing::HasSubstr("schema version 2, written by a newer release of medsettle (this one knows up to 1)"));
}

TEST(StoreErrors, ALockedSqliteFileIsAClearErrorAfterTheTimeout) {
  const std::string path = fresh_location("sqlite");
  LedgerStore store = LedgerStore::open(path, StoreOptions{std::chrono::milliseconds(300)});
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  sqlite_exec(other, "BEGIN IMMEDIATE");  // another process's run, still going
  EXPECT_THAT(store_error([&] { (void)store.settle(scheme("hunan"), read_records(kept_dir + "hunan.step1.stays.jsonl")); }),
              ::testing::HasSubstr("the ledger file is locked by another process (waited 0 s)"));
  sqlite_exec(other, "ROLLBACK");
  sqlite3_close(other);
  EXPECT_TRUE(store.settle(scheme("hunan"), read_records(kept_dir + "hunan.step1.stays.jsonl")).committed);
}

TEST(StoreErrors, AFileThatIsNotALedgerAndAnUnreachableDatabase) {
  const std::string path = fresh_location("sqlite");
  { std::ofstream(path) << std::string(4096, 'x'); }
  EXPECT_THAT(store_error([&] { (void)LedgerStore::open(path); }), ::testing::HasSubstr("not a kept ledger"));
  EXPECT_THAT(store_error([&] { (void)LedgerStore::open("/nonexistent/folder/ledger.db"); }),
              ::testing::HasSubstr("cannot open the ledger file"));
  EXPECT_THAT(store_error([&] { (void)LedgerStore::open("postgresql:///x?host=/nonexistent&password=secret"); }),
              ::testing::AllOf(::testing::HasSubstr("cannot reach the ledger database"),
                               ::testing::HasSubstr("password=***"), ::testing::Not(::testing::HasSubstr("secret"))));
}

TEST(PostgresErrors, ASchemaFromANewerReleaseIsRefused) {
  const std::string uri = fresh_location("postgresql");
  { LedgerStore created = LedgerStore::open(uri); }
  PGconn* c = PQconnectdb(uri.c_str());
  PQclear(PQexec(c, "UPDATE medsettle_meta SET value = '3' WHERE key = 'schema'"));
  PQfinish(c);
  EXPECT_THAT(store_error([&] { (void)LedgerStore::open(uri); }), ::testing::HasSubstr("schema version 3"));
}

TEST(PostgresErrors, ARunWaitingTooLongForAPersonIsAClearError) {
  const std::string uri = fresh_location("postgresql");
  LedgerStore store = LedgerStore::open(uri, StoreOptions{std::chrono::milliseconds(300)});
  (void)store.settle(scheme("hunan"), read_records(kept_dir + "hunan.step1.stays.jsonl"));
  PGconn* other = PQconnectdb(uri.c_str());
  PQclear(PQexec(other, "BEGIN"));
  PQclear(PQexec(other, "SELECT * FROM medsettle_ledgers WHERE person_id = 'P1' FOR UPDATE"));  // a run of P1, still going
  EXPECT_THAT(store_error([&] { (void)store.settle(scheme("hunan"), read_records(kept_dir + "hunan.step2.stays.jsonl")); }),
              ::testing::HasSubstr("locked by another run"));
  PQclear(PQexec(other, "ROLLBACK"));
  PQfinish(other);
  EXPECT_TRUE(store.settle(scheme("hunan"), read_records(kept_dir + "hunan.step2.stays.jsonl")).committed);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, KeptStore, ::testing::Values("sqlite"));
INSTANTIATE_TEST_SUITE_P(Postgres, KeptStore, ::testing::Values("postgresql"));

}  // namespace
