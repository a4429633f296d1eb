// Text written by a thread of its own, in the order it is given: the file
// pipeline's outputs, and the spill of the not-grouped settling. Internal.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>

namespace medsettle::detail {

/// A piece of text for each of two outputs (a settlement's and a rejection's).
struct Chunk {
  std::string out, err;
};

/// Writes chunks in the order pushed, on a writer thread, while the pushing
/// thread goes on. At most about 16 MiB of text waits: push() waits for
/// room. A write error stops the writing; push() and finish() rethrow it.
/// If no thread can be started, push() writes each chunk itself.
class ChunkWriter {
 public:
  /// Writes a text to one output (throwing on an error).
  using Target = std::function<void(const std::string&)>;
  /// Where the chunks are written: on a thread of the writer's own (if one
  /// can be started; else as `here`), or by push() on the pushing thread.
  enum class Writing { own_thread, here };
  ChunkWriter(Target out, Target err, Writing writing = Writing::own_thread);
  ChunkWriter(const ChunkWriter&) = delete;
  ChunkWriter& operator=(const ChunkWriter&) = delete;
  /// Waits for the writer: what was pushed is written (unless a write failed).
  ~ChunkWriter();

  /// An empty chunk, with the room of one written before if any.
  Chunk recycled();
  /// Queues a chunk to be written after those pushed before.
  void push(Chunk c);
  /// Waits until the first `bytes` of text pushed (both outputs' together)
  /// are written, the writer going on; rethrows a write error.
  void drain_to(std::uint64_t bytes);
  /// Everything pushed is written; rethrows a write error.
  void finish();

 private:
  static constexpr std::size_t max_waiting = 16u << 20;  // bytes of text queued for the writer
  static constexpr std::size_t max_free = 16;            // written chunks kept for their room

  Target out_, err_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Chunk> queue_, free_;  // to write; written, their room kept for reuse
  std::size_t waiting_ = 0;         // bytes in queue_
  std::uint64_t written_ = 0;       // bytes written
  bool writing_ = false;            // the writer holds a chunk taken from queue_
  bool done_ = false;
  std::exception_ptr failure_;      // the writer's error, if it had one
  std::thread writer_;              // not started: push() writes

  void stop();
  void write_loop();
  /// Writes a chunk's texts; `c` is then empty, its room kept.
  void write(Chunk& c);
};

/// A ChunkWriter target writing to `to` in pieces of 1 MiB (one large write
/// costs the kernel more).
ChunkWriter::Target in_pieces(std::ostream& to);

}  // namespace medsettle::detail
