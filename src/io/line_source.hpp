// Splits a JSON Lines stream into records, a batch at a time, reading the
// stream in large blocks. Internal to the readers.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace medsettle::detail {

struct Line {
  std::string_view text;  ///< without the line end; valid until the next batch
  std::uint64_t number;   ///< 1-based physical line
  std::uint64_t offset = 0;  ///< where `text` starts in the input: its bytes are the input's from there
};

/// The reading rules of SEMANTICS.md §2: a UTF-8 byte-order mark at the
/// start is skipped; LF and CRLF end lines; lines holding only spaces, tabs
/// or a carriage return are not records; a last line without a line end is
/// still a record. A line longer than `max_bytes` is cut to max_bytes + 1
/// bytes (so the reader rejects it as too long) and never held whole.
class LineSource {
 public:
  // The limit is kept below SIZE_MAX - 4 so that max_ + 4 cannot wrap (a
  // caller asking for "no limit" with SIZE_MAX would otherwise see every line
  // cut to nothing and dropped as blank).
  LineSource(std::istream& in, std::size_t max_bytes)
      : in_(in), max_(max_bytes < SIZE_MAX - 4 ? max_bytes : SIZE_MAX - 5) {}

  /// Fills `lines` with up to `max_lines` records; false when the input is exhausted.
  bool next_batch(std::vector<Line>& lines, std::size_t max_lines);

 private:
  struct Span {
    std::size_t offset, size;
    std::uint64_t number, input_offset;
  };
  std::istream& in_;
  std::size_t max_;
  std::string block_;
  std::size_t pos_ = 0;
  std::uint64_t base_ = 0;  ///< where block_ starts in the input
  bool eof_ = false, first_ = true;
  std::uint64_t number_ = 0;
  std::string store_;
  std::vector<Span> spans_;
  bool fill();
};

}  // namespace medsettle::detail
