// An open-addressing hash table from text keys to 32-bit values, for the
// batch's and the stream's bookkeeping (stay ids, persons): one flat array
// of slots, no allocation per key, linear probing, grown at half full.
//
// The keys are views: either of text the caller keeps alive and unchanged
// (`insert`), or copied into the table's own blocks (`insert_copy`).
//
// A table of 4 MiB or more asks the kernel for huge pages (madvise; a
// no-op where transparent huge pages are off): the slots are reached at
// random, and with 4 KiB pages most inserts into a large table also missed
// the TLB and faulted in a page of their own.
//
// The hash is seeded per process from the operating system (getrandom), so
// that ids crafted against a known hash cannot pile into one run of slots
// and make every insert walk it (issue #18: 200,000 such ids took 12 times
// as long as ordinary ones under the unseeded std::hash).
#pragma once

#include <sys/random.h>

#include <cstdint>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <bits/hash_bytes.h>  // std::_Hash_bytes: the library's own string hash, with a seed

#include "core/huge_pages.hpp"

namespace medsettle::detail {

/// This process's hash seed: random bytes from the operating system, read
/// once (a fixed odd constant only if the system has none to give).
inline std::size_t hash_seed() noexcept {
  static const std::size_t seed = [] {
    std::size_t s = 0;
    if (::getrandom(&s, sizeof s, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof s)) s = 0x9e3779b97f4a7c15u;
    return s;
  }();
  return seed;
}

class IdTable {
 public:
  /// Values are below this (it is free for callers to mean "none").
  static constexpr std::uint32_t max_values = 0xFFFFFFFFu;

  explicit IdTable(std::size_t expected = 0) { rehash(capacity_for(expected)); }

  /// The value of `key`, or nullptr.
  [[nodiscard]] const std::uint32_t* find(std::string_view key) const noexcept { return find(key, hash(key)); }

  /// As find(key), with `h` the key's hash().
  [[nodiscard]] const std::uint32_t* find(std::string_view key, std::uint64_t h) const noexcept {
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (!s.used()) return nullptr;
      if (s.hash == h && s.key() == key) return &s.value;
    }
  }

  /// Inserts `key` -> `value` unless `key` is present. Returns the value in
  /// the table and whether it was inserted. `key` must outlive the table.
  std::pair<std::uint32_t, bool> insert(std::string_view key, std::uint32_t value) {
    return insert_hashed(key, hash(key), value, false);
  }

  /// As insert, but a new key is copied into the table's own storage.
  std::pair<std::uint32_t, bool> insert_copy(std::string_view key, std::uint32_t value) {
    return insert_hashed(key, hash(key), value, true);
  }

  /// As insert_copy, with `h` the key's hash() computed before: a caller
  /// inserting many keys hashes a few ahead and prefetch()es their slots.
  std::pair<std::uint32_t, bool> insert_copy(std::string_view key, std::uint64_t h, std::uint32_t value) {
    return insert_hashed(key, h, value, true);
  }

  /// The hash insert_copy(key, h, value) expects.
  [[nodiscard]] static std::uint64_t hash(std::string_view key) noexcept {
    return std::_Hash_bytes(key.data(), key.size(), hash_seed());
  }

  /// Starts loading the slot where a key of hash `h` is looked for first.
  void prefetch(std::uint64_t h) const noexcept { __builtin_prefetch(&slots_[h & mask_], 1); }

  /// Room for `n` keys in all without growing.
  void reserve(std::size_t n) {
    if (capacity_for(n) > capacity_) rehash(capacity_for(n));
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  /// Slots looked at by every insert so far: the work the keys cost (tests).
  [[nodiscard]] std::uint64_t probes() const noexcept { return probes_; }

 private:
  // 24 bytes: the key as a pointer (null: a free slot) and a 32-bit size.
  struct Slot {
    std::uint64_t hash = 0;
    const char* data = nullptr;
    std::uint32_t size = 0;
    std::uint32_t value = 0;
    [[nodiscard]] bool used() const noexcept { return data != nullptr; }
    [[nodiscard]] std::string_view key() const noexcept { return {data, size}; }
  };
  struct Release {
    void operator()(Slot* p) const noexcept { std::free(p); }
  };
  std::unique_ptr<Slot[], Release> slots_;
  std::size_t capacity_ = 0, mask_ = 0, size_ = 0;
  std::uint64_t probes_ = 0;
  // Copied keys: blocks of at least 64 KiB, never moved once written.
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::size_t block_left_ = 0;
  char* block_at_ = nullptr;

  static std::size_t capacity_for(std::size_t n) noexcept {
    std::size_t c = 16;
    while (c < 2 * n) c *= 2;
    return c;
  }

  std::string_view copy(std::string_view key) {
    if (key.size() > block_left_) {
      const std::size_t size = std::max<std::size_t>(key.size(), 64 * 1024);
      blocks_.push_back(std::make_unique<char[]>(size));
      block_at_ = blocks_.back().get();
      block_left_ = size;
    }
    if (!key.empty()) std::memcpy(block_at_, key.data(), key.size());
    std::string_view kept(block_at_, key.size());
    block_at_ += key.size();
    block_left_ -= key.size();
    return kept;
  }

  std::pair<std::uint32_t, bool> insert_hashed(std::string_view key, std::uint64_t h, std::uint32_t value, bool own) {
    if (key.size() > 0xFFFFFFFFu) throw std::length_error("IdTable: a key longer than 4 GiB");
    if (2 * (size_ + 1) > capacity_) rehash(capacity_ * 2);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      ++probes_;
      Slot& s = slots_[i];
      if (!s.used()) {
        const std::string_view kept = own ? copy(key) : key;
        s.hash = h;
        s.data = kept.data() ? kept.data() : "";  // an empty key still marks its slot used
        s.size = static_cast<std::uint32_t>(kept.size());
        s.value = value;
        ++size_;
        return {value, true};
      }
      if (s.hash == h && s.key() == key) return {s.value, false};
    }
  }

  /// Zeroed slots; 2 MiB aligned and advised as huge pages from 4 MiB on.
  static std::unique_ptr<Slot[], Release> allocate(std::size_t capacity) {
    static_assert(std::is_trivially_copyable_v<Slot>);
    const std::size_t bytes = capacity * sizeof(Slot);
    void* p = bytes >= 2 * huge_page_bytes ? allocate_huge(bytes) : std::malloc(bytes);
    if (!p) throw std::bad_alloc();
    std::memset(p, 0, bytes);  // a free slot is all zero bits (a null key pointer)
    return std::unique_ptr<Slot[], Release>(static_cast<Slot*>(p));
  }

  void rehash(std::size_t capacity) {
    auto old = allocate(capacity);
    old.swap(slots_);
    const std::size_t old_capacity = std::exchange(capacity_, capacity);
    mask_ = capacity - 1;
    for (std::size_t k = 0; k < old_capacity; ++k) {
      const Slot& s = old[k];
      if (!s.used()) continue;
      std::size_t i = s.hash & mask_;
      while (slots_[i].used()) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }
};

}  // namespace medsettle::detail
