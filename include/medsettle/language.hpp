// medsettle/language.hpp: the languages of medsettle's messages.
//
// Every message the library produces (rejections, rule-file diagnostics, the
// steps of an explanation, report headings) has an English text, which is
// also its id in the GNU gettext catalogue (po/), and a Simplified Chinese
// translation. Error codes, field paths and JSON keys are never translated.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "medsettle/export.hpp"

namespace medsettle {

enum class Language : std::uint8_t {
  en,  ///< English: the catalogue's ids, always available
  zh,  ///< Simplified Chinese (zh_CN)
};

/// "en" or "zh".
[[nodiscard]] MEDSETTLE_API std::string_view name(Language) noexcept;
/// Parses "en", "zh", "zh_CN", "zh-CN", "zh_CN.UTF-8", "en_US.UTF-8", "C", ...:
/// nullopt for a language medsettle has no catalogue for.
[[nodiscard]] MEDSETTLE_API std::optional<Language> language_from(std::string_view tag) noexcept;

/// The language the environment asks for (LANGUAGE, LC_ALL, LC_MESSAGES,
/// LANG, in gettext's order), English if none of them names one medsettle has.
[[nodiscard]] MEDSETTLE_API Language language_from_environment() noexcept;

/// Makes `language` available to this process: binds the gettext catalogue
/// (found beside the library, in the build tree, or in MEDSETTLE_LOCALEDIR)
/// whatever locales the machine has generated. English needs nothing. Sets
/// process-wide state (the locale and LANGUAGE): call it at start-up,
/// before other threads run, as the command and the Python module do.
/// Returns false if the Chinese catalogue cannot be found (messages then
/// stay English).
MEDSETTLE_API bool use_language(Language language);

/// The translation of an English catalogue text (`msgid`) into `language`;
/// the text itself for English or when no translation is loaded.
[[nodiscard]] MEDSETTLE_API const char* translate(Language language, const char* msgid) noexcept;

}  // namespace medsettle
