// CLI11's parse errors (an unknown option, a missing required option, a bad
// value, extra arguments) in the command's language: English as CLI11 words
// them; Chinese rendered here from the error's kind and the option's name.
#include <iostream>
#include <regex>

#include "cli/common.hpp"

namespace medsettle::cli {

namespace {

std::string extras_text(const std::string& what) {
  const auto colon = what.find(": ");
  const std::string args = colon == std::string::npos ? what : what.substr(colon + 2);
  return args.rfind('-', 0) == 0 ? tr(N_("unknown option: {}"), args) : tr(N_("unexpected argument: {}"), args);
}

/// "NAME: Value X not in range A to B", "NAME: X not in {a,b}", other validators.
std::string validation_text(const std::string& what) {
  std::smatch m;
  if (std::regex_match(what, m, std::regex("(.*): Value (.*) not in range (.*) to (.*)"))) {
    return tr(N_("{}: {} is not in the range {} to {}"), m[1].str(), m[2].str(), m[3].str(), m[4].str());
  }
  if (std::regex_match(what, m, std::regex("(.*): (.*) not in \\{(.*)\\}"))) {
    return tr(N_("{}: '{}' is not one of {}"), m[1].str(), m[2].str(), m[3].str());
  }
  if (std::regex_match(what, m, std::regex("([^:]*): (.*)"))) return tr(N_("{}: invalid value ({})"), m[1].str(), m[2].str());
  return tr(N_("invalid value: {}"), what);
}

std::string conversion_text(const std::string& what) {
  std::smatch m;
  if (std::regex_match(what, m, std::regex("Could not convert: (.*) = (.*)")) ||
      std::regex_match(what, m, std::regex("(.*): Value (.*) could not be converted.*"))) {
    return tr(N_("{}: '{}' is not a valid value"), m[1].str(), m[2].str());
  }
  if (std::regex_match(what, m, std::regex("The value (.*) is not an allowed value for (.*)"))) {
    return tr(N_("{}: '{}' is not a valid value"), m[2].str(), m[1].str());
  }
  if (std::regex_match(what, m, std::regex("(.*): too many inputs for a flag"))) {
    return tr(N_("{} is a flag and takes no value"), m[1].str());
  }
  return tr(N_("invalid value: {}"), what);
}

/// The error in the command's language, from its kind and the option's name.
std::string parse_error_text(const CLI::ParseError& e) {
  // The kind by type: get_name() is the subcommand's name for some of them.
  const std::string what = e.what();
  if (dynamic_cast<const CLI::RequiredError*>(&e)) {
    if (what == "A subcommand is required") return tr(N_("a command is required (settle, explain, validate, ...)"));
    constexpr std::string_view required = " is required";
    if (what.size() > required.size() && what.ends_with(required)) {
      return tr(N_("{} is required"), what.substr(0, what.size() - required.size()));
    }
  } else if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
    return extras_text(what);
  } else if (dynamic_cast<const CLI::ValidationError*>(&e)) {
    return validation_text(what);
  } else if (dynamic_cast<const CLI::ConversionError*>(&e)) {
    return conversion_text(what);
  } else if (dynamic_cast<const CLI::ArgumentMismatch*>(&e)) {
    std::smatch m;
    if (std::regex_match(what, m, std::regex("(.*): [0-9]+ required .* missing"))) {
      return tr(N_("{} needs a value"), m[1].str());
    }
  } else if (dynamic_cast<const CLI::ExcludesError*>(&e) || dynamic_cast<const CLI::RequiresError*>(&e)) {
    return tr(N_("these options do not go together: {}"), what);
  }
  return tr(N_("invalid command line: {}"), what);
}

}  // namespace

int parse_failure(CLI::App& app, const CLI::ParseError& e) {
  if (e.get_exit_code() == 0 || language() == Language::en) {  // --help, --version; English as CLI11 words it
    const int code = app.exit(e);
    return code == 0 ? ok : usage;
  }
  eprint(fmt::format("medsettle: {}", parse_error_text(e)));
  eprint(tr(N_("Run with --help for more information.")));
  return usage;
}

}  // namespace medsettle::cli
