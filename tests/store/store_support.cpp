#include "store_support.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "medsettle/reader.hpp"
#include "medsettle/writer.hpp"

namespace storetest {

using namespace medsettle;

namespace {

std::atomic<int> counter{0};

/// The scratch folders of the SQLite ledgers, removed when the tests end.
struct Scratch {
  std::mutex mutex;
  std::vector<std::filesystem::path> dirs;
  ~Scratch() {
    std::error_code ignored;
    for (const auto& d : dirs) std::filesystem::remove_all(d, ignored);
  }
} scratch;

std::string postgres_location() {
  const char* dir = std::getenv("MEDSETTLE_TEST_PG_DIR");
  if (!dir || !*dir) {
    throw std::runtime_error("MEDSETTLE_TEST_PG_DIR is not set: run the PostgreSQL tests through ctest (the fixture "
                             "store.postgres_start starts the server)");
  }
  const std::string base = fmt::format("postgresql:///medsettle?host={}&port=5432&user=postgres", dir);
  PGconn* c = PQconnectdb(base.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    const std::string why = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error("cannot reach the test server: " + why);
  }
  const std::string db = fmt::format("t{}_{}", ::getpid(), counter++);
  PGresult* r = PQexec(c, ("CREATE DATABASE " + db).c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  const std::string why = PQerrorMessage(c);
  PQclear(r);
  PQfinish(c);
  if (!ok) throw std::runtime_error("CREATE DATABASE failed: " + why);
  return fmt::format("postgresql:///{}?host={}&port=5432&user=postgres", db, dir);
}

}  // namespace

std::string fresh_location(std::string_view kind) {
  if (kind == "postgresql") return postgres_location();
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("medsettle-store-{}-{}", ::getpid(), counter++);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    std::lock_guard lock(scratch.mutex);
    scratch.dirs.push_back(dir);
  }
  return (dir / "ledger.db").string();
}

Plan scheme(const std::string& name) { return Plan::load_file(std::string(MEDSETTLE_SOURCE_DIR) + "/rules/" + name + ".yaml"); }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<Record> read_records(const std::string& path) { return read_jsonl(std::string_view(slurp(path))); }
std::vector<Record> read_text(const std::string& jsonl) { return read_jsonl(std::string_view(jsonl)); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::string json_of(const Outcome& o) {
  std::string out;
  write_json(out, o.settlement());
  return out;
}

std::map<std::string, std::string> by_stay(const std::vector<Outcome>& outcomes) {
  std::map<std::string, std::string> out;
  for (const Outcome& o : outcomes) {
    if (o.settled()) out[o.settlement().stay_id] = json_of(o);
    else if (o.rejection().stay_id) out[*o.rejection().stay_id] = std::string(name(o.rejection().code)) + " " + o.rejection().field;
  }
  return out;
}

std::string export_of(LedgerStore& store, bool times) {
  std::ostringstream out;
  store.export_jsonl(out);
  if (times) return out.str();
  static const std::regex at(R"("recorded_at":"[^"]*",)");
  return std::regex_replace(out.str(), at, "");
}

}  // namespace storetest
