// medsettle/stream.hpp: settling a large input in bounded memory.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <span>
#include <stdexcept>
#include <string>

#include "medsettle/errors.hpp"
#include "medsettle/reader.hpp"
#include "medsettle/settle.hpp"
#include "medsettle/export.hpp"

namespace medsettle {

enum class InputFormat : std::uint8_t { jsonl, csv };

/// Thrown by settle_stream when a person's stays are not consecutive in the
/// input: their yearly ledger could not be settled in one pass.
class MEDSETTLE_API NotGroupedError : public Error {
 public:
  NotGroupedError(std::uint64_t line, std::string person);
  std::uint64_t line;
  std::string person;
};

/// Thrown by settle_stream when a CSV header is unusable.
class MEDSETTLE_API InputError : public Error {
 public:
  using Error::Error;
};

struct StreamOptions {
  BatchOptions batch;
  InputFormat format = InputFormat::jsonl;
  ReadLimits limits;
  std::size_t wave_records = 32'768;  ///< records read, parsed and settled together
  /// Called after each wave with the number of records done so far.
  std::function<void(std::size_t)> progress;
};

struct StreamCounts {
  std::size_t read = 0, settled = 0, rejected = 0;
};

/// Settles an input whose records are grouped by person (each person's
/// records consecutive, in any order among themselves), holding only a wave
/// of records and the current person's records in memory. Outcomes are
/// passed to `sink` in input order. The result equals settle_batch on the
/// whole input. Besides the wave, the stay ids seen (for duplicates) and
/// the persons already done (to check the grouping) are remembered: about
/// 50 to 100 bytes per stay (a hash-table slot and the id's bytes). A record
/// whose rejection needs no other record (a duplicate stay id, a rejected
/// record without a person or a discharge date) is not held while the
/// current person's records wait: only its rejection, packed (about 30
/// bytes plus its message's arguments).
/// JSON Lines: the next wave's lines are read from `in` on another thread
/// while `sink` takes this wave's outcomes, so `sink` must not use `in`
/// (`progress` may: it is called with no read running). An output tied to
/// `in` (as std::cout to std::cin) is flushed on the calling thread before
/// each read instead, and tied again at the end.
/// Throws NotGroupedError if a person's records are not consecutive.
MEDSETTLE_API StreamCounts settle_stream(const Plan& plan, std::istream& in, const StreamOptions& options,
                           const std::function<void(const Outcome&)>& sink);

/// Receives the outcomes of one wave, in input order.
using WaveSink = std::function<void(std::span<const Outcome>)>;

/// As settle_stream, but passes the outcomes a wave at a time (at most
/// `wave_records` outcomes each), in input order: a caller
/// can format a wave on several threads and write it in order. The outcomes
/// live until `sink` returns.
MEDSETTLE_API StreamCounts settle_stream_waves(const Plan& plan, std::istream& in, const StreamOptions& options,
                                               const WaveSink& sink);

/// Reads an input once and tells whether its records are grouped by
/// person (every person's records consecutive). Cheap: only the person of
/// each record is read. Leaves the stream at its end.
MEDSETTLE_API bool grouped_by_person(std::istream& in, InputFormat format);

}  // namespace medsettle
