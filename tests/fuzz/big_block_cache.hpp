// A cache of large heap blocks for a libFuzzer target, that keeps
// AddressSanitizer's checks on them.
//
// Why: every read_jsonl call reads through a line source whose buffer is a
// 1 MiB std::string, resized (zero-filled) on each call. Under ASan a block
// that large comes from its secondary allocator, which maps it fresh and
// unmaps it on free: each call paid the mmap, 256 page faults, the zeroing
// and the munmap. A profile of fuzz_jsonl (`perf record` over its corpus)
// put 85-90% of the time there, and fuzz_jsonl ran 76 inputs a second.
//
// What: operator new/delete of blocks of at least 256 KiB keep a few freed
// blocks for reuse. ASan's checks are kept by hand:
//   - each block has a poisoned redzone before and after it (overflows and
//     underflows are reported as use-after-poison);
//   - a freed block is poisoned whole until it is handed out again (a use
//     after free is reported as use-after-poison);
//   - a block handed out again is unpoisoned only over the size asked for.
// Smaller allocations go to malloc/free, that is to ASan's allocator, with
// all of its checks but one: new/delete against malloc/free mismatches are no
// longer told apart (the library has no malloc/free of its own).
//
// Include it in exactly one translation unit of a fuzz target.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <mutex>
#include <new>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define MEDSETTLE_FUZZ_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define MEDSETTLE_FUZZ_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#endif
#endif
#ifndef MEDSETTLE_FUZZ_POISON
#define MEDSETTLE_FUZZ_POISON(p, n) ((void)(p), (void)(n))
#define MEDSETTLE_FUZZ_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace fuzz::big_block {

constexpr std::size_t big = 256u << 10;     // blocks from this size on are cached
constexpr std::size_t redzone = 4096;       // poisoned bytes before and after each block
constexpr std::size_t granule = 64u << 10;  // capacities are rounded up to this
constexpr std::size_t max_blocks = 32;      // live and free blocks together

struct Block {
  char* base = nullptr;     // what malloc returned
  std::size_t capacity = 0; // usable bytes between the redzones
  bool live = false;
  char* user() const { return base + redzone; }
};

struct Cache {
  std::mutex mutex;
  Block blocks[max_blocks];
  std::size_t live = 0;  // how many blocks are handed out (a fast path for delete)
};

inline Cache& cache() {
  static Cache* c = new (std::malloc(sizeof(Cache))) Cache;  // never destroyed: delete may run after exit
  return *c;
}

/// A block of `size` bytes (>= big): a free one of enough capacity, or a new one.
inline void* allocate(std::size_t size) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  Block* slot = nullptr;
  for (Block& b : c.blocks) {
    if (b.base && !b.live && b.capacity >= size && (!slot || b.capacity < slot->capacity)) slot = &b;
  }
  if (!slot) {
    for (Block& b : c.blocks) {
      if (!b.base) {
        slot = &b;
        break;
      }
    }
    if (!slot) {  // full of live blocks: evict a free one, if any
      for (Block& b : c.blocks) {
        if (!b.live) {
          MEDSETTLE_FUZZ_UNPOISON(b.base, b.capacity + 2 * redzone);
          std::free(b.base);
          b = Block{};
          slot = &b;
          break;
        }
      }
    }
    if (!slot) return nullptr;  // every slot live: the caller uses malloc
    const std::size_t capacity = (size + granule - 1) / granule * granule;
    char* base = static_cast<char*>(std::malloc(capacity + 2 * redzone));
    if (!base) return nullptr;
    *slot = Block{base, capacity, false};
    MEDSETTLE_FUZZ_POISON(base, capacity + 2 * redzone);
  }
  slot->live = true;
  ++c.live;
  MEDSETTLE_FUZZ_UNPOISON(slot->user(), size);
  return slot->user();
}

/// True if `p` was one of the cache's blocks (now poisoned and free).
inline bool release(void* p) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  if (c.live == 0) return false;
  for (Block& b : c.blocks) {
    if (b.live && b.user() == p) {
      b.live = false;
      --c.live;
      MEDSETTLE_FUZZ_POISON(b.user(), b.capacity);
      return true;
    }
  }
  return false;
}

inline void* new_block(std::size_t size) {
  if (size >= big) {
    if (void* p = allocate(size)) return p;
  }
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}

inline void delete_block(void* p) noexcept {
  if (!p) return;
  if (!release(p)) std::free(p);
}

}  // namespace fuzz::big_block

void* operator new(std::size_t size) { return fuzz::big_block::new_block(size); }
void* operator new[](std::size_t size) { return fuzz::big_block::new_block(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return fuzz::big_block::new_block(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return fuzz::big_block::new_block(size);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { fuzz::big_block::delete_block(p); }
void operator delete[](void* p) noexcept { fuzz::big_block::delete_block(p); }
void operator delete(void* p, std::size_t) noexcept { fuzz::big_block::delete_block(p); }
void operator delete[](void* p, std::size_t) noexcept { fuzz::big_block::delete_block(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { fuzz::big_block::delete_block(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { fuzz::big_block::delete_block(p); }
