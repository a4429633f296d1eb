// medsettle: the command line. One file per subcommand.
#include <iostream>

#include <fmt/format.h>

#include "cli/common.hpp"

int main(int argc, char** argv) {
  using namespace medsettle;
  CLI::App app{"medsettle: one-stop settlement of inpatient stays across a chain of payers, exact to the fen.\n"
               "Without --rules, the built-in rule set (hunan) is used.",
               "medsettle"};
  app.require_subcommand(1);
  app.set_version_flag("--version",
                       [] {
                         const Plan& p = Plan::builtin();
                         return fmt::format("medsettle {}\ndefault rule set {} ({}) {}", MEDSETTLE_VERSION, p.id(),
                                            p.file(), p.digest());
                       },
                       "Print the version and the default rule set's digest");
  app.footer("Exit status: 0 all settled; 1 some stays rejected (replay: some differ); 2 usage or rule-file errors.\n"
             "Run 'medsettle <command> --help' for a command's options and an example.");
  std::vector<std::pair<std::string, cli::Run>> commands{
      {"settle", cli::add_settle(app)},   {"explain", cli::add_explain(app)},
      {"validate", cli::add_validate(app)}, {"replay", cli::add_replay(app)},
      {"generate", cli::add_generate(app)},
      {"compare", cli::add_compare(app)}};
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : cli::usage;
  }
  try {
    for (auto& [name, run] : commands) {
      if (app.got_subcommand(name)) return run();
    }
  } catch (const cli::UsageError& e) {
    std::cerr << "medsettle: " << e.what() << '\n';
    return cli::usage;
  } catch (const std::exception& e) {
    std::cerr << "medsettle: " << e.what() << '\n';
    return cli::usage;
  }
  return cli::usage;
}
