// Step 1: the YAML tree -> the typed rule model (rules/rule_model.hpp). Reads
// every value into its type and keeps where it was written; resolves no name.
#include "rules/parse.hpp"

#include <algorithm>
#include <cctype>

#include "rules/limits.hpp"
#include "rules/parse_support.hpp"

namespace medsettle::detail::rule {

namespace {

std::string upper(std::string_view s) {
  std::string u(s);
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

bool letter(char c) { return c >= 'A' && c <= 'Z'; }
bool digit(char c) { return c >= '0' && c <= '9'; }

/// An ICD-10 category: a letter and two digits (C15, upper case here).
bool icd10_category(std::string_view s) { return s.size() == 3 && letter(s[0]) && digit(s[1]) && digit(s[2]); }

/// An ICD-10 code (a prefix of the codes it matches): a category, then
/// optionally a dot and letters or digits (N18.5, C16.9x), at most 10 characters.
bool icd10_code(std::string_view s) {
  if (s.size() > 10 || !icd10_category(s.substr(0, 3))) return false;
  if (s.size() == 3) return true;
  return s[3] == '.' && s.size() > 4 &&
         std::all_of(s.begin() + 4, s.end(), [](char c) { return letter(c) || digit(c); });
}

/// The list of a named set or group: the value itself (short form) or its
/// `key` beside a `source` (long form); nullptr when there is none.
const YNode* named_list(const YNode& v, std::string_view key, const std::string& what, Source& source,
                        Problems& out) {
  const YNode* list = with_source(v, key, what, source, out);
  return list && expect_list(*list, what, out) ? list : nullptr;
}

IdentitySetSpec parse_identity_set(const YNode& k, const YNode& v) {
  IdentitySetSpec s;
  s.name = {k.text, pos(k)};
  check_length(k, "identity set name", limits::id_bytes, s.problems);
  if (identity_from(k.text)) {
    add(s.problems, k, message(N_("identity set '{}' has the name of an identity"), k.text));
    return s;
  }
  const YNode* members = named_list(v, "members", "identity set '" + k.text + "'", s.source, s.problems);
  if (!members) return s;
  for (const YNode& m : members->items) {
    if (auto t = text(m, "identity", s.problems)) s.members.push_back({*t, pos(m)});
  }
  s.usable = true;
  return s;
}

/// One entry of a disease group: a code prefix or a range, maybe with an age bound.
void parse_disease_entry(const YNode& e, DiseaseGroupSpec& g) {
  const YNode* code = &e;
  DiseaseEntry entry;
  if (e.is_map()) {
    check_keys(e, {"code", "max_age"}, "a disease entry", g.problems);
    code = require(e, "code", "a disease entry", g.problems);
    if (!code) return;
    if (const YNode* age = e.find("max_age")) {
      auto a = age->is_scalar() ? small_integer(age->text) : std::nullopt;
      if (!a || *a > 150) add(g.problems, *age, message(N_("max_age: expected a whole number of years from 0 to 150")));
      else entry.max_age = static_cast<int>(*a);
    }
  }
  auto t = text(*code, "a disease entry", g.problems);
  if (!t) return;
  DiseaseEntrySpec spec{*t, pos(*code), false, false, std::move(entry)};
  const std::string u = upper(*t);
  if (auto dash = u.find('-'); dash != std::string::npos) {
    const std::string lo = u.substr(0, dash), hi = u.substr(dash + 1);
    spec.range = true;
    spec.valid = icd10_category(lo) && icd10_category(hi) && lo <= hi;
    spec.entry.low = lo;
    spec.entry.high = hi;
  } else {
    spec.valid = icd10_code(u);
    spec.entry.prefix = u;
  }
  g.entries.push_back(std::move(spec));
}

DiseaseGroupSpec parse_disease_group(const YNode& k, const YNode& v) {
  DiseaseGroupSpec g;
  g.name = {k.text, pos(k)};
  check_length(k, "disease group name", limits::id_bytes, g.problems);
  const YNode* entries = named_list(v, "entries", "disease group '" + k.text + "'", g.source, g.problems);
  if (!entries) return g;
  for (std::size_t i = 0; i < entries->items.size(); ++i) {
    if (i == limits::group_entries) {
      add(g.problems, entries->items[i],
          message(N_("disease group '{}': more than {} entries"), k.text, limits::group_entries));
      break;
    }
    parse_disease_entry(entries->items[i], g);
  }
  g.usable = true;
  return g;
}

void parse_changes(const YNode& changes, VersionSpec& v) {
  if (!expect_map(changes, "changes", v.changes_problems)) return;
  v.changes_usable = true;
  for (const YPair& change : changes.pairs) {
    ChannelChange c;
    c.channel = {change.first.text, pos(change.first)};
    if (change.second.is_map()) {
      c.spec = parse_channel(change.second);
    } else {
      c.spec.at = pos(change.second);
      expect_map(change.second, "changes." + change.first.text, c.spec.problems);
    }
    v.changes.push_back(std::move(c));
  }
}

VersionSpec parse_version(const YNode& vn, std::size_t index) {
  VersionSpec v;
  v.at = pos(vn);
  const std::string what = "versions[" + std::to_string(index) + "]";
  if (!expect_map(vn, what, v.head)) return v;
  v.usable = true;
  check_keys(vn, {"from", "source", "channels", "changes"}, what, v.head);
  v.source = source_of(vn, v.head);
  if (const YNode* f = require(vn, "from", what, v.head)) {
    v.from = date(*f, "from", v.head);
    v.from_at = pos(*f);
  }
  const YNode* channels = vn.find("channels");
  const YNode* changes = vn.find("changes");
  v.has_channels = channels != nullptr;
  v.has_changes = changes != nullptr;
  if (channels && changes) {
    add(v.body, *changes, message(N_("{}: give 'channels' or 'changes', not both"), what));
  } else if (channels) {
    v.channels_at = pos(*channels);
    if (expect_list(*channels, "channels", v.body)) {
      for (const YNode& c : channels->items) {
        if (v.channels.size() == limits::channels) {
          add(v.body, c, message(N_("channels: more than {} channels in one version"), limits::channels));
          break;
        }
        v.channels.push_back(parse_channel(c));
      }
      if (channels->items.empty()) add(v.body, *channels, message(N_("channels: at least one channel is required")));
    }
  } else if (changes) {
    v.changes_at = pos(*changes);
    parse_changes(*changes, v);
  } else {
    add(v.body, vn, message(N_("{}: give 'channels' (the full list) or 'changes' (to the previous version)"), what));
  }
  return v;
}

void parse_documents(const YNode& v, RuleFile& f) {
  if (!expect_map(v, "documents", f.head)) return;
  for (const auto& [k, d] : v.pairs) {
    if (f.documents.size() == limits::documents) {
      add(f.head, k, message(N_("documents: more than {} documents"), limits::documents));
      return;
    }
    check_length(k, "document name", limits::id_bytes, f.head);
    if (auto t = text(d, "documents", f.head)) {
      check_length(d, "document title", limits::source_bytes, f.head);
      f.documents.emplace_back(k.text, *t);
    }
  }
}

void parse_header(const YNode& root, RuleFile& f) {
  Problems& out = f.head;
  check_keys(root,
             {"medsettle", "id", "title", "documents", "rounding", "class_b_selfpay", "until", "identity_sets",
              "disease_groups", "versions"},
             "the rule file", out);
  if (const YNode* v = require(root, "medsettle", "the rule file", out)) {
    if (!v->is_scalar() || v->text != "1") add(out, *v, message(N_("medsettle: this program reads rule-file format 1")));
  }
  if (const YNode* v = require(root, "id", "the rule file", out)) {
    f.id = text(*v, "id", out).value_or("");
    check_length(*v, "id", limits::id_bytes, out);
  }
  if (const YNode* v = root.find("title")) {
    f.title = text(*v, "title", out).value_or("");
    check_length(*v, "title", limits::name_bytes, out);
  }
  if (const YNode* v = root.find("documents")) parse_documents(*v, f);
  if (const YNode* v = root.find("rounding")) {
    if (auto r = choice(*v, "rounding", rounding_names, out)) f.rounding = *r;
    f.rounding_at = pos(*v);
  }
  if (const YNode* v = require(root, "class_b_selfpay", "the rule file", out)) {
    if (auto r = rate_value(*v, "class_b_selfpay", out)) {
      if (r->per_level) add(out, *v, message(N_("class_b_selfpay: one value for every level")));
      f.class_b_selfpay = r;
    }
  }
  if (const YNode* v = root.find("until")) {
    f.until = date(*v, "until", out);
    f.until_at = pos(*v);
  }
}

}  // namespace

RuleFile parse_rule_file(const YNode& root) {
  RuleFile f;
  f.at = pos(root);
  if (!expect_map(root, "the rule file", f.head)) return f;
  f.usable = true;
  parse_header(root, f);
  if (const YNode* v = root.find("identity_sets")) {
    if (expect_map(*v, "identity_sets", f.identity_sets_problems)) {
      for (const auto& [k, s] : v->pairs) {
        if (f.identity_sets.size() == limits::identity_sets) {
          add(f.identity_sets_problems, k,
              message(N_("identity_sets: more than {} identity sets"), limits::identity_sets));
          break;
        }
        f.identity_sets.push_back(parse_identity_set(k, s));
      }
    }
  }
  if (const YNode* v = root.find("disease_groups")) {
    if (expect_map(*v, "disease_groups", f.groups_problems)) {
      for (const auto& [k, g] : v->pairs) f.groups.push_back(parse_disease_group(k, g));
    }
  }
  const YNode* versions = require(root, "versions", "the rule file", f.versions_problems);
  if (!versions || !expect_list(*versions, "versions", f.versions_problems)) return f;
  f.has_versions = true;
  if (versions->items.empty()) {
    add(f.versions_problems, *versions, message(N_("versions: at least one version is required")));
  }
  for (std::size_t i = 0; i < versions->items.size(); ++i) {
    if (i == limits::versions) {
      add(f.versions_problems, versions->items[i],
          message(N_("versions: more than {} versions in one rule file"), limits::versions));
      break;
    }
    f.versions.push_back(parse_version(versions->items[i], i));
  }
  return f;
}

}  // namespace medsettle::detail::rule
