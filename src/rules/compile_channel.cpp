// Step 3, channels: the keys each kind uses and requires, the rules that
// join two keys, and the channel's values as the engine reads them.
#include <algorithm>
#include <span>

#include "rules/compile_support.hpp"
#include "rules/names.hpp"
#include "rules/parse_support.hpp"

namespace medsettle::detail::rule {

namespace {

constexpr std::array<ChannelKey, 16> coinsurance_keys{
    ChannelKey::id,   ChannelKey::name,   ChannelKey::kind,       ChannelKey::fund_pay_type, ChannelKey::reports_as,
    ChannelKey::base, ChannelKey::period, ChannelKey::when,       ChannelKey::source,        ChannelKey::deductible,
    ChannelKey::rate, ChannelKey::bands,  ChannelKey::cap_stay,   ChannelKey::cap_year,      ChannelKey::referral,
    ChannelKey::adjustments};
constexpr std::array<ChannelKey, 11> cap_keys{ChannelKey::id,         ChannelKey::name, ChannelKey::kind,
                                              ChannelKey::fund_pay_type, ChannelKey::reports_as, ChannelKey::base,
                                              ChannelKey::period,     ChannelKey::when, ChannelKey::source,
                                              ChannelKey::limit,      ChannelKey::adjustments};
constexpr std::array<ChannelKey, 10> grant_keys{ChannelKey::id,     ChannelKey::name,         ChannelKey::kind,
                                                ChannelKey::fund_pay_type, ChannelKey::reports_as, ChannelKey::base,
                                                ChannelKey::when,   ChannelKey::source,       ChannelKey::amount,
                                                ChannelKey::once_per};

std::span<const ChannelKey> keys_of(Kind kind) {
  switch (kind) {
    case Kind::coinsurance: return coinsurance_keys;
    case Kind::cap: return cap_keys;
    case Kind::grant: return grant_keys;
  }
  return {};
}

std::vector<std::string_view> names(std::span<const ChannelKey> keys) {
  std::vector<std::string_view> out;
  for (ChannelKey k : keys) out.push_back(name_of(channel_key_names, k));
  return out;
}

/// "cap channels", "coinsurance and cap channels": the kinds that use a key.
std::string kinds_using(ChannelKey key) {
  std::string out;
  for (const auto& kind : kind_names) {
    const std::span<const ChannelKey> keys = keys_of(kind.value);
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) continue;
    out += (out.empty() ? "" : " and ") + std::string(kind.name);
  }
  return out;
}

/// The place of each key a channel has, whatever its kind.
std::vector<std::pair<ChannelKey, Pos>> present_keys(const ChannelSpec& s) {
  std::vector<std::pair<ChannelKey, Pos>> out;
  auto add_key = [&out](ChannelKey k, const auto& f) {
    if (f) out.emplace_back(k, f->key);
  };
  add_key(ChannelKey::id, s.id), add_key(ChannelKey::name, s.name), add_key(ChannelKey::kind, s.kind);
  add_key(ChannelKey::fund_pay_type, s.fund_pay_type), add_key(ChannelKey::reports_as, s.reports_as);
  add_key(ChannelKey::base, s.base), add_key(ChannelKey::period, s.period), add_key(ChannelKey::when, s.when);
  add_key(ChannelKey::source, s.source), add_key(ChannelKey::deductible, s.deductible);
  add_key(ChannelKey::rate, s.rate), add_key(ChannelKey::bands, s.bands), add_key(ChannelKey::cap_stay, s.cap_stay);
  add_key(ChannelKey::cap_year, s.cap_year), add_key(ChannelKey::referral, s.referral);
  add_key(ChannelKey::limit, s.limit), add_key(ChannelKey::amount, s.amount);
  add_key(ChannelKey::once_per, s.once_per), add_key(ChannelKey::adjustments, s.adjustments);
  return out;
}

}  // namespace

