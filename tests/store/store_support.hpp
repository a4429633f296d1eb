// Shared by the kept-ledger tests: fresh ledgers on SQLite and on the
// throwaway PostgreSQL server of the CTest fixture, records, exports.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "medsettle/pipeline.hpp"
#include "medsettle/store.hpp"

namespace storetest {

/// A location of a fresh, empty kept ledger: "sqlite" (a file in a new
/// temporary folder) or "postgresql" (a new database on the server whose
/// socket folder MEDSETTLE_TEST_PG_DIR names; the test fails without it).
std::string fresh_location(std::string_view kind);

medsettle::Plan scheme(const std::string& name);
std::vector<medsettle::Record> read_records(const std::string& path);
std::vector<medsettle::Record> read_text(const std::string& jsonl);
std::string slurp(const std::string& path);
std::vector<std::string> lines_of(const std::string& text);

/// A settlement as write_json writes it.
std::string json_of(const medsettle::Outcome& o);
/// The outcomes by stay id (settlements as JSON, rejections as "code field").
std::map<std::string, std::string> by_stay(const std::vector<medsettle::Outcome>& outcomes);

/// The store's export (StoreRecord times left out when `times` is false).
std::string export_of(medsettle::LedgerStore& store, bool times = true);

}  // namespace storetest
