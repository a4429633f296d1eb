// medsettle/stay.hpp: one inpatient stay (SEMANTICS.md §2) and its buckets (§3).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "medsettle/date.hpp"
#include "medsettle/errors.hpp"
#include "medsettle/export.hpp"
#include "medsettle/money.hpp"

namespace medsettle {

/// A set of values of a small enumeration, as bits: `IdentitySet` and
/// `FlagSet` are distinct types, so one cannot be given for the other.
template <class E>
class EnumSet {
 public:
  constexpr EnumSet() noexcept = default;
  /// From raw bits: kept so that code written for the old integer sets
  /// still compiles.
  [[deprecated("build a set with bit(value) | bit(other)")]] constexpr EnumSet(std::uint8_t raw) noexcept  // NOLINT
      : bits_(raw) {}
  static constexpr EnumSet from_bits(std::uint8_t raw) noexcept {
    EnumSet s;
    s.bits_ = raw;
    return s;
  }
  static constexpr EnumSet of(E e) noexcept { return from_bits(static_cast<std::uint8_t>(1u << static_cast<unsigned>(e))); }
  [[nodiscard]] constexpr std::uint8_t bits() const noexcept { return bits_; }
  [[nodiscard]] constexpr bool contains(E e) const noexcept { return (bits_ >> static_cast<unsigned>(e)) & 1u; }
  [[nodiscard]] constexpr bool empty() const noexcept { return bits_ == 0; }
  constexpr explicit operator bool() const noexcept { return bits_ != 0; }
  constexpr EnumSet& operator|=(EnumSet o) noexcept { bits_ = static_cast<std::uint8_t>(bits_ | o.bits_); return *this; }
  constexpr EnumSet& operator&=(EnumSet o) noexcept { bits_ = static_cast<std::uint8_t>(bits_ & o.bits_); return *this; }
  friend constexpr EnumSet operator|(EnumSet a, EnumSet b) noexcept { return a |= b; }
  friend constexpr EnumSet operator&(EnumSet a, EnumSet b) noexcept { return a &= b; }
  friend constexpr bool operator==(EnumSet, EnumSet) noexcept = default;

