# Writes OUTPUT: a C++ source holding the bytes of INPUT as medsettle::detail::SYMBOL.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x[0-9a-f][0-9a-f],){32}" "\\0\n" bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
"// Generated from ${NAME} by cmake/embed.cmake; do not edit.\n#include <cstddef>\n#include <string_view>\nnamespace medsettle::detail {\nstatic const unsigned char ${SYMBOL}_bytes[] = {\n${bytes}0};\nextern const std::string_view ${SYMBOL}_text{reinterpret_cast<const char*>(${SYMBOL}_bytes), ${size}};\nextern const std::string_view ${SYMBOL}_name{\"${NAME}\"};\n}\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
