// medsettle/writer.hpp: settlements and rejections as text (INTERCHANGE.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "medsettle/errors.hpp"
#include "medsettle/language.hpp"
#include "medsettle/ledger.hpp"
#include "medsettle/export.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/settlement.hpp"

namespace medsettle {

/// Appends one settlement as a JSON object (INTERCHANGE.md; no line end).
/// Money is written as strings with two decimals.
MEDSETTLE_API void write_json(std::string& out, const Settlement& s);
/// Appends one settlement with an `itemization` field: per channel, the
/// payment before caps (`computed`), what limited it (`limited_by`), the
/// amount in each band with its rate, and what was taken from each bucket.
MEDSETTLE_API void write_json_itemized(std::string& out, const Settlement& s);
/// Appends the itemization alone, as a JSON array.
MEDSETTLE_API void write_itemization_json(std::string& out, const Settlement& s);
/// Appends one rejection as a JSON object (no line end), its message in `language`.
MEDSETTLE_API void write_json(std::string& out, const Rejection& r, Language language = Language::en);

/// The CSV header: the scalar settlement fields, then `<channel id>_paid`
/// for every channel of the rule set (every version's, in ledger-slot order).
[[nodiscard]] MEDSETTLE_API std::string csv_header(const Plan& plan);
/// Appends one settlement as a CSV row (no line end), in the columns of
/// csv_header() of the plan that settled it.
MEDSETTLE_API void write_csv(std::string& out, const Settlement& s);

/// The names of the CSV's fixed columns: the interchange names (stay_id,
/// medfee_sumamt, ...) or the Chinese names of the national platform's
/// settlement list (结算ID, 医疗费总额, ...). Per-channel columns always
/// keep the channel id.
enum class CsvHeaders : std::uint8_t { english, chinese };

/// CSV for spreadsheets (README.md, "CSV output"). The default is the CSV above.
struct CsvOptions {
  bool bom = false;                         ///< the UTF-8 byte-order mark before the header (Excel)
  CsvHeaders headers = CsvHeaders::english;
  /// Three columns per channel instead of `<id>_paid`: `<id>_base` (B, the
  /// remainders of its base buckets), `<id>_deductible` (the deductible
  /// applied) and `<id>_paid`.
  bool itemize = false;
};
/// The header row under `options` (the byte-order mark first if asked; no line end).
[[nodiscard]] MEDSETTLE_API std::string csv_header(const Plan& plan, const CsvOptions& options);
/// Appends one settlement as a CSV row in the columns of csv_header(plan, options).
MEDSETTLE_API void write_csv(std::string& out, const Settlement& s, const CsvOptions& options);

/// Appends a person's ledger as one JSON object (INTERCHANGE.md, "A person's
/// ledger as JSON"; no line end). Deterministic: the same ledger gives the
/// same bytes.
MEDSETTLE_API void write_ledger_json(std::string& out, const LedgerSnapshot& ledger);

/// Appends `text` as a JSON string literal, quotes included.
MEDSETTLE_API void write_json_string(std::string& out, std::string_view text);
/// Appends `text` as a CSV cell, quoted if it needs to be.
MEDSETTLE_API void write_csv_cell(std::string& out, std::string_view text);

/// The trace of a settlement as an aligned table a clerk can read, with the
/// rule file's channel names and, per step, the rule-file line and source.
[[nodiscard]] MEDSETTLE_API std::string render_trace_text(const Settlement& s, Language language = Language::en);
/// The trace as one JSON object: the settlement and its steps.
MEDSETTLE_API void write_trace_json(std::string& out, const Settlement& s, Language language = Language::en);

// The forms that took the Plan: a settlement now describes itself.
[[deprecated("a settlement describes itself: write_json(out, s)")]] inline void write_json(std::string& out,
                                                                                          const Plan&,
                                                                                          const Settlement& s) {
  write_json(out, s);
}
[[deprecated("a settlement describes itself: write_json_itemized(out, s)")]] inline void write_json_itemized(
    std::string& out, const Plan&, const Settlement& s) {
  write_json_itemized(out, s);
}
[[deprecated("a settlement describes itself: write_itemization_json(out, s)")]] inline void write_itemization_json(
    std::string& out, const Plan&, const Settlement& s) {
  write_itemization_json(out, s);
}
[[deprecated("a settlement describes itself: write_csv(out, s)")]] inline void write_csv(std::string& out, const Plan&,
                                                                                        const Settlement& s) {
  write_csv(out, s);
}
[[deprecated("a settlement describes itself: render_trace_text(s)")]] inline std::string render_trace_text(
    const Plan&, const Settlement& s) {
  return render_trace_text(s);
}
[[deprecated("a settlement describes itself: write_trace_json(out, s)")]] inline void write_trace_json(
    std::string& out, const Plan&, const Settlement& s) {
  write_trace_json(out, s);
}

}  // namespace medsettle
