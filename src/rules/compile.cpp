// Step 3: the merged rule model -> PlanData. Resolves names (identity sets,
// disease groups, channel ids) and checks what depends on more than one
// value. Strict: every problem is reported at its line and column, all at
// once, and nothing is silently ignored. The format is documented in
// rules/README.md.
#include <algorithm>
#include <set>

#include "rules/compile.hpp"
#include "rules/compile_support.hpp"
#include "rules/limits.hpp"
#include "rules/parse.hpp"
#include "rules/parse_support.hpp"
#include "rules/yaml_reader.hpp"

namespace medsettle::detail {

namespace rule {

void Compiler::error(Pos at, Message what) {
  std::string english = what.text(Language::en);
  diags_.push_back({file_, at.line ? at.line : 1, at.column ? at.column : 1, std::move(english), std::move(what)});
}

std::uint32_t Compiler::intern(const Source& s) {
  if (!s) return no_source;
  auto it = source_index_.find(*s);
  if (it != source_index_.end()) return it->second;
  auto idx = static_cast<std::uint32_t>(p_.sources.size());
  p_.sources.push_back(*s);
  source_index_.emplace(*s, idx);
  return idx;
}

Limit Compiler::limit(const LimitSpec& l) {
  Limit out;
  out.kind = l.kind;
  if (l.kind == LimitKind::amount) {
    out.amount = leveled(l.amount);
    out.cite = out.amount.cite;
  } else {
    out.cite = cite(l.at, intern(l.source));
    out.fraction = l.fraction;
  }
  return out;
}

namespace {

const IdentitySetSpec* set_named(const RuleFile& f, std::string_view name) {
  for (const IdentitySetSpec& s : f.identity_sets) {
    if (s.name.text == name) return &s;
  }
  return nullptr;
}

const DiseaseGroupSpec* group_named(const RuleFile& f, std::string_view name) {
  for (const DiseaseGroupSpec& g : f.groups) {
    if (g.name.text == name) return &g;
  }
  return nullptr;
}

/// A set's or group's items as written, for messages: "dibao, tekun".
template <class Items, class Text>
std::string listed(const Items& items, Text text) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + text(i);
  return out;
}

/// An identity set's member that is not an identity: the name of another
/// set (sets do not nest: the members are listed), or an unknown word.
Message not_an_identity(const std::string& word, const RuleFile& f) {
  if (const IdentitySetSpec* other = set_named(f, word)) {
    return message(N_("'{}' is an identity set, not an identity: a set cannot contain a set; list its members here "
                      "({})"),
                   word, listed(other->members, [](const Name& n) { return n.text; }));
  }
  const std::vector<std::string_view> identities = split(identity_names());
  if (auto near = nearest(word, identities)) {
    return message(N_("unknown identity '{}' (expected one of: {}); did you mean '{}'?"), word, identity_names(), *near);
  }
  return message(N_("unknown identity '{}' (expected one of: {})"), word, identity_names());
}

/// A disease entry that is not an ICD-10 code or range: the name of a group
/// (groups do not nest), or a malformed code.
Message not_a_code(const DiseaseEntrySpec& e, const DiseaseGroupSpec& in, const RuleFile& f) {
  if (!e.range && group_named(f, e.text)) {
    return message(N_("'{}' is a disease group, not an ICD-10 code: a group cannot contain a group; list its codes "
                      "here, or name both groups in the condition (any_diagnosis: [{}, {}])"),
                   e.text, in.name.text, e.text);
  }
  if (e.range) return message(N_("'{}' is not a range of three-character categories like C00-C97"), e.text);
  return message(N_("'{}' is not an ICD-10 code prefix like C15 or N18.5 (a letter and two digits, then optionally a "
                    "dot and letters or digits)"),
                 e.text);
}

}  // namespace

void Compiler::identity_sets(const RuleFile& f) {
  report(f.identity_sets_problems);
  for (const IdentitySetSpec& s : f.identity_sets) {
    report(s.problems);
    if (!s.usable) continue;
    (void)intern(s.source);
    IdentitySet set{};
    for (const Name& m : s.members) {
      if (auto id = identity_from(m.text)) {
        set |= bit(*id);
      } else {
        error(m.at, not_an_identity(m.text, f));
      }
    }
    sets_[s.name.text] = set;
    p_.identity_sets.emplace_back(s.name.text, set);
  }
}

void Compiler::disease_groups(const RuleFile& f) {
  report(f.groups_problems);
  std::size_t entries = 0;
  for (const DiseaseGroupSpec& g : f.groups) {
    if (p_.groups.size() >= limits::disease_groups) {
      error(g.name.at, message(N_("more than {} disease groups"), limits::disease_groups));
      break;
    }
    report(g.problems);
    if (!g.usable) continue;
    DiseaseGroup group;
    group.name = g.name.text;
    group.cite = cite(g.name.at, intern(g.source));
    for (const DiseaseEntrySpec& e : g.entries) {
      if (++entries == limits::all_group_entries + 1) {
        error(e.at, message(N_("disease_groups: more than {} entries in all groups together"),
                            limits::all_group_entries));
      }
      if (e.valid) {
        group.entries.push_back(e.entry);
      } else {
        error(e.at, not_a_code(e, g, f));
      }
    }
    group_index_[group.name] = p_.groups.size();
    p_.groups.push_back(std::move(group));
  }
}

std::uint16_t Compiler::slot(const std::string& id, Pos at) {
  auto it = std::find(p_.slots.begin(), p_.slots.end(), id);
  if (it != p_.slots.end()) return static_cast<std::uint16_t>(it - p_.slots.begin());
  if (p_.slots.size() == limits::channel_ids) {
    error(at, message(N_("channel id '{}': more than {} different channel ids in one rule file (a person's ledger "
                         "keeps one slot per id)"),
                      id, limits::channel_ids));
    return 0;
  }
  p_.slots.push_back(id);
  return static_cast<std::uint16_t>(p_.slots.size() - 1);
}

void Compiler::version_channels(const VersionSpec& v, Version& ver) {
  std::set<std::string, std::less<>> ids;
  for (const ChannelSpec& c : v.channels) {
    auto ch = channel(c);
    if (!ch) continue;
    if (!ch->id.empty() && !ids.insert(ch->id).second) {
      error(c.at, message(N_("channel id '{}' is used twice in this version"), ch->id));
      continue;
    }
    if (!ch->id.empty()) ch->slot = slot(ch->id, c.at);
    ver.band_count += ch->bands.size();
    p_.has_referral = p_.has_referral || ch->referral_continuous;
    ver.channels.push_back(std::move(*ch));
  }
}

void Compiler::versions(const RuleFile& f) {
  for (const VersionSpec& v : f.versions) {
    report(v.head);
    if (!v.usable) continue;
    Version ver;
    ver.cite = cite(v.at, intern(v.source));
    if (v.from) {
      ver.from = *v.from;
      if (!p_.versions.empty() && ver.from <= p_.versions.back().from) {
        error(v.from_at, message(N_("from: versions must be in date order; {} is not after {}"), ver.from,
                                 p_.versions.back().from));
      }
    }
    report(v.body);
    if (v.over_limit) break;
    version_channels(v, ver);
    p_.versions.push_back(std::move(ver));
  }
}

void Compiler::file(const RuleFile& f) {
  report(f.head);
  if (!f.usable) return;
  p_.id = f.id;
  p_.title = f.title;
  p_.documents = f.documents;
  p_.rounding = f.rounding;
  p_.rounding_cite = cite(f.rounding_at);
  if (f.class_b_selfpay) {
    const Leveled<Rate> r = leveled(*f.class_b_selfpay);
    p_.class_b_selfpay = r.by_level[0];
    p_.class_b_cite = r.cite;
  }
  p_.until = f.until;
  identity_sets(f);
  disease_groups(f);
  report(f.versions_problems);
  if (!f.has_versions) return;
  versions(f);
  if (p_.until && !p_.versions.empty() && *p_.until < p_.versions.back().from) {
    error(f.until_at, message(N_("until: {} is before the last version's from date {}"), *p_.until,
                              p_.versions.back().from));
  }
}

void compile_plan(const RuleFile& file, const std::string& name, std::vector<RuleDiagnostic>& diags, PlanData& plan) {
  Compiler(name, diags, plan).file(file);
}

}  // namespace rule

