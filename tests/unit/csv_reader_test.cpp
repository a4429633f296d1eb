// The CSV bucket-form reader (INTERCHANGE.md "Stays in", SEMANTICS.md §2, §10).
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "medsettle/reader.hpp"

using namespace medsettle;

namespace {

const std::string kHeader =
    "stay_id,person_id,identities,category,age,insurance,hospital_level,region,admitted,discharged,"
    "diagnoses,flags,referred_from,total,full_selfpay,over_limit,pre_selfpay,in_scope\n";

// A valid row in the canonical column order; 18 cells.
const std::string kRow =
    "S-1,P-17,registered_poor;dibao,II,56,employee,city,in_province,2019-03-02,2019-03-12,"
    "C16.9;I10,first_diagnosis;transplant,S-0,1000.00,100.00,50.50,49.50,800\n";

std::vector<Record> read(const std::string& text, ReadLimits limits = {}) {
  std::istringstream in(text);
  return read_csv(in, limits);
}

struct HeaderResult {
  bool ok;
  std::string error;
  std::size_t records;
};
HeaderResult read_header_only(const std::string& text) {
  std::istringstream in(text);
  std::string error;
  std::size_t n = 0;
  bool ok = read_csv(in, [&](Record&&) { ++n; }, &error);
  return {ok, error, n};
}

// Builds a row from the canonical valid row, replacing the cell of `column`.
std::string with(std::string_view column, std::string_view value) {
  static const std::vector<std::string> names{
      "stay_id", "person_id", "identities", "category", "age", "insurance", "hospital_level", "region", "admitted",
      "discharged", "diagnoses", "flags", "referred_from", "total", "full_selfpay", "over_limit", "pre_selfpay",
      "in_scope"};
  std::vector<std::string> cells{"S-1",        "P-17",       "",      "",    "56",    "",
                                 "county",     "in_county",  "2019-03-02", "2019-03-12", "C16.9", "",
                                 "",           "100.00",     "10.00", "0",   "5.00",  "85.00"};
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    out += names[i] == column ? std::string(value) : cells[i];
  }
  return out + "\n";
}

const Rejection& rejected(const std::vector<Record>& recs, std::size_t i = 0) {
  static const Rejection none{};
  EXPECT_LT(i, recs.size());
  if (i >= recs.size()) return none;
  EXPECT_TRUE(recs[i].rejection.has_value()) << "record " << i << " was accepted";
  return recs[i].rejection ? *recs[i].rejection : none;
}

void expect_reject(const std::string& row, ErrorCode code, std::string_view field, std::string_view message,
                   std::uint64_t line = 2) {
  auto recs = read(kHeader + row);
  ASSERT_EQ(recs.size(), 1u) << row;
  const Rejection& r = rejected(recs);
  EXPECT_EQ(name(r.code), name(code)) << row;
  EXPECT_EQ(r.field, field) << row;
  EXPECT_EQ(r.message, message) << row;
  EXPECT_EQ(r.line, line) << row;
  EXPECT_EQ(recs[0].line, line) << row;
}

}  // namespace

// ---- valid input ----------------------------------------------------------------

TEST(CsvReader, ValidRowInFull) {
  auto recs = read(kHeader + kRow);
  ASSERT_EQ(recs.size(), 1u);
  const Record& r = recs[0];
  ASSERT_FALSE(r.rejection) << r.rejection->message;
  EXPECT_EQ(r.line, 2u);
  EXPECT_TRUE(r.has_stay_id);
  EXPECT_TRUE(r.has_person_id);
  EXPECT_EQ(r.admitted_text, "2019-03-02");
  EXPECT_EQ(r.discharged_text, "2019-03-12");
  ASSERT_TRUE(r.discharged_date);
  EXPECT_EQ(*r.discharged_date, Date::from_ymd(2019, 3, 12));
  const Stay& s = r.stay;
  EXPECT_EQ(s.stay_id, "S-1");
  EXPECT_EQ(s.person_id, "P-17");
  EXPECT_EQ(s.identities, bit(Identity::registered_poor) | bit(Identity::dibao));
  EXPECT_EQ(s.category, Category::II);
  EXPECT_EQ(s.age, 56);
  EXPECT_EQ(s.insurance, Insurance::employee);
  EXPECT_EQ(s.hospital_level, HospitalLevel::city);
  EXPECT_EQ(s.region, Region::in_province);
  EXPECT_EQ(s.admitted, Date::from_ymd(2019, 3, 2));
  EXPECT_EQ(s.discharged, Date::from_ymd(2019, 3, 12));
  EXPECT_EQ(s.diagnoses, (std::vector<std::string>{"C16.9", "I10"}));
  EXPECT_EQ(s.flags, bit(Flag::first_diagnosis) | bit(Flag::transplant));
  ASSERT_TRUE(s.referred_from);
  EXPECT_EQ(*s.referred_from, "S-0");
  EXPECT_TRUE(s.fees.empty());
  EXPECT_FALSE(s.prior);
  ASSERT_TRUE(s.buckets);
  EXPECT_EQ(s.buckets->total, Fen(100000));
  EXPECT_EQ(s.buckets->full_selfpay, Fen(10000));
  EXPECT_EQ(s.buckets->over_limit, Fen(5050));
  EXPECT_EQ(s.buckets->pre_selfpay, Fen(4950));
  EXPECT_EQ(s.buckets->in_scope, Fen(80000));
}

