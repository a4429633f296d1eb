// medsettle/show.hpp: a rule set's parameters as in force on a date, and
// the parameters that differ between two rule sets or two versions of one
// (`medsettle show`, `medsettle diff`, the "parameters that differ" section
// of `medsettle compare --html`). Part of the report layer: it reads a
// compiled Plan, after every `changes:`, and cites for each value the line
// of the rule file it was written on and its `source`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "medsettle/date.hpp"
#include "medsettle/export.hpp"
#include "medsettle/language.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/stay.hpp"

namespace medsettle::report {

/// Where a value was written, and the `source` that justifies it.
struct Citation {
  std::string file;
  std::uint32_t line = 0, column = 0;  ///< 1-based
  std::string source;                  ///< "" when the value cites none
  friend bool operator==(const Citation&, const Citation&) = default;
};

/// One parameter as in force: its name, at one hospital level or at all,
/// its value as the rule file's own words write it, and where it was written.
struct Parameter {
  std::string name;                    ///< "deductible", "bands[1].rate", "cap_year", "when", "adjustments[0]", ...
  std::optional<HospitalLevel> level;  ///< set when the value is given per hospital level
  std::string value;                   ///< "500.00", "0.75", "none", "in_scope, pre_selfpay", "identity: dibao", ...
  Citation cite;
  /// "deductible", or "deductible.county" for a value per level.
  [[nodiscard]] MEDSETTLE_API std::string key() const;
  friend bool operator==(const Parameter&, const Parameter&) = default;
};

/// A channel's parameters, in the order: name, kind, reports_as,
/// fund_pay_type, base, period, when; the kind's values (deductible, rate or
/// bands, caps, referral; limit; amount, once_per); then the adjustments.
struct ChannelParameters {
  std::string id, name;
  Citation cite;  ///< the channel's map, and its source
  std::vector<Parameter> parameters;
};

/// The version of a rule set in force on a date, with every parameter.
struct ParametersInForce {
  std::string rule_set, title, file, digest;
  std::optional<Date> as_of;  ///< the date asked; none: the last version
  std::size_t version = 0;    ///< index among the file's versions
  Date from;                  ///< the version's `from`
  std::optional<Date> to;     ///< its last day in force; none: no end
  Citation version_cite;
  std::vector<Parameter> rule_set_parameters;  ///< rounding, class_b_selfpay, disease_groups.<name> (the entries)
  std::vector<ChannelParameters> channels;     ///< in settlement order
};

/// The version in force on `as_of`, or the last version when no date is
/// given. Throws UsageError when no version is in force on that date.
[[nodiscard]] MEDSETTLE_API ParametersInForce parameters_in_force(const Plan& plan,
                                                                  std::optional<Date> as_of = std::nullopt);

/// A parameter whose value differs: A's and B's (nullopt: the parameter, or
/// its whole channel, is absent on that side).
struct ParameterChange {
  std::string channel;  ///< the channel's id; "" for the rule set's own parameters
  std::string key;      ///< Parameter::key()
  std::optional<Parameter> a, b;
};

/// Every parameter whose value differs between A and B. Values are
/// compared, not their citations: the same value moved to another line, or
/// with another source, is no difference. A value given once on one side and
/// per level on the other is compared level by level.
struct ParameterDiff {
  ParametersInForce a, b;
  std::vector<ParameterChange> changes;  ///< the rule set's, then channel by channel in B's order (A's others last)
};

[[nodiscard]] MEDSETTLE_API ParameterDiff diff_parameters(ParametersInForce a, ParametersInForce b);

/// Aligned text for a terminal: a heading, then a table per channel.
[[nodiscard]] MEDSETTLE_API std::string render_text(const ParametersInForce& p);
/// The same with its headings and sentences in `language` (ids, values and citations as they are).
[[nodiscard]] MEDSETTLE_API std::string render_text(const ParametersInForce& p, Language language);
/// The same for machines: one JSON object (see README.md, `medsettle show --json`).
MEDSETTLE_API void write_json(std::string& out, const ParametersInForce& p);
/// Aligned text: both sides, then each change with both values and their citations.
[[nodiscard]] MEDSETTLE_API std::string render_text(const ParameterDiff& d);
/// The same in `language`.
[[nodiscard]] MEDSETTLE_API std::string render_text(const ParameterDiff& d, Language language);
/// One JSON object: both sides' headings and the changes.
MEDSETTLE_API void write_json(std::string& out, const ParameterDiff& d);

}  // namespace medsettle::report
