#include "core/result_arena.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>

#include "core/huge_pages.hpp"

namespace medsettle {

void ResultArena::Free::operator()(std::byte* p) const noexcept { std::free(p); }

namespace {

static_assert(ResultArena::chunk_bytes == detail::huge_page_bytes, "a full chunk is one huge page");

ResultArena::Bytes new_block(std::size_t bytes) {
  auto* p = static_cast<std::byte*>(std::malloc(bytes));
  if (!p) throw std::bad_alloc();
  return ResultArena::Bytes(p);
}

/// A full chunk is one huge page: a large batch writes its settlements into
/// fresh chunks, and with 4 KiB pages it took a page fault for every 4 KiB
/// it wrote (bench/README.md, "A large batch's page faults").
ResultArena::Bytes new_chunk() {
  return ResultArena::Bytes(static_cast<std::byte*>(detail::allocate_huge(ResultArena::chunk_bytes)));
}

/// Chunks of arenas that have gone, kept for the next ones (at most
/// ResultArena::cached_bytes of them).
struct ChunkCache {
  std::mutex mutex;
  std::vector<ResultArena::Bytes> chunks;

  ResultArena::Bytes take() {
    {
      std::lock_guard lock(mutex);
      if (!chunks.empty()) {
        auto c = std::move(chunks.back());
        chunks.pop_back();
        return c;
      }
    }
    return new_chunk();
  }
  void give(ResultArena::Bytes chunk) noexcept {
    std::lock_guard lock(mutex);
    if (chunks.size() * ResultArena::chunk_bytes >= ResultArena::cached_bytes) return;  // freed here
    try {
      chunks.push_back(std::move(chunk));
    } catch (...) {  // no room to keep it: it is freed
    }
  }
};

ChunkCache& cache() {
  static auto* c = new ChunkCache;  // never destroyed: arenas may go after static destruction has begun
  return *c;
}

}  // namespace

ResultArena::ResultArena(std::size_t expected) noexcept
    : chunk_(expected >= full_chunk_from ? chunk_bytes : std::max<std::size_t>(expected, std::size_t{4} << 10)) {}

ResultArena::~ResultArena() {
  for (Block& b : blocks_) {
    if (b.size == chunk_bytes) cache().give(std::move(b.memory));
  }
}

void* ResultArena::allocate_locked(std::size_t bytes, std::size_t align) {
  std::lock_guard lock(mutex_);
  return take(bytes, align);
}

void* ResultArena::take(std::size_t bytes, std::size_t align) {
  if (bytes == 0) bytes = 1;
  // A list larger than a quarter of a chunk has a block of its own. (A
  // push_back that throws frees the new block and changes nothing.)
  if (bytes > chunk_ / 4) {
    blocks_.push_back(Block{new_block(bytes), bytes});
    return blocks_.back().memory.get();
  }
  if (void* p = bump(bytes, align)) return p;
  blocks_.push_back(chunk_ == chunk_bytes ? Block{cache().take(), chunk_bytes}
                                          : Block{new_block(chunk_), chunk_});
  at_ = blocks_.back().memory.get();  // aligned for any type (malloc)
  end_ = at_ + chunk_;
  std::byte* p = at_;
  at_ += bytes;
  return p;
}

void* arena_allocate(ResultArena& arena, std::size_t bytes, std::size_t align) { return arena.allocate(bytes, align); }

namespace detail {

constinit thread_local const std::shared_ptr<ResultArena>* current_arena_of_thread = nullptr;

ArenaScope::ArenaScope(const std::shared_ptr<ResultArena>& arena) noexcept : arena_(arena), previous_(current_arena_of_thread) {
  current_arena_of_thread = &arena;
}
ArenaScope::~ArenaScope() {
  current_arena_of_thread = previous_;
  arena_->seal();
}

}  // namespace detail

}  // namespace medsettle