TEST(CsvReader, ColumnsInAnyOrderAndOptionalColumnsLeftOut) {
  const std::string text =
      "in_scope,total,region,diagnoses,stay_id,admitted,pre_selfpay,age,discharged,over_limit,person_id,"
      "hospital_level,full_selfpay,category\n"
      "80.00,100.00,out_of_province,K35.8,S-9,2020-01-01,5.00,7,2020-01-03,5.00,P-2,province,10.00,I\n";
  auto recs = read(text);
  ASSERT_EQ(recs.size(), 1u);
  ASSERT_FALSE(recs[0].rejection) << recs[0].rejection->message;
  const Stay& s = recs[0].stay;
  EXPECT_EQ(s.stay_id, "S-9");
  EXPECT_EQ(s.person_id, "P-2");
  EXPECT_EQ(s.age, 7);
  EXPECT_EQ(s.category, Category::I);
  EXPECT_EQ(s.region, Region::out_of_province);
  EXPECT_EQ(s.hospital_level, HospitalLevel::province);
  EXPECT_EQ(s.insurance, Insurance::resident);
  EXPECT_EQ(s.identities, 0);
  EXPECT_EQ(s.flags, 0);
  EXPECT_EQ(s.diagnoses, std::vector<std::string>{"K35.8"});
  ASSERT_TRUE(s.buckets);
  EXPECT_EQ(*s.buckets, (Buckets{Fen(10000), Fen(1000), Fen(500), Fen(500), Fen(8000)}));
}

TEST(CsvReader, EmptyCellsAreAbsentValues) {
  auto recs = read(kHeader + with("category", ""));
  ASSERT_EQ(recs.size(), 1u);
  ASSERT_FALSE(recs[0].rejection) << recs[0].rejection->message;
  const Stay& s = recs[0].stay;
  EXPECT_EQ(s.category, Category::none);
  EXPECT_EQ(s.insurance, Insurance::resident);
  EXPECT_FALSE(s.referred_from);
  EXPECT_EQ(s.identities, 0);
  EXPECT_EQ(s.flags, 0);
  // A quoted empty cell is empty too.
  auto quoted = read(kHeader + with("referred_from", "\"\""));
  ASSERT_EQ(quoted.size(), 1u);
  ASSERT_FALSE(quoted[0].rejection);
  EXPECT_FALSE(quoted[0].stay.referred_from);
}

TEST(CsvReader, QuotedCellsWithCommasNewlinesAndDoubledQuotes) {
  std::string text = kHeader;
  text += with("stay_id", "\"S,1\"");
  text += with("stay_id", "\"S\n2\"");  // starts on line 3, ends on line 4
  text += with("stay_id", "\"S \"\"3\"\"\"");
  text += with("diagnoses", "\"A01;B02\"");
  text += with("stay_id", "\"S\r\n5\"");  // CRLF inside a quoted cell is kept
  auto recs = read(text);
  ASSERT_EQ(recs.size(), 5u);
  for (const Record& r : recs) ASSERT_FALSE(r.rejection) << r.rejection->message;
  EXPECT_EQ(recs[0].stay.stay_id, "S,1");
  EXPECT_EQ(recs[0].line, 2u);
  EXPECT_EQ(recs[1].stay.stay_id, "S\n2");
  EXPECT_EQ(recs[1].line, 3u);
  EXPECT_EQ(recs[2].stay.stay_id, "S \"3\"");
  EXPECT_EQ(recs[2].line, 5u);
  EXPECT_EQ(recs[3].stay.diagnoses, (std::vector<std::string>{"A01", "B02"}));
  EXPECT_EQ(recs[3].line, 6u);
  EXPECT_EQ(recs[4].stay.stay_id, "S\r\n5");
  EXPECT_EQ(recs[4].line, 7u);
}

