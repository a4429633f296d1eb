// JSON Lines stay reader: simdjson On-Demand, every amount read from its text.
#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <span>
#include <streambuf>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/fen_text.hpp"
#include "core/text.hpp"
#include "core/validation.hpp"
#include "io/json_names.hpp"

#include "io/line_source.hpp"
#include "medsettle/reader.hpp"

namespace medsettle {

namespace sj = simdjson;
namespace od = simdjson::ondemand;
using detail::message;

namespace {

/// A JSON syntax error: the record is not_json.
struct NotJson {
  std::string message;
};

[[noreturn]] void not_json(sj::error_code e) { throw NotJson{std::string(sj::error_message(e))}; }

template <class T>
T must(sj::simdjson_result<T>&& r) {
  T v;
  if (auto e = std::move(r).get(v); e) not_json(e);
  return v;
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

/// Strict JSON number grammar (for raw tokens simdjson has not checked yet).
bool json_number(std::string_view t) {
  std::size_t i = 0;
  auto digits = [&] {
    std::size_t s = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i - s;
  };
  if (i < t.size() && t[i] == '-') ++i;
  if (i < t.size() && t[i] == '0') ++i;
  else if (digits() == 0) return false;
  if (i < t.size() && t[i] == '.') { ++i; if (digits() == 0) return false; }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == t.size();
}

bool non_finite(std::string_view t) { return t == "NaN" || t == "Infinity" || t == "-Infinity"; }

/// The bytes of a record from a point to its end, matched piece by piece:
/// each match moves on only when the whole piece is there.
struct Bytes {
  const char* at;
  const char* end;

  bool literal(std::string_view s) {
    if (static_cast<std::size_t>(end - at) < s.size() || std::memcmp(at, s.data(), s.size()) != 0) return false;
    at += s.size();
    return true;
  }
  /// A value written as a string (`"12.30"`) or as a bare JSON number
  /// (`12.3`) whose text `scan` takes: scan(rest, quoted) is the length of
  /// the value's start it takes from the rest of the record, 0 for none. A
  /// bare number's end is left to the next match (a `,` or `}` must follow).
  template <class Scan>
  bool quoted_or_bare(Scan scan) {
    const bool quoted = at < end && *at == '"';
    const char* from = at + (quoted ? 1 : 0);
    const std::size_t n = scan(std::string_view(from, static_cast<std::size_t>(end - from)), quoted);
    if (n == 0) return false;
    if (quoted && (from + n == end || from[n] != '"')) return false;
    at = from + n + (quoted ? 1 : 0);
    return true;
  }
  /// An amount in its usual form (detail::plain_fen_prefix).
  bool plain_fen(Fen& fen) {
    return quoted_or_bare([&](std::string_view rest, bool) { return detail::plain_fen_prefix(rest, fen); });
  }
  /// A value of digits and points only (a rate, `"0.30"` or `0.3`): its text.
  bool plain_number(std::string_view& text) {
    return quoted_or_bare([&](std::string_view rest, bool quoted) -> std::size_t {
      constexpr std::size_t longest = 24;
      std::size_t n = 0;
      while (n < rest.size() && n <= longest && ((rest[n] >= '0' && rest[n] <= '9') || rest[n] == '.')) ++n;
      text = rest.substr(0, n);
      return n > longest || (!quoted && !json_number(text)) ? 0 : n;
    });
  }
};

std::string_view type_name(od::json_type t) { return detail::json_type_name(t); }

/// A field path like `fees[2].amount`, put together only when an error is
/// reported: reading a valid stay formats no paths.
class Path {
 public:
  Path(const char* key) : key_(key) {}                 // NOLINT: implicit by design
  Path(std::string_view key) : key_(key) {}            // NOLINT
  Path(const Path& parent, std::string_view key) : parent_(&parent), key_(key) {}
  Path(std::string_view list, std::size_t index) : key_(list), index_(index) {}
  [[nodiscard]] std::string str() const {
    std::string s = parent_ ? parent_->str() : std::string();
    if (!key_.empty()) {
      if (!s.empty()) s += '.';
      s += key_;
    }
    if (index_ != none) {
      s += '[';
      s += std::to_string(index_);
      s += ']';
    }
    return s;
  }

 private:
  static constexpr std::size_t none = static_cast<std::size_t>(-1);
  const Path* parent_ = nullptr;
  std::string_view key_;
  std::size_t index_ = none;
};

/// A path as a message argument (found by argument-dependent lookup).
std::string arg_text(const Path& p) { return p.str(); }

}  // namespace
}  // namespace medsettle

template <>
struct fmt::formatter<medsettle::Path> : fmt::formatter<std::string> {
  auto format(const medsettle::Path& p, fmt::format_context& ctx) const {
    return fmt::formatter<std::string>::format(p.str(), ctx);
  }
};

namespace medsettle {
namespace {

/// What a scalar value looks like: its JSON type, its text (unescaped for
/// strings, raw for numbers and atoms).
struct Scalar {
  od::json_type type = od::json_type::null;
  std::string_view text;
  bool number_like = false;  // a number, or a NaN/Infinity atom
};

/// A stay's top-level keys, in the order of SEMANTICS.md §2.
enum class Key : std::uint8_t {
  stay_id, person_id, identities, category, age, insurance, hospital_level, region,
  admitted, discharged, diagnoses, flags, referred_from, fees, buckets, prior, unknown
};

/// A key the reader knows, with its bytes as two machine words (and masks
/// for the bytes it has), so that a key in the document is matched with two
/// loads and a compare, not a call to memcmp.
struct KeyName {
  std::string_view name;
  std::uint64_t word[2] = {0, 0};
  std::uint64_t mask[2] = {0, 0};
  constexpr KeyName(const char* n) : KeyName(std::string_view(n)) {}  // NOLINT: implicit by design
  constexpr KeyName(std::string_view n) : name(n) {                   // NOLINT
    if (n.size() > 16) throw "a key name is at most 16 bytes";
    for (std::size_t i = 0; i < n.size(); ++i) {
      const std::size_t shift = std::endian::native == std::endian::little ? 8 * (i % 8) : 8 * (7 - i % 8);
      word[i / 8] |= std::uint64_t{static_cast<unsigned char>(n[i])} << shift;
      mask[i / 8] |= std::uint64_t{0xFF} << shift;
    }
  }
  /// Whether the key whose text starts at `raw` (after its opening quote,
  /// in a padded document: 16 bytes can be read) is this name.
  [[nodiscard]] bool at(const char* raw) const {
    std::uint64_t r[2];
    std::memcpy(r, raw, sizeof r);
    return (((r[0] ^ word[0]) & mask[0]) | ((r[1] ^ word[1]) & mask[1])) == 0 && raw[name.size()] == '"';
  }
};

/// A key's place among `names`, or -1.
int slot_of(std::span<const KeyName> names, std::string_view key) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i].name == key) return static_cast<int>(i);
  }
  return -1;
}

