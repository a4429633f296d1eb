// Fen as text written in place, for the writers that format into a buffer
// of their own (format_to(std::string&, Fen) is the same text). Internal.
#pragma once

#include <cstddef>

#include "medsettle/money.hpp"

namespace medsettle::detail {

/// The most characters write_fen() writes ("-92233720368547758.08").
inline constexpr std::size_t max_fen_chars = 24;

/// Writes `amount` as yuan with two decimals ("-1234.05") at `at`, which
/// has room for max_fen_chars, and returns the end of what it wrote.
char* write_fen(char* at, Fen amount) noexcept;

}  // namespace medsettle::detail