TEST(CsvReader, QuotedHeaderNames) {
  std::string text = kHeader;
  text.replace(0, 7, "\"stay_id\"");
  auto recs = read(text + kRow);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_FALSE(recs[0].rejection);
}

TEST(CsvReader, LineNumbersAfterMultiLineCellInRejection) {
  std::string text = kHeader + with("stay_id", "\"a\nb\nc\"") + with("age", "x");
  auto recs = read(text);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_FALSE(recs[0].rejection);
  EXPECT_EQ(recs[0].line, 2u);
  EXPECT_EQ(rejected(recs, 1).line, 5u);
  EXPECT_EQ(recs[1].line, 5u);
}

TEST(CsvReader, CrlfLineEnds) {
  std::string text = kHeader + kRow + with("stay_id", "S-2") + with("stay_id", "\"S-3\"");
  std::string crlf;
  for (char c : text) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  auto recs = read(crlf);
  ASSERT_EQ(recs.size(), 3u);
  for (const Record& r : recs) ASSERT_FALSE(r.rejection) << r.rejection->message;
  EXPECT_EQ(recs[0].stay.stay_id, "S-1");
  EXPECT_EQ(recs[0].stay.buckets->in_scope, Fen(80000));  // no CR left on the last cell
  EXPECT_EQ(recs[1].stay.stay_id, "S-2");
  EXPECT_EQ(recs[2].stay.stay_id, "S-3");
  EXPECT_EQ(recs[2].line, 4u);
}

TEST(CsvReader, ByteOrderMark) {
  auto recs = read("\xEF\xBB\xBF" + kHeader + kRow);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_FALSE(recs[0].rejection);
  EXPECT_EQ(recs[0].line, 2u);
}

TEST(CsvReader, BlankLinesAreNotRecords) {
  std::string text = "\n" + kHeader + "\n  \t\n" + kRow + "\r\n \r\n" + with("stay_id", "S-2") + "\n";
  auto recs = read(text);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_FALSE(recs[0].rejection);
  EXPECT_EQ(recs[0].line, 5u);
  EXPECT_FALSE(recs[1].rejection);
  EXPECT_EQ(recs[1].line, 8u);
}

TEST(CsvReader, LastLineWithoutNewlineIsRead) {
  std::string row = with("stay_id", "S-last");
  row.pop_back();
  auto recs = read(kHeader + kRow + row);
  ASSERT_EQ(recs.size(), 2u);
  ASSERT_FALSE(recs[1].rejection) << recs[1].rejection->message;
  EXPECT_EQ(recs[1].stay.stay_id, "S-last");
  EXPECT_EQ(recs[1].stay.buckets->in_scope, Fen(8500));
  EXPECT_EQ(recs[1].line, 3u);
  // And with a CR but no LF.
  auto cr = read(kHeader + row + "\r");
  ASSERT_EQ(cr.size(), 1u);
  EXPECT_FALSE(cr[0].rejection);
}

TEST(CsvReader, HeaderOnlyIsNoRecords) {
  auto h = read_header_only(kHeader);
  EXPECT_TRUE(h.ok);
  EXPECT_EQ(h.records, 0u);
}

TEST(CsvReader, NoTextCellTrimming) {
  // Spaces belong to the cell: an amount with a space is not an amount.
  expect_reject(with("total", " 100.00"), ErrorCode::bad_amount, "total", "total: not a decimal number: ' 100.00'");
  expect_reject(with("region", "\"in_county \""), ErrorCode::bad_value, "region",
                "region: unknown value 'in_county ' (expected one of in_county, in_city, in_province, "
                "out_of_province)");
}

// ---- rejections: cells ---------------------------------------------------------

