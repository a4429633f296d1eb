#include "medsettle/writer.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/text.hpp"
#include "medsettle/errors.hpp"
#include "medsettle/printable.hpp"


namespace medsettle {

namespace {

/// Whether a character must be escaped in a JSON string.
bool needs_escape(char c) noexcept { return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20; }

/// An ISO date, YYYY-MM-DD, without a temporary string.
void append_date(std::string& out, Date d) {
  const auto v = d.ymd();
  char buf[10];
  auto two = [](char* at, unsigned n) {
    at[0] = static_cast<char>('0' + n / 10);
    at[1] = static_cast<char>('0' + n % 10);
  };
  const auto y = static_cast<unsigned>(v.y);
  if (y > 9999) {
    out += format(d);
    return;
  }
  two(buf, y / 100);
  two(buf + 2, y % 100);
  buf[4] = '-';
  two(buf + 5, static_cast<unsigned>(v.m));
  buf[7] = '-';
  two(buf + 8, static_cast<unsigned>(v.d));
  out.append(buf, sizeof buf);
}

}  // namespace

void write_json_string(std::string& out, std::string_view text) {
  out += '"';
  // Most texts need no escape: appended whole.
  if (std::none_of(text.begin(), text.end(), needs_escape)) {
    out += text;
    out += '"';
    return;
  }
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

/// A cell is quoted when it holds a separator, a quote, a line end or any
/// other control character, so that a spreadsheet keeps it one cell. A NUL
/// cannot be carried by CSV at all (spreadsheets and C tools cut the text
/// there): the output is refused, naming the cell, and JSON Lines carries it.
void write_csv_cell(std::string& out, std::string_view text) {
  const auto control = [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; };
  if (text.find('\0') != std::string_view::npos) {
    throw Error(detail::message(N_("the CSV cell '{}' holds a NUL character, which CSV cannot carry; write JSON Lines"),
                                printable(text)));
  }
  if (text.find_first_of(",\"") == std::string_view::npos && std::none_of(text.begin(), text.end(), control)) {
    out += text;
    return;
  }
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

namespace {

void money_field(std::string& out, std::string_view key, Fen v) {
  out += '"';
  out += key;
  out += "\":\"";
  format_to(out, v);
  out += "\",";
}

}  // namespace

void write_json(std::string& out, const Settlement& s) {
  out += "{\"stay_id\":";
  write_json_string(out, s.stay_id);
  out += ",\"person_id\":";
  write_json_string(out, s.person_id);
  out += ",\"rules\":";
  write_json_string(out, s.rules);
  out += ",\"version\":\"";
  append_date(out, s.version);
  out += "\",\"digest\":\"";
  out += s.digest;
  out += "\",";
  money_field(out, "medfee_sumamt", s.buckets.total);
  money_field(out, "fulamt_ownpay_amt", s.buckets.full_selfpay);
  money_field(out, "overlmt_selfpay", s.buckets.over_limit);
  money_field(out, "preselfpay_amt", s.buckets.pre_selfpay);
  money_field(out, "inscp_scp_amt", s.buckets.in_scope);
  money_field(out, "act_pay_dedc", s.act_pay_dedc);
  money_field(out, "hifp_pay", s.hifp_pay);
  money_field(out, "hifmi_pay", s.hifmi_pay);
  money_field(out, "maf_pay", s.maf_pay);
  money_field(out, "hosp_part_amt", s.hosp_part_amt);
  money_field(out, "oth_pay", s.oth_pay);
  money_field(out, "fund_pay_sumamt", s.fund_pay_sumamt);
  money_field(out, "psn_part_amt", s.psn_part_amt);
  out += "\"channels\":[";
  for (std::size_t i = 0; i < s.channels.size(); ++i) {
    const ChannelResult& r = s.channels[i];
    const ChannelInfo ch = s.channel_info(r.index);
    if (i) out += ',';
    out += "{\"id\":";
    write_json_string(out, ch.id);
    out += ",\"name\":";
    write_json_string(out, ch.name);
    out += ",\"fund_pay_type\":";
    write_json_string(out, ch.fund_pay_type);
    out += r.eligible ? ",\"eligible\":true," : ",\"eligible\":false,";
    money_field(out, "base", r.base);
    money_field(out, "deductible", r.deductible);
    out += "\"paid\":\"";
    format_to(out, r.paid);
    out += "\"}";
  }
  out += "]}";
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
  write_csv_cell(out, s.stay_id);
  out += ',';
  write_csv_cell(out, s.person_id);
  out += ',';
  write_csv_cell(out, s.rules);
  out += ',';
  out += format(s.version);
  out += ',';
  out += s.digest;
  for (Fen v : {s.buckets.total, s.buckets.full_selfpay, s.buckets.over_limit, s.buckets.pre_selfpay,
                s.buckets.in_scope, s.act_pay_dedc, s.hifp_pay, s.hifmi_pay, s.maf_pay, s.hosp_part_amt, s.oth_pay,
                s.fund_pay_sumamt, s.psn_part_amt}) {
    out += ',';
    format_to(out, v);
  }
  // One column (or three, itemized) per ledger slot; a channel the applied version lacks is empty.
  std::vector<const ChannelResult*> by_slot(s.slot_count(), nullptr);
  for (const auto& r : s.channels) by_slot[r.slot] = &r;
  for (const ChannelResult* r : by_slot) {
    if (options.itemize) {
      out += ',';
      if (r) format_to(out, r->base);
      out += ',';
      if (r) format_to(out, r->deductible);
    }
    out += ',';
    if (r) format_to(out, r->paid);
  }
}

}  // namespace medsettle
