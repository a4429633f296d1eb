// The three steps of loading a rule file (rules/rule_model.hpp):
//   1. parse:   the YAML tree -> the typed rule model (parse*.cpp)
//   2. merge:   each version's `changes:` -> its full channel list (merge.cpp)
//   3. compile: the merged model -> the core's PlanData (compile*.cpp)
// Internal to the rules layer.
#pragma once

#include <string>
#include <vector>

#include "core/model.hpp"
#include "medsettle/errors.hpp"
#include "rules/rule_model.hpp"
#include "rules/yaml_reader.hpp"

namespace medsettle::detail::rule {

/// Step 1. Problems stay with the parts they were found in.
RuleFile parse_rule_file(const YNode& root);

/// Step 2: gives each version its full channel list, from the previous
/// version's and its `changes:`, key by key. Problems go to the version's.
void merge_changes(RuleFile& file);

/// Step 3: compiles the merged model into `plan`, reporting every problem
/// (the parts' and its own) to `diags`.
void compile_plan(const RuleFile& file, const std::string& name, std::vector<RuleDiagnostic>& diags, PlanData& plan);

}  // namespace medsettle::detail::rule
