// medsettle compare: the same stays under two rule sets (policy what-if).
// The comparison and its reports are the library's (medsettle/compare.hpp).
#include <iostream>
#include <thread>

#include "cli/common.hpp"
#include "medsettle/printable.hpp"
#include "medsettle/compare.hpp"

namespace medsettle::cli {

namespace {

struct CompareArgs {
  std::string rules, against, in, in_format, html, diff, as_of_a, as_of_b;
  std::size_t top = 10;
  unsigned threads = 0;
};

void write_whole(const std::string& path, const std::string& text) {
  OutputFile out(path);
  out.stream().write(text.data(), static_cast<std::streamsize>(text.size()));
  out.commit();
}

int run_compare(const CompareArgs& a) {
  const Plan plan_a = load_plan(a.rules);
  const Plan plan_b = load_plan(a.against);
  check_distinct_files({{"--in", a.in}, {"--rules", a.rules}, {"--against", a.against}},
                       {{"--html", a.html}, {"--diff", a.diff}});
  report::CompareOptions options;
  options.as_of_a = date_option(a.as_of_a, "--as-of-a");
  options.as_of_b = date_option(a.as_of_b, "--as-of-b");
  options.top_n = a.top;
  InputFile in(a.in);
  const std::vector<Record> records = read_records(in, input_format(a.in_format, a.in));
  const unsigned threads = a.threads ? a.threads : std::max(1u, std::thread::hardware_concurrency());
  const report::WhatIf w = report::what_if(plan_a, plan_b, records, options, threads);
  const report::Comparison& c = w.comparison;
  std::cout << printable(report::render_text(c, language())) << std::flush;
  if (!std::cout) throw UsageError(tr(N_("writing to standard output failed")));
  if (!a.diff.empty()) {
    std::string lines;
    report::write_changed_jsonl(lines, w);
    write_whole(a.diff, lines);
  }
  if (!a.html.empty()) write_whole(a.html, report::render_html(c, language()));
  std::cerr << tr(N_("read {}, paired {}, rejected A {}, B {}, changed {}"), c.records, c.paired, c.a.rejected,
                  c.b.rejected, c.changed)
            << '\n';
  return ok;
}

}  // namespace

Run add_compare(CLI::App& app) {
  auto a = std::make_shared<CompareArgs>();
  CLI::App* c = app.add_subcommand(
      "compare", tr(N_("Policy what-if: settle the same stays under two rule sets and compare (text, --html, --diff)")));
  c->add_option("--rules", a->rules, tr(N_("Rule set A (default: the built-in hunan rule set)")));
  c->add_option("--against", a->against, tr(N_("Rule set B (may be the same file as A, with another --as-of-b)")))
      ->required();
  c->add_option("--in", a->in, tr(N_("Stays, JSON Lines or CSV (default: standard input)")));
  c->add_option("--in-format", a->in_format, tr(N_("Input format: jsonl or csv (default: from the file name)")))
      ->check(CLI::IsMember({"jsonl", "csv"}));
  c->add_option("--as-of-a", a->as_of_a,
                tr(N_("Settle A under the version in force on this date (default: each stay's discharge date)")));
  c->add_option("--as-of-b", a->as_of_b, tr(N_("Settle B under the version in force on this date")));
  c->add_option("--html", a->html, tr(N_("Write a self-contained HTML report with charts")));
  c->add_option("--diff", a->diff,
                tr(N_("Write {{\"stay_id\", \"a\", \"b\"}} JSON Lines for every stay whose settlement changed")));
  c->add_option("--top", a->top, tr(N_("How many persons whose yearly payment changes most to list (default 10)")))
      ->check(CLI::Range(std::size_t{0}, std::size_t{1'000'000}));
  c->add_option("--threads", a->threads, tr(N_("Threads (default: the number of cores)")))
      ->check(CLI::Range(1u, 1024u));
  c->footer(tr(N_("Example (hunan 2017 against 2019, one rule file, two versions):\n"
                  "  medsettle compare --rules rules/hunan.yaml --as-of-a 2018-06-30 \\\n"
                  "      --against rules/hunan.yaml --as-of-b 2019-06-30 --in stays.jsonl --html report.html "
                  "--diff diff.jsonl\nStays rejected under either rule set are counted and left out of the "
                  "comparison. Exit 0; 2 on usage or rule-file errors.")));
  return [a] { return run_compare(*a); };
}

}  // namespace medsettle::cli
