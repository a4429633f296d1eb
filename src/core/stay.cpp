#include "medsettle/stay.hpp"

#include <array>

namespace medsettle {

namespace {

template <std::size_t N>
constexpr std::string_view at(const std::array<std::string_view, N>& names, std::size_t i) noexcept {
  return i < N ? names[i] : std::string_view{};
}

template <class E, std::size_t N>
std::optional<E> lookup(const std::array<std::string_view, N>& names, std::string_view s) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == s) return static_cast<E>(i);
  }
  return std::nullopt;
}

constexpr std::array<std::string_view, 5> identity_list{"registered_poor", "dibao", "tekun", "poor_disabled", "marginal"};
constexpr std::array<std::string_view, 4> category_list{"", "I", "II", "III"};
constexpr std::array<std::string_view, 2> insurance_list{"resident", "employee"};
constexpr std::array<std::string_view, 5> level_list{"village", "township", "county", "city", "province"};
constexpr std::array<std::string_view, 4> region_list{"in_county", "in_city", "in_province", "out_of_province"};
constexpr std::array<std::string_view, 3> flag_list{"first_diagnosis", "transplant", "tcm_clinic"};
constexpr std::array<std::string_view, 3> fee_list{"A", "B", "C"};
constexpr std::array<std::string_view, 4> bucket_list{"in_scope", "pre_selfpay", "over_limit", "full_selfpay"};

}  // namespace

std::string_view name(Identity v) noexcept { return at(identity_list, static_cast<std::size_t>(v)); }
std::string_view name(Category v) noexcept { return at(category_list, static_cast<std::size_t>(v)); }
std::string_view name(Insurance v) noexcept { return at(insurance_list, static_cast<std::size_t>(v)); }
std::string_view name(HospitalLevel v) noexcept { return at(level_list, static_cast<std::size_t>(v)); }
std::string_view name(Region v) noexcept { return at(region_list, static_cast<std::size_t>(v)); }
std::string_view name(Flag v) noexcept { return at(flag_list, static_cast<std::size_t>(v)); }
std::string_view name(FeeCategory v) noexcept { return at(fee_list, static_cast<std::size_t>(v)); }
std::string_view name(Bucket v) noexcept { return at(bucket_list, static_cast<std::size_t>(v)); }

std::optional<Identity> identity_from(std::string_view s) noexcept { return lookup<Identity>(identity_list, s); }
std::optional<Category> category_from(std::string_view s) noexcept {
  if (s.empty()) return std::nullopt;
  return lookup<Category>(category_list, s);
}
std::optional<Insurance> insurance_from(std::string_view s) noexcept { return lookup<Insurance>(insurance_list, s); }
std::optional<HospitalLevel> hospital_level_from(std::string_view s) noexcept { return lookup<HospitalLevel>(level_list, s); }
std::optional<Region> region_from(std::string_view s) noexcept { return lookup<Region>(region_list, s); }
std::optional<Flag> flag_from(std::string_view s) noexcept { return lookup<Flag>(flag_list, s); }
std::optional<Bucket> bucket_from(std::string_view s) noexcept { return lookup<Bucket>(bucket_list, s); }

std::string_view identity_names() noexcept { return "registered_poor, dibao, tekun, poor_disabled, marginal"; }
std::string_view hospital_level_names() noexcept { return "village, township, county, city, province"; }
std::string_view region_names() noexcept { return "in_county, in_city, in_province, out_of_province"; }
std::string_view flag_names() noexcept { return "first_diagnosis, transplant, tcm_clinic"; }

Buckets split(const Stay& stay, Rate class_b_selfpay, Rounding mode) {
  if (stay.buckets) return *stay.buckets;
  Buckets b;
  for (const FeeLine& f : stay.fees) {
    b.total += f.amount;
    if (f.category == FeeCategory::C) {
      b.full_selfpay += f.amount;  // the whole line is outside the policy scope
      continue;
    }
    Fen rest = f.amount - f.over_limit;
    b.over_limit += f.over_limit;
    if (f.category == FeeCategory::B) {
      Fen p = multiply(rest, f.selfpay_ratio.value_or(class_b_selfpay), mode);
      b.pre_selfpay += p;
      b.in_scope += rest - p;
    } else {
      b.in_scope += rest;
    }
  }
  return b;
}

}  // namespace medsettle
