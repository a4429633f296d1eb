// Internal pieces of the file pipeline (src/io/pipeline.cpp, src/io/apart.cpp).
#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "core/workers.hpp"
#include "medsettle/pipeline.hpp"

namespace medsettle::detail {

/// Runs work(0..slices-1), each slice once: on the calling thread and on
/// the standing workers (core/workers.hpp), which the calling thread does
/// not wait to start; if none can be had, all here. The error of the
/// lowest-numbered slice that threw is rethrown here.
template <class Work>
void run_slices(std::size_t slices, Work& work) {
  run_tasks(slices, static_cast<unsigned>(slices > 0 ? slices - 1 : 0), work);
}

/// Runs one task at a time on a thread beside the calling one, which goes
/// on; if no thread can be started, the task runs at once on the calling
/// thread. A task's error is rethrown by the next run() or wait(). The
/// thread is started by the first run() and kept, waiting, until the
/// destructor: a thread started per task was often scheduled late
/// (core/workers.hpp).
class Beside {
 public:
  /// Where the tasks run: beside (if a thread can be started), or here.
  enum class Where { beside, here };
  explicit Beside(Where where = Where::beside);
  Beside(const Beside&) = delete;
  Beside& operator=(const Beside&) = delete;
  ~Beside();  ///< waits for the task running, if any (its error goes with the one that ends the run)

  /// Waits for the task before, then starts `task`.
  template <class Task>
  void run(const Task& task) {
    start(std::function<void()>(task));
  }

  /// Waits for the task running, if any; rethrows its error.
  void wait();

 private:
  struct State;
  std::unique_ptr<State> state_;
  void start(std::function<void()> task);
};

/// Cuts [0, n) into contiguous slices, one for each of up to `threads`
/// threads (at least 256 items a slice), and calls slice(t, begin, end) on
/// thread t for its slice.
template <class Slice>
void in_slices(std::size_t n, std::size_t threads, Slice slice) {
  const std::size_t slices = std::min(threads, std::max<std::size_t>(1, n / 256));
  auto work = [&](std::size_t t) { slice(t, n * t / slices, n * (t + 1) / slices); };
  run_slices(slices, work);  // a thread that cannot start leaves its slice to this one
}

/// Parses [0, n) in chunks of `chunk` items on up to `threads` threads,
/// calling parse(t, begin, end) on thread t for each chunk it takes, and
/// calls check(begin, end) for every chunk, in order, on one thread, each
/// as soon as it is parsed: while the other threads parse, that thread
/// checks what is ready. It parses the next chunk left itself when the one
/// to check is not ready, and waits only for a chunk another thread is
/// parsing. After an error in parse, no chunk after it is checked; after
/// an error in check, nothing more is checked (the other threads may parse
/// the chunks they take). Either error is rethrown here once every thread
/// has stopped; if both kinds occur, the checking thread's comes first.
template <class Parse, class Check>
void parse_checking_in_order(std::size_t n, std::size_t threads, std::size_t chunk, Parse parse, Check check) {
  chunk = std::max<std::size_t>(1, chunk);
  const std::size_t chunks = (n + chunk - 1) / chunk;
  const std::size_t tasks = std::clamp<std::size_t>(chunks, 1, std::max<std::size_t>(1, threads));
  const auto ready = std::make_unique<std::atomic<bool>[]>(chunks);  // each false
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  // Parses the next chunk no thread has taken; false if none is left.
  auto take = [&](std::size_t t) {
    const std::size_t c = next.fetch_add(1, std::memory_order_relaxed);
    if (c >= chunks) return false;
    try {
      parse(t, c * chunk, std::min(n, (c + 1) * chunk));
    } catch (...) {
      failed.store(true, std::memory_order_relaxed);
      ready[c].store(true, std::memory_order_release);
      ready[c].notify_all();
      throw;
    }
    ready[c].store(true, std::memory_order_release);
    ready[c].notify_all();
    return true;
  };
  auto work = [&](std::size_t t) {
    if (t != 0) {
      while (take(t)) {
      }
      return;
    }
    for (std::size_t c = 0; c < chunks; ++c) {
      while (!ready[c].load(std::memory_order_acquire)) {
        if (!take(0)) ready[c].wait(false, std::memory_order_acquire);
      }
      if (failed.load(std::memory_order_relaxed)) return;  // chunk c may be one that failed
      check(c * chunk, std::min(n, (c + 1) * chunk));
    }
  };
  run_slices(tasks, work);
}

/// Calls each(t, i) for every i in [0, n), thread t taking a contiguous
/// slice (in_slices).
template <class Each>
void each_in_slices(std::size_t n, std::size_t threads, Each each) {
  in_slices(n, threads, [&](std::size_t t, std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) each(t, i);
  });
}

/// The CSV options of a pipeline's output.
CsvOptions csv_options_of(const PipelineOptions& o);

/// Appends the text of one outcome with its line end: a settlement to
/// `out`, a rejection to `err` (the same string may be given for both).
void format_outcome(const Outcome& o, std::string& out, std::string& err, const PipelineOptions& options);

/// Settles a regular file (JSON Lines or CSV) whose stays are not grouped by person
/// in bounded memory: a first pass records where each record is and whose
/// it is, persons are settled in waves of about options.wave_bytes of input
/// read back with pread, their outcomes' text spilled to a temporary file,
/// then written from there in input order. Writes the CSV header (CSV
/// output) and flushes `out` and `errors`.
PipelineCounts settle_apart(const Plan& plan, InputFile& in, std::ostream& out, std::ostream& errors,
                            const PipelineOptions& options, unsigned threads);

/// As above, to files a command opened: when both are written through
/// temporary files (OutputFile::atomic), each wave's texts are written a
/// wave after every record before them is settled, not all after the last wave
/// (an input whose first pass must be made again empties them first).
PipelineCounts settle_apart(const Plan& plan, InputFile& in, OutputFile& out, OutputFile& errors,
                            const PipelineOptions& options, unsigned threads);

/// Copies a non-regular input (standard input) to a temporary file, removed
/// from its folder at once, and returns it as a regular input named as `in`.
InputFile spill_input(InputFile& in);

}  // namespace medsettle::detail
