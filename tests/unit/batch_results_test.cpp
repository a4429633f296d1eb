// A batch's settlements keep their channel and band lists in the batch's
// arena (src/core/result_arena.hpp): they must behave as plain values
// whatever is done with them after the batch: kept after everything else of
// the batch has gone, copied, moved, assigned across batches, grown from
// other threads. ASan and TSan (.ci/run) watch these tests.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "medsettle/engine.hpp"
#include "medsettle/writer.hpp"

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

// An Outcome is a handle: a batch's settlements and rejections are made in
// the settling thread's arena, and the batch's vector holds four words a
// stay (the vector is what a caller's allocator hands back to the kernel
// after each batch; bench/README.md, "Outcomes in the arena").
TEST(BatchResults, AnOutcomeIsAHandleOfFourWords) { EXPECT_LE(sizeof(Outcome), 4 * sizeof(void*)); }

TEST(BatchResults, OutcomesOutliveTheirBatchMovedOrCopied) {
  std::vector<Record> records = persons(1000, "O");
  records[500].stay.age = 200;  // rejected in the batch: bad_value at age (SEMANTICS.md §2)
  Outcome moved, copied, rejected;
  {
    BatchOptions o;
    o.threads = 2;
    std::vector<Outcome> out = settle_batch(Plan::builtin(), records, o);
    moved = std::move(out[321]);
    copied = out[654];
    rejected = std::move(out[500]);
    EXPECT_TRUE(out[321].empty()) << "a moved-from outcome is empty";
    EXPECT_FALSE(out[321].settled());
    EXPECT_THROW((void)out[321].settlement(), std::bad_variant_access);
    EXPECT_THROW((void)out[321].rejection(), std::bad_variant_access);
  }  // every other result of the batch is gone, and both threads' arenas but for what is kept
  ASSERT_TRUE(moved.settled());
  ASSERT_TRUE(copied.settled());
  expect_same_lists(moved.settlement(), alone(records[321]));
  expect_same_lists(copied.settlement(), alone(records[654]));
  EXPECT_EQ(moved.settlement().stay_id, "O321");
  EXPECT_EQ(copied.settlement().stay_id, "O654");
  EXPECT_FALSE(copied.settlement().channels.get_allocator().arena) << "a copy is on the heap";
  ASSERT_FALSE(rejected.settled());
  ASSERT_FALSE(rejected.empty());
  EXPECT_EQ(rejected.rejection().code, ErrorCode::bad_value);
  EXPECT_EQ(rejected.rejection().field, "age");
  EXPECT_EQ(rejected.rejection().stay_id, std::optional<std::string>("O500"));
  EXPECT_THROW((void)rejected.settlement(), std::bad_variant_access);
}

TEST(BatchResults, OutcomesAssignAndSwapAcrossBatchesAndTheHeap) {
  const std::vector<Record> a = persons(200, "A"), b = persons(200, "B");
  std::vector<Outcome> from_a = settle_batch(Plan::builtin(), a);
  Ledger ledger(Plan::builtin());
  Outcome alone_b = settle(Plan::builtin(), b[3].stay, ledger);  // on the heap
  {
    std::vector<Outcome> from_b = settle_batch(Plan::builtin(), b);
    from_a[1] = from_b[1];             // copy over a settlement of another batch
    from_a[2] = std::move(from_b[2]);  // move: batch b's arena is kept by this one
    from_a[3].swap(alone_b);           // batch a's outcome to the heap's place and back
    from_a[4] = Outcome(Rejection{std::string("X"), 9, ErrorCode::bad_value, "age", "age: made by hand", {}});
    from_a[5] = from_a[5];  // NOLINT: self-assignment keeps the outcome
  }
  expect_same_lists(from_a[1].settlement(), alone(b[1]));
  expect_same_lists(from_a[2].settlement(), alone(b[2]));
  expect_same_lists(from_a[3].settlement(), alone(b[3]));
  expect_same_lists(alone_b.settlement(), alone(a[3]));
  EXPECT_EQ(from_a[4].rejection().line, 9u);
  expect_same_lists(from_a[5].settlement(), alone(a[5]));
  from_a.clear();  // batch a's arena goes; the outcome swapped out of it stays
  expect_same_lists(alone_b.settlement(), alone(a[3]));
  // A default-made outcome is empty until assigned.
  Outcome later;
  EXPECT_TRUE(later.empty());
  later = alone_b;
  expect_same_lists(later.settlement(), alone(a[3]));
}