/// A key's place among `names` (or -1) and its text. The key is matched
/// in the document's own bytes, `hint` first (keys mostly come in order); only
/// a key that matches none is unescaped (it may still be a known key written
/// with escapes).
int match_key(od::field& fld, std::span<const KeyName> names, std::size_t hint, std::string_view& key) {
  const auto* raw = reinterpret_cast<const char*>(fld.key().raw());
  // The document is padded, and a name holds no backslash: a name followed
  // by the closing quote is the whole key.
  if (hint < names.size() && names[hint].at(raw)) {
    key = names[hint].name;
    return static_cast<int>(hint);
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i].at(raw)) {
      key = names[i].name;
      return static_cast<int>(i);
    }
  }
  key = must(fld.unescaped_key());
  return slot_of(names, key);
}

constexpr std::array<KeyName, 16> stay_keys{
    "stay_id", "person_id", "identities", "category", "age",      "insurance",     "hospital_level", "region",
    "admitted", "discharged", "diagnoses", "flags",   "referred_from", "fees",    "buckets",        "prior"};

/// What the reader keeps between records, so that reading one allocates
/// nothing but what the stay keeps.
struct Scratch {
  /// The next stay's fee lines, with room for as many as the last one had.
  std::vector<FeeLine> fees;
  /// The keys of the objects being read (each object's after those of the
  /// objects around it) that are not among the keys it knows.
  std::vector<std::string_view> keys;
  /// A list's texts, read before the list of strings the stay keeps is made.
  std::vector<std::string_view> texts;
};

class Walker {
 public:
  /// `end`: where the record's text ends (the document may be followed by
  /// the next line's bytes).
  Walker(Record& rec, const ReadLimits& limits, Scratch& scratch, const char* end)
      : rec_(rec), limits_(limits), scratch_(scratch), end_(end) {
    scratch_.keys.clear();  // a record that was not JSON may have left some
  }

  void stay(od::object obj);

  // The first field error of the record, in document order.
  bool failed() const { return code_.has_value(); }
  void fail(ErrorCode code, const Path& field, Message what) {
    if (code_) return;
    code_ = code;
    field_ = field.str();
    what_ = std::move(what);
  }
  void fail(detail::Problem p) {
    if (code_) return;
    code_ = p.code;
    field_ = std::move(p.field);
    what_ = std::move(p.what);
  }
  void finish();

 private:
  Record& rec_;
  const ReadLimits& limits_;
  Scratch& scratch_;
  const char* end_;
  std::vector<FeeLine>* fees_ = nullptr;  // where the fee lines being read go
  std::optional<ErrorCode> code_;
  std::string field_;
  Message what_;
  // Which required keys were seen (non-null).
  bool seen_stay_id_ = false, seen_person_ = false, seen_age_ = false, seen_level_ = false,
       seen_region_ = false, seen_admitted_ = false, seen_discharged_ = false, seen_diagnoses_ = false,
       seen_fees_ = false, seen_buckets_ = false;
  std::optional<Date> admitted_;

  // Reads any value as a scalar; lists and objects are walked (for syntax) and
  // reported. Only for a value of the wrong type: the readers below go
  // straight to the type they want.
  Scalar scalar(od::value v);
  void skip(od::value v, int depth = 0);
  static std::string_view number_text(od::value& v);
  static bool string_text(od::value& v, std::string_view& out);
  bool amount_text(od::value& v, std::string_view& out);
  // Rejects a value of the wrong type; `what` is the message, with the field and the type got.
  void wrong_type(od::value& v, const Path& field, const char* what);
  bool want_string(od::value v, const Path& field, std::string& out);
  // want_string's checks, the text left where the parser unescaped it.
  bool want_text(od::value v, const Path& field, std::string_view& text);
  template <class E, class F>
  bool want_enum(od::value v, const Path& field, F from, std::string_view expected, E& out);
  bool want_amount(od::value v, const Path& field, Fen& out);
  // An amount from its text (want_amount once the text is read).
  bool take_amount(std::string_view text, const Path& field, Fen& out);
  // A fee line's amount: a string goes straight to its text (its type
  // already asked), anything else the way want_amount takes it.
  bool fee_amount(od::value& v, bool is_string, const Path& field, Fen& out) {
    return is_string ? take_amount(must(v.get_string()), field, out) : want_amount(v, field, out);
  }
  bool want_integer(od::value v, const Path& field, std::int64_t& out);
  bool want_date(od::value v, const Path& field, Date& out, std::string* raw);
  template <class Each>
  bool want_list(od::value v, const Path& field, std::size_t max, Each each);
  // An object's fields, each once: `names` are the keys known (a key's slot
  // among them, or -1, goes to `each`).
  template <class Each>
  bool want_object(od::value v, const Path& field, std::span<const KeyName> names, Each each);
  bool person_field(Key key, const Path& path, od::value v);
  bool cost_field(Key key, const Path& path, od::value v);
  void fee(od::value v, std::size_t index);
  FeeLine& new_fee_line();
  bool plain_fee(od::value& v);
  void buckets(od::value v);
  void prior(od::value v);
  // kind(v) == null, from the value's first byte: simdjson types a value by
  // it, and only null starts with 'n' (a broken literal such as `nul` is
  // typed null too, and found out when it is skipped).
  static bool is_null(od::value& v) { return *v.raw_json_token().data() == 'n'; }
  // The JSON type of a value; NaN and Infinity atoms count as numbers.
  static od::json_type kind(od::value& v) {
    auto t = v.type();
    return t.error() ? odd_kind(v, t.error()) : t.value_unsafe();
  }
  static od::json_type odd_kind(od::value& v, sj::error_code e);
};

