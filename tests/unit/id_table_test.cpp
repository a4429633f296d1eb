// The batch's and the stream's id table (src/core/id_table.hpp): every key
// found with its first value, through growth, for borrowed and copied keys.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/id_table.hpp"

using medsettle::detail::IdTable;

TEST(IdTable, FirstValueStandsAndEveryKeyIsFoundThroughGrowth) {
  // 100,000 keys "k0".."k99999" (many rehashes from 16 slots), each inserted twice:
  // the second insert reports the first value and inserts nothing.
  std::vector<std::string> keys;
  for (int i = 0; i < 100'000; ++i) keys.push_back("k" + std::to_string(i));
  IdTable t;
  for (std::uint32_t i = 0; i < keys.size(); ++i) {
    auto [v, added] = t.insert(keys[i], i);
    ASSERT_TRUE(added);
    ASSERT_EQ(v, i);
  }
  for (std::uint32_t i = 0; i < keys.size(); ++i) {
    auto [v, added] = t.insert(keys[i], 7);
    ASSERT_FALSE(added);
    ASSERT_EQ(v, i);
  }
  EXPECT_EQ(t.size(), 100'000u);
  for (std::uint32_t i = 0; i < keys.size(); ++i) ASSERT_EQ(*t.find(keys[i]), i);
  EXPECT_EQ(t.find("k100000"), nullptr);
  EXPECT_EQ(t.find(""), nullptr);
  EXPECT_EQ(t.find("k"), nullptr);
}

TEST(IdTable, CopiedKeysOutliveTheirSource) {
  // Keys copied into the table's blocks, including one longer than a block
  // (70,000 bytes) and the empty key, stay findable after the source is gone.
  IdTable t;
  {
    std::string s;
    for (int i = 0; i < 5'000; ++i) {
      s = "person-" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 40), 'x');
      ASSERT_TRUE(t.insert_copy(s, static_cast<std::uint32_t>(i)).second);
    }
    s.assign(70'000, 'y');
    ASSERT_TRUE(t.insert_copy(s, 5'000).second);
    ASSERT_TRUE(t.insert_copy("", 5'001).second);
    ASSERT_FALSE(t.insert_copy("", 9).second);
  }
  for (int i = 0; i < 5'000; ++i) {
    const std::string k = "person-" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 40), 'x');
    const std::uint32_t* v = t.find(k);
    ASSERT_NE(v, nullptr) << k;
    EXPECT_EQ(*v, static_cast<std::uint32_t>(i));
  }
  EXPECT_EQ(*t.find(std::string(70'000, 'y')), 5'000u);
  EXPECT_EQ(*t.find(""), 5'001u);
  EXPECT_EQ(t.size(), 5'002u);
}

TEST(IdTable, KeysDifferingOnlyInTheirBytesAreDistinct) {
  // Embedded NUL bytes and a shared prefix: "a\0b", "a\0c", "a", "a\0" are four keys.
  const std::string keys[] = {std::string("a\0b", 3), std::string("a\0c", 3), "a", std::string("a\0", 2)};
  IdTable t;
  for (std::uint32_t i = 0; i < 4; ++i) EXPECT_TRUE(t.insert(keys[i], i).second);
  for (std::uint32_t i = 0; i < 4; ++i) EXPECT_EQ(*t.find(keys[i]), i);
}
