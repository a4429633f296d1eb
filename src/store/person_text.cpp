// A person's kept ledger for people and for machines: the text a window
// clerk reads (`medsettle ledger --person`), the JSON of an export line, and
// a refused reversal.
#include <algorithm>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/text.hpp"
#include "medsettle/store.hpp"
#include "medsettle/writer.hpp"

namespace medsettle {

namespace {

/// A settlement field of a record's JSON ("" if absent).
std::string field_of(simdjson::dom::parser& parser, const std::string& json, std::string_view key) {
  simdjson::dom::element root;
  std::string_view v;
  if (parser.parse(json).get(root) || root[key].get_string().get(v)) return {};
  return std::string(v);
}

void figures_table(std::string& out, const std::vector<LedgerFigures>& channels, Language language) {
  out += fmt::format("  {:<22} {:>14} {:>14} {:>7}\n", detail::message(N_("channel")).text(language),
                     detail::message(N_("accumulated")).text(language), detail::message(N_("paid")).text(language),
                     detail::message(N_("grants")).text(language));
  for (const LedgerFigures& f : channels) {
    out += fmt::format("  {:<22} {:>14} {:>14} {:>7}\n", f.channel, format(f.figures.accumulated),
                       format(f.figures.paid), f.figures.grants);
  }
}

}  // namespace

void write_person_json(std::string& out, const LedgerSnapshot& ledger, const std::vector<StoreRecord>& records) {
  write_ledger_json(out, ledger);
  out.pop_back();  // the ledger object's closing brace
  out += ",\"records\":";
  write_records_json(out, records);
  out += '}';
}

void write_refusal_json(std::string& out, const Rejection& r, Language language) {
  out += "{\"stay_id\":";
  if (r.stay_id) write_json_string(out, *r.stay_id);
  else out += "null";
  out += ",\"error\":{\"code\":";
  write_json_string(out, name(r.code));
  out += ",\"field\":";
  if (r.field.empty()) out += "null";
  else write_json_string(out, r.field);
  out += ",\"message\":";
  write_json_string(out, r.message_in(language));
  out += "}}";
}

std::string render_ledger_text(const LedgerSnapshot& l, const std::vector<StoreRecord>& records,
                               std::optional<int> year, Language language) {
  using detail::message;
  std::string out = message(N_("person {}, rule set {}"), l.person_id, l.rules).text(language) + "\n";
  for (const LedgerYear& y : l.years) {
    if (year && y.year != *year) continue;
    out += (y.started ? message(N_("{}: started"), y.year) : message(N_("{}: not started"), y.year)).text(language);
    out += '\n';
    figures_table(out, y.channels, language);
  }
  if (year && std::none_of(l.years.begin(), l.years.end(), [&](const LedgerYear& y) { return y.year == *year; })) {
    out += message(N_("{}: nothing settled"), *year).text(language) + "\n";
  }
  out += message(N_("records, in settlement order ({}):"), records.size()).text(language) + "\n";
  simdjson::dom::parser parser;
  for (const StoreRecord& r : records) {
    const bool reversal = r.kind == StoreRecord::Kind::reversal;
    out += fmt::format("  {}  {:<10} {:<12} {} {} {}  {} {:>12}  {} {:>12}  {} {:>12}", r.recorded_at,
                       reversal ? message(N_("reversal")).text(language) : message(N_("settlement")).text(language),
                       r.stay_id, r.rules, format(r.version), r.digest.substr(0, 15),
                       message(N_("total")).text(language), field_of(parser, r.json, "medfee_sumamt"),
                       message(N_("funds")).text(language), field_of(parser, r.json, "fund_pay_sumamt"),
                       message(N_("patient")).text(language), field_of(parser, r.json, "psn_part_amt"));
    if (!r.reason.empty()) out += "  " + message(N_("reason: {}"), r.reason).text(language);
    out += '\n';
  }
  return out;
}

}  // namespace medsettle
