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
  Room& r = room();
  if (r.capacity - size_ < block_size) {
    const std::size_t capacity = std::max(size_ + block_size, 2 * r.capacity);
    auto grown = std::make_unique_for_overwrite<char[]>(capacity + line_padding);
    if (size_ > 0) std::memcpy(grown.get(), r.buf.get(), size_);
    r.buf = std::move(grown);
    r.capacity = capacity;
  }
  in_.read(r.buf.get() + size_, static_cast<std::streamsize>(block_size));
  auto got = static_cast<std::size_t>(in_.gcount());
  size_ += got;
  std::memset(r.buf.get() + size_, 0, line_padding);  // a line's padding is set bytes (Line::padded)
  if (got == 0) eof_ = true;
  return got > 0;
}

void LineSource::begin_batch() {
  const std::size_t left = size_ - pos_;
  if (!rooms_in_turn_) {
    // The last batch's lines are done with: what is left moves to the front.
    Room& r = room();
    if (pos_ > 0 && left > 0) std::memmove(r.buf.get(), r.buf.get() + pos_, left);
    if (r.buf) std::memset(r.buf.get() + left, 0, line_padding);
    r.store.clear();
  } else {
    // The batch before keeps its room: this one takes the other, starting
    // with what was read and not yet made lines. The lines of the batch
    // before that are done with.
    const Room& last = room();
    Room& next = rooms_[turn_ ^ 1];
    if (next.capacity < left + block_size) {
      const std::size_t capacity = std::max(left + block_size, last.capacity);
      next.buf.reset();  // its old block freed before the larger one is taken
      next.capacity = 0;
      next.buf = std::make_unique_for_overwrite<char[]>(capacity + line_padding);
      next.capacity = capacity;
    }
    if (left > 0) std::memcpy(next.buf.get(), last.buf.get() + pos_, left);
    std::memset(next.buf.get() + left, 0, line_padding);
    next.store.clear();
    turn_ ^= 1;
  }
  size_ = left;
  base_ += pos_;
  pos_ = 0;
}

bool LineSource::next_batch(std::vector<Line>& lines, std::size_t max_lines) {
  lines.clear();
  spans_.clear();
  begin_batch();
  std::string& store = room().store;
  while (spans_.size() < max_lines) {
    // Find the end of the next line, reading more as needed.
    std::size_t nl;
    std::uint64_t start = base_ + pos_;  // the line's first byte in the input
    bool too_long = false;
    bool dropped_text = false;  // the dropped part of an over-long line held more than blanks
    std::string overlong;  // the first max_+1 bytes of an over-long line
    while (true) {
      const void* hit = size_ > pos_ ? std::memchr(room().buf.get() + pos_, '\n', size_ - pos_) : nullptr;
      if (hit) {
        nl = static_cast<std::size_t>(static_cast<const char*>(hit) - room().buf.get());
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
      spans_.push_back(Span{store.size(), text.size(), number_, start, true});
      store.append(text);
    } else if (!is_blank) {
      spans_.push_back(Span{static_cast<std::size_t>(text.data() - room().buf.get()), text.size(), number_, start, false});
    }
    pos_ = had_newline ? nl + 1 : size_;
    if (!had_newline) break;  // the last line had no line end
  }
  for (const Span& s : spans_) {
    const std::string_view from = s.held ? std::string_view(store) : read();
    lines.push_back(Line{from.substr(s.offset, s.size), s.number, s.input_offset, !s.held});
  }
  bool more = !(eof_ && pos_ >= size_);
  return more;
}

}  // namespace medsettle::detail
