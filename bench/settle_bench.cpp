// medsettle benchmarks. Every figure is read against the baseline measured
// in the same run (BM_Baseline_*): the hunan 2017 scheme hard-coded in plain
// C++ on the same stays. See bench/README.md.
//
// Every benchmark reports real (wall-clock) time (UseRealTime), so that any
// two figures of a run divide on the same clock. main() checks that the
// baseline agrees with the engine before any benchmark runs, whatever
// --benchmark_filter selects.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <span>
#include <sstream>
#include <streambuf>

#include <fmt/format.h>

#include "baseline_hunan.hpp"
#include "medsettle/generate.hpp"
#include "medsettle/engine.hpp"
#include "medsettle/reader.hpp"
#include "medsettle/stream.hpp"
#include "medsettle/writer.hpp"

using namespace medsettle;

namespace {

constexpr const char* schemes[] = {"hunan", "zhuzhou", "funing", "zhenba", "xuchang", "linxian"};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t population_persons() {
  const char* env = std::getenv("MEDSETTLE_BENCH_PERSONS");
  return env ? std::strtoull(env, nullptr, 10) : 400'000;  // about 1,000,000 stays
}

/// The generated population (year 2018: hunan's 2017-07-01 version), as
/// JSON Lines text, as CSV text, and as records.
struct Population {
  std::string jsonl, csv;
  std::vector<Record> records;
  Population() {
    gen::Options o;
    o.persons = population_persons();
    o.seed = 7;
    o.year = 2018;
    gen::generate(jsonl, o);
    o.csv = true;
    gen::generate(csv, o);
    records = read_jsonl(jsonl);
  }
};

const Population& population() {
  static const Population p;
  return p;
}

const Plan& plan(const std::string& scheme) {
  static std::map<std::string, Plan> plans;
  auto it = plans.find(scheme);
  if (it == plans.end()) {
    it = plans.emplace(scheme, Plan::load_file(std::string(MEDSETTLE_RULES_DIR) + "/" + scheme + ".yaml")).first;
  }
  return it->second;
}

/// The baseline over the population: a ledger per person-year, the stays in
/// the generator's order (grouped by person, in date order).
std::int64_t run_baseline(const std::vector<Record>& records) {
  std::int64_t checksum = 0;
  baseline::Ledger ledger;
  const std::string* person = nullptr;
  int year = 0;
  for (const Record& r : records) {
    if (r.rejection) continue;
    if (!person || *person != r.stay.person_id || year != r.stay.discharged.year()) {
      ledger = {};
      person = &r.stay.person_id;
      year = r.stay.discharged.year();
    }
    baseline::Paid p = baseline::settle(r.stay, ledger);
    checksum += p.patient;
  }
  return checksum;
}

/// The baseline and the engine must agree on every paid amount; a benchmark
/// of two programs computing different things would mean nothing.
void check_baseline_agrees() {
  const auto& recs = population().records;
  auto outcomes = settle_batch(plan("hunan"), recs);
  baseline::Ledger ledger;
  const std::string* person = nullptr;
  int year = 0;
  std::size_t compared = 0;
  for (std::size_t i = 0; i < recs.size(); ++i) {
    const Record& r = recs[i];
    if (r.rejection || !outcomes[i].settled()) continue;
    if (!person || *person != r.stay.person_id || year != r.stay.discharged.year()) {
      ledger = {};
      person = &r.stay.person_id;
      year = r.stay.discharged.year();
    }
    baseline::Paid p = baseline::settle(r.stay, ledger);
    const Settlement& s = outcomes[i].settlement();
    for (std::size_t c = 0; c < 6; ++c) {
      if (p.paid[c] != s.channels[c].paid.count()) {
        fmt::print(stderr, "baseline disagrees with the engine on stay {} channel {}: {} vs {}\n", s.stay_id, c,
                   p.paid[c], s.channels[c].paid.count());
        std::abort();
      }
    }
    ++compared;
  }
  fmt::print(stderr, "baseline check: {} stays agree with the engine on every channel\n", compared);
}

// ---- batch: the baseline and the engine on the same stays -------------------

void BM_Baseline_Hunan2017(benchmark::State& state) {
  const auto& recs = population().records;
  for (auto _ : state) benchmark::DoNotOptimize(run_baseline(recs));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * recs.size()));
}
BENCHMARK(BM_Baseline_Hunan2017)->Unit(benchmark::kMillisecond)->UseRealTime();

