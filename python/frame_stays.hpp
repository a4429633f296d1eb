// python/frame_stays.hpp: a DataFrame's rows as the library's records, read
// straight from its columns (frame_stays.cpp).
#pragma once

#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "medsettle/record.hpp"

namespace medsettle::python {
namespace py = pybind11;

/// The rows of a table given column by column as records, in row order
/// (record i has line i + 1). `columns[k]` is `(kind, array)` for the
/// column named `names[k]`: kind "int" (a NumPy int64 array), "datetime"
/// (datetime64[ns] as int64 nanoseconds, NaT the least int64) or "object"
/// (a NumPy object array). A row whose values are plainly a valid stay
/// (the library's validate() says so) is built directly; any other row is
/// written as JSON (RowWriter, raising TypeError for a value refused) and
/// read by the library's JSON reader, so that it gets the very rejection
/// the command gives. Needs the GIL.
std::vector<Record> frame_records(const std::vector<std::string>& names, const py::sequence& columns, std::size_t rows);

}  // namespace medsettle::python
