// medsettle/date.hpp: a calendar date as a strong, trivially copyable value.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "medsettle/export.hpp"

namespace medsettle {

/// A proleptic Gregorian date, stored as days since 1970-01-01.
class Date {
 public:
  constexpr Date() noexcept = default;
  static constexpr Date from_days(std::int32_t days) noexcept { Date d; d.days_ = days; return d; }
  /// The date y-m-d; the caller checks validity with `valid_ymd` first.
  static constexpr Date from_ymd(int y, unsigned m, unsigned d) noexcept {
    // Howard Hinnant's days_from_civil.
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return from_days(era * 146097 + static_cast<int>(doe) - 719468);
  }
  [[nodiscard]] constexpr std::int32_t days() const noexcept { return days_; }
  [[nodiscard]] constexpr int year() const noexcept { return ymd().y; }

  struct Ymd { int y; unsigned m, d; };
  [[nodiscard]] constexpr Ymd ymd() const noexcept {
    const int z = days_ + 719468;
    const int era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int y = static_cast<int>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2), m, d};
  }

  friend constexpr auto operator<=>(Date, Date) noexcept = default;
  friend constexpr bool operator==(Date, Date) noexcept = default;

 private:
  std::int32_t days_ = 0;
};

constexpr bool valid_ymd(int y, unsigned m, unsigned d) noexcept {
  if (m < 1 || m > 12 || d < 1) return false;
  constexpr unsigned len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= (m == 2 && leap ? 29u : len[m - 1]);
}

enum class DateError : std::uint8_t { ok, malformed, no_such_date };

struct DateParse {
  Date value{};
  DateError error = DateError::ok;
  explicit operator bool() const noexcept { return error == DateError::ok; }
};

/// Parses an ISO date `YYYY-MM-DD` (exactly that shape, years 1000..9999).
[[nodiscard]] MEDSETTLE_API DateParse parse_date(std::string_view text) noexcept;

/// "2019-03-12".
[[nodiscard]] MEDSETTLE_API std::string format(Date d);

}  // namespace medsettle
