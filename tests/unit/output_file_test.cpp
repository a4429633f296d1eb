// OutputFile: written through a temporary file put in place by commit();
// discard() empties it for a run started again; a direct output cannot.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "medsettle/files.hpp"
#include "test_files.hpp"

using namespace medsettle;

namespace {

std::string path_of(const std::string& name) {
  return ::testing::TempDir() + "/medsettle_output_" + std::to_string(::getpid()) + "_" + name;
}

}  // namespace

/// What was written before discard() is gone, in the file and in the
/// stream's buffer; what comes after is the file, from its first byte; the
/// file in place is not touched before commit().
TEST(OutputFile, DiscardEmptiesATemporaryFile) {
  const std::string path = path_of("discard.txt");
  std::ofstream(path) << "the user's file\n";
  {
    OutputFile out(path);
    ASSERT_TRUE(out.atomic());
    // 9 MiB in writes of 64 KiB and more (straight to the file, and past
    // the first write-back at 8 MiB), then a little held in the buffer.
    for (int i = 0; i < 9; ++i) out.stream() << std::string(1u << 20, 'x');
    out.stream() << "held";
    EXPECT_TRUE(out.discard());
    EXPECT_EQ(test_files::text_of(path), "the user's file\n");
    // The second run writes 9 MiB again, from the file's first byte.
    for (int i = 0; i < 9; ++i) out.stream() << std::string(1u << 20, static_cast<char>('a' + i));
    out.stream() << "second run\n";
    out.commit();
  }
  std::string expected;
  for (int i = 0; i < 9; ++i) expected += std::string(1u << 20, static_cast<char>('a' + i));
  EXPECT_TRUE(test_files::text_of(path) == expected + "second run\n");  // not printed: 9 MiB
  std::remove(path.c_str());
}

/// A direct output (here /dev/null) keeps what it wrote: discard() says so.
TEST(OutputFile, ADirectOutputCannotDiscard) {
  OutputFile out("/dev/null");
  ASSERT_FALSE(out.atomic());
  out.stream() << "written";
  EXPECT_FALSE(out.discard());
  out.commit();
}

/// A file written in many pieces, its pages sent to the disk as it grows
/// (every 8 MiB), holds every byte in order once committed.
TEST(OutputFile, AFileWrittenBackAsItGrowsHoldsEveryByte) {
  const std::string path = path_of("large.txt");
  std::string piece;
  for (int i = 0; i < 1000; ++i) piece += std::to_string(i) + ',';  // 3,890 bytes
  std::string expected;
  {
    OutputFile out(path);
    for (int i = 0; i < 6000; ++i) {  // 23.3 MB, some of it in writes of 64 KiB and more
      const std::string p = i % 7 == 0 ? std::string(70'000, static_cast<char>('a' + i % 26)) : piece;
      out.stream() << p;
      expected += p;
    }
    out.commit();
  }
  EXPECT_EQ(test_files::text_of(path), expected);
  std::remove(path.c_str());
}
