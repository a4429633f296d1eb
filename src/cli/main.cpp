// medsettle: the command line. One file per subcommand.
#include <cstring>
#include <iostream>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "cli/common.hpp"

namespace {

using namespace medsettle;

/// --lang zh|en, before or after the subcommand (taken out of the arguments
/// before CLI11 sees them, so that the help texts are in that language too).
std::optional<Language> take_language(std::vector<std::string>& args) {
  std::optional<Language> out;
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string value;
    if (args[i] == "--lang" && i + 1 < args.size()) {
      value = args[i + 1];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i), args.begin() + static_cast<std::ptrdiff_t>(i) + 2);
    } else if (args[i].rfind("--lang=", 0) == 0) {
      value = args[i].substr(7);
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      continue;
    }
    out = language_from(value);
    if (!out || (value != "zh" && value != "en")) {
      cli::eprint("medsettle: --lang: '" + value + "' (zh or en)");
      std::exit(cli::usage);
    }
    --i;
  }
  return out;
}

/// CLI11's own words in the help (its labels, the -h flag, the group names) in the command's language.
void localize_help(CLI::App& app) {
  auto f = app.get_formatter();
  for (const char* label : {N_("Usage"), N_("OPTIONS"), N_("SUBCOMMAND"), N_("SUBCOMMANDS"), N_("REQUIRED"),
                            N_("Positionals"), N_("Excludes"), N_("Needs"), N_("Env")}) {
    f->label(label, cli::tr(label));
  }
  std::vector<CLI::App*> apps{&app};
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) apps.push_back(sub);
  for (CLI::App* a : apps) {
    if (CLI::Option* help = a->get_help_ptr()) help->description(cli::tr(N_("Print this help message and exit")));
    for (CLI::Option* o : a->get_options()) {
      if (o->get_group() == "Options") o->group(cli::tr(N_("Options")));
    }
    if (a != &app) a->group(cli::tr(N_("Subcommands")));
  }
}

int run(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  const std::optional<Language> lang = take_language(args);
  const Language l = lang.value_or(language_from_environment());
  cli::set_language(use_language(l) ? l : Language::en, lang.has_value());
  remove_temporary_files_on_signals();

  CLI::App app{cli::tr(N_("medsettle: one-stop settlement of inpatient stays across a chain of payers, exact to the "
                          "fen.\nWithout --rules, the built-in rule set (hunan) is used.")),
               "medsettle"};
  app.require_subcommand(1);
  app.set_version_flag("--version",
                       [] {
                         const Plan& p = Plan::builtin();
                         return fmt::format("medsettle {}\n{}", MEDSETTLE_VERSION,
                                            cli::tr(N_("default rule set {} ({}) {}"), p.id(), p.file(), p.digest()));
                       },
                       cli::tr(N_("Print the version and the default rule set's digest")));
  app.footer(cli::tr(N_("Exit status: 0 all settled; 1 some stays rejected (replay: some differ); 2 usage or "
                        "rule-file errors.\nRun 'medsettle <command> --help' for a command's options and an "
                        "example. --lang zh|en chooses the language (default: the locale).")));
  std::vector<std::pair<std::string, cli::Run>> commands{
      {"settle", cli::add_settle(app)},     {"explain", cli::add_explain(app)},
      {"validate", cli::add_validate(app)}, {"replay", cli::add_replay(app)},
      {"generate", cli::add_generate(app)}, {"compare", cli::add_compare(app)},
      {"show", cli::add_show(app)},         {"diff", cli::add_diff(app)},
      {"reverse", cli::add_reverse(app)},   {"ledger", cli::add_ledger(app)},
      {"slip", cli::add_slip(app)}};
  localize_help(app);
  std::vector<const char*> argp;
  for (const std::string& a : args) argp.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argp.size()), const_cast<char**>(argp.data()));
  } catch (const CLI::ParseError& e) {
    return cli::parse_failure(app, e);
  }
  for (auto& [name, command] : commands) {
    if (app.got_subcommand(name)) return command();
  }
  return cli::usage;
}

}  // namespace

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // The command settles in waves: every wave allocates and frees buffers of
  // some megabytes on several threads. glibc would map and unmap each (and
  // trim each thread's heap), paying page faults anew every wave; keeping
  // them costs no more memory than the largest wave. A program decision:
  // the library leaves the allocator alone.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
  try {
    return run(argc, argv);
  } catch (const medsettle::Error& e) {
    medsettle::cli::eprint("medsettle: " + e.message_in(medsettle::cli::language()));
  } catch (const std::bad_alloc&) {
    std::cerr << "medsettle: " << medsettle::cli::tr(N_("out of memory")) << '\n';
  } catch (const std::exception& e) {
    medsettle::cli::eprint(std::string("medsettle: ") + e.what());
  }
  return medsettle::cli::usage;
}