/// The type of a value simdjson does not know: NaN and Infinity are numbers.
od::json_type Walker::odd_kind(od::value& v, sj::error_code e) {
  if (non_finite(trim_right(v.raw_json_token()))) return od::json_type::number;
  not_json(e);
}

Scalar Walker::scalar(od::value v) {
  Scalar s;
  auto t = v.type();
  if (t.error()) {
    // simdjson does not know NaN/Infinity; Python's json does. Read them as
    // numbers so the amount parser can name them; anything else is not JSON.
    std::string_view raw = trim_right(v.raw_json_token());
    if (non_finite(raw)) {
      s.type = od::json_type::number;
      s.text = raw;
      s.number_like = true;
      return s;
    }
    not_json(t.error());
  }
  s.type = t.value_unsafe();
  switch (s.type) {
    case od::json_type::string: s.text = must(v.get_string()); break;
    case od::json_type::number: {
      s.text = number_text(v);
      s.number_like = true;
      break;
    }
    case od::json_type::boolean: s.text = must(v.get_bool()) ? "true" : "false"; break;
    case od::json_type::null: if (!must(v.is_null())) throw NotJson{"invalid literal"}; break;
    case od::json_type::array:
    case od::json_type::object: skip(v); break;
  }
  return s;
}

/// A number's text as written, once it is known to be a JSON number (or NaN/Infinity).
std::string_view Walker::number_text(od::value& v) {
  std::string_view text = trim_right(v.raw_json_token());
  if (!json_number(text) && !non_finite(text)) throw NotJson{fmt::format("invalid number '{}'", text)};
  return text;
}

/// A string's text; false, with nothing read, for any other value.
bool Walker::string_text(od::value& v, std::string_view& out) {
  auto t = v.type();
  if (t.error() || t.value_unsafe() != od::json_type::string) return false;
  out = must(v.get_string());
  return true;
}

/// An amount's text, from a string or a number; false, with nothing read, for any other value.
bool Walker::amount_text(od::value& v, std::string_view& out) {
  auto t = v.type();
  if (t.error()) {  // NaN or Infinity, or not JSON at all
    out = scalar(v).text;
    return true;
  }
  switch (t.value_unsafe()) {
    case od::json_type::string: out = must(v.get_string()); return true;
    case od::json_type::number: out = number_text(v); return true;
    default: return false;
  }
}

void Walker::wrong_type(od::value& v, const Path& field, const char* what) {
  Scalar s = scalar(v);
  fail(ErrorCode::bad_type, field, message(what, field, type_name(s.type)));
}

void Walker::skip(od::value v, int depth) {
  if (depth > 64) throw NotJson{"nested deeper than 64 levels"};
  auto t = kind(v);
  if (t == od::json_type::array) {
    for (auto item : must(v.get_array())) skip(must(std::move(item)), depth + 1);
  } else if (t == od::json_type::object) {
    for (auto f : must(v.get_object())) {
      auto field = must(std::move(f));
      (void)must(field.unescaped_key());
      skip(field.value(), depth + 1);
    }
  } else {
    (void)scalar(v);
  }
}

bool Walker::want_string(od::value v, const Path& field, std::string& out) {
  std::string_view text;
  if (!want_text(v, field, text)) return false;
  out.assign(text);
  return true;
}

bool Walker::want_text(od::value v, const Path& field, std::string_view& text) {
  if (!string_text(v, text)) {
    wrong_type(v, field, N_("{}: expected a string, got {}"));
    return false;
  }
  if (text.empty()) {  // the path is put together only for the rejection
    fail(std::move(*detail::check_not_empty(field.str(), text)));
    return false;
  }
  return true;
}

template <class E, class F>
bool Walker::want_enum(od::value v, const Path& field, F from, std::string_view expected, E& out) {
  std::string_view text;
  if (!string_text(v, text)) {
    wrong_type(v, field, N_("{}: expected a string, got {}"));
    return false;
  }
  auto e = from(text);
  if (!e) {
    fail(detail::unknown_value(field.str(), text, expected));
    return false;
  }
  out = *e;
  return true;
}

bool Walker::want_amount(od::value v, const Path& field, Fen& out) {
  std::string_view text;
  if (!amount_text(v, text)) {
    wrong_type(v, field, N_("{}: expected an amount (a number or a string), got {}"));
    return false;
  }
  return take_amount(text, field, out);
}

bool Walker::take_amount(std::string_view text, const Path& field, Fen& out) {
  AmountParse p = parse_amount(text);
  if (!p) {
    fail(detail::amount_text_problem(field.str(), p.error, text));
    return false;
  }
  out = p.value;
  return true;
}

