#include "cli/common.hpp"

#include <unistd.h>

#include <fmt/format.h>

namespace medsettle::cli {

Plan load_plan(const std::string& path) {
  if (path.empty()) return Plan::builtin();
  try {
    return Plan::load_file(path);
  } catch (const RuleFileError& e) {
    for (const auto& d : e.diagnostics()) std::cerr << d.to_string() << '\n';
    throw UsageError(fmt::format("{}: {} error{} in the rule file", path, e.diagnostics().size(),
                                 e.diagnostics().size() == 1 ? "" : "s"));
  } catch (const std::system_error& e) {
    throw UsageError(e.what());
  }
}

Format input_format(const std::string& given, const std::string& path) {
  if (given == "csv") return Format::csv;
  if (given == "jsonl" || given == "json") return Format::jsonl;
  if (!given.empty()) throw UsageError(fmt::format("unknown format '{}' (jsonl or csv)", given));
  if (path.size() >= 4 && path.compare(path.size() - 4, 4, ".csv") == 0) return Format::csv;
  return Format::jsonl;
}

Input::Input(const std::string& path) : name_(path.empty() || path == "-" ? "<stdin>" : path) {
  if (path.empty() || path == "-") return;
  file_ = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*file_) throw UsageError(fmt::format("cannot open {}: {}", path, std::strerror(errno)));
}

Output::Output(const std::string& path, bool to_stderr) : stderr_(to_stderr) {
  if (path.empty() || path == "-") return;
  file_ = std::make_unique<std::ofstream>(path, std::ios::binary | std::ios::trunc);
  if (!*file_) throw UsageError(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
}

bool Output::is_terminal() const { return !file_ && ::isatty(stderr_ ? 2 : 1); }

bool stderr_is_terminal() { return ::isatty(2) != 0; }

std::vector<Record> read_records(Input& in, Format format) {
  if (format == Format::jsonl) return read_jsonl(in.stream());
  std::vector<Record> out;
  std::string error;
  if (!read_csv(in.stream(), [&](Record&& r) { out.push_back(std::move(r)); }, &error)) {
    throw UsageError(fmt::format("{}: {}", in.name(), error));
  }
  return out;
}

}  // namespace medsettle::cli
