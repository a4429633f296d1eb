// medsettle reverse: cancel a settled stay in a kept ledger (撤销结算,
// SEMANTICS.md §11). The reversal records go to standard output (or --out)
// and nothing else; a refusal goes to standard error, exit 1.
#include <iostream>

#include "cli/common.hpp"
#include "medsettle/store.hpp"

namespace medsettle::cli {

namespace {

struct ReverseArgs {
  std::string ledger, stay_id, reason, out;
  bool cascade = false;
};

int run_reverse(const ReverseArgs& a) {
  OutputFile out(a.out);
  LedgerStore store = LedgerStore::open(a.ledger);
  const StoreReversal r = store.reverse(a.stay_id, a.cascade, a.reason);
  if (!r.ok()) {
    std::string refusal;
    write_refusal_json(refusal, *r.refused, json_language());
    eprint(refusal);
    return some_rejected;
  }
  std::string text;
  for (const StoreRecord& record : r.records) text += record.json + '\n';
  out.stream() << text;
  out.commit();
  return ok;
}

}  // namespace

Run add_reverse(CLI::App& app) {
  auto a = std::make_shared<ReverseArgs>();
  CLI::App* c = app.add_subcommand(
      "reverse", tr(N_("Reverse a settled stay in a kept ledger: its person's ledger returns to what it was before it")));
  c->add_option("--ledger", a->ledger, tr(N_("Kept ledger: an SQLite file or a postgresql:// URI")))->required();
  c->add_option("--stay-id", a->stay_id, tr(N_("The settled stay to reverse")))->required();
  c->add_flag("--cascade", a->cascade,
              tr(N_("Reverse the person's stays settled after it first, latest first (else refused: not_last)")));
  c->add_option("--reason", a->reason, tr(N_("Why (kept with the reversal in the ledger's records)")));
  c->add_option("--out", a->out, tr(N_("Reversal records, JSON Lines (default: standard output)")));
  c->footer(tr(N_("Example:\n  medsettle reverse --ledger ledger.db --stay-id S1039570 --reason \"fee corrected\"\n"
                  "Writes one reversal record per reversed stay, latest first (every money figure negated, "
                  "\"reversal\": true).\nRefused (exit 1, the rejection on standard error, nothing changed): "
                  "unknown_stay, or not_last without --cascade.")));
  return [a] { return run_reverse(*a); };
}

}  // namespace medsettle::cli
