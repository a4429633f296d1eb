// The JSON Lines stay reader (SEMANTICS.md §1, §2, §10; INTERCHANGE.md).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "medsettle/reader.hpp"

using namespace medsettle;

namespace {

// A JSON object built from (key, raw JSON value) pairs, in order, so a test
// can change, drop or repeat one field of an otherwise valid stay.
struct Obj {
  std::vector<std::pair<std::string, std::string>> kv;

  Obj& set(const std::string& key, const std::string& raw) {
    for (auto& [k, v] : kv) {
      if (k == key) { v = raw; return *this; }
    }
    kv.emplace_back(key, raw);
    return *this;
  }
  Obj& drop(const std::string& key) {
    std::erase_if(kv, [&](const auto& p) { return p.first == key; });
    return *this;
  }
  Obj& add(const std::string& key, const std::string& raw) {  // even if already there
    kv.emplace_back(key, raw);
    return *this;
  }
  [[nodiscard]] std::string str() const {
    std::string s = "{";
    for (const auto& [k, v] : kv) {
      if (s.size() > 1) s += ", ";
      s += '"' + k + "\": " + v;
    }
    return s + "}";
  }
};

// The fee lines of the INTERCHANGE.md example.
const std::string kFeeA = R"({"category": "A", "amount": "8123.40"})";
const std::string kFeeB = R"({"category": "B", "amount": "3000.00", "selfpay_ratio": "0.10"})";
const std::string kFeeBOver = R"({"category": "B", "amount": "500.00", "over_limit": "120.00"})";
const std::string kFeeC = R"({"category": "C", "amount": "800.00"})";

std::string fees(const std::vector<std::string>& lines) {
  std::string s = "[";
  for (const auto& l : lines) s += (s.size() > 1 ? ", " : "") + l;
  return s + "]";
}
// The example's fee list with its third line (fees[2]) replaced.
std::string fees_third(const std::string& third) { return fees({kFeeA, kFeeB, third, kFeeC}); }

// The stay of INTERCHANGE.md: valid.
Obj stay() {
  Obj o;
  o.set("stay_id", R"("S-0001")")
      .set("person_id", R"("P-17")")
      .set("identities", R"(["registered_poor", "dibao"])")
      .set("age", "56")
      .set("hospital_level", R"("county")")
      .set("region", R"("in_county")")
      .set("admitted", R"("2019-03-02")")
      .set("discharged", R"("2019-03-12")")
      .set("diagnoses", R"(["C16.9"])")
      .set("flags", R"(["first_diagnosis"])")
      .set("fees", fees({kFeeA, kFeeB, kFeeBOver, kFeeC}));
  return o;
}

const std::string kBuckets =
    R"({"total": "1000.00", "full_selfpay": "100.00", "over_limit": "50.00", "pre_selfpay": "25.00", "in_scope": "825.00"})";

// A stay in bucket form: valid.
Obj bucket_stay() {
  Obj o = stay();
  o.drop("fees").set("buckets", kBuckets);
  return o;
}

Record read(const std::string& text, std::uint64_t line = 1, ReadLimits limits = {}) {
  JsonStayReader reader(limits);
  return reader.read(text, line);
}
Record read(const Obj& o, std::uint64_t line = 1) { return read(o.str(), line); }

// A record rejected with exactly this code, field and line (and nothing settled).
::testing::AssertionResult Rejected(const Record& r, ErrorCode code, std::string_view field, std::uint64_t line) {
  if (!r.rejection) return ::testing::AssertionFailure() << "record was not rejected";
  const Rejection& j = *r.rejection;
  if (j.code != code || j.field != field || j.line != line || r.line != line) {
    return ::testing::AssertionFailure() << "rejected with " << name(j.code) << " field '" << j.field << "' line "
                                         << j.line << " (record line " << r.line << "), message: " << j.message
                                         << "; expected " << name(code) << " field '" << field << "' line " << line;
  }
  if (j.message.empty()) return ::testing::AssertionFailure() << "rejection without a message";
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Accepted(const Record& r) {
  if (r.rejection) {
    return ::testing::AssertionFailure() << "rejected: " << name(r.rejection->code) << " field '"
                                         << r.rejection->field << "': " << r.rejection->message;
  }
  return ::testing::AssertionSuccess();
}

std::vector<std::pair<std::string, std::uint64_t>> split_lines(const std::string& input,
                                                               std::size_t max = ReadLimits{}.max_record_bytes) {
  std::istringstream in(input);
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for_each_json_line(
      in, [&](std::string_view text, std::uint64_t line) { out.emplace_back(std::string(text), line); }, max);
  return out;
}

using Lines = std::vector<std::pair<std::string, std::uint64_t>>;

}  // namespace

// ---- a full valid stay ------------------------------------------------------

TEST(JsonRead, FullValidStayEveryField) {
  // Every field of SEMANTICS.md §2 given, amounts as strings and as numbers.
  const std::string text =
      R"({"stay_id": "S-0001", "person_id": "P-17", "identities": ["registered_poor", "dibao", "marginal"],)"
      R"( "category": "II", "age": 56, "insurance": "employee", "hospital_level": "city", "region": "in_province",)"
      R"( "admitted": "2019-03-02", "discharged": "2019-03-12", "diagnoses": ["C16.9", "i10"],)"
      R"( "flags": ["first_diagnosis", "tcm_clinic"], "referred_from": "S-0000",)"
      R"( "fees": [{"category": "A", "amount": "8123.40", "code": "X1", "name": "药品"},)"
      R"( {"category": "B", "amount": 1848.83, "selfpay_ratio": "0.0525"},)"
      R"( {"category": "B", "amount": "500.00", "over_limit": "120.00", "selfpay_ratio": 1},)"
      R"( {"category": "C", "amount": 800, "over_limit": 0.5}],)"
      R"( "prior": {"critical_illness": {"accumulated": "23000.00", "paid": 5500.5, "grants": 2}, "basic": {}}})";
  Record r = read(text, 7);
  ASSERT_TRUE(Accepted(r));
  EXPECT_EQ(r.line, 7u);
  const Stay& s = r.stay;
  EXPECT_EQ(s.stay_id, "S-0001");
  EXPECT_EQ(s.person_id, "P-17");
  EXPECT_EQ(s.identities, bit(Identity::registered_poor) | bit(Identity::dibao) | bit(Identity::marginal));
  EXPECT_TRUE(s.holds(Identity::dibao));
  EXPECT_FALSE(s.holds(Identity::tekun));
  EXPECT_EQ(s.category, Category::II);
  EXPECT_EQ(s.age, 56);
  EXPECT_EQ(s.insurance, Insurance::employee);
  EXPECT_EQ(s.hospital_level, HospitalLevel::city);
  EXPECT_EQ(s.region, Region::in_province);
  EXPECT_EQ(s.admitted, Date::from_ymd(2019, 3, 2));
  EXPECT_EQ(s.discharged, Date::from_ymd(2019, 3, 12));
  EXPECT_EQ(s.diagnoses, (std::vector<std::string>{"C16.9", "i10"}));  // kept as written
  EXPECT_EQ(s.flags, bit(Flag::first_diagnosis) | bit(Flag::tcm_clinic));
  EXPECT_FALSE(s.has(Flag::transplant));
  ASSERT_TRUE(s.referred_from.has_value());
  EXPECT_EQ(*s.referred_from, "S-0000");
  EXPECT_FALSE(s.buckets.has_value());

  ASSERT_EQ(s.fees.size(), 4u);
  EXPECT_EQ(s.fees[0].category, FeeCategory::A);
  EXPECT_EQ(s.fees[0].amount, Fen(812340));  // "8123.40"
  EXPECT_EQ(s.fees[0].over_limit, Fen(0));   // absent: 0
  EXPECT_FALSE(s.fees[0].selfpay_ratio.has_value());
  EXPECT_EQ(s.fees[0].code, "X1");
  EXPECT_EQ(s.fees[0].name, "药品");
  EXPECT_EQ(s.fees[1].category, FeeCategory::B);
  EXPECT_EQ(s.fees[1].amount, Fen(184883));  // number 1848.83, read from its text, not a double
  EXPECT_EQ(s.fees[1].selfpay_ratio, Rate(525));
  EXPECT_EQ(s.fees[2].amount, Fen(50000));
  EXPECT_EQ(s.fees[2].over_limit, Fen(12000));
  EXPECT_EQ(s.fees[2].selfpay_ratio, Rate(10000));  // number 1
  EXPECT_EQ(s.fees[3].category, FeeCategory::C);
  EXPECT_EQ(s.fees[3].amount, Fen(80000));     // integer 800
  EXPECT_EQ(s.fees[3].over_limit, Fen(50));    // number 0.5

  ASSERT_TRUE(s.prior.has_value());
  ASSERT_EQ(s.prior->size(), 2u);
  EXPECT_EQ((*s.prior)[0].channel, "critical_illness");
  EXPECT_EQ((*s.prior)[0].accumulated, Fen(2300000));
  EXPECT_EQ((*s.prior)[0].paid, Fen(550050));
  EXPECT_EQ((*s.prior)[0].grants, 2);
  EXPECT_EQ((*s.prior)[1].channel, "basic");  // {}: all figures 0
  EXPECT_EQ((*s.prior)[1].accumulated, Fen(0));
  EXPECT_EQ((*s.prior)[1].paid, Fen(0));
  EXPECT_EQ((*s.prior)[1].grants, 0);

  EXPECT_TRUE(r.has_stay_id);
  EXPECT_TRUE(r.has_person_id);
  EXPECT_EQ(r.admitted_text, "2019-03-02");
  EXPECT_EQ(r.discharged_text, "2019-03-12");
  EXPECT_EQ(r.discharged_date, Date::from_ymd(2019, 3, 12));
}

TEST(JsonRead, InterchangeExampleAndDefaults) {
  // The INTERCHANGE.md example: no category, insurance, referral or prior.
  Record r = read(stay());
  ASSERT_TRUE(Accepted(r));
  EXPECT_EQ(r.stay.category, Category::none);
  EXPECT_EQ(r.stay.insurance, Insurance::resident);  // the default
  EXPECT_FALSE(r.stay.referred_from.has_value());
  EXPECT_FALSE(r.stay.prior.has_value());  // absent, not empty
  ASSERT_EQ(r.stay.fees.size(), 4u);
  EXPECT_EQ(r.stay.fees[1].selfpay_ratio, Rate(1000));  // "0.10"
  EXPECT_EQ(r.stay.fees[2].over_limit, Fen(12000));
}

TEST(JsonRead, BucketForm) {
  Record r = read(bucket_stay());
  ASSERT_TRUE(Accepted(r));
  ASSERT_TRUE(r.stay.buckets.has_value());
  EXPECT_EQ(r.stay.buckets->total, Fen(100000));
  EXPECT_EQ(r.stay.buckets->full_selfpay, Fen(10000));
  EXPECT_EQ(r.stay.buckets->over_limit, Fen(5000));
  EXPECT_EQ(r.stay.buckets->pre_selfpay, Fen(2500));
  EXPECT_EQ(r.stay.buckets->in_scope, Fen(82500));
  EXPECT_TRUE(r.stay.fees.empty());
}

TEST(JsonRead, EmptyListsAndEmptyPrior) {
  // fees: [] is a stay of total 0; identities and flags may be empty; prior: {} still counts.
  Record r = read(stay().set("fees", "[]").set("identities", "[]").set("flags", "[]").set("prior", "{}"));
  ASSERT_TRUE(Accepted(r));
  EXPECT_TRUE(r.stay.fees.empty());
  EXPECT_EQ(r.stay.identities, 0);
  EXPECT_EQ(r.stay.flags, 0);
  ASSERT_TRUE(r.stay.prior.has_value());
  EXPECT_TRUE(r.stay.prior->empty());
}

TEST(JsonRead, AmountsExactInFen) {
  // Amounts as JSON numbers and strings: read from their text, exact.
  const std::vector<std::pair<std::string, std::int64_t>> cases = {
      {"0", 0},           {R"("0")", 0},          {"0.01", 1},           {R"("0.1")", 10},
      {"1234.5", 123450}, {R"("1234.50")", 123450}, {"1848.83", 184883}, {R"("8123.40")", 812340},
      {"0.29", 29},       {"1000000000000", 100'000'000'000'000}, {R"("999999999999.99")", 99'999'999'999'999},
  };
  for (const auto& [raw, fen] : cases) {
    Record r = read(stay().set("fees", fees({R"({"category": "A", "amount": )" + raw + "}"})));
    ASSERT_TRUE(Accepted(r)) << raw;
    ASSERT_EQ(r.stay.fees.size(), 1u);
    EXPECT_EQ(r.stay.fees[0].amount, Fen(fen)) << raw;
  }
}

TEST(JsonRead, AgeBounds) {
  // age is an integer 0..150.
  EXPECT_EQ(read(stay().set("age", "0")).stay.age, 0);
  EXPECT_EQ(read(stay().set("age", "150")).stay.age, 150);
  EXPECT_TRUE(Rejected(read(stay().set("age", "151")), ErrorCode::bad_value, "age", 1));
  EXPECT_TRUE(Rejected(read(stay().set("age", "-1")), ErrorCode::bad_value, "age", 1));
}

TEST(JsonRead, LeapDayAndSameDayStay) {
  Record r = read(stay().set("admitted", R"("2020-02-29")").set("discharged", R"("2020-02-29")"));
  ASSERT_TRUE(Accepted(r));  // admitted == discharged is fine
  EXPECT_EQ(r.stay.admitted, Date::from_ymd(2020, 2, 29));
}

TEST(JsonRead, EscapedStringsAndWhitespace) {
  // JSON escapes are decoded; whitespace between tokens is free.
  Record r = read(std::string(" \t") + R"({ "stay_id" : "S\u002d1" ,"person_id":"P\"1", "age":56,)"
                  R"("hospital_level":"county","region":"in_county","admitted":"2019-03-02",)"
                  R"("discharged":"2019-03-12","diagnoses":["C16.9"],"fees":[ ] } )" "\t");
  ASSERT_TRUE(Accepted(r));
  EXPECT_EQ(r.stay.stay_id, "S-1");
  EXPECT_EQ(r.stay.person_id, "P\"1");
}

