// The ledger's overflow guard and the money checks on stays built by library
// callers: yearly figures are bounded at 10^16 yuan per channel; a stay that
// would take them past the bound is rejected (bad_amount) rather than
// computed in wrapped-around arithmetic, and the ledger is left untouched.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "medsettle/engine.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/writer.hpp"

using namespace medsettle;

namespace {

// A yearly coinsurance channel without deductible or cap, and a yearly cap
// channel: both accumulate every stay's base in the person's year.
const std::string kRules = R"(medsettle: 1
id: big
class_b_selfpay: 0.10
versions:
  - from: 2019-01-01
    channels:
      - {id: year, name: Y, kind: coinsurance, fund_pay_type: "390100", reports_as: hifp_pay,
         base: [in_scope], period: year, rate: 0.5}
      - {id: keep, name: K, kind: cap, fund_pay_type: "640100", reports_as: oth_pay,
         base: [in_scope], period: year, limit: 1000000000000}
)";

const Fen kBig = max_amount;  // 10^12 yuan

Record big_stay(int k, const std::string& person = "P1") {
  Record r;
  r.line = static_cast<std::uint64_t>(k);
  Stay& s = r.stay;
  char id[16];
  std::snprintf(id, sizeof id, "S%06d", k);
  s.stay_id = id;
  s.person_id = person;
  s.age = 50;
  s.admitted = s.discharged = Date::from_ymd(2019, 6, 1);
  s.diagnoses = {"C15.9"};
  s.buckets = Buckets{kBig, Fen(0), Fen(0), Fen(0), kBig};
  return r;
}

