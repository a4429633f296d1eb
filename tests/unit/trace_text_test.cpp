// A trace without its texts (SettleOptions::trace_text false) holds the same
// typed steps as one with them, and every rendering of it is the same:
// step_name(), describe() and describe_choice() give, from the typed step,
// exactly the texts the recorder fills in TraceStep::kind, ::message and
// ::chosen_by; `explain`'s text and JSON are made from the typed steps.
// Checked on every settled stay of the six schemes' golden examples.
#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "medsettle/engine.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/reader.hpp"
#include "medsettle/writer.hpp"
#include "test_files.hpp"

using namespace medsettle;

namespace {

using test_files::text_of;

std::vector<Outcome> traced(const Plan& plan, const std::vector<Record>& records, bool texts) {
  BatchOptions o;
  o.settle.trace = true;
  o.settle.trace_text = texts;
  return settle_batch(plan, records, o);
}

class TraceTexts : public testing::TestWithParam<const char*> {};

TEST_P(TraceTexts, TypedStepsGiveTheTextsTheRecorderFills) {
  const std::string scheme = GetParam();
  const Plan plan = Plan::load_file(std::string(MEDSETTLE_RULES_DIR) + "/" + scheme + ".yaml");
  const std::vector<Record> records =
      read_jsonl(text_of(std::string(MEDSETTLE_GOLDEN_DIR) + "/" + scheme + ".stays.jsonl"));
  const std::vector<Outcome> with = traced(plan, records, true), without = traced(plan, records, false);
  ASSERT_EQ(with.size(), without.size());
  std::size_t stays = 0, steps = 0, chosen = 0;
  for (std::size_t i = 0; i < with.size(); ++i) {
    ASSERT_EQ(with[i].settled(), without[i].settled()) << scheme << " record " << i;
    if (!with[i].settled()) continue;
    const Settlement &a = with[i].settlement(), &b = without[i].settlement();
    ASSERT_TRUE(a.trace && b.trace) << a.stay_id;
    ASSERT_EQ(a.trace->steps.size(), b.trace->steps.size()) << a.stay_id;
    ++stays;
    for (std::size_t k = 0; k < a.trace->steps.size(); ++k) {
      const TraceStep &t = a.trace->steps[k], &u = b.trace->steps[k];
      SCOPED_TRACE(a.stay_id + " step " + std::to_string(k + 1) + ": " + t.message);
      // Without texts: none kept, the typed step the same.
      EXPECT_TRUE(u.kind.empty() && u.message.empty() && u.chosen_by.empty());
      EXPECT_EQ(u.channel, t.channel);
      EXPECT_EQ(u.line, t.line);
      EXPECT_EQ(u.column, t.column);
      EXPECT_EQ(u.source, t.source);
      EXPECT_EQ(u.data.index(), t.data.index());
      EXPECT_EQ(u.choice.by, t.choice.by);
      EXPECT_EQ(u.choice.condition, t.choice.condition);
      // Its texts, made from the typed step, are the ones recorded.
      EXPECT_FALSE(t.message.empty());
      EXPECT_EQ(std::string(step_name(u.data)), t.kind);
      EXPECT_EQ(describe(b, u, Language::en), t.message);
      EXPECT_EQ(describe(b, u, Language::zh), describe(a, t, Language::zh));
      EXPECT_EQ(describe_choice(b, u), t.chosen_by);
      ++steps;
      if (!t.chosen_by.empty()) ++chosen;
    }
    // And so is everything shown of it.
    EXPECT_EQ(render_trace_text(b), render_trace_text(a)) << a.stay_id;
    EXPECT_EQ(render_trace_text(b, Language::zh), render_trace_text(a, Language::zh)) << a.stay_id;
    std::string ja, jb;
    write_trace_json(ja, a);
    write_trace_json(jb, b);
    EXPECT_EQ(jb, ja) << a.stay_id;
  }
  // The golden files settle stays of every scheme, with steps chosen by the
  // hospital level or a condition (the dibao, tekun and poor rates).
  EXPECT_GT(stays, 10u) << scheme;
  EXPECT_GT(steps, 10 * stays) << scheme;
  EXPECT_GT(chosen, 0u) << scheme;
}

INSTANTIATE_TEST_SUITE_P(EachScheme, TraceTexts,
                         testing::Values("hunan", "zhuzhou", "funing", "zhenba", "xuchang", "linxian"));

// The texts of steps, as facts: hunan's worked stay S5493475 (a township
// hospital; tests/unit/writer_values_test.cpp has the whole of its
// arithmetic), traced without texts.
TEST(TraceTexts, AWorkedStaysStepsTextsFromTheTypedSteps) {
  const Plan plan = Plan::load_file(std::string(MEDSETTLE_RULES_DIR) + "/hunan.yaml");
  const std::vector<Record> records =
      read_jsonl(text_of(std::string(MEDSETTLE_GOLDEN_DIR) + "/hunan.stays.jsonl"));
  const std::vector<Outcome> out = traced(plan, records, false);
  const Settlement* s = nullptr;
  for (const Outcome& o : out) {
    if (o.settled() && o.settlement().stay_id == "S5493475") s = &o.settlement();
  }
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->trace);
  auto step_of = [&](int channel, std::string_view kind) -> const TraceStep* {
    for (const TraceStep& t : s->trace->steps) {
      if (t.channel == channel && step_name(t.data) == kind) return &t;
    }
    return nullptr;
  };
  // basic (channel 0): B 386987.35 (in scope), D 200.00 at a township hospital;
  // raw = 0.95 × (386987.35 − 200.00) = 0.95 × 386787.35 = 367447.9825.
  const TraceStep* deductible = step_of(0, "deductible");
  ASSERT_NE(deductible, nullptr);
  EXPECT_EQ(std::get<step::Deductible>(deductible->data).deductible, Fen(20'000));
  EXPECT_EQ(describe_choice(*s, *deductible), "hospital_level township");
  const TraceStep* bands = step_of(0, "bands");
  ASSERT_NE(bands, nullptr);
  EXPECT_EQ(describe(*s, *bands, Language::en), "basic: raw = 0.95 \u00d7 386787.35 = 367447.982500; rounded 367447.98");
  // backstop (channel 5): L 5000.00 a year, nothing kept before; B = S 12277.73 + P 13204.61 = 25482.34,
  // X = 25482.34 − 5000.00 = 20482.34.
  const TraceStep* limit = step_of(5, "limit");
  ASSERT_NE(limit, nullptr);
  EXPECT_EQ(describe(*s, *limit, Language::en),
            "backstop: limit L = 5000.00 a year; kept this year before 0.00; allowed 5000.00; X = max(0, B - allowed) "
            "= 20482.34");
  // The whole stay: S 0.00 + P 5000.00 + O 0.00 + F 25211.12 = 30211.12.
  const TraceStep* result = step_of(-1, "result");
  ASSERT_NE(result, nullptr);
  EXPECT_EQ(describe(*s, *result, Language::en),
            "patient pays 30211.12 (in_scope 0.00 + pre_selfpay 5000.00 + over_limit 0.00 + full_selfpay 25211.12); "
            "funds 395191.96, hospital 0.00");
  EXPECT_EQ(describe_choice(*s, *result), "");
}

/// The English texts of a settlement's steps, made from its typed steps.
std::vector<std::string> texts_of(const Settlement& s) {
  std::vector<std::string> out;
  for (const TraceStep& t : s.trace->steps) out.push_back(describe(s, t, Language::en));
  return out;
}

struct WorkedStays {
  Plan plan = Plan::load_file(std::string(MEDSETTLE_RULES_DIR) + "/hunan.yaml");
  std::vector<Record> records = read_jsonl(text_of(std::string(MEDSETTLE_GOLDEN_DIR) + "/hunan.stays.jsonl"));
  const Stay& stay(std::string_view id) const {
    for (const Record& r : records) {
      if (r.stay.stay_id == id) return r.stay;
    }
    throw std::runtime_error("no stay " + std::string(id));
  }
  /// The stay settled alone on a new ledger, traced without texts.
  Outcome traced(std::string_view id, Observer* observer = nullptr) const {
    SettleOptions o;
    o.trace = true;
    o.trace_text = false;
    o.observer = observer;
    Ledger ledger(plan);
    return settle(plan, stay(id), ledger, o);
  }
};

// The recorder keeps the list it records into from one settlement to the
// next on its thread. An observer that settles another stay, traced, from
// inside a step, and one that throws halfway, take nothing from the
// settlement being traced, nor from the next one.
TEST(TraceRecording, AnObserverSettlingInsideAStepOrThrowingLosesNoStep) {
  const WorkedStays w;
  const Outcome first = w.traced("S5493475");
  const Outcome second = w.traced("S7294443");
  ASSERT_TRUE(first.settled() && second.settled());
  const std::vector<std::string> want_first = texts_of(first.settlement()), want_second = texts_of(second.settlement());
  ASSERT_GT(want_first.size(), 10u);
  ASSERT_GT(want_second.size(), 10u);

  struct Nested final : Observer {
    const WorkedStays& w;
    int steps = 0;
    std::optional<Outcome> inner;
    explicit Nested(const WorkedStays& stays) : w(stays) {}
    void on_step(const Step&) override {
      if (++steps == 3) inner = w.traced("S7294443");  // a second recorder on this thread, while the first records
    }
  } nested(w);
  const Outcome outer = w.traced("S5493475", &nested);
  ASSERT_TRUE(outer.settled());
  EXPECT_EQ(texts_of(outer.settlement()), want_first);
  EXPECT_EQ(static_cast<std::size_t>(nested.steps), want_first.size());
  ASSERT_TRUE(nested.inner && nested.inner->settled());
  EXPECT_EQ(texts_of(nested.inner->settlement()), want_second);

  struct Throwing final : Observer {
    int steps = 0;
    void on_step(const Step&) override {
      if (++steps == 5) throw std::runtime_error("observer gave up");
    }
  } throwing;
  EXPECT_THROW((void)w.traced("S5493475", &throwing), std::runtime_error);
  EXPECT_EQ(throwing.steps, 5);
  const Outcome after = w.traced("S7294443");
  ASSERT_TRUE(after.settled());
  EXPECT_EQ(texts_of(after.settlement()), want_second);  // none of the abandoned trace's five steps
}

// A settlement traced in the destructor of a thread-local object made
// before the thread's first traced settlement: that destructor runs after
// the recording room's closer, and the room must not be a list that is gone
// (under ASan, .ci/run, a use after free if it were).
TEST(TraceRecording, ASettlementTracedAsItsThreadEndsIsWhole) {
  const WorkedStays w;
  const Outcome reference = w.traced("S5493475");
  ASSERT_TRUE(reference.settled());
  std::vector<std::string> at_end;
  std::thread([&] {
    struct SettlesAtEnd {
      const WorkedStays* stays;
      std::vector<std::string>* texts;
      ~SettlesAtEnd() {
        const Outcome o = stays->traced("S5493475");
        if (o.settled()) *texts = texts_of(o.settlement());
      }
    };
    thread_local SettlesAtEnd settles{&w, &at_end};  // made first, so destroyed last
    (void)settles;
    ASSERT_TRUE(w.traced("S7294443").settled());  // the room made, and its closer
  }).join();
  EXPECT_EQ(at_end, texts_of(reference.settlement()));
}

}  // namespace