TEST(CsvReaderErrors, MissingRequiredValue) {
  for (std::string_view col : {"stay_id", "person_id", "age", "hospital_level", "region", "admitted", "discharged",
                               "diagnoses", "total", "full_selfpay", "over_limit", "pre_selfpay", "in_scope"}) {
    expect_reject(with(col, ""), ErrorCode::missing_field, col, std::string(col) + ": required field is missing");
  }
  auto recs = read(kHeader + with("age", ""));
  EXPECT_EQ(rejected(recs).stay_id, "S-1");
}

TEST(CsvReaderErrors, StayIdReadableOrNot) {
  auto recs = read(kHeader + with("stay_id", ""));
  EXPECT_FALSE(rejected(recs).stay_id);
  EXPECT_FALSE(recs[0].has_stay_id);
  EXPECT_TRUE(recs[0].has_person_id);
  auto bad = read(kHeader + with("region", "nowhere"));
  EXPECT_EQ(rejected(bad).stay_id, "S-1");
  EXPECT_TRUE(bad[0].has_stay_id);
  EXPECT_EQ(bad[0].stay.person_id, "P-17");
  ASSERT_TRUE(bad[0].discharged_date);  // still read, to place the rejection in processing order
  EXPECT_EQ(bad[0].discharged_text, "2019-03-12");
}

TEST(CsvReaderErrors, EnumValues) {
  expect_reject(with("identities", "dibao;poor"), ErrorCode::bad_value, "identities[1]",
                "identities[1]: unknown value 'poor' (expected one of registered_poor, dibao, tekun, poor_disabled, "
                "marginal)");
  expect_reject(with("identities", "dibao;"), ErrorCode::bad_value, "identities[1]",
                "identities[1]: unknown value '' (expected one of registered_poor, dibao, tekun, poor_disabled, "
                "marginal)");
  expect_reject(with("flags", "Transplant"), ErrorCode::bad_value, "flags[0]",
                "flags[0]: unknown value 'Transplant' (expected one of first_diagnosis, transplant, tcm_clinic)");
  expect_reject(with("category", "IV"), ErrorCode::bad_value, "category",
                "category: unknown value 'IV' (expected one of I, II, III)");
  expect_reject(with("insurance", "private"), ErrorCode::bad_value, "insurance",
                "insurance: unknown value 'private' (expected one of resident, employee)");
  expect_reject(with("hospital_level", "County"), ErrorCode::bad_value, "hospital_level",
                "hospital_level: unknown value 'County' (expected one of village, township, county, city, province)");
  expect_reject(with("region", "abroad"), ErrorCode::bad_value, "region",
                "region: unknown value 'abroad' (expected one of in_county, in_city, in_province, out_of_province)");
}

TEST(CsvReaderErrors, Age) {
  expect_reject(with("age", "56.0"), ErrorCode::bad_type, "age", "age: expected an integer, got '56.0'");
  expect_reject(with("age", "x"), ErrorCode::bad_type, "age", "age: expected an integer, got 'x'");
  expect_reject(with("age", "056"), ErrorCode::bad_type, "age", "age: expected an integer, got '056'");
  expect_reject(with("age", "+5"), ErrorCode::bad_type, "age", "age: expected an integer, got '+5'");
  expect_reject(with("age", "151"), ErrorCode::bad_value, "age", "age: 151 is not within 0..150");
  expect_reject(with("age", "-1"), ErrorCode::bad_value, "age", "age: -1 is not within 0..150");
  expect_reject(with("age", "99999999999999999999"), ErrorCode::bad_value, "age",
                "age: 99999999999999999999 is out of range");
  auto ok = read(kHeader + with("age", "0") + with("age", "150"));
  ASSERT_EQ(ok.size(), 2u);
  EXPECT_FALSE(ok[0].rejection);
  EXPECT_EQ(ok[1].stay.age, 150);
}

TEST(CsvReaderErrors, Dates) {
  expect_reject(with("admitted", "2019-02-30"), ErrorCode::bad_date, "admitted", "admitted: no such date: 2019-02-30");
  expect_reject(with("discharged", "2019/03/12"), ErrorCode::bad_date, "discharged",
                "discharged: not an ISO date (YYYY-MM-DD): '2019/03/12'");
  expect_reject(with("admitted", "2019-03-13"), ErrorCode::bad_date, "admitted", "admitted: after the discharge date");
  auto recs = read(kHeader + with("admitted", "2019-02-30"));
  EXPECT_EQ(recs[0].admitted_text, "2019-02-30");
  ASSERT_TRUE(recs[0].discharged_date);
  auto bad_discharge = read(kHeader + with("discharged", "2019-13-01"));
  EXPECT_EQ(bad_discharge[0].discharged_text, "2019-13-01");
  EXPECT_FALSE(bad_discharge[0].discharged_date);
}

