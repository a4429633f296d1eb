// The Observer behind SettleOptions::trace: records each step (and passes
// it on to the caller's observer, if any). Internal.
#pragma once

#include <iterator>
#include <memory>
#include <vector>

#include "medsettle/settlement.hpp"
#include "medsettle/trace.hpp"

namespace medsettle::detail {

/// The list a thread records the steps of a traced settlement into, kept
/// from one settlement to the next so that recording allocates no list
/// (finish() moves the steps into a list of their exact size: a trace kept
/// in a batch holds no unused room; bench/README.md, "Traces").
/// take_recording_room() hands it out emptied (an empty list if another
/// recorder on this thread has it, or the thread is ending);
/// keep_recording_room() takes a list back if it has more room. Usable at
/// any point of the thread's life (src/core/trace.cpp).
std::vector<TraceStep> take_recording_room() noexcept;
void keep_recording_room(std::vector<TraceStep>&& list) noexcept;

class TraceRecorder final : public Observer {
 public:
  /// `record`: keep the steps for finish(); `text`: and fill their texts there.
  TraceRecorder(Observer* forward, bool record, bool text) : forward_(forward), record_(record), text_(text) {
    if (!record_) return;
    steps_ = take_recording_room();
    steps_.reserve(32);  // a stay of two to four channels takes 15 to 30 steps
  }
  ~TraceRecorder() override {
    if (record_) keep_recording_room(std::move(steps_));
  }
  TraceRecorder(const TraceRecorder&) = delete;
  TraceRecorder& operator=(const TraceRecorder&) = delete;
  void on_step(const Step& s) override {
    if (forward_) forward_->on_step(s);
    if (!record_) return;
    TraceStep& t = steps_.emplace_back();  // in place: no step built, moved and destroyed
    t.channel = s.channel;
    t.line = s.line;
    t.column = s.column;
    t.source.assign(s.source);
    t.data = s.data;
    t.choice = s.choice;
  }
  /// The recorded steps for `s`, with their names and English texts if asked.
  std::shared_ptr<Trace> finish(const Settlement& s, const Stay& stay) {
    auto trace = std::make_shared<Trace>();
    trace->stay = StayAttributes{stay.hospital_level, stay.region,     stay.insurance,  stay.identities,
                                 stay.category,       stay.age,        stay.flags,      stay.diagnoses,
                                 stay.admitted,       stay.discharged, stay.referred_from};
    trace->steps.assign(std::make_move_iterator(steps_.begin()), std::make_move_iterator(steps_.end()));
    if (!text_) return trace;
    for (TraceStep& t : trace->steps) {
      t.kind = step_name(t.data);
      t.message = describe(s, t, Language::en);
      t.chosen_by = describe_choice(s, t);
    }
    return trace;
  }

 private:
  Observer* forward_;
  bool record_, text_;
  std::vector<TraceStep> steps_;
};

}  // namespace medsettle::detail