TEST(JsonRead, ReaderIsReusable) {
  // One reader, many records: nothing leaks from one record into the next.
  JsonStayReader reader;
  Record a = reader.read(stay().set("flags", R"(["transplant"])").set("prior", "{}").str(), 1);
  Record b = reader.read("{", 2);
  Record c = reader.read(stay().set("stay_id", R"("S-2")").str(), 3);
  ASSERT_TRUE(Accepted(a));
  EXPECT_TRUE(Rejected(b, ErrorCode::not_json, "", 2));
  ASSERT_TRUE(Accepted(c));
  EXPECT_EQ(c.stay.stay_id, "S-2");
  EXPECT_EQ(c.stay.flags, bit(Flag::first_diagnosis));
  EXPECT_FALSE(c.stay.prior.has_value());
  EXPECT_EQ(c.stay.fees.size(), 4u);
}

// ---- null counts as absent --------------------------------------------------

TEST(JsonNull, OptionalFieldsNullAreAbsent) {
  Obj o = stay()
              .set("identities", "null")
              .set("category", "null")
              .set("insurance", "null")
              .set("flags", "null")
              .set("referred_from", "null")
              .set("prior", "null")
              .set("buckets", "null")
              .set("fees", fees({R"({"category": "B", "amount": "10.00", "over_limit": null, "selfpay_ratio": null,)"
                                 R"( "code": null, "name": null})"}));
  Record r = read(o);
  ASSERT_TRUE(Accepted(r));
  EXPECT_EQ(r.stay.identities, 0);
  EXPECT_EQ(r.stay.category, Category::none);
  EXPECT_EQ(r.stay.insurance, Insurance::resident);
  EXPECT_EQ(r.stay.flags, 0);
  EXPECT_FALSE(r.stay.referred_from.has_value());
  EXPECT_FALSE(r.stay.prior.has_value());
  EXPECT_FALSE(r.stay.buckets.has_value());
  ASSERT_EQ(r.stay.fees.size(), 1u);
  EXPECT_EQ(r.stay.fees[0].over_limit, Fen(0));
  EXPECT_FALSE(r.stay.fees[0].selfpay_ratio.has_value());
}

TEST(JsonNull, FeesNullWithBuckets) {
  // fees null is absent, so the stay has only buckets.
  Record r = read(bucket_stay().set("fees", "null"));
  ASSERT_TRUE(Accepted(r));
  EXPECT_TRUE(r.stay.buckets.has_value());
}

TEST(JsonNull, NullInsidePrior) {
  // A null channel is an absent channel; a null figure is 0.
  Record r = read(stay().set("prior", R"({"basic": null, "critical_illness": {"accumulated": null, "paid": "1.00", "grants": null}})"));
  ASSERT_TRUE(Accepted(r));
  ASSERT_TRUE(r.stay.prior.has_value());
  ASSERT_EQ(r.stay.prior->size(), 1u);
  EXPECT_EQ((*r.stay.prior)[0].channel, "critical_illness");
  EXPECT_EQ((*r.stay.prior)[0].accumulated, Fen(0));
  EXPECT_EQ((*r.stay.prior)[0].paid, Fen(100));
  EXPECT_EQ((*r.stay.prior)[0].grants, 0);
}

TEST(JsonNull, RequiredFieldNullIsMissing) {
  // funing line 24 / linxian line 9: "hospital_level": null.
  for (const char* key : {"stay_id", "person_id", "age", "hospital_level", "region", "admitted", "discharged",
                          "diagnoses"}) {
    EXPECT_TRUE(Rejected(read(stay().set(key, "null"), 24), ErrorCode::missing_field, key, 24)) << key;
  }
  // fees null and no buckets: neither is given.
  EXPECT_TRUE(Rejected(read(stay().set("fees", "null")), ErrorCode::missing_field, "fees", 1));
  // A fee line's category or amount null.
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"({"category": null, "amount": "1.00"})"))),
                       ErrorCode::missing_field, "fees[2].category", 1));
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"({"category": "A", "amount": null})"))),
                       ErrorCode::missing_field, "fees[2].amount", 1));
  // A bucket null.
  EXPECT_TRUE(Rejected(
      read(bucket_stay().set("buckets", R"({"total": "0.00", "full_selfpay": "0.00", "over_limit": null,)"
                                        R"( "pre_selfpay": "0.00", "in_scope": "0.00"})")),
      ErrorCode::missing_field, "buckets.over_limit", 1));
}

// ---- not_json ----------------------------------------------------------------

TEST(JsonNotJson, TruncatedLine) {
  // A line cut in half (hunan line 25): not JSON, and nothing of it is used.
  // An inner object closed but not the outer one.
  std::string inner = stay().set("prior", "{}").str();
  EXPECT_TRUE(Rejected(read(inner.substr(0, inner.size() - 1), 25), ErrorCode::not_json, "", 25));
  std::string full = stay().str();
  for (std::size_t cut : {std::size_t{1}, std::size_t{20}, full.size() / 2, full.size() - 1}) {
    Record r = read(full.substr(0, cut), 25);
    EXPECT_TRUE(Rejected(r, ErrorCode::not_json, "", 25)) << cut;
    EXPECT_FALSE(r.rejection && r.rejection->stay_id.has_value());
    EXPECT_FALSE(r.has_stay_id);
    EXPECT_FALSE(r.has_person_id);
    EXPECT_FALSE(r.discharged_date.has_value());
  }
}

TEST(JsonNotJson, TrailingGarbage) {
  const std::string ok = stay().str();
  for (const std::string& tail : {std::string(" x"), std::string("}"), std::string(","), std::string(" {}"),
                                  std::string(" 1"), std::string("]"), std::string(" null")}) {
    EXPECT_TRUE(Rejected(read(ok + tail, 3), ErrorCode::not_json, "", 3)) << tail;
  }
  EXPECT_TRUE(Accepted(read(ok + "  \t")));  // trailing whitespace is fine
}

TEST(JsonNotJson, InvalidUtf8) {
  EXPECT_TRUE(Rejected(read(stay().set("person_id", "\"P\xff\xfe\"")), ErrorCode::not_json, "", 1));
  EXPECT_TRUE(Rejected(read(stay().set("diagnoses", "[\"C16.9\xc3\"]")), ErrorCode::not_json, "", 1));
  // Inside an unknown value too: the whole line must be UTF-8.
  EXPECT_TRUE(Rejected(read(stay().set("x", "\"\xed\xa0\x80\"")), ErrorCode::not_json, "", 1));
}

TEST(JsonNotJson, BareWordsAndBrokenSyntax) {
  for (const std::string& text :
       {std::string("hello"), std::string(""), std::string("   "), std::string("{"), std::string("{\"stay_id\"}"),
        std::string(R"({"stay_id": "S1",})"), std::string(R"({"stay_id" "S1"})"), std::string(R"({stay_id: "S1"})"),
        std::string(R"({'stay_id': 'S1'})"), std::string(R"({"stay_id": "S1"} {"stay_id": "S2"})")}) {
    EXPECT_TRUE(Rejected(read(text, 9), ErrorCode::not_json, "", 9)) << text;
  }
}

TEST(JsonNotJson, BadLiteralsAndNumbers) {
  // Malformed atoms anywhere in the record are syntax errors, not type errors.
  for (const std::string& raw : {std::string("nul"), std::string("nulll"), std::string("tru"), std::string("True"),
                                 std::string("01.5"), std::string("1."), std::string(".5"), std::string("+5"),
                                 std::string("1.5.2"), std::string("0x10"), std::string("--1"), std::string("undefined")}) {
    EXPECT_TRUE(Rejected(read(stay().set("referred_from", raw)), ErrorCode::not_json, "", 1)) << raw;
    EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"({"category": "A", "amount": )" + raw + "}"))),
                         ErrorCode::not_json, "", 1))
        << raw;
  }
}

