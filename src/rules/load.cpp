// Loading rule files: the rules layer's part of Plan (its reading and
// compiling; the compiled plan itself is the core's).
#include <filesystem>
#include <fstream>
#include <system_error>

#include "medsettle/plan.hpp"
#include "rules/compile.hpp"
#include "rules/yaml_reader.hpp"

namespace medsettle {

namespace detail {
extern const std::string_view default_rules_text;
extern const std::string_view default_rules_name;
}  // namespace detail

Plan Plan::load_string(std::string_view text, const std::string& file) {
  std::vector<RuleDiagnostic> diags;
  auto data = detail::compile_rules(text, file, diags);
  if (!data) throw RuleFileError(std::move(diags));
  return Plan(std::move(data));
}

Plan Plan::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::system_error(errno, std::generic_category(), "cannot open rule file " + path);
  // Read at most one byte past the size limit: a huge (or endless) file is
  // refused without being held in memory.
  const std::size_t limit = detail::YamlLimits{}.max_bytes;
  std::string text(limit + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (in.bad()) throw std::system_error(errno, std::generic_category(), "cannot read rule file " + path);
  if (text.size() > limit) {
    std::error_code ec;
    std::uintmax_t size = std::filesystem::is_regular_file(path, ec) ? std::filesystem::file_size(path, ec) : 0;
    if (ec || size <= limit) size = text.size();  // not a regular file: at least this much
    throw RuleFileError({detail::oversize(path, size)});
  }
  return load_string(text, path);
}

const Plan& Plan::builtin() {
  static const Plan plan = load_string(detail::default_rules_text, std::string(detail::default_rules_name));
  return plan;
}

std::vector<RuleDiagnostic> Plan::check(std::string_view text, const std::string& file) {
  std::vector<RuleDiagnostic> diags;
  (void)detail::compile_rules(text, file, diags);
  return diags;
}
}  // namespace medsettle
