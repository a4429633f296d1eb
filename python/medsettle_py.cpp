// python/medsettle_py.cpp: the native part of the Python module
// (`medsettle._native`). It only translates: plans, settlements,
// rejections, explanations, parameters and comparisons become plain Python
// values (columns of int64 fen as NumPy arrays, strings, tuples) for
// python/medsettle/__init__.py to make DataFrames of. Every rule, every
// reading of a stay and every sum is the library's. The GIL is released
// while stays are read and settled.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "medsettle/compare.hpp"
#include "medsettle/files.hpp"
#include "medsettle/generate.hpp"
#include "medsettle/language.hpp"
#include "medsettle/pipeline.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/reader.hpp"
#include "medsettle/record_stream.hpp"
#include "medsettle/settle.hpp"
#include "medsettle/show.hpp"
#include "medsettle/slip.hpp"
#include "medsettle/store.hpp"
#include "medsettle/stream.hpp"
#include "medsettle/writer.hpp"

#include "frame_stays.hpp"
#include "json_rows.hpp"

namespace py = pybind11;
using namespace medsettle;

namespace {

using Fields = std::array<Fen, report::field_names.size()>;

/// The settlement fields of INTERCHANGE.md, in report::field_names order.
Fields fields_of(const Settlement& s) {
  return {s.buckets.total, s.buckets.full_selfpay, s.buckets.over_limit, s.buckets.pre_selfpay, s.buckets.in_scope,
          s.act_pay_dedc,  s.hifp_pay,             s.hifmi_pay,          s.maf_pay,             s.hosp_part_amt,
          s.oth_pay,       s.fund_pay_sumamt,      s.psn_part_amt};
}

std::optional<Date> date_arg(const std::optional<std::string>& text, const char* what) {
  if (!text) return std::nullopt;
  const DateParse p = parse_date(*text);
  if (!p) throw py::value_error(std::string(what) + ": not a date YYYY-MM-DD: '" + *text + "'");
  return p.value;
}

/// The stays: JSON Lines text in memory, a file (CSV when its name ends in
/// .csv), or a DataFrame's columns (frame_stays.hpp).
struct Source {
  std::string text;
  bool is_path = false;
  std::shared_ptr<const python::FrameRows> frame;
};

/// Every record of a DataFrame; called without the GIL.
std::vector<Record> frame_records(const python::FrameRows& frame) {
  py::gil_scoped_acquire locked;
  std::vector<Record> records;
  frame.read(0, frame.rows(), records);
  return records;
}

std::vector<Record> read_source(const Source& source) {
  if (source.frame) return frame_records(*source.frame);
  if (!source.is_path) return read_jsonl(std::string_view(source.text));
  InputFile in(source.text);
  PipelineOptions options;
  options.input = source.text.ends_with(".csv") ? InputFormat::csv : InputFormat::jsonl;
  return read_input(in, options);
}

template <class T>
py::array_t<T> array_of(const std::vector<T>& v) {
  return py::array_t<T>(static_cast<py::ssize_t>(v.size()), v.data());
}

/// Settlements as columns, gathered without the GIL: the scalar fields, the
/// money fields in fen, and the payment of each ledger slot (`present`
/// false: the version applied has no such channel); and the rejections.
struct Columns {
  std::vector<std::string> slots;
  std::vector<std::string> stay_id, person_id, rules, version, digest;
  std::vector<std::vector<std::int64_t>> money{report::field_names.size()};
  std::vector<std::vector<std::int64_t>> paid;
  std::vector<std::vector<std::uint8_t>> present;
  std::vector<Rejection> rejections;

  explicit Columns(const Plan& plan) : slots(plan.ledger_slots()), paid(slots.size()), present(slots.size()) {}