TEST(JsonNotJson, BadEscapesAndControlCharacters) {
  EXPECT_TRUE(Rejected(read(stay().set("person_id", R"("P\x17")")), ErrorCode::not_json, "", 1));
  EXPECT_TRUE(Rejected(read(stay().set("person_id", R"("P\u12")")), ErrorCode::not_json, "", 1));
  // A raw control character inside a string is not allowed by JSON (RFC 8259).
  EXPECT_TRUE(Rejected(read(stay().set("person_id", "\"P\t17\"")), ErrorCode::not_json, "", 1));
  EXPECT_TRUE(Rejected(read(stay().set("person_id", std::string("\"P\x01") + "17\"")), ErrorCode::not_json, "", 1));
}

TEST(JsonNotJson, SyntaxErrorAfterAFieldError) {
  // The record is not JSON even though an earlier field is already wrong.
  std::string text = stay().set("age", R"("56")").str();
  text.pop_back();  // drop the closing brace
  EXPECT_TRUE(Rejected(read(text, 4), ErrorCode::not_json, "", 4));
  std::string text2 = stay().set("hospital_name", R"("x")").str() + "x";
  EXPECT_TRUE(Rejected(read(text2, 4), ErrorCode::not_json, "", 4));
}

TEST(JsonNotJson, DeepNesting) {
  // Hostile nesting is rejected without exhausting the stack.
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_TRUE(Rejected(read(stay().set("x", deep)), ErrorCode::not_json, "", 1));
  EXPECT_TRUE(Rejected(read(deep), ErrorCode::not_json, "", 1));
}

// ---- missing_field -----------------------------------------------------------

TEST(JsonMissingField, EachRequiredField) {
  for (const char* key : {"stay_id", "person_id", "age", "hospital_level", "region", "admitted", "discharged",
                          "diagnoses"}) {
    EXPECT_TRUE(Rejected(read(stay().drop(key), 5), ErrorCode::missing_field, key, 5)) << key;
  }
}

TEST(JsonMissingField, NeitherFeesNorBuckets) {
  EXPECT_TRUE(Rejected(read(stay().drop("fees")), ErrorCode::missing_field, "fees", 1));
}

TEST(JsonMissingField, FeeLineAndBuckets) {
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"({"amount": "1.00"})"))), ErrorCode::missing_field,
                       "fees[2].category", 1));
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"({"category": "B"})"))), ErrorCode::missing_field,
                       "fees[2].amount", 1));
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third("{}"))), ErrorCode::missing_field, "fees[2].category", 1));
  EXPECT_TRUE(Rejected(
      read(bucket_stay().set("buckets", R"({"total": "0.00", "full_selfpay": "0.00", "over_limit": "0.00", "pre_selfpay": "0.00"})")),
      ErrorCode::missing_field, "buckets.in_scope", 1));
  EXPECT_TRUE(Rejected(read(bucket_stay().set("buckets", "{}")), ErrorCode::missing_field, "buckets.total", 1));
}

TEST(JsonMissingField, OptionalFieldsMayBeLeftOut) {
  Obj o = stay().drop("identities").drop("flags");
  Record r = read(o);
  ASSERT_TRUE(Accepted(r));
  EXPECT_EQ(r.stay.identities, 0);
  EXPECT_EQ(r.stay.flags, 0);
}

// ---- unknown_field -----------------------------------------------------------

TEST(JsonUnknownField, TopLevel) {
  // hunan line 18.
  EXPECT_TRUE(Rejected(read(stay().set("hospital_name", R"("县医院")"), 18), ErrorCode::unknown_field,
                       "hospital_name", 18));
  // Keys are exact: no case folding.
  EXPECT_TRUE(Rejected(read(stay().set("Age", "56")), ErrorCode::unknown_field, "Age", 1));
  // An unknown key whose value is a list or object is still an unknown key.
  EXPECT_TRUE(Rejected(read(stay().set("extra", R"({"a": [1, {"b": null}]})")), ErrorCode::unknown_field, "extra", 1));
}

TEST(JsonUnknownField, InFeeLine) {
  // zhenba line 16.
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"({"category": "A", "amount": "1.00", "unit_price": "0.50"})")), 16),
                       ErrorCode::unknown_field, "fees[2].unit_price", 16));
}

TEST(JsonUnknownField, InBuckets) {
  EXPECT_TRUE(Rejected(
      read(bucket_stay().set("buckets", R"({"total": "0.00", "full_selfpay": "0.00", "over_limit": "0.00",)"
                                        R"( "pre_selfpay": "0.00", "in_scope": "0.00", "copay": "0.00"})")),
      ErrorCode::unknown_field, "buckets.copay", 1));
}

TEST(JsonUnknownField, InPriorEntry) {
  EXPECT_TRUE(Rejected(read(stay().set("prior", R"({"critical_illness": {"accumulated": "1.00", "refund": "2.00"}})")),
                       ErrorCode::unknown_field, "prior.critical_illness.refund", 1));
}

// ---- duplicate_key -----------------------------------------------------------

TEST(JsonDuplicateKey, TopLevel) {
  // zhuzhou line 23 / linxian line 31: hospital_level given twice.
  EXPECT_TRUE(Rejected(read(stay().add("hospital_level", R"("city")"), 23), ErrorCode::duplicate_key,
                       "hospital_level", 23));
  // Even with the same value, and even when the first was null.
  EXPECT_TRUE(Rejected(read(stay().add("age", "56")), ErrorCode::duplicate_key, "age", 1));
  EXPECT_TRUE(Rejected(read(stay().set("category", "null").add("category", R"("I")")), ErrorCode::duplicate_key,
                       "category", 1));
  // Keys compare after unescaping.
  EXPECT_TRUE(Rejected(read(stay().add("stay\\u005fid", R"("S-0002")")), ErrorCode::duplicate_key, "stay_id", 1));
}

TEST(JsonDuplicateKey, Nested) {
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"({"category": "A", "amount": "1.00", "amount": "2.00"})"))),
                       ErrorCode::duplicate_key, "fees[2].amount", 1));
  EXPECT_TRUE(Rejected(
      read(bucket_stay().set("buckets", R"({"total": "0.00", "total": "0.00", "full_selfpay": "0.00", "over_limit": "0.00",)"
                                        R"( "pre_selfpay": "0.00", "in_scope": "0.00"})")),
      ErrorCode::duplicate_key, "buckets.total", 1));
  EXPECT_TRUE(Rejected(read(stay().set("prior", R"({"basic": {"paid": "1.00"}, "basic": {"paid": "2.00"}})")),
                       ErrorCode::duplicate_key, "prior.basic", 1));
  EXPECT_TRUE(Rejected(read(stay().set("prior", R"({"basic": {"paid": "1.00", "grants": 0, "paid": "2.00"}})")),
                       ErrorCode::duplicate_key, "prior.basic.paid", 1));
}

// ---- bad_type ------------------------------------------------------------------

TEST(JsonBadType, FeesAsObject) {
  // zhuzhou line 17.
  EXPECT_TRUE(Rejected(read(stay().set("fees", kFeeA), 17), ErrorCode::bad_type, "fees", 17));
}

TEST(JsonBadType, AgeNotAnIntegerLiteral) {
  // xuchang line 32: age as a string.
  EXPECT_TRUE(Rejected(read(stay().set("age", R"("56")"), 32), ErrorCode::bad_type, "age", 32));
  EXPECT_TRUE(Rejected(read(stay().set("age", "56.0")), ErrorCode::bad_type, "age", 1));
  EXPECT_TRUE(Rejected(read(stay().set("age", "5.6e1")), ErrorCode::bad_type, "age", 1));
  EXPECT_TRUE(Rejected(read(stay().set("age", "true")), ErrorCode::bad_type, "age", 1));
  EXPECT_TRUE(Rejected(read(stay().set("age", "[56]")), ErrorCode::bad_type, "age", 1));
}

TEST(JsonBadType, StringsGivenAsOtherTypes) {
  Record r = read(stay().set("stay_id", "1001"));
  EXPECT_TRUE(Rejected(r, ErrorCode::bad_type, "stay_id", 1));
  EXPECT_FALSE(r.has_stay_id);
  EXPECT_FALSE(r.rejection->stay_id.has_value());
  EXPECT_TRUE(Rejected(read(stay().set("person_id", "false")), ErrorCode::bad_type, "person_id", 1));
  EXPECT_TRUE(Rejected(read(stay().set("hospital_level", "3")), ErrorCode::bad_type, "hospital_level", 1));
  EXPECT_TRUE(Rejected(read(stay().set("admitted", "20190302")), ErrorCode::bad_type, "admitted", 1));
  EXPECT_TRUE(Rejected(read(stay().set("referred_from", R"({"stay_id": "S-0000"})")), ErrorCode::bad_type,
                       "referred_from", 1));
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"({"category": "A", "amount": "1.00", "code": 17})"))),
                       ErrorCode::bad_type, "fees[2].code", 1));
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"({"category": 1, "amount": "1.00"})"))),
                       ErrorCode::bad_type, "fees[2].category", 1));
}

TEST(JsonBadType, ListsAndObjectsGivenAsOtherTypes) {
  EXPECT_TRUE(Rejected(read(stay().set("identities", R"("dibao")")), ErrorCode::bad_type, "identities", 1));
  EXPECT_TRUE(Rejected(read(stay().set("identities", R"(["dibao", 2])")), ErrorCode::bad_type, "identities[1]", 1));
  EXPECT_TRUE(Rejected(read(stay().set("diagnoses", R"("C16.9")")), ErrorCode::bad_type, "diagnoses", 1));
  EXPECT_TRUE(Rejected(read(stay().set("flags", "{}")), ErrorCode::bad_type, "flags", 1));
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"("8123.40")"))), ErrorCode::bad_type, "fees[2]", 1));
  EXPECT_TRUE(Rejected(read(bucket_stay().set("buckets", "[]")), ErrorCode::bad_type, "buckets", 1));
  EXPECT_TRUE(Rejected(read(stay().set("prior", "[]")), ErrorCode::bad_type, "prior", 1));
  EXPECT_TRUE(Rejected(read(stay().set("prior", R"({"basic": 5})")), ErrorCode::bad_type, "prior.basic", 1));
  EXPECT_TRUE(Rejected(read(stay().set("prior", R"({"basic": {"grants": "1"}})")), ErrorCode::bad_type,
                       "prior.basic.grants", 1));
  EXPECT_TRUE(Rejected(read(stay().set("prior", R"({"basic": {"grants": 1.0}})")), ErrorCode::bad_type,
                       "prior.basic.grants", 1));
}

TEST(JsonBadType, AmountOfWrongType) {
  for (const char* raw : {"true", "[]", "{}", R"(["1.00"])"}) {
    EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(std::string(R"({"category": "A", "amount": )") + raw + "}"))),
                         ErrorCode::bad_type, "fees[2].amount", 1))
        << raw;
  }
}