TEST(CsvReaderErrors, Diagnoses) {
  expect_reject(with("diagnoses", "A01;;B02"), ErrorCode::bad_value, "diagnoses[1]", "diagnoses[1]: must not be empty");
  ReadLimits limits;
  limits.max_list_items = 2;
  auto recs = read(kHeader + with("diagnoses", "A;B;C"), limits);
  const Rejection& r = rejected(recs);
  EXPECT_EQ(r.code, ErrorCode::bad_value);
  EXPECT_EQ(r.field, "diagnoses");
  EXPECT_EQ(r.message, "diagnoses: more than 2 items");
}

TEST(CsvReaderErrors, Amounts) {
  expect_reject(with("total", "1.234"), ErrorCode::bad_amount, "total", "total: more than 2 fractional digits: '1.234'");
  expect_reject(with("over_limit", "1.500"), ErrorCode::bad_amount, "over_limit",
                "over_limit: more than 2 fractional digits: '1.500'");
  expect_reject(with("in_scope", "-5"), ErrorCode::bad_amount, "in_scope", "in_scope: negative amount: '-5'");
  expect_reject(with("pre_selfpay", "1e3"), ErrorCode::bad_amount, "pre_selfpay",
                "pre_selfpay: exponents are not allowed: '1e3'");
  expect_reject(with("full_selfpay", "1000000000001"), ErrorCode::bad_amount, "full_selfpay",
                "full_selfpay: amount above 10^12 yuan");
  auto recs = read(kHeader + with("total", "x"));
  EXPECT_FALSE(recs[0].stay.buckets);
}

TEST(CsvReaderErrors, BucketsMismatch) {
  expect_reject(with("total", "100.01"), ErrorCode::buckets_mismatch, "buckets",
                "buckets.total 100.01 is not the sum of the other four (100.00)");
  auto recs = read(kHeader + with("total", "100.01"));
  EXPECT_FALSE(recs[0].stay.buckets);
}

TEST(CsvReaderErrors, InvalidBytes) {
  expect_reject(with("person_id", "P\xFF"), ErrorCode::bad_value, "person_id", "person_id: not valid UTF-8");
  expect_reject(with("diagnoses", "\xC0\xAF"), ErrorCode::bad_value, "diagnoses", "diagnoses: not valid UTF-8");
  expect_reject(with("stay_id", "\xED\xA0\x80"), ErrorCode::bad_value, "stay_id", "stay_id: not valid UTF-8");
  expect_reject(with("stay_id", "S\xE4\xB8"), ErrorCode::bad_value, "stay_id", "stay_id: not valid UTF-8");
  expect_reject(with("stay_id", std::string("S\0X", 3)), ErrorCode::bad_value, "stay_id", "stay_id: contains a NUL byte");
  // Valid multi-byte UTF-8 is fine.
  auto ok = read(kHeader + with("person_id", "张三\xF0\x9F\x98\x80"));
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_FALSE(ok[0].rejection);
  EXPECT_EQ(ok[0].stay.person_id, "张三\xF0\x9F\x98\x80");
}

TEST(CsvReaderErrors, StrayQuotes) {
  expect_reject(with("person_id", "P\"17"), ErrorCode::bad_value, "person_id",
                "person_id: a double quote inside an unquoted cell (quote the cell and double the quote)");
  expect_reject(with("person_id", "\"P\"17"), ErrorCode::bad_value, "person_id",
                "person_id: characters after the closing quote");
}

