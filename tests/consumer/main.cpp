// Settles one stay through the installed library: load the default plan,
// settle with a fresh ledger, check the itemized result to the fen.
#include <cstdio>

#include <medsettle/engine.hpp>

int main() {
  using namespace medsettle;
  const Plan& plan = Plan::builtin();
  Stay stay;
  stay.stay_id = "C-1";
  stay.person_id = "P-1";
  stay.age = 40;
  stay.hospital_level = HospitalLevel::county;
  stay.region = Region::in_county;
  stay.admitted = Date::from_ymd(2019, 3, 2);
  stay.discharged = Date::from_ymd(2019, 3, 12);
  stay.diagnoses = {"J18.9"};
  stay.buckets = Buckets{Fen(1'000'000), Fen(0), Fen(0), Fen(0), Fen(1'000'000)};
  Ledger ledger(plan);
  Outcome o = settle(plan, stay, ledger);
  if (!o.settled()) return 1;
  // basic, county: D 500.00, rate 0.75: round(0.75 × (10000.00 − 500.00)) = 7125.00
  const Settlement& s = o.settlement();
  std::printf("%s hifp_pay %s patient %s\n", s.stay_id.c_str(), format(s.hifp_pay).c_str(),
              format(s.psn_part_amt).c_str());
  return s.hifp_pay == Fen(712'500) ? 0 : 1;
}