TEST(JsonBadType, NotAnObject) {
  // A line that is JSON but not an object: a stay must be an object.
  for (const std::string& text : {std::string("[1,2]"), std::string("[]"), std::string("\"S-0001\""),
                                  std::string("42"), std::string("null"), std::string("true")}) {
    Record r = read(text, 6);
    EXPECT_TRUE(Rejected(r, ErrorCode::bad_type, "", 6)) << text;
    EXPECT_FALSE(r.has_stay_id);
  }
  // ... but a broken non-object is not JSON at all.
  for (const std::string& text : {std::string("[1,2"), std::string("[1,2]]"), std::string("\"S-0001"),
                                  std::string("42 43"), std::string("nul")}) {
    EXPECT_TRUE(Rejected(read(text, 6), ErrorCode::not_json, "", 6)) << text;
  }
}

// ---- bad_amount ----------------------------------------------------------------

TEST(JsonBadAmount, ThreeDecimals) {
  // hunan line 4.
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"({"category": "B", "amount": "123.456"})")), 4),
                       ErrorCode::bad_amount, "fees[2].amount", 4));
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"({"category": "B", "amount": 123.456})"))),
                       ErrorCode::bad_amount, "fees[2].amount", 1));
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"({"category": "B", "amount": "1.500"})"))),
                       ErrorCode::bad_amount, "fees[2].amount", 1));
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"({"category": "B", "amount": 1.500})"))),
                       ErrorCode::bad_amount, "fees[2].amount", 1));
}

TEST(JsonBadAmount, EveryMalformedAmount) {
  // SEMANTICS.md §1: anything but (0|[1-9][0-9]*)(\.[0-9]{1,2})? up to 10^12 yuan,
  // as a JSON number or a JSON string.
  const std::vector<std::string> bad = {
      "1.5e3",       R"("1.5e3")",    "15E2",       R"("15e2")",   "-50.00",    R"("-50.00")",  "-0",
      R"("-0")",     "-0.00",         R"("+5")",     R"("01.50")",  R"("00")",   R"("1.")",      R"(".5")",
      R"(" 1.00")",  R"("1.00 ")",    R"("")",       R"("1,000.00")", R"("¥5")", R"("abc")",
      "NaN",         R"("NaN")",       "Infinity",   "-Infinity",   R"("Infinity")",
      "1000000000000.01", R"("1000000000000.01")", "10000000000000", R"("99999999999999999999999")",
      "1e400",
  };
  for (const std::string& raw : bad) {
    Record r = read(stay().set("fees", fees_third(R"({"category": "A", "amount": )" + raw + "}")), 11);
    EXPECT_TRUE(Rejected(r, ErrorCode::bad_amount, "fees[2].amount", 11)) << raw;
  }
}

TEST(JsonBadAmount, OverLimitAndBucketsAndPrior) {
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"({"category": "A", "amount": "1.00", "over_limit": "0.001"})"))),
                       ErrorCode::bad_amount, "fees[2].over_limit", 1));
  EXPECT_TRUE(Rejected(
      read(bucket_stay().set("buckets", R"({"total": "1.00", "full_selfpay": "-1.00", "over_limit": "0.00",)"
                                        R"( "pre_selfpay": "0.00", "in_scope": "2.00"})")),
      ErrorCode::bad_amount, "buckets.full_selfpay", 1));
  EXPECT_TRUE(Rejected(read(stay().set("prior", R"({"critical_illness": {"accumulated": "23000.001"}})")),
                       ErrorCode::bad_amount, "prior.critical_illness.accumulated", 1));
  EXPECT_TRUE(Rejected(read(stay().set("prior", R"({"critical_illness": {"paid": NaN}})")), ErrorCode::bad_amount,
                       "prior.critical_illness.paid", 1));
}

TEST(JsonBadAmount, OverLimitAboveAmount) {
  // over_limit is at most the line's amount.
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"({"category": "B", "amount": "500.00", "over_limit": "500.01"})"))),
                       ErrorCode::bad_amount, "fees[2].over_limit", 1));
  // Equal is fine, also on a C line.
  EXPECT_TRUE(Accepted(read(stay().set("fees", fees_third(R"({"category": "C", "amount": "500.00", "over_limit": 500})")))));
}

TEST(JsonBadAmount, StayTotalAboveBound) {
  // Each line at most 10^12 yuan, and so the stay's total.
  EXPECT_TRUE(Accepted(read(stay().set("fees", fees({R"({"category": "A", "amount": "1000000000000.00"})"})))));
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees({R"({"category": "A", "amount": "1000000000000.00"})",
                                                     R"({"category": "A", "amount": "0.01"})"}))),
                       ErrorCode::bad_amount, "fees", 1));
}

// ---- bad_rate --------------------------------------------------------------------

TEST(JsonBadRate, SelfpayRatio) {
  // zhenba line 9: "0.12345"; a rate is [01](\.[0-9]{1,4})? and at most 1.
  for (const std::string& raw : {std::string(R"("0.12345")"), std::string("1.5"), std::string(R"("1.5")"),
                                 std::string("0.12345"), std::string(R"("1.0001")"), std::string(R"("-0.1")"),
                                 std::string("-0.1"), std::string(R"("2")"), std::string("2"), std::string(R"(".5")"),
                                 std::string(R"("1e-1")"), std::string("1e-1"), std::string("NaN"), std::string(R"("")"),
                                 std::string(R"("10%")")}) {
    Record r = read(stay().set("fees", fees_third(R"({"category": "B", "amount": "1.00", "selfpay_ratio": )" + raw + "}")), 9);
    EXPECT_TRUE(Rejected(r, ErrorCode::bad_rate, "fees[2].selfpay_ratio", 9)) << raw;
  }
}

TEST(JsonBadRate, WrongJsonType) {
  // Like an amount, a rate is a number or a string.
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"({"category": "B", "amount": "1.00", "selfpay_ratio": true})"))),
                       ErrorCode::bad_type, "fees[2].selfpay_ratio", 1));
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"({"category": "B", "amount": "1.00", "selfpay_ratio": [0.1]})"))),
                       ErrorCode::bad_type, "fees[2].selfpay_ratio", 1));
}

TEST(JsonBadRate, ValidRates) {
  const std::vector<std::pair<std::string, std::int32_t>> ok = {
      {"0", 0}, {R"("0")", 0}, {"1", 10000}, {R"("1.0000")", 10000}, {"0.3", 3000}, {R"("0.0525")", 525}, {"0.85", 8500}};
  for (const auto& [raw, v] : ok) {
    Record r = read(stay().set("fees", fees_third(R"({"category": "B", "amount": "1.00", "selfpay_ratio": )" + raw + "}")));
    ASSERT_TRUE(Accepted(r)) << raw;
    EXPECT_EQ(r.stay.fees[2].selfpay_ratio, Rate(v)) << raw;
  }
}

// ---- bad_date --------------------------------------------------------------------

TEST(JsonBadDate, NoSuchDate) {
  // funing line 47.
  Record r = read(stay().set("admitted", R"("2019-02-20")").set("discharged", R"("2019-02-30")"), 47);
  EXPECT_TRUE(Rejected(r, ErrorCode::bad_date, "discharged", 47));
  EXPECT_NE(r.rejection->message.find("no such date"), std::string::npos) << r.rejection->message;
  EXPECT_EQ(r.discharged_text, "2019-02-30");  // raw text kept for ordering
  EXPECT_FALSE(r.discharged_date.has_value());
  EXPECT_TRUE(Rejected(read(stay().set("admitted", R"("2019-02-29")")), ErrorCode::bad_date, "admitted", 1));
  EXPECT_TRUE(Rejected(read(stay().set("admitted", R"("2019-13-01")")), ErrorCode::bad_date, "admitted", 1));
}

TEST(JsonBadDate, NotIsoShape) {
  for (const char* raw : {R"("2019-3-1")", R"("2019/03/01")", R"("20190301")", R"("2019-03-01T00:00")",
                          R"(" 2019-03-01")", R"("")", R"("0999-03-01")"}) {
    Record r = read(stay().set("admitted", raw));
    EXPECT_TRUE(Rejected(r, ErrorCode::bad_date, "admitted", 1)) << raw;
  }
}

TEST(JsonBadDate, AdmittedAfterDischarged) {
  // xuchang line 22.
  Record r = read(stay().set("admitted", R"("2019-03-13")"), 22);
  EXPECT_TRUE(Rejected(r, ErrorCode::bad_date, "admitted", 22));
  EXPECT_EQ(r.discharged_date, Date::from_ymd(2019, 3, 12));
}

// ---- bad_value -------------------------------------------------------------------

TEST(JsonBadValue, UnknownIdentity) {
  // funing line 20.
  EXPECT_TRUE(Rejected(read(stay().set("identities", R"(["dibao", "poor_household"])"), 20), ErrorCode::bad_value,
                       "identities[1]", 20));
  // Exact, lower case.
  EXPECT_TRUE(Rejected(read(stay().set("identities", R"(["Dibao"])")), ErrorCode::bad_value, "identities[0]", 1));
}

TEST(JsonBadValue, UnknownFlag) {
  // xuchang line 31.
  EXPECT_TRUE(Rejected(read(stay().set("flags", R"(["vip"])"), 31), ErrorCode::bad_value, "flags[0]", 31));
}

TEST(JsonBadValue, UnknownEnumerations) {
  // zhenba line 11.
  EXPECT_TRUE(Rejected(read(stay().set("hospital_level", R"("clinic")"), 11), ErrorCode::bad_value,
                       "hospital_level", 11));
  EXPECT_TRUE(Rejected(read(stay().set("hospital_level", R"("County")")), ErrorCode::bad_value, "hospital_level", 1));
  EXPECT_TRUE(Rejected(read(stay().set("region", R"("abroad")")), ErrorCode::bad_value, "region", 1));
  EXPECT_TRUE(Rejected(read(stay().set("insurance", R"("private")")), ErrorCode::bad_value, "insurance", 1));
  EXPECT_TRUE(Rejected(read(stay().set("category", R"("IV")")), ErrorCode::bad_value, "category", 1));
  EXPECT_TRUE(Rejected(read(stay().set("category", R"("")")), ErrorCode::bad_value, "category", 1));
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"({"category": "D", "amount": "1.00"})"))),
                       ErrorCode::bad_value, "fees[2].category", 1));
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"({"category": "a", "amount": "1.00"})"))),
                       ErrorCode::bad_value, "fees[2].category", 1));
}

TEST(JsonBadValue, AgeOutOfRange) {
  EXPECT_TRUE(Rejected(read(stay().set("age", "151")), ErrorCode::bad_value, "age", 1));
  EXPECT_TRUE(Rejected(read(stay().set("age", "99999999999999999999")), ErrorCode::bad_value, "age", 1));
}

TEST(JsonBadValue, EmptyDiagnosesAndEmptyStrings) {
  EXPECT_TRUE(Rejected(read(stay().set("diagnoses", "[]")), ErrorCode::bad_value, "diagnoses", 1));
  EXPECT_TRUE(Rejected(read(stay().set("diagnoses", R"(["C16.9", ""])")), ErrorCode::bad_value, "diagnoses[1]", 1));
  EXPECT_TRUE(Rejected(read(stay().set("stay_id", R"("")")), ErrorCode::bad_value, "stay_id", 1));
}

