// Rule-file text -> the core's compiled model. Internal to the rules layer.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "medsettle/errors.hpp"

namespace medsettle::detail {

/// Compiles rule-file text; problems are appended to `diags` (nullptr result then).
std::shared_ptr<const PlanData> compile_rules(std::string_view text, const std::string& file,
                                              std::vector<RuleDiagnostic>& diags);

/// "sha256:<hex>" of the bytes.
std::string sha256_digest(std::string_view bytes);

}  // namespace medsettle::detail
