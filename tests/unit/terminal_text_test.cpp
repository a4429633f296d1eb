// Text that cannot attack a terminal or a spreadsheet (issue #18, item 9;
// SECURITY.md): control characters in ids are escaped in human-readable
// output, quoted in CSV, and a NUL, which CSV cannot carry, is refused.
#include <gtest/gtest.h>

#include <string>

#include "medsettle/errors.hpp"
#include "medsettle/ledger.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/printable.hpp"
#include "medsettle/settle.hpp"
#include "medsettle/writer.hpp"

using namespace medsettle;

namespace {

Stay stay_with_id(std::string id) {
  Stay s;
  s.stay_id = std::move(id);
  s.person_id = "P1";
  s.age = 40;
  s.admitted = Date::from_ymd(2019, 3, 2);
  s.discharged = Date::from_ymd(2019, 3, 12);
  s.diagnoses = {"J18.9"};
  s.fees = {FeeLine{FeeCategory::A, Fen(1'000'000), Fen(0), std::nullopt, {}, {}}};
  return s;
}

std::string first_csv_cell(const Settlement& s) {
  std::string row;
  write_csv(row, s);
  return row.substr(0, row.find(",P1,"));
}

}  // namespace

TEST(Printable, EscapesWhatATerminalWouldActOn) {
  // ESC [ 2 J clears the screen; BEL rings; CR returns to the line's start.
  EXPECT_EQ(printable("A\x1b[2JB"), "A\\x1b[2JB");
  EXPECT_EQ(printable("ring\a"), "ring\\x07");
  EXPECT_EQ(printable("over\rwrite"), "over\\rwrite");
  EXPECT_EQ(printable(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(printable("del\x7f"), "del\\x7f");
  // U+009B, the one-byte CSI of C1, in UTF-8: C2 9B.
  EXPECT_EQ(printable("csi\xc2\x9b" "2J"), "csi\\u009b2J");
}

TEST(Printable, KeepsLinesTabsAndChinese) {
  EXPECT_EQ(printable("line one\n\tline two\n"), "line one\n\tline two\n");
  EXPECT_EQ(printable("住院结算 S1 ¥"), "住院结算 S1 ¥");  // ¥ is C2 A5, not a C1 control
  EXPECT_EQ(printable("a\\x1b"), "a\\x1b");              // a backslash written by the user stays
}

TEST(CsvCells, ControlCharactersAreQuotedSoTheCellStaysOneCell) {
  std::string out;
  write_csv_cell(out, "A\x1b[31mB");
  EXPECT_EQ(out, "\"A\x1b[31mB\"");
  out.clear();
  write_csv_cell(out, "tab\there");
  EXPECT_EQ(out, "\"tab\there\"");
  out.clear();
  write_csv_cell(out, "plain");
  EXPECT_EQ(out, "plain");
}

TEST(CsvCells, ANulIsRefusedNamingTheCell) {
  std::string out = "before";
  try {
    write_csv_cell(out, std::string("S\0" "1", 3));
    FAIL() << "a NUL was written into CSV";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "the CSV cell 'S\\x001' holds a NUL character, which CSV cannot carry; write JSON Lines");
  }
}

TEST(CsvCells, ASettledStayWithAnEscapeInItsIdIsOneQuotedCell) {
  // The id is accepted (SEMANTICS.md §2 asks only that it is not empty).
  const Plan plan = Plan::builtin();
  Ledger ledger(plan);
  const Outcome o = settle(plan, stay_with_id("S\x1b[2J"), ledger);
  ASSERT_TRUE(o.settled());
  EXPECT_EQ(first_csv_cell(o.settlement()), "\"S\x1b[2J\"");
}
