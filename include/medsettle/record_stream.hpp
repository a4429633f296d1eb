// medsettle/record_stream.hpp: settling records made elsewhere (the rows of
// a table, by the Python module) a wave at a time, in bounded memory.
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

#include "medsettle/export.hpp"
#include "medsettle/record.hpp"
#include "medsettle/stream.hpp"

namespace medsettle {

/// Appends the next records of an input to `wave`, in input order (at most
/// `max`, each with its `line`); returns false once the input is done.
using RecordSource = std::function<bool(std::vector<Record>& wave, std::size_t max)>;

/// As settle_stream_waves, for records made elsewhere: grouped by person,
/// read from `source` and settled a wave (`options.wave_records`) at a time,
/// the outcomes passed to `sink` in input order. The result equals
/// settle_batch on all the records. A valid record (no `rejection`) counts
/// its stay id and person whatever its `has_stay_id` and `has_person_id`
/// say, as settle_batch counts them: a duplicate stay id is found however
/// many waves apart. Throws NotGroupedError if a person's records are not
/// consecutive (the waves passed on before stand). An
/// exception from `source` ends the run and is rethrown. `options.format`
/// and `options.limits` are not used.
MEDSETTLE_API StreamCounts settle_record_waves(const Plan& plan, const RecordSource& source,
                                               const StreamOptions& options, const WaveSink& sink);

}  // namespace medsettle
