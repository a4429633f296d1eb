#include "io/line_source.hpp"

#include <algorithm>
#include <cstring>

namespace medsettle::detail {

namespace {
constexpr std::size_t block_size = 1u << 20;

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }
}  // namespace

bool LineSource::fill() {
  if (eof_) return false;
  block_.erase(0, pos_);
  base_ += pos_;
  pos_ = 0;
  std::size_t old = block_.size();
  block_.resize(old + block_size);
  in_.read(block_.data() + old, static_cast<std::streamsize>(block_size));
  auto got = static_cast<std::size_t>(in_.gcount());
  block_.resize(old + got);
  if (got == 0) eof_ = true;
  return got > 0;
}

bool LineSource::next_batch(std::vector<Line>& lines, std::size_t max_lines) {
  lines.clear();
  store_.clear();
  spans_.clear();
  while (spans_.size() < max_lines) {
    // Find the end of the next line, reading more as needed.
    std::size_t nl;
    std::uint64_t start = base_ + pos_;  // the line's first byte in the input
    bool too_long = false;
    bool dropped_text = false;  // the dropped part of an over-long line held more than blanks
    std::string overlong;  // the first max_+1 bytes of an over-long line
    while (true) {
      const void* hit = std::memchr(block_.data() + pos_, '\n', block_.size() - pos_);
      if (hit) {
        nl = static_cast<std::size_t>(static_cast<const char*>(hit) - block_.data());
        break;
      }
      if (block_.size() - pos_ > max_ + 1 + 3) {
        // Keep max_+1 bytes of it, drop the rest up to the line end.
        std::string_view dropped = std::string_view(block_).substr(pos_);
        if (!too_long) {
          overlong.assign(block_, pos_, max_ + 4);
          if (first_ && dropped.substr(0, 3) == "\xEF\xBB\xBF") dropped.remove_prefix(3);
        }
        too_long = true;
        if (!dropped_text && !blank(dropped)) dropped_text = true;
        pos_ = block_.size();
      }
      if (!fill()) {
        nl = block_.size();
        break;
      }
    }
    const bool had_newline = nl < block_.size();
    if (!had_newline && pos_ == nl && !too_long) break;  // end of input
    std::string_view text(block_.data() + pos_, nl - pos_);
    // Whether the line is blank is decided on all of it, not on the part
    // kept: a long line that starts with blanks is still a record.
    const bool tail_blank = blank(text);
    if (too_long) text = overlong;
    ++number_;
    if (first_) {
      if (text.substr(0, 3) == "\xEF\xBB\xBF") {
        text.remove_prefix(3);
        start += 3;
      }
      first_ = false;
    }
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    const bool is_blank = blank(text) && (!too_long || (!dropped_text && tail_blank));
    if (text.size() > max_ + 1) text = text.substr(0, max_ + 1);
    if (!is_blank) {
      spans_.push_back(Span{store_.size(), text.size(), number_, start});
      store_.append(text);
    }
    pos_ = had_newline ? nl + 1 : block_.size();
    if (!had_newline) break;  // the last line had no line end
  }
  for (const Span& s : spans_) lines.push_back(Line{std::string_view(store_).substr(s.offset, s.size), s.number, s.input_offset});
  bool more = !(eof_ && pos_ >= block_.size());
  return more;
}

}  // namespace medsettle::detail
