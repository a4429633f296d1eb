// The Observer behind SettleOptions::trace: records each step (and passes
// it on to the caller's observer, if any). Internal.
#pragma once

#include <memory>
#include <vector>

#include "core/conditions.hpp"
#include "medsettle/settlement.hpp"
#include "medsettle/trace.hpp"

namespace medsettle::detail {

class TraceRecorder final : public Observer {
 public:
  TraceRecorder(Observer* forward, bool record) : forward_(forward), record_(record) {}
  void on_step(const Step& s) override {
    if (forward_) forward_->on_step(s);
    if (record_) steps_.push_back(TraceStep{s.channel, {}, {}, s.line, s.column, std::string(s.source), s.data, s.choice, {}});
  }
  /// The recorded steps, with their names and English text, for `s`.
  std::shared_ptr<Trace> finish(const Settlement& s, const Stay& stay) {
    auto trace = std::make_shared<Trace>();
    trace->stay = StayAttributes{stay.hospital_level, stay.region,     stay.insurance,  stay.identities,
                                 stay.category,       stay.age,        stay.flags,      stay.diagnoses,
                                 stay.admitted,       stay.discharged, stay.referred_from};
    trace->steps = std::move(steps_);
    for (TraceStep& t : trace->steps) {
      t.kind = step_name(t.data);
      t.message = describe(s, t, Language::en);
      t.chosen_by = choice_text(*s.rule_set, t.choice);
    }
    return trace;
  }

 private:
  Observer* forward_;
  bool record_;
  std::vector<TraceStep> steps_;
};

}  // namespace medsettle::detail
