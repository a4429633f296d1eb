// The kept ledger in a PostgreSQL database: one per county platform, many
// settlement windows at once. A run locks its persons' rows (inserted if
// new) in one statement, sorted by id (every run in the same order), so that two runs
// never wait for each other in a cycle; runs of other persons go on in
// parallel. Bulk reads pass arrays (one statement each); bulk writes use COPY,
// which the server takes in far faster than array parameters.
#include <libpq-fe.h>

#include <functional>
#include <memory>
#include <unordered_map>

#include "core/text.hpp"
#include "store/backend.hpp"

namespace medsettle::detail {

namespace {

constexpr const char* schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS medsettle_meta (key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS medsettle_ledgers (person_id TEXT COLLATE "C" PRIMARY KEY, ledger TEXT);
CREATE TABLE IF NOT EXISTS medsettle_stays (stay_id TEXT COLLATE "C" PRIMARY KEY, person_id TEXT COLLATE "C" NOT NULL);
CREATE TABLE IF NOT EXISTS medsettle_records (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, person_id TEXT COLLATE "C" NOT NULL,
  stay_id TEXT COLLATE "C" NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('settlement', 'reversal')),
  recorded_at TEXT NOT NULL, run BIGINT NOT NULL, rules TEXT NOT NULL, version TEXT NOT NULL, digest TEXT NOT NULL,
  reason TEXT, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS medsettle_records_person ON medsettle_records (person_id, seq);
CREATE TABLE IF NOT EXISTS medsettle_runs (
  run BIGINT PRIMARY KEY, commit_order BIGINT NOT NULL, recorded_at TEXT NOT NULL, kind TEXT NOT NULL,
  rules TEXT NOT NULL, digest TEXT NOT NULL, settled BIGINT NOT NULL, rejected BIGINT NOT NULL);
CREATE SEQUENCE IF NOT EXISTS medsettle_run_ids;
CREATE OR REPLACE FUNCTION medsettle_append_only() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'settlement records are append-only'; END $$;
DROP TRIGGER IF EXISTS medsettle_records_append_only ON medsettle_records;
CREATE TRIGGER medsettle_records_append_only BEFORE UPDATE OR DELETE ON medsettle_records
  FOR EACH ROW EXECUTE FUNCTION medsettle_append_only();
INSERT INTO medsettle_meta (key, value) VALUES ('schema', '1'), ('commits', '0') ON CONFLICT DO NOTHING;
)sql";

// Any constant: serializes the creation of the tables by concurrent first users.
constexpr const char* schema_lock = "SELECT pg_advisory_xact_lock(7262615368)";

/// A PostgreSQL text array literal: {"a","b\"c"}.
std::string array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

struct ResultFree {
  void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultFree>;

class Postgres final : public Backend {
 public:
  Postgres(const std::string& uri, const std::string& shown, const StoreOptions& options) : location_(shown) {
    conn_ = PQconnectdb(uri.c_str());
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
      const std::string why = conn_ ? PQerrorMessage(conn_) : "out of memory";
      PQfinish(conn_);
      throw StoreError(message(N_("{}: cannot reach the ledger database: {}"), shown, trimmed(why)));
    }
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    try {
      // A run that waits this long for a person another run holds gives up (55P03).
      exec("SELECT set_config('lock_timeout', $1, false)", {std::to_string(options.lock_timeout.count())});
      ensure_schema();
    } catch (...) {
      PQfinish(conn_);
      throw;
    }
  }
  ~Postgres() override { PQfinish(conn_); }
  Postgres(const Postgres&) = delete;
  Postgres& operator=(const Postgres&) = delete;

  [[nodiscard]] std::string_view kind() const noexcept override { return "postgresql"; }

  void begin(Tx tx) override {
    exec(tx == Tx::write ? "BEGIN ISOLATION LEVEL READ COMMITTED" : "BEGIN ISOLATION LEVEL REPEATABLE READ");
  }
  void commit() override { exec("COMMIT"); }
  void rollback() noexcept override { PQclear(PQexec(conn_, "ROLLBACK")); }

  std::optional<std::string> meta(std::string_view key) override {
    return one("SELECT value FROM medsettle_meta WHERE key = $1", {std::string(key)});
  }
  void set_meta_if_absent(std::string_view key, std::string_view value) override {
    exec("INSERT INTO medsettle_meta (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING",
         {std::string(key), std::string(value)});
  }

