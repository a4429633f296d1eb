#include "rules/yaml_reader.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include "core/text.hpp"

namespace medsettle::detail {

namespace {

class TreeBuilder : public YAML::EventHandler {
 public:
  TreeBuilder(const std::string& file, std::vector<RuleDiagnostic>& diags, const YamlLimits& limits)
      : file_(file), diags_(diags), limits_(limits) {}

  YNode root;
  bool have_root = false;

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { attach(make(YNode::Kind::null, mark)); }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    error(mark, message(N_("aliases (*name) are not allowed in rule files; write the value out")));
    // Stand in with an empty scalar: the alias is the one error to report here.
    YNode n = make(YNode::Kind::scalar, mark);
    n.plain = true;
    n.text.assign(1, '0');  // (not = "0": GCC 12 warns falsely, -Wrestrict)
    attach(std::move(n));
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t, const std::string& value) override {
    YNode n = make(YNode::Kind::scalar, mark);
    if (tag != "?" && tag != "!") error(mark, message(N_("tags ({}) are not allowed in rule files"), tag));
    n.plain = tag == "?";
    n.text = value;
    attach(std::move(n));
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t, YAML::EmitterStyle::value) override {
    check_tag(mark, tag);
    open(make(YNode::Kind::sequence, mark));
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t,
                  YAML::EmitterStyle::value style) override {
    check_tag(mark, tag);
    open(make(YNode::Kind::map, mark));
    if (!stack_.empty() && too_deep_ == 0) stack_.back().flow = style == YAML::EmitterStyle::Flow;
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    YNode node;
    bool has_key = false;
    YNode key;
    bool flow = false;  ///< a {…} map
    // `{value: 150,000}` reads as `value: 150` and a key `000`: the number
    // as written so far, and the index of its diagnostic once reported.
    std::string number;
    std::size_t number_diagnostic = SIZE_MAX;
  };
  const std::string& file_;
  std::vector<RuleDiagnostic>& diags_;
  const YamlLimits& limits_;
  std::vector<Frame> stack_;
  std::size_t nodes_ = 0;
  std::size_t too_deep_ = 0;  // frames opened past the depth limit (not kept)
  bool reported_depth_ = false, reported_nodes_ = false;

