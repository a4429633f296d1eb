// medsettle replay: recompute recorded settlements and report where they differ.
//
// Recorded settlements are JSON Lines: our own settle output (INTERCHANGE.md,
// with `channels`), or lines with the national platform's names (`setl_id`,
// `psn_no`, the setlinfo amounts, and optionally `setldetail`, a list of
// {fund_pay_type, fund_payamt}). Keys not named here are ignored: a platform
// export carries many more. Money may be a JSON string or number; its text is
// read with medsettle::parse_amount, never through a double (a leading minus,
// as in a reversal, and zeros beyond the second decimal are accepted: both
// keep the value exact).
//
// The stays are settled as one batch with the rule set (and --as-of), then
// compared per stay, per settlement field, per channel (base, deductible,
// paid, eligible) and per fund_pay_type.
#include <algorithm>
#include <map>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>
#include <simdjson.h>

#include "io/json_names.hpp"  // TEMPORARY: until replay moves into the audit layer

#include <iostream>

#include "cli/common.hpp"
#include "medsettle/settle.hpp"
#include "medsettle/writer.hpp"

namespace medsettle::cli {

namespace {

namespace od = simdjson::ondemand;

// ---- the settlement fields ------------------------------------------------------

constexpr std::size_t field_count = 13;
constexpr std::array<std::string_view, field_count> field_names{
    "medfee_sumamt", "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt",
    "act_pay_dedc",  "hifp_pay",          "hifmi_pay",       "maf_pay",        "hosp_part_amt",
    "oth_pay",       "fund_pay_sumamt",   "psn_part_amt"};

std::array<Fen, field_count> fields_of(const Settlement& s) {
  return {s.buckets.total, s.buckets.full_selfpay, s.buckets.over_limit, s.buckets.pre_selfpay,
          s.buckets.in_scope, s.act_pay_dedc, s.hifp_pay, s.hifmi_pay, s.maf_pay, s.hosp_part_amt,
          s.oth_pay, s.fund_pay_sumamt, s.psn_part_amt};
}

std::optional<std::size_t> field_index(std::string_view key) {
  for (std::size_t i = 0; i < field_count; ++i) {
    if (field_names[i] == key) return i;
  }
  return std::nullopt;
}

// The per-channel figures compared, in report order.
enum ChannelPart : std::uint8_t { part_base, part_deductible, part_paid, part_count };
constexpr std::array<std::string_view, part_count> part_names{"base", "deductible", "paid"};

// ---- recorded settlements ---------------------------------------------------------

struct RecordedChannel {
  std::string id;
  std::optional<bool> eligible;
  std::array<std::optional<Fen>, part_count> parts;
};

struct Recorded {
  std::uint64_t line = 0;
  std::string stay_id;
  std::optional<std::string> person_id;
  std::optional<std::string> rules, version, digest;
  std::array<std::optional<Fen>, field_count> fields;
  /// `channels`: the first channel_count entries, when has_channels (the
  /// vectors are reused from line to line).
  bool has_channels = false;
  std::size_t channel_count = 0;
  std::optional<std::vector<RecordedChannel>> channels;
  /// setldetail summed per fund_pay_type, in first-seen order, when has_detail.
  bool has_detail = false;
  std::optional<std::vector<std::pair<std::string, Fen>>> detail;
};

struct Malformed {
  std::uint64_t line = 0;
  std::optional<std::string> stay_id;
  std::string message;
};

/// A recorded line that cannot be used.
struct Bad {
  std::string message;
};

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

template <class T>
T must(simdjson::simdjson_result<T>&& r, std::string_view where) {
  T v;
  if (auto e = std::move(r).get(v); e) {
    throw Bad{where.empty() ? fmt::format("not JSON: {}", simdjson::error_message(e))
                            : fmt::format("{}: not JSON: {}", where, simdjson::error_message(e))};
  }
  return v;
}

std::string_view type_name(od::json_type t) { return detail::json_type_name(t); }

/// An amount as recorded: the text of a string or number, exactly.
std::optional<Fen> parse_money(std::string_view text, NumberError& error) {
  std::string_view t = text;
  const bool negative = t.size() > 1 && t[0] == '-';
  if (negative) t.remove_prefix(1);
  // "12.500" is 12.50 exactly: zeros after the second decimal change nothing.
  if (auto dot = t.find('.'); dot != std::string_view::npos) {
    std::size_t end = t.size();
    while (end > dot + 3 && t[end - 1] == '0') --end;
    t = t.substr(0, end);
  }
  AmountParse p = parse_amount(t);
  if (!p) {
    error = p.error;
    return std::nullopt;
  }
  return negative ? -p.value : p.value;
}

/// Where a value is, for messages: "hifp_pay", "channels[2].paid". Built
/// into text only when something is wrong.
struct Where {
  std::string_view list;        ///< "channels", "setldetail", or empty
  std::size_t index = 0;
  std::string_view key;
  [[nodiscard]] std::string str() const {
    if (list.empty()) return std::string(key);
    if (key.empty()) return fmt::format("{}[{}]", list, index);
    return fmt::format("{}[{}].{}", list, index, key);
  }
};

template <class T>
T must_at(simdjson::simdjson_result<T>&& r, const Where& w) {
  T v;
  if (auto e = std::move(r).get(v); e) throw Bad{fmt::format("{}: not JSON: {}", w.str(), simdjson::error_message(e))};
  return v;
}

/// A money value (string or number); null is absent.
std::optional<Fen> money(od::value v, const Where& w) {
  const od::json_type t = must_at(v.type(), w);
  std::string_view txt;
  switch (t) {
    case od::json_type::null: return std::nullopt;
    case od::json_type::string: txt = must_at(v.get_string(), w); break;
    case od::json_type::number: txt = trim_right(v.raw_json_token()); break;
    default:
      throw Bad{fmt::format("{}: expected an amount (a number or a string), got {}", w.str(), type_name(t))};
  }
  NumberError error = NumberError::ok;
  auto fen = parse_money(txt, error);
  if (!fen) throw Bad{fmt::format("{}: {}: '{}'", w.str(), describe(error), txt)};
  return fen;
}

/// A text value (a string, or a number's text: codes and ids); null is absent.
bool text(od::value v, const Where& w, std::string& out) {
  const od::json_type t = must_at(v.type(), w);
  switch (t) {
    case od::json_type::null: return false;
    case od::json_type::string: out.assign(must_at(v.get_string(), w)); return true;
    case od::json_type::number: out.assign(trim_right(v.raw_json_token())); return true;
    default: throw Bad{fmt::format("{}: expected a string, got {}", w.str(), type_name(t))};
  }
}
std::optional<std::string> text(od::value v, const Where& w) {
  std::string out;
  if (!text(v, w, out)) return std::nullopt;
  return out;
}

std::optional<bool> boolean(od::value v, const Where& w) {
  const od::json_type t = must_at(v.type(), w);
  if (t == od::json_type::null) return std::nullopt;
  if (t != od::json_type::boolean) throw Bad{fmt::format("{}: expected true or false, got {}", w.str(), type_name(t))};
  return must_at(v.get_bool(), w);
}

/// Notes a key by its bit; a key given twice makes the line malformed.
void once(std::uint32_t& seen, unsigned bit_index, const Where& w) {
  const std::uint32_t b = std::uint32_t{1} << bit_index;
  if (seen & b) throw Bad{fmt::format("{}: given more than once", w.str())};
  seen |= b;
}

void parse_channel(od::value v, std::size_t index, RecordedChannel& c) {
  const Where at{"channels", index, {}};
  od::object obj;
  if (v.get_object().get(obj)) throw Bad{fmt::format("{}: expected an object", at.str())};
  c.eligible.reset();
  c.parts = {};
  bool has_id = false;
  std::uint32_t seen = 0;
  for (auto f : obj) {
    od::field field = must_at(std::move(f), at);
    const std::string_view key = must_at(field.unescaped_key(), at);
    const Where w{"channels", index, key};
    if (key == "id") {
      once(seen, 0, w);
      has_id = text(field.value(), w, c.id);
    } else if (key == "eligible") {
      once(seen, 1, w);
      c.eligible = boolean(field.value(), w);
    } else {
      for (std::size_t p = 0; p < part_count; ++p) {
        if (key == part_names[p]) {
          once(seen, static_cast<unsigned>(2 + p), w);
          c.parts[p] = money(field.value(), w);
        }
      }
    }
  }
  if (!has_id) throw Bad{fmt::format("{}: no channel id", at.str())};
}

void parse_detail(od::value v, std::vector<std::pair<std::string, Fen>>& detail) {
  detail.clear();
  od::array arr;
  if (v.get_array().get(arr)) throw Bad{"setldetail: expected a list"};
  std::size_t i = 0;
  std::string type;
  for (auto item : arr) {
    const Where at{"setldetail", i, {}};
    od::object entry;
    if (must_at(std::move(item), at).get_object().get(entry)) throw Bad{at.str() + ": expected an object"};
    bool has_type = false;
    std::optional<Fen> amount;
    std::uint32_t seen = 0;
    for (auto ef : entry) {
      od::field e = must_at(std::move(ef), at);
      const std::string_view key = must_at(e.unescaped_key(), at);
      const Where w{"setldetail", i, key};
      if (key == "fund_pay_type") {
        once(seen, 0, w);
        has_type = text(e.value(), w, type);
      } else if (key == "fund_payamt") {
        once(seen, 1, w);
        amount = money(e.value(), w);
      }
    }
    if (!has_type) throw Bad{at.str() + ": no fund_pay_type"};
    if (!amount) throw Bad{at.str() + ": no fund_payamt"};
    auto it = std::find_if(detail.begin(), detail.end(), [&](const auto& d) { return d.first == type; });
    if (it == detail.end()) detail.emplace_back(type, *amount);
    else it->second += *amount;
    ++i;
  }
}

/// Reads one recorded line into `r` (reused between lines, to keep its
/// buffers). Throws Bad, with the stay id in `stay_id` when it could be read.
void parse_recorded(od::parser& parser, std::string& buffer, std::string_view line_text, std::uint64_t line,
                    Recorded& r, std::optional<std::string>& stay_id) {
  buffer.assign(line_text);
  buffer.append(simdjson::SIMDJSON_PADDING, ' ');
  od::document doc = must(parser.iterate(buffer.data(), line_text.size(), buffer.size()), "");
  od::json_type root_type{};
  if (auto e = doc.type().get(root_type); e) throw Bad{fmt::format("not JSON: {}", simdjson::error_message(e))};
  if (root_type != od::json_type::object) {
    // JSON but not an object, or not JSON at all (`nul`, `[1,2`)? Rare, so a
    // full DOM parse decides.
    simdjson::dom::parser dom;
    if (auto e = dom.parse(buffer.data(), line_text.size(), false).error(); e) {
      throw Bad{fmt::format("not JSON: {}", simdjson::error_message(e))};
    }
    throw Bad{fmt::format("not a JSON object but {}", type_name(root_type))};
  }
  od::object obj = must(doc.get_object(), "");
  r.line = line;
  r.stay_id.clear();
  r.person_id.reset();
  r.rules.reset();
  r.version.reset();
  r.digest.reset();
  r.fields = {};
  bool has_channels = false, has_detail = false;
  std::size_t channel_count = 0;
  // Bits: 0 id, 1 person, 2 rules, 3 version, 4 digest, 5 channels, 6 setldetail, 8.. the fields.
  std::uint32_t seen = 0;
  std::string_view id_key;
  for (auto f : obj) {
    od::field field = must(std::move(f), "");
    const std::string_view key = must(field.unescaped_key(), "");
    const Where w{{}, 0, key};
    if (key == "stay_id" || key == "setl_id") {
      if (seen & 1u) throw Bad{fmt::format("{}: the stay id is given twice ('{}' and '{}')", key, id_key, key)};
      seen |= 1u;
      id_key = key == "stay_id" ? "stay_id" : "setl_id";
      if (text(field.value(), w, r.stay_id)) {
        if (r.stay_id.empty()) throw Bad{fmt::format("{}: empty", key)};
        stay_id = r.stay_id;
      }
    } else if (key == "person_id" || key == "psn_no") {
      once(seen, 1, w);
      r.person_id = text(field.value(), w);
    } else if (key == "rules") {
      once(seen, 2, w);
      r.rules = text(field.value(), w);
    } else if (key == "version") {
      once(seen, 3, w);
      r.version = text(field.value(), w);
    } else if (key == "digest") {
      once(seen, 4, w);
      r.digest = text(field.value(), w);
    } else if (auto fi = field_index(key)) {
      once(seen, static_cast<unsigned>(8 + *fi), w);
      r.fields[*fi] = money(field.value(), w);
    } else if (key == "channels") {
      once(seen, 5, w);
      od::value v = field.value();
      if (must_at(v.type(), w) == od::json_type::null) continue;
      od::array arr;
      if (v.get_array().get(arr)) throw Bad{"channels: expected a list"};
      if (!r.channels) r.channels.emplace();
      auto& channels = *r.channels;
      for (auto item : arr) {
        if (channels.size() <= channel_count) channels.emplace_back();
        RecordedChannel& c = channels[channel_count];
        parse_channel(must_at(std::move(item), Where{"channels", channel_count, {}}), channel_count, c);
        for (std::size_t k = 0; k < channel_count; ++k) {
          if (channels[k].id == c.id) {
            throw Bad{fmt::format("channels[{}]: channel '{}' listed twice", channel_count, c.id)};
          }
        }
        ++channel_count;
      }
      has_channels = true;
    } else if (key == "setldetail") {
      once(seen, 6, w);
      od::value v = field.value();
      if (must_at(v.type(), w) == od::json_type::null) continue;
      if (!r.detail) r.detail.emplace();
      parse_detail(v, *r.detail);
      has_detail = true;
    }
    // Other keys (a platform export has many) are not compared.
  }
  // current_location() answers OUT_OF_BOUNDS only once every token is consumed.
  if (!doc.current_location().error()) throw Bad{"not JSON: characters after the object"};
  if (r.stay_id.empty()) throw Bad{"no stay_id (or setl_id)"};
  if (!has_channels && !has_detail &&
      std::none_of(r.fields.begin(), r.fields.end(), [](const std::optional<Fen>& f) { return f.has_value(); })) {
    throw Bad{"nothing to compare: no settlement field, channels or setldetail"};
  }
  r.has_channels = has_channels;
  r.channel_count = channel_count;
  r.has_detail = has_detail;
}

// ---- the comparison ---------------------------------------------------------------

/// A recorded line that has something to report.
struct Key {
  std::uint64_t line = 0;
  std::string stay_id;
  std::optional<std::string> person_id;
};

struct Diff {
  std::size_t key = 0;       ///< into Report::keys
  std::string item;          ///< "hifp_pay", "channel basic.paid", "fund_pay_type 390100", ...
  std::string was, now;      ///< recorded and recomputed values as text
  std::optional<std::int64_t> fen;  ///< recomputed − recorded, for money
};

struct Total {
  std::size_t count = 0;
  std::int64_t fen = 0;
};

struct ChannelTotals {
  std::array<Total, part_count> parts;
  std::size_t eligible = 0;  ///< stays where eligibility differs
  std::size_t presence = 0;  ///< stays where the channel is listed on one side only
};

struct Missing {
  std::size_t key = 0;
  std::string reason;
  std::optional<Rejection> rejection;
};

struct Report {
  std::size_t recorded = 0;                ///< usable recorded lines
  std::vector<Key> keys;                   ///< the recorded lines with something to report
  std::vector<Malformed> malformed;
  std::vector<Diff> diffs;
  std::vector<Missing> missing;            ///< recorded, not recomputable
  std::vector<const Settlement*> unrecorded;  ///< settled now, not recorded
  std::size_t rejected_unrecorded = 0;     ///< rejected now and not recorded (not a difference)
  std::size_t stays_read = 0, stays_settled = 0, stays_rejected = 0;
  std::size_t differing_stays = 0, matching_stays = 0;
  std::map<Date, std::size_t> versions;    ///< versions applied, with counts
  std::map<std::string, std::size_t> recorded_versions;
  std::size_t recorded_other_digest = 0, recorded_other_rules = 0;
  std::array<Total, field_count> field_totals{};
  std::vector<std::pair<std::string, ChannelTotals>> channel_totals;  ///< rule-set order, then others
  std::vector<std::pair<std::string, Total>> type_totals;
  std::size_t person_diffs = 0;

