// Outcome: a handle to a settlement or a rejection, in the arena of the
// batch thread that made it (src/core/result_arena.hpp) or on the heap.
#include <new>
#include <type_traits>
#include <utility>

#include "core/hot.hpp"
#include "core/result_arena.hpp"
#include "core/thread_end.hpp"
#include "medsettle/settle.hpp"

namespace medsettle {

namespace {

// Spare settlements: a billing system settles a stay, writes it and drops
// it, stay after stay, on the heap (settle() outside a batch). A dropped
// settlement is kept, emptied but with its lists' memory, for the next
// settle() on the same thread: no allocation for it or its lists, and none
// freed (bench/README.md, "Spare settlements"). At most `spare_count` a
// thread. A spare lets its trace go at once but keeps its rule set (see
// empty_for_reuse) until it is reused or its thread ends.
constexpr unsigned spare_count = 4;
/// A settlement whose lists or ids hold more than this is freed, not kept.
constexpr std::size_t spare_list_limit = 64, spare_text_limit = 256;

// Trivially destructible, so usable at any point of the thread's life.
struct Spares {
  Settlement* item[spare_count];
  unsigned count;
  bool registered;  // close_spares is to be called when the thread ends
  bool closed;      // the thread is ending: nothing more is kept
};
constinit thread_local Spares spares{};

/// Frees the spares when the thread ends; after it, settlements are freed
/// as they go.
void close_spares() noexcept {
  spares.closed = true;
  while (spares.count) delete spares.item[--spares.count];
}

/// Whether a settlement's lists are on the heap and it is small enough to keep.
MEDSETTLE_HOT bool keepable(const Settlement& s) noexcept {
  return !s.channels.get_allocator().arena && !s.bands.get_allocator().arena &&
         s.channels.capacity() <= spare_list_limit && s.bands.capacity() <= spare_list_limit &&
         s.stay_id.capacity() <= spare_text_limit && s.person_id.capacity() <= spare_text_limit;
}

/// Empties a settlement for reuse: every field as a new settlement has it,
/// but its lists and texts keep their memory, and its rule set stays (the
/// next settlement on this thread is nearly always of the same rule set,
/// which then costs no reference count; settlement() replaces it otherwise).
MEDSETTLE_HOT void empty_for_reuse(Settlement& s) noexcept {
#if defined(__GLIBCXX__) && __SIZEOF_POINTER__ == 8  // the size this was written against
  static_assert(sizeof(Settlement) == 328, "a field was added to Settlement: empty it here too");
#endif
  s.stay_id.clear();
  s.person_id.clear();
  s.rules = {};
  s.digest = {};
  s.version_index = 0;
  s.version = {};
  s.buckets = {};
  s.act_pay_dedc = s.hifp_pay = s.hifmi_pay = s.maf_pay = s.hosp_part_amt = s.oth_pay = s.fund_pay_sumamt =
      s.psn_part_amt = Fen{};
  s.channels.clear();
  s.bands.clear();
  s.trace.reset();
}

/// Frees a heap settlement, or keeps it emptied as a spare.
MEDSETTLE_HOT void recycle(Settlement* s) noexcept {
  if (spares.closed || spares.count == spare_count || !keepable(*s)) {
    delete s;
    return;
  }
  if (!spares.registered) {
    detail::close_at_thread_end<close_spares>();
    spares.registered = true;
  }
  empty_for_reuse(*s);
  spares.item[spares.count++] = s;
}

/// An empty heap settlement: a spare if this thread has one.
MEDSETTLE_HOT Settlement* new_settlement() {
  if (spares.count) return spares.item[--spares.count];
  return new Settlement();
}

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
  if constexpr (std::is_same_v<T, Settlement> && sizeof...(Args) == 0) {
    return new_settlement();
  } else {
    return new T(std::forward<Args>(args)...);
  }
}

template <class T>
void destroy(T* p, bool in_arena) noexcept {
  if (in_arena) {
    p->~T();  // the arena's memory goes with the arena
  } else if constexpr (std::is_same_v<T, Settlement>) {
    recycle(p);
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

MEDSETTLE_HOT Outcome::Outcome(std::in_place_type_t<Settlement> /*tag*/) {
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

MEDSETTLE_HOT void Outcome::release() noexcept {
  // The arena (arena_) is let go after this, when the members are destroyed.
  if (settled_) {
    destroy(static_cast<Settlement*>(p_), arena_ != nullptr);
  } else {
    destroy(static_cast<Rejection*>(p_), arena_ != nullptr);
  }
}

}  // namespace medsettle
