// settle_batch: processing order, results in input order, duplicate stay
// ids, the cascade of rejections and its exceptions (SEMANTICS.md §8, §10).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "medsettle/engine.hpp"
#include "medsettle/reader.hpp"
#include "medsettle/writer.hpp"

using namespace medsettle;

namespace {

// Three channels, each on its own bucket, so that a stay's place in its
// person-year shows in its settlement:
//   gift      grant 10.00 once a year, on full_selfpay
//   ci        coinsurance per year, D 250, rate 0.5, on pre_selfpay
//   backstop  cap per year, limit 350, on over_limit
//   basic     coinsurance per stay, D 100, rate 0.5, referral continuous, on in_scope
// With F = O = P = 100.00 and S = 1000.00 per stay, the 1st..5th stay of a
// person-year get:
//   gift 10, 0, 0, 0, 0
//   ci deductible applied 100, 100, 50, 0, 0 (acc 0 -> 100 -> 200 -> 300 -> 400 -> 500 against D 250)
//   backstop paid 0, 0, 0, 50, 100 (allowed 350, 250, 150, 50, 0 against B 100)
const std::string kRules = R"(medsettle: 1
id: b
class_b_selfpay: 0.10
versions:
  - from: 2020-03-01
    channels:
      - id: gift
        name: gift
        kind: grant
        fund_pay_type: "610100"
        reports_as: maf_pay
        base: [full_selfpay]
        amount: 10
        once_per: year
      - id: ci
        name: ci
        kind: coinsurance
        fund_pay_type: "390200"
        reports_as: hifmi_pay
        base: [pre_selfpay]
        period: year
        deductible: 250
        rate: 0.5
      - id: backstop
        name: backstop
        kind: cap
        fund_pay_type: "640100"
        reports_as: oth_pay
        base: [over_limit]
        period: year
        limit: 350
      - id: basic
        name: basic
        kind: coinsurance
        fund_pay_type: "390100"
        reports_as: hifp_pay
        base: [in_scope]
        period: stay
        deductible: 100
        rate: 0.5
        referral: continuous
)";

const Plan& plan() {
  static const Plan p = Plan::load_string(kRules, "b.yaml");
  return p;
}

const std::string kBuckets =
    R"("buckets": {"total": "1300.00", "full_selfpay": "100.00", "over_limit": "100.00", "pre_selfpay": "100.00", "in_scope": "1000.00"})";
const std::string kBadBuckets =
    R"("buckets": {"total": "1299.99", "full_selfpay": "100.00", "over_limit": "100.00", "pre_selfpay": "100.00", "in_scope": "1000.00"})";

/// One JSON Lines record. `extra` is added before the buckets (", ..." form).
std::string rec(const std::string& id, const std::string& person, const std::string& admitted,
                const std::string& discharged, const std::string& extra = "", const std::string& buckets = kBuckets) {
  return R"({"stay_id": ")" + id + R"(", "person_id": ")" + person +
         R"(", "age": 40, "hospital_level": "county", "region": "in_county", "admitted": ")" + admitted +
         R"(", "discharged": ")" + discharged + R"(", "diagnoses": ["J18.9"])" + extra + ", " + buckets + "}";
}
/// A stay admitted and discharged on `day`.
std::string on(const std::string& id, const std::string& person, const std::string& day, const std::string& extra = "") {
  return rec(id, person, day, day, extra);
}

std::vector<Outcome> batch(const std::vector<std::string>& lines, unsigned threads = 1) {
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  std::vector<Record> records = read_jsonl(std::string_view(text));
  EXPECT_EQ(records.size(), lines.size());
  BatchOptions o;
  o.threads = threads;
  std::vector<Outcome> out = settle_batch(plan(), std::move(records), o);
  EXPECT_EQ(out.size(), lines.size()) << "every record yields exactly one outcome";
  return out;
}

