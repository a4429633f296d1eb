// medsettle validate: check rule files, every error at its line.
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "cli/common.hpp"

namespace medsettle::cli {

Run add_validate(CLI::App& app) {
  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* c = app.add_subcommand("validate", "Check rule files; every error as file:line:column: message");
  c->add_option("files", *files, "Rule files")->required();
  c->footer("Example:\n  medsettle validate rules/*.yaml\nExit 2 if any file has an error.");
  return [files] {
    int status = ok;
    for (const std::string& f : *files) {
      std::ifstream in(f, std::ios::binary);
      if (!in) {
        std::cerr << fmt::format("{}: cannot open: {}\n", f, std::strerror(errno));
        status = usage;
        continue;
      }
      std::ostringstream buf;
      buf << in.rdbuf();
      try {
        Plan p = Plan::load_string(buf.str(), f);
        std::size_t channels = p.ledger_slots().size();
        std::string dates;
        for (Date d : p.versions()) dates += (dates.empty() ? "" : ", ") + format(d);
        std::cout << fmt::format("{}: ok: rule set {}, {} version{} ({}), {} channel{}, {}\n", f, p.id(),
                                 p.versions().size(), p.versions().size() == 1 ? "" : "s", dates, channels,
                                 channels == 1 ? "" : "s", p.digest());
      } catch (const RuleFileError& e) {
        for (const auto& d : e.diagnostics()) std::cerr << d.to_string() << '\n';
        std::cerr << fmt::format("{}: {} error{}\n", f, e.diagnostics().size(), e.diagnostics().size() == 1 ? "" : "s");
        status = usage;
      }
    }
    return status;
  };
}

}  // namespace medsettle::cli