// settle() outside a batch keeps a dropped settlement, emptied, as a spare
// for the next settle() on the same thread, with its lists' memory
// (src/core/outcome.cpp; bench/README.md, "Spare settlements"). The next
// settlement must be exactly as a new one, whatever the last one held.
TEST(SpareSettlements, AReusedSettlementIsAsNew) {
  const Plan& plan = Plan::builtin();
  const Record a = stay("A1", "PA", 3);
  Record b = stay("B1", "PB", 5);
  // total 300,000 fen, all in scope: fewer fen in every field than A's stay.
  b.stay.buckets = Buckets{Fen(300'000), Fen(0), Fen(0), Fen(0), Fen(300'000)};
  std::string fresh;  // B settled on a thread that has no spare
  std::thread([&] {
    Ledger l(plan);
    write_json(fresh, settle(plan, b.stay, l).settlement());
  }).join();
  const Settlement* first_at = nullptr;
  {
    Ledger la(plan);
    SettleOptions traced;
    traced.trace = true;
    const Outcome first = settle(plan, a.stay, la, traced);
    ASSERT_TRUE(first.settled());
    ASSERT_TRUE(first.settlement().trace);
    first_at = &first.settlement();
  }  // dropped: kept as a spare
  Ledger lb(plan);
  const Outcome second = settle(plan, b.stay, lb);
  EXPECT_EQ(&second.settlement(), first_at) << "the spare is the one reused";
  EXPECT_FALSE(second.settlement().trace) << "nothing of the traced settlement is kept";
  std::string again;
  write_json(again, second.settlement());
  EXPECT_EQ(again, fresh);
}

TEST(SpareSettlements, ASettlementHoldingABatchsListIsFreedNotKept) {
  const Plan& plan = Plan::builtin();
  std::vector<Outcome> batch = settle_batch(plan, persons(2, "Q"));
  Ledger l(plan);
  Outcome o = settle(plan, stay("Z1", "PZ", 4).stay, l);
  // A move brings the arena's allocator along (propagate_on_container_move_assignment).
  o.settlement().channels = std::move(batch[0].settlement().channels);
  ASSERT_TRUE(o.settlement().channels.get_allocator().arena);
  o = Outcome();  // dropped: freed, as the list's memory belongs to the arena
  batch.clear();  // the arena goes; a spare pointing into it would be a use after free (ASan)
  Ledger l2(plan);
  const Outcome next = settle(plan, stay("Z2", "PY", 4).stay, l2);
  EXPECT_FALSE(next.settlement().channels.get_allocator().arena);
  expect_same_lists(next.settlement(), alone(stay("Z2", "PY", 4)));
}

TEST(SpareSettlements, SettlementsDroppedOnAnotherThreadGoWithIt) {
  const Plan& plan = Plan::builtin();
  std::vector<Outcome> kept;
  for (int i = 0; i < 10; ++i) {
    Ledger l(plan);
    kept.push_back(settle(plan, stay("T" + std::to_string(i), "PT" + std::to_string(i), 1 + i).stay, l));
  }
  // That thread keeps four as its spares and frees them when it ends
  // (LeakSanitizer, .ci/run); the six others are freed at once.
  std::thread([&] { kept.clear(); }).join();
  EXPECT_TRUE(kept.empty());
  Ledger l(plan);
  const Outcome after = settle(plan, stay("T0", "PT0", 1).stay, l);
  expect_same_lists(after.settlement(), alone(stay("T0", "PT0", 1)));
}
