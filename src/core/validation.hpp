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

/// A field's path, put together only when a problem is reported (checking a
/// valid stay formats none): "fees" "[2]" ".amount", "prior" ".basic" ".paid".
class FieldPath {
 public:
  FieldPath(const char* name) : head_(name) {}         // NOLINT: implicit by design
  FieldPath(std::string_view name) : head_(name) {}    // NOLINT
  FieldPath(const std::string& name) : head_(name) {}  // NOLINT
  FieldPath(std::string_view list, std::size_t index, std::string_view key = {})
      : head_(list), index_(index), key1_(key) {}
  FieldPath(std::string_view head, std::string_view key1, std::string_view key2)
      : head_(head), key1_(key1), key2_(key2) {}
  [[nodiscard]] std::string str() const;

 private:
  static constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::string_view head_;
  std::size_t index_ = none;
  std::string_view key1_, key2_;
};

/// A problem with one field: what a reader or validate() rejects.
struct Problem {
  ErrorCode code = ErrorCode::bad_value;
  std::string field;
  Message what;
};
using Check = std::optional<Problem>;

/// A stay id, person id, referral or diagnosis that is empty.
Check check_not_empty(const FieldPath& field, std::string_view value);
/// `{field}: unknown value '{text}' (expected one of {expected})`.
Problem unknown_value(const FieldPath& field, std::string_view text, std::string_view expected);
Check check_age(std::int64_t age);
/// A diagnosis code: printable ASCII without spaces, 1 to 32 characters (v2).
Check check_diagnosis(std::size_t index, std::string_view code);
Check check_diagnosis_count(std::size_t count);
/// A date a reader could have read (years 1000..9999).
Check check_date(const FieldPath& field, Date day);
Check check_stay_dates(Date admitted, Date discharged);
/// An amount in [0, 10^12 yuan].
Check check_amount(const FieldPath& field, Fen amount);
/// Why a text is not an amount (bad_amount), as a reader says it.
Problem amount_text_problem(const FieldPath& field, NumberError error, std::string_view text);
/// Why a text is not a rate (bad_rate).
Problem rate_text_problem(const FieldPath& field, std::string_view text);
/// A B line's self-pay ratio in [0, 1].
Check check_ratio(const FieldPath& field, Rate ratio);
/// The checks across a fee line's fields: over_limit within the amount,
/// a ratio only on B lines.
Check check_fee_across(std::size_t index, const FeeLine& line, bool has_ratio);
/// Whether check_fee_across() finds nothing to say (a reader asks this in
/// line, and calls the check only when it would report).
inline bool fee_across_holds(const FeeLine& line, bool has_ratio) {
  return !(line.over_limit > line.amount) && (!has_ratio || line.category == FeeCategory::B);
}
Check check_fees_total(std::span<const FeeLine> fees);
Check check_buckets_sum(const Buckets& b);
Check check_grants(const FieldPath& field, std::int64_t grants);
/// More items in a list than the readers accept.
Problem too_many_items(const FieldPath& field, std::size_t max);

/// The limits every stay is held to (the readers' defaults).
inline constexpr std::size_t max_fee_lines = 100'000;
inline constexpr std::size_t max_list_items = 1'000;

/// validate() and split() in one pass, for settle(): the stay's buckets
/// (as split() makes them) when every rule of validate() plainly holds;
/// nullopt when validate() has to look (the stay may still be valid).
std::optional<Buckets> plain_split(const Stay& stay, Rate class_b_selfpay, Rounding mode);

/// The rejection for a problem of a stay.
Rejection rejection_of(Problem p, std::optional<std::string> stay_id, std::uint64_t line);

}  // namespace medsettle::detail
