// libFuzzer: the rule loader on arbitrary bytes.
//
// - Plan::check never throws and places every problem inside the file;
// - Plan::load_string agrees with it (throws RuleFileError with the same
//   diagnostics, or loads);
// - a rule file that loads settles a fixed set of stays on each version's
//   first day with every settlement invariant holding, explains one stay
//   with a trace and writes JSON and CSV.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_common.hpp"

using namespace medsettle;

namespace {

Record stay_record(std::string id, std::string person, Date day, int variant) {
  Record r;
  r.line = 1;
  Stay& s = r.stay;
  s.stay_id = std::move(id);
  s.person_id = std::move(person);
  s.admitted = Date::from_days(day.days() - variant % 3);
  s.discharged = day;
  s.age = variant * 37 % 151;
  s.identities = IdentitySet::from_bits(static_cast<std::uint8_t>(variant * 7 % 32));
  s.category = static_cast<Category>(variant % 4);
  s.insurance = variant % 5 == 0 ? Insurance::employee : Insurance::resident;
  s.hospital_level = static_cast<HospitalLevel>(variant % 5);
  s.region = static_cast<Region>(variant % 4);
  s.flags = FlagSet::from_bits(static_cast<std::uint8_t>(variant % 8));
  static const char* const codes[] = {"C15.9", "N18.5", "c91.0", "Q21.1", "J18.9", "C50", "E11.9", "I63.9"};
  s.diagnoses = {codes[variant % 8], codes[(variant + 3) % 8]};
  switch (variant % 4) {
    case 0:  // the largest stay there is
      s.buckets = Buckets{max_amount, Fen(0), Fen(0), Fen(0), max_amount};
      break;
    case 1:
      s.fees = {FeeLine{FeeCategory::A, Fen(1'234'567), Fen(0), std::nullopt, {}, {}},
                FeeLine{FeeCategory::B, Fen(800'001), Fen(1), std::nullopt, {}, {}},
                FeeLine{FeeCategory::B, Fen(99'999), Fen(0), Rate(3333), {}, {}},
                FeeLine{FeeCategory::C, Fen(55'555), Fen(0), std::nullopt, {}, {}}};
      break;
    case 2:
      s.buckets = Buckets{Fen(50'000'000'000), Fen(1'000'000'000), Fen(2'000'000'000), Fen(3'000'000'000),
                          Fen(44'000'000'000)};
      break;
    default:  // a small stay, and an empty one
      if (variant % 8 == 3) s.fees = {FeeLine{FeeCategory::A, Fen(12'345), Fen(0), std::nullopt, {}, {}}};
      break;
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<RuleDiagnostic> diags = Plan::check(text, "fuzz.yaml");
  std::size_t lines = 1;
  for (char c : text) lines += c == '\n';
  for (const RuleDiagnostic& d : diags) {
    FUZZ_CHECK(d.file == "fuzz.yaml", d.to_string());
    FUZZ_CHECK(d.line >= 1 && d.line <= lines + 1 && d.column >= 1, d.to_string());
    FUZZ_CHECK(!d.message.empty(), d.to_string());
  }

  std::optional<Plan> plan;
  try {
    plan.emplace(Plan::load_string(text, "fuzz.yaml"));
  } catch (const RuleFileError& e) {
    FUZZ_CHECK(!diags.empty(), "load_string throws where check finds nothing");
    FUZZ_CHECK(e.diagnostics().size() == diags.size(), "load_string and check disagree");
    for (std::size_t i = 0; i < diags.size(); ++i) {
      FUZZ_CHECK(e.diagnostics()[i].to_string() == diags[i].to_string(), diags[i].to_string());
    }
    return 0;
  }
  FUZZ_CHECK(diags.empty(), "load_string loads where check finds " + diags.front().to_string());

  // Settle stays on each version's first day (a few versions at most: the
  // invariants do not need every one).
  const Plan& p = *plan;
  const std::vector<Date> versions = p.versions();
  FUZZ_CHECK(!versions.empty(), "a plan without versions");
  std::vector<Record> records;
  for (std::size_t v = 0; v < versions.size() && v < 4; ++v) {
    FUZZ_CHECK(p.version_on(versions[v]) == v, "version_on(from) is not the version");
    for (int k = 0; k < 8; ++k) {
      records.push_back(stay_record("S" + std::to_string(v) + "_" + std::to_string(k),
                                    "P" + std::to_string(v) + "_" + std::to_string(k % 3), versions[v], k));
    }
  }
  const std::size_t n = records.size();
  std::vector<Outcome> outcomes = settle_batch(p, records);
  FUZZ_CHECK(outcomes.size() == n, "one outcome per record");
  std::string json, csv = csv_header(p);
  for (const Outcome& o : outcomes) {
    if (!o.settled()) {
      // The stays are valid and on a version's first day: only the yearly
      // figures' bound may refuse one (and then cascade).
      const ErrorCode c = o.rejection().code;
      FUZZ_CHECK(c == ErrorCode::bad_amount || c == ErrorCode::earlier_rejected,
                 std::string(name(c)) + ": " + o.rejection().message);
      continue;
    }
    fuzz::check_settlement(p, o.settlement());
    write_json(json, o.settlement());
    write_csv(csv, o.settlement());
  }
  // One explanation, end to end.
  Ledger ledger(p);
  SettleOptions traced;
  traced.trace = true;
  Outcome o = settle(p, records.front().stay, ledger, traced, 1);
  if (o.settled()) {
    fuzz::check_settlement(p, o.settlement());
    FUZZ_CHECK(o.settlement().trace && !o.settlement().trace->steps.empty(), "no trace");
    std::string table = render_trace_text(o.settlement());
    std::string tj;
    write_trace_json(tj, o.settlement());
    FUZZ_CHECK(!table.empty() && !tj.empty(), "empty explanation");
  }
  return 0;
}
