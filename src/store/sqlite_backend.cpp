// The kept ledger in an SQLite file: the embedded default. WAL (readers do
// not wait for the writer), a busy timeout (a writer waits for another),
// BEGIN IMMEDIATE for a run (one writer at a time: the persons a run
// touches cannot change under it), synchronous=FULL (a committed run
// survives a power cut).
#include <sqlite3.h>

#include <chrono>
#include <deque>
#include <memory>
#include <thread>
#include <unordered_map>

#include "core/text.hpp"
#include "store/backend.hpp"

namespace medsettle::detail {

namespace {

constexpr const char* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS medsettle_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS medsettle_ledgers (person_id TEXT PRIMARY KEY, ledger TEXT);
CREATE TABLE IF NOT EXISTS medsettle_stays (stay_id TEXT PRIMARY KEY, person_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS medsettle_records (
  seq INTEGER PRIMARY KEY, person_id TEXT NOT NULL, stay_id TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('settlement', 'reversal')), recorded_at TEXT NOT NULL,
  run INTEGER NOT NULL, rules TEXT NOT NULL, version TEXT NOT NULL, digest TEXT NOT NULL,
  reason TEXT, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS medsettle_records_person ON medsettle_records (person_id, seq);
CREATE TABLE IF NOT EXISTS medsettle_runs (
  run INTEGER PRIMARY KEY, commit_order INTEGER NOT NULL, recorded_at TEXT NOT NULL, kind TEXT NOT NULL,
  rules TEXT NOT NULL, digest TEXT NOT NULL, settled INTEGER NOT NULL, rejected INTEGER NOT NULL);
CREATE TRIGGER IF NOT EXISTS medsettle_records_no_update BEFORE UPDATE ON medsettle_records
  BEGIN SELECT RAISE(ABORT, 'settlement records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS medsettle_records_no_delete BEFORE DELETE ON medsettle_records
  BEGIN SELECT RAISE(ABORT, 'settlement records are append-only'); END;
INSERT OR IGNORE INTO medsettle_meta (key, value) VALUES ('schema', '1'), ('run_ids', '0'), ('commits', '0');
)sql";

/// Where errors happen: the file and how long a lock is waited for.
struct Where {
  std::string location;
  int busy_ms = 0;
};

/// A prepared statement, reset after each use.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql, const Where& where) : db_(db), where_(where) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) fail();
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, std::string_view text) {
    if (sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) != SQLITE_OK) fail();
    return *this;
  }
  Statement& bind(int i, std::int64_t n) {
    if (sqlite3_bind_int64(stmt_, i, n) != SQLITE_OK) fail();
    return *this;
  }
  /// Steps once: true while there is a row.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    sqlite3_reset(stmt_);
    if (rc != SQLITE_DONE) fail(rc);
    return false;
  }
  /// Runs a statement that gives no row (or ignores them).
  void run() {
    while (step()) {
    }
    sqlite3_clear_bindings(stmt_);
  }
  void done() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  [[nodiscard]] std::string text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
  }
  [[nodiscard]] bool null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  [[nodiscard]] std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }

  [[noreturn]] void fail(int rc = 0) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  const Where& where_;
};

[[noreturn]] void sqlite_failure(sqlite3* db, int rc, const Where& where) {
  const std::string& location = where.location;
  const int code = rc ? rc : sqlite3_errcode(db);
  const std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw StoreError(message(N_("{}: the ledger file is locked by another process (waited {} s); try again"),
                               location, where.busy_ms / 1000));
    case SQLITE_NOTADB:
      throw StoreError(message(N_("{}: not a kept ledger (not an SQLite database)"), location));
    case SQLITE_CANTOPEN:
      throw StoreError(message(N_("{}: cannot open the ledger file: {}"), location, why));
    default:
      throw StoreError(message(N_("{}: {}"), location, why));
  }
}

void Statement::fail(int rc) const { sqlite_failure(db_, rc, where_); }

