// Rendering a settlement's trace: a table for clerks, JSON for machines.
#include <algorithm>

#include <fmt/format.h>

#include "core/text.hpp"
#include "medsettle/writer.hpp"

namespace medsettle {

namespace {

/// Display width of UTF-8 text in a terminal: East Asian wide characters
/// take two columns.
std::size_t display_width(std::string_view s) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = c;
    std::size_t len = 1;
    if (c >= 0xF0 && i + 3 < s.size() + 0) { cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu); len = 4; }
    else if (c >= 0xE0 && i + 2 < s.size()) { cp = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu); len = 3; }
    else if (c >= 0xC0 && i + 1 < s.size()) { cp = ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu); len = 2; }
    bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
                (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
    w += wide ? 2 : 1;
    i += len;
  }
  return w;
}

void pad(std::string& out, std::string_view text, std::size_t width, bool right = false) {
  std::size_t w = display_width(text);
  std::string fill(width > w ? width - w : 0, ' ');
  if (right) out += fill;
  out += text;
  if (!right) out += fill;
}

std::string file_tail(std::string_view path) {
  auto slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

namespace {

template <class E>
std::vector<std::string> set_names(EnumSet<E> set, std::size_t count) {
  std::vector<std::string> out;
  for (std::size_t b = 0; b < count; ++b) {
    if (set.contains(static_cast<E>(b))) out.emplace_back(name(static_cast<E>(b)));
  }
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
  return out.empty() ? "-" : out;
}

/// The stay's attributes as name and value, in the interchange's names
/// (catalogue ids: explain --lang zh names them in Chinese, values as they are).
std::vector<std::pair<const char*, std::string>> attribute_rows(const StayAttributes& a) {
  // TRANSLATORS: the names of a stay's attributes in `medsettle explain`, in the interchange's spelling.
  std::vector<std::pair<const char*, std::string>> rows{
      {N_("hospital_level"), std::string(name(a.hospital_level))},
      {N_("region"), std::string(name(a.region))},
      {N_("insurance"), std::string(name(a.insurance))},
      {N_("identities"), joined(set_names(a.identities, identity_count))},
      {N_("category"), a.category == Category::none ? "-" : std::string(name(a.category))},
      {N_("age"), std::to_string(a.age)},
      {N_("flags"), joined(set_names(a.flags, flag_count))},
      {N_("diagnoses"), joined(a.diagnoses)},
      {N_("admitted"), format(a.admitted)},
      {N_("discharged"), format(a.discharged)}};
  if (a.referred_from) rows.emplace_back(N_("referred_from"), *a.referred_from);
  return rows;
}

/// "hospital_level county" with the attribute's name in `lang`: "医院等级 county".
std::string chosen_by_text(const std::string& chosen_by, Language lang) {
  if (lang == Language::en) return chosen_by;
  const std::size_t space = chosen_by.find(' ');
  const std::string attribute = chosen_by.substr(0, space);
  std::string out = translate(lang, attribute.c_str());
  if (space != std::string::npos) out.append(chosen_by, space);
  return out;
}

/// The stay's attributes, which the conditions and per-level tables read.
void attributes_table(std::string& out, const StayAttributes& a, Language lang) {
  out += "\n";
  out += translate(lang, N_("stay attributes"));
  out += '\n';
  for (const auto& [key, value] : attribute_rows(a)) {
    out += "  ";
    pad(out, translate(lang, key), 16);
    out += value;
    out += '\n';
  }
}

/// A step's text, led by the stay's attribute that chose its value. Made
/// from the typed step, so a trace without texts (SettleOptions::trace_text)
/// renders the same.
std::string step_text(const Settlement& s, const TraceStep& st, Language lang) {
  std::string text = describe(s, st, lang);
  const std::string chosen_by = describe_choice(s, st);
  return chosen_by.empty() ? text : chosen_by_text(chosen_by, lang) + " \u2192 " + text;
}

/// The steps: one row each; the source on a second row under the detail.
void steps_table(std::string& out, const Settlement& s, Language lang) {
  const std::string file = file_tail(s.file());
  const std::string h_channel = translate(lang, N_("channel")), h_step = translate(lang, N_("step")),
                    h_rule = translate(lang, N_("rule")), stay = translate(lang, N_("(stay)"));
  std::size_t wname = display_width(h_channel), wkind = display_width(h_step), wline = display_width(h_rule);
  std::vector<std::string> names, kinds, lines;
  for (const auto& st : s.trace->steps) {
    names.push_back(st.channel < 0 ? stay : std::string(s.channel_info(static_cast<std::size_t>(st.channel)).name));
    kinds.emplace_back(step_name(st.data));
    lines.push_back(st.line ? fmt::format("{}:{}", file, st.line) : "");
    wname = std::max(wname, display_width(names.back()));
    wkind = std::max(wkind, display_width(kinds.back()));
    wline = std::max(wline, display_width(lines.back()));
  }
  out += "\n";
  pad(out, "#", 4, true);
  using Column = std::pair<const std::string*, std::size_t>;
  for (const Column& c : {Column{&h_channel, wname}, Column{&h_step, wkind}, Column{&h_rule, wline}}) {
    out += "  ";
    pad(out, *c.first, c.second);
  }
  out += "  ";
  out += translate(lang, N_("detail"));
  out += '\n';
  for (std::size_t i = 0; i < s.trace->steps.size(); ++i) {
    const auto& st = s.trace->steps[i];
    pad(out, std::to_string(i + 1), 4, true);
    for (const Column& c : {Column{&names[i], wname}, Column{&kinds[i], wkind}, Column{&lines[i], wline}}) {
      out += "  ";
      pad(out, *c.first, c.second);
    }
    out += "  ";
    out += step_text(s, st, lang);
    out += '\n';
    if (!st.source.empty()) {
      out += std::string(4 + 2 + wname + 2 + wkind + 2 + wline + 2, ' ');
      out += translate(lang, N_("source: "));
      out += st.source;
      out += '\n';
    }
  }
}

/// The itemized settlement: a row per channel.
void channels_table(std::string& out, const Settlement& s, Language lang) {
  const std::string h_channel = translate(lang, N_("channel")), h_id = translate(lang, N_("id")),
                    h_fund = translate(lang, N_("fund")), h_eligible = translate(lang, N_("eligible")),
                    yes = translate(lang, N_("yes")), no = translate(lang, N_("no"));
  std::size_t wname = display_width(h_channel), wid = display_width(h_id);
  for (const auto& r : s.channels) {
    wname = std::max(wname, display_width(s.channel_info(r.index).name));
    wid = std::max(wid, display_width(s.channel_info(r.index).id));
  }
  const std::size_t wfund = std::max<std::size_t>(6, display_width(h_fund));
  const std::size_t welig = std::max({display_width(h_eligible), display_width(yes), display_width(no)});
  constexpr std::size_t wm = 13;
  out += "\n";
  pad(out, h_channel, wname);
  out += "  ";
  pad(out, h_id, wid);
  out += "  ";
  pad(out, h_fund, wfund);
  out += "  ";
  out += h_eligible;
  for (const char* h : {N_("base"), N_("deductible"), N_("paid")}) {
    out += "  ";
    pad(out, translate(lang, h), wm, true);
  }
  out += "\n";
  for (const auto& r : s.channels) {
    const ChannelInfo ch = s.channel_info(r.index);
    pad(out, ch.name, wname);
    out += "  ";
    pad(out, ch.id, wid);
    out += "  ";
    pad(out, ch.fund_pay_type, wfund);
    out += "  ";
    pad(out, r.eligible ? yes : no, welig);
    for (Fen v : {r.base, r.deductible, r.paid}) {
      out += "  ";
      pad(out, format(v), wm, true);
    }
    out += '\n';
  }
}

/// The settlement fields, each labelled with its INTERCHANGE.md name.
void totals_table(std::string& out, const Settlement& s, Language lang) {
  constexpr std::size_t wm = 13;
  auto line = [&](const char* label, Fen v) {
    out += "  ";
    pad(out, translate(lang, label), 34);
    pad(out, format(v), wm, true);
    out += '\n';
  };
  out += "\n";
  line(N_("total (medfee_sumamt)"), s.buckets.total);
  line(N_("  full self-pay (fulamt_ownpay_amt)"), s.buckets.full_selfpay);
  line(N_("  over limit (overlmt_selfpay)"), s.buckets.over_limit);
  line(N_("  pre self-pay (preselfpay_amt)"), s.buckets.pre_selfpay);
  line(N_("  in scope (inscp_scp_amt)"), s.buckets.in_scope);
  line(N_("basic insurance (hifp_pay)"), s.hifp_pay);
  line(N_("  deductible (act_pay_dedc)"), s.act_pay_dedc);
  line(N_("critical illness (hifmi_pay)"), s.hifmi_pay);
  line(N_("medical aid (maf_pay)"), s.maf_pay);
  line(N_("other funds (oth_pay)"), s.oth_pay);
  line(N_("funds in all (fund_pay_sumamt)"), s.fund_pay_sumamt);
  line(N_("hospital (hosp_part_amt)"), s.hosp_part_amt);
  line(N_("patient pays (psn_part_amt)"), s.psn_part_amt);
}

void write_strings_json(std::string& out, const std::vector<std::string>& v) {
  out += '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    write_json_string(out, v[i]);
  }
  out += ']';
}

/// {"hospital_level", "region", "insurance", "identities", "category" (null
/// for none), "age", "flags", "diagnoses", "admitted", "discharged",
/// "referred_from" (null if none)}
void write_attributes_json(std::string& out, const StayAttributes& a) {
  out += "{\"hospital_level\":";
  write_json_string(out, name(a.hospital_level));
  out += ",\"region\":";
  write_json_string(out, name(a.region));
  out += ",\"insurance\":";
  write_json_string(out, name(a.insurance));
  out += ",\"identities\":";
  write_strings_json(out, set_names(a.identities, identity_count));
  out += ",\"category\":";
  if (a.category == Category::none) out += "null";
  else write_json_string(out, name(a.category));
  fmt::format_to(std::back_inserter(out), ",\"age\":{},\"flags\":", a.age);
  write_strings_json(out, set_names(a.flags, flag_count));
  out += ",\"diagnoses\":";
  write_strings_json(out, a.diagnoses);
  fmt::format_to(std::back_inserter(out), ",\"admitted\":\"{}\",\"discharged\":\"{}\",\"referred_from\":",
                 format(a.admitted), format(a.discharged));
  if (a.referred_from) write_json_string(out, *a.referred_from);
  else out += "null";
  out += '}';
}

}  // namespace

