// medsettle/writer.hpp: settlements and rejections as text (INTERCHANGE.md).
#pragma once

#include <string>
#include <string_view>

#include "medsettle/errors.hpp"
#include "medsettle/export.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/settlement.hpp"

namespace medsettle {

/// Appends one settlement as a JSON object (no line end). Money is written
/// as strings with two decimals. The Plan is the one that settled it.
MEDSETTLE_API void write_json(std::string& out, const Plan& plan, const Settlement& s);
/// Appends one settlement with an `itemization` field: per channel, the
/// payment before caps (`computed`), what limited it (`limited_by`), the
/// amount in each band with its rate, and what was taken from each bucket.
MEDSETTLE_API void write_json_itemized(std::string& out, const Plan& plan, const Settlement& s);
/// Appends the itemization alone, as a JSON array.
MEDSETTLE_API void write_itemization_json(std::string& out, const Plan& plan, const Settlement& s);
/// Appends one rejection as a JSON object (no line end).
MEDSETTLE_API void write_json(std::string& out, const Rejection& r);

/// The CSV header: the scalar settlement fields, then `<channel id>_paid`
/// for every channel of the rule set (every version's, in ledger-slot order).
[[nodiscard]] MEDSETTLE_API std::string csv_header(const Plan& plan);
/// Appends one settlement as a CSV row (no line end).
MEDSETTLE_API void write_csv(std::string& out, const Plan& plan, const Settlement& s);

/// Appends `text` as a JSON string literal, quotes included.
MEDSETTLE_API void write_json_string(std::string& out, std::string_view text);
/// Appends `text` as a CSV cell, quoted if it needs to be.
MEDSETTLE_API void write_csv_cell(std::string& out, std::string_view text);

/// The trace of a settlement as an aligned table a clerk can read, with the
/// rule file's channel names and, per step, the rule-file line and source.
[[nodiscard]] MEDSETTLE_API std::string render_trace_text(const Plan& plan, const Settlement& s);
/// The trace as one JSON object: the settlement and its steps.
MEDSETTLE_API void write_trace_json(std::string& out, const Plan& plan, const Settlement& s);

}  // namespace medsettle
