// Scaling at the edges (issue #18, SECURITY.md "Limits"): each hostile shape
// of input grown over three sizes and settled through settle_stream, the
// command's path for grouped input, from text in memory, every outcome
// written as JSON into a reused buffer. Reported, in the same run:
//   - the time per record (items/s) and Google Benchmark's fit to O(n)
//     with its RMS: linear time is a flat time per record and a small RMS;
//   - `bytes_per_record`: the most memory held at once while settling
//     (the input text excluded), over the records: bounded memory is a flat
//     figure, since what is remembered per record (its ids) is bounded.
// The baseline is `persons_one_stay`: n persons with one ordinary stay each.
// See bench/README.md, "Inputs at the edges".
#include <benchmark/benchmark.h>

#include <functional>
#include <sstream>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "medsettle/stream.hpp"
#include "medsettle/writer.hpp"

#include "counting_allocator.hpp"

namespace {

using namespace medsettle;

/// One stay of `person`, admitted and discharged on `day` (days since
/// 1970-01-01), with whatever `extra` adds.
std::string stay(std::string_view id, std::string_view person, std::int32_t day, std::string_view extra = "") {
  const std::string date = format(Date::from_days(day));
  return fmt::format(R"({{"stay_id":"{}","person_id":"{}","age":40,"hospital_level":"county","region":"in_county",)"
                     R"("admitted":"{}","discharged":"{}","diagnoses":["J18.9"],)"
                     R"("fees":[{{"category":"A","amount":"1000.00"}}]{}}})"
                     "\n",
                     id, person, date, date, extra);
}

const std::int32_t day_2019 = Date::from_ymd(2019, 3, 2).days();

/// Ids "<prefix><k>" whose unseeded std::hash ends in 10 zero bits: the ids
/// an attacker would send against a table hashed with std::hash (they all
/// fall in 1/1024 of its slots); the id tables' seeded hash spreads them.
std::vector<std::string> crafted_ids(char prefix, std::size_t n) {
  std::vector<std::string> ids;
  for (std::uint64_t k = 0; ids.size() < n; ++k) {
    std::string id = prefix + std::to_string(k);
    if ((std::hash<std::string_view>{}(id) & 0x3ffu) == 0) ids.push_back(std::move(id));
  }
  return ids;
}

enum class Shape { persons_one_stay, one_person_over_years, chained_referrals, crafted_ids, garbage_lines };

std::string input(Shape shape, std::size_t n) {
  std::string text;
  switch (shape) {
    case Shape::persons_one_stay:
      for (std::size_t i = 0; i < n; ++i) text += stay(fmt::format("S{}", i), fmt::format("P{}", i), day_2019);
      break;
    case Shape::one_person_over_years:  // ten stays a day from 2018 on: 200,000 stays reach 2072
      for (std::size_t i = 0; i < n; ++i) {
        text += stay(fmt::format("S{}", i), "P0", Date::from_ymd(2018, 1, 1).days() + static_cast<std::int32_t>(i / 10));
      }
      break;
    case Shape::chained_referrals:
      for (std::size_t i = 0; i < n; ++i) {
        text += stay(fmt::format("S{}", i), "P0", day_2019, i ? fmt::format(R"(,"referred_from":"S{}")", i - 1) : "");
      }
      break;
    case Shape::crafted_ids: {
      const auto stays = crafted_ids('S', n), persons = crafted_ids('P', n);
      for (std::size_t i = 0; i < n; ++i) text += stay(stays[i], persons[i], day_2019);
      break;
    }
    case Shape::garbage_lines:  // one person's stay, n lines of garbage, the same person's next stay
      text = stay("S0", "P0", day_2019);
      for (std::size_t i = 0; i < n; ++i) text += "x\n";
      text += stay("S1", "P0", day_2019 + 30);
      break;
  }
  return text;
}

void run(benchmark::State& state, Shape shape) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::string text = input(shape, n);
  const Plan& plan = Plan::builtin();
  std::int64_t peak = 0;
  std::size_t records = 0;
  for (auto _ : state) {
    std::istringstream in(text);
    std::string out;
    const std::int64_t before = bench_memory::reset_peak();
    StreamCounts c = settle_stream_waves(plan, in, StreamOptions{}, [&](std::span<const Outcome> wave) {
      out.clear();
      for (const Outcome& o : wave) {
        if (o.settled()) write_json(out, o.settlement());
        else write_json(out, o.rejection());
      }
      benchmark::DoNotOptimize(out.data());
    });
    peak = std::max(peak, bench_memory::peak_bytes.load() - before);
    records = c.read;
    if (c.read != c.settled + c.rejected) state.SkipWithError("a record is not accounted for");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * records));
  state.counters["bytes_per_record"] = static_cast<double>(peak) / static_cast<double>(records);
  state.SetComplexityN(state.range(0));
}

#define EDGE(shape, a, b, c)                                                           \
  BENCHMARK_CAPTURE(run, shape, Shape::shape)->Arg(a)->Arg(b)->Arg(c)                   \
      ->Complexity(benchmark::oN)->Unit(benchmark::kMillisecond)->UseRealTime()

EDGE(persons_one_stay, 250'000, 500'000, 1'000'000);
EDGE(one_person_over_years, 50'000, 100'000, 200'000);
EDGE(chained_referrals, 25'000, 50'000, 100'000);
EDGE(crafted_ids, 50'000, 100'000, 200'000);
EDGE(garbage_lines, 250'000, 500'000, 1'000'000);

}  // namespace

BENCHMARK_MAIN();
