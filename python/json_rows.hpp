// python/json_rows.hpp: stays given as Python values written as JSON Lines (json_rows.cpp).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace medsettle::python {
namespace py = pybind11;

/// The rows of a table given column by column (`columns[k][r]` is row r's
/// value of `names[k]`), one JSON object a line, in row order. Raises
/// TypeError naming the row (1-based) and the field of a value refused.
std::string rows_as_jsonl(const std::vector<std::string>& names, const py::sequence& columns, std::size_t rows);
/// Writes one row at a time, as rows_as_jsonl does (for the rows of a
/// DataFrame the direct way, frame_stays.cpp, leaves to the library's reader).
class RowWriter {
 public:
  RowWriter();
  ~RowWriter();
  RowWriter(const RowWriter&) = delete;
  RowWriter& operator=(const RowWriter&) = delete;
  /// Row `row` (1-based; `values[k]` is the value of `names[k]`) as one JSON
  /// object, valid until the next call. Raises TypeError as rows_as_jsonl does.
  std::string_view write(std::size_t row, const std::vector<std::string>& names, const std::vector<py::object>& values);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The same for rows given as dicts.
std::string dicts_as_jsonl(const py::sequence& rows);

}  // namespace medsettle::python
