// Large blocks that are reached at random or written once in bulk (the id
// tables, the result arenas' chunks), asked of the kernel as huge pages:
// with 4 KiB pages most first touches of such a block took a page fault and
// most random reaches missed the TLB.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>

namespace medsettle::detail {

/// A huge page of x86-64 (and of the other 64-bit targets Debian builds for with 4 KiB pages).
inline constexpr std::size_t huge_page_bytes = std::size_t{2} << 20;

/// `bytes`, rounded up to whole huge pages, aligned to a huge page and
/// advised as huge pages (MADV_HUGEPAGE). The advice is a hint: where it
/// fails, or transparent huge pages are off, the block is ordinary memory.
/// Freed with std::free.
inline void* allocate_huge(std::size_t bytes) {
  const std::size_t rounded = (bytes + huge_page_bytes - 1) / huge_page_bytes * huge_page_bytes;
  void* p = std::aligned_alloc(huge_page_bytes, rounded);
  if (!p) throw std::bad_alloc();
  ::madvise(p, rounded, MADV_HUGEPAGE);
  return p;
}

}  // namespace medsettle::detail
