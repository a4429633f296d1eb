// python/frame_stays.cpp: a DataFrame's rows made into the library's
// records in one pass over its columns, without writing them as JSON Lines
// first. Only the plain case is taken directly: values of the types the
// JSON writer (json_rows.cpp) would write unchanged (str, int, Decimal,
// lists, dicts of fee lines or buckets, dates), every required field
// present, and a stay the library's validate() finds valid. Everything
// else (a rejection, an unusual type, `prior`, an unknown column) takes the
// reference way for that row: written as JSON, read by the library's
// reader, so a row gets exactly the record, rejection or TypeError the
// JSON Lines way gives it. Every check is the library's.
#include "frame_stays.hpp"

#include <pybind11/chrono.h>  // Python's datetime C API
#include <pybind11/numpy.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

#include "medsettle/reader.hpp"
#include "medsettle/stay.hpp"

#include "json_rows.hpp"

namespace medsettle::python {
namespace {

/// The direct way gives up on a row: it takes the reference way.
struct Slow {};

/// The top-level fields of a stay (INTERCHANGE.md), as the reader knows them.
enum class Field : std::uint8_t {
  stay_id, person_id, identities, category, age, insurance, hospital_level, region,
  admitted, discharged, diagnoses, flags, referred_from, fees, buckets, prior, other
};
constexpr std::array<std::string_view, 16> field_names{
    "stay_id",  "person_id",  "identities", "category", "age",           "insurance", "hospital_level", "region",
    "admitted", "discharged", "diagnoses",  "flags",    "referred_from", "fees",      "buckets",        "prior"};
/// Fields a valid stay must have (fees or buckets apart).
constexpr std::array<Field, 8> required{Field::stay_id,  Field::person_id,  Field::age,        Field::hospital_level,
                                        Field::region,   Field::admitted,   Field::discharged, Field::diagnoses};

Field field_of(std::string_view name) {
  const auto it = std::find(field_names.begin(), field_names.end(), name);
  return it == field_names.end() ? Field::other : static_cast<Field>(it - field_names.begin());
}

enum class Kind : std::uint8_t { object, integer, datetime };

struct Column {
  Field field = Field::other;
  Kind kind = Kind::object;
  py::array array;
  const void* data = nullptr;
};

constexpr std::int64_t nat = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t ns_per_day = 86'400'000'000'000;

Date date_of_ns(std::int64_t ns) {
  const std::int64_t days = ns / ns_per_day - (ns % ns_per_day < 0 ? 1 : 0);
  return Date::from_days(static_cast<std::int32_t>(days));
}

std::string_view text(PyObject* v) {
  if (!PyUnicode_CheckExact(v)) throw Slow{};
  Py_ssize_t n = 0;
  const char* s = PyUnicode_AsUTF8AndSize(v, &n);
  if (!s) {  // a lone surrogate: the writer says what is wrong
    PyErr_Clear();
    throw Slow{};
  }
  return {s, static_cast<std::size_t>(n)};
}

/// A string field the reader takes: a non-empty str.
std::string_view word(PyObject* v) {
  const std::string_view s = text(v);
  if (s.empty()) throw Slow{};
  return s;
}

std::int64_t integer(PyObject* v) {
  if (!PyLong_CheckExact(v)) throw Slow{};
  int overflow = 0;
  const long long n = PyLong_AsLongLongAndOverflow(v, &overflow);
  if (overflow || (n == -1 && PyErr_Occurred())) {
    PyErr_Clear();
    throw Slow{};
  }
  return n;
}

template <class T>
T known(std::optional<T> value) {
  if (!value) throw Slow{};
  return *value;
}

/// Python values as the JSON writer gives them to the reader, for the plain cases.
class Values {
 public:
  Values() {
    if (!PyDateTimeAPI) PyDateTime_IMPORT;
    if (!PyDateTimeAPI) throw py::error_already_set();
    decimal_ = py::module_::import("decimal").attr("Decimal");
    const py::module_ pandas = py::module_::import("pandas");
    na_ = pandas.attr("NA"), nat_ = pandas.attr("NaT");
  }

  /// None, NA, NaT, NaN: the field is absent, as the writer leaves it out.
  bool absent(PyObject* v) const {
    if (v == Py_None || v == na_.ptr() || v == nat_.ptr()) return true;
    return PyFloat_CheckExact(v) && std::isnan(PyFloat_AS_DOUBLE(v));
  }

