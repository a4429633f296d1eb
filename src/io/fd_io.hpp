// The descriptor loops of the io layer (src/io/files.cpp): a whole write
// and an exact positioned read, retried on EINTR. Each caller words its own
// error; these only say what went wrong.
#pragma once

#include <cstddef>
#include <cstdint>

namespace medsettle::detail {

/// Writes all of [p, p + n) to `fd`. Returns 0, or the errno of the write
/// that failed (EIO for one that wrote nothing).
int write_fully(int fd, const char* p, std::size_t n) noexcept;

/// Reads exactly `n` bytes at `offset` of `fd` into `into`. Returns 0; -1
/// if the file ended first; else the errno. `done` is how many bytes were
/// read (where it stopped: offset + done).
int pread_fully(int fd, char* into, std::size_t n, std::uint64_t offset, std::size_t& done) noexcept;

}  // namespace medsettle::detail