/// settle() stay by stay with a ledger per person: the engine without the
/// batch's bookkeeping (duplicates, processing order).
void BM_Engine_Hunan_SettleLoop(benchmark::State& state) {
  const auto& recs = population().records;
  const Plan& p = plan("hunan");
  for (auto _ : state) {
    Ledger ledger(p);
    const std::string* person = nullptr;
    std::int64_t checksum = 0;
    for (const Record& r : recs) {
      if (r.rejection) continue;
      if (!person || *person != r.stay.person_id) {
        ledger = Ledger(p);
        person = &r.stay.person_id;
      }
      Outcome o = settle(p, r.stay, ledger);
      if (o.settled()) checksum += o.settlement().psn_part_amt.count();
    }
    benchmark::DoNotOptimize(checksum);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * recs.size()));
}
BENCHMARK(BM_Engine_Hunan_SettleLoop)->Unit(benchmark::kMillisecond)->UseRealTime();

/// The process's minor page faults so far (memory the kernel handed over anew).
long minor_faults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

/// settle_batch on the in-memory population, one thread and two. Reports
/// the page faults per stay: a batch whose results' memory is handed back
/// to the kernel and faulted in again by the next one pays for it in the
/// kernel (bench/README.md, "The redesign's cost").
void BM_Engine_Batch(benchmark::State& state, const char* scheme) {
  const auto& recs = population().records;
  const Plan& p = plan(scheme);
  BatchOptions options;
  options.threads = static_cast<unsigned>(state.range(0));
  const long faults = minor_faults();
  for (auto _ : state) {
    auto out = settle_batch(p, recs, options);
    benchmark::DoNotOptimize(out.data());
  }
  const auto stays = static_cast<std::int64_t>(state.iterations() * recs.size());
  state.SetItemsProcessed(stays);
  state.counters["faults_per_stay"] = static_cast<double>(minor_faults() - faults) / static_cast<double>(stays);
}
BENCHMARK_CAPTURE(BM_Engine_Batch, hunan, "hunan")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Engine_Batch, funing, "funing")->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Engine_Batch, zhuzhou, "zhuzhou")->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- one stay ---------------------------------------------------------------

/// How BM_SettleOne traces: not at all, the typed steps only
/// (SettleOptions::trace_text false), or the steps with their texts.
enum class Traced { no, typed, texts };

