// Calendar dates: parse_date, from_ymd / ymd, comparison, format.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <type_traits>

#include "medsettle/date.hpp"

using namespace medsettle;

namespace {
bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
unsigned days_in(int y, unsigned m) {
  static constexpr unsigned len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29u : len[m - 1];
}
}  // namespace

TEST(DateParse, Valid) {
  auto d = parse_date("2019-03-12");
  ASSERT_TRUE(d);
  EXPECT_EQ(d.error, DateError::ok);
  EXPECT_EQ(d.value.ymd().y, 2019);
  EXPECT_EQ(d.value.ymd().m, 3u);
  EXPECT_EQ(d.value.ymd().d, 12u);
  EXPECT_EQ(d.value, Date::from_ymd(2019, 3, 12));
  // 1970-01-01 is day 0; 1970-01-02 is day 1; 1969-12-31 would be day -1.
  EXPECT_EQ(parse_date("1970-01-01").value.days(), 0);
  EXPECT_EQ(parse_date("1970-01-02").value.days(), 1);
  // 2000-01-01 = 30 years of 365 days + 7 leap days (72,76,80,84,88,92,96) = 10957.
  EXPECT_EQ(parse_date("2000-01-01").value.days(), 10957);
  EXPECT_EQ(parse_date("1000-01-01").error, DateError::ok);
  EXPECT_EQ(parse_date("9999-12-31").error, DateError::ok);
  EXPECT_EQ(parse_date("2019-12-31").value, Date::from_ymd(2019, 12, 31));
}

TEST(DateParse, LeapDays) {
  // 2020 is divisible by 4 -> leap; 2019 is not.
  EXPECT_EQ(parse_date("2020-02-29").error, DateError::ok);
  EXPECT_EQ(parse_date("2020-02-29").value, Date::from_ymd(2020, 2, 29));
  EXPECT_EQ(parse_date("2019-02-29").error, DateError::no_such_date);
  // 1900 is divisible by 100 but not 400 -> not leap; 2000 is divisible by 400 -> leap.
  EXPECT_EQ(parse_date("1900-02-29").error, DateError::no_such_date);
  EXPECT_EQ(parse_date("2000-02-29").error, DateError::ok);
  EXPECT_EQ(parse_date("2100-02-29").error, DateError::no_such_date);
  EXPECT_EQ(parse_date("2020-02-30").error, DateError::no_such_date);
}

TEST(DateParse, NoSuchDate) {
  EXPECT_EQ(parse_date("2019-02-30").error, DateError::no_such_date);
  EXPECT_EQ(parse_date("2019-04-31").error, DateError::no_such_date);
  EXPECT_EQ(parse_date("2019-06-31").error, DateError::no_such_date);
  EXPECT_EQ(parse_date("2019-09-31").error, DateError::no_such_date);
  EXPECT_EQ(parse_date("2019-11-31").error, DateError::no_such_date);
  EXPECT_EQ(parse_date("2019-01-32").error, DateError::no_such_date);
  EXPECT_EQ(parse_date("2019-00-10").error, DateError::no_such_date);
  EXPECT_EQ(parse_date("2019-13-01").error, DateError::no_such_date);
  EXPECT_EQ(parse_date("2019-01-00").error, DateError::no_such_date);
  EXPECT_EQ(parse_date("2019-99-99").error, DateError::no_such_date);
  EXPECT_FALSE(parse_date("2019-02-30"));
}

TEST(DateParse, Malformed) {
  EXPECT_EQ(parse_date("2019-3-1").error, DateError::malformed);
  EXPECT_EQ(parse_date("2019-03-01T").error, DateError::malformed);
  EXPECT_EQ(parse_date("2019-03-01T00:00:00").error, DateError::malformed);
  EXPECT_EQ(parse_date("").error, DateError::malformed);
  EXPECT_EQ(parse_date("20190301").error, DateError::malformed);
  EXPECT_EQ(parse_date("2019/03/01").error, DateError::malformed);
  EXPECT_EQ(parse_date("2019-03-1a").error, DateError::malformed);
  EXPECT_EQ(parse_date(" 2019-03-1").error, DateError::malformed);
  EXPECT_EQ(parse_date("2019-03-01 ").error, DateError::malformed);
  EXPECT_EQ(parse_date("+019-03-01").error, DateError::malformed);
  EXPECT_EQ(parse_date("2019--3-01").error, DateError::malformed);
  EXPECT_EQ(parse_date("19-03-01").error, DateError::malformed);
  EXPECT_EQ(parse_date("12019-03-01").error, DateError::malformed);
  // Years below 1000 are outside YYYY.
  EXPECT_EQ(parse_date("0999-12-31").error, DateError::malformed);
  EXPECT_EQ(parse_date("0000-01-01").error, DateError::malformed);
  EXPECT_FALSE(parse_date("2019-3-1"));
}

