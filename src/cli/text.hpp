// The command's texts, in the language it runs in (--lang, or the locale):
// N_ marks a text for the gettext catalogue, tr() renders it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "medsettle/errors.hpp"
#include "medsettle/language.hpp"

#define N_(text) text

namespace medsettle::cli {

/// The language of human-readable text.
Language language() noexcept;
/// Whether --lang was given (machine output then follows it too).
bool language_explicit() noexcept;
/// Sets both, once, at start-up.
void set_language(Language language, bool explicit_choice);
/// The language of messages inside JSON output: English unless --lang was given.
inline Language json_language() noexcept { return language_explicit() ? language() : Language::en; }

inline std::string arg_text(std::string_view s) { return std::string(s); }
inline std::string arg_text(const std::string& s) { return s; }
inline std::string arg_text(const char* s) { return s; }
template <class T>
std::string arg_text(const T& v) {
  return fmt::to_string(v);
}

/// A catalogue text in the command's language, with its arguments.
template <class... Args>
std::string tr(const char* msgid, const Args&... args) {
  return Message{msgid, {arg_text(args)...}}.text(language());
}

}  // namespace medsettle::cli
