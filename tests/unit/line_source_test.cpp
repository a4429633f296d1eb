// The line source of the JSON Lines readers (SEMANTICS.md §2's reading
// rules): a batch's lines are views of its read buffer, which grows past a
// block when a batch needs it and gives up the dropped part of an over-long
// line. Checked against the rules applied by hand to the same text.
#include <gtest/gtest.h>

#include <array>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "io/line_source.hpp"

using medsettle::detail::Line;
using medsettle::detail::LineSource;

namespace {

struct Want {
  std::string text;
  std::uint64_t number;
  std::uint64_t offset;
};

/// Every line of every batch of `max_lines`, copied (a batch's views last until the next).
std::vector<Want> read_all(const std::string& input, std::size_t max_bytes, std::size_t max_lines) {
  std::istringstream in(input);
  LineSource source(in, max_bytes);
  std::vector<Line> lines;
  std::vector<Want> got;
  bool more = true;
  while (more) {
    more = source.next_batch(lines, max_lines);
    EXPECT_LE(lines.size(), max_lines);
    for (const Line& l : lines) got.push_back({std::string(l.text), l.number, l.offset});
  }
  return got;
}

}  // namespace

/// 3,000 lines of about 1 KB (3 MB: more than a block of 1 MiB, so one batch
/// grows the buffer), with a byte-order mark first, CRLF ends, blank lines,
/// an over-long line of 5 MB in the middle, and no line end at the last.
TEST(LineSource, ABatchIsViewsOfWhatWasReadWhateverItsSize) {
  constexpr std::size_t max_bytes = 2000;
  std::string input = "\xEF\xBB\xBF";
  std::vector<Want> want;
  std::uint64_t number = 0;
  for (int i = 0; i < 3000; ++i) {
    ++number;
    if (i % 97 == 5) {  // blank: not a record
      input += " \t\r\n";
      continue;
    }
    if (i == 1500) {  // over-long: cut to max_bytes + 1, the rest dropped unread into the batch
      const std::string line(5u << 20, 'x');
      want.push_back({line.substr(0, max_bytes + 1), number, input.size()});
      input += line + "\n";
      continue;
    }
    const std::string text = "{\"n\":" + std::to_string(i) + ",\"pad\":\"" + std::string(900 + i % 50, 'a') + "\"}";
    const std::uint64_t at = i == 0 ? 3 : input.size();  // the mark is not the first line's
    want.push_back({text, number, at});
    input += text + (i % 3 == 0 ? "\r\n" : "\n");
  }
  input.pop_back();  // the last line (i = 2999: 2999 % 3 != 0, so "\n") loses its line end
  for (const std::size_t batch : {std::size_t{1}, std::size_t{7}, std::size_t{4096}}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    const std::vector<Want> got = read_all(input, max_bytes, batch);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t k = 0; k < want.size(); ++k) {
      EXPECT_EQ(got[k].text, want[k].text) << "line " << want[k].number;
      EXPECT_EQ(got[k].number, want[k].number);
      EXPECT_EQ(got[k].offset, want[k].offset) << "line " << want[k].number;
      if (got[k].text.size() <= max_bytes) EXPECT_EQ(input.substr(got[k].offset, got[k].text.size()), got[k].text);
    }
  }
}

TEST(LineSource, KeepingTwoBatchesTheLastStaysValidWhileTheNextIsReadElsewhere) {
  // Keep::two_batches, as the stream uses it: batch n + 1 is read on another
  // thread while batch n's views are compared with copies made when it was
  // read. 2,000 lines of about 600 bytes (1.2 MB: more than a block), every
  // 50th over-long (kept apart, in the batch's store), batches of 64.
  constexpr std::size_t max_bytes = 1000;
  std::string input;
  for (int i = 0; i < 2000; ++i) {
    input += i % 50 == 7 ? std::string(3000, 'x') : "{\"n\":" + std::to_string(i) + ",\"pad\":\"" + std::string(580, 'b') + "\"}";
    input += '\n';
  }
  std::istringstream in(input);
  LineSource source(in, max_bytes, LineSource::Keep::two_batches);
  std::array<std::vector<Line>, 2> batches;
  bool more = source.next_batch(batches[0], 64);
  std::size_t seen = 0;
  for (std::size_t turn = 0;; turn ^= 1) {
    std::vector<std::string> copies;
    for (const Line& l : batches[turn]) copies.emplace_back(l.text);
    bool more_after = false;
    std::thread next;
    if (more) next = std::thread([&] { more_after = source.next_batch(batches[turn ^ 1], 64); });
    if (next.joinable()) next.join();  // the next batch read: this one's views must still hold
    ASSERT_EQ(batches[turn].size(), copies.size());
    for (std::size_t k = 0; k < copies.size(); ++k) {
      EXPECT_EQ(batches[turn][k].text, copies[k]) << "line " << batches[turn][k].number;
      const std::size_t i = batches[turn][k].number - 1;
      EXPECT_EQ(copies[k].size(), i % 50 == 7 ? max_bytes + 1 : 595 + std::to_string(i).size()) << "line " << i + 1;
    }
    seen += copies.size();
    if (!more) break;
    more = more_after;
  }
  EXPECT_EQ(seen, 2000u);
}