/// One stay of each scheme: the first settled stay of a rural-poor person in
/// the golden examples, with a fresh ledger each time.
void BM_SettleOne(benchmark::State& state, const char* scheme, Traced trace) {
  const Plan& p = plan(scheme);
  auto recs = read_jsonl(slurp(std::string(MEDSETTLE_RULES_DIR) + "/../tests/golden/" + scheme + ".stays.jsonl"));
  const Stay* stay = nullptr;
  for (const Record& r : recs) {
    if (!r.rejection && (r.stay.identities.bits() & 0x0F) && !r.stay.referred_from && !r.stay.prior &&
        p.version_on(r.stay.discharged)) {
      stay = &r.stay;
      break;
    }
  }
  if (!stay) {
    state.SkipWithError((std::string("no settled stay of a rural-poor person without referral or prior in ") + scheme +
                         ".stays.jsonl")
                            .c_str());
    return;
  }
  SettleOptions o;
  o.trace = trace != Traced::no;
  o.trace_text = trace == Traced::texts;
  for (auto _ : state) {
    Ledger ledger(p);
    Outcome out = settle(p, *stay, ledger, o);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_SettleOne, hunan, "hunan", Traced::no)->UseRealTime();
BENCHMARK_CAPTURE(BM_SettleOne, zhuzhou, "zhuzhou", Traced::no)->UseRealTime();
BENCHMARK_CAPTURE(BM_SettleOne, funing, "funing", Traced::no)->UseRealTime();
BENCHMARK_CAPTURE(BM_SettleOne, zhenba, "zhenba", Traced::no)->UseRealTime();
BENCHMARK_CAPTURE(BM_SettleOne, xuchang, "xuchang", Traced::no)->UseRealTime();
BENCHMARK_CAPTURE(BM_SettleOne, linxian, "linxian", Traced::no)->UseRealTime();
BENCHMARK_CAPTURE(BM_SettleOne, hunan_trace, "hunan", Traced::texts)->UseRealTime();
BENCHMARK_CAPTURE(BM_SettleOne, funing_trace, "funing", Traced::texts)->UseRealTime();
BENCHMARK_CAPTURE(BM_SettleOne, hunan_trace_typed, "hunan", Traced::typed)->UseRealTime();
BENCHMARK_CAPTURE(BM_SettleOne, funing_trace_typed, "funing", Traced::typed)->UseRealTime();

// ---- rule files -------------------------------------------------------------

void BM_LoadRules(benchmark::State& state, const char* scheme) {
  const std::string text = slurp(std::string(MEDSETTLE_RULES_DIR) + "/" + scheme + ".yaml");
  for (auto _ : state) benchmark::DoNotOptimize(Plan::load_string(text, scheme));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK_CAPTURE(BM_LoadRules, hunan, "hunan")->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_LoadRules, zhuzhou, "zhuzhou")->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_LoadRules, funing, "funing")->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_LoadRules, zhenba, "zhenba")->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_LoadRules, xuchang, "xuchang")->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_LoadRules, linxian, "linxian")->Unit(benchmark::kMicrosecond)->UseRealTime();

// ---- reading and writing ----------------------------------------------------

void BM_ReadJsonl(benchmark::State& state) {
  const std::string& text = population().jsonl;
  std::size_t n = 0;
  for (auto _ : state) {
    auto recs = read_jsonl(text);
    n = recs.size();
    benchmark::DoNotOptimize(recs.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_ReadJsonl)->Unit(benchmark::kMillisecond)->UseRealTime();

/// The population's JSON lines, each without its line end, in a copy of
/// its text with JsonStayReader::padding bytes after the last line, so that
/// each can be read where it lies (JsonStayReader::read_in_place).
const std::vector<std::string_view>& population_lines() {
  static const std::string text = population().jsonl + std::string(JsonStayReader::padding, '\0');
  static const std::vector<std::string_view> lines = [] {
    std::vector<std::string_view> out;
    std::string_view rest = std::string_view(text).substr(0, population().jsonl.size());
    while (!rest.empty()) {
      const std::size_t end = std::min(rest.find('\n'), rest.size());
      out.push_back(rest.substr(0, end));
      rest.remove_prefix(std::min(end + 1, rest.size()));
    }
    return out;
  }();
  return lines;
}

/// The reader as the command's stream uses it: each line read where it
/// lies (JsonStayReader::read_in_place, as the command parses its lines in
/// its read buffer) into a ring of 8,192 records kept from the waves
/// before (the command's wave), so that the figure is the reader's and not
/// the allocation of a million fresh records, as BM_ReadJsonl's is.
/// BM_ReadJsonlIntoOneByOne: the same a line at a time (read_in_place of
/// one line: no asking memory for the next records ahead).
/// BM_ReadJsonlIntoCopied: a line at a time with JsonStayReader::read, which
/// first copies each line into the reader's padded buffer.
enum class Way { list_in_place, one_in_place, one_copied };
template <Way How>
void read_jsonl_into(benchmark::State& state) {
  const std::vector<std::string_view>& lines = population_lines();
  std::vector<Record> ring(8'192);
  JsonStayReader reader;
  std::size_t rejected = 0;
  // Every line, in waves of the ring's size; `check`: count the rejected
  // (once, before timing, which also fills the ring as a wave before would).
  const auto all = [&](bool check) {
    for (std::size_t from = 0; from < lines.size(); from += ring.size()) {
      const std::size_t n = std::min(ring.size(), lines.size() - from);
      const std::span<Record> wave = std::span<Record>(ring).first(n);
      if constexpr (How == Way::list_in_place) {
        reader.read_in_place(std::span<const std::string_view>(lines).subspan(from, n), from + 1, wave);
      } else if constexpr (How == Way::one_in_place) {
        for (std::size_t i = 0; i < n; ++i) reader.read_in_place(lines[from + i], from + i + 1, wave[i]);
      } else {
        for (std::size_t i = 0; i < n; ++i) reader.read(lines[from + i], from + i + 1, wave[i]);
      }
      if (check) {
        for (const Record& r : wave) rejected += r.rejection.has_value();
      }
    }
    benchmark::DoNotOptimize(ring.data());
  };
  all(true);
  for (auto _ : state) all(false);
  if (rejected != 0) state.SkipWithError("the population's stays were rejected");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * population().jsonl.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * lines.size()));
}
void BM_ReadJsonlInto(benchmark::State& state) { read_jsonl_into<Way::list_in_place>(state); }
void BM_ReadJsonlIntoOneByOne(benchmark::State& state) { read_jsonl_into<Way::one_in_place>(state); }
void BM_ReadJsonlIntoCopied(benchmark::State& state) { read_jsonl_into<Way::one_copied>(state); }
BENCHMARK(BM_ReadJsonlIntoCopied)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ReadJsonlIntoOneByOne)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ReadJsonlInto)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ReadCsv(benchmark::State& state) {
  const std::string& text = population().csv;
  std::size_t n = 0;
  for (auto _ : state) {
    std::istringstream in(text);
    auto recs = read_csv(in);
    n = recs.size();
    benchmark::DoNotOptimize(recs.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_ReadCsv)->Unit(benchmark::kMillisecond)->UseRealTime();

/// Every outcome of the population written by `write` into one buffer kept
/// between iterations, as the command keeps its per-thread buffers: written once
/// before timing, so that the figure is the writer's and not the page faults of
/// a fresh buffer growing to the size of the output.
template <class Write>
void bench_writer(benchmark::State& state, Write write) {
  static const std::vector<Outcome> outcomes = settle_batch(plan("hunan"), population().records);
  std::string out;
  const auto all = [&] {
    out.clear();
    for (const Outcome& o : outcomes) {
      if (o.settled()) write(out, o.settlement());
      out += '\n';
    }
    benchmark::DoNotOptimize(out.data());
  };
  all();
  for (auto _ : state) all();
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * outcomes.size()));
}

