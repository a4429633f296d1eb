// Reading CSV stays a record at a time with where each record is in its
// input, and reading a record again from its bytes alone: for settling an
// input not grouped by person in two passes (src/io/apart.cpp). Internal to
// the io layer.
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <string_view>

#include "medsettle/reader.hpp"

namespace medsettle::detail {

/// Where a record is in its input: its bytes, from its first to its line
/// end, and the line it starts on. `mark` is nonzero for a record found
/// malformed as a whole (a quote that is not closed, too many bytes): such a
/// record is read again from the mark alone, without its bytes.
struct CsvPlace {
  std::uint64_t offset = 0, length = 0, line = 0;
  std::uint8_t mark = 0;
};

/// Reads records again from their bytes, with the header of the input they
/// came from, as read_csv read them the first time. One per thread.
class CsvRereader {
 public:
  ~CsvRereader();
  CsvRereader(CsvRereader&&) noexcept;
  CsvRereader& operator=(CsvRereader&&) noexcept;

  /// The record of `place`, whose bytes are `text` (not read when place.mark).
  [[nodiscard]] Record read(std::string_view text, const CsvPlace& place);

 private:
  friend class CsvRecords;
  struct Impl;
  explicit CsvRereader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Reads a CSV input a record at a time as read_csv does (the same records,
/// lines and rejections), telling where each record is.
class CsvRecords {
 public:
  /// Reads the header row; an unusable one throws InputError naming `name`.
  CsvRecords(std::istream& in, const ReadLimits& limits, const std::string& name);
  ~CsvRecords();
  CsvRecords(const CsvRecords&) = delete;
  CsvRecords& operator=(const CsvRecords&) = delete;

  /// The next record and its place; false at the end of the input.
  bool next(Record& record, CsvPlace& place);
  /// A reader of this input's records again.
  [[nodiscard]] CsvRereader rereader() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace medsettle::detail
