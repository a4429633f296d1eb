// examples/cpp/settle.cpp: the C++ API as a billing system uses it. README.md
// ("The library") shows the part between the two [readme] markers; ctest
// checks that the two agree.
// [readme]
#include <iostream>
#include <string>

#include <medsettle/engine.hpp>
#include <medsettle/writer.hpp>

using namespace medsettle;

// A person's ledger, kept as JSON where the billing system keeps its data
// (or let medsettle keep it: "Kept ledgers" below). Empty: nothing settled yet.
std::string saved_ledger;

// Settles one discharge of the person: the ledger loaded, the stay settled, the ledger saved.
Fen discharge(const Plan& plan, const std::string& stay_json) {
  Ledger ledger = saved_ledger.empty() ? Ledger(plan) : Ledger::restore(plan, read_ledger_json(saved_ledger));
  JsonStayReader reader;  // keeps its buffers: one per thread
  const Record rec = reader.read(stay_json, 1);
  const Outcome o = rec.rejection ? Outcome(*rec.rejection) : settle(plan, rec.stay, ledger);
  if (!o.settled()) {  // failure is ordinary data; the ledger is untouched
    std::cout << name(o.rejection().code) << ": " << o.rejection().message << '\n';
    return Fen(-1);
  }
  const Settlement& s = o.settlement();  // it names its rule set, version and channels itself
  for (const ChannelResult& c : s.channels) {
    const ChannelInfo channel = s.channel_info(c.index);
    std::cout << channel.id << (c.eligible ? ": base " : ": not eligible, base ") << format(c.base)
              << ", deductible " << format(c.deductible) << ", paid " << format(c.paid) << '\n';
  }
  std::string json;
  write_json(json, s);  // the INTERCHANGE.md settlement object
  std::cout << json << '\n';
  saved_ledger.clear();
  write_ledger_json(saved_ledger, ledger.snapshot());
  return s.hifmi_pay;
}

int main() {
  const Plan& plan = Plan::builtin();  // or Plan::load_file("rules/zhenba.yaml"); throws RuleFileError
  // 10,000.00 in scope at a county hospital: basic pays 0.75 × (10000.00 − 500.00) = 7125.00; the
  // 2875.00 left counts towards critical illness's yearly deductible of 10,000.00.
  const Fen first = discharge(plan, R"({"stay_id":"S1","person_id":"P1","age":40,"hospital_level":"county",
    "region":"in_county","admitted":"2019-03-02","discharged":"2019-03-12","diagnoses":["J18.9"],
    "fees":[{"category":"A","amount":"10000.00"}]})");
  // A week later, 30,000.00: basic pays 0.75 × 29500.00 = 22125.00, leaving 7875.00; the year's
  // deductible has 10000.00 − 2875.00 = 7125.00 to go, so critical illness pays 0.50 × 750.00 = 375.00.
  const Fen second = discharge(plan, R"({"stay_id":"S2","person_id":"P1","age":40,"hospital_level":"county",
    "region":"in_county","admitted":"2019-03-15","discharged":"2019-03-19","diagnoses":["J18.9"],
    "fees":[{"category":"A","amount":"30000.00"}]})");
  std::cout << saved_ledger << '\n';
  return first == Fen(0) && second == Fen(37'500) ? 0 : 1;
}
// [readme]
