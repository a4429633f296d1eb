// CSV stay reader, bucket form (INTERCHANGE.md): RFC 4180, a header row, one
// stay per row. The stream is read in blocks by a small state machine that
// keeps one record at a time (at most ReadLimits::max_record_bytes of it);
// cell texts live in one reused buffer, so reading a row allocates nothing
// beyond the Stay it produces.
#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

#include <fmt/format.h>

#include "core/text.hpp"
#include "core/validation.hpp"
#include "io/csv_internal.hpp"
#include "medsettle/reader.hpp"
#include "medsettle/stream.hpp"

namespace medsettle {

namespace {

using detail::message;

// ---- columns --------------------------------------------------------------

enum class Col : std::uint8_t {
  stay_id, person_id, identities, category, age, insurance, hospital_level, region, admitted, discharged,
  diagnoses, flags, referred_from, total, full_selfpay, over_limit, pre_selfpay, in_scope,
};
constexpr std::size_t col_count = 18;
constexpr std::array<std::string_view, col_count> col_names{
    "stay_id",   "person_id",  "identities", "category",      "age",   "insurance",
    "hospital_level", "region", "admitted",  "discharged",    "diagnoses", "flags",
    "referred_from", "total",   "full_selfpay", "over_limit", "pre_selfpay", "in_scope"};
constexpr std::array<bool, col_count> col_required{
    true, true, false, false, true, false, true, true, true, true, true, false, false, true, true, true, true, true};
constexpr std::string_view all_columns =
    "stay_id, person_id, identities, category, age, insurance, hospital_level, region, admitted, discharged, "
    "diagnoses, flags, referred_from, total, full_selfpay, over_limit, pre_selfpay, in_scope";

constexpr std::size_t idx(Col c) noexcept { return static_cast<std::size_t>(c); }

std::optional<Col> col_from(std::string_view s) noexcept {
  for (std::size_t i = 0; i < col_count; ++i) {
    if (col_names[i] == s) return static_cast<Col>(i);
  }
  return std::nullopt;
}

// ---- text checks ------------------------------------------------------------

enum class TextCheck : std::uint8_t { ok, nul, bad_utf8 };

/// Valid UTF-8 (no overlong forms, no surrogates, at most U+10FFFF), no NUL.
TextCheck check_text(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* e = p + s.size();
  while (p < e) {
    unsigned char c = *p;
    if (c >= 0x01 && c < 0x80) { ++p; continue; }
    if (c == 0) return TextCheck::nul;
    std::size_t n;
    unsigned lo = 0x80, hi = 0xBF;  // bounds of the second byte
    if (c >= 0xC2 && c <= 0xDF) n = 1;
    else if (c >= 0xE0 && c <= 0xEF) { n = 2; if (c == 0xE0) lo = 0xA0; else if (c == 0xED) hi = 0x9F; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 3; if (c == 0xF0) lo = 0x90; else if (c == 0xF4) hi = 0x8F; }
    else return TextCheck::bad_utf8;
    if (static_cast<std::size_t>(e - p) <= n) return TextCheck::bad_utf8;
    if (p[1] < lo || p[1] > hi) return TextCheck::bad_utf8;
    for (std::size_t k = 2; k <= n; ++k) {
      if (p[k] < 0x80 || p[k] > 0xBF) return TextCheck::bad_utf8;
    }
    p += n + 1;
  }
  return TextCheck::ok;
}

/// A header name fit for a message: bytes that are not printable ASCII or
/// valid UTF-8 are written as \xNN.
std::string printable(std::string_view s) {
  if (check_text(s) == TextCheck::ok &&
      std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
    return std::string(s);
  }
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F) out.push_back(c);
    else out += fmt::format("\\x{:02X}", u);
  }
  return out;
}

// ---- splitting records ------------------------------------------------------

constexpr std::uint8_t cell_quoted = 1;       // the cell was written in quotes
constexpr std::uint8_t cell_stray_quote = 2;  // a '"' inside an unquoted cell
constexpr std::uint8_t cell_after_close = 4;  // text between the closing quote and the separator

