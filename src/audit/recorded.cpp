// Reading recorded settlements (recorded.hpp). Keys not named here are
// ignored: a platform export carries many more. A key given twice, a value
// of the wrong type or an amount that is not exact makes the line unusable.
#include "audit/recorded.hpp"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/text.hpp"
#include "core/validation.hpp"
#include "io/json_names.hpp"
#include "medsettle/reader.hpp"

namespace medsettle::audit {

namespace {

namespace od = simdjson::ondemand;
using detail::message;

/// A recorded line that cannot be used.
struct Bad {
  Message problem;
};

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

/// Where a value is, for messages: "hifp_pay", "channels[2].paid". Built
/// into text only when something is wrong.
struct Where {
  std::string_view list;  ///< "channels", "setldetail", or empty
  std::size_t index = 0;
  std::string_view key;
  [[nodiscard]] std::string str() const {
    if (list.empty()) return std::string(key);
    if (key.empty()) return fmt::format("{}[{}]", list, index);
    return fmt::format("{}[{}].{}", list, index, key);
  }
};

[[noreturn]] void not_json(simdjson::error_code e) {
  throw Bad{message(N_("not JSON: {}"), simdjson::error_message(e))};
}

template <class T>
T must(simdjson::simdjson_result<T>&& r) {
  T v;
  if (auto e = std::move(r).get(v); e) not_json(e);
  return v;
}

template <class T>
T must_at(simdjson::simdjson_result<T>&& r, const Where& w) {
  T v;
  if (auto e = std::move(r).get(v); e) throw Bad{message(N_("{}: not JSON: {}"), w.str(), simdjson::error_message(e))};
  return v;
}

std::string_view type_name(od::json_type t) { return detail::json_type_name(t); }

/// An amount as recorded: the text of a string or number, exactly. A
/// leading minus (a reversal) and zeros beyond the second decimal keep the
/// value exact, so both are accepted.
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

/// A money value (string or number); null is absent.
std::optional<Fen> money(od::value v, const Where& w) {
  const od::json_type t = must_at(v.type(), w);
  std::string_view txt;
  switch (t) {
    case od::json_type::null: return std::nullopt;
    case od::json_type::string: txt = must_at(v.get_string(), w); break;
    case od::json_type::number: txt = trim_right(v.raw_json_token()); break;
    default:
      throw Bad{message(N_("{}: expected an amount (a number or a string), got {}"), w.str(), type_name(t))};
  }
  NumberError error = NumberError::ok;
  auto fen = parse_money(txt, error);
  if (!fen) throw Bad{detail::amount_text_problem(w.str(), error, txt).what};
  return fen;
}

/// A text value (a string, or a number's text: codes and ids); null is absent.
bool text(od::value v, const Where& w, std::string& out) {
  const od::json_type t = must_at(v.type(), w);
  switch (t) {
    case od::json_type::null: return false;
    case od::json_type::string: out.assign(must_at(v.get_string(), w)); return true;
    case od::json_type::number: out.assign(trim_right(v.raw_json_token())); return true;
    default: throw Bad{message(N_("{}: expected a string, got {}"), w.str(), type_name(t))};
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
  if (t != od::json_type::boolean) throw Bad{message(N_("{}: expected true or false, got {}"), w.str(), type_name(t))};
  return must_at(v.get_bool(), w);
}

/// Notes a key by its bit; a key given twice makes the line unusable.
void once(std::uint32_t& seen, unsigned bit_index, const Where& w) {
  const std::uint32_t b = std::uint32_t{1} << bit_index;
  if (seen & b) throw Bad{message(N_("{}: given more than once"), w.str())};
  seen |= b;
}

/// The object of a list item, or why it is not one.
od::object item_object(simdjson::simdjson_result<od::value>&& item, const Where& at) {
  od::object obj;
  if (must_at(std::move(item), at).get_object().get(obj)) throw Bad{message(N_("{}: expected an object"), at.str())};
  return obj;
}

/// Calls `f(key, value, where)` for each key of a list item's object.
template <class F>
void each_key(od::object obj, const Where& at, F f) {
  for (auto kv : obj) {
    od::field field = must_at(std::move(kv), at);
    const std::string_view key = must_at(field.unescaped_key(), at);
    f(key, field.value(), Where{at.list, at.index, key});
  }
}

RecordedChannel read_channel(od::object obj, std::size_t index) {
  const Where at{"channels", index, {}};
  RecordedChannel c;
  bool has_id = false;
  std::uint32_t seen = 0;
  each_key(obj, at, [&](std::string_view key, od::value v, const Where& w) {
    if (key == "id") {
      once(seen, 0, w);
      has_id = text(v, w, c.id);
    } else if (key == "eligible") {
      once(seen, 1, w);
      c.eligible = boolean(v, w);
    } else {
      for (std::size_t p = 0; p < part_count; ++p) {
        if (key != part_names[p]) continue;
        once(seen, static_cast<unsigned>(2 + p), w);
        c.parts[p] = money(v, w);
      }
    }
  });
  if (!has_id) throw Bad{message(N_("{}: no channel id"), at.str())};
  return c;
}

std::vector<RecordedChannel> read_channels(od::array arr) {
  std::vector<RecordedChannel> channels;
  for (auto item : arr) {
    const std::size_t i = channels.size();
    RecordedChannel c = read_channel(item_object(std::move(item), Where{"channels", i, {}}), i);
    for (const RecordedChannel& earlier : channels) {
      if (earlier.id == c.id) throw Bad{message(N_("channels[{}]: channel '{}' listed twice"), i, c.id)};
    }
    channels.push_back(std::move(c));
  }
  return channels;
}

/// One setldetail entry: its fund_pay_type and fund_payamt, both required.
std::pair<std::string, Fen> read_detail_entry(od::object entry, std::size_t i) {
  const Where at{"setldetail", i, {}};
  std::string type;
  bool has_type = false;
  std::optional<Fen> amount;
  std::uint32_t seen = 0;
  each_key(entry, at, [&](std::string_view key, od::value v, const Where& w) {
    if (key == "fund_pay_type") {
      once(seen, 0, w);
      has_type = text(v, w, type);
    } else if (key == "fund_payamt") {
      once(seen, 1, w);
      amount = money(v, w);
    }
  });
  if (!has_type) throw Bad{message(N_("{}: no fund_pay_type"), at.str())};
  if (!amount) throw Bad{message(N_("{}: no fund_payamt"), at.str())};
  return {std::move(type), *amount};
}

/// setldetail, summed per fund_pay_type in first-seen order.
std::vector<std::pair<std::string, Fen>> read_detail(od::array arr) {
  std::vector<std::pair<std::string, Fen>> detail;
  std::size_t i = 0;
  for (auto item : arr) {
    auto [type, amount] = read_detail_entry(item_object(std::move(item), Where{"setldetail", i, {}}), i);
    const std::string_view wanted = type;  // clang before 16 cannot capture a structured binding
    auto it = std::find_if(detail.begin(), detail.end(), [&](const auto& d) { return d.first == wanted; });
    if (it == detail.end()) detail.emplace_back(std::move(type), amount);
    else it->second += amount;
    ++i;
  }
  return detail;
}

/// The keys of a recorded line, by bit: 0 id, 1 person, 2 rules, 3 version,
/// 4 digest, 5 channels, 6 setldetail, 8.. the settlement fields.
class LineReader {
 public:
  LineReader(Recorded& r, std::optional<std::string>& stay_id) : r_(r), stay_id_(stay_id) {}

  void key(od::field& field, std::string_view key) {
    const Where w{{}, 0, key};
    if (key == "stay_id" || key == "setl_id") {
      id(field.value(), key);
    } else if (key == "person_id" || key == "psn_no") {
      once(seen_, 1, w);
      r_.person_id = text(field.value(), w);
    } else if (key == "rules" || key == "version" || key == "digest") {
      const unsigned bit = key == "rules" ? 2 : key == "version" ? 3 : 4;
      once(seen_, bit, w);
      (bit == 2 ? r_.rules : bit == 3 ? r_.version : r_.digest) = text(field.value(), w);
    } else if (key == "channels") {
      once(seen_, 5, w);
      if (auto arr = list(field.value(), w)) r_.channels = read_channels(*arr);
    } else if (key == "setldetail") {
      once(seen_, 6, w);
      if (auto arr = list(field.value(), w)) r_.detail = read_detail(*arr);
    } else {
      for (std::size_t i = 0; i < replay_field_count; ++i) {
        if (key != replay_fields[i]) continue;
        once(seen_, static_cast<unsigned>(8 + i), w);
        r_.fields[i] = money(field.value(), w);
      }
    }
    // Other keys (a platform export has many) are not compared.
  }

  void finish() const {
    if (r_.stay_id.empty()) throw Bad{message(N_("no stay_id (or setl_id)"))};
    if (!r_.channels && !r_.detail &&
        std::none_of(r_.fields.begin(), r_.fields.end(), [](const std::optional<Fen>& f) { return f.has_value(); })) {
      throw Bad{message(N_("nothing to compare: no settlement field, channels or setldetail"))};
    }
  }

 private:
  Recorded& r_;
  std::optional<std::string>& stay_id_;
  std::uint32_t seen_ = 0;
  std::string_view id_key_;

  void id(od::value v, std::string_view key) {
    if (seen_ & 1u) throw Bad{message(N_("{}: the stay id is given twice ('{}' and '{}')"), key, id_key_, key)};
    seen_ |= 1u;
    id_key_ = key == "stay_id" ? "stay_id" : "setl_id";
    if (!text(v, Where{{}, 0, key}, r_.stay_id)) return;
    if (r_.stay_id.empty()) throw Bad{message(N_("{}: empty"), key)};
    stay_id_ = r_.stay_id;
  }

  /// A list, or nullopt for null.
  static std::optional<od::array> list(od::value v, const Where& w) {
    if (must_at(v.type(), w) == od::json_type::null) return std::nullopt;
    od::array arr;
    if (v.get_array().get(arr)) throw Bad{message(N_("{}: expected a list"), w.str())};
    return arr;
  }
};

}  // namespace

struct RecordedReader::Impl {
  od::parser parser;
  std::string buffer;

