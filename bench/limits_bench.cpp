// The cost of a stay under rule files at the limits (rules/README.md
// "Limits", SECURITY.md). Each benchmark grows one dimension of a rule file
// to a quarter, a half and all of its limit and settles the same stay with
// a fresh ledger. Reported, in the same run:
//   - the time per stay and Google Benchmark's fit to O(n) (BigO, RMS),
//   - `x_baseline`: the time per stay over the baseline's, a one-channel
//     rule file settling the same stay, timed inside the same benchmark,
//   - `peak_bytes`: the most memory the settlement held at once (the
//     settlement, the ledger's record of the stay, the engine's work), from
//     a counting allocator.
// See bench/README.md, "Rule files at the limits".
#include <benchmark/benchmark.h>

#include <atomic>
#include <ctime>
#include <cstdlib>
#include <new>
#include <string>

#include "medsettle/engine.hpp"
#include "medsettle/plan.hpp"

#include "counting_allocator.hpp"

namespace {

using namespace medsettle;

// ---- rule files -----------------------------------------------------------------

struct Shape {
  int versions = 1, channels = 1, bands = 1, adjustments = 0, tests = 0, groups = 0, entries = 0;
};

std::string header(const Shape& s) {
  std::string y = "medsettle: 1\nid: bench\nclass_b_selfpay: 0.10\n";
  if (s.groups > 0) {
    y += "disease_groups:\n";
    for (int g = 0; g < s.groups; ++g) {
      y += "  g" + std::to_string(g) + ":\n";
      // Codes no stay below has (W.. is external causes), so every entry is tried.
      for (int e = 0; e < s.entries; ++e) {
        y += "    - W" + std::to_string(10 + e % 90) + "." + std::to_string(e / 90) + "\n";
      }
    }
  }
  return y;
}

/// A coinsurance channel paying on the year's accumulation, with `s.bands`
/// bands, `s.adjustments` adjustments that all apply (the stay is dibao),
/// and a `when` of `s.tests` tests that all hold (so every one is tested).
std::string channel(const Shape& s, int i) {
  std::string y = "      - id: c" + std::to_string(i) +
                  "\n        name: C\n        kind: coinsurance\n        fund_pay_type: \"390100\"\n"
                  "        reports_as: hifp_pay\n        base: [in_scope]\n        period: year\n";
  if (s.bands <= 1) {
    y += "        rate: 0.01\n";
  } else {
    y += "        bands:\n";
    for (int b = 1; b < s.bands; ++b) y += "          - {upto: " + std::to_string(b * 100) + ", rate: 0.01}\n";
    y += "          - {rate: 0.01}\n";
  }
  // The first channel tests the diagnoses (all groups are then matched, once a stay).
  const bool diagnosis = s.groups > 0 && i == 0;
  if (s.tests > 0 || diagnosis) {
    y += "        when:\n          all:\n";
    for (int t = diagnosis ? 3 : 1; t < s.tests; ++t) y += "            - {age: {min: 0}}\n";
    if (diagnosis) y += "            - {not: {any_diagnosis: [g0]}}\n";
  }
  if (s.adjustments > 0) {
    y += "        adjustments:\n";
    for (int a = 0; a < s.adjustments; ++a) y += "          - {when: {identity: dibao}, rate_add: 0}\n";
  }
  return y;
}

std::string rule_file(const Shape& s) {
  std::string y = header(s) + "versions:\n  - from: 2000-01-01\n    channels:\n";
  for (int c = 0; c < s.channels; ++c) y += channel(s, c);
  for (int v = 1; v < s.versions; ++v) {
    y += "  - from: " + std::to_string(2100 + v) + "-01-01\n    changes: {}\n";
  }
  return y;
}

/// The stay: dibao, county hospital, in scope 10,000.00, discharged in the
/// first version (the version look-up walks back over all the others).
Stay the_stay(int diagnoses) {
  Stay s;
  s.stay_id = "S1";
  s.person_id = "P1";
  s.age = 40;
  s.identities = IdentitySet::of(Identity::dibao);
  s.hospital_level = HospitalLevel::county;
  s.region = Region::in_county;
  s.admitted = s.discharged = Date::from_ymd(2020, 3, 1);
  for (int d = 0; d < diagnoses; ++d) s.diagnoses.push_back("J" + std::to_string(10 + d % 90) + ".9");
  s.buckets = Buckets{Fen(1'000'000), Fen(0), Fen(0), Fen(0), Fen(1'000'000)};
  return s;
}

/// CPU seconds per stay (this thread's CPU time, so that other programs on
/// the machine do not count), the least of five runs.
double seconds_per_stay(const Plan& p, const Stay& stay, int rounds) {
  auto cpu = [] {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
  };
  double best = 1e9;
  for (int run = 0; run < 5; ++run) {
    const double t0 = cpu();
    for (int i = 0; i < rounds; ++i) {
      Ledger ledger(p);
      benchmark::DoNotOptimize(settle(p, stay, ledger));
    }
    best = std::min(best, (cpu() - t0) / rounds);
  }
  return best;
}

/// Settles `stay` under `shape`, stay by stay with a fresh ledger.
void run(benchmark::State& state, const Shape& shape, int diagnoses = 1) {
  const Plan plan = Plan::load_string(rule_file(shape), "bench.yaml");
  const Plan baseline = Plan::load_string(rule_file(Shape{}), "baseline.yaml");
  const Stay stay = the_stay(diagnoses);
  std::int64_t peak = 0;
  for (auto _ : state) {
    Ledger ledger(plan);
    const std::int64_t before = bench_memory::reset_peak();
    Outcome o = settle(plan, stay, ledger);
    peak = std::max(peak, bench_memory::peak_bytes.load() - before);
    if (!o.settled()) state.SkipWithError("not settled");
    benchmark::DoNotOptimize(o);
  }
  const double mine = seconds_per_stay(plan, stay, 20), base = seconds_per_stay(baseline, stay, 2000);
  state.counters["x_baseline"] = mine / base;
  state.counters["peak_bytes"] = static_cast<double>(peak);
  state.SetComplexityN(state.range(0));
}

/// The baseline: a one-channel rule file, the same stay.
void BM_Baseline(benchmark::State& state) { run(state, {}); }
BENCHMARK(BM_Baseline)->Arg(1);

void BM_Channels(benchmark::State& state) { run(state, {.channels = static_cast<int>(state.range(0))}); }
BENCHMARK(BM_Channels)->Arg(16)->Arg(32)->Arg(64)->Complexity(benchmark::oN);

void BM_Bands(benchmark::State& state) { run(state, {.channels = 64, .bands = static_cast<int>(state.range(0))}); }
BENCHMARK(BM_Bands)->Arg(4)->Arg(8)->Arg(16)->Complexity(benchmark::oN);

void BM_Adjustments(benchmark::State& state) {
  run(state, {.channels = 64, .adjustments = static_cast<int>(state.range(0))});
}
BENCHMARK(BM_Adjustments)->Arg(4)->Arg(8)->Arg(16)->Complexity(benchmark::oN);

void BM_ConditionTests(benchmark::State& state) {
  run(state, {.channels = 64, .tests = static_cast<int>(state.range(0))});
}
BENCHMARK(BM_ConditionTests)->Arg(8)->Arg(16)->Arg(32)->Complexity(benchmark::oN);

void BM_GroupEntries(benchmark::State& state) {
  // 4 groups of n entries (4 x 256 = 1,024, all the groups may hold together),
  // 20 diagnoses: every diagnosis against every entry.
  run(state, {.groups = 4, .entries = static_cast<int>(state.range(0))}, 20);
}
BENCHMARK(BM_GroupEntries)->Arg(64)->Arg(128)->Arg(256)->Complexity(benchmark::oN);

void BM_Versions(benchmark::State& state) { run(state, {.versions = static_cast<int>(state.range(0))}); }
BENCHMARK(BM_Versions)->Arg(25)->Arg(50)->Arg(100)->Complexity(benchmark::oN);

void BM_Diagnoses(benchmark::State& state) {
  // A stay's diagnoses (at most 1,000, ReadLimits) against 4 groups of 256 entries.
  run(state, {.groups = 4, .entries = 256}, static_cast<int>(state.range(0)));
}
BENCHMARK(BM_Diagnoses)->Arg(250)->Arg(500)->Arg(1000)->Complexity(benchmark::oN);

/// Everything at its limit at once: the most a stay can cost. (Seven
/// versions: with 64 such channels, the eighth would pass the 200,000
/// values the versions may hold together, changes carried forward.)
void BM_AllAtTheLimits(benchmark::State& state) {
  run(state, {.versions = 7, .channels = 64, .bands = 16, .adjustments = 16, .tests = 32, .groups = 4,
              .entries = 256},
      static_cast<int>(state.range(0)));
}
BENCHMARK(BM_AllAtTheLimits)->Arg(1)->Arg(1000)->Unit(benchmark::kMicrosecond);

/// Loading and compiling the rule file with everything at its limit.
void BM_LoadAtTheLimits(benchmark::State& state) {
  const std::string text = rule_file({.versions = 7, .channels = 64, .bands = 16, .adjustments = 16, .tests = 32,
                                      .groups = 4, .entries = 256});
  for (auto _ : state) benchmark::DoNotOptimize(Plan::load_string(text, "bench.yaml"));
  state.counters["file_bytes"] = static_cast<double>(text.size());
}
BENCHMARK(BM_LoadAtTheLimits)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
