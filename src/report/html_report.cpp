// The HTML report of `medsettle compare`: one self-contained file with inline
// CSS and inline SVG charts, no script and nothing fetched from the network.
// Every text is escaped; every coordinate and percentage is computed from
// integers.
#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "report/html_text.hpp"
#include "report/words.hpp"
#include "medsettle/compare.hpp"

namespace medsettle::report {

namespace {

using Out = std::back_insert_iterator<std::string>;

using report_html::esc;
using report_html::id_part;

constexpr std::string_view color_a = "#3b6fb6";
constexpr std::string_view color_b = "#e07b39";
constexpr std::string_view color_patient = "#c5cbd3";
struct Swatch {
  std::string_view fill, text;
};
constexpr std::array<Swatch, 10> palette{{{"#4e79a7", "#ffffff"}, {"#59a14f", "#ffffff"}, {"#edc948", "#1f2933"},
                                          {"#b07aa1", "#ffffff"}, {"#76b7b2", "#1f2933"}, {"#e15759", "#ffffff"},
                                          {"#9c755f", "#ffffff"}, {"#ff9da7", "#1f2933"}, {"#f28e2b", "#1f2933"},
                                          {"#86bcb6", "#1f2933"}}};

constexpr std::string_view css = R"(
:root { color-scheme: light; }
body { font-family: "Noto Sans", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "PingFang SC",
       "Hiragino Sans GB", "Microsoft YaHei", sans-serif;
       margin: 0 auto; padding: 20px 28px 40px; max-width: 1220px; color: #1f2933; background: #ffffff;
       font-size: 14px; line-height: 1.45; }
h1 { font-size: 24px; margin: 0 0 10px; }
h2 { font-size: 18px; margin: 30px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #d8dee6; }
table { border-collapse: collapse; margin: 4px 0; font-size: 13px; }
th, td { padding: 3px 7px; border-bottom: 1px solid #e4e8ee; text-align: left; vertical-align: top; }
th { background: #f3f5f8; font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.mono { font-family: "DejaVu Sans Mono", "Noto Sans Mono", monospace; font-size: 12px; word-break: break-all; }
.note { color: #52606d; font-size: 13px; margin: 6px 0; }
.figure { display: flex; flex-wrap: wrap; gap: 18px 30px; align-items: flex-start; }
.chart { flex: 0 0 auto; }
svg { display: block; }
svg text { font-family: inherit; font-size: 11px; fill: #1f2933; }
svg .axis { stroke: #9aa5b1; stroke-width: 1; }
svg .grid { stroke: #e4e8ee; stroke-width: 1; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; max-width: 440px; font-size: 12px; margin-top: 6px; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 5px; vertical-align: -1px;
          border-radius: 2px; }
.side-a { color: #3b6fb6; font-weight: 700; }
.side-b { color: #c4621f; font-weight: 700; }
tr.total td { font-weight: 600; border-top: 1px solid #9aa5b1; }
footer { margin-top: 36px; color: #52606d; font-size: 12px; }
)";

/// A "nice" step (1, 2 or 5 times a power of ten) that divides [0, max] into
/// at most `ticks` intervals.
Sum nice_step(Sum max, Sum ticks) {
  if (max <= 0) return 1;
  const Sum raw = (max + ticks - 1) / ticks;
  Sum mag = 1;
  while (mag * 10 <= raw) mag *= 10;
  for (Sum m : {1, 2, 5, 10}) {
    if (m * mag >= raw) return m * mag;
  }
  return 10 * mag;
}

/// Pixel position of `v` on an axis of `len` pixels for [0, max].
long px(Sum v, Sum max, long len) { return max <= 0 ? 0 : static_cast<long>(v * len / max); }

/// Whole yuan, or whole 万元 (10,000 yuan) when `wan`, rounded half up.
std::string yuan_short(Sum fen, bool wan) {
  const Sum unit = wan ? 1'000'000 : 100;
  return thousands((fen + unit / 2) / unit);
}

void th(Out o, std::string_view text, bool num = false) {
  fmt::format_to(o, "<th{}>{}</th>", num ? " class=\"num\"" : "", esc(text));
}
void td(Out o, std::string_view text, bool num = false, std::string_view id = {}) {
  fmt::format_to(o, "<td{}{}>{}</td>", num ? " class=\"num\"" : "",
                 id.empty() ? std::string() : fmt::format(" id=\"{}\"", id), esc(text));
}

// ---- funding by channel: two stacked bars ------------------------------------

struct Segment {
  std::string label;
  PairSum value;
  Swatch swatch;
};

void stacked_bars(std::string& out, const std::vector<Segment>& segments, Language l) {
  Out o(out);
  const long width = 380, height = 380, left = 92, top = 26, plot_h = 300, bar_w = 92;
  Sum total_a = 0, total_b = 0;
  for (const auto& s : segments) {
    total_a += s.value.a;
    total_b += s.value.b;
  }
  const Sum max = std::max(total_a, total_b);
  const Sum step = nice_step(max, 5);
  const Sum axis_max = max <= 0 ? step : (max + step - 1) / step * step;
  const bool wan = axis_max >= Sum(10'000'000) * 100;  // axis labels in 万元 from 10 million yuan
  fmt::format_to(o,
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
                 "role=\"img\" aria-labelledby=\"funding-title\"><title id=\"funding-title\">{2}</title>",
                 width, height, esc(word(l, N_("Funding by channel, A and B (yuan)"))));
  for (Sum t = 0; t <= axis_max; t += step) {
    const long y = top + plot_h - px(t, axis_max, plot_h);
    fmt::format_to(o, "<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", left, y, width - 10, y);
    fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", left - 6, y + 4, esc(yuan_short(t, wan)));
  }
  fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", left - 6, top - 12,
                 wan ? "万元" : esc(word(l, N_("yuan"))));
  fmt::format_to(o, "<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>", left, top, top + plot_h);
  for (int side = 0; side < 2; ++side) {
    const long x = left + 40 + side * (bar_w + 60);
    const Sum total = side == 0 ? total_a : total_b;
    Sum cum = 0;
    for (const auto& s : segments) {
      const Sum v = side == 0 ? s.value.a : s.value.b;
      if (v <= 0) continue;
      const long y0 = top + plot_h - px(cum, axis_max, plot_h);
      cum += v;
      const long y1 = top + plot_h - px(cum, axis_max, plot_h);
      const std::string share = total > 0 ? percent(basis_points(v, total)) : std::string();
      fmt::format_to(o, "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{} {}: {}</title></rect>",
                     x, y1, bar_w, std::max(0L, y0 - y1), s.swatch.fill, side == 0 ? 'A' : 'B', esc(s.label),
                     esc(says(l, N_("{} yuan ({})"), yuan(v), share)));
      if (y0 - y1 >= 15) {
        fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" style=\"fill:{}\">{}</text>", x + bar_w / 2,
                       (y0 + y1) / 2 + 4, s.swatch.text, share);
      }
    }
    const long ytop = top + plot_h - px(cum, axis_max, plot_h);
    fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", x + bar_w / 2, ytop - 5,
                   esc(yuan_short(cum, wan)));
    fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" style=\"font-size:14px;font-weight:700;fill:{}\">{}</text>",
                   x + bar_w / 2, top + plot_h + 22, side == 0 ? color_a : color_b, side == 0 ? 'A' : 'B');
  }
  out += "</svg>";
}

// ---- grouped bars: vertical (histogram) and horizontal (ratios) ---------------

struct Group {
  std::string label;
  std::optional<Sum> a, b;  ///< none: no value (n/a)
};

void legend_ab(std::string& out) {
  fmt::format_to(Out(out),
                 "<div class=\"legend\"><span><span class=\"swatch\" style=\"background:{}\"></span>A</span>"
                 "<span><span class=\"swatch\" style=\"background:{}\"></span>B</span></div>",
                 color_a, color_b);
}

void vertical_groups(std::string& out, std::string_view title, const std::vector<Group>& groups,
                     std::string_view y_label) {
  Out o(out);
  const long group_w = 74, bar_w = 28, left = 56, top = 22, plot_h = 240;
  const long width = left + group_w * static_cast<long>(groups.size()) + 12, height = top + plot_h + 44;
  Sum max = 0;
  for (const auto& g : groups) max = std::max({max, g.a.value_or(0), g.b.value_or(0)});
  const Sum step = nice_step(max, 5);
  const Sum axis_max = max <= 0 ? step : (max + step - 1) / step * step;
  fmt::format_to(o,
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
                 "role=\"img\"><title>{2}</title>",
                 width, height, esc(title));
  for (Sum t = 0; t <= axis_max; t += step) {
    const long y = top + plot_h - px(t, axis_max, plot_h);
    fmt::format_to(o, "<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", left, y, width - 6, y);
    fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", left - 6, y + 4, thousands(t));
  }
  fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", left - 6, top - 10, esc(y_label));
  fmt::format_to(o, "<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>", left, top, top + plot_h);
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const long gx = left + static_cast<long>(i) * group_w + (group_w - 2 * bar_w - 4) / 2;
    for (int side = 0; side < 2; ++side) {
      const std::optional<Sum> v = side == 0 ? groups[i].a : groups[i].b;
      if (!v) continue;
      const long h = px(*v, axis_max, plot_h);
      const long x = gx + side * (bar_w + 4);
      fmt::format_to(o, "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{} {}: {}</title></rect>",
                     x, top + plot_h - h, bar_w, h, side == 0 ? color_a : color_b, side == 0 ? 'A' : 'B',
                     esc(groups[i].label), thousands(*v));
      fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" style=\"font-size:9.5px\">{}</text>",
                     x + bar_w / 2, top + plot_h - h - 4, thousands(*v));
    }
    fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                   left + static_cast<long>(i) * group_w + group_w / 2, top + plot_h + 18, esc(groups[i].label));
  }
  fmt::format_to(o, "<line class=\"axis\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", left, top + plot_h, width - 6,
                 top + plot_h);
  out += "</svg>";
}

/// Horizontal grouped bars of ratios in basis points on a 0–100% axis.
void horizontal_ratio_groups(std::string& out, std::string_view title, const std::vector<Group>& groups) {
  Out o(out);
  const long left = 84, plot_w = 240, bar_h = 15, group_h = 2 * bar_h + 16, top = 24;
  const long width = left + plot_w + 58, height = top + group_h * static_cast<long>(groups.size()) + 8;
  fmt::format_to(o,
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
                 "role=\"img\"><title>{2}</title>",
                 width, height, esc(title));
  for (int t = 0; t <= 100; t += 20) {
    const long x = left + px(t, 100, plot_w);
    fmt::format_to(o, "<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>", x, top - 4, height - 8);
    fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}%</text>", x, top - 9, t);
  }
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const long gy = top + static_cast<long>(i) * group_h + 4;
    fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", left - 8, gy + bar_h + 4,
                   esc(groups[i].label));
    for (int side = 0; side < 2; ++side) {
      const std::optional<Sum> v = side == 0 ? groups[i].a : groups[i].b;
      const long y = gy + side * bar_h;
      if (!v) {
        fmt::format_to(o, "<text x=\"{}\" y=\"{}\" style=\"font-size:10px;fill:#7b8794\">n/a</text>", left + 4,
                       y + bar_h - 4);
        continue;
      }
      const Sum clipped = std::clamp<Sum>(*v, 0, 10'000);
      const long w = px(clipped, 10'000, plot_w);
      const std::string text = percent(static_cast<std::int64_t>(*v));
      fmt::format_to(o, "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{} {}: {}</title></rect>",
                     left, y, w, bar_h - 1, side == 0 ? color_a : color_b, side == 0 ? 'A' : 'B',
                     esc(groups[i].label), text);
      fmt::format_to(o, "<text x=\"{}\" y=\"{}\" style=\"font-size:10px\">{}</text>", left + w + 4, y + bar_h - 4,
                     text);
    }
  }
  fmt::format_to(o, "<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>", left, top - 4, height - 8);
  out += "</svg>";
}

// ---- sections -----------------------------------------------------------------

void sides(std::string& out, const Comparison& c, Language l) {
  Out o(out);
  out += "<table class=\"sides\"><tr>";
  for (const char* h : {"", N_("rule set"), N_("title"), N_("file"), N_("as of"), N_("versions applied (paired stays)"),
                        N_("digest"), N_("settled"), N_("rejected")}) {
    th(o, word(l, h));
  }
  out += "</tr>";
  for (const SideInfo* s : {&c.a, &c.b}) {
    const bool a = s == &c.a;
    fmt::format_to(o, "<tr id=\"side-{}\"><td class=\"{}\">{}</td>", a ? 'a' : 'b', a ? "side-a" : "side-b",
                   a ? 'A' : 'B');
    td(o, s->id);
    td(o, s->title);
    td(o, s->file);
    td(o, s->as_of ? format(*s->as_of) : word(l, N_("discharge date")));
    td(o, applied_text(*s, l));
    fmt::format_to(o, "<td class=\"mono\">{}</td>", esc(s->digest));
    td(o, thousands(s->settled), true);
    td(o, thousands(s->rejected), true);
    out += "</tr>";
  }
  out += "</table>";
  fmt::format_to(o, "<p class=\"note\" id=\"stay-counts\">{}",
                 esc(says(l, N_("Stays read {}; paired (settled under both) {}; rejected under A {}, under B {} (both "
                                "{}, only A {}, only B {}); settlement changed for {} paired stays. Rejected stays are "
                                "left out of every figure below."),
                          c.records, c.paired, c.a.rejected, c.b.rejected, c.rejected_both, c.rejected_only_a,
                          c.rejected_only_b, c.changed)));
  for (const SideInfo* s : {&c.a, &c.b}) {
    if (s->rejected_by_code.empty()) continue;
    std::string codes;
    for (const auto& [code, n] : s->rejected_by_code) codes += fmt::format("{}{} {}", codes.empty() ? "" : ", ", code, n);
    out += esc(says(l, N_(" Rejected under {}: {}."), s == &c.a ? "A" : "B", codes));
  }
  out += "</p>";
}

void totals(std::string& out, const Comparison& c, Language l) {
  Out o(out);
  fmt::format_to(o, "<h2>{}</h2><table id=\"totals\"><tr>", esc(word(l, N_("Settlement totals"))));
  th(o, word(l, N_("field")));
  th(o, "");
  th(o, word(l, N_("A (yuan)")), true);
  th(o, word(l, N_("B (yuan)")), true);
  th(o, "B − A", true);
  th(o, word(l, N_("change")), true);
  out += "</tr>";
  for (std::size_t i = 0; i < field_names.size(); ++i) {
    const auto f = field_names[i];
    const PairSum& p = c.fields[i];
    fmt::format_to(o, "<tr><td class=\"mono\">{}</td>", esc(f));
    td(o, field_label(f));
    td(o, yuan(p.a), true, fmt::format("total-a-{}", f));
    td(o, yuan(p.b), true, fmt::format("total-b-{}", f));
    td(o, signed_yuan(p.b - p.a), true, fmt::format("total-diff-{}", f));
    td(o, percent_change(p.a, p.b), true);
    out += "</tr>";
  }
  out += "</table>";
}

void funding(std::string& out, const Comparison& c, Language l) {
  Out o(out);
  fmt::format_to(o, "<h2>{}</h2>", esc(word(l, N_("Funding by channel"))));
  fmt::format_to(o, "<p class=\"note\">{}</p>",
                 esc(word(l, N_("How the bills of the paired stays are shared: one bar per rule set, one segment per "
                                "channel (by channel id; a channel that only one rule set has shows 0 in the other), "
                                "and what the patients pay on top (个人负担). Percentages are shares of the bar."))));
  std::vector<Segment> segments;
  for (std::size_t i = 0; i < c.channels.size(); ++i) {
    segments.push_back(Segment{c.channels[i].name, c.channels[i].paid, palette[i % palette.size()]});
  }
  const std::string patient_pays = word(l, N_("个人负担 (patient pays)"));
  segments.push_back(Segment{patient_pays, c.patient, Swatch{color_patient, "#1f2933"}});
  out += "<div class=\"figure\"><div class=\"chart\">";
  stacked_bars(out, segments, l);
  out += "<div class=\"legend\">";
  for (const auto& s : segments) {
    fmt::format_to(o, "<span><span class=\"swatch\" style=\"background:{}\"></span>{}</span>", s.swatch.fill,
                   esc(s.label));
  }
  out += "</div></div><table id=\"channels\"><tr>";
  for (const char* h : {N_("channel"), N_("name")}) th(o, word(l, h));
  for (const char* h : {N_("A (yuan)"), N_("B (yuan)"), "B − A", N_("change")}) th(o, word(l, h), true);
  out += "</tr>";
  for (const ChannelRow& ch : c.channels) {
    std::string name = ch.name;
    if (!ch.in_a) name += word(l, N_(" (only in B)"));
    if (!ch.in_b) name += word(l, N_(" (only in A)"));
    fmt::format_to(o, "<tr><td class=\"mono\">{}</td>", esc(ch.id));
    td(o, name);
    td(o, yuan(ch.paid.a), true, "channel-a-" + id_part(ch.id));
    td(o, yuan(ch.paid.b), true, "channel-b-" + id_part(ch.id));
    td(o, signed_yuan(ch.paid.b - ch.paid.a), true);
    td(o, percent_change(ch.paid.a, ch.paid.b), true);
    out += "</tr>";
  }
  out += "<tr><td class=\"mono\">psn_part_amt</td>";
  td(o, patient_pays);
  td(o, yuan(c.patient.a), true);
  td(o, yuan(c.patient.b), true);
  td(o, signed_yuan(c.patient.b - c.patient.a), true);
  td(o, percent_change(c.patient.a, c.patient.b), true);
  const PairSum& total = c.fields[0];
  out += "</tr><tr class=\"total\"><td class=\"mono\">medfee_sumamt</td>";
  td(o, word(l, N_("医疗费总额 (total)")));
  td(o, yuan(total.a), true);
  td(o, yuan(total.b), true);
  td(o, signed_yuan(total.b - total.a), true);
  td(o, percent_change(total.a, total.b), true);
  out += "</tr></table></div>";
}

void patients_histogram(std::string& out, const Comparison& c, Language l) {
  Out o(out);
  fmt::format_to(o, "<h2>{}</h2>", esc(word(l, N_("What patients pay"))));
  fmt::format_to(o, "<p class=\"note\">{}</p>",
                 esc(word(l, N_("Paired stays by what the patient pays (psn_part_amt) per stay, in yuan; a bin a–b "
                                "holds amounts above a and at most b."))));
  std::vector<Group> groups;
  for (std::size_t b = 0; b < c.stay_a.bins.size(); ++b) {
    groups.push_back(Group{histogram_bin_label(b), Sum(c.stay_a.bins[b]), Sum(c.stay_b.bins[b])});
  }
  out += "<div class=\"figure\"><div class=\"chart\">";
  vertical_groups(out, word(l, N_("Stays by what the patient pays (yuan), A and B")), groups, word(l, N_("stays")));
  legend_ab(out);
  out += "</div><table id=\"histogram\"><tr>";
  th(o, word(l, N_("patient pays per stay (yuan)")));
  for (const char* h : {N_("stays A"), N_("stays B"), "B − A"}) th(o, word(l, h), true);
  out += "</tr>";
  for (std::size_t b = 0; b < groups.size(); ++b) {
    out += "<tr>";
    td(o, groups[b].label);
    td(o, thousands(c.stay_a.bins[b]), true);
    td(o, thousands(c.stay_b.bins[b]), true);
    const Sum d = Sum(c.stay_b.bins[b]) - Sum(c.stay_a.bins[b]);
    td(o, d > 0 ? fmt::format("+{}", thousands(d)) : d < 0 ? fmt::format("-{}", thousands(-d)) : "0", true);
    out += "</tr>";
  }
  out += "</table></div>";
}

void patients(std::string& out, const Comparison& c, Language l) {
  Out o(out);
  patients_histogram(out, c, l);
  fmt::format_to(o, "<p class=\"note\">{}</p>",
                 esc(word(l, N_("Percentiles are nearest-rank (the smallest amount with at least p% of the values at "
                                "or below it). A person-year is one person's paired stays discharged in one calendar "
                                "year."))));
  out += "<table id=\"distribution\"><tr>";
  th(o, "");
  for (const char* h : {N_("per stay A"), N_("per stay B"), N_("per person-year A"), N_("per person-year B")}) {
    th(o, word(l, h), true);
  }
  out += "</tr>";
  const std::array<const Distribution*, 4> ds{&c.stay_a, &c.stay_b, &c.person_year_a, &c.person_year_b};
  const auto row = [&](std::string_view label, auto value) {
    out += "<tr>";
    td(o, label);
    for (const Distribution* d : ds) td(o, value(*d), true);
    out += "</tr>";
  };
  row(word(l, N_("count")), [](const Distribution& d) { return thousands(d.count); });
  row(word(l, N_("p50 (yuan)")), [](const Distribution& d) { return yuan(d.p50); });
  row(word(l, N_("p90 (yuan)")), [](const Distribution& d) { return yuan(d.p90); });
  row(word(l, N_("p99 (yuan)")), [](const Distribution& d) { return yuan(d.p99); });
  row(word(l, N_("max (yuan)")), [](const Distribution& d) { return yuan(d.max); });
  for (std::size_t t = 0; t < threshold_yuan.size(); ++t) {
    row(says(l, N_("above {} yuan"), thousands(threshold_yuan[t])),
        [t](const Distribution& d) { return thousands(d.above[t]); });
  }
  out += "</table>";
}

void ratios(std::string& out, Language l, const char* heading_id, std::string_view id, const std::vector<RatioRow>& rows,
            const RatioRow* overall, const char* note_id) {
  Out o(out);
  const std::string heading = word(l, heading_id), note = *note_id ? word(l, note_id) : std::string();
  fmt::format_to(o, "<h2>{}</h2>", esc(heading));
  if (!note.empty()) fmt::format_to(o, "<p class=\"note\">{}</p>", esc(note));
  std::vector<Group> groups;
  for (const RatioRow& r : rows) {
    Group g{r.label, std::nullopt, std::nullopt};
    if (auto a = ratio_bp(r.total.a, r.patient.a)) g.a = *a;
    if (auto b = ratio_bp(r.total.b, r.patient.b)) g.b = *b;
    groups.push_back(std::move(g));
  }
  out += "<div class=\"figure\"><div class=\"chart\">";
  horizontal_ratio_groups(out, heading, groups);
  legend_ab(out);
  fmt::format_to(o, "</div><table id=\"{}\"><tr>", id);
  th(o, word(l, N_("group")));
  for (const char* h : {N_("stays"), N_("total (yuan)"), N_("patient pays A"), N_("patient pays B"), N_("ratio A"),
                        N_("ratio B"), N_("change")}) {
    th(o, word(l, h), true);
  }
  out += "</tr>";
  const auto row = [&](const RatioRow& r, bool is_total) {
    out += is_total ? "<tr class=\"total\">" : "<tr>";
    fmt::format_to(o, "<td{}>{} <span class=\"mono\">{}</span></td>",
                   r.note.empty() ? std::string() : fmt::format(" title=\"{}\"", esc(word(l, r.note.c_str()))),
                   esc(r.label),
                   esc(r.key));
    td(o, thousands(r.stays), true);
    td(o, yuan(r.total.a), true);
    td(o, yuan(r.patient.a), true);
    td(o, yuan(r.patient.b), true);
    td(o, ratio_text(r.total.a, r.patient.a), true, fmt::format("ratio-a-{}-{}", id, id_part(r.key)));
    td(o, ratio_text(r.total.b, r.patient.b), true, fmt::format("ratio-b-{}-{}", id, id_part(r.key)));
    td(o, ratio_change_text(r), true);
    out += "</tr>";
  };
  for (const RatioRow& r : rows) row(r, false);
  if (overall) row(*overall, true);
  out += "</table></div>";
}

void persons(std::string& out, const Comparison& c, Language l) {
  Out o(out);
  fmt::format_to(o, "<h2>{}</h2>", esc(word(l, N_("Persons whose payment changes most"))));
  fmt::format_to(o, "<p class=\"note\">{}</p>",
                 esc(says(l, N_("The top {} person-years by the absolute change of what the person pays in the year "
                                "(sum of psn_part_amt over the paired stays); {} of {} person-years change."),
                          c.top_n, c.person_years_changed, c.person_years)));
  if (c.top.empty()) {
    fmt::format_to(o, "<p id=\"persons\">{}</p>",
                   esc(word(l, c.person_years_changed == 0 ? N_("No person's yearly payment changes.")
                                                           : N_("None listed (--top 0)."))));
    return;
  }
  out += "<table id=\"persons\"><tr>";
  th(o, "#", true);
  th(o, word(l, N_("person")));
  for (const char* h : {N_("year"), N_("stays"), N_("A (yuan)"), N_("B (yuan)"), "B − A", N_("change")}) {
    th(o, word(l, h), true);
  }
  out += "</tr>";
  for (std::size_t i = 0; i < c.top.size(); ++i) {
    const PersonChange& p = c.top[i];
    out += "<tr>";
    td(o, std::to_string(i + 1), true);
    fmt::format_to(o, "<td class=\"mono\">{}</td>", esc(p.person_id));
    td(o, std::to_string(p.year), true);
    td(o, std::to_string(p.stays), true);
    td(o, yuan(p.a), true);
    td(o, yuan(p.b), true);
    td(o, signed_yuan(Sum(p.b) - p.a), true);
    td(o, percent_change(p.a, p.b), true);
    out += "</tr>";
  }
  out += "</table>";
}

std::string cited(const Parameter& p) {
  std::string s = p.cite.line ? fmt::format("{}:{}", p.cite.file, p.cite.line) : p.cite.file;
  return p.cite.source.empty() ? s : s + " · " + p.cite.source;
}

void parameters(std::string& out, const ParameterDiff& d, Language l) {
  Out o(out);
  fmt::format_to(o, "<h2>{}</h2>", esc(word(l, N_("Parameters that differ"))));
  fmt::format_to(o, "<p class=\"note\" id=\"parameters-versions\">{}</p>",
                 esc(says(l, N_("A: {} version {}; B: {} version {}. Each value with the line of the rule file it is "
                                "written on and its source."),
                          d.a.rule_set, d.a.from, d.b.rule_set, d.b.from)));
  if (d.changes.empty()) {
    fmt::format_to(o, "<p id=\"parameters\">{}</p>", esc(word(l, N_("No parameter differs."))));
    return;
  }
  out += "<table id=\"parameters\"><tr>";
  for (const char* h : {N_("channel"), N_("parameter"), "A", "B"}) th(o, word(l, h));
  out += "</tr>";
  for (const ParameterChange& c : d.changes) {
    out += "<tr>";
    td(o, c.channel.empty() ? word(l, N_("(rule set)")) : c.channel);
    fmt::format_to(o, "<td class=\"mono\">{}</td>", esc(c.key));
    for (const std::optional<Parameter>* side : {&c.a, &c.b}) {
      if (!*side) {
        fmt::format_to(o, "<td>{}</td>", esc(word(l, N_("(absent)"))));
        continue;
      }
      fmt::format_to(o, "<td><span class=\"mono\">{}</span><br><span class=\"note\">{}</span></td>",
                     esc((*side)->value), esc(cited(**side)));
    }
    out += "</tr>";
  }
  out += "</table>";
}

}  // namespace

std::string render_html(const Comparison& c, Language l) {
  std::string out;
  Out o(out);
  out += "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<link rel=\"icon\" href=\"data:,\">\n";
  fmt::format_to(o, "<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n",
                 esc(says(l, N_("medsettle what-if: {} vs {}"), c.a.id + " " + as_of_text(c.a, l),
                          c.b.id + " " + as_of_text(c.b, l))),
                 css);
  fmt::format_to(o, "<h1>{}</h1>\n", esc(word(l, N_("medsettle what-if: A vs B"))));
  sides(out, c, l);
  out += '\n';
  if (c.parameters) {
    parameters(out, *c.parameters, l);
    out += '\n';
  }
  totals(out, c, l);
  out += '\n';
  funding(out, c, l);
  out += '\n';
  patients(out, c, l);
  out += '\n';
  ratios(out, l, N_("Reimbursement ratio by identity"), "identity", c.by_identity, &c.overall,
         N_("Reimbursement ratio = 1 − patient pays ÷ total (psn_part_amt ÷ medfee_sumamt, summed over the group's "
            "paired stays). Groups by the identities a stay holds: rural_poor holds registered_poor, dibao, tekun or "
            "poor_disabled; marginal holds marginal and none of those; none holds neither."));
  out += '\n';
  ratios(out, l, N_("Reimbursement ratio by hospital level"), "level", c.by_level, &c.overall, "");
  out += '\n';
  ratios(out, l, N_("Reimbursement ratio by region"), "region", c.by_region, &c.overall,
         N_("Region: where the hospital is, seen from the person's insured county."));
  out += '\n';
  persons(out, c, l);
  fmt::format_to(o, "\n<footer>{}</footer>\n</body>\n</html>\n",
                 esc(word(l, N_("Generated by medsettle compare. Amounts are exact sums in fen; percentages and "
                                "ratios are computed from them with integer arithmetic and rounded half away from zero "
                                "to 0.01%."))));
  return out;
}

std::string render_html(const Comparison& c) { return render_html(c, Language::en); }

}  // namespace medsettle::report