  void add(const Outcome& o) {
    if (!o.settled()) {
      rejections.push_back(o.rejection());
      return;
    }
    const Settlement& s = o.settlement();
    stay_id.push_back(s.stay_id);
    person_id.push_back(s.person_id);
    rules.emplace_back(s.rules);
    version.push_back(format(s.version));
    digest.emplace_back(s.digest);
    const Fields f = fields_of(s);
    for (std::size_t i = 0; i < f.size(); ++i) money[i].push_back(f[i].count());
    std::vector<const ChannelResult*> by_slot(slots.size(), nullptr);
    for (const ChannelResult& c : s.channels) by_slot[c.slot] = &c;
    for (std::size_t k = 0; k < slots.size(); ++k) {
      paid[k].push_back(by_slot[k] ? by_slot[k]->paid.count() : 0);
      present[k].push_back(by_slot[k] != nullptr);
    }
  }
};

py::dict settlement_dict(const Columns& c) {
  py::dict d;
  d["stay_id"] = c.stay_id, d["person_id"] = c.person_id, d["rules"] = c.rules, d["version"] = c.version;
  d["digest"] = c.digest;
  py::list money_cols, channel_cols;
  for (std::size_t i = 0; i < c.money.size(); ++i)
    money_cols.append(py::make_tuple(report::field_names[i], array_of(c.money[i])));
  for (std::size_t k = 0; k < c.slots.size(); ++k)
    channel_cols.append(py::make_tuple(c.slots[k], array_of(c.paid[k]), array_of(c.present[k])));
  d["money"] = money_cols, d["channels"] = channel_cols;
  return d;
}

/// Rejections as columns: stay_id (None when unreadable), line, code, field (None when no single
/// field is at fault), message.
py::dict rejection_dict(const std::vector<Rejection>& rejections) {
  py::list stay_id, line, code, field, message;
  for (const Rejection& r : rejections) {
    stay_id.append(r.stay_id ? py::object(py::str(*r.stay_id)) : py::object(py::none()));
    line.append(r.line), code.append(std::string(name(r.code))), message.append(r.message);
    field.append(r.field.empty() ? py::object(py::none()) : py::object(py::str(r.field)));  // as the JSON writes it
  }
  py::dict d;
  d["stay_id"] = stay_id, d["line"] = line, d["code"] = code, d["field"] = field, d["message"] = message;
  return d;
}

py::tuple outcome_dicts(const Plan& plan, const std::vector<Outcome>& outcomes) {
  Columns c(plan);
  for (const Outcome& o : outcomes) c.add(o);
  return py::make_tuple(settlement_dict(c), rejection_dict(c.rejections));
}

/// Settles a DataFrame's rows into columns: a wave of rows made records (with
/// the GIL) and settled (without) at a time, in bounded memory, when its
/// persons' rows are together; else all of them at once. Called without the GIL.
Columns settle_frame(const Plan& plan, const python::FrameRows& frame, const StreamOptions& stream) {
  std::size_t next = 0;
  const RecordSource source = [&](std::vector<Record>& wave, std::size_t max) {
    py::gil_scoped_acquire locked;
    frame.read(next, std::min(frame.rows(), next + max), wave);
    next = std::min(frame.rows(), next + max);
    return next < frame.rows();
  };
  try {
    Columns columns(plan);
    settle_record_waves(plan, source, stream, [&](std::span<const Outcome> wave) {
      for (const Outcome& o : wave) columns.add(o);
    });
    return columns;
  } catch (const NotGroupedError&) {
    Columns columns(plan);
    for (const Outcome& o : settle_batch(plan, frame_records(frame), stream.batch)) columns.add(o);
    return columns;
  }
}

/// Settles the stays of a source into columns. Stays grouped by person are
/// streamed (as `medsettle settle` does: a wave at a time, in bounded
/// memory); anything else is read whole. Called without the GIL.
Columns settle_columns(const Plan& plan, const Source& source, const BatchOptions& batch) {
  Columns columns(plan);
  StreamOptions stream;
  stream.batch = batch;
  const auto add = [&](const Outcome& o) { columns.add(o); };
  if (source.frame) return settle_frame(plan, *source.frame, stream);
  if (source.is_path) {
    InputFile in(source.text);
    stream.format = source.text.ends_with(".csv") ? InputFormat::csv : InputFormat::jsonl;
    if (in.regular() && grouped_by_person(in.stream(), stream.format)) {
      in.rewind();
      settle_stream(plan, in.stream(), stream, add);
      return columns;
    }
  } else {
    std::istringstream in(source.text);
    if (grouped_by_person(in, stream.format)) {
      in.clear();
      in.seekg(0);
      settle_stream(plan, in, stream, add);
      return columns;
    }
  }
  for (const Outcome& o : settle_batch(plan, read_source(source), batch)) add(o);
  return columns;
}

py::tuple settle_stays(const Plan& plan, const Source& source, unsigned threads,
                       const std::optional<std::string>& as_of) {
  BatchOptions options;
  options.threads = threads;
  options.settle.as_of = date_arg(as_of, "as_of");
  std::optional<Columns> columns;
  {
    py::gil_scoped_release unlocked;
    columns.emplace(settle_columns(plan, source, options));
  }
  return py::make_tuple(settlement_dict(*columns), rejection_dict(columns->rejections));
}

/// The steps of one stay's settlement (its person's other stays settled too).
py::dict explain_stay(const Plan& plan, const Source& source, const std::string& stay_id,
                 const std::optional<std::string>& as_of) {
  SettleOptions options;
  options.trace = true;
  options.trace_text = false;  // the steps' texts are made below, from the typed steps
  options.as_of = date_arg(as_of, "as_of");
  std::optional<Outcome> outcome;
  {
    py::gil_scoped_release unlocked;
    outcome = settle_one_of(plan, read_source(source), stay_id, options);
  }
  if (!outcome) throw py::key_error("no stay with stay_id '" + stay_id + "' among the stays given");
  py::dict d;
  if (!outcome->settled()) {
    d["rejection"] = rejection_dict({outcome->rejection()});
    return d;
  }
  const Settlement& s = outcome->settlement();
  py::list steps;
  for (const TraceStep& t : s.trace->steps) {
    const std::string channel = t.channel < 0 ? std::string() : std::string(s.channel_info(t.channel).id);
    steps.append(py::make_tuple(channel, std::string(step_name(t.data)), describe(s, t, Language::en), t.line,
                                t.column, t.source));
  }
  std::string json;
  write_json_itemized(json, s);
  d["steps"] = steps, d["text"] = render_trace_text(s), d["settlement_json"] = json;
  return d;
}

/// LANGUAGE=zh_CN while Chinese is rendered (gettext reads it at each
/// call), and the variable as it was afterwards: the analyst's environment,
/// which Python's subprocesses inherit, does not turn Chinese. One at a
/// time (the environment is the process's).
class ChineseWhile {
 public:
  explicit ChineseWhile(bool on) : on_(on) {
    if (!on_) return;
    lock_ = std::unique_lock<std::mutex>(mutex());
    if (const char* v = std::getenv("LANGUAGE")) before_ = v;
    ::setenv("LANGUAGE", "zh_CN", 1);
  }
  ~ChineseWhile() {
    if (!on_) return;
    if (before_) ::setenv("LANGUAGE", before_->c_str(), 1);
    else ::unsetenv("LANGUAGE");
  }
  ChineseWhile(const ChineseWhile&) = delete;
  ChineseWhile& operator=(const ChineseWhile&) = delete;

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  bool on_;
  std::unique_lock<std::mutex> lock_;
  std::optional<std::string> before_;
};

/// The language of a slip: Chinese needs its catalogue bound to the process
/// (use_language, once); English where it cannot be found, as `medsettle slip` does.
Language slip_language(const std::string& tag) {
  const std::optional<Language> language = language_from(tag);
  if (!language) throw py::value_error("language: '" + tag + "': expected en or zh");
  if (*language == Language::en) return Language::en;
  static const bool chinese = [] {
    ChineseWhile keep(true);  // use_language sets LANGUAGE; put it back
    return use_language(Language::zh);
  }();
  return chinese ? Language::zh : Language::en;
}

/// The settlement slip of one stay (medsettle/slip.hpp), its person's other
/// stays settled too: (html, None), or (None, the rejection).
py::tuple slip_of(const Plan& plan, const Source& source, const std::string& stay_id,
                  const std::optional<std::string>& as_of, const std::string& language) {
  SettleOptions options;
  options.trace = true;        // the slip says what chose each channel's values, as `medsettle slip` does
  options.trace_text = false;  // from the typed steps
  options.as_of = date_arg(as_of, "as_of");
  const Language lang = slip_language(language);
  std::optional<Outcome> outcome;
  std::string html;
  {
    py::gil_scoped_release unlocked;
    const std::vector<Record> records = read_source(source);
    outcome = settle_one_of(plan, records, stay_id, options);
    const auto stay = std::find_if(records.begin(), records.end(),
                                   [&](const Record& r) { return r.has_stay_id && r.stay.stay_id == stay_id; });
    if (outcome && outcome->settled()) {
      ChineseWhile chinese(lang == Language::zh);
      html = render_slip_html(stay->stay, outcome->settlement(), lang);
    }
  }
  if (!outcome) throw py::key_error("no stay with stay_id '" + stay_id + "' among the stays given");
  if (!outcome->settled()) return py::make_tuple(py::none(), rejection_dict({outcome->rejection()}));
  return py::make_tuple(html, py::none());
}

/// The parameters in force on a date (the last version without one), as `medsettle show --json` writes them.
py::tuple show_parameters(const Plan& plan, const std::optional<std::string>& as_of) {
  const report::ParametersInForce p = report::parameters_in_force(plan, date_arg(as_of, "as_of"));
  std::string json;
  report::write_json(json, p);
  return py::make_tuple(report::render_text(p), json);
}

/// A sum of fen as an exact Python int (it may not fit 64 bits).
py::int_ exact(report::Sum v) {
  __extension__ typedef unsigned __int128 Unsigned;
  Unsigned u = v < 0 ? Unsigned(0) - static_cast<Unsigned>(v) : static_cast<Unsigned>(v);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  } while (u != 0);
  if (v < 0) digits.insert(digits.begin(), '-');
  return py::reinterpret_steal<py::int_>(PyLong_FromString(digits.c_str(), nullptr, 10));
}