  std::vector<std::optional<std::string>> lock_persons(const std::vector<std::string>& persons) override {
    // New persons get a row (ledger NULL) to lock; rows are taken in order.
    const Result r = exec(
        "INSERT INTO medsettle_ledgers AS l (person_id) SELECT p FROM unnest($1::text[]) AS p ORDER BY p "
        "ON CONFLICT (person_id) DO UPDATE SET ledger = l.ledger RETURNING person_id, ledger",
        {array_literal(persons)});
    std::unordered_map<std::string_view, int> row;
    for (int i = 0; i < PQntuples(r.get()); ++i) row.emplace(PQgetvalue(r.get(), i, 0), i);
    std::vector<std::optional<std::string>> out(persons.size());
    for (std::size_t i = 0; i < persons.size(); ++i) {
      const auto it = row.find(persons[i]);
      if (it != row.end() && !PQgetisnull(r.get(), it->second, 1)) out[i] = value(r, it->second, 1);
    }
    return out;
  }
  void release_persons(const std::vector<std::string>& persons) override {
    if (persons.empty()) return;
    exec("DELETE FROM medsettle_ledgers WHERE person_id = ANY($1::text[]) AND ledger IS NULL",
         {array_literal(persons)});
  }
  std::vector<std::string> held_stays(const std::vector<std::string>& stay_ids) override {
    if (stay_ids.empty()) return {};
    const Result r =
        exec("SELECT stay_id FROM medsettle_stays WHERE stay_id = ANY($1::text[])", {array_literal(stay_ids)});
    std::vector<std::string> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back(value(r, i, 0));
    return out;
  }
  std::optional<std::string> person_of(std::string_view stay_id) override {
    return one("SELECT person_id FROM medsettle_stays WHERE stay_id = $1", {std::string(stay_id)});
  }
  std::optional<std::string> ledger_of(std::string_view person_id) override {
    return one("SELECT ledger FROM medsettle_ledgers WHERE person_id = $1 AND ledger IS NOT NULL",
               {std::string(person_id)});
  }
  std::vector<StoreRecord> records_of(std::string_view person_id) override {
    return read_records(exec(records_select("WHERE person_id = $1 ORDER BY seq"), {std::string(person_id)}));
  }
  std::optional<std::string> settlement_of(std::string_view person_id, std::string_view stay_id) override {
    return one("SELECT record FROM medsettle_records WHERE person_id = $1 AND stay_id = $2 AND kind = 'settlement' "
               "ORDER BY seq DESC LIMIT 1",
               {std::string(person_id), std::string(stay_id)});
  }

  std::vector<std::pair<std::string, std::string>> ledgers_page(std::string_view after, bool first,
                                                                std::size_t limit) override {
    const Result r = exec(
        "SELECT person_id, ledger FROM medsettle_ledgers WHERE ledger IS NOT NULL AND ($1::boolean OR person_id > $2) "
        "ORDER BY person_id LIMIT $3",
        {first ? "true" : "false", std::string(after), std::to_string(limit)});
    std::vector<std::pair<std::string, std::string>> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) out.emplace_back(value(r, i, 0), value(r, i, 1));
    return out;
  }
  std::vector<StoreRecord> records_between(std::string_view first, std::string_view last) override {
    return read_records(exec(records_select("WHERE person_id >= $1 AND person_id <= $2 ORDER BY person_id, seq"),
                             {std::string(first), std::string(last)}));
  }
  bool empty() override {
    return one("SELECT 1 WHERE EXISTS (SELECT 1 FROM medsettle_ledgers) OR EXISTS (SELECT 1 FROM medsettle_records)",
               {}) == std::nullopt;
  }