std::shared_ptr<const PlanData> compile_rules(std::string_view text, const std::string& file,
                                              std::vector<RuleDiagnostic>& diags) {
  std::size_t before = diags.size();
  YNode root = parse_yaml(text, file, diags);
  if (diags.size() > before && root.kind == YNode::Kind::null) return nullptr;
  auto plan = std::make_shared<PlanData>();
  plan->file = file;
  plan->digest = sha256_digest(text);
  rule::RuleFile model = rule::parse_rule_file(root);
  rule::merge_changes(model);
  rule::compile_plan(model, file, diags, *plan);
  if (diags.size() > before) {
    std::stable_sort(diags.begin() + static_cast<std::ptrdiff_t>(before), diags.end(),
                     [](const RuleDiagnostic& a, const RuleDiagnostic& b) {
                       return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                     });
    // A channel carried into a later version by 'changes' is compiled again:
    // report each problem once.
    auto last = std::unique(diags.begin() + static_cast<std::ptrdiff_t>(before), diags.end(),
                            [](const RuleDiagnostic& a, const RuleDiagnostic& b) {
                              return a.line == b.line && a.column == b.column && a.message == b.message;
                            });
    diags.erase(last, diags.end());
    return nullptr;
  }
  return plan;
}

}  // namespace medsettle::detail
