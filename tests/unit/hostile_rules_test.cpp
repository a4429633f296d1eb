// Hostile rule files: every one is refused (or read) with a diagnostic at
// file:line:column naming the problem, without crashing, hanging or growing
// memory without bound. See SECURITY.md for the limits.
//
// Memory is measured in a child process that runs only the step measured
// (in_child): its peak resident size above what it started with, which no
// other test can have set. How long the hostile files take is not a unit
// test's business: bench/settle_bench.cpp times them against the check of
// a shipped rule file (BM_CheckRules).
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "medsettle/engine.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/writer.hpp"

using namespace medsettle;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string rules(const std::string& name) { return read_file(std::string(MEDSETTLE_RULES_DIR) + "/" + name); }

/// Every diagnostic as "file:line:column: message", in order.
std::vector<std::string> problems(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& d : Plan::check(text, "hostile.yaml")) out.push_back(d.to_string());
  return out;
}

/// The first diagnostic, or "" if the file is valid.
std::string first_problem(std::string_view text) {
  auto p = problems(text);
  return p.empty() ? std::string() : p.front();
}

/// Peak resident set size of this process in KiB.
long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

/// What `fn` did in a child process of its own.
struct InChild {
  bool ok = false;        ///< the child ran `fn` and exited 0
  std::string failure;    ///< why not, if not
  long growth_mib = -1;   ///< the child's peak resident size above its size when it started
  std::string result;     ///< what `fn` returned
};

/// Runs `fn` in a forked child. A forked child's peak resident size starts
/// at its resident size at the fork (not at the parent's peak), so the
/// growth measured is `fn`'s alone, whatever ran before in this process.
InChild in_child(const std::function<std::string()>& fn) {
  InChild r;
  int fds[2];
  if (::pipe(fds) != 0) {
    r.failure = std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    r.failure = std::string("fork: ") + std::strerror(errno);
    return r;
  }
  if (pid == 0) {
    ::close(fds[0]);
    int status = 0;
    std::string out;
    try {
      const long before = peak_rss_kib();
      std::string result = fn();
      const long growth = (peak_rss_kib() - before) / 1024;
      out = std::to_string(growth) + "\n" + result;
    } catch (const std::exception& e) {
      out = std::string("exception: ") + e.what();
      status = 3;
    }
    for (std::size_t done = 0; done < out.size();) {
      const ssize_t n = ::write(fds[1], out.data() + done, out.size() - done);
      if (n <= 0) ::_exit(4);
      done += static_cast<std::size_t>(n);
    }
    ::_exit(status);
  }
  ::close(fds[1]);
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    r.failure = (WIFSIGNALED(status) ? "child killed by signal " + std::to_string(WTERMSIG(status))
                                     : "child exited " + std::to_string(WEXITSTATUS(status))) +
                ": " + got;
    return r;
  }
  const std::size_t nl = got.find('\n');
  if (nl == std::string::npos) {
    r.failure = "child wrote no result: " + got;
    return r;
  }
  r.ok = true;
  r.growth_mib = std::stol(got.substr(0, nl));
  r.result = got.substr(nl + 1);
  return r;
}

/// The diagnostics joined by newlines (what in_child hands back).
std::string joined(const std::vector<std::string>& p) {
  std::string s;
  for (const auto& d : p) s += d + "\n";
  return s;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t from = 0;
  for (std::size_t nl; (nl = s.find('\n', from)) != std::string::npos; from = nl + 1) out.push_back(s.substr(from, nl - from));
  return out;
}

std::string fmt_hex(unsigned char c) {
  char b[3];
  std::snprintf(b, sizeof b, "%02X", c);
  return b;
}

const std::string kMinimal = R"(medsettle: 1
id: t
class_b_selfpay: 0.10
versions:
  - from: 2020-01-01
    channels:
      - {id: basic, name: Basic, kind: coinsurance, fund_pay_type: "390100", reports_as: hifp_pay,
         base: [in_scope], period: stay, deductible: 500, rate: 0.75}
)";

