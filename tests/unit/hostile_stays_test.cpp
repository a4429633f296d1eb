// Hostile stays, in JSON Lines and CSV: each one is read into one record (a
// stay, or a rejection with the exact code, field and line), settled or
// refused, and never crashes, hangs or grows memory without bound. See
// SECURITY.md for the limits.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "medsettle/engine.hpp"
#include "medsettle/reader.hpp"
#include "medsettle/writer.hpp"

using namespace medsettle;

namespace {

/// A valid stay with `extra` appended inside the object (e.g. `, "fees": [...]`).
std::string stay(const std::string& id, const std::string& fields) {
  return R"({"stay_id": ")" + id + R"(", "person_id": "P1", "age": 40, "hospital_level": "county", )"
         R"("region": "in_county", "admitted": "2019-03-02", "discharged": "2019-03-12", "diagnoses": ["J18.9"])" +
         fields + "}";
}
std::string stay_fees(const std::string& id, const std::string& fees) { return stay(id, R"(, "fees": )" + fees); }
std::string amount_stay(const std::string& amount) {
  return stay_fees("S1", R"([{"category": "A", "amount": )" + amount + "}]");
}

struct Expect {
  ErrorCode code;
  std::string field;
  std::uint64_t line;
};

/// Reads `text` as JSON Lines; expects exactly `n` records.
std::vector<Record> read(const std::string& text, std::size_t n, ReadLimits limits = {}) {
  std::vector<Record> r = read_jsonl(std::string_view(text), limits);
  EXPECT_EQ(r.size(), n) << text.substr(0, 200);
  return r;
}

/// The one record of `line` is rejected as `e`; returns its message.
std::string rejected(const std::string& line, ErrorCode code, const std::string& field) {
  auto r = read(line + "\n", 1);
  if (r.size() != 1) return {};
  if (!r[0].rejection) {
    ADD_FAILURE() << "accepted: " << line.substr(0, 200);
    return {};
  }
  EXPECT_EQ(name(r[0].rejection->code), name(code)) << r[0].rejection->message;
  EXPECT_EQ(r[0].rejection->field, field) << r[0].rejection->message;
  EXPECT_EQ(r[0].rejection->line, 1u);
  return r[0].rejection->message;
}

void accepted(const std::string& line) {
  auto r = read(line + "\n", 1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].rejection) << r[0].rejection->message;
}

const std::string kCsvHeader =
    "stay_id,person_id,identities,category,age,insurance,hospital_level,region,admitted,discharged,"
    "diagnoses,flags,referred_from,total,full_selfpay,over_limit,pre_selfpay,in_scope\n";
const std::string kCsvRow = "S1,P1,dibao,,40,,county,in_county,2019-03-02,2019-03-12,J18.9,,,100.00,0,0,0,100.00\n";

std::vector<Record> read_csv_text(const std::string& text) {
  std::istringstream in(text);
  return read_csv(in);
}

}  // namespace

// ---- bytes ---------------------------------------------------------------------

TEST(HostileStays, InvalidUtf8IsNotJsonNamingTheLine) {
  std::string text = stay_fees("S1", "[]") + "\n" + stay_fees("S\xFF", "[]") + "\n" + stay_fees("S3", "[]") + "\n";
  auto r = read(text, 3);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_FALSE(r[0].rejection);
  ASSERT_TRUE(r[1].rejection);
  EXPECT_EQ(r[1].rejection->code, ErrorCode::not_json);
  EXPECT_EQ(r[1].rejection->line, 2u);
  EXPECT_EQ(r[1].rejection->message, "not a JSON value: The input is not valid UTF-8");
  EXPECT_FALSE(r[2].rejection);
}

