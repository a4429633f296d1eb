// Exact money: multiply, round_div, allocate, parse, format, describe.
//
// Every computed value is checked against an independent reference written in
// the test with 128-bit integers and floor division (the library truncates
// toward zero and corrects; the reference floors and compares 2·remainder with
// the denominator), so the two can only agree by both being right.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "medsettle/money.hpp"

using namespace medsettle;

namespace {

__extension__ typedef __int128 i128;

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kNativeLimit = kMax / 10000;  // 922'337'203'685'477

// floor(n / d) for d > 0.
i128 floor_div(i128 n, i128 d) {
  i128 q = n / d;
  if ((n % d) != 0 && n < 0) --q;
  return q;
}

// The exact n / d (d > 0) rounded to an integer: q = floor(n/d), 0 <= r < d.
//   2r < d: below the half -> q;  2r > d: above the half -> q + 1;
//   2r = d: exactly q + 1/2 -> half_up goes away from zero (q + 1 if q >= 0, else q),
//           half_even goes to whichever of q, q + 1 is even.
i128 ref_round(i128 n, i128 d, Rounding mode) {
  i128 q = floor_div(n, d);
  i128 r = n - q * d;
  if (2 * r < d) return q;
  if (2 * r > d) return q + 1;
  if (mode == Rounding::half_up) return q >= 0 ? q + 1 : q;
  return (q % 2 == 0) ? q : q + 1;
}

i128 ref_multiply(std::int64_t fen, std::int32_t rate, Rounding mode) {
  return ref_round(static_cast<i128>(fen) * rate, 10000, mode);
}

bool fits64(i128 v) { return v >= kMin && v <= kMax; }

std::string str(i128 v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  unsigned __int128 m = neg ? static_cast<unsigned __int128>(0) - static_cast<unsigned __int128>(v)
                            : static_cast<unsigned __int128>(v);
  std::string s;
  while (m != 0) { s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(m % 10))); m /= 10; }
  return neg ? "-" + s : s;
}

const char* name(Rounding m) { return m == Rounding::half_up ? "half_up" : "half_even"; }

// Checks multiply against the reference for one input; on a mismatch records
// the first one in `first` and bumps `failures`.
void check_multiply(std::int64_t fen, std::int32_t rate, Rounding mode, int& failures, std::string& first) {
  i128 want = ref_multiply(fen, rate, mode);
  std::string got;
  bool ok;
  if (fits64(want)) {
    try {
      Fen r = multiply(Fen(fen), Rate(rate), mode);
      ok = r.count() == want;
      got = std::to_string(r.count());
    } catch (const std::exception& e) {
      ok = false;
      got = std::string("exception ") + e.what();
    }
  } else {
    try {
      Fen r = multiply(Fen(fen), Rate(rate), mode);
      ok = false;
      got = std::to_string(r.count()) + " (expected std::overflow_error)";
    } catch (const std::overflow_error&) {
      ok = true;
    } catch (const std::exception& e) {
      ok = false;
      got = std::string("wrong exception ") + e.what();
    }
  }
  if (!ok) {
    if (failures == 0) {
      first = std::to_string(fen) + " fen x Rate(" + std::to_string(rate) + ") " + name(mode) + ": want " +
              str(want) + ", got " + got;
    }
    ++failures;
  }
}

constexpr Rounding kModes[] = {Rounding::half_up, Rounding::half_even};

}  // namespace

// ---- multiply -------------------------------------------------------------

TEST(MoneyMultiply, EveryFenUpToTenThousandYuanAgainstReference) {
  // 1'000'001 amounts × 3 rates × 2 modes = 6'000'006 checks.
  int failures = 0;
  std::string first;
  for (std::int32_t rate : {7000, 8500, 6667}) {
    for (Rounding mode : kModes) {
      for (std::int64_t fen = 0; fen <= 1'000'000; ++fen) {
        i128 want = ref_multiply(fen, rate, mode);
        Fen got = multiply(Fen(fen), Rate(rate), mode);
        if (got.count() != want) {
          if (failures == 0) {
            first = std::to_string(fen) + " fen x Rate(" + std::to_string(rate) + ") " + name(mode) +
                    ": want " + str(want) + ", got " + std::to_string(got.count());
          }
          ++failures;
        }
      }
    }
  }
  EXPECT_EQ(failures, 0) << "first mismatch: " << first;
}

