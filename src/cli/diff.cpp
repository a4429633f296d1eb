// medsettle diff: every parameter that differs between two rule sets, or two
// versions of one (FILE@DATE), old and new, each with its line and source.
#include <iostream>

#include "cli/common.hpp"
#include "medsettle/show.hpp"

namespace medsettle::cli {

namespace {

struct DiffArgs {
  std::string a, b, as_of;
  bool json = false;
};

/// A side: "rules/hunan.yaml@2018-06-30" is the file and the date; without a
/// date after its last '@', the whole argument is the file, taken on --as-of.
report::ParametersInForce side(const std::string& arg, const std::string& as_of) {
  std::string file = arg, date = as_of;
  if (const auto at = arg.rfind('@'); at != std::string::npos && parse_date(arg.substr(at + 1))) {
    file = arg.substr(0, at);
    date = arg.substr(at + 1);
  }
  return report::parameters_in_force(load_plan(file), date_option(date, arg));
}

int run_diff(const DiffArgs& a) {
  print_report(report::diff_parameters(side(a.a, a.as_of), side(a.b, a.as_of)), a.json);
  return ok;
}

}  // namespace

Run add_diff(CLI::App& app) {
  auto a = std::make_shared<DiffArgs>();
  CLI::App* c = app.add_subcommand(
      "diff", tr(N_("Every parameter that differs between two rule sets, or two versions of one (FILE@DATE)")));
  c->add_option("a", a->a, tr(N_("Rule set A: FILE, or FILE@DATE for the version in force on that date")))->required();
  c->add_option("b", a->b, tr(N_("Rule set B: FILE or FILE@DATE")))->required();
  c->add_option("--as-of", a->as_of,
                tr(N_("The date for a side given without @DATE (default: each file's last version)")));
  c->add_flag("--json", a->json, tr(N_("One JSON object instead of text")));
  c->footer(tr(N_("Examples:\n  medsettle diff rules/hunan.yaml@2018-06-30 rules/hunan.yaml@2019-06-30\n"
                  "  medsettle diff rules/hunan.yaml rules/zhuzhou.yaml --as-of 2019-06-30 --json\n"
                  "Exit 0 whether or not parameters differ; 2 on a rule-file error or a date with no version.")));
  return [a] { return run_diff(*a); };
}

}  // namespace medsettle::cli
