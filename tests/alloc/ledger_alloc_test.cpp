// Out of memory at every allocation of a settlement, one after the other:
// each time settle() throws std::bad_alloc and the ledger is exactly as it
// was (the strong guarantee), until the settlement needs no more and
// succeeds. A program of its own: it replaces the global operator new.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <string>
#include <thread>

#include "medsettle/settle.hpp"
#include "medsettle/writer.hpp"

namespace {
// Allocations left before one fails; -1: none fails.
thread_local long allocations_left = -1;
}  // namespace

void* operator new(std::size_t n) {
  if (allocations_left == 0) {
    allocations_left = -1;
    throw std::bad_alloc();
  }
  if (allocations_left > 0) --allocations_left;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

using namespace medsettle;

namespace {

Stay stay(const std::string& id, int month) {
  Stay s;
  s.stay_id = id;
  s.person_id = "P1";
  s.age = 60;
  s.identities = bit(Identity::registered_poor);
  s.admitted = s.discharged = Date::from_ymd(2019, static_cast<unsigned>(month), 1);
  s.diagnoses = {"C16.9"};
  s.fees = {FeeLine{FeeCategory::A, Fen(3'000'000), Fen(0), std::nullopt, {}, {}},
            FeeLine{FeeCategory::B, Fen(500'000), Fen(0), std::nullopt, {}, {}}};
  return s;
}

/// Settles `next` on `ledger` with an allocation failing after `k`, on a
/// thread of its own when `fresh_thread` (a thread with no spare settlement,
/// src/core/outcome.cpp: then the settlement's own allocations fail too).
/// Returns whether it threw std::bad_alloc; else the outcome was settled.
bool settle_failing_at(long k, const Plan& plan, const Stay& next, Ledger& ledger, bool fresh_thread) {
  bool threw = false, settled = false;
  auto attempt = [&] {
    allocations_left = k;
    try {
      const Outcome o = settle(plan, next, ledger);
      allocations_left = -1;
      settled = o.settled();
    } catch (const std::bad_alloc&) {
      allocations_left = -1;
      threw = true;
    }
  };
  if (fresh_thread) {
    std::thread(attempt).join();
  } else {
    attempt();
  }
  EXPECT_TRUE(threw || settled);
  return threw;
}

/// Fails each allocation of one settlement in turn; returns how many failed.
long fail_every_allocation(bool fresh_thread) {
  const Plan& plan = Plan::builtin();
  Ledger ledger(plan);
  // Past the 16 stays from which the ledger indexes its stays, so that the
  // index's allocations are tried too.
  for (int k = 0; k < 16; ++k) EXPECT_TRUE(settle(plan, stay("S" + std::to_string(k), 1), ledger).settled());
  const Stay next = stay("S16", 2);
  Ledger reference = ledger;
  const Outcome expected = settle(plan, next, reference);
  EXPECT_TRUE(expected.settled());
  const LedgerSnapshot before = ledger.snapshot();
  long failed = 0;
  for (long k = 0; settle_failing_at(k, plan, next, ledger, fresh_thread); ++k) {
    ++failed;
    EXPECT_EQ(ledger.snapshot(), before) << "after allocation " << k << " failed";
  }
  EXPECT_EQ(ledger.snapshot(), reference.snapshot());
  return failed;
}

}  // namespace

TEST(OutOfMemory, AtEveryAllocationTheLedgerIsUnchanged) {
  // The settlement and its lists, then the ledger's new entries (5 in all
  // when this was written).
  EXPECT_GT(fail_every_allocation(true), 3);
}

TEST(OutOfMemory, WithASpareSettlementTheLedgerIsUnchangedToo) {
  // The thread's spare settlement and its lists are reused: only the
  // ledger's allocations are left to fail (3 when this was written).
  EXPECT_GT(fail_every_allocation(false), 1);
}
