// A compiled rule set and what a settlement knows of it. (Loading rule
// files is the rules layer's: src/rules/load.cpp.)
#include <stdexcept>

#include "core/hot.hpp"
#include "core/model.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/settlement.hpp"

namespace medsettle {

std::string_view name(ReportsAs r) noexcept {
  switch (r) {
    case ReportsAs::hifp_pay: return "hifp_pay";
    case ReportsAs::hifmi_pay: return "hifmi_pay";
    case ReportsAs::maf_pay: return "maf_pay";
    case ReportsAs::hosp_part_amt: return "hosp_part_amt";
    case ReportsAs::oth_pay: return "oth_pay";
  }
  return "?";
}

std::string_view Plan::id() const noexcept { return data_->id; }
std::string_view Plan::title() const noexcept { return data_->title; }
std::string_view Plan::file() const noexcept { return data_->file; }
std::string_view Plan::digest() const noexcept { return data_->digest; }
Rounding Plan::rounding() const noexcept { return data_->rounding; }
Rate Plan::class_b_selfpay() const noexcept { return data_->class_b_selfpay; }

std::vector<Date> Plan::versions() const {
  std::vector<Date> out;
  for (const auto& v : data_->versions) out.push_back(v.from);
  return out;
}

std::optional<Date> Plan::until() const noexcept { return data_->until; }

MEDSETTLE_HOT std::optional<std::size_t> Plan::version_on(Date day) const noexcept {
  const auto& vs = data_->versions;
  if (vs.empty() || day < vs.front().from) return std::nullopt;
  if (data_->until && day > *data_->until) return std::nullopt;
  std::size_t i = vs.size() - 1;
  while (vs[i].from > day) --i;
  return i;
}

std::vector<std::string> Plan::channel_ids(std::size_t version) const {
  std::vector<std::string> out;
  for (const auto& c : data_->versions.at(version).channels) out.push_back(c.id);
  return out;
}

std::size_t Plan::channel_count(std::size_t version) const { return data_->versions.at(version).channels.size(); }

Plan::ChannelInfo Plan::channel(std::size_t version, std::size_t index) const {
  const auto& c = data_->versions.at(version).channels.at(index);
  return {c.id, c.name, c.fund_pay_type, c.reports_as};
}

const std::vector<std::string>& Plan::ledger_slots() const noexcept { return data_->slots; }

std::optional<std::size_t> Plan::slot_of(std::string_view channel_id) const noexcept {
  for (std::size_t i = 0; i < data_->slots.size(); ++i) {
    if (data_->slots[i] == channel_id) return i;
  }
  return std::nullopt;
}

// ---- a settlement's own description -----------------------------------------------

ChannelInfo Settlement::channel_info(std::size_t i) const {
  if (!rule_set) throw std::logic_error("a settlement without its rule set");
  const auto& c = rule_set->versions.at(version_index).channels.at(i);
  return {c.id, c.name, c.fund_pay_type, c.reports_as};
}

std::string_view Settlement::title() const noexcept { return rule_set ? std::string_view(rule_set->title) : ""; }
std::string_view Settlement::file() const noexcept { return rule_set ? std::string_view(rule_set->file) : ""; }

std::size_t Settlement::slot_count() const noexcept { return rule_set ? rule_set->slots.size() : 0; }

Plan Settlement::plan() const {
  if (!rule_set) throw std::logic_error("a settlement without its rule set");
  return Plan(rule_set);
}

}  // namespace medsettle
