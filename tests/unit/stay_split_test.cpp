// The cost split of SEMANTICS.md §3, with B-line rounding.
#include <gtest/gtest.h>

#include "medsettle/stay.hpp"

using namespace medsettle;

namespace {
FeeLine line(FeeCategory c, std::int64_t amount, std::int64_t over = 0, std::optional<Rate> ratio = std::nullopt) {
  FeeLine f;
  f.category = c;
  f.amount = Fen(amount);
  f.over_limit = Fen(over);
  f.selfpay_ratio = ratio;
  return f;
}
}  // namespace

TEST(Split, WorkedExampleHunanS7294443) {
  // hunan.worked.md, stay S7294443:
  //   A 584.30 -> in_scope 584.30
  //   B 259.29 -> pre_selfpay round(259.29 × 0.10 = 25.929) = 25.93, in_scope 233.36
  //   C 29.90 + C 18.44 (its over_limit 5.60 changes nothing) + C 41.89 -> full_selfpay 90.23
  Stay s;
  s.fees = {line(FeeCategory::A, 58430), line(FeeCategory::B, 25929), line(FeeCategory::C, 2990),
            line(FeeCategory::C, 1844, 560), line(FeeCategory::C, 4189)};
  Buckets b = split(s, Rate(1000), Rounding::half_up);
  EXPECT_EQ(b.total, Fen(93382));        // 933.82
  EXPECT_EQ(b.full_selfpay, Fen(9023));  // 90.23
  EXPECT_EQ(b.over_limit, Fen(0));
  EXPECT_EQ(b.pre_selfpay, Fen(2593));   // 25.93
  EXPECT_EQ(b.in_scope, Fen(81766));     // 584.30 + 233.36 = 817.66
}

TEST(Split, BLineOverLimitAndOwnRatio) {
  // funing.worked.md, stay S3119212: B 52.79 with over_limit 20.66:
  //   over_limit 20.66; rest 32.13; pre_selfpay round(32.13 × 0.10 = 3.213) = 3.21; in_scope 28.92
  // and B 93.13 @ 0.20: pre_selfpay round(18.626) = 18.63, in_scope 74.50
  Stay s;
  s.fees = {line(FeeCategory::B, 5279, 2066), line(FeeCategory::B, 9313, 0, Rate(2000))};
  Buckets b = split(s, Rate(1000), Rounding::half_up);
  EXPECT_EQ(b.over_limit, Fen(2066));
  EXPECT_EQ(b.pre_selfpay, Fen(321 + 1863));
  EXPECT_EQ(b.in_scope, Fen(2892 + 7450));
  EXPECT_EQ(b.total, b.full_selfpay + b.over_limit + b.pre_selfpay + b.in_scope);
}

TEST(Split, HalfWayBLineFollowsTheRoundingMode) {
  // B 30.05 @ 0.10: 3.005 -> half_up 3.01, half_even 3.00 (0 is even).
  Stay s;
  s.fees = {line(FeeCategory::B, 3005)};
  EXPECT_EQ(split(s, Rate(1000), Rounding::half_up).pre_selfpay, Fen(301));
  EXPECT_EQ(split(s, Rate(1000), Rounding::half_even).pre_selfpay, Fen(300));
  EXPECT_EQ(split(s, Rate(1000), Rounding::half_even).in_scope, Fen(2705));
}

TEST(Split, EmptyFeesIsAStayOfTotalZero) {
  Stay s;
  EXPECT_EQ(split(s, Rate(1000), Rounding::half_up), Buckets{});
}

TEST(Split, BucketFormIsTakenAsItIs) {
  Stay s;
  s.buckets = Buckets{Fen(1000), Fen(100), Fen(200), Fen(300), Fen(400)};
  EXPECT_EQ(split(s, Rate(1000), Rounding::half_up), *s.buckets);
}
