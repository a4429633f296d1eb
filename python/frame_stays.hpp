// python/frame_stays.hpp: a DataFrame's rows as the library's records, read
// straight from its columns (frame_stays.cpp).
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <vector>

#include "medsettle/record.hpp"

namespace medsettle::python {
namespace py = pybind11;

/// The rows of a table given column by column, made into records a range
/// of rows at a time. `columns[k]` is `(kind, array)` for the column named
/// `names[k]`: kind "int" (a NumPy int64 array), "datetime" (datetime64[ns]
/// as int64 nanoseconds, NaT the least int64) or "object" (a NumPy object
/// array). A row whose values are plainly a valid stay (the library's
/// validate() says so) is built directly; any other row is written as JSON
/// (RowWriter, raising TypeError for a value refused) and read by the
/// library's JSON reader, so that it gets the very rejection the command
/// gives. Row i is line i + 1. Made, read and destroyed with the GIL held.
class FrameRows {
 public:
  FrameRows(std::vector<std::string> names, const py::sequence& columns, std::size_t rows);
  ~FrameRows();
  FrameRows(const FrameRows&) = delete;
  FrameRows& operator=(const FrameRows&) = delete;
  [[nodiscard]] std::size_t rows() const noexcept { return rows_; }
  /// Appends the records of rows [from, to) to `out`.
  void read(std::size_t from, std::size_t to, std::vector<Record>& out) const;

 private:
  struct Columns;
  std::vector<std::string> names_;
  std::size_t rows_ = 0;
  std::unique_ptr<Columns> columns_;
};

}  // namespace medsettle::python
