// medsettle settle: a batch of stays in, settlements and rejections out.
// The pipeline is the library's (medsettle/pipeline.hpp); this file parses
// the options, shows progress on a terminal and puts the outputs in place.
#include <chrono>
#include <iostream>

#include "cli/common.hpp"
#include "medsettle/pipeline.hpp"
#include "medsettle/store.hpp"

namespace medsettle::cli {

namespace {

struct SettleArgs {
  std::string rules, in, out, errors, format, in_format, mode = "auto", ledger, headers;
  bool itemize = false, dry_run = false, bom = false;
  unsigned threads = 0;
};

/// "12,345 stays, 81,000 stays/s, 40% done, ETA 3 s" on standard error,
/// rewritten in place; only on a terminal and only after the first second.
class Progress {
 public:
  Progress() : on_(stderr_is_terminal()) {}
  void operator()(const PipelineProgress& p) {
    if (!on_) return;
    const auto ms = elapsed_ms();
    if (ms < 1000) return;
    const auto done = static_cast<std::int64_t>(p.records);
    std::string line = "\r" + tr(N_("{} stays, {} stays/s"), done, done * 1000 / ms);
    if (p.input_size > 0 && p.bytes_read > 0) {
      const auto read = static_cast<std::int64_t>(p.bytes_read), total = static_cast<std::int64_t>(p.input_size);
      line += tr(N_(", {}% done, ETA {} s"), read * 100 / total, ms * (total - read) / read / 1000);
    }
    std::cerr << line << "   " << std::flush;
    shown_ = true;
  }
  /// A run against a kept ledger: loading, settling, saving.
  void operator()(const StoreProgress& p) {
    if (!on_ || p.total == 0 || elapsed_ms() < 1000) return;
    const char* what = p.phase == StoreProgress::Phase::loading  ? N_("loading ledgers: {} of {} persons")
                       : p.phase == StoreProgress::Phase::saving ? N_("saving ledgers: {} of {} persons")
                                                                 : N_("settling: {} of {} stays");
    std::cerr << "\r" << tr(what, p.done, p.total) << "   " << std::flush;
    shown_ = true;
  }
  void finish() {
    if (shown_) std::cerr << "\r\033[K" << std::flush;
  }

 private:
  std::int64_t elapsed_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_).count();
  }
  bool on_, shown_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

PipelineOptions pipeline_options(const SettleArgs& a, Progress& progress) {
  PipelineOptions o;
  o.threads = a.threads;
  o.input = input_format(a.in_format, a.in);
  o.output = input_format(a.format, a.out) == InputFormat::csv ? OutputFormat::csv : OutputFormat::jsonl;
  o.itemize = a.itemize;
  o.csv_bom = a.bom;
  o.csv_headers = a.headers == "zh" ? CsvHeaders::chinese : CsvHeaders::english;
  o.mode = a.mode == "stream" ? PipelineMode::stream : a.mode == "whole" ? PipelineMode::whole : PipelineMode::automatic;
  o.messages = json_language();
  o.progress = [&progress](const PipelineProgress& p) { progress(p); };
  if ((a.bom || !a.headers.empty()) && o.output != OutputFormat::csv) {
    throw UsageError(tr(N_("--bom and --headers need CSV output (--format csv or an --out file ending in .csv)")));
  }
  return o;
}

/// Against a kept ledger: the run is committed first (or, dry, not at all),
/// then the output files are put in place.
int run_kept(const SettleArgs& a, const Plan& plan, const PipelineOptions& options, Progress& progress) {
  LedgerStore store = LedgerStore::open(a.ledger);
  InputFile in(a.in);
  OutputFile out(a.out);
  OutputFile errors(a.errors, OutputFile::Fallback::standard_error);
  StoreSettleOptions o;
  o.settle = options.settle;
  o.threads = options.threads;
  o.dry_run = a.dry_run;
  o.progress = [&progress](const StoreProgress& p) { progress(p); };
  const StoreRun run = store.settle(plan, read_input(in, options), o);
  PipelineCounts c;
  try {
    c = write_outcomes(plan, run.outcomes, out.stream(), errors.stream(), options);
    out.commit();
    errors.commit();
  } catch (const std::exception& e) {
    progress.finish();
    if (!run.committed) throw;
    throw UsageError(tr(N_("the run was committed to the kept ledger {} (run {}), but its output could not be put in "
                           "place: {}\nits settlement records: medsettle ledger --ledger {} --person ID"),
                        store.location(), run.run, e.what(), store.location()));
  }
  progress.finish();
  std::cerr << tr(N_("read {}, settled {}, rejected {}"), c.read, c.settled, c.rejected) << '\n';
  std::cerr << (run.committed ? tr(N_("kept ledger {}: run {} committed (commit {})"), store.location(), run.run,
                                   run.commit_order)
                              : tr(N_("kept ledger {}: dry run (pre-settlement), nothing committed"), store.location()))
            << '\n';
  return c.rejected ? some_rejected : ok;
}

int run_settle(const SettleArgs& a) {
  const Plan plan = load_plan(a.rules);
  check_distinct_files({{"--in", a.in}, {"--rules", a.rules}, {"--ledger", a.ledger}},
                       {{"--out", a.out}, {"--errors", a.errors}});
  Progress progress;
  const PipelineOptions options = pipeline_options(a, progress);
  if (a.dry_run && a.ledger.empty()) throw UsageError(tr(N_("--dry-run settles against a kept ledger: give --ledger")));
  if (!a.ledger.empty()) return run_kept(a, plan, options, progress);
  InputFile in(a.in);
  OutputFile out(a.out);
  OutputFile errors(a.errors, OutputFile::Fallback::standard_error);
  PipelineCounts c;
  try {
    c = settle_file(plan, in, out, errors, options);
  } catch (const NotGroupedError& e) {
    progress.finish();
    throw UsageError(e.message_in(language()) + tr(N_("; without --mode stream an input not grouped is settled all "
                                                      "the same (JSON Lines in waves of persons)")));
  }
  progress.finish();
  // Only a complete run puts its files in place.
  out.commit();
  errors.commit();
  std::cerr << tr(N_("read {}, settled {}, rejected {}"), c.read, c.settled, c.rejected) << '\n';
  return c.rejected ? some_rejected : ok;
}

}  // namespace