TEST(CsvReaderErrors, FirstErrorInHeaderOrderThenMissingThenCrossField) {
  // Two bad cells: the earlier column wins.
  std::string row = with("age", "x");
  row.replace(row.find("in_county"), 9, "moon");
  expect_reject(row, ErrorCode::bad_type, "age", "age: expected an integer, got 'x'");
  // A bad cell beats a missing one and a mismatch.
  std::string row2 = with("person_id", "");
  row2.replace(row2.find("100.00"), 6, "99.00");
  row2.replace(row2.find("in_county"), 9, "moon");
  expect_reject(row2, ErrorCode::bad_value, "region",
                "region: unknown value 'moon' (expected one of in_county, in_city, in_province, out_of_province)");
  // Missing beats a mismatch.
  std::string row3 = with("person_id", "");
  row3.replace(row3.find("100.00"), 6, "99.00");
  expect_reject(row3, ErrorCode::missing_field, "person_id", "person_id: required field is missing");
  // In the order of the header: with the columns reordered, region comes first.
  auto recs = read(
      "region,age,stay_id,person_id,hospital_level,admitted,discharged,diagnoses,total,full_selfpay,over_limit,"
      "pre_selfpay,in_scope\n"
      "moon,x,S,P,county,2019-01-01,2019-01-02,A,0,0,0,0,0\n");
  EXPECT_EQ(rejected(recs).field, "region");
}

// ---- rejections: records --------------------------------------------------------

TEST(CsvReaderErrors, WrongCellCount) {
  std::string text = kHeader + "S-1,P-17\n" + kRow + "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s\n" + "lonely\n";
  auto recs = read(text);
  ASSERT_EQ(recs.size(), 4u);
  const Rejection& r = rejected(recs, 0);
  EXPECT_EQ(r.code, ErrorCode::bad_value);
  EXPECT_EQ(r.field, "");
  EXPECT_EQ(r.message, "row has 2 cells, the header has 18");
  EXPECT_EQ(r.line, 2u);
  EXPECT_FALSE(r.stay_id);
  EXPECT_FALSE(recs[1].rejection);
  EXPECT_EQ(rejected(recs, 2).message, "row has 19 cells, the header has 18");
  EXPECT_EQ(rejected(recs, 2).line, 4u);
  EXPECT_EQ(rejected(recs, 3).message, "row has 1 cell, the header has 18");
  EXPECT_EQ(rejected(recs, 3).line, 5u);
}

TEST(CsvReaderErrors, AStrayQuoteCostsOnlyItsOwnRecord) {
  // The quote opened in line 3 is never closed: line 3 alone is rejected,
  // and line 4 is read again as the record it is (it used to be swallowed).
  std::string text = kHeader + kRow + "S-2,\"P-17,oops\n" + kRow;
  auto recs = read(text);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_FALSE(recs[0].rejection);
  const Rejection& r = rejected(recs, 1);
  EXPECT_EQ(r.code, ErrorCode::bad_value);
  EXPECT_EQ(r.field, "");
  EXPECT_EQ(r.message, "a quoted field opened on this line is not closed on it, and the lines after it are read as "
                       "records of their own");
  EXPECT_EQ(r.line, 3u);
  EXPECT_FALSE(r.stay_id);
  EXPECT_FALSE(recs[2].rejection);
  EXPECT_EQ(recs[2].line, 4u);
  // On the last line, with nothing after it, the quote is simply unterminated.
  auto last = read(kHeader + kRow + "S-2,\"P-17,oops\n");
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(rejected(last, 1).message, "unterminated quoted field");
}

TEST(CsvReaderErrors, ARecordTooLongToReadAgainKeepsItsLinesCounted) {
  // Found by fuzz_csv. With a 200-byte limit, a record opens a quote on line
  // 2 ("a) that runs over a 300-byte line 3 (too long to read again, so the
  // record stays whole), where another quote opens ("b) and spans to line 4.
  // It is one malformed record of 3 cells, lines 2-4; the next record starts
  // on line 5. (The reader used to start over at the second quote's line
  // end, cut the record back to line 2, and read "c" as line 3.)
  ReadLimits limits;
  limits.max_record_bytes = 200;
  const std::string text = kHeader + "S-1,\"a\n" + std::string(300, 'x') + "\",\"b\nc\"\n" + kRow;
  auto recs = read(text, limits);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_TRUE(recs[0].rejection);
  EXPECT_EQ(recs[0].line, 2u);
  EXPECT_EQ(recs[1].line, 5u);
  EXPECT_FALSE(recs[1].rejection);
}

TEST(CsvReaderErrors, AQuotedFieldMaySpanLinesWhenTheRecordIsWellFormed) {
  // RFC 4180: a quoted cell holds a line end; the record is line 2-3, the next is line 4.
  std::string text = kHeader + with("referred_from", "\"S-\n0\"") + kRow;
  auto recs = read(text);
  ASSERT_EQ(recs.size(), 2u);
  ASSERT_FALSE(recs[0].rejection) << recs[0].rejection->message;
  EXPECT_EQ(*recs[0].stay.referred_from, "S-\n0");
  EXPECT_EQ(recs[1].line, 4u);
}