TEST(JsonBadValue, SelfpayRatioOnlyOnBLines) {
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"({"category": "A", "amount": "1.00", "selfpay_ratio": "0.10"})"))),
                       ErrorCode::bad_value, "fees[2].selfpay_ratio", 1));
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third(R"({"selfpay_ratio": "0.10", "category": "C", "amount": "1.00"})"))),
                       ErrorCode::bad_value, "fees[2].selfpay_ratio", 1));
}

TEST(JsonBadValue, BothFeesAndBuckets) {
  EXPECT_TRUE(Rejected(read(stay().set("buckets", kBuckets)), ErrorCode::bad_value, "buckets", 1));
}

TEST(JsonBadValue, NegativeGrants) {
  EXPECT_TRUE(Rejected(read(stay().set("prior", R"({"basic": {"grants": -1}})")), ErrorCode::bad_value,
                       "prior.basic.grants", 1));
}

TEST(JsonBadValue, ListLimits) {
  ReadLimits limits;
  limits.max_fee_lines = 3;
  limits.max_list_items = 2;
  EXPECT_TRUE(Rejected(read(stay().str(), 1, limits), ErrorCode::bad_value, "fees", 1));  // 4 lines
  EXPECT_TRUE(Rejected(read(stay().set("fees", "[]").set("identities", R"(["dibao", "tekun", "marginal"])").str(), 1, limits),
                       ErrorCode::bad_value, "identities", 1));
  EXPECT_TRUE(Accepted(read(stay().set("fees", fees({kFeeA, kFeeB, kFeeC})).str(), 1, limits)));
}

// ---- buckets_mismatch ------------------------------------------------------------

TEST(JsonBucketsMismatch, TotalNotTheSum) {
  // hunan line 24 / xuchang line 27: 1000.00 vs 999.99.
  Record r = read(bucket_stay().set("buckets", R"({"total": "1000.00", "full_selfpay": "100.00", "over_limit": "50.00",)"
                                               R"( "pre_selfpay": "25.00", "in_scope": "824.99"})"),
                  24);
  EXPECT_TRUE(Rejected(r, ErrorCode::buckets_mismatch, "buckets", 24));
  EXPECT_TRUE(r.has_stay_id);
  EXPECT_EQ(r.rejection->stay_id, "S-0001");
  // Given as numbers, in another key order, and adding up: fine.
  EXPECT_TRUE(Accepted(read(bucket_stay().set(
      "buckets", R"({"in_scope": 824.99, "pre_selfpay": 25, "over_limit": 50.0, "full_selfpay": "100.00", "total": 999.99})"))));
}

// ---- what a rejected record still tells -------------------------------------------

TEST(JsonRejected, ExposesWhatCouldBeRead) {
  // The fault comes before the identifying fields; they are still read, for ordering.
  Obj o;
  o.set("fees", fees_third(R"({"category": "B", "amount": "123.456"})"))
      .set("age", "56")
      .set("hospital_level", R"("county")")
      .set("region", R"("in_county")")
      .set("diagnoses", R"(["C16.9"])")
      .set("admitted", R"("2019-03-02")")
      .set("discharged", R"("2019-03-12")")
      .set("person_id", R"("P-17")")
      .set("stay_id", R"("S-0001")");
  Record r = read(o, 4);
  ASSERT_TRUE(Rejected(r, ErrorCode::bad_amount, "fees[2].amount", 4));
  EXPECT_TRUE(r.has_stay_id);
  EXPECT_TRUE(r.has_person_id);
  EXPECT_EQ(r.stay.stay_id, "S-0001");
  EXPECT_EQ(r.stay.person_id, "P-17");
  EXPECT_EQ(r.rejection->stay_id, "S-0001");
  EXPECT_EQ(r.admitted_text, "2019-03-02");
  EXPECT_EQ(r.discharged_text, "2019-03-12");
  EXPECT_EQ(r.discharged_date, Date::from_ymd(2019, 3, 12));
}

TEST(JsonRejected, ExposesAfterUnknownAndDuplicateKeys) {
  Obj o = stay();
  o.kv.insert(o.kv.begin(), {"hospital_name", R"("x")"});
  o.kv.insert(o.kv.begin(), {"y", "null"});
  Record r = read(o.add("region", R"("in_city")"));
  ASSERT_TRUE(r.rejection.has_value());
  EXPECT_EQ(r.rejection->code, ErrorCode::unknown_field);
  EXPECT_EQ(r.rejection->field, "y");  // the first fault in document order
  EXPECT_TRUE(r.has_stay_id);
  EXPECT_TRUE(r.has_person_id);
  EXPECT_EQ(r.discharged_date, Date::from_ymd(2019, 3, 12));
}

TEST(JsonRejected, MissingOrUnreadableIdentity) {
  Record a = read(stay().drop("person_id"));
  EXPECT_TRUE(Rejected(a, ErrorCode::missing_field, "person_id", 1));
  EXPECT_TRUE(a.has_stay_id);
  EXPECT_FALSE(a.has_person_id);
  EXPECT_EQ(a.discharged_date, Date::from_ymd(2019, 3, 12));

  Record b = read(stay().set("person_id", "17").set("discharged", R"("2019-3-12")"));
  EXPECT_TRUE(Rejected(b, ErrorCode::bad_type, "person_id", 1));
  EXPECT_FALSE(b.has_person_id);
  EXPECT_EQ(b.discharged_text, "2019-3-12");
  EXPECT_FALSE(b.discharged_date.has_value());

  Record c = read(stay().drop("discharged"));
  EXPECT_TRUE(Rejected(c, ErrorCode::missing_field, "discharged", 1));
  EXPECT_TRUE(c.discharged_text.empty());
  EXPECT_FALSE(c.discharged_date.has_value());
}

TEST(JsonRejected, NeverThrows) {
  // Odd but possible inputs: each yields a rejection, never an exception.
  const std::vector<std::string> texts = {
      std::string("\0", 1), std::string("{\"stay_id\":\"S\0\"}", 16), "\xEF\xBB\xBF{}", "{\"\":null}", "{\"stay_id\":nul}",
      "{\"stay_id\":nullx}", "{\"age\":NaNx}", "{\"age\":-}", "{\"fees\":[{\"category\":\"A\",\"amount\":tru}]}",
      "{\"fees\":NaN}", "{\"identities\":Infinity}", "{\"prior\":{\"a\":NaN}}", "{\"age\":NaN}",
  };
  for (const std::string& t : texts) {
    Record r;
    EXPECT_NO_THROW(r = read(t)) << t;
    EXPECT_TRUE(r.rejection.has_value()) << t;
  }
}

TEST(JsonRejected, FirstFaultInDocumentOrder) {
  // Several faults: the first one met in the line is reported; missing fields
  // are known only at the end of the object, so they come last.
  Obj o = stay().set("age", R"("56")").set("hospital_name", "1").drop("stay_id");
  EXPECT_TRUE(Rejected(read(o), ErrorCode::bad_type, "age", 1));
  Obj o2 = stay().drop("stay_id").set("fees", fees_third(R"({"category": "A", "amount": "1.001"})"));
  EXPECT_TRUE(Rejected(read(o2), ErrorCode::bad_amount, "fees[2].amount", 1));
}

TEST(JsonRejected, ManyKeysAreRejectedAtTheFirst) {
  // Hostile records with very many distinct keys are rejected, at the first
  // unknown key. That this takes time linear in the number of keys is
  // measured in bench/settle_bench.cpp (BM_JsonManyKeys, 25,000 to 200,000
  // keys, its fitted complexity and time per key), not asserted here.
  auto many = [](std::size_t n, const std::string& value) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += (i ? ", " : "") + ("\"k" + std::to_string(i) + "\": ") + value;
    return s;
  };
  const std::size_t n = 200'000;
  std::string top = stay().str();
  top.pop_back();
  top += ", " + many(n, "1") + "}";
  EXPECT_TRUE(Rejected(read(top), ErrorCode::unknown_field, "k0", 1));
  EXPECT_TRUE(Rejected(read(stay().set("fees", fees_third("{" + many(n, "null") + "}"))), ErrorCode::unknown_field,
                       "fees[2].k0", 1));
  EXPECT_TRUE(Rejected(read(stay().set("prior", "{" + many(n, "{}") + "}")), ErrorCode::bad_value, "prior", 1));
}

// ---- for_each_json_line ------------------------------------------------------------

TEST(JsonLines, SplitsLinesAndCountsPhysicalLines) {
  // Blank lines (spaces, tabs, a lone CR) are not records but still count.
  Lines got = split_lines("a\n\n  \t\nb\n\r\n \r\nc\n");
  EXPECT_EQ(got, (Lines{{"a", 1}, {"b", 4}, {"c", 7}}));
}

TEST(JsonLines, ByteOrderMarkOnFirstLine) {
  EXPECT_EQ(split_lines("\xEF\xBB\xBF{}\n{}\n"), (Lines{{"{}", 1}, {"{}", 2}}));
  // A BOM on its own first line leaves a blank line.
  EXPECT_EQ(split_lines("\xEF\xBB\xBF\n{}\n"), (Lines{{"{}", 2}}));
  // Only at the start of the input.
  EXPECT_EQ(split_lines("{}\n\xEF\xBB\xBF{}\n"), (Lines{{"{}", 1}, {"\xEF\xBB\xBF{}", 2}}));
}

TEST(JsonLines, CrlfAccepted) {
  EXPECT_EQ(split_lines("a\r\nb\r\n"), (Lines{{"a", 1}, {"b", 2}}));
  // Only one CR is a line end; an inner CR stays.
  EXPECT_EQ(split_lines("a\rb\r\n"), (Lines{{"a\rb", 1}}));
}

TEST(JsonLines, LastLineWithoutNewline) {
  EXPECT_EQ(split_lines("a\nb"), (Lines{{"a", 1}, {"b", 2}}));
  EXPECT_EQ(split_lines("a\r\nb\r"), (Lines{{"a", 1}, {"b", 2}}));
  EXPECT_EQ(split_lines("a\n  "), (Lines{{"a", 1}}));
  EXPECT_EQ(split_lines(""), Lines{});
  EXPECT_EQ(split_lines("\n\n"), Lines{});
}

TEST(JsonLines, RecordsThroughReadJsonl) {
  const std::string s1 = stay().str();
  const std::string s2 = stay().set("stay_id", R"("S-0002")").str();
  std::string input = "\xEF\xBB\xBF" + s1 + "\r\n\r\n \t \n" + "{\"stay_id\": \"S-0003\"\r\n" + s2;  // no final newline
  std::vector<Record> recs = read_jsonl(std::string_view(input));
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_TRUE(Accepted(recs[0]));
  EXPECT_EQ(recs[0].line, 1u);
  EXPECT_EQ(recs[0].stay.stay_id, "S-0001");
  EXPECT_TRUE(Rejected(recs[1], ErrorCode::not_json, "", 4));
  EXPECT_TRUE(Accepted(recs[2]));
  EXPECT_EQ(recs[2].line, 5u);
  EXPECT_EQ(recs[2].stay.stay_id, "S-0002");
  std::istringstream in(input);
  std::vector<Record> again = read_jsonl(in);
  ASSERT_EQ(again.size(), 3u);
  EXPECT_EQ(again[2].line, 5u);
}

