// Fen as text written in place, for the writers that format into a buffer
// of their own (format_to(std::string&, Fen) is the same text). Internal.
#pragma once

#include <cstddef>
#include <string_view>

#include "medsettle/money.hpp"

namespace medsettle::detail {

/// The most characters write_fen() writes ("-92233720368547758.08").
inline constexpr std::size_t max_fen_chars = 24;

/// Writes `amount` as yuan with two decimals ("-1234.05") at `at`, which
/// has room for max_fen_chars, and returns the end of what it wrote.
char* write_fen(char* at, Fen amount) noexcept;

/// The longest start of `text` that is an amount in its usual form: up to 13
/// digits with no leading zero, then perhaps a point and one or two digits,
/// at most 10^12 yuan. Its length (0 if none), its value in `fen`.
/// parse_amount() takes a text that is all of it this way; a reader may take
/// an amount from a longer text (a document's bytes) and look at what follows.
std::size_t plain_fen_prefix(std::string_view text, Fen& fen) noexcept;

}  // namespace medsettle::detail
