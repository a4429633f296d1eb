// medsettle/pipeline.hpp: a file of stays in, settlements and rejections
// out, in input order, on several threads, in bounded memory when the
// input allows it: what `medsettle settle` runs.
#pragma once

#include <cstdint>
#include <functional>
#include <ostream>
#include <span>
#include <vector>

#include "medsettle/export.hpp"
#include "medsettle/files.hpp"
#include "medsettle/language.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/reader.hpp"
#include "medsettle/settle.hpp"
#include "medsettle/stream.hpp"
#include "medsettle/writer.hpp"

namespace medsettle {

enum class OutputFormat : std::uint8_t { jsonl, csv };

/// How the input is held: `automatic` streams a regular file whose stays
/// are grouped by person (checked by a first, cheap pass); a file (JSON
/// Lines or CSV) that is not grouped is settled in waves of persons, each
/// reading its records back from the file, the outcomes' text spilled to a
/// temporary file and written from there in input order (bounded memory);
/// standard input is first copied to a temporary file and then settled as
/// a file. `stream`
/// requires the grouping (NotGroupedError otherwise, before anything is
/// written); `whole` reads everything first.
enum class PipelineMode : std::uint8_t { automatic, stream, whole };

/// How far a run has come.
struct PipelineProgress {
  std::uint64_t records = 0;      ///< records settled or rejected so far
  std::uint64_t bytes_read = 0;   ///< of the input
  std::uint64_t input_size = 0;   ///< 0 if unknown (standard input)
};

struct PipelineOptions {
  unsigned threads = 0;  ///< 0: one per core; at most max_batch_threads
  InputFormat input = InputFormat::jsonl;
  OutputFormat output = OutputFormat::jsonl;
  /// JSON Lines: add each channel's itemization; CSV: `<id>_base`,
  /// `<id>_deductible` and `<id>_paid` per channel (CsvOptions::itemize).
  bool itemize = false;
  bool csv_bom = false;                         ///< CSV: the UTF-8 byte-order mark first (CsvOptions::bom)
  CsvHeaders csv_headers = CsvHeaders::english; ///< CSV: the names of the fixed columns
  PipelineMode mode = PipelineMode::automatic;
  /// Automatic mode, an input not grouped by person: bytes of input
  /// settled together in a wave; 0: a thirty-second of the input, within
  /// 4 MiB and 128 MiB (JSON Lines; CSV: within 1 MiB and 32 MiB).
  std::uint64_t wave_bytes = 0;
  SettleOptions settle;  ///< as_of; no trace
  /// The language of the rejections' messages (JSON keys and codes stay English).
  Language messages = Language::en;
  ReadLimits limits;
  /// Kept ledgers to settle against (not owned; see LedgerBook); none: every person starts empty.
  LedgerBook* ledgers = nullptr;
  /// Called now and then from the calling thread.
  std::function<void(const PipelineProgress&)> progress;
};

struct PipelineCounts {
  std::uint64_t read = 0, settled = 0, rejected = 0;
};

/// Settles the stays of `in` (SEMANTICS.md §8, §10): settlements to `out`
/// (JSON Lines or CSV with its header), rejections to `errors` (JSON
/// Lines), both in input order. The result does not depend on the number
/// of threads or on the mode. Throws NotGroupedError (mode stream), InputError
/// (an unusable CSV header), IoError (reading or writing).
MEDSETTLE_API PipelineCounts settle_file(const Plan& plan, InputFile& in, std::ostream& out, std::ostream& errors,
                                         const PipelineOptions& options);

/// As above, writing to files a command opened. The output is the same; only
/// the way to it differs: when both outputs are written through temporary
/// files (OutputFile::atomic), no kept ledgers are given, the mode is
/// automatic and the input JSON Lines, a regular input is settled as a
/// stream at once, without the pass that checks its grouping first; if a
/// person's stays turn out apart, what was written is dropped
/// (OutputFile::discard) and the input is settled in waves of persons from
/// its start (the worst case, a person found apart on the last line, settles
/// and writes the input twice). In waves of persons, the outcomes' text is
/// written a wave after every record before it is settled, not after the
/// last wave. The outputs must be as opened (anything written to them
/// before would be dropped too) and are not committed.
MEDSETTLE_API PipelineCounts settle_file(const Plan& plan, InputFile& in, OutputFile& out, OutputFile& errors,
                                         const PipelineOptions& options);

/// Reads every record of `in` in options.input's format, with options.limits.
/// Throws InputError (an unusable CSV header), IoError.
[[nodiscard]] MEDSETTLE_API std::vector<Record> read_input(InputFile& in, const PipelineOptions& options);

/// Writes outcomes already settled (one per record, in input order) as
/// settle_file does: settlements to `out`, rejections to `errors`, with
/// options.output, itemize, messages, threads and progress. For runs that
/// settle otherwise, such as against a kept ledger (medsettle/store.hpp).
MEDSETTLE_API PipelineCounts write_outcomes(const Plan& plan, std::span<const Outcome> outcomes, std::ostream& out,
                                            std::ostream& errors, const PipelineOptions& options);

}  // namespace medsettle
