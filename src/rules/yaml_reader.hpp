// A small YAML tree with positions, built from yaml-cpp's event parser.
// Internal: yaml-cpp is included in src/rules/ and nowhere else, and no
// yaml-cpp object outlives loading.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "medsettle/errors.hpp"

namespace medsettle::detail {

struct YPair;

struct YNode {
  enum class Kind : std::uint8_t { null, scalar, sequence, map };
  Kind kind = Kind::null;
  bool plain = false;                 ///< scalar written without quotes
  std::uint32_t line = 0, column = 0; ///< 1-based
  std::string text;                   ///< scalar text
  std::vector<YNode> items;           ///< sequence items
  std::vector<YPair> pairs;           ///< map entries, in file order, keys unique

  [[nodiscard]] bool is_scalar() const noexcept { return kind == Kind::scalar; }
  [[nodiscard]] bool is_map() const noexcept { return kind == Kind::map; }
  [[nodiscard]] bool is_sequence() const noexcept { return kind == Kind::sequence; }
  [[nodiscard]] const YNode* find(std::string_view key) const noexcept;
};

/// A map entry: key and value. A struct of its own rather than
/// std::pair<YNode, YNode>, which clang (with libstdc++) cannot instantiate
/// for the recursive type.
struct YPair {
  YNode first, second;
  YPair() = default;
  YPair(YNode key, YNode value) : first(std::move(key)), second(std::move(value)) {}
};

inline const YNode* YNode::find(std::string_view key) const noexcept {
  for (const auto& [k, v] : pairs) {
    if (k.text == key) return &v;
  }
  return nullptr;
}

struct YamlLimits {
  std::size_t max_bytes = 1u << 20;  ///< rule files are small; larger ones are refused
  std::size_t max_depth = 32;        ///< nesting of maps and sequences
  std::size_t max_nodes = 200'000;
};

/// Parses one YAML document. Problems (syntax, duplicate keys, aliases,
/// tags, limits) are appended to `diags`; the tree holds what could be read.
YNode parse_yaml(std::string_view text, const std::string& file, std::vector<RuleDiagnostic>& diags,
                 const YamlLimits& limits = {});

/// A diagnostic at a 1-based line and column (1 when 0), in English and in catalogue form.
RuleDiagnostic diagnostic(const std::string& file, std::uint32_t line, std::uint32_t column, Message what);

/// The diagnostic for a rule file of `bytes` bytes, over the size limit.
RuleDiagnostic oversize(const std::string& file, std::uintmax_t bytes, const YamlLimits& limits = {});

/// "a map", "a list", "a scalar", "null": for messages.
std::string_view describe(const YNode& n) noexcept;

}  // namespace medsettle::detail
