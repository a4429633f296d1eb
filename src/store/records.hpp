// Settlement records as the store keeps them, and an export read back.
// Internal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "medsettle/settlement.hpp"
#include "medsettle/store.hpp"
#include "store/backend.hpp"

namespace medsettle::detail {

/// Now, UTC, ISO 8601 with milliseconds.
[[nodiscard]] std::string now_utc();

/// The record of a settled stay.
[[nodiscard]] StoreRecord settlement_record(const Settlement& s, std::uint64_t run, const std::string& now);
/// The record of a reversal of `settlement_json`.
[[nodiscard]] StoreRecord reversal_record(std::string_view settlement_json, std::uint64_t run, const std::string& now,
                                          std::string_view reason);

[[nodiscard]] std::string_view kind_name(StoreRecord::Kind kind) noexcept;

/// An export read into an empty store, a few thousand persons at a time
/// (INTERCHANGE.md: one person a line, the ledger plus "records").
class Import {
 public:
  Import(Backend& db, const std::string& location) : db_(db), location_(location) {}
  /// One export line; throws Error naming the line.
  void add(std::string_view text, std::uint64_t line);
  /// Writes what is left.
  void finish();
  [[nodiscard]] const std::string& rules() const noexcept { return rules_; }
  [[nodiscard]] std::uint64_t persons() const noexcept { return persons_; }

 private:
  Backend& db_;
  const std::string& location_;
  std::string rules_;
  std::uint64_t persons_ = 0;
  std::unordered_set<std::string> seen_persons_, seen_stays_;
  std::vector<std::pair<std::string, std::string>> ledgers_, stays_;
  std::vector<StoreRecord> records_;
};

}  // namespace medsettle::detail