std::string render_trace_text(const Settlement& s, Language language) {
  std::string out = detail::message(N_("stay {} (person {}) under rule set {} ({}), version {}, {}"), s.stay_id,
                                    s.person_id, s.rules, s.title().empty() ? s.file() : s.title(), s.version, s.digest)
                        .text(language);
  out += '\n';
  if (s.trace) {
    attributes_table(out, s.trace->stay, language);
    steps_table(out, s, language);
  }
  channels_table(out, s, language);
  totals_table(out, s, language);
  return out;
}

void write_trace_json(std::string& out, const Settlement& s, Language language) {
  out += "{\"settlement\":";
  write_json(out, s);
  out += ",\"itemization\":";
  write_itemization_json(out, s);
  out += ",\"steps\":[";
  if (s.trace) {
    for (std::size_t i = 0; i < s.trace->steps.size(); ++i) {
      const auto& st = s.trace->steps[i];
      if (i) out += ',';
      out += "{\"channel\":";
      if (st.channel < 0) out += "null";
      else write_json_string(out, s.channel_info(static_cast<std::size_t>(st.channel)).id);
      out += ",\"kind\":";
      write_json_string(out, step_name(st.data));
      out += ",\"message\":";
      write_json_string(out, describe(s, st, language));
      if (st.line) {
        fmt::format_to(std::back_inserter(out), ",\"file\":");
        write_json_string(out, s.file());
        fmt::format_to(std::back_inserter(out), ",\"line\":{},\"column\":{}", st.line, st.column);
      } else {
        out += ",\"file\":null,\"line\":null,\"column\":null";
      }
      out += ",\"source\":";
      if (st.source.empty()) out += "null";
      else write_json_string(out, st.source);
      out += ",\"chosen_by\":";
      if (const std::string chosen_by = describe_choice(s, st); chosen_by.empty()) out += "null";
      else write_json_string(out, chosen_by);
      out += '}';
    }
  }
  out += ']';
  if (s.trace) {
    out += ",\"stay\":";
    write_attributes_json(out, s.trace->stay);
  }
  out += '}';
}

}  // namespace medsettle
