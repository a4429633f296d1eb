// medsettle/errors.hpp: rejections of stays (ordinary data), messages, and
// the library's exceptions (one root: medsettle::Error).
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "medsettle/export.hpp"
#include "medsettle/language.hpp"

namespace medsettle {

/// Why a stay was rejected (SEMANTICS.md §10, §11). The names are stable.
enum class ErrorCode : std::uint8_t {
  not_json, missing_field, unknown_field, duplicate_key, bad_type, bad_amount, bad_rate,
  bad_date, bad_value, buckets_mismatch, no_version, duplicate_stay_id, bad_referral,
  bad_prior, earlier_rejected, unknown_stay, not_last,
};
[[nodiscard]] MEDSETTLE_API std::string_view name(ErrorCode) noexcept;
[[nodiscard]] MEDSETTLE_API std::optional<ErrorCode> error_code_from(std::string_view) noexcept;

/// A message in the catalogue: its English text with `{}` placeholders (the
/// gettext msgid, static storage) and the arguments, already text. It can
/// be rendered in any Language.
struct MEDSETTLE_API Message {
  const char* id = nullptr;
  std::vector<std::string> args;
  /// The message in `language`; "" for an empty message.
  [[nodiscard]] std::string text(Language language = Language::en) const;
  friend bool operator==(const Message&, const Message&) = default;
};

/// A rejected input record: a result, not an exception.
struct Rejection {
  std::optional<std::string> stay_id;  ///< when readable
  std::uint64_t line = 0;              ///< 1-based physical line (or CSV record's first line)
  ErrorCode code = ErrorCode::not_json;
  std::string field;                   ///< path like "fees[2].amount"; empty where no single field is at fault
  std::string message;                 ///< in English (= what.text(Language::en))
  Message what;                        ///< the message, to render in another language

  /// The message in `language`.
  [[nodiscard]] std::string message_in(Language language) const {
    return what.id ? what.text(language) : message;
  }
};

/// The root of every exception the library throws for a reason a caller can
/// act on (bad rule files, unusable inputs, kept-ledger refusals, misuse).
/// `what()` is English; `message()` renders it in another language.
class MEDSETTLE_API Error : public std::runtime_error {
 public:
  explicit Error(const std::string& english) : std::runtime_error(english) {}
  explicit Error(Message m);
  [[nodiscard]] const Message& message() const noexcept { return message_; }
  [[nodiscard]] std::string message_in(Language language) const;

 private:
  Message message_;
};

/// A library function used against its contract: a ledger of another rule
/// set, a ledger used by two threads at once, a null argument.
class MEDSETTLE_API UsageError : public Error {
 public:
  using Error::Error;
};

/// One problem in a rule file, at a 1-based line and column.
struct MEDSETTLE_API RuleDiagnostic {
  std::string file;
  std::uint32_t line = 0, column = 0;
  std::string message;  ///< English
  Message what;         ///< the message, to render in another language
  /// "file:line:column: message"
  [[nodiscard]] std::string to_string() const;
  /// The same in `language`.
  [[nodiscard]] std::string to_string(Language language) const;
};

/// Thrown by the rule loader: every problem found in the file, in file order.
class MEDSETTLE_API RuleFileError : public Error {
 public:
  explicit RuleFileError(std::vector<RuleDiagnostic> diagnostics);
  [[nodiscard]] const std::vector<RuleDiagnostic>& diagnostics() const noexcept { return diags_; }

 private:
  std::vector<RuleDiagnostic> diags_;
};

/// Thrown when an input or output cannot be read or written (a file that
/// cannot be opened, a read error, a full disk): names the file and, where
/// known, the byte offset.
class MEDSETTLE_API IoError : public Error {
 public:
  using Error::Error;
};

}  // namespace medsettle
