// Checked 128-bit arithmetic for the slow path of exact money computations.
// Internal: Boost.Multiprecision stays out of the public headers.
#pragma once

#include <boost/multiprecision/cpp_int.hpp>
#include <cstdint>
#include <stdexcept>

#include "medsettle/money.hpp"

namespace medsettle {

/// A signed 128-bit integer that throws std::overflow_error instead of wrapping.
using Wide = boost::multiprecision::checked_int128_t;

/// Rounds num / den (den > 0) to an integer with the given mode; throws
/// std::overflow_error if the result does not fit in int64.
inline std::int64_t round_wide(const Wide& num, std::int64_t den, Rounding mode) {
  Wide q = num / den;
  Wide r = num % den;
  if (r != 0) {
    Wide twice = r < 0 ? Wide(-r) * 2 : r * 2;
    bool away;
    if (twice > den) away = true;
    else if (twice < den) away = false;
    else away = mode == Rounding::half_up || (q % 2 != 0);
    if (away) q += (num < 0 ? -1 : 1);
  }
  if (q > INT64_MAX || q < INT64_MIN) throw std::overflow_error("amount out of range");
  return static_cast<std::int64_t>(q);
}

}  // namespace medsettle
