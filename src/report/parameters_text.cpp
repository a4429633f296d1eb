// `medsettle show` and `medsettle diff` as text and as JSON.
#include <fmt/format.h>

#include "medsettle/show.hpp"
#include "medsettle/writer.hpp"
#include "report/text_width.hpp"
#include "report/words.hpp"

namespace medsettle::report {

namespace {

/// "rules/hunan.yaml:30", or the file alone for a value it does not write.
std::string where(const Citation& c, Language l) {
  return c.line ? fmt::format("{}:{}", c.file, c.line) : c.file + word(l, N_(" (default)"));
}

std::string in_force(const ParametersInForce& p, Language l) {
  std::string out = says(l, N_("version {}, in force {} to {}"), p.from, p.from,
                         p.to ? format(*p.to) : word(l, N_("no end")));
  if (p.as_of) out += says(l, N_(" (as of {})"), *p.as_of);
  return out;
}

/// The heading row of a parameters table.
std::vector<std::string> heading_row(Language l) {
  return {word(l, N_("parameter")), word(l, N_("value")), word(l, N_("cited")), word(l, N_("source"))};
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

void parameter_rows(std::vector<std::vector<std::string>>& rows, const std::vector<Parameter>& ps, Language l) {
  for (const Parameter& p : ps) rows.push_back({p.key(), p.value, where(p.cite, l), p.cite.source});
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

std::string render_text(const ParametersInForce& p, Language l) {
  std::string out = says(l, N_("rule set {}: {}"), p.rule_set, p.title) + "\n" +
                    says(l, N_("file {}, {}"), p.file, p.digest) + "\n" +
                    fmt::format("{}; {}{}\n", in_force(p, l), where(p.version_cite, l), source_after(p.version_cite));
  std::vector<std::vector<std::string>> rows{heading_row(l)};
  parameter_rows(rows, p.rule_set_parameters, l);
  out += "\n";
  table(out, rows);
  for (const ChannelParameters& c : p.channels) {
    out += '\n';
    out += says(l, N_("channel {} ({}), {}"), c.id, c.name, where(c.cite, l));
    out += source_after(c.cite);
    out += '\n';
    rows = {heading_row(l)};
    parameter_rows(rows, c.parameters, l);
    table(out, rows);
  }
  return out;
}

std::string render_text(const ParametersInForce& p) { return render_text(p, Language::en); }

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

std::string render_text(const ParameterDiff& d, Language l) {
  std::string out;
  for (const auto& [side, p] : {std::pair{'A', &d.a}, std::pair{'B', &d.b}}) {
    out += fmt::format("{}  {} ({}) {}; {}\n", side, p->rule_set, p->file, in_force(*p, l), p->digest);
  }
  const std::size_t n = d.changes.size();
  out += '\n';
  out += n == 0 ? word(l, N_("no parameter differs"))
                : n == 1 ? word(l, N_("1 parameter differs")) : says(l, N_("{} parameters differ"), n);
  out += '\n';
  for (const ParameterChange& c : d.changes) {
    out += "\n  " + (c.channel.empty() ? c.key : c.channel + "." + c.key) + "\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& [side, p] : {std::pair{"A", &c.a}, std::pair{"B", &c.b}}) {
      if (*p) rows.push_back({side, (*p)->value, where((*p)->cite, l), (*p)->cite.source});
      else rows.push_back({side, word(l, N_("(absent)"))});
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

std::string render_text(const ParameterDiff& d) { return render_text(d, Language::en); }

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
