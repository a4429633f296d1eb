// python/json_rows.cpp: stays given as Python values (a DataFrame's columns,
// or dicts) written as the JSON Lines of INTERCHANGE.md, in C++ for speed.
// It follows python/medsettle/_frames.py (the reference, used for dotted
// column names): keys ending in `_fen` hold whole fen and are written as
// yuan under the name without `_fen`; missing values (None, NA, NaT, NaN)
// are left out; a float is refused unless it is whole and at the top level
// or in a `_fen` key; anything unusual goes through _frames._plain_scalar.
// The library's reader then checks every stay as the command does.
#include "json_rows.hpp"

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "medsettle/writer.hpp"

namespace medsettle::python {
namespace {

struct Refused {
  std::string problem, path;
};

bool is_fen(std::string_view key) { return key.ends_with("_fen"); }

void yuan(std::string& out, long long fen) {
  const unsigned long long a = fen < 0 ? 0ull - static_cast<unsigned long long>(fen) : static_cast<unsigned long long>(fen);
  out += '"';
  if (fen < 0) out += '-';
  out += std::to_string(a / 100);
  out += '.';
  out += static_cast<char>('0' + a % 100 / 10);
  out += static_cast<char>('0' + a % 10);
  out += '"';
}

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {
    py::module_ frames = py::module_::import("medsettle._frames");
    decimal_ = py::module_::import("decimal").attr("Decimal");
    py::module_ pandas = py::module_::import("pandas");
    na_ = pandas.attr("NA"), nat_ = pandas.attr("NaT"), series_ = pandas.attr("Series");
    scalar_ = frames.attr("_plain_scalar"), refused_ = frames.attr("_Refused");
  }

  bool absent(py::handle v) const {
    if (v.is_none() || v.is(na_) || v.is(nat_)) return true;
    return PyFloat_Check(v.ptr()) && std::isnan(PyFloat_AS_DOUBLE(v.ptr()));
  }

  void value(py::handle v, std::string_view key, bool top) {
    PyObject* p = v.ptr();
    if (PyUnicode_Check(p)) return write_json_string(out_, v.cast<std::string_view>());
    if (PyBool_Check(p)) return void(out_ += (p == Py_True ? "true" : "false"));
    if (PyLong_Check(p)) return integer(v, key);
    if (PyFloat_Check(p)) return floating(PyFloat_AS_DOUBLE(p), key, top);
    if (PyDict_Check(p)) return dict(v);
    if (PyList_Check(p) || PyTuple_Check(p)) return list(v, key);
    if (py::isinstance(v, decimal_)) {
      if (is_fen(key)) throw Refused{"must be whole fen (an int), not " + py::repr(v).cast<std::string>(), ""};
      return write_json_string(out_, py::str(v).cast<std::string>());
    }
    other(v, key, top);
  }

  void dict(py::handle d) {
    out_ += '{';
    bool first = true;
    for (auto item : py::reinterpret_borrow<py::dict>(d)) {
      if (absent(item.second)) continue;
      const std::string key = py::str(item.first).cast<std::string>();
      try {
        member(key, item.second, false, first);
      } catch (Refused& r) {
        r.path = "." + key + r.path;
        throw;
      }
      first = false;
    }
    out_ += '}';
  }

  void member(std::string_view key, py::handle v, bool top, bool first) {
    if (!first) out_ += ',';
    write_json_string(out_, is_fen(key) ? key.substr(0, key.size() - 4) : key);
    out_ += ':';
    value(v, key, top);
  }

 private:
  void integer(py::handle v, std::string_view key) {
    int overflow = 0;
    const long long n = PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
    if (overflow) throw Refused{"is out of range", ""};
    if (is_fen(key)) return yuan(out_, n);
    out_ += std::to_string(n);
  }

  void floating(double d, std::string_view key, bool top) {
    if (std::trunc(d) == d && std::fabs(d) < 9.0e15 && (top || is_fen(key))) {
      if (is_fen(key)) return yuan(out_, static_cast<long long>(d));
      return void(out_ += std::to_string(static_cast<long long>(d)));
    }
    const std::string k(key);
    throw Refused{"is a float (" + py::repr(py::float_(d)).cast<std::string>() + "): give money as int fen (`" + k +
                      "_fen`) or as Decimal or str yuan; floats are never taken for money",
                  ""};
  }

  void list(py::handle l, std::string_view key) {
    out_ += '[';
    std::size_t i = 0;
    for (py::handle item : l) {
      if (i) out_ += ',';
      try {
        value(item, key, false);
      } catch (Refused& r) {
        r.path = "[" + std::to_string(i) + "]" + r.path;
        throw;
      }
      ++i;
    }
    out_ += ']';
  }

  /// NumPy scalars and arrays, Series, dates: made plain by the Python reference first.
  void other(py::handle v, std::string_view key, bool top) {
    if (py::isinstance<py::array>(v) || py::isinstance(v, series_)) return list(v, key);
    py::object plain;
    try {
      plain = scalar_(v, std::string(key), top);
    } catch (py::error_already_set& e) {
      if (!e.matches(refused_)) throw;
      throw Refused{py::str(e.value().attr("problem")).cast<std::string>(), ""};
    }
    if (PyUnicode_Check(plain.ptr())) return write_json_string(out_, plain.cast<std::string_view>());  // yuan, dates
    value(plain, "", top);  // an int, a bool or a dict, already plain
  }

  std::string& out_;
  py::object decimal_, na_, nat_, series_, scalar_, refused_;
};

}  // namespace

namespace {

/// One top-level field of row `row` (1-based), unless absent.
void field(Writer& w, std::size_t row, const std::string& name, py::handle v, bool& first) {
  if (w.absent(v)) return;
  try {
    w.member(name, v, true, first);
  } catch (const Refused& e) {
    throw py::type_error("stay " + std::to_string(row) + ": " + name + e.path + " " + e.problem);
  }
  first = false;
}

}  // namespace

struct RowWriter::Impl {
  std::string out;
  Writer writer{out};
};

RowWriter::RowWriter() : impl_(std::make_unique<Impl>()) {}
RowWriter::~RowWriter() = default;

std::string_view RowWriter::write(std::size_t row, const std::vector<std::string>& names,
                                  const std::vector<py::object>& values) {
  impl_->out = "{";
  bool first = true;
  for (std::size_t k = 0; k < names.size(); ++k) field(impl_->writer, row, names[k], values[k], first);
  impl_->out += '}';
  return impl_->out;
}

std::string rows_as_jsonl(const std::vector<std::string>& names, const py::sequence& columns, std::size_t rows) {
  std::string out;
  Writer w(out);
  std::vector<py::sequence> cols;
  for (py::handle c : columns) cols.push_back(py::reinterpret_borrow<py::sequence>(c));
  for (std::size_t r = 0; r < rows; ++r) {
    out += r ? "\n{" : "{";
    bool first = true;
    for (std::size_t k = 0; k < names.size(); ++k) field(w, r + 1, names[k], cols[k][r], first);
    out += '}';
  }
  return out;
}

std::string dicts_as_jsonl(const py::sequence& rows) {
  std::string out;
  Writer w(out);
  std::size_t r = 0;
  for (py::handle row : rows) {
    out += r++ ? "\n{" : "{";
    bool first = true;
    for (auto item : py::reinterpret_borrow<py::dict>(row)) field(w, r, py::str(item.first), item.second, first);
    out += '}';
  }
  return out;
}

}  // namespace medsettle::python
