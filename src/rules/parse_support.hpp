// Reading YAML values into the typed rule model: scalars, values given once
// or per level, and the checks every map gets. Each problem is appended to
// the Problems of the part being read. Internal to the rules layer.
#pragma once

#include <initializer_list>
#include <vector>
#include <optional>
#include <string>
#include <string_view>

#include "core/text.hpp"
#include "rules/names.hpp"
#include "rules/rule_model.hpp"
#include "rules/yaml_reader.hpp"

namespace medsettle::detail::rule {

inline Pos pos(const YNode& n) noexcept { return {n.line, n.column}; }
inline void add(Problems& out, const YNode& at, Message what) { out.push_back({pos(at), std::move(what)}); }

/// The YAML values (scalars, lists, maps, nulls; keys included) in a tree.
std::uint32_t count_values(const YNode& n);

bool expect_map(const YNode& n, std::string_view what, Problems& out);
bool expect_list(const YNode& n, std::string_view what, Problems& out);
/// Every key of `map` not in `allowed` is a problem at the key.
void check_keys(const YNode& map, std::initializer_list<std::string_view> allowed, std::string_view what,
                Problems& out);
/// The problem for a key that is not one of `allowed`, suggesting the nearest
/// allowed key when the key looks like a misspelling of it (also used by
/// compile for channels).
Message unknown_key(std::string_view key, std::string_view what, const std::vector<std::string_view>& allowed);
/// The allowed word `word` is most likely a misspelling of, if any: at most
/// two letters added, left out, changed or swapped, and at most a third of the word's.
std::optional<std::string_view> nearest(std::string_view word, const std::vector<std::string_view>& allowed);
/// "a, b, c" -> {"a", "b", "c"}.
std::vector<std::string_view> split(std::string_view list);
/// {"a", "b", "c"} -> "a, b, c".
std::string join(const std::vector<std::string_view>& names, std::string_view separator = ", ");
const YNode* require(const YNode& map, std::string_view key, std::string_view what, Problems& out);

std::optional<std::string> text(const YNode& n, std::string_view what, Problems& out);
/// A scalar read by `parse(text, why)`, which returns nullopt and sets `why` when the text will not do.
template <class T, class Parse>
std::optional<T> read_scalar(const YNode& n, std::string_view what, Problems& out, Parse parse) {
  auto t = text(n, what, out);
  if (!t) return std::nullopt;
  Message why;
  std::optional<T> v = parse(*t, why);
  if (!v) add(out, n, std::move(why));
  return v;
}

std::optional<Fen> amount(const YNode& n, std::string_view what, Problems& out);
std::optional<Rate> rate(const YNode& n, std::string_view what, Problems& out);
std::optional<Date> date(const YNode& n, std::string_view what, Problems& out);
/// A plain non-negative integer without leading zeros, at most 9 digits.
std::optional<long long> small_integer(std::string_view t);
/// A scale factor: up to two integer digits and four decimals (0.5, 1.2).
std::optional<Rate> parse_factor(std::string_view t);
/// A problem if the scalar `n` has more than `limit` bytes (rules/limits.hpp).
void check_length(const YNode& n, std::string_view what, std::size_t limit, Problems& out);
/// The `source` of a map, if it has a usable one.
Source source_of(const YNode& map, Problems& out);
/// A `source:` value, if usable.
Source source_text(const YNode& s, Problems& out);
/// A value written alone (`2000`) or as `key` beside a `source` (`{value: 2000, source: ...}`):
/// the value, or nullptr when the map lacks `key`.
const YNode* with_source(const YNode& v, std::string_view key, std::string_view what, Source& source, Problems& out);

/// The problem for a value that is not one of `allowed`, with the nearest one if it looks misspelt.
Message unknown_value(std::string_view what, std::string_view value, const std::vector<std::string_view>& allowed);

template <class E, std::size_t N>
std::optional<E> choice(const YNode& n, std::string_view what, const std::array<Named<E>, N>& table, Problems& out) {
  auto t = text(n, what, out);
  if (!t) return std::nullopt;
  if (auto v = value_named(table, *t)) return v;
  std::vector<std::string_view> allowed;
  for (const auto& named : table) allowed.push_back(named.name);
  add(out, n, unknown_value(what, *t, allowed));
  return std::nullopt;
}

std::optional<LeveledSpec<Fen>> amount_value(const YNode& n, std::string_view what, Problems& out);
std::optional<LeveledSpec<Rate>> rate_value(const YNode& n, std::string_view what, Problems& out);

// The parts of a file (parse.cpp, parse_channel.cpp, parse_condition.cpp).
ChannelSpec parse_channel(const YNode& n);
ConditionSpec parse_condition(const YNode& n, std::string_view what, int depth = 0);
LimitSpec parse_limit(const YNode& n, std::string_view what, Problems& out, bool& ok);

}  // namespace medsettle::detail::rule