py::dict comparison_tables(const report::Comparison& c) {
  py::list fields, channels, top;
  for (std::size_t i = 0; i < c.fields.size(); ++i)
    fields.append(py::make_tuple(report::field_names[i], report::field_label(report::field_names[i]),
                                 exact(c.fields[i].a), exact(c.fields[i].b)));
  for (const report::ChannelRow& r : c.channels)
    channels.append(py::make_tuple(r.id, r.name, r.in_a, r.in_b, exact(r.paid.a), exact(r.paid.b)));
  for (const report::PersonChange& p : c.top) top.append(py::make_tuple(p.person_id, p.year, p.stays, p.a, p.b));
  py::dict counts;
  counts["records"] = c.records, counts["paired"] = c.paired, counts["changed"] = c.changed;
  counts["rejected_both"] = c.rejected_both, counts["rejected_only_a"] = c.rejected_only_a;
  counts["rejected_only_b"] = c.rejected_only_b, counts["person_years"] = c.person_years;
  counts["person_years_changed"] = c.person_years_changed;
  py::dict d;
  d["fields"] = fields, d["channels"] = channels, d["top"] = top, d["counts"] = counts;
  d["text"] = report::render_text(c), d["html"] = report::render_html(c);
  return d;
}

py::dict compare_plans(const Plan& a, const Plan& b, const Source& source, unsigned threads,
                 const std::optional<std::string>& as_of_a, const std::optional<std::string>& as_of_b) {
  report::CompareOptions options;
  options.as_of_a = date_arg(as_of_a, "as_of_a");
  options.as_of_b = date_arg(as_of_b, "as_of_b");
  std::optional<report::WhatIf> w;
  {
    py::gil_scoped_release unlocked;
    w.emplace(report::what_if(a, b, read_source(source), options, threads));
  }
  py::dict d = comparison_tables(w->comparison);
  d["a"] = outcome_dicts(a, w->a);
  d["b"] = outcome_dicts(b, w->b);
  return d;
}

