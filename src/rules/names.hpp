// The words of the rule-file format and the values they stand for: explicit
// name tables, so that an enumeration's order never decides what a word means.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "core/model.hpp"
#include "rules/rule_model.hpp"

namespace medsettle::detail::rule {

template <class E>
struct Named {
  std::string_view name;
  E value;
};

inline constexpr std::array<Named<Rounding>, 2> rounding_names{{
    {"half_up", Rounding::half_up},
    {"half_even", Rounding::half_even},
}};

inline constexpr std::array<Named<Kind>, 3> kind_names{{
    {"coinsurance", Kind::coinsurance},
    {"cap", Kind::cap},
    {"grant", Kind::grant},
}};

inline constexpr std::array<Named<Period>, 2> period_names{{
    {"stay", Period::stay},
    {"year", Period::year},
}};

inline constexpr std::array<Named<ReportsAs>, 5> reports_as_names{{
    {"hifp_pay", ReportsAs::hifp_pay},
    {"hifmi_pay", ReportsAs::hifmi_pay},
    {"maf_pay", ReportsAs::maf_pay},
    {"hosp_part_amt", ReportsAs::hosp_part_amt},
    {"oth_pay", ReportsAs::oth_pay},
}};

/// `of:` of a fractional limit.
inline constexpr std::array<Named<LimitKind>, 2> limit_of_names{{
    {"total", LimitKind::fraction_of_total},
    {"in_scope", LimitKind::fraction_of_in_scope},
}};

/// `referral:` has one value.
inline constexpr std::array<Named<bool>, 1> referral_names{{{"continuous", true}}};

/// The change keys of an adjustment.
inline constexpr std::array<Named<ChangeKind>, 7> change_names{{
    {"rate_add", ChangeKind::rate_add},
    {"rate_set", ChangeKind::rate_set},
    {"deductible_scale", ChangeKind::deductible_scale},
    {"deductible_set", ChangeKind::deductible_set},
    {"cap_year_set", ChangeKind::cap_year_set},
    {"cap_stay_set", ChangeKind::cap_stay_set},
    {"limit_set", ChangeKind::limit_set},
}};

/// The tests of a condition.
inline constexpr std::array<Named<CondOp>, 12> test_names{{
    {"all", CondOp::all},
    {"any", CondOp::any},
    {"not", CondOp::not_},
    {"identity", CondOp::identity},
    {"hospital_level", CondOp::hospital_level},
    {"region", CondOp::region},
    {"category", CondOp::category},
    {"insurance", CondOp::insurance},
    {"age", CondOp::age},
    {"principal_diagnosis", CondOp::principal_diagnosis},
    {"any_diagnosis", CondOp::any_diagnosis},
    {"flag", CondOp::flag},
}};

/// The keys of a channel, in the order messages list them.
inline constexpr std::array<Named<ChannelKey>, 19> channel_key_names{{
    {"id", ChannelKey::id},
    {"name", ChannelKey::name},
    {"kind", ChannelKey::kind},
    {"fund_pay_type", ChannelKey::fund_pay_type},
    {"reports_as", ChannelKey::reports_as},
    {"base", ChannelKey::base},
    {"period", ChannelKey::period},
    {"when", ChannelKey::when},
    {"source", ChannelKey::source},
    {"deductible", ChannelKey::deductible},
    {"rate", ChannelKey::rate},
    {"bands", ChannelKey::bands},
    {"cap_stay", ChannelKey::cap_stay},
    {"cap_year", ChannelKey::cap_year},
    {"referral", ChannelKey::referral},
    {"limit", ChannelKey::limit},
    {"amount", ChannelKey::amount},
    {"once_per", ChannelKey::once_per},
    {"adjustments", ChannelKey::adjustments},
}};

template <class E, std::size_t N>
std::optional<E> value_named(const std::array<Named<E>, N>& table, std::string_view name) noexcept {
  for (const auto& n : table) {
    if (n.name == name) return n.value;
  }
  return std::nullopt;
}

template <class E, std::size_t N>
std::string_view name_of(const std::array<Named<E>, N>& table, E value) noexcept {
  for (const auto& n : table) {
    if (n.value == value) return n.name;
  }
  return {};
}

/// "a, b, c": the names of a table, for messages.
template <class E, std::size_t N>
std::string names_of(const std::array<Named<E>, N>& table) {
  std::string s;
  for (const auto& n : table) {
    if (!s.empty()) s += ", ";
    s += n.name;
  }
  return s;
}

/// The five hospital levels, in the order of HospitalLevel.
inline constexpr std::array<Named<HospitalLevel>, hospital_level_count> level_names{{
    {"village", HospitalLevel::village},
    {"township", HospitalLevel::township},
    {"county", HospitalLevel::county},
    {"city", HospitalLevel::city},
    {"province", HospitalLevel::province},
}};

}  // namespace medsettle::detail::rule
