#include "medsettle/writer.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include <fmt/format.h>

#include "core/fen_text.hpp"
#include "core/text.hpp"
#include "medsettle/errors.hpp"
#include "medsettle/printable.hpp"


namespace medsettle {

namespace {

/// Whether a character must be escaped in a JSON string.
bool needs_escape(char c) noexcept { return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20; }

/// Whether no character of `text` must be escaped: eight at a time (a byte
/// below 0x20, '"' or '\\' in a word sets its high bit in the test; a word
/// that may hold one is looked at character by character).
bool plain_json(std::string_view text) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
  const auto below = [](std::uint64_t w, std::uint64_t n) { return (w - ones * n) & ~w & high; };
  std::size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, text.data() + i, 8);
    if ((below(w, 0x20) | below(w ^ (ones * '"'), 1) | below(w ^ (ones * '\\'), 1)) != 0) return false;
  }
  return std::none_of(text.begin() + static_cast<std::ptrdiff_t>(i), text.end(), needs_escape);
}

/// Appends to a string through a cursor: room is made in large steps and
/// each piece is copied in place, without std::string's checks per append.
/// The string's size is set to what was written when the sink ends.
class Sink {
 public:
  /// `expected`: the bytes the caller expects to write (room made at once).
  Sink(std::string& out, std::size_t expected) : out_(out), at_(out.size()) { grow(expected); }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;
  ~Sink() { out_.resize(at_); }

  /// Room for `n` more bytes at cursor(); advance() past what was written.
  char* room(std::size_t n) {
    if (out_.size() - at_ < n) grow(n);
    return out_.data() + at_;
  }
  void advance(char* to) noexcept { at_ = static_cast<std::size_t>(to - out_.data()); }

  void put(std::string_view text) {
    char* p = room(text.size());
    std::memcpy(p, text.data(), text.size());
    at_ += text.size();
  }
  void put(char c) {
    *room(1) = c;
    ++at_;
  }
  /// Fen as yuan with two decimals ("-1234.05"), as format(Fen).
  void put(Fen amount) { advance(detail::write_fen(room(detail::max_fen_chars), amount)); }
  /// An ISO date, YYYY-MM-DD, as format(Date).
  void put(Date d) {
    const auto v = d.ymd();
    const auto y = static_cast<unsigned>(v.y);
    if (y > 9999) {
      put(format(d));
      return;
    }
    char* p = room(10);
    auto two = [](char* at, unsigned n) {
      at[0] = static_cast<char>('0' + n / 10);
      at[1] = static_cast<char>('0' + n % 10);
    };
    two(p, y / 100);
    two(p + 2, y % 100);
    p[4] = '-';
    two(p + 5, static_cast<unsigned>(v.m));
    p[7] = '-';
    two(p + 8, static_cast<unsigned>(v.d));
    advance(p + 10);
  }
  /// `text` as a JSON string literal, quotes included.
  void json_string(std::string_view text);
  /// `text` as a CSV cell, quoted if it needs to be.
  void csv_cell(std::string_view text);

 private:
  void grow(std::size_t n) { out_.resize(at_ + std::max<std::size_t>(n, 256)); }

  std::string& out_;
  std::size_t at_;  ///< the end of what was written
};

void Sink::json_string(std::string_view text) {
  // Most texts need no escape: copied whole.
  if (plain_json(text)) {
    char* p = room(text.size() + 2);
    *p++ = '"';
    std::memcpy(p, text.data(), text.size());
    p[text.size()] = '"';
    advance(p + text.size() + 1);
    return;
  }
  char* p = room(6 * text.size() + 2);  // \u00XX at most for each
  *p++ = '"';
  for (char c : text) {
    switch (c) {
      case '"': *p++ = '\\'; *p++ = '"'; break;
      case '\\': *p++ = '\\'; *p++ = '\\'; break;
      case '\n': *p++ = '\\'; *p++ = 'n'; break;
      case '\r': *p++ = '\\'; *p++ = 'r'; break;
      case '\t': *p++ = '\\'; *p++ = 't'; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          constexpr std::string_view hex = "0123456789abcdef";
          const auto u = static_cast<unsigned char>(c);
          std::memcpy(p, "\\u00", 4);
          p[4] = hex[u >> 4];
          p[5] = hex[u & 15];
          p += 6;
        } else {
          *p++ = c;
        }
    }
  }
  *p++ = '"';
  advance(p);
}

