// The aligned text summary of `medsettle compare`.
#include <fmt/format.h>

#include "medsettle/compare.hpp"
#include "report/text_width.hpp"

namespace medsettle::report {

namespace {

void line(std::string& out, std::string_view text) {
  out += text;
  out += '\n';
}

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

}  // namespace

namespace {

void header_section(std::string& out, const Comparison& c) {
  line(out, "medsettle what-if: A vs B");
  for (const auto* s : {&c.a, &c.b}) {
    const char label = s == &c.a ? 'A' : 'B';
    line(out, fmt::format("  {}  {} ({}) {}, {}", label, s->id, s->file, s->title, as_of_text(*s)));
    line(out, fmt::format("     versions applied: {}; digest {}", applied_text(*s), s->digest));
  }
  line(out, fmt::format("  stays: read {}; settled A {}, B {}; rejected A {}, B {} (both {}, only A {}, only B {}); "
                        "paired {}; settlement changed {}",
                        c.records, c.a.settled, c.b.settled, c.a.rejected, c.b.rejected, c.rejected_both,
                        c.rejected_only_a, c.rejected_only_b, c.paired, c.changed));
  for (const auto* s : {&c.a, &c.b}) {
    if (s->rejected_by_code.empty()) continue;
    std::string codes;
    for (const auto& [code, n] : s->rejected_by_code) codes += fmt::format("{}{} {}", codes.empty() ? "" : ", ", code, n);
    line(out, fmt::format("  rejected under {}: {}", s == &c.a ? 'A' : 'B', codes));
  }
  line(out, "  (rejected stays are left out of every figure below)");
}

void fields_section(std::string& out, const Comparison& c) {
  line(out, "Settlement fields (yuan, paired stays)");
  line(out, fmt::format("  {} {:>18} {:>18} {:>18} {:>10}", pad_right("field", 18), "A", "B", "B - A", "change"));
  for (std::size_t i = 0; i < field_names.size(); ++i) {
    const PairSum& p = c.fields[i];
    line(out, fmt::format("  {} {:>18} {:>18} {:>18} {:>10}  {}", pad_right(field_names[i], 18), yuan(p.a), yuan(p.b),
                          signed_yuan(p.b - p.a), percent_change(p.a, p.b), field_label(field_names[i])));
  }
}

void channels_section(std::string& out, const Comparison& c) {
  line(out, "Funding by channel (yuan, paid, paired stays)");
  line(out, fmt::format("  {} {:>18} {:>18} {:>18} {:>10}", pad_right("channel", 18), "A", "B", "B - A", "change"));
  for (const ChannelRow& ch : c.channels) {
    std::string name = ch.name;
    if (!ch.in_a) name += " (only in B)";
    if (!ch.in_b) name += " (only in A)";
    line(out, fmt::format("  {} {:>18} {:>18} {:>18} {:>10}  {}", pad_right(ch.id, 18), yuan(ch.paid.a),
                          yuan(ch.paid.b), signed_yuan(ch.paid.b - ch.paid.a), percent_change(ch.paid.a, ch.paid.b),
                          name));
  }
  line(out, fmt::format("  {} {:>18} {:>18} {:>18} {:>10}  个人负担", pad_right("(patient pays)", 18), yuan(c.patient.a),
                        yuan(c.patient.b), signed_yuan(c.patient.b - c.patient.a),
                        percent_change(c.patient.a, c.patient.b)));
}

void ratio_section(std::string& out, const Comparison& c) {
  line(out, "Reimbursement ratio (1 - patient pays / total, paired stays)");
  line(out, fmt::format("    {} {:>8} {:>10} {:>10} {:>10}", pad_right("group", 22), "stays", "A", "B", "change"));
  ratio_rows(out, "overall", {c.overall});
  ratio_rows(out, "by identity (rural_poor: registered_poor/dibao/tekun/poor_disabled; marginal: marginal only)",
             c.by_identity);
  ratio_rows(out, "by hospital level", c.by_level);
  ratio_rows(out, "by region", c.by_region);
}

void distribution_section(std::string& out, const Comparison& c) {
  line(out, "What patients pay (psn_part_amt, yuan; nearest-rank percentiles; counts above a threshold)");
  {
    std::string h = fmt::format("  {}   {:>7}", pad_right("", 16), "n");
    for (std::string_view p : {"p50", "p90", "p99", "max"}) h += fmt::format(" {:>12}", p);
    for (std::int64_t t : threshold_yuan) h += fmt::format(" {:>8}", fmt::format(">{}", thousands(t)));
    line(out, h);
  }
  distribution_row(out, "per stay", "A", c.stay_a);
  distribution_row(out, "", "B", c.stay_b);
  distribution_row(out, "per person-year", "A", c.person_year_a);
  distribution_row(out, "", "B", c.person_year_b);
  {
    std::string h = fmt::format("  {}  ", pad_right("stays by yuan", 16));
    for (std::size_t b = 0; b < c.stay_a.bins.size(); ++b) h += fmt::format(" {:>13}", histogram_bin_label(b));
    line(out, h);
    for (const auto* d : {&c.stay_a, &c.stay_b}) {
      std::string r = fmt::format("  {} {}", pad_right("", 16), d == &c.stay_a ? 'A' : 'B');
      for (std::size_t n : d->bins) r += fmt::format(" {:>13}", n);
      line(out, r);
    }
  }
}

void top_section(std::string& out, const Comparison& c) {
  line(out, fmt::format("Persons whose yearly payment changes most (top {} by |B - A|; {} of {} person-years change)",
                        c.top_n, c.person_years_changed, c.person_years));
  if (c.top.empty()) {
    line(out, c.person_years_changed == 0 ? "  no person's yearly payment changes" : "  (none listed: --top 0)");
  } else {
    line(out, fmt::format("  {} {:>5} {:>6} {:>15} {:>15} {:>15} {:>10}", pad_right("person", 16), "year", "stays", "A",
                          "B", "B - A", "change"));
    for (const PersonChange& p : c.top) {
      line(out, fmt::format("  {} {:>5} {:>6} {:>15} {:>15} {:>15} {:>10}", pad_right(p.person_id, 16), p.year, p.stays,
                            yuan(p.a), yuan(p.b), signed_yuan(Sum(p.b) - p.a), percent_change(p.a, p.b)));
    }
  }
}

}  // namespace

std::string render_text(const Comparison& c) {
  std::string out;
  header_section(out, c);
  line(out, "");
  fields_section(out, c);
  line(out, "");
  channels_section(out, c);
  line(out, "");
  ratio_section(out, c);
  line(out, "");
  distribution_section(out, c);
  line(out, "");
  top_section(out, c);
  return out;
}

}  // namespace medsettle::report
