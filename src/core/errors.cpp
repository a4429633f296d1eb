#include "medsettle/errors.hpp"

#include <array>

#include <fmt/args.h>
#include <fmt/format.h>

#include "core/text.hpp"

namespace medsettle {

namespace {
constexpr std::array<std::string_view, 17> code_names{
    "not_json",   "missing_field", "unknown_field", "duplicate_key",     "bad_type",     "bad_amount",
    "bad_rate",   "bad_date",      "bad_value",     "buckets_mismatch",  "no_version",   "duplicate_stay_id",
    "bad_referral", "bad_prior",   "earlier_rejected", "unknown_stay",   "not_last"};
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

std::string Message::text(Language language) const {
  if (!id) return {};
  const char* pattern = translate(language, id);
  fmt::dynamic_format_arg_store<fmt::format_context> store;
  for (const std::string& a : args) store.push_back(a);
  try {
    return fmt::vformat(pattern, store);
  } catch (const fmt::format_error&) {
    // A translation whose placeholders do not match: the English text is right.
    try {
      return fmt::vformat(id, store);
    } catch (const fmt::format_error&) {
      return id;
    }
  }
}

Error::Error(Message m) : std::runtime_error(m.text(Language::en)), message_(std::move(m)) {}

std::string Error::message_in(Language language) const { return message_.id ? message_.text(language) : what(); }

std::string RuleDiagnostic::to_string() const { return fmt::format("{}:{}:{}: {}", file, line, column, message); }

std::string RuleDiagnostic::to_string(Language language) const {
  return fmt::format("{}:{}:{}: {}", file, line, column, what.id ? what.text(language) : message);
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
    : Error(summary(diagnostics)), diags_(std::move(diagnostics)) {}

}  // namespace medsettle