TEST(HostileStays, NulBytesAreNotJsonNamingTheLine) {
  // Inside a string, between tokens, and after the object.
  const std::string lines[] = {stay_fees(std::string("S\0", 2) + "1", "[]"),
                               std::string("{\"stay_id\":\0 \"S1\"}", 18), stay_fees("S1", "[]") + std::string(1, '\0')};
  for (const std::string& l : lines) {
    auto r = read("\n" + l + "\n", 1);
    ASSERT_EQ(r.size(), 1u);
    ASSERT_TRUE(r[0].rejection);
    EXPECT_EQ(r[0].rejection->code, ErrorCode::not_json) << r[0].rejection->message;
    EXPECT_EQ(r[0].rejection->line, 2u);
    EXPECT_EQ(r[0].rejection->message.rfind("not a JSON value: ", 0), 0u) << r[0].rejection->message;
  }
  // The escaped form \u0000 is JSON: a stay id may hold it, and it is written back escaped.
  auto r = read(stay_fees("S\\u0000", "[]") + "\n", 1);
  ASSERT_FALSE(r[0].rejection);
  EXPECT_EQ(r[0].stay.stay_id, std::string("S\0", 2));
  std::string out;
  write_json_string(out, r[0].stay.stay_id);
  EXPECT_EQ(out, "\"S\\u0000\"");
}

TEST(HostileStays, ByteOrderMarkOnlyAtTheStart) {
  const std::string bom = "\xEF\xBB\xBF";
  auto r = read(bom + stay_fees("S1", "[]") + "\n" + bom + stay_fees("S2", "[]") + "\n", 2);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_FALSE(r[0].rejection);
  ASSERT_TRUE(r[1].rejection);
  EXPECT_EQ(r[1].rejection->code, ErrorCode::not_json);
  EXPECT_EQ(r[1].rejection->line, 2u);
  // A byte-order mark and nothing else is an empty input.
  read(bom, 0);
  read(bom + "\n  \r\n", 0);
}

TEST(HostileStays, CrlfLineEnds) {
  auto r = read(stay_fees("S1", "[]") + "\r\n\r\n" + stay_fees("S2", "[]") + "\r\n{\r\n", 3);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_FALSE(r[0].rejection);
  EXPECT_EQ(r[0].line, 1u);
  EXPECT_FALSE(r[1].rejection);
  EXPECT_EQ(r[1].line, 3u);
  ASSERT_TRUE(r[2].rejection);
  EXPECT_EQ(r[2].rejection->code, ErrorCode::not_json);
  EXPECT_EQ(r[2].line, 4u);
}

// ---- size ----------------------------------------------------------------------

TEST(HostileStays, TenMegabyteLineIsReadUnderTheDefaultLimitAndRefusedUnderASmallOne) {
  // 10 MB: a fee line whose name is 10 million characters.
  const std::string big = stay_fees("S2", R"([{"category": "A", "amount": "1.00", "name": ")" + std::string(10'000'000, 'n') + "\"}]");
  ASSERT_GT(big.size(), 10'000'000u);
  const std::string text = stay_fees("S1", "[]") + "\n" + big + "\n" + stay_fees("S3", "[]") + "\n";
  auto r = read(text, 3);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_FALSE(r[1].rejection);
  EXPECT_EQ(r[1].stay.fees.at(0).name.size(), 10'000'000u);

  ReadLimits small;
  small.max_record_bytes = 1u << 20;
  r = read(text, 3, small);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_FALSE(r[0].rejection);
  ASSERT_TRUE(r[1].rejection);
  EXPECT_EQ(r[1].rejection->code, ErrorCode::not_json);
  EXPECT_EQ(r[1].rejection->line, 2u);
  EXPECT_EQ(r[1].rejection->field, "");
  EXPECT_EQ(r[1].rejection->message, "not a JSON value: record longer than 1048576 bytes");
  EXPECT_FALSE(r[2].rejection);
  EXPECT_EQ(r[2].line, 3u);
}

