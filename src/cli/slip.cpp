// medsettle slip: the printable settlement slip (一站式结算单) of one stay, as
// HTML (the library's render_slip_html) and, through headless Chromium, PDF.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/common.hpp"
#include "medsettle/settle.hpp"
#include "medsettle/slip.hpp"
#include "medsettle/store.hpp"

extern char** environ;

namespace medsettle::cli {

namespace {

struct SlipArgs {
  std::string rules, in, in_format, stay_id, html, pdf, ledger;
};

void write_whole(const std::string& path, const std::string& text) {
  OutputFile out(path);
  out.stream().write(text.data(), static_cast<std::streamsize>(text.size()));
  out.commit();
}

/// The first of the usual Chromium commands found on PATH; "" if none.
std::string find_chromium() {
  const char* path = std::getenv("PATH");
  if (!path) return {};
  for (const char* exe : {"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}) {
    std::string_view dirs(path);
    while (!dirs.empty()) {
      const std::size_t colon = dirs.find(':');
      const std::string dir(dirs.substr(0, colon));
      dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
      const std::string full = (dir.empty() ? "." : dir) + "/" + exe;
      if (::access(full.c_str(), X_OK) == 0) return full;
    }
  }
  return {};
}

/// Prints `html_path` to `pdf` with headless Chromium: into a temporary file
/// beside `pdf`, renamed into place when Chromium succeeded.
void print_pdf(const std::string& chromium, const std::string& html_path, const std::string& pdf) {
  const std::filesystem::path target = std::filesystem::absolute(pdf);
  const std::string tmp = target.string() + ".tmp-" + std::to_string(::getpid());
  const std::string profile = (std::filesystem::temp_directory_path() /
                               ("medsettle-chromium-" + std::to_string(::getpid()))).string();
  const std::string url = "file://" + std::filesystem::absolute(html_path).string();
  std::vector<std::string> args{chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                                "--no-pdf-header-footer", "--user-data-dir=" + profile, "--print-to-pdf=" + tmp, url};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, chromium.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  const bool ran = rc == 0 && ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  std::error_code ignored;
  std::filesystem::remove_all(profile, ignored);
  if (!ran || !std::filesystem::exists(tmp) || std::filesystem::file_size(tmp) == 0) {
    std::filesystem::remove(tmp, ignored);
    throw UsageError(tr(N_("--pdf: {} could not print the slip to {}"), chromium, pdf));
  }
  std::filesystem::rename(tmp, target);
}

/// The stay and its settlement from the input file (the person's other stays are settled too).
std::pair<Stay, Settlement> settle_stay(const SlipArgs& a, const Plan& plan) {
  InputFile in(a.in);
  const std::vector<Record> records = read_records(in, input_format(a.in_format, a.in));
  SettleOptions options;
  options.trace = true;
  options.trace_text = false;  // the slip makes the texts it shows from the typed steps
  const std::optional<Outcome> o = settle_one_of(plan, records, a.stay_id, options);
  if (!o) throw UsageError(tr(N_("no stay '{}' in {}"), a.stay_id, in.name()));
  if (!o->settled()) {
    throw UsageError(tr(N_("stay {} is rejected: {}"), a.stay_id, o->rejection().message_in(language())));
  }
  for (const Record& r : records) {
    if (r.stay.stay_id == a.stay_id) return {r.stay, o->settlement()};
  }
  throw UsageError(tr(N_("no stay '{}' in {}"), a.stay_id, in.name()));
}

int run_slip(const SlipArgs& a) {
  if (a.html.empty() && a.pdf.empty()) throw UsageError(tr(N_("slip: give --html FILE, --pdf FILE or both")));
  check_distinct_files({{"--in", a.in}, {"--rules", a.rules}, {"--ledger", a.ledger}},
                       {{"--html", a.html}, {"--pdf", a.pdf}});
  const std::string chromium = a.pdf.empty() ? std::string() : find_chromium();
  if (!a.pdf.empty() && chromium.empty()) {
    throw UsageError(tr(N_("--pdf needs headless Chromium (chromium on PATH), which is not installed; "
                           "use --html and print it from a browser")));
  }
  const Plan plan = load_plan(a.rules);
  auto [stay, settlement] = settle_stay(a, plan);
  if (!a.ledger.empty()) {
    // Read-only: a kept ledger file that does not exist is not created.
    const bool uri = a.ledger.rfind("postgresql://", 0) == 0 || a.ledger.rfind("postgres://", 0) == 0;
    if (!uri && !std::filesystem::exists(a.ledger)) throw UsageError(tr(N_("--ledger: no kept ledger at {}"), a.ledger));
    LedgerStore store = LedgerStore::open(a.ledger);
    settlement = committed_settlement(store, settlement);
  }
  // Chinese by default, whatever the locale: the catalogue is bound for it
  // (messages keep the command's language: tr() names it).
  Language lang = language_explicit() ? language() : Language::zh;
  if (lang == Language::zh && !use_language(Language::zh)) lang = Language::en;
  const std::string html = render_slip_html(stay, settlement, lang);
  std::string html_path = a.html;
  if (!a.html.empty()) write_whole(a.html, html);
  if (!a.pdf.empty()) {
    const bool temporary = html_path.empty();
    if (temporary) {
      html_path = (std::filesystem::temp_directory_path() / ("medsettle-slip-" + std::to_string(::getpid()) + ".html"))
                      .string();
      write_whole(html_path, html);
    }
    try {
      print_pdf(chromium, html_path, a.pdf);
    } catch (...) {
      if (temporary) std::remove(html_path.c_str());
      throw;
    }
    if (temporary) std::remove(html_path.c_str());
  }
  return ok;
}

}  // namespace

Run add_slip(CLI::App& app) {
  auto a = std::make_shared<SlipArgs>();
  CLI::App* c = app.add_subcommand(
      "slip", tr(N_("Print one stay's settlement slip (一站式结算单) as HTML, and as PDF through headless Chromium")));
  c->add_option("--stay-id", a->stay_id, tr(N_("The stay")))->required();
  c->add_option("--in", a->in, tr(N_("Stays, JSON Lines or CSV (default: standard input)")));
  c->add_option("--in-format", a->in_format, tr(N_("Input format: jsonl or csv (default: from the file name)")));
  c->add_option("--rules", a->rules, tr(N_("Rule file (default: the built-in hunan rule set)")));
  c->add_option("--html", a->html, tr(N_("Write the slip as a self-contained HTML page")));
  c->add_option("--pdf", a->pdf, tr(N_("Also print it to PDF with headless Chromium (exit 2 if not installed)")));
  c->add_option("--ledger", a->ledger,
                tr(N_("Kept ledger (file or postgresql:// URI): print the settlement committed there")));
  c->footer(tr(N_("The slip is in Chinese unless --lang en is given.\nExample:\n  medsettle slip --in "
                  "tests/golden/hunan.stays.jsonl --stay-id S7294443 --html slip.html")));
  return [a] { return run_slip(*a); };
}

}  // namespace medsettle::cli
