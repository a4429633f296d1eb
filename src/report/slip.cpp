// The settlement slip (一站式结算单): one printable, self-contained HTML page
// per stay, with inline CSS and an inline SVG waterfall, no script and
// nothing fetched. Every text is escaped; every figure is formatted from fen
// (format(Fen)) and every coordinate computed from integers.
#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <vector>

#include <fmt/format.h>

#include "core/text.hpp"
#include "report/html_text.hpp"
#include "medsettle/slip.hpp"

namespace medsettle {

namespace {

using Out = std::back_insert_iterator<std::string>;

using report_html::esc;
using report_html::id_part;

constexpr std::string_view css = R"(
:root { color-scheme: light; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "PingFang SC", "Microsoft YaHei",
       "Noto Sans", sans-serif; margin: 0 auto; padding: 24px 32px 40px; max-width: 820px; color: #1f2933;
       background: #ffffff; font-size: 14px; line-height: 1.45; }
h1 { font-size: 22px; margin: 0 0 4px; text-align: center; letter-spacing: 2px; }
.sub { text-align: center; color: #52606d; font-size: 12px; margin-bottom: 14px; }
h2 { font-size: 15px; margin: 18px 0 6px; padding-bottom: 3px; border-bottom: 2px solid #d8dee6; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 3px 7px; border-bottom: 1px solid #e4e8ee; text-align: left; vertical-align: top; }
th { background: #f3f5f8; font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.info td:nth-child(odd) { color: #52606d; width: 18%; }
.pays { font-size: 18px; font-weight: 700; }
.mono { font-family: "DejaVu Sans Mono", "Noto Sans Mono", monospace; font-size: 11px; word-break: break-all; }
.cid { font-family: "DejaVu Sans Mono", "Noto Sans Mono", monospace; font-size: 11px; color: #52606d;
       white-space: nowrap; }
svg { display: block; margin-top: 6px; }
svg text { font-family: inherit; font-size: 11px; fill: #1f2933; }
@media print { body { padding: 0; } }
)";

std::string tr(Language lang, const char* id) { return translate(lang, id); }

template <class E>
std::string set_text(EnumSet<E> set, std::size_t count) {
  std::string out;
  for (std::size_t b = 0; b < count; ++b) {
    if (set.contains(static_cast<E>(b))) out += (out.empty() ? "" : ", ") + std::string(name(static_cast<E>(b)));
  }
  return out.empty() ? "-" : out;
}

/// A row of label/value pairs.
void info_row(Out o, Language lang, std::initializer_list<std::pair<const char*, std::string>> cells) {
  fmt::format_to(o, "<tr>");
  for (const auto& [label, value] : cells) fmt::format_to(o, "<td>{}</td><td>{}</td>", esc(tr(lang, label)), value);
  fmt::format_to(o, "</tr>\n");
}

std::string span(std::string_view id, std::string_view text) {
  return fmt::format("<span id=\"{}\">{}</span>", id, esc(text));
}

void header(std::string& out, const Stay& stay, const Settlement& s, Language lang) {
  Out o(out);
  fmt::format_to(o, "<h1>{}</h1>\n<div class=\"sub\">{}</div>\n", esc(tr(lang, N_("One-stop settlement slip"))),
                 esc(s.title().empty() ? std::string(s.rules) : std::string(s.title())));
  fmt::format_to(o, "<h2>{}</h2>\n<table class=\"info\">\n", esc(tr(lang, N_("Stay"))));
  info_row(o, lang, {{N_("Stay id"), span("stay-id", stay.stay_id)}, {N_("Person id"), span("person-id", stay.person_id)}});
  info_row(o, lang, {{N_("Hospital level"), span("hospital-level", name(stay.hospital_level))},
                     {N_("Region"), span("region", name(stay.region))}});
  info_row(o, lang, {{N_("Admitted"), span("admitted", format(stay.admitted))},
                     {N_("Discharged"), span("discharged", format(stay.discharged))}});
  info_row(o, lang, {{N_("Insurance"), esc(name(stay.insurance))}, {N_("Age"), std::to_string(stay.age)}});
  info_row(o, lang, {{N_("Identities"), esc(set_text(stay.identities, identity_count))},
                     {N_("Category"), stay.category == Category::none ? "-" : esc(name(stay.category))}});
  std::string dx;
  for (const auto& d : stay.diagnoses) dx += (dx.empty() ? "" : ", ") + d;
  info_row(o, lang, {{N_("Diagnoses"), esc(dx)}, {N_("Flags"), esc(set_text(stay.flags, flag_count))}});
  fmt::format_to(o, "</table>\n");
}

void buckets(std::string& out, const Settlement& s, Language lang) {
  Out o(out);
  fmt::format_to(o, "<h2>{}</h2>\n<table>\n<tr><th>{}</th><th class=\"num\">{}</th></tr>\n",
                 esc(tr(lang, N_("The bill"))), esc(tr(lang, N_("Bucket"))), esc(tr(lang, N_("Amount"))));
  const std::pair<const char*, Fen> rows[] = {{N_("full self-pay"), s.buckets.full_selfpay},
                                              {N_("over limit"), s.buckets.over_limit},
                                              {N_("pre self-pay"), s.buckets.pre_selfpay},
                                              {N_("in scope"), s.buckets.in_scope}};
  const std::string_view ids[] = {"full_selfpay", "over_limit", "pre_selfpay", "in_scope"};
  for (std::size_t i = 0; i < 4; ++i) {
    fmt::format_to(o, "<tr><td>{}</td><td class=\"num\" id=\"bucket-{}\">{}</td></tr>\n", esc(tr(lang, rows[i].first)),
                   ids[i], format(rows[i].second));
  }
  fmt::format_to(o, "<tr><th>{}</th><th class=\"num\" id=\"bucket-total\">{}</th></tr>\n</table>\n",
                 esc(tr(lang, N_("Total"))), format(s.buckets.total));
}

const char* limiter_text(Limiter l) {
  switch (l) {
    case Limiter::none: return nullptr;
    case Limiter::cap_stay: return N_("limited by the per-stay cap");
    case Limiter::cap_year: return N_("limited by what was left of the yearly cap");
    case Limiter::base: return N_("limited by the remaining base");
    case Limiter::grant_used: return N_("the year's grant was already paid");
  }
  return nullptr;
}

/// What chose the channel's values, from its trace (if any), each once in
/// the order of the steps: "when identity: dibao; hospital_level county".
std::string choices(const Settlement& s, std::uint16_t index) {
  std::vector<std::string> seen;
  if (!s.trace) return {};
  for (const TraceStep& t : s.trace->steps) {
    if (t.channel != index) continue;
    const std::string chosen_by = describe_choice(s, t);
    std::string_view rest = chosen_by;
    while (!rest.empty()) {  // "hospital_level county; when ..." is two choices
      const std::size_t cut = rest.find("; when ");
      const std::string part(rest.substr(0, cut));
      rest = cut == std::string_view::npos ? std::string_view{} : rest.substr(cut + 2);
      if (std::find(seen.begin(), seen.end(), part) == seen.end()) seen.push_back(part);
    }
  }
  std::string out;
  for (const auto& c : seen) out += (out.empty() ? "" : "; ") + c;
  return out;
}

/// Why a channel paid what it paid, in one line.
std::string why(const Settlement& s, const ChannelResult& r, Language lang) {
  if (!r.eligible) return tr(lang, N_("not eligible: its condition does not hold for this stay"));
  std::string out =
      detail::message(N_("base {}, deductible {}, computed {}"), r.base, r.deductible, r.computed).text(lang);
  if (const char* l = limiter_text(r.limiter)) out += "; " + tr(lang, l);
  const std::string by = choices(s, r.index);
  if (!by.empty()) out += " (" + by + ")";
  return out;
}

void channels(std::string& out, const Settlement& s, Language lang) {
  Out o(out);
  fmt::format_to(o, "<h2>{}</h2>\n<table>\n<tr><th>{}</th><th class=\"num\">{}</th><th>{}</th></tr>\n",
                 esc(tr(lang, N_("Who pays"))), esc(tr(lang, N_("Channel"))), esc(tr(lang, N_("Paid"))),
                 esc(tr(lang, N_("Why"))));
  for (const ChannelResult& r : s.channels) {
    const ChannelInfo ch = s.channel_info(r.index);
    fmt::format_to(o, "<tr><td>{} <span class=\"cid\">{}</span></td><td class=\"num\" id=\"channel-{}-paid\">{}</td>"
                      "<td>{}</td></tr>\n",
                   esc(ch.name), esc(ch.id), id_part(ch.id), format(r.paid), esc(why(s, r, lang)));
  }
  fmt::format_to(o, "<tr><th>{}</th><th class=\"num\" id=\"funds-total\">{}</th><th></th></tr>\n",
                 esc(tr(lang, N_("Funds in all"))), format(s.fund_pay_sumamt));
  if (s.hosp_part_amt > Fen(0)) {
    fmt::format_to(o, "<tr><th>{}</th><th class=\"num\" id=\"hospital-part\">{}</th><th></th></tr>\n",
                   esc(tr(lang, N_("Hospital waives"))), format(s.hosp_part_amt));
  }
  fmt::format_to(o, "</table>\n<p class=\"pays\">{}: <span id=\"patient-pays\">{}</span></p>\n",
                 esc(tr(lang, N_("The patient pays"))), format(s.psn_part_amt));
}

// ---- the waterfall ----------------------------------------------------------

struct Bar {
  std::string label;
  Fen from, to;  ///< the bar spans [to, from] (a step down) or [0, to] (a total)
  bool total = false;
};

/// The total, each channel that paid (a step down), and the patient's share.
std::vector<Bar> waterfall_bars(const Settlement& s, Language lang) {
  std::vector<Bar> bars{{tr(lang, N_("Total")), s.buckets.total, s.buckets.total, true}};
  Fen left = s.buckets.total;
  for (const ChannelResult& r : s.channels) {
    if (r.paid <= Fen(0)) continue;
    bars.push_back({std::string(s.channel_info(r.index).name), left, left - r.paid, false});
    left -= r.paid;
  }
  bars.push_back({tr(lang, N_("The patient pays")), left, left, true});
  return bars;
}

/// `v` (at most `max`) of `max` as a length of `len` pixels, in integers
/// (both scaled down together where v × len would not fit in 64 bits).
long scaled(Fen v, Fen max, long len) {
  std::int64_t a = v.count(), m = max.count();
  while (a > INT64_MAX / len) {
    a /= 1000;
    m /= 1000;
  }
  return m <= 0 ? 0 : static_cast<long>(a * len / m);
}

void waterfall(std::string& out, const Settlement& s, Language lang) {
  Out o(out);
  const std::vector<Bar> bars = waterfall_bars(s, lang);
  const long bar_w = 70, gap = 50, left = 20, top = 24, plot_h = 220;
  const long width = left * 2 + static_cast<long>(bars.size()) * (bar_w + gap), height = top + plot_h + 56;
  const Fen max = std::max(s.buckets.total, Fen(1));
  fmt::format_to(o, "<h2>{}</h2>\n<svg id=\"waterfall\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\" "
                    "aria-label=\"{}\">\n",
                 esc(tr(lang, N_("From the total to the patient's share"))), width, height, width, height,
                 esc(tr(lang, N_("Waterfall chart"))));
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const Fen low = b.total ? Fen(0) : b.to, high = b.from;
    const long x = left + static_cast<long>(i) * (bar_w + gap);
    const long y = top + plot_h - scaled(high, max, plot_h);
    const long h = std::max(1L, scaled(high, max, plot_h) - scaled(low, max, plot_h));
    const std::string_view fill = b.total ? (i == 0 ? "#4e79a7" : "#e15759") : "#59a14f";
    const Fen amount = b.total ? b.to : b.from - b.to;
    fmt::format_to(o, "<rect id=\"step-{}\" data-amount=\"{}\" data-kind=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" "
                      "height=\"{}\" fill=\"{}\"/>\n",
                   i, format(amount), b.total ? "total" : "step", x, y, bar_w, h, fill);
    fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}{}</text>\n", x + bar_w / 2, y - 6,
                   b.total ? "" : "\u2212", format(amount));
    fmt::format_to(o, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x + bar_w / 2,
                   top + plot_h + 18, esc(b.label));
  }
  fmt::format_to(o, "</svg>\n");
}

void rule_set(std::string& out, const Settlement& s, Language lang) {
  Out o(out);
  fmt::format_to(o, "<h2>{}</h2>\n<table class=\"info\">\n", esc(tr(lang, N_("Rule set"))));
  info_row(o, lang, {{N_("Rule set"), span("rules", s.rules)}, {N_("Version"), span("version", format(s.version))}});
  fmt::format_to(o, "<tr><td>{}</td><td colspan=\"3\" class=\"mono\" id=\"digest\">{}</td></tr>\n</table>\n",
                 esc(tr(lang, N_("Digest"))), esc(s.digest));
}

}  // namespace

std::string render_slip_html(const Stay& stay, const Settlement& s, Language language) {
  if (stay.stay_id != s.stay_id || !s.rule_set) {
    throw Error(detail::message(N_("the settlement is not that of stay {}"), stay.stay_id));
  }
  std::string out = fmt::format("<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{} {}"
                                "</title>\n<style>{}</style>\n</head>\n<body>\n",
                                language == Language::zh ? "zh-CN" : "en",
                                esc(tr(language, N_("One-stop settlement slip"))), esc(stay.stay_id), css);
  header(out, stay, s, language);
  buckets(out, s, language);
  channels(out, s, language);
  waterfall(out, s, language);
  rule_set(out, s, language);
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace medsettle
