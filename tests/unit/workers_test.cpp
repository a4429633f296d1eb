// detail::run_tasks (src/core/workers.hpp): every task once, on the calling
// thread and the standing workers, the calling thread taking what no worker
// has; the lowest-numbered task's error rethrown after all have ended;
// tasks that run tasks; several callers at once. Each test says what would
// show a task run twice, skipped or left running.
#include "core/workers.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace medsettle::detail {
namespace {

TEST(Workers, EveryTaskRunsOnceWhateverTheCountAndHelpers) {
  for (const std::size_t count : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{300}}) {
    for (const unsigned helpers : {0u, 1u, 3u, 16u}) {
      SCOPED_TRACE("count " + std::to_string(count) + ", helpers " + std::to_string(helpers));
      // Each task adds 1 to its own counter: a task run twice shows as 2, one skipped as 0.
      std::vector<std::atomic<int>> runs(count);
      auto task = [&](std::size_t i) { runs[i].fetch_add(1); };
      run_tasks(count, helpers, task);
      for (std::size_t i = 0; i < count; ++i) EXPECT_EQ(runs[i].load(), 1) << "task " << i;
    }
  }
}

TEST(Workers, TheCallerReturnsOnlyWhenEveryTaskHasEnded) {
  // Each task sleeps 5 ms before it marks itself done: a return before a
  // worker's task ended would see it unmarked.
  std::vector<std::atomic<bool>> done(6);
  auto task = [&](std::size_t i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    done[i] = true;
  };
  run_tasks(done.size(), 5, task);
  for (std::size_t i = 0; i < done.size(); ++i) EXPECT_TRUE(done[i].load()) << "task " << i;
}

TEST(Workers, WithHelpersTheTasksRunOnMoreThanOneThread) {
  // Task 0 waits (up to 10 s) for task 1 to start: they can only meet if a
  // worker runs one while the caller runs the other.
  std::atomic<bool> second_started{false};
  std::atomic<bool> met{false};
  std::set<std::thread::id> threads;
  std::mutex m;
  auto task = [&](std::size_t i) {
    {
      std::lock_guard lock(m);
      threads.insert(std::this_thread::get_id());
    }
    if (i == 1) second_started = true;
    if (i == 0) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!second_started.load() && std::chrono::steady_clock::now() < until) std::this_thread::yield();
      met = second_started.load();
    }
  };
  run_tasks(2, 1, task);
  EXPECT_TRUE(met.load());
  EXPECT_EQ(threads.size(), 2u);
}

TEST(Workers, TheLowestNumberedErrorComesBackAfterAllHaveRun) {
  // Tasks 3 and 7 of 10 throw; every task still runs once, and task 3's
  // error is the one rethrown.
  std::vector<std::atomic<int>> runs(10);
  auto task = [&](std::size_t i) {
    runs[i].fetch_add(1);
    if (i == 7) throw std::logic_error("seven");
    if (i == 3) throw std::runtime_error("three");
  };
  for (const unsigned helpers : {0u, 2u}) {
    SCOPED_TRACE("helpers " + std::to_string(helpers));
    for (auto& r : runs) r = 0;
    try {
      run_tasks(runs.size(), helpers, task);
      ADD_FAILURE() << "no error came back";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()), "three");
    }
    for (std::size_t i = 0; i < runs.size(); ++i) EXPECT_EQ(runs[i].load(), 1) << "task " << i;
  }
}

TEST(Workers, ATaskMayRunTasksAndSeveralCallersMayRunAtOnce) {
  // Four threads each run 8 tasks of 8 inner tasks, each adding its
  // numbers' product to a sum: 4 × (0+…+7) × (0+…+7) = 4 × 28 × 28 = 3,136.
  // A nested call that waited for a worker busy with its own caller's task
  // would never end; a task lost or run twice would change the sum.
  std::atomic<long> sum{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&sum] {
      auto outer = [&sum](std::size_t i) {
        auto inner = [&sum, i](std::size_t j) { sum.fetch_add(static_cast<long>(i * j)); };
        run_tasks(8, 2, inner);
      };
      run_tasks(8, 2, outer);
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(sum.load(), 3136);
}

}  // namespace
}  // namespace medsettle::detail
