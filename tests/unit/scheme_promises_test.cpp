// What each scheme promises its patients (POLICIES.md), checked on
// thousands of generated stays: the promise holds for every stay it covers.
#include <gtest/gtest.h>

#include <map>

#include <fmt/format.h>

#include "medsettle/generate.hpp"
#include "medsettle/engine.hpp"
#include "medsettle/reader.hpp"

using namespace medsettle;

namespace {

constexpr IdentitySet rural_poor = 0x0F;  // registered_poor, dibao, tekun, poor_disabled

Plan scheme(const std::string& id) { return Plan::load_file(std::string(MEDSETTLE_RULES_DIR) + "/" + id + ".yaml"); }

struct Settled {
  const Stay* stay;
  const Settlement* settlement;
};

/// A population settled under a scheme, kept alive with its outcomes.
struct Population {
  std::vector<Record> records;
  std::vector<Outcome> outcomes;
  std::vector<Settled> settled;
  Population(const Plan& plan, int year, std::uint64_t persons = 4000, std::uint64_t seed = 11) {
    std::string text;
    gen::Options o;
    o.persons = persons;
    o.seed = seed;
    o.year = year;
    gen::generate(text, o);
    records = read_jsonl(text);
    outcomes = settle_batch(plan, records);
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (outcomes[i].settled()) settled.push_back({&records[i].stay, &outcomes[i].settlement()});
    }
  }
};

/// What remains of a bucket after every channel took its share.
Fen remaining(const Settlement& s, Bucket b) {
  Fen left = s.buckets.of(b);
  for (const auto& c : s.channels) left -= c.taken[static_cast<std::size_t>(b)];
  return left;
}

Fen percent(Fen amount, std::int32_t ten_thousandths) { return multiply(amount, Rate(ten_thousandths), Rounding::half_up); }

}  // namespace

TEST(SchemePromise, FuningLowIncomeInCountyPaysAtMostTenPercent) {
  // 一控制: a low-income patient treated in the county never pays more than round(10% × total).
  Plan plan = scheme("funing");
  Population run(plan, 2019);
  std::size_t covered = 0;
  for (const auto& [stay, s] : run.settled) {
    if (!(stay->identities & rural_poor) || stay->region != Region::in_county) continue;
    ++covered;
    ASSERT_LE(s->psn_part_amt, percent(s->buckets.total, 1000)) << stay->stay_id;
  }
  EXPECT_GT(covered, 500u);
}

TEST(SchemePromise, XuchangPoorKeepAtMostTenPercent) {
  // 第四次报销: a poor patient never keeps more than round(10% × total).
  Plan plan = scheme("xuchang");
  Population run(plan, 2019);
  std::size_t covered = 0;
  for (const auto& [stay, s] : run.settled) {
    if (!(stay->identities & rural_poor)) continue;
    ++covered;
    ASSERT_LE(s->psn_part_amt, percent(s->buckets.total, 1000)) << stay->stay_id;
  }
  EXPECT_GT(covered, 500u);
}

TEST(SchemePromise, ZhenbaPoorRemainingInScopeAtMostTwentyPercent) {
  // 3+X: a poor patient's remaining in-scope amount never exceeds round(20% × in_scope).
  Plan plan = scheme("zhenba");
  Population run(plan, 2019);
  std::size_t covered = 0;
  for (const auto& [stay, s] : run.settled) {
    if (!(stay->identities & rural_poor)) continue;
    ++covered;
    ASSERT_LE(remaining(*s, Bucket::in_scope), percent(s->buckets.in_scope, 2000)) << stay->stay_id;
  }
  EXPECT_GT(covered, 500u);
}

