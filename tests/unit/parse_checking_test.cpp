// detail::parse_checking_in_order (src/io/pipeline_internal.hpp): a wave's
// records parsed in chunks on every thread, and checked in input order on
// one of them, each chunk as soon as it is parsed. The stream's duplicate
// and grouping checks rest on it: a chunk checked before it is parsed, twice,
// out of order, or not at all would give another result than the batch.
#include "io/pipeline_internal.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <thread>
#include <vector>

namespace medsettle::detail {
namespace {

/// What one run saw: each item's parses and the items checked, in order.
struct Seen {
  std::vector<int> parsed;               ///< parses of each item
  std::vector<std::size_t> checked;      ///< the items checked, in the order checked
  std::vector<std::size_t> parsed_by;    ///< the thread number that parsed each item
  bool checked_before_parsed = false;
};

Seen run(std::size_t n, std::size_t threads, std::size_t chunk) {
  Seen r;
  r.parsed.assign(n, 0);
  r.parsed_by.assign(n, threads);
  // Plain (not atomic) lists: the chunks' own items are written by one
  // thread each, and read by the checking thread after the chunk is ready,
  // so TSan reports a check that reads an item before its parse ends.
  parse_checking_in_order(
      n, threads, chunk,
      [&](std::size_t t, std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
          ++r.parsed[i];
          r.parsed_by[i] = t;
        }
      },
      [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
          if (r.parsed[i] != 1) r.checked_before_parsed = true;
          r.checked.push_back(i);
        }
      });
  return r;
}

TEST(ParseChecking, EveryItemIsParsedOnceAndCheckedAfterItsParseInOrder) {
  // n items in chunks of 256 (and of 1 and 7), on 1, 2 and 4 threads: each
  // parsed once, by a thread numbered below the threads asked for, and all
  // checked in order 0..n-1, none before its parse.
  for (std::size_t threads : {1u, 2u, 4u}) {
    for (std::size_t chunk : {1u, 7u, 256u}) {
      for (std::size_t n : {0u, 1u, 255u, 256u, 257u, 5000u}) {
        const Seen r = run(n, threads, chunk);
        ASSERT_EQ(r.checked.size(), n) << n << " items, " << threads << " threads, chunks of " << chunk;
        for (std::size_t i = 0; i < n; ++i) {
          EXPECT_EQ(r.parsed[i], 1) << "item " << i;
          EXPECT_EQ(r.checked[i], i);
          EXPECT_LT(r.parsed_by[i], threads);
        }
        EXPECT_FALSE(r.checked_before_parsed);
      }
    }
  }
}

TEST(ParseChecking, ChunksAreCheckedWhileOthersAreStillParsed) {
  // The checking thread does not wait for the whole wave. Sixteen chunks of
  // one item on two threads, each parse taking a millisecond (so that the
  // other thread takes some): a parse on the thread that does not check
  // (number 1), of any chunk but the first, waits until the first chunk is
  // checked. Had checking waited for every parse, this would never end. (If
  // that thread takes no chunk, or only the first, nothing waits.)
  for (int round = 0; round < 5; ++round) {
    std::atomic<bool> first_checked{false};
    std::size_t checks = 0;
    parse_checking_in_order(
        16, 2, 1,
        [&](std::size_t t, std::size_t begin, std::size_t) {
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
          if (t != 0 && begin != 0) {
            while (!first_checked.load()) std::this_thread::yield();
          }
        },
        [&](std::size_t begin, std::size_t) {
          if (begin == 0) first_checked.store(true);
          ++checks;
        });
    EXPECT_EQ(checks, 16u);
  }
}

TEST(ParseChecking, AParseErrorComesBackAndNothingAfterItIsChecked) {
  // Chunks of 10 items over 100, the chunk from 50 throws: its error is
  // rethrown, chunks 0..40 may be checked, 50 and after never are.
  for (std::size_t threads : {1u, 2u}) {
    std::vector<std::size_t> checked;
    EXPECT_THROW(parse_checking_in_order(
                     100, threads, 10,
                     [&](std::size_t, std::size_t begin, std::size_t) {
                       if (begin == 50) throw std::runtime_error("cannot parse");
                     },
                     [&](std::size_t begin, std::size_t) { checked.push_back(begin); }),
                 std::runtime_error);
    for (std::size_t c : checked) EXPECT_LT(c, 50u);
    for (std::size_t k = 0; k < checked.size(); ++k) EXPECT_EQ(checked[k], 10 * k);  // in order, none skipped
  }
}

TEST(ParseChecking, ACheckErrorComesBackAndEndsTheChecking) {
  // The check of the chunk from 30 throws (as NotGroupedError does): it is
  // rethrown, and no chunk after it is checked.
  for (std::size_t threads : {1u, 2u}) {
    std::vector<std::size_t> checked;
    EXPECT_THROW(parse_checking_in_order(
                     100, threads, 10, [](std::size_t, std::size_t, std::size_t) {},
                     [&](std::size_t begin, std::size_t) {
                       checked.push_back(begin);
                       if (begin == 30) throw std::logic_error("not grouped");
                     }),
                 std::logic_error);
    EXPECT_EQ(checked, (std::vector<std::size_t>{0, 10, 20, 30}));
  }
}

}  // namespace
}  // namespace medsettle::detail