  /// An amount or a rate given as yuan text, a whole number of yuan or a Decimal, parsed as the reader parses it.
  template <class Parse>
  auto number(PyObject* v, Parse parse) const {
    std::string owned;
    std::string_view t;
    if (PyUnicode_CheckExact(v)) {
      t = text(v);
    } else if (PyLong_CheckExact(v)) {
      t = owned = std::to_string(integer(v));
    } else if (Py_TYPE(v) == reinterpret_cast<PyTypeObject*>(decimal_.ptr())) {
      t = owned = py::str(v).cast<std::string>();
    } else {
      throw Slow{};
    }
    const auto parsed = parse(t);
    if (!parsed) throw Slow{};
    return parsed.value;
  }

  /// An amount under `key` (`amount`) or `key_fen` (whole fen, an int).
  Fen amount(PyObject* v, bool fen) const {
    if (!fen) return number(v, parse_amount);
    const Fen f(integer(v));
    if (f < Fen(0) || f > max_amount) throw Slow{};
    return f;
  }

  /// A date: ISO text (its raw text kept, as the reader keeps it) or a datetime.date (a Timestamp).
  Date date(PyObject* v, std::string& raw) const {
    if (PyUnicode_CheckExact(v)) {
      const std::string_view t = text(v);
      const DateParse d = parse_date(t);
      if (!d) throw Slow{};
      raw.assign(t);
      return d.value;
    }
    if (!PyDate_Check(v)) throw Slow{};
    return Date::from_ymd(PyDateTime_GET_YEAR(v), static_cast<unsigned>(PyDateTime_GET_MONTH(v)),
                          static_cast<unsigned>(PyDateTime_GET_DAY(v)));
  }

  /// Each item of a list (or tuple) of at most `max` items.
  template <class Each>
  static void items(PyObject* v, std::size_t max, Each each) {
    if (!PyList_CheckExact(v) && !PyTuple_CheckExact(v)) throw Slow{};
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(v);
    if (static_cast<std::size_t>(n) > max) throw Slow{};
    PyObject** item = PySequence_Fast_ITEMS(v);
    for (Py_ssize_t i = 0; i < n; ++i) each(item[i]);
  }

  /// Each (key, value) of a dict with str keys, values absent skipped (as the writer skips them);
  /// `each(name, fen, value)` with `name` the key without `_fen`.
  template <class Each>
  void members(PyObject* d, Each each) const {
    if (!PyDict_CheckExact(d)) throw Slow{};
    PyObject *key = nullptr, *value = nullptr;
    Py_ssize_t pos = 0;
    while (PyDict_Next(d, &pos, &key, &value)) {
      if (absent(value)) continue;
      std::string_view name = text(key);
      const bool fen = name.ends_with("_fen");
      if (fen) name.remove_suffix(4);
      each(name, fen, value);
    }
  }

 private:
  py::object decimal_, na_, nat_;
};

/// Marks `bit` in `seen`; a key given twice (`amount` and `amount_fen`) is the reader's to reject.
void once(unsigned& seen, unsigned bit) {
  if (seen & bit) throw Slow{};
  seen |= bit;
}

FeeLine fee_line(const Values& values, PyObject* d) {
  FeeLine line;
  unsigned seen = 0;
  values.members(d, [&](std::string_view key, bool fen, PyObject* v) {
    if (key == "amount") {
      once(seen, 1), line.amount = values.amount(v, fen);
    } else if (key == "over_limit") {
      once(seen, 2), line.over_limit = values.amount(v, fen);
    } else if (fen) {
      throw Slow{};
    } else if (key == "category") {
      const std::string_view c = text(v);
      if (c != "A" && c != "B" && c != "C") throw Slow{};
      once(seen, 4), line.category = static_cast<FeeCategory>(c[0] - 'A');
    } else if (key == "selfpay_ratio") {
      once(seen, 8), line.selfpay_ratio = values.number(v, parse_rate);
    } else if (key == "code") {
      once(seen, 16), line.code.assign(word(v));
    } else if (key == "name") {
      once(seen, 32), line.name.assign(word(v));
    } else {
      throw Slow{};
    }
  });
  if ((seen & 5) != 5) throw Slow{};  // no amount or no category
  return line;
}

Buckets buckets(const Values& values, PyObject* d) {
  constexpr std::array<std::string_view, 5> names{"total", "full_selfpay", "over_limit", "pre_selfpay", "in_scope"};
  Buckets b;
  const std::array<Fen*, 5> slots{&b.total, &b.full_selfpay, &b.over_limit, &b.pre_selfpay, &b.in_scope};
  unsigned seen = 0;
  values.members(d, [&](std::string_view key, bool fen, PyObject* v) {
    const auto it = std::find(names.begin(), names.end(), key);
    if (it == names.end()) throw Slow{};
    const auto i = static_cast<std::size_t>(it - names.begin());
    once(seen, 1u << i);
    *slots[i] = values.amount(v, fen);
  });
  if (seen != 31) throw Slow{};
  return b;
}

/// One row built directly, or Slow.
class RowBuilder {
 public:
  explicit RowBuilder(const Values& values) : values_(values) {}

