// Standing worker threads for the library's parallel parts (the batch's
// ranges of persons, the file pipeline's slices). Internal.
//
// A thread started for each parallel part and joined after it was
// scheduled late: on a 2-core machine a new thread often waited several
// milliseconds on the core of the thread that started it while the other
// core was idle, and the caller waited for it (bench/README.md, "Standing
// workers"). Workers that stay, waiting for tasks, are woken instead, and
// the calling thread does every task no worker has taken, so a late worker
// costs nothing and no worker is needed for a run to end.
#pragma once

#include <cstddef>
#include <exception>
#include <vector>

namespace medsettle::detail {

/// Runs task(i) once for every i in [0, count): on the calling thread and
/// on up to `helpers` standing workers (started when first needed, kept for
/// the process's life, at most max_batch_threads - 1 of them), in no set
/// order, each task on one thread. Returns when all have ended; the error
/// of the lowest-numbered task that threw is rethrown. If no worker can be
/// started, the calling thread runs them all. A task may itself run tasks.
void run_tasks_erased(std::size_t count, unsigned helpers, void (*call)(void*, std::size_t), void* context);

template <class Task>
void run_tasks(std::size_t count, unsigned helpers, Task& task) {
  if (count == 0) return;
  if (count == 1) {
    task(0);
    return;
  }
  std::vector<std::exception_ptr> errors(count);
  struct Context {
    Task& task;
    std::vector<std::exception_ptr>& errors;
  } context{task, errors};
  run_tasks_erased(
      count, helpers,
      [](void* c, std::size_t i) {
        auto& ctx = *static_cast<Context*>(c);
        try {
          ctx.task(i);
        } catch (...) {
          ctx.errors[i] = std::current_exception();
        }
      },
      &context);
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace medsettle::detail