// read_jsonl(string_view) reads the text in place: exactly the view's bytes,
// whatever follows them in memory, and the room it makes first for the
// records is capped by the text's size.
TEST(JsonLines, ReadingTextInMemoryReadsTheViewOnly) {
  const std::string s1 = stay().str();
  const std::string s2 = stay().set("stay_id", R"("S-0002")").str();
  const std::string all = s1 + "\n" + s2 + "\n";
  // The view ends inside the second record: its part is a broken line, not S-0002.
  std::vector<Record> recs = read_jsonl(std::string_view(all).substr(0, s1.size() + 1 + 20));
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].stay.stay_id, "S-0001");
  EXPECT_TRUE(Rejected(recs[1], ErrorCode::not_json, "", 2));
  EXPECT_TRUE(read_jsonl(std::string_view(all).substr(0, 0)).empty());
  EXPECT_TRUE(read_jsonl(std::string_view{}).empty());  // no text at all: a null pointer
  // A megabyte of blank lines: 1,048,576 lines, no record, and room made for
  // at most 1,048,576 / 256 + 1 = 4,097 records (2 MB), not a million (520 MB).
  const std::string blank(1u << 20, '\n');
  const std::vector<Record> none = read_jsonl(std::string_view(blank));
  EXPECT_TRUE(none.empty());
  EXPECT_LE(none.capacity(), 4'097u);
}

TEST(JsonLines, OverlongRecordRejected) {
  // A record longer than max_record_bytes is not_json; the next line still reads.
  const std::string ok = stay().str();
  ReadLimits limits;
  limits.max_record_bytes = ok.size();
  std::string big = stay().set("referred_from", '"' + std::string(10 * ok.size(), 'x') + '"').str();
  std::vector<Record> recs = read_jsonl(big + "\n" + ok + "\r\n" + big, limits);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_TRUE(Rejected(recs[0], ErrorCode::not_json, "", 1));
  EXPECT_TRUE(Accepted(recs[1]));  // exactly the limit (its CR not counted)
  EXPECT_EQ(recs[1].line, 2u);
  EXPECT_TRUE(Rejected(recs[2], ErrorCode::not_json, "", 3));
  // The reader alone checks the limit too.
  JsonStayReader reader(limits);
  EXPECT_TRUE(Rejected(reader.read(ok + " ", 8), ErrorCode::not_json, "", 8));
  EXPECT_TRUE(Accepted(reader.read(ok, 9)));
}

TEST(JsonLines, OverlongRecordWhosePrefixIsValid) {
  // The first max_record_bytes of the line are a valid stay followed by a CR;
  // the line goes on. It is still too long, not a stay.
  const std::string ok = stay().str();
  ReadLimits limits;
  limits.max_record_bytes = ok.size();
  std::string line = ok + "\r" + std::string(100, ' ') + "x";
  std::vector<Record> recs = read_jsonl(line + "\n" + ok + "\n", limits);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_TRUE(Rejected(recs[0], ErrorCode::not_json, "", 1));
  EXPECT_TRUE(Accepted(recs[1]));
  // A blank line is not a record, however long.
  std::vector<Record> blanks = read_jsonl(std::string(ok.size() + 5, ' ') + "\t\r\n" + ok, limits);
  ASSERT_EQ(blanks.size(), 1u);
  EXPECT_TRUE(Accepted(blanks[0]));
  EXPECT_EQ(blanks[0].line, 2u);
}

TEST(JsonLines, HugeRecordDoesNotCrash) {
  // 8 MiB of one string value with a 1 MiB limit.
  ReadLimits limits;
  limits.max_record_bytes = 1u << 20;
  std::string huge = "{\"stay_id\": \"" + std::string(8u << 20, 'a') + "\"}";
  std::vector<Record> recs = read_jsonl(huge + "\n" + stay().str() + "\n", limits);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_TRUE(Rejected(recs[0], ErrorCode::not_json, "", 1));
  EXPECT_TRUE(Accepted(recs[1]));
  EXPECT_EQ(recs[1].line, 2u);
}

// ---- the golden files ----------------------------------------------------------------

namespace {

struct ExpectedError {
  std::optional<std::string> stay_id;
  std::string code;
  std::optional<std::string> field;
};

// The value after `"key": ` in a flat line of JSON: a string (unescaped
// naively, the golden files have no escapes there), a number or null.
std::optional<std::string> value_after(const std::string& line, const std::string& key, bool* is_null = nullptr) {
  std::string pat = "\"" + key + "\": ";
  auto at = line.find(pat);
  if (at == std::string::npos) return std::nullopt;
  at += pat.size();
  if (is_null) *is_null = line.compare(at, 4, "null") == 0;
  if (line.compare(at, 4, "null") == 0) return std::nullopt;
  if (line[at] == '"') {
    auto end = line.find('"', at + 1);
    return line.substr(at + 1, end - at - 1);
  }
  auto end = line.find_first_of(",}", at);
  return line.substr(at, end - at);
}

bool reading_stage(const std::string& code) {
  static const std::set<std::string> codes = {"not_json",  "missing_field", "unknown_field", "duplicate_key",
                                              "bad_type",  "bad_amount",    "bad_rate",      "bad_date",
                                              "bad_value", "buckets_mismatch"};
  return codes.contains(code);
}

}  // namespace

TEST(JsonGolden, ReaderAgreesWithErrorsFiles) {
  namespace fs = std::filesystem;
  const fs::path dir = MEDSETTLE_GOLDEN_DIR;
  int files = 0, reading_rejections = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string fname = entry.path().filename().string();
    const std::string suffix = ".stays.jsonl";
    if (fname.size() <= suffix.size() || !fname.ends_with(suffix)) continue;
    const std::string scheme = fname.substr(0, fname.size() - suffix.size());
    SCOPED_TRACE(scheme);
    ++files;

    std::map<std::uint64_t, ExpectedError> expected;
    std::ifstream errs(dir / (scheme + ".errors.jsonl"));
    ASSERT_TRUE(errs) << "no errors file for " << scheme;
    for (std::string l; std::getline(errs, l);) {
      if (l.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto line = value_after(l, "line");
      auto code = value_after(l, "code");
      ASSERT_TRUE(line && code) << l;
      bool field_null = false;
      auto field = value_after(l, "field", &field_null);
      ASSERT_TRUE(field || field_null) << l;
      expected[std::stoull(*line)] = ExpectedError{value_after(l, "stay_id"), *code, field};
    }

    std::ifstream in(entry.path(), std::ios::binary);
    ASSERT_TRUE(in);
    std::vector<Record> recs = read_jsonl(in);
    std::set<std::uint64_t> seen;
    for (const Record& r : recs) {
      seen.insert(r.line);
      auto it = expected.find(r.line);
      if (it != expected.end() && reading_stage(it->second.code)) {
        ++reading_rejections;
        const ExpectedError& e = it->second;
        ASSERT_TRUE(r.rejection.has_value()) << "line " << r.line << ": expected " << e.code;
        EXPECT_EQ(name(r.rejection->code), e.code) << "line " << r.line << ": " << r.rejection->message;
        EXPECT_EQ(r.rejection->field, e.field.value_or("")) << "line " << r.line;
        EXPECT_EQ(r.rejection->stay_id, e.stay_id) << "line " << r.line;
        EXPECT_EQ(r.rejection->line, r.line);
      } else {
        // Valid, or rejected later by the batch (no_version, duplicate_stay_id,
        // bad_referral, bad_prior, earlier_rejected): the reader accepts it.
        EXPECT_TRUE(Accepted(r)) << "line " << r.line;
      }
    }
    for (const auto& [line, e] : expected) {
      EXPECT_TRUE(seen.contains(line)) << "no record at line " << line << " (" << e.code << ")";
    }
  }
  EXPECT_EQ(files, 6);
  EXPECT_GE(reading_rejections, 6 * 3);
}

namespace {

// Every field of a record, as text, to compare two readings of one line.
std::string shown(const Record& r) {
  std::ostringstream o;
  auto fen = [](Fen f) { return std::to_string(f.count()); };
  o << "line " << r.line << " checked " << r.checked << " has " << r.has_stay_id << r.has_person_id;
  if (r.rejection) {
    const Rejection& j = *r.rejection;
    o << " | rejected " << static_cast<int>(j.code) << ' ' << j.field << ' ' << j.message << " id "
      << j.stay_id.value_or("-") << " line " << j.line;
  }
  const Stay& s = r.stay;
  o << " | " << s.stay_id << ' ' << s.person_id << " ids " << int(s.identities.bits()) << " cat "
    << static_cast<int>(s.category) << " age " << s.age << " ins " << static_cast<int>(s.insurance) << " level "
    << static_cast<int>(s.hospital_level) << " region " << static_cast<int>(s.region) << " dates "
    << s.admitted.days() << ' ' << s.discharged.days() << " flags " << int(s.flags.bits()) << " from "
    << s.referred_from.value_or("-") << " dx";
  for (const auto& d : s.diagnoses) o << ' ' << d;
  o << " fees";
  for (const FeeLine& f : s.fees) {
    o << " [" << static_cast<int>(f.category) << ' ' << fen(f.amount) << ' ' << fen(f.over_limit) << ' '
      << (f.selfpay_ratio ? std::to_string(f.selfpay_ratio->ten_thousandths()) : "-") << ' ' << f.code << ' '
      << f.name << ']';
  }
  if (s.buckets) {
    const Buckets& b = *s.buckets;
    o << " buckets " << fen(b.total) << ' ' << fen(b.full_selfpay) << ' ' << fen(b.over_limit) << ' '
      << fen(b.pre_selfpay) << ' ' << fen(b.in_scope);
  }
  if (s.prior) {
    o << " prior";
    for (const PriorEntry& p : *s.prior) o << ' ' << p.channel << ' ' << fen(p.accumulated) << ' ' << fen(p.paid) << ' ' << p.grants;
  }
  o << " | texts " << r.admitted_text << ' ' << r.discharged_text;
  if (r.discharged_date) o << " date " << r.discharged_date->days();
  return o.str();
}

// A stay with its optional fields (prior, buckets instead of fee lines, referred_from).
std::string stay_with_prior_and_buckets() {
  return stay()
      .set("age", "56")
      .set("prior", R"({"basic": {"accumulated": "10.00", "paid": "5.00", "grants": 1}})")
      .set("referred_from", R"("S-0000")")
      .drop("fees")
      .set("buckets", R"({"total": "100.00", "full_selfpay": "0", "over_limit": "0", "pre_selfpay": "0", "in_scope": "100.00"})")
      .str();
}

}  // namespace