void Compiler::check_channel_keys(const ChannelSpec& s, Kind kind, const std::string& what) {
  const std::span<const ChannelKey> allowed = keys_of(kind);
  const std::string where = what + " (kind " + std::string(name_of(kind_names, kind)) + ")";
  const std::vector<std::string_view> expected = names(allowed);
  for (const auto& [key, at] : present_keys(s)) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    // A key of another kind: say which kinds use it.
    const std::string_view name = name_of(channel_key_names, key);
    error(at, message(N_("unknown key '{}' in {} (expected one of: {}); '{}' is a key of {} channels"), name, where,
                      join(expected), name, kinds_using(key)));
  }
  for (const UnknownKey& u : s.unknown) error(u.key.at, unknown_key(u.key.text, where, expected));
}

/// A required key: its problems, or the problem that it is missing.
template <class T>
const T* required(const std::optional<Field<T>>& f, std::string_view key, Pos map, const std::string& what,
                  std::vector<Problem>& out) {
  if (!f) {
    out.push_back({map, message(N_("{}: missing required key '{}'"), what, key)});
    return nullptr;
  }
  out.insert(out.end(), f->problems.begin(), f->problems.end());
  return f->value ? &*f->value : nullptr;
}

void Compiler::channel_common(const ChannelSpec& s, Channel& ch, const std::string& what) {
  Problems found;
  if (const auto* v = required(s.name, "name", s.at, what, found)) ch.name = *v;
  if (const auto* v = required(s.fund_pay_type, "fund_pay_type", s.at, what, found)) ch.fund_pay_type = *v;
  if (const auto* v = required(s.reports_as, "reports_as", s.at, what, found)) ch.reports_as = *v;
  if (const auto* v = required(s.base, "base", s.at, what, found)) {
    for (Bucket b : *v) {
      if (ch.base_count < bucket_count) ch.base[ch.base_count++] = b;
    }
  }
  if (ch.kind != Kind::grant) {
    if (const auto* v = required(s.period, "period", s.at, what, found)) ch.period = *v;
  }
  report(found);
  if (s.when) ch.when = condition(*s.when->value);
}

std::optional<Channel> Compiler::channel(const ChannelSpec& s) {
  if (!s.usable) {
    report(s.problems);
    return std::nullopt;
  }
  Channel ch;
  std::string what = "channel";
  Problems found;
  if (const auto* id = required(s.id, "id", s.at, what, found)) {
    ch.id = *id;
    what = "channel '" + ch.id + "'";
  }
  if (s.source) found.insert(found.end(), s.source->problems.begin(), s.source->problems.end());
  report(found);
  ch.cite = cite(s.at, s.source && s.source->value ? intern(*s.source->value) : no_source);
  if (s.kind) {
    report(s.kind->problems);
  } else {
    error(s.at, message(N_("{}: missing required key '{}'"), what, "kind"));
  }
  ch.kind = s.kind && s.kind->value ? *s.kind->value : Kind::coinsurance;
  check_channel_keys(s, ch.kind, what);
  channel_common(s, ch, what);
  switch (ch.kind) {
    case Kind::coinsurance: coinsurance(s, ch, what); break;
    case Kind::cap: cap(s, ch, what); break;
    case Kind::grant: grant(s, ch, what); break;
  }
  adjustments(s, ch);
  return ch;
}

std::vector<Band> Compiler::bands(const BandsSpec& b, Cited& bands_cite) {
  bands_cite = cite(b.at, intern(b.source));
  std::vector<Band> out;
  for (const BandSpec& step : b.steps) {
    Band band;
    if (step.upto) band.upto = leveled(*step.upto);
    if (step.rate) band.rate = leveled(*step.rate);
    if (std::uint32_t s = intern(step.source); s != no_source) {
      band.rate.cite.source = s;
      for (Cited& c : band.rate.level_cite) c.source = s;
    }
    out.push_back(std::move(band));
  }
  return out;
}

