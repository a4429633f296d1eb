// The stream's packed queue of rejections (src/io/held_rejections.hpp):
// what goes in comes out, in order, field by field.
#include <gtest/gtest.h>

#include "core/text.hpp"
#include "io/held_rejections.hpp"

using namespace medsettle;

namespace {

Rejection catalogued(std::uint64_t line, std::string arg) {
  return detail::rejection(std::nullopt, line, ErrorCode::unknown_field, arg,
                           detail::message(N_("{}: unknown field"), arg));
}

void expect_same(const Rejection& got, const Rejection& want) {
  EXPECT_EQ(got.stay_id, want.stay_id);
  EXPECT_EQ(got.line, want.line);
  EXPECT_EQ(got.code, want.code);
  EXPECT_EQ(got.field, want.field);
  EXPECT_EQ(got.message, want.message);
  EXPECT_EQ(got.what, want.what);
}

}  // namespace

TEST(HeldRejections, GiveBackEveryFieldInOrder) {
  detail::HeldRejections q;
  Rejection plain;  // a message of its own, outside the catalogue, with a stay id
  plain.stay_id = "S-1";
  plain.line = 7;
  plain.code = ErrorCode::not_json;
  plain.message = "not a JSON value";
  Rejection empty_id;  // an empty stay id is still a stay id
  empty_id.stay_id = "";
  empty_id.line = 8;
  q.push(catalogued(5, "k0"));
  q.push(plain);
  q.push(empty_id);
  EXPECT_EQ(q.size(), 3u);
  Rejection first = q.pop();
  expect_same(first, catalogued(5, "k0"));
  EXPECT_EQ(first.message, "k0: unknown field");  // rendered again from the catalogue
  expect_same(q.pop(), plain);
  expect_same(q.pop(), empty_id);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);  // the last pop frees every chunk
}

TEST(HeldRejections, SpanChunksAndFreeThemAsTheyAreRead) {
  // 100,000 rejections whose argument (also the field) is 40 bytes: each
  // packs into 1 + 1 + 8 (flags, code, line) + 8 + 40 (field) + 8 (message
  // id) + 8 (argument count) + 8 + 40 (the argument) = 122 bytes, with no
  // message text (rendered again from the id). 12,200,000 bytes in all:
  // 11.6 chunks of 1 MiB (1,048,576 bytes), so 12 chunks.
  detail::HeldRejections q;
  const std::string arg(40, 'k');
  for (std::uint64_t i = 0; i < 100'000; ++i) q.push(catalogued(i + 1, arg));
  EXPECT_EQ(q.bytes(), 12u * (std::size_t{1} << 20));
  for (std::uint64_t i = 0; i < 50'000; ++i) ASSERT_EQ(q.pop().line, i + 1);
  // Half read (6,100,000 bytes): the 5 chunks read through (6,100,000 /
  // 1,048,576 = 5.8) are freed, 7 remain.
  EXPECT_EQ(q.bytes(), 7u * (std::size_t{1} << 20));
  for (std::uint64_t i = 50'000; i < 100'000; ++i) ASSERT_EQ(q.pop().field, arg);
  EXPECT_TRUE(q.empty());
}
