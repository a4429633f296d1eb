// What a kept ledger needs of a database: the few statements of the schema
// (docs/store-schema.md), one implementation per database. The rules of
// settling, reversing, exporting and importing are written once, in
// store.cpp, over this interface. Internal.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "medsettle/store.hpp"

namespace medsettle::detail {

/// The schema version this release writes; a store with a higher one is refused.
inline constexpr int store_schema_version = 1;

/// A conflict with a concurrent transaction (a deadlock, a stay id settled
/// at the same time by a run of another person): the run is tried again.
struct StoreConflict : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A committed run, as the runs table keeps it.
struct RunRow {
  std::uint64_t run = 0, commit_order = 0;
  std::string recorded_at, kind, rules, digest;
  std::uint64_t settled = 0, rejected = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  [[nodiscard]] virtual std::string_view kind() const noexcept = 0;

  /// A read transaction sees one consistent state; a write transaction is
  /// the only one that writes (SQLite) or locks what it touches (PostgreSQL).
  enum class Tx : std::uint8_t { read, write };
  virtual void begin(Tx tx) = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;

  [[nodiscard]] virtual std::optional<std::string> meta(std::string_view key) = 0;
  /// Sets a key unless it has a value (a concurrent writer's value wins).
  virtual void set_meta_if_absent(std::string_view key, std::string_view value) = 0;

  /// Locks the persons (sorted, distinct) until the end of the transaction;
  /// returns their ledgers (JSON), aligned with `persons`, nullopt where none.
  [[nodiscard]] virtual std::vector<std::optional<std::string>> lock_persons(const std::vector<std::string>& persons) = 0;
  /// Persons locked by lock_persons that got no ledger: their lock rows go.
  virtual void release_persons(const std::vector<std::string>& persons) = 0;
  /// Of `stay_ids`, those the store holds (settled, not reversed).
  [[nodiscard]] virtual std::vector<std::string> held_stays(const std::vector<std::string>& stay_ids) = 0;
  [[nodiscard]] virtual std::optional<std::string> person_of(std::string_view stay_id) = 0;
  [[nodiscard]] virtual std::optional<std::string> ledger_of(std::string_view person_id) = 0;
  [[nodiscard]] virtual std::vector<StoreRecord> records_of(std::string_view person_id) = 0;
  /// The settlement record of a stay the person holds (the latest of that id).
  [[nodiscard]] virtual std::optional<std::string> settlement_of(std::string_view person_id,
                                                                 std::string_view stay_id) = 0;

  /// Ledgers (person, JSON) in order of person id (bytes), after `after` unless `first`.
  [[nodiscard]] virtual std::vector<std::pair<std::string, std::string>> ledgers_page(std::string_view after,
                                                                                      bool first,
                                                                                      std::size_t limit) = 0;
  /// Records of the persons from `first` to `last` (inclusive), by person, then settlement order.
  [[nodiscard]] virtual std::vector<StoreRecord> records_between(std::string_view first, std::string_view last) = 0;
  /// Whether the store holds no ledger and no record.
  [[nodiscard]] virtual bool empty() = 0;

  virtual void save_ledgers(const std::vector<std::pair<std::string, std::string>>& ledgers) = 0;
  virtual void add_stays(const std::vector<std::pair<std::string, std::string>>& stay_person) = 0;
  virtual void remove_stays(const std::vector<std::string>& stay_ids) = 0;
  virtual void add_records(const std::vector<StoreRecord>& records) = 0;
  [[nodiscard]] virtual std::uint64_t next_run_id() = 0;
  /// The run's place among committed runs: taken last, just before the commit.
  [[nodiscard]] virtual std::uint64_t next_commit() = 0;
  virtual void add_run(const RunRow& run) = 0;
};

[[nodiscard]] std::unique_ptr<Backend> open_sqlite(const std::string& path, const StoreOptions& options);
[[nodiscard]] std::unique_ptr<Backend> open_postgres(const std::string& uri, const std::string& shown,
                                                     const StoreOptions& options);

}  // namespace medsettle::detail
