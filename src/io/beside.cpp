// detail::Beside (pipeline_internal.hpp): one task at a time on a thread
// kept for the object's life.
#include <condition_variable>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#include "io/pipeline_internal.hpp"

namespace medsettle::detail {

struct Beside::State {
  bool here = false;
  std::mutex mutex;
  std::condition_variable changed;
  std::function<void()> task;  ///< the task given and not yet ended (empty: none)
  std::exception_ptr error;    ///< the error of the last task, until given
  bool stop = false;
  std::thread thread;  ///< started by the first task, if it can be

  /// Runs the task given; its error, if any, is what it returns.
  std::exception_ptr attempt() const {
    try {
      task();
    } catch (...) {
      return std::current_exception();
    }
    return nullptr;
  }

  void work() {
    std::unique_lock lock(mutex);
    while (true) {
      changed.wait(lock, [&] { return stop || task; });
      if (!task) return;  // stopped, nothing left
      // Run outside the lock: only this thread changes `task` until it is
      // emptied below (start() gives the next one after wait() saw it empty).
      lock.unlock();
      std::exception_ptr e = attempt();
      lock.lock();
      if (e) error = e;
      task = nullptr;
      changed.notify_all();
    }
  }
};

Beside::Beside(Where where) : state_(std::make_unique<State>()) { state_->here = where == Where::here; }

Beside::~Beside() {
  State& s = *state_;
  {
    std::lock_guard lock(s.mutex);
    s.stop = true;
  }
  s.changed.notify_all();
  if (s.thread.joinable()) s.thread.join();  // after the task given, if any, has ended
}

void Beside::start(std::function<void()> task) {
  wait();
  State& s = *state_;
  if (!s.here && !s.thread.joinable()) {
    try {
      s.thread = std::thread([&s] { s.work(); });
    } catch (const std::system_error&) {
      s.here = true;  // no thread to be had: every task runs here
    }
  }
  if (s.here) {
    s.task = std::move(task);
    s.error = s.attempt();  // kept for the next call, as a thread's (wait() left none)
    s.task = nullptr;
    return;
  }
  {
    std::lock_guard lock(s.mutex);
    s.task = std::move(task);
  }
  s.changed.notify_all();
}

void Beside::wait() {
  State& s = *state_;
  std::unique_lock lock(s.mutex);
  s.changed.wait(lock, [&] { return !s.task; });
  if (s.error) std::rethrow_exception(std::exchange(s.error, nullptr));
}

}  // namespace medsettle::detail