TEST(CsvReaderErrors, RecordLongerThanLimit) {
  ReadLimits limits;
  limits.max_record_bytes = 600;
  std::string huge = with("diagnoses", std::string(5000, 'A'));
  std::string huge_quoted = with("diagnoses", "\"" + std::string(3000, '\n') + "\"");
  std::string text = kHeader + huge + kRow + huge_quoted + kRow;
  auto recs = read(text, limits);
  ASSERT_EQ(recs.size(), 5u);
  EXPECT_EQ(rejected(recs, 0).message, "record longer than 600 bytes");
  EXPECT_EQ(rejected(recs, 0).code, ErrorCode::bad_value);
  EXPECT_EQ(rejected(recs, 0).field, "");
  EXPECT_EQ(recs[0].line, 2u);
  EXPECT_FALSE(recs[1].rejection);
  EXPECT_EQ(recs[1].line, 3u);
  // A quoted cell of 3000 line ends is past the 100 a cell may hold: its
  // first line is rejected, the 2999 blank lines after it are not records,
  // the closing quote on line 4 + 3000 = 3004 opens a quote of its own that
  // is not closed (rejected alone), and the last row is read as it is.
  EXPECT_NE(rejected(recs, 2).message.find("is not closed on it"), std::string::npos);
  EXPECT_EQ(recs[2].line, 4u);
  EXPECT_NE(rejected(recs, 3).message.find("is not closed on it"), std::string::npos);
  EXPECT_EQ(recs[3].line, 3004u);
  EXPECT_FALSE(recs[4].rejection);
  EXPECT_EQ(recs[4].line, 3005u);
  // Many separators count too.
  auto commas = read(kHeader + std::string(5000, ',') + "\n" + kRow, limits);
  ASSERT_EQ(commas.size(), 2u);
  EXPECT_EQ(rejected(commas, 0).message, "record longer than 600 bytes");
  EXPECT_FALSE(commas[1].rejection);
}

// ---- header -------------------------------------------------------------------

TEST(CsvHeader, UnknownColumn) {
  std::string text = kHeader;
  text.replace(text.find("flags"), 5, "flagz");
  auto h = read_header_only(text + kRow);
  EXPECT_FALSE(h.ok);
  EXPECT_EQ(h.records, 0u);
  EXPECT_NE(h.error.find("unknown column 'flagz'"), std::string::npos) << h.error;
  EXPECT_NE(h.error.find("position 12"), std::string::npos) << h.error;
}

TEST(CsvHeader, NamesAreExact) {
  std::string text = kHeader;
  text.replace(0, 7, " stay_id");
  auto h = read_header_only(text + kRow);
  EXPECT_FALSE(h.ok);
  EXPECT_NE(h.error.find("unknown column ' stay_id'"), std::string::npos) << h.error;
  auto upper = read_header_only("STAY_ID" + kHeader.substr(7) + kRow);
  EXPECT_FALSE(upper.ok);
  EXPECT_NE(upper.error.find("'STAY_ID'"), std::string::npos) << upper.error;
}

TEST(CsvHeader, DuplicateColumn) {
  std::string text = kHeader;
  text.insert(text.size() - 1, ",age");
  auto h = read_header_only(text + kRow);
  EXPECT_FALSE(h.ok);
  EXPECT_EQ(h.records, 0u);
  EXPECT_NE(h.error.find("'age' given more than once"), std::string::npos) << h.error;
}

TEST(CsvHeader, MissingRequiredColumn) {
  std::string text = kHeader;
  text.erase(text.find(",pre_selfpay"), 12);
  auto h = read_header_only(text);
  EXPECT_FALSE(h.ok);
  EXPECT_NE(h.error.find("required column 'pre_selfpay' is missing"), std::string::npos) << h.error;
  std::istringstream in(text + kRow);
  EXPECT_TRUE(read_csv(in).empty());
}

TEST(CsvHeader, ManyColumns) {
  std::string text = kHeader;
  text.pop_back();
  for (int i = 0; i < 50; ++i) text += ",stay_id";
  auto h = read_header_only(text + "\n");
  EXPECT_FALSE(h.ok);
  EXPECT_NE(h.error.find("'stay_id' given more than once (positions 1 and 19)"), std::string::npos) << h.error;
}

