// The replay report as one JSON object. The keys of the first releases come
// first, unchanged; what was added since (recorded_only, not_settled,
// recorded_versions, other_rule_sets, not_compared) follows them.
#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "medsettle/replay.hpp"
#include "medsettle/writer.hpp"

namespace medsettle {

namespace {

void json_key(std::string& out, std::string_view key) {
  write_json_string(out, key);
  out += ':';
}

void json_optional(std::string& out, const std::optional<std::string>& s) {
  if (s) write_json_string(out, *s);
  else out += "null";
}

/// `,"key":"value"`: a member after the first.
void member(std::string& out, std::string_view key, std::string_view value) {
  out += ',';
  json_key(out, key);
  write_json_string(out, value);
}
void member_or_null(std::string& out, std::string_view key, const std::optional<std::string>& value) {
  out += ',';
  json_key(out, key);
  json_optional(out, value);
}

void json_total(std::string& out, const ReplayTotal& t) {
  fmt::format_to(std::back_inserter(out), "{{\"stays\":{},\"fen\":{},\"amount\":\"{}\"}}", t.stays,
                 t.difference.count(), format(t.difference));
}

/// `[` items `]`, one a line, each written by `write(out, item)`.
template <class List, class Write>
void json_lines(std::string& out, const List& list, Write write) {
  out += '[';
  bool first = true;
  for (const auto& item : list) {
    out += first ? "\n" : ",\n";
    first = false;
    write(out, item);
  }
  out += ']';
}

void json_head(std::string& out, const ReplayReport& rep) {
  out += '{';
  json_key(out, "rules");
  write_json_string(out, rep.rules);
  out += ',';
  json_key(out, "file");
  write_json_string(out, rep.rules_file);
  out += ',';
  json_key(out, "digest");
  write_json_string(out, rep.digest);
  out += ",\"versions\":[";
  bool first = true;
  for (const auto& [d, n] : rep.versions_applied) {
    if (!first) out += ',';
    first = false;
    fmt::format_to(std::back_inserter(out), "{{\"version\":\"{}\",\"stays\":{}}}", format(d), n);
  }
  out += "],\"as_of\":";
  if (rep.as_of) write_json_string(out, format(*rep.as_of));
  else out += "null";
  out += ",\"recorded_file\":";
  write_json_string(out, rep.recorded_file);
  out += ",\"stays_file\":";
  write_json_string(out, rep.stays_file.empty() ? "-" : rep.stays_file);
  fmt::format_to(std::back_inserter(out),
                 ",\"status\":\"{}\",\"counts\":{{\"recorded\":{},\"match\":{},\"differ\":{},\"differences\":{},"
                 "\"not_recomputable\":{},\"not_recorded\":{},\"malformed\":{},\"stays_read\":{},"
                 "\"stays_settled\":{},\"stays_rejected\":{},\"rejected_not_recorded\":{}}}",
                 rep.clean() ? "match" : "differ", rep.recorded, rep.matching_stays, rep.differing_stays,
                 rep.differences.size(), rep.not_recomputable.size(), rep.not_recorded.size(), rep.malformed.size(),
                 rep.stays_read, rep.stays_settled, rep.stays_rejected, rep.rejected_not_recorded);
}

void json_lists(std::string& out, const ReplayReport& rep) {
  out += ",\n\"differences\":";
  json_lines(out, rep.differences, [](std::string& o, const ReplayDifference& d) {
    fmt::format_to(std::back_inserter(o), "{{\"line\":{}", d.line);
    member(o, "stay_id", d.stay_id);
    member_or_null(o, "person_id", d.person_id);
    member(o, "item", d.item);
    member(o, "recorded", d.recorded);
    member(o, "recomputed", d.recomputed);
    o += ",\"difference_fen\":";
    o += d.difference ? fmt::to_string(d.difference->count()) : std::string("null");
    o += '}';
  });
  out += ",\n\"not_recomputable\":";
  json_lines(out, rep.not_recomputable, [](std::string& o, const ReplayNotRecomputable& m) {
    fmt::format_to(std::back_inserter(o), "{{\"line\":{}", m.line);
    member(o, "stay_id", m.stay_id);
    member(o, "reason", describe(m));
    o += ",\"rejection\":";
    if (m.rejection) write_json(o, *m.rejection);
    else o += "null";
    o += '}';
  });
  out += ",\n\"not_recorded\":";
  json_lines(out, rep.not_recorded, [](std::string& o, const ReplayNotRecorded& s) {
    o += "{\"stay_id\":";
    write_json_string(o, s.stay_id);
    member(o, "person_id", s.person_id);
    o += '}';
  });
  out += ",\n\"malformed\":";
  json_lines(out, rep.malformed, [](std::string& o, const ReplayMalformed& m) {
    fmt::format_to(std::back_inserter(o), "{{\"line\":{}", m.line);
    member_or_null(o, "stay_id", m.stay_id);
    member(o, "message", m.problem.text());
    o += '}';
  });
}

/// `"name":total` for each total that counts a stay, comma-separated.
template <class Items, class Name, class Total>
void json_totals(std::string& out, const Items& items, Name name, Total total) {
  bool first = true;
  for (const auto& item : items) {
    if (!total(item).stays) continue;
    if (!first) out += ',';
    first = false;
    json_key(out, name(item));
    json_total(out, total(item));
  }
}

void json_channel_totals(std::string& out, const ReplayReport& rep) {
  bool first = true;
  for (const ReplayChannelTotals& ct : rep.channel_totals) {
    if (!ct.eligible_differs && !ct.listed_one_side && !ct.base.stays && !ct.deductible.stays && !ct.paid.stays) {
      continue;
    }
    if (!first) out += ',';
    first = false;
    json_key(out, ct.channel);
    out += '{';
    for (const auto& [part, total] : {std::pair{"base", &ct.base}, {"deductible", &ct.deductible}, {"paid", &ct.paid}}) {
      json_key(out, part);
      json_total(out, *total);
      out += ',';
    }
    fmt::format_to(std::back_inserter(out), "\"eligible_differs\":{},\"listed_one_side\":{}}}", ct.eligible_differs,
                   ct.listed_one_side);
  }
}

void json_totals(std::string& out, const ReplayReport& rep) {
  out += ",\n\"totals\":{\"fields\":{";
  std::array<std::size_t, replay_field_count> fields{};
  for (std::size_t i = 0; i < replay_field_count; ++i) fields[i] = i;
  json_totals(
      out, fields, [](std::size_t i) { return replay_fields[i]; },
      [&](std::size_t i) -> const ReplayTotal& { return rep.field_totals[i]; });
  out += "},\"channels\":{";
  json_channel_totals(out, rep);
  out += "},\"fund_pay_types\":{";
  json_totals(
      out, rep.fund_totals, [](const ReplayFundTotal& f) -> std::string_view { return f.fund_pay_type; },
      [](const ReplayFundTotal& f) -> const ReplayTotal& { return f.total; });
  fmt::format_to(std::back_inserter(out), "}},\"person_id_differs\":{}}}", rep.person_id_differs);
}

/// What #16 added: recorded_only and the stays it left out, the versions
/// and other rule sets named by the recorded lines, the items not compared.
void json_additions(std::string& out, const ReplayReport& rep) {
  fmt::format_to(std::back_inserter(out), ",\n\"recorded_only\":{},\"not_settled\":{},\"recorded_versions\":{{",
                 rep.recorded_only ? "true" : "false", rep.stays_not_settled);
  bool first = true;
  for (const auto& [v, n] : rep.recorded_versions) {
    if (!first) out += ',';
    first = false;
    json_key(out, v);
    out += fmt::to_string(n);
  }
  out += "},\n\"other_rule_sets\":";
  json_lines(out, rep.other_rule_sets, [](std::string& o, const ReplayOtherRuleSet& r) {
    o += "{\"rules\":";
    json_optional(o, r.rules);
    member_or_null(o, "digest", r.digest);
    fmt::format_to(std::back_inserter(o), ",\"settlements\":{}}}", r.settlements);
  });
  out += ",\n\"not_compared\":";
  json_lines(out, rep.not_compared, [](std::string& o, const ReplayNotCompared& n) {
    o += "{\"item\":";
    write_json_string(o, n.item);
    fmt::format_to(std::back_inserter(o), ",\"lines\":{}}}", n.lines);
  });
}

}  // namespace

std::string render_json(const ReplayReport& rep) {
  std::string out;
  json_head(out, rep);
  json_lists(out, rep);
  json_totals(out, rep);
  json_additions(out, rep);
  out += "}\n";
  return out;
}

}  // namespace medsettle
