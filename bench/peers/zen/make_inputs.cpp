// make_inputs: prepares the side-by-side comparison with GoRules ZEN.
//
// Reads a stays JSON Lines file, settles it with medsettle under a rule file
// (rules/hunan.yaml: every stay must fall under its 2017-07-01 version),
// orders the settled stays by person (first appearance in the file) and, per
// person, in processing order (discharged, admitted, stay_id), keeps the first
// --limit of them, and writes into --out-dir:
//
//   zen_inputs.jsonl  one ZEN context per stay: pre-split buckets (fen), level,
//                     region, rural_poor, dibao_or_tekun, nine_major, and the
//                     ids run.mjs needs to carry the person-year ledger
//   expected.csv      medsettle's result per stay:
//                     stay_id,basic,critical_illness,commercial,medical_aid,hospital_waiver,backstop,patient_pays
//                     (integer fen, no header)
//   stays.jsonl       the same stays, as their original input lines, in that order
//
// It then cross-checks medsettle against bench/baseline_hunan.hpp (the same
// scheme hard-coded), and times settle_batch on the same stays in this process
// (1 thread; the stays as given, with fee lines, and again in bucket form, which
// is what ZEN gets) and the hard-coded baseline, best of --repeat runs each
// (wall time, and separately the process's CPU time). With --traced N (N > 0)
// it also times settle_batch with the trace on (SettleOptions::trace: every
// step of every channel recorded as a typed step with the rule-file line, the
// cited source and what about the stay chose its value, what `explain`, the C
// ABI and Python render) on the first N of those stays, the ones run.mjs
// traces with ZEN; and again with each step's English texts filled as it is
// recorded (SettleOptions::trace_text, the library's default).
// Timings go to standard output as `key=value` lines for compare.sh.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "baseline_hunan.hpp"
#include "medsettle/engine.hpp"
#include "medsettle/writer.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/reader.hpp"

