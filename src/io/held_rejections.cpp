#include "io/held_rejections.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace medsettle::detail {

namespace {

constexpr std::size_t chunk_bytes = std::size_t{1} << 20;

enum : std::uint8_t { has_stay_id = 1, has_id = 2, message_is_id = 4 };

}  // namespace

void HeldRejections::put(const void* p, std::size_t n) {
  const auto* from = static_cast<const char*>(p);
  while (n > 0) {
    if (chunks_.empty() || chunks_.back().size() == chunks_.back().capacity()) {
      chunks_.emplace_back().reserve(chunk_bytes);
    }
    std::string& back = chunks_.back();
    const std::size_t take = std::min(n, back.capacity() - back.size());
    back.append(from, take);
    from += take;
    n -= take;
  }
}

void HeldRejections::get(void* p, std::size_t n) {
  auto* to = static_cast<char*>(p);
  while (n > 0) {
    const std::string& front = chunks_.front();
    const std::size_t take = std::min(n, front.size() - read_);
    std::memcpy(to, front.data() + read_, take);
    to += take;
    n -= take;
    read_ += take;
    if (read_ == front.size() && (chunks_.size() > 1 || read_ == front.capacity())) {
      chunks_.pop_front();
      read_ = 0;
    }
  }
}

void HeldRejections::put_text(const std::string& s) {
  const std::uint64_t n = s.size();
  put(&n, sizeof n);
  put(s.data(), s.size());
}

std::string HeldRejections::get_text() {
  std::uint64_t n = 0;
  get(&n, sizeof n);
  std::string s(n, '\0');
  get(s.data(), s.size());
  return s;
}

void HeldRejections::push(const Rejection& r) {
  std::uint8_t flags = (r.stay_id ? has_stay_id : 0) | (r.what.id ? has_id : 0);
  if (r.what.id && r.message == r.what.text(Language::en)) flags |= message_is_id;
  const auto code = static_cast<std::uint8_t>(r.code);
  put(&flags, 1);
  put(&code, 1);
  put(&r.line, sizeof r.line);
  put_text(r.field);
  if (r.stay_id) put_text(*r.stay_id);
  if (!(flags & message_is_id)) put_text(r.message);
  if (r.what.id) {
    put(&r.what.id, sizeof r.what.id);
    const std::uint64_t n = r.what.args.size();
    put(&n, sizeof n);
    for (const std::string& a : r.what.args) put_text(a);
  }
  ++count_;
}

Rejection HeldRejections::pop() {
  Rejection r;
  std::uint8_t flags = 0, code = 0;
  get(&flags, 1);
  get(&code, 1);
  r.code = static_cast<ErrorCode>(code);
  get(&r.line, sizeof r.line);
  r.field = get_text();
  if (flags & has_stay_id) r.stay_id = get_text();
  if (!(flags & message_is_id)) r.message = get_text();
  if (flags & has_id) {
    get(&r.what.id, sizeof r.what.id);
    std::uint64_t n = 0;
    get(&n, sizeof n);
    r.what.args.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i) r.what.args.push_back(get_text());
  }
  if (flags & message_is_id) r.message = r.what.text(Language::en);
  --count_;
  if (count_ == 0) {
    chunks_.clear();
    read_ = 0;
  }
  return r;
}

std::size_t HeldRejections::bytes() const noexcept {
  std::size_t n = 0;
  for (const std::string& c : chunks_) n += c.capacity();
  return n;
}

}  // namespace medsettle::detail
