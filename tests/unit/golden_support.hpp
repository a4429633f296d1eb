// Shared by the golden tests: settle a scheme's example stays and compare
// with the expected settlements and rejections, field for field.
#pragma once

#include <string>
#include <vector>

namespace golden {

struct Report {
  std::size_t records = 0, settled = 0, rejected = 0;
  std::vector<std::string> mismatches;  ///< one line per difference
};

/// Settles tests/golden/<scheme>.stays.jsonl with rules/<scheme>.yaml using
/// `threads` threads, and compares with <scheme>.expected.jsonl and
/// <scheme>.errors.jsonl.
Report run(const std::string& scheme, unsigned threads = 1);

}  // namespace golden
