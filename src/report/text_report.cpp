// The aligned text summary of `medsettle compare`, in English or Chinese.
#include <algorithm>

#include <fmt/format.h>

#include "medsettle/compare.hpp"
#include "report/text_width.hpp"
#include "report/words.hpp"

namespace medsettle::report {

namespace {

void line(std::string& out, std::string_view text) {
  out += text;
  out += '\n';
}

/// A column heading right-aligned in `width` terminal columns.
std::string head(Language l, const char* id, std::size_t width) { return pad_left(word(l, id), width); }

std::string_view side_name(const SideInfo& s, const Comparison& c) { return &s == &c.a ? "A" : "B"; }

void ratio_rows(std::string& out, std::string_view title, const std::vector<RatioRow>& rows) {
  line(out, fmt::format("  {}", title));
  for (const RatioRow& r : rows) {
    line(out, fmt::format("    {} {:>8} {:>10} {:>10} {:>10}  {}", pad_right(r.key, 22), r.stays,
                          ratio_text(r.total.a, r.patient.a), ratio_text(r.total.b, r.patient.b),
                          ratio_change_text(r), r.label));
  }
}

void distribution_row(std::string& out, std::string_view label, std::string_view side, const Distribution& d) {
  std::string s = fmt::format("  {} {} {:>7}", pad_right(label, 16), side, d.count);
  for (std::int64_t v : {d.p50, d.p90, d.p99, d.max}) s += fmt::format(" {:>12}", yuan(v));
  for (std::size_t n : d.above) s += fmt::format(" {:>8}", n);
  line(out, s);
}

void header_section(std::string& out, const Comparison& c, Language l) {
  line(out, word(l, N_("medsettle what-if: A vs B")));
  for (const auto* s : {&c.a, &c.b}) {
    line(out, fmt::format("  {}  {} ({}) {}, {}", side_name(*s, c), s->id, s->file, s->title, as_of_text(*s, l)));
    line(out, fmt::format("     {}", says(l, N_("versions applied: {}; digest {}"), applied_text(*s, l), s->digest)));
  }
  line(out, fmt::format("  {}", says(l, N_("stays: read {}; settled A {}, B {}; rejected A {}, B {} (both {}, only A {}, "
                                           "only B {}); paired {}; settlement changed {}"),
                                     c.records, c.a.settled, c.b.settled, c.a.rejected, c.b.rejected, c.rejected_both,
                                     c.rejected_only_a, c.rejected_only_b, c.paired, c.changed)));
  for (const auto* s : {&c.a, &c.b}) {
    if (s->rejected_by_code.empty()) continue;
    std::string codes;
    for (const auto& [code, n] : s->rejected_by_code) codes += fmt::format("{}{} {}", codes.empty() ? "" : ", ", code, n);
    line(out, fmt::format("  {}", says(l, N_("rejected under {}: {}"), side_name(*s, c), codes)));
  }
  line(out, fmt::format("  {}", word(l, N_("(rejected stays are left out of every figure below)"))));
}

/// The heading row of the fields and channels tables.
void money_heading(std::string& out, Language l, const char* first) {
  line(out, fmt::format("  {} {:>18} {:>18} {:>18} {}", pad_right(word(l, first), 18), "A", "B", "B - A",
                        head(l, N_("change"), 10)));
}

void fields_section(std::string& out, const Comparison& c, Language l) {
  line(out, word(l, N_("Settlement fields (yuan, paired stays)")));
  money_heading(out, l, N_("field"));
  for (std::size_t i = 0; i < field_names.size(); ++i) {
    const PairSum& p = c.fields[i];
    line(out, fmt::format("  {} {:>18} {:>18} {:>18} {:>10}  {}", pad_right(field_names[i], 18), yuan(p.a), yuan(p.b),
                          signed_yuan(p.b - p.a), percent_change(p.a, p.b), field_label(field_names[i])));
  }
}

void channels_section(std::string& out, const Comparison& c, Language l) {
  line(out, word(l, N_("Funding by channel (yuan, paid, paired stays)")));
  money_heading(out, l, N_("channel"));
  for (const ChannelRow& ch : c.channels) {
    std::string name = ch.name;
    if (!ch.in_a) name += word(l, N_(" (only in B)"));
    if (!ch.in_b) name += word(l, N_(" (only in A)"));
    line(out, fmt::format("  {} {:>18} {:>18} {:>18} {:>10}  {}", pad_right(ch.id, 18), yuan(ch.paid.a),
                          yuan(ch.paid.b), signed_yuan(ch.paid.b - ch.paid.a), percent_change(ch.paid.a, ch.paid.b),
                          name));
  }
  line(out, fmt::format("  {} {:>18} {:>18} {:>18} {:>10}  个人负担", pad_right(word(l, N_("(patient pays)")), 18),
                        yuan(c.patient.a), yuan(c.patient.b), signed_yuan(c.patient.b - c.patient.a),
                        percent_change(c.patient.a, c.patient.b)));
}

void ratio_section(std::string& out, const Comparison& c, Language l) {
  line(out, word(l, N_("Reimbursement ratio (1 - patient pays / total, paired stays)")));
  line(out, fmt::format("    {} {} {:>10} {:>10} {}", pad_right(word(l, N_("group")), 22), head(l, N_("stays"), 8), "A",
                        "B", head(l, N_("change"), 10)));
  ratio_rows(out, word(l, N_("overall")), {c.overall});
  ratio_rows(out,
             word(l, N_("by identity (rural_poor: registered_poor/dibao/tekun/poor_disabled; marginal: marginal only)")),
             c.by_identity);
  ratio_rows(out, word(l, N_("by hospital level")), c.by_level);
  ratio_rows(out, word(l, N_("by region")), c.by_region);
}

void distribution_section(std::string& out, const Comparison& c, Language l) {
  line(out, word(l, N_("What patients pay (psn_part_amt, yuan; nearest-rank percentiles; counts above a threshold)")));
  {
    std::string h = fmt::format("  {}   {:>7}", pad_right("", 16), "n");
    for (std::string_view p : {"p50", "p90", "p99", "max"}) h += fmt::format(" {:>12}", p);
    for (std::int64_t t : threshold_yuan) h += fmt::format(" {:>8}", fmt::format(">{}", thousands(t)));
    line(out, h);
  }
  const std::string per_stay = word(l, N_("per stay")), per_year = word(l, N_("per person-year"));
  distribution_row(out, per_stay, "A", c.stay_a);
  distribution_row(out, "", "B", c.stay_b);
  distribution_row(out, per_year, "A", c.person_year_a);
  distribution_row(out, "", "B", c.person_year_b);
  std::string h = fmt::format("  {}  ", pad_right(word(l, N_("stays by yuan")), 16));
  for (std::size_t b = 0; b < c.stay_a.bins.size(); ++b) h += fmt::format(" {:>13}", histogram_bin_label(b));
  line(out, h);
  for (const auto* d : {&c.stay_a, &c.stay_b}) {
    std::string r = fmt::format("  {} {}", pad_right("", 16), d == &c.stay_a ? 'A' : 'B');
    for (std::size_t n : d->bins) r += fmt::format(" {:>13}", n);
    line(out, r);
  }
}

void top_section(std::string& out, const Comparison& c, Language l) {
  line(out, says(l, N_("Persons whose yearly payment changes most (top {} by |B - A|; {} of {} person-years change)"),
                 c.top_n, c.person_years_changed, c.person_years));
  if (c.top.empty()) {
    line(out, fmt::format("  {}", c.person_years_changed == 0 ? word(l, N_("no person's yearly payment changes"))
                                                              : word(l, N_("(none listed: --top 0)"))));
    return;
  }
  // Each column as wide as in English, or as its heading in `l` if that is wider.
  const std::string year = word(l, N_("year")), stays = word(l, N_("stays")), change = word(l, N_("change"));
  const std::size_t wy = std::max<std::size_t>(5, display_width(year)), ws = std::max<std::size_t>(6, display_width(stays)),
                    wc = std::max<std::size_t>(10, display_width(change));
  line(out, fmt::format("  {} {} {} {:>15} {:>15} {:>15} {}", pad_right(word(l, N_("person")), 16), pad_left(year, wy),
                        pad_left(stays, ws), "A", "B", "B - A", pad_left(change, wc)));
  for (const PersonChange& p : c.top) {
    line(out, fmt::format("  {} {:>{}} {:>{}} {:>15} {:>15} {:>15} {:>{}}", pad_right(p.person_id, 16), p.year, wy,
                          p.stays, ws, yuan(p.a), yuan(p.b), signed_yuan(Sum(p.b) - p.a), percent_change(p.a, p.b), wc));
  }
}

}  // namespace

std::string render_text(const Comparison& c, Language l) {
  std::string out;
  header_section(out, c, l);
  line(out, "");
  fields_section(out, c, l);
  line(out, "");
  channels_section(out, c, l);
  line(out, "");
  ratio_section(out, c, l);
  line(out, "");
  distribution_section(out, c, l);
  line(out, "");
  top_section(out, c, l);
  return out;
}

std::string render_text(const Comparison& c) { return render_text(c, Language::en); }

}  // namespace medsettle::report