  /// The line's root object, or why it is not one.
  od::document document(std::string_view line_text) {
    buffer.assign(line_text);
    buffer.append(simdjson::SIMDJSON_PADDING, ' ');
    od::document doc = must(parser.iterate(buffer.data(), line_text.size(), buffer.size()));
    od::json_type root_type{};
    if (auto e = doc.type().get(root_type); e) not_json(e);
    if (root_type != od::json_type::object) {
      // JSON but not an object, or not JSON at all (`nul`, `[1,2`)? Rare, so a
      // full DOM parse decides.
      simdjson::dom::parser dom;
      if (auto e = dom.parse(buffer.data(), line_text.size(), false).error(); e) not_json(e);
      throw Bad{message(N_("not a JSON object but {}"), type_name(root_type))};
    }
    return doc;
  }

  void read(std::string_view line_text, Recorded& r, std::optional<std::string>& stay_id) {
    od::document doc = document(line_text);
    od::object obj = must(doc.get_object());
    LineReader reader(r, stay_id);
    for (auto f : obj) {
      od::field field = must(std::move(f));
      reader.key(field, must(field.unescaped_key()));
    }
    // current_location() answers OUT_OF_BOUNDS only once every token is consumed.
    if (!doc.current_location().error()) throw Bad{message(N_("not JSON: characters after the object"))};
    reader.finish();
  }
};

RecordedReader::RecordedReader() : impl_(std::make_unique<Impl>()) {}
RecordedReader::~RecordedReader() = default;

std::variant<Recorded, Unusable> RecordedReader::read(std::string_view text, std::uint64_t line) {
  Recorded r;
  r.line = line;
  std::optional<std::string> stay_id;
  try {
    impl_->read(text, r, stay_id);
  } catch (const simdjson::simdjson_error& e) {
    return Unusable{stay_id, message(N_("not JSON: {}"), e.what())};
  } catch (const Bad& b) {
    return Unusable{stay_id, b.problem};
  }
  return r;
}

std::vector<std::variant<Recorded, ReplayMalformed>> read_recorded(std::istream& in) {
  std::vector<std::variant<Recorded, ReplayMalformed>> lines;
  std::unordered_map<std::string, std::uint64_t> seen;  // stay id -> first line
  RecordedReader reader;
  for_each_json_line(in, [&](std::string_view text, std::uint64_t line) {
    auto read = reader.read(text, line);
    if (auto* bad = std::get_if<Unusable>(&read)) {
      if (bad->stay_id) seen.emplace(*bad->stay_id, line);
      lines.emplace_back(ReplayMalformed{line, std::move(bad->stay_id), std::move(bad->problem)});
      return;
    }
    auto& r = std::get<Recorded>(read);
    if (auto [it, fresh] = seen.emplace(r.stay_id, line); !fresh) {
      lines.emplace_back(ReplayMalformed{
          line, r.stay_id, message(N_("stay {} recorded again (first at line {})"), r.stay_id, it->second)});
      return;
    }
    lines.emplace_back(std::move(r));
  });
  if (in.bad()) throw IoError(message(N_("reading the recorded settlements failed")));
  return lines;
}

}  // namespace medsettle::audit