  /// The key of a recorded line (recorded lines come in order, each once).
  std::size_t key_of(const Recorded& r) {
    if (keys.empty() || keys.back().line != r.line) keys.push_back({r.line, r.stay_id, r.person_id});
    return keys.size() - 1;
  }
  ChannelTotals& channel(std::string_view id) {
    for (auto& [k, v] : channel_totals) {
      if (k == id) return v;
    }
    channel_totals.emplace_back(std::string(id), ChannelTotals{});
    return channel_totals.back().second;
  }
  Total& type(std::string_view code) {
    for (auto& [k, v] : type_totals) {
      if (k == code) return v;
    }
    type_totals.emplace_back(std::string(code), Total{});
    return type_totals.back().second;
  }
  [[nodiscard]] bool clean() const {
    return diffs.empty() && missing.empty() && unrecorded.empty() && malformed.empty();
  }
};

void money_diff(Report& rep, const Recorded& r, std::string item, Fen was, Fen now, Total& total) {
  if (was == now) return;
  const std::int64_t d = (now - was).count();
  rep.diffs.push_back({rep.key_of(r), std::move(item), format(was), format(now), d});
  total.count += 1;
  total.fen += d;
}

/// Compares one recorded settlement with its recomputation; returns whether anything differs.
bool compare(Report& rep, const Plan& plan, const Recorded& r, const Settlement& s) {
  const std::size_t before = rep.diffs.size();
  if (r.person_id && *r.person_id != s.person_id) {
    rep.diffs.push_back({rep.key_of(r), "person_id", *r.person_id, s.person_id, std::nullopt});
    ++rep.person_diffs;
  }
  const auto now = fields_of(s);
  for (std::size_t i = 0; i < field_count; ++i) {
    if (r.fields[i]) money_diff(rep, r, std::string(field_names[i]), *r.fields[i], now[i], rep.field_totals[i]);
  }
  if (r.has_channels) {
    std::vector<bool> listed(s.channels.size(), false);
    for (std::size_t ci = 0; ci < r.channel_count; ++ci) {
      const RecordedChannel& rc = (*r.channels)[ci];
      const ChannelResult* mine = nullptr;
      for (std::size_t k = 0; k < s.channels.size(); ++k) {
        if (plan.channel(s.version_index, s.channels[k].index).id == rc.id) {
          mine = &s.channels[k];
          listed[k] = true;
          break;
        }
      }
      ChannelTotals& ct = rep.channel(rc.id);
      if (!mine) {
        rep.diffs.push_back({rep.key_of(r), fmt::format("channel {}", rc.id), "listed", "absent", std::nullopt});
        ++ct.presence;
        for (std::size_t p = 0; p < part_count; ++p) {
          if (rc.parts[p]) {
            money_diff(rep, r, fmt::format("channel {}.{}", rc.id, part_names[p]), *rc.parts[p], Fen{}, ct.parts[p]);
          }
        }
        continue;
      }
      if (rc.eligible && *rc.eligible != mine->eligible) {
        rep.diffs.push_back({rep.key_of(r), fmt::format("channel {}.eligible", rc.id), *rc.eligible ? "true" : "false",
                             mine->eligible ? "true" : "false", std::nullopt});
        ++ct.eligible;
      }
      const std::array<Fen, part_count> mine_parts{mine->base, mine->deductible, mine->paid};
      for (std::size_t p = 0; p < part_count; ++p) {
        if (rc.parts[p]) {
          money_diff(rep, r, fmt::format("channel {}.{}", rc.id, part_names[p]), *rc.parts[p], mine_parts[p],
                     ct.parts[p]);
        }
      }
    }
    for (std::size_t k = 0; k < s.channels.size(); ++k) {
      if (listed[k]) continue;
      const ChannelResult& mine = s.channels[k];
      const std::string_view id = plan.channel(s.version_index, mine.index).id;
      ChannelTotals& ct = rep.channel(id);
      rep.diffs.push_back({rep.key_of(r), fmt::format("channel {}", id), "absent", "listed", std::nullopt});
      ++ct.presence;
      const std::array<Fen, part_count> mine_parts{mine.base, mine.deductible, mine.paid};
      for (std::size_t p = 0; p < part_count; ++p) {
        money_diff(rep, r, fmt::format("channel {}.{}", id, part_names[p]), Fen{}, mine_parts[p], ct.parts[p]);
      }
    }
  }
  if (r.has_detail) {
    // Our channels' paid, summed per fund_pay_type.
    std::vector<std::pair<std::string_view, Fen>> ours;
    for (const ChannelResult& c : s.channels) {
      const std::string_view code = plan.channel(s.version_index, c.index).fund_pay_type;
      auto it = std::find_if(ours.begin(), ours.end(), [&](const auto& o) { return o.first == code; });
      if (it == ours.end()) ours.emplace_back(code, c.paid);
      else it->second += c.paid;
    }
    for (const auto& [code, was] : *r.detail) {
      Fen now_sum{};
      for (const auto& [c, v] : ours) {
        if (c == code) now_sum = v;
      }
      money_diff(rep, r, fmt::format("fund_pay_type {}", code), was, now_sum, rep.type(code));
    }
    for (const auto& [code, now_sum] : ours) {
      const bool recorded = std::any_of(r.detail->begin(), r.detail->end(), [&](const auto& d) { return d.first == code; });
      if (!recorded) money_diff(rep, r, fmt::format("fund_pay_type {}", code), Fen{}, now_sum, rep.type(code));
    }
  }
  return rep.diffs.size() != before;
}

// ---- output ---------------------------------------------------------------------------

/// Left- or right-aligned columns; widths from the widest cell.
class Table {
 public:
  explicit Table(std::vector<bool> right) : right_(std::move(right)), width_(right_.size(), 0) {}
  void row(std::vector<std::string> cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) width_[i] = std::max(width_[i], display_width(cells[i]));
    rows_.push_back(std::move(cells));
  }
  void render(std::string& out, std::string_view indent = "  ") const {
    for (const auto& r : rows_) {
      std::string line(indent);
      for (std::size_t i = 0; i < r.size(); ++i) {
        const std::size_t pad = width_[i] - display_width(r[i]);
        if (i) line += "  ";
        if (right_[i]) line.append(pad, ' ');
        line += r[i];
        if (!right_[i] && i + 1 < r.size()) line.append(pad, ' ');
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line;
      out += '\n';
    }
  }
  [[nodiscard]] bool empty() const { return rows_.empty(); }

 private:
  std::vector<bool> right_;
  std::vector<std::size_t> width_;
  std::vector<std::vector<std::string>> rows_;

  /// Code points, counting CJK (3-byte UTF-8 sequences) as two columns.
  static std::size_t display_width(std::string_view s) {
    std::size_t w = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if ((c & 0xC0) == 0x80) continue;
      w += (c >= 0xE0) ? 2 : 1;
    }
    return w;
  }
};

std::string versions_text(const Report& rep) {
  if (rep.versions.empty()) return "none (no stay settled)";
  std::string out;
  for (const auto& [d, n] : rep.versions) {
    if (!out.empty()) out += ", ";
    out += fmt::format("{} ({} stay{})", format(d), n, n == 1 ? "" : "s");
  }
  return out;
}

std::string signed_fen(std::int64_t fen) { return fen > 0 ? fmt::format("+{}", fen) : fmt::to_string(fen); }
std::string signed_yuan(std::int64_t fen) { return fen > 0 ? "+" + format(Fen(fen)) : format(Fen(fen)); }

struct ReplayArgs {
  std::string rules, recorded, in, in_format, as_of, out;
  bool json = false;
};

std::string render_text(const Report& rep, const Plan& plan, const ReplayArgs& a, std::optional<Date> as_of) {
  std::string out;
  Table head({false, false});
  head.row({"rule set", fmt::format("{} ({})", plan.id(), plan.file())});
  head.row({"versions applied", versions_text(rep)});
  head.row({"digest", std::string(plan.digest())});
  head.row({"as of", as_of ? format(*as_of) : std::string("each stay's discharge date")});
  head.row({"recorded", fmt::format("{}: {} settlement{}{}", a.recorded, rep.recorded,
                                    rep.recorded == 1 ? "" : "s",
                                    rep.malformed.empty() ? std::string()
                                                          : fmt::format(", {} malformed line{}", rep.malformed.size(),
                                                                        rep.malformed.size() == 1 ? "" : "s"))});
  if (!rep.recorded_versions.empty()) {
    std::string v;
    for (const auto& [d, n] : rep.recorded_versions) {
      if (!v.empty()) v += ", ";
      v += fmt::format("{} ({})", d, n);
    }
    head.row({"recorded versions", v});
  }
  if (rep.recorded_other_rules) {
    head.row({"note", fmt::format("{} recorded settlement{} name another rule set", rep.recorded_other_rules,
                                  rep.recorded_other_rules == 1 ? "" : "s")});
  }
  if (rep.recorded_other_digest) {
    head.row({"note", fmt::format("{} recorded settlement{} carry another digest", rep.recorded_other_digest,
                                  rep.recorded_other_digest == 1 ? "" : "s")});
  }
  head.row({"stays", fmt::format("{}: {} read, {} settled, {} rejected{}", a.in.empty() ? "<stdin>" : a.in,
                                 rep.stays_read, rep.stays_settled, rep.stays_rejected,
                                 rep.rejected_unrecorded
                                     ? fmt::format(" ({} of them not recorded either)", rep.rejected_unrecorded)
                                     : std::string())});
  out += "medsettle replay\n";
  head.render(out);

  if (!rep.diffs.empty()) {
    out += fmt::format("\nDifferences ({}; difference = recomputed - recorded, in fen):\n", rep.diffs.size());
    Table t({true, false, false, false, true, true, true});
    t.row({"line", "stay_id", "person_id", "item", "recorded", "recomputed", "difference"});
    for (const Diff& d : rep.diffs) {
      const Key& r = rep.keys[d.key];
      t.row({fmt::to_string(r.line), r.stay_id, r.person_id.value_or(""), d.item, d.was, d.now,
             d.fen ? signed_fen(*d.fen) : std::string()});
    }
    t.render(out);
  }
  if (!rep.missing.empty()) {
    out += fmt::format("\nRecorded but not recomputable ({}):\n", rep.missing.size());
    Table t({true, false, false});
    t.row({"line", "stay_id", "reason"});
    for (const Missing& m : rep.missing) {
      const Key& r = rep.keys[m.key];
      t.row({fmt::to_string(r.line), r.stay_id, m.reason});
    }
    t.render(out);
  }
  if (!rep.unrecorded.empty()) {
    out += fmt::format("\nSettled now but not recorded ({}):\n", rep.unrecorded.size());
    Table t({false, false, true, true});
    t.row({"stay_id", "person_id", "medfee_sumamt", "psn_part_amt"});
    for (const Settlement* s : rep.unrecorded) {
      t.row({s->stay_id, s->person_id, format(s->buckets.total), format(s->psn_part_amt)});
    }
    t.render(out);
  }
  if (!rep.malformed.empty()) {
    out += fmt::format("\nMalformed recorded lines ({}):\n", rep.malformed.size());
    Table t({true, false, false});
    t.row({"line", "stay_id", "problem"});
    for (const Malformed& m : rep.malformed) t.row({fmt::to_string(m.line), m.stay_id.value_or(""), m.message});
    t.render(out);
  }
  if (!rep.diffs.empty()) {
    out += "\nTotals of differences (recomputed - recorded):\n";
    Table t({false, true, true, true});
    t.row({"item", "stays", "fen", "yuan"});
    for (std::size_t i = 0; i < field_count; ++i) {
      const Total& tot = rep.field_totals[i];
      if (tot.count) {
        t.row({std::string(field_names[i]), fmt::to_string(tot.count), signed_fen(tot.fen), signed_yuan(tot.fen)});
      }
    }
    for (const auto& [id, ct] : rep.channel_totals) {
      if (ct.presence) t.row({fmt::format("channel {} (listed on one side only)", id), fmt::to_string(ct.presence), "", ""});
      if (ct.eligible) t.row({fmt::format("channel {}.eligible", id), fmt::to_string(ct.eligible), "", ""});
      for (std::size_t p = 0; p < part_count; ++p) {
        const Total& tot = ct.parts[p];
        if (tot.count) {
          t.row({fmt::format("channel {}.{}", id, part_names[p]), fmt::to_string(tot.count), signed_fen(tot.fen),
                 signed_yuan(tot.fen)});
        }
      }
    }
    for (const auto& [code, tot] : rep.type_totals) {
      if (tot.count) {
        t.row({fmt::format("fund_pay_type {}", code), fmt::to_string(tot.count), signed_fen(tot.fen),
               signed_yuan(tot.fen)});
      }
    }
    if (rep.person_diffs) t.row({"person_id", fmt::to_string(rep.person_diffs), "", ""});
    t.render(out);
  }
  out += fmt::format(
      "\n{}: {} recorded, {} match, {} differ ({} difference{}), {} not recomputable, {} not recorded, {} malformed\n",
      rep.clean() ? "MATCH" : "DIFFER", rep.recorded, rep.matching_stays, rep.differing_stays,
      rep.diffs.size(), rep.diffs.size() == 1 ? "" : "s", rep.missing.size(), rep.unrecorded.size(),
      rep.malformed.size());
  return out;
}

void json_key(std::string& out, std::string_view key) {
  write_json_string(out, key);
  out += ':';
}

void json_total(std::string& out, const Total& t) {
  fmt::format_to(std::back_inserter(out), "{{\"stays\":{},\"fen\":{},\"amount\":\"{}\"}}", t.count, t.fen,
                 format(Fen(t.fen)));
}

std::string render_json(const Report& rep, const Plan& plan, const ReplayArgs& a, std::optional<Date> as_of) {
  std::string out = "{";
  json_key(out, "rules");
  write_json_string(out, plan.id());
  out += ',';
  json_key(out, "file");
  write_json_string(out, plan.file());
  out += ',';
  json_key(out, "digest");
  write_json_string(out, plan.digest());
  out += ",\"versions\":[";
  bool first = true;
  for (const auto& [d, n] : rep.versions) {
    if (!first) out += ',';
    first = false;
    fmt::format_to(std::back_inserter(out), "{{\"version\":\"{}\",\"stays\":{}}}", format(d), n);
  }
  out += "],\"as_of\":";
  if (as_of) write_json_string(out, format(*as_of));
  else out += "null";
  out += ",\"recorded_file\":";
  write_json_string(out, a.recorded);
  out += ",\"stays_file\":";
  write_json_string(out, a.in.empty() ? "-" : a.in);
  fmt::format_to(std::back_inserter(out),
                 ",\"status\":\"{}\",\"counts\":{{\"recorded\":{},\"match\":{},\"differ\":{},\"differences\":{},"
                 "\"not_recomputable\":{},\"not_recorded\":{},\"malformed\":{},\"stays_read\":{},"
                 "\"stays_settled\":{},\"stays_rejected\":{},\"rejected_not_recorded\":{}}}",
                 rep.clean() ? "match" : "differ", rep.recorded, rep.matching_stays, rep.differing_stays,
                 rep.diffs.size(), rep.missing.size(), rep.unrecorded.size(), rep.malformed.size(), rep.stays_read,
                 rep.stays_settled, rep.stays_rejected, rep.rejected_unrecorded);
  out += ",\n\"differences\":[";
  for (std::size_t i = 0; i < rep.diffs.size(); ++i) {
    const Diff& d = rep.diffs[i];
    const Key& r = rep.keys[d.key];
    out += i ? ",\n" : "\n";
    fmt::format_to(std::back_inserter(out), "{{\"line\":{},\"stay_id\":", r.line);
    write_json_string(out, r.stay_id);
    out += ",\"person_id\":";
    if (r.person_id) write_json_string(out, *r.person_id);
    else out += "null";
    out += ",\"item\":";
    write_json_string(out, d.item);
    out += ",\"recorded\":";
    write_json_string(out, d.was);
    out += ",\"recomputed\":";
    write_json_string(out, d.now);
    out += ",\"difference_fen\":";
    out += d.fen ? fmt::to_string(*d.fen) : std::string("null");
    out += '}';
  }
  out += "],\n\"not_recomputable\":[";
  for (std::size_t i = 0; i < rep.missing.size(); ++i) {
    const Missing& m = rep.missing[i];
    const Key& r = rep.keys[m.key];
    out += i ? ",\n" : "\n";
    fmt::format_to(std::back_inserter(out), "{{\"line\":{},\"stay_id\":", r.line);
    write_json_string(out, r.stay_id);
    out += ",\"reason\":";
    write_json_string(out, m.reason);
    out += ",\"rejection\":";
    if (m.rejection) write_json(out, *m.rejection);
    else out += "null";
    out += '}';
  }
  out += "],\n\"not_recorded\":[";
  for (std::size_t i = 0; i < rep.unrecorded.size(); ++i) {
    out += i ? ",\n" : "\n";
    out += "{\"stay_id\":";
    write_json_string(out, rep.unrecorded[i]->stay_id);
    out += ",\"person_id\":";
    write_json_string(out, rep.unrecorded[i]->person_id);
    out += '}';
  }
  out += "],\n\"malformed\":[";
  for (std::size_t i = 0; i < rep.malformed.size(); ++i) {
    const Malformed& m = rep.malformed[i];
    out += i ? ",\n" : "\n";
    fmt::format_to(std::back_inserter(out), "{{\"line\":{},\"stay_id\":", m.line);
    if (m.stay_id) write_json_string(out, *m.stay_id);
    else out += "null";
    out += ",\"message\":";
    write_json_string(out, m.message);
    out += '}';
  }
  out += "],\n\"totals\":{\"fields\":{";
  first = true;
  for (std::size_t i = 0; i < field_count; ++i) {
    if (!rep.field_totals[i].count) continue;
    if (!first) out += ',';
    first = false;
    json_key(out, field_names[i]);
    json_total(out, rep.field_totals[i]);
  }
  out += "},\"channels\":{";
  first = true;
  for (const auto& [id, ct] : rep.channel_totals) {
    if (!ct.eligible && !ct.presence &&
        std::all_of(ct.parts.begin(), ct.parts.end(), [](const Total& t) { return t.count == 0; })) {
      continue;
    }
    if (!first) out += ',';
    first = false;
    json_key(out, id);
    out += '{';
    for (std::size_t p = 0; p < part_count; ++p) {
      json_key(out, part_names[p]);
      json_total(out, ct.parts[p]);
      out += ',';
    }
    fmt::format_to(std::back_inserter(out), "\"eligible_differs\":{},\"listed_one_side\":{}}}", ct.eligible,
                   ct.presence);
  }
  out += "},\"fund_pay_types\":{";
  first = true;
  for (const auto& [code, tot] : rep.type_totals) {
    if (!tot.count) continue;
    if (!first) out += ',';
    first = false;
    json_key(out, code);
    json_total(out, tot);
  }
  fmt::format_to(std::back_inserter(out), "}},\"person_id_differs\":{}}}}}\n", rep.person_diffs);
  return out;
}

// ---- the command ------------------------------------------------------------------------

int run_replay(const ReplayArgs& a) {
  Plan plan = load_plan(a.rules);
  std::optional<Date> as_of;
  if (!a.as_of.empty()) {
    DateParse d = parse_date(a.as_of);
    if (!d) throw UsageError(fmt::format("--as-of: '{}' is not a date (YYYY-MM-DD)", a.as_of));
    if (!plan.version_on(d.value)) {
      throw UsageError(fmt::format("--as-of {}: no version of rule set {} is in force on that date", a.as_of, plan.id()));
    }
    as_of = d.value;
  }
  const InputFormat in_fmt = input_format(a.in_format, a.in);
  if ((a.recorded == "-") && (a.in.empty() || a.in == "-")) {
    throw UsageError("--recorded and --in cannot both be standard input");
  }
  InputFile rec_in(a.recorded);  // opened first: a missing file is a usage error before any work
  InputFile in(a.in);
  OutputFile out(a.out);

  Report rep;
  // 1. Recompute: the stays, settled as one batch.
  std::vector<Record> records = read_records(in, in_fmt);
  rep.stays_read = records.size();
  BatchOptions options;
  options.settle.as_of = as_of;
  options.threads = std::max(1u, std::thread::hardware_concurrency());
  const std::vector<Outcome> outcomes = settle_batch(plan, std::move(records), options);

  std::unordered_map<std::string_view, std::size_t> by_id;  // stay id -> outcome
  by_id.reserve(outcomes.size());
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const Outcome& o = outcomes[i];
    if (o.settled()) {
      ++rep.stays_settled;
      ++rep.versions[o.settlement().version];
      by_id.emplace(o.settlement().stay_id, i);
    } else {
      ++rep.stays_rejected;
      const Rejection& r = o.rejection();
      // A later copy of a duplicated stay id is no stay at all; the first stands.
      if (r.stay_id && r.code != ErrorCode::duplicate_stay_id) by_id.emplace(*r.stay_id, i);
    }
  }