struct Sig {
  Fen gift, ci_deductible, backstop;
  friend bool operator==(const Sig&, const Sig&) = default;
};
std::ostream& operator<<(std::ostream& os, const Sig& s) {
  return os << "{gift " << format(s.gift) << ", ci deductible " << format(s.ci_deductible) << ", backstop "
            << format(s.backstop) << "}";
}
Sig sig(const Outcome& o) {
  if (!o.settled()) {
    ADD_FAILURE() << "rejected: " << name(o.rejection().code) << " " << o.rejection().message;
    return {};
  }
  const auto& c = o.settlement().channels;
  return {c.at(0).paid, c.at(1).deductible, c.at(2).paid};
}
// The signature of the n-th stay (1-based) of a person-year.
Sig nth(int n) {
  switch (n) {
    case 1: return {Fen(1000), Fen(10000), Fen(0)};
    case 2: return {Fen(0), Fen(10000), Fen(0)};
    case 3: return {Fen(0), Fen(5000), Fen(0)};
    case 4: return {Fen(0), Fen(0), Fen(5000)};
    default: return {Fen(0), Fen(0), Fen(10000)};
  }
}

std::string id_of(const Outcome& o) {
  if (o.settled()) return o.settlement().stay_id;
  return o.rejection().stay_id.value_or("<none>");
}

void expect_rejected(const Outcome& o, ErrorCode code, std::string_view why = "") {
  ASSERT_FALSE(o.settled()) << "settled: " << o.settlement().stay_id << " (" << why << ")";
  EXPECT_EQ(o.rejection().code, code) << name(o.rejection().code) << ": " << o.rejection().message << " (" << why << ")";
}

}  // namespace

TEST(BatchOrder, ProcessingOrderIsDischargedAdmittedStayId) {
  // Processing order: B (03-10, admitted 03-05), A (03-10, admitted 03-07), C (03-20),
  // S10 and S9 (04-01 both; "S10" < "S9" by code point).
  const std::vector<std::string> lines = {
      on("S9", "P1", "2020-04-01"),
      rec("C", "P1", "2020-03-15", "2020-03-20"),
      rec("A", "P1", "2020-03-07", "2020-03-10"),
      on("S10", "P1", "2020-04-01"),
      rec("B", "P1", "2020-03-05", "2020-03-10"),
  };
  auto out = batch(lines);
  // Results come in input order.
  std::vector<std::string> ids;
  for (const auto& o : out) ids.push_back(id_of(o));
  EXPECT_EQ(ids, (std::vector<std::string>{"S9", "C", "A", "S10", "B"}));
  EXPECT_EQ(sig(out[4]), nth(1));  // B
  EXPECT_EQ(sig(out[2]), nth(2));  // A
  EXPECT_EQ(sig(out[1]), nth(3));  // C
  EXPECT_EQ(sig(out[3]), nth(4));  // S10
  EXPECT_EQ(sig(out[0]), nth(5));  // S9
}

TEST(BatchOrder, InputOrderDoesNotChangeAnySettlement) {
  std::vector<std::string> lines = {
      rec("B", "P1", "2020-03-05", "2020-03-10"), rec("A", "P1", "2020-03-07", "2020-03-10"),
      rec("C", "P1", "2020-03-15", "2020-03-20"), rec("D", "P2", "2020-03-15", "2020-03-20"),
      rec("E", "P2", "2020-03-01", "2020-03-20"), on("F", "P1", "2021-01-02"),
  };
  auto render = [](std::vector<Outcome> out) {
    std::map<std::string, std::string> by_id;
    for (const auto& o : out) {
      std::string s;
      write_json(s, o.settlement());
      by_id[o.settlement().stay_id] = s;
    }
    return by_id;
  };
  const auto first = render(batch(lines));
  std::sort(lines.begin(), lines.end());
  do {
    EXPECT_EQ(render(batch(lines)), first);
  } while (std::next_permutation(lines.begin(), lines.end()));  // all 720 input orders
  std::reverse(lines.begin(), lines.end());
  EXPECT_EQ(render(batch(lines, 4)), first);
  // Persons are independent: E (admitted earlier) is P2's first stay.
  auto out = batch(lines);
  for (const auto& o : out) {
    if (o.settlement().stay_id == "E") EXPECT_EQ(sig(o), nth(1));
    if (o.settlement().stay_id == "D") EXPECT_EQ(sig(o), nth(2));
    if (o.settlement().stay_id == "F") EXPECT_EQ(sig(o), nth(1));  // a new year
  }
}

