// The library as a billing system links it: one validation for every
// caller, a ledger that cannot be misused, settlements that describe
// themselves, and a ledger written out and read back.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "medsettle/engine.hpp"
#include "medsettle/writer.hpp"

using namespace medsettle;

namespace {

/// The stay of hunan's basic-insurance example in README: county hospital,
/// 10,000.00 of class A fees.
Stay base_stay() {
  Stay s;
  s.stay_id = "S1";
  s.person_id = "P1";
  s.age = 40;
  s.hospital_level = HospitalLevel::county;
  s.region = Region::in_county;
  s.admitted = Date::from_ymd(2019, 3, 2);
  s.discharged = Date::from_ymd(2019, 3, 12);
  s.diagnoses = {"J18.9"};
  s.fees = {FeeLine{FeeCategory::A, Fen(1'000'000), Fen(0), std::nullopt, {}, {}}};
  return s;
}

void json_list(std::string& out, const char* key, const std::vector<std::string>& items) {
  out += ",\"";
  out += key;
  out += "\":[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    write_json_string(out, items[i]);
  }
  out += ']';
}

/// The same stay as JSON (SEMANTICS.md §2, fields in its order), written
/// independently of the reader: what a billing system would send.
std::string to_json(const Stay& s) {
  std::string out = "{\"stay_id\":";
  write_json_string(out, s.stay_id);
  out += ",\"person_id\":";
  write_json_string(out, s.person_id);
  std::vector<std::string> ids;
  for (std::size_t k = 0; k < identity_count; ++k) {
    if (s.holds(static_cast<Identity>(k))) ids.emplace_back(name(static_cast<Identity>(k)));
  }
  json_list(out, "identities", ids);
  out += ",\"age\":" + std::to_string(s.age) + ",\"hospital_level\":\"" + std::string(name(s.hospital_level)) +
         "\",\"region\":\"" + std::string(name(s.region)) + "\",\"admitted\":\"" + format(s.admitted) +
         "\",\"discharged\":\"" + format(s.discharged) + "\"";
  json_list(out, "diagnoses", s.diagnoses);
  if (s.referred_from) {
    out += ",\"referred_from\":";
    write_json_string(out, *s.referred_from);
  }
  if (!s.buckets || !s.fees.empty()) {
    out += ",\"fees\":[";
    for (std::size_t i = 0; i < s.fees.size(); ++i) {
      const FeeLine& f = s.fees[i];
      if (i) out += ',';
      out += "{\"category\":\"" + std::string(name(f.category)) + "\",\"amount\":\"" + format(f.amount) +
             "\",\"over_limit\":\"" + format(f.over_limit) + "\"";
      if (f.selfpay_ratio) out += ",\"selfpay_ratio\":\"" + format(*f.selfpay_ratio) + "\"";
      out += '}';
    }
    out += ']';
  }
  if (s.buckets) {
    const Buckets& b = *s.buckets;
    out += ",\"buckets\":{\"total\":\"" + format(b.total) + "\",\"full_selfpay\":\"" + format(b.full_selfpay) +
           "\",\"over_limit\":\"" + format(b.over_limit) + "\",\"pre_selfpay\":\"" + format(b.pre_selfpay) +
           "\",\"in_scope\":\"" + format(b.in_scope) + "\"}";
  }
  if (s.prior) {
    out += ",\"prior\":{";
    for (std::size_t i = 0; i < s.prior->size(); ++i) {
      const PriorEntry& e = (*s.prior)[i];
      if (i) out += ',';
      write_json_string(out, e.channel);
      out += ":{\"accumulated\":\"" + format(e.accumulated) + "\",\"paid\":\"" + format(e.paid) +
             "\",\"grants\":" + std::to_string(e.grants) + "}";
    }
    out += '}';
  }
  return out + "}";
}

struct Case {
  const char* rule;
  void (*change)(Stay&);
};

