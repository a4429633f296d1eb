// Internal pieces of the streaming pipeline.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>

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

}  // namespace medsettle::detail
