// medsettle explain: one stay, step by step.
#include <fmt/format.h>

#include "cli/common.hpp"
#include "medsettle/writer.hpp"

namespace medsettle::cli {

namespace {

struct ExplainArgs {
  std::string rules, in, stay_id, in_format;
  bool json = false;
};

int run_explain(const ExplainArgs& a) {
  Plan plan = load_plan(a.rules);
  Input in(a.in);
  std::vector<Record> records = read_records(in, input_format(a.in_format, a.in));
  // The stay is settled as in a batch, so its ledger holds the person's
  // earlier stays of the year; only the asked-for stay carries a trace.
  bool found = false;
  for (const Record& r : records) {
    if (r.has_stay_id && r.stay.stay_id == a.stay_id) found = true;
  }
  if (!found) throw UsageError(fmt::format("no stay '{}' in {}", a.stay_id, in.name()));
  std::string person;
  for (const Record& r : records) {
    if (r.has_stay_id && r.stay.stay_id == a.stay_id) { person = r.stay.person_id; break; }
  }
  BatchOptions options;
  options.settle.trace = true;
  auto outcomes = settle_batch(plan, std::move(records), options);
  for (const Outcome& o : outcomes) {
    if (o.settled() && o.settlement().stay_id == a.stay_id) {
      std::string out;
      if (a.json) {
        write_trace_json(out, plan, o.settlement());
        out += '\n';
      } else {
        out = render_trace_text(plan, o.settlement());
      }
      std::cout << out;
      return ok;
    }
    if (!o.settled() && o.rejection().stay_id == a.stay_id) {
      std::string out;
      write_json(out, o.rejection());
      std::cerr << "stay " << a.stay_id << " is rejected: " << o.rejection().message << '\n' << out << '\n';
      return some_rejected;
    }
  }
  return some_rejected;
}

}  // namespace

Run add_explain(CLI::App& app) {
  auto a = std::make_shared<ExplainArgs>();
  CLI::App* c = app.add_subcommand("explain", "Settle one stay step by step, citing the rule file for each step");
  c->add_option("--rules", a->rules, "Rule file (default: the built-in hunan rule set)");
  c->add_option("--stay-id", a->stay_id, "The stay to explain")->required();
  c->add_option("--in", a->in, "Stays, JSON Lines or CSV (default: standard input); the person's other stays "
                               "are settled too, so the year's ledger is right");
  c->add_option("--in-format", a->in_format, "Input format: jsonl or csv (default: from the file name)");
  c->add_flag("--json", a->json, "Print the explanation as JSON");
  c->footer("Example:\n  medsettle explain --rules rules/hunan.yaml --in tests/golden/hunan.stays.jsonl --stay-id S7294443");
  return [a] { return run_explain(*a); };
}

}  // namespace medsettle::cli