  void start(std::uint64_t line) {
    rec_ = Record{};
    rec_.line = line;
    seen_ = {};
  }

  /// A value of an object column (not absent).
  void object(Field f, PyObject* v);
  /// A value of an int64 column.
  void integer(Field f, std::int64_t n) {
    if (f != Field::age || n < 0 || n > 150) throw Slow{};  // out of range: the reader's message
    mark(f), rec_.stay.age = static_cast<int>(n);
  }
  /// A value of a datetime64[ns] column (not NaT).
  void date(Field f, std::int64_t ns) {
    const Date d = date_of_ns(ns);
    if (f == Field::admitted) mark(f), rec_.stay.admitted = d;
    else if (f == Field::discharged) mark(f), rec_.stay.discharged = d, rec_.discharged_date = d;
    else throw Slow{};
  }
  /// The record, if every required field was given and validate() finds the stay valid.
  Record finish();

 private:
  void mark(Field f) {
    bool& was = seen_[static_cast<std::size_t>(f)];
    if (was) throw Slow{};  // a column given twice
    was = true;
  }
  void who(Field f, PyObject* v);
  void lists(Field f, PyObject* v);
  void cost(Field f, PyObject* v);

  const Values& values_;
  Record rec_;
  std::array<bool, field_names.size()> seen_{};
};

void RowBuilder::object(Field f, PyObject* v) {
  if (f == Field::other || f == Field::prior) throw Slow{};
  mark(f);
  if (f <= Field::discharged) return who(f, v);
  if (f <= Field::referred_from) return lists(f, v);
  cost(f, v);
}

void RowBuilder::who(Field f, PyObject* v) {
  Stay& s = rec_.stay;
  switch (f) {
    case Field::stay_id: s.stay_id.assign(word(v)); break;
    case Field::person_id: s.person_id.assign(word(v)); break;
    case Field::identities:
      Values::items(v, ReadLimits{}.max_list_items, [&](PyObject* x) { s.identities |= bit(known(identity_from(text(x)))); });
      break;
    case Field::category: s.category = known(category_from(text(v))); break;
    case Field::age:
      if (PyFloat_CheckExact(v)) {  // a whole float, as an int column with missing values has (the writer takes it)
        const double d = PyFloat_AS_DOUBLE(v);
        if (std::trunc(d) != d || d < 0 || d > 150) throw Slow{};
        s.age = static_cast<int>(d);
      } else {
        const std::int64_t n = python::integer(v);
        if (n < 0 || n > 150) throw Slow{};
        s.age = static_cast<int>(n);
      }
      break;
    case Field::insurance: s.insurance = known(insurance_from(text(v))); break;
    case Field::hospital_level: s.hospital_level = known(hospital_level_from(text(v))); break;
    case Field::region: s.region = known(region_from(text(v))); break;
    case Field::admitted: s.admitted = values_.date(v, rec_.admitted_text); break;
    default: s.discharged = values_.date(v, rec_.discharged_text), rec_.discharged_date = s.discharged; break;
  }
}

void RowBuilder::lists(Field f, PyObject* v) {
  Stay& s = rec_.stay;
  if (f == Field::diagnoses) {
    Values::items(v, ReadLimits{}.max_list_items, [&](PyObject* x) { s.diagnoses.emplace_back(word(x)); });
  } else if (f == Field::flags) {
    Values::items(v, ReadLimits{}.max_list_items, [&](PyObject* x) { s.flags |= bit(known(flag_from(text(x)))); });
  } else {
    s.referred_from.emplace(word(v));
  }
}

void RowBuilder::cost(Field f, PyObject* v) {
  if (f == Field::buckets) {
    rec_.stay.buckets = buckets(values_, v);
    return;
  }
  Values::items(v, ReadLimits{}.max_fee_lines, [&](PyObject* x) { rec_.stay.fees.push_back(fee_line(values_, x)); });
}

Record RowBuilder::finish() {
  for (Field f : required) {
    if (!seen_[static_cast<std::size_t>(f)]) throw Slow{};
  }
  if (seen_[static_cast<std::size_t>(Field::fees)] == seen_[static_cast<std::size_t>(Field::buckets)]) throw Slow{};
  if (validate(rec_.stay, rec_.line)) throw Slow{};  // the reader says what is wrong, where
  rec_.has_stay_id = rec_.has_person_id = true;
  rec_.checked = true;
  return std::move(rec_);
}

std::vector<Column> columns_of(const std::vector<std::string>& names, const py::sequence& columns, std::size_t rows) {
  if (columns.size() != names.size()) throw py::value_error("frame_records: one column per name");
  std::vector<Column> out;
  for (std::size_t k = 0; k < names.size(); ++k) {
    const py::tuple given = columns[k].cast<py::tuple>();
    const std::string kind = given[0].cast<std::string>();
    Column c;
    c.field = field_of(names[k]);
    c.kind = kind == "int" ? Kind::integer : kind == "datetime" ? Kind::datetime : Kind::object;
    c.array = given[1].cast<py::array>();
    const bool object = c.array.dtype().kind() == 'O';
    if (c.array.ndim() != 1 || static_cast<std::size_t>(c.array.shape(0)) != rows ||
        !(c.array.flags() & py::array::c_style) || object != (c.kind == Kind::object) ||
        c.array.itemsize() != 8) {
      throw py::value_error("frame_records: column " + names[k] + ": not a contiguous array of the kind given");
    }
    c.data = c.array.data();
    out.push_back(std::move(c));
  }
  return out;
}

/// Row `r` of the columns as the values the JSON writer takes.
std::vector<py::object> row_values(const std::vector<Column>& columns, std::size_t r) {
  std::vector<py::object> values;
  for (const Column& c : columns) {
    if (c.kind == Kind::object) {
      values.push_back(py::reinterpret_borrow<py::object>(static_cast<PyObject* const*>(c.data)[r]));
      continue;
    }
    const std::int64_t n = static_cast<const std::int64_t*>(c.data)[r];
    if (c.kind == Kind::integer) values.push_back(py::int_(n));
    else if (n == nat) values.push_back(py::none());
    else values.push_back(py::str(format(date_of_ns(n))));  // as the writer writes a Timestamp: its date
  }
  return values;
}

/// Row `r` built directly: throws Slow.
Record direct(RowBuilder& b, const Values& values, const std::vector<Column>& columns, std::size_t r) {
  b.start(r + 1);
  for (const Column& c : columns) {
    if (c.kind == Kind::object) {
      PyObject* v = static_cast<PyObject* const*>(c.data)[r];
      if (!values.absent(v)) b.object(c.field, v);
      continue;
    }
    const std::int64_t n = static_cast<const std::int64_t*>(c.data)[r];
    if (c.kind == Kind::integer) b.integer(c.field, n);
    else if (n != nat) b.date(c.field, n);
  }
  return b.finish();
}

}  // namespace

struct FrameRows::Columns {
  std::vector<Column> all;
};

FrameRows::FrameRows(std::vector<std::string> names, const py::sequence& columns, std::size_t rows)
    : names_(std::move(names)), rows_(rows), columns_(std::make_unique<Columns>()) {
  columns_->all = columns_of(names_, columns, rows);
}

FrameRows::~FrameRows() = default;

void FrameRows::read(std::size_t from, std::size_t to, std::vector<Record>& out) const {
  const std::vector<Column>& cols = columns_->all;
  const Values values;
  RowBuilder builder(values);
  std::optional<RowWriter> writer;  // made at the first row taking the reference way
  std::optional<JsonStayReader> reader;
  out.reserve(out.size() + (to - from));
  for (std::size_t r = from; r < to && r < rows_; ++r) {
    try {
      out.push_back(direct(builder, values, cols, r));
    } catch (const Slow&) {
      if (!writer) writer.emplace(), reader.emplace();
      out.push_back(reader->read(writer->write(r + 1, names_, row_values(cols, r)), r + 1));
    }
  }
}

}  // namespace medsettle::python
