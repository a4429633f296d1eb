// Settlement and reversal records (SEMANTICS.md §11: a reversal repeats the
// settlement with every money figure negated), their export form, and an
// export read back into a store.
#include "store/records.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/text.hpp"
#include "io/json_names.hpp"
#include "medsettle/reader.hpp"
#include "medsettle/writer.hpp"

namespace medsettle {

namespace dom = simdjson::dom;
using detail::message;

namespace {

// The money figures of a settlement (INTERCHANGE.md), at the top and in each channel.
constexpr std::array<std::string_view, 13> money_keys{
    "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt",
    "act_pay_dedc",  "hifp_pay",          "hifmi_pay",       "maf_pay",        "hosp_part_amt",
    "oth_pay",       "fund_pay_sumamt",   "psn_part_amt"};
constexpr std::array<std::string_view, 3> channel_money_keys{"base", "deductible", "paid"};

[[noreturn]] void not_a_settlement(std::string_view why) {
  throw Error(message(N_("not a settlement record: {}"), why));
}

void write_negated(std::string& out, dom::element value, std::string_view key) {
  std::string_view text;
  AmountParse a;
  if (value.get_string().get(text) || !(a = parse_amount(text))) not_a_settlement(key);
  out += '"';
  format_to(out, Fen(0) - a.value);
  out += '"';
}

template <std::size_t N>
bool is_money(const std::array<std::string_view, N>& keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

void write_channel_negated(std::string& out, dom::element channel) {
  dom::object obj;
  if (channel.get_object().get(obj)) not_a_settlement("channels");
  out += '{';
  bool first = true;
  for (auto [key, value] : obj) {
    if (!first) out += ',';
    first = false;
    write_json_string(out, key);
    out += ':';
    if (is_money(channel_money_keys, key)) write_negated(out, value, key);
    else out += simdjson::minify(value);
  }
  out += '}';
}

dom::object parse_object(dom::parser& parser, std::string_view json) {
  dom::element root;
  dom::object obj;
  if (parser.parse(json.data(), json.size()).get(root) || root.get_object().get(obj)) not_a_settlement("not an object");
  return obj;
}

std::string string_at(dom::object obj, std::string_view key) {
  std::string_view v;
  if (obj[key].get_string().get(v)) not_a_settlement(key);
  return std::string(v);
}

/// The columns of a record, from its JSON.
void columns_of(StoreRecord& r, std::string_view json) {
  dom::parser parser;
  const dom::object obj = parse_object(parser, json);
  r.stay_id = string_at(obj, "stay_id");
  r.person_id = string_at(obj, "person_id");
  r.rules = string_at(obj, "rules");
  r.digest = string_at(obj, "digest");
  const DateParse d = parse_date(string_at(obj, "version"));
  if (!d) not_a_settlement("version");
  r.version = d.value;
  bool reversal = false;
  if (!obj["reversal"].get_bool().get(reversal) && reversal != (r.kind == StoreRecord::Kind::reversal)) {
    not_a_settlement("reversal");
  }
}

}  // namespace

std::string reversal_json(std::string_view settlement_json) {
  dom::parser parser;
  const dom::object obj = parse_object(parser, settlement_json);
  std::string out = "{";
  bool first = true;
  for (auto [key, value] : obj) {
    if (key == "reversal") not_a_settlement("it is a reversal");
    if (!first) out += ',';
    first = false;
    write_json_string(out, key);
    out += ':';
    if (is_money(money_keys, key)) {
      write_negated(out, value, key);
    } else if (key == "channels") {
      dom::array channels;
      if (value.get_array().get(channels)) not_a_settlement("channels");
      out += '[';
      bool first_channel = true;
      for (dom::element c : channels) {
        if (!first_channel) out += ',';
        first_channel = false;
        write_channel_negated(out, c);
      }
      out += ']';
    } else {
      out += simdjson::minify(value);
    }
  }
  out += ",\"reversal\":true}";
  return out;
}

void write_records_json(std::string& out, const std::vector<StoreRecord>& records) {
  out += '[';
  for (std::size_t i = 0; i < records.size(); ++i) {
    const StoreRecord& r = records[i];
    if (i) out += ',';
    out += "{\"kind\":";
    write_json_string(out, detail::kind_name(r.kind));
    out += ",\"recorded_at\":";
    write_json_string(out, r.recorded_at);
    if (!r.reason.empty()) {
      out += ",\"reason\":";
      write_json_string(out, r.reason);
    }
    out += ",\"record\":";
    out += r.json;
    out += '}';
  }
  out += ']';
}

namespace detail {

std::string now_utc() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

std::string_view kind_name(StoreRecord::Kind kind) noexcept {
  return kind == StoreRecord::Kind::reversal ? "reversal" : "settlement";
}

StoreRecord settlement_record(const Settlement& s, std::uint64_t run, const std::string& now) {
  StoreRecord r;
  r.kind = StoreRecord::Kind::settlement;
  r.stay_id = s.stay_id;
  r.person_id = s.person_id;
  r.rules = s.rules;
  r.version = s.version;
  r.digest = s.digest;
  r.recorded_at = now;
  r.run = run;
  write_json(r.json, s);
  return r;
}

StoreRecord reversal_record(std::string_view settlement_json, std::uint64_t run, const std::string& now,
                            std::string_view reason) {
  StoreRecord r;
  r.kind = StoreRecord::Kind::reversal;
  r.json = reversal_json(settlement_json);
  columns_of(r, r.json);
  r.recorded_at = now;
  r.reason = reason;
  r.run = run;
  return r;
}

namespace {

[[noreturn]] void bad_line(std::uint64_t line, const std::string& why) {
  throw Error(message(N_("line {}: {}"), line, why));
}

std::vector<StoreRecord> records_of_line(std::string_view text, std::uint64_t line) {
  std::vector<StoreRecord> out;
  if (text.empty()) return out;
  dom::parser parser;
  dom::element root;
  dom::array items;
  if (parser.parse(text.data(), text.size()).get(root) || root.get_array().get(items)) {
    bad_line(line, "records: expected a list");
  }
  for (dom::element item : items) {
    dom::object obj;
    if (item.get_object().get(obj)) bad_line(line, "records: expected objects");
    StoreRecord r;
    for (auto [key, value] : obj) {
      std::string_view v;
      if (key == "record") {
        r.json = simdjson::minify(value);
      } else if (value.get_string().get(v)) {
        bad_line(line, fmt::format("records: {}: expected a string", key));
      } else if (key == "kind" && (v == "settlement" || v == "reversal")) {
        r.kind = v == "reversal" ? StoreRecord::Kind::reversal : StoreRecord::Kind::settlement;
      } else if (key == "recorded_at") {
        r.recorded_at = v;
      } else if (key == "reason") {
        r.reason = v;
      } else {
        bad_line(line, fmt::format("records: {}: unknown field or value", key));
      }
    }
    if (r.json.empty() || r.recorded_at.empty()) bad_line(line, "records: kind, recorded_at and record are required");
    try {
      columns_of(r, r.json);
    } catch (const Error& e) {
      bad_line(line, e.what());
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

void Import::add(std::string_view text, std::uint64_t line) {
  std::string records_text;
  LedgerSnapshot snap;
  try {
    snap = read_ledger_json(text, &records_text);
    snap = Ledger::restore(snap).snapshot();  // consistent, and in its one written form
  } catch (const Error& e) {
    bad_line(line, e.what());
  }
  if (rules_.empty()) rules_ = snap.rules;
  if (snap.rules != rules_) bad_line(line, fmt::format("rule set {}, but earlier lines have {}", snap.rules, rules_));
  if (!seen_persons_.insert(snap.person_id).second) bad_line(line, fmt::format("person {} again", snap.person_id));
  std::vector<StoreRecord> records = records_of_line(records_text, line);
  std::unordered_set<std::string> settled;
  for (const StoreRecord& r : records) {
    if (r.person_id != snap.person_id) bad_line(line, fmt::format("a record of person {}", r.person_id));
    if (r.kind == StoreRecord::Kind::settlement) settled.insert(r.stay_id);
  }
  for (const LedgerStay& s : snap.stays) {
    if (!settled.contains(s.stay_id)) bad_line(line, fmt::format("stay {} has no settlement record", s.stay_id));
    if (!seen_stays_.insert(s.stay_id).second) bad_line(line, fmt::format("stay {} is kept twice", s.stay_id));
    stays_.emplace_back(s.stay_id, snap.person_id);
  }
  std::string json;
  write_ledger_json(json, snap);
  ledgers_.emplace_back(snap.person_id, std::move(json));
  std::move(records.begin(), records.end(), std::back_inserter(records_));
  ++persons_;
  if (ledgers_.size() >= 2000) finish();
}

void Import::finish() {
  db_.save_ledgers(ledgers_);
  db_.add_stays(stays_);
  db_.add_records(records_);
  ledgers_.clear();
  stays_.clear();
  records_.clear();
}

}  // namespace detail

}  // namespace medsettle
