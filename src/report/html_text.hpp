// Text put into the HTML pages of the report layer (the compare report, the
// settlement slip). Internal.
#pragma once

#include <string>
#include <string_view>

namespace medsettle::report_html {

/// `s` with the HTML special characters as entities.
inline std::string esc(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

/// An id attribute value made of [A-Za-z0-9_-] only.
inline std::string id_part(std::string_view s) {
  std::string out;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    out += ok ? c : '_';
  }
  return out;
}

}  // namespace medsettle::report_html