  void save_ledgers(const std::vector<std::pair<std::string, std::string>>& ledgers) override {
    if (ledgers.empty()) return;
    // Copied into a scratch table of this session (emptied at each commit), then upserted in one statement.
    exec("CREATE TEMP TABLE IF NOT EXISTS medsettle_incoming (person_id TEXT COLLATE \"C\", ledger TEXT) "
         "ON COMMIT DELETE ROWS");
    copy_in("medsettle_incoming (person_id, ledger)", ledgers.size(), [&](std::string& row, std::size_t i) {
      copy_field(row, ledgers[i].first);
      copy_field(row, ledgers[i].second, '\n');
    });
    exec("INSERT INTO medsettle_ledgers (person_id, ledger) SELECT person_id, ledger FROM medsettle_incoming "
         "ON CONFLICT (person_id) DO UPDATE SET ledger = EXCLUDED.ledger");
    exec("TRUNCATE medsettle_incoming");
  }
  void add_stays(const std::vector<std::pair<std::string, std::string>>& stay_person) override {
    copy_in("medsettle_stays (stay_id, person_id)", stay_person.size(), [&](std::string& row, std::size_t i) {
      copy_field(row, stay_person[i].first);
      copy_field(row, stay_person[i].second, '\n');
    });
  }
  void remove_stays(const std::vector<std::string>& stay_ids) override {
    if (stay_ids.empty()) return;
    exec("DELETE FROM medsettle_stays WHERE stay_id = ANY($1::text[])", {array_literal(stay_ids)});
  }
  void add_records(const std::vector<StoreRecord>& records) override;
  std::uint64_t next_run_id() override { return std::stoull(*one("SELECT nextval('medsettle_run_ids')", {})); }
  std::uint64_t next_commit() override {
    return std::stoull(*one(
        "UPDATE medsettle_meta SET value = (value::bigint + 1)::text WHERE key = 'commits' RETURNING value", {}));
  }
  void add_run(const RunRow& r) override {
    exec("INSERT INTO medsettle_runs VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
         {std::to_string(r.run), std::to_string(r.commit_order), r.recorded_at, r.kind, r.rules, r.digest,
          std::to_string(r.settled), std::to_string(r.rejected)});
  }

 private:
  PGconn* conn_ = nullptr;
  std::string location_;

  static std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
  static std::string value(const Result& r, int row, int col) {
    return std::string(PQgetvalue(r.get(), row, col), static_cast<std::size_t>(PQgetlength(r.get(), row, col)));
  }
  static std::string records_select(std::string_view where) {
    return "SELECT kind, stay_id, person_id, rules, version, digest, recorded_at, reason, run, record "
           "FROM medsettle_records " + std::string(where);
  }
  static std::vector<StoreRecord> read_records(const Result& r);

  /// Runs `f(from, to)` on pieces of a few thousand rows (one statement each).
  template <class Rows, class F>
  static void for_chunks(const Rows& rows, F f) {
    constexpr std::size_t chunk = 5000;
    for (std::size_t at = 0; at < rows.size(); at += chunk) {
      f(rows.begin() + static_cast<std::ptrdiff_t>(at),
        rows.begin() + static_cast<std::ptrdiff_t>(std::min(rows.size(), at + chunk)));
    }
  }

  Result exec(const std::string& sql, const std::vector<std::string>& params = {});
  /// Throws for a result that is not a success (StoreConflict where trying again helps).
  void check(const Result& r);
  /// COPY ... FROM STDIN of `rows` rows, each appended by row_of (text format): the fastest bulk insert.
  void copy_in(const std::string& target, std::size_t rows, const std::function<void(std::string&, std::size_t)>& row_of);
  /// Appends one field of a COPY text row and its delimiter.
  static void copy_field(std::string& row, std::string_view text, char end = '\t') {
    for (std::size_t at = 0;;) {
      const std::size_t special = text.find_first_of("\\\t\n\r", at);
      row.append(text.substr(at, special == std::string_view::npos ? std::string_view::npos : special - at));
      if (special == std::string_view::npos) break;
      const char c = text[special];
      row += '\\';
      row += c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : '\\';
      at = special + 1;
    }
    row += end;
  }
  /// Several statements, no parameters.
  void script(const char* sql) {
    const Result r(PQexec(conn_, sql));
    if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      throw StoreError(message(N_("{}: {}"), location_, trimmed(r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn_))));
    }
  }
  std::optional<std::string> one(const std::string& sql, const std::vector<std::string>& params) {
    const Result r = exec(sql, params);
    if (PQntuples(r.get()) == 0 || PQgetisnull(r.get(), 0, 0)) return std::nullopt;
    return value(r, 0, 0);
  }
  void ensure_schema();
};

Result Postgres::exec(const std::string& sql, const std::vector<std::string>& params) {
  std::vector<const char*> values;
  std::vector<int> lengths;
  for (const std::string& p : params) {
    values.push_back(p.c_str());
    lengths.push_back(static_cast<int>(p.size()));
  }
  Result r(PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr, values.data(), lengths.data(),
                        nullptr, 0));
  check(r);
  return r;
}