py::list channels_of(const Plan& plan, std::size_t version) {
  if (version >= plan.versions().size()) throw py::index_error("no version " + std::to_string(version));
  py::list out;
  for (std::size_t i = 0; i < plan.channel_count(version); ++i) {
    const ChannelInfo c = plan.channel(version, i);
    out.append(py::make_tuple(c.id, c.name, c.fund_pay_type, name(c.reports_as)));
  }
  return out;
}

void bind_plan(py::module_& m) {
  py::class_<Plan>(m, "Plan")
      .def_static("load_file", &Plan::load_file, py::arg("path"))
      .def_static("load_string", &Plan::load_string, py::arg("text"), py::arg("file") = "<string>")
      .def_static("builtin", &Plan::builtin, py::return_value_policy::copy)
      .def_property_readonly("id", [](const Plan& p) { return std::string(p.id()); })
      .def_property_readonly("title", [](const Plan& p) { return std::string(p.title()); })
      .def_property_readonly("file", [](const Plan& p) { return std::string(p.file()); })
      .def_property_readonly("digest", [](const Plan& p) { return std::string(p.digest()); })
      .def_property_readonly("versions",
                             [](const Plan& p) {
                               std::vector<std::string> v;
                               for (Date d : p.versions()) v.push_back(format(d));
                               return v;
                             })
      .def_property_readonly("until",
                             [](const Plan& p) { return p.until() ? std::optional(format(*p.until())) : std::nullopt; })
      .def_property_readonly("ledger_slots", &Plan::ledger_slots)
      .def("channels", &channels_of, py::arg("version"));
}