bool Walker::want_integer(od::value v, const Path& field, std::int64_t& out) {
  const Scalar s = kind(v) == od::json_type::number ? Scalar{od::json_type::number, number_text(v), true} : scalar(v);
  bool integer_literal = s.type == od::json_type::number && !s.text.empty() &&
                         std::all_of(s.text.begin() + (s.text[0] == '-' ? 1 : 0), s.text.end(),
                                     [](char c) { return c >= '0' && c <= '9'; }) &&
                         s.text != "-";
  if (!integer_literal) {
    std::string got = s.type == od::json_type::string ? fmt::format("string '{}'", s.text)
                      : s.type == od::json_type::number ? fmt::format("number {}", s.text)
                                                        : std::string(type_name(s.type));
    fail(ErrorCode::bad_type, field, message(N_("{}: expected a JSON integer, got {}"), field, got));
    return false;
  }
  std::string_view digits = s.text;
  bool negative = digits.front() == '-';
  if (negative) digits.remove_prefix(1);
  if (digits.size() > 12) {
    fail(ErrorCode::bad_value, field, message(N_("{}: {} is out of range"), field, s.text));
    return false;
  }
  std::int64_t n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  out = negative ? -n : n;
  return true;
}

bool Walker::want_date(od::value v, const Path& field, Date& out, std::string* raw) {
  std::string_view text;
  if (!string_text(v, text)) {
    wrong_type(v, field, N_("{}: expected a date string, got {}"));
    return false;
  }
  if (raw) raw->assign(text);
  DateParse d = parse_date(text);
  if (!d) {
    fail(ErrorCode::bad_date, field,
         d.error == DateError::no_such_date ? message(N_("{}: no such date: {}"), field, text)
                                            : message(N_("{}: not an ISO date (YYYY-MM-DD): '{}'"), field, text));
    return false;
  }
  out = d.value;
  return true;
}

template <class Each>
bool Walker::want_list(od::value v, const Path& field, std::size_t max, Each each) {
  if (kind(v) != od::json_type::array) {
    wrong_type(v, field, N_("{}: expected a list, got {}"));
    return false;
  }
  std::size_t i = 0;
  for (auto item : must(v.get_array())) {
    od::value x = must(std::move(item));
    if (i >= max) {
      fail(ErrorCode::bad_value, field, message(N_("{}: more than {} items"), field, max));
      skip(x);
    } else {
      each(x, i);
    }
    ++i;
  }
  return true;
}

template <class Each>
bool Walker::want_object(od::value v, const Path& field, std::span<const KeyName> names, Each each) {
  if (kind(v) != od::json_type::object) {
    wrong_type(v, field, N_("{}: expected an object, got {}"));
    return false;
  }
  // The keys seen so far: the known ones as bits, any others in the
  // reader's list (after those of the objects around this one).
  std::uint32_t known_seen = 0;
  std::size_t hint = 0;
  std::vector<std::string_view>& keys = scratch_.keys;
  const std::size_t first = keys.size();
  auto seen_before = [&](std::string_view key) {
    return std::find(keys.begin() + static_cast<std::ptrdiff_t>(first), keys.end(), key) != keys.end();
  };
  for (auto f : must(v.get_object())) {
    od::field fld = must(std::move(f));
    std::string_view key;
    const int slot = match_key(fld, names, hint, key);
    hint = static_cast<std::size_t>(slot + 1);
    Path path(field, key);
    od::value val = fld.value();
    if (failed()) {  // the record is rejected already: only its syntax still matters
      skip(val);
      continue;
    }
    const std::uint32_t bit = slot >= 0 ? 1u << slot : 0u;
    if (bit ? (known_seen & bit) != 0 : seen_before(key)) {
      fail(ErrorCode::duplicate_key, path, message(N_("{}: key given more than once"), path));
      skip(val);
      continue;
    }
    if (bit) known_seen |= bit;
    else keys.push_back(key);
    each(slot, key, path, val);
  }
  keys.resize(first);
  return true;
}

void Walker::stay(od::object obj) {
  std::array<bool, static_cast<std::size_t>(Key::unknown)> seen{};
  std::size_t hint = 0;
  for (auto f : obj) {
    od::field fld = must(std::move(f));
    std::string_view key;
    const int slot = match_key(fld, stay_keys, hint, key);
    hint = static_cast<std::size_t>(slot + 1);
    const Key k = slot < 0 ? Key::unknown : static_cast<Key>(slot);
    Path path(key);
    od::value v = fld.value();
    if (k != Key::unknown) {
      bool& was = seen[static_cast<std::size_t>(k)];
      if (was) {
        fail(ErrorCode::duplicate_key, path, message(N_("{}: key given more than once"), path));
        skip(v);
        continue;
      }
      was = true;
    }
    if (k == Key::unknown || is_null(v)) {  // null counts as absent
      if (k == Key::unknown) fail(ErrorCode::unknown_field, path, message(N_("{}: unknown field"), path));
      skip(v);
      continue;
    }
    if (!person_field(k, path, v)) cost_field(k, path, v);
  }
}

/// The fields that say who, where and when: true if `key` is one of them.
bool Walker::person_field(Key key, const Path& path, od::value v) {
  Stay& st = rec_.stay;
  if (key == Key::stay_id) {
    seen_stay_id_ = true;
    if (want_string(v, path, st.stay_id)) rec_.has_stay_id = true;
  } else if (key == Key::person_id) {
    seen_person_ = true;
    if (want_string(v, path, st.person_id)) rec_.has_person_id = true;
  } else if (key == Key::identities) {
    want_list(v, path, limits_.max_list_items, [&](od::value x, std::size_t i) {
      Identity id{};
      if (want_enum(x, Path("identities", i), identity_from, identity_names(), id)) st.identities |= bit(id);
    });
  } else if (key == Key::category) {
    Category c{};
    if (want_enum(v, path, category_from, "I, II, III", c)) st.category = c;
  } else if (key == Key::age) {
    seen_age_ = true;
    std::int64_t age = 0;
    if (want_integer(v, path, age)) {
      if (auto p = detail::check_age(age)) fail(std::move(*p));
      else st.age = static_cast<int>(age);
    }
  } else if (key == Key::insurance) {
    want_enum(v, path, insurance_from, "resident, employee", st.insurance);
  } else if (key == Key::hospital_level) {
    seen_level_ = true;
    want_enum(v, path, hospital_level_from, hospital_level_names(), st.hospital_level);
  } else if (key == Key::region) {
    seen_region_ = true;
    want_enum(v, path, region_from, region_names(), st.region);
  } else if (key == Key::admitted) {
    seen_admitted_ = true;
    Date d;
    if (want_date(v, path, d, &rec_.admitted_text)) { st.admitted = d; admitted_ = d; }
  } else if (key == Key::discharged) {
    seen_discharged_ = true;
    Date d;
    if (want_date(v, path, d, &rec_.discharged_text)) { st.discharged = d; rec_.discharged_date = d; }
  } else {
    return false;
  }
  return true;
}

