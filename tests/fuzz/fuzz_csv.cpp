// libFuzzer: the CSV reader on arbitrary bytes.
//
// Once the header is accepted, read_csv returns exactly one Record per
// non-blank record after it, with the physical line it starts on (both
// worked out by an independent reference scanner), under the default limits
// and under tiny ones (where a record over the limit must still be one
// rejected record, never split or dropped). Accepted records are valid stays.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"

using namespace medsettle;

namespace {

void check(std::string_view text, const ReadLimits& limits, const char* which) {
  std::istringstream in{std::string(text)};
  std::vector<Record> got;
  std::string error;
  const bool header_ok = read_csv(in, [&](Record&& r) { got.push_back(std::move(r)); }, &error, limits);
  if (!header_ok) {
    FUZZ_CHECK(got.empty(), std::string(which) + ": records after an unusable header");
    FUZZ_CHECK(!error.empty(), std::string(which) + ": no message for an unusable header");
    return;
  }
  // The reference: the first non-blank record is the header.
  std::vector<fuzz::CsvRef> refs = fuzz::csv_records(text, limits.max_record_bytes);
  std::vector<fuzz::CsvRef> want;
  bool header = false;
  for (const auto& r : refs) {
    if (r.blank && r.bytes <= limits.max_record_bytes) continue;
    if (!header) {
      header = true;
      continue;
    }
    want.push_back(r);
  }
  FUZZ_CHECK(header, std::string(which) + ": a header was accepted where the reference sees none");
  FUZZ_CHECK(got.size() == want.size(), std::string(which) + ": " + std::to_string(got.size()) + " records for " +
                                            std::to_string(want.size()) + " non-blank CSV records");
  for (std::size_t i = 0; i < got.size(); ++i) {
    const Record& r = got[i];
    FUZZ_CHECK(r.line == want[i].line, std::string(which) + ": record " + std::to_string(i) + " on line " +
                                           std::to_string(r.line) + ", expected " + std::to_string(want[i].line));
    if (want[i].broken) {
      FUZZ_CHECK(r.rejection && r.rejection->message.find("is not closed on it") != std::string::npos,
                 std::string(which) + ": a record cut back to its first line was not rejected as such, line " +
                     std::to_string(r.line));
      continue;
    }
    if (want[i].bytes > limits.max_record_bytes) {
      // Too long (or unterminated, which is checked first): never accepted.
      FUZZ_CHECK(r.rejection && (r.rejection->message.find("longer than") != std::string::npos ||
                                 r.rejection->message == "unterminated quoted field"),
                 std::string(which) + ": a record over the limit was not rejected as too long, line " +
                     std::to_string(r.line));
    }
    if (r.rejection) {
      FUZZ_CHECK(r.rejection->line == r.line && !r.rejection->message.empty(), which);
      if (r.rejection->message.rfind("record longer than", 0) == 0) {
        FUZZ_CHECK(want[i].bytes > limits.max_record_bytes,
                   std::string(which) + ": a record of " + std::to_string(want[i].bytes) +
                       " bytes rejected as longer than " + std::to_string(limits.max_record_bytes) + ", line " +
                       std::to_string(r.line));
      }
    } else {
      FUZZ_CHECK(want[i].bytes <= limits.max_record_bytes, which);
      fuzz::check_valid_stay(r);
      FUZZ_CHECK(r.stay.buckets.has_value(), std::string(which) + ": a CSV stay without buckets");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check(text, ReadLimits{}, "default limits");
  ReadLimits tiny;
  tiny.max_record_bytes = 200;
  tiny.max_list_items = 2;
  check(text, tiny, "tiny limits");
  // The vector form reads the same records.
  std::istringstream in{std::string(text)};
  std::vector<Record> all = read_csv(in);
  std::istringstream in2{std::string(text)};
  std::size_t n = 0;
  read_csv(in2, [&](Record&&) { ++n; });
  FUZZ_CHECK(all.size() == n, "read_csv forms disagree");
  return 0;
}
