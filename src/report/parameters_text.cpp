// `medsettle show` and `medsettle diff` as text and as JSON.
#include <fmt/format.h>

#include "medsettle/show.hpp"
#include "medsettle/writer.hpp"
#include "report/text_width.hpp"

namespace medsettle::report {

namespace {

/// "rules/hunan.yaml:30", or the file alone for a value it does not write.
std::string where(const Citation& c) { return c.line ? fmt::format("{}:{}", c.file, c.line) : c.file + " (default)"; }

std::string in_force(const ParametersInForce& p) {
  std::string out = fmt::format("version {}, in force {} to {}", format(p.from), format(p.from),
                                p.to ? format(*p.to) : std::string("no end"));
  if (p.as_of) out += fmt::format(" (as of {})", format(*p.as_of));
  return out;
}

/// Rows of cells, each column as wide as its widest cell of at most 40
/// columns (a longer cell, a condition say, pushes only its own row).
void table(std::string& out, const std::vector<std::vector<std::string>>& rows) {
  constexpr std::size_t widest = 40;
  std::vector<std::size_t> width;
  for (const auto& r : rows) {
    width.resize(std::max(width.size(), r.size()));
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (display_width(r[i]) <= widest) width[i] = std::max(width[i], display_width(r[i]));
    }
  }
  for (const auto& r : rows) {
    std::string line = " ";
    for (std::size_t i = 0; i < r.size(); ++i) line += " " + (i + 1 < r.size() ? pad_right(r[i], width[i] + 1) : r[i]);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
}

/// "  illustrative" after a citation, or nothing.
std::string source_after(const Citation& c) { return c.source.empty() ? std::string() : "  " + c.source; }

void parameter_rows(std::vector<std::vector<std::string>>& rows, const std::vector<Parameter>& ps) {
  for (const Parameter& p : ps) rows.push_back({p.key(), p.value, where(p.cite), p.cite.source});
}

/// `"key":` and the text as a JSON string, or null when there is none.
void json_text(std::string& out, std::string_view key, std::optional<std::string_view> text) {
  fmt::format_to(std::back_inserter(out), "\"{}\":", key);
  if (text) {
    write_json_string(out, *text);
  } else {
    out += "null";
  }
}

std::optional<std::string_view> unless_empty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string_view>(s);
}

std::optional<std::string_view> date_text(std::optional<Date> d, std::string& buffer) {
  if (!d) return std::nullopt;
  buffer = format(*d);
  return buffer;
}

void json_citation(std::string& out, const Citation& c) {
  json_text(out, "file", c.file);
  fmt::format_to(std::back_inserter(out), ",\"line\":{},\"column\":{},", c.line, c.column);
  json_text(out, "source", unless_empty(c.source));
}

/// `[{...},{...}]`: each item's fields written by `fields(item)`.
template <class T, class Fields>
void json_objects(std::string& out, const std::vector<T>& items, Fields fields) {
  out += '[';
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += i ? ",{" : "{";
    fields(items[i]);
    out += '}';
  }
  out += ']';
}

void json_parameter(std::string& out, const Parameter& p) {
  out += '{';
  json_text(out, "name", p.name);
  out += ',';
  json_text(out, "level", p.level ? std::optional(name(*p.level)) : std::nullopt);
  out += ',';
  json_text(out, "value", p.value);
  out += ',';
  json_citation(out, p.cite);
  out += '}';
}

void json_parameters(std::string& out, const std::vector<Parameter>& ps) {
  out += '[';
  for (std::size_t i = 0; i < ps.size(); ++i) {
    if (i) out += ',';
    json_parameter(out, ps[i]);
  }
  out += ']';
}

/// The heading fields of a side, without the closing brace.
void json_heading(std::string& out, const ParametersInForce& p) {
  std::string as_of, from, to;
  const std::pair<std::string_view, std::optional<std::string_view>> fields[] = {
      {"rules", p.rule_set}, {"title", p.title}, {"file", p.file}, {"digest", p.digest},
      {"as_of", date_text(p.as_of, as_of)}, {"version", date_text(p.from, from)}, {"to", date_text(p.to, to)}};
  char separator = '{';
  for (const auto& [key, text] : fields) {
    out += separator;
    separator = ',';
    json_text(out, key, text);
  }
  out += ",\"version_cite\":{";
  json_citation(out, p.version_cite);
  out += '}';
}

}  // namespace

std::string render_text(const ParametersInForce& p) {
  std::string out = fmt::format("rule set {}: {}\nfile {}, {}\n{}; {}{}\n", p.rule_set, p.title, p.file, p.digest,
                                in_force(p), where(p.version_cite), source_after(p.version_cite));
  std::vector<std::vector<std::string>> rows{{"parameter", "value", "cited", "source"}};
  parameter_rows(rows, p.rule_set_parameters);
  out += "\n";
  table(out, rows);
  for (const ChannelParameters& c : p.channels) {
    out += fmt::format("\nchannel {} ({}), {}{}\n", c.id, c.name, where(c.cite), source_after(c.cite));
    rows = {{"parameter", "value", "cited", "source"}};
    parameter_rows(rows, c.parameters);
    table(out, rows);
  }
  return out;
}

void write_json(std::string& out, const ParametersInForce& p) {
  json_heading(out, p);
  out += ",\"parameters\":";
  json_parameters(out, p.rule_set_parameters);
  out += ",\"channels\":";
  json_objects(out, p.channels, [&out](const ChannelParameters& c) {
    json_text(out, "id", c.id);
    out += ',';
    json_text(out, "name", c.name);
    out += ',';
    json_citation(out, c.cite);
    out += ",\"parameters\":";
    json_parameters(out, c.parameters);
  });
  out += '}';
}

std::string render_text(const ParameterDiff& d) {
  std::string out;
  for (const auto& [side, p] : {std::pair{'A', &d.a}, std::pair{'B', &d.b}}) {
    out += fmt::format("{}  {} ({}) {}; {}\n", side, p->rule_set, p->file, in_force(*p), p->digest);
  }
  out += d.changes.empty() ? "\nno parameter differs\n"
                           : fmt::format("\n{} parameter{} differ{}\n", d.changes.size(),
                                         d.changes.size() == 1 ? "" : "s", d.changes.size() == 1 ? "s" : "");
  for (const ParameterChange& c : d.changes) {
    out += "\n  " + (c.channel.empty() ? c.key : c.channel + "." + c.key) + "\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& [side, p] : {std::pair{"A", &c.a}, std::pair{"B", &c.b}}) {
      if (*p) rows.push_back({side, (*p)->value, where((*p)->cite), (*p)->cite.source});
      else rows.push_back({side, "(absent)"});
    }
    std::string block;
    table(block, rows);
    for (std::size_t at = 0; at < block.size();) {  // indent under the parameter's name
      const std::size_t end = block.find('\n', at);
      out += "  " + block.substr(at, end - at + 1);
      at = end + 1;
    }
  }
  return out;
}

void write_json(std::string& out, const ParameterDiff& d) {
  out += "{\"a\":";
  json_heading(out, d.a);
  out += "},\"b\":";
  json_heading(out, d.b);
  out += "},\"changes\":";
  json_objects(out, d.changes, [&out](const ParameterChange& c) {
    json_text(out, "channel", unless_empty(c.channel));
    out += ',';
    json_text(out, "parameter", c.key);
    for (const auto& [side, p] : {std::pair{",\"a\":", &c.a}, std::pair{",\"b\":", &c.b}}) {
      out += side;
      if (*p) {
        json_parameter(out, **p);
      } else {
        out += "null";
      }
    }
  });
  out += '}';
}

}  // namespace medsettle::report
