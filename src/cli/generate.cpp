// medsettle generate: a deterministic synthetic population of stays. The
// generator itself, and the shape of its costs, are in src/gen/generator.cpp.
#include <chrono>
#include <iostream>

#include "cli/common.hpp"
#include "medsettle/generate.hpp"

namespace medsettle::cli {

namespace {

struct GenerateArgs {
  std::uint64_t persons = 0;
  std::uint64_t seed = 1;
  int year = 2019;
  std::string out, format;
};

int run_generate(const GenerateArgs& a) {
  const bool csv = input_format(a.format, a.out) == InputFormat::csv;
  OutputFile out(a.out);
  gen::Options options;
  options.persons = a.persons;
  options.seed = a.seed;
  options.year = a.year;
  options.csv = csv;
  gen::Population gen(options);

  const auto start = std::chrono::steady_clock::now();
  const bool progress = stderr_is_terminal();
  bool shown = false;
  auto last = start;

  constexpr std::size_t flush_at = 8u << 20;
  std::string buf;
  buf.reserve(flush_at + (64u << 10));
  if (csv) buf += gen::Population::csv_header();
  std::uint64_t stays = 0;
  for (std::uint64_t n = 1; n <= a.persons; ++n) {
    stays += gen.person(n, buf);
    if (buf.size() >= flush_at) {
      out.stream().write(buf.data(), static_cast<std::streamsize>(buf.size()));
      buf.clear();
    }
    if (progress && (n & 0x3fff) == 0) {
      const auto now = std::chrono::steady_clock::now();
      if (now - start > std::chrono::seconds(1) && now - last > std::chrono::milliseconds(250)) {
        last = now;
        shown = true;
        std::cerr << "\r" << tr(N_("generating: {} of {} persons, {} stays"), n, a.persons, stays) << std::flush;
      }
    }
  }
  out.stream().write(buf.data(), static_cast<std::streamsize>(buf.size()));
  out.commit();
  if (shown) std::cerr << "\r\033[K";
  std::cerr << tr(N_("generated {} persons, {} stays"), a.persons, stays) << '\n';
  return ok;
}

}  // namespace

Run add_generate(CLI::App& app) {
  auto a = std::make_shared<GenerateArgs>();
  CLI::App* c = app.add_subcommand("generate", tr(N_("Generate a deterministic synthetic population of stays")));
  c->add_option("--persons", a->persons, tr(N_("Number of persons (each has 1 to 4 stays)")))
      ->required()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}));
  c->add_option("--seed", a->seed, tr(N_("Seed of the random draws (default 1); the same arguments give the same bytes")));
  c->add_option("--year", a->year, tr(N_("Calendar year of the discharge dates (default 2019)")))
      ->check(CLI::Range(1001, 9998));
  c->add_option("--out", a->out, tr(N_("Output file (default: standard output)")));
  c->add_option("--format", a->format,
                tr(N_("jsonl (stays with fee lines, ~3% in bucket form) or csv (every stay in bucket form); "
                      "default: from the --out file name")))
      ->check(CLI::IsMember({"jsonl", "csv"}));
  c->footer(tr(N_("Example:\n"
                  "  medsettle generate --persons 100000 --seed 7 --year 2019 --out stays.jsonl\n"
                  "  medsettle settle --rules rules/hunan.yaml --in stays.jsonl --out settled.jsonl\n"
                  "About 25% of persons are rural poor; principal diagnoses come from every disease group of the\n"
                  "policy book about 30% of the time. A summary line 'generated N persons, M stays' goes to "
                  "standard error.")));
  return [a] { return run_generate(*a); };
}

}  // namespace medsettle::cli