  void error(const YAML::Mark& mark, Message what) {
    diags_.push_back(diagnostic(file_, static_cast<std::uint32_t>(mark.line + 1),
                                static_cast<std::uint32_t>(mark.column + 1), std::move(what)));
  }
  void error(const YNode& at, Message what) { diags_.push_back(diagnostic(file_, at.line, at.column, std::move(what))); }
  void check_tag(const YAML::Mark& mark, const std::string& tag) {
    if (!tag.empty() && tag != "?" && tag != "!") error(mark, message(N_("tags ({}) are not allowed in rule files"), tag));
  }
  YNode make(YNode::Kind kind, const YAML::Mark& mark) {
    YNode n;
    n.kind = kind;
    n.line = static_cast<std::uint32_t>(mark.line + 1);
    n.column = static_cast<std::uint32_t>(mark.column + 1);
    if (++nodes_ > limits_.max_nodes && !reported_nodes_) {
      reported_nodes_ = true;
      error(mark, message(N_("more than {} values in one rule file"), limits_.max_nodes));
    }
    return n;
  }
  void open(YNode n) {
    if (too_deep_ > 0 || stack_.size() >= limits_.max_depth) {
      if (!reported_depth_) {
        reported_depth_ = true;
        error(n, message(N_("nested deeper than {} levels"), limits_.max_depth));
      }
      ++too_deep_;
      return;
    }
    Frame f;
    f.node = std::move(n);
    stack_.push_back(std::move(f));
  }
  void close() {
    if (too_deep_ > 0) { --too_deep_; return; }
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    if (f.has_key) {  // a key without a value cannot happen in valid YAML; keep it as null
      f.node.pairs.emplace_back(std::move(f.key), YNode{});
    }
    attach(std::move(f.node));
  }
  void attach(YNode n) {
    if (too_deep_ > 0) return;
    if (stack_.empty()) {
      if (have_root) {
        error(n, message(N_("a rule file holds one YAML document")));
        return;
      }
      root = std::move(n);
      have_root = true;
      return;
    }
    Frame& top = stack_.back();
    if (top.node.kind == YNode::Kind::sequence) {
      top.node.items.push_back(std::move(n));
    } else if (!top.has_key) {
      if (n.kind != YNode::Kind::scalar) {
        error(n, message(N_("map keys must be plain names")));
      }
      top.key = std::move(n);
      top.has_key = true;
    } else {
      top.has_key = false;
      if (thousands(top, n)) return;
      for (const auto& [k, v] : top.node.pairs) {
        if (k.text == top.key.text && k.kind == top.key.kind) {
          error(top.key, message(N_("duplicate key '{}' (first given at line {})"), top.key.text, k.line));
          return;  // the first one stands
        }
      }
      top.number = top.flow && n.is_scalar() && n.plain && digits(n.text, 1, 3) ? n.text : std::string();
      top.number_diagnostic = SIZE_MAX;
      top.node.pairs.emplace_back(std::move(top.key), std::move(n));
    }
  }
  static bool digits(std::string_view s, std::size_t min, std::size_t max) {
    return s.size() >= min && s.size() <= max && s.find_first_not_of("0123456789") == std::string_view::npos;
  }
  /// In a {…} map, `150,000` is the value 150 and then a key `000` with no
  /// value: reported once, as the number written, and the key left out.
  bool thousands(Frame& top, const YNode& value) {
    const std::string& k = top.key.text;
    const std::string_view group = std::string_view(k).substr(0, k.find('.'));
    const bool decimals = k.size() == group.size() || digits(std::string_view(k).substr(group.size() + 1), 1, 2);
    if (top.number.empty() || !top.key.plain || value.kind != YNode::Kind::null || !digits(group, 3, 3) || !decimals) {
      return false;
    }
    top.number += ",";
    top.number += k;
    std::string plain = top.number;
    std::erase(plain, ',');
    const YNode& at = top.node.pairs.back().second;
    RuleDiagnostic d = diagnostic(file_, at.line, at.column,
                                  message(N_("'{}': thousands separators are not allowed in rule files; write {} "
                                             "(inside {{...}} a comma separates entries)"),
                                          top.number, plain));
    if (top.number_diagnostic == SIZE_MAX) {
      top.number_diagnostic = diags_.size();
      diags_.push_back(std::move(d));
    } else {
      diags_[top.number_diagnostic] = std::move(d);
    }
    return true;
  }
};

/// The offset of the first byte that is not part of valid UTF-8 (no overlong
/// forms, no surrogates, at most U+10FFFF), or npos.
std::size_t invalid_utf8(std::string_view s) noexcept {
  const auto* b = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = b[i];
    if (c < 0x80) { ++i; continue; }
    std::size_t more;
    unsigned lo = 0x80, hi = 0xBF;  // bounds of the second byte
    if (c >= 0xC2 && c <= 0xDF) more = 1;
    else if (c >= 0xE0 && c <= 0xEF) { more = 2; if (c == 0xE0) lo = 0xA0; else if (c == 0xED) hi = 0x9F; }
    else if (c >= 0xF0 && c <= 0xF4) { more = 3; if (c == 0xF0) lo = 0x90; else if (c == 0xF4) hi = 0x8F; }
    else return i;
    if (n - i <= more || b[i + 1] < lo || b[i + 1] > hi) return i;
    for (std::size_t k = 2; k <= more; ++k) {
      if (b[i + k] < 0x80 || b[i + k] > 0xBF) return i;
    }
    i += more + 1;
  }
  return std::string_view::npos;
}

/// 1-based line and column (in bytes, as yaml-cpp counts them: a byte-order
/// mark is not counted) of an offset, for messages.
std::pair<std::uint32_t, std::uint32_t> position(std::string_view text, std::size_t offset) {
  std::uint32_t line = 1, col = 1;
  std::size_t start = text.substr(0, 3) == "\xEF\xBB\xBF" && offset >= 3 ? 3 : 0;
  for (char c : text.substr(start, offset - start)) {
    if (c == '\n') { ++line; col = 1; } else { ++col; }
  }
  return {line, col};
}