TEST(BatchDuplicates, TheFirstInInputOrderStands) {
  const std::vector<std::string> lines = {
      on("S1", "P1", "2020-05-01"),
      on("S1", "P1", "2020-04-01"),  // a later copy, although earlier in processing order
      on("S2", "P1", "2020-06-01"),
  };
  auto out = batch(lines);
  // S1 (line 1) settles as the first stay of the year: the copy counts as no stay at all.
  EXPECT_EQ(sig(out[0]), nth(1));
  expect_rejected(out[1], ErrorCode::duplicate_stay_id);
  EXPECT_EQ(out[1].rejection().line, 2u);
  EXPECT_EQ(out[1].rejection().stay_id, std::optional<std::string>("S1"));
  EXPECT_EQ(out[1].rejection().field, "stay_id");
  // The copy does not cascade: S2 settles as the second stay.
  EXPECT_EQ(sig(out[2]), nth(2));
}

TEST(BatchDuplicates, ACopyDoesNotCountForPrior) {
  const std::vector<std::string> lines = {
      on("S1", "P1", "2020-05-01", R"(, "prior": {"ci": {"accumulated": "250.00"}})"),
      on("S1", "P1", "2020-04-01"),
  };
  auto out = batch(lines);
  // The prior is on the first stay of the year (the copy is no stay): allowed.
  // ci: acc 250 -> 350: G(350) − G(250) = 0.5 × 100 = 50.00, deductible applied 0.
  ASSERT_TRUE(out[0].settled()) << out[0].rejection().message;
  EXPECT_EQ(out[0].settlement().channels[1].paid, Fen(5000));
  EXPECT_EQ(out[0].settlement().channels[1].deductible, Fen(0));
  expect_rejected(out[1], ErrorCode::duplicate_stay_id);
}

TEST(BatchDuplicates, ACopyDoesNotCountForReferrals) {
  const std::vector<std::string> lines = {
      on("S1", "P1", "2020-05-01"),
      on("S1", "P2", "2020-04-01"),                                   // a copy, of another person
      on("X2", "P2", "2020-06-01", R"(, "referred_from": "S1")"),     // P2 has no stay S1
      on("X3", "P1", "2020-06-01", R"(, "referred_from": "S1")"),     // P1 has
  };
  auto out = batch(lines);
  EXPECT_TRUE(out[0].settled());
  expect_rejected(out[1], ErrorCode::duplicate_stay_id);
  expect_rejected(out[2], ErrorCode::bad_referral);
  EXPECT_EQ(out[2].rejection().field, "referred_from");
  ASSERT_TRUE(out[3].settled());
  // basic at S1: deductible applied 100 (B 1000 ≥ D 100); at X3: D_eff = max(0, 100 − 100) = 0:
  // 0.5 × 1000 = 500.00
  EXPECT_EQ(out[3].settlement().channels[3].deductible, Fen(0));
  EXPECT_EQ(out[3].settlement().channels[3].paid, Fen(50000));
}

TEST(BatchDuplicates, ACopyDoesNotCascade) {
  const std::vector<std::string> lines = {
      on("S1", "P1", "2020-03-05"),
      rec("S1", "P1", "2020-03-05", "2020-03-06", "", kBadBuckets),  // a copy and broken besides
      on("S2", "P1", "2020-06-01"),
  };
  auto out = batch(lines);
  EXPECT_EQ(sig(out[0]), nth(1));
  expect_rejected(out[1], ErrorCode::duplicate_stay_id);
  EXPECT_EQ(sig(out[2]), nth(2));
}