// The library reads a line where its line source keeps it (no copy), and a
// text given to JsonStayReader::read from a copy; a record read into a
// Record that held another reuses its lists' room. All three must read
// every line alike, also one cut anywhere, whatever follows it in memory:
// the parser reads a little past a text's end (simdjson's padding), where a
// line in place has its line end and then the next line, and a copy has a
// line end and zeros. Here every prefix of records whose values end in
// numbers, atoms, strings, lists and objects, each followed by lines that
// would continue a cut number or atom, ended by LF, by CRLF or by nothing.
TEST(JsonLines, ReadInPlaceReadsAsACopyDoes) {
  const std::vector<std::string> records = {
      stay().str(),
      stay_with_prior_and_buckets(),
      R"({"stay_id": "S-9", "person_id": "P-9", "age": 12345, "flags": [], "x": true, "y": null, "z": false, "w": -1.5e3})",
      // Written without spaces, as the command writes stays: its fee lines
      // are read from the document's bytes (a cut inside one must not let
      // that reading run on into the text after the record).
      R"({"stay_id":"S-2","person_id":"P-2","age":40,"hospital_level":"county","region":"in_county",)"
      R"("admitted":"2024-01-01","discharged":"2024-01-03","diagnoses":["A09"],"fees":[{"category":"A","amount":"12.34"},)"
      R"({"category":"B","amount":56.7,"over_limit":"1.00","selfpay_ratio":"0.1"},{"category":"C","amount":0}]})",
  };
  // A Record that held a stay with every list and optional field, read into again.
  JsonStayReader reader;
  Record reused = reader.read(records[1], 7);
  ASSERT_TRUE(reused.stay.prior && reused.stay.buckets && reused.stay.referred_from) << shown(reused);
  const std::vector<std::string> after = {"", "1234567890}", "e5}", "rue}", "ull}", "\"x\"}", "]}", "0.5]}"};
  std::size_t compared = 0;
  for (const std::string& rec : records) {
    for (std::size_t cut = 0; cut <= rec.size(); ++cut) {
      const std::string text = rec.substr(0, cut);
      if (text.find_first_not_of(" ") == std::string::npos) continue;  // a blank line is not a record
      const Record copied = reader.read(text, 1);
      const std::string want = shown(copied);
      reader.read(text, 1, reused);
      ASSERT_EQ(shown(reused), want) << "reused, cut at " << cut << ": " << text;
      for (const std::string& next : after) {
        for (const char* end : {"\n", "\r\n", ""}) {
          const std::string all = text + end + next;
          // With no line end the next text continues the line: only the view's cut is the record.
          const std::string_view view = *end ? std::string_view(all) : std::string_view(all).substr(0, text.size());
          const std::vector<Record> in_place = read_jsonl(view);
          ASSERT_FALSE(in_place.empty());
          ASSERT_EQ(shown(in_place[0]), want) << "in place, cut at " << cut << ", then '" << end << next << "': " << text;
          ++compared;
        }
      }
    }
  }
  // 4 records of 375 + 393 + 122 + 325 bytes... every cut of each, 8 texts after, 3 line ends.
  EXPECT_GT(compared, 28'000u);
}

// JsonStayReader::read_in_place reads a record where it lies in the
// caller's buffer (one at a time, or a list of them into a list of records,
// asking memory for the next records' room while it reads one). Whatever
// follows each text in the buffer (a line end, text that would continue a
// cut record, the next record with no line end between) must not change what
// is read, nor what the records read into held before, and the reading must
// stay within the text and its padding: each buffer here is a heap block of
// exactly that size, so that ASan (CI) would see a read past it. The parser
// takes the byte just after a text for part of the document, so a text
// followed by anything but whitespace or NUL is copied first: `{"x":[{}`
// then `,` sent it past the padding, `{"x":{"b":1}` then `}` changed the
// rejection. Each line read every way must read as
// JsonStayReader::read(text, line) reads it.
TEST(JsonLines, ReadInPlaceThroughTheApiReadsAsReadDoes) {
  const std::vector<std::string> lines = {
      stay().str(),
      stay_with_prior_and_buckets(),
      R"({"stay_id":"S-2","person_id":"P-2","age":40,"hospital_level":"county","region":"in_county",)"
      R"("admitted":"2024-01-01","discharged":"2024-01-03","diagnoses":["A09","J18"],"fees":[{"category":"A","amount":"12.34"},)"
      R"({"category":"B","amount":56.7,"over_limit":"1.00","selfpay_ratio":"0.1"},{"category":"C","amount":0}]})",
      R"({"stay_id": "S-9", "person_id": "P-9", "age": 12345, "flags": [], "x": true})",  // rejected: an unknown field
      R"({"stay_id":"S-3","person_id":"P-3","fees":[{"category":"A","amount":"1)",     // cut inside a fee line
      R"([1,2])",                                                                        // not an object
      R"({"stay_id":"S-4","person_id":"P-4","fees":[{"category":"Z","amount":"1.00"}]})",  // a bad category
      R"({"stay_id":"S-5","person_id":"P-5","age":12)",                                  // cut inside a number
      R"({"x":[{})",                                                                     // cut after an object in a list
      R"({"x":{"b":1})",                                                                 // cut after an inner object
  };
  // A heap block of exactly `size` bytes.
  const auto block = [](std::size_t size) { return std::unique_ptr<char[]>(new char[size]); };
  JsonStayReader reader;
  std::vector<std::string> want;
  for (std::size_t i = 0; i < lines.size(); ++i) want.push_back(shown(reader.read(lines[i], 10 + i)));
  // Records that held other stays (the lines in another order) before each
  // reading, so that the room asked for and emptied is another line's.
  const auto held = [&](std::size_t shift) {
    std::vector<Record> out(lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i) reader.read(lines[(i + shift) % lines.size()], 1, out[i]);
    return out;
  };

  // One at a time: each line, then its padding filled with one text repeated.
  const std::vector<std::string> after = {"\n", "\r\n", " ", std::string(1, '\0'), ",", "}", "]", "]}", ",{}", "1", "\"", "e5}", "{\"x\":1}"};
  std::size_t read_alone = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    for (const std::string& a : after) {
      const std::unique_ptr<char[]> buf = block(lines[i].size() + JsonStayReader::padding);
      std::memcpy(buf.get(), lines[i].data(), lines[i].size());
      for (std::size_t k = 0; k < JsonStayReader::padding; ++k) buf[lines[i].size() + k] = a[k % a.size()];
      Record rec = reader.read(lines[(i + 3) % lines.size()], 1);
      reader.read_in_place(std::string_view(buf.get(), lines[i].size()), 10 + i, rec);
      EXPECT_EQ(shown(rec), want[i]) << "followed by '" << a << "': " << lines[i];
      ++read_alone;
    }
  }
  EXPECT_EQ(read_alone, 10u * 13u);

  // As a list: the lines one after the other, once with line ends between
  // them and once with none (each text followed by the next one's `{` or
  // `[`), and after the last, padding of `,`.
  for (const char* sep : {"\n", ""}) {
    std::string text;
    std::vector<std::size_t> starts;
    for (const std::string& l : lines) {
      starts.push_back(text.size());
      text += l + sep;
    }
    const std::size_t size = starts.back() + lines.back().size() + JsonStayReader::padding;
    text.resize(size, ',');
    const std::unique_ptr<char[]> buf = block(size);
    std::memcpy(buf.get(), text.data(), size);
    std::vector<std::string_view> texts;
    for (std::size_t i = 0; i < lines.size(); ++i) texts.emplace_back(buf.get() + starts[i], lines[i].size());
    for (std::size_t shift = 0; shift < lines.size(); ++shift) {
      std::vector<Record> one = held(shift);
      for (std::size_t i = 0; i < lines.size(); ++i) {
        reader.read_in_place(texts[i], 10 + i, one[i]);
        EXPECT_EQ(shown(one[i]), want[i]) << "one by one, between '" << sep << "', after line " << (i + shift) % lines.size() << ": " << lines[i];
      }
      std::vector<Record> all = held(shift);
      reader.read_in_place(texts, 10, all);
      for (std::size_t i = 0; i < lines.size(); ++i) {
        EXPECT_EQ(shown(all[i]), want[i]) << "as a list, between '" << sep << "', after line " << (i + shift) % lines.size() << ": " << lines[i];
      }
    }
  }
  // The first three lines read as stays, the rest as rejected.
  for (std::size_t i = 0; i < 3; ++i) EXPECT_FALSE(reader.read(lines[i], 1).rejection.has_value()) << lines[i];
  for (std::size_t i = 3; i < lines.size(); ++i) EXPECT_TRUE(reader.read(lines[i], 1).rejection.has_value()) << lines[i];
  // Two lists of different lengths: misuse, and nothing is read.
  std::vector<Record> fewer = held(0);
  fewer.pop_back();
  const std::string before = shown(fewer[0]);
  const std::vector<std::string_view> views(lines.begin(), lines.end());
  EXPECT_THROW(reader.read_in_place(views, 10, fewer), UsageError);
  EXPECT_EQ(shown(fewer[0]), before);
}

