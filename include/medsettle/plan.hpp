// medsettle/plan.hpp: a rule set, loaded from YAML and compiled once.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "medsettle/date.hpp"
#include "medsettle/errors.hpp"
#include "medsettle/export.hpp"
#include "medsettle/money.hpp"

namespace medsettle {

namespace detail {
struct PlanData;
}

/// Where a channel's payment is reported in the settlement (INTERCHANGE.md).
enum class ReportsAs : std::uint8_t { hifp_pay, hifmi_pay, maf_pay, hosp_part_amt, oth_pay };
MEDSETTLE_API std::string_view name(ReportsAs) noexcept;

/// A channel of a version, as the rule file names it.
struct ChannelInfo {
  std::string_view id, name, fund_pay_type;
  ReportsAs reports_as = ReportsAs::oth_pay;
};

/// A compiled rule set: immutable, cheap to copy, and safe to share between
/// any number of threads. Holds no yaml-cpp object. Loading is the rules
/// layer's work (src/rules); the plan itself is the compiled model the
/// engine reads.
class MEDSETTLE_API Plan {
 public:
  using ChannelInfo = medsettle::ChannelInfo;
  /// Rule files are small: a larger one is refused without being read.
  static constexpr std::size_t max_rule_file_bytes = 1u << 20;

  /// Loads and compiles a rule file. Throws RuleFileError with every problem
  /// found (`file:line:column: message`), or std::system_error if the file
  /// cannot be read.
  [[nodiscard]] static Plan load_file(const std::string& path);
  /// Loads and compiles rule-file text; `file` names it in messages.
  [[nodiscard]] static Plan load_string(std::string_view text, const std::string& file = "<string>");
  /// The default rule set (rules/hunan.yaml), compiled into the library.
  [[nodiscard]] static const Plan& builtin();

  /// Checks rule-file text and returns every problem (empty: valid).
  [[nodiscard]] static std::vector<RuleDiagnostic> check(std::string_view text, const std::string& file);

  [[nodiscard]] std::string_view id() const noexcept;
  [[nodiscard]] std::string_view title() const noexcept;
  [[nodiscard]] std::string_view file() const noexcept;
  /// "sha256:" + the hex SHA-256 digest of the rule file's bytes.
  [[nodiscard]] std::string_view digest() const noexcept;
  [[nodiscard]] Rounding rounding() const noexcept;
  [[nodiscard]] Rate class_b_selfpay() const noexcept;

  /// The `from` dates of the versions, in order.
  [[nodiscard]] std::vector<Date> versions() const;
  /// The version in force on `day`: its index, or nullopt.
  [[nodiscard]] std::optional<std::size_t> version_on(Date day) const noexcept;
  /// Channel ids of a version, in evaluation order.
  [[nodiscard]] std::vector<std::string> channel_ids(std::size_t version) const;
  /// Every channel id of every version (the ledger slots), in first-seen order.
  [[nodiscard]] const std::vector<std::string>& ledger_slots() const noexcept;
  /// The ledger slot of a channel id, or nullopt.
  [[nodiscard]] std::optional<std::size_t> slot_of(std::string_view channel_id) const noexcept;

  [[nodiscard]] std::size_t channel_count(std::size_t version) const;
  [[nodiscard]] ChannelInfo channel(std::size_t version, std::size_t index) const;

  /// The rule set's `until` date, if it has one (the last version is in force until then).
  [[nodiscard]] std::optional<Date> until() const noexcept;

  [[nodiscard]] const detail::PlanData& data() const noexcept { return *data_; }
  [[nodiscard]] const std::shared_ptr<const detail::PlanData>& shared_data() const noexcept { return data_; }
  explicit Plan(std::shared_ptr<const detail::PlanData> data) noexcept : data_(std::move(data)) {}

 private:
  std::shared_ptr<const detail::PlanData> data_;
};

}  // namespace medsettle
