// Shared pieces of the medsettle subcommands. The CLI holds no policy logic:
// it reads, calls the library, and writes.
#pragma once

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "medsettle/engine.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/reader.hpp"

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

enum class Format { jsonl, csv };
/// The format given, or guessed from the file name (".csv"), else JSON Lines.
Format input_format(const std::string& given, const std::string& path);

/// An input stream: a file, or standard input for "" and "-".
class Input {
 public:
  explicit Input(const std::string& path);
  std::istream& stream() { return file_ ? *file_ : std::cin; }
  const std::string& name() const { return name_; }

 private:
  std::unique_ptr<std::ifstream> file_;
  std::string name_;
};

/// An output stream: a file, or standard output for "" and "-".
class Output {
 public:
  explicit Output(const std::string& path, bool to_stderr = false);
  std::ostream& stream() { return file_ ? *file_ : (stderr_ ? std::cerr : std::cout); }
  bool is_terminal() const;

 private:
  std::unique_ptr<std::ofstream> file_;
  bool stderr_ = false;
};

/// Reads every record of an input, in the given format.
std::vector<Record> read_records(Input& in, Format format);

/// Whether standard error is a terminal (progress is shown only then).
bool stderr_is_terminal();

/// Registers each subcommand on the app; each returns the code to exit with.
using Run = std::function<int()>;
Run add_settle(CLI::App& app);
Run add_explain(CLI::App& app);
Run add_validate(CLI::App& app);
Run add_replay(CLI::App& app);
Run add_generate(CLI::App& app);
Run add_compare(CLI::App& app);

}  // namespace medsettle::cli
