// A batch's settlements keep their channel and band lists in the batch's
// arena (src/core/result_arena.hpp): they must behave as plain values
// whatever is done with them after the batch: kept after everything else of
// the batch has gone, copied, moved, assigned across batches, grown from
// other threads. ASan and TSan (.ci/run) watch these tests.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "medsettle/engine.hpp"

using namespace medsettle;

namespace {

// The bundled plan, hunan 2018: a resident's stay of 10,000.00 in scope at a
// county hospital. What each channel pays is not the point here; the lists
// are compared with a settle() of the same stay on its own ledger, whose
// lists are on the heap.
Record stay(const std::string& id, const std::string& person, int day) {
  Record r;
  r.line = static_cast<std::uint64_t>(day);
  Stay& s = r.stay;
  s.stay_id = id;
  s.person_id = person;
  s.age = 40;
  s.hospital_level = HospitalLevel::county;
  s.region = Region::in_county;
  s.admitted = Date::from_ymd(2018, 3, static_cast<unsigned>(day));
  s.discharged = Date::from_ymd(2018, 3, static_cast<unsigned>(day) + 1);
  s.diagnoses = {"J18.9"};
  // total 1,200,000 fen = full_selfpay 50,000 + over_limit 50,000 + pre_selfpay 100,000 + in_scope 1,000,000
  s.buckets = Buckets{Fen(1'200'000), Fen(50'000), Fen(50'000), Fen(100'000), Fen(1'000'000)};
  return r;
}

std::vector<Record> persons(int n, const std::string& prefix) {
  std::vector<Record> records;
  for (int i = 0; i < n; ++i) records.push_back(stay(prefix + std::to_string(i), "P" + std::to_string(i), 1 + i % 20));
  return records;
}

/// The same stay settled alone (its person's first stay): lists on the heap.
Settlement alone(const Record& r) {
  Ledger ledger(Plan::builtin());
  Outcome o = settle(Plan::builtin(), r.stay, ledger);
  EXPECT_TRUE(o.settled());
  return o.settlement();
}

void expect_same_lists(const Settlement& a, const Settlement& b) {
  ASSERT_EQ(a.channels.size(), b.channels.size());
  ASSERT_FALSE(a.channels.empty());
  for (std::size_t i = 0; i < a.channels.size(); ++i) {
    EXPECT_EQ(a.channels[i].paid, b.channels[i].paid) << "channel " << i;
    EXPECT_EQ(a.channels[i].deductible, b.channels[i].deductible) << "channel " << i;
    EXPECT_EQ(a.channels[i].band_count, b.channels[i].band_count) << "channel " << i;
  }
  ASSERT_EQ(a.bands.size(), b.bands.size());
  for (std::size_t i = 0; i < a.bands.size(); ++i) EXPECT_EQ(a.bands[i].amount, b.bands[i].amount) << "band " << i;
}

}  // namespace

TEST(BatchResults, ASettlementOutlivesItsBatchAndEveryOtherResult) {
  const std::vector<Record> records = persons(2000, "S");
  Settlement kept;
  {
    BatchOptions o;
    o.threads = 2;
    std::vector<Outcome> out = settle_batch(Plan::builtin(), records, o);
    ASSERT_TRUE(out[1234].settled());
    kept = std::move(out[1234].settlement());  // the rest of the batch goes here
  }
  expect_same_lists(kept, alone(records[1234]));
}

TEST(BatchResults, CopiesMovesAndAssignmentsAcrossBatchesAreValues) {
  const std::vector<Record> a = persons(300, "A"), b = persons(300, "B");
  std::vector<Outcome> from_a = settle_batch(Plan::builtin(), a);
  std::vector<Settlement> mixed;
  {
    std::vector<Outcome> from_b = settle_batch(Plan::builtin(), b);
    // A settlement of batch b assigned over one of batch a, a copy, a move.
    from_a[7].settlement() = from_b[8].settlement();
    mixed.push_back(from_b[9].settlement());
    mixed.push_back(std::move(from_b[10].settlement()));
    Settlement swapped = from_b[11].settlement();
    std::swap(swapped, from_a[12].settlement());
    mixed.push_back(std::move(swapped));  // holds batch a's lists now
  }  // batch b's results are gone
  EXPECT_EQ(from_a[7].settlement().channels.get_allocator().arena,
            from_a[0].settlement().channels.get_allocator().arena)
      << "a list copied by assignment keeps its own memory (batch a's arena), not batch b's";
  expect_same_lists(from_a[7].settlement(), alone(b[8]));
  expect_same_lists(mixed[0], alone(b[9]));
  expect_same_lists(mixed[1], alone(b[10]));
  expect_same_lists(from_a[12].settlement(), alone(b[11]));
  expect_same_lists(mixed[2], alone(a[12]));
  from_a.clear();  // batch a's arena goes; what was taken from it stays
  expect_same_lists(mixed[2], alone(a[12]));
}

TEST(BatchResults, ListsOfOneBatchGrowFromManyThreadsAtOnce) {
  const std::vector<Record> records = persons(400, "G");
  BatchOptions two;
  two.threads = 2;  // two arenas, each grown from several threads
  std::vector<Outcome> out = settle_batch(Plan::builtin(), records, two);
  // Each thread appends to its own settlements; they all share the batch's arena.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&out, t] {
      for (std::size_t i = static_cast<std::size_t>(t); i < out.size(); i += 4) {
        Settlement& s = out[i].settlement();
        for (int k = 0; k < 50; ++k) s.bands.push_back(BandShare{Fen(k), Rate{}});
      }
    });
  }
  for (auto& th : threads) th.join();
  for (std::size_t i = 0; i < out.size(); ++i) {
    const Settlement& s = out[i].settlement();
    const Settlement ref = alone(records[i]);
    ASSERT_EQ(s.bands.size(), ref.bands.size() + 50) << i;
    for (std::size_t k = 0; k < ref.bands.size(); ++k) EXPECT_EQ(s.bands[k].amount, ref.bands[k].amount);
    EXPECT_EQ(s.bands.back().amount, Fen(49));
  }
}

TEST(BatchResults, SettleAloneUsesTheHeapAndACopyOfABatchResultToo) {
  const std::vector<Record> records = persons(3, "H");
  std::vector<Outcome> out = settle_batch(Plan::builtin(), records);
  EXPECT_TRUE(out[0].settlement().channels.get_allocator().arena) << "a batch's lists are in its arena";
  const Settlement copy = out[0].settlement();
  EXPECT_FALSE(copy.channels.get_allocator().arena) << "a copy is on the heap";
  EXPECT_FALSE(alone(records[0]).channels.get_allocator().arena);
}