struct Cell {
  std::size_t begin = 0, end = 0;  // in RawRecord::data
  std::uint8_t flags = 0;
};

/// One CSV record as split from the stream, cells unquoted.
struct RawRecord {
  std::uint64_t line = 0;     // physical line where it starts
  std::uint64_t offset = 0;   // where its first byte is in the input
  std::uint64_t length = 0;   // its bytes in the input, with its line end
  std::string data;           // every kept cell's text, back to back
  std::vector<Cell> cells;    // the first `max_cells` cells
  std::size_t cell_count = 0; // all cells of the record
  bool too_long = false;      // more than the limit: data and cells are incomplete
  bool unterminated = false;  // a quoted cell ran to the end of the input (or over too many lines)
  bool broken_quote = false;  // a quote opened on this line runs into lines that are records of their own

  [[nodiscard]] std::string_view text(const Cell& c) const noexcept {
    return std::string_view(data).substr(c.begin, c.end - c.begin);
  }
};

struct SpecialTable {
  std::array<bool, 256> v{};
  constexpr SpecialTable() {
    v[static_cast<unsigned char>(',')] = true;
    v[static_cast<unsigned char>('"')] = true;
    v[static_cast<unsigned char>('\n')] = true;
  }
};
constexpr SpecialTable special{};

/// Splits the input into records. A quoted cell may hold line ends (RFC
/// 4180), at most `max_quoted_lines` of them; a record that runs over line
/// ends inside quotes and turns out malformed (the quote is never closed,
/// or the record has another number of cells than the header) is cut back
/// to its first line, which comes out as a malformed record of its own, and
/// the lines after it are read again: one stray quote costs one record.
class Scanner {
 public:
  static constexpr std::size_t max_quoted_lines = 100;