TEST(SchemePromise, LinxianPoorRemainingWithinTheLevelsLimit) {
  // 136 兜底: remaining in-scope + pre-self-pay never exceeds 1,000 / 3,000 / 6,000 yuan
  // (county and below / city / province).
  Plan plan = scheme("linxian");
  Population run(plan, 2019);
  std::size_t covered = 0;
  for (const auto& [stay, s] : run.settled) {
    if (!(stay->identities & rural_poor)) continue;
    ++covered;
    Fen limit = stay->hospital_level == HospitalLevel::province ? Fen::from_yuan(6000)
                : stay->hospital_level == HospitalLevel::city   ? Fen::from_yuan(3000)
                                                                : Fen::from_yuan(1000);
    ASSERT_LE(remaining(*s, Bucket::in_scope) + remaining(*s, Bucket::pre_selfpay), limit) << stay->stay_id;
  }
  EXPECT_GT(covered, 500u);
}

TEST(SchemePromise, ZhuzhouCategoryOnePoorKeepNothingInScopeOrPreSelfpay) {
  // 对Ⅰ类人员实行兜底保障: a category I poor patient keeps no in-scope or pre-self-pay amount.
  Plan plan = scheme("zhuzhou");
  Population run(plan, 2019);
  std::size_t covered = 0;
  for (const auto& [stay, s] : run.settled) {
    if (!(stay->identities & rural_poor) || stay->category != Category::I) continue;
    ++covered;
    ASSERT_EQ(remaining(*s, Bucket::in_scope), Fen(0)) << stay->stay_id;
    ASSERT_EQ(remaining(*s, Bucket::pre_selfpay), Fen(0)) << stay->stay_id;
  }
  EXPECT_GT(covered, 100u);
}

TEST(SchemePromise, TheVersionInForceOnTheDischargeDateIsApplied) {
  // For every scheme and every generated stay: the settlement names the
  // latest version whose `from` is on or before the discharge date. Hunan is
  // settled on both sides of its 2019-01-01 version.
  for (const char* id : {"hunan", "zhuzhou", "funing", "zhenba", "xuchang", "linxian"}) {
    Plan plan = scheme(id);
    for (int year : {2018, 2019, 2020}) {
      Population run(plan, year, 800, 5);
      for (const auto& [stay, s] : run.settled) {
        Date expected{};
        for (Date from : plan.versions()) {
          if (from <= stay->discharged) expected = from;
        }
        ASSERT_EQ(s->version, expected) << id << " " << stay->stay_id;
      }
    }
  }
  // Hunan's two versions differ in basic's yearly cap (150,000 → 200,000) and
  // critical illness's deductible (12,000 → 10,000): a non-poor stay with
  // 40,000.00 in scope reaches critical illness only under the 2019 version.
  Plan hunan = scheme("hunan");
  Stay s;
  s.stay_id = "v";
  s.person_id = "p";
  s.age = 50;
  s.hospital_level = HospitalLevel::county;
  s.region = Region::in_county;
  s.diagnoses = {"I10"};
  s.buckets = Buckets{Fen::from_yuan(40000), Fen(0), Fen(0), Fen(0), Fen::from_yuan(40000)};
  s.admitted = s.discharged = Date::from_ymd(2018, 12, 31);
  Ledger l2018(hunan);
  Outcome a = settle(hunan, s, l2018);
  s.admitted = s.discharged = Date::from_ymd(2019, 1, 1);
  Ledger l2019(hunan);
  Outcome b = settle(hunan, s, l2019);
  ASSERT_TRUE(a.settled() && b.settled());
  // basic, county: round(0.75 × (40000 − 500)) = 29625.00 in both versions;
  // critical illness base 40000 − 29625 = 10375.00:
  //   2018 (D 12,000): 10375 < 12000 → pays 0, deductible applied 10375.00;
  //   2019 (D 10,000): round(0.50 × (10375 − 10000)) = 187.50.
  EXPECT_EQ(a.settlement().version, Date::from_ymd(2017, 7, 1));
  EXPECT_EQ(b.settlement().version, Date::from_ymd(2019, 1, 1));
  EXPECT_EQ(a.settlement().hifp_pay, Fen(2'962'500));
  EXPECT_EQ(b.settlement().hifp_pay, Fen(2'962'500));
  EXPECT_EQ(a.settlement().hifmi_pay, Fen(0));
  EXPECT_EQ(a.settlement().channels[1].deductible, Fen(1'037'500));
  EXPECT_EQ(b.settlement().hifmi_pay, Fen(18'750));
}
