// detail::Beside (src/io/pipeline_internal.hpp): one task at a time on a
// thread beside the caller (one thread for the object's life), or here when
// no thread can be had; a task's error comes back from the next run() or
// wait().
#include "io/pipeline_internal.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace medsettle::detail {
namespace {

using Where = Beside::Where;

class BesideBoth : public ::testing::TestWithParam<Where> {};

INSTANTIATE_TEST_SUITE_P(Ways, BesideBoth, ::testing::Values(Where::beside, Where::here),
                         [](const auto& info) { return info.param == Where::here ? "Here" : "Beside"; });

TEST_P(BesideBoth, TasksRunOneAtATimeInOrder) {
  // Each task appends its number: unguarded, so two at once would race
  // (TSan), and an order other than 0..49 would show.
  std::vector<int> done;
  Beside beside(GetParam());
  for (int i = 0; i < 50; ++i) beside.run([&done, i] { done.push_back(i); });
  beside.wait();
  ASSERT_EQ(done.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(done[static_cast<std::size_t>(i)], i);
}

TEST(Beside, ATaskRunsWhileTheCallerGoesOn) {
  // The task waits for the caller: had run() run it here, this would never end.
  std::atomic<bool> caller_went_on{false}, finished{false};
  Beside beside;
  beside.run([&] {
    while (!caller_went_on.load()) std::this_thread::yield();
    finished = true;
  });
  caller_went_on = true;
  beside.wait();
  EXPECT_TRUE(finished.load());
}

TEST_P(BesideBoth, AnErrorComesBackFromTheNextRunOrWait) {
  Beside beside(GetParam());
  int after = 0;
  beside.run([] { throw std::runtime_error("noting failed"); });
  // Here: the task ran in run() and its error is kept for the next call;
  // beside: the next run() waits for it and rethrows, not starting its task.
  EXPECT_THROW(beside.run([&] { ++after; }), std::runtime_error);
  EXPECT_EQ(after, 0);
  beside.wait();  // the error was given once
  beside.run([&] { ++after; });
  beside.wait();
  EXPECT_EQ(after, 1);
  beside.run([] { throw std::logic_error("second"); });
  EXPECT_THROW(beside.wait(), std::logic_error);
}

TEST(Beside, ItsTasksRunOnOneThreadKeptForItsLife) {
  // The thread is started once, not per task: every task sees the same
  // thread, and it is not the caller's.
  std::vector<std::thread::id> ran_on;
  Beside beside;
  for (int i = 0; i < 20; ++i) beside.run([&ran_on] { ran_on.push_back(std::this_thread::get_id()); });
  beside.wait();
  ASSERT_EQ(ran_on.size(), 20u);
  for (const auto& id : ran_on) {
    EXPECT_EQ(id, ran_on.front());
    EXPECT_NE(id, std::this_thread::get_id());
  }
}

TEST(Beside, TheDestructorWaitsForTheTask) {
  std::atomic<bool> finished{false};
  {
    Beside beside;
    beside.run([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      finished = true;
    });
  }
  EXPECT_TRUE(finished.load());
}

}  // namespace
}  // namespace medsettle::detail