void BM_WriteJson(benchmark::State& state) {
  bench_writer(state, [](std::string& out, const Settlement& s) { write_json(out, s); });
}
BENCHMARK(BM_WriteJson)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_WriteCsv(benchmark::State& state) {
  bench_writer(state, [](std::string& out, const Settlement& s) { write_csv(out, s); });
}
BENCHMARK(BM_WriteCsv)->Unit(benchmark::kMillisecond)->UseRealTime();

/// Text in memory read as a stream where it is (std::istringstream copies it).
class ViewBuffer final : public std::streambuf {
 public:
  explicit ViewBuffer(std::string_view text) {
    char* const at = const_cast<char*>(text.data());  // a get area is only read from
    setg(at, at, at + text.size());
  }
};

/// The whole pipeline in memory: JSON Lines text in, JSON Lines text out.
/// The input is read where it is and the output buffer is kept between
/// iterations (written once before timing), so that the figure is the
/// stream's and not a copy of the input and the page faults of an output
/// growing by doubling (which were most of it before 2026-12-07).
void BM_StreamJsonl(benchmark::State& state) {
  const std::string& text = population().jsonl;
  const Plan& p = plan("hunan");
  std::size_t n = 0;
  std::string out;
  const auto run = [&] {
    ViewBuffer view(text);
    std::istream in(&view);
    StreamOptions o;
    o.batch.threads = static_cast<unsigned>(state.range(0));
    out.clear();
    StreamCounts c = settle_stream(p, in, o, [&](const Outcome& x) {
      if (x.settled()) write_json(out, x.settlement());
      out += '\n';
    });
    n = c.read;
    benchmark::DoNotOptimize(out.data());
  };
  run();
  for (auto _ : state) run();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_StreamJsonl)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- hostile inputs: time that must stay proportionate -----------------------
