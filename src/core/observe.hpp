// How the engine reports its steps: through an observer type chosen at
// compile time. With NoObserver every report is an empty inline call whose
// step is never even built; with Observing it is built and handed to the
// caller's Observer. The arithmetic never asks whether it is observed.
// Internal.
#pragma once

#include <utility>

#include "core/model.hpp"
#include "medsettle/trace.hpp"

namespace medsettle::detail {

struct NoObserver {
  template <class Make>
  void operator()(int /*channel*/, const Cited& /*cite*/, Make&& /*make*/) const noexcept {}
  template <class Make>
  void operator()(int /*channel*/, const Cited& /*cite*/, Choice /*choice*/, Make&& /*make*/) const noexcept {}
};

class Observing {
 public:
  Observing(const PlanData& plan, Observer& observer) : plan_(plan), observer_(observer) {}
  /// Builds the step with `make()` and reports it.
  template <class Make>
  void operator()(int channel, const Cited& cite, Make&& make) {
    (*this)(channel, cite, Choice{}, std::forward<Make>(make));
  }
  /// The same, naming the stay's attribute that chose the step's value.
  template <class Make>
  void operator()(int channel, const Cited& cite, Choice choice, Make&& make) {
    const Step s{channel, cite.line, cite.column, plan_.source(cite), StepData(make()), choice};
    observer_.on_step(s);
  }

 private:
  const PlanData& plan_;
  Observer& observer_;
};

}  // namespace medsettle::detail
