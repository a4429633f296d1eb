// Internal pieces of the file pipeline (src/io/pipeline.cpp, src/io/apart.cpp).
#pragma once

#include <algorithm>
#include <exception>
#include <ostream>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "medsettle/pipeline.hpp"

namespace medsettle::detail {

/// Runs work(0..slices-1) on threads, slice 0 here; a thread that cannot
/// start leaves its slice here too. The first error is rethrown here.
template <class Work>
void run_slices(std::size_t slices, Work& work) {
  std::vector<std::exception_ptr> errors(slices);
  auto guarded = [&](std::size_t t) {
    try {
      work(t);
    } catch (...) {
      errors[t] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  std::vector<std::size_t> here{0};
  for (std::size_t t = 1; t < slices; ++t) {
    try {
      pool.emplace_back(guarded, t);
    } catch (const std::system_error&) {
      here.push_back(t);
    }
  }
  for (std::size_t t : here) guarded(t);
  for (auto& th : pool) th.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

/// Runs one task at a time on a thread beside the calling one, which goes
/// on; if no thread can be started, the task runs at once on the calling
/// thread. A task's error is rethrown by the next run() or wait().
class Beside {
 public:
  /// Where the tasks run: beside (if a thread can be started), or here.
  enum class Where { beside, here };
  explicit Beside(Where where = Where::beside) : here_(where == Where::here) {}
  Beside(const Beside&) = delete;
  Beside& operator=(const Beside&) = delete;
  ~Beside() {
    if (thread_.joinable()) thread_.join();  // its error, if any, goes with the one that ends the run
  }

  /// Waits for the task before, then starts `task`.
  template <class Task>
  void run(const Task& task) {
    wait();
    auto guarded = [this, task] {
      try {
        task();
      } catch (...) {
        error_ = std::current_exception();
      }
    };
    if (!here_) {
      try {
        thread_ = std::thread(guarded);
        return;
      } catch (const std::system_error&) {
        // No thread to be had: run here.
      }
    }
    guarded();  // its error kept for the next call, as a thread's
  }

  /// Waits for the task running, if any; rethrows its error.
  void wait() {
    if (thread_.joinable()) thread_.join();
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

 private:
  bool here_;
  std::thread thread_;
  std::exception_ptr error_;
};

/// Calls each(t, i) for every i in [0, n) on up to `threads` threads (at
/// least 256 items a thread), thread t taking a contiguous slice.
template <class Each>
void each_in_slices(std::size_t n, std::size_t threads, Each each) {
  const std::size_t slices = std::min(threads, std::max<std::size_t>(1, n / 256));
  auto work = [&](std::size_t t) {
    for (std::size_t i = n * t / slices, end = n * (t + 1) / slices; i < end; ++i) each(t, i);
  };
  run_slices(slices, work);  // a thread that cannot start leaves its slice to this one
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