  // 2. The recorded settlements, one line at a time, compared as they come.
  std::vector<bool> recorded_now(outcomes.size(), false);
  std::unordered_map<std::string, std::uint64_t> seen;  // recorded stay id -> line
  const auto note_seen = [&](const std::string& id) {
    if (auto it = by_id.find(id); it != by_id.end()) recorded_now[it->second] = true;
  };
  {
    od::parser parser;
    std::string buffer;
    Recorded r;
    for_each_json_line(rec_in.stream(), [&](std::string_view line_text, std::uint64_t line) {
      std::optional<std::string> id;
      try {
        parse_recorded(parser, buffer, line_text, line, r, id);
        auto [it, fresh] = seen.emplace(r.stay_id, line);
        if (!fresh) throw Bad{fmt::format("stay {} recorded again (first at line {})", r.stay_id, it->second)};
      } catch (const simdjson::simdjson_error& e) {
        if (id) { seen.emplace(*id, line); note_seen(*id); }
        rep.malformed.push_back({line, id, fmt::format("not JSON: {}", e.what())});
        return;
      } catch (const Bad& b) {
        // A malformed line's stay counts as recorded: it is not listed again as "not recorded".
        if (id) { seen.emplace(*id, line); note_seen(*id); }
        rep.malformed.push_back({line, id, b.message});
        return;
      }
      ++rep.recorded;
      if (r.version) ++rep.recorded_versions[*r.version];
      if (r.rules && *r.rules != plan.id()) ++rep.recorded_other_rules;
      if (r.digest && *r.digest != plan.digest()) ++rep.recorded_other_digest;
      auto it = by_id.find(r.stay_id);
      if (it == by_id.end()) {
        rep.missing.push_back({rep.key_of(r), "missing from the stays", std::nullopt});
        return;
      }
      recorded_now[it->second] = true;
      const Outcome& o = outcomes[it->second];
      if (!o.settled()) {
        const Rejection& rj = o.rejection();
        rep.missing.push_back(
            {rep.key_of(r), fmt::format("rejected now (line {}): {}: {}", rj.line, name(rj.code), rj.message), rj});
        return;
      }
      if (compare(rep, plan, r, o.settlement())) ++rep.differing_stays;
      else ++rep.matching_stays;
    });
    if (rec_in.stream().bad()) throw UsageError(fmt::format("reading {} failed", rec_in.name()));
  }

