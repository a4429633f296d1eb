// Loading rule files: the rules layer's part of Plan (its reading and
// compiling; the compiled plan itself is the core's).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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

namespace {

/// The bytes of a rule file, read with read(2), every call checked; a file
/// larger than the limit is refused without being read (a regular file by
/// its size, anything else after one byte too many).
std::string read_rule_file(const std::string& path) {
  const std::size_t limit = Plan::max_rule_file_bytes;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "cannot open rule file " + path);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw std::system_error(errno, std::generic_category(), "cannot read rule file " + path);
  if (S_ISDIR(st.st_mode)) throw std::system_error(EISDIR, std::generic_category(), "cannot read rule file " + path);
  if (S_ISREG(st.st_mode) && static_cast<std::uintmax_t>(st.st_size) > limit) {
    throw RuleFileError({detail::oversize(path, static_cast<std::uintmax_t>(st.st_size))});
  }
  std::string text(limit + 1, '\0');
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n == 0) break;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      throw std::system_error(errno, std::generic_category(),
                              "cannot read rule file " + path + " at byte " + std::to_string(got));
    }
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  if (text.size() > limit) throw RuleFileError({detail::oversize(path, text.size())});
  return text;
}

}  // namespace

Plan Plan::load_file(const std::string& path) { return load_string(read_rule_file(path), path); }

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
