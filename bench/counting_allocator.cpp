#include "counting_allocator.hpp"

#include <cstdlib>
#include <new>

namespace bench_memory {

std::atomic<std::int64_t> live_bytes{0}, peak_bytes{0};

namespace {

void* counted(std::size_t n) {
  // 16 bytes in front hold the size, keeping the block 16-aligned.
  auto* p = static_cast<unsigned char*>(std::malloc(n + 16));
  if (!p) throw std::bad_alloc();
  *reinterpret_cast<std::size_t*>(p) = n;
  const std::int64_t now = live_bytes += static_cast<std::int64_t>(n);
  std::int64_t peak = peak_bytes.load();
  while (now > peak && !peak_bytes.compare_exchange_weak(peak, now)) {
  }
  return p + 16;
}

void uncounted(void* q) noexcept {
  if (!q) return;
  auto* p = static_cast<unsigned char*>(q) - 16;
  live_bytes -= static_cast<std::int64_t>(*reinterpret_cast<std::size_t*>(p));
  std::free(p);
}

}  // namespace

}  // namespace bench_memory

void* operator new(std::size_t n) { return bench_memory::counted(n); }
void* operator new[](std::size_t n) { return bench_memory::counted(n); }
void operator delete(void* p) noexcept { bench_memory::uncounted(p); }
void operator delete[](void* p) noexcept { bench_memory::uncounted(p); }
void operator delete(void* p, std::size_t) noexcept { bench_memory::uncounted(p); }
void operator delete[](void* p, std::size_t) noexcept { bench_memory::uncounted(p); }
