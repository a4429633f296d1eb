// python/json_rows.hpp: stays given as Python values written as JSON Lines (json_rows.cpp).
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

namespace medsettle::python {
namespace py = pybind11;

/// The rows of a table given column by column (`columns[k][r]` is row r's
/// value of `names[k]`), one JSON object a line, in row order. Raises
/// TypeError naming the row (1-based) and the field of a value refused.
std::string rows_as_jsonl(const std::vector<std::string>& names, const py::sequence& columns, std::size_t rows);
/// The same for rows given as dicts.
std::string dicts_as_jsonl(const py::sequence& rows);

}  // namespace medsettle::python
