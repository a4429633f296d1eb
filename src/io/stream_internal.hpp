// Internal pieces of the streaming pipeline.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <span>
#include <string>
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

/// Reads the input once (only the person of each record) and tells where a
/// person's records are first found apart; nullopt if grouped.
std::optional<Apart> first_ungrouped(std::istream& in, InputFormat format);

/// Parses `lines` into `items` (one each) with up to `readers.size()`
/// threads, each a contiguous slice.
void parse_wave(std::vector<JsonStayReader>& readers, const std::vector<Line>& lines, std::span<Record> items);

}  // namespace medsettle::detail
