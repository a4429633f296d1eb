// The report layer's texts in a language: N_ marks an English text as a
// catalogue id (po/), word() and says() render it. Internal.
#pragma once

#include <string>

#include "core/text.hpp"
#include "medsettle/language.hpp"

namespace medsettle::report {

/// A catalogue text without arguments, in `l`.
inline std::string word(Language l, const char* id) { return translate(l, id); }

/// A catalogue pattern with its arguments ({} in order), in `l`.
template <class... Args>
std::string says(Language l, const char* id, const Args&... args) {
  return detail::message(id, args...).text(l);
}

}  // namespace medsettle::report
