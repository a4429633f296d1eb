// medsettle: the command line. One file per subcommand.
#include <iostream>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <fmt/format.h>

#include "cli/common.hpp"

int main(int argc, char** argv) {
  using namespace medsettle;
#if defined(__GLIBC__)
  // The command settles in waves: every wave allocates and frees buffers of
  // some megabytes on several threads. glibc would map and unmap each (and
  // trim each thread's heap), paying page faults anew every wave; keeping
  // them costs no more memory than the largest wave. A program decision:
  // the library leaves the allocator alone.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
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
