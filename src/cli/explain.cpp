// medsettle explain: one stay, step by step.
#include <iostream>

#include "cli/common.hpp"
#include "medsettle/printable.hpp"
#include "medsettle/settle.hpp"
#include "medsettle/writer.hpp"

namespace medsettle::cli {

namespace {

struct ExplainArgs {
  std::string rules, in, stay_id, in_format;
  bool json = false;
};

int run_explain(const ExplainArgs& a) {
  const Plan plan = load_plan(a.rules);
  InputFile in(a.in);
  const std::vector<Record> records = read_records(in, input_format(a.in_format, a.in));
  SettleOptions options;
  options.trace = true;
  options.trace_text = false;  // the rendering makes the texts from the typed steps
  const std::optional<Outcome> o = settle_one_of(plan, records, a.stay_id, options);
  if (!o) throw UsageError(tr(N_("no stay '{}' in {}"), a.stay_id, in.name()));
  std::string out;
  if (!o->settled()) {
    write_json(out, o->rejection(), json_language());
    eprint(tr(N_("stay {} is rejected: {}"), a.stay_id, o->rejection().message_in(language())));
    eprint(out);
    return some_rejected;
  }
  if (a.json) {
    write_trace_json(out, o->settlement(), json_language());
    out += '\n';
  } else {
    out = render_trace_text(o->settlement(), language());
  }
  std::cout << printable(out) << std::flush;
  if (!std::cout) throw UsageError(tr(N_("writing the explanation failed")));
  return ok;
}

}  // namespace

Run add_explain(CLI::App& app) {
  auto a = std::make_shared<ExplainArgs>();
  CLI::App* c =
      app.add_subcommand("explain", tr(N_("Settle one stay step by step, citing the rule file for each step")));
  c->add_option("--rules", a->rules, tr(N_("Rule file (default: the built-in hunan rule set)")));
  c->add_option("--stay-id", a->stay_id, tr(N_("The stay to explain")))->required();
  c->add_option("--in", a->in,
                tr(N_("Stays, JSON Lines or CSV (default: standard input); the person's other stays are settled "
                      "too, so the year's ledger is right")));
  c->add_option("--in-format", a->in_format, tr(N_("Input format: jsonl or csv (default: from the file name)")));
  c->add_flag("--json", a->json, tr(N_("Print the explanation as JSON")));
  c->footer(tr(N_("Example:\n  medsettle explain --rules rules/hunan.yaml --in tests/golden/hunan.stays.jsonl "
                  "--stay-id S7294443")));
  return [a] { return run_explain(*a); };
}

}  // namespace medsettle::cli
