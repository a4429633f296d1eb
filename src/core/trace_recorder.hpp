// The Observer behind SettleOptions::trace: records each step (and passes
// it on to the caller's observer, if any). Internal.
#pragma once

#include <memory>
#include <vector>

#include "medsettle/settlement.hpp"
#include "medsettle/trace.hpp"

namespace medsettle::detail {

class TraceRecorder final : public Observer {
 public:
  TraceRecorder(Observer* forward, bool record) : forward_(forward), record_(record) {}
  void on_step(const Step& s) override {
    if (forward_) forward_->on_step(s);
    if (record_) steps_.push_back(TraceStep{s.channel, {}, {}, s.line, s.column, std::string(s.source), s.data});
  }
  /// The recorded steps, with their names and English text, for `s`.
  std::shared_ptr<Trace> finish(const Settlement& s) {
    auto trace = std::make_shared<Trace>();
    trace->steps = std::move(steps_);
    for (TraceStep& t : trace->steps) {
      t.kind = step_name(t.data);
      t.message = describe(s, t, Language::en);
    }
    return trace;
  }

 private:
  Observer* forward_;
  bool record_;
  std::vector<TraceStep> steps_;
};

}  // namespace medsettle::detail
