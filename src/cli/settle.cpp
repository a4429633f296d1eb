// medsettle settle: a batch of stays in, settlements and rejections out.
#include <chrono>
#include <thread>

#include <fmt/format.h>

#include "cli/common.hpp"
#include "medsettle/writer.hpp"

namespace medsettle::cli {

namespace {

struct SettleArgs {
  std::string rules, in, out, errors, format, in_format;
  unsigned threads = 0;
};

int run_settle(const SettleArgs& a) {
  Plan plan = load_plan(a.rules);
  Format in_fmt = input_format(a.in_format, a.in);
  Format out_fmt = input_format(a.format, a.out);
  Input in(a.in);
  Output out(a.out);
  Output errors(a.errors, /*to_stderr=*/true);

  const auto start = std::chrono::steady_clock::now();
  std::vector<Record> records = read_records(in, in_fmt);
  BatchOptions options;
  options.threads = a.threads ? a.threads : std::max(1u, std::thread::hardware_concurrency());
  const std::size_t read = records.size();
  std::vector<Outcome> outcomes = settle_batch(plan, std::move(records), options);

  std::size_t settled = 0, rejected = 0;
  std::string buf, err;
  if (out_fmt == Format::csv) {
    buf += csv_header(plan);
    buf += '\n';
  }
  for (const Outcome& o : outcomes) {
    if (o.settled()) {
      ++settled;
      if (out_fmt == Format::csv) write_csv(buf, plan, o.settlement());
      else write_json(buf, plan, o.settlement());
      buf += '\n';
    } else {
      ++rejected;
      write_json(err, o.rejection());
      err += '\n';
    }
    if (buf.size() > (1u << 20)) {
      out.stream().write(buf.data(), static_cast<std::streamsize>(buf.size()));
      buf.clear();
    }
    if (err.size() > (1u << 16)) {
      errors.stream().write(err.data(), static_cast<std::streamsize>(err.size()));
      err.clear();
    }
  }
  out.stream().write(buf.data(), static_cast<std::streamsize>(buf.size()));
  errors.stream().write(err.data(), static_cast<std::streamsize>(err.size()));
  out.stream().flush();
  errors.stream().flush();
  if (!out.stream()) throw UsageError("writing the settlements failed");
  const double seconds [[maybe_unused]] =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << fmt::format("read {}, settled {}, rejected {}\n", read, settled, rejected);
  return rejected ? some_rejected : ok;
}

}  // namespace

Run add_settle(CLI::App& app) {
  auto a = std::make_shared<SettleArgs>();
  CLI::App* c = app.add_subcommand("settle", "Settle a batch of stays: settlements to --out, rejections to --errors");
  c->add_option("--rules", a->rules, "Rule file (default: the built-in hunan rule set)");
  c->add_option("--in", a->in, "Stays, JSON Lines or CSV (default: standard input)");
  c->add_option("--out", a->out, "Settlements (default: standard output)");
  c->add_option("--format", a->format, "Output format: jsonl (default) or csv")->check(CLI::IsMember({"jsonl", "csv"}));
  c->add_option("--in-format", a->in_format, "Input format: jsonl or csv (default: from the file name)")
      ->check(CLI::IsMember({"jsonl", "csv"}));
  c->add_option("--errors", a->errors, "Rejections, JSON Lines (default: standard error)");
  c->add_option("--threads", a->threads, "Threads (default: the number of cores)")->check(CLI::Range(1u, 1024u));
  c->footer("Example:\n  medsettle settle --rules rules/zhenba.yaml --in stays.jsonl --out settled.jsonl --errors rejected.jsonl\n"
            "A summary line 'read N, settled S, rejected R' goes to standard error; exit 1 if any stay was rejected.");
  return [a] { return run_settle(*a); };
}

}  // namespace medsettle::cli