/// The lists and the cost: true if `key` is one of them.
bool Walker::cost_field(Key key, const Path& path, od::value v) {
  Stay& st = rec_.stay;
  if (key == Key::diagnoses) {
    seen_diagnoses_ = true;
    std::size_t n = 0;
    // The codes are kept as the parser's texts (valid for the document)
    // until the list ends, then copied into a list of exactly their number.
    std::vector<std::string_view>& codes = scratch_.texts;
    codes.clear();
    bool is_list = want_list(v, path, limits_.max_list_items, [&](od::value x, std::size_t i) {
      std::string_view code;
      if (want_text(x, Path("diagnoses", i), code)) {
        if (auto p = detail::check_diagnosis(i, code)) fail(std::move(*p));
        codes.push_back(code);
      }
      ++n;
    });
    st.diagnoses.reserve(st.diagnoses.size() + codes.size());
    for (std::string_view code : codes) st.diagnoses.emplace_back(code);
    if (is_list) {
      if (auto p = detail::check_diagnosis_count(n)) fail(std::move(*p));
    }
  } else if (key == Key::flags) {
    want_list(v, path, limits_.max_list_items, [&](od::value x, std::size_t i) {
      Flag fl{};
      if (want_enum(x, Path("flags", i), flag_from, flag_names(), fl)) st.flags |= bit(fl);
    });
  } else if (key == Key::referred_from) {
    std::string ref;
    if (want_string(v, path, ref)) st.referred_from = std::move(ref);
  } else if (key == Key::fees) {
    seen_fees_ = true;
    // The lines are read into a list the reader keeps, then moved into one
    // block of the stay's own, exactly their size: a stay's lines lie
    // together and the stays of a batch close to each other, which the
    // engine's pass over them needs more than it saves to move them once
    // (reading them straight into the stay's list made every settle() 40%
    // slower, the baseline benchmark over the same records 2.4x).
    // A record read into again keeps its block (clear_for_reading): its
    // lines are read straight into that block, where they would have been
    // moved to, as long as they fit (new_fee_line).
    scratch_.fees.clear();
    fees_ = st.fees.capacity() != 0 ? &st.fees : &scratch_.fees;
    want_list(v, path, limits_.max_fee_lines, [&](od::value x, std::size_t i) {
      if (failed() || !plain_fee(x)) fee(x, i);
    });
    if (fees_ != &st.fees) st.fees.assign(std::make_move_iterator(fees_->begin()), std::make_move_iterator(fees_->end()));
  } else if (key == Key::buckets) {
    seen_buckets_ = true;
    buckets(v);
  } else if (key == Key::prior) {
    prior(v);
  } else {
    return false;
  }
  return true;
}

void Walker::fee(od::value v, std::size_t index) {
  static constexpr std::array<KeyName, 6> names{"category", "amount", "over_limit", "selfpay_ratio",
                                                         "code",     "name"};
  Path base("fees", index);
  FeeLine& line = new_fee_line();
  bool has_category = false, has_amount = false, has_over = false;
  std::optional<Rate> ratio;
  bool ok = want_object(v, base, names, [&](int slot, std::string_view, const Path& path, od::value& x) {
    // The value's type, asked once (kind() only for what simdjson does not know).
    auto t = x.type();
    const od::json_type type = t.error() ? odd_kind(x, t.error()) : t.value_unsafe();
    const bool is_string = !t.error() && type == od::json_type::string;
    if (type == od::json_type::null) {
      skip(x);
      if (slot < 0) fail(ErrorCode::unknown_field, path, message(N_("{}: unknown field"), path));
      return;
    }
    if (slot == 0) {
      if (!is_string) {
        wrong_type(x, path, N_("{}: expected a string, got {}"));
        return;
      }
      const std::string_view text = must(x.get_string());
      if (text.size() == 1 && text[0] >= 'A' && text[0] <= 'C') {
        line.category = static_cast<FeeCategory>(text[0] - 'A');
        has_category = true;
      } else {
        fail(ErrorCode::bad_value, path, message(N_("{}: unknown value '{}' (expected one of A, B, C)"), path, text));
      }
    } else if (slot == 1) {
      has_amount = fee_amount(x, is_string, path, line.amount);
    } else if (slot == 2) {
      has_over = fee_amount(x, is_string, path, line.over_limit);
    } else if (slot == 3) {
      std::string_view text;
      if (!amount_text(x, text)) {
        wrong_type(x, path, N_("{}: expected a rate (a number or a string), got {}"));
        return;
      }
      RateParse r = parse_rate(text);
      if (!r) {
        fail(detail::rate_text_problem(path.str(), text));
      } else {
        ratio = r.value;
      }
    } else if (slot == 4) {
      want_string(x, path, line.code);
    } else if (slot == 5) {
      want_string(x, path, line.name);
    } else {
      fail(ErrorCode::unknown_field, path, message(N_("{}: unknown field"), path));
      skip(x);
    }
  });
  if (!ok) {
    fees_->pop_back();
    return;
  }
  if (!has_category) {
    const Path at(base, "category");
    fail(ErrorCode::missing_field, at, message(N_("{}: required field is missing"), at));
  }
  if (!has_amount) {
    const Path at(base, "amount");
    fail(ErrorCode::missing_field, at, message(N_("{}: required field is missing"), at));
  }
  if (has_amount && has_category) {
    // Only a line that breaks a rule pays for the check's call.
    if (!detail::fee_across_holds(line, ratio.has_value())) {
      if (auto p = detail::check_fee_across(index, line, ratio.has_value())) fail(std::move(*p));
    }
  } else if (has_over && has_amount && line.over_limit > line.amount) {
    if (auto p = detail::check_fee_across(index, line, false)) fail(std::move(*p));
  }
  line.selfpay_ratio = ratio;
}