namespace {

using medsettle::Outcome;
using medsettle::Record;

constexpr std::array<std::string_view, 6> kChannels = {"basic",       "critical_illness", "commercial",
                                                       "medical_aid", "hospital_waiver",  "backstop"};

[[noreturn]] void die(const std::string& msg) {
  std::cerr << "make_inputs: " << msg << '\n';
  std::exit(2);
}


std::string ledger_key(const medsettle::Stay& s) {
  return s.person_id + '|' + std::to_string(s.discharged.year());
}

struct Expected {
  std::array<std::int64_t, 6> paid{};
  std::int64_t patient = 0;
};

Expected expected_of(const medsettle::Settlement& st) {
  Expected e;
  if (st.channels.size() != kChannels.size()) die("a settlement does not have six channels");
  for (std::size_t c = 0; c < kChannels.size(); ++c) e.paid[c] = st.channels[c].paid.count();
  e.patient = st.psn_part_amt.count();
  return e;
}

/// Counts the stays whose medsettle outcome differs from `want` (not settled, or any amount).
std::size_t count_differences(const std::vector<Outcome>& got, const std::vector<Expected>& want) {
  std::size_t bad = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (!got[i].settled()) { ++bad; continue; }
    const Expected e = expected_of(got[i].settlement());
    if (e.paid != want[i].paid || e.patient != want[i].patient) ++bad;
  }
  return bad;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Processor time of the whole process (every thread) since c0.
double cpu_seconds_since(std::clock_t c0) {
  return static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
}

void report(const char* key, std::size_t n, double wall, double cpu) {
  std::cout << key << "_seconds=" << wall << '\n'
            << key << "_stays_per_s=" << static_cast<std::int64_t>(static_cast<double>(n) / wall) << '\n'
            << key << "_cpu_seconds=" << cpu << '\n'
            << key << "_stays_per_cpu_s=" << static_cast<std::int64_t>(static_cast<double>(n) / cpu) << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  std::string rules = "rules/hunan.yaml", in, out_dir = ".";
  std::size_t limit = 200'000;
  int repeat = 3;
  std::size_t traced = 20'000;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(std::string("missing value after ") + argv[i]);
      return argv[++i];
    };
    if (a == "--rules") rules = value();
    else if (a == "--in") in = value();
    else if (a == "--out-dir") out_dir = value();
    else if (a == "--limit") limit = std::stoull(value());
    else if (a == "--repeat") repeat = std::max(1, std::stoi(value()));
    else if (a == "--traced") traced = std::stoull(value());
    else die("usage: make_inputs [--rules FILE] --in STAYS.jsonl [--out-dir DIR] [--limit N] [--repeat R] [--traced N]");
  }
  if (in.empty()) die("--in is required");

  const medsettle::Plan plan = medsettle::Plan::load_file(rules);
  {
    const auto ids = plan.channel_ids(0);
    if (ids.size() != kChannels.size() || !std::equal(ids.begin(), ids.end(), kChannels.begin()))
      die(rules + ": the first version's channels are not hunan's six");
  }

  // Read: the raw line of every record (for stays.jsonl) and the parsed record.
  std::vector<std::string> raw;
  std::vector<Record> records;
  {
    std::ifstream f(in, std::ios::binary);
    if (!f) die("cannot read " + in);
    medsettle::JsonStayReader reader;
    medsettle::for_each_json_line(f, [&](std::string_view text, std::uint64_t line) {
      raw.emplace_back(text);
      records.push_back(reader.read(text, line));
    });
  }

  // Settle everything once, 1 thread, to get medsettle's answer.
  std::vector<Outcome> outcomes;
  {
    medsettle::BatchOptions opt;
    opt.threads = 1;
    outcomes = medsettle::settle_batch(plan, records, opt);
  }

  // Settled stays, grouped by person (first appearance) and in processing order.
  std::unordered_map<std::string, std::size_t> first_seen;
  std::vector<std::size_t> order;
  std::size_t rejected = 0, other_version = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (!outcomes[i].settled()) { ++rejected; continue; }
    if (outcomes[i].settlement().version_index != 0) { ++other_version; continue; }
    first_seen.try_emplace(records[i].stay.person_id, first_seen.size());
    order.push_back(i);
  }
  if (other_version != 0)
    die(std::to_string(other_version) + " stays settled under another version than " + rules +
        "'s first; generate stays discharged 2017-07-01..2018-12-31 (--year 2018)");
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const auto& x = records[a].stay;
    const auto& y = records[b].stay;
    const std::size_t px = first_seen.at(x.person_id), py = first_seen.at(y.person_id);
    if (px != py) return px < py;
    if (x.discharged != y.discharged) return x.discharged < y.discharged;
    if (x.admitted != y.admitted) return x.admitted < y.admitted;
    return x.stay_id < y.stay_id;  // byte order of UTF-8 = code point order
  });
  if (order.size() > limit) order.resize(limit);
  std::cerr << "make_inputs: read " << records.size() << ", settled " << records.size() - rejected << ", rejected "
            << rejected << "; kept the first " << order.size() << " in processing order\n";

  // Write the three files; cross-check against the hard-coded baseline.
  std::vector<Expected> expected;
  expected.reserve(order.size());
  std::size_t baseline_mismatches = 0, with_prior = 0;
  {
    std::ofstream zin(out_dir + "/zen_inputs.jsonl", std::ios::binary);
    std::ofstream exp(out_dir + "/expected.csv", std::ios::binary);
    std::ofstream sub(out_dir + "/stays.jsonl", std::ios::binary);
    if (!zin || !exp || !sub) die("cannot write into " + out_dir);
    std::unordered_map<std::string, baseline::Ledger> ledgers;
    std::string line;
    for (std::size_t i : order) {
      const medsettle::Stay& s = records[i].stay;
      const medsettle::Settlement& st = outcomes[i].settlement();
      const Expected e = expected_of(st);
      expected.push_back(e);
      const bool rural_poor = (s.identities & 0x0F) != 0;      // registered_poor, dibao, tekun, poor_disabled
      const bool dibao_or_tekun = (s.identities & 0x06) != 0;  // dibao, tekun
      const bool nine_major = !s.diagnoses.empty() && baseline::nine_major(s.diagnoses.front(), s.age);

      line.clear();
      line += "{\"stay_id\":";
      medsettle::write_json_string(line, s.stay_id);
      line += ",\"person_id\":";
      medsettle::write_json_string(line, s.person_id);
      line += ",\"year\":" + std::to_string(s.discharged.year());
      line += ",\"in_scope\":" + std::to_string(st.buckets.in_scope.count());
      line += ",\"pre_selfpay\":" + std::to_string(st.buckets.pre_selfpay.count());
      line += ",\"over_limit\":" + std::to_string(st.buckets.over_limit.count());
      line += ",\"full_selfpay\":" + std::to_string(st.buckets.full_selfpay.count());
      line += ",\"hospital_level\":\"" + std::string(medsettle::name(s.hospital_level)) + '"';
      line += ",\"region\":\"" + std::string(medsettle::name(s.region)) + '"';
      line += std::string(",\"rural_poor\":") + (rural_poor ? "true" : "false");
      line += std::string(",\"dibao_or_tekun\":") + (dibao_or_tekun ? "true" : "false");
      line += std::string(",\"nine_major\":") + (nine_major ? "true" : "false");
      baseline::Ledger& led = ledgers[ledger_key(s)];
      if (s.prior) {  // the person-year's ledger before this stay (SEMANTICS §8)
        ++with_prior;
        led = {};
        line += ",\"prior\":{";
        bool first = true;
        for (const auto& p : *s.prior) {
          auto it = std::find(kChannels.begin(), kChannels.end(), p.channel);
          if (it == kChannels.end()) continue;
          const auto c = static_cast<std::size_t>(it - kChannels.begin());
          led.paid[c] = p.paid.count();
          led.acc[c] = p.accumulated.count();
          if (!first) line += ',';
          first = false;
          line += '"' + std::string(p.channel) + "\":{\"paid\":" + std::to_string(p.paid.count()) +
                  ",\"acc\":" + std::to_string(p.accumulated.count()) + '}';
        }
        line += '}';
      }
      line += "}\n";
      zin << line;

      line.clear();
      line += s.stay_id;
      for (std::int64_t v : e.paid) line += ',' + std::to_string(v);
      line += ',' + std::to_string(e.patient) + '\n';
      exp << line;

      sub << raw[i] << '\n';

      const baseline::Paid b = baseline::settle(s, led);
      if (b.paid != e.paid || b.patient != e.patient) ++baseline_mismatches;
    }
  }
  std::cout << "stays=" << order.size() << '\n'
            << "stays_with_prior=" << with_prior << '\n'
            << "baseline_mismatches=" << baseline_mismatches << '\n';

  // Time settle_batch on the same stays, 1 thread: as given (fee lines, split
  // into buckets by the engine) and in bucket form (what ZEN is given).
  std::vector<Record> as_given, as_buckets;
  as_given.reserve(order.size());
  as_buckets.reserve(order.size());
  for (std::size_t i : order) {
    as_given.push_back(records[i]);
    Record r = records[i];
    r.stay.fees.clear();
    r.stay.buckets = outcomes[i].settlement().buckets;
    as_buckets.push_back(std::move(r));
  }
  records.clear();
  outcomes.clear();
  enum class Traced { no, typed, texts };
  auto time_batch = [&](const std::vector<Record>& input, const char* key, Traced traced_as = Traced::no) {
    const bool trace = traced_as != Traced::no;
    double best = 1e300, best_cpu = 1e300;
    std::size_t differences = 0, untraced = 0, steps = 0;
    for (int r = 0; r < repeat; ++r) {
      std::vector<Record> copy = input;  // settle_batch takes its records by value
      medsettle::BatchOptions opt;
      opt.threads = 1;
      opt.settle.trace = trace;
      opt.settle.trace_text = traced_as == Traced::texts;
      const std::clock_t c0 = std::clock();
      const auto t0 = std::chrono::steady_clock::now();
      std::vector<Outcome> got = medsettle::settle_batch(plan, std::move(copy), opt);
      best = std::min(best, seconds_since(t0));
      best_cpu = std::min(best_cpu, cpu_seconds_since(c0));
      differences += count_differences(got, expected);
      if (trace) {
        steps = 0;
        for (const Outcome& o : got) {
          const auto& t = o.settlement().trace;
          if (!t || t->steps.empty()) ++untraced;
          else steps += t->steps.size();
        }
      }
    }
    report(key, input.size(), best, best_cpu);
    std::cout << key << "_mismatches=" << differences << '\n';
    if (trace) {
      std::cout << key << "_stays=" << input.size() << '\n'
                << key << "_untraced=" << untraced << '\n'
                << key << "_steps_per_stay=" << static_cast<double>(steps) / static_cast<double>(input.size()) << '\n';
    }
  };
  time_batch(as_given, "medsettle_inprocess");
  time_batch(as_buckets, "medsettle_inprocess_buckets");
  if (traced > 0) {
    const std::vector<Record> first(as_given.begin(),
                                    as_given.begin() + static_cast<std::ptrdiff_t>(std::min(traced, as_given.size())));
    time_batch(first, "medsettle_traced", Traced::typed);
    time_batch(first, "medsettle_traced_texts", Traced::texts);
  }

  // The hard-coded C++ baseline on the bucket form: the floor.
  {
    double best = 1e300, best_cpu = 1e300;
    std::int64_t sink = 0;
    for (int r = 0; r < repeat; ++r) {
      const std::clock_t c0 = std::clock();
      const auto t0 = std::chrono::steady_clock::now();
      std::unordered_map<std::string, baseline::Ledger> ledgers;
      for (const Record& rec : as_buckets) sink += baseline::settle(rec.stay, ledgers[ledger_key(rec.stay)]).patient;
      best = std::min(best, seconds_since(t0));
      best_cpu = std::min(best_cpu, cpu_seconds_since(c0));
    }
    report("baseline", as_buckets.size(), best, best_cpu);
    if (sink == -1) std::cout << '\n';  // keep the loop
  }
  return 0;
}
