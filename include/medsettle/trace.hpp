// medsettle/trace.hpp: the steps of a settlement, as typed values, and the
// observer that receives them.
//
// The engine settles a stay in small steps (SEMANTICS.md §6: eligibility,
// parameters and adjustments, base, the payment by kind, allocation, ledger)
// and hands each step's typed result to an Observer, if one is given. With
// no observer nothing is recorded, formatted or branched on. `explain`, the
// trace JSON and the C ABI's MEDSETTLE_TRACE are renderings of these steps.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "medsettle/date.hpp"
#include "medsettle/export.hpp"
#include "medsettle/language.hpp"
#include "medsettle/money.hpp"
#include "medsettle/stay.hpp"

namespace medsettle {

/// The changes an adjustment can make (SEMANTICS.md §6 step 2).
enum class AdjustmentKind : std::uint8_t {
  rate_add, rate_set, deductible_scale, deductible_set, cap_year_set, cap_stay_set, limit_set
};
[[nodiscard]] MEDSETTLE_API std::string_view name(AdjustmentKind) noexcept;

/// The typed result of each step.
namespace step {
struct Version { Date from, day; };                         ///< the version in force on `day`
struct Split { Buckets buckets; Rate class_b_selfpay; };     ///< §3
struct Prior { std::string channel; Fen accumulated, paid; std::int64_t grants = 0; };  ///< §8 `prior`
struct Eligibility { bool eligible = false; };               ///< the channel's `when`
struct Adjustment {                                          ///< one change of an adjustment whose `when` held
  AdjustmentKind change = AdjustmentKind::rate_add;
  Rate rate;                 ///< rate_add (signed), rate_set, deductible_scale
  Fen amount;                ///< deductible_set, cap_*_set; limit_set: the limit in force (an amount)
  bool none = false;         ///< cap_*_set none
  bool fraction = false;     ///< limit_set: a fraction (in `rate`) of the stay's total or in_scope
  Fen deductible_after;      ///< deductible_scale: the deductible it gives
};
struct BasePart { Bucket bucket = Bucket::in_scope; Fen amount; };
struct Base { std::array<BasePart, bucket_count> parts{}; std::uint8_t count = 0; Fen base; };
struct Referral { std::string from_stay; Fen deductible, applied_there, deductible_after; };  ///< referral: continuous
struct Deductible {
  bool year = false;         ///< period: year (accumulated over the person-year)
  Fen deductible;            ///< D
  Fen accumulated_before;    ///< year: the base accumulated before this stay
  Fen accumulated_after;     ///< year: and after it
  Fen applied;               ///< the deductible applied to this stay
};
struct Bands {
  std::uint16_t first_band = 0, band_count = 0;  ///< into Settlement::bands
  std::int64_t raw_yuan = 0;    ///< the exact payout: whole yuan ...
  std::int64_t raw_micro = 0;   ///< ... and millionths of a yuan (0..999999)
  Fen rounded;
};
struct CapStay { Fen cap; };                                 ///< cap_stay limited the payment
struct CapYear { Fen cap, paid_before, room; bool limits = false; };
struct Limit { bool year = false; Fen limit, kept_before, allowed, payment; };  ///< kind cap
struct Grant { bool already_paid = false; Fen amount; bool once_per_year = false; };
struct Allocation { Fen paid; std::array<BasePart, bucket_count> taken{}; std::uint8_t count = 0; };
struct Result { Fen patient_pays; std::array<Fen, bucket_count> remainders{}; Fen funds, hospital; };
}  // namespace step

using StepData = std::variant<step::Version, step::Split, step::Prior, step::Eligibility, step::Adjustment, step::Base,
                              step::Referral, step::Deductible, step::Bands, step::CapStay, step::CapYear, step::Limit,
                              step::Grant, step::Allocation, step::Result>;

/// What a step is about, in the words `explain` prints in its "step" column:
/// "version", "split", "ledger", "eligibility", "adjustment", "base",
/// "deductible", "bands", "cap", "limit", "grant", "allocation", "result".
[[nodiscard]] MEDSETTLE_API std::string_view step_name(const StepData& data) noexcept;

/// What about the stay chose a step's value: the hospital level a value
/// given per level was read at, the `when` condition that held (or did
/// not) for the stay's attributes, or both (a per-level rate or deductible
/// that an adjustment then added to or scaled).
struct Choice {
  enum class By : std::uint8_t { nothing, hospital_level, condition, hospital_level_and_condition };
  By by = By::nothing;
  HospitalLevel level = HospitalLevel::county;  ///< by hospital_level (and condition)
  std::int32_t condition = -1;                  ///< by condition: the rule set's condition node
};

/// One step as the engine reports it.
struct Step {
  int channel = -1;                    ///< index in the version's channel list; -1 for the stay
  std::uint32_t line = 0, column = 0;  ///< where the rule file wrote what decided it; 0 if nothing
  std::string_view source;             ///< that value's cited `source`, if any (valid during the call)
  StepData data;
  Choice choice;                       ///< the stay's attribute that chose the value, if any
};

/// Receives the steps of a settlement as they happen. A settlement that
/// fails (a rejection or an exception) may have reported some steps.
class MEDSETTLE_API Observer {
 public:
  virtual ~Observer();
  virtual void on_step(const Step& step) = 0;
};

/// One recorded step of an explanation, citing the rule-file line it came from.
/// `kind`, `message` and `chosen_by` are filled only with
/// SettleOptions::trace_text (the default); step_name(data), describe() and
/// describe_choice() give the same texts from the typed step either way.
struct TraceStep {
  int channel = -1;            ///< index in the version's channel list; -1 for the stay
  std::string kind;            ///< step_name(data)
  std::string message;         ///< readable text, in English: describe(settlement, step, Language::en)
  std::uint32_t line = 0, column = 0;  ///< in the rule file; 0 if none
  std::string source;          ///< the cited source of the rule value, if any
  StepData data;               ///< the typed step, to render in another language
  Choice choice;               ///< the stay's attribute that chose the value, if any
  /// That choice as text ("hospital_level county", "when identity: dibao"); "" if none:
  /// describe_choice(settlement, step).
  std::string chosen_by;
};

/// The attributes of the stay that conditions and per-level tables read.
struct StayAttributes {
  HospitalLevel hospital_level = HospitalLevel::county;
  Region region = Region::in_county;
  Insurance insurance = Insurance::resident;
  IdentitySet identities{};
  Category category = Category::none;
  int age = 0;
  FlagSet flags{};
  std::vector<std::string> diagnoses;  ///< the first is the principal
  Date admitted{}, discharged{};
  std::optional<std::string> referred_from;
};

struct Trace {
  StayAttributes stay;  ///< what the steps' choices were made from
  std::vector<TraceStep> steps;
};

}  // namespace medsettle
