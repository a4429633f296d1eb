// Messages in the catalogue: N_ marks an English text as a gettext msgid
// (xgettext --keyword=N_), message() binds its arguments. Internal.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "medsettle/date.hpp"
#include "medsettle/errors.hpp"
#include "medsettle/money.hpp"

#define N_(text) text

namespace medsettle::detail {

inline std::string arg_text(std::string_view s) { return std::string(s); }
inline std::string arg_text(const std::string& s) { return s; }
inline std::string arg_text(const char* s) { return s; }
inline std::string arg_text(Fen f) { return format(f); }
inline std::string arg_text(Rate r) { return format(r); }
inline std::string arg_text(Date d) { return format(d); }
template <std::integral I>
std::string arg_text(I n) {
  return std::to_string(n);
}

/// A catalogue message with its arguments rendered as text.
template <class... Args>
Message message(const char* id, const Args&... args) {
  return Message{id, {arg_text(args)...}};
}

/// A rejection with its message in English and in catalogue form.
inline Rejection rejection(std::optional<std::string> stay_id, std::uint64_t line, ErrorCode code, std::string field,
                           Message what) {
  Rejection r;
  r.stay_id = std::move(stay_id);
  r.line = line;
  r.code = code;
  r.field = std::move(field);
  r.message = what.text(Language::en);
  r.what = std::move(what);
  return r;
}

}  // namespace medsettle::detail