TEST(BatchCascade, ARejectedStayRejectsLaterStaysOfTheSamePersonYear) {
  const std::vector<std::string> lines = {
      on("R3", "P1", "2020-06-01"),
      on("R5", "P2", "2020-06-01"),
      on("R4", "P1", "2021-02-01"),
      rec("R2", "P1", "2020-05-01", "2020-05-01", "", kBadBuckets),
      on("R1", "P1", "2020-04-01"),
      on("R6", "P1", "2020-07-01"),
  };
  auto out = batch(lines);
  // R1 comes before R2 in processing order: settled, the year's first stay.
  EXPECT_EQ(sig(out[4]), nth(1));
  // R2: its own error.
  expect_rejected(out[3], ErrorCode::buckets_mismatch);
  EXPECT_EQ(out[3].rejection().line, 4u);
  // R3 and R6: later in the same person-year: earlier_rejected, naming R2.
  expect_rejected(out[0], ErrorCode::earlier_rejected);
  EXPECT_NE(out[0].rejection().message.find("R2"), std::string::npos) << out[0].rejection().message;
  EXPECT_EQ(out[0].rejection().stay_id, std::optional<std::string>("R3"));
  EXPECT_EQ(out[0].rejection().line, 1u);
  expect_rejected(out[5], ErrorCode::earlier_rejected);
  EXPECT_NE(out[5].rejection().message.find("R2"), std::string::npos) << out[5].rejection().message;
  // Another year of the same person, and another person: untouched.
  EXPECT_EQ(sig(out[2]), nth(1));
  EXPECT_EQ(sig(out[1]), nth(1));
}

TEST(BatchCascade, AnEngineRejectionCascadesToo) {
  const std::vector<std::string> lines = {
      on("R1", "P1", "2020-04-01"),
      on("R2", "P1", "2020-05-01", R"(, "referred_from": "NOPE")"),
      on("R3", "P1", "2020-06-01"),
      on("R4", "P1", "2020-07-01", R"(, "prior": {})"),  // prior after R1: its own error anyway
  };
  auto out = batch(lines);
  EXPECT_EQ(sig(out[0]), nth(1));
  expect_rejected(out[1], ErrorCode::bad_referral);
  expect_rejected(out[2], ErrorCode::earlier_rejected);
  EXPECT_NE(out[2].rejection().message.find("R2"), std::string::npos) << out[2].rejection().message;
  expect_rejected(out[3], ErrorCode::bad_prior);
}

TEST(BatchCascade, ALaterStaysOwnErrorIsReportedInstead) {
  const std::vector<std::string> lines = {
      on("R0", "P1", "2020-03-01"),
      rec("R1", "P1", "2020-04-01", "2020-04-01", "", kBadBuckets),
      on("R2", "P1", "2020-05-01", R"(, "referred_from": "R1")"),   // R1 was never settled
      on("R3", "P1", "2020-06-01", R"(, "prior": {})"),              // not the first stay of the year
      on("R4", "P1", "2020-07-01", R"(, "referred_from": "R0")"),   // a good referral: the cascade
      on("R5", "P1", "2020-08-01", R"(, "referred_from": "R9")"),   // R9 comes later
      on("R9", "P1", "2020-09-01"),
      rec("R10", "P1", "2020-10-01", "2020-10-01", "", kBadBuckets),  // its own reading error
  };
  auto out = batch(lines);
  expect_rejected(out[7], ErrorCode::buckets_mismatch, "R10");
  EXPECT_EQ(sig(out[0]), nth(1));
  expect_rejected(out[1], ErrorCode::buckets_mismatch);
  expect_rejected(out[2], ErrorCode::bad_referral, "R2");
  expect_rejected(out[3], ErrorCode::bad_prior, "R3");
  expect_rejected(out[4], ErrorCode::earlier_rejected, "R4");
  expect_rejected(out[5], ErrorCode::bad_referral, "R5");
  expect_rejected(out[6], ErrorCode::earlier_rejected, "R9");
}

TEST(BatchCascade, AFirstStayWithAPriorAfterARejectionIsItsOwnError) {
  // The rejected R1 had a version in force: it belongs to the year, so the
  // prior of R2 is not on the first stay.
  const std::vector<std::string> lines = {
      rec("R1", "P1", "2020-04-01", "2020-04-01", "", kBadBuckets),
      on("R2", "P1", "2020-05-01", R"(, "prior": {"ci": {"paid": "1.00"}})"),
  };
  auto out = batch(lines);
  expect_rejected(out[0], ErrorCode::buckets_mismatch);
  expect_rejected(out[1], ErrorCode::bad_prior);
}

