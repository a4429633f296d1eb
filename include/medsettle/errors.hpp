// medsettle/errors.hpp: rejections of stays (ordinary data) and rule-file errors.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "medsettle/export.hpp"

namespace medsettle {

/// Why a stay was rejected (SEMANTICS.md §10). The names are stable.
enum class ErrorCode : std::uint8_t {
  not_json, missing_field, unknown_field, duplicate_key, bad_type, bad_amount, bad_rate,
  bad_date, bad_value, buckets_mismatch, no_version, duplicate_stay_id, bad_referral,
  bad_prior, earlier_rejected,
};
[[nodiscard]] MEDSETTLE_API std::string_view name(ErrorCode) noexcept;
[[nodiscard]] MEDSETTLE_API std::optional<ErrorCode> error_code_from(std::string_view) noexcept;

/// A rejected input record: a result, not an exception.
struct Rejection {
  std::optional<std::string> stay_id;  ///< when readable
  std::uint64_t line = 0;              ///< 1-based physical line (or CSV record's first line)
  ErrorCode code = ErrorCode::not_json;
  std::string field;                   ///< path like "fees[2].amount"; empty where no single field is at fault
  std::string message;
};

/// One problem in a rule file, at a 1-based line and column.
struct MEDSETTLE_API RuleDiagnostic {
  std::string file;
  std::uint32_t line = 0, column = 0;
  std::string message;
  /// "file:line:column: message"
  [[nodiscard]] std::string to_string() const;
};

/// Thrown by the rule loader: every problem found in the file, in file order.
class MEDSETTLE_API RuleFileError : public std::runtime_error {
 public:
  explicit RuleFileError(std::vector<RuleDiagnostic> diagnostics);
  [[nodiscard]] const std::vector<RuleDiagnostic>& diagnostics() const noexcept { return diags_; }

 private:
  std::vector<RuleDiagnostic> diags_;
};

}  // namespace medsettle
