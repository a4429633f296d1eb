// medsettle/printable.hpp: text that cannot attack a terminal.
#pragma once

#include <string>
#include <string_view>

#include "medsettle/export.hpp"

namespace medsettle {

/// `text` with every control character a terminal would act on written out
/// as an escape: C0 controls but line feed and tab (so ESC is `\x1b`, NUL
/// `\x00`, CR `\r`), DEL `\x7f`, and the C1 controls U+0080..U+009F (UTF-8
/// C2 80..C2 9F) as `\u0080`..`\u009f`; a backslash stays a backslash. Other
/// bytes, UTF-8 Chinese included, are kept. Human-readable output (messages,
/// explanations, reports on a terminal) passes through it, so an id such as
/// "A\x1b[2J" prints as text instead of clearing the screen (SECURITY.md).
[[nodiscard]] MEDSETTLE_API std::string printable(std::string_view text);

}  // namespace medsettle
