// Shared by the unit tests that read a file whole (one they wrote, or an example's).
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace test_files {

/// The bytes of the file at `path` ("" if it cannot be read).
inline std::string text_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace test_files