/// A kept ledger's records (settlements and reversals) as rows.
py::list record_rows(const std::vector<StoreRecord>& records) {
  py::list rows;
  for (const StoreRecord& r : records)
    rows.append(py::make_tuple(r.kind == StoreRecord::Kind::settlement ? "settlement" : "reversal", r.stay_id,
                               r.person_id, r.rules, format(r.version), r.digest, r.recorded_at, r.reason, r.run,
                               r.json));
  return rows;
}

/// Settles against a kept ledger (medsettle/store.hpp), as `medsettle settle --ledger`.
py::dict store_settle(LedgerStore& store, const Plan& plan, const Source& source, unsigned threads,
                      const std::optional<std::string>& as_of, bool dry_run) {
  StoreSettleOptions options;
  options.threads = threads;
  options.settle.as_of = date_arg(as_of, "as_of");
  options.dry_run = dry_run;
  std::optional<StoreRun> run;
  {
    py::gil_scoped_release unlocked;
    run.emplace(store.settle(plan, read_source(source), options));
  }
  py::dict d;
  const py::tuple outcomes = outcome_dicts(plan, run->outcomes);
  d["settled"] = outcomes[0], d["rejected"] = outcomes[1];
  d["committed"] = run->committed, d["run"] = run->run;
  return d;
}

/// Reverses a settled stay (`medsettle reverse`): the reversal records, or the refusal.
py::tuple store_reverse(LedgerStore& store, const std::string& stay_id, bool cascade, const std::string& reason) {
  std::optional<StoreReversal> r;
  {
    py::gil_scoped_release unlocked;
    r.emplace(store.reverse(stay_id, cascade, reason));
  }
  if (r->refused) return py::make_tuple(py::list(), rejection_dict({*r->refused}));
  return py::make_tuple(record_rows(r->records), py::none());
}

