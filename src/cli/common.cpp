#include "cli/common.hpp"

#include <unistd.h>

#include <iostream>

#include "medsettle/printable.hpp"

namespace medsettle::cli {

namespace {
Language chosen = Language::en;
bool chosen_explicitly = false;
}  // namespace

Language language() noexcept { return chosen; }
bool language_explicit() noexcept { return chosen_explicitly; }
void set_language(Language l, bool explicit_choice) {
  chosen = l;
  chosen_explicitly = explicit_choice;
}

Plan load_plan(const std::string& path) {
  if (path.empty()) return Plan::builtin();
  try {
    return Plan::load_file(path);
  } catch (const RuleFileError& e) {
    for (const auto& d : e.diagnostics()) eprint(d.to_string(language()));
    const std::size_t n = e.diagnostics().size();
    throw UsageError(n == 1 ? tr(N_("{}: 1 error in the rule file"), path)
                            : tr(N_("{}: {} errors in the rule file"), path, n));
  } catch (const std::system_error& e) {
    throw UsageError(e.what());
  }
}

InputFormat input_format(const std::string& given, const std::string& path) {
  if (given == "csv") return InputFormat::csv;
  if (given == "jsonl" || given == "json") return InputFormat::jsonl;
  if (!given.empty()) throw UsageError(tr(N_("unknown format '{}' (jsonl or csv)"), given));
  if (path.size() >= 4 && path.compare(path.size() - 4, 4, ".csv") == 0) return InputFormat::csv;
  return InputFormat::jsonl;
}

std::vector<Record> read_records(InputFile& in, InputFormat format) {
  if (format == InputFormat::jsonl) return read_jsonl(in.stream());
  std::vector<Record> out;
  std::string error;
  if (!read_csv(in.stream(), [&](Record&& r) { out.push_back(std::move(r)); }, &error)) {
    throw UsageError(in.name() + ": " + error);
  }
  return out;
}

std::optional<Date> date_option(const std::string& text, std::string_view option) {
  if (text.empty()) return std::nullopt;
  const DateParse d = parse_date(text);
  if (!d) throw UsageError(tr(N_("{} '{}' is not a date (YYYY-MM-DD)"), option, text));
  return d.value;
}

bool stderr_is_terminal() { return ::isatty(2) != 0; }

void print(const std::string& text) {
  std::cout << printable(text) << std::flush;
  if (!std::cout) throw UsageError(tr(N_("writing to standard output failed")));
}

void eprint(std::string_view line) { std::cerr << printable(line) << '\n'; }

}  // namespace medsettle::cli
