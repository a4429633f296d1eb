// Shared pieces of the medsettle subcommands. The command holds no rule of
// its own: it parses options, calls the library and prints.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/text.hpp"
#include "medsettle/files.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/reader.hpp"
#include "medsettle/stream.hpp"

namespace medsettle::cli {

/// Exit statuses (INTERCHANGE.md).
enum Exit : int { ok = 0, some_rejected = 1, usage = 2 };

/// A usage or input problem that ends the command with exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The rule set named by --rules, or the built-in default when empty.
/// Rule-file errors are printed as file:line:column: message and end with status 2.
Plan load_plan(const std::string& path);

/// The format given, or guessed from the file name (".csv"), else JSON Lines.
InputFormat input_format(const std::string& given, const std::string& path);

/// Reads every record of an input, in the given format.
std::vector<Record> read_records(InputFile& in, InputFormat format);

/// A date option (YYYY-MM-DD), or nullopt when empty.
std::optional<Date> date_option(const std::string& text, std::string_view option);

/// Whether standard error is a terminal (progress is shown only then).
bool stderr_is_terminal();

/// Writes `text` to standard output, control characters escaped
/// (medsettle/printable.hpp); a failed write is a usage error (exit 2).
void print(const std::string& text);

/// Writes one line to standard error, control characters escaped: every
/// message that can hold an id, a file name or a rule file's text.
void eprint(std::string_view line);

/// Prints one of the library's reports (found by its type's namespace) as
/// text, or as one line of JSON.
template <class Report>
void print_report(const Report& report, bool json) {
  std::string out;
  if (json) {
    write_json(out, report);
    out += '\n';
  } else {
    out = render_text(report, language());
  }
  print(out);
}

/// Ends a failed parse: CLI11's message in English, or ours in Chinese
/// (the error's kind and the option's name); the exit status (0 for --help).
int parse_failure(CLI::App& app, const CLI::ParseError& e);

/// Registers each subcommand on the app; each returns the code to exit with.
using Run = std::function<int()>;
Run add_settle(CLI::App& app);
Run add_explain(CLI::App& app);
Run add_validate(CLI::App& app);
Run add_replay(CLI::App& app);
Run add_generate(CLI::App& app);
Run add_compare(CLI::App& app);
Run add_show(CLI::App& app);
Run add_diff(CLI::App& app);
Run add_reverse(CLI::App& app);
Run add_ledger(CLI::App& app);
Run add_slip(CLI::App& app);

}  // namespace medsettle::cli
