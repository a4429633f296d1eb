// medsettle/slip.hpp: the printable settlement slip (一站式结算单) of one stay.
#pragma once

#include <string>

#include "medsettle/export.hpp"
#include "medsettle/language.hpp"
#include "medsettle/settlement.hpp"
#include "medsettle/stay.hpp"

namespace medsettle {

/// The settlement slip of `stay`, settled as `s`: one self-contained HTML
/// page (inline CSS and an inline SVG waterfall chart, no script, nothing
/// fetched) with the hospital (level and region), the patient, the dates,
/// the bill's buckets, each channel with what it paid and why in one line
/// (with what about the stay chose its values if `s` carries a trace:
/// SettleOptions::trace, as `medsettle slip` and Python's `plan.slip` settle),
/// what the patient pays, the rule set, its version and digest, and a
/// waterfall from the total to the patient's share. Labels are in
/// `language` (translate(); English where the catalogue has no
/// translation). Every figure has an id (`bucket-total`, `channel-<id>-paid`,
/// `patient-pays`, `step-<n>`, ...) so that tests can read it back.
/// Throws Error if `s` is not the settlement of `stay`.
[[nodiscard]] MEDSETTLE_API std::string render_slip_html(const Stay& stay, const Settlement& s,
                                                         Language language = Language::zh);

}  // namespace medsettle
