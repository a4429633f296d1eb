// Splits a JSON Lines stream into records, a batch at a time, reading the
// stream in large blocks. Internal to the readers.
#pragma once

#include <array>
#include <cstdint>
#include <istream>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace medsettle {
class JsonStayReader;
struct Record;
}  // namespace medsettle

namespace medsettle::detail {

/// The readable bytes a LineSource keeps after every line it does not hold
/// apart (Line::padded): room for a parser that reads a little past the end
/// of its text (simdjson's SIMDJSON_PADDING).
inline constexpr std::size_t line_padding = 64;

struct Line {
  std::string_view text;  ///< without the line end; valid until the next batch (Keep::two_batches: the one after)
  std::uint64_t number;   ///< 1-based physical line
  std::uint64_t offset = 0;  ///< where `text` starts in the input: its bytes are the input's from there
  /// At least line_padding readable bytes (set: the input's, or zeros)
  /// follow `text`, so that it can be parsed where it is.
  bool padded = false;
};

/// The reading rules of SEMANTICS.md §2: a UTF-8 byte-order mark at the
/// start is skipped; LF and CRLF end lines; lines holding only spaces, tabs
/// or a carriage return are not records; a last line without a line end is
/// still a record. A line longer than `max_bytes` is cut to max_bytes + 1
/// bytes (so the reader rejects it as too long) and never held whole.
///
/// With Keep::two_batches a batch's lines stay valid while the next batch
/// is read (they are kept in one of two buffers, in turn), so that a caller
/// may read the next batch on another thread while it works on this one
/// (not both at once).
class LineSource {
 public:
  /// The batches whose lines are valid: the last one, or also the one before.
  enum class Keep { last_batch, two_batches };
  // The limit is kept below SIZE_MAX - 4 so that max_ + 4 cannot wrap (a
  // caller asking for "no limit" with SIZE_MAX would otherwise see every line
  // cut to nothing and dropped as blank).
  LineSource(std::istream& in, std::size_t max_bytes, Keep keep = Keep::last_batch)
      : in_(in), max_(max_bytes < SIZE_MAX - 4 ? max_bytes : SIZE_MAX - 5), rooms_in_turn_(keep == Keep::two_batches) {}

  /// Fills `lines` with up to `max_lines` records; false when the input is
  /// exhausted. With Keep::two_batches the lines of the batch before stay
  /// valid until the next call.
  bool next_batch(std::vector<Line>& lines, std::size_t max_lines);

 private:
  /// A kept line: where its text is (in the buffer, or in the store if `held`).
  struct Span {
    std::size_t offset, size;
    std::uint64_t number, input_offset;
    bool held;
  };
  /// Where a batch's text is kept: the input read (never zero-filled) and
  /// the kept parts of the batch's over-long lines.
  struct Room {
    std::unique_ptr<char[]> buf;  ///< capacity + line_padding bytes; the line_padding after the input read are zeros
    std::size_t capacity = 0;
    std::string store;
  };
  std::istream& in_;
  std::size_t max_;
  bool rooms_in_turn_;
  // Keep::two_batches: two rooms in turn, a batch read into rooms_[turn_],
  // starting with what the batch before left unread in the other one (whose
  // lines stay valid); else one room, what is left moved to its front.
  // The input from base_ on is in room().buf[0, size_); pos_: where the next
  // line starts.
  std::array<Room, 2> rooms_;
  std::size_t turn_ = 0;
  std::size_t size_ = 0, pos_ = 0;
  std::uint64_t base_ = 0;  ///< where the current buffer starts in the input
  bool eof_ = false, first_ = true;
  std::uint64_t number_ = 0;
  std::vector<Span> spans_;
  Room& room() noexcept { return rooms_[turn_]; }
  bool fill();
  /// Makes the room for a batch, keeping what was read and not yet made lines.
  void begin_batch();
  [[nodiscard]] std::string_view read() const noexcept { return {rooms_[turn_].buf.get(), size_}; }
};

/// Reads `line` into `rec` (as default-constructed, or emptied by
/// clear_for_reading), where it is when it is padded (json_reader.cpp).
void read_line(JsonStayReader& reader, const Line& line, Record& rec);

/// Empties a record read before, for reading another into it: every field
/// as a new Record's, its fee lines' and diagnoses' room kept (up to a
/// usual size), so that reading into the same records again allocates
/// nothing.
void clear_for_reading(Record& rec);

/// Called before records[i] is read into (clear_for_reading, then
/// read_line), when records[i + 1] and [i + 2] are read into next: asks
/// memory for records[i + 2] and for the fee lines and diagnoses that
/// clear_for_reading will empty in records[i + 1]. Written a wave before,
/// they are out of the cache; their loads are then made while records[i]
/// is read, not one by one when they are needed (about a tenth of the
/// reader's time, bench/README.md).
void ask_ahead(std::span<const Record> records, std::size_t i) noexcept;

/// Asks memory for a line's text (its first 2 KiB, and the byte after it,
/// which the parser looks at in a line read where it lies), to be parsed
/// after the one being parsed: the parser's first load of a line was a
/// tenth of read_record's samples in the command's stream (bench/README.md).
void ask_for_line(std::string_view text) noexcept;

}  // namespace medsettle::detail
