// medsettle show: a rule set's parameters in force on a date, each citing the
// line of the rule file it was written on and its source. The library reads
// them (medsettle/show.hpp); this prints them.
#include <iostream>

#include "cli/common.hpp"
#include "medsettle/show.hpp"

namespace medsettle::cli {

namespace {

struct ShowArgs {
  std::string file, as_of;
  bool json = false;
};

int run_show(const ShowArgs& a) {
  const Plan plan = load_plan(a.file);
  print_report(report::parameters_in_force(plan, date_option(a.as_of, "--as-of")), a.json);
  return ok;
}

}  // namespace

Run add_show(CLI::App& app) {
  auto a = std::make_shared<ShowArgs>();
  CLI::App* c = app.add_subcommand(
      "show", tr(N_("Show the parameters in force on a date, per channel and level, each with its line and source")));
  c->add_option("file", a->file, tr(N_("Rule file (default: the built-in hunan rule set)")));
  c->add_option("--as-of", a->as_of, tr(N_("The date (YYYY-MM-DD) whose version to show (default: the last version)")));
  c->add_flag("--json", a->json, tr(N_("One JSON object instead of text")));
  c->footer(tr(N_("Example:\n  medsettle show rules/hunan.yaml --as-of 2019-06-30\nExit 2 if the rule file has an "
                  "error or no version is in force on the date.")));
  return [a] { return run_show(*a); };
}

}  // namespace medsettle::cli
