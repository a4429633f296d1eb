// medsettle settle: a batch of stays in, settlements and rejections out.
// The pipeline is the library's (medsettle/pipeline.hpp); this file parses
// the options, shows progress on a terminal and puts the outputs in place.
#include <chrono>
#include <iostream>

#include "cli/common.hpp"
#include "medsettle/pipeline.hpp"

namespace medsettle::cli {

namespace {

struct SettleArgs {
  std::string rules, in, out, errors, format, in_format, mode = "auto";
  bool itemize = false;
  unsigned threads = 0;
};

/// "12,345 stays, 81,000 stays/s, 40% done, ETA 3 s" on standard error,
/// rewritten in place; only on a terminal and only after the first second.
class Progress {
 public:
  Progress() : on_(stderr_is_terminal()) {}
  void operator()(const PipelineProgress& p) {
    if (!on_) return;
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_).count();
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
  void finish() {
    if (shown_) std::cerr << "\r\033[K" << std::flush;
  }

 private:
  bool on_, shown_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

PipelineOptions pipeline_options(const SettleArgs& a, Progress& progress) {
  PipelineOptions o;
  o.threads = a.threads;
  o.input = input_format(a.in_format, a.in);
  o.output = input_format(a.format, a.out) == InputFormat::csv ? OutputFormat::csv : OutputFormat::jsonl;
  o.itemize = a.itemize;
  o.mode = a.mode == "stream" ? PipelineMode::stream : a.mode == "whole" ? PipelineMode::whole : PipelineMode::automatic;
  o.messages = json_language();
  o.progress = [&progress](const PipelineProgress& p) { progress(p); };
  if (o.itemize && o.output == OutputFormat::csv) throw UsageError(tr(N_("--itemize needs JSON Lines output")));
  return o;
}

int run_settle(const SettleArgs& a) {
  const Plan plan = load_plan(a.rules);
  check_distinct_files({{"--in", a.in}, {"--rules", a.rules}}, {{"--out", a.out}, {"--errors", a.errors}});
  Progress progress;
  const PipelineOptions options = pipeline_options(a, progress);
  InputFile in(a.in);
  OutputFile out(a.out);
  OutputFile errors(a.errors, OutputFile::Fallback::standard_error);
  PipelineCounts c;
  try {
    c = settle_file(plan, in, out.stream(), errors.stream(), options);
  } catch (const NotGroupedError& e) {
    progress.finish();
    throw UsageError(e.message_in(language()) + tr(N_("; without --mode stream the whole input is read first")));
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
                    "it took from each bucket")));
  c->add_option("--threads", a->threads, tr(N_("Threads (default: the number of cores)")))
      ->check(CLI::Range(1u, 1024u));
  c->add_option("--mode", a->mode,
                tr(N_("auto (default): stream a file whose stays are grouped by person, else read it whole; stream: "
                      "stream, the input must be grouped by person; whole: read the whole input first")))
      ->check(CLI::IsMember({"auto", "stream", "whole"}));
  c->footer(tr(N_("Example:\n  medsettle settle --rules rules/zhenba.yaml --in stays.jsonl --out settled.jsonl "
                  "--errors rejected.jsonl\nA summary line 'read N, settled S, rejected R' goes to standard error; "
                  "exit 1 if any stay was rejected.\nOutput files are written whole or not at all (a temporary file "
                  "renamed into place).\nMemory: streaming holds one wave of stays and the current person's; "
                  "standard input is read whole\nunless --mode stream.")));
  return [a] { return run_settle(*a); };
}

}  // namespace medsettle::cli