TEST(DateRoundTrip, EveryDayFrom1970To2100) {
  // Walk the calendar by hand and check that from_ymd gives consecutive day
  // numbers, that ymd() inverts it, and that format/parse_date round-trip.
  int failures = 0;
  std::string first;
  std::int32_t expected_days = 0;  // 1970-01-01
  Date prev = Date::from_days(-1);
  for (int y = 1970; y <= 2100; ++y) {
    for (unsigned m = 1; m <= 12; ++m) {
      for (unsigned d = 1; d <= days_in(y, m); ++d) {
        Date date = Date::from_ymd(y, m, d);
        auto back = date.ymd();
        std::string text = format(date);
        char want[16];
        std::snprintf(want, sizeof want, "%04d-%02u-%02u", y, m, d);
        auto parsed = parse_date(want);
        bool ok = valid_ymd(y, m, d) && date.days() == expected_days && back.y == y && back.m == m &&
                  back.d == d && date.year() == y && text == want && parsed && parsed.value == date &&
                  prev < date && date > prev && prev != date && !(date <= prev) && prev <= date && date >= prev &&
                  Date::from_days(date.days()) == date;
        if (!ok) {
          if (failures == 0) first = std::string(want) + " (day " + std::to_string(expected_days) + ")";
          ++failures;
        }
        prev = date;
        ++expected_days;
      }
      if (valid_ymd(y, m, days_in(y, m) + 1)) {
        if (failures == 0) first = "valid_ymd accepts day after end of month " + std::to_string(y) + "-" + std::to_string(m);
        ++failures;
      }
    }
  }
  EXPECT_EQ(failures, 0) << "first failure: " << first;
  // 1970-01-01 .. 2100-12-31 is 131 years with 32 leap days (1972..2096) = 47847 days.
  EXPECT_EQ(expected_days, 131 * 365 + 32);
  EXPECT_EQ(prev, Date::from_ymd(2100, 12, 31));
  EXPECT_EQ(prev.days(), 131 * 365 + 32 - 1);
}

TEST(DateCompare, Operators) {
  Date a = Date::from_ymd(2019, 3, 12), b = Date::from_ymd(2019, 3, 13), c = Date::from_ymd(2019, 3, 12);
  EXPECT_TRUE(a < b);
  EXPECT_TRUE(a <= b);
  EXPECT_TRUE(b > a);
  EXPECT_TRUE(b >= a);
  EXPECT_TRUE(a == c);
  EXPECT_TRUE(a != b);
  EXPECT_TRUE(a <= c && a >= c);
  EXPECT_FALSE(a < c);
  EXPECT_EQ(b.days() - a.days(), 1);
  // Across a year end and a leap day: 2020-02-28 + 2 days = 2020-03-01.
  EXPECT_EQ(Date::from_ymd(2020, 3, 1).days() - Date::from_ymd(2020, 2, 28).days(), 2);
  EXPECT_EQ(Date::from_ymd(2019, 3, 1).days() - Date::from_ymd(2019, 2, 28).days(), 1);
  EXPECT_EQ(Date::from_ymd(2020, 1, 1).days() - Date::from_ymd(2019, 12, 31).days(), 1);
  static_assert(std::is_trivially_copyable_v<Date>);
  static_assert(Date::from_ymd(1970, 1, 1).days() == 0);
  static_assert(Date::from_ymd(1969, 12, 31).days() == -1);
  static_assert(Date().days() == 0);
}

TEST(DateFormat, IsoForm) {
  EXPECT_EQ(format(Date::from_ymd(2019, 3, 12)), "2019-03-12");
  EXPECT_EQ(format(Date::from_ymd(1970, 1, 1)), "1970-01-01");
  EXPECT_EQ(format(Date()), "1970-01-01");
  EXPECT_EQ(format(Date::from_ymd(2000, 2, 29)), "2000-02-29");
  EXPECT_EQ(format(Date::from_ymd(9999, 12, 31)), "9999-12-31");
  EXPECT_EQ(format(Date::from_ymd(1000, 1, 1)), "1000-01-01");
  EXPECT_EQ(format(Date::from_days(-1)), "1969-12-31");
  EXPECT_EQ(format(parse_date("2024-10-05").value), "2024-10-05");
}