std::string settle_one(const Plan& plan) {
  JsonStayReader reader;
  Record rec = reader.read(R"({"stay_id":"S1","person_id":"P1","age":40,"hospital_level":"county",
    "region":"in_county","admitted":"2020-03-02","discharged":"2020-03-12","diagnoses":["J18.9"],
    "fees":[{"category":"A","amount":"10000.00"},{"category":"B","amount":"2000.00"}]})",
                           1);
  EXPECT_FALSE(rec.rejection);
  Ledger ledger(plan);
  Outcome o = settle(plan, rec.stay, ledger);
  EXPECT_TRUE(o.settled());
  if (!o.settled()) return {};
  std::string s;
  write_json(s, o.settlement());
  // The digest is of the bytes: it differs between spellings of one file.
  return s.substr(0, s.find("\"digest\"")) + s.substr(s.find("\"medfee_sumamt\""));
}

}  // namespace

// ---- nesting -------------------------------------------------------------------

TEST(HostileRules, FlowNesting100000DeepIsRefusedAtLevel33) {
  std::string text = "medsettle: 1\nid: t\nversions: ";
  for (int i = 0; i < 100'000; ++i) text += "[";
  for (int i = 0; i < 100'000; ++i) text += "]";
  text += "\n";
  auto p = problems(text);  // its time: BM_CheckRules/hostile_flow_nesting_100000
  ASSERT_FALSE(p.empty());
  // The 32nd '[' is level 33 (the root map is level 1): column 11 + 31.
  EXPECT_EQ(p.front(), "hostile.yaml:3:42: nested deeper than 32 levels");
  EXPECT_THROW((void)Plan::load_string(text, "hostile.yaml"), RuleFileError);
}

TEST(HostileRules, MapNesting100000DeepIsRefused) {
  std::string text;
  for (int i = 0; i < 100'000; ++i) text += "{a: ";
  text += "1";
  for (int i = 0; i < 100'000; ++i) text += "}";
  ASSERT_LT(text.size(), std::size_t{1} << 20);
  auto p = problems(text);
  ASSERT_FALSE(p.empty());
  // "{a: " is four characters: the 33rd map opens at column 129.
  EXPECT_EQ(p.front(), "hostile.yaml:1:129: nested deeper than 32 levels");
}

TEST(HostileRules, BlockNestingDeeperThan32IsRefused) {
  // k0: / k1: / ... each a map inside the one before: the value of k31 is level 33.
  std::string text;
  for (int i = 0; i < 40; ++i) text += std::string(2 * i, ' ') + "k" + std::to_string(i) + ":\n";
  text.back() = ' ';
  text += "1\n";
  auto p = problems(text);
  EXPECT_NE(std::find(p.begin(), p.end(), "hostile.yaml:33:65: nested deeper than 32 levels"), p.end());
}

// ---- size ------------------------------------------------------------------------

TEST(HostileRules, FiftyMegabyteScalarIsRefusedByTheSizeLimit) {
  std::string text = "medsettle: 1\nid: ";
  text.append(50u << 20, 'x');
  text += "\n";
  auto p = problems(text);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p.front(), "hostile.yaml:1:1: file is " + std::to_string(text.size()) +
                           " bytes; rule files are limited to 1048576 bytes");
}

TEST(HostileRules, FiftyMegabyteFileIsRefusedWithoutBeingReadWhole) {
  const std::string path = testing::TempDir() + "hostile_50mb.yaml";
  {
    std::ofstream out(path, std::ios::binary);
    out << "medsettle: 1\nid: ";
    const std::string chunk(1u << 20, 'x');
    for (int i = 0; i < 50; ++i) out << chunk;
    out << "\n";
  }
  const std::uintmax_t size = std::filesystem::file_size(path);
  const InChild c = in_child([&] {
    try {
      (void)Plan::load_file(path);
      return std::string("loaded");
    } catch (const RuleFileError& e) {
      std::string d;
      for (const auto& x : e.diagnostics()) d += x.to_string() + "\n";
      return d;
    }
  });
  std::filesystem::remove(path);
  ASSERT_TRUE(c.ok) << c.failure;
  EXPECT_EQ(c.result, path + ":1:1: file is " + std::to_string(size) + " bytes; rule files are limited to 1048576 bytes\n");
  // At most the limit (and a little) is read into memory, never the 50 MB.
  EXPECT_LT(c.growth_mib, 20);
}

TEST(HostileRules, OneByteOverTheLimitIsRefusedAndAtTheLimitIsRead) {
  std::string at = kMinimal + "#";
  at.append((1u << 20) - at.size(), 'x');
  ASSERT_EQ(at.size(), 1u << 20);
  EXPECT_EQ(first_problem(at), "");
  std::string over = at + "x";
  EXPECT_EQ(first_problem(over), "hostile.yaml:1:1: file is 1048577 bytes; rule files are limited to 1048576 bytes");
}

TEST(HostileRules, MoreThan200000ValuesAreRefused) {
  std::string text = "medsettle: 1\nid: t\ndocuments: [";
  for (int i = 0; i < 210'000; ++i) text += "1,";
  text += "1]\n";
  ASSERT_LT(text.size(), std::size_t{1} << 20);
  auto p = problems(text);
  ASSERT_FALSE(p.empty());
  bool found = false;
  for (const auto& s : p) found = found || s.find("more than 200000 values in one rule file") != std::string::npos;
  EXPECT_TRUE(found) << p.front();
}

// ---- aliases, tags ---------------------------------------------------------------

TEST(HostileRules, BillionLaughsIsRefusedWithoutExpanding) {
  // Nine levels of nine aliases each would be 9^9 = 387 million values.
  std::string text = "medsettle: 1\nid: t\nclass_b_selfpay: 0.1\nlol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int level = 1; level <= 9; ++level) {
    std::string prev = "*a" + std::to_string(level - 1);
    text += "lol" + std::to_string(level) + ": &a" + std::to_string(level) + " [";
    for (int k = 0; k < 9; ++k) text += (k ? ", " : "") + prev;
    text += "]\n";
  }
  text += "versions: *a9\n";
  // In a child, for its memory; its time: BM_CheckRules/hostile_billion_laughs.
  const InChild c = in_child([&] { return joined(problems(text)); });
  ASSERT_TRUE(c.ok) << c.failure;
  EXPECT_LT(c.growth_mib, 50);  // 387 million values expanded would be gigabytes
  const std::vector<std::string> p = split_lines(c.result);
  ASSERT_FALSE(p.empty());
  // The first alias: line 5 ("lol1: &a1 [*a0, ..."), column 12 (the unknown
  // keys lol0..lol9 are reported too).
  auto first_alias = std::find_if(p.begin(), p.end(), [](const std::string& d) { return d.find("aliases") != std::string::npos; });
  ASSERT_NE(first_alias, p.end());
  EXPECT_EQ(*first_alias, "hostile.yaml:5:12: aliases (*name) are not allowed in rule files; write the value out");
  std::size_t aliases = 0;
  for (const auto& s : p) aliases += s.find("aliases (*name) are not allowed") != std::string::npos;
  EXPECT_EQ(aliases, 9u * 9u + 1u);
}

TEST(HostileRules, AnAliasOfAChannelIsRefused) {
  std::string text = kMinimal + "  - from: 2021-01-01\n    channels: *c\n";
  text.replace(text.find("    channels:\n"), 14, "    channels: &c\n");
  auto p = problems(text);
  ASSERT_FALSE(p.empty());
  EXPECT_EQ(p.front(), "hostile.yaml:10:15: aliases (*name) are not allowed in rule files; write the value out");
}

TEST(HostileRules, TagsAreRefused) {
  std::string text = kMinimal;
  text.replace(text.find("rate: 0.75"), 10, "rate: !!float 0.75");
  auto p = problems(text);
  ASSERT_FALSE(p.empty());
  EXPECT_NE(p.front().find(":8:"), std::string::npos) << p.front();
  EXPECT_NE(p.front().find("tags (tag:yaml.org,2002:float) are not allowed in rule files"), std::string::npos)
      << p.front();
}

// ---- bytes -------------------------------------------------------------------------

TEST(HostileRules, InvalidUtf8IsRefusedAtItsPlace) {
  std::string text = kMinimal;
  text.replace(text.find("id: t\n"), 6, "id: t\xFFx\n");
  EXPECT_EQ(first_problem(text), "hostile.yaml:2:6: invalid UTF-8 (byte 0xFF): rule files are UTF-8 text");
  // An overlong encoding of '/', a lone continuation byte, a truncated sequence, a surrogate.
  for (const std::string bad : {"\xC0\xAF", "\x80", "\xE4\xB8", "\xED\xA0\x80"}) {
    std::string t = kMinimal + "title: a" + bad + "\n";
    EXPECT_EQ(first_problem(t), "hostile.yaml:9:9: invalid UTF-8 (byte 0x" +
                                    fmt_hex(static_cast<unsigned char>(bad[0])) + "): rule files are UTF-8 text");
  }
  // Columns count bytes, as for every other diagnostic, and not a byte-order mark.
  EXPECT_EQ(first_problem("medsettle: 1\nid: 湖南\xFF\n"), "hostile.yaml:2:11: invalid UTF-8 (byte 0xFF): rule files are UTF-8 text");
  EXPECT_EQ(first_problem("\xEF\xBB\xBFid: t\xFF\n"), "hostile.yaml:1:6: invalid UTF-8 (byte 0xFF): rule files are UTF-8 text");
  EXPECT_EQ(first_problem("\xEF\xBB\xBF\xFF"), "hostile.yaml:1:1: invalid UTF-8 (byte 0xFF): rule files are UTF-8 text");
  // Valid UTF-8 (Chinese names) is of course fine.
  EXPECT_EQ(first_problem(kMinimal + "title: 湖南省健康扶贫\n"), "");
}

TEST(HostileRules, Utf16IsRefused) {
  std::string text = "\xFF\xFE";
  for (char c : kMinimal) {
    text += c;
    text += '\0';
  }
  auto p = problems(text);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p.front(), "hostile.yaml:1:4: NUL byte in a rule file");
}

TEST(HostileRules, NulByteIsRefusedAtItsPlace) {
  std::string text = kMinimal;
  text.insert(text.find("class_b_selfpay") + 3, std::string(1, '\0'));
  EXPECT_EQ(first_problem(text), "hostile.yaml:3:4: NUL byte in a rule file");
}

TEST(HostileRules, ByteOrderMarkIsIgnored) {
  const std::string hunan = rules("hunan.yaml");
  const std::string bom = "\xEF\xBB\xBF" + hunan;
  EXPECT_EQ(first_problem(bom), "");
  Plan a = Plan::load_string(hunan, "a.yaml"), b = Plan::load_string(bom, "b.yaml");
  EXPECT_EQ(a.versions(), b.versions());
  EXPECT_NE(a.digest(), b.digest());  // the digest is of the file's bytes
  // Errors after a byte-order mark are at the line and column an editor shows.
  std::string broken = "\xEF\xBB\xBF" + kMinimal;
  broken.replace(broken.find("rate: 0.75"), 10, "rate: 1.75");
  auto p = problems(broken);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p.front(), "hostile.yaml:8:65: rate: '1.75' is not a rate in [0, 1] with at most 4 decimals (above 1)");
}

TEST(HostileRules, CrlfLineEndsReadAsLf) {
  for (const char* name : {"hunan.yaml", "zhuzhou.yaml", "funing.yaml", "zhenba.yaml", "xuchang.yaml", "linxian.yaml"}) {
    const std::string lf = rules(name);
    std::string crlf;
    for (char c : lf) {
      if (c == '\n') crlf += '\r';
      crlf += c;
    }
    EXPECT_EQ(first_problem(crlf), "") << name;
  }
  std::string lf = kMinimal, crlf;
  for (char c : lf) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  EXPECT_EQ(settle_one(Plan::load_string(crlf)), settle_one(Plan::load_string(lf)));
  // Errors are at the same place with either line end.
  std::string broken = crlf;
  broken.replace(broken.find("rate: 0.75"), 10, "rate: 1.75");
  std::string broken_lf = lf;
  broken_lf.replace(broken_lf.find("rate: 0.75"), 10, "rate: 1.75");
  EXPECT_EQ(problems(broken), problems(broken_lf));
  ASSERT_EQ(problems(broken).size(), 1u);
  EXPECT_EQ(problems(broken).front(),
            "hostile.yaml:8:65: rate: '1.75' is not a rate in [0, 1] with at most 4 decimals (above 1)");
}

// ---- amplification -------------------------------------------------------------------

TEST(HostileRules, ManyVersionsOfChangesCannotMultiplyThePlan) {
  // One channel with a condition of 15,000 parts, then 15,000 versions that
  // each carry it forward with `changes`: 225 million values to compile.
  std::string text = "medsettle: 1\nid: t\nclass_b_selfpay: 0.1\nversions:\n  - from: 1000-01-01\n    channels:\n"
                     "      - {id: basic, name: B, kind: coinsurance, fund_pay_type: \"390100\", reports_as: hifp_pay,"
                     " base: [in_scope], period: stay, rate: 0.5, when: {any: [";
  for (int i = 0; i < 15'000; ++i) text += "{age: {min: 1}},";
  text += "{age: {min: 1}}]}}\n";
  Date d = Date::from_ymd(1000, 1, 2);
  for (int v = 0; v < 15'000; ++v) {
    text += "  - {from: " + format(d) + ", changes: {}}\n";
    d = Date::from_days(d.days() + 1);
  }
  ASSERT_LT(text.size(), std::size_t{1} << 20);
  // In a child, for its memory; its time: BM_CheckRules/hostile_many_versions_15000.
  const InChild c = in_child([&] { return joined(problems(text)); });
  ASSERT_TRUE(c.ok) << c.failure;
  EXPECT_LT(c.growth_mib, 500);  // 225 million values compiled would be many gigabytes
  const std::vector<std::string> p = split_lines(c.result);
  // Refused three ways (rules/README.md, Limits): the condition has 15,001
  // tests (at most 32; at its map, line 7 column 145); version 0 holds
  // 75,016 values, so the third version passes 200,000 carried forward
  // (line 9 = versions[2]); and the 101st version is one too many (line 107).
  ASSERT_EQ(p.size(), 3u) << c.result;
  EXPECT_EQ(p[0], "hostile.yaml:7:145: when: more than 32 tests in one condition (all, any and not count as tests)");
  EXPECT_EQ(p[1],
            "hostile.yaml:9:5: versions[2]: with the changes carried forward, the versions hold more than 200000 "
            "values; give fewer versions or split the rule file");
  EXPECT_EQ(p[2], "hostile.yaml:107:5: versions: more than 100 versions in one rule file");
}

TEST(HostileRules, ShippedRuleFilesAreFarBelowTheLimits) {
  for (const char* name : {"hunan.yaml", "zhuzhou.yaml", "funing.yaml", "zhenba.yaml", "xuchang.yaml", "linxian.yaml"}) {
    const std::string text = rules(name);
    EXPECT_LT(text.size(), 64u * 1024u) << name;
    EXPECT_EQ(first_problem(text), "") << name;
  }
}
