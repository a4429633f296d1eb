// The replay report as text: the header, then the differences first, what
// could not be recomputed or compared, the stays not recorded (one line
// unless listed), malformed lines, the totals and a summary line. Headings
// and sentences are catalogue messages; field names, items and the
// MATCH/DIFFER status are not translated.
#include <algorithm>

#include <fmt/format.h>

#include "core/text.hpp"
#include "medsettle/replay.hpp"

namespace medsettle {

namespace {

template <class... Args>
std::string tr(Language lang, const char* id, const Args&... args) {
  return detail::message(id, args...).text(lang);
}
/// `one` for a count of 1, else `many` (the count is the first argument).
template <class... Args>
std::string tr_n(Language lang, std::size_t n, const char* one, const char* many, const Args&... args) {
  return detail::message(n == 1 ? one : many, n, args...).text(lang);
}

/// Left- or right-aligned columns; widths from the widest cell.
class Table {
 public:
  explicit Table(std::vector<bool> right) : right_(std::move(right)), width_(right_.size(), 0) {}
  void row(std::vector<std::string> cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) width_[i] = std::max(width_[i], display_width(cells[i]));
    rows_.push_back(std::move(cells));
  }
  void render(std::string& out) const {
    for (const auto& r : rows_) {
      std::string line = "  ";
      for (std::size_t i = 0; i < r.size(); ++i) {
        const std::size_t pad = width_[i] - display_width(r[i]);
        if (i) line += "  ";
        if (right_[i]) line.append(pad, ' ');
        line += r[i];
        if (!right_[i] && i + 1 < r.size()) line.append(pad, ' ');
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line;
      out += '\n';
    }
  }

 private:
  std::vector<bool> right_;
  std::vector<std::size_t> width_;
  std::vector<std::vector<std::string>> rows_;

  /// Code points, counting CJK (3-byte UTF-8 sequences) as two columns.
  static std::size_t display_width(std::string_view s) {
    std::size_t w = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if ((c & 0xC0) == 0x80) continue;
      w += (c >= 0xE0) ? 2 : 1;
    }
    return w;
  }
};

/// A section's heading, after a blank line.
void heading(std::string& out, const std::string& text) {
  out += '\n';
  out += text;
  out += '\n';
}

std::string signed_fen(Fen fen) { return fen > Fen{} ? fmt::format("+{}", fen.count()) : fmt::to_string(fen.count()); }
std::string signed_yuan(Fen fen) { return fen > Fen{} ? fmt::format("+{}", format(fen)) : format(fen); }

std::string versions_text(const ReplayReport& rep, Language lang) {
  if (rep.versions_applied.empty()) return tr(lang, N_("none (no stay settled)"));
  std::string out;
  for (const auto& [d, n] : rep.versions_applied) {
    if (!out.empty()) out += ", ";
    out += tr_n(lang, n, N_("{1} ({0} stay)"), N_("{1} ({0} stays)"), d);
  }
  return out;
}

std::string recorded_text(const ReplayReport& rep, Language lang) {
  std::string out = tr_n(lang, rep.recorded, N_("{1}: {0} settlement"), N_("{1}: {0} settlements"), rep.recorded_file);
  if (!rep.malformed.empty()) {
    out += tr_n(lang, rep.malformed.size(), N_(", {} malformed line"), N_(", {} malformed lines"));
  }
  return out;
}

std::string stays_text(const ReplayReport& rep, Language lang) {
  std::string out = tr(lang, N_("{}: {} read, {} settled, {} rejected"),
                       rep.stays_file.empty() ? std::string("<stdin>") : rep.stays_file, rep.stays_read,
                       rep.stays_settled, rep.stays_rejected);
  if (rep.rejected_not_recorded) {
    out += tr(lang, N_(" ({} of them not recorded either)"), rep.rejected_not_recorded);
  }
  if (rep.recorded_only) {
    out += tr(lang, N_("; {} not settled: their person has no recorded stay"), rep.stays_not_settled);
  }
  return out;
}

/// "12 recorded settlements name rule set zhuzhou (sha256:…)", and the like.
std::string rule_set_note(const ReplayReport& rep, const ReplayOtherRuleSet& o, Language lang) {
  const std::size_t n = o.settlements;
  if (o.rules && *o.rules != rep.rules) {
    if (!o.digest) {
      return tr_n(lang, n, N_("{} recorded settlement names rule set {}"),
                  N_("{} recorded settlements name rule set {}"), *o.rules);
    }
    return tr_n(lang, n, N_("{} recorded settlement names rule set {} ({})"),
                N_("{} recorded settlements name rule set {} ({})"), *o.rules, *o.digest);
  }
  if (o.rules) {
    return tr_n(lang, n, N_("{} recorded settlement of rule set {} carries another digest: {}"),
                N_("{} recorded settlements of rule set {} carry another digest: {}"), *o.rules, o.digest.value_or(""));
  }
  return tr_n(lang, n, N_("{} recorded settlement carries another digest: {}"),
              N_("{} recorded settlements carry another digest: {}"), o.digest.value_or(""));
}

void render_header(std::string& out, const ReplayReport& rep, Language lang) {
  Table head({false, false});
  head.row({tr(lang, N_("rule set")), fmt::format("{} ({})", rep.rules, rep.rules_file)});
  head.row({tr(lang, N_("versions applied")), versions_text(rep, lang)});
  head.row({tr(lang, N_("digest")), rep.digest});
  head.row({tr(lang, N_("as of")), rep.as_of ? format(*rep.as_of) : tr(lang, N_("each stay's discharge date"))});
  head.row({tr(lang, N_("recorded")), recorded_text(rep, lang)});
  if (!rep.recorded_versions.empty()) {
    std::string v;
    for (const auto& [d, n] : rep.recorded_versions) {
      if (!v.empty()) v += ", ";
      v += fmt::format("{} ({})", d, n);
    }
    head.row({tr(lang, N_("recorded versions")), v});
  }
  for (const ReplayOtherRuleSet& o : rep.other_rule_sets) head.row({tr(lang, N_("note")), rule_set_note(rep, o, lang)});
  head.row({tr(lang, N_("stays")), stays_text(rep, lang)});
  out += "medsettle replay\n";
  head.render(out);
}

void render_differences(std::string& out, const ReplayReport& rep, Language lang) {
  if (rep.differences.empty()) return;
  heading(out, tr(lang, N_("Differences ({}; difference = recomputed - recorded, in fen):"), rep.differences.size()));
  Table t({true, false, false, false, true, true, true});
  t.row({tr(lang, N_("line")), "stay_id", "person_id", tr(lang, N_("item")), tr(lang, N_("recorded")),
         tr(lang, N_("recomputed")), tr(lang, N_("difference"))});
  for (const ReplayDifference& d : rep.differences) {
    t.row({fmt::to_string(d.line), d.stay_id, d.person_id.value_or(""), d.item, d.recorded, d.recomputed,
           d.difference ? signed_fen(*d.difference) : std::string()});
  }
  t.render(out);
}

void render_not_recomputable(std::string& out, const ReplayReport& rep, Language lang) {
  if (rep.not_recomputable.empty()) return;
  heading(out, tr(lang, N_("Recorded but not recomputable ({}):"), rep.not_recomputable.size()));
  Table t({true, false, false});
  t.row({tr(lang, N_("line")), "stay_id", tr(lang, N_("reason"))});
  for (const ReplayNotRecomputable& m : rep.not_recomputable) {
    t.row({fmt::to_string(m.line), m.stay_id, describe(m, lang)});
  }
  t.render(out);
}

void render_not_compared(std::string& out, const ReplayReport& rep, Language lang) {
  if (rep.not_compared.empty()) return;
  heading(out, tr(lang, N_("Not compared ({}; the number of recorded lines that do not give the item):"),
                  rep.not_compared.size()));
  Table t({false, true});
  t.row({tr(lang, N_("item")), tr(lang, N_("lines"))});
  for (const ReplayNotCompared& n : rep.not_compared) t.row({n.item, fmt::to_string(n.lines)});
  t.render(out);
}

void render_not_recorded(std::string& out, const ReplayReport& rep, Language lang, bool list) {
  const std::size_t n = rep.not_recorded.size();
  if (n == 0) return;
  if (!list) {
    heading(out, rep.recorded_only
               ? tr_n(lang, n,
                      N_("{} stay settled for its person's yearly ledger has no recorded settlement (not a "
                         "difference; listed with --list-unrecorded)"),
                      N_("{} stays settled for their person's yearly ledger have no recorded settlement (not a "
                         "difference; listed with --list-unrecorded)"))
               : tr_n(lang, n, N_("{} stay settled now has no recorded settlement (listed with --list-unrecorded)"),
                      N_("{} stays settled now have no recorded settlement (listed with --list-unrecorded)")));
    return;
  }
  heading(out, tr(lang, N_("Settled now but not recorded ({}):"), n));
  Table t({false, false, true, true});
  t.row({"stay_id", "person_id", "medfee_sumamt", "psn_part_amt"});
  for (const ReplayNotRecorded& s : rep.not_recorded) {
    t.row({s.stay_id, s.person_id, format(s.medfee_sumamt), format(s.psn_part_amt)});
  }
  t.render(out);
}

void render_malformed(std::string& out, const ReplayReport& rep, Language lang) {
  if (rep.malformed.empty()) return;
  heading(out, tr(lang, N_("Malformed recorded lines ({}):"), rep.malformed.size()));
  Table t({true, false, false});
  t.row({tr(lang, N_("line")), "stay_id", tr(lang, N_("problem"))});
  for (const ReplayMalformed& m : rep.malformed) {
    t.row({fmt::to_string(m.line), m.stay_id.value_or(""), m.problem.text(lang)});
  }
  t.render(out);
}

void total_row(Table& t, std::string item, const ReplayTotal& tot) {
  if (tot.stays) t.row({std::move(item), fmt::to_string(tot.stays), signed_fen(tot.difference), signed_yuan(tot.difference)});
}

void render_totals(std::string& out, const ReplayReport& rep, Language lang) {
  if (rep.differences.empty()) return;
  heading(out, tr(lang, N_("Totals of differences (recomputed - recorded):")));
  Table t({false, true, true, true});
  t.row({tr(lang, N_("item")), tr(lang, N_("stays")), tr(lang, N_("fen")), tr(lang, N_("yuan"))});
  for (std::size_t i = 0; i < replay_field_count; ++i) total_row(t, std::string(replay_fields[i]), rep.field_totals[i]);
  for (const ReplayChannelTotals& ct : rep.channel_totals) {
    const std::string& id = ct.channel;
    if (ct.listed_one_side) {
      t.row({tr(lang, N_("channel {} (listed on one side only)"), id), fmt::to_string(ct.listed_one_side), "", ""});
    }
    if (ct.eligible_differs) t.row({fmt::format("channel {}.eligible", id), fmt::to_string(ct.eligible_differs), "", ""});
    total_row(t, fmt::format("channel {}.base", id), ct.base);
    total_row(t, fmt::format("channel {}.deductible", id), ct.deductible);
    total_row(t, fmt::format("channel {}.paid", id), ct.paid);
  }
  for (const ReplayFundTotal& f : rep.fund_totals) total_row(t, fmt::format("fund_pay_type {}", f.fund_pay_type), f.total);
  if (rep.person_id_differs) t.row({"person_id", fmt::to_string(rep.person_id_differs), "", ""});
  t.render(out);
}

}  // namespace

