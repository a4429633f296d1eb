#include "io/line_source.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

namespace medsettle::detail {

namespace {
constexpr std::size_t block_size = 1u << 20;

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }
}  // namespace

bool LineSource::fill() {
  if (eof_) return false;
  if (capacity_ - size_ < block_size) {
    const std::size_t capacity = std::max(size_ + block_size, 2 * capacity_);
    auto grown = std::make_unique_for_overwrite<char[]>(capacity);
    if (size_ > 0) std::memcpy(grown.get(), buf_.get(), size_);
    buf_ = std::move(grown);
    capacity_ = capacity;
  }
  in_.read(buf_.get() + size_, static_cast<std::streamsize>(block_size));
  auto got = static_cast<std::size_t>(in_.gcount());
  size_ += got;
  if (got == 0) eof_ = true;
  return got > 0;
}

bool LineSource::next_batch(std::vector<Line>& lines, std::size_t max_lines) {
  lines.clear();
  store_.clear();
  spans_.clear();
  // The last batch's lines are done with: what is left moves to the front.
  if (pos_ > 0) {
    if (size_ > pos_) std::memmove(buf_.get(), buf_.get() + pos_, size_ - pos_);
    size_ -= pos_;
    base_ += pos_;
    pos_ = 0;
  }
  while (spans_.size() < max_lines) {
    // Find the end of the next line, reading more as needed.
    std::size_t nl;
    std::uint64_t start = base_ + pos_;  // the line's first byte in the input
    bool too_long = false;
    bool dropped_text = false;  // the dropped part of an over-long line held more than blanks
    std::string overlong;  // the first max_+1 bytes of an over-long line
    while (true) {
      const void* hit = size_ > pos_ ? std::memchr(buf_.get() + pos_, '\n', size_ - pos_) : nullptr;
      if (hit) {
        nl = static_cast<std::size_t>(static_cast<const char*>(hit) - buf_.get());
        break;
      }
      if (size_ - pos_ > max_ + 1 + 3) {
        // Keep max_+1 bytes of it, drop the rest up to the line end (the
        // read text from pos_ on is given up: the line holds nothing else).
        std::string_view dropped = read().substr(pos_);
        if (!too_long) {
          overlong.assign(dropped.substr(0, max_ + 4));
          if (first_ && dropped.substr(0, 3) == "\xEF\xBB\xBF") dropped.remove_prefix(3);
        }
        too_long = true;
        if (!dropped_text && !blank(dropped)) dropped_text = true;
        base_ += size_ - pos_;
        size_ = pos_;
      }
      if (!fill()) {
        nl = size_;
        break;
      }
    }
    const bool had_newline = nl < size_;
    if (!had_newline && pos_ == nl && !too_long) break;  // end of input
    std::string_view text = read().substr(pos_, nl - pos_);
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
    if (!is_blank && too_long) {
      spans_.push_back(Span{store_.size(), text.size(), number_, start, true});
      store_.append(text);
    } else if (!is_blank) {
      spans_.push_back(Span{static_cast<std::size_t>(text.data() - buf_.get()), text.size(), number_, start, false});
    }
    pos_ = had_newline ? nl + 1 : size_;
    if (!had_newline) break;  // the last line had no line end
  }
  for (const Span& s : spans_) {
    const std::string_view from = s.held ? std::string_view(store_) : read();
    lines.push_back(Line{from.substr(s.offset, s.size), s.number, s.input_offset});
  }
  bool more = !(eof_ && pos_ >= size_);
  return more;
}

}  // namespace medsettle::detail