Run add_settle(CLI::App& app) {
  auto a = std::make_shared<SettleArgs>();
  CLI::App* c =
      app.add_subcommand("settle", tr(N_("Settle a batch of stays: settlements to --out, rejections to --errors")));
  c->add_option("--rules", a->rules, tr(N_("Rule file (default: the built-in hunan rule set)")));
  c->add_option("--in", a->in, tr(N_("Stays, JSON Lines or CSV (default: standard input)")));
  c->add_option("--out", a->out, tr(N_("Settlements (default: standard output)")));
  c->add_option("--format", a->format, tr(N_("Output format: jsonl (default) or csv")))
      ->check(CLI::IsMember({"jsonl", "csv"}));
  c->add_option("--in-format", a->in_format, tr(N_("Input format: jsonl or csv (default: from the file name)")))
      ->check(CLI::IsMember({"jsonl", "csv"}));
  c->add_option("--errors", a->errors, tr(N_("Rejections, JSON Lines (default: standard error)")));
  c->add_flag("--itemize", a->itemize,
              tr(N_("Add each channel's itemization: payment before caps, what limited it, band amounts, and what "
                    "it took from each bucket (CSV: the columns <id>_base, <id>_deductible and <id>_paid per "
                    "channel)")));
  c->add_flag("--bom", a->bom, tr(N_("CSV: start with the UTF-8 byte-order mark, for Excel on Windows")));
  c->add_option("--headers", a->headers,
                tr(N_("CSV: the names of the fixed columns, en (stay_id, medfee_sumamt, ...; default) or zh (结算ID, "
                      "医疗费总额, ...); the per-channel columns keep the channel id")))
      ->check(CLI::IsMember({"en", "zh"}));
  c->add_option("--threads", a->threads, tr(N_("Threads (default: the number of cores)")))
      ->check(CLI::Range(1u, 1024u));
  c->add_option("--mode", a->mode,
                tr(N_("auto (default): stream a file whose stays are grouped by person, else settle it in waves of "
                      "persons read back from the file, standard input copied to a "
                      "temporary file first; stream: stream, the input must be grouped by person; whole: read the "
                      "whole input first")))
      ->check(CLI::IsMember({"auto", "stream", "whole"}));
  c->add_option("--ledger", a->ledger,
                tr(N_("Kept ledger to settle against and commit to: an SQLite file (created on first use) or a "
                      "postgresql:// URI")));
  c->add_flag("--dry-run", a->dry_run,
              tr(N_("With --ledger: settle against the kept ledger without committing anything (pre-settlement)")));
  c->footer(tr(N_("Example:\n  medsettle settle --rules rules/zhenba.yaml --in stays.jsonl --out settled.jsonl "
                  "--errors rejected.jsonl\nA summary line 'read N, settled S, rejected R' goes to standard error; "
                  "exit 1 if any stay was rejected.\nOutput files are written whole or not at all (a temporary file "
                  "renamed into place).\nMemory: streaming holds one wave of stays and the current person's; "
                  "JSON Lines or CSV not grouped\nby person is settled in waves of persons (peak memory within twice the "
                  "input); standard input\nis copied to a temporary file first unless --mode stream.\nWith --ledger the run is one transaction, "
                  "committed before the output files are put in place.")));
  return [a] { return run_settle(*a); };
}

}  // namespace medsettle::cli
