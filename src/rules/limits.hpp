// The limits of a rule file (rules/README.md "Limits", SECURITY.md). A rule
// file is untrusted: within 1 MiB it could otherwise ask for thousands of
// channels, and every stay settled under it would pay for them. Each limit
// is far above what a scheme needs, and together they bound the cost of a
// stay (bench/limits_bench.cpp measures it). Internal to the rules layer.
#pragma once

#include <cstddef>

namespace medsettle::detail::rule::limits {

/// Versions in a file: a version a month for eight years. The version in
/// force is looked up for every stay.
inline constexpr std::size_t versions = 100;
/// Channels in one version: each is evaluated for every stay, and each is
/// a line of every settlement.
inline constexpr std::size_t channels = 64;
/// Different channel ids over all versions: a person's ledger keeps one slot
/// per id, per year and per settled stay.
inline constexpr std::size_t channel_ids = 64;
/// Bands of a channel (the engine sizes its per-stay arrays by this).
inline constexpr std::size_t bands = 16;
/// Adjustments of a channel: each one's condition is tested for every stay.
inline constexpr std::size_t adjustments = 16;
/// Tests in one condition, counting every `all`, `any` and `not`.
inline constexpr std::size_t condition_tests = 32;
/// Nesting of `all`, `any` and `not`.
inline constexpr std::size_t condition_depth = 16;
/// Identity sets in a file (names looked up while compiling).
inline constexpr std::size_t identity_sets = 64;
/// Disease groups in a file: a condition's groups are one 64-bit mask.
inline constexpr std::size_t disease_groups = 64;
/// Entries of one disease group, and of all groups together: every
/// diagnosis of a stay (at most 1,000) is matched against every entry.
inline constexpr std::size_t group_entries = 256;
inline constexpr std::size_t all_group_entries = 1024;
/// Documents cited in `documents:`.
inline constexpr std::size_t documents = 64;
/// Bytes of an id or a name the file defines: the rule set's id, channel
/// ids, identity sets, disease groups, document short names.
inline constexpr std::size_t id_bytes = 64;
/// Bytes of a channel's name or the file's title: written into every
/// settlement (the name) and report.
inline constexpr std::size_t name_bytes = 256;
/// Bytes of a `source` or a document's title: repeated by `explain` at
/// every step that cites it.
inline constexpr std::size_t source_bytes = 2048;

}  // namespace medsettle::detail::rule::limits
