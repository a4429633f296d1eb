// medsettle replay: recompute recorded settlements and report where they
// differ. The reading, comparing and reporting are the library's
// (medsettle/replay.hpp); the command opens the inputs and writes.
#include <algorithm>
#include <iostream>
#include <thread>

#include "cli/common.hpp"
#include "medsettle/printable.hpp"
#include "medsettle/replay.hpp"

namespace medsettle::cli {

namespace {

struct ReplayArgs {
  std::string rules, recorded, in, in_format, as_of, out;
  bool json = false, recorded_only = false, list_unrecorded = false;
};

std::optional<Date> as_of_date(const Plan& plan, const std::string& text) {
  if (text.empty()) return std::nullopt;
  DateParse d = parse_date(text);
  if (!d) throw UsageError(tr(N_("--as-of: '{}' is not a date (YYYY-MM-DD)"), text));
  if (!plan.version_on(d.value)) {
    throw UsageError(tr(N_("--as-of {}: no version of rule set {} is in force on that date"), text, plan.id()));
  }
  return d.value;
}

int run_replay(const ReplayArgs& a) {
  Plan plan = load_plan(a.rules);
  ReplayOptions options;
  options.as_of = as_of_date(plan, a.as_of);
  options.threads = std::max(1u, std::thread::hardware_concurrency());
  options.recorded_only = a.recorded_only;
  options.recorded_file = a.recorded;
  options.stays_file = a.in;
  const InputFormat in_fmt = input_format(a.in_format, a.in);
  if ((a.recorded == "-") && (a.in.empty() || a.in == "-")) {
    throw UsageError(tr(N_("--recorded and --in cannot both be standard input")));
  }
  check_distinct_files({{"--rules", a.rules}, {"--recorded", a.recorded}, {"--in", a.in}}, {{"--out", a.out}});
  InputFile rec_in(a.recorded);  // opened first: a missing file is a usage error before any work
  InputFile in(a.in);
  OutputFile out(a.out);

  const std::vector<Record> stays = read_records(in, in_fmt);
  const ReplayReport rep = replay(plan, rec_in.stream(), stays, options);
  const std::string report =
      a.json ? render_json(rep) : printable(render_text(rep, language(), {a.list_unrecorded}));
  out.stream().write(report.data(), static_cast<std::streamsize>(report.size()));
  out.commit();
  eprint(summary_line(rep, language()));
  return rep.clean() ? ok : some_rejected;
}

}  // namespace

Run add_replay(CLI::App& app) {
  auto a = std::make_shared<ReplayArgs>();
  CLI::App* c = app.add_subcommand(
      "replay", tr(N_("Recompute recorded settlements and report, per field and per channel, where they differ")));
  c->add_option("--rules", a->rules, tr(N_("Rule file to recompute with")))->required();
  c->add_option("--recorded", a->recorded,
                tr(N_("Recorded settlements, JSON Lines: medsettle settle output, or national-platform fields "
                "(setl_id, psn_no, hifp_pay, ..., setldetail; see README.md)")))
      ->required();
  c->add_option("--in", a->in, tr(N_("The stays, JSON Lines or CSV ('-': standard input)")))->required();
  c->add_option("--in-format", a->in_format, tr(N_("Input format: jsonl or csv (default: from the file name)")))
      ->check(CLI::IsMember({"jsonl", "csv"}));
  c->add_option("--as-of", a->as_of,
                tr(N_("Settle under the version in force on this date (YYYY-MM-DD) instead of each discharge date")));
  c->add_flag("--recorded-only", a->recorded_only,
              tr(N_("Settle only the persons with a recorded stay (all their stays, for the yearly ledger); the other "
              "stays are counted, not settled, and stays without a recorded settlement are not differences")));
  c->add_flag("--list-unrecorded", a->list_unrecorded,
              tr(N_("List the stays settled now that have no recorded settlement (by default one line counts them)")));
  c->add_flag("--json", a->json, tr(N_("Write the report as one JSON object (every stay listed)")));
  c->add_option("--out", a->out, tr(N_("Report (default: standard output)")));
  c->footer(tr(N_(
      "Example:\n"
      "  medsettle settle --rules rules/hunan.yaml --in stays.jsonl --out settled.jsonl\n"
      "  medsettle replay --rules rules/hunan.yaml --recorded settled.jsonl --in stays.jsonl\n"
      "  medsettle replay --rules rules/hunan.yaml --recorded examples/replay/platform.recorded.jsonl \\\n"
      "      --in examples/replay/platform.stays.jsonl --recorded-only\n"
      "The report starts with the differences: each with the recorded and the recomputed value and the\n"
      "difference in fen (recomputed - recorded). Then the recorded settlements that cannot be recomputed,\n"
      "the items some recorded lines do not give (not compared), one line counting the stays settled now\n"
      "but not recorded (--list-unrecorded lists them), malformed lines, and totals per field, channel and\n"
      "fund_pay_type. Notes name any other rule set and digest the recorded settlements carry.\n"
      "Exit status: 0 all match; 1 something differs, a recorded stay cannot be recomputed, a stay settled\n"
      "now is not recorded (not with --recorded-only), or a recorded line is malformed; 2 usage or rule-file\n"
      "errors.")));
  return [a] { return run_replay(*a); };
}

}  // namespace medsettle::cli