/// A cell is quoted when it holds a separator, a quote, a line end or any
/// other control character, so that a spreadsheet keeps it one cell. A NUL
/// cannot be carried by CSV at all (spreadsheets and C tools cut the text
/// there): the output is refused, naming the cell, and JSON Lines carries it.
void Sink::csv_cell(std::string_view text) {
  const auto plain = [](char c) {
    return c != ',' && c != '"' && static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
  };
  if (std::all_of(text.begin(), text.end(), plain)) {
    put(text);
    return;
  }
  if (text.find('\0') != std::string_view::npos) {
    throw Error(detail::message(N_("the CSV cell '{}' holds a NUL character, which CSV cannot carry; write JSON Lines"),
                                printable(text)));
  }
  char* p = room(2 * text.size() + 2);
  *p++ = '"';
  for (char c : text) {
    if (c == '"') *p++ = '"';
    *p++ = c;
  }
  *p++ = '"';
  advance(p);
}

/// `"key":"amount",` (the key a literal: copied at a known length).
template <std::size_t N>
void money_field(Sink& out, const char (&key)[N], Fen v) {
  char* p = out.room(N + 3);
  *p++ = '"';
  std::memcpy(p, key, N - 1);
  std::memcpy(p + N - 1, "\":\"", 3);
  out.advance(p + N + 2);
  out.put(v);
  out.put(std::string_view("\","));
}

/// The bytes a settlement's JSON takes, about: its texts and a fixed part.
std::size_t json_size(const Settlement& s) {
  return 512 + s.stay_id.size() + s.person_id.size() + s.rules.size() + s.digest.size() + 256 * s.channels.size();
}

}  // namespace

void write_json_string(std::string& out, std::string_view text) {
  Sink(out, text.size() + 2).json_string(text);
}

void write_csv_cell(std::string& out, std::string_view text) { Sink(out, text.size() + 2).csv_cell(text); }

void write_json(std::string& out, const Settlement& s) {
  Sink o(out, json_size(s));
  o.put(std::string_view("{\"stay_id\":"));
  o.json_string(s.stay_id);
  o.put(std::string_view(",\"person_id\":"));
  o.json_string(s.person_id);
  o.put(std::string_view(",\"rules\":"));
  o.json_string(s.rules);
  o.put(std::string_view(",\"version\":\""));
  o.put(s.version);
  o.put(std::string_view("\",\"digest\":\""));
  o.put(std::string_view(s.digest));
  o.put(std::string_view("\","));
  money_field(o, "medfee_sumamt", s.buckets.total);
  money_field(o, "fulamt_ownpay_amt", s.buckets.full_selfpay);
  money_field(o, "overlmt_selfpay", s.buckets.over_limit);
  money_field(o, "preselfpay_amt", s.buckets.pre_selfpay);
  money_field(o, "inscp_scp_amt", s.buckets.in_scope);
  money_field(o, "act_pay_dedc", s.act_pay_dedc);
  money_field(o, "hifp_pay", s.hifp_pay);
  money_field(o, "hifmi_pay", s.hifmi_pay);
  money_field(o, "maf_pay", s.maf_pay);
  money_field(o, "hosp_part_amt", s.hosp_part_amt);
  money_field(o, "oth_pay", s.oth_pay);
  money_field(o, "fund_pay_sumamt", s.fund_pay_sumamt);
  money_field(o, "psn_part_amt", s.psn_part_amt);
  o.put(std::string_view("\"channels\":["));
  for (std::size_t i = 0; i < s.channels.size(); ++i) {
    const ChannelResult& r = s.channels[i];
    const ChannelInfo ch = s.channel_info(r.index);
    o.put(std::string_view(i ? ",{\"id\":" : "{\"id\":"));
    o.json_string(ch.id);
    o.put(std::string_view(",\"name\":"));
    o.json_string(ch.name);
    o.put(std::string_view(",\"fund_pay_type\":"));
    o.json_string(ch.fund_pay_type);
    o.put(std::string_view(r.eligible ? ",\"eligible\":true," : ",\"eligible\":false,"));
    money_field(o, "base", r.base);
    money_field(o, "deductible", r.deductible);
    o.put(std::string_view("\"paid\":\""));
    o.put(r.paid);
    o.put(std::string_view("\"}"));
  }
  o.put(std::string_view("]}"));
}

void write_itemization_json(std::string& out, const Settlement& s) {
  out += '[';
  for (std::size_t i = 0; i < s.channels.size(); ++i) {
    const ChannelResult& r = s.channels[i];
    if (i) out += ',';
    out += "{\"id\":";
    write_json_string(out, s.channel_info(r.index).id);
    out += ",\"computed\":\"";
    format_to(out, r.computed);
    out += "\",\"limited_by\":";
    write_json_string(out, name(r.limiter));
    out += ",\"bands\":[";
    for (std::uint16_t b = 0; b < r.band_count; ++b) {
      const BandShare& share = s.bands[r.first_band + b];
      if (b) out += ',';
      out += "{\"amount\":\"";
      format_to(out, share.amount);
      out += "\",\"rate\":\"";
      out += format(share.rate);
      out += "\"}";
    }
    out += "],\"taken\":{";
    for (std::size_t k = 0; k < bucket_count; ++k) {
      if (k) out += ',';
      out += '"';
      out += name(static_cast<Bucket>(k));
      out += "\":\"";
      format_to(out, r.taken[k]);
      out += '"';
    }
    out += "}}";
  }
  out += ']';
}

