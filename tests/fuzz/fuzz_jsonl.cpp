// libFuzzer: the JSON Lines reader on arbitrary bytes.
//
// - read_jsonl returns exactly one Record per non-blank line, with its
//   physical line number (counted by an independent splitter), under the
//   default limits and under tiny ones;
// - JsonStayReader::read of the whole input as one record never throws;
// - a record read as valid is a stay SEMANTICS.md §2 allows, and
//   peek_person (which settle_stream's grouping relies on) agrees with it;
// - a fee line written without spaces, which the reader takes from the
//   document's bytes (Walker::plain_fee), reads as the same line with a
//   space after its `{` does, which is walked value by value: the same
//   stay, or the same rejection (for text that is not JSON, the same code);
// - a line, and a line short of its last byte, read where it lies
//   (JsonStayReader::read_in_place, one by one and as a list into records
//   that held other lines) reads as the same text copied does, whatever
//   byte follows it, and nothing past its padding is read.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "big_block_cache.hpp"  // see there: 1 MiB line buffers without ASan's mmap per call
#include "fuzz_common.hpp"

using namespace medsettle;

namespace {

/// `text` with a space after every `{` that starts `{"category":`. In JSON
/// such a `{` is never inside a string (its `"` would end the string, and
/// `category` would follow it bare), so the record means the same; the
/// space sends its fee lines the long way.
std::string spaced_fee_lines(std::string_view text) {
  static constexpr std::string_view start = R"({"category":)";
  std::string out;
  out.reserve(text.size() + 64);
  std::size_t from = 0;
  for (std::size_t at = text.find(start); at != std::string_view::npos; at = text.find(start, at + 1)) {
    out.append(text.substr(from, at + 1 - from));
    out += ' ';
    from = at + 1;
  }
  out.append(text.substr(from));
  return out;
}

void check_same_reading(const Record& plain, const Record& walked) {
  FUZZ_CHECK(plain.rejection.has_value() == walked.rejection.has_value(),
             std::string("fee lines without spaces: ") + (plain.rejection ? "rejected" : "read") +
                 ", with spaces: " + (walked.rejection ? walked.rejection->message : "read"));
  if (plain.rejection) {
    const Rejection& a = *plain.rejection;
    const Rejection& b = *walked.rejection;
    FUZZ_CHECK(a.code == b.code, "fee lines without spaces: " + a.message + " / with spaces: " + b.message);
    if (a.code != ErrorCode::not_json) {
      FUZZ_CHECK(a.field == b.field && a.message == b.message,
                 "fee lines without spaces: " + a.message + " / with spaces: " + b.message);
    }
    return;
  }
  const std::vector<FeeLine>& x = plain.stay.fees;
  const std::vector<FeeLine>& y = walked.stay.fees;
  FUZZ_CHECK(x.size() == y.size(), "fee lines without spaces: a different number of lines");
  for (std::size_t i = 0; i < x.size(); ++i) {
    FUZZ_CHECK(x[i].category == y[i].category && x[i].amount == y[i].amount && x[i].over_limit == y[i].over_limit &&
                   x[i].selfpay_ratio == y[i].selfpay_ratio && x[i].code == y[i].code && x[i].name == y[i].name,
               "fee lines without spaces: line " + std::to_string(i) + " reads differently");
  }
}

/// `a` and `b`, one line read two ways, read alike: the same line, ids
/// and rejection (code, field, message, stay id), or the same stay.
void check_same_record(const Record& a, const Record& b, const std::string& what) {
  FUZZ_CHECK(a.line == b.line && a.rejection.has_value() == b.rejection.has_value() && a.checked == b.checked &&
                 a.has_stay_id == b.has_stay_id && a.has_person_id == b.has_person_id &&
                 a.stay.stay_id == b.stay.stay_id && a.stay.person_id == b.stay.person_id,
             what + ": read differently (" + (a.rejection ? a.rejection->message : "read") + " / " +
                 (b.rejection ? b.rejection->message : "read") + ")");
  if (a.rejection) {
    const Rejection& x = *a.rejection;
    const Rejection& y = *b.rejection;
    FUZZ_CHECK(x.code == y.code && x.field == y.field && x.message == y.message && x.stay_id == y.stay_id &&
                   x.line == y.line,
               what + ": " + x.message + " / " + y.message);
    return;
  }
  const Stay& s = a.stay;
  const Stay& t = b.stay;
  FUZZ_CHECK(s.age == t.age && s.category == t.category && s.insurance == t.insurance &&
                 s.hospital_level == t.hospital_level && s.region == t.region && s.admitted == t.admitted &&
                 s.discharged == t.discharged && s.diagnoses == t.diagnoses && s.identities == t.identities &&
                 s.flags == t.flags && s.referred_from == t.referred_from && s.buckets == t.buckets &&
                 a.admitted_text == b.admitted_text && a.discharged_text == b.discharged_text &&
                 a.discharged_date == b.discharged_date && s.prior.has_value() == t.prior.has_value() &&
                 (!s.prior || s.prior->size() == t.prior->size()) && s.fees.size() == t.fees.size(),
             what + ": the stays differ");
  for (std::size_t i = 0; s.prior && i < s.prior->size(); ++i) {
    const PriorEntry& x = (*s.prior)[i];
    const PriorEntry& y = (*t.prior)[i];
    FUZZ_CHECK(x.channel == y.channel && x.accumulated == y.accumulated && x.paid == y.paid && x.grants == y.grants,
               what + ": prior entry " + std::to_string(i) + " differs");
  }
  for (std::size_t i = 0; i < s.fees.size(); ++i) {
    const FeeLine& x = s.fees[i];
    const FeeLine& y = t.fees[i];
    FUZZ_CHECK(x.category == y.category && x.amount == y.amount && x.over_limit == y.over_limit &&
                   x.selfpay_ratio == y.selfpay_ratio && x.code == y.code && x.name == y.name,
               what + ": fee line " + std::to_string(i) + " differs");
  }
}

/// Texts of the input read where they lie (read_in_place, one by one and
/// as a list, into records that held another text before), read as each
/// text copied does (JsonStayReader::read). The input is copied into a heap
/// block of exactly its size and JsonStayReader::padding bytes, the padding
/// filled with the input's own bytes, so that ASan sees a read past it.
/// The texts: each of the first 64 lines (followed by its line end, or for
/// the last by the padding), and each of them short of its last byte
/// (followed by that byte: the byte after a text is the input's choice).
void check_in_place(std::string_view text) {
  if (text.empty()) return;
  const std::size_t size = text.size() + JsonStayReader::padding;
  const std::unique_ptr<char[]> buffer(new char[size]);
  for (std::size_t k = 0; k < size; ++k) buffer[k] = text[k % text.size()];
  const std::string_view all(buffer.get(), text.size());
  std::vector<std::string_view> lines, shorter;
  for (std::size_t from = 0; lines.size() < 64 && from < text.size();) {
    const std::size_t end = std::min(text.find('\n', from), text.size());
    lines.push_back(all.substr(from, end - from));
    if (end - from > 1) shorter.push_back(all.substr(from, end - from - 1));
    from = end + 1;
  }
  JsonStayReader reader;
  for (const std::vector<std::string_view>* texts : {&lines, &shorter}) {
    const std::vector<std::string_view>& t = *texts;
    if (t.empty()) continue;
    const char* which = texts == &lines ? "line " : "line short of its last byte ";
    std::vector<Record> one_by_one(t.size()), listed(t.size());
    for (std::size_t i = 0; i < t.size(); ++i) {
      const std::string_view other = t[(i + 1) % t.size()];
      reader.read(other, 1, one_by_one[i]);
      reader.read(other, 1, listed[i]);
    }
    reader.read_in_place(t, 1, listed);
    for (std::size_t i = 0; i < t.size(); ++i) {
      const Record copied = reader.read(std::string(t[i]), i + 1);
      reader.read_in_place(t[i], i + 1, one_by_one[i]);
      check_same_record(copied, one_by_one[i], which + std::to_string(i + 1) + " read in place");
      check_same_record(copied, listed[i], which + std::to_string(i + 1) + " read in place in a list");
    }
  }
}

void check_records(std::string_view text, const ReadLimits& limits, const char* which) {
  const std::vector<std::uint64_t> want = fuzz::jsonl_record_lines(text);
  std::vector<Record> got = read_jsonl(text, limits);
  FUZZ_CHECK(got.size() == want.size(), std::string(which) + ": " + std::to_string(got.size()) + " records for " +
                                            std::to_string(want.size()) + " non-blank lines");
  for (std::size_t i = 0; i < got.size(); ++i) {
    const Record& r = got[i];
    FUZZ_CHECK(r.line == want[i], std::string(which) + ": record " + std::to_string(i) + " on line " +
                                      std::to_string(r.line) + ", expected " + std::to_string(want[i]));
    if (r.rejection) {
      FUZZ_CHECK(r.rejection->line == r.line, which);
      FUZZ_CHECK(!r.rejection->message.empty(), which);
      if (r.rejection->stay_id) FUZZ_CHECK(r.has_stay_id && *r.rejection->stay_id == r.stay.stay_id, which);
    } else {
      fuzz::check_valid_stay(r);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  check_records(text, ReadLimits{}, "default limits");
  ReadLimits tiny;
  tiny.max_record_bytes = 48;
  tiny.max_fee_lines = 2;
  tiny.max_list_items = 2;
  check_records(text, tiny, "tiny limits");

  // The whole input as one record (newlines and all).
  JsonStayReader reader;
  Record one = reader.read(text, 7);
  FUZZ_CHECK(one.line == 7, "line");
  if (one.rejection) {
    FUZZ_CHECK(one.rejection->line == 7, "rejection line");
  } else {
    fuzz::check_valid_stay(one);
    std::string person;
    FUZZ_CHECK(reader.peek_person(text, person), "peek_person fails on a valid stay");
    FUZZ_CHECK(person == one.stay.person_id, "peek_person '" + person + "' != '" + one.stay.person_id + "'");
  }
  // The same records with their fee lines walked value by value: the whole
  // input, and each of its first 64 lines.
  if (text.find(R"({"category":)") != std::string_view::npos) {
    check_same_reading(one, reader.read(spaced_fee_lines(text), 7));
    std::size_t from = 0;
    for (int n = 0; n < 64 && from < text.size(); ++n) {
      const std::size_t end = std::min(text.find('\n', from), text.size());
      const std::string_view line = text.substr(from, end - from);
      if (line.find(R"({"category":)") != std::string_view::npos) {
        check_same_reading(reader.read(line, 1), reader.read(spaced_fee_lines(line), 1));
      }
      from = end + 1;
    }
  }
  check_in_place(text);
  // Reading the same text twice with one reader gives the same record.
  Record two = reader.read(text, 7);
  FUZZ_CHECK(two.rejection.has_value() == one.rejection.has_value(), "a reader is not stateless");
  if (one.rejection) {
    FUZZ_CHECK(two.rejection->code == one.rejection->code && two.rejection->field == one.rejection->field &&
                   two.rejection->message == one.rejection->message,
               "a reader is not stateless: " + one.rejection->message + " / " + two.rejection->message);
  }
  return 0;
}
