// Step 2: each version's full channel list. A version with `changes:` starts
// from the previous version's channels (its own changes included) and, in
// each channel named, replaces the keys given, key by key.
#include <algorithm>

#include "core/text.hpp"
#include "rules/parse.hpp"
#include "rules/yaml_reader.hpp"

namespace medsettle::detail::rule {

namespace {

/// Calls `f(a.<key>, b.<key>)` on the fields of two channels for one key.
template <class F>
void with_fields(ChannelSpec& a, ChannelSpec& b, ChannelKey key, F f) {
  switch (key) {
    case ChannelKey::id: f(a.id, b.id); break;
    case ChannelKey::name: f(a.name, b.name); break;
    case ChannelKey::kind: f(a.kind, b.kind); break;
    case ChannelKey::fund_pay_type: f(a.fund_pay_type, b.fund_pay_type); break;
    case ChannelKey::reports_as: f(a.reports_as, b.reports_as); break;
    case ChannelKey::base: f(a.base, b.base); break;
    case ChannelKey::period: f(a.period, b.period); break;
    case ChannelKey::when: f(a.when, b.when); break;
    case ChannelKey::source: f(a.source, b.source); break;
    case ChannelKey::deductible: f(a.deductible, b.deductible); break;
    case ChannelKey::rate: f(a.rate, b.rate); break;
    case ChannelKey::bands: f(a.bands, b.bands); break;
    case ChannelKey::cap_stay: f(a.cap_stay, b.cap_stay); break;
    case ChannelKey::cap_year: f(a.cap_year, b.cap_year); break;
    case ChannelKey::referral: f(a.referral, b.referral); break;
    case ChannelKey::limit: f(a.limit, b.limit); break;
    case ChannelKey::amount: f(a.amount, b.amount); break;
    case ChannelKey::once_per: f(a.once_per, b.once_per); break;
    case ChannelKey::adjustments: f(a.adjustments, b.adjustments); break;
  }
}

/// The value given replaces the channel's; a key it did not have is added.
/// A replaced key is still reported where the channel first wrote it.
template <class T>
void replace(std::optional<Field<T>>& into, const std::optional<Field<T>>& given) {
  if (!given) return;
  const std::optional<Pos> key = into ? std::optional<Pos>(into->key) : std::nullopt;
  into = given;
  if (key) into->key = *key;
}

void apply_change(ChannelSpec& channel, ChannelChange& change, Problems& problems) {
  ChannelSpec& given = change.spec;
  if (!given.usable) {
    problems.insert(problems.end(), given.problems.begin(), given.problems.end());
    return;
  }
  for (ChannelKey key : given.written) {
    if (key == ChannelKey::id) {
      problems.push_back({given.id->key, message(N_("changes: a channel's id cannot change"))});
      continue;
    }
    // 'rate' and 'bands' are one parameter written two ways: a change to one replaces the other.
    if (key == ChannelKey::rate) channel.bands.reset();
    if (key == ChannelKey::bands) channel.rate.reset();
    with_fields(channel, given, key, [](auto& into, const auto& from) { replace(into, from); });
  }
  for (const UnknownKey& u : given.unknown) {
    auto same = std::find_if(channel.unknown.begin(), channel.unknown.end(),
                             [&](const UnknownKey& x) { return x.key.text == u.key.text; });
    if (same == channel.unknown.end()) {
      channel.unknown.push_back(u);
    } else {
      same->values = u.values;
    }
  }
}

/// The channels of a version with `changes:`, from the previous version's.
std::vector<ChannelSpec> changed_channels(VersionSpec& v, const std::vector<ChannelSpec>& previous, bool first) {
  if (first || previous.empty()) {
    v.body.push_back({v.changes_at, message(N_("changes: the first version must list its channels"))});
    return {};
  }
  if (!v.changes_usable) {
    v.body.insert(v.body.end(), v.changes_problems.begin(), v.changes_problems.end());
    return {};
  }
  std::vector<ChannelSpec> list = previous;
  for (ChannelChange& change : v.changes) {
    auto it = std::find_if(list.begin(), list.end(), [&](const ChannelSpec& c) {
      return c.usable && c.id && c.id_text == change.channel.text;
    });
    if (it == list.end()) {
      v.body.push_back(
          {change.channel.at, message(N_("changes: the previous version has no channel '{}'"), change.channel.text)});
      continue;
    }
    apply_change(*it, change, v.body);
  }
  return list;
}

}  // namespace

void merge_changes(RuleFile& file) {
  std::vector<ChannelSpec> previous;
  // Every version is compiled in full, so 'changes' repeat the previous
  // version's channels: a small file of many versions could make a huge
  // plan. The values compiled over all versions share the file's limit.
  std::size_t compiled_values = 0;
  const std::size_t max_values = YamlLimits{}.max_nodes;
  for (std::size_t vi = 0; vi < file.versions.size(); ++vi) {
    VersionSpec& v = file.versions[vi];
    if (!v.usable) continue;
    std::vector<ChannelSpec> list;
    if (v.has_channels && !v.has_changes) {
      list = std::move(v.channels);
    } else if (v.has_changes && !v.has_channels) {
      list = changed_channels(v, previous, vi == 0);
    }
    for (const ChannelSpec& c : list) compiled_values += c.value_count();
    if (compiled_values > max_values) {
      v.body.push_back({v.at, message(N_("versions[{}]: with the changes carried forward, the versions hold more than "
                                         "{} values; give fewer versions or split the rule file"),
                                      vi, max_values)});
      v.over_limit = true;
      v.channels.clear();
      file.versions.resize(vi + 1);
      return;
    }
    v.channels = list;
    previous = std::move(list);
  }
}

}  // namespace medsettle::detail::rule