// A fee line written without spaces is read from the document's bytes
// (json_reader.cpp, Walker::plain_fee); any other way of writing the same
// line is walked value by value. The two must read the same: the same lines,
// and for a line that breaks a rule the same rejection (code, field and
// message). Each line here is read in the middle of the example's list, once
// as written and once with a space after its `{`, which sends it the long way.
TEST(JsonLines, FeeLinesWithoutSpacesReadAsSpacedOnesDo) {
  const std::vector<std::string> lines = {
      // read: 1234 fen; 50 fen, over the limit 25, self-pay ratio 0.3 = 3000/10000
      R"({"category":"A","amount":"12.34"})",
      R"({"category":"B","amount":"0.5","over_limit":"0.25","selfpay_ratio":"0.3"})",
      R"({"category":"B","amount":12.3,"over_limit":0,"selfpay_ratio":0.1})",
      R"({"category":"C","amount":"0"})",
      R"({"category":"C","amount":"1000000000000.00"})",                 // 10^12 yuan, the most (the stay's total is above it)
      R"({"category":"A","amount":"1.00","over_limit":"1.00"})",          // over the limit = amount
      // rejected, or read the long way
      R"({"category":"C","amount":"1000000000000.01"})",                  // above 10^12 yuan
      R"({"category":"A","amount":"99999999999999"})",                    // 14 digits
      R"({"category":"A","amount":"12.345"})",                            // 3 decimals
      R"({"category":"A","amount":12.345})",
      R"({"category":"A","amount":"012"})",                               // leading zero
      R"({"category":"A","amount":"-1.00"})",
      R"({"category":"A","amount":"-0"})",
      R"({"category":"A","amount":"1e3"})",
      R"({"category":"A","amount":1e3})",
      R"({"category":"A","amount":"12."})",
      R"({"category":"A","amount":12.})",                                 // not JSON
      R"({"category":"A","amount":"1.2.3"})",
      R"({"category":"A","amount":""})",
      R"({"category":"A","amount":"1.00"})",                         // an escape
      R"({"category":"D","amount":"1.00"})",
      R"({"category":"AB","amount":"1.00"})",
      R"({"category":"A","amount":"1.00","over_limit":"2.00"})",          // over the limit > amount
      R"({"category":"A","amount":"1.00","selfpay_ratio":"0.1"})",        // a ratio on an A line
      R"({"category":"B","amount":"1.00","selfpay_ratio":"1.5"})",
      R"({"category":"B","amount":"1.00","selfpay_ratio":"0.12345"})",
      R"({"category":"B","amount":"1.00","selfpay_ratio":"-0.1"})",
      R"({"category":"A","amount":"1.00","amount":"2.00"})",              // a key twice
      R"({"category":"A"})",
      R"({"amount":"1.00","category":"A"})",                              // another order
      R"({"category":"A","amount":"1.00","code":"X1","name":"a name"})",
      R"({"category":"A","amount":"1.00","x":1})",
      R"({"category":"A","amount":null})",
      R"({"category":"A","amount":"1.00","over_limit":null})",
      R"({"category":"A","amount":"1.00"} )",
      R"({"category":"A","amount":"1.00",})",                             // not JSON
      R"({"category":"A","amount":"1.00")",                               // not JSON
  };
  std::size_t read_as_valid = 0, rejected = 0;
  JsonStayReader reader;
  Record into;
  for (const std::string& line : lines) {
    const std::string spaced = "{ " + line.substr(1);
    const Record plain = reader.read(stay().set("fees", fees_third(line)).str(), 1);
    const Record walked = reader.read(stay().set("fees", fees_third(spaced)).str(), 1);
    ASSERT_EQ(shown(plain), shown(walked)) << line;
    reader.read(stay().set("fees", fees_third(line)).str(), 1, into);  // into a record read into before
    ASSERT_EQ(shown(into), shown(walked)) << line;
    (plain.rejection ? rejected : read_as_valid) += 1;
  }
  // 5 of the first 6 (the 10^12 yuan line makes the stay's total too large),
  // and 5 lines written another way: an escape, another order, code and
  // name, a null, a space after the line.
  EXPECT_EQ(read_as_valid, 10u);
  EXPECT_EQ(rejected, lines.size() - 10);

  // The values of the second line: 0.5 yuan = 50 fen, 0.25 = 25 fen, 0.3 = 3000 ten-thousandths.
  const Record r = reader.read(stay().set("fees", fees_third(lines[1])).str(), 1);
  ASSERT_FALSE(r.rejection.has_value()) << shown(r);
  const FeeLine& f = r.stay.fees[2];
  EXPECT_EQ(f.category, FeeCategory::B);
  EXPECT_EQ(f.amount, Fen(50));
  EXPECT_EQ(f.over_limit, Fen(25));
  ASSERT_TRUE(f.selfpay_ratio.has_value());
  EXPECT_EQ(f.selfpay_ratio->ten_thousandths(), 3000);
  // A whole list without spaces: 12.34 + 56.70 + 0 yuan.
  const Record all = reader.read(
      stay().set("fees", R"([{"category":"A","amount":"12.34"},{"category":"B","amount":56.7},{"category":"C","amount":0}])").str(), 1);
  ASSERT_FALSE(all.rejection.has_value()) << shown(all);
  ASSERT_EQ(all.stay.fees.size(), 3u);
  EXPECT_EQ(all.stay.fees[0].amount, Fen(1234));
  EXPECT_EQ(all.stay.fees[1].amount, Fen(5670));
  EXPECT_EQ(all.stay.fees[2].amount, Fen(0));
}

// A Record read into again keeps the room of its fee lines and diagnoses
// (nothing allocated for the next stay of no more lines), but not the room
// of a hostile record's thousands of lines.
TEST(JsonLines, ReadingIntoARecordKeepsItsListsRoom) {
  JsonStayReader reader;
  Record rec;
  reader.read(stay().str(), 1, rec);
  ASSERT_FALSE(rec.rejection.has_value());
  ASSERT_EQ(rec.stay.fees.size(), 4u);
  const FeeLine* fees_at = rec.stay.fees.data();
  const std::string* diagnoses_at = rec.stay.diagnoses.data();
  // Three fee lines and one diagnosis: they fit in the room of four and one.
  reader.read(stay().set("fees", fees({kFeeA, kFeeB, kFeeC})).set("stay_id", R"("S-0002")").str(), 2, rec);
  ASSERT_FALSE(rec.rejection.has_value());
  EXPECT_EQ(rec.stay.stay_id, "S-0002");
  EXPECT_EQ(rec.line, 2u);
  EXPECT_EQ(rec.stay.fees.size(), 3u);
  EXPECT_EQ(rec.stay.fees.data(), fees_at);
  EXPECT_EQ(rec.stay.diagnoses.data(), diagnoses_at);
  // 1,000 fee lines: read, then their room (more than 256 lines) let go.
  std::vector<std::string> many(1000, kFeeA);
  reader.read(stay().set("fees", fees(many)).str(), 3, rec);
  ASSERT_FALSE(rec.rejection.has_value());
  EXPECT_EQ(rec.stay.fees.size(), 1000u);
  reader.read(stay().str(), 4, rec);
  EXPECT_EQ(rec.stay.fees.size(), 4u);
  EXPECT_LE(rec.stay.fees.capacity(), 256u);
}

// A list longer than the block a reused Record kept gets a block of exactly
// its lines, as a new Record does, which is then kept in turn: 3 lines, then
// 200 (a block of 200, not 3 doubled to 384, which is over the 256 kept and
// would be let go), then 5 (read into the 200's block). The same whether a
// line is read from the bytes (no spaces) or walked.
TEST(JsonLines, ALongerListInAReusedRecordGetsAnExactBlock) {
  for (const std::string& line : {kFeeA, std::string(R"({"category":"A","amount":"8123.40"})")}) {
    JsonStayReader reader;
    Record rec;
    reader.read(stay().set("fees", fees({line, line, line})).str(), 1, rec);
    ASSERT_FALSE(rec.rejection.has_value()) << shown(rec);
    EXPECT_EQ(rec.stay.fees.capacity(), 3u);
    reader.read(stay().set("fees", fees(std::vector<std::string>(200, line))).str(), 2, rec);
    ASSERT_FALSE(rec.rejection.has_value()) << shown(rec);
    ASSERT_EQ(rec.stay.fees.size(), 200u);
    EXPECT_EQ(rec.stay.fees.capacity(), 200u) << line;
    EXPECT_EQ(rec.stay.fees[199].amount, Fen(812340));
    const FeeLine* kept = rec.stay.fees.data();
    reader.read(stay().set("fees", fees(std::vector<std::string>(5, line))).str(), 3, rec);
    ASSERT_FALSE(rec.rejection.has_value()) << shown(rec);
    EXPECT_EQ(rec.stay.fees.size(), 5u);
    EXPECT_EQ(rec.stay.fees.data(), kept) << line;
  }
}

// A Record read into again keeps the room of its fee lines and diagnoses.
// A next record that gives fewer, none, null, a wrong type, or is no object
// at all must read exactly as it does into a new Record: nothing of the
// last stay's lists may remain (and a reader that wrote over the kept
// items, as tried on 2026-12-07, must clear what it did not write).
TEST(JsonLines, ReadingIntoARecordLeavesNothingOfTheLastLists) {
  // The last stay: 6 fee lines (one with code and name, longer than a short
  // string's room) and 3 diagnoses, read into the record before each text.
  const std::string last =
      stay().set("diagnoses", R"(["C16.9", "E11.9", "I10"])")
          .set("fees", fees({kFeeA, kFeeB, kFeeC, kFeeA, kFeeB,
                             R"({"category": "A", "amount": "1.00", "code": "a-rather-long-item-code-0001", "name": "a rather long item name"})"}))
          .str();
  const std::vector<std::string> next = {
      stay().str(),                                             // 4 lines, 1 diagnosis
      stay().set("fees", fees({kFeeB})).str(),                  // 1 line
      stay().set("fees", "[]").str(),                           // none
      stay().drop("fees").set("buckets", kBuckets).str(),       // bucket form: no fee lines
      stay().set("fees", "null").set("buckets", kBuckets).str(),  // null counts as absent
      stay().drop("fees").str(),                                // rejected: fees missing
      stay().set("fees", "5").str(),                            // rejected: not a list
      stay().set("diagnoses", "null").str(),                    // rejected: diagnoses missing
      stay().set("diagnoses", "[]").str(),                      // rejected: no diagnosis
      stay().set("diagnoses", R"(["", "E11.9"])").str(),       // rejected: an empty code
      R"([1, 2])",                                              // JSON, not an object
      R"("x")",
      R"({"stay_id": )",                                        // not JSON
  };
  JsonStayReader reader;
  for (const std::string& text : next) {
    Record reused;
    reader.read(last, 1, reused);
    ASSERT_FALSE(reused.rejection.has_value()) << shown(reused);
    ASSERT_EQ(reused.stay.fees.size(), 6u);
    ASSERT_EQ(reused.stay.diagnoses.size(), 3u);
    reader.read(text, 2, reused);
    EXPECT_EQ(shown(reused), shown(reader.read(text, 2))) << text;
  }
}

// A fee line's category and amount written with escapes read as plain ones,
// and a string that is no amount is named as it reads unescaped (a reader
// that took plain strings from the document's bytes, tried on 2026-12-07,
// must still unescape the others).
TEST(JsonRead, FeeStringsWithEscapesReadAsPlainOnes) {
  const Record plain = read(stay().set("fees", fees({R"({"category": "B", "amount": "123.40", "over_limit": "3.00"})"})));
  ASSERT_FALSE(plain.rejection.has_value());
  // \u0042 is B, \u0033 is 3, \u002e is '.': the same line.
  const Record escaped =
      read(stay().set("fees", fees({R"({"category": "\u0042", "amount": "12\u0033.40", "over_limit": "\u0033\u002e00"})"})));
  ASSERT_FALSE(escaped.rejection.has_value()) << escaped.rejection->message;
  EXPECT_EQ(shown(escaped), shown(plain));
  ASSERT_EQ(escaped.stay.fees.size(), 1u);
  EXPECT_EQ(escaped.stay.fees[0].category, FeeCategory::B);
  EXPECT_EQ(escaped.stay.fees[0].amount, Fen(12340));  // 123.40 yuan
  EXPECT_EQ(escaped.stay.fees[0].over_limit, Fen(300));
  // An escaped quote or backslash is no amount and no category: rejected as the text reads.
  const Record quote = read(stay().set("fees", fees({R"({"category": "A", "amount": "12\"3"})"})));
  ASSERT_TRUE(quote.rejection.has_value());
  EXPECT_EQ(quote.rejection->field, "fees[0].amount");
  EXPECT_NE(quote.rejection->message.find("12\"3"), std::string::npos) << quote.rejection->message;
  const Record slash = read(stay().set("fees", fees({R"({"category": "\\", "amount": "1.00"})"})));
  ASSERT_TRUE(slash.rejection.has_value());
  EXPECT_EQ(slash.rejection->field, "fees[0].category");
  EXPECT_NE(slash.rejection->message.find("'\\'"), std::string::npos) << slash.rejection->message;
  // A category and an amount followed by spaces and line ends before the next token.
  const Record spaced = read(stay().set("fees", "[{\"category\" : \"B\" \r\n , \"amount\" : \"123.40\" \t, \"over_limit\":\"3.00\"  }]"));
  EXPECT_EQ(shown(spaced), shown(plain));
}
