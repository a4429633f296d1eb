// A rule set's parameters as in force on a date, read from the compiled plan
// (every `changes:` applied), and the parameters that differ between two.
#include <algorithm>
#include <map>

#include "core/conditions.hpp"
#include "core/model.hpp"
#include "core/text.hpp"
#include "medsettle/show.hpp"

namespace medsettle::report {

namespace {

using detail::PlanData;

Citation citation(const PlanData& p, const detail::Cited& c) {
  return {p.file, c.line, c.column, std::string(p.source(c))};
}

template <class T, class Text>
void add_leveled(std::vector<Parameter>& out, const PlanData& p, const std::string& name, const detail::Leveled<T>& v,
                 Text text) {
  if (!v.per_level) {
    out.push_back({name, std::nullopt, text(v.by_level[0]), citation(p, v.cite)});
    return;
  }
  for (std::size_t l = 0; l < hospital_level_count; ++l) {
    out.push_back({name, static_cast<HospitalLevel>(l), text(v.by_level[l]), citation(p, v.level_cite[l])});
  }
}

/// "N18.5, C00-C97, C91.0 (max_age 17)"
std::string entries_text(const detail::DiseaseGroup& g) {
  std::string out;
  for (const detail::DiseaseEntry& e : g.entries) {
    if (!out.empty()) out += ", ";
    out += e.prefix.empty() ? e.low + "-" + e.high : e.prefix;
    if (e.max_age) out += " (max_age " + std::to_string(*e.max_age) + ")";
  }
  return out;
}

std::string amount_text(Fen f) { return format(f); }
std::string rate_text(Rate r) { return format(r); }

std::string limit_text(const detail::Limit& l) {
  return format(l.fraction) + (l.kind == detail::LimitKind::fraction_of_total ? " of total" : " of in_scope");
}

std::string change_text(const detail::Change& c) {
  using detail::ChangeKind;
  std::string out(name(c.kind));
  switch (c.kind) {
    case ChangeKind::rate_add: return out + " " + (c.rate.ten_thousandths() >= 0 ? "+" : "") + format(c.rate);
    case ChangeKind::rate_set:
    case ChangeKind::deductible_scale: return out + " " + format(c.rate);
    case ChangeKind::deductible_set: return out + " " + format(c.amount);
    case ChangeKind::cap_year_set:
    case ChangeKind::cap_stay_set: return out + " " + (c.none ? std::string("none") : format(c.amount));
    case ChangeKind::limit_set: {
      if (c.limit.kind != detail::LimitKind::amount) return out + " " + limit_text(c.limit);
      if (!c.limit.amount.per_level) return out + " " + format(c.limit.amount.by_level[0]);
      std::string levels;
      for (std::size_t l = 0; l < hospital_level_count; ++l) {
        levels += (l ? ", " : "") + std::string(name(static_cast<HospitalLevel>(l))) + " " +
                  format(c.limit.amount.by_level[l]);
      }
      return out + " " + levels;
    }
  }
  return out;
}

void coinsurance_parameters(std::vector<Parameter>& out, const PlanData& p, const detail::Channel& ch) {
  add_leveled(out, p, "deductible", ch.deductible, amount_text);
  if (ch.bands.size() == 1 && !ch.bands[0].upto) {
    add_leveled(out, p, "rate", ch.bands[0].rate, rate_text);
  } else {
    const std::size_t first = out.size();
    for (std::size_t b = 0; b < ch.bands.size(); ++b) {
      const std::string band = "bands[" + std::to_string(b) + "]";
      if (ch.bands[b].upto) add_leveled(out, p, band + ".upto", *ch.bands[b].upto, amount_text);
      add_leveled(out, p, band + ".rate", ch.bands[b].rate, rate_text);
    }
    // The source beside `steps:` covers the whole table; a step may have its own.
    for (std::size_t i = first; i < out.size(); ++i) {
      if (out[i].cite.source.empty()) out[i].cite.source = p.source(ch.bands_cite);
    }
  }
  for (const auto& [cap, name] : {std::pair{&ch.cap_stay, "cap_stay"}, std::pair{&ch.cap_year, "cap_year"}}) {
    if (*cap) {
      add_leveled(out, p, name, **cap, amount_text);
    } else {
      out.push_back({name, std::nullopt, "none", citation(p, ch.cite)});
    }
  }
  if (ch.referral_continuous) out.push_back({"referral", std::nullopt, "continuous", citation(p, ch.referral_cite)});
}

std::vector<Parameter> channel_parameters(const PlanData& p, const detail::Channel& ch) {
  std::vector<Parameter> out;
  const Citation at = citation(p, ch.cite);
  std::string base;
  for (std::size_t b = 0; b < ch.base_count; ++b) base += (b ? ", " : "") + std::string(name(ch.base[b]));
  const bool grant = ch.kind == detail::Kind::grant;
  out.push_back({"name", std::nullopt, ch.name, at});
  out.push_back({"kind", std::nullopt,
                 ch.kind == detail::Kind::coinsurance ? "coinsurance" : grant ? "grant" : "cap", at});
  out.push_back({"reports_as", std::nullopt, std::string(name(ch.reports_as)), at});
  out.push_back({"fund_pay_type", std::nullopt, ch.fund_pay_type, at});
  out.push_back({"base", std::nullopt, base, at});
  if (!grant) out.push_back({"period", std::nullopt, ch.period == detail::Period::stay ? "stay" : "year", at});
  if (ch.when >= 0) {
    out.push_back({"when", std::nullopt, detail::condition_text(p, ch.when),
                   citation(p, p.nodes[static_cast<std::size_t>(ch.when)].cite)});
  }
  if (ch.kind == detail::Kind::coinsurance) {
    coinsurance_parameters(out, p, ch);
  } else if (ch.kind == detail::Kind::cap) {
    if (ch.limit.kind == detail::LimitKind::amount) add_leveled(out, p, "limit", ch.limit.amount, amount_text);
    else out.push_back({"limit", std::nullopt, limit_text(ch.limit), citation(p, ch.limit.cite)});
  } else {
    out.push_back({"amount", std::nullopt, format(ch.grant_amount), citation(p, ch.grant_cite)});
    out.push_back({"once_per", std::nullopt, ch.once_per == detail::Period::stay ? "stay" : "year", at});
  }
  for (std::size_t i = 0; i < ch.adjustments.size(); ++i) {
    const detail::Adjustment& a = ch.adjustments[i];
    std::string changes;
    for (const detail::Change& c : a.changes) changes += (changes.empty() ? "" : ", ") + change_text(c);
    const std::string when = a.when >= 0 ? detail::condition_text(p, a.when) : "always";
    out.push_back({"adjustments[" + std::to_string(i) + "]", std::nullopt, "when " + when + ": " + changes,
                   citation(p, a.cite)});
  }
  return out;
}

}  // namespace

std::string Parameter::key() const {
  return level ? name + "." + std::string(medsettle::name(*level)) : name;
}

ParametersInForce parameters_in_force(const Plan& plan, std::optional<Date> as_of) {
  const PlanData& p = plan.data();
  std::optional<std::size_t> vi = as_of ? plan.version_on(*as_of) : std::optional<std::size_t>(p.versions.size() - 1);
  if (!vi || p.versions.empty()) {
    const Date first = p.versions.empty() ? Date{} : p.versions.front().from;
    throw UsageError(p.until ? detail::message(N_("no version of rule set {} is in force on {}; its versions run from "
                                                  "{} to {}"),
                                               p.id, *as_of, first, *p.until)
                             : detail::message(N_("no version of rule set {} is in force on {}; its versions run from "
                                                  "{} with no end"),
                                               p.id, *as_of, first));
  }
  const detail::Version& v = p.versions[*vi];
  ParametersInForce out;
  out.rule_set = p.id;
  out.title = p.title;
  out.file = p.file;
  out.digest = p.digest;
  out.as_of = as_of;
  out.version = *vi;
  out.from = v.from;
  if (*vi + 1 < p.versions.size()) out.to = Date::from_days(p.versions[*vi + 1].from.days() - 1);
  else out.to = p.until;
  out.version_cite = citation(p, v.cite);
  out.rule_set_parameters.push_back({"rounding", std::nullopt,
                                     p.rounding == Rounding::half_up ? "half_up" : "half_even",
                                     citation(p, p.rounding_cite)});
  out.rule_set_parameters.push_back(
      {"class_b_selfpay", std::nullopt, format(p.class_b_selfpay), citation(p, p.class_b_cite)});
  for (const detail::DiseaseGroup& g : p.groups) {
    out.rule_set_parameters.push_back({"disease_groups." + g.name, std::nullopt, entries_text(g), citation(p, g.cite)});
  }
  for (const detail::Channel& ch : v.channels) {
    out.channels.push_back({ch.id, ch.name, citation(p, ch.cite), channel_parameters(p, ch)});
  }
  return out;
}

namespace {

using Keyed = std::vector<std::pair<std::string, Parameter>>;

/// The parameters by key; a value given once is spread over the five levels
/// where the other side gives that parameter per level.
Keyed keyed(const std::vector<Parameter>& mine, const std::vector<Parameter>& theirs) {
  Keyed out;
  for (const Parameter& m : mine) {
    const bool spread = !m.level && std::any_of(theirs.begin(), theirs.end(), [&](const Parameter& t) {
      return t.name == m.name && t.level;
    });
    if (!spread) {
      out.emplace_back(m.key(), m);
      continue;
    }
    for (std::size_t l = 0; l < hospital_level_count; ++l) {
      Parameter at = m;
      at.level = static_cast<HospitalLevel>(l);
      out.emplace_back(at.key(), at);
    }
  }
  return out;
}

void diff_lists(const std::string& channel, const std::vector<Parameter>* a, const std::vector<Parameter>* b,
                std::vector<ParameterChange>& out) {
  static const std::vector<Parameter> none;
  const Keyed ka = keyed(a ? *a : none, b ? *b : none), kb = keyed(b ? *b : none, a ? *a : none);
  auto find = [](const Keyed& k, const std::string& key) -> const Parameter* {
    for (const auto& [kk, p] : k) {
      if (kk == key) return &p;
    }
    return nullptr;
  };
  for (const auto& [key, pb] : kb) {
    const Parameter* pa = find(ka, key);
    if (!pa || pa->value != pb.value) {
      out.push_back({channel, key, pa ? std::optional<Parameter>(*pa) : std::nullopt, pb});
    }
  }
  for (const auto& [key, pa] : ka) {
    if (!find(kb, key)) out.push_back({channel, key, pa, std::nullopt});
  }
}

}  // namespace

ParameterDiff diff_parameters(ParametersInForce a, ParametersInForce b) {
  ParameterDiff d;
  diff_lists("", &a.rule_set_parameters, &b.rule_set_parameters, d.changes);
  auto channel_in = [](const ParametersInForce& side, const std::string& id) -> const ChannelParameters* {
    for (const ChannelParameters& c : side.channels) {
      if (c.id == id) return &c;
    }
    return nullptr;
  };
  for (const ChannelParameters& cb : b.channels) {
    const ChannelParameters* ca = channel_in(a, cb.id);
    diff_lists(cb.id, ca ? &ca->parameters : nullptr, &cb.parameters, d.changes);
  }
  for (const ChannelParameters& ca : a.channels) {
    if (!channel_in(b, ca.id)) diff_lists(ca.id, &ca.parameters, nullptr, d.changes);
  }
  d.a = std::move(a);
  d.b = std::move(b);
  return d;
}

}  // namespace medsettle::report