TEST(MoneyMultiply, NegativeAmountsAgainstReference) {
  // Negative amounts (refunds) with the same rates and the exact halves.
  int failures = 0;
  std::string first;
  for (std::int32_t rate : {7000, 8500, 6667, 5000, 1, 9999, 10000, 0}) {
    for (Rounding mode : kModes) {
      for (std::int64_t fen = -200'000; fen < 0; ++fen) check_multiply(fen, rate, mode, failures, first);
    }
  }
  EXPECT_EQ(failures, 0) << "first mismatch: " << first;
}

TEST(MoneyMultiply, NegativeRatesAgainstReference) {
  // A rate delta can be negative; multiply is exact for it too.
  int failures = 0;
  std::string first;
  for (std::int32_t rate : {-10000, -8500, -5000, -1}) {
    for (Rounding mode : kModes) {
      for (std::int64_t fen = -50'000; fen <= 50'000; ++fen) check_multiply(fen, rate, mode, failures, first);
    }
  }
  EXPECT_EQ(failures, 0) << "first mismatch: " << first;
}

TEST(MoneyMultiply, HugeAmountsOnBothPathsAgainstReference) {
  // INT64_MAX / 10000 = 922'337'203'685'477 is the last amount on the native
  // 64-bit path; beyond it the checked 128-bit path runs. Check both sides of
  // the seam, the extremes, and a spread in between.
  std::vector<std::int64_t> amounts;
  for (std::int64_t d = -50; d <= 50; ++d) {
    amounts.push_back(kNativeLimit + d);
    amounts.push_back(-kNativeLimit + d);
  }
  for (std::int64_t d = 0; d < 50; ++d) {
    amounts.push_back(kMax - d);
    amounts.push_back(kMin + d);
  }
  amounts.push_back(max_amount.count());
  amounts.push_back(-max_amount.count());
  std::mt19937_64 rng(20240611);
  for (int i = 0; i < 20000; ++i) amounts.push_back(static_cast<std::int64_t>(rng()));

  int failures = 0;
  std::string first;
  for (std::int32_t rate : {0, 1, 5000, 6667, 7000, 8500, 9999, 10000, -1, -5000, -10000}) {
    for (Rounding mode : kModes) {
      for (std::int64_t a : amounts) check_multiply(a, rate, mode, failures, first);
    }
  }
  EXPECT_EQ(failures, 0) << "first mismatch: " << first;
}

TEST(MoneyMultiply, RatesOutsideZeroOneAreStillExact) {
  // A Rate can be constructed above 1 (e.g. Rate(20000) = 2.0); multiply is
  // documented exact "for every input", so the native path must not overflow.
  int failures = 0;
  std::string first;
  std::vector<std::int64_t> amounts;
  for (std::int64_t d = -20; d <= 20; ++d) {
    amounts.push_back(kNativeLimit + d);
    amounts.push_back(-kNativeLimit + d);
    amounts.push_back(kNativeLimit / 2 + d);
    amounts.push_back(d);
  }
  amounts.push_back(kMax);
  amounts.push_back(kMin);
  for (std::int32_t rate : {10001, 20000, 12345, std::numeric_limits<std::int32_t>::max(),
                            std::numeric_limits<std::int32_t>::min(), -10001}) {
    for (Rounding mode : kModes) {
      for (std::int64_t a : amounts) check_multiply(a, rate, mode, failures, first);
    }
  }
  EXPECT_EQ(failures, 0) << "first mismatch: " << first;
}

TEST(MoneyMultiply, ResultThatCannotFitThrowsOverflow) {
  // INT64_MIN × (-1.0000) = 2^63 > INT64_MAX.
  EXPECT_THROW((void)multiply(Fen(kMin), Rate(-10000), Rounding::half_up), std::overflow_error);
  EXPECT_THROW((void)multiply(Fen(kMin), Rate(-10000), Rounding::half_even), std::overflow_error);
  // INT64_MAX × 2.0000 does not fit either.
  EXPECT_THROW((void)multiply(Fen(kMax), Rate(20000), Rounding::half_up), std::overflow_error);
  // 10^12 yuan × 2^31/10^4 ≈ 2.1·10^19 fen > 9.2·10^18.
  EXPECT_THROW((void)multiply(max_amount, Rate(std::numeric_limits<std::int32_t>::max()), Rounding::half_up),
               std::overflow_error);
  // ... whereas INT64_MAX × 1 and INT64_MIN × 1 fit exactly.
  EXPECT_EQ(multiply(Fen(kMax), Rate::one(), Rounding::half_up), Fen(kMax));
  EXPECT_EQ(multiply(Fen(kMin), Rate::one(), Rounding::half_even), Fen(kMin));
  // INT64_MIN × (-0.9999) = 9'223'372'036'854'775'808 × 9999 / 10000
  //   = 9'222'449'699'651'090'330.4192 -> 9'222'449'699'651'090'330, which fits.
  EXPECT_EQ(multiply(Fen(kMin), Rate(-9999), Rounding::half_up), Fen(9'222'449'699'651'090'330));
}

TEST(MoneyMultiply, HandWrittenFacts) {
  const auto up = Rounding::half_up, even = Rounding::half_even;
  // 0.01 yuan × 0.5 = 0.5 fen -> half_up 1, half_even 0 (0 is even).
  EXPECT_EQ(multiply(Fen(1), Rate(5000), up), Fen(1));
  EXPECT_EQ(multiply(Fen(1), Rate(5000), even), Fen(0));
  // 3 fen × 0.5 = 1.5 fen -> half_up 2, half_even 2 (2 is even).
  EXPECT_EQ(multiply(Fen(3), Rate(5000), up), Fen(2));
  EXPECT_EQ(multiply(Fen(3), Rate(5000), even), Fen(2));
  // 5 fen × 0.5 = 2.5 fen -> half_up 3, half_even 2.
  EXPECT_EQ(multiply(Fen(5), Rate(5000), up), Fen(3));
  EXPECT_EQ(multiply(Fen(5), Rate(5000), even), Fen(2));
  // -5 fen × 0.5 = -2.5 fen -> half_up -3 (away from zero), half_even -2.
  EXPECT_EQ(multiply(Fen(-5), Rate(5000), up), Fen(-3));
  EXPECT_EQ(multiply(Fen(-5), Rate(5000), even), Fen(-2));
  // -1 fen × 0.5 = -0.5 fen -> half_up -1, half_even 0.
  EXPECT_EQ(multiply(Fen(-1), Rate(5000), up), Fen(-1));
  EXPECT_EQ(multiply(Fen(-1), Rate(5000), even), Fen(0));
  // 30.05 yuan × 0.10 = 3.005 yuan = 300.5 fen -> half_up 301, half_even 300.
  EXPECT_EQ(multiply(Fen(3005), Rate(1000), up), Fen(301));
  EXPECT_EQ(multiply(Fen(3005), Rate(1000), even), Fen(300));
  // 259.29 yuan × 0.10 = 2592.9 fen -> 2593 in both modes (not a tie).
  EXPECT_EQ(multiply(Fen(25929), Rate(1000), up), Fen(2593));
  EXPECT_EQ(multiply(Fen(25929), Rate(1000), even), Fen(2593));
  // 100.00 yuan × 0.85 = 8500 fen exactly.
  EXPECT_EQ(multiply(Fen(10000), Rate(8500), up), Fen(8500));
  // 0.01 yuan × 0.70 = 0.7 fen -> 1; 0.01 yuan × 0.85 = 0.85 fen -> 1.
  EXPECT_EQ(multiply(Fen(1), Rate(7000), even), Fen(1));
  EXPECT_EQ(multiply(Fen(1), Rate(8500), even), Fen(1));
  // 0.03 yuan × 0.6667 = 2.0001 fen -> 2; 0.15 yuan × 0.6667 = 10.0005 fen -> 10 (not a tie).
  EXPECT_EQ(multiply(Fen(3), Rate(6667), up), Fen(2));
  EXPECT_EQ(multiply(Fen(15), Rate(6667), up), Fen(10));
  // 1.50 yuan × 0.70 = 105 fen exactly; 0.50 yuan × 0.85 = 42.5 fen -> half_up 43, half_even 42.
  EXPECT_EQ(multiply(Fen(150), Rate(7000), even), Fen(105));
  EXPECT_EQ(multiply(Fen(50), Rate(8500), up), Fen(43));
  EXPECT_EQ(multiply(Fen(50), Rate(8500), even), Fen(42));
  // 0.30 yuan × 0.85 = 25.5 fen -> half_up 26, half_even 26 (26 is even).
  EXPECT_EQ(multiply(Fen(30), Rate(8500), up), Fen(26));
  EXPECT_EQ(multiply(Fen(30), Rate(8500), even), Fen(26));
  // 5000 fen × 0.6667 = 3333.5 fen -> half_up 3334, half_even 3334 (3334 is even).
  EXPECT_EQ(multiply(Fen(5000), Rate(6667), up), Fen(3334));
  EXPECT_EQ(multiply(Fen(5000), Rate(6667), even), Fen(3334));
  // 15000 fen × 0.6667 = 10000.5 fen -> half_up 10001, half_even 10000.
  EXPECT_EQ(multiply(Fen(15000), Rate(6667), up), Fen(10001));
  EXPECT_EQ(multiply(Fen(15000), Rate(6667), even), Fen(10000));
  // Rate 0 gives 0; rate 1 gives the amount; 1 fen × 0.0001 = 0.0001 fen -> 0.
  EXPECT_EQ(multiply(Fen(123456789), Rate::zero(), up), Fen(0));
  EXPECT_EQ(multiply(Fen(123456789), Rate::one(), up), Fen(123456789));
  EXPECT_EQ(multiply(Fen(1), Rate(1), up), Fen(0));
  // 10^12 yuan = 10^14 fen × 0.85 = 8.5·10^13 fen exactly (still the native path).
  EXPECT_EQ(multiply(max_amount, Rate(8500), up), Fen(85'000'000'000'000));
  // 922'337'203'685'479 fen (above the native limit) × 0.5 = 461'168'601'842'739.5
  //   -> half_up ...740, half_even ...740 (740 is even).
  EXPECT_EQ(multiply(Fen(922'337'203'685'479), Rate(5000), up), Fen(461'168'601'842'740));
  EXPECT_EQ(multiply(Fen(922'337'203'685'479), Rate(5000), even), Fen(461'168'601'842'740));
  // 922'337'203'685'481 × 0.5 = 461'168'601'842'740.5 -> half_up ...741, half_even ...740.
  EXPECT_EQ(multiply(Fen(922'337'203'685'481), Rate(5000), up), Fen(461'168'601'842'741));
  EXPECT_EQ(multiply(Fen(922'337'203'685'481), Rate(5000), even), Fen(461'168'601'842'740));
  // INT64_MAX = 9'223'372'036'854'775'807 × 0.5 = 4'611'686'018'427'387'903.5
  //   -> half_up ...904, half_even ...904 (904 is even).
  EXPECT_EQ(multiply(Fen(kMax), Rate(5000), up), Fen(4'611'686'018'427'387'904));
  EXPECT_EQ(multiply(Fen(kMax), Rate(5000), even), Fen(4'611'686'018'427'387'904));
  // INT64_MIN = -9'223'372'036'854'775'808 × 0.5 = -4'611'686'018'427'387'904 exactly.
  EXPECT_EQ(multiply(Fen(kMin), Rate(5000), up), Fen(-4'611'686'018'427'387'904));
  // -(INT64_MAX) × 0.5 = -4'611'686'018'427'387'903.5 -> half_up ...904 away from zero, half_even ...904.
  EXPECT_EQ(multiply(Fen(-kMax), Rate(5000), up), Fen(-4'611'686'018'427'387'904));
  EXPECT_EQ(multiply(Fen(-kMax), Rate(5000), even), Fen(-4'611'686'018'427'387'904));
}

// ---- round_div --------------------------------------------------------------

TEST(MoneyRoundDiv, TiesBothModes) {
  const auto up = Rounding::half_up, even = Rounding::half_even;
  // 1/2 = 0.5 -> up 1, even 0;  3/2 = 1.5 -> up 2, even 2;  5/2 = 2.5 -> up 3, even 2.
  EXPECT_EQ(round_div(1, 2, up), 1);
  EXPECT_EQ(round_div(1, 2, even), 0);
  EXPECT_EQ(round_div(3, 2, up), 2);
  EXPECT_EQ(round_div(3, 2, even), 2);
  EXPECT_EQ(round_div(5, 2, up), 3);
  EXPECT_EQ(round_div(5, 2, even), 2);
  // 25/10 = 2.5 -> up 3, even 2;  35/10 = 3.5 -> up 4, even 4.
  EXPECT_EQ(round_div(25, 10, up), 3);
  EXPECT_EQ(round_div(25, 10, even), 2);
  EXPECT_EQ(round_div(35, 10, up), 4);
  EXPECT_EQ(round_div(35, 10, even), 4);
}

TEST(MoneyRoundDiv, NegativeNumerators) {
  const auto up = Rounding::half_up, even = Rounding::half_even;
  // -1/2 = -0.5 -> up -1 (away from zero), even 0.
  EXPECT_EQ(round_div(-1, 2, up), -1);
  EXPECT_EQ(round_div(-1, 2, even), 0);
  // -3/2 = -1.5 -> up -2, even -2;  -5/2 = -2.5 -> up -3, even -2.
  EXPECT_EQ(round_div(-3, 2, up), -2);
  EXPECT_EQ(round_div(-3, 2, even), -2);
  EXPECT_EQ(round_div(-5, 2, up), -3);
  EXPECT_EQ(round_div(-5, 2, even), -2);
  // -7/3 = -2.333 -> -2;  -8/3 = -2.667 -> -3 (not ties: same in both modes).
  EXPECT_EQ(round_div(-7, 3, up), -2);
  EXPECT_EQ(round_div(-7, 3, even), -2);
  EXPECT_EQ(round_div(-8, 3, up), -3);
  EXPECT_EQ(round_div(-8, 3, even), -3);
}

TEST(MoneyRoundDiv, NonTiesAndExact) {
  for (Rounding m : kModes) {
    // 7/3 = 2.333 -> 2;  8/3 = 2.667 -> 3;  9/3 = 3;  0/7 = 0;  14/10 = 1.4 -> 1;  16/10 = 1.6 -> 2.
    EXPECT_EQ(round_div(7, 3, m), 2);
    EXPECT_EQ(round_div(8, 3, m), 3);
    EXPECT_EQ(round_div(9, 3, m), 3);
    EXPECT_EQ(round_div(0, 7, m), 0);
    EXPECT_EQ(round_div(14, 10, m), 1);
    EXPECT_EQ(round_div(16, 10, m), 2);
    // x/1 = x, including the extremes.
    EXPECT_EQ(round_div(kMax, 1, m), kMax);
    EXPECT_EQ(round_div(kMin, 1, m), kMin);
  }
}

TEST(MoneyRoundDiv, AgainstReferenceSmallRange) {
  int failures = 0;
  std::string first;
  for (Rounding m : kModes) {
    for (std::int64_t d = 1; d <= 40; ++d) {
      for (std::int64_t n = -500; n <= 500; ++n) {
        i128 want = ref_round(n, d, m);
        std::int64_t got = round_div(n, d, m);
        if (got != want) {
          if (failures == 0) first = std::to_string(n) + "/" + std::to_string(d) + " " + name(m) + ": want " +
                                     str(want) + ", got " + std::to_string(got);
          ++failures;
        }
      }
    }
  }
  EXPECT_EQ(failures, 0) << "first mismatch: " << first;
}

TEST(MoneyRoundDiv, HugeDenominators) {
  // The contract is only "denominator > 0"; 2·remainder must not overflow.
  int failures = 0;
  std::string first;
  std::vector<std::int64_t> dens = {kMax, kMax - 1, kMax / 2, kMax / 2 + 1, (std::int64_t{1} << 62),
                                    (std::int64_t{1} << 62) + 1, 3'000'000'000'000'000'000};
  std::vector<std::int64_t> nums = {0, 1, -1, kMax, kMax - 1, kMin, kMin + 1, kMax / 2, kMax / 2 + 1,
                                    -(kMax / 2), -(kMax / 2) - 1, std::int64_t{1} << 62, -(std::int64_t{1} << 62),
                                    1'500'000'000'000'000'000, -1'500'000'000'000'000'000};
  for (Rounding m : kModes) {
    for (std::int64_t d : dens) {
      for (std::int64_t n : nums) {
        i128 want = ref_round(n, d, m);
        std::int64_t got = round_div(n, d, m);
        if (got != want) {
          if (failures == 0) first = std::to_string(n) + "/" + std::to_string(d) + " " + name(m) + ": want " +
                                     str(want) + ", got " + std::to_string(got);
          ++failures;
        }
      }
    }
  }
  EXPECT_EQ(failures, 0) << "first mismatch: " << first;
  // (INT64_MAX - 1) / INT64_MAX ≈ 0.99999 -> 1 in both modes.
  EXPECT_EQ(round_div(kMax - 1, kMax, Rounding::half_up), 1);
  EXPECT_EQ(round_div(kMax - 1, kMax, Rounding::half_even), 1);
  // 2^62 / 2^63-ish: (2^62) / (2^63 - 1) is just above 0.5 -> 1.
  EXPECT_EQ(round_div(std::int64_t{1} << 62, kMax, Rounding::half_even), 1);
  // 1'500'000'000'000'000'000 / 3'000'000'000'000'000'000 = 0.5 exactly -> up 1, even 0.
  EXPECT_EQ(round_div(1'500'000'000'000'000'000, 3'000'000'000'000'000'000, Rounding::half_up), 1);
  EXPECT_EQ(round_div(1'500'000'000'000'000'000, 3'000'000'000'000'000'000, Rounding::half_even), 0);
}

// ---- allocate -------------------------------------------------------------

namespace {
std::vector<Fen> fens(std::initializer_list<std::int64_t> v) {
  std::vector<Fen> out;
  for (auto x : v) out.emplace_back(x);
  return out;
}
}  // namespace

TEST(MoneyAllocate, KnownExamples) {
  // 100 fen over 1:2 -> exact 33.33, 66.67; floors 33 + 66 = 99; the 1 left over
  // goes to the larger remainder (2/3 > 1/3) -> 33, 67.
  EXPECT_EQ(allocate(Fen(100), fens({1, 2})), fens({33, 67}));
  // 10 fen over 3:3:4 -> exactly 3, 3, 4.
  EXPECT_EQ(allocate(Fen(10), fens({3, 3, 4})), fens({3, 3, 4}));
  // 1000 fen over 50:30:20 -> exactly 500, 300, 200.
  EXPECT_EQ(allocate(Fen(1000), fens({50, 30, 20})), fens({500, 300, 200}));
  // 10 fen over 1:1:1:4 (Σ 7) -> exact 1.43, 1.43, 1.43, 5.71; floors 1,1,1,5 = 8;
  // remainders 3/7, 3/7, 3/7, 5/7 -> first the 5/7 (4th), then the earliest 3/7 (1st) -> 2,1,1,6.
  EXPECT_EQ(allocate(Fen(10), fens({1, 1, 1, 4})), fens({2, 1, 1, 6}));
  // 58430 + 23336 fen (A + B in scope of stay S7294443) over 3 funds 0.7/0.2/0.1
  //   81766 × 7/10 = 57236.2, × 2/10 = 16353.2, × 1/10 = 8176.6: floors 57236 + 16353 + 8176 = 81765,
  //   remainders .2 .2 .6 -> 1 fen to the third -> 57236, 16353, 8177.
  EXPECT_EQ(allocate(Fen(81766), fens({7000, 2000, 1000})), fens({57236, 16353, 8177}));
  // 0 fen over anything -> all zero.
  EXPECT_EQ(allocate(Fen(0), fens({1, 2, 3})), fens({0, 0, 0}));
  // One weight takes everything.
  EXPECT_EQ(allocate(Fen(12345), fens({7})), fens({12345}));
  // Zero weights among positive ones get nothing: 7 over 0:5:0 -> 0, 7, 0.
  EXPECT_EQ(allocate(Fen(7), fens({0, 5, 0})), fens({0, 7, 0}));
}

TEST(MoneyAllocate, TiesGoToTheEarlierWeight) {
  // 100 over 1:1:1 -> 33.33 each; floors 99; equal remainders -> the first -> 34, 33, 33.
  EXPECT_EQ(allocate(Fen(100), fens({1, 1, 1})), fens({34, 33, 33}));
  // 1 over 1:1 -> 0.5 each -> the first -> 1, 0.
  EXPECT_EQ(allocate(Fen(1), fens({1, 1})), fens({1, 0}));
  // 2 over 1:1:1 -> 0.67 each -> the first two -> 1, 1, 0.
  EXPECT_EQ(allocate(Fen(2), fens({1, 1, 1})), fens({1, 1, 0}));
  // 5 over 2:1:2:1 (Σ 6) -> 1.67, 0.83, 1.67, 0.83; floors 1,0,1,0 = 2; remainders 4/6, 5/6, 4/6, 5/6
  //   -> 3 fen to 5/6 (2nd), 5/6 (4th), then 4/6 earliest (1st) -> 2, 1, 1, 1.
  EXPECT_EQ(allocate(Fen(5), fens({2, 1, 2, 1})), fens({2, 1, 1, 1}));
}

TEST(MoneyAllocate, AllZeroWeightsGiveEverythingToTheFirst) {
  EXPECT_EQ(allocate(Fen(500), fens({0, 0, 0})), fens({500, 0, 0}));
  EXPECT_EQ(allocate(Fen(0), fens({0, 0})), fens({0, 0}));
}

TEST(MoneyAllocate, EmptyWeightsGiveNoShares) {
  std::vector<Fen> none;
  EXPECT_TRUE(allocate(Fen(500), none).empty());
  EXPECT_TRUE(allocate(Fen(0), none).empty());
}

TEST(MoneyAllocate, NegativeInputsAreRejected) {
  EXPECT_THROW((void)allocate(Fen(-1), fens({1, 1})), std::invalid_argument);
  EXPECT_THROW((void)allocate(Fen(10), fens({1, -1})), std::invalid_argument);
}

TEST(MoneyAllocate, HugeAmountsAndWeights) {
  // INT64_MAX over INT64_MAX:INT64_MAX -> 4'611'686'018'427'387'903.5 each (the products
  // need 126 bits); floors sum to INT64_MAX - 1; the tie -> the first.
  EXPECT_EQ(allocate(Fen(kMax), fens({kMax, kMax})),
            fens({4'611'686'018'427'387'904, 4'611'686'018'427'387'903}));
  // 10^14 fen over 1:INT64_MAX -> the first gets 10^14 / (2^63) ≈ 0.0000108 -> 0.
  EXPECT_EQ(allocate(max_amount, fens({1, kMax})), fens({0, max_amount.count()}));
}

TEST(MoneyAllocate, RandomizedSharesSumAndStayWithinOneFen) {
  std::mt19937_64 rng(0x5EED'0001);
  int failures = 0;
  std::string first;
  auto fail = [&](const std::string& why) {
    if (failures == 0) first = why;
    ++failures;
  };
  for (int iter = 0; iter < 20000; ++iter) {
    std::size_t n = 1 + rng() % 12;
    std::int64_t amount;
    switch (iter % 4) {
      case 0: amount = static_cast<std::int64_t>(rng() % 1000); break;
      case 1: amount = static_cast<std::int64_t>(rng() % 100'000'000); break;
      case 2: amount = static_cast<std::int64_t>(rng() % (max_amount.count() + 1)); break;
      default: amount = static_cast<std::int64_t>(rng() >> 1); break;  // up to INT64_MAX
    }
    std::vector<Fen> weights;
    for (std::size_t i = 0; i < n; ++i) {
      std::int64_t w;
      switch (rng() % 5) {
        case 0: w = 0; break;
        case 1: w = static_cast<std::int64_t>(rng() % 10); break;
        case 2: w = static_cast<std::int64_t>(rng() % 100'000); break;
        case 3: w = static_cast<std::int64_t>(rng() % 1'000'000'000'000); break;
        default: w = static_cast<std::int64_t>(rng() >> 4); break;
      }
      weights.emplace_back(w);
    }
    std::vector<Fen> shares = allocate(Fen(amount), weights);
    std::string ctx = "iter " + std::to_string(iter) + " amount " + std::to_string(amount);
    if (shares.size() != n) { fail(ctx + ": wrong size"); continue; }
    i128 total = 0;
    for (Fen w : weights) total += w.count();
    i128 s = 0;
    for (Fen f : shares) s += f.count();
    if (s != amount) { fail(ctx + ": shares sum to " + str(s)); continue; }
    if (total == 0) {
      if (shares[0].count() != amount) fail(ctx + ": all-zero weights, first share is not the amount");
      continue;
    }
    // exact share_i = amount·w_i / total; |share_i - exact| < 1  <=>  |share_i·total - amount·w_i| < total,
    // and the share is floor or floor + 1 of the exact value.
    std::vector<i128> rem(n);
    std::vector<bool> bumped(n);
    for (std::size_t i = 0; i < n; ++i) {
      i128 p = static_cast<i128>(amount) * weights[i].count();
      i128 diff = static_cast<i128>(shares[i].count()) * total - p;
      if (diff <= -total || diff >= total) { fail(ctx + ": share " + std::to_string(i) + " off by >= 1 fen"); break; }
      i128 fl = floor_div(p, total);
      if (shares[i].count() != fl && shares[i].count() != fl + 1) {
        fail(ctx + ": share " + std::to_string(i) + " is neither floor nor floor+1");
        break;
      }
      rem[i] = p - fl * total;
      bumped[i] = shares[i].count() == fl + 1;
    }
    // Largest remainder, ties to the earlier: for every share i that got a
    // leftover fen and every share j that did not, rem[i] > rem[j], or
    // rem[i] == rem[j] and i < j.
    for (std::size_t i = 0; i < n; ++i) {
      if (!bumped[i]) continue;
      for (std::size_t j = 0; j < n; ++j) {
        if (bumped[j]) continue;
        if (rem[i] < rem[j] || (rem[i] == rem[j] && j < i)) {
          fail(ctx + ": share " + std::to_string(i) + " got the leftover fen before share " + std::to_string(j));
        }
      }
    }
  }
  EXPECT_EQ(failures, 0) << "first failure: " << first;
}

// ---- parse_amount ----------------------------------------------------------

namespace {
NumberError amount_error(std::string_view t) { return parse_amount(t).error; }
NumberError rate_error(std::string_view t) { return parse_rate(t).error; }
NumberError delta_error(std::string_view t) { return parse_rate_delta(t).error; }
}  // namespace

TEST(ParseAmount, Valid) {
  // "0" = 0 fen; "0.5" = 0.50 yuan = 50 fen; "0.05" = 5 fen; "1234.5" = 1234.50 yuan = 123450 fen.
  EXPECT_EQ(parse_amount("0").value, Fen(0));
  EXPECT_EQ(parse_amount("0").error, NumberError::ok);
  EXPECT_EQ(parse_amount("0.5").value, Fen(50));
  EXPECT_EQ(parse_amount("0.05").value, Fen(5));
  EXPECT_EQ(parse_amount("1234.5").value, Fen(123450));
  EXPECT_EQ(parse_amount("1234.50").value, Fen(123450));
  EXPECT_EQ(parse_amount("0.00").value, Fen(0));
  EXPECT_EQ(parse_amount("0.0").value, Fen(0));
  EXPECT_EQ(parse_amount("10").value, Fen(1000));
  EXPECT_EQ(parse_amount("259.29").value, Fen(25929));
  EXPECT_EQ(parse_amount("0.01").value, Fen(1));
  EXPECT_EQ(parse_amount("0.99").value, Fen(99));
  EXPECT_EQ(parse_amount("100.1").value, Fen(10010));
  EXPECT_TRUE(parse_amount("584.30"));
}

TEST(ParseAmount, BoundaryTenToTheTwelveYuanIsAccepted) {
  // 10^12 yuan = 10^14 fen = max_amount.
  auto a = parse_amount("1000000000000");
  EXPECT_EQ(a.error, NumberError::ok);
  EXPECT_EQ(a.value, Fen(100'000'000'000'000));
  EXPECT_EQ(a.value, max_amount);
  auto b = parse_amount("1000000000000.00");
  EXPECT_EQ(b.error, NumberError::ok);
  EXPECT_EQ(b.value, max_amount);
  // 10^12 - 0.01 yuan = 10^14 - 1 fen.
  EXPECT_EQ(parse_amount("999999999999.99").value, Fen(99'999'999'999'999));
  EXPECT_EQ(parse_amount("1000000000000.0").value, max_amount);
}

TEST(ParseAmount, TooLarge) {
  EXPECT_EQ(amount_error("1000000000000.01"), NumberError::too_large);  // 10^14 + 1 fen
  EXPECT_EQ(amount_error("1000000000000.1"), NumberError::too_large);
  EXPECT_EQ(amount_error("1000000000001"), NumberError::too_large);
  EXPECT_EQ(amount_error("9999999999999.99"), NumberError::too_large);  // 13 digits
  EXPECT_EQ(amount_error("10000000000000"), NumberError::too_large);    // 14 digits
  EXPECT_EQ(amount_error("123456789012345678901234567890"), NumberError::too_large);  // 30 digits
  EXPECT_EQ(amount_error("123456789012345678901234567890.12"), NumberError::too_large);
  EXPECT_EQ(amount_error("99999999999999999999"), NumberError::too_large);  // would overflow int64 ×100
}

TEST(ParseAmount, Empty) { EXPECT_EQ(amount_error(""), NumberError::empty); }

TEST(ParseAmount, Junk) {
  EXPECT_EQ(amount_error("12a"), NumberError::junk);
  EXPECT_EQ(amount_error(" 1"), NumberError::junk);
  EXPECT_EQ(amount_error("1 "), NumberError::junk);
  EXPECT_EQ(amount_error("abc"), NumberError::junk);
  EXPECT_EQ(amount_error("1,000"), NumberError::junk);
  EXPECT_EQ(amount_error("1.2.3"), NumberError::junk);
  EXPECT_EQ(amount_error("0x10"), NumberError::junk);
  EXPECT_EQ(amount_error("12.3a"), NumberError::junk);
  EXPECT_EQ(amount_error("1_000"), NumberError::junk);
  EXPECT_EQ(amount_error("1.5.0"), NumberError::junk);
  EXPECT_FALSE(parse_amount("1\t"));
  EXPECT_FALSE(parse_amount(std::string_view("1\0", 2)));
}

TEST(ParseAmount, Sign) {
  // A sign is never allowed; "-0" is not a negative amount, just a signed zero.
  EXPECT_EQ(amount_error("-0"), NumberError::sign);
  EXPECT_EQ(amount_error("-0.00"), NumberError::sign);
  EXPECT_EQ(amount_error("+5"), NumberError::sign);
  EXPECT_EQ(amount_error("+0"), NumberError::sign);
  EXPECT_EQ(amount_error("+5.00"), NumberError::sign);
  EXPECT_EQ(amount_error("--5"), NumberError::sign);
  EXPECT_EQ(amount_error("+-5"), NumberError::sign);
  EXPECT_EQ(amount_error("-"), NumberError::sign);
  EXPECT_EQ(amount_error("+"), NumberError::sign);
}

TEST(ParseAmount, Negative) {
  EXPECT_EQ(amount_error("-50.00"), NumberError::negative);
  EXPECT_EQ(amount_error("-50"), NumberError::negative);
  EXPECT_EQ(amount_error("-0.01"), NumberError::negative);
  EXPECT_FALSE(parse_amount("-1"));
}

TEST(ParseAmount, LeadingZero) {
  EXPECT_EQ(amount_error("01"), NumberError::leading_zero);
  EXPECT_EQ(amount_error("00"), NumberError::leading_zero);
  EXPECT_EQ(amount_error("00.5"), NumberError::leading_zero);
  EXPECT_EQ(amount_error("0123.45"), NumberError::leading_zero);
}

TEST(ParseAmount, BarePoint) {
  EXPECT_EQ(amount_error("1."), NumberError::bare_point);
  EXPECT_EQ(amount_error(".5"), NumberError::bare_point);
  EXPECT_EQ(amount_error("100."), NumberError::bare_point);
  EXPECT_EQ(amount_error(".05"), NumberError::bare_point);
  EXPECT_EQ(amount_error("."), NumberError::bare_point);  // a point with no digits on either side
}

TEST(ParseAmount, TooManyDecimals) {
  // Even a trailing zero: "1.500" has 3 fractional digits.
  EXPECT_EQ(amount_error("1.500"), NumberError::too_many_decimals);
  EXPECT_EQ(amount_error("123.456"), NumberError::too_many_decimals);
  EXPECT_EQ(amount_error("0.001"), NumberError::too_many_decimals);
  EXPECT_EQ(amount_error("0.000"), NumberError::too_many_decimals);
}

TEST(ParseAmount, Exponent) {
  EXPECT_EQ(amount_error("1.5e3"), NumberError::exponent);
  EXPECT_EQ(amount_error("1e3"), NumberError::exponent);
  EXPECT_EQ(amount_error("1E3"), NumberError::exponent);
  EXPECT_EQ(amount_error("1e-2"), NumberError::exponent);
  EXPECT_EQ(amount_error("2.50E+1"), NumberError::exponent);
}

TEST(ParseAmount, NotANumber) {
  EXPECT_EQ(amount_error("NaN"), NumberError::not_a_number);
  EXPECT_EQ(amount_error("nan"), NumberError::not_a_number);
  EXPECT_EQ(amount_error("Infinity"), NumberError::not_a_number);
  EXPECT_EQ(amount_error("-Infinity"), NumberError::not_a_number);
  EXPECT_EQ(amount_error("inf"), NumberError::not_a_number);
  EXPECT_EQ(amount_error("+inf"), NumberError::not_a_number);
}

TEST(ParseAmount, ErrorsLeaveValueZero) {
  EXPECT_EQ(parse_amount("1000000000000.01").value, Fen(0));
  EXPECT_EQ(parse_amount("-50.00").value, Fen(0));
  EXPECT_EQ(parse_amount("1.500").value, Fen(0));
}

// ---- parse_rate / parse_rate_delta ---------------------------------------------

TEST(ParseRate, Valid) {
  // 0.85 = 8500/10000; 1 = 10000; 1.0000 = 10000; 0.0525 = 525; 0 = 0; 0.0001 = 1.
  EXPECT_EQ(parse_rate("0.85").value, Rate(8500));
  EXPECT_EQ(parse_rate("0.85").error, NumberError::ok);
  EXPECT_EQ(parse_rate("1").value, Rate(10000));
  EXPECT_EQ(parse_rate("1.0000").value, Rate(10000));
  EXPECT_TRUE(parse_rate("1.0000"));
  EXPECT_EQ(parse_rate("1.0").value, Rate::one());
  EXPECT_EQ(parse_rate("0.0525").value, Rate(525));
  EXPECT_EQ(parse_rate("0").value, Rate(0));
  EXPECT_TRUE(parse_rate("0"));
  EXPECT_EQ(parse_rate("0.0001").value, Rate(1));
  EXPECT_EQ(parse_rate("0.9999").value, Rate(9999));
  EXPECT_EQ(parse_rate("0.6667").value, Rate(6667));
  EXPECT_EQ(parse_rate("0.7").value, Rate(7000));
  EXPECT_EQ(parse_rate("0.10").value, Rate(1000));
}

TEST(ParseRate, Errors) {
  EXPECT_EQ(rate_error("1.5"), NumberError::too_large);    // 1.5 > 1
  EXPECT_EQ(rate_error("1.0001"), NumberError::too_large);  // just above 1
  EXPECT_EQ(rate_error("2"), NumberError::too_large);
  EXPECT_EQ(rate_error("10"), NumberError::too_large);
  EXPECT_EQ(rate_error("0.12345"), NumberError::too_many_decimals);
  EXPECT_EQ(rate_error("1.00000"), NumberError::too_many_decimals);
  EXPECT_EQ(rate_error("00.5"), NumberError::leading_zero);
  EXPECT_EQ(rate_error(".5"), NumberError::bare_point);
  EXPECT_EQ(rate_error("1."), NumberError::bare_point);
  EXPECT_EQ(rate_error("-0.1"), NumberError::sign);
  EXPECT_EQ(rate_error("+0.1"), NumberError::sign);
  EXPECT_EQ(rate_error("--0.1"), NumberError::sign);
  EXPECT_EQ(rate_error(""), NumberError::empty);
  EXPECT_EQ(rate_error("0.5%"), NumberError::junk);
  EXPECT_EQ(rate_error("abc"), NumberError::junk);
  EXPECT_EQ(rate_error("5e-1"), NumberError::exponent);
  EXPECT_EQ(rate_error("NaN"), NumberError::not_a_number);
  EXPECT_FALSE(parse_rate("1.5"));
}

TEST(ParseRateDelta, Valid) {
  // "-0.1" = -1000; "+0.10" = +1000; "0.05" = 500; "-1" = -10000; "-0" = 0.
  EXPECT_EQ(parse_rate_delta("-0.1").value, Rate(-1000));
  EXPECT_TRUE(parse_rate_delta("-0.1"));
  EXPECT_EQ(parse_rate_delta("+0.10").value, Rate(1000));
  EXPECT_TRUE(parse_rate_delta("+0.10"));
  EXPECT_EQ(parse_rate_delta("0.05").value, Rate(500));
  EXPECT_EQ(parse_rate_delta("-1").value, Rate(-10000));
  EXPECT_EQ(parse_rate_delta("1.0000").value, Rate(10000));
  EXPECT_EQ(parse_rate_delta("-0.0525").value, Rate(-525));
  EXPECT_EQ(parse_rate_delta("-0").value, Rate(0));
  EXPECT_TRUE(parse_rate_delta("-0"));
}

TEST(ParseRateDelta, Errors) {
  EXPECT_EQ(delta_error("--0.1"), NumberError::sign);
  EXPECT_EQ(delta_error("+-0.1"), NumberError::sign);
  EXPECT_EQ(delta_error("-1.5"), NumberError::too_large);
  EXPECT_EQ(delta_error("1.5"), NumberError::too_large);
  EXPECT_EQ(delta_error("2"), NumberError::too_large);
  EXPECT_EQ(delta_error("-0.12345"), NumberError::too_many_decimals);
  EXPECT_EQ(delta_error("00.5"), NumberError::leading_zero);
  EXPECT_EQ(delta_error(".5"), NumberError::bare_point);
  EXPECT_EQ(delta_error("-.5"), NumberError::bare_point);
  EXPECT_EQ(delta_error(""), NumberError::empty);
  EXPECT_EQ(delta_error("-"), NumberError::sign);
  EXPECT_EQ(delta_error("-NaN"), NumberError::not_a_number);
  EXPECT_EQ(delta_error("-1e-1"), NumberError::exponent);
  EXPECT_EQ(delta_error("- 0.1"), NumberError::junk);
}

// ---- format ---------------------------------------------------------------

TEST(FormatFen, TwoDecimals) {
  EXPECT_EQ(format(Fen(0)), "0.00");
  EXPECT_EQ(format(Fen(5)), "0.05");
  EXPECT_EQ(format(Fen(-5)), "-0.05");
  EXPECT_EQ(format(Fen(50)), "0.50");
  EXPECT_EQ(format(Fen(-100)), "-1.00");
  EXPECT_EQ(format(Fen(123450)), "1234.50");
  EXPECT_EQ(format(Fen(93382)), "933.82");
  EXPECT_EQ(format(max_amount), "1000000000000.00");
  // INT64_MIN = -9223372036854775808 fen; INT64_MAX = 9223372036854775807 fen.
  EXPECT_EQ(format(Fen(kMin)), "-92233720368547758.08");
  EXPECT_EQ(format(Fen(kMax)), "92233720368547758.07");
}

TEST(FormatFen, FormatToAppends) {
  std::string s = "total=";
  format_to(s, Fen(-123450));
  EXPECT_EQ(s, "total=-1234.50");
}

TEST(FormatFen, RoundTripsWithParse) {
  for (std::int64_t v : {std::int64_t{0}, std::int64_t{1}, std::int64_t{99}, std::int64_t{100}, std::int64_t{123456},
                         max_amount.count()}) {
    auto p = parse_amount(format(Fen(v)));
    EXPECT_TRUE(p) << v;
    EXPECT_EQ(p.value, Fen(v));
  }
}

TEST(FormatRate, ShortestExactForm) {
  EXPECT_EQ(format(Rate(8500)), "0.85");
  EXPECT_EQ(format(Rate(525)), "0.0525");
  EXPECT_EQ(format(Rate(10000)), "1");
  EXPECT_EQ(format(Rate(0)), "0");
  EXPECT_EQ(format(Rate(-1000)), "-0.1");
  EXPECT_EQ(format(Rate(1)), "0.0001");
  EXPECT_EQ(format(Rate(6667)), "0.6667");
  EXPECT_EQ(format(Rate(-10000)), "-1");
  EXPECT_EQ(format(Rate(15000)), "1.5");
  // The extremes of the representation: ±214748.3647 / -214748.3648.
  EXPECT_EQ(format(Rate(std::numeric_limits<std::int32_t>::max())), "214748.3647");
  EXPECT_EQ(format(Rate(std::numeric_limits<std::int32_t>::min())), "-214748.3648");
}

TEST(FormatRate, RoundTripsWithParse) {
  for (std::int32_t v = 0; v <= 10000; ++v) {
    auto p = parse_rate(format(Rate(v)));
    ASSERT_TRUE(p) << v;
    ASSERT_EQ(p.value, Rate(v));
  }
}

// ---- describe ---------------------------------------------------------------

TEST(MoneyDescribe, EveryError) {
  EXPECT_EQ(describe(NumberError::ok), "ok");
  EXPECT_EQ(describe(NumberError::empty), "empty");
  EXPECT_EQ(describe(NumberError::junk), "not a decimal number");
  EXPECT_EQ(describe(NumberError::sign), "signs are not allowed");
  EXPECT_EQ(describe(NumberError::negative), "negative amount");
  EXPECT_EQ(describe(NumberError::leading_zero), "leading zeros are not allowed");
  EXPECT_EQ(describe(NumberError::bare_point), "a decimal point needs digits on both sides");
  EXPECT_EQ(describe(NumberError::exponent), "exponents are not allowed");
  EXPECT_EQ(describe(NumberError::not_a_number), "not a number");
  EXPECT_EQ(describe(NumberError::too_large), "amount above 10^12 yuan");
  EXPECT_EQ(describe(NumberError::too_large, true), "above 1");
  EXPECT_EQ(describe(NumberError::too_many_decimals), "more than 2 fractional digits");
  EXPECT_EQ(describe(NumberError::too_many_decimals, false), "more than 2 fractional digits");
  EXPECT_EQ(describe(NumberError::too_many_decimals, true), "more than 4 fractional digits");
}

TEST(MoneyDescribe, ParseErrorsDescribeThemselves) {
  EXPECT_EQ(describe(parse_amount("1.500").error), "more than 2 fractional digits");
  EXPECT_EQ(describe(parse_rate("0.12345").error, true), "more than 4 fractional digits");
  EXPECT_EQ(describe(parse_amount("-0").error), "signs are not allowed");
  EXPECT_EQ(describe(parse_amount("-50.00").error), "negative amount");
}

// ---- the strong types themselves --------------------------------------------------

TEST(MoneyTypes, FenArithmeticAndComparison) {
  static_assert(std::is_trivially_copyable_v<Fen>);
  static_assert(std::is_trivially_copyable_v<Rate>);
  static_assert(!std::is_convertible_v<std::int64_t, Fen>);
  static_assert(!std::is_convertible_v<std::int32_t, Rate>);
  static_assert(Fen::from_yuan(12) == Fen(1200));
  static_assert(Fen(5) + Fen(7) == Fen(12));
  static_assert(Fen(5) - Fen(7) == Fen(-2));
  static_assert(-Fen(5) == Fen(-5));
  static_assert(Fen(1) < Fen(2));
  static_assert(min(Fen(3), Fen(4)) == Fen(3));
  static_assert(max(Fen(3), Fen(4)) == Fen(4));
  static_assert(Rate(12000).clipped() == Rate::one());
  static_assert(Rate(-5).clipped() == Rate::zero());
  static_assert(Rate(8500).clipped() == Rate(8500));
  static_assert(Rate(8500) + Rate(-1000) == Rate(7500));
  Fen f(100);
  f += Fen(50);
  f -= Fen(30);
  EXPECT_EQ(f, Fen(120));
  EXPECT_EQ(Fen().count(), 0);
  EXPECT_EQ(Rate().ten_thousandths(), 0);
}
