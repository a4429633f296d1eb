// A batch's arena (src/core/result_arena.hpp) hands out its lists from
// chunks of ResultArena::chunk_bytes, each one aligned block of that size,
// so that the kernel can back it with one huge page (bench/README.md, "A
// large batch's page faults"). A list never straddles a chunk's boundary,
// and a chunk given back and taken again is the same aligned block.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <set>

#include "core/result_arena.hpp"

using medsettle::ResultArena;

namespace {

std::uintptr_t chunk_of(const void* p) { return reinterpret_cast<std::uintptr_t>(p) / ResultArena::chunk_bytes; }

TEST(ResultArena, AFullSizeArenasListsLieInAlignedChunks) {
  ASSERT_EQ(ResultArena::chunk_bytes, std::size_t{2} << 20);  // one huge page of x86-64
  ResultArena arena(std::size_t{64} << 20);                   // a batch of about 65,000 stays
  std::set<std::uintptr_t> chunks;
  // 3,000 lists of 1,000 bytes: 3,000,000 bytes, more than one chunk of 2,097,152.
  for (int i = 0; i < 3000; ++i) {
    const void* p = arena.allocate(1000, 8);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 8, 0u);
    EXPECT_EQ(chunk_of(p), chunk_of(static_cast<const std::byte*>(p) + 999)) << "list " << i << " straddles a chunk";
    chunks.insert(chunk_of(p));
  }
  // 2,097 lists of 1,000 bytes fit a chunk (2,097,152 / 1,000): 3,000 need two.
  EXPECT_EQ(chunks.size(), 2u);
}

TEST(ResultArena, TheFirstListOfAChunkIsAtItsAlignedStart) {
  // Each arena gives its chunk back to the cache as it goes: the next takes it again.
  for (int round = 0; round < 3; ++round) {
    ResultArena arena(std::size_t{64} << 20);
    const void* p = arena.allocate(16, 16);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % ResultArena::chunk_bytes, 0u) << "round " << round;
  }
}

TEST(ResultArena, AListLargerThanAQuarterChunkHasABlockOfItsOwn) {
  ResultArena arena(std::size_t{64} << 20);
  const auto* small = static_cast<const std::byte*>(arena.allocate(64, 8));
  // 600,000 bytes > 2,097,152 / 4 = 524,288: a block of its own, not in the chunk.
  const auto* large = static_cast<const std::byte*>(arena.allocate(600'000, 8));
  const auto* next = static_cast<const std::byte*>(arena.allocate(64, 8));
  EXPECT_EQ(next, small + 64) << "the chunk goes on where it was";
  EXPECT_NE(chunk_of(large), chunk_of(small));
  EXPECT_NE(chunk_of(large + 599'999), chunk_of(small));
}

TEST(ResultArena, AnArenaExpectedToTakeAMebibyteHasFullChunks) {
  // 1,048,576 bytes expected (a batch's range of 1,024 stays): full chunks, cached and aligned.
  ResultArena arena(ResultArena::full_chunk_from);
  const void* p = arena.allocate(16, 16);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % ResultArena::chunk_bytes, 0u);
  // 1,500 lists of 1,000 bytes: 1,500,000 bytes, in the one chunk of 2,097,152 (a 1 MiB chunk would need two).
  std::set<std::uintptr_t> chunks{chunk_of(p)};
  for (int i = 0; i < 1500; ++i) chunks.insert(chunk_of(arena.allocate(1000, 8)));
  EXPECT_EQ(chunks.size(), 1u);
}

TEST(ResultArena, ASmallBatchsArenaHasSmallChunks) {
  ResultArena arena(8 << 10);  // a batch of about 8 stays: chunks of 8 KiB
  const auto* first = static_cast<const std::byte*>(arena.allocate(1000, 8));
  const std::byte* at = first;
  int chunks = 1;
  // 8 lists of 1,000 bytes fill the 8,192 bytes; the ninth needs a new chunk.
  for (int i = 1; i < 9; ++i) {
    const auto* p = static_cast<const std::byte*>(arena.allocate(1000, 8));
    if (p != at + 1000) ++chunks;
    at = p;
  }
  EXPECT_EQ(chunks, 2);
}

}  // namespace
