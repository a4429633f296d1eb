// Work done when the calling thread ends, for thread-local state kept in
// trivially destructible form (usable at any point of the thread's life,
// even from the destructors of other thread-local objects). Internal.
#pragma once

namespace medsettle::detail {

/// Has `Close` called when the calling thread ends; call it once a thread,
/// when the state `Close` tidies is first kept (the state remembers that
/// it was called). From then on, `Close` must leave the state closed: kept
/// no more, so that what a later destructor does is not lost nor leaked.
template <void (*Close)() noexcept>
void close_at_thread_end() {
  struct Closer {
    ~Closer() { Close(); }
  };
  thread_local Closer closer;  // made now, destroyed when the thread ends
  (void)closer;
}

}  // namespace medsettle::detail
