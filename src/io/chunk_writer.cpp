#include "io/chunk_writer.hpp"

#include <algorithm>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace medsettle::detail {

ChunkWriter::ChunkWriter(Target out, Target err, Writing writing) : out_(std::move(out)), err_(std::move(err)) {
  if (writing == Writing::here) return;
  try {
    writer_ = std::thread([this] { write_loop(); });
  } catch (const std::system_error&) {
    // No thread to be had (a process at its limit): push() writes, as run_slices works on.
  }
}

ChunkWriter::~ChunkWriter() { stop(); }

Chunk ChunkWriter::recycled() {
  std::lock_guard lock(mutex_);
  if (free_.empty()) return {};
  Chunk c = std::move(free_.front());
  free_.pop_front();
  return c;
}

void ChunkWriter::push(Chunk c) {
  if (!writer_.joinable()) {
    if (failure_) std::rethrow_exception(failure_);
    if (done_) throw std::logic_error("ChunkWriter: a chunk pushed after finish()");
    const std::size_t size = c.out.size() + c.err.size();
    try {
      write(c);
    } catch (...) {
      failure_ = std::current_exception();
      throw;
    }
    written_ += size;
    if (free_.size() < max_free) free_.push_back(std::move(c));
    return;
  }
  const std::size_t size = c.out.size() + c.err.size();
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return waiting_ == 0 || waiting_ + size <= max_waiting || failure_; });
  if (failure_) std::rethrow_exception(failure_);
  if (done_) throw std::logic_error("ChunkWriter: a chunk pushed after finish()");
  waiting_ += size;
  queue_.push_back(std::move(c));
  changed_.notify_all();
}

void ChunkWriter::drain_to(std::uint64_t bytes) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return written_ >= bytes || (queue_.empty() && !writing_) || failure_; });
  if (failure_) std::rethrow_exception(failure_);
}

void ChunkWriter::finish() {
  stop();
  if (failure_) std::rethrow_exception(failure_);
}

void ChunkWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (done_) return;
    done_ = true;
  }
  changed_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void ChunkWriter::write_loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [&] { return done_ || !queue_.empty(); });
    if (queue_.empty() || failure_) return;  // done, and everything written (or nothing more can be)
    Chunk c = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    lock.unlock();
    const std::size_t size = c.out.size() + c.err.size();
    try {
      write(c);
    } catch (...) {
      lock.lock();
      failure_ = std::current_exception();
      changed_.notify_all();
      return;
    }
    lock.lock();
    writing_ = false;
    waiting_ -= size;
    written_ += size;
    if (free_.size() < max_free) free_.push_back(std::move(c));
    changed_.notify_all();
  }
}

void ChunkWriter::write(Chunk& c) {
  if (!c.out.empty()) out_(c.out);
  if (!c.err.empty()) err_(c.err);
  c.out.clear();
  c.err.clear();
}

ChunkWriter::Target in_pieces(std::ostream& to) {
  return [&to](const std::string& text) {
    constexpr std::size_t piece = 1u << 20;
    for (std::size_t at = 0; at < text.size(); at += piece) {
      to.write(text.data() + at, static_cast<std::streamsize>(std::min(piece, text.size() - at)));
    }
  };
}

}  // namespace medsettle::detail
