#include "io/chunk_writer.hpp"

#include <algorithm>
#include <utility>

namespace medsettle::detail {

ChunkWriter::ChunkWriter(Target out, Target err) : out_(std::move(out)), err_(std::move(err)) {
  writer_ = std::thread([this] { write_loop(); });
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
  const std::size_t size = c.out.size() + c.err.size();
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return waiting_ == 0 || waiting_ + size <= max_waiting || failure_; });
  if (failure_) std::rethrow_exception(failure_);
  waiting_ += size;
  queue_.push_back(std::move(c));
  changed_.notify_all();
}

void ChunkWriter::drain() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return (queue_.empty() && !writing_) || failure_; });
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
    try {
      if (!c.out.empty()) out_(c.out);
      if (!c.err.empty()) err_(c.err);
    } catch (...) {
      lock.lock();
      failure_ = std::current_exception();
      changed_.notify_all();
      return;
    }
    const std::size_t size = c.out.size() + c.err.size();
    c.out.clear();
    c.err.clear();
    lock.lock();
    writing_ = false;
    waiting_ -= size;
    if (free_.size() < max_free) free_.push_back(std::move(c));
    changed_.notify_all();
  }
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
