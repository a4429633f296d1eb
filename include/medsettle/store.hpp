// medsettle/store.hpp: kept ledgers (SEMANTICS.md §11, INTERCHANGE.md "Kept
// ledgers"): the persons' ledgers and their settlement records in a
// database that outlives the process: an SQLite file (the default) or a
// PostgreSQL database shared by many settlement windows.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "medsettle/errors.hpp"
#include "medsettle/export.hpp"
#include "medsettle/language.hpp"
#include "medsettle/ledger.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/record.hpp"
#include "medsettle/settle.hpp"

namespace medsettle {

/// A kept ledger that cannot be used: a database that cannot be reached or
/// opened, a file locked by another process for too long, a schema written
/// by a newer release, a file that is not a ledger, a conflict with
/// concurrent runs that outlived the retries. Nothing was committed.
/// (A run under another rule set is a UsageError.)
class MEDSETTLE_API StoreError : public Error {
 public:
  using Error::Error;
};

/// One settlement record as the store keeps it: append-only, so that an
/// auditor can read every figure a person was ever paid, under which rule
/// set, version and digest.
struct StoreRecord {
  enum class Kind : std::uint8_t { settlement, reversal };
  Kind kind = Kind::settlement;
  std::string stay_id, person_id;
  std::string rules;
  Date version{};
  std::string digest;
  std::string recorded_at;   ///< UTC, ISO 8601 with milliseconds ("2025-01-31T09:12:03.123Z")
  std::string reason;        ///< reversals: the reason given ("" if none)
  std::uint64_t run = 0;     ///< the run that committed it (0: imported)
  std::string json;          ///< the settlement (write_json), or the reversal record (negated, "reversal": true)
};

/// How far a run against the store has come.
struct StoreProgress {
  enum class Phase : std::uint8_t { loading, settling, saving };
  Phase phase = Phase::loading;
  std::uint64_t done = 0, total = 0;  ///< persons (loading, saving) or records (settling)
};

struct StoreSettleOptions {
  SettleOptions settle;  ///< as_of; no trace
  unsigned threads = 1;  ///< as BatchOptions::threads
  /// Settle and give the outcomes without committing anything (预结算).
  bool dry_run = false;
  /// Called now and then from the calling thread.
  std::function<void(const StoreProgress&)> progress;
};

/// How a store is opened.
struct StoreOptions {
  /// How long a run waits for another process's lock (SQLite: the file's
  /// write lock; PostgreSQL: a person's row) before StoreError.
  std::chrono::milliseconds lock_timeout{60'000};
};

/// What a run against the store gave.
struct StoreRun {
  std::vector<Outcome> outcomes;  ///< one per record, in input order (as settle_batch)
  bool committed = false;         ///< false for a dry run
  std::uint64_t run = 0;          ///< the run's number in the store (committed runs only)
  std::uint64_t commit_order = 0; ///< its place among the committed runs (1, 2, ...)
};

/// What a reversal gave (SEMANTICS.md §11).
struct StoreReversal {
  std::vector<StoreRecord> records;  ///< the reversal records, latest first
  std::optional<Rejection> refused;  ///< unknown_stay or not_last: then nothing changed
  std::uint64_t run = 0;
  [[nodiscard]] bool ok() const noexcept { return !refused; }
};

/// A kept ledger at a location: a file path (SQLite, created on first use;
/// WAL, a busy timeout) or a `postgresql://` URI (libpq's URI form, naming
/// an existing database; tables created on first use).
///
/// Each run is one transaction: the persons it touches are locked (SQLite:
/// the one writer at a time; PostgreSQL: their rows, in sorted order), their
/// ledgers loaded, the records settled as a batch after everything kept
/// (SEMANTICS.md §11), and the changed ledgers and the new settlement
/// records written; all of it is committed, or nothing (an error, a crash,
/// a killed process). Stay ids are unique in the store across persons. The
/// location belongs to the rule set id of its first committed run; another
/// rule set is refused (UsageError) before anything is settled.
///
/// Several processes (and LedgerStore objects) may use one location at
/// once. One LedgerStore is used by one thread at a time (a second thread
/// waits); open one per thread for parallel runs.
class MEDSETTLE_API LedgerStore {
 public:
  /// Opens (and on first use creates) the kept ledger at `location`.
  /// Throws StoreError.
  [[nodiscard]] static LedgerStore open(const std::string& location, const StoreOptions& options = {});
  LedgerStore(LedgerStore&&) noexcept;
  LedgerStore& operator=(LedgerStore&&) noexcept;
  ~LedgerStore();