  Scanner(std::istream& in, std::size_t limit) : sb_(in.rdbuf()), limit_(limit), buf_(block) {
    // Skip a UTF-8 byte-order mark at the very start.
    while (end_ < 3 && !eof_) {
      if (!sb_) { eof_ = true; break; }
      std::streamsize n = sb_->sgetn(buf_.data() + end_, static_cast<std::streamsize>(block - end_));
      if (n <= 0) eof_ = true;
      else end_ += static_cast<std::size_t>(n);
    }
    if (end_ >= 3 && std::memcmp(buf_.data(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
  }
  /// Over no stream: each record is given by load().
  explicit Scanner(std::size_t limit) : sb_(nullptr), limit_(limit), eof_(true) {}

  /// The text of one record (as found in its input, starting on `line`) to be read by next().
  void load(std::string_view text, std::uint64_t line) {
    buf_.assign(text.begin(), text.end());
    pos_ = 0;
    end_ = text.size();
    line_ = line;
    base_ = 0;
  }

  /// The next record that is not a blank line, keeping at most `max_cells`
  /// cells; false at the end of the input. `expected`: the number of cells
  /// of a well-formed record (0: any, for the header).
  bool next(RawRecord& r, std::size_t max_cells, std::size_t expected = 0) {
    for (;;) {
      if (pos_ == end_ && !refill()) return false;
      r.line = line_;
      r.offset = base_ + pos_;
      r.data.clear();
      r.cells.clear();
      r.cell_count = 0;
      r.too_long = r.unterminated = r.broken_quote = false;
      raw_.clear();
      keep_raw_ = spanned_ = gave_up_ = false;
      quoted_lines_ = 0;
      scan(r, max_cells);
      const bool nothing_after = raw_.empty() && pos_ == end_ && !refill();
      if (spanned_ && !nothing_after && (r.unterminated || (expected && r.cell_count != expected))) {
        rescan_after_first_line(r);
      }
      r.length = base_ + pos_ - r.offset;
      if (!blank(r)) return true;
    }
  }

 private:
  static constexpr std::size_t block = std::size_t{1} << 16;
  enum class State : std::uint8_t { cell_start, unquoted, quoted, quote_in_quoted, after_close, after_close_cr };

  struct Scan {
    RawRecord& r;
    std::size_t max_cells;
    State s = State::cell_start;
    std::size_t bytes = 0;  // raw bytes of the record so far, without its line end
    std::size_t cell_begin = 0;
    std::uint8_t flags = 0;
  };

  std::streambuf* sb_;
  std::size_t limit_;
  std::vector<char> buf_;
  std::size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  std::uint64_t base_ = 0;  // where buf_ starts in the input
  std::uint64_t line_ = 1;
  // A record's bytes after the first line end inside quotes, kept to read them again.
  std::string raw_;
  std::uint64_t raw_offset_ = 0;  // where raw_ starts in the input
  bool keep_raw_ = false, spanned_ = false;
  bool gave_up_ = false;  // the bytes after the first line end passed the limit: the record stays as it is
  std::size_t quoted_lines_ = 0;

  bool refill() {
    if (eof_) return false;
    if (buf_.size() > block) buf_.resize(block);  // after a rescan, back to a block
    std::streamsize n = sb_->sgetn(buf_.data(), static_cast<std::streamsize>(block));
    if (n <= 0) { eof_ = true; return false; }
    base_ += end_;
    pos_ = 0;
    end_ = static_cast<std::size_t>(n);
    return true;
  }

  static bool blank(const RawRecord& r) noexcept {
    if (r.too_long || r.unterminated || r.broken_quote || r.cell_count != 1 || r.cells.size() != 1 ||
        r.cells[0].flags != 0) {
      return false;
    }
    return r.data.find_first_not_of(" \t\r") == std::string::npos;
  }

  /// The record becomes its first line alone; the bytes after that line are read again.
  void rescan_after_first_line(RawRecord& r) {
    r.broken_quote = true;
    std::string rest = std::move(raw_);
    rest.append(buf_.data() + pos_, end_ - pos_);
    buf_.assign(rest.begin(), rest.end());
    if (buf_.size() < block) buf_.resize(block);
    pos_ = 0;
    end_ = rest.size();
    base_ = raw_offset_;
    line_ = r.line + 1;
  }

  // ---- the state machine ------------------------------------------------------
  void count(Scan& x, std::size_t n) {
    x.bytes += n;
    if (x.bytes > limit_) x.r.too_long = true;
  }
  void take(Scan& x, const char* p, std::size_t n) {
    count(x, n);
    if (!x.r.too_long) x.r.data.append(p, n);
  }
  /// Bytes consumed from the buffer, kept while the record spans lines (bounded by the limit).
  void consumed(const char* p, std::size_t n) {
    if (!keep_raw_) return;
    if (raw_.size() + n > limit_) {
      keep_raw_ = false;  // too long to read again: the record stays as it is
      spanned_ = false;
      gave_up_ = true;
      raw_.clear();
      return;
    }
    raw_.append(p, n);
  }
  void finish_cell(Scan& x) {
    if (x.r.cells.size() < x.max_cells) x.r.cells.push_back(Cell{x.cell_begin, x.r.data.size(), x.flags});
    ++x.r.cell_count;
  }
  void next_cell(Scan& x) {
    finish_cell(x);
    x.cell_begin = x.r.data.size();
    x.flags = 0;
    x.s = State::cell_start;
  }
  void strip_cr(Scan& x) {  // the CR of a CRLF line end
    if (x.r.data.size() > x.cell_begin && x.r.data.back() == '\r') x.r.data.pop_back();
  }
  /// One byte or run of bytes in the current state; true when the record ends.
  bool step(Scan& x);
  bool step_unquoted(Scan& x);
  bool step_quoted(Scan& x);
  bool step_after_close(Scan& x);

  void scan(RawRecord& r, std::size_t max_cells) {
    Scan x{r, max_cells};
    for (;;) {
      if (pos_ == end_ && !refill()) {  // the end of the input ends the record
        if (x.s == State::quoted) r.unterminated = true;
        if (x.s == State::unquoted) strip_cr(x);
        finish_cell(x);
        return;
      }
      if (step(x)) return;
    }
  }
};

bool Scanner::step(Scan& x) {
  const char* b = buf_.data();
  switch (x.s) {
    case State::cell_start:
      if (b[pos_] == '"') {
        consumed(b + pos_, 1);
        ++pos_;
        count(x, 1);
        x.flags = cell_quoted;
        x.s = State::quoted;
        return false;
      }
      x.s = State::unquoted;
      return step_unquoted(x);
    case State::unquoted: return step_unquoted(x);
    case State::quoted: return step_quoted(x);
    case State::quote_in_quoted:
      if (b[pos_] == '"') {  // a doubled quote stands for one
        consumed(b + pos_, 1);
        take(x, b + pos_, 1);
        ++pos_;
        x.s = State::quoted;
      } else {
        x.s = State::after_close;
      }
      return false;
    case State::after_close: return step_after_close(x);
    case State::after_close_cr:
      if (b[pos_] == '\n') {
        consumed(b + pos_, 1);
        ++pos_;
        ++line_;
        finish_cell(x);
        return true;
      }
      // The CR was counted when it was read: keep it without counting it again.
      x.flags |= cell_after_close;
      if (!x.r.too_long) x.r.data.push_back('\r');
      x.s = State::after_close;
      return false;
  }
  return false;
}

bool Scanner::step_unquoted(Scan& x) {
  const char* b = buf_.data();
  std::size_t q = pos_;
  while (q < end_ && !special.v[static_cast<unsigned char>(b[q])]) ++q;
  consumed(b + pos_, q - pos_);
  take(x, b + pos_, q - pos_);
  pos_ = q;
  if (q == end_) return false;
  const char c = b[pos_];
  consumed(b + pos_, 1);
  ++pos_;
  if (c == ',') {
    count(x, 1);
    next_cell(x);
    return false;
  }
  if (c == '"') {
    x.flags |= cell_stray_quote;
    take(x, &c, 1);
    return false;
  }
  ++line_;  // '\n'
  strip_cr(x);
  finish_cell(x);
  return true;
}

bool Scanner::step_quoted(Scan& x) {
  const char* b = buf_.data();
  const void* hit = std::memchr(b + pos_, '"', end_ - pos_);
  std::size_t q = hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - b) : end_;
  // Line ends inside the quotes: the first one starts keeping the bytes
  // (to read them again if the record turns out malformed); too many end
  // the record there, unterminated.
  for (const char* nl = static_cast<const char*>(std::memchr(b + pos_, '\n', q - pos_)); nl;
       nl = static_cast<const char*>(std::memchr(nl + 1, '\n', static_cast<std::size_t>(b + q - nl - 1)))) {
    if (!spanned_ && !gave_up_) {
      const std::size_t upto = static_cast<std::size_t>(nl - b) + 1;
      take(x, b + pos_, upto - pos_);
      pos_ = upto;
      ++line_;
      spanned_ = keep_raw_ = true;
      raw_offset_ = base_ + pos_;
      ++quoted_lines_;
      return false;
    }
    if (++quoted_lines_ > max_quoted_lines) {
      const std::size_t upto = static_cast<std::size_t>(nl - b) + 1;
      consumed(b + pos_, upto - pos_);
      line_ += static_cast<std::uint64_t>(std::count(b + pos_, b + upto, '\n'));  // this one and those before it
      pos_ = upto;
      x.r.unterminated = true;
      finish_cell(x);
      return true;
    }
  }
  consumed(b + pos_, q - pos_);
  line_ += static_cast<std::uint64_t>(std::count(b + pos_, b + q, '\n'));
  take(x, b + pos_, q - pos_);
  pos_ = q;
  if (q < end_) {
    consumed(b + pos_, 1);
    ++pos_;
    count(x, 1);
    x.s = State::quote_in_quoted;
  }
  return false;
}

bool Scanner::step_after_close(Scan& x) {
  const char c = buf_[pos_];
  consumed(&buf_[pos_], 1);
  ++pos_;
  if (c == ',') {
    count(x, 1);
    next_cell(x);
  } else if (c == '\n') {
    ++line_;
    finish_cell(x);
    return true;
  } else if (c == '\r') {
    count(x, 1);
    x.s = State::after_close_cr;
  } else {
    x.flags |= cell_after_close;
    take(x, &c, 1);
  }
  return false;
}

// ---- reading a row ------------------------------------------------------------

class RowReader {
 public:
  RowReader(const std::vector<Col>& cols, const ReadLimits& limits) : cols_(cols), limits_(limits) {}

  Record read(const RawRecord& raw);

 private:
  const std::vector<Col>& cols_;
  const ReadLimits& limits_;
  Record* rec_ = nullptr;
  std::optional<ErrorCode> code_;
  std::string field_;
  Message what_;

  void fail(ErrorCode code, std::string_view field, Message what) {
    if (code_) return;
    code_ = code;
    field_.assign(field);
    what_ = std::move(what);
  }
  void fail(detail::Problem p) {
    if (code_) return;
    code_ = p.code;
    field_ = std::move(p.field);
    what_ = std::move(p.what);
  }
  bool failed() const noexcept { return code_.has_value(); }

  template <class E, class F>
  bool want_enum(std::string_view t, std::string_view field, F from, std::string_view expected, E& out) {
    auto e = from(t);
    if (!e) {
      fail(detail::unknown_value(field, t, expected));
      return false;
    }
    out = *e;
    return true;
  }
  template <class Each>
  void each_item(std::string_view t, std::string_view field, Each each) {
    std::size_t i = 0;
    for (;;) {
      std::size_t semi = t.find(';');
      if (i >= limits_.max_list_items) {
        fail(detail::too_many_items(field, limits_.max_list_items));
        return;
      }
      each(t.substr(0, semi), i);
      ++i;
      if (semi == std::string_view::npos) return;
      t.remove_prefix(semi + 1);
    }
  }
  bool want_amount(std::string_view t, std::string_view field, Fen& out);
  void want_age(std::string_view t);
  bool want_date(std::string_view t, std::string_view field, Date& out);
  void cell(Col c, std::string_view t, bool amounts_ok[5], Fen amounts[5], std::optional<Date>& admitted);
};

bool RowReader::want_amount(std::string_view t, std::string_view field, Fen& out) {
  AmountParse p = parse_amount(t);
  if (!p) {
    fail(detail::amount_text_problem(field, p.error, t));
    return false;
  }
  out = p.value;
  return true;
}

void RowReader::want_age(std::string_view t) {
  // An integer literal as JSON writes it: -?(0|[1-9][0-9]*).
  std::string_view digits = t;
  bool negative = !digits.empty() && digits.front() == '-';
  if (negative) digits.remove_prefix(1);
  bool literal = !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                 (digits.size() == 1 || digits.front() != '0');
  if (!literal) {
    fail(ErrorCode::bad_type, "age", message(N_("age: expected an integer, got '{}'"), t));
    return;
  }
  if (digits.size() > 12) {
    fail(ErrorCode::bad_value, "age", message(N_("age: {} is out of range"), t));
    return;
  }
  std::int64_t n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  if (negative) n = -n;
  if (auto p = detail::check_age(n)) {
    fail(std::move(*p));
    return;
  }
  rec_->stay.age = static_cast<int>(n);
}

bool RowReader::want_date(std::string_view t, std::string_view field, Date& out) {
  DateParse d = parse_date(t);
  if (!d) {
    fail(ErrorCode::bad_date, field,
         d.error == DateError::no_such_date ? message(N_("{}: no such date: {}"), field, t)
                                            : message(N_("{}: not an ISO date (YYYY-MM-DD): '{}'"), field, t));
    return false;
  }
  out = d.value;
  return true;
}

void RowReader::cell(Col c, std::string_view t, bool amounts_ok[5], Fen amounts[5], std::optional<Date>& admitted) {
  Record& rec = *rec_;
  Stay& st = rec.stay;
  const std::string_view field = col_names[idx(c)];
  switch (c) {
    case Col::stay_id:
      st.stay_id.assign(t);
      rec.has_stay_id = true;
      break;
    case Col::person_id:
      st.person_id.assign(t);
      rec.has_person_id = true;
      break;
    case Col::identities:
      each_item(t, field, [&](std::string_view item, std::size_t i) {
        Identity id{};
        if (want_enum(item, fmt::format("identities[{}]", i), identity_from, identity_names(), id)) st.identities |= bit(id);
      });
      break;
    case Col::category: want_enum(t, field, category_from, "I, II, III", st.category); break;
    case Col::age: want_age(t); break;
    case Col::insurance: want_enum(t, field, insurance_from, "resident, employee", st.insurance); break;
    case Col::hospital_level: want_enum(t, field, hospital_level_from, hospital_level_names(), st.hospital_level); break;
    case Col::region: want_enum(t, field, region_from, region_names(), st.region); break;
    case Col::admitted: {
      rec.admitted_text.assign(t);
      Date d;
      if (want_date(t, field, d)) { st.admitted = d; admitted = d; }
      break;
    }
    case Col::discharged: {
      rec.discharged_text.assign(t);
      Date d;
      if (want_date(t, field, d)) { st.discharged = d; rec.discharged_date = d; }
      break;
    }
    case Col::diagnoses:
      each_item(t, field, [&](std::string_view item, std::size_t i) {
        if (auto p = detail::check_diagnosis(i, item)) {
          fail(std::move(*p));
        } else {
          st.diagnoses.emplace_back(item);
        }
      });
      break;
    case Col::flags:
      each_item(t, field, [&](std::string_view item, std::size_t i) {
        Flag f{};
        if (want_enum(item, fmt::format("flags[{}]", i), flag_from, flag_names(), f)) st.flags |= bit(f);
      });
      break;
    case Col::referred_from: st.referred_from.emplace(t); break;
    case Col::total:
    case Col::full_selfpay:
    case Col::over_limit:
    case Col::pre_selfpay:
    case Col::in_scope: {
      std::size_t k = idx(c) - idx(Col::total);
      amounts_ok[k] = want_amount(t, field, amounts[k]);
      break;
    }
  }
}

Record RowReader::read(const RawRecord& raw) {
  Record rec;
  rec.line = raw.line;
  auto structural = [&](Message what) {
    rec.rejection = detail::rejection(std::nullopt, raw.line, ErrorCode::bad_value, {}, std::move(what));
    return std::move(rec);
  };
  if (raw.broken_quote) {
    return structural(message(N_("a quoted field opened on this line is not closed on it, and the lines after it "
                                 "are read as records of their own")));
  }
  if (raw.unterminated) return structural(message(N_("unterminated quoted field")));
  if (raw.too_long) return structural(message(N_("record longer than {} bytes"), limits_.max_record_bytes));
  if (raw.cell_count != cols_.size()) {
    return structural(raw.cell_count == 1
                          ? message(N_("row has 1 cell, the header has {}"), cols_.size())
                          : message(N_("row has {} cells, the header has {}"), raw.cell_count, cols_.size()));
  }

  rec_ = &rec;
  code_.reset();
  std::array<bool, col_count> present{};
  bool amounts_ok[5] = {};
  Fen amounts[5] = {};
  std::optional<Date> admitted;

  // Cells in header order: the first error wins, but every readable field is read.
  for (std::size_t i = 0; i < cols_.size(); ++i) {
    const Col c = cols_[i];
    const Cell& cl = raw.cells[i];
    std::string_view t = raw.text(cl);
    if (t.empty()) continue;  // an empty cell (or "") is an absent value
    present[idx(c)] = true;
    const std::string_view field = col_names[idx(c)];
    if (cl.flags & cell_stray_quote) {
      fail(ErrorCode::bad_value, field,
           message(N_("{}: a double quote inside an unquoted cell (quote the cell and double the quote)"), field));
      continue;
    }
    if (cl.flags & cell_after_close) {
      fail(ErrorCode::bad_value, field, message(N_("{}: characters after the closing quote"), field));
      continue;
    }
    switch (check_text(t)) {
      case TextCheck::ok: break;
      case TextCheck::nul: fail(ErrorCode::bad_value, field, message(N_("{}: contains a NUL byte"), field)); continue;
      case TextCheck::bad_utf8: fail(ErrorCode::bad_value, field, message(N_("{}: not valid UTF-8"), field)); continue;
    }
    cell(c, t, amounts_ok, amounts, admitted);
  }

  // Then required values that are missing, in the interchange column order.
  for (std::size_t k = 0; k < col_count; ++k) {
    if (col_required[k] && !present[k]) {
      fail(ErrorCode::missing_field, col_names[k], message(N_("{}: required field is missing"), col_names[k]));
    }
  }

  // Then the checks across fields.
  if (std::all_of(std::begin(amounts_ok), std::end(amounts_ok), [](bool b) { return b; })) {
    Buckets b{amounts[0], amounts[1], amounts[2], amounts[3], amounts[4]};
    if (auto p = detail::check_buckets_sum(b)) fail(std::move(*p));
    else rec.stay.buckets = b;
  }
  if (admitted && rec.discharged_date) {
    if (auto p = detail::check_stay_dates(*admitted, *rec.discharged_date)) fail(std::move(*p));
  }

  if (code_) {
    rec.rejection = detail::rejection(rec.has_stay_id ? std::optional<std::string>(rec.stay.stay_id) : std::nullopt,
                                      rec.line, *code_, std::move(field_), std::move(what_));
  } else {
    rec.checked = true;
  }
  rec_ = nullptr;
  return rec;
}

/// The header's columns, or an error message.
bool read_header(const RawRecord& raw, std::size_t limit, std::vector<Col>& cols, std::string& error) {
  if (raw.unterminated) { error = "header: unterminated quoted field"; return false; }
  if (raw.too_long) { error = fmt::format("header: longer than {} bytes", limit); return false; }
  std::array<std::size_t, col_count> position{};  // 1-based; 0: not seen
  // More than col_count cells means a duplicate or unknown name among the
  // first col_count + 1, which are kept.
  for (std::size_t i = 0; i < raw.cells.size(); ++i) {
    std::string_view name = raw.text(raw.cells[i]);
    auto c = col_from(name);
    if (!c || raw.cells[i].flags & (cell_stray_quote | cell_after_close)) {
      error = fmt::format("header: unknown column '{}' in position {} (expected one of {})", printable(name), i + 1,
                          all_columns);
      return false;
    }
    if (position[idx(*c)] != 0) {
      error = fmt::format("header: column '{}' given more than once (positions {} and {})", name,
                          position[idx(*c)], i + 1);
      return false;
    }
    position[idx(*c)] = i + 1;
    cols.push_back(*c);
  }
  for (std::size_t k = 0; k < col_count; ++k) {
    if (col_required[k] && position[k] == 0) {
      error = fmt::format("header: required column '{}' is missing", col_names[k]);
      return false;
    }
  }
  return true;
}

/// Reads the header row into `cols`; an empty string, or what is wrong with it.
std::string start(Scanner& scanner, std::size_t limit, std::vector<Col>& cols) {
  RawRecord raw;
  std::string message;
  if (!scanner.next(raw, col_count + 1)) {
    message = "empty input: no header row";
  } else if (read_header(raw, limit, cols, message)) {
    message.clear();
  }
  return message;
}

// A record found malformed as a whole is read again from its mark: these, in the order RowReader::read tells them.
constexpr std::uint8_t mark_broken_quote = 1, mark_unterminated = 2, mark_too_long = 3;

std::uint8_t mark_of(const RawRecord& raw) noexcept {
  if (raw.broken_quote) return mark_broken_quote;
  if (raw.unterminated) return mark_unterminated;
  if (raw.too_long) return mark_too_long;
  return 0;
}

}  // namespace

bool read_csv(std::istream& in, const std::function<void(Record&&)>& sink, std::string* error, ReadLimits limits) {
  Scanner scanner(in, limits.max_record_bytes);
  RawRecord raw;
  std::vector<Col> cols;
  std::string message = start(scanner, limits.max_record_bytes, cols);
  if (!message.empty()) {
    if (error) *error = std::move(message);
    return false;
  }
  RowReader reader(cols, limits);
  while (scanner.next(raw, cols.size(), cols.size())) sink(reader.read(raw));
  return true;
}

std::vector<Record> read_csv(std::istream& in, ReadLimits limits) {
  std::vector<Record> out;
  if (!read_csv(in, [&](Record&& r) { out.push_back(std::move(r)); }, nullptr, limits)) out.clear();
  return out;
}

// ---- reading records again --------------------------------------------------

struct detail::CsvRereader::Impl {
  Impl(std::vector<Col> c, const ReadLimits& l) : cols(std::move(c)), limits(l), scanner(l.max_record_bytes) {}
  std::vector<Col> cols;
  ReadLimits limits;
  Scanner scanner;
  RowReader reader{cols, limits};
  RawRecord raw;
};

detail::CsvRereader::CsvRereader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
detail::CsvRereader::~CsvRereader() = default;
detail::CsvRereader::CsvRereader(CsvRereader&&) noexcept = default;
detail::CsvRereader& detail::CsvRereader::operator=(CsvRereader&&) noexcept = default;

Record detail::CsvRereader::read(std::string_view text, const CsvPlace& place) {
  RawRecord& raw = impl_->raw;
  if (place.mark == 0) {
    // The bytes of one record, read as the first time: no byte-order mark
    // is skipped, and no line end inside quotes cuts it back (that is marked).
    impl_->scanner.load(text, place.line);
    const std::size_t n = impl_->cols.size();
    if (impl_->scanner.next(raw, n, n)) return impl_->reader.read(raw);
  }
  // Marked, or (the input changed between the readings) no record there: a row of no cells.
  raw.line = place.line;
  raw.cell_count = 0;
  raw.broken_quote = place.mark == mark_broken_quote;
  raw.unterminated = place.mark == mark_unterminated;
  raw.too_long = place.mark == mark_too_long;
  return impl_->reader.read(raw);
}

struct detail::CsvRecords::Impl {
  Impl(std::istream& in, const ReadLimits& l) : limits(l), scanner(in, l.max_record_bytes) {}
  ReadLimits limits;
  Scanner scanner;
  std::vector<Col> cols;
  std::unique_ptr<RowReader> reader;
  RawRecord raw;
};

detail::CsvRecords::CsvRecords(std::istream& in, const ReadLimits& limits, const std::string& name)
    : impl_(std::make_unique<Impl>(in, limits)) {
  const std::string error = start(impl_->scanner, limits.max_record_bytes, impl_->cols);
  if (!error.empty()) throw InputError(name + ": " + error);
  impl_->reader = std::make_unique<RowReader>(impl_->cols, impl_->limits);
}

detail::CsvRecords::~CsvRecords() = default;

bool detail::CsvRecords::next(Record& record, CsvPlace& place) {
  const std::size_t n = impl_->cols.size();
  if (!impl_->scanner.next(impl_->raw, n, n)) return false;
  const RawRecord& raw = impl_->raw;
  place = CsvPlace{raw.offset, raw.length, raw.line, mark_of(raw)};
  record = impl_->reader->read(raw);
  return true;
}

detail::CsvRereader detail::CsvRecords::rereader() const {
  return CsvRereader(std::make_unique<CsvRereader::Impl>(impl_->cols, impl_->limits));
}

}  // namespace medsettle