 private:
  std::uint8_t bits_ = 0;
};

/// Poverty-relief identities, as members of an IdentitySet.
enum class Identity : std::uint8_t { registered_poor, dibao, tekun, poor_disabled, marginal };
inline constexpr std::size_t identity_count = 5;
using IdentitySet = EnumSet<Identity>;
constexpr IdentitySet bit(Identity i) noexcept { return IdentitySet::of(i); }

enum class Category : std::uint8_t { none, I, II, III };
enum class Insurance : std::uint8_t { resident, employee };
enum class HospitalLevel : std::uint8_t { village, township, county, city, province };
inline constexpr std::size_t hospital_level_count = 5;
enum class Region : std::uint8_t { in_county, in_city, in_province, out_of_province };

enum class Flag : std::uint8_t { first_diagnosis, transplant, tcm_clinic };
inline constexpr std::size_t flag_count = 3;
using FlagSet = EnumSet<Flag>;
constexpr FlagSet bit(Flag f) noexcept { return FlagSet::of(f); }

enum class FeeCategory : std::uint8_t { A, B, C };

/// The four buckets a stay's cost splits into, in the order payments are
/// usually taken from them.
enum class Bucket : std::uint8_t { in_scope, pre_selfpay, over_limit, full_selfpay };
inline constexpr std::size_t bucket_count = 4;

// Names as written in the interchange formats ("registered_poor", "county", ...).
MEDSETTLE_API std::string_view name(Identity) noexcept;
MEDSETTLE_API std::string_view name(Category) noexcept;  ///< "" for none
MEDSETTLE_API std::string_view name(Insurance) noexcept;
MEDSETTLE_API std::string_view name(HospitalLevel) noexcept;
MEDSETTLE_API std::string_view name(Region) noexcept;
MEDSETTLE_API std::string_view name(Flag) noexcept;
MEDSETTLE_API std::string_view name(FeeCategory) noexcept;
MEDSETTLE_API std::string_view name(Bucket) noexcept;

// Lookups by exact (lower-case) name; nullopt for an unknown value.
MEDSETTLE_API std::optional<Identity> identity_from(std::string_view) noexcept;
MEDSETTLE_API std::optional<Category> category_from(std::string_view) noexcept;
MEDSETTLE_API std::optional<Insurance> insurance_from(std::string_view) noexcept;
MEDSETTLE_API std::optional<HospitalLevel> hospital_level_from(std::string_view) noexcept;
MEDSETTLE_API std::optional<Region> region_from(std::string_view) noexcept;
MEDSETTLE_API std::optional<Flag> flag_from(std::string_view) noexcept;
MEDSETTLE_API std::optional<Bucket> bucket_from(std::string_view) noexcept;

/// "registered_poor, dibao, tekun, poor_disabled, marginal": for messages.
MEDSETTLE_API std::string_view identity_names() noexcept;
MEDSETTLE_API std::string_view hospital_level_names() noexcept;
MEDSETTLE_API std::string_view region_names() noexcept;
MEDSETTLE_API std::string_view flag_names() noexcept;

/// One fee line (费用明细).
struct FeeLine {
  FeeCategory category = FeeCategory::A;
  Fen amount{};
  Fen over_limit{};
  std::optional<Rate> selfpay_ratio;  ///< B lines only; else the rule set's class_b_selfpay
  std::string code;
  std::string name;
};

/// A stay's cost in buckets: total = full_selfpay + over_limit + pre_selfpay + in_scope.
struct Buckets {
  Fen total{}, full_selfpay{}, over_limit{}, pre_selfpay{}, in_scope{};
  [[nodiscard]] Fen of(Bucket b) const noexcept {
    switch (b) {
      case Bucket::in_scope: return in_scope;
      case Bucket::pre_selfpay: return pre_selfpay;
      case Bucket::over_limit: return over_limit;
      case Bucket::full_selfpay: return full_selfpay;
    }
    return Fen{};
  }
  friend bool operator==(const Buckets&, const Buckets&) = default;
};

/// Year-to-date ledger figures for one channel, given on a stay (`prior`).
struct PriorEntry {
  std::string channel;
  Fen accumulated{};
  Fen paid{};
  std::int64_t grants = 0;
};

/// One inpatient stay, validated (SEMANTICS.md §2).
struct Stay {
  std::string stay_id;
  std::string person_id;
  IdentitySet identities{};
  Category category = Category::none;
  int age = 0;
  Insurance insurance = Insurance::resident;
  HospitalLevel hospital_level = HospitalLevel::county;
  Region region = Region::in_county;
  Date admitted{}, discharged{};
  std::vector<std::string> diagnoses;  ///< at least one; the first is the principal
  FlagSet flags{};
  std::optional<std::string> referred_from;
  /// Exactly one of `fees` and `buckets` is given.
  std::vector<FeeLine> fees;
  std::optional<Buckets> buckets;
  /// `prior` ledger figures; present (possibly empty) only if the stay gave one.
  std::optional<std::vector<PriorEntry>> prior;

  [[nodiscard]] bool holds(Identity i) const noexcept { return identities.contains(i); }
  [[nodiscard]] bool has(Flag f) const noexcept { return flags.contains(f); }
};

/// The cost split of SEMANTICS.md §3. B lines without their own ratio use
/// `class_b_selfpay`; `p = round(rest × ratio)` with `mode`. A stay given in
/// bucket form returns its buckets unchanged. The stay must be valid
/// (validate); the engine splits each stay it settles itself.
[[nodiscard]] MEDSETTLE_API Buckets split(const Stay& stay, Rate class_b_selfpay, Rounding mode);

/// Checks a stay against SEMANTICS.md §2–§3 and §10 as the readers do: the
/// first problem in the order of the fields of §2 (and, within a list, of
/// its items), with the same code, field and message a reader gives for the
/// same stay read from JSON; nullopt if the stay is valid. `line` goes into
/// the rejection. settle() calls it on every stay: a stay built in code is
/// held to the same rules as one read from a file.
[[nodiscard]] MEDSETTLE_API std::optional<Rejection> validate(const Stay& stay, std::uint64_t line = 0);

}  // namespace medsettle
