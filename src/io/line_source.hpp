// Splits a JSON Lines stream into records, a batch at a time, reading the
// stream in large blocks. Internal to the readers.
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
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
  /// A kept line: where its text is (in buf_, or in store_ if `held`).
  struct Span {
    std::size_t offset, size;
    std::uint64_t number, input_offset;
    bool held;
  };
  std::istream& in_;
  std::size_t max_;
  // The input from base_ on, read into buf_[0, size_): a batch's lines are
  // views of it (it is compacted when the next batch starts, and never
  // zero-filled). pos_: where the next line starts.
  std::unique_ptr<char[]> buf_;
  std::size_t capacity_ = 0, size_ = 0, pos_ = 0;
  std::uint64_t base_ = 0;  ///< where buf_ starts in the input
  bool eof_ = false, first_ = true;
  std::uint64_t number_ = 0;
  std::string store_;       ///< the kept parts of a batch's over-long lines
  std::vector<Span> spans_;
  bool fill();
  [[nodiscard]] std::string_view read() const noexcept { return {buf_.get(), size_}; }
};

}  // namespace medsettle::detail
