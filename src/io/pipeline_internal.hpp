// Internal pieces of the file pipeline (src/io/pipeline.cpp, src/io/apart.cpp).
#pragma once

#include <ostream>
#include <string>

#include "medsettle/pipeline.hpp"

namespace medsettle::detail {

/// The CSV options of a pipeline's output.
CsvOptions csv_options_of(const PipelineOptions& o);

/// Appends the text of one outcome with its line end: a settlement to
/// `out`, a rejection to `err` (the same string may be given for both).
void format_outcome(const Outcome& o, std::string& out, std::string& err, const PipelineOptions& options);

/// Settles a regular JSON Lines file whose stays are not grouped by person
/// in bounded memory: a first pass records where each record is and whose
/// it is, persons are settled in waves of about options.wave_bytes of input
/// read back with pread, their outcomes' text spilled to a temporary file,
/// then written from there in input order. Writes the CSV header (CSV
/// output) and flushes `out` and `errors`.
PipelineCounts settle_apart(const Plan& plan, InputFile& in, std::ostream& out, std::ostream& errors,
                            const PipelineOptions& options, unsigned threads);

/// Copies a non-regular input (standard input) to a temporary file, removed
/// from its folder at once, and returns it as a regular input named as `in`.
InputFile spill_input(InputFile& in);

}  // namespace medsettle::detail
