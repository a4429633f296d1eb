// Step 1, channels: every key a channel may have, whatever its kind (the kind
// may come from the previous version, through `changes:`); compile decides
// which keys the kind uses.
#include <algorithm>
#include <cctype>

#include "rules/limits.hpp"
#include "rules/parse_support.hpp"

namespace medsettle::detail::rule {

namespace {

BandsSpec parse_bands(const YNode& n, Problems& out) {
  BandsSpec bands;
  bands.at = pos(n);
  const YNode* steps = with_source(n, "steps", "bands", bands.source, out);
  if (!steps || !expect_list(*steps, "bands", out)) return bands;
  if (steps->items.empty()) add(out, *steps, message(N_("bands: at least one band is required")));
  if (steps->items.size() > limits::bands) add(out, *steps, message(N_("bands: at most {} bands"), limits::bands));
  std::vector<BandSpec>& out_steps = bands.steps;
  for (std::size_t i = 0; i < steps->items.size(); ++i) {
    const YNode& b = steps->items[i];
    const std::string what = "bands[" + std::to_string(i) + "]";
    if (!expect_map(b, what, out)) continue;
    check_keys(b, {"upto", "rate", "source"}, what, out);
    BandSpec band;
    const bool last = i + 1 == steps->items.size();
    const YNode* u = b.find("upto");
    if (u) {
      if (last) add(out, *u, message(N_("{}: the last band has no 'upto' (it covers the rest)"), what));
      band.upto = amount_value(*u, what + ".upto", out);
    } else if (!last) {
      add(out, b, message(N_("{}: every band but the last needs 'upto'"), what));
    }
    if (const YNode* r = require(b, "rate", what, out)) band.rate = rate_value(*r, what + ".rate", out);
    band.source = source_of(b, out);
    if (band.upto && !out_steps.empty() && out_steps.back().upto) {
      for (std::size_t l = 0; l < hospital_level_count; ++l) {
        const Fen here = band.upto->by_level[l], before = out_steps.back().upto->by_level[l];
        if (here <= before) {
          add(out, *u,
              message(N_("{}: bands must increase: upto {} is not above the previous band's {}"), what, here, before));
          break;
        }
      }
    }
    if (band.upto && out_steps.empty()) {
      for (std::size_t l = 0; l < hospital_level_count; ++l) {
        if (band.upto->by_level[l] <= Fen(0)) {
          add(out, *u, message(N_("{}: upto must be above 0"), what));
          break;
        }
      }
    }
    out_steps.push_back(std::move(band));
  }
  return bands;
}

std::optional<GrantAmountSpec> parse_grant_amount(const YNode& a, Problems& out) {
  GrantAmountSpec g;
  g.at = pos(a);
  const YNode* v = with_source(a, "value", "amount", g.source, out);
  if (!v) return std::nullopt;
  auto x = amount(*v, "amount", out);
  if (!x) return std::nullopt;
  g.amount = *x;
  return g;
}

/// The value of one change of an adjustment; false if it cannot be read.
bool parse_change_value(const YNode& v, ChangeSpec& c) {
  const std::string& key = c.key.text;
  Problems& out = c.problems;
  switch (c.kind) {
    case ChangeKind::rate_add:
    case ChangeKind::deductible_scale: {
      const bool add_rate = c.kind == ChangeKind::rate_add;
      auto r = read_scalar<Rate>(v, key, out, [add_rate](const std::string& t, Message& why) -> std::optional<Rate> {
        if (add_rate) {
          if (RateParse delta = parse_rate_delta(t)) return delta.value;
          why = message(N_("rate_add: '{}' is not a rate change in [-1, 1] with at most 4 decimals"), t);
          return std::nullopt;
        }
        auto f = parse_factor(t);
        if (!f) why = message(N_("deductible_scale: '{}' is not a factor like 0.5 (at most 4 decimals)"), t);
        return f;
      });
      if (r) c.rate = *r;
      return r.has_value();
    }
    case ChangeKind::rate_set: {
      auto r = rate(v, key, out);
      if (r) c.rate = *r;
      return r.has_value();
    }
    case ChangeKind::deductible_set:
    case ChangeKind::cap_year_set:
    case ChangeKind::cap_stay_set: {
      if (c.kind != ChangeKind::deductible_set && v.is_scalar() && v.plain && v.text == "none") {
        c.none = true;
        return true;
      }
      auto x = amount(v, key, out);
      if (x) c.amount = *x;
      return x.has_value();
    }
    case ChangeKind::limit_set: {
      bool ok = false;
      c.limit = parse_limit(v, key, out, ok);
      return ok;
    }
  }
  return false;
}

AdjustmentSpec parse_adjustment(const YNode& n, const std::string& what) {
  AdjustmentSpec a;
  a.at = pos(n);
  if (!expect_map(n, what, a.problems)) return a;
  a.usable = true;
  check_keys(n,
             {"when", "rate_add", "rate_set", "deductible_scale", "deductible_set", "cap_year_set", "cap_stay_set",
              "limit_set", "source"},
             what, a.problems);
  a.source = source_of(n, a.problems);
  if (const YNode* w = require(n, "when", what, a.problems)) a.when = parse_condition(*w, what + ".when");
  for (const auto& [k, v] : n.pairs) {
    if (k.text == "when" || k.text == "source") continue;
    auto kind = value_named(change_names, k.text);
    if (!kind) continue;  // an unknown key, reported above
    ChangeSpec c;
    c.kind = *kind;
    c.key = {k.text, pos(k)};
    c.at = pos(v);
    c.ok = parse_change_value(v, c);
    a.changes.push_back(std::move(c));
  }
  a.no_change = std::none_of(n.pairs.begin(), n.pairs.end(),
                             [](const auto& kv) { return kv.first.text != "when" && kv.first.text != "source"; });
  return a;
}

std::vector<Bucket> parse_base(const YNode& v, Problems& out) {
  std::vector<Bucket> base;
  if (v.items.empty()) add(out, v, message(N_("base: at least one bucket is required")));
  for (const YNode& b : v.items) {
    auto t = text(b, "base", out);
    if (!t) continue;
    auto bucket = bucket_from(*t);
    if (!bucket) {
      add(out, b,
          message(N_("base: unknown bucket '{}' (expected one of: in_scope, pre_selfpay, over_limit, full_selfpay)"),
                  *t));
      continue;
    }
    if (std::find(base.begin(), base.end(), *bucket) != base.end()) {
      add(out, b, message(N_("base: bucket '{}' is listed twice"), *t));
      continue;
    }
    base.push_back(*bucket);
  }
  return base;
}

std::optional<std::string> parse_id(const YNode& v, Problems& out) {
  auto t = text(v, "id", out);
  if (!t) return t;
  check_length(v, "id", limits::id_bytes, out);
  const bool ok = std::all_of(t->begin(), t->end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
  if (!ok) add(out, v, message(N_("id: '{}' must be lower case letters, digits and _"), *t));
  return t;
}

std::optional<std::string> parse_fund_pay_type(const YNode& v, Problems& out) {
  auto t = text(v, "fund_pay_type", out);
  if (!t) return t;
  if (t->size() != 6 || !std::all_of(t->begin(), t->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    add(out, v, message(N_("fund_pay_type: '{}' is not a six-digit fund code like \"390100\""), *t));
  }
  return t;
}


std::optional<std::vector<AdjustmentSpec>> parse_adjustments(const YNode& v, Problems& out) {
  if (!expect_list(v, "adjustments", out)) return std::nullopt;
  std::vector<AdjustmentSpec> list;
  for (std::size_t i = 0; i < v.items.size(); ++i) {
    if (i == limits::adjustments) {
      add(out, v.items[i], message(N_("adjustments: more than {} adjustments in one channel"), limits::adjustments));
      break;
    }
    list.push_back(parse_adjustment(v.items[i], "adjustments[" + std::to_string(i) + "]"));
  }
  return list;
}

/// Reads one key's value into `field` with `read(value, problems)`.
template <class T, class Read>
void read_field(std::optional<Field<T>>& field, const YNode& k, const YNode& v, Read read) {
  field.emplace();
  field->key = pos(k);
  field->at = pos(v);
  field->values = 1 + count_values(v);
  field->value = read(v, field->problems);
}

void parse_key(ChannelSpec& ch, ChannelKey key, const YNode& k, const YNode& v) {
  switch (key) {
    case ChannelKey::id: read_field(ch.id, k, v, parse_id); ch.id_text = v.text; break;
    case ChannelKey::name:
      read_field(ch.name, k, v, [](const YNode& x, Problems& o) {
        check_length(x, "name", limits::name_bytes, o);
        return text(x, "name", o);
      });
      break;
    case ChannelKey::kind:
      read_field(ch.kind, k, v, [](const YNode& x, Problems& o) { return choice(x, "kind", kind_names, o); });
      break;
    case ChannelKey::fund_pay_type: read_field(ch.fund_pay_type, k, v, parse_fund_pay_type); break;
    case ChannelKey::reports_as:
      read_field(ch.reports_as, k, v,
                 [](const YNode& x, Problems& o) { return choice(x, "reports_as", reports_as_names, o); });
      break;
    case ChannelKey::base:
      read_field(ch.base, k, v, [](const YNode& x, Problems& o) -> std::optional<std::vector<Bucket>> {
        if (!expect_list(x, "base", o)) return std::nullopt;
        return parse_base(x, o);
      });
      break;
    case ChannelKey::period:
      read_field(ch.period, k, v, [](const YNode& x, Problems& o) { return choice(x, "period", period_names, o); });
      break;
    case ChannelKey::once_per:
      read_field(ch.once_per, k, v, [](const YNode& x, Problems& o) { return choice(x, "once_per", period_names, o); });
      break;
    case ChannelKey::when:
      read_field(ch.when, k, v, [](const YNode& x, Problems&) { return std::optional(parse_condition(x, "when")); });
      break;
    case ChannelKey::source: read_field(ch.source, k, v, source_text); break;
    case ChannelKey::deductible:
    case ChannelKey::cap_stay:
    case ChannelKey::cap_year: {
      auto& field = key == ChannelKey::deductible ? ch.deductible : key == ChannelKey::cap_stay ? ch.cap_stay : ch.cap_year;
      read_field(field, k, v, [&k](const YNode& x, Problems& o) { return amount_value(x, k.text, o); });
      break;
    }
    case ChannelKey::rate:
      read_field(ch.rate, k, v, [](const YNode& x, Problems& o) { return rate_value(x, "rate", o); });
      break;
    case ChannelKey::bands:
      read_field(ch.bands, k, v, [](const YNode& x, Problems& o) { return std::optional(parse_bands(x, o)); });
      break;
    case ChannelKey::referral:
      read_field(ch.referral, k, v, [](const YNode& x, Problems& o) -> std::optional<Pos> {
        if (!choice(x, "referral", referral_names, o)) return std::nullopt;
        return pos(x);
      });
      break;
    case ChannelKey::limit:
      read_field(ch.limit, k, v, [](const YNode& x, Problems& o) -> std::optional<LimitSpec> {
        bool ok = false;
        LimitSpec l = parse_limit(x, "limit", o, ok);
        if (!ok) return std::nullopt;
        return l;
      });
      break;
    case ChannelKey::amount: read_field(ch.amount, k, v, parse_grant_amount); break;
    case ChannelKey::adjustments: read_field(ch.adjustments, k, v, parse_adjustments); break;
  }
}

}  // namespace

LimitSpec parse_limit(const YNode& n, std::string_view what, Problems& out, bool& ok) {
  LimitSpec l;
  ok = false;
  const std::string w(what);
  if (n.is_map() && n.find("fraction")) {
    check_keys(n, {"fraction", "of", "source"}, what, out);
    l.at = pos(n);
    l.source = source_of(n, out);
    auto f = rate(*n.find("fraction"), w + ".fraction", out);
    const YNode* of = require(n, "of", what, out);
    if (!f || !of) return l;
    auto ref = choice(*of, w + ".of", limit_of_names, out);
    if (!ref) return l;
    l.kind = *ref;
    l.fraction = *f;
    ok = true;
    return l;
  }
  auto a = amount_value(n, what, out);
  if (!a) return l;
  l.kind = LimitKind::amount;
  l.amount = *a;
  l.at = a->at;
  l.source = a->source;
  ok = true;
  return l;
}

ChannelSpec parse_channel(const YNode& n) {
  ChannelSpec ch;
  ch.at = pos(n);
  if (!expect_map(n, "channel", ch.problems)) {
    ch.values = count_values(n);
    return ch;
  }
  ch.usable = true;
  for (const auto& [k, v] : n.pairs) {
    auto key = value_named(channel_key_names, k.text);
    if (!key) {
      ch.unknown.push_back({{k.text, pos(k)}, 1 + count_values(v)});
      continue;
    }
    ch.written.push_back(*key);
    parse_key(ch, *key, k, v);
  }
  return ch;
}

std::uint32_t ChannelSpec::value_count() const {
  if (!usable) return values;
  std::uint32_t c = 1;
  auto add_field = [&c](const auto& f) {
    if (f) c += f->values;
  };
  add_field(id), add_field(name), add_field(fund_pay_type), add_field(source), add_field(kind);
  add_field(reports_as), add_field(base), add_field(period), add_field(once_per), add_field(when);
  add_field(deductible), add_field(cap_stay), add_field(cap_year), add_field(rate), add_field(bands);
  add_field(referral), add_field(limit), add_field(amount), add_field(adjustments);
  for (const UnknownKey& u : unknown) c += u.values;
  return c;
}

}  // namespace medsettle::detail::rule
