// A person's ledger as JSON (INTERCHANGE.md, "A person's ledger as JSON"):
// written deterministically, read strictly.
#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/text.hpp"
#include "io/json_names.hpp"
#include "medsettle/reader.hpp"
#include "medsettle/writer.hpp"

namespace medsettle {

// ---- writing ----------------------------------------------------------------------

namespace {

void write_figures(std::string& out, const std::vector<LedgerFigures>& channels) {
  out += '{';
  for (std::size_t i = 0; i < channels.size(); ++i) {
    if (i) out += ',';
    write_json_string(out, channels[i].channel);
    out += ":{\"accumulated\":\"";
    format_to(out, channels[i].figures.accumulated);
    out += "\",\"paid\":\"";
    format_to(out, channels[i].figures.paid);
    fmt::format_to(std::back_inserter(out), "\",\"grants\":{}}}", channels[i].figures.grants);
  }
  out += '}';
}

void write_stay(std::string& out, const LedgerStay& s) {
  out += "{\"stay_id\":";
  write_json_string(out, s.stay_id);
  fmt::format_to(std::back_inserter(out), ",\"year\":{},\"version\":\"{}\",\"digest\":", s.year, format(s.version));
  write_json_string(out, s.digest);
  out += ",\"deductibles\":{";
  for (std::size_t i = 0; i < s.deductibles.size(); ++i) {
    if (i) out += ',';
    write_json_string(out, s.deductibles[i].first);
    out += ":\"";
    format_to(out, s.deductibles[i].second);
    out += '"';
  }
  out += s.started_before ? "},\"before\":{\"started\":true,\"channels\":" : "},\"before\":{\"started\":false,\"channels\":";
  write_figures(out, s.before);
  out += "}}";
}

}  // namespace

void write_ledger_json(std::string& out, const LedgerSnapshot& l) {
  out += "{\"person_id\":";
  write_json_string(out, l.person_id);
  out += ",\"rules\":";
  write_json_string(out, l.rules);
  out += ",\"years\":[";
  for (std::size_t i = 0; i < l.years.size(); ++i) {
    if (i) out += ',';
    fmt::format_to(std::back_inserter(out), "{{\"year\":{},\"started\":{},\"channels\":", l.years[i].year,
                   l.years[i].started ? "true" : "false");
    write_figures(out, l.years[i].channels);
    out += '}';
  }
  out += "],\"stays\":[";
  for (std::size_t i = 0; i < l.stays.size(); ++i) {
    if (i) out += ',';
    write_stay(out, l.stays[i]);
  }
  out += "]}";
}

// ---- reading --------------------------------------------------------------------------

namespace {

namespace dom = simdjson::dom;
using detail::message;

[[noreturn]] void bad(const std::string& field, Message what) {
  if (field.empty()) throw Error(message(N_("ledger: {}"), what.text(Language::en)));
  throw Error(message(N_("ledger: {}: {}"), field, what.text(Language::en)));
}

/// The keys of an object, each once and each among `known`.
template <class Each>
void keys(dom::element e, const std::string& field, std::initializer_list<std::string_view> known, Each each) {
  dom::object obj;
  if (e.get_object().get(obj)) bad(field, message(N_("expected an object, got {}"), detail::json_type_name_dom(e)));
  std::set<std::string_view> seen;
  for (auto [key, value] : obj) {
    const std::string path = field.empty() ? std::string(key) : field + "." + std::string(key);
    if (!seen.insert(key).second) bad(path, message(N_("key given more than once")));
    if (known.size() && std::find(known.begin(), known.end(), key) == known.end()) {
      bad(path, message(N_("unknown field")));
    }
    each(key, value, path);
  }
}

std::string text_of(dom::element e, const std::string& field, bool may_be_empty = false) {
  std::string_view v;
  if (e.get_string().get(v)) bad(field, message(N_("expected a string, got {}"), detail::json_type_name_dom(e)));
  if (v.empty() && !may_be_empty) bad(field, message(N_("must not be empty")));
  return std::string(v);
}

Fen amount_of(dom::element e, const std::string& field) {
  std::string_view v;
  if (e.get_string().get(v)) bad(field, message(N_("expected an amount as a string, got {}"), detail::json_type_name_dom(e)));
  const AmountParse a = parse_amount(v);
  if (!a) bad(field, message(N_("not an amount: '{}'"), v));
  return a.value;
}

std::int64_t integer_of(dom::element e, const std::string& field, std::int64_t min, std::int64_t max) {
  std::int64_t v = 0;
  if (e.get_int64().get(v)) bad(field, message(N_("expected a whole number, got {}"), detail::json_type_name_dom(e)));
  if (v < min || v > max) bad(field, message(N_("{} is out of range"), v));
  return v;
}

bool bool_of(dom::element e, const std::string& field) {
  bool v = false;
  if (e.get_bool().get(v)) bad(field, message(N_("expected true or false, got {}"), detail::json_type_name_dom(e)));
  return v;
}

std::vector<LedgerFigures> figures_of(dom::element e, const std::string& field) {
  std::vector<LedgerFigures> out;
  keys(e, field, {}, [&](std::string_view channel, dom::element v, const std::string& path) {
    LedgerFigures f;
    f.channel = channel;
    if (f.channel.empty()) bad(path, message(N_("a channel id must not be empty")));
    bool a = false, p = false, g = false;
    keys(v, path, {"accumulated", "paid", "grants"}, [&](std::string_view k, dom::element x, const std::string& at) {
      if (k == "accumulated") f.figures.accumulated = amount_of(x, at), a = true;
      else if (k == "paid") f.figures.paid = amount_of(x, at), p = true;
      else f.figures.grants = integer_of(x, at, 0, 999'999'999'999), g = true;
    });
    if (!a || !p || !g) bad(path, message(N_("accumulated, paid and grants are all required")));
    out.push_back(std::move(f));
  });
  return out;
}

template <class Each>
void items(dom::element e, const std::string& field, Each each) {
  dom::array arr;
  if (e.get_array().get(arr)) bad(field, message(N_("expected a list, got {}"), detail::json_type_name_dom(e)));
  std::size_t i = 0;
  for (dom::element item : arr) each(item, field + "[" + std::to_string(i++) + "]");
}

LedgerYear year_of(dom::element e, const std::string& field) {
  LedgerYear y;
  int seen = 0;
  keys(e, field, {"year", "started", "channels"}, [&](std::string_view k, dom::element v, const std::string& at) {
    ++seen;
    if (k == "year") y.year = static_cast<int>(integer_of(v, at, 1000, 9999));
    else if (k == "started") y.started = bool_of(v, at);
    else y.channels = figures_of(v, at);
  });
  if (seen != 3) bad(field, message(N_("year, started and channels are all required")));
  return y;
}

void before_of(dom::element e, const std::string& field, LedgerStay& s) {
  int seen = 0;
  keys(e, field, {"started", "channels"}, [&](std::string_view k, dom::element v, const std::string& at) {
    ++seen;
    if (k == "started") s.started_before = bool_of(v, at);
    else s.before = figures_of(v, at);
  });
  if (seen != 2) bad(field, message(N_("started and channels are both required")));
}

LedgerStay stay_of(dom::element e, const std::string& field) {
  LedgerStay s;
  int seen = 0;
  keys(e, field, {"stay_id", "year", "version", "digest", "deductibles", "before"},
       [&](std::string_view k, dom::element v, const std::string& at) {
         ++seen;
         if (k == "stay_id") s.stay_id = text_of(v, at);
         else if (k == "year") s.year = static_cast<int>(integer_of(v, at, 1000, 9999));
         else if (k == "digest") s.digest = text_of(v, at);
         else if (k == "before") before_of(v, at, s);
         else if (k == "deductibles") {
           keys(v, at, {}, [&](std::string_view ch, dom::element d, const std::string& p) {
             if (ch.empty()) bad(p, message(N_("a channel id must not be empty")));
             s.deductibles.emplace_back(std::string(ch), amount_of(d, p));
           });
         } else {
           const DateParse d = parse_date(text_of(v, at));
           if (!d) bad(at, message(N_("not a date (YYYY-MM-DD)")));
           s.version = d.value;
         }
       });
  if (seen != 6) bad(field, message(N_("stay_id, year, version, digest, deductibles and before are all required")));
  return s;
}

}  // namespace

LedgerSnapshot read_ledger_json(std::string_view text, std::string* records) {
  dom::parser parser;
  dom::element root;
  if (auto e = parser.parse(text.data(), text.size()).get(root); e) {
    throw Error(message(N_("ledger: not JSON: {}"), simdjson::error_message(e)));
  }
  LedgerSnapshot l;
  int seen = 0;
  keys(root, "", {"person_id", "rules", "years", "stays", "records"},
       [&](std::string_view k, dom::element v, const std::string& at) {
         // A ledger that has settled nothing yet has no person (Ledger::restore checks the rest).
         if (k == "person_id") l.person_id = text_of(v, at, true), ++seen;
         else if (k == "rules") l.rules = text_of(v, at), ++seen;
         else if (k == "years") items(v, at, [&](dom::element y, const std::string& p) { l.years.push_back(year_of(y, p)); }), ++seen;
         else if (k == "stays") items(v, at, [&](dom::element s, const std::string& p) { l.stays.push_back(stay_of(s, p)); }), ++seen;
         else if (records) *records = simdjson::minify(v);
         else bad(at, message(N_("unknown field")));
       });
  if (seen != 4) throw Error(message(N_("ledger: person_id, rules, years and stays are all required")));
  return l;
}

}  // namespace medsettle
