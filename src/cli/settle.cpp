// medsettle settle: a batch of stays in, settlements and rejections out.
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <span>
#include <thread>

#include <fmt/format.h>

#include "cli/common.hpp"
#include "medsettle/stream.hpp"
#include "medsettle/writer.hpp"

namespace medsettle::cli {

namespace {

struct SettleArgs {
  std::string rules, in, out, errors, format, in_format, mode = "auto";
  bool itemize = false;
  unsigned threads = 0;
};

/// Formats settlements and rejections, and writes them on a writer thread
/// while the next wave is read and settled. A large wave is formatted on
/// `threads` threads, a slice each; the slices are written in input order.
/// At most about 64 MiB of text waits for the writer.
class Sink {
 public:
  Sink(const Plan& plan, Format format, bool itemize, unsigned threads, std::ostream& out, std::ostream& errors)
      : plan_(plan), format_(format), itemize_(itemize), threads_(std::max(1u, threads)), out_(out), errors_(errors) {
    if (format_ == Format::csv) {
      Chunk header;
      header.out = csv_header(plan_) + '\n';
      push(std::move(header));
    }
    writer_ = std::thread([this] { write_loop(); });
  }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;
  ~Sink() { stop(); }

  void operator()(std::span<const Outcome> wave) {
    constexpr std::size_t min_slice = 2048;
    const std::size_t slices = std::max<std::size_t>(1, std::min<std::size_t>(threads_, wave.size() / min_slice));
    std::vector<Chunk> chunks(slices);
    for (Chunk& c : chunks) c = recycled();
    auto work = [&](std::size_t t) {
      const std::size_t from = wave.size() * t / slices, to = wave.size() * (t + 1) / slices;
      for (std::size_t i = from; i < to; ++i) format_one(wave[i], chunks[t].out, chunks[t].err);
    };
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < slices; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& th : pool) th.join();
    for (Chunk& c : chunks) push(std::move(c));
  }

  void finish() {
    stop();
    out_.flush();
    errors_.flush();
    if (!out_) throw UsageError("writing the settlements failed");
    if (!errors_) throw UsageError("writing the rejections failed");
  }

 private:
  struct Chunk {
    std::string out, err;
  };
  static constexpr std::size_t max_waiting = 64u << 20;  // bytes of text queued for the writer

  const Plan& plan_;
  Format format_;
  bool itemize_;
  unsigned threads_;
  std::ostream& out_;
  std::ostream& errors_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Chunk> queue_, free_;  // to write; written, their room kept for reuse
  std::size_t waiting_ = 0;         // bytes in queue_
  bool done_ = false;
  std::thread writer_;

  void format_one(const Outcome& o, std::string& out, std::string& err) const {
    if (o.settled()) {
      if (format_ == Format::csv) write_csv(out, plan_, o.settlement());
      else if (itemize_) write_json_itemized(out, plan_, o.settlement());
      else write_json(out, plan_, o.settlement());
      out += '\n';
    } else {
      write_json(err, o.rejection());
      err += '\n';
    }
  }
  Chunk recycled() {
    std::lock_guard lock(mutex_);
    if (free_.empty()) return {};
    Chunk c = std::move(free_.front());
    free_.pop_front();
    return c;
  }
  void push(Chunk c) {
    const std::size_t size = c.out.size() + c.err.size();
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return waiting_ == 0 || waiting_ + size <= max_waiting; });
    waiting_ += size;
    queue_.push_back(std::move(c));
    changed_.notify_all();
  }
  void stop() {
    {
      std::lock_guard lock(mutex_);
      if (done_) return;
      done_ = true;
    }
    changed_.notify_all();
    if (writer_.joinable()) writer_.join();
  }
  /// Writes in pieces of 1 MiB (one large write costs the kernel more).
  static void write_in_pieces(std::ostream& to, const std::string& text) {
    constexpr std::size_t piece = 1u << 20;
    for (std::size_t at = 0; at < text.size(); at += piece) {
      to.write(text.data() + at, static_cast<std::streamsize>(std::min(piece, text.size() - at)));
    }
  }
  void write_loop() {
    std::unique_lock lock(mutex_);
    while (true) {
      changed_.wait(lock, [&] { return done_ || !queue_.empty(); });
      if (queue_.empty()) return;  // done, and everything written
      Chunk c = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      write_in_pieces(out_, c.out);
      write_in_pieces(errors_, c.err);
      const std::size_t size = c.out.size() + c.err.size();
      c.out.clear();
      c.err.clear();
      lock.lock();
      waiting_ -= size;
      if (free_.size() < 2 * threads_) free_.push_back(std::move(c));
      changed_.notify_all();
    }
  }
};