void bind_store(py::module_& m) {
  py::class_<LedgerStore>(m, "LedgerStore")
      .def_static("open", [](const std::string& location) { return LedgerStore::open(location); },
                  py::arg("location"), py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("location", &LedgerStore::location)
      .def_property_readonly("kind", [](const LedgerStore& s) { return std::string(s.kind()); })
      .def("settle", &store_settle, py::arg("plan"), py::arg("source"), py::arg("threads"), py::arg("as_of"),
           py::arg("dry_run"))
      .def("reverse", &store_reverse, py::arg("stay_id"), py::arg("cascade"), py::arg("reason"))
      .def("records", [](LedgerStore& s, const std::string& person) { return record_rows(s.records(person)); },
           py::arg("person_id"));
}

void register_errors(py::module_& m) {
  // Never freed: the translator may run until the interpreter ends.
  static py::handle rule_file_error = PyErr_NewException("medsettle.RuleFileError", PyExc_ValueError, nullptr);
  m.attr("RuleFileError") = rule_file_error;
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const RuleFileError& e) {
      py::list diagnostics;
      std::string text;
      for (const RuleDiagnostic& d : e.diagnostics()) {
        diagnostics.append(py::make_tuple(d.file, d.line, d.column, d.message));
        text += (text.empty() ? "" : "\n") + d.to_string();
      }
      py::object error = rule_file_error(text);
      error.attr("diagnostics") = diagnostics;
      PyErr_SetObject(rule_file_error.ptr(), error.ptr());
    } catch (const IoError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const std::system_error& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const UsageError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
}

}  // namespace

PYBIND11_MODULE(_native, m) {
  m.doc() = "medsettle's native part; use the `medsettle` package.";
  register_errors(m);
  bind_plan(m);
  bind_store(m);
  py::class_<Source>(m, "Source")
      .def(py::init([](std::string text, bool is_path) { return Source{std::move(text), is_path, nullptr}; }), py::arg("text"),
           py::arg("is_path"))
      .def_property_readonly("text", [](const Source& s) { return s.text; })
      .def_property_readonly("is_path", [](const Source& s) { return s.is_path; })
      .def_property_readonly("rows", [](const Source& s) { return s.frame ? s.frame->rows() : 0; });
  m.def("settle", &settle_stays, py::arg("plan"), py::arg("source"), py::arg("threads"), py::arg("as_of"));
  m.def("explain", &explain_stay, py::arg("plan"), py::arg("source"), py::arg("stay_id"), py::arg("as_of"));
  m.def(
      "columns_source",
      [](const std::vector<std::string>& names, const py::sequence& columns, std::size_t rows) {
        return Source{python::rows_as_jsonl(names, columns, rows), false, nullptr};
      },
      py::arg("names"), py::arg("columns"), py::arg("rows"));
  m.def(
      "frame_source",
      [](const std::vector<std::string>& names, const py::sequence& columns, std::size_t rows) {
        return Source{{}, false, std::make_shared<const python::FrameRows>(names, columns, rows)};
      },
      py::arg("names"), py::arg("columns"), py::arg("rows"));
  m.def("slip", &slip_of, py::arg("plan"), py::arg("source"), py::arg("stay_id"), py::arg("as_of"),
        py::arg("language"));
  m.def(
      "dicts_source", [](const py::sequence& rows) { return Source{python::dicts_as_jsonl(rows), false, nullptr}; },
      py::arg("rows"));
  m.def("show", &show_parameters, py::arg("plan"), py::arg("as_of"));
  m.def("compare", &compare_plans, py::arg("a"), py::arg("b"), py::arg("source"), py::arg("threads"), py::arg("as_of_a"),
        py::arg("as_of_b"));
  m.def(
      "generate",
      [](std::uint64_t persons, std::uint64_t seed, int year) {
        std::string out;
        gen::generate(out, gen::Options{persons, seed, year, false});
        return py::bytes(out);
      },
      py::arg("persons"), py::arg("seed"), py::arg("year"));
  m.attr("field_names") = std::vector<std::string>(report::field_names.begin(), report::field_names.end());
  m.attr("version") = MEDSETTLE_VERSION;
}