// One case per rule of SEMANTICS.md §2 that a Stay built in code can break.
// (The rules only text can break: malformed JSON, unknown keys, wrong JSON
// types, missing keys, are the readers' alone.)
const Case kCases[] = {
    {"stay_id not empty", [](Stay& s) { s.stay_id.clear(); }},
    {"person_id not empty", [](Stay& s) { s.person_id.clear(); }},
    {"age at least 0", [](Stay& s) { s.age = -1; }},
    {"age at most 150", [](Stay& s) { s.age = 151; }},
    {"admitted not after discharged", [](Stay& s) { s.admitted = Date::from_ymd(2019, 3, 13); }},
    {"a year of four digits", [](Stay& s) { s.admitted = Date::from_ymd(999, 3, 2); }},
    {"at least one diagnosis", [](Stay& s) { s.diagnoses.clear(); }},
    {"a diagnosis not empty", [](Stay& s) { s.diagnoses = {"J18.9", ""}; }},
    {"a diagnosis in printable ASCII (full-width)", [](Stay& s) { s.diagnoses = {"\xEF\xBC\xA3\xEF\xBC\x91\xEF\xBC\x95"}; }},
    {"a diagnosis without spaces", [](Stay& s) { s.diagnoses = {"C15 9"}; }},
    {"a diagnosis of at most 32 characters", [](Stay& s) { s.diagnoses = {std::string(33, 'C')}; }},
    {"referred_from not empty", [](Stay& s) { s.referred_from = ""; }},
    {"an amount not negative", [](Stay& s) { s.fees[0].amount = Fen(-500); }},
    {"an amount at most 10^12 yuan", [](Stay& s) { s.fees[0].amount = max_amount + Fen(1); }},
    {"over_limit not negative", [](Stay& s) { s.fees[0].over_limit = Fen(-1); }},
    {"over_limit within the line", [](Stay& s) { s.fees[0].over_limit = Fen(1'000'001); }},
    {"a ratio only on B lines", [](Stay& s) { s.fees[0].selfpay_ratio = Rate(2'000); }},
    {"a ratio at most 1", [](Stay& s) {
       s.fees[0].category = FeeCategory::B;
       s.fees[0].selfpay_ratio = Rate(15'000);
     }},
    {"a stay's total at most 10^12 yuan", [](Stay& s) {
       s.fees = {FeeLine{FeeCategory::A, Fen(60'000'000'000'000), Fen(0), std::nullopt, {}, {}},
                 FeeLine{FeeCategory::A, Fen(60'000'000'000'000), Fen(0), std::nullopt, {}, {}}};
     }},
    {"buckets that add up", [](Stay& s) {
       s.fees.clear();
       s.buckets = Buckets{Fen(100), Fen(50), Fen(0), Fen(0), Fen(49)};
     }},
    {"a bucket not negative", [](Stay& s) {
       s.fees.clear();
       s.buckets = Buckets{Fen(0), Fen(-5), Fen(0), Fen(0), Fen(5)};
     }},
    {"fees or buckets, not both", [](Stay& s) { s.buckets = Buckets{Fen(100), Fen(0), Fen(0), Fen(0), Fen(100)}; }},
    {"prior figures not negative", [](Stay& s) { s.prior = std::vector<PriorEntry>{{"basic", Fen(-1), Fen(0), 0}}; }},
    {"prior grants not negative", [](Stay& s) { s.prior = std::vector<PriorEntry>{{"basic", Fen(0), Fen(0), -1}}; }},
    {"prior grants in range", [](Stay& s) {
       s.prior = std::vector<PriorEntry>{{"basic", Fen(0), Fen(0), 1'000'000'000'000}};
     }},
    {"a prior channel once", [](Stay& s) {
       s.prior = std::vector<PriorEntry>{{"basic", Fen(0), Fen(0), 0}, {"basic", Fen(1), Fen(0), 0}};
     }},
};

}  // namespace

TEST(OneValidation, AStayBuiltInCodeGetsTheReadersRejectionForEveryRule) {
  const Plan& plan = Plan::builtin();
  JsonStayReader reader;
  for (const Case& c : kCases) {
    Stay s = base_stay();
    c.change(s);
    const Record read = reader.read(to_json(s), 9);
    ASSERT_TRUE(read.rejection) << c.rule << ": the reader accepted " << to_json(s);
    const std::optional<Rejection> direct = validate(s, 9);
    ASSERT_TRUE(direct) << c.rule << ": validate() accepted the stay";
    EXPECT_EQ(name(direct->code), name(read.rejection->code)) << c.rule;
    EXPECT_EQ(direct->field, read.rejection->field) << c.rule;
    EXPECT_EQ(direct->message, read.rejection->message) << c.rule;
    EXPECT_EQ(direct->stay_id, read.rejection->stay_id) << c.rule;
    // settle() holds a stay built in code to the same rule, without touching the ledger.
    Ledger ledger(plan);
    const Outcome o = settle(plan, s, ledger, {}, 9);
    ASSERT_FALSE(o.settled()) << c.rule;
    EXPECT_EQ(o.rejection().code, read.rejection->code) << c.rule;
    EXPECT_EQ(o.rejection().field, read.rejection->field) << c.rule;
    EXPECT_EQ(o.rejection().message, read.rejection->message) << c.rule;
    EXPECT_EQ(ledger.snapshot(), Ledger(plan).snapshot()) << c.rule;
  }
  // And the unchanged stay is valid both ways.
  EXPECT_FALSE(reader.read(to_json(base_stay()), 1).rejection);
  EXPECT_FALSE(validate(base_stay()));
}

TEST(OneValidation, AFullWidthCodeIsRefusedWithItsHalfWidthForm) {
  Stay s = base_stay();
  s.diagnoses = {"\xEF\xBC\xA3\xEF\xBC\x91\xEF\xBC\x95"};  // "Ｃ１５"
  const auto r = validate(s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, ErrorCode::bad_value);
  EXPECT_EQ(r->field, "diagnoses[0]");
  EXPECT_NE(r->message.find("written in half-width characters it is 'C15'"), std::string::npos) << r->message;
  // Lower-case ASCII letters are folded when codes are matched, nothing else: "c15" is a valid code.
  s.diagnoses = {"c15.9"};
  EXPECT_FALSE(validate(s));
}

TEST(OneValidation, TheCAbiAndTheBatchApplyTheSameRule) {
  // settle_batch holds a Record built in code (not by a reader) to the readers' rules.
  Record r;
  r.line = 4;
  r.stay = base_stay();
  r.stay.age = 200;
  const std::vector<Outcome> out = settle_batch(Plan::builtin(), {r});
  ASSERT_FALSE(out[0].settled());
  EXPECT_EQ(out[0].rejection().code, ErrorCode::bad_value);
  EXPECT_EQ(out[0].rejection().message, "age: 200 is not within 0..150");
  EXPECT_EQ(out[0].rejection().line, 4u);
}

// ---- a ledger that cannot be misused ------------------------------------------------

TEST(GuardedLedger, RefusesAnotherPersonsStayAndLeavesItselfUnchanged) {
  const Plan& plan = Plan::builtin();
  Ledger ledger(plan);
  ASSERT_TRUE(settle(plan, base_stay(), ledger).settled());
  EXPECT_EQ(ledger.person_id(), "P1");
  const LedgerSnapshot before = ledger.snapshot();
  Stay other = base_stay();
  other.stay_id = "S2";
  other.person_id = "P2";
  const Outcome o = settle(plan, other, ledger, {}, 3);
  ASSERT_FALSE(o.settled());
  EXPECT_EQ(o.rejection().code, ErrorCode::bad_value);
  EXPECT_EQ(o.rejection().field, "person_id");
  EXPECT_EQ(o.rejection().message, "person_id: this ledger holds the stays of person P1, not of person P2");
  EXPECT_EQ(ledger.snapshot(), before);
}

TEST(GuardedLedger, ASecondSettlementOfAStayIsRefusedAndCountsOnce) {
  const Plan& plan = Plan::builtin();
  Ledger ledger(plan);
  const Outcome first = settle(plan, base_stay(), ledger);
  ASSERT_TRUE(first.settled());
  // basic, county hospital: 0.75 × (10000.00 − 500.00) = 7125.00 (README's example).
  EXPECT_EQ(first.settlement().hifp_pay, Fen(712'500));
  const LedgerSnapshot before = ledger.snapshot();
  const Outcome again = settle(plan, base_stay(), ledger);
  ASSERT_FALSE(again.settled());
  EXPECT_EQ(again.rejection().code, ErrorCode::duplicate_stay_id);
  EXPECT_EQ(again.rejection().message, "stay_id: 'S1' is already settled in this ledger");
  EXPECT_EQ(ledger.snapshot(), before);
  // basic paid 7125.00 once in 2019, not twice.
  EXPECT_EQ(ledger.figures(2019, "basic").paid, Fen(712'500));
}

TEST(GuardedLedger, ALedgerOfAnotherRuleSetIsAUsageError) {
  const Plan zhenba = Plan::load_file(std::string(MEDSETTLE_RULES_DIR) + "/zhenba.yaml");
  Ledger ledger(Plan::builtin());
  EXPECT_THROW((void)settle(zhenba, base_stay(), ledger), UsageError);
  EXPECT_EQ(ledger.snapshot(), Ledger(Plan::builtin()).snapshot());
}

TEST(GuardedLedger, ALedgerUsedWhileInUseIsRefused) {
  // An observer that settles on the ledger being settled: the second use is
  // refused (as another thread's would be), the first completes.
  struct Reentrant final : Observer {
    const Plan* plan;
    Ledger* ledger;
    bool refused = false, tried = false;
    void on_step(const Step&) override {
      if (tried) return;
      tried = true;
      Stay s = base_stay();
      s.stay_id = "S9";
      try {
        (void)settle(*plan, s, *ledger);
      } catch (const UsageError&) {
        refused = true;
      }
    }
  };
  const Plan& plan = Plan::builtin();
  Ledger ledger(plan);
  Reentrant obs;
  obs.plan = &plan;
  obs.ledger = &ledger;
  SettleOptions options;
  options.observer = &obs;
  EXPECT_TRUE(settle(plan, base_stay(), ledger, options).settled());
  EXPECT_TRUE(obs.refused);
  EXPECT_EQ(ledger.stay_ids(), std::vector<std::string>{"S1"});
}

TEST(GuardedLedger, AFailureAtAnyStepLeavesTheLedgerAsItWas) {
  // An observer that throws at step k, for every k: the ledger is unchanged
  // each time (strong guarantee), and the settlement finally made equals the
  // one made without failures.
  struct Failing final : Observer {
    int left;
    explicit Failing(int k) : left(k) {}
    void on_step(const Step&) override {
      if (left-- == 0) throw std::runtime_error("injected");
    }
  };
  const Plan& plan = Plan::builtin();
  Ledger ledger(plan);
  Stay first = base_stay();
  ASSERT_TRUE(settle(plan, first, ledger).settled());
  Stay second = base_stay();
  second.stay_id = "S2";
  second.discharged = second.admitted = Date::from_ymd(2019, 5, 1);
  Ledger reference = ledger;
  const Outcome expected = settle(plan, second, reference);
  ASSERT_TRUE(expected.settled());
  const LedgerSnapshot before = ledger.snapshot();
  int k = 0;
  for (;; ++k) {
    Failing obs(k);
    SettleOptions options;
    options.observer = &obs;
    try {
      const Outcome o = settle(plan, second, ledger, options);
      ASSERT_TRUE(o.settled());
      std::string a, b;
      write_json(a, o.settlement());
      write_json(b, expected.settlement());
      EXPECT_EQ(a, b);
      break;
    } catch (const std::runtime_error&) {
      EXPECT_EQ(ledger.snapshot(), before) << "after a failure at step " << k;
    }
  }
  EXPECT_GT(k, 10);  // the stay has more steps than that: every one was tried
  EXPECT_EQ(ledger.snapshot(), reference.snapshot());
}

TEST(GuardedLedger, ANewerFileOfTheSameRuleSetContinuesTheLedgerByChannelId) {
  const Plan& builtin = Plan::builtin();
  Ledger ledger(builtin);
  ASSERT_TRUE(settle(builtin, base_stay(), ledger).settled());
  // The same rule set loaded again (another Plan object): channels matched by id.
  const Plan again = Plan::load_file(std::string(MEDSETTLE_RULES_DIR) + "/hunan.yaml");
  Stay s = base_stay();
  s.stay_id = "S2";
  s.admitted = s.discharged = Date::from_ymd(2019, 6, 1);
  ASSERT_TRUE(settle(again, s, ledger).settled());
  // basic paid 7125.00 for each stay: 14250.00 in 2019.
  EXPECT_EQ(ledger.figures(2019, "basic").paid, Fen(1'425'000));
}

// ---- settlements that describe themselves ------------------------------------------

TEST(SelfDescribingSettlement, OutlivesItsPlan) {
  Settlement s;
  {
    const Plan plan = Plan::load_file(std::string(MEDSETTLE_RULES_DIR) + "/zhenba.yaml");
    Ledger ledger(plan);
    Outcome o = settle(plan, base_stay(), ledger);
    ASSERT_TRUE(o.settled());
    s = std::move(o.settlement());
  }
  EXPECT_EQ(s.rules, "zhenba");
  EXPECT_EQ(s.digest.substr(0, 7), "sha256:");
  const ChannelInfo first = s.channel_info(s.channels[0].index);
  EXPECT_FALSE(first.id.empty());
  EXPECT_FALSE(first.name.empty());
  EXPECT_EQ(first.fund_pay_type.size(), 6u);
  std::string json;
  write_json(json, s);
  EXPECT_NE(json.find("\"rules\":\"zhenba\""), std::string::npos);
}

TEST(SelfDescribingSettlement, IdentityAndFlagSetsAreDistinctTypes) {
  static_assert(!std::is_convertible_v<FlagSet, IdentitySet>);
  static_assert(!std::is_convertible_v<IdentitySet, FlagSet>);
  static_assert(!std::is_convertible_v<IdentitySet, std::uint8_t>);
  const IdentitySet poor = bit(Identity::registered_poor) | bit(Identity::dibao);
  EXPECT_TRUE(poor.contains(Identity::dibao));
  EXPECT_FALSE(poor.contains(Identity::tekun));
}

TEST(SelfDescribingSettlement, EveryLibraryExceptionHasOneRoot) {
  static_assert(std::is_base_of_v<Error, RuleFileError>);
  static_assert(std::is_base_of_v<Error, UsageError>);
  static_assert(std::is_base_of_v<Error, IoError>);
  EXPECT_THROW((void)Plan::load_string("medsettle: 1\n", "x.yaml"), Error);
}

TEST(Observer, SeesTheStepsTheTraceRecords) {
  struct Kinds final : Observer {
    std::vector<std::string> kinds;
    void on_step(const Step& s) override { kinds.emplace_back(step_name(s.data)); }
  };
  const Plan& plan = Plan::builtin();
  Kinds obs;
  SettleOptions options;
  options.trace = true;
  options.observer = &obs;
  Ledger ledger(plan);
  const Outcome o = settle(plan, base_stay(), ledger, options);
  ASSERT_TRUE(o.settled());
  ASSERT_TRUE(o.settlement().trace);
  std::vector<std::string> traced;
  for (const TraceStep& t : o.settlement().trace->steps) traced.push_back(t.kind);
  EXPECT_EQ(obs.kinds, traced);
  EXPECT_EQ(obs.kinds.front(), "version");
  EXPECT_EQ(obs.kinds.back(), "result");
}

// ---- a ledger written out and read back ---------------------------------------------

TEST(LedgerAsData, WrittenOutAndReadBackSettlesTheSame) {
  const Plan& plan = Plan::builtin();
  Ledger ledger(plan);
  ASSERT_TRUE(settle(plan, base_stay(), ledger).settled());
  std::string json;
  write_ledger_json(json, ledger.snapshot());
  const LedgerSnapshot read = read_ledger_json(json);
  EXPECT_EQ(read, ledger.snapshot());
  Ledger back = Ledger::restore(plan, read);
  Stay s = base_stay();
  s.stay_id = "S2";
  s.admitted = s.discharged = Date::from_ymd(2019, 6, 1);
  const Outcome a = settle(plan, s, ledger), b = settle(plan, s, back);
  ASSERT_TRUE(a.settled() && b.settled());
  std::string ja, jb;
  write_json(ja, a.settlement());
  write_json(jb, b.settlement());
  EXPECT_EQ(ja, jb);
  EXPECT_EQ(ledger.snapshot(), back.snapshot());
}

TEST(LedgerAsData, AReversalReturnsTheLedgerToWhatItWas) {
  const Plan& plan = Plan::builtin();
  Ledger ledger(plan);
  ASSERT_TRUE(settle(plan, base_stay(), ledger).settled());
  const LedgerSnapshot after_first = ledger.snapshot();
  Stay s = base_stay();
  s.stay_id = "S2";
  s.admitted = s.discharged = Date::from_ymd(2019, 6, 1);
  ASSERT_TRUE(settle(plan, s, ledger).settled());
  // S1 is not the last: refused, unchanged.
  const LedgerSnapshot both = ledger.snapshot();
  const Reversal refused = reverse(ledger, "S1");
  ASSERT_TRUE(refused.refused);
  EXPECT_EQ(refused.refused->code, ErrorCode::not_last);
  EXPECT_EQ(ledger.snapshot(), both);
  EXPECT_EQ(reverse(ledger, "S9").refused->code, ErrorCode::unknown_stay);
  // The last one: back to the ledger after S1.
  const Reversal r = reverse(ledger, "S2");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.reversed.size(), 1u);
  EXPECT_EQ(r.reversed[0].stay_id, "S2");
  EXPECT_EQ(ledger.snapshot(), after_first);
  // A cascade from S1 empties it; the year has not started any more.
  const Reversal all = reverse(ledger, "S1", true);
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(ledger.stay_ids().empty());
  EXPECT_FALSE(ledger.year_started(2019));
}
