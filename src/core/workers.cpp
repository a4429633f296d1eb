#include "core/workers.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>

#include "medsettle/settle.hpp"

namespace medsettle::detail {

namespace {

/// A call's tasks: the next not yet taken and how many have ended (both
/// under the workers' lock). Lives on the calling thread's stack until its
/// last task has ended.
struct Job {
  std::size_t count;
  void (*call)(void*, std::size_t);
  void* context;
  std::size_t next = 0, ended = 0;
};

class Workers {
 public:
  /// The process's workers: made on first use and never destroyed, so that
  /// no static destructor waits for them or runs after what their threads
  /// use (they wait, idle, when the process ends).
  static Workers& get() {
    static Workers* const workers = new Workers;
    return *workers;
  }

  void run(std::size_t count, unsigned helpers, void (*call)(void*, std::size_t), void* context) {
    if (count == 0) return;
    Job job{count, call, context};
    std::unique_lock lock(mutex_);
    const std::size_t wanted = std::min<std::size_t>({helpers, count - 1, max_batch_threads - 1});
    while (threads_ < wanted && start()) {
    }
    open_.push_back(&job);
    const std::size_t wake = std::min(wanted, threads_);
    if (wake > 0) {
      lock.unlock();
      for (std::size_t k = 0; k < wake; ++k) more_.notify_one();
      lock.lock();
    }
    // This thread takes whatever no worker has taken.
    while (job.next < job.count) take(job, lock);
    ended_.wait(lock, [&] { return job.ended == job.count; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable more_;   ///< a job was opened
  std::condition_variable ended_;  ///< a job's last task ended
  std::vector<Job*> open_;         ///< the jobs with tasks not yet taken, oldest first
  std::size_t threads_ = 0;

  Workers() = default;

  /// Starts a worker (under the lock); false if no thread can be had.
  bool start() {
    try {
      std::thread([this] { work(); }).detach();
    } catch (const std::system_error&) {
      return false;
    }
    ++threads_;
    return true;
  }

  void work() {
    std::unique_lock lock(mutex_);
    while (true) {
      more_.wait(lock, [&] { return !open_.empty(); });
      take(*open_.front(), lock);
    }
  }

  /// Takes `job`'s next task and runs it outside the lock (held on entry and on return).
  void take(Job& job, std::unique_lock<std::mutex>& lock) {
    const std::size_t i = job.next++;
    if (job.next == job.count) open_.erase(std::find(open_.begin(), open_.end(), &job));
    lock.unlock();
    job.call(job.context, i);  // catches what the task throws (run_tasks)
    lock.lock();
    if (++job.ended == job.count) ended_.notify_all();
  }
};

}  // namespace

void run_tasks_erased(std::size_t count, unsigned helpers, void (*call)(void*, std::size_t), void* context) {
  Workers::get().run(count, helpers, call, context);
}

}  // namespace medsettle::detail