void write_json_itemized(std::string& out, const Settlement& s) {
  write_json(out, s);
  out.pop_back();  // the settlement's closing brace
  out += ",\"itemization\":";
  write_itemization_json(out, s);
  out += '}';
}

void write_json(std::string& out, const Rejection& r, Language language) {
  out += "{\"stay_id\":";
  if (r.stay_id) write_json_string(out, *r.stay_id);
  else out += "null";
  fmt::format_to(std::back_inserter(out), ",\"line\":{},\"error\":{{\"code\":\"{}\",\"field\":", r.line, name(r.code));
  if (r.field.empty()) out += "null";
  else write_json_string(out, r.field);
  out += ",\"message\":";
  if (language == Language::en) write_json_string(out, r.message);
  else write_json_string(out, r.message_in(language));
  out += "}}";
}

namespace {
constexpr std::string_view scalar_columns =
    "stay_id,person_id,rules,version,digest,medfee_sumamt,fulamt_ownpay_amt,overlmt_selfpay,preselfpay_amt,"
    "inscp_scp_amt,act_pay_dedc,hifp_pay,hifmi_pay,maf_pay,hosp_part_amt,oth_pay,fund_pay_sumamt,psn_part_amt";
// The same columns as the national platform's settlement list names them
// (setl_id 结算ID, psn_no 人员编号, ...); rules, version and digest are medsettle's own.
constexpr std::string_view scalar_columns_zh =
    "结算ID,人员编号,规则集,版本,规则集摘要,医疗费总额,全自费金额,超限价自费费用,先行自付金额,"
    "符合政策范围金额,实际支付起付线,基本医疗保险统筹基金支出,大病保险资金支出,医疗救助基金支出,"
    "医院负担金额,其他支出,基金支付总额,个人负担总金额";
constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";
}  // namespace

std::string csv_header(const Plan& plan) { return csv_header(plan, CsvOptions{}); }

std::string csv_header(const Plan& plan, const CsvOptions& options) {
  std::string h(options.bom ? utf8_bom : std::string_view{});
  h += options.headers == CsvHeaders::chinese ? scalar_columns_zh : scalar_columns;
  for (const auto& slot : plan.ledger_slots()) {
    for (const char* suffix : {"_base", "_deductible", "_paid"}) {
      if (!options.itemize && std::string_view(suffix) != "_paid") continue;
      h += ',';
      write_csv_cell(h, slot + suffix);
    }
  }
  return h;
}

void write_csv(std::string& out, const Settlement& s) { write_csv(out, s, CsvOptions{}); }

void write_csv(std::string& out, const Settlement& s, const CsvOptions& options) {
  Sink o(out, 256 + s.stay_id.size() + s.person_id.size() + s.rules.size() + s.digest.size() +
                  (options.itemize ? 66 : 22) * s.slot_count());
  o.csv_cell(s.stay_id);
  o.put(',');
  o.csv_cell(s.person_id);
  o.put(',');
  o.csv_cell(s.rules);
  o.put(',');
  o.put(s.version);
  o.put(',');
  o.put(std::string_view(s.digest));
  for (Fen v : {s.buckets.total, s.buckets.full_selfpay, s.buckets.over_limit, s.buckets.pre_selfpay,
                s.buckets.in_scope, s.act_pay_dedc, s.hifp_pay, s.hifmi_pay, s.maf_pay, s.hosp_part_amt, s.oth_pay,
                s.fund_pay_sumamt, s.psn_part_amt}) {
    o.put(',');
    o.put(v);
  }
  // One column (or three, itemized) per ledger slot; a channel the applied version lacks is empty.
  // The channels are found by slot without a heap block for a plan of up to 64 slots.
  const std::size_t slots = s.slot_count();
  std::array<const ChannelResult*, 64> small{};
  std::vector<const ChannelResult*> large(slots > small.size() ? slots : 0, nullptr);
  const ChannelResult** by_slot = large.empty() ? small.data() : large.data();
  for (const auto& r : s.channels) by_slot[r.slot] = &r;
  for (std::size_t k = 0; k < slots; ++k) {
    const ChannelResult* r = by_slot[k];
    if (options.itemize) {
      o.put(',');
      if (r) o.put(r->base);
      o.put(',');
      if (r) o.put(r->deductible);
    }
    o.put(',');
    if (r) o.put(r->paid);
  }
}

}  // namespace medsettle