TEST(BatchCascade, NoVersionNeverCascades) {
  // The rule set starts on 2020-03-01.
  const std::vector<std::string> lines = {
      on("N2", "P1", "2020-04-01", R"(, "prior": {"ci": {"accumulated": "250.00"}})"),
      on("N1", "P1", "2020-02-10"),
      rec("N0", "P1", "2020-02-15", "2020-02-15", "", kBadBuckets),  // broken, and out of the rule set's dates
      on("N3", "P1", "2020-05-01"),
  };
  auto out = batch(lines);
  expect_rejected(out[1], ErrorCode::no_version);
  EXPECT_EQ(out[1].rejection().field, "discharged");
  expect_rejected(out[2], ErrorCode::buckets_mismatch);
  // N2 is the first stay of the year with a version in force: its prior is allowed.
  ASSERT_TRUE(out[0].settled()) << out[0].rejection().message;
  // gift 10 (first), ci: acc 250 -> 350: 50.00, deductible applied 0
  EXPECT_EQ(out[0].settlement().channels[0].paid, Fen(1000));
  EXPECT_EQ(out[0].settlement().channels[1].paid, Fen(5000));
  EXPECT_EQ(out[0].settlement().channels[1].deductible, Fen(0));
  // N3: settled as the second stay.
  ASSERT_TRUE(out[3].settled()) << out[3].rejection().message;
  EXPECT_EQ(out[3].settlement().channels[0].paid, Fen(0));
}

TEST(BatchCascade, NotJsonNeverCascades) {
  const std::vector<std::string> lines = {
      on("R1", "P1", "2020-04-01"),
      R"({"stay_id": "R2", "person_id": "P1", "discharged": "2020-05-01",)",  // cut off
      on("R3", "P1", "2020-06-01"),
  };
  auto out = batch(lines);
  EXPECT_EQ(sig(out[0]), nth(1));
  expect_rejected(out[1], ErrorCode::not_json);
  EXPECT_EQ(out[1].rejection().line, 2u);
  EXPECT_EQ(sig(out[2]), nth(2));
}

TEST(BatchCascade, AnUnplaceableRecordNeverCascades) {
  const std::vector<std::string> lines = {
      on("R1", "P1", "2020-04-01"),
      // no person_id
      R"({"stay_id": "R2", "age": 40, "hospital_level": "county", "region": "in_county", "admitted": "2020-05-01", "discharged": "2020-05-01", "diagnoses": ["J18"], )" +
          kBuckets + "}",
      // a discharge date that is not a date
      rec("R3", "P1", "2020-05-01", "2020-05-32"),
      on("R4", "P1", "2020-06-01"),
  };
  auto out = batch(lines);
  EXPECT_EQ(sig(out[0]), nth(1));
  expect_rejected(out[1], ErrorCode::missing_field);
  expect_rejected(out[2], ErrorCode::bad_date);
  EXPECT_EQ(sig(out[3]), nth(2));
}

TEST(BatchCascade, AnEarlierRejectionInProcessingOrderOnly) {
  // The rejected record is placed by its raw dates: a stay discharged the
  // same day but admitted earlier comes before it and is not rejected.
  const std::vector<std::string> lines = {
      rec("R2", "P1", "2020-05-01", "2020-05-10", "", kBadBuckets),
      rec("R1", "P1", "2020-04-20", "2020-05-10"),
      rec("R3", "P1", "2020-05-02", "2020-05-10"),
  };
  auto out = batch(lines);
  expect_rejected(out[0], ErrorCode::buckets_mismatch);
  EXPECT_EQ(sig(out[1]), nth(1));
  expect_rejected(out[2], ErrorCode::earlier_rejected);
}

TEST(BatchCounts, EveryRecordYieldsExactlyOneOutcome) {
  const std::vector<std::string> lines = {
      on("A1", "P1", "2020-04-01"),
      "not json at all",
      on("A1", "P1", "2020-04-02"),
      rec("A2", "P1", "2020-04-03", "2020-04-03", "", kBadBuckets),
      on("A3", "P1", "2020-04-04"),
      on("A4", "P2", "2019-04-04"),
      on("A5", "P2", "2020-04-04", R"(, "referred_from": "A4")"),
      on("A6", "P3", "2020-04-04"),
      "{}",
      "[]",
  };
  for (unsigned threads : {1u, 2u, 4u, 16u}) {
    auto out = batch(lines, threads);
    ASSERT_EQ(out.size(), lines.size());
    std::vector<std::string> codes;
    for (std::size_t i = 0; i < out.size(); ++i) {
      const Outcome& o = out[i];
      // The last two are not stays; which reader error they get is the reader's business.
      codes.push_back(o.settled() ? "settled" : i >= 8 ? "rejected" : std::string(name(o.rejection().code)));
    }
    EXPECT_EQ(codes, (std::vector<std::string>{"settled", "not_json", "duplicate_stay_id", "buckets_mismatch",
                                               "earlier_rejected", "no_version", "bad_referral", "settled",
                                               "rejected", "rejected"}))
        << "threads " << threads;
    // Rejections keep their physical line numbers.
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (!out[i].settled()) EXPECT_EQ(out[i].rejection().line, i + 1);
    }
  }
}