/// A fee line written as the command writes it and as most exports do, read
/// from the document's bytes without walking its values one by one:
/// `{"category":"A","amount":"12.34"}`, then perhaps `"over_limit"` and then
/// `"selfpay_ratio"`, in that order, with no spaces and no escapes, each
/// amount and the rate a string or a number of digits and points. Taken only
/// when the line is a valid one; false, with nothing read, for anything else
/// (other keys or order, spaces, nulls, a value the parsers refuse, a line
/// that breaks a rule), which fee() then reads the long way and names what is
/// wrong with it.
///
/// Why this is safe: the bytes matched are a complete object with no
/// backslash inside its strings, so the parser's own view of them (stage 1
/// found its `{` outside any string) is the same tokens, which the list's
/// iteration skips as a value left unread; the match never reads past the
/// record's end (`end_`); every value goes through the same checks as in
/// fee(): plain_fen_prefix (parse_amount's usual form), parse_rate and
/// fee_across_holds.
bool Walker::plain_fee(od::value& v) {
  Bytes b{v.raw_json_token().data(), end_};
  if (!b.literal(R"({"category":")") || b.at == b.end || *b.at < 'A' || *b.at > 'C') return false;
  const auto category = static_cast<FeeCategory>(*b.at - 'A');
  ++b.at;
  Fen amount{}, over{};
  std::string_view ratio;
  if (!b.literal(R"(","amount":)") || !b.plain_fen(amount)) return false;
  if (b.literal(R"(,"over_limit":)") && !b.plain_fen(over)) return false;
  const bool has_ratio = b.literal(R"(,"selfpay_ratio":)");
  if (has_ratio && !b.plain_number(ratio)) return false;
  if (!b.literal("}")) return false;
  const RateParse r = has_ratio ? parse_rate(ratio) : RateParse{};
  if (!r) return false;
  FeeLine& line = new_fee_line();
  line.category = category;
  line.amount = amount;
  line.over_limit = over;
  if (!detail::fee_across_holds(line, has_ratio)) {
    fees_->pop_back();
    return false;
  }
  if (has_ratio) line.selfpay_ratio = r.value;
  return true;
}

/// A new fee line at the end of the list being read. When the stay's own
/// block is full, its lines move to the reader's list and the rest follow
/// them there: the stay then gets a block of exactly their number, as a
/// new record does, not one grown by doubling (which could pass the size
/// clear_for_reading keeps, and be let go and allocated again each time).
FeeLine& Walker::new_fee_line() {
  std::vector<FeeLine>& own = rec_.stay.fees;
  if (fees_ == &own && own.size() == own.capacity()) {
    scratch_.fees.assign(std::make_move_iterator(own.begin()), std::make_move_iterator(own.end()));
    own.clear();
    fees_ = &scratch_.fees;
  }
  return fees_->emplace_back();
}

void Walker::buckets(od::value v) {
  Buckets b;
  bool has[5] = {};
  static constexpr std::array<KeyName, 5> names{"total", "full_selfpay", "over_limit", "pre_selfpay", "in_scope"};
  Fen* slots[5] = {&b.total, &b.full_selfpay, &b.over_limit, &b.pre_selfpay, &b.in_scope};
  bool ok = want_object(v, "buckets", names, [&](int slot, std::string_view, const Path& path, od::value& x) {
    if (slot < 0) {
      fail(ErrorCode::unknown_field, path, message(N_("{}: unknown field"), path));
      skip(x);
      return;
    }
    auto i = static_cast<std::size_t>(slot);
    if (is_null(x)) { skip(x); return; }
    has[i] = want_amount(x, path, *slots[i]);
  });
  if (!ok) return;
  for (std::size_t i = 0; i < 5; ++i) {
    if (!has[i]) {
      const Path root("buckets");
      const Path path(root, names[i].name);
      fail(ErrorCode::missing_field, path, message(N_("{}: required field is missing"), path));
      return;
    }
  }
  if (auto p = detail::check_buckets_sum(b)) {
    fail(std::move(*p));
    return;
  }
  rec_.stay.buckets = b;
}

void Walker::prior(od::value v) {
  std::vector<PriorEntry> entries;
  static constexpr std::array<KeyName, 3> names{"accumulated", "paid", "grants"};
  bool ok = want_object(v, "prior", {}, [&](int, std::string_view channel, const Path& path, od::value& x) {
    if (is_null(x)) { skip(x); return; }
    if (entries.size() >= limits_.max_list_items) {
      fail(ErrorCode::bad_value, "prior", message(N_("prior: too many channels")));
      skip(x);
      return;
    }
    PriorEntry e;
    e.channel.assign(channel);
    want_object(x, path, names, [&](int slot, std::string_view, const Path& p, od::value& y) {
      if (is_null(y)) { skip(y); return; }
      if (slot == 0) {
        want_amount(y, p, e.accumulated);
      } else if (slot == 1) {
        want_amount(y, p, e.paid);
      } else if (slot == 2) {
        std::int64_t g = 0;
        if (want_integer(y, p, g)) {
          if (auto bad = detail::check_grants(detail::FieldPath("prior", channel, "grants"), g)) fail(std::move(*bad));
          else e.grants = g;
        }
      } else {
        fail(ErrorCode::unknown_field, p, message(N_("{}: unknown field"), p));
        skip(y);
      }
    });
    entries.push_back(std::move(e));
  });
  if (ok) rec_.stay.prior = std::move(entries);
}

void Walker::finish() {
  auto missing = [&](bool seen, std::string_view field) {
    if (!seen) fail(ErrorCode::missing_field, field, message(N_("{}: required field is missing"), field));
  };
  missing(seen_stay_id_, "stay_id");
  missing(seen_person_, "person_id");
  missing(seen_age_, "age");
  missing(seen_level_, "hospital_level");
  missing(seen_region_, "region");
  missing(seen_admitted_, "admitted");
  missing(seen_discharged_, "discharged");
  missing(seen_diagnoses_, "diagnoses");
  if (!seen_fees_ && !seen_buckets_) fail(ErrorCode::missing_field, "fees", message(N_("fees: required field is missing (or give buckets)")));
  if (seen_fees_ && seen_buckets_) fail(ErrorCode::bad_value, "buckets", message(N_("buckets: give either fees or buckets, not both")));
  if (!failed() && admitted_ && rec_.discharged_date) {
    if (auto p = detail::check_stay_dates(*admitted_, *rec_.discharged_date)) fail(std::move(*p));
  }
  if (!failed() && !rec_.stay.buckets) {
    if (auto p = detail::check_fees_total(rec_.stay.fees)) fail(std::move(*p));
  }
  if (code_) {
    rec_.rejection = detail::rejection(rec_.has_stay_id ? std::optional<std::string>(rec_.stay.stay_id) : std::nullopt,
                                       rec_.line, *code_, std::move(field_), std::move(what_));
  } else {
    rec_.checked = true;
  }
}

/// What a reader keeps between records: its parser, the padded copy of the
/// record, and the walk's lists.
struct ReaderState {
  ReadLimits limits;
  od::parser parser;
  std::string buffer;  // the record, copied with SIMDJSON_PADDING bytes of room
  Scratch scratch;
};

static_assert(detail::line_padding >= sj::SIMDJSON_PADDING && JsonStayReader::padding == detail::line_padding);

/// Reads one record into `rec`, a Record as default-constructed or emptied
/// by clear_for_reading (read_jsonl reads each in its place in the list,
/// not into one moved there). `padded`: line_padding readable bytes follow
/// `text` (Line::padded), and it is parsed where it is; else it is copied
/// into the reader's buffer, with room after it. The parser may read those
/// bytes. What they hold does not change what it reads when the first of
/// them is whitespace or NUL, as after a line of a JSON Lines text (the
/// test "JsonLines.ReadInPlaceReadsAsACopyDoes" checks it with lines cut
/// anywhere and text after their line ends that would continue them). But
/// simdjson's On-Demand parser takes that first byte for part of the
/// document: after a cut record a `,` or `}` there changes the rejection,
/// and `{"x":[{}` then `,` sends it past its padding (found in review with
/// a guard page after the padding). So a text followed by anything else is
/// copied, as an unpadded one is ("JsonLines.ReadInPlaceThroughTheApi...").
void read_record(ReaderState& state, std::string_view text, std::uint64_t line, Record& rec, bool padded = false) {
  rec.line = line;
  auto reject_not_json = [&](Message what) {
    rec = Record{};
    rec.line = line;
    rec.rejection = detail::rejection(std::nullopt, line, ErrorCode::not_json, {}, std::move(what));
  };
  if (text.size() > state.limits.max_record_bytes) {
    reject_not_json(message(N_("not a JSON value: record longer than {} bytes"), state.limits.max_record_bytes));
    return;
  }
  const char* json = text.data();
  if (padded) {
    const char next = json[text.size()];
    padded = next == '\n' || next == '\r' || next == ' ' || next == '\t' || next == '\0';
  }
  if (!padded) {
    std::string& buf = state.buffer;
    buf.assign(text);
    buf.append(sj::SIMDJSON_PADDING, '\0');
    json = buf.data();
  }
  try {
    od::document doc = must(state.parser.iterate(json, text.size(), text.size() + sj::SIMDJSON_PADDING));
    Walker w(rec, state.limits, state.scratch, json + text.size());
    auto type = doc.type();
    if (type.error()) not_json(type.error());
    if (type.value_unsafe() != od::json_type::object) {
      // JSON, but not an object? A broken line (`[1,2`, `nul`, `42 43`) is
      // not JSON at all. Rare, so a full DOM parse decides.
      sj::dom::parser dom;
      if (auto e = dom.parse(json, text.size(), false).error(); e) not_json(e);
      rec.rejection =
          detail::rejection(std::nullopt, line, ErrorCode::bad_type, {}, message(N_("a stay must be a JSON object")));
      return;
    }
    w.stay(must(doc.get_object()));
    // Anything after the object is not JSON: current_location() answers
    // OUT_OF_BOUNDS only once every token has been consumed.
    if (!doc.current_location().error()) throw NotJson{"trailing characters after the object"};
    w.finish();
  } catch (const NotJson& e) {
    reject_not_json(message(N_("not a JSON value: {}"), e.message));
  } catch (const sj::simdjson_error& e) {  // never let a parser error escape: reading does not throw
    reject_not_json(message(N_("not a JSON value: {}"), e.what()));
  }
}

}  // namespace

struct JsonStayReader::Impl : ReaderState {};

JsonStayReader::JsonStayReader(ReadLimits limits) : impl_(std::make_unique<Impl>()) { impl_->limits = limits; }
JsonStayReader::~JsonStayReader() = default;
JsonStayReader::JsonStayReader(JsonStayReader&&) noexcept = default;
JsonStayReader& JsonStayReader::operator=(JsonStayReader&&) noexcept = default;

Record JsonStayReader::read(std::string_view text, std::uint64_t line) {
  Record rec;
  read_record(*impl_, text, line, rec);
  return rec;
}

void JsonStayReader::read(std::string_view text, std::uint64_t line, Record& into) {
  detail::clear_for_reading(into);
  read_record(*impl_, text, line, into);
}

void JsonStayReader::read_in_place(std::string_view text, std::uint64_t line, Record& into) {
  detail::clear_for_reading(into);
  read_record(*impl_, text, line, into, true);
}

void JsonStayReader::read_in_place(std::span<const std::string_view> texts, std::uint64_t first_line,
                                   std::span<Record> into) {
  if (texts.size() != into.size()) {
    throw UsageError(message(N_("read_in_place: {} texts for {} records"), texts.size(), into.size()));
  }
  for (std::size_t i = 0; i < texts.size(); ++i) {
    detail::ask_ahead(into, i);
    read_in_place(texts[i], first_line + i, into[i]);
  }
}

void detail::ask_ahead(std::span<const Record> records, std::size_t i) noexcept {
  // The record after the next, to be written (so that its lists' places
  // are in the cache when the next one is asked for)...
  if (i + 2 < records.size()) {
    const char* p = reinterpret_cast<const char*>(&records[i + 2]);
    for (std::size_t at = 0; at < sizeof(Record); at += 64) __builtin_prefetch(p + at, 1);
  }
  if (i + 1 >= records.size()) return;
  // ...and the next one's fee lines and diagnoses, which clear_for_reading
  // will empty.
  const auto ask = [](const auto& list) {
    const char* p = reinterpret_cast<const char*>(list.data());
    const std::size_t bytes = list.size() * sizeof(list[0]);
    for (std::size_t at = 0; at < bytes; at += 64) __builtin_prefetch(p + at);
  };
  ask(records[i + 1].stay.fees);
  ask(records[i + 1].stay.diagnoses);
}

void detail::ask_for_line(std::string_view text) noexcept {
  const std::size_t bytes = std::min<std::size_t>(text.size() + 1, 2048);  // and the byte after it
  for (std::size_t at = 0; at < bytes; at += 64) __builtin_prefetch(text.data() + at);
}

void detail::clear_for_reading(Record& rec) {
  // Lists of a usual size keep their room; a hostile record's thousands of
  // lines are not held on to.
  constexpr std::size_t kept_fees = 256, kept_diagnoses = 64;
  std::vector<FeeLine> fees = std::move(rec.stay.fees);
  std::vector<std::string> diagnoses = std::move(rec.stay.diagnoses);
  rec = Record{};  // every other field as a new record's, whatever fields it gains
  if (fees.capacity() <= kept_fees) {
    fees.clear();
    rec.stay.fees = std::move(fees);
  }
  if (diagnoses.capacity() <= kept_diagnoses) {
    diagnoses.clear();
    rec.stay.diagnoses = std::move(diagnoses);
  }
}

struct detail::ReaderAccess {
  static void read(JsonStayReader& reader, const Line& line, Record& rec) {
    read_record(*reader.impl_, line.text, line.number, rec, line.padded);
  }
};

void detail::read_line(JsonStayReader& reader, const Line& line, Record& rec) { ReaderAccess::read(reader, line, rec); }

bool JsonStayReader::peek_person(std::string_view text, std::string& person) {
  std::string& buf = impl_->buffer;
  buf.assign(text);
  buf.append(sj::SIMDJSON_PADDING, '\0');
  try {
    od::document doc;
    if (impl_->parser.iterate(buf.data(), text.size(), buf.size()).get(doc)) return false;
    od::object obj;
    if (doc.get_object().get(obj)) return false;
    for (auto f : obj) {
      od::field fld;
      if (std::move(f).get(fld)) return false;
      std::string_view key;
      if (fld.unescaped_key().get(key)) return false;
      if (key == "person_id") {
        std::string_view v;
        if (fld.value().get_string().get(v) || v.empty()) return false;
        person.assign(v);
        return true;
      }
    }
  } catch (const sj::simdjson_error&) {
  }
  return false;
}

namespace {

/// Calls each(line) for every record line of `in`, in batches of 4,096.
template <class Each>
void each_line(std::istream& in, std::size_t max_record_bytes, Each each) {
  detail::LineSource source(in, max_record_bytes);
  std::vector<detail::Line> lines;
  bool more = true;
  while (more) {
    more = source.next_batch(lines, 4096);
    for (const detail::Line& l : lines) each(l);
  }
}

}  // namespace

void for_each_json_line(std::istream& in, const std::function<void(std::string_view, std::uint64_t)>& sink,
                        std::size_t max_record_bytes) {
  each_line(in, max_record_bytes, [&](const detail::Line& l) { sink(l.text, l.number); });
}

namespace {

/// Text in memory read as a stream, in place: no copy of it is made.
class ViewBuffer final : public std::streambuf {
 public:
  explicit ViewBuffer(std::string_view text) {
    char* const at = const_cast<char*>(text.data());  // a get area is only read from
    setg(at, at, at + text.size());
  }
};

/// The records of `in`, with room made for `expected` of them first; each
/// line parsed where the line source keeps it.
std::vector<Record> read_all(std::istream& in, ReadLimits limits, std::size_t expected) {
  JsonStayReader reader(limits);
  std::vector<Record> out;
  out.reserve(expected);
  each_line(in, limits.max_record_bytes, [&](const detail::Line& l) { detail::read_line(reader, l, out.emplace_back()); });
  return out;
}

}  // namespace

std::vector<Record> read_jsonl(std::istream& in, ReadLimits limits) { return read_all(in, limits, 0); }

std::vector<Record> read_jsonl(std::string_view text, ReadLimits limits) {
  // Room for every line, made once rather than grown by doubling (which
  // moves every record made so far, each time). A stay is about 540 bytes
  // and a Record 520; the room is capped at a line per 256 bytes, so that a
  // text of short or blank lines is not given more than about twice its
  // size in room it may not use.
  const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  ViewBuffer view(text);
  std::istream in(&view);
  return read_all(in, limits, std::min(lines, text.size() / 256 + 1));
}

}  // namespace medsettle
