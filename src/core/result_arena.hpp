// The memory of a batch's settlements (their channel and band lists): one
// arena per thread of a batch, in chunks that go back to a process-wide
// cache when the last settlement using them goes, so that a billing system
// settling batch after batch reuses memory it has touched already instead
// of the allocator handing it back to the kernel and faulting it in again
// (bench/README.md, "The redesign's cost").
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "medsettle/settlement.hpp"

namespace medsettle {

class ResultArena {
 public:
  /// A full chunk: one huge page, where the kernel gives them (core/huge_pages.hpp).
  static constexpr std::size_t chunk_bytes = std::size_t{2} << 20;
  /// An arena expected to take this much or more has full chunks, from the
  /// cache below (1 MiB: the size of a full chunk until they became huge pages).
  static constexpr std::size_t full_chunk_from = std::size_t{1} << 20;
  /// The most memory of freed arenas the process keeps for the next ones.
  static constexpr std::size_t cached_bytes = std::size_t{256} << 20;

  /// `expected`: about how many bytes the arena's lists will take. A small
  /// batch gets small chunks (of `expected` bytes, at least 4 KiB), so that
  /// a settlement kept from it does not keep a whole chunk alive for nothing.
  explicit ResultArena(std::size_t expected) noexcept;
  ResultArena(const ResultArena&) = delete;
  ResultArena& operator=(const ResultArena&) = delete;
  ~ResultArena();

  /// Memory for a list. Unlocked on the batch's thread until the batch
  /// ends (seal()), when its settlements become the caller's, who may grow
  /// their lists from any thread: then under a lock.
  void* allocate(std::size_t bytes, std::size_t align) {
    if (sealed_) return allocate_locked(bytes, align);
    if (void* p = bump(bytes, align)) return p;
    return take(bytes, align);
  }
  /// The batch's thread is done with the arena (ArenaScope's end).
  void seal() noexcept { sealed_ = true; }

  struct Free {
    void operator()(std::byte* p) const noexcept;
  };
  /// Memory from the C heap (a full chunk: aligned to its size).
  using Bytes = std::unique_ptr<std::byte[], Free>;

 private:
  struct Block {
    Bytes memory;
    std::size_t size = 0;
  };
  void* take(std::size_t bytes, std::size_t align);
  void* allocate_locked(std::size_t bytes, std::size_t align);
  /// A small list in the current chunk (allocate()'s common case, inline;
  /// take() tries it too). Null when it needs a new chunk or a block of its own.
  void* bump(std::size_t bytes, std::size_t align) noexcept {
    const auto here = reinterpret_cast<std::uintptr_t>(at_);
    const std::uintptr_t start = (here + align - 1) & ~(std::uintptr_t{align} - 1);
    const auto end = reinterpret_cast<std::uintptr_t>(end_);
    if (bytes == 0 || bytes > chunk_ / 4 || !at_ || start > end || end - start < bytes) return nullptr;
    std::byte* p = at_ + (start - here);
    at_ = p + bytes;
    return p;
  }

  std::mutex mutex_;  // once sealed: settlements of one arena may be grown from any thread
  bool sealed_ = false;  // written by the batch's thread before the caller sees a settlement
  std::vector<Block> blocks_;
  std::size_t chunk_;  // the size of this arena's chunks: chunk_bytes, or less for a small batch
  std::byte* at_ = nullptr;
  std::byte* end_ = nullptr;
};

namespace detail {

/// The arena of the settlements made on this thread while it is set
/// (settle_batch sets one per thread for the batch); null: the heap.
extern constinit thread_local const std::shared_ptr<ResultArena>* current_arena_of_thread;
inline const std::shared_ptr<ResultArena>* current_arena() noexcept { return current_arena_of_thread; }

class ArenaScope {
 public:
  /// Sets `arena` as this thread's until the scope ends, then seals it.
  explicit ArenaScope(const std::shared_ptr<ResultArena>& arena) noexcept;
  ~ArenaScope();
  ArenaScope(const ArenaScope&) = delete;
  ArenaScope& operator=(const ArenaScope&) = delete;

 private:
  const std::shared_ptr<ResultArena>& arena_;
  const std::shared_ptr<ResultArena>* previous_;
};

}  // namespace detail

}  // namespace medsettle
