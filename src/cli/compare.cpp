// medsettle compare: the same stays under two rule sets (policy what-if).
#include <thread>

#include <fmt/format.h>

#include "cli/common.hpp"
#include "medsettle/writer.hpp"
#include "report/compare.hpp"

namespace medsettle::cli {

namespace {

struct CompareArgs {
  std::string rules, against, in, in_format, html, diff, as_of_a, as_of_b;
  std::size_t top = 10;
  unsigned threads = 0;
};

std::optional<Date> as_of(const std::string& text, std::string_view option) {
  if (text.empty()) return std::nullopt;
  const DateParse d = parse_date(text);
  if (!d) throw UsageError(fmt::format("{} '{}' is not a date (YYYY-MM-DD)", option, text));
  return d.value;
}

int run_compare(const CompareArgs& a) {
  Plan plan_a = load_plan(a.rules);
  Plan plan_b = load_plan(a.against);
  report::CompareOptions options;
  options.as_of_a = as_of(a.as_of_a, "--as-of-a");
  options.as_of_b = as_of(a.as_of_b, "--as-of-b");
  options.top_n = a.top;

  Input in(a.in);
  std::vector<Record> records = read_records(in, input_format(a.in_format, a.in));
  // Open the outputs before the work, so a bad path fails fast.
  std::optional<Output> html, diff;
  if (!a.html.empty()) html.emplace(a.html);
  if (!a.diff.empty()) diff.emplace(a.diff);

  const std::vector<report::StayFacts> facts = report::facts_of(records);
  BatchOptions batch_a, batch_b;
  batch_a.threads = batch_b.threads = a.threads ? a.threads : std::max(1u, std::thread::hardware_concurrency());
  batch_a.settle.as_of = options.as_of_a;
  batch_b.settle.as_of = options.as_of_b;
  std::vector<Outcome> outcomes_a = settle_batch(plan_a, records, batch_a);
  std::vector<Outcome> outcomes_b = settle_batch(plan_b, std::move(records), batch_b);

  const report::Comparison c = report::compare(plan_a, plan_b, options, facts, outcomes_a, outcomes_b);
  const std::string text = report::render_text(c);
  std::cout << text;
  std::cout.flush();

  if (diff) {
    std::string buf;
    for (std::size_t i = 0; i < outcomes_a.size(); ++i) {
      const Outcome& oa = outcomes_a[i];
      const Outcome& ob = outcomes_b[i];
      if (!oa.settled() || !ob.settled()) continue;
      if (!report::settlement_changed(plan_a, oa.settlement(), plan_b, ob.settlement())) continue;
      buf += "{\"stay_id\":";
      write_json_string(buf, oa.settlement().stay_id);
      buf += ",\"a\":";
      write_json(buf, plan_a, oa.settlement());
      buf += ",\"b\":";
      write_json(buf, plan_b, ob.settlement());
      buf += "}\n";
      if (buf.size() > (1u << 20)) {
        diff->stream().write(buf.data(), static_cast<std::streamsize>(buf.size()));
        buf.clear();
      }
    }
    diff->stream().write(buf.data(), static_cast<std::streamsize>(buf.size()));
    diff->stream().flush();
    if (!diff->stream()) throw UsageError(fmt::format("writing {} failed", a.diff));
  }
  if (html) {
    const std::string page = report::render_html(c);
    html->stream().write(page.data(), static_cast<std::streamsize>(page.size()));
    html->stream().flush();
    if (!html->stream()) throw UsageError(fmt::format("writing {} failed", a.html));
  }
  std::cerr << fmt::format("read {}, paired {}, rejected A {}, B {}, changed {}\n", c.records, c.paired,
                           c.a.rejected, c.b.rejected, c.changed);
  return ok;
}

}  // namespace

Run add_compare(CLI::App& app) {
  auto a = std::make_shared<CompareArgs>();
  CLI::App* c = app.add_subcommand(
      "compare", "Policy what-if: settle the same stays under two rule sets and compare (text, --html, --diff)");
  c->add_option("--rules", a->rules, "Rule set A (default: the built-in hunan rule set)");
  c->add_option("--against", a->against, "Rule set B (may be the same file as A, with another --as-of-b)")
      ->required();
  c->add_option("--in", a->in, "Stays, JSON Lines or CSV (default: standard input)");
  c->add_option("--in-format", a->in_format, "Input format: jsonl or csv (default: from the file name)")
      ->check(CLI::IsMember({"jsonl", "csv"}));
  c->add_option("--as-of-a", a->as_of_a, "Settle A under the version in force on this date (default: each stay's "
                                         "discharge date)");
  c->add_option("--as-of-b", a->as_of_b, "Settle B under the version in force on this date");
  c->add_option("--html", a->html, "Write a self-contained HTML report with charts");
  c->add_option("--diff", a->diff, "Write {\"stay_id\", \"a\", \"b\"} JSON Lines for every stay whose settlement "
                                   "changed");
  c->add_option("--top", a->top, "How many persons whose yearly payment changes most to list (default 10)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1'000'000}));
  c->add_option("--threads", a->threads, "Threads (default: the number of cores)")->check(CLI::Range(1u, 1024u));
  c->footer(
      "Example (hunan 2017 against 2019, one rule file, two versions):\n"
      "  medsettle compare --rules rules/hunan.yaml --as-of-a 2018-06-30 \\\n"
      "      --against rules/hunan.yaml --as-of-b 2019-06-30 --in stays.jsonl --html report.html --diff diff.jsonl\n"
      "Stays rejected under either rule set are counted and left out of the comparison. Exit 0; 2 on usage or "
      "rule-file errors.");
  return [a] { return run_compare(*a); };
}

}  // namespace medsettle::cli
