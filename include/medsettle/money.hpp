// medsettle/money.hpp: exact money (fen) and exact rates (1/10000).
//
// Money is a whole number of fen in a strong type; a rate is a whole number
// of ten-thousandths. Nothing here touches floating point. Rounding happens
// only in the functions that take a Rounding argument, and the mode is always
// passed explicitly (there is no global default).
#pragma once

#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "medsettle/export.hpp"

namespace medsettle {

/// How an exact value becomes whole fen (SEMANTICS.md §1).
enum class Rounding : std::uint8_t {
  half_up,    ///< half away from zero (四舍五入); the default of a rule set
  half_even,  ///< half to the even neighbour (banker's rounding)
};

/// An amount of money in fen (1 yuan = 100 fen). Trivially copyable.
/// Fen + Fen and Fen - Fen are defined; Fen × Fen and Fen + Rate are not.
class Fen {
 public:
  constexpr Fen() noexcept = default;
  constexpr explicit Fen(std::int64_t fen) noexcept : fen_(fen) {}
  static constexpr Fen from_yuan(std::int64_t yuan) noexcept { return Fen(yuan * 100); }

  [[nodiscard]] constexpr std::int64_t count() const noexcept { return fen_; }

  constexpr Fen& operator+=(Fen o) noexcept { fen_ += o.fen_; return *this; }
  constexpr Fen& operator-=(Fen o) noexcept { fen_ -= o.fen_; return *this; }
  friend constexpr Fen operator+(Fen a, Fen b) noexcept { return Fen(a.fen_ + b.fen_); }
  friend constexpr Fen operator-(Fen a, Fen b) noexcept { return Fen(a.fen_ - b.fen_); }
  friend constexpr Fen operator-(Fen a) noexcept { return Fen(-a.fen_); }
  friend constexpr auto operator<=>(Fen, Fen) noexcept = default;
  friend constexpr bool operator==(Fen, Fen) noexcept = default;

  // Multiplying two amounts has no meaning in money.
  friend Fen operator*(Fen, Fen) = delete;

 private:
  std::int64_t fen_ = 0;
};

constexpr Fen min(Fen a, Fen b) noexcept { return a < b ? a : b; }
constexpr Fen max(Fen a, Fen b) noexcept { return a < b ? b : a; }

/// The largest amount accepted anywhere in input: 10^12 yuan.
inline constexpr Fen max_amount = Fen(100'000'000'000'000);

/// An exact rate or fraction in ten-thousandths: 0.85 is Rate(8500).
/// Rates in a rule set lie in [0, 1]; a rate delta (rate_add) in [-1, 1].
class Rate {
 public:
  static constexpr std::int32_t scale = 10'000;
  constexpr Rate() noexcept = default;
  constexpr explicit Rate(std::int32_t ten_thousandths) noexcept : v_(ten_thousandths) {}
  static constexpr Rate one() noexcept { return Rate(scale); }
  static constexpr Rate zero() noexcept { return Rate(0); }

  [[nodiscard]] constexpr std::int32_t ten_thousandths() const noexcept { return v_; }
  /// Keeps a rate in [0, 1] (SEMANTICS.md §6 "clip").
  [[nodiscard]] constexpr Rate clipped() const noexcept {
    return Rate(v_ < 0 ? 0 : (v_ > scale ? scale : v_));
  }

  friend constexpr Rate operator+(Rate a, Rate b) noexcept { return Rate(a.v_ + b.v_); }
  friend constexpr auto operator<=>(Rate, Rate) noexcept = default;
  friend constexpr bool operator==(Rate, Rate) noexcept = default;

  // Money and rates do not add.
  friend Fen operator+(Fen, Rate) = delete;
  friend Fen operator+(Rate, Fen) = delete;
  friend Fen operator-(Fen, Rate) = delete;

 private:
  std::int32_t v_ = 0;
};

/// `amount × rate`, rounded to whole fen with the given mode. Exact for every
/// input: a native path where the product fits in 64 bits, checked 128-bit
/// arithmetic otherwise.
[[nodiscard]] MEDSETTLE_API Fen multiply(Fen amount, Rate rate, Rounding mode);

/// Divides an exact value `numerator / denominator` (denominator > 0) and
/// rounds it to an integer with the given mode.
[[nodiscard]] MEDSETTLE_API std::int64_t round_div(std::int64_t numerator, std::int64_t denominator,
                                     Rounding mode) noexcept;

/// Splits `amount` over `weights` in proportion, by largest remainder: each
/// share is floor(amount × w / Σw), and the fen left over go one each to the
/// largest remainders (ties: the earlier weight). The shares add up to
/// `amount` exactly. Weights must be non-negative; if they are all zero the
/// whole amount goes to the first share. `amount` must be non-negative.
[[nodiscard]] MEDSETTLE_API std::vector<Fen> allocate(Fen amount, std::span<const Fen> weights);

// ---- text ---------------------------------------------------------------

/// Why a text is not an amount or a rate.
enum class NumberError : std::uint8_t {
  ok,
  empty,              ///< ""
  junk,               ///< characters that are not a decimal number
  sign,               ///< "+5", "-0", "-" (a sign on zero, or any plus sign)
  negative,           ///< "-5", "-50.00": amounts cannot be negative
  leading_zero,       ///< "01"
  bare_point,         ///< "1." or ".5"
  too_many_decimals,  ///< "1.500" (amounts), "0.12345" (rates)
  exponent,           ///< "1.5e3"
  not_a_number,       ///< "NaN", "Infinity"
  too_large,          ///< above 10^12 yuan, or a rate above 1
};

/// A short English phrase for the error ("more than 2 fractional digits").
[[nodiscard]] MEDSETTLE_API std::string_view describe(NumberError e, bool rate = false) noexcept;

struct AmountParse {
  Fen value{};
  NumberError error = NumberError::ok;
  explicit operator bool() const noexcept { return error == NumberError::ok; }
};
struct RateParse {
  Rate value{};
  NumberError error = NumberError::ok;
  explicit operator bool() const noexcept { return error == NumberError::ok; }
};

/// Parses a non-negative amount of yuan: `(0|[1-9][0-9]*)(\.[0-9]{1,2})?`,
/// at most 10^12 yuan (SEMANTICS.md §1). Never goes through floating point.
[[nodiscard]] MEDSETTLE_API AmountParse parse_amount(std::string_view text) noexcept;

/// Parses a rate: `[01](\.[0-9]{1,4})?`, at most 1.
[[nodiscard]] MEDSETTLE_API RateParse parse_rate(std::string_view text) noexcept;

/// Parses a rate change: an optional `-` or `+` and a rate (`-0.10`).
[[nodiscard]] MEDSETTLE_API RateParse parse_rate_delta(std::string_view text) noexcept;

/// "1234.50", "-0.05": always exactly two decimals, no grouping.
[[nodiscard]] MEDSETTLE_API std::string format(Fen amount);
/// Appends the two-decimal form to `out` without allocating a temporary.
MEDSETTLE_API void format_to(std::string& out, Fen amount);
/// "0.85", "0.0525", "1": the shortest exact decimal form.
[[nodiscard]] MEDSETTLE_API std::string format(Rate rate);

}  // namespace medsettle