std::string render_text(const ReplayReport& rep, Language lang, const ReplayTextOptions& options) {
  std::string out;
  render_header(out, rep, lang);
  render_differences(out, rep, lang);
  render_not_recomputable(out, rep, lang);
  render_not_compared(out, rep, lang);
  render_not_recorded(out, rep, lang, options.list_not_recorded);
  render_malformed(out, rep, lang);
  render_totals(out, rep, lang);
  const std::size_t d = rep.differences.size();
  out += '\n';
  out += tr_n(lang, d,
              N_("{1}: {2} recorded, {3} match, {4} differ ({0} difference), {5} not recomputable, {6} not recorded, "
                 "{7} malformed"),
              N_("{1}: {2} recorded, {3} match, {4} differ ({0} differences), {5} not recomputable, {6} not "
                 "recorded, {7} malformed"),
              rep.clean() ? "MATCH" : "DIFFER", rep.recorded, rep.matching_stays, rep.differing_stays,
              rep.not_recomputable.size(), rep.not_recorded.size(), rep.malformed.size());
  out += '\n';
  return out;
}

std::string summary_line(const ReplayReport& rep, Language lang) {
  return tr(lang,
            N_("replayed {} recorded, {} match, {} differ, {} not recomputable, {} not recorded, {} malformed"),
            rep.recorded, rep.matching_stays, rep.differing_stays, rep.not_recomputable.size(),
            rep.not_recorded.size(), rep.malformed.size());
}

}  // namespace medsettle