TEST(CsvHeader, EmptyInputAndUnusableHeader) {
  auto empty = read_header_only("");
  EXPECT_FALSE(empty.ok);
  EXPECT_NE(empty.error.find("no header"), std::string::npos);
  auto blank = read_header_only("\xEF\xBB\xBF\n \n");
  EXPECT_FALSE(blank.ok);
  auto unterminated = read_header_only("\"stay_id,person_id\n");
  EXPECT_FALSE(unterminated.ok);
  EXPECT_NE(unterminated.error.find("unterminated"), std::string::npos);
  auto junk = read_header_only(std::string("\xFF\x01,x\n", 5));
  EXPECT_FALSE(junk.ok);
  EXPECT_NE(junk.error.find("'\\xFF\\x01'"), std::string::npos) << junk.error;
  // Null error pointer is fine.
  std::istringstream in("nope\n");
  EXPECT_FALSE(read_csv(in, [](Record&&) {}, nullptr));
}

// ---- nothing lost ---------------------------------------------------------------

TEST(CsvReader, EveryRowYieldsOneRecord) {
  std::vector<std::string> rows = {
      kRow,
      with("age", "x"),
      with("total", "1.234"),
      "S,P\n",
      with("stay_id", "\"multi\nline\""),
      with("total", "100.01"),
      with("region", ""),
      with("person_id", "P\xFF"),
      std::string("\0\0\0,\xFF\n", 6),
      ",,,,,,,,,,,,,,,,,\n",
      with("stay_id", "\"q\"\"q\""),
      with("stay_id", "S-last"),
  };
  std::string text = kHeader;
  std::size_t expected = 0;
  for (int round = 0; round < 50; ++round) {
    for (const std::string& r : rows) {
      text += r;
      if (round % 3 == 0) text += "\n";  // blank lines in between
      ++expected;
    }
  }
  std::istringstream in(text);
  std::size_t n = 0, accepted = 0;
  std::uint64_t last_line = 0;
  bool ok = read_csv(in, [&](Record&& r) {
    ++n;
    if (!r.rejection) ++accepted;
    EXPECT_GT(r.line, last_line);
    last_line = r.line;
    if (r.rejection) EXPECT_EQ(r.rejection->line, r.line);
  });
  EXPECT_TRUE(ok);
  EXPECT_EQ(n, expected);
  EXPECT_EQ(accepted, 50u * 4u);  // kRow, multi-line, doubled quote, S-last
}

TEST(CsvReader, ArbitraryBytesNeverCrash) {
  // Every byte value, in every position relative to quotes and separators.
  std::string noise;
  std::uint32_t x = 12345;
  for (int i = 0; i < 200000; ++i) {
    x = x * 1103515245u + 12345u;
    char c = static_cast<char>(x >> 16);
    switch ((x >> 8) % 8) {
      case 0: c = ','; break;
      case 1: c = '"'; break;
      case 2: c = '\n'; break;
      default: break;
    }
    noise += c;
  }
  ReadLimits limits;
  limits.max_record_bytes = 1000;
  std::istringstream in(kHeader + noise);
  std::size_t n = 0;
  EXPECT_TRUE(read_csv(in, [&](Record&& r) { ++n; EXPECT_TRUE(r.rejection || !r.stay.stay_id.empty()); }, nullptr,
                       limits));
  EXPECT_GT(n, 0u);
}

TEST(CsvReader, LargeInputAcrossBlocks) {
  // Rows that straddle the reader's block boundaries, quoted cells included.
  std::string text = kHeader;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    text += i % 2 ? with("stay_id", "\"S," + std::to_string(i) + "\"") : with("stay_id", "S-" + std::to_string(i));
  }
  std::istringstream in(text);
  int seen = 0;
  EXPECT_TRUE(read_csv(in, [&](Record&& r) {
    ASSERT_FALSE(r.rejection) << r.rejection->message;
    EXPECT_EQ(r.stay.stay_id, (seen % 2 ? "S," : "S-") + std::to_string(seen));
    EXPECT_EQ(r.line, static_cast<std::uint64_t>(seen) + 2);
    ++seen;
  }));
  EXPECT_EQ(seen, n);
}