TEST(HostileStays, LongLineStartingWithBlanksIsARecordNotABlankLine) {
  // Regression: the line was cut to the limit before the blank test, so a
  // long line that starts with spaces vanished without a trace.
  ReadLimits small;
  small.max_record_bytes = 1000;
  for (std::size_t spaces : {std::size_t{999}, std::size_t{1001}, std::size_t{5000}, std::size_t{3u << 20}}) {
    const std::string text = std::string(spaces, ' ') + stay_fees("S1", "[]") + "\n" + stay_fees("S2", "[]") + "\n";
    auto r = read(text, 2, small);
    ASSERT_EQ(r.size(), 2u) << spaces;
    EXPECT_EQ(r[0].line, 1u);
    ASSERT_TRUE(r[0].rejection) << spaces;
    EXPECT_EQ(r[0].rejection->message, "not a JSON value: record longer than 1000 bytes");
    EXPECT_FALSE(r[1].rejection);
  }
  // A long line of nothing but blanks is still not a record.
  read(std::string(3u << 20, ' ') + "\r\n" + stay_fees("S2", "[]"), 1, small);
}

TEST(HostileStays, UnlimitedRecordSizeReadsEveryRecord) {
  // Regression: max_record_bytes = SIZE_MAX wrapped around inside the line
  // splitter and every record was dropped as a blank line.
  ReadLimits unlimited;
  unlimited.max_record_bytes = SIZE_MAX;
  auto r = read(stay_fees("S1", "[]") + "\n" + stay_fees("S2", "[]"), 2, unlimited);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_FALSE(r[0].rejection);
  EXPECT_FALSE(r[1].rejection);
  std::istringstream in(stay_fees("S1", "[]") + "\n");
  std::size_t n = 0;
  for_each_json_line(in, [&](std::string_view, std::uint64_t) { ++n; }, SIZE_MAX);
  EXPECT_EQ(n, 1u);
}

