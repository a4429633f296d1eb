// medsettle validate: check rule files, every error at its line.
#include <iostream>

#include "cli/common.hpp"

namespace medsettle::cli {

namespace {

/// "rules/hunan.yaml: ok: rule set hunan, 2 versions (2017-07-01, 2019-01-01), 6 channels, sha256:…"
std::string summary(const std::string& file, const Plan& p) {
  const std::size_t channels = p.ledger_slots().size(), versions = p.versions().size();
  std::string dates;
  for (Date d : p.versions()) dates += (dates.empty() ? "" : ", ") + format(d);
  return tr(N_("{}: ok: rule set {}, {} ({}), {}, {}"), file, p.id(),
            tr(versions == 1 ? N_("{} version") : N_("{} versions"), versions), dates,
            tr(channels == 1 ? N_("{} channel") : N_("{} channels"), channels), p.digest());
}

/// Checks one file; true if it is valid.
bool check(const std::string& f) {
  try {
    print(summary(f, Plan::load_file(f)) + '\n');
    return true;
  } catch (const RuleFileError& e) {
    for (const auto& d : e.diagnostics()) eprint(d.to_string(language()));
    const std::size_t n = e.diagnostics().size();
    eprint(n == 1 ? tr(N_("{}: 1 error"), f) : tr(N_("{}: {} errors"), f, n));
  } catch (const std::system_error& e) {
    eprint(e.what());
  }
  return false;
}

}  // namespace

Run add_validate(CLI::App& app) {
  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* c = app.add_subcommand("validate", tr(N_("Check rule files; every error as file:line:column: message")));
  c->add_option("files", *files, tr(N_("Rule files")))->required();
  c->footer(tr(N_("Example:\n  medsettle validate rules/*.yaml\nExit 2 if any file has an error.")));
  return [files] {
    int status = ok;
    for (const std::string& f : *files) {
      if (!check(f)) status = usage;
    }
    std::cout.flush();
    if (!std::cout) throw UsageError(tr(N_("writing to standard output failed")));
    return status;
  };
}

}  // namespace medsettle::cli
