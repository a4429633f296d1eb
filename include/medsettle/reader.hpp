// medsettle/reader.hpp: reading stays from JSON Lines and CSV.
//
// A reader turns one input record into a Record: a valid Stay, or a
// Rejection (SEMANTICS.md §10) with the line, the stay id when readable, the
// field path and a message. Reading never throws for bad input.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "medsettle/errors.hpp"
#include "medsettle/export.hpp"
#include "medsettle/ledger.hpp"
#include "medsettle/record.hpp"
#include "medsettle/stay.hpp"

namespace medsettle {

namespace detail {
struct ReaderAccess;
}

/// Limits that keep hostile input from exhausting memory.
struct ReadLimits {
  std::size_t max_record_bytes = 64u << 20;  ///< longer records are rejected (not_json)
  std::size_t max_fee_lines = 100'000;       ///< more fee lines are rejected (bad_value)
  std::size_t max_list_items = 1'000;        ///< identities, diagnoses, flags, prior entries
};

/// Reads stays from JSON text, one object per call. Keeps its parser and
/// buffers between calls: make one per thread. Not thread-safe.
class MEDSETTLE_API JsonStayReader {
 public:
  explicit JsonStayReader(ReadLimits limits = {});
  ~JsonStayReader();
  JsonStayReader(JsonStayReader&&) noexcept;
  JsonStayReader& operator=(JsonStayReader&&) noexcept;

  /// Reads one record from `text` (one JSON value, without its line end).
  [[nodiscard]] Record read(std::string_view text, std::uint64_t line);

  /// The same, into `into`, replacing all it held; the room of its fee
  /// lines and diagnoses is reused, so that a caller reading record after
  /// record into the same Record (or the same few) allocates nothing once
  /// they have grown. What it reads is what read(text, line) returns.
  void read(std::string_view text, std::uint64_t line, Record& into);

  /// Readable bytes read_in_place needs after a record's text.
  static constexpr std::size_t padding = 64;

  /// The same as read(text, line, into), without copying `text` first:
  /// the record is parsed where it lies. The `padding` bytes after
  /// `text`'s end must be readable memory of the same buffer (in a JSON
  /// Lines text held in memory, the next lines, and room left after the
  /// last one), and what they hold does not change what is read. The
  /// parser takes the first of them for part of the document, so the text
  /// is parsed in place only when that byte is a line end, a space, a tab
  /// or NUL (as after a line of JSON Lines); after anything else it is
  /// copied first, as read() does. Reads what read(text, line, into) reads.
  void read_in_place(std::string_view text, std::uint64_t line, Record& into);

  /// Reads texts[i], line first_line + i, into into[i] for each i, as
  /// read_in_place(texts[i], first_line + i, into[i]) does, with the same
  /// `padding` after each text; while one is read, the room of the record
  /// read next is asked from memory. The two lists must be as long
  /// (else UsageError, and nothing is read).
  void read_in_place(std::span<const std::string_view> texts, std::uint64_t first_line, std::span<Record> into);

  /// Reads only the top-level `person_id` string of a record, cheaply.
  /// False if the record is not a JSON object or has no readable person_id.
  [[nodiscard]] bool peek_person(std::string_view text, std::string& person);

 private:
  friend struct detail::ReaderAccess;  // the library's own line reader parses lines in place
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Splits a JSON Lines stream into records: a UTF-8 byte-order mark at the
/// start is skipped, CRLF and LF line ends are accepted, blank lines (only
/// spaces, tabs or a carriage return) are not records, a last line without a
/// line end is still a record. Calls `sink(text, line)` for each record.
MEDSETTLE_API void for_each_json_line(std::istream& in, const std::function<void(std::string_view, std::uint64_t)>& sink,
                        std::size_t max_record_bytes = ReadLimits{}.max_record_bytes);

/// Reads every record of a JSON Lines stream.
[[nodiscard]] MEDSETTLE_API std::vector<Record> read_jsonl(std::istream& in, ReadLimits limits = {});
/// Reads every record of a JSON Lines text held in memory.
[[nodiscard]] MEDSETTLE_API std::vector<Record> read_jsonl(std::string_view text, ReadLimits limits = {});

/// Reads stays in the CSV bucket form of INTERCHANGE.md (RFC 4180, header
/// row; list columns `;`-separated; empty cells are absent values).
/// Calls `sink` with each record; returns false and fills `error` if the
/// header itself is unusable (then no record is read).
MEDSETTLE_API bool read_csv(std::istream& in, const std::function<void(Record&&)>& sink, std::string* error = nullptr,
              ReadLimits limits = {});
[[nodiscard]] MEDSETTLE_API std::vector<Record> read_csv(std::istream& in, ReadLimits limits = {});

/// Reads a person's ledger written by write_ledger_json (INTERCHANGE.md):
/// unknown keys, keys given twice, wrong types and malformed amounts are
/// errors (Error, naming the field). With `records`, a key "records" (the
/// settlement records of an export line) is accepted and its JSON text is
/// returned there; without, it is an unknown key.
[[nodiscard]] MEDSETTLE_API LedgerSnapshot read_ledger_json(std::string_view text, std::string* records = nullptr);

}  // namespace medsettle
