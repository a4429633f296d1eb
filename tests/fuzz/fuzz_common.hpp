// Shared pieces of the libFuzzer harnesses: a loud check, independent
// reference splitters for JSON Lines and CSV (to count the records a reader
// must return), and the settlement invariants of SEMANTICS.md §7.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "medsettle/engine.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/reader.hpp"
#include "medsettle/settlement.hpp"
#include "medsettle/writer.hpp"

namespace fuzz {

[[noreturn]] inline void fail(const char* file, int line, const char* what, const std::string& detail) {
  std::fprintf(stderr, "%s:%d: FUZZ CHECK FAILED: %s\n  %s\n", file, line, what, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace fuzz

#define FUZZ_CHECK(cond, detail)                                   \
  do {                                                             \
    if (!(cond)) ::fuzz::fail(__FILE__, __LINE__, #cond, (detail)); \
  } while (0)

namespace fuzz {

inline bool blank(std::string_view s) { return s.find_first_not_of(" \t\r") == std::string_view::npos; }

/// The line numbers of the records of a JSON Lines text, by SEMANTICS.md §2:
/// a byte-order mark at the start is skipped, LF ends a line, a line holding
/// only spaces, tabs or carriage returns is not a record.
inline std::vector<std::uint64_t> jsonl_record_lines(std::string_view text) {
  std::vector<std::uint64_t> out;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::uint64_t line = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view l = text.substr(0, nl);
    ++line;
    if (!blank(l)) out.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

/// One CSV record as a reference scanner sees it (RFC 4180 as INTERCHANGE.md
/// reads it: quotes open only at the start of a cell), with the reader's
/// resynchronization (src/io/csv_reader.cpp, Scanner): a quoted cell holds
/// at most 100 line ends (the 101st ends the record, unterminated); a record
/// after the header that spans lines inside quotes and turns out malformed
/// (unterminated, or another number of cells than the header) is cut back
/// to its first line (`broken`) and the lines after it are read again,
/// unless what followed its first line is over the record limit.
struct CsvRef {
  std::uint64_t line;   ///< physical line where the record starts
  bool blank;           ///< one unquoted cell of only spaces, tabs, CRs
  std::size_t bytes;    ///< raw bytes of the record without its line end
  bool broken = false;  ///< cut back to its first line
};

namespace csv_detail {

struct Scanned {
  CsvRef ref;
  std::size_t end = 0;        // where the next record starts
  std::size_t cells = 1;
  bool unterminated = false;  // ended inside quotes
  bool spanned = false;       // a line end inside quotes
  std::size_t first_line_end = 0;  // just after the first line end inside quotes
  std::uint64_t line_after = 0;    // the line the next record starts on
};

inline Scanned scan_record(std::string_view text, std::size_t pos, std::uint64_t line) {
  constexpr std::size_t max_quoted_lines = 100;
  enum { cell_start, unquoted, quoted, quote_in_quoted, after_close, after_close_cr } s = cell_start;
  Scanned x;
  x.ref = CsvRef{line, true, 0};
  const std::size_t start = pos;
  bool any_quote = false, ended = false, counted_end = false;
  std::size_t quoted_lines = 0;
  while (pos < text.size() && !ended) {
    const char c = text[pos];
    switch (s) {
      case cell_start:
        if (c == '"') { any_quote = true; s = quoted; ++pos; break; }
        s = unquoted;
        [[fallthrough]];
      case unquoted:
        ++pos;
        if (c == ',') { ++x.cells; s = cell_start; }
        else if (c == '"') any_quote = true;
        else if (c == '\n') ended = true;
        else if (c != ' ' && c != '\t' && c != '\r') x.ref.blank = false;
        break;
      case quoted:
        ++pos;
        if (c == '"') s = quote_in_quoted;
        else if (c == '\n') {
          ++line;
          if (!x.spanned) { x.spanned = true; x.first_line_end = pos; }
          if (++quoted_lines > max_quoted_lines) { x.unterminated = ended = counted_end = true; }
        }
        break;
      case quote_in_quoted:
        if (c == '"') { ++pos; s = quoted; }
        else s = after_close;
        break;
      case after_close:
        ++pos;
        if (c == ',') { ++x.cells; s = cell_start; }
        else if (c == '\n') ended = true;
        else if (c == '\r') s = after_close_cr;
        break;
      case after_close_cr:
        if (c == '\n') { ++pos; ended = true; }
        else s = after_close;
        break;
    }
  }
  if (!ended && s == quoted) x.unterminated = true;
  x.ref.bytes = pos - start - (ended && !counted_end ? 1 : 0);
  if (ended && !counted_end) ++line;
  if (x.cells != 1 || any_quote) x.ref.blank = false;
  x.end = pos;
  x.line_after = line;
  return x;
}

}  // namespace csv_detail

/// The records of `text` as the reader splits them, `limit` its record limit.
inline std::vector<CsvRef> csv_records(std::string_view text, std::size_t limit) {
  std::vector<CsvRef> out;
  std::size_t pos = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  std::uint64_t line = 1;
  std::size_t header_cells = 0;  // 0 until the header is read
  while (pos < text.size()) {
    csv_detail::Scanned x = csv_detail::scan_record(text, pos, line);
    const std::size_t after_first = x.end - x.first_line_end;  // what the reader keeps to read again
    const bool nothing_after = after_first == 0 && x.end == text.size();
    if (header_cells && x.spanned && after_first <= limit && !nothing_after &&
        (x.unterminated || x.cells != header_cells)) {
      x.ref.broken = true;
      x.ref.blank = false;
      x.ref.bytes = x.first_line_end - 1 - pos;
      x.end = x.first_line_end;
      x.line_after = x.ref.line + 1;
    }
    if (!header_cells && !(x.ref.blank && x.ref.bytes <= limit)) header_cells = x.cells;
    out.push_back(x.ref);
    pos = x.end;
    line = x.line_after;
  }
  return out;
}

inline std::string render(const medsettle::Plan& plan, const medsettle::Outcome& o) {
  std::string s;
  if (o.settled()) medsettle::write_json(s, o.settlement());
  else medsettle::write_json(s, o.rejection());
  return s;
}

/// SEMANTICS.md §6–§7 for one settlement: conservation, the reported
/// fields, each channel within [0, base], allocation that adds up.
inline void check_settlement(const medsettle::Plan& plan, const medsettle::Settlement& s) {
  using namespace medsettle;
  const std::string who = "stay " + s.stay_id + " under " + std::string(plan.id());
  const Buckets& b = s.buckets;
  FUZZ_CHECK(b.total == b.full_selfpay + b.over_limit + b.pre_selfpay + b.in_scope, who);
  FUZZ_CHECK(b.total <= max_amount && b.full_selfpay >= Fen(0) && b.over_limit >= Fen(0) &&
                 b.pre_selfpay >= Fen(0) && b.in_scope >= Fen(0),
             who);
  FUZZ_CHECK(s.paid_total() + s.psn_part_amt == b.total, who + ": paid + patient != total");
  FUZZ_CHECK(s.fund_pay_sumamt + s.hosp_part_amt + s.psn_part_amt == b.total,
             who + ": medfee_sumamt != fund_pay_sumamt + hosp_part_amt + psn_part_amt");
  FUZZ_CHECK(s.psn_part_amt >= Fen(0), who);
  FUZZ_CHECK(s.channels.size() == plan.channel_count(s.version_index), who);
  std::array<Fen, bucket_count> rem{b.in_scope, b.pre_selfpay, b.over_limit, b.full_selfpay};
  std::array<Fen, 5> by{};
  for (const ChannelResult& c : s.channels) {
    const std::string ch = who + " channel " + std::string(plan.channel(s.version_index, c.index).id);
    FUZZ_CHECK(c.paid >= Fen(0), ch + ": paid below 0: " + format(c.paid));
    FUZZ_CHECK(c.paid <= c.base, ch + ": paid " + format(c.paid) + " above base " + format(c.base));
    FUZZ_CHECK(c.deductible >= Fen(0) && c.deductible <= c.base, ch + ": deductible " + format(c.deductible));
    if (!c.eligible) FUZZ_CHECK(c.paid == Fen(0) && c.base == Fen(0) && c.deductible == Fen(0), ch);
    Fen taken{};
    for (std::size_t k = 0; k < bucket_count; ++k) {
      FUZZ_CHECK(c.taken[k] >= Fen(0) && c.taken[k] <= rem[k], ch + ": taken from bucket " + std::to_string(k));
      taken += c.taken[k];
    }
    FUZZ_CHECK(taken == c.paid, ch + ": taken " + format(taken) + " != paid " + format(c.paid));
    for (std::size_t k = 0; k < bucket_count; ++k) rem[k] -= c.taken[k];
    by[static_cast<std::size_t>(plan.channel(s.version_index, c.index).reports_as)] += c.paid;
  }
  FUZZ_CHECK(rem[0] + rem[1] + rem[2] + rem[3] == s.psn_part_amt, who + ": remainders != psn_part_amt");
  FUZZ_CHECK(s.hifp_pay == by[0] && s.hifmi_pay == by[1] && s.maf_pay == by[2] && s.hosp_part_amt == by[3] &&
                 s.oth_pay == by[4],
             who + ": reported fields are not the sums of their channels");
  FUZZ_CHECK(s.fund_pay_sumamt == by[0] + by[1] + by[2] + by[4], who);
}

/// A record a reader accepted is a stay SEMANTICS.md §2 allows.
inline void check_valid_stay(const medsettle::Record& r) {
  using namespace medsettle;
  const Stay& st = r.stay;
  const std::string who = "line " + std::to_string(r.line);
  FUZZ_CHECK(!st.stay_id.empty() && !st.person_id.empty(), who);
  FUZZ_CHECK(st.age >= 0 && st.age <= 150, who);
  FUZZ_CHECK(st.admitted <= st.discharged, who);
  FUZZ_CHECK(!st.diagnoses.empty(), who);
  if (st.buckets) {
    FUZZ_CHECK(st.fees.empty(), who + ": both fees and buckets");
    const Buckets& b = *st.buckets;
    FUZZ_CHECK(b.total == b.full_selfpay + b.over_limit + b.pre_selfpay + b.in_scope, who);
    FUZZ_CHECK(b.total <= max_amount, who);
  } else {
    Fen total{};
    for (const FeeLine& f : st.fees) {
      FUZZ_CHECK(f.amount >= Fen(0) && f.amount <= max_amount, who);
      FUZZ_CHECK(f.over_limit >= Fen(0) && f.over_limit <= f.amount, who);
      if (f.selfpay_ratio) FUZZ_CHECK(f.category == FeeCategory::B && *f.selfpay_ratio <= Rate::one(), who);
      total += f.amount;
      FUZZ_CHECK(total <= max_amount, who + ": the stay's total is above the bound");
    }
  }
  if (st.prior) {
    for (const PriorEntry& e : *st.prior) {
      FUZZ_CHECK(e.accumulated >= Fen(0) && e.accumulated <= max_amount && e.paid >= Fen(0) && e.paid <= max_amount &&
                     e.grants >= 0,
                 who);
    }
  }
}

}  // namespace fuzz