void Compiler::coinsurance(const ChannelSpec& s, Channel& ch, const std::string& what) {
  if (s.deductible) {
    report(s.deductible->problems);
    if (s.deductible->value) ch.deductible = leveled(*s.deductible->value);
  } else {
    ch.deductible = Leveled<Fen>::once(Fen(0));
    ch.deductible.cite = cite(s.at);
  }
  if (s.rate && s.bands) error(s.bands->at, message(N_("{}: give 'rate' or 'bands', not both"), what));
  if (!s.rate && !s.bands) error(s.at, message(N_("{}: missing 'rate' (or 'bands')"), what));
  if (s.rate) {
    report(s.rate->problems);
    if (s.rate->value) {
      Band band;
      band.rate = leveled(*s.rate->value);
      ch.bands_cite = band.rate.cite;
      ch.bands.push_back(band);
    }
  } else if (s.bands) {
    report(s.bands->problems);
    if (s.bands->value) ch.bands = bands(*s.bands->value, ch.bands_cite);
  }
  for (auto [field, cap] : {std::pair{&s.cap_stay, &ch.cap_stay}, std::pair{&s.cap_year, &ch.cap_year}}) {
    if (!*field) continue;
    report((*field)->problems);
    if ((*field)->value) *cap = leveled(*(*field)->value);
  }
  if (s.referral) {
    report(s.referral->problems);
    if (s.referral->value) {
      ch.referral_continuous = true;
      ch.referral_cite = cite(*s.referral->value);
    }
    if (ch.period != Period::stay) error(s.referral->at, message(N_("referral: continuous needs period: stay")));
  }
}

void Compiler::cap(const ChannelSpec& s, Channel& ch, const std::string& what) {
  if (!s.limit) {
    error(s.at, message(N_("{}: missing required key '{}'"), what, "limit"));
    return;
  }
  report(s.limit->problems);
  if (!s.limit->value) return;
  ch.limit = limit(*s.limit->value);
  if (ch.limit.kind != LimitKind::amount && ch.period == Period::year) {
    error(s.limit->at, message(N_("limit: a fraction of the stay's total or in_scope needs period: stay")));
  }
}

void Compiler::grant(const ChannelSpec& s, Channel& ch, const std::string& what) {
  Problems found;
  if (const auto* a = required(s.amount, "amount", s.at, what, found)) {
    ch.grant_amount = a->amount;
    ch.grant_cite = cite(a->at, intern(a->source));
  }
  if (const auto* o = required(s.once_per, "once_per", s.at, what, found)) ch.once_per = *o;
  report(found);
}

void Compiler::adjustments(const ChannelSpec& s, Channel& ch) {
  if (!s.adjustments) return;
  report(s.adjustments->problems);
  if (!s.adjustments->value) return;
  const std::vector<AdjustmentSpec>& list = *s.adjustments->value;
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto a = adjustment(list[i], ch.kind, "adjustments[" + std::to_string(i) + "]");
    if (!a) continue;
    // a fraction limit_set on a year cap is as wrong as a fraction limit
    for (const Change& c : a->changes) {
      if (c.kind == ChangeKind::limit_set && c.limit.kind != LimitKind::amount && ch.period == Period::year) {
        error({c.cite.line, c.cite.column},
              message(N_("limit_set: a fraction of the stay's total or in_scope needs period: stay")));
      }
    }
    ch.adjustments.push_back(std::move(*a));
  }
}

std::optional<Adjustment> Compiler::adjustment(const AdjustmentSpec& a, Kind kind, const std::string& what) {
  report(a.problems);
  if (!a.usable) return std::nullopt;
  Adjustment out;
  out.cite = cite(a.at, intern(a.source));
  if (a.when) out.when = condition(*a.when);
  for (const ChangeSpec& c : a.changes) {
    if (c.kind != ChangeKind::limit_set && kind != Kind::coinsurance) {
      error(c.key.at, message(N_("{}: '{}' applies to coinsurance channels only"), what, c.key.text));
      continue;
    }
    if (c.kind == ChangeKind::limit_set && kind != Kind::cap) {
      error(c.key.at, message(N_("{}: 'limit_set' applies to cap channels only"), what));
      continue;
    }
    report(c.problems);
    if (!c.ok) continue;
    Change change;
    change.kind = c.kind;
    change.cite = cite(c.at, out.cite.source);
    change.rate = c.rate;
    change.amount = c.amount;
    change.none = c.none;
    if (c.kind == ChangeKind::limit_set) change.limit = limit(c.limit);
    out.changes.push_back(change);
  }
  if (a.no_change) error(a.at, message(N_("{}: no change given (rate_add, rate_set, ...)"), what));
  return out;
}

}  // namespace medsettle::detail::rule