TEST(HostileStays, HundredThousandFeeLinesAreSettledAndOneMoreIsRefused) {
  auto make = [](std::size_t n) {
    std::string fees = "[";
    for (std::size_t i = 0; i < n; ++i) fees += i ? R"(, {"category": "A", "amount": "1.00"})" : R"({"category": "A", "amount": "1.00"})";
    return stay_fees("S1", fees + "]");
  };
  auto r = read(make(100'000) + "\n", 1);
  ASSERT_EQ(r.size(), 1u);
  ASSERT_FALSE(r[0].rejection) << r[0].rejection->message;
  EXPECT_EQ(r[0].stay.fees.size(), 100'000u);
  auto out = settle_batch(Plan::builtin(), r);
  ASSERT_TRUE(out[0].settled());
  EXPECT_EQ(out[0].settlement().buckets.total, Fen(10'000'000));
  EXPECT_EQ(out[0].settlement().paid_total() + out[0].settlement().psn_part_amt, Fen(10'000'000));

  EXPECT_EQ(rejected(make(100'001), ErrorCode::bad_value, "fees"), "fees: more than 100000 items");
}

TEST(HostileStays, ThousandListItemsAreReadAndOneMoreIsRefused) {
  auto dx = [](std::size_t n) {
    std::string d = "[";
    for (std::size_t i = 0; i < n; ++i) d += i ? ", \"J18.9\"" : "\"J18.9\"";
    return d + "]";
  };
  std::string ok = stay_fees("S1", "[]");
  ok.replace(ok.find(R"(["J18.9"])"), 9, dx(1000));
  accepted(ok);
  std::string over = stay_fees("S1", "[]");
  over.replace(over.find(R"(["J18.9"])"), 9, dx(1001));
  EXPECT_EQ(rejected(over, ErrorCode::bad_value, "diagnoses"), "diagnoses: more than 1000 items");
}

TEST(HostileStays, DeepJsonIsNotJson) {
  std::string deep = stay_fees("S1", "[]");
  deep.insert(deep.size() - 1, R"(, "x": )" + std::string(100'000, '[') + std::string(100'000, ']'));
  auto r = read(deep + "\n", 1);
  ASSERT_EQ(r.size(), 1u);
  ASSERT_TRUE(r[0].rejection);
  EXPECT_EQ(r[0].rejection->code, ErrorCode::not_json);
  EXPECT_EQ(r[0].rejection->line, 1u);
}

// ---- amounts -----------------------------------------------------------------------

TEST(HostileStays, AmountsAtAndJustOverTheBound) {
  accepted(amount_stay(R"("1000000000000.00")"));
  accepted(amount_stay("1000000000000"));
  EXPECT_EQ(rejected(amount_stay(R"("1000000000000.01")"), ErrorCode::bad_amount, "fees[0].amount"),
            "fees[0].amount: amount above 10^12 yuan");
  EXPECT_EQ(rejected(amount_stay("1000000000001"), ErrorCode::bad_amount, "fees[0].amount"),
            "fees[0].amount: amount above 10^12 yuan");
  EXPECT_EQ(rejected(amount_stay("99999999999999999999999999999"), ErrorCode::bad_amount, "fees[0].amount"),
            "fees[0].amount: amount above 10^12 yuan");
  // The stay's total: each line within the bound, the sum over it.
  const std::string two = stay_fees(
      "S1", R"([{"category": "A", "amount": "1000000000000.00"}, {"category": "C", "amount": "0.01"}])");
  EXPECT_EQ(rejected(two, ErrorCode::bad_amount, "fees"), "fees: the stay's total is above 10^12 yuan");
  // Buckets: each at most the bound, and they add up to a total within it.
  accepted(stay("S1", R"(, "buckets": {"total": "1000000000000.00", "full_selfpay": "0", "over_limit": "0", "pre_selfpay": "0", "in_scope": "1000000000000.00"})"));
  EXPECT_EQ(rejected(stay("S1", R"(, "buckets": {"total": "1000000000000.01", "full_selfpay": "0.01", "over_limit": "0", "pre_selfpay": "0", "in_scope": "1000000000000.00"})"),
                     ErrorCode::bad_amount, "buckets.total"),
            "buckets.total: amount above 10^12 yuan");
  // The largest stay settles exactly under every kind of channel.
  auto r = read(amount_stay(R"("1000000000000.00")") + "\n", 1);
  auto out = settle_batch(Plan::builtin(), r);
  ASSERT_TRUE(out[0].settled());
  const Settlement& s = out[0].settlement();
  EXPECT_EQ(s.buckets.total, max_amount);
  EXPECT_EQ(s.paid_total() + s.psn_part_amt, max_amount);
}

TEST(HostileStays, AmountSpellingsOutsideTheGrammarAreRefused) {
  struct Case {
    std::string raw, message;
  };
  const Case cases[] = {
      {R"("1.500")", "fees[0].amount: more than 2 fractional digits: '1.500'"},
      {"1.500", "fees[0].amount: more than 2 fractional digits: '1.500'"},
      {"1e3", "fees[0].amount: exponents are not allowed: '1e3'"},
      {R"("1E3")", "fees[0].amount: exponents are not allowed: '1E3'"},
      {"1.5e-2", "fees[0].amount: exponents are not allowed: '1.5e-2'"},
      {"NaN", "fees[0].amount: not a number: 'NaN'"},
      {R"("NaN")", "fees[0].amount: not a number: 'NaN'"},
      {"Infinity", "fees[0].amount: not a number: 'Infinity'"},
      {"-Infinity", "fees[0].amount: not a number: '-Infinity'"},
      {"-0", "fees[0].amount: signs are not allowed: '-0'"},
      {R"("-0.00")", "fees[0].amount: signs are not allowed: '-0.00'"},
      {R"("+5")", "fees[0].amount: signs are not allowed: '+5'"},
      {"-5", "fees[0].amount: negative amount: '-5'"},
      {R"("01")", "fees[0].amount: leading zeros are not allowed: '01'"},
      {R"("1.")", "fees[0].amount: a decimal point needs digits on both sides: '1.'"},
      {R"(".5")", "fees[0].amount: a decimal point needs digits on both sides: '.5'"},
      {R"(" 5")", "fees[0].amount: not a decimal number: ' 5'"},
      {R"("")", "fees[0].amount: empty: ''"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(rejected(amount_stay(c.raw), ErrorCode::bad_amount, "fees[0].amount"), c.message) << c.raw;
  }
  EXPECT_EQ(rejected(amount_stay("true"), ErrorCode::bad_type, "fees[0].amount"),
            "fees[0].amount: expected an amount (a number or a string), got a boolean");
}

// ---- keys ---------------------------------------------------------------------------

TEST(HostileStays, DuplicateKeysAreRefusedAtEveryLevel) {
  EXPECT_EQ(rejected(stay("S1", R"(, "fees": [], "age": 41)"), ErrorCode::duplicate_key, "age"),
            "age: key given more than once");
  EXPECT_EQ(rejected(stay_fees("S1", R"([{"category": "A", "amount": "1.00", "amount": "2.00"}])"),
                     ErrorCode::duplicate_key, "fees[0].amount"),
            "fees[0].amount: key given more than once");
  EXPECT_EQ(rejected(stay("S1", R"(, "buckets": {"total": 0, "total": 0, "full_selfpay": 0, "over_limit": 0, "pre_selfpay": 0, "in_scope": 0})"),
                     ErrorCode::duplicate_key, "buckets.total"),
            "buckets.total: key given more than once");
  EXPECT_EQ(rejected(stay("S1", R"(, "fees": [], "prior": {"basic": {"paid": 0, "paid": 1}})"), ErrorCode::duplicate_key,
                     "prior.basic.paid"),
            "prior.basic.paid: key given more than once");
  // Even a duplicate whose value is null (null counts as absent, but the key is given twice).
  EXPECT_EQ(rejected(stay("S1", R"(, "fees": [], "category": null, "category": "I")"), ErrorCode::duplicate_key,
                     "category"),
            "category: key given more than once");
}

TEST(HostileStays, UnknownKeysAreRefusedAtEveryLevel) {
  EXPECT_EQ(rejected(stay("S1", R"(, "fees": [], "colour": "red")"), ErrorCode::unknown_field, "colour"),
            "colour: unknown field");
  EXPECT_EQ(rejected(stay_fees("S1", R"([{"category": "A", "amount": "1.00", "discount": "0.5"}])"),
                     ErrorCode::unknown_field, "fees[0].discount"),
            "fees[0].discount: unknown field");
  EXPECT_EQ(rejected(stay("S1", R"(, "buckets": {"total": 0, "full_selfpay": 0, "over_limit": 0, "pre_selfpay": 0, "in_scope": 0, "tip": 0})"),
                     ErrorCode::unknown_field, "buckets.tip"),
            "buckets.tip: unknown field");
  EXPECT_EQ(rejected(stay("S1", R"(, "fees": [], "prior": {"basic": {"bonus": 1}})"), ErrorCode::unknown_field,
                     "prior.basic.bonus"),
            "prior.basic.bonus: unknown field");
}

// ---- dates ---------------------------------------------------------------------------

TEST(HostileStays, ImpossibleDatesAreRefused) {
  std::string s = stay_fees("S1", "[]");
  s.replace(s.find("2019-03-12"), 10, "2019-02-30");
  EXPECT_EQ(rejected(s, ErrorCode::bad_date, "discharged"), "discharged: no such date: 2019-02-30");
  s = stay_fees("S1", "[]");
  s.replace(s.find("2019-03-02"), 10, "2019-13-01");
  EXPECT_EQ(rejected(s, ErrorCode::bad_date, "admitted"), "admitted: no such date: 2019-13-01");
  s = stay_fees("S1", "[]");
  s.replace(s.find("2019-03-02"), 10, "2019-3-2");
  EXPECT_EQ(rejected(s, ErrorCode::bad_date, "admitted"), "admitted: not an ISO date (YYYY-MM-DD): '2019-3-2'");
  s = stay_fees("S1", "[]");
  s.replace(s.find("2019-03-02"), 10, "2019-03-13");  // after the discharge on 2019-03-12
  EXPECT_EQ(rejected(s, ErrorCode::bad_date, "admitted"), "admitted: after the discharge date");
}

// ---- batch-level -------------------------------------------------------------------

TEST(HostileStays, ReferralToALaterStayOrToItselfIsRefused) {
  const std::string first = stay_fees("S1", R"([{"category": "A", "amount": "5000.00"}])");
  std::string later = stay("S2", R"(, "fees": [], "referred_from": "S1")");
  later.replace(later.find("2019-03-02"), 10, "2019-04-02");
  later.replace(later.find("2019-03-12"), 10, "2019-04-12");
  // S1 refers to S2, which comes later in processing order.
  std::string to_later = stay("S1", R"(, "fees": [], "referred_from": "S2")");
  std::string s2 = later.substr(0, later.find(R"(, "referred_from")")) + "}";
  std::string self = stay("S3", R"(, "fees": [], "referred_from": "S3")");
  self.replace(self.find("P1"), 2, "P3");
  auto r = read(to_later + "\n" + s2 + "\n" + self + "\n", 3);
  auto out = settle_batch(Plan::builtin(), r);
  ASSERT_EQ(out.size(), 3u);
  ASSERT_FALSE(out[0].settled());
  EXPECT_EQ(out[0].rejection().code, ErrorCode::bad_referral);
  EXPECT_EQ(out[0].rejection().field, "referred_from");
  EXPECT_EQ(out[0].rejection().line, 1u);
  EXPECT_EQ(out[0].rejection().message,
            "referred_from: 'S2' is not a settled stay of person P1 earlier in processing order");
  ASSERT_FALSE(out[1].settled());  // the cascade: an earlier stay of P1 in 2019 was rejected
  EXPECT_EQ(out[1].rejection().code, ErrorCode::earlier_rejected);
  ASSERT_FALSE(out[2].settled());
  EXPECT_EQ(out[2].rejection().code, ErrorCode::bad_referral);
  EXPECT_EQ(out[2].rejection().line, 3u);
  EXPECT_EQ(out[2].rejection().message,
            "referred_from: 'S3' is not a settled stay of person P3 earlier in processing order");
  // The other way round, the referral is honoured.
  auto ok = settle_batch(Plan::builtin(), read(first + "\n" + later + "\n", 2));
  EXPECT_TRUE(ok[0].settled());
  EXPECT_TRUE(ok[1].settled());
}

TEST(HostileStays, DuplicateStayIdsKeepTheFirst) {
  std::string again = stay_fees("S1", R"([{"category": "A", "amount": "1.00"}])");
  again.replace(again.find("P1"), 2, "P2");
  auto r = read(stay_fees("S1", "[]") + "\n" + again + "\n" + again + "\n", 3);
  auto out = settle_batch(Plan::builtin(), r);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(out[0].settled());
  for (std::size_t i : {1u, 2u}) {
    ASSERT_FALSE(out[i].settled());
    EXPECT_EQ(out[i].rejection().code, ErrorCode::duplicate_stay_id);
    EXPECT_EQ(out[i].rejection().field, "stay_id");
    EXPECT_EQ(out[i].rejection().line, i + 1);
    EXPECT_EQ(out[i].rejection().message, "stay_id: 'S1' already used by an earlier record");
  }
}

TEST(HostileStays, EmptyInputHasNoRecords) {
  read("", 0);
  read("\n\n \t \r\n", 0);
  EXPECT_TRUE(settle_batch(Plan::builtin(), {}).empty());
  EXPECT_TRUE(read_csv_text("").empty());
  EXPECT_TRUE(read_csv_text(kCsvHeader).empty());
}

TEST(HostileStays, TruncatedLastLineIsNotJsonAndCounted) {
  const std::string whole = stay_fees("S2", R"([{"category": "A", "amount": "1.00"}])");
  for (std::size_t cut : {std::size_t{1}, std::size_t{20}, whole.size() / 2, whole.size() - 1}) {
    auto r = read(stay_fees("S1", "[]") + "\n" + whole.substr(0, cut), 2);
    ASSERT_EQ(r.size(), 2u);
    EXPECT_FALSE(r[0].rejection);
    ASSERT_TRUE(r[1].rejection) << cut;
    EXPECT_EQ(r[1].rejection->code, ErrorCode::not_json) << cut;
    EXPECT_EQ(r[1].rejection->line, 2u);
    auto out = settle_batch(Plan::builtin(), r);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_FALSE(out[1].settled());
  }
}

// ---- CSV ---------------------------------------------------------------------------

TEST(HostileCsv, InvalidUtf8AndNulInACellAreRefusedNamingTheColumn) {
  std::string row = kCsvRow;
  row.replace(row.find("J18.9"), 5, "J18\xFF");
  auto r = read_csv_text(kCsvHeader + row);
  ASSERT_EQ(r.size(), 1u);
  ASSERT_TRUE(r[0].rejection);
  EXPECT_EQ(r[0].rejection->code, ErrorCode::bad_value);
  EXPECT_EQ(r[0].rejection->field, "diagnoses");
  EXPECT_EQ(r[0].rejection->line, 2u);
  EXPECT_EQ(r[0].rejection->message, "diagnoses: not valid UTF-8");

  row = kCsvRow;
  row.replace(row.find("P1"), 2, std::string("P\0", 2));
  r = read_csv_text(kCsvHeader + row);
  ASSERT_EQ(r.size(), 1u);
  ASSERT_TRUE(r[0].rejection);
  EXPECT_EQ(r[0].rejection->code, ErrorCode::bad_value);
  EXPECT_EQ(r[0].rejection->field, "person_id");
  EXPECT_EQ(r[0].rejection->message, "person_id: contains a NUL byte");
}

TEST(HostileCsv, ByteOrderMarkAndCrlf) {
  std::string text = "\xEF\xBB\xBF" + kCsvHeader + kCsvRow + "\n" + kCsvRow;
  std::string crlf;
  for (char c : text) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  crlf.replace(crlf.rfind("S1"), 2, "S2");
  auto r = read_csv_text(crlf);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_FALSE(r[0].rejection) << r[0].rejection->message;
  EXPECT_EQ(r[0].line, 2u);
  EXPECT_EQ(r[0].stay.buckets->in_scope, Fen(10'000));  // "100.00\r" would not be an amount
  EXPECT_FALSE(r[1].rejection) << r[1].rejection->message;
  EXPECT_EQ(r[1].line, 4u);
}

TEST(HostileCsv, QuotedCarriageReturnBeforeTextCountsOnce) {
  // Regression: a CR after a closing quote and not followed by LF was
  // counted twice against max_record_bytes.
  ReadLimits limits;
  std::string row = kCsvRow;
  row.replace(row.find("S1"), 2, "\"S1\"\rx");
  row.replace(row.find("P1"), 2, "P" + std::string(300, '1'));  // longer than the header
  limits.max_record_bytes = row.size() - 1;  // the row without its LF
  std::istringstream in(kCsvHeader + row);
  auto r = read_csv(in, limits);
  ASSERT_EQ(r.size(), 1u);
  ASSERT_TRUE(r[0].rejection);
  EXPECT_EQ(r[0].rejection->field, "stay_id");
  EXPECT_EQ(r[0].rejection->message, "stay_id: characters after the closing quote");
}

TEST(HostileStays, OnePersonWithAHundredThousandChainedReferralsSettles) {
  // Regression: a referral was looked up in a list of the person's settled
  // stays, so a person with n stays, each referring to the one before, took
  // time in n^2 (42 s of CPU for 100,000). Here: every one settles. The time
  // and memory per stay against n are bench/edges_bench.cpp's
  // chained_referrals, beside n persons with one stay each.
  std::string text;
  for (int i = 0; i < 100'000; ++i) {
    char id[16], ref[64] = "";
    std::snprintf(id, sizeof id, "S%06d", i);
    if (i > 0) std::snprintf(ref, sizeof ref, R"(, "referred_from": "S%06d")", i - 1);
    text += stay(id, std::string(R"(, "fees": [{"category": "A", "amount": "1.00"}])") + ref) + "\n";
  }
  auto out = settle_batch(Plan::builtin(), read(text, 100'000));
  ASSERT_EQ(out.size(), 100'000u);
  for (const auto& o : out) ASSERT_TRUE(o.settled()) << o.rejection().message;
}