// (moved here from the unit tests, which assert what is refused and why; a
// wall-clock limit there measured the machine, not the code.)

/// Plan::check of a rule text. The baseline is the check of rules/hunan.yaml:
/// each hostile text's time is read as a multiple of it (bench/README.md).
void BM_CheckRules(benchmark::State& state, const std::string& text) {
  for (auto _ : state) benchmark::DoNotOptimize(Plan::check(text, "x.yaml"));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

std::string flow_nesting_100000() {  // HostileRules.FlowNesting100000DeepIsRefusedAtLevel33
  std::string text = "medsettle: 1\nid: t\nversions: ";
  text += std::string(100'000, '[') + std::string(100'000, ']') + "\n";
  return text;
}

std::string billion_laughs() {  // HostileRules.BillionLaughsIsRefusedWithoutExpanding: 9^9 values if expanded
  std::string text = "medsettle: 1\nid: t\nclass_b_selfpay: 0.1\nlol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int level = 1; level <= 9; ++level) {
    const std::string prev = "*a" + std::to_string(level - 1);
    text += "lol" + std::to_string(level) + ": &a" + std::to_string(level) + " [";
    for (int k = 0; k < 9; ++k) text += (k ? ", " : "") + prev;
    text += "]\n";
  }
  return text + "versions: *a9\n";
}

std::string many_versions_15000() {  // HostileRules.ManyVersionsOfChangesCannotMultiplyThePlan
  std::string text = "medsettle: 1\nid: t\nclass_b_selfpay: 0.1\nversions:\n  - from: 1000-01-01\n    channels:\n"
                     "      - {id: basic, name: B, kind: coinsurance, fund_pay_type: \"390100\", reports_as: hifp_pay,"
                     " base: [in_scope], period: stay, rate: 0.5, when: {any: [";
  for (int i = 0; i < 15'000; ++i) text += "{age: {min: 1}},";
  text += "{age: {min: 1}}]}}\n";
  Date d = Date::from_ymd(1000, 1, 2);
  for (int v = 0; v < 15'000; ++v) {
    text += "  - {from: " + format(d) + ", changes: {}}\n";
    d = Date::from_days(d.days() + 1);
  }
  return text;
}

BENCHMARK_CAPTURE(BM_CheckRules, hunan_baseline, slurp(std::string(MEDSETTLE_RULES_DIR) + "/hunan.yaml"))
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_CheckRules, hostile_flow_nesting_100000, flow_nesting_100000())
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_CheckRules, hostile_billion_laughs, billion_laughs())->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_CheckRules, hostile_many_versions_15000, many_versions_15000())
    ->Unit(benchmark::kMillisecond)->UseRealTime();

/// A record with N distinct unknown keys (JsonRejected.ManyKeysStayCheap):
/// rejected in time linear in N. Read the fitted complexity and the time per
/// key across N (items/s): the smallest N is the baseline.
void BM_JsonManyKeys(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::string text = R"({"stay_id": "S-0001", "person_id": "P-17", "age": 56, "hospital_level": "county", )"
                     R"("region": "in_county", "admitted": "2019-03-02", "discharged": "2019-03-12", "diagnoses": ["J18.9"], )"
                     R"("fees": [{"category": "A", "amount": "1.00"}])";
  for (std::size_t i = 0; i < n; ++i) text += ", \"k" + std::to_string(i) + "\": 1";
  text += "}";
  JsonStayReader reader;
  for (auto _ : state) {
    Record r = reader.read(text, 1);
    if (!r.rejection || r.rejection->field != "k0") state.SkipWithError("the record was not rejected at k0");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.SetComplexityN(static_cast<std::int64_t>(n));
}
BENCHMARK(BM_JsonManyKeys)->RangeMultiplier(2)->Range(25'000, 200'000)->Complexity(benchmark::oN)
    ->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

// The baseline must agree with the engine before anything is timed, whatever
// --benchmark_filter selects (a filtered run would otherwise time an engine
// nobody checked): the check aborts on the first disagreement.
int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  check_baseline_agrees();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
