// The rules of SEMANTICS.md §2–§3 that a stay's fields must meet, each
// once: validate() applies them to a Stay built in code, and the readers
// apply the same functions to each field as they read it, so both give the
// same code, field and message. Internal.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "medsettle/errors.hpp"
#include "medsettle/money.hpp"
#include "medsettle/stay.hpp"

namespace medsettle::detail {

/// A problem with one field: what a reader or validate() rejects.
struct Problem {
  ErrorCode code = ErrorCode::bad_value;
  std::string field;
  Message what;
};
using Check = std::optional<Problem>;

/// A stay id, person id, referral or diagnosis that is empty.
Check check_not_empty(std::string_view field, std::string_view value);
/// `{field}: unknown value '{text}' (expected one of {expected})`.
Problem unknown_value(std::string_view field, std::string_view text, std::string_view expected);
Check check_age(std::int64_t age);
/// A diagnosis code: printable ASCII without spaces, 1 to 32 characters (v2).
Check check_diagnosis(std::size_t index, std::string_view code);
Check check_diagnosis_count(std::size_t count);
/// A date a reader could have read (years 1000..9999).
Check check_date(std::string_view field, Date day);
Check check_stay_dates(Date admitted, Date discharged);
/// An amount in [0, 10^12 yuan].
Check check_amount(std::string_view field, Fen amount);
/// Why a text is not an amount (bad_amount), as a reader says it.
Problem amount_text_problem(std::string_view field, NumberError error, std::string_view text);
/// Why a text is not a rate (bad_rate).
Problem rate_text_problem(std::string_view field, std::string_view text);
/// A B line's self-pay ratio in [0, 1].
Check check_ratio(std::string_view field, Rate ratio);
/// The checks across a fee line's fields: over_limit within the amount,
/// a ratio only on B lines.
Check check_fee_across(std::size_t index, const FeeLine& line, bool has_ratio);
Check check_fees_total(std::span<const FeeLine> fees);
Check check_buckets_sum(const Buckets& b);
Check check_grants(std::string_view field, std::int64_t grants);
/// More items in a list than the readers accept.
Problem too_many_items(std::string_view field, std::size_t max);

/// The limits every stay is held to (the readers' defaults).
inline constexpr std::size_t max_fee_lines = 100'000;
inline constexpr std::size_t max_list_items = 1'000;

/// The rejection for a problem of a stay.
Rejection rejection_of(Problem p, std::optional<std::string> stay_id, std::uint64_t line);

}  // namespace medsettle::detail
