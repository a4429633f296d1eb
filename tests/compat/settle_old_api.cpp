// The C++ API as the README showed it before the library was redesigned
// (issue #13): billing systems link code like this, so it must keep
// compiling and settling the same (with deprecation warnings where a newer
// form exists).
#include <iostream>

#include <medsettle/engine.hpp>
#include <medsettle/writer.hpp>

using namespace medsettle;

int main() {
  const Plan& plan = Plan::builtin();  // or Plan::load_file("rules/zhenba.yaml"); throws RuleFileError
  Ledger ledger(plan);                 // one person's year-to-date figures: keep it between their stays
  JsonStayReader reader;               // one per thread
  Record rec = reader.read(R"({"stay_id":"S1","person_id":"P1","age":40,"hospital_level":"county",
    "region":"in_county","admitted":"2019-03-02","discharged":"2019-03-12","diagnoses":["J18.9"],
    "fees":[{"category":"A","amount":"10000.00"}]})", 1);
  if (rec.rejection) {                 // not a valid stay: failure is ordinary data
    std::cout << name(rec.rejection->code) << ": " << rec.rejection->message << '\n';
    return 1;
  }
  Outcome o = settle(plan, rec.stay, ledger);  // a Settlement, or a Rejection (the ledger is then untouched)
  if (!o.settled()) {
    std::cout << name(o.rejection().code) << ": " << o.rejection().message << '\n';
    return 1;
  }
  const Settlement& s = o.settlement();
  for (const ChannelResult& c : s.channels) {  // the itemization, channel by channel
    Plan::ChannelInfo channel = plan.channel(s.version_index, c.index);
    std::cout << channel.id << (c.eligible ? ": base " : ": not eligible, base ") << format(c.base)
              << ", deductible " << format(c.deductible) << ", paid " << format(c.paid) << '\n';
  }
  std::string json;
  write_json(json, plan, s);  // the INTERCHANGE.md settlement object
  std::cout << json << '\n';
  // basic insurance, county hospital: 0.75 × (10000.00 − 500.00) = 7125.00
  return s.hifp_pay == Fen(712'500) ? 0 : 1;
}