/// The line and column of the tab in the indentation of the last line, up
/// to `line`, that is indented with a tab: the likely cause of a syntax error
/// reported there (yaml-cpp says "end of map not found" and the like).
std::optional<std::pair<std::uint32_t, std::uint32_t>> tab_in_indentation(std::string_view text, std::uint32_t line) {
  std::optional<std::size_t> found;
  std::size_t start = 0;
  for (std::uint32_t l = 1; l <= line && start <= text.size(); ++l) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::size_t indent_end = text.find_first_not_of(" \t", start);
    const std::size_t tab = text.find('\t', start);
    if (tab < std::min(end, indent_end)) found = tab;
    start = end + 1;
  }
  if (!found) return std::nullopt;
  return position(text, *found);
}

}  // namespace

RuleDiagnostic diagnostic(const std::string& file, std::uint32_t line, std::uint32_t column, Message what) {
  std::string english = what.text(Language::en);
  return {file, line ? line : 1, column ? column : 1, std::move(english), std::move(what)};
}

RuleDiagnostic oversize(const std::string& file, std::uintmax_t bytes, const YamlLimits& limits) {
  return diagnostic(file, 1, 1, message(N_("file is {} bytes; rule files are limited to {} bytes"), bytes, limits.max_bytes));
}

YNode parse_yaml(std::string_view text, const std::string& file, std::vector<RuleDiagnostic>& diags,
                 const YamlLimits& limits) {
  if (text.size() > limits.max_bytes) {
    diags.push_back(oversize(file, text.size(), limits));
    return {};
  }
  if (std::size_t nul = text.find('\0'); nul != std::string_view::npos) {
    auto [line, col] = position(text, nul);
    diags.push_back(diagnostic(file, line, col, message(N_("NUL byte in a rule file"))));
    return {};
  }
  // yaml-cpp would quietly read broken UTF-8 as U+FFFD (and guess UTF-16 or
  // UTF-32 from a byte-order mark): a rule file is UTF-8, and a byte that is
  // not is an error at its place.
  if (std::size_t bad = invalid_utf8(text); bad != std::string_view::npos) {
    auto [line, col] = position(text, bad);
    diags.push_back(diagnostic(file, line, col,
                               message(N_("invalid UTF-8 (byte 0x{}): rule files are UTF-8 text"),
                                       fmt::format("{:02X}", static_cast<unsigned char>(text[bad])))));
    return {};
  }
  std::istringstream in{std::string(text)};
  TreeBuilder builder(file, diags, limits);
  try {
    YAML::Parser parser(in);
    int documents = 0;
    while (parser.HandleNextDocument(builder)) {
      if (++documents > 1) {
        diags.push_back(diagnostic(file, 1, 1, message(N_("a rule file holds one YAML document"))));
        break;
      }
    }
  } catch (const YAML::DeepRecursion& e) {
    diags.push_back(diagnostic(file, static_cast<std::uint32_t>(e.mark.line + 1),
                               static_cast<std::uint32_t>(e.mark.column + 1),
                               message(N_("nested deeper than {} levels"), limits.max_depth)));
    return {};
  } catch (const YAML::Exception& e) {
    const auto line = static_cast<std::uint32_t>(e.mark.line + 1);
    if (auto tab = tab_in_indentation(text, line)) {
      diags.push_back(diagnostic(file, tab->first, tab->second,
                                 message(N_("YAML syntax: a tab in the indentation; YAML indents with spaces only "
                                            "(the parser says: {})"),
                                         e.msg)));
    } else {
      diags.push_back(diagnostic(file, line, static_cast<std::uint32_t>(e.mark.column + 1),
                                 message(N_("YAML syntax: {}"), e.msg)));
    }
    return {};
  }
  if (!builder.have_root) diags.push_back(diagnostic(file, 1, 1, message(N_("the file is empty"))));
  return std::move(builder.root);
}

std::string_view describe(const YNode& n) noexcept {
  switch (n.kind) {
    case YNode::Kind::null: return "nothing (null)";
    case YNode::Kind::scalar: return "a single value";
    case YNode::Kind::sequence: return "a list";
    case YNode::Kind::map: return "a map";
  }
  return "a value";
}

}  // namespace medsettle::detail