void Postgres::check(const Result& r) {
  const ExecStatusType status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return;
  const char* state = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
  const std::string why = trimmed(r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn_));
  const std::string_view code = state ? state : "";
  // A deadlock, a serialization failure, a stay id inserted at the same time: try again.
  if (code == "40P01" || code == "40001" || code == "23505") throw StoreConflict(why);
  if (code == "55P03") {
    throw StoreError(message(N_("{}: persons of this run are locked by another run for too long; try again"),
                             location_));
  }
  if (PQstatus(conn_) != CONNECTION_OK) {
    throw StoreError(message(N_("{}: lost the connection to the ledger database: {}"), location_, why));
  }
  throw StoreError(message(N_("{}: {}"), location_, why));
}

std::vector<StoreRecord> Postgres::read_records(const Result& r) {
  std::vector<StoreRecord> out;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    StoreRecord s;
    s.kind = value(r, i, 0) == "reversal" ? StoreRecord::Kind::reversal : StoreRecord::Kind::settlement;
    s.stay_id = value(r, i, 1);
    s.person_id = value(r, i, 2);
    s.rules = value(r, i, 3);
    s.version = parse_date(value(r, i, 4)).value;
    s.digest = value(r, i, 5);
    s.recorded_at = value(r, i, 6);
    s.reason = value(r, i, 7);
    s.run = std::stoull(value(r, i, 8));
    s.json = value(r, i, 9);
    out.push_back(std::move(s));
  }
  return out;
}

void Postgres::add_records(const std::vector<StoreRecord>& records) {
  copy_in("medsettle_records (person_id, stay_id, kind, recorded_at, run, rules, version, digest, reason, record)",
          records.size(), [&](std::string& row, std::size_t i) {
            const StoreRecord& r = records[i];
            for (std::string_view field : {std::string_view(r.person_id), std::string_view(r.stay_id),
                                           std::string_view(r.kind == StoreRecord::Kind::reversal ? "reversal" : "settlement"),
                                           std::string_view(r.recorded_at)}) {
              copy_field(row, field);
            }
            row += std::to_string(r.run);
            row += '\t';
            copy_field(row, r.rules);
            copy_field(row, format(r.version));
            copy_field(row, r.digest);
            if (r.reason.empty()) row += "\\N\t";
            else copy_field(row, r.reason);
            copy_field(row, r.json, '\n');
          });
}

void Postgres::copy_in(const std::string& target, std::size_t rows,
                       const std::function<void(std::string&, std::size_t)>& row_of) {
  if (rows == 0) return;
  const Result start(PQexec(conn_, ("COPY " + target + " FROM STDIN").c_str()));
  if (!start || PQresultStatus(start.get()) != PGRES_COPY_IN) check(start);
  std::string buffer;
  auto flush = [&] {
    if (PQputCopyData(conn_, buffer.data(), static_cast<int>(buffer.size())) != 1) {
      throw StoreError(message(N_("{}: {}"), location_, trimmed(PQerrorMessage(conn_))));
    }
    buffer.clear();
  };
  for (std::size_t i = 0; i < rows; ++i) {
    row_of(buffer, i);
    if (buffer.size() >= (1u << 20)) flush();
  }
  if (!buffer.empty()) flush();
  if (PQputCopyEnd(conn_, nullptr) != 1) throw StoreError(message(N_("{}: {}"), location_, trimmed(PQerrorMessage(conn_))));
  // The COPY's own result (a unique violation shows here), then the end of the results.
  for (Result r(PQgetResult(conn_)); r; r.reset(PQgetResult(conn_))) check(r);
}

void Postgres::ensure_schema() {
  exec("BEGIN");
  try {
    exec(schema_lock);
    const std::optional<std::string> exists = one("SELECT to_regclass('medsettle_meta')::text", {});
    const std::optional<std::string> schema =
        exists ? one("SELECT value FROM medsettle_meta WHERE key = 'schema'", {}) : std::nullopt;
    if (schema && std::stoll(*schema) > store_schema_version) {
      throw StoreError(message(N_("{}: the kept ledger has schema version {}, written by a newer release of medsettle "
                                  "(this one knows up to {})"),
                               location_, *schema, store_schema_version));
    }
    if (!schema) script(schema_sql);
    exec("COMMIT");
  } catch (...) {
    rollback();
    throw;
  }
}

}  // namespace

std::unique_ptr<Backend> open_postgres(const std::string& uri, const std::string& shown,
                                       const StoreOptions& options) {
  return std::make_unique<Postgres>(uri, shown, options);
}

}  // namespace medsettle::detail
