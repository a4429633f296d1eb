// Names of JSON value types for messages ("expected a list, got an object").
// Internal: shared by the stay reader and the replay command.
#pragma once

#include <string_view>

#include <simdjson.h>

namespace medsettle::detail {

inline std::string_view json_type_name(simdjson::ondemand::json_type t) noexcept {
  using simdjson::ondemand::json_type;
  switch (t) {
    case json_type::array: return "a list";
    case json_type::object: return "an object";
    case json_type::number: return "a number";
    case json_type::string: return "a string";
    case json_type::boolean: return "a boolean";
    case json_type::null: return "null";
  }
  return "a value";
}

}  // namespace medsettle::detail