class Sqlite final : public Backend {
 public:
  Sqlite(const std::string& path, const StoreOptions& options)
      : where_{path, static_cast<int>(options.lock_timeout.count())} {
    const int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                   nullptr);
    if (rc != SQLITE_OK) {
      const std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      db_ = nullptr;
      throw StoreError(message(N_("{}: cannot open the ledger file: {}"), path, why));
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, where_.busy_ms);
    try {
      use_wal();
      exec("PRAGMA synchronous=FULL");
      ensure_schema();
    } catch (...) {
      sqlite3_close(db_);
      throw;
    }
  }
  ~Sqlite() override {
    statements_.clear();
    sqlite3_close(db_);
  }
  Sqlite(const Sqlite&) = delete;
  Sqlite& operator=(const Sqlite&) = delete;

  [[nodiscard]] std::string_view kind() const noexcept override { return "sqlite"; }

  void begin(Tx tx) override { exec(tx == Tx::write ? "BEGIN IMMEDIATE" : "BEGIN"); }
  void commit() override { exec("COMMIT"); }
  void rollback() noexcept override { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }

  std::optional<std::string> meta(std::string_view key) override {
    Statement& s = statement("SELECT value FROM medsettle_meta WHERE key = ?1");
    s.bind(1, key);
    std::optional<std::string> out;
    if (s.step()) out = s.text(0);
    s.done();
    return out;
  }
  void set_meta_if_absent(std::string_view key, std::string_view value) override {
    statement("INSERT OR IGNORE INTO medsettle_meta (key, value) VALUES (?1, ?2)").bind(1, key).bind(2, value).run();
  }

  std::vector<std::optional<std::string>> lock_persons(const std::vector<std::string>& persons) override {
    // BEGIN IMMEDIATE has made this the only writer: reading is locking.
    std::vector<std::optional<std::string>> out;
    out.reserve(persons.size());
    for (const std::string& p : persons) out.push_back(ledger_of(p));
    return out;
  }
  void release_persons(const std::vector<std::string>&) override {}  // nothing was written for them

  std::vector<std::string> held_stays(const std::vector<std::string>& stay_ids) override {
    Statement& s = statement("SELECT 1 FROM medsettle_stays WHERE stay_id = ?1");
    std::vector<std::string> out;
    for (const std::string& id : stay_ids) {
      s.bind(1, id);
      if (s.step()) out.push_back(id);
      s.done();
    }
    return out;
  }
  std::optional<std::string> person_of(std::string_view stay_id) override {
    return one_text("SELECT person_id FROM medsettle_stays WHERE stay_id = ?1", stay_id);
  }
  std::optional<std::string> ledger_of(std::string_view person_id) override {
    return one_text("SELECT ledger FROM medsettle_ledgers WHERE person_id = ?1 AND ledger IS NOT NULL", person_id);
  }
  std::vector<StoreRecord> records_of(std::string_view person_id) override {
    Statement& s = statement(records_select("WHERE person_id = ?1 ORDER BY seq"));
    s.bind(1, person_id);
    return read_records(s);
  }
  std::optional<std::string> settlement_of(std::string_view person_id, std::string_view stay_id) override {
    Statement& s = statement(
        "SELECT record FROM medsettle_records WHERE person_id = ?1 AND stay_id = ?2 AND kind = 'settlement' "
        "ORDER BY seq DESC LIMIT 1");
    s.bind(1, person_id).bind(2, stay_id);
    std::optional<std::string> out;
    if (s.step()) out = s.text(0);
    s.done();
    return out;
  }

  std::vector<std::pair<std::string, std::string>> ledgers_page(std::string_view after, bool first,
                                                                std::size_t limit) override {
    Statement& s = statement(
        "SELECT person_id, ledger FROM medsettle_ledgers WHERE ledger IS NOT NULL AND (?1 OR person_id > ?2) "
        "ORDER BY person_id LIMIT ?3");
    s.bind(1, std::int64_t{first}).bind(2, after).bind(3, static_cast<std::int64_t>(limit));
    std::vector<std::pair<std::string, std::string>> out;
    while (s.step()) out.emplace_back(s.text(0), s.text(1));
    s.done();
    return out;
  }
  std::vector<StoreRecord> records_between(std::string_view first, std::string_view last) override {
    Statement& s = statement(records_select("WHERE person_id >= ?1 AND person_id <= ?2 ORDER BY person_id, seq"));
    s.bind(1, first).bind(2, last);
    return read_records(s);
  }
  bool empty() override {
    Statement& s = statement(
        "SELECT EXISTS (SELECT 1 FROM medsettle_ledgers) OR EXISTS (SELECT 1 FROM medsettle_records)");
    s.step();
    const bool any = s.integer(0) != 0;
    s.done();
    return !any;
  }

  void save_ledgers(const std::vector<std::pair<std::string, std::string>>& ledgers) override {
    Statement& s = statement(
        "INSERT INTO medsettle_ledgers (person_id, ledger) VALUES (?1, ?2) "
        "ON CONFLICT (person_id) DO UPDATE SET ledger = excluded.ledger");
    for (const auto& [person, json] : ledgers) s.bind(1, person).bind(2, json).run();
  }
  void add_stays(const std::vector<std::pair<std::string, std::string>>& stay_person) override {
    Statement& s = statement("INSERT INTO medsettle_stays (stay_id, person_id) VALUES (?1, ?2)");
    for (const auto& [stay, person] : stay_person) s.bind(1, stay).bind(2, person).run();
  }
  void remove_stays(const std::vector<std::string>& stay_ids) override {
    Statement& s = statement("DELETE FROM medsettle_stays WHERE stay_id = ?1");
    for (const std::string& id : stay_ids) s.bind(1, id).run();
  }
  void add_records(const std::vector<StoreRecord>& records) override;
  std::uint64_t next_run_id() override { return bump("run_ids"); }
  std::uint64_t next_commit() override { return bump("commits"); }
  void add_run(const RunRow& r) override {
    statement("INSERT INTO medsettle_runs VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
        .bind(1, static_cast<std::int64_t>(r.run))
        .bind(2, static_cast<std::int64_t>(r.commit_order))
        .bind(3, r.recorded_at)
        .bind(4, r.kind)
        .bind(5, r.rules)
        .bind(6, r.digest)
        .bind(7, static_cast<std::int64_t>(r.settled))
        .bind(8, static_cast<std::int64_t>(r.rejected))
        .run();
  }

 private:
  sqlite3* db_ = nullptr;
  Where where_;
  std::unordered_map<const char*, std::unique_ptr<Statement>> statements_;
  std::deque<std::string> owned_sql_;  // stable addresses: they are cache keys

  void exec(const char* sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
    sqlite3_free(error);
    if (rc != SQLITE_OK) sqlite_failure(db_, rc, where_);
  }
  Statement& statement(const char* sql) {
    auto& s = statements_[sql];
    if (!s) s = std::make_unique<Statement>(db_, sql, where_);
    return *s;
  }
  /// A statement whose SQL is made once here (kept alive for its cache key).
  Statement& statement(const std::string& sql) {
    for (const std::string& s : owned_sql_) {
      if (s == sql) return statement(s.c_str());
    }
    return statement(owned_sql_.emplace_back(sql).c_str());
  }
  static std::string records_select(std::string_view where) {
    return "SELECT kind, stay_id, person_id, rules, version, digest, recorded_at, reason, run, record "
           "FROM medsettle_records " + std::string(where);
  }
  static std::vector<StoreRecord> read_records(Statement& s);
  std::optional<std::string> one_text(const char* sql, std::string_view arg) {
    Statement& s = statement(sql);
    s.bind(1, arg);
    std::optional<std::string> out;
    if (s.step() && !s.null(0)) out = s.text(0);
    s.done();
    return out;
  }
  std::uint64_t bump(std::string_view key) {
    Statement& s = statement(
        "UPDATE medsettle_meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = ?1 RETURNING value");
    s.bind(1, key);
    std::uint64_t out = 0;
    if (s.step()) out = static_cast<std::uint64_t>(s.integer(0));
    s.done();
    return out;
  }
  void ensure_schema();

  /// WAL mode, a property of the file. Converting to it needs the file
  /// alone and SQLite does not run the busy handler for it, so windows that
  /// open a new ledger file at once would fail at once (a refused
  /// conversion answers with the old mode, or SQLITE_BUSY): it is retried,
  /// with growing pauses, until the lock timeout. A file already in WAL
  /// answers "wal" at once.
  void use_wal() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(where_.busy_ms);
    for (int pause_ms = 1;; pause_ms = std::min(pause_ms * 2, 100)) {
      sqlite3_stmt* st = nullptr;
      int rc = sqlite3_prepare_v2(db_, "PRAGMA journal_mode=WAL", -1, &st, nullptr);
      bool wal = false;
      if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
          const auto* mode = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
          wal = mode && std::string_view(mode) == "wal";
          rc = SQLITE_OK;
        }
      }
      sqlite3_finalize(st);
      if (wal) return;
      const int primary = rc & 0xff;
      const bool busy = primary == SQLITE_BUSY || primary == SQLITE_LOCKED || (rc == SQLITE_OK && !wal);
      if (!busy || std::chrono::steady_clock::now() >= deadline) sqlite_failure(db_, rc == SQLITE_OK ? SQLITE_BUSY : rc, where_);
      std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
    }
  }
};

