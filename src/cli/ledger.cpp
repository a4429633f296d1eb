// medsettle ledger: read a kept ledger (a person's figures and records),
// export it as JSON Lines, import an export (SQLite <-> PostgreSQL).
#include <iostream>

#include "cli/common.hpp"
#include "medsettle/store.hpp"

namespace medsettle::cli {

namespace {

struct LedgerArgs {
  std::string ledger, person, export_to, import_from;
  int year = 0;
  bool json = false;
};

int show_person(LedgerStore& store, const LedgerArgs& a) {
  const std::optional<LedgerSnapshot> l = store.ledger(a.person);
  if (!l) throw UsageError(tr(N_("{}: no ledger for person {}"), store.location(), a.person));
  const std::vector<StoreRecord> records = store.records(a.person);
  std::string text;
  if (a.json) {
    write_person_json(text, *l, records);
    text += '\n';
  } else {
    text = render_ledger_text(*l, records, a.year ? std::optional<int>(a.year) : std::nullopt, language());
  }
  std::cout << text << std::flush;
  if (!std::cout) throw UsageError(tr(N_("writing to standard output failed")));
  return ok;
}

int run_ledger(const LedgerArgs& a) {
  const int modes = !a.person.empty() + !a.export_to.empty() + !a.import_from.empty();
  if (modes != 1) throw UsageError(tr(N_("give one of --person, --export and --import")));
  LedgerStore store = LedgerStore::open(a.ledger);
  if (!a.person.empty()) return show_person(store, a);
  if (!a.export_to.empty()) {
    OutputFile out(a.export_to);
    const std::uint64_t n = store.export_jsonl(out.stream());
    out.commit();
    std::cerr << tr(N_("exported {} persons from {}"), n, store.location()) << '\n';
    return ok;
  }
  InputFile in(a.import_from);
  const std::uint64_t n = store.import_jsonl(in.stream());
  std::cerr << tr(N_("imported {} persons into {}"), n, store.location()) << '\n';
  return ok;
}

}  // namespace

Run add_ledger(CLI::App& app) {
  auto a = std::make_shared<LedgerArgs>();
  CLI::App* c = app.add_subcommand(
      "ledger", tr(N_("Read a kept ledger: a person's yearly figures and settlement records; export or import it")));
  c->add_option("--ledger", a->ledger, tr(N_("Kept ledger: an SQLite file or a postgresql:// URI")))->required();
  c->add_option("--person", a->person, tr(N_("Show this person's ledger and settlement records")));
  c->add_option("--year", a->year, tr(N_("With --person: only this year's figures")))->check(CLI::Range(1000, 9999));
  c->add_flag("--json", a->json, tr(N_("With --person: the ledger and records as one JSON object (an export line)")));
  c->add_option("--export", a->export_to,
                tr(N_("Write the whole kept ledger as JSON Lines, one person a line, in order of person id")));
  c->add_option("--import", a->import_from, tr(N_("Read an export into this kept ledger, which must be empty")));
  c->footer(tr(N_("Examples:\n  medsettle ledger --ledger ledger.db --person P000049\n"
                  "  medsettle ledger --ledger ledger.db --export all.jsonl\n"
                  "  medsettle ledger --ledger 'postgresql:///county?host=/run/postgresql' --import all.jsonl")));
  return [a] { return run_ledger(*a); };
}

}  // namespace medsettle::cli
