// Names of JSON value types for messages ("expected a list, got an object").
// Internal: shared by the readers (stays, ledgers, recorded settlements).
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

inline std::string_view json_type_name_dom(simdjson::dom::element e) noexcept {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::ARRAY: return "a list";
    case element_type::OBJECT: return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: return "a number";
    case element_type::STRING: return "a string";
    case element_type::BOOL: return "a boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "a value";
}

}  // namespace medsettle::detail