TEST(BatchCounts, AnEmptyBatch) {
  EXPECT_TRUE(settle_batch(plan(), {}).empty());
  BatchOptions o;
  o.threads = 8;
  EXPECT_TRUE(settle_batch(plan(), {}, o).empty());
}

// ---- records built by a library caller -------------------------------------------------------------------------
//
// settle_batch is public API: a caller may build Records from Stays it has
// validated itself, without the reader's raw texts (`admitted_text`,
// `discharged_text`, `discharged_date`, `has_stay_id`, `has_person_id` are
// documented as what could be read of a *rejected* record). SEMANTICS.md §8
// and §10 still apply to such a batch.

namespace {
Record hand(const std::string& id, const std::string& person, Date admitted, Date discharged, std::uint64_t line) {
  Record r;
  r.line = line;
  Stay& s = r.stay;
  s.stay_id = id;
  s.person_id = person;
  s.age = 40;
  s.hospital_level = HospitalLevel::county;
  s.region = Region::in_county;
  s.admitted = admitted;
  s.discharged = discharged;
  s.diagnoses = {"J18.9"};
  s.buckets = Buckets{Fen(130'000), Fen(10'000), Fen(10'000), Fen(10'000), Fen(100'000)};
  return r;
}
Date d(int y, unsigned m, unsigned dd) { return Date::from_ymd(y, m, dd); }
}  // namespace

TEST(BatchLibrary, HandBuiltRecordsAreSettledInProcessingOrder) {
  // Processing order: B (03-10, admitted 03-05), C (03-10, admitted 03-07), A (03-20):
  // not the stay_id order A, B, C.
  std::vector<Record> records;
  records.push_back(hand("A", "P1", d(2020, 3, 15), d(2020, 3, 20), 1));
  records.push_back(hand("C", "P1", d(2020, 3, 7), d(2020, 3, 10), 2));
  records.push_back(hand("B", "P1", d(2020, 3, 5), d(2020, 3, 10), 3));
  auto out = settle_batch(plan(), std::move(records));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(sig(out[2]), nth(1)) << "B is the first stay of the year";
  EXPECT_EQ(sig(out[1]), nth(2)) << "C is the second";
  EXPECT_EQ(sig(out[0]), nth(3)) << "A is the third";
}

TEST(BatchLibrary, HandBuiltDuplicatesAreRejected) {
  std::vector<Record> records;
  records.push_back(hand("S1", "P1", d(2020, 4, 1), d(2020, 4, 1), 1));
  records.push_back(hand("S1", "P1", d(2020, 5, 1), d(2020, 5, 1), 2));
  auto out = settle_batch(plan(), std::move(records));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(sig(out[0]), nth(1));
  expect_rejected(out[1], ErrorCode::duplicate_stay_id);
}

TEST(BatchLibrary, HandBuiltRejectionsCascade) {
  std::vector<Record> records;
  records.push_back(hand("R1", "P1", d(2020, 4, 1), d(2020, 4, 1), 1));
  records.push_back(hand("R2", "P1", d(2020, 5, 1), d(2020, 5, 1), 2));
  records.back().stay.referred_from = "NOPE";
  records.push_back(hand("R3", "P1", d(2020, 6, 1), d(2020, 6, 1), 3));
  auto out = settle_batch(plan(), std::move(records));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(sig(out[0]), nth(1));
  expect_rejected(out[1], ErrorCode::bad_referral);
  expect_rejected(out[2], ErrorCode::earlier_rejected);
}
