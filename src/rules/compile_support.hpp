// Step 3's state: the plan being built, the names resolved so far, the
// sources interned, and the diagnostics. Internal to the rules layer.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "core/text.hpp"
#include "medsettle/errors.hpp"
#include "rules/rule_model.hpp"

namespace medsettle::detail::rule {

class Compiler {
 public:
  Compiler(const std::string& file, std::vector<RuleDiagnostic>& diags, PlanData& plan)
      : file_(file), diags_(diags), p_(plan) {}

  void file(const RuleFile& f);

 private:
  const std::string& file_;
  std::vector<RuleDiagnostic>& diags_;
  PlanData& p_;
  std::map<std::string, std::uint32_t, std::less<>> source_index_;
  std::map<std::string, std::size_t, std::less<>> group_index_;
  std::map<std::string, IdentitySet, std::less<>> sets_;

  // ---- diagnostics and citations (compile.cpp) -----------------------------
  void error(Pos at, Message what);
  void report(const Problems& problems) {
    for (const Problem& p : problems) error(p.at, p.what);
  }
  std::uint32_t intern(const Source& s);
  static Cited cite(Pos at, std::uint32_t source = no_source) { return {at.line, at.column, source}; }
  template <class T>
  Leveled<T> leveled(const LeveledSpec<T>& x) {
    Leveled<T> out;
    out.by_level = x.by_level;
    out.per_level = x.per_level;
    out.cite = cite(x.at, intern(x.source));
    for (std::size_t l = 0; l < hospital_level_count; ++l) out.level_cite[l] = cite(x.level_at[l], out.cite.source);
    return out;
  }
  Limit limit(const LimitSpec& l);

  // ---- the file (compile.cpp) -----------------------------------------------
  void identity_sets(const RuleFile& f);
  void disease_groups(const RuleFile& f);
  void versions(const RuleFile& f);
  void version_channels(const VersionSpec& v, Version& ver);

  // ---- channels (compile_channel.cpp) -----------------------------------------
  std::optional<Channel> channel(const ChannelSpec& s);
  void check_channel_keys(const ChannelSpec& s, Kind kind, const std::string& what);
  void channel_common(const ChannelSpec& s, Channel& ch, const std::string& what);
  void coinsurance(const ChannelSpec& s, Channel& ch, const std::string& what);
  void cap(const ChannelSpec& s, Channel& ch, const std::string& what);
  void grant(const ChannelSpec& s, Channel& ch, const std::string& what);
  void adjustments(const ChannelSpec& s, Channel& ch);
  std::vector<Band> bands(const BandsSpec& b, Cited& bands_cite);
  std::optional<Adjustment> adjustment(const AdjustmentSpec& a, Kind kind, const std::string& what);
  std::uint16_t slot(const std::string& id, Pos at);

  // ---- conditions (compile_condition.cpp) -------------------------------------
  std::int32_t condition(const ConditionSpec& c);
  std::uint64_t names_mask(const TestSpec& t);
  Message unknown_identity(const std::string& word) const;
  std::uint32_t add_node(CondNode node, const std::vector<std::int32_t>& kids);
};

}  // namespace medsettle::detail::rule