  /// The location as given, with any password left out.
  [[nodiscard]] const std::string& location() const noexcept;
  /// "sqlite" or "postgresql".
  [[nodiscard]] std::string_view kind() const noexcept;
  /// The rule set id the ledger belongs to; empty before its first run.
  [[nodiscard]] std::string rules();

  /// Settles `records` against the kept ledgers as one run (SEMANTICS.md
  /// §11) and commits it, unless options.dry_run. Throws UsageError for a
  /// plan of another rule set, StoreError (nothing committed).
  [[nodiscard]] StoreRun settle(const Plan& plan, const std::vector<Record>& records,
                                const StoreSettleOptions& options = {});

  /// Reverses settled stay `stay_id` (撤销结算, SEMANTICS.md §11): its
  /// person's ledger returns to what it was before the stay, and a reversal
  /// record (every money figure negated) is kept beside the settlement.
  /// Refused (nothing changes) with unknown_stay, or not_last unless
  /// `cascade`. `reason` is kept with the reversal records.
  [[nodiscard]] StoreReversal reverse(std::string_view stay_id, bool cascade = false, std::string_view reason = {});

  /// A person's kept ledger; nullopt if the store has none.
  [[nodiscard]] std::optional<LedgerSnapshot> ledger(std::string_view person_id);
  /// A person's settlement records, in settlement order.
  [[nodiscard]] std::vector<StoreRecord> records(std::string_view person_id);
  /// The person a settled (not reversed) stay belongs to.
  [[nodiscard]] std::optional<std::string> person_of(std::string_view stay_id);

  /// Writes the whole kept ledger as JSON Lines (INTERCHANGE.md): one person
  /// a line, in order of person id: the person's ledger (write_ledger_json)
  /// plus "records". Returns the number of persons.
  std::uint64_t export_jsonl(std::ostream& out);
  /// Reads an export into this store, in one transaction. Refused
  /// (UsageError) if the store is not empty; Error naming the line for a
  /// malformed one. Returns the number of persons.
  std::uint64_t import_jsonl(std::istream& in);

 private:
  struct Impl;
  explicit LedgerStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// The settlement of `fresh.stay_id` as committed in `store` (the slip's
/// `--ledger`): `fresh` (the same stay settled by the same plan, which gives
/// the channel names, rule set and trace) with every figure replaced by the
/// committed record's: buckets, fields, and each channel's eligibility,
/// base, deductible and payment. Throws UsageError when the store has no
/// committed (unreversed) settlement of the stay, or it was committed under
/// another rule set, version or digest; Error for a record that cannot be read.
[[nodiscard]] MEDSETTLE_API Settlement committed_settlement(LedgerStore& store, const Settlement& fresh);

/// Appends one export line's "records" value: the records as a JSON list,
/// each {"kind", "recorded_at", "reason" (reversals given one), "record"}.
MEDSETTLE_API void write_records_json(std::string& out, const std::vector<StoreRecord>& records);
/// Appends a person's ledger and records as one JSON object: an export line
/// (write_ledger_json plus "records"; no line end).
MEDSETTLE_API void write_person_json(std::string& out, const LedgerSnapshot& ledger,
                                     const std::vector<StoreRecord>& records);
/// Appends a refused reversal as {"stay_id", "error": {"code", "field", "message"}}.
MEDSETTLE_API void write_refusal_json(std::string& out, const Rejection& refused, Language language = Language::en);
/// A person's kept ledger as text for a clerk: each year's figures per
/// channel (only `year`'s if given), then the settlement records in
/// settlement order with their totals, rule set version and digest.
[[nodiscard]] MEDSETTLE_API std::string render_ledger_text(const LedgerSnapshot& ledger,
                                                           const std::vector<StoreRecord>& records,
                                                           std::optional<int> year = std::nullopt,
                                                           Language language = Language::en);

/// The reversal record of a settlement: `settlement_json` (as write_json
/// writes it) with every money figure negated ("0.00" stays "0.00") and
/// `"reversal": true` appended. Throws Error if it is not a settlement.
[[nodiscard]] MEDSETTLE_API std::string reversal_json(std::string_view settlement_json);

}  // namespace medsettle
