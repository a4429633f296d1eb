// Internal pieces of the streaming pipeline.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "io/line_source.hpp"
#include "medsettle/stream.hpp"

namespace medsettle::detail {

/// Where an input stops being grouped by person: the line of a record
/// whose person's records came earlier and were interrupted.
struct Apart {
  std::uint64_t line = 0;
  std::string person;
};

/// The person of a JSON Lines record, read without parsing it where the
/// line is plain enough to be sure: up to the person's value, no backslash
/// (so every quote opens or closes a string, and no key is escaped), and the
/// first key "person_id" of the outermost object with a non-empty string
/// value. False when not sure: the parser decides (JsonStayReader::peek_person).
///
/// Where the parser finds a person this finds the same one, or is not sure.
/// It may find a person where the parser finds none (a line that is not
/// valid JSON after its person): the grouping it sees then has records the
/// parser's lacks, so "grouped" still holds for the parser's, and only
/// "apart" needs the parser's word (first_ungrouped with quick).
bool quick_person(std::string_view line, std::string_view& person);

/// The stay and person ids of a JSON Lines record, read as quick_person
/// reads the person: the first keys "stay_id" and "person_id" of the
/// outermost object, each with a non-empty plain string value, both found
/// before any backslash. False when not sure of both.
///
/// Where the parser reads a valid record, this finds its ids or is not
/// sure; in a record the parser rejects, it may find ids the parser does
/// not keep (the not-grouped settling checks each record against the
/// parser's reading, and starts again without it if one differs).
bool quick_ids(std::string_view line, std::string_view& stay, std::string_view& person);

/// What the grouping pass found: where a person's records are first found
/// apart (nullopt if grouped), and how many records and persons it read
/// (all of them if grouped).
struct Grouping {
  std::optional<Apart> apart;
  std::uint64_t records = 0, persons = 0;
};

/// What an input is known to hold (0: not known).
struct Expected {
  std::uint64_t records = 0, persons = 0;
  /// The input's size in bytes, when its records are not counted: the
  /// tables are then made ready after the first wave, for as many records
  /// and persons as the wave's bytes a record and records a person foretell.
  std::uint64_t bytes = 0;
};

/// Reads the input once (only the person of each record) and tells where a
/// person's records are first found apart. With `quick`, a JSON Lines
/// record's person is read without the parser where its line is plain; a
/// finding of "grouped" is then sure, but one of "apart" may come from a
/// record the parser finds no person in (invalid JSON), and is to be
/// checked by a pass without `quick`.
Grouping first_ungrouped(std::istream& in, InputFormat format, bool quick = false);

/// settle_stream_waves, with its tables of stay ids and of persons made
/// ready at once for what the grouping pass counted.
StreamCounts settle_stream_waves_expecting(const Plan& plan, std::istream& in, const StreamOptions& options,
                                           const WaveSink& sink, const Expected& expected);

}  // namespace medsettle::detail