std::vector<StoreRecord> Sqlite::read_records(Statement& s) {
  std::vector<StoreRecord> out;
  while (s.step()) {
    StoreRecord r;
    r.kind = s.text(0) == "reversal" ? StoreRecord::Kind::reversal : StoreRecord::Kind::settlement;
    r.stay_id = s.text(1);
    r.person_id = s.text(2);
    r.rules = s.text(3);
    r.version = parse_date(s.text(4)).value;
    r.digest = s.text(5);
    r.recorded_at = s.text(6);
    r.reason = s.text(7);
    r.run = static_cast<std::uint64_t>(s.integer(8));
    r.json = s.text(9);
    out.push_back(std::move(r));
  }
  s.done();
  return out;
}

void Sqlite::add_records(const std::vector<StoreRecord>& records) {
  Statement& s = statement(
      "INSERT INTO medsettle_records (person_id, stay_id, kind, recorded_at, run, rules, version, digest, reason, "
      "record) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  for (const StoreRecord& r : records) {
    s.bind(1, r.person_id).bind(2, r.stay_id);
    s.bind(3, r.kind == StoreRecord::Kind::reversal ? "reversal" : "settlement").bind(4, r.recorded_at);
    s.bind(5, static_cast<std::int64_t>(r.run)).bind(6, r.rules).bind(7, format(r.version)).bind(8, r.digest);
    if (!r.reason.empty()) s.bind(9, r.reason);
    s.bind(10, r.json).run();
  }
}

void Sqlite::ensure_schema() {
  // Written by a newer release: refused before anything is written.
  exec("BEGIN");
  std::optional<std::string> schema;
  try {
    if (one_text("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?1", "medsettle_meta")) {
      schema = meta("schema");
    }
  } catch (...) {
    rollback();
    throw;
  }
  rollback();
  statements_.clear();
  if (schema && std::stoll(*schema) > store_schema_version) {
    throw StoreError(message(N_("{}: the kept ledger has schema version {}, written by a newer release of medsettle "
                                "(this one knows up to {})"),
                             where_.location, *schema, store_schema_version));
  }
  if (schema) return;
  exec("BEGIN IMMEDIATE");
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, schema_sql, nullptr, nullptr, &error);
  sqlite3_free(error);
  if (rc != SQLITE_OK) {
    rollback();
    sqlite_failure(db_, rc, where_);
  }
  exec("COMMIT");
}

}  // namespace

std::unique_ptr<Backend> open_sqlite(const std::string& path, const StoreOptions& options) {
  return std::make_unique<Sqlite>(path, options);
}

}  // namespace medsettle::detail
