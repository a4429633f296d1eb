// libFuzzer: the JSON Lines reader on arbitrary bytes.
//
// - read_jsonl returns exactly one Record per non-blank line, with its
//   physical line number (counted by an independent splitter), under the
//   default limits and under tiny ones;
// - JsonStayReader::read of the whole input as one record never throws;
// - a record read as valid is a stay SEMANTICS.md §2 allows, and
//   peek_person (which settle_stream's grouping relies on) agrees with it.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "big_block_cache.hpp"  // see there: 1 MiB line buffers without ASan's mmap per call
#include "fuzz_common.hpp"

using namespace medsettle;

namespace {

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
