// Outcome: a handle to a settlement or a rejection, in the arena of the
// batch thread that made it (src/core/result_arena.hpp) or on the heap.
#include <new>
#include <utility>

#include "core/result_arena.hpp"
#include "medsettle/settle.hpp"

namespace medsettle {

namespace {

/// A T made in this thread's batch arena, when one is current (then `arena`
/// keeps it), else on the heap.
template <class T, class... Args>
T* make_result(std::shared_ptr<ResultArena>& arena, Args&&... args) {
  if (const std::shared_ptr<ResultArena>* current = detail::current_arena()) {
    void* memory = arena_allocate(**current, sizeof(T), alignof(T));
    T* made = new (memory) T(std::forward<Args>(args)...);  // on a throw the arena's bytes are merely unused
    arena = *current;
    return made;
  }
  return new T(std::forward<Args>(args)...);
}

template <class T>
void destroy(T* p, bool in_arena) noexcept {
  if (in_arena) {
    p->~T();  // the arena's memory goes with the arena
  } else {
    delete p;
  }
}

}  // namespace

Outcome::Outcome(Settlement s) {
  p_ = make_result<Settlement>(arena_, std::move(s));
  settled_ = true;
}

Outcome::Outcome(Rejection r) { p_ = make_result<Rejection>(arena_, std::move(r)); }

Outcome::Outcome(std::in_place_type_t<Settlement> /*tag*/) {
  p_ = make_result<Settlement>(arena_);
  settled_ = true;
}

Outcome::Outcome(const Outcome& other) : settled_(other.settled_) {
  if (!other.p_) return;
  if (settled_) {
    p_ = new Settlement(*static_cast<const Settlement*>(other.p_));  // its lists copy to the heap too
  } else {
    p_ = new Rejection(*static_cast<const Rejection*>(other.p_));
  }
}

void Outcome::release() noexcept {
  // The arena (arena_) is let go after this, when the members are destroyed.
  if (settled_) {
    destroy(static_cast<Settlement*>(p_), arena_ != nullptr);
  } else {
    destroy(static_cast<Rejection*>(p_), arena_ != nullptr);
  }
}

}  // namespace medsettle
