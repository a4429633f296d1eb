// Throughput with a kept ledger (bench/README.md, "Kept ledgers"): a file of
// stays settled against an empty SQLite or PostgreSQL ledger, beside the same
// file settled in memory (no ledger) in the same run; and 1, 2 and 8 writers
// (settlement windows: their own connection, their own persons) settling
// their share in runs of `run_size` stays at once.
//
//   MEDSETTLE_BENCH_STAYS   stays in the file (default 100,000)
//   MEDSETTLE_BENCH_PG      a postgresql:// URI of a database this benchmark
//                           may create databases beside (its PostgreSQL
//                           benchmarks are skipped without it)
#include <benchmark/benchmark.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "medsettle/generate.hpp"
#include "medsettle/pipeline.hpp"
#include "medsettle/store.hpp"

namespace {

using namespace medsettle;

constexpr std::size_t run_size = 5'000;  // stays a window settles in one run

std::atomic<int> counter{0};

/// The benchmark's scratch files and folders, removed at the end.
struct Scratch {
  std::vector<std::filesystem::path> paths;
  ~Scratch() {
    std::error_code ignored;
    for (const auto& p : paths) std::filesystem::remove_all(p, ignored);
  }
} scratch;

struct Population {
  std::string path;                 // the file of stays, JSON Lines
  std::vector<std::string> lines;   // its records
  std::size_t stays = 0;
};

const Population& population() {
  static const Population p = [] {
    const char* env = std::getenv("MEDSETTLE_BENCH_STAYS");
    const std::size_t want = env ? std::strtoull(env, nullptr, 10) : 100'000;
    std::string text;
    gen::generate(text, {want / 2, 7, 2018, false});  // about two stays a person
    Population out;
    out.path = (std::filesystem::temp_directory_path() / fmt::format("medsettle-store-bench-{}.jsonl", ::getpid())).string();
    std::ofstream(out.path) << text;
    scratch.paths.emplace_back(out.path);
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.lines.push_back(line);
    out.stays = out.lines.size();
    std::cerr << "population: " << out.stays << " stays in " << out.path << '\n';
    return out;
  }();
  return p;
}


/// A fresh, empty ledger location of `kind`; "" if PostgreSQL is not configured.
std::string fresh(std::string_view kind) {
  if (kind == "sqlite") {
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("medsettle-store-bench-{}-{}", ::getpid(), counter++);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    scratch.paths.push_back(dir);
    return (dir / "ledger.db").string();
  }
  const char* base = std::getenv("MEDSETTLE_BENCH_PG");
  if (!base) return "";
  PGconn* c = PQconnectdb(base);
  const std::string db = fmt::format("bench{}_{}", ::getpid(), counter++);
  PQclear(PQexec(c, ("CREATE DATABASE " + db).c_str()));
  PQfinish(c);
  std::string uri = base;
  const auto slash = uri.find('/', uri.find("://") + 3), query = uri.find('?');
  return uri.substr(0, slash + 1) + db + (query == std::string::npos ? "" : uri.substr(query));
}

/// The file as `medsettle settle` settles it: read, settle, write (to nowhere).
void settle_in_memory(const Plan& plan) {
  InputFile in(population().path);
  PipelineOptions o;
  o.threads = 1;
  std::ostringstream out, errors;
  benchmark::DoNotOptimize(settle_file(plan, in, out, errors, o));
}

/// The same against a kept ledger: read, settle and commit, write.
void settle_kept(const Plan& plan, LedgerStore& store) {
  InputFile in(population().path);
  PipelineOptions o;
  o.threads = 1;
  StoreSettleOptions so;
  const StoreRun run = store.settle(plan, read_input(in, o), so);
  std::ostringstream out, errors;
  benchmark::DoNotOptimize(write_outcomes(plan, run.outcomes, out, errors, o));
}

void BM_File_InMemory(benchmark::State& state) {
  const Plan& plan = Plan::builtin();
  for (auto _ : state) settle_in_memory(plan);
  state.counters["stays/s"] = benchmark::Counter(static_cast<double>(population().stays), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_File_InMemory)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);

void BM_File_Kept(benchmark::State& state, std::string_view kind) {
  const Plan& plan = Plan::builtin();
  if (kind == "postgresql" && !std::getenv("MEDSETTLE_BENCH_PG")) return state.SkipWithError("MEDSETTLE_BENCH_PG is not set");
  for (auto _ : state) {
    state.PauseTiming();
    LedgerStore store = LedgerStore::open(fresh(kind));
    state.ResumeTiming();
    settle_kept(plan, store);
  }
  state.counters["stays/s"] = benchmark::Counter(static_cast<double>(population().stays), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK_CAPTURE(BM_File_Kept, sqlite, "sqlite")->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);
BENCHMARK_CAPTURE(BM_File_Kept, postgresql, "postgresql")->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);

/// `writers` windows at once, each with its own connection and its own
/// persons (person number modulo writers), each settling its share in runs
/// of run_size stays.
void BM_Writers(benchmark::State& state, std::string_view kind) {
  const Plan& plan = Plan::builtin();
  const auto writers = static_cast<std::size_t>(state.range(0));
  const Population& p = population();
  // Each writer's runs, as records (read before timing).
  std::vector<std::vector<std::vector<Record>>> runs(writers);
  {
    std::vector<std::string> texts(writers);
    for (const std::string& line : p.lines) {
      const auto at = line.find("\"person_id\":\"P") + 14;
      texts[std::strtoull(line.c_str() + at, nullptr, 10) % writers] += line + '\n';
    }
    for (std::size_t w = 0; w < writers; ++w) {
      std::vector<Record> all = read_jsonl(std::string_view(texts[w]));
      for (std::size_t from = 0; from < all.size(); from += run_size) {
        runs[w].emplace_back(all.begin() + static_cast<std::ptrdiff_t>(from),
                             all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), from + run_size)));
      }
    }
  }
  if (kind == "postgresql" && !std::getenv("MEDSETTLE_BENCH_PG")) return state.SkipWithError("MEDSETTLE_BENCH_PG is not set");
  for (auto _ : state) {
    state.PauseTiming();
    const std::string location = fresh(kind);
    std::vector<LedgerStore> stores;
    for (std::size_t w = 0; w < writers; ++w) stores.push_back(LedgerStore::open(location));
    state.ResumeTiming();
    std::vector<std::thread> pool;
    for (std::size_t w = 0; w < writers; ++w) {
      pool.emplace_back([&, w] {
        for (const std::vector<Record>& run : runs[w]) benchmark::DoNotOptimize(stores[w].settle(plan, run));
      });
    }
    for (std::thread& t : pool) t.join();
  }
  state.counters["stays/s"] = benchmark::Counter(static_cast<double>(p.stays), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK_CAPTURE(BM_Writers, sqlite, "sqlite")->Arg(1)->Arg(2)->Arg(8)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Writers, postgresql, "postgresql")->Arg(1)->Arg(2)->Arg(8)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
