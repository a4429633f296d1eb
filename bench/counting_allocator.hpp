// A counting allocator for the benchmarks that report memory: linking
// counting_allocator.cpp replaces the global operator new and delete with
// ones that count live bytes and their peak.
#pragma once

#include <atomic>
#include <cstdint>

namespace bench_memory {

/// Bytes allocated and not yet freed, and the most of them at once since
/// the last reset_peak().
extern std::atomic<std::int64_t> live_bytes, peak_bytes;

/// Starts a new peak from the bytes live now, and returns them.
inline std::int64_t reset_peak() {
  const std::int64_t now = live_bytes.load();
  peak_bytes = now;
  return now;
}

}  // namespace bench_memory