/// "12,345 stays, 81,000 stays/s, 40% done, ETA 3 s" on standard error,
/// rewritten in place; only on a terminal and only after the first second.
class Progress {
 public:
  Progress(std::istream& in, std::uintmax_t size) : in_(in), size_(size), on_(stderr_is_terminal()) {}
  void operator()(std::size_t done) {
    if (!on_) return;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_).count();
    if (ms < 1000) return;
    std::string line = fmt::format("\r{} stays, {} stays/s", done, static_cast<std::int64_t>(done) * 1000 / ms);
    const std::streamoff pos = in_.tellg();
    if (size_ > 0 && pos > 0) {
      const auto read = static_cast<std::int64_t>(pos), total = static_cast<std::int64_t>(size_);
      line += fmt::format(", {}% done, ETA {} s", read * 100 / total, ms * (total - read) / read / 1000);
    }
    std::cerr << line << "   " << std::flush;
    shown_ = true;
  }
  void finish() {
    if (shown_) std::cerr << "\r\033[K" << std::flush;
  }

 private:
  std::istream& in_;
  std::uintmax_t size_;
  bool on_, shown_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

int run_settle(const SettleArgs& a) {
  Plan plan = load_plan(a.rules);
  Format in_fmt = input_format(a.in_format, a.in);
  Format out_fmt = input_format(a.format, a.out);
  Input in(a.in);
  Output out(a.out);
  Output errors(a.errors, /*to_stderr=*/true);
  const unsigned threads = a.threads ? a.threads : std::max(1u, std::thread::hardware_concurrency());
  const InputFormat format = in_fmt == Format::csv ? InputFormat::csv : InputFormat::jsonl;

  // Streaming needs each person's stays together. A regular file is checked
  // first (a cheap pass reading only person ids); standard input streams
  // only when --mode stream promises the grouping.
  struct stat st {};
  const bool regular = !a.in.empty() && a.in != "-" && ::stat(a.in.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  bool stream = a.mode == "stream";
  if (a.mode == "auto" && regular) {
    stream = grouped_by_person(in.stream(), format);
    in.stream().clear();
    in.stream().seekg(0);
  }

  if (a.itemize && out_fmt == Format::csv) throw UsageError("--itemize needs JSON Lines output");
  Sink sink(plan, out_fmt, a.itemize, threads, out.stream(), errors.stream());
  Progress progress(in.stream(), regular ? static_cast<std::uintmax_t>(st.st_size) : 0);
  std::size_t read = 0, settled = 0, rejected = 0;
  if (stream) {
    StreamOptions options;
    options.batch.threads = threads;
    options.format = format;
    options.progress = [&](std::size_t done) { progress(done); };
    try {
      StreamCounts c = settle_stream_waves(plan, in.stream(), options, [&](std::span<const Outcome> wave) { sink(wave); });
      read = c.read;
      settled = c.settled;
      rejected = c.rejected;
    } catch (const NotGroupedError& e) {
      sink.finish();
      throw UsageError(std::string(e.what()) + "; without --mode stream the whole input is read first");
    } catch (const InputError& e) {
      throw UsageError(fmt::format("{}: {}", in.name(), e.what()));
    }
  } else {
    std::vector<Record> records = read_records(in, in_fmt);
    read = records.size();
    BatchOptions options;
    options.threads = threads;
    const std::vector<Outcome> outcomes = settle_batch(plan, records, options);
    records.clear();
    records.shrink_to_fit();
    for (const Outcome& o : outcomes) (o.settled() ? settled : rejected) += 1;
    // Formatted a slice at a time: the text of a slice, not of the whole input, is held.
    constexpr std::size_t slice = 65'536;
    for (std::size_t from = 0; from < outcomes.size(); from += slice) {
      sink(std::span<const Outcome>(outcomes).subspan(from, std::min(slice, outcomes.size() - from)));
    }
  }
  progress.finish();
  sink.finish();
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
  c->add_flag("--itemize", a->itemize,
              "Add each channel's itemization: payment before caps, what limited it, band amounts, "
              "and what it took from each bucket");
  c->add_option("--threads", a->threads, "Threads (default: the number of cores)")->check(CLI::Range(1u, 1024u));
  c->add_option("--mode", a->mode,
                "auto (default): stream a file whose stays are grouped by person, else read it whole; "
                "stream: stream, the input must be grouped by person; whole: read the whole input first")
      ->check(CLI::IsMember({"auto", "stream", "whole"}));
  c->footer(
      "Example:\n  medsettle settle --rules rules/zhenba.yaml --in stays.jsonl --out settled.jsonl --errors rejected.jsonl\n"
      "A summary line 'read N, settled S, rejected R' goes to standard error; exit 1 if any stay was rejected.\n"
      "Memory: streaming holds one wave of stays and the current person's; standard input is read whole\n"
      "unless --mode stream.");
  return [a] { return run_settle(*a); };
}

}  // namespace medsettle::cli