  // 3. Settled now, never recorded.
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (recorded_now[i]) continue;
    const Outcome& o = outcomes[i];
    if (o.settled()) {
      rep.unrecorded.push_back(&o.settlement());
    } else if (o.rejection().code != ErrorCode::duplicate_stay_id) {
      ++rep.rejected_unrecorded;
    }
  }

  const std::string report = a.json ? render_json(rep, plan, a, as_of) : render_text(rep, plan, a, as_of);
  out.stream().write(report.data(), static_cast<std::streamsize>(report.size()));
  out.commit();
  std::cerr << fmt::format("replayed {} recorded, {} match, {} differ, {} not recomputable, {} not recorded, {} malformed\n",
                           rep.recorded, rep.matching_stays, rep.differing_stays, rep.missing.size(),
                           rep.unrecorded.size(), rep.malformed.size());
  return rep.clean() ? ok : some_rejected;
}

}  // namespace

Run add_replay(CLI::App& app) {
  auto a = std::make_shared<ReplayArgs>();
  CLI::App* c = app.add_subcommand(
      "replay", "Recompute recorded settlements and report, per field and per channel, where they differ");
  c->add_option("--rules", a->rules, "Rule file to recompute with")->required();
  c->add_option("--recorded", a->recorded,
                "Recorded settlements, JSON Lines: medsettle settle output, or national-platform fields "
                "(setl_id, psn_no, hifp_pay, ..., setldetail)")
      ->required();
  c->add_option("--in", a->in, "The stays, JSON Lines or CSV ('-': standard input)")->required();
  c->add_option("--in-format", a->in_format, "Input format: jsonl or csv (default: from the file name)")
      ->check(CLI::IsMember({"jsonl", "csv"}));
  c->add_option("--as-of", a->as_of,
                "Settle under the version in force on this date (YYYY-MM-DD) instead of each discharge date");
  c->add_flag("--json", a->json, "Write the report as one JSON object");
  c->add_option("--out", a->out, "Report (default: standard output)");
  c->footer(
      "Example:\n"
      "  medsettle settle --rules rules/hunan.yaml --in stays.jsonl --out settled.jsonl\n"
      "  medsettle replay --rules rules/hunan.yaml --recorded settled.jsonl --in stays.jsonl\n"
      "  medsettle replay --rules rules/hunan.yaml --recorded platform.jsonl --in stays.jsonl --as-of 2018-06-01 --json\n"
      "Every difference is listed with the recorded and the recomputed value and the difference in fen\n"
      "(recomputed - recorded), then totals per field, channel and fund_pay_type.\n"
      "Exit status: 0 all match; 1 something differs, is missing on either side, or a recorded line is\n"
      "malformed; 2 usage or rule-file errors.");
  return [a] { return run_replay(*a); };
}

}  // namespace medsettle::cli