Stay small_stay() {
  Stay s;
  s.stay_id = "S1";
  s.person_id = "P1";
  s.age = 30;
  s.admitted = s.discharged = Date::from_ymd(2019, 6, 1);
  s.diagnoses = {"J18.9"};
  s.fees = {FeeLine{FeeCategory::A, Fen(100'000), Fen(0), std::nullopt, {}, {}}};
  return s;
}

}  // namespace

TEST(HostileLedger, TenThousandStaysOfTheLargestTotalFitAndTheNextIsRejected) {
  const Plan plan = Plan::load_string(kRules, "big.yaml");
  std::vector<Record> records;
  for (int k = 1; k <= 10'003; ++k) records.push_back(big_stay(k));
  records.push_back(big_stay(1, "P2"));  // another person is not affected
  records.back().stay.stay_id = "T1";
  auto out = settle_batch(plan, std::move(records));
  ASSERT_EQ(out.size(), 10'004u);
  // Stays 1..10,000 settle exactly: the yearly figures reach 10^16 yuan.
  for (int k = 0; k < 10'000; ++k) {
    ASSERT_TRUE(out[static_cast<std::size_t>(k)].settled()) << k + 1 << ": " << out[static_cast<std::size_t>(k)].rejection().message;
    const Settlement& s = out[static_cast<std::size_t>(k)].settlement();
    ASSERT_EQ(s.channels[0].paid, Fen(50'000'000'000'000)) << k + 1;
    ASSERT_EQ(s.paid_total() + s.psn_part_amt, kBig);
  }
  // The 10,001st would pass the bound: rejected with a clear error...
  const Outcome& over = out[10'000];
  ASSERT_FALSE(over.settled());
  EXPECT_EQ(over.rejection().code, ErrorCode::bad_amount);
  EXPECT_EQ(over.rejection().field, "");
  EXPECT_EQ(over.rejection().line, 10'001u);
  EXPECT_EQ(over.rejection().stay_id, "S010001");
  EXPECT_EQ(over.rejection().message,
            "the person's yearly figures exceed the supported range: channel year in 2019 has accumulated "
            "10000000000000000.00 and paid 5000000000000000.00; with this stay's total 1000000000000.00 they "
            "would pass 10^16 yuan");
  // ...and the later stays of the person-year cascade.
  for (std::size_t k = 10'001; k < 10'003; ++k) {
    ASSERT_FALSE(out[k].settled());
    EXPECT_EQ(out[k].rejection().code, ErrorCode::earlier_rejected);
    EXPECT_EQ(out[k].rejection().message, "earlier stay S010001 of person P1 in 2019 was rejected");
  }
  EXPECT_TRUE(out[10'003].settled());
}

TEST(HostileLedger, FiguresNearInt64AreRejectedAndTheLedgerIsUntouched) {
  const Plan plan = Plan::load_string(kRules, "big.yaml");
  // A ledger read back from data that already holds absurd figures.
  LedgerSnapshot snap;
  snap.person_id = "P1";
  snap.rules = "big";
  snap.years = {LedgerYear{2019, true, {LedgerFigures{"year", ChannelLedger{Fen(INT64_MAX - 10), Fen(0), 0}}}}};
  Ledger ledger = Ledger::restore(plan, snap);
  const ChannelLedger before = ledger.get(2019, 0);
  Outcome o = settle(plan, small_stay(), ledger, {}, 7);
  ASSERT_FALSE(o.settled());
  EXPECT_EQ(o.rejection().code, ErrorCode::bad_amount);
  EXPECT_EQ(o.rejection().line, 7u);
  EXPECT_NE(o.rejection().message.find("the person's yearly figures exceed the supported range"), std::string::npos);
  EXPECT_EQ(ledger.get(2019, 0), before);
  EXPECT_EQ(ledger.snapshot(), snap);
  EXPECT_FALSE(ledger.deductibles_of("S1"));
  // Negative figures cannot be read back at all.
  snap.years[0].channels[0].figures = ChannelLedger{Fen(0), Fen(-1), 0};
  EXPECT_THROW((void)Ledger::restore(plan, snap), Error);
}

TEST(HostileLedger, StaysBuiltByACallerAreHeldToTheReadersRules) {
  // A caller's stay gets exactly the rejection (code, field, message) that
  // the same stay read from JSON gets: amounts within [0, 10^12 yuan], a
  // stay's total within 10^12 yuan, over_limit within its line, ratios in
  // [0, 1], buckets that add up, prior figures in range.
  const Plan& plan = Plan::builtin();
  auto code = [&](const Stay& s) {
    Ledger ledger(plan);
    Outcome o = settle(plan, s, ledger);
    if (o.settled()) return std::string("settled");
    return std::string(name(o.rejection().code)) + " " + o.rejection().field + ": " + o.rejection().message;
  };
  Stay s = small_stay();
  EXPECT_EQ(code(s), "settled");
  s.fees[0].amount = max_amount;  // 10^12 yuan: the largest amount there is
  EXPECT_EQ(code(s), "settled");
  s.fees[0].amount = max_amount + Fen(1);
  EXPECT_EQ(code(s), "bad_amount fees[0].amount: fees[0].amount: amount above 10^12 yuan");
  s.fees[0].amount = Fen(-100);
  EXPECT_EQ(code(s), "bad_amount fees[0].amount: fees[0].amount: negative amount: '-1.00'");
  s = small_stay();
  s.fees[0].amount = Fen(INT64_MAX);
  EXPECT_EQ(code(s), "bad_amount fees[0].amount: fees[0].amount: amount above 10^12 yuan");
  s = small_stay();
  s.fees.push_back(s.fees[0]);
  s.fees[0].amount = s.fees[1].amount = Fen(60'000'000'000'000);  // 6 × 10^11 yuan each, 1.2 × 10^12 in all
  EXPECT_EQ(code(s), "bad_amount fees: fees: the stay's total is above 10^12 yuan");
  s = small_stay();
  s.fees[0].over_limit = Fen(100'001);
  EXPECT_EQ(code(s), "bad_amount fees[0].over_limit: fees[0].over_limit: more than the line's amount");
  s = small_stay();
  s.fees[0].category = FeeCategory::B;
  s.fees[0].selfpay_ratio = Rate(10'001);
  EXPECT_EQ(code(s),
            "bad_rate fees[0].selfpay_ratio: fees[0].selfpay_ratio: expected a rate in [0, 1] with at most 4 "
            "decimals, got '1.0001'");
  s = small_stay();
  s.fees.clear();
  s.buckets = Buckets{Fen(100), Fen(50), Fen(0), Fen(0), Fen(49)};
  EXPECT_EQ(code(s), "buckets_mismatch buckets: buckets.total 1.00 is not the sum of the other four (0.99)");
  s.buckets = Buckets{Fen(0), Fen(-5), Fen(0), Fen(0), Fen(5)};
  EXPECT_EQ(code(s), "bad_amount buckets.full_selfpay: buckets.full_selfpay: negative amount: '-0.05'");
  s.buckets = Buckets{Fen(INT64_MAX), Fen(INT64_MAX), Fen(0), Fen(0), Fen(1)};
  EXPECT_EQ(code(s), "bad_amount buckets.total: buckets.total: amount above 10^12 yuan");
  s = small_stay();
  s.prior = std::vector<PriorEntry>{PriorEntry{"basic", Fen(0), Fen(0), INT64_MAX}};
  EXPECT_EQ(code(s), "bad_value prior.basic.grants: prior.basic.grants: 9223372036854775807 is out of range");
  s.prior = std::vector<PriorEntry>{PriorEntry{"basic", Fen(-1), Fen(0), 0}};
  EXPECT_EQ(code(s), "bad_amount prior.basic.accumulated: prior.basic.accumulated: negative amount: '-0.01'");
}

TEST(HostileLedger, AYearReadBackWithoutFiguresOrAPlanTakesAStay) {
  // A started year with no figures, restored without a plan, held no slot
  // for a channel, and settling into it wrote past its end (found by review;
  // AddressSanitizer's heap-buffer-overflow). Now it settles exactly as the
  // same snapshot restored under the plan.
  const Plan& plan = Plan::builtin();
  LedgerSnapshot snap;
  snap.person_id = "P1";
  snap.rules = std::string(plan.id());
  snap.years = {LedgerYear{2019, true, {}}};
  Ledger bare = Ledger::restore(snap), planned = Ledger::restore(plan, snap);
  Outcome a = settle(plan, small_stay(), bare), b = settle(plan, small_stay(), planned);
  ASSERT_TRUE(a.settled()) << a.rejection().message;
  ASSERT_TRUE(b.settled());
  std::string ja, jb;
  write_json(ja, a.settlement());
  write_json(jb, b.settlement());
  EXPECT_EQ(ja, jb);
  EXPECT_EQ(bare.snapshot(), planned.snapshot());
}
