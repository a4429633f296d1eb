#include "medsettle/date.hpp"

#include <fmt/format.h>

namespace medsettle {

DateParse parse_date(std::string_view t) noexcept {
  DateParse out;
  auto digit = [&](std::size_t i) { return t[i] >= '0' && t[i] <= '9'; };
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') { out.error = DateError::malformed; return out; }
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!digit(i)) { out.error = DateError::malformed; return out; }
  }
  auto num = [&](std::size_t from, std::size_t n) {
    int v = 0;
    for (std::size_t i = from; i < from + n; ++i) v = v * 10 + (t[i] - '0');
    return v;
  };
  int y = num(0, 4);
  unsigned m = static_cast<unsigned>(num(5, 2)), d = static_cast<unsigned>(num(8, 2));
  if (y < 1000) { out.error = DateError::malformed; return out; }
  if (!valid_ymd(y, m, d)) { out.error = DateError::no_such_date; return out; }
  out.value = Date::from_ymd(y, m, d);
  return out;
}

std::string format(Date d) {
  auto v = d.ymd();
  return fmt::format("{:04}-{:02}-{:02}", v.y, v.m, v.d);
}

}  // namespace medsettle
