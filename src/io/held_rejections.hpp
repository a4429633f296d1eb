// Rejections held in input order, packed: what the stream keeps of a
// record decided when it was read while the current person's stays wait.
#pragma once

#include <cstddef>
#include <deque>
#include <string>

#include "medsettle/errors.hpp"

namespace medsettle::detail {

/// A first-in, first-out queue of rejections stored as packed bytes in
/// chunks of 1 MiB: a rejection whose English message is its catalogue
/// message's rendering keeps only the message's id and arguments (the
/// message is rendered again when it leaves the queue). A line of garbage
/// held this way costs about the size of its arguments, not a record.
class HeldRejections {
 public:
  void push(const Rejection& r);
  /// The oldest rejection, removed. The queue must not be empty.
  [[nodiscard]] Rejection pop();
  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
  /// Bytes held in chunks (for tests).
  [[nodiscard]] std::size_t bytes() const noexcept;

 private:
  std::deque<std::string> chunks_;  ///< written at the back, read from the front
  std::size_t read_ = 0;            ///< the read position in chunks_.front()
  std::size_t count_ = 0;

  void put(const void* p, std::size_t n);
  void get(void* p, std::size_t n);
  void put_text(const std::string& s);
  std::string get_text();
};

}  // namespace medsettle::detail
