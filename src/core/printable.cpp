#include "medsettle/printable.hpp"

#include <fmt/format.h>

namespace medsettle {

namespace {

bool c0_or_del(unsigned char c) noexcept { return (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f; }

bool c1_at(std::string_view text, std::size_t i) noexcept {
  return i + 1 < text.size() && static_cast<unsigned char>(text[i]) == 0xc2 &&
         static_cast<unsigned char>(text[i + 1]) >= 0x80 && static_cast<unsigned char>(text[i + 1]) <= 0x9f;
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\r') {
      out += "\\r";
    } else if (c0_or_del(c)) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c1_at(text, i)) {
      out += fmt::format("\\u00{:02x}", static_cast<unsigned char>(text[i + 1]));
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace medsettle
