#include "medsettle/errors.hpp"

#include <array>

#include <fmt/format.h>

namespace medsettle {

namespace {
constexpr std::array<std::string_view, 15> code_names{
    "not_json", "missing_field", "unknown_field", "duplicate_key", "bad_type",
    "bad_amount", "bad_rate", "bad_date", "bad_value", "buckets_mismatch",
    "no_version", "duplicate_stay_id", "bad_referral", "bad_prior", "earlier_rejected"};
}

std::string_view name(ErrorCode c) noexcept {
  auto i = static_cast<std::size_t>(c);
  return i < code_names.size() ? code_names[i] : "unknown";
}

std::optional<ErrorCode> error_code_from(std::string_view s) noexcept {
  for (std::size_t i = 0; i < code_names.size(); ++i) {
    if (code_names[i] == s) return static_cast<ErrorCode>(i);
  }
  return std::nullopt;
}

std::string RuleDiagnostic::to_string() const {
  return fmt::format("{}:{}:{}: {}", file, line, column, message);
}

namespace {
std::string summary(const std::vector<RuleDiagnostic>& d) {
  if (d.empty()) return "rule file error";
  std::string s = d.front().to_string();
  if (d.size() > 1) s += fmt::format(" (and {} more)", d.size() - 1);
  return s;
}
}  // namespace

RuleFileError::RuleFileError(std::vector<RuleDiagnostic> diagnostics)
    : std::runtime_error(summary(diagnostics)), diags_(std::move(diagnostics)) {}

}  // namespace medsettle
