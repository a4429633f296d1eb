// The writer of the file pipeline's outputs and of the not-grouped spill
// (src/io/chunk_writer.*): chunks written in the order pushed, on a thread
// of its own or, when no thread can be had, by push() itself.
#include "io/chunk_writer.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>

namespace medsettle::detail {
namespace {

using Writing = ChunkWriter::Writing;

class ChunkWriterBoth : public ::testing::TestWithParam<Writing> {};

INSTANTIATE_TEST_SUITE_P(Ways, ChunkWriterBoth, ::testing::Values(Writing::own_thread, Writing::here),
                         [](const auto& info) { return info.param == Writing::here ? "Here" : "OwnThread"; });

TEST_P(ChunkWriterBoth, WritesEachOutputInTheOrderPushed) {
  std::string out, err;
  ChunkWriter writer([&](const std::string& t) { out += t; }, [&](const std::string& t) { err += t; }, GetParam());
  for (int i = 0; i < 100; ++i) {
    Chunk c = writer.recycled();
    EXPECT_TRUE(c.out.empty() && c.err.empty());
    c.out = "s" + std::to_string(i) + "\n";
    if (i % 3 == 0) c.err = "r" + std::to_string(i) + "\n";
    writer.push(std::move(c));
  }
  writer.finish();
  std::string want_out, want_err;
  for (int i = 0; i < 100; ++i) {
    want_out += "s" + std::to_string(i) + "\n";
    if (i % 3 == 0) want_err += "r" + std::to_string(i) + "\n";
  }
  EXPECT_EQ(out, want_out);
  EXPECT_EQ(err, want_err);  // r0, r3, ..., r99: 34 lines
}

TEST_P(ChunkWriterBoth, DrainToWaitsForThatMuchTextAndGoesOn) {
  std::mutex m;  // the writer's thread appends while this one reads
  std::string out, err;
  auto text = [&] {
    std::lock_guard lock(m);
    return out + "|" + err;
  };
  ChunkWriter writer(
      [&](const std::string& t) {
        std::lock_guard lock(m);
        out += t;
      },
      [&](const std::string& t) {
        std::lock_guard lock(m);
        err += t;
      },
      GetParam());
  writer.push(Chunk{"one\n", "e1\n"});  // 4 + 3 bytes: both outputs count
  writer.push(Chunk{"two\n", ""});      // bytes 8 to 11
  writer.drain_to(7);
  EXPECT_EQ(text().substr(0, 4), "one\n");  // the first chunk at least
  EXPECT_NE(text().find("e1\n"), std::string::npos);
  writer.drain_to(11);
  EXPECT_EQ(text(), "one\ntwo\n|e1\n");
  // More than was ever pushed: returns once everything pushed is written.
  writer.drain_to(1000);
  // A written chunk's room comes back, emptied.
  const Chunk again = writer.recycled();
  EXPECT_TRUE(again.out.empty());
  EXPECT_GE(again.out.capacity(), 4u);
  writer.push(Chunk{"three\n", ""});
  writer.finish();
  EXPECT_EQ(text(), "one\ntwo\nthree\n|e1\n");
}

TEST_P(ChunkWriterBoth, AWriteErrorStopsTheWritingAndIsRethrown) {
  std::string out;
  ChunkWriter writer(
      [&](const std::string& t) {
        if (t == "bad\n") throw std::runtime_error("disk full");
        out += t;
      },
      [](const std::string&) {}, GetParam());
  writer.push(Chunk{"good\n", ""});
  // The failing chunk's error comes back from a push (at once when pushed
  // here; on a later push or at finish when a thread writes).
  bool thrown = false;
  try {
    writer.push(Chunk{"bad\n", ""});
    writer.drain_to(9);  // "good\n" and "bad\n"
  } catch (const std::runtime_error& e) {
    thrown = true;
    EXPECT_STREQ(e.what(), "disk full");
  }
  EXPECT_TRUE(thrown);
  EXPECT_THROW(writer.push(Chunk{"after\n", ""}), std::runtime_error);
  EXPECT_THROW(writer.finish(), std::runtime_error);
  EXPECT_EQ(out, "good\n");  // nothing after the failed chunk
}

TEST_P(ChunkWriterBoth, APushAfterFinishIsAnError) {
  std::string out;
  ChunkWriter writer([&](const std::string& t) { out += t; }, [](const std::string&) {}, GetParam());
  writer.push(Chunk{"a\n", ""});
  writer.finish();
  EXPECT_THROW(writer.push(Chunk{"b\n", ""}), std::logic_error);  // not silently dropped
  EXPECT_EQ(out, "a\n");
}

TEST(ChunkWriter, InPiecesWritesTheWholeText) {
  // 2.5 MiB: two pieces of 1 MiB and half of one.
  std::string text(5u << 19, 'x');
  for (std::size_t i = 0; i < text.size(); i += 4096) text[i] = static_cast<char>('a' + (i / 4096) % 26);
  std::ostringstream to;
  in_pieces(to)(text);
  EXPECT_EQ(to.str(), text);
}

}  // namespace
}  // namespace medsettle::detail
