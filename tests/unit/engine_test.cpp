// The engine, construct by construct (SEMANTICS.md §4–§9): tiny inline rule
// files, hand-made stays, results checked to the fen. Amounts in comments
// are yuan; expectations are fen.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "medsettle/engine.hpp"
#include "medsettle/plan.hpp"

using namespace medsettle;

namespace {

Date day(int y, unsigned m, unsigned d) { return Date::from_ymd(y, m, d); }
Fen yuan(std::int64_t y) { return Fen::from_yuan(y); }

/// Indents every line of `body` by eight spaces (the channel's keys).
std::string indent(std::string_view body) {
  std::string out;
  std::istringstream in{std::string(body)};
  std::string line;
  while (std::getline(in, line)) out += "        " + line + "\n";
  return out;
}

std::string channel(std::string_view id, std::string_view kind, std::string_view reports_as, std::string_view base,
                    std::string_view period, std::string_view body) {
  std::string s = "      - id: " + std::string(id) + "\n";
  s += "        name: " + std::string(id) + "\n";
  s += "        kind: " + std::string(kind) + "\n";
  s += "        fund_pay_type: \"390100\"\n";
  s += "        reports_as: " + std::string(reports_as) + "\n";
  s += "        base: " + std::string(base) + "\n";
  if (!period.empty()) s += "        period: " + std::string(period) + "\n";
  return s + indent(body);
}
std::string coins(std::string_view id, std::string_view body, std::string_view period = "stay",
                  std::string_view base = "[in_scope]", std::string_view reports_as = "hifp_pay") {
  return channel(id, "coinsurance", reports_as, base, period, body);
}
std::string cap(std::string_view id, std::string_view body, std::string_view period = "stay",
                std::string_view base = "[in_scope]", std::string_view reports_as = "oth_pay") {
  return channel(id, "cap", reports_as, base, period, body);
}
std::string grant(std::string_view id, std::string_view body, std::string_view base = "[in_scope]",
                  std::string_view reports_as = "oth_pay") {
  return channel(id, "grant", reports_as, base, "", body);
}

/// A rule file with one version from 2020-01-01; `top` goes before `versions`.
std::string rules(std::string_view channels, std::string_view top = "") {
  return "medsettle: 1\nid: t\nclass_b_selfpay: 0.10\n" + std::string(top) +
         "versions:\n  - from: 2020-01-01\n    channels:\n" + std::string(channels);
}

Plan load(const std::string& text) {
  try {
    return Plan::load_string(text, "t.yaml");
  } catch (const RuleFileError& e) {
    std::string all;
    for (const auto& d : e.diagnostics()) all += d.to_string() + "\n";
    ADD_FAILURE() << "rule file refused:\n" << all << text;
    throw;
  }
}

Buckets in_scope(Fen s) { return Buckets{s, Fen(0), Fen(0), Fen(0), s}; }
/// Buckets from the four parts; the total is their sum.
Buckets parts(Fen full_selfpay, Fen over_limit, Fen pre_selfpay, Fen in_scope_) {
  return Buckets{full_selfpay + over_limit + pre_selfpay + in_scope_, full_selfpay, over_limit, pre_selfpay, in_scope_};
}

Stay stay(std::string id, Buckets b, Date discharged = day(2020, 3, 10)) {
  Stay s;
  s.stay_id = std::move(id);
  s.person_id = "P1";
  s.age = 40;
  s.hospital_level = HospitalLevel::county;
  s.region = Region::in_county;
  s.admitted = s.discharged = discharged;
  s.diagnoses = {"J18.9"};
  s.buckets = b;
  return s;
}

Settlement run(const Plan& plan, const Stay& s, Ledger& ledger, const SettleOptions& options = {}) {
  Outcome o = settle(plan, s, ledger, options, 7);
  if (!o.settled()) {
    ADD_FAILURE() << "stay " << s.stay_id << " rejected: " << o.rejection().message;
    return Settlement{};
  }
  return std::move(o.settlement());
}

Settlement run1(const Plan& plan, const Stay& s) {
  Ledger ledger(plan);
  return run(plan, s, ledger);
}

/// The T = Σ paid + patient identity, and Σ taken = paid per channel.
void expect_conserved(const Settlement& s) {
  EXPECT_EQ(s.buckets.total, s.paid_total() + s.psn_part_amt);
  EXPECT_EQ(s.buckets.total, s.fund_pay_sumamt + s.hosp_part_amt + s.psn_part_amt);
  for (const auto& c : s.channels) {
    Fen t{};
    for (Fen x : c.taken) t += x;
    EXPECT_EQ(t, c.paid);
  }
}

}  // namespace

// ---- §6.1 coinsurance, period stay ---------------------------------------------------

TEST(EngineCoinsurance, StayPeriodDeductibleAndSingleRate) {
  Plan p = load(rules(coins("basic", "deductible: 500\nrate: 0.75")));
  Settlement s = run1(p, stay("S1", in_scope(yuan(10000))));
  const ChannelResult& c = s.channels.at(0);
  EXPECT_TRUE(c.eligible);
  EXPECT_EQ(c.base, yuan(10000));
  // D 500, rate 0.75: round(0.75 × (10000.00 − 500.00)) = 7125.00
  EXPECT_EQ(c.paid, Fen(712'500));
  EXPECT_EQ(c.computed, Fen(712'500));
  EXPECT_EQ(c.limiter, Limiter::none);
  // deductible applied: min(B, D) = 500.00
  EXPECT_EQ(c.deductible, Fen(50'000));
  EXPECT_EQ(c.taken[static_cast<std::size_t>(Bucket::in_scope)], Fen(712'500));
  // patient: 10000.00 − 7125.00 = 2875.00
  EXPECT_EQ(s.psn_part_amt, Fen(287'500));
  EXPECT_EQ(s.hifp_pay, Fen(712'500));
  EXPECT_EQ(s.act_pay_dedc, Fen(50'000));
  EXPECT_EQ(s.rules, "t");
  EXPECT_EQ(s.version, day(2020, 1, 1));
  EXPECT_EQ(s.digest, p.digest());
  ASSERT_EQ(s.bands.size(), 1u);
  EXPECT_EQ(s.bands[0].amount, yuan(9500));
  EXPECT_EQ(s.bands[0].rate, Rate(7500));
  expect_conserved(s);
}

TEST(EngineCoinsurance, BaseBelowTheDeductiblePaysNothing) {
  Plan p = load(rules(coins("basic", "deductible: 500\nrate: 0.75")));
  // B 300.00 < D 500.00: paid 0, deductible applied = B = 300.00
  Settlement s = run1(p, stay("S1", in_scope(yuan(300))));
  EXPECT_EQ(s.channels[0].paid, Fen(0));
  EXPECT_EQ(s.channels[0].deductible, Fen(30'000));
  EXPECT_EQ(s.psn_part_amt, yuan(300));
  EXPECT_TRUE(s.bands.empty());
  // B = D = 500.00: paid 0, deductible applied 500.00
  s = run1(p, stay("S2", in_scope(yuan(500))));
  EXPECT_EQ(s.channels[0].paid, Fen(0));
  EXPECT_EQ(s.channels[0].deductible, Fen(50'000));
  // B 500.01: round(0.75 × 0.01) = round(0.75 fen) = 1 fen
  s = run1(p, stay("S3", in_scope(Fen(50'001))));
  EXPECT_EQ(s.channels[0].paid, Fen(1));
  // B 0: nothing at all
  s = run1(p, stay("S4", in_scope(Fen(0))));
  EXPECT_EQ(s.channels[0].paid, Fen(0));
  EXPECT_EQ(s.channels[0].deductible, Fen(0));
}

TEST(EngineCoinsurance, NoDeductibleMeansZero) {
  Plan p = load(rules(coins("basic", "rate: 0.5")));
  // D defaults to 0: round(0.5 × 123.45) = round(61.725) = 61.73 (half_up)
  Settlement s = run1(p, stay("S1", in_scope(Fen(12'345))));
  EXPECT_EQ(s.channels[0].deductible, Fen(0));
  EXPECT_EQ(s.channels[0].paid, Fen(6'173));
}

TEST(EngineCoinsurance, BandsWithSeveralSteps) {
  Plan p = load(rules(coins("ci",
                            "deductible: 1000\n"
                            "bands:\n"
                            "  - {upto: 2000, rate: 0.5}\n"
                            "  - {upto: 5000, rate: 0.6}\n"
                            "  - {rate: 0.8}")));
  // B 10000: above D 9000 = 2000 @0.5 + 3000 @0.6 + 4000 @0.8 = 1000 + 1800 + 3200 = 6000.00
  Settlement s = run1(p, stay("S1", in_scope(yuan(10000))));
  EXPECT_EQ(s.channels[0].paid, yuan(6000));
  ASSERT_EQ(s.bands.size(), 3u);
  EXPECT_EQ(s.bands[0].amount, yuan(2000));
  EXPECT_EQ(s.bands[1].amount, yuan(3000));
  EXPECT_EQ(s.bands[2].amount, yuan(4000));
  EXPECT_EQ(s.bands[2].rate, Rate(8000));
  // B 2500: above D 1500, all in band 1: 0.5 × 1500 = 750.00
  EXPECT_EQ(run1(p, stay("S2", in_scope(yuan(2500)))).channels[0].paid, yuan(750));
  // B 4000: above D 3000 = 2000 @0.5 + 1000 @0.6 = 1600.00
  EXPECT_EQ(run1(p, stay("S3", in_scope(yuan(4000)))).channels[0].paid, yuan(1600));
  // B 3000.01: 2000 @0.5 + 0.01 @0.6 = 1000.006 -> 1000.01
  EXPECT_EQ(run1(p, stay("S4", in_scope(Fen(300'001)))).channels[0].paid, Fen(100'001));
  // B 6000 exactly at the second band's top: 1000 + 1800 = 2800.00
  EXPECT_EQ(run1(p, stay("S5", in_scope(yuan(6000)))).channels[0].paid, yuan(2800));
}

// ---- §6.1 coinsurance, period year -----------------------------------------------------

TEST(EngineCoinsurance, YearPeriodAcrossStaysWithTheSameLedger) {
  Plan p = load(rules(coins("ci",
                            "deductible: 1000\n"
                            "bands:\n"
                            "  - {upto: 2000, rate: 0.5}\n"
                            "  - {rate: 0.7}",
                            "year", "[in_scope]", "hifmi_pay")));
  Ledger ledger(p);
  const std::size_t slot = *p.slot_of("ci");
  // Stay 1, B 600: acc 0 -> 600, G(600) − G(0) = 0; deductible applied min(600, 1000) − min(0, 1000) = 600.00
  Settlement s1 = run(p, stay("S1", in_scope(yuan(600)), day(2020, 2, 1)), ledger);
  EXPECT_EQ(s1.channels[0].paid, Fen(0));
  EXPECT_EQ(s1.channels[0].deductible, yuan(600));
  EXPECT_EQ(ledger.get(2020, slot).accumulated, yuan(600));
  // Stay 2, B 2000: acc 600 -> 2600, G(2600) − G(600) = 0.5 × 1600 − 0 = 800.00;
  //   deductible applied min(2600, 1000) − min(600, 1000) = 400.00
  Settlement s2 = run(p, stay("S2", in_scope(yuan(2000)), day(2020, 3, 1)), ledger);
  EXPECT_EQ(s2.channels[0].paid, yuan(800));
  EXPECT_EQ(s2.channels[0].deductible, yuan(400));
  // Stay 3, B 1000: acc 2600 -> 3600, G(3600) − G(2600) = (0.5 × 2000 + 0.7 × 600) − 800 = 1420 − 800 = 620.00;
  //   deductible applied 1000 − 1000 = 0
  Settlement s3 = run(p, stay("S3", in_scope(yuan(1000)), day(2020, 4, 1)), ledger);
  EXPECT_EQ(s3.channels[0].paid, yuan(620));
  EXPECT_EQ(s3.channels[0].deductible, Fen(0));
  // Band shares of stay 3: above D, 1600 -> 2600: band 1 (up to 2000) gets 400, band 2 gets 600
  ASSERT_EQ(s3.bands.size(), 2u);
  EXPECT_EQ(s3.bands[0].amount, yuan(400));
  EXPECT_EQ(s3.bands[1].amount, yuan(600));
  // Ledger: accumulated 600 + 2000 + 1000 = 3600.00, paid 0 + 800 + 620 = 1420.00
  EXPECT_EQ(ledger.get(2020, slot).accumulated, yuan(3600));
  EXPECT_EQ(ledger.get(2020, slot).paid, yuan(1420));
  // act_pay_dedc only counts hifp_pay channels: this one reports as hifmi_pay.
  EXPECT_EQ(s1.act_pay_dedc, Fen(0));
  EXPECT_EQ(s2.hifmi_pay, yuan(800));
}

TEST(EngineCoinsurance, YearPeriodRoundsTheDifferenceOfExactPayouts) {
  Plan p = load(rules(coins("ci", "rate: 0.3333", "year")));
  Ledger ledger(p);
  // Stay 1, B 0.01: round(0.3333 fen) = 0; stay 2, B 0.01: G(0.02) − G(0.01) = 0.6666 − 0.3333 = 0.3333 fen -> 0;
  // stay 3, B 0.02: G(0.04) − G(0.02) = 1.3332 − 0.6666 = 0.6666 fen -> 1 fen
  EXPECT_EQ(run(p, stay("S1", in_scope(Fen(1)), day(2020, 2, 1)), ledger).channels[0].paid, Fen(0));
  EXPECT_EQ(run(p, stay("S2", in_scope(Fen(1)), day(2020, 3, 1)), ledger).channels[0].paid, Fen(0));
  EXPECT_EQ(run(p, stay("S3", in_scope(Fen(2)), day(2020, 4, 1)), ledger).channels[0].paid, Fen(1));
}

// ---- caps ----------------------------------------------------------------------------------------

TEST(EngineCaps, CapStay) {
  Plan p = load(rules(coins("basic", "rate: 0.9\ncap_stay: 1000")));
  // round(0.9 × 5000.00) = 4500.00, cap_stay 1000.00 -> 1000.00
  Settlement s = run1(p, stay("S1", in_scope(yuan(5000))));
  EXPECT_EQ(s.channels[0].computed, yuan(4500));
  EXPECT_EQ(s.channels[0].paid, yuan(1000));
  EXPECT_EQ(s.channels[0].limiter, Limiter::cap_stay);
  // Under the cap: 0.9 × 1000.00 = 900.00
  s = run1(p, stay("S2", in_scope(yuan(1000))));
  EXPECT_EQ(s.channels[0].paid, yuan(900));
  EXPECT_EQ(s.channels[0].limiter, Limiter::none);
}

TEST(EngineCaps, CapYearWithPaidCarriedInTheLedger) {
  Plan p = load(rules(coins("ci", "rate: 0.5\ncap_year: 3000", "year")));
  Ledger ledger(p);
  const std::size_t slot = *p.slot_of("ci");
  // Stay 1, B 4000: 0.5 × 4000 = 2000.00; room 3000 − 0
  Settlement s1 = run(p, stay("S1", in_scope(yuan(4000)), day(2020, 2, 1)), ledger);
  EXPECT_EQ(s1.channels[0].paid, yuan(2000));
  EXPECT_EQ(ledger.get(2020, slot).paid, yuan(2000));
  // Stay 2, B 4000: G(8000) − G(4000) = 2000.00; room max(0, 3000 − 2000) = 1000.00
  Settlement s2 = run(p, stay("S2", in_scope(yuan(4000)), day(2020, 3, 1)), ledger);
  EXPECT_EQ(s2.channels[0].computed, yuan(2000));
  EXPECT_EQ(s2.channels[0].paid, yuan(1000));
  EXPECT_EQ(s2.channels[0].limiter, Limiter::cap_year);
  // Stay 3: room 0
  Settlement s3 = run(p, stay("S3", in_scope(yuan(4000)), day(2020, 4, 1)), ledger);
  EXPECT_EQ(s3.channels[0].paid, Fen(0));
  EXPECT_EQ(ledger.get(2020, slot).paid, yuan(3000));
  EXPECT_EQ(ledger.get(2020, slot).accumulated, yuan(12000));
  // A new year, a new cap: 0.5 × 4000 = 2000.00
  Settlement s4 = run(p, stay("S4", in_scope(yuan(4000)), day(2021, 1, 2)), ledger);
  EXPECT_EQ(s4.channels[0].paid, yuan(2000));
}

TEST(EngineCaps, CapYearOnAStayPeriodChannelUsesTheYearsPaid) {
  Plan p = load(rules(coins("basic", "deductible: 100\nrate: 0.8\ncap_year: 1000")));
  Ledger ledger(p);
  const std::size_t slot = *p.slot_of("basic");
  // Stay 1, B 1100: 0.8 × (1100 − 100) = 800.00; room 1000
  EXPECT_EQ(run(p, stay("S1", in_scope(yuan(1100)), day(2020, 2, 1)), ledger).channels[0].paid, yuan(800));
  // Stay 2, same: computed 800.00 (the deductible again: period stay), room 1000 − 800 = 200.00
  Settlement s2 = run(p, stay("S2", in_scope(yuan(1100)), day(2020, 3, 1)), ledger);
  EXPECT_EQ(s2.channels[0].computed, yuan(800));
  EXPECT_EQ(s2.channels[0].deductible, yuan(100));
  EXPECT_EQ(s2.channels[0].paid, yuan(200));
  EXPECT_EQ(s2.channels[0].limiter, Limiter::cap_year);
  // Stay 3: room 0
  EXPECT_EQ(run(p, stay("S3", in_scope(yuan(1100)), day(2020, 4, 1)), ledger).channels[0].paid, Fen(0));
  EXPECT_EQ(ledger.get(2020, slot).paid, yuan(1000));
  EXPECT_EQ(ledger.get(2020, slot).accumulated, Fen(0));  // a stay channel accumulates nothing
}

TEST(EngineCaps, CapStayThenCapYear) {
  Plan p = load(rules(coins("basic", "rate: 1\ncap_stay: 700\ncap_year: 1000")));
  Ledger ledger(p);
  // Stay 1, B 2000: 2000 -> cap_stay 700.00; room 1000
  EXPECT_EQ(run(p, stay("S1", in_scope(yuan(2000)), day(2020, 2, 1)), ledger).channels[0].paid, yuan(700));
  // Stay 2: 2000 -> 700 -> room 1000 − 700 = 300.00
  Settlement s2 = run(p, stay("S2", in_scope(yuan(2000)), day(2020, 3, 1)), ledger);
  EXPECT_EQ(s2.channels[0].paid, yuan(300));
  EXPECT_EQ(s2.channels[0].limiter, Limiter::cap_year);
}

// ---- rounding ------------------------------------------------------------------------------------

TEST(EngineRounding, HalfUpAndHalfEvenOnAnExactHalfFen) {
  Plan up = load(rules(coins("basic", "rate: 0.5")));
  Plan even = load(rules(coins("basic", "rate: 0.5"), "rounding: half_even\n"));
  EXPECT_EQ(up.rounding(), Rounding::half_up);
  EXPECT_EQ(even.rounding(), Rounding::half_even);
  // B 1.01: 0.5 × 101 fen = 50.5 fen: half_up 51, half_even 50
  EXPECT_EQ(run1(up, stay("S1", in_scope(Fen(101)))).channels[0].paid, Fen(51));
  EXPECT_EQ(run1(even, stay("S1", in_scope(Fen(101)))).channels[0].paid, Fen(50));
  // B 1.03: 51.5 fen: 52 both ways
  EXPECT_EQ(run1(up, stay("S2", in_scope(Fen(103)))).channels[0].paid, Fen(52));
  EXPECT_EQ(run1(even, stay("S2", in_scope(Fen(103)))).channels[0].paid, Fen(52));
  // B 1.05: 52.5 fen: half_up 53, half_even 52
  EXPECT_EQ(run1(up, stay("S3", in_scope(Fen(105)))).channels[0].paid, Fen(53));
  EXPECT_EQ(run1(even, stay("S3", in_scope(Fen(105)))).channels[0].paid, Fen(52));
}

TEST(EngineRounding, FractionLimitFollowsTheMode) {
  const std::string c = cap("backstop", "limit: {fraction: 0.5, of: in_scope}");
  Plan up = load(rules(c));
  Plan even = load(rules(c, "rounding: half_even\n"));
  // S 10.01: L = 0.5 × 1001 fen = 500.5 fen: half_up 501 -> X = 1001 − 501 = 500; half_even 500 -> X = 501
  EXPECT_EQ(run1(up, stay("S1", in_scope(Fen(1001)))).channels[0].paid, Fen(500));
  EXPECT_EQ(run1(even, stay("S1", in_scope(Fen(1001)))).channels[0].paid, Fen(501));
}

// ---- values per hospital level ------------------------------------------------------------------------

TEST(EngineLevels, ValuesPerHospitalLevel) {
  Plan p = load(rules(coins("basic",
                            "deductible: {village: 100, township: 200, county: 500, city: 800, province: 1500}\n"
                            "rate:\n"
                            "  village: 0.85\n"
                            "  township: 0.85\n"
                            "  county: 0.75\n"
                            "  city: 0.60\n"
                            "  province: 0.50")));
  struct Case {
    HospitalLevel level;
    Fen deductible, paid;
  } cases[] = {
      {HospitalLevel::village, yuan(100), yuan(8415)},    // 0.85 × (10000 − 100) = 8415.00
      {HospitalLevel::township, yuan(200), yuan(8330)},   // 0.85 × (10000 − 200) = 8330.00
      {HospitalLevel::county, yuan(500), yuan(7125)},     // 0.75 × (10000 − 500) = 7125.00
      {HospitalLevel::city, yuan(800), yuan(5520)},       // 0.60 × (10000 − 800) = 5520.00
      {HospitalLevel::province, yuan(1500), yuan(4250)},  // 0.50 × (10000 − 1500) = 4250.00
  };
  for (const auto& c : cases) {
    Stay s = stay("S", in_scope(yuan(10000)));
    s.hospital_level = c.level;
    Settlement r = run1(p, s);
    EXPECT_EQ(r.channels[0].deductible, c.deductible) << name(c.level);
    EXPECT_EQ(r.channels[0].paid, c.paid) << name(c.level);
  }
}

TEST(EngineLevels, BandLimitsAndCapsPerLevel) {
  Plan p = load(rules(coins("basic",
                            "bands:\n"
                            "  - {upto: {village: 100, township: 100, county: 1000, city: 1000, province: 1000}, rate: 0.5}\n"
                            "  - {rate: 1}\n"
                            "cap_stay: {village: 50, township: 50, county: 5000, city: 5000, province: 200}")));
  Stay s = stay("S", in_scope(yuan(2000)));
  // county: 0.5 × 1000 + 1 × 1000 = 1500.00 (cap 5000)
  EXPECT_EQ(run1(p, s).channels[0].paid, yuan(1500));
  // village: 0.5 × 100 + 1 × 1900 = 1950.00, cap_stay 50.00
  s.hospital_level = HospitalLevel::village;
  EXPECT_EQ(run1(p, s).channels[0].computed, yuan(1950));
  EXPECT_EQ(run1(p, s).channels[0].paid, yuan(50));
  // province: 1500.00, cap_stay 200.00
  s.hospital_level = HospitalLevel::province;
  EXPECT_EQ(run1(p, s).channels[0].paid, yuan(200));
}

// ---- adjustments ------------------------------------------------------------------------------------------

namespace {
Stay dibao_stay(std::string id, Buckets b) {
  Stay s = stay(std::move(id), b);
  s.identities = bit(Identity::dibao);
  return s;
}
}  // namespace

TEST(EngineAdjustments, RateAddClipsAtOne) {
  Plan p = load(rules(coins("basic",
                            "deductible: 100\nrate: 0.95\n"
                            "adjustments:\n"
                            "  - when: {identity: dibao}\n"
                            "    rate_add: 0.10")));
  // dibao: clip(0.95 + 0.10) = 1: 1 × (1000 − 100) = 900.00 (not 1.05 × 900 = 945.00)
  EXPECT_EQ(run1(p, dibao_stay("S1", in_scope(yuan(1000)))).channels[0].paid, yuan(900));
  // otherwise: 0.95 × 900 = 855.00
  EXPECT_EQ(run1(p, stay("S2", in_scope(yuan(1000)))).channels[0].paid, yuan(855));
}

TEST(EngineAdjustments, ClipIsAppliedAfterEachAdjustment) {
  Plan top = load(rules(coins("basic",
                              "deductible: 100\nrate: 0.95\n"
                              "adjustments:\n"
                              "  - when: {identity: dibao}\n"
                              "    rate_add: 0.10\n"
                              "  - when: {identity: dibao}\n"
                              "    rate_add: -0.10")));
  // clip(0.95 + 0.10) = 1, then clip(1 − 0.10) = 0.90: 0.90 × 900 = 810.00 (not 0.95 × 900 = 855.00)
  EXPECT_EQ(run1(top, dibao_stay("S1", in_scope(yuan(1000)))).channels[0].paid, yuan(810));
  Plan bottom = load(rules(coins("basic",
                                 "deductible: 100\nrate: 0.05\n"
                                 "adjustments:\n"
                                 "  - when: {identity: dibao}\n"
                                 "    rate_add: -0.10\n"
                                 "  - when: {identity: dibao}\n"
                                 "    rate_add: 0.10")));
  // clip(0.05 − 0.10) = 0, then 0 + 0.10 = 0.10: 0.10 × 900 = 90.00 (not 0.05 × 900 = 45.00)
  EXPECT_EQ(run1(bottom, dibao_stay("S1", in_scope(yuan(1000)))).channels[0].paid, yuan(90));
}

TEST(EngineAdjustments, RateAddClipsAtZero) {
  Plan p = load(rules(coins("basic",
                            "rate: 0.05\n"
                            "adjustments:\n"
                            "  - when: {identity: dibao}\n"
                            "    rate_add: -0.10")));
  // clip(0.05 − 0.10) = 0: paid 0
  Settlement s = run1(p, dibao_stay("S1", in_scope(yuan(1000))));
  EXPECT_EQ(s.channels[0].paid, Fen(0));
  EXPECT_EQ(s.channels[0].computed, Fen(0));
}

TEST(EngineAdjustments, RateAddChangesEveryBand) {
  Plan p = load(rules(coins("basic",
                            "bands:\n  - {upto: 1000, rate: 0.5}\n  - {rate: 0.95}\n"
                            "adjustments:\n"
                            "  - when: {identity: dibao}\n"
                            "    rate_add: 0.1")));
  // 0.6 × 1000 + clip(1.05) = 1 × 1000 = 1600.00
  EXPECT_EQ(run1(p, dibao_stay("S1", in_scope(yuan(2000)))).channels[0].paid, yuan(1600));
}

TEST(EngineAdjustments, RateSetSetsEveryBand) {
  Plan p = load(rules(coins("ci",
                            "bands:\n  - {upto: 2000, rate: 0.5}\n  - {rate: 0.6}\n"
                            "adjustments:\n"
                            "  - when: {identity: dibao}\n"
                            "    rate_set: 0.9")));
  // dibao: 0.9 × 5000 = 4500.00; otherwise 0.5 × 2000 + 0.6 × 3000 = 2800.00
  EXPECT_EQ(run1(p, dibao_stay("S1", in_scope(yuan(5000)))).channels[0].paid, yuan(4500));
  EXPECT_EQ(run1(p, stay("S2", in_scope(yuan(5000)))).channels[0].paid, yuan(2800));
}

TEST(EngineAdjustments, RateAddThenRateSetVersusRateSetThenRateAdd) {
  Plan add_set = load(rules(coins("basic",
                                  "rate: 0.5\n"
                                  "adjustments:\n"
                                  "  - when: {identity: dibao}\n"
                                  "    rate_add: 0.1\n"
                                  "  - when: {identity: dibao}\n"
                                  "    rate_set: 0.6")));
  Plan set_add = load(rules(coins("basic",
                                  "rate: 0.5\n"
                                  "adjustments:\n"
                                  "  - when: {identity: dibao}\n"
                                  "    rate_set: 0.6\n"
                                  "  - when: {identity: dibao}\n"
                                  "    rate_add: 0.1")));
  // rate_add then rate_set: 0.6 × 1000 = 600.00; rate_set then rate_add: 0.7 × 1000 = 700.00
  EXPECT_EQ(run1(add_set, dibao_stay("S1", in_scope(yuan(1000)))).channels[0].paid, yuan(600));
  EXPECT_EQ(run1(set_add, dibao_stay("S1", in_scope(yuan(1000)))).channels[0].paid, yuan(700));
}

TEST(EngineAdjustments, AnAdjustmentWhoseConditionFailsDoesNothing) {
  Plan p = load(rules(coins("basic",
                            "rate: 0.5\n"
                            "adjustments:\n"
                            "  - when: {identity: tekun}\n"
                            "    rate_set: 0.9\n"
                            "  - when: {identity: dibao}\n"
                            "    rate_add: 0.1")));
  // dibao only: 0.6 × 1000 = 600.00
  EXPECT_EQ(run1(p, dibao_stay("S1", in_scope(yuan(1000)))).channels[0].paid, yuan(600));
}

TEST(EngineAdjustments, DeductibleScaleIsRounded) {
  const std::string c = coins("basic",
                              "deductible: 333.33\nrate: 1\n"
                              "adjustments:\n"
                              "  - when: {identity: dibao}\n"
                              "    deductible_scale: 0.5");
  Plan up = load(rules(c));
  Plan even = load(rules(c, "rounding: half_even\n"));
  // D = round(333.33 × 0.5) = round(166.665): half_up 166.67, half_even 166.66
  Settlement a = run1(up, dibao_stay("S1", in_scope(yuan(1000))));
  EXPECT_EQ(a.channels[0].deductible, Fen(16'667));
  EXPECT_EQ(a.channels[0].paid, Fen(100'000 - 16'667));  // 1 × (1000.00 − 166.67) = 833.33
  Settlement b = run1(even, dibao_stay("S1", in_scope(yuan(1000))));
  EXPECT_EQ(b.channels[0].deductible, Fen(16'666));
  EXPECT_EQ(b.channels[0].paid, Fen(100'000 - 16'666));  // 833.34
}

TEST(EngineAdjustments, DeductibleSet) {
  Plan p = load(rules(coins("basic",
                            "deductible: 500\nrate: 0.75\n"
                            "adjustments:\n"
                            "  - when: {identity: dibao}\n"
                            "    deductible_set: 100")));
  // round(0.75 × (10000 − 100)) = 7425.00; deductible applied 100.00
  Settlement s = run1(p, dibao_stay("S1", in_scope(yuan(10000))));
  EXPECT_EQ(s.channels[0].paid, yuan(7425));
  EXPECT_EQ(s.channels[0].deductible, yuan(100));
}

TEST(EngineAdjustments, CapYearSetNoneAndAmount) {
  Plan p = load(rules(coins("basic",
                            "rate: 0.5\ncap_year: 100\n"
                            "adjustments:\n"
                            "  - when: {identity: dibao}\n"
                            "    cap_year_set: none\n"
                            "  - when: {identity: tekun}\n"
                            "    cap_year_set: 200")));
  // no adjustment: 0.5 × 1000 = 500 -> cap_year 100.00
  EXPECT_EQ(run1(p, stay("S0", in_scope(yuan(1000)))).channels[0].paid, yuan(100));
  // dibao: no cap: 500.00
  Settlement s = run1(p, dibao_stay("S1", in_scope(yuan(1000))));
  EXPECT_EQ(s.channels[0].paid, yuan(500));
  EXPECT_EQ(s.channels[0].limiter, Limiter::none);
  // tekun: cap 200.00
  Stay t = stay("S2", in_scope(yuan(1000)));
  t.identities = bit(Identity::tekun);
  EXPECT_EQ(run1(p, t).channels[0].paid, yuan(200));
}

TEST(EngineAdjustments, CapStaySet) {
  Plan p = load(rules(coins("basic",
                            "rate: 1\n"
                            "adjustments:\n"
                            "  - when: {identity: dibao}\n"
                            "    cap_stay_set: 200\n"
                            "  - when: {identity: tekun}\n"
                            "    cap_stay_set: none")));
  // no cap_stay: 1000.00; dibao: cap_stay 200.00
  EXPECT_EQ(run1(p, stay("S0", in_scope(yuan(1000)))).channels[0].paid, yuan(1000));
  Settlement s = run1(p, dibao_stay("S1", in_scope(yuan(1000))));
  EXPECT_EQ(s.channels[0].paid, yuan(200));
  EXPECT_EQ(s.channels[0].limiter, Limiter::cap_stay);
  // dibao and tekun: set to 200, then to none: 1000.00
  Stay t = dibao_stay("S2", in_scope(yuan(1000)));
  t.identities |= bit(Identity::tekun);
  EXPECT_EQ(run1(p, t).channels[0].paid, yuan(1000));
}

TEST(EngineAdjustments, LimitSet) {
  Plan p = load(rules(cap("backstop",
                          "limit: 5000\n"
                          "adjustments:\n"
                          "  - when: {identity: dibao}\n"
                          "    limit_set: 1000\n"
                          "  - when: {identity: tekun}\n"
                          "    limit_set: {fraction: 0.1, of: total}")));
  // no adjustment: B 3000, L 5000: X = max(0, 3000 − 5000) = 0
  EXPECT_EQ(run1(p, stay("S0", in_scope(yuan(3000)))).channels[0].paid, Fen(0));
  // dibao: L 1000: X = 3000 − 1000 = 2000.00
  EXPECT_EQ(run1(p, dibao_stay("S1", in_scope(yuan(3000)))).channels[0].paid, yuan(2000));
  // tekun: L = round(0.1 × 3000.00) = 300.00: X = 2700.00
  Stay t = stay("S2", in_scope(yuan(3000)));
  t.identities = bit(Identity::tekun);
  EXPECT_EQ(run1(p, t).channels[0].paid, yuan(2700));
}

TEST(EngineAdjustments, LimitSetPerLevel) {
  Plan p = load(rules(cap("backstop",
                          "limit: 5000\n"
                          "adjustments:\n"
                          "  - when: {identity: dibao}\n"
                          "    limit_set: {village: 10, township: 20, county: 30, city: 40, province: 50}")));
  Stay s = dibao_stay("S1", in_scope(yuan(100)));
  s.hospital_level = HospitalLevel::city;
  // L 40: X = 100 − 40 = 60.00
  EXPECT_EQ(run1(p, s).channels[0].paid, yuan(60));
}

// ---- eligibility ----------------------------------------------------------------------------------------------

TEST(EngineEligibility, NotEligibleChannelPaysNothingAndTouchesNoLedger) {
  Plan p = load(rules(coins("ci", "deductible: 100\nrate: 0.5\nwhen: {identity: dibao}", "year") +
                      grant("gift", "amount: 10\nonce_per: year\nwhen: {identity: dibao}")));
  Ledger ledger(p);
  Settlement s = run(p, stay("S1", in_scope(yuan(1000))), ledger);
  for (const auto& c : s.channels) {
    EXPECT_FALSE(c.eligible);
    EXPECT_EQ(c.base, Fen(0));
    EXPECT_EQ(c.deductible, Fen(0));
    EXPECT_EQ(c.paid, Fen(0));
  }
  EXPECT_EQ(s.psn_part_amt, yuan(1000));
  EXPECT_EQ(ledger.get(2020, *p.slot_of("ci")), ChannelLedger{});
  EXPECT_EQ(ledger.get(2020, *p.slot_of("gift")), ChannelLedger{});
  // The same person, now dibao: the ledger starts from 0:
  //   ci: acc 0 -> 1000, 0.5 × (1000 − 100) = 450.00, deductible applied 100.00
  Settlement s2 = run(p, dibao_stay("S2", in_scope(yuan(1000))), ledger);
  EXPECT_EQ(s2.channels[0].paid, yuan(450));
  EXPECT_EQ(s2.channels[0].deductible, yuan(100));
  EXPECT_EQ(s2.channels[1].paid, yuan(10));
  EXPECT_EQ(ledger.get(2020, *p.slot_of("ci")).accumulated, yuan(1000));
  EXPECT_EQ(ledger.get(2020, *p.slot_of("gift")).grants, 1);
}

// ---- conditions (§9) ----------------------------------------------------------------------------------------------

namespace {

const std::string kGroups =
    "identity_sets:\n"
    "  poor: [registered_poor, dibao]\n"
    "disease_groups:\n"
    "  oesophagus: [C15, n18.5]\n"
    "  cancer: [C00-C97]\n"
    "  child: [{code: C91.0, max_age: 17}, Q21]\n";

/// Whether a channel with `when: <cond>` is eligible for the stay.
bool eligible(std::string_view cond, const Stay& s) {
  Plan p = load(rules(grant("g", "amount: 1\nonce_per: stay\nwhen: " + std::string(cond)), kGroups));
  Settlement r = run1(p, s);
  return !r.channels.empty() && r.channels[0].eligible;
}

Stay base_stay() { return stay("S", in_scope(yuan(100))); }
Stay with_identity(IdentitySet ids) {
  Stay s = base_stay();
  s.identities = ids;
  return s;
}
Stay with_diagnoses(std::vector<std::string> dx, int age = 40) {
  Stay s = base_stay();
  s.diagnoses = std::move(dx);
  s.age = age;
  return s;
}

}  // namespace

TEST(EngineConditions, Identity) {
  EXPECT_TRUE(eligible("{identity: dibao}", with_identity(bit(Identity::dibao))));
  EXPECT_FALSE(eligible("{identity: dibao}", with_identity(bit(Identity::tekun))));
  EXPECT_FALSE(eligible("{identity: dibao}", with_identity(0)));
  EXPECT_TRUE(eligible("{identity: dibao}", with_identity(bit(Identity::dibao) | bit(Identity::tekun))));
  EXPECT_TRUE(eligible("{identity: [dibao, tekun]}", with_identity(bit(Identity::tekun))));
  EXPECT_FALSE(eligible("{identity: [dibao, tekun]}", with_identity(bit(Identity::marginal))));
}

TEST(EngineConditions, IdentitySet) {
  EXPECT_TRUE(eligible("{identity: poor}", with_identity(bit(Identity::registered_poor))));
  EXPECT_TRUE(eligible("{identity: poor}", with_identity(bit(Identity::dibao))));
  EXPECT_FALSE(eligible("{identity: poor}", with_identity(bit(Identity::marginal))));
  EXPECT_TRUE(eligible("{identity: [poor, marginal]}", with_identity(bit(Identity::marginal))));
}

TEST(EngineConditions, HospitalLevelRegionInsurance) {
  Stay s = base_stay();
  s.hospital_level = HospitalLevel::county;
  EXPECT_TRUE(eligible("{hospital_level: [county, city]}", s));
  s.hospital_level = HospitalLevel::province;
  EXPECT_FALSE(eligible("{hospital_level: [county, city]}", s));
  EXPECT_TRUE(eligible("{hospital_level: province}", s));

  s.region = Region::in_county;
  EXPECT_TRUE(eligible("{region: in_county}", s));
  s.region = Region::out_of_province;
  EXPECT_FALSE(eligible("{region: in_county}", s));
  EXPECT_TRUE(eligible("{region: [in_province, out_of_province]}", s));

  s.insurance = Insurance::employee;
  EXPECT_TRUE(eligible("{insurance: employee}", s));
  EXPECT_FALSE(eligible("{insurance: resident}", s));
  s.insurance = Insurance::resident;
  EXPECT_TRUE(eligible("{insurance: resident}", s));
}

TEST(EngineConditions, CategoryAndAbsentCategory) {
  Stay s = base_stay();
  s.category = Category::I;
  EXPECT_TRUE(eligible("{category: [I, II]}", s));
  s.category = Category::III;
  EXPECT_FALSE(eligible("{category: [I, II]}", s));
  EXPECT_TRUE(eligible("{category: III}", s));
  // An absent category never matches, whatever is listed...
  s.category = Category::none;
  EXPECT_FALSE(eligible("{category: [I, II, III]}", s));
  // ...so its negation holds.
  EXPECT_TRUE(eligible("{not: {category: [I, II, III]}}", s));
}

TEST(EngineConditions, AgeBoundsAreInclusive) {
  auto aged = [](int age) {
    Stay s = base_stay();
    s.age = age;
    return s;
  };
  EXPECT_FALSE(eligible("{age: {min: 18, max: 60}}", aged(17)));
  EXPECT_TRUE(eligible("{age: {min: 18, max: 60}}", aged(18)));
  EXPECT_TRUE(eligible("{age: {min: 18, max: 60}}", aged(60)));
  EXPECT_FALSE(eligible("{age: {min: 18, max: 60}}", aged(61)));
  EXPECT_TRUE(eligible("{age: {min: 65}}", aged(65)));
  EXPECT_FALSE(eligible("{age: {min: 65}}", aged(64)));
  EXPECT_TRUE(eligible("{age: {min: 65}}", aged(150)));
  EXPECT_TRUE(eligible("{age: {max: 17}}", aged(0)));
  EXPECT_FALSE(eligible("{age: {max: 17}}", aged(18)));
}

TEST(EngineConditions, PrincipalVersusAnyDiagnosis) {
  Stay second = with_diagnoses({"J18.9", "C15.9"});
  EXPECT_FALSE(eligible("{principal_diagnosis: oesophagus}", second));
  EXPECT_TRUE(eligible("{any_diagnosis: oesophagus}", second));
  Stay first = with_diagnoses({"C15.9", "J18.9"});
  EXPECT_TRUE(eligible("{principal_diagnosis: oesophagus}", first));
  EXPECT_TRUE(eligible("{any_diagnosis: oesophagus}", first));
  EXPECT_FALSE(eligible("{any_diagnosis: oesophagus}", with_diagnoses({"J18.9", "I21"})));
  // A list of groups: one of them.
  EXPECT_TRUE(eligible("{principal_diagnosis: [child, oesophagus]}", first));
}

TEST(EngineConditions, PrefixMatchingIgnoresCase) {
  EXPECT_TRUE(eligible("{principal_diagnosis: oesophagus}", with_diagnoses({"c15.9"})));
  EXPECT_TRUE(eligible("{principal_diagnosis: oesophagus}", with_diagnoses({"C15"})));
  EXPECT_TRUE(eligible("{principal_diagnosis: oesophagus}", with_diagnoses({"C150"})));  // starts with C15
  EXPECT_FALSE(eligible("{principal_diagnosis: oesophagus}", with_diagnoses({"C16.0"})));
  EXPECT_FALSE(eligible("{principal_diagnosis: oesophagus}", with_diagnoses({"C1"})));
  // The entry is written n18.5 in the rule file.
  EXPECT_TRUE(eligible("{principal_diagnosis: oesophagus}", with_diagnoses({"N18.5"})));
  EXPECT_TRUE(eligible("{principal_diagnosis: oesophagus}", with_diagnoses({"n18.51"})));
  EXPECT_FALSE(eligible("{principal_diagnosis: oesophagus}", with_diagnoses({"N18.4"})));
  EXPECT_FALSE(eligible("{principal_diagnosis: oesophagus}", with_diagnoses({"N18"})));
}

TEST(EngineConditions, ThreeCharacterRange) {
  EXPECT_TRUE(eligible("{principal_diagnosis: cancer}", with_diagnoses({"C97.1"})));
  EXPECT_TRUE(eligible("{principal_diagnosis: cancer}", with_diagnoses({"C00"})));
  EXPECT_TRUE(eligible("{principal_diagnosis: cancer}", with_diagnoses({"c50.9"})));
  EXPECT_FALSE(eligible("{principal_diagnosis: cancer}", with_diagnoses({"D00"})));
  EXPECT_FALSE(eligible("{principal_diagnosis: cancer}", with_diagnoses({"C98.0"})));
  EXPECT_FALSE(eligible("{principal_diagnosis: cancer}", with_diagnoses({"B99"})));
}

TEST(EngineConditions, MaxAgeOnAnEntry) {
  EXPECT_TRUE(eligible("{principal_diagnosis: child}", with_diagnoses({"C91.0"}, 17)));
  EXPECT_FALSE(eligible("{principal_diagnosis: child}", with_diagnoses({"C91.0"}, 18)));
  // The other entry of the group has no age bound.
  EXPECT_TRUE(eligible("{principal_diagnosis: child}", with_diagnoses({"Q21.1"}, 60)));
  // The age bound is the entry's, not the group's: another group still matches.
  EXPECT_TRUE(eligible("{principal_diagnosis: cancer}", with_diagnoses({"C91.0"}, 18)));
}

TEST(EngineConditions, Flag) {
  Stay s = base_stay();
  EXPECT_FALSE(eligible("{flag: transplant}", s));
  s.flags = bit(Flag::transplant);
  EXPECT_TRUE(eligible("{flag: transplant}", s));
  EXPECT_FALSE(eligible("{flag: first_diagnosis}", s));
  EXPECT_TRUE(eligible("{flag: [first_diagnosis, transplant]}", s));
}

TEST(EngineConditions, AllAnyNotAndSeveralTestsInOneMap) {
  Stay s = with_identity(bit(Identity::dibao));
  s.hospital_level = HospitalLevel::county;
  EXPECT_TRUE(eligible("{all: [{identity: dibao}, {hospital_level: county}]}", s));
  EXPECT_FALSE(eligible("{all: [{identity: dibao}, {hospital_level: city}]}", s));
  EXPECT_TRUE(eligible("{any: [{identity: tekun}, {hospital_level: county}]}", s));
  EXPECT_FALSE(eligible("{any: [{identity: tekun}, {hospital_level: city}]}", s));
  EXPECT_FALSE(eligible("{not: {identity: dibao}}", s));
  EXPECT_TRUE(eligible("{not: {identity: tekun}}", s));
  // Several tests in one map must all hold.
  EXPECT_TRUE(eligible("{identity: dibao, hospital_level: county}", s));
  EXPECT_FALSE(eligible("{identity: dibao, hospital_level: city}", s));
  EXPECT_FALSE(eligible("{identity: tekun, hospital_level: county}", s));
  // Nested.
  EXPECT_TRUE(eligible("{any: [{all: [{identity: tekun}, {age: {max: 10}}]}, {not: {region: out_of_province}}]}", s));
  EXPECT_FALSE(eligible("{all: [{identity: dibao}, {not: {any: [{hospital_level: county}, {flag: transplant}]}}]}", s));
}

// ---- base and allocation ----------------------------------------------------------------------------------------------

TEST(EngineBase, AllocationFollowsTheBaseOrder) {
  Plan p = load(rules(coins("first", "rate: 1\ncap_stay: 300", "stay", "[pre_selfpay, in_scope]") +
                      coins("second", "rate: 1", "stay", "[in_scope]")));
  // F 200, O 300, P 100, S 1000: total 1600.00
  Settlement s = run1(p, stay("S1", parts(yuan(200), yuan(300), yuan(100), yuan(1000))));
  const ChannelResult& a = s.channels[0];
  // first: B = P 100 + S 1000 = 1100; 1 × 1100 -> cap_stay 300: taken P 100 (all of it), then S 200
  EXPECT_EQ(a.base, yuan(1100));
  EXPECT_EQ(a.paid, yuan(300));
  EXPECT_EQ(a.taken[static_cast<std::size_t>(Bucket::pre_selfpay)], yuan(100));
  EXPECT_EQ(a.taken[static_cast<std::size_t>(Bucket::in_scope)], yuan(200));
  // second: B = what is left of S: 1000 − 200 = 800.00, all paid
  EXPECT_EQ(s.channels[1].base, yuan(800));
  EXPECT_EQ(s.channels[1].paid, yuan(800));
  // patient: O 300 + F 200 = 500.00
  EXPECT_EQ(s.psn_part_amt, yuan(500));
  expect_conserved(s);
}

TEST(EngineBase, BaseIsTheSumOfTheRemaindersInAnyOrder) {
  Plan p = load(rules(coins("w", "rate: 0.5", "stay", "[full_selfpay, over_limit]")));
  // B = F 200 + O 300 = 500; X = 250.00, taken from F first: F 200, then O 50
  Settlement s = run1(p, stay("S1", parts(yuan(200), yuan(300), yuan(100), yuan(1000))));
  EXPECT_EQ(s.channels[0].base, yuan(500));
  EXPECT_EQ(s.channels[0].paid, yuan(250));
  EXPECT_EQ(s.channels[0].taken[static_cast<std::size_t>(Bucket::full_selfpay)], yuan(200));
  EXPECT_EQ(s.channels[0].taken[static_cast<std::size_t>(Bucket::over_limit)], yuan(50));
  EXPECT_EQ(s.channels[0].taken[static_cast<std::size_t>(Bucket::in_scope)], Fen(0));
  // patient: S 1000 + P 100 + O 250 = 1350.00
  EXPECT_EQ(s.psn_part_amt, yuan(1350));
}

TEST(EngineBase, PaymentIsAtMostTheBase) {
  Plan p = load(rules(grant("gift", "amount: 5000\nonce_per: stay", "[over_limit]")));
  // X = min(5000, B = 300) = 300.00
  Settlement s = run1(p, stay("S1", parts(yuan(0), yuan(300), yuan(0), yuan(1000))));
  EXPECT_EQ(s.channels[0].computed, yuan(5000));
  EXPECT_EQ(s.channels[0].paid, yuan(300));
  EXPECT_EQ(s.channels[0].limiter, Limiter::base);
  EXPECT_EQ(s.channels[0].taken[static_cast<std::size_t>(Bucket::over_limit)], yuan(300));
  EXPECT_EQ(s.psn_part_amt, yuan(1000));
}

TEST(EngineBase, AnEarlierChannelShrinksALaterBase) {
  Plan p = load(rules(coins("basic", "deductible: 500\nrate: 0.75") +
                      coins("extra", "rate: 0.5", "stay", "[in_scope, pre_selfpay]", "oth_pay")));
  // basic: 0.75 × (10000 − 500) = 7125.00; rem S = 2875.00
  // extra: B = 2875 + P 100 = 2975.00: 0.5 × 2975 = 1487.50, taken S 1487.50
  Settlement s = run1(p, stay("S1", parts(yuan(0), yuan(0), yuan(100), yuan(10000))));
  EXPECT_EQ(s.channels[1].base, Fen(297'500));
  EXPECT_EQ(s.channels[1].paid, Fen(148'750));
  EXPECT_EQ(s.channels[1].taken[static_cast<std::size_t>(Bucket::in_scope)], Fen(148'750));
  // patient: 10100 − 7125 − 1487.50 = 1487.50
  EXPECT_EQ(s.psn_part_amt, Fen(148'750));
  expect_conserved(s);
}

// ---- exactness far beyond 64-bit products -----------------------------------------------------------

TEST(EngineExact, HugeAccumulationsStayExact) {
  // acc × 10^4 no longer fits in 64 bits once acc passes 9.2 × 10^14 fen: the payout must still be
  // exact. Every stay is within the input bound (10^12 yuan = 10^14 fen); the year accumulates
  // a prior of 10^14 and nine stays of 10^14 each: acc = 10^15 fen before the last stay.
  Plan p = load(rules(coins("ci",
                            "bands:\n"
                            "  - {upto: 900000000000, rate: 0.5}\n"
                            "  - {rate: 0.3333}",
                            "year")));
  Ledger ledger(p);
  for (int i = 0; i < 9; ++i) {
    Stay s = stay("S" + std::to_string(i), in_scope(Fen(100'000'000'000'000)), day(2020, 3, 1 + i));
    if (i == 0) s.prior = std::vector<PriorEntry>{PriorEntry{"ci", Fen(100'000'000'000'000), Fen(0), 0}};
    (void)run(p, s, ledger);
  }
  ASSERT_EQ(ledger.get(2020, 0).accumulated, Fen(1'000'000'000'000'000));
  Settlement r = run(p, stay("S10", in_scope(Fen(99'999'999'999'999)), day(2020, 3, 20)), ledger);
  // acc and acc + B lie above the first band's top (9 × 10^13 fen), so
  // G(acc + B) − G(acc) = 0.3333 × 99 999 999 999 999 fen = 33 329 999 999 999.6667 fen -> 33 330 000 000 000
  EXPECT_EQ(r.channels[0].paid, Fen(33'330'000'000'000));
  EXPECT_EQ(ledger.get(2020, 0).accumulated, Fen(1'099'999'999'999'999));
  expect_conserved(r);
}

TEST(EngineExact, HugeStayAcrossBands) {
  Plan p = load(rules(coins("basic",
                            "deductible: 1\n"
                            "bands:\n"
                            "  - {upto: 500000000000, rate: 0.0001}\n"
                            "  - {rate: 0.9999}")));
  // In fen: B = 10^14 (10^12 yuan, the largest stay), D = 100; above D: 99 999 999 999 900 =
  // 5 × 10^13 @0.0001 (= 5 000 000 000) + 49 999 999 999 900 @0.9999 (= 49 994 999 999 900.01);
  // raw = 49 999 999 999 900.01 -> 49 999 999 999 900
  Settlement r = run1(p, stay("S1", in_scope(Fen(100'000'000'000'000))));
  EXPECT_EQ(r.channels[0].paid, Fen(49'999'999'999'900));
}

// ---- §6.2 cap ----------------------------------------------------------------------------------------------

TEST(EngineCapKind, StayPeriodAmount) {
  Plan p = load(rules(cap("backstop", "limit: 1000", "stay", "[in_scope, pre_selfpay]")));
  // B = 2500 + 500 = 3000, L 1000: X = 2000.00, from S first (base order): S 2000
  Settlement s = run1(p, stay("S1", parts(yuan(0), yuan(0), yuan(500), yuan(2500))));
  EXPECT_EQ(s.channels[0].paid, yuan(2000));
  EXPECT_EQ(s.channels[0].taken[static_cast<std::size_t>(Bucket::in_scope)], yuan(2000));
  EXPECT_EQ(s.channels[0].taken[static_cast<std::size_t>(Bucket::pre_selfpay)], Fen(0));
  EXPECT_EQ(s.psn_part_amt, yuan(1000));
  // B 800 below L: X = max(0, 800 − 1000) = 0
  EXPECT_EQ(run1(p, stay("S2", in_scope(yuan(800)))).channels[0].paid, Fen(0));
}

TEST(EngineCapKind, StayPeriodPerLevel) {
  Plan p = load(rules(cap("backstop", "limit: {village: 100, township: 200, county: 300, city: 400, province: 500}")));
  Stay s = stay("S1", in_scope(yuan(1000)));
  s.hospital_level = HospitalLevel::city;
  // L 400: X = 600.00
  EXPECT_EQ(run1(p, s).channels[0].paid, yuan(600));
  s.hospital_level = HospitalLevel::village;
  // L 100: X = 900.00
  EXPECT_EQ(run1(p, s).channels[0].paid, yuan(900));
}

TEST(EngineCapKind, FractionOfTotal) {
  Plan p = load(rules(cap("backstop", "limit: {fraction: 0.1, of: total}")));
  // T = S 10000.00 + F 2345.67 = 12345.67; L = round(0.1 × 12345.67 = 1234.567) = 1234.57;
  // X = B − L = 10000.00 − 1234.57 = 8765.43
  Settlement s = run1(p, stay("S1", parts(Fen(234'567), Fen(0), Fen(0), yuan(10000))));
  EXPECT_EQ(s.channels[0].paid, Fen(876'543));
  EXPECT_EQ(s.psn_part_amt, Fen(123'457 + 234'567));
}

TEST(EngineCapKind, FractionOfInScope) {
  Plan p = load(rules(cap("backstop", "limit: {fraction: 0.05, of: in_scope}", "stay", "[in_scope, full_selfpay]")));
  // S 12345.67, F 1000: L = round(0.05 × 12345.67 = 617.2835) = 617.28 (of in_scope, not of the base);
  // X = B − L = 13345.67 − 617.28 = 12728.39
  Settlement s = run1(p, stay("S1", parts(yuan(1000), Fen(0), Fen(0), Fen(1'234'567))));
  EXPECT_EQ(s.channels[0].paid, Fen(1'272'839));
  EXPECT_EQ(s.psn_part_amt, Fen(61'728));
}

TEST(EngineCapKind, FractionUsesTheStaysBucketsNotTheRemainders) {
  Plan p = load(rules(coins("basic", "rate: 0.5") + cap("backstop", "limit: {fraction: 0.1, of: in_scope}")));
  // basic: 0.5 × 1000 = 500.00, rem S 500; backstop: L = 0.1 × S 1000 (the stay's in_scope) = 100.00;
  // X = 500 − 100 = 400.00
  Settlement s = run1(p, stay("S1", in_scope(yuan(1000))));
  EXPECT_EQ(s.channels[1].paid, yuan(400));
  EXPECT_EQ(s.psn_part_amt, yuan(100));
}

TEST(EngineCapKind, YearPeriodKeepsThePatientsShare) {
  Plan p = load(rules(cap("backstop", "limit: 5000", "year")));
  Ledger ledger(p);
  const std::size_t slot = *p.slot_of("backstop");
  // Stay 1, B 3000: allowed max(0, 5000 − 0) = 5000: X = max(0, 3000 − 5000) = 0; kept += 3000
  EXPECT_EQ(run(p, stay("S1", in_scope(yuan(3000)), day(2020, 2, 1)), ledger).channels[0].paid, Fen(0));
  EXPECT_EQ(ledger.get(2020, slot).accumulated, yuan(3000));
  // Stay 2, B 4000: allowed 5000 − 3000 = 2000: X = 2000.00; kept += 4000 − 2000 = 2000 -> 5000
  EXPECT_EQ(run(p, stay("S2", in_scope(yuan(4000)), day(2020, 3, 1)), ledger).channels[0].paid, yuan(2000));
  EXPECT_EQ(ledger.get(2020, slot).accumulated, yuan(5000));
  // Stay 3, B 1000: allowed 0: X = 1000.00; kept += 0
  EXPECT_EQ(run(p, stay("S3", in_scope(yuan(1000)), day(2020, 4, 1)), ledger).channels[0].paid, yuan(1000));
  EXPECT_EQ(ledger.get(2020, slot).accumulated, yuan(5000));
  EXPECT_EQ(ledger.get(2020, slot).paid, yuan(3000));
  // A new year: allowed 5000 again
  EXPECT_EQ(run(p, stay("S4", in_scope(yuan(1000)), day(2021, 1, 5)), ledger).channels[0].paid, Fen(0));
}

// ---- §6.3 grant ----------------------------------------------------------------------------------------------

TEST(EngineGrant, OncePerStay) {
  Plan p = load(rules(grant("gift", "amount: 1000\nonce_per: stay")));
  Ledger ledger(p);
  EXPECT_EQ(run(p, stay("S1", in_scope(yuan(5000)), day(2020, 2, 1)), ledger).channels[0].paid, yuan(1000));
  EXPECT_EQ(run(p, stay("S2", in_scope(yuan(5000)), day(2020, 3, 1)), ledger).channels[0].paid, yuan(1000));
  EXPECT_EQ(ledger.get(2020, 0).grants, 2);
  EXPECT_EQ(ledger.get(2020, 0).paid, yuan(2000));
}

TEST(EngineGrant, OncePerYear) {
  Plan p = load(rules(grant("gift", "amount: 1000\nonce_per: year")));
  Ledger ledger(p);
  EXPECT_EQ(run(p, stay("S1", in_scope(yuan(5000)), day(2020, 2, 1)), ledger).channels[0].paid, yuan(1000));
  // The second stay of the year gets 0.
  Settlement s2 = run(p, stay("S2", in_scope(yuan(5000)), day(2020, 3, 1)), ledger);
  EXPECT_EQ(s2.channels[0].paid, Fen(0));
  EXPECT_EQ(s2.channels[0].limiter, Limiter::grant_used);
  EXPECT_EQ(ledger.get(2020, 0).grants, 1);
  // A new year: again.
  EXPECT_EQ(run(p, stay("S3", in_scope(yuan(5000)), day(2021, 2, 1)), ledger).channels[0].paid, yuan(1000));
}

TEST(EngineGrant, APartialGrantStillUsesTheYearsAllowance) {
  Plan p = load(rules(grant("gift", "amount: 1000\nonce_per: year")));
  Ledger ledger(p);
  // Stay 1, B 300 < A 1000: X = 300.00, grants 1
  Settlement s1 = run(p, stay("S1", in_scope(yuan(300)), day(2020, 2, 1)), ledger);
  EXPECT_EQ(s1.channels[0].paid, yuan(300));
  EXPECT_EQ(s1.channels[0].limiter, Limiter::base);
  EXPECT_EQ(ledger.get(2020, 0).grants, 1);
  // Stay 2: the allowance is used: 0
  EXPECT_EQ(run(p, stay("S2", in_scope(yuan(5000)), day(2020, 3, 1)), ledger).channels[0].paid, Fen(0));
}

TEST(EngineGrant, AGrantOfNothingDoesNotUseTheAllowance) {
  Plan p = load(rules(grant("gift", "amount: 1000\nonce_per: year")));
  Ledger ledger(p);
  // Stay 1, B 0: X = 0, grants stay 0
  EXPECT_EQ(run(p, stay("S1", in_scope(Fen(0)), day(2020, 2, 1)), ledger).channels[0].paid, Fen(0));
  EXPECT_EQ(ledger.get(2020, 0).grants, 0);
  // Stay 2: 1000.00
  EXPECT_EQ(run(p, stay("S2", in_scope(yuan(5000)), day(2020, 3, 1)), ledger).channels[0].paid, yuan(1000));
}

// ---- referral (§6.1, §8) ----------------------------------------------------------------------------------------------

namespace {
const std::string kReferral = coins("basic", "deductible: 1000\nrate: 0.8\nreferral: continuous");
Stay referred(std::string id, Fen b, std::string from, Date d = day(2020, 4, 1)) {
  Stay s = stay(std::move(id), in_scope(b), d);
  s.referred_from = std::move(from);
  return s;
}
}  // namespace

TEST(EngineReferral, ContinuousDeductible) {
  Plan p = load(rules(kReferral));
  Ledger ledger(p);
  // Stay 1, B 600: below D: paid 0, deductible applied 600.00
  Settlement s1 = run(p, stay("S1", in_scope(yuan(600)), day(2020, 3, 1)), ledger);
  EXPECT_EQ(s1.channels[0].deductible, yuan(600));
  // Stay 2 referred from S1, B 5000: D_eff = max(0, 1000 − 600) = 400; 0.8 × (5000 − 400) = 3680.00
  Settlement s2 = run(p, referred("S2", yuan(5000), "S1"), ledger);
  EXPECT_EQ(s2.channels[0].deductible, yuan(400));
  EXPECT_EQ(s2.channels[0].paid, yuan(3680));
  EXPECT_EQ(s2.act_pay_dedc, yuan(400));
}

TEST(EngineReferral, DeductibleFullyAppliedBefore) {
  Plan p = load(rules(kReferral));
  Ledger ledger(p);
  // Stay 1, B 5000: deductible applied 1000; paid 0.8 × 4000 = 3200.00
  EXPECT_EQ(run(p, stay("S1", in_scope(yuan(5000)), day(2020, 3, 1)), ledger).channels[0].paid, yuan(3200));
  // Stay 2: D_eff = max(0, 1000 − 1000) = 0: 0.8 × 5000 = 4000.00, deductible applied 0
  Settlement s2 = run(p, referred("S2", yuan(5000), "S1"), ledger);
  EXPECT_EQ(s2.channels[0].deductible, Fen(0));
  EXPECT_EQ(s2.channels[0].paid, yuan(4000));
}

TEST(EngineReferral, NotEligibleAtTheReferringStayMeansNoCredit) {
  Plan p = load(rules(coins("basic", "deductible: 1000\nrate: 0.8\nreferral: continuous\nwhen: {hospital_level: [county, city]}")));
  Ledger ledger(p);
  Stay s1 = stay("S1", in_scope(yuan(600)), day(2020, 3, 1));
  s1.hospital_level = HospitalLevel::township;  // not eligible: d_ref = 0
  EXPECT_FALSE(run(p, s1, ledger).channels[0].eligible);
  // D_eff = max(0, 1000 − 0) = 1000: 0.8 × 4000 = 3200.00
  Settlement s2 = run(p, referred("S2", yuan(5000), "S1"), ledger);
  EXPECT_EQ(s2.channels[0].deductible, yuan(1000));
  EXPECT_EQ(s2.channels[0].paid, yuan(3200));
}

TEST(EngineReferral, PerLevelDeductibles) {
  Plan p = load(rules(coins("basic",
                            "deductible: {village: 100, township: 200, county: 500, city: 1000, province: 1500}\n"
                            "rate: 0.8\nreferral: continuous")));
  Ledger ledger(p);
  // Stay 1 at county, B 300: deductible applied min(300, 500) = 300
  Stay s1 = stay("S1", in_scope(yuan(300)), day(2020, 3, 1));
  EXPECT_EQ(run(p, s1, ledger).channels[0].deductible, yuan(300));
  // Stay 2 at city (D 1000): D_eff = 1000 − 300 = 700: 0.8 × (5000 − 700) = 3440.00
  Stay s2 = referred("S2", yuan(5000), "S1");
  s2.hospital_level = HospitalLevel::city;
  Settlement r2 = run(p, s2, ledger);
  EXPECT_EQ(r2.channels[0].deductible, yuan(700));
  EXPECT_EQ(r2.channels[0].paid, yuan(3440));
}

TEST(EngineReferral, AcrossAYearEnd) {
  Plan p = load(rules(kReferral));
  Ledger ledger(p);
  EXPECT_EQ(run(p, stay("S1", in_scope(yuan(600)), day(2020, 12, 20)), ledger).channels[0].deductible, yuan(600));
  // referred_from a stay of the previous year: still D_eff = 400: 0.8 × 4600 = 3680.00
  EXPECT_EQ(run(p, referred("S2", yuan(5000), "S1", day(2021, 1, 5)), ledger).channels[0].paid, yuan(3680));
}

TEST(EngineReferral, WithoutReferralContinuousTheDeductibleIsWhole) {
  Plan p = load(rules(coins("basic", "deductible: 1000\nrate: 0.8")));
  Ledger ledger(p);
  (void)run(p, stay("S1", in_scope(yuan(600)), day(2020, 3, 1)), ledger);
  // D 1000 in full: 0.8 × 4000 = 3200.00
  Settlement s2 = run(p, referred("S2", yuan(5000), "S1"), ledger);
  EXPECT_EQ(s2.channels[0].deductible, yuan(1000));
  EXPECT_EQ(s2.channels[0].paid, yuan(3200));
}

TEST(EngineReferral, AStayNotInTheLedgerIsABadReferral) {
  Plan p = load(rules(kReferral + coins("ci", "rate: 0.5", "year")));
  Ledger ledger(p);
  (void)run(p, stay("S1", in_scope(yuan(600)), day(2020, 3, 1)), ledger);
  const ChannelLedger before = ledger.get(2020, *p.slot_of("ci"));
  Outcome o = settle(p, referred("S2", yuan(5000), "NOPE"), ledger, {}, 42);
  ASSERT_FALSE(o.settled());
  EXPECT_EQ(o.rejection().code, ErrorCode::bad_referral);
  EXPECT_EQ(o.rejection().field, "referred_from");
  EXPECT_EQ(o.rejection().stay_id, std::optional<std::string>("S2"));
  EXPECT_EQ(o.rejection().line, 42u);
  EXPECT_EQ(ledger.get(2020, *p.slot_of("ci")), before);
  EXPECT_FALSE(ledger.deductibles_of("S2"));
  // A referral to itself is not to an earlier stay.
  Outcome self = settle(p, referred("S3", yuan(5000), "S3"), ledger);
  ASSERT_FALSE(self.settled());
  EXPECT_EQ(self.rejection().code, ErrorCode::bad_referral);
}

// ---- prior (§8) ----------------------------------------------------------------------------------------------

namespace {
const std::string kPriorChannels = coins("basic", "rate: 0.5") + coins("critical", "deductible: 1000\nrate: 0.5\ncap_year: 3000", "year", "[in_scope]", "hifmi_pay") +
                                   grant("gift", "amount: 100\nonce_per: year", "[in_scope]");
PriorEntry prior(std::string channel, Fen acc, Fen paid, std::int64_t grants = 0) {
  return PriorEntry{std::move(channel), acc, paid, grants};
}
}  // namespace

TEST(EnginePrior, SetsTheLedgerBeforeTheStay) {
  Plan p = load(rules(kPriorChannels));
  Ledger ledger(p);
  Stay s = stay("S1", in_scope(yuan(8000)));
  s.prior = std::vector<PriorEntry>{prior("critical", yuan(2000), yuan(2500)), prior("gift", Fen(0), Fen(0), 1)};
  Settlement r = run(p, s, ledger);
  // basic: 0.5 × 8000 = 4000.00; rem S 4000
  EXPECT_EQ(r.channels[0].paid, yuan(4000));
  // critical: acc 2000 -> 6000: G(6000) − G(2000) = 0.5 × 5000 − 0.5 × 1000 = 2000.00;
  //   room 3000 − 2500 = 500.00; deductible applied min(6000, 1000) − min(2000, 1000) = 0
  const ChannelResult& c = r.channels[1];
  EXPECT_EQ(c.computed, yuan(2000));
  EXPECT_EQ(c.paid, yuan(500));
  EXPECT_EQ(c.deductible, Fen(0));
  // gift: the prior says the year's grant was paid
  EXPECT_EQ(r.channels[2].paid, Fen(0));
  EXPECT_EQ(ledger.get(2020, *p.slot_of("critical")).accumulated, yuan(6000));
  EXPECT_EQ(ledger.get(2020, *p.slot_of("critical")).paid, yuan(3000));
}

TEST(EnginePrior, AbsentFiguresAreZeroAndUnusedFiguresAreIgnored) {
  Plan p = load(rules(kPriorChannels));
  Ledger ledger(p);
  Stay s = stay("S1", in_scope(yuan(8000)));
  // basic is a stay channel without caps: accumulated and paid mean nothing to it.
  s.prior = std::vector<PriorEntry>{prior("basic", yuan(99999), yuan(99999)), prior("critical", Fen(0), yuan(2900))};
  Settlement r = run(p, s, ledger);
  // basic: 4000.00 regardless
  EXPECT_EQ(r.channels[0].paid, yuan(4000));
  // critical: acc 0 -> 4000: 0.5 × 3000 = 1500, room 3000 − 2900 = 100.00
  EXPECT_EQ(r.channels[1].paid, yuan(100));
  EXPECT_EQ(r.channels[1].deductible, yuan(1000));
}

TEST(EnginePrior, AnEmptyPriorStillCounts) {
  Plan p = load(rules(kPriorChannels));
  Ledger ledger(p);
  Stay s1 = stay("S1", in_scope(yuan(100)), day(2020, 2, 1));
  s1.prior = std::vector<PriorEntry>{};
  (void)run(p, s1, ledger);
  Stay s2 = stay("S2", in_scope(yuan(100)), day(2020, 3, 1));
  s2.prior = std::vector<PriorEntry>{};
  Outcome o = settle(p, s2, ledger);
  ASSERT_FALSE(o.settled());
  EXPECT_EQ(o.rejection().code, ErrorCode::bad_prior);
}

TEST(EnginePrior, OnASecondStayOfTheYearIsBadPrior) {
  Plan p = load(rules(kPriorChannels));
  Ledger ledger(p);
  (void)run(p, stay("S1", in_scope(yuan(3000)), day(2020, 2, 1)), ledger);
  const ChannelLedger before = ledger.get(2020, *p.slot_of("critical"));
  Stay s2 = stay("S2", in_scope(yuan(3000)), day(2020, 3, 1));
  s2.prior = std::vector<PriorEntry>{prior("critical", yuan(1), yuan(1))};
  Outcome o = settle(p, s2, ledger, {}, 9);
  ASSERT_FALSE(o.settled());
  EXPECT_EQ(o.rejection().code, ErrorCode::bad_prior);
  EXPECT_EQ(o.rejection().field, "prior");
  EXPECT_EQ(o.rejection().line, 9u);
  EXPECT_EQ(ledger.get(2020, *p.slot_of("critical")), before);
  // The first stay of the next year may carry one.
  Stay s3 = stay("S3", in_scope(yuan(3000)), day(2021, 1, 10));
  s3.prior = std::vector<PriorEntry>{prior("critical", yuan(1000), Fen(0))};
  Settlement r3 = run(p, s3, ledger);
  // basic 1500; critical: acc 1000 -> 2500: 0.5 × 1500 = 750.00, deductible applied 0
  EXPECT_EQ(r3.channels[1].paid, yuan(750));
  EXPECT_EQ(r3.channels[1].deductible, Fen(0));
}

TEST(EnginePrior, AChannelTheVersionLacksIsBadPrior) {
  Plan p = load(rules(kPriorChannels));
  Ledger ledger(p);
  Stay s = stay("S1", in_scope(yuan(100)));
  s.prior = std::vector<PriorEntry>{prior("nosuch", yuan(1), yuan(1))};
  Outcome o = settle(p, s, ledger);
  ASSERT_FALSE(o.settled());
  EXPECT_EQ(o.rejection().code, ErrorCode::bad_prior);
  EXPECT_EQ(o.rejection().field, "prior.nosuch");
  EXPECT_FALSE(ledger.year_started(2020));
  EXPECT_TRUE(ledger.years().empty());
}

TEST(EnginePrior, AChannelOfAnotherVersionOnlyIsBadPrior) {
  // Version 1 has basic and extra; version 2 lists only basic.
  std::string text = rules(coins("basic", "rate: 0.5") + coins("extra", "rate: 0.5", "year")) +
                     "  - from: 2020-07-01\n    channels:\n" + coins("basic", "rate: 0.6");
  Plan p = load(text);
  EXPECT_EQ(p.ledger_slots(), (std::vector<std::string>{"basic", "extra"}));
  Ledger ledger(p);
  Stay s = stay("S1", in_scope(yuan(100)), day(2020, 8, 1));
  s.prior = std::vector<PriorEntry>{prior("extra", yuan(1), yuan(1))};
  Outcome o = settle(p, s, ledger);
  ASSERT_FALSE(o.settled());
  EXPECT_EQ(o.rejection().code, ErrorCode::bad_prior);
  EXPECT_EQ(o.rejection().field, "prior.extra");
  // Under version 1 the same prior is fine.
  s.admitted = s.discharged = day(2020, 3, 1);
  Ledger l2(p);
  EXPECT_TRUE(settle(p, s, l2).settled());
}

TEST(EnginePrior, AChannelKeepsItsLedgerAcrossVersionsWithinTheYear) {
  std::string text = rules(coins("ci", "deductible: 1000\nrate: 0.5", "year")) +
                     "  - from: 2020-07-01\n    changes:\n      ci:\n        rate: 0.6\n";
  Plan p = load(text);
  Ledger ledger(p);
  // Stay 1 (version 1), B 3000: 0.5 × (3000 − 1000) = 1000.00
  Settlement s1 = run(p, stay("S1", in_scope(yuan(3000)), day(2020, 3, 1)), ledger);
  EXPECT_EQ(s1.version, day(2020, 1, 1));
  EXPECT_EQ(s1.channels[0].paid, yuan(1000));
  // Stay 2 (version 2, rate 0.6), B 2000: acc 3000 -> 5000: G(5000) − G(3000) = 0.6 × 4000 − 0.6 × 2000 = 1200.00
  //   (a fresh ledger would give 0.6 × (2000 − 1000) = 600.00)
  Settlement s2 = run(p, stay("S2", in_scope(yuan(2000)), day(2020, 8, 1)), ledger);
  EXPECT_EQ(s2.version, day(2020, 7, 1));
  EXPECT_EQ(s2.channels[0].paid, yuan(1200));
  EXPECT_EQ(s2.channels[0].deductible, Fen(0));
  // A new calendar year starts a new ledger: stay 3, B 2000: acc 0 -> 2000: 0.6 × 1000 = 600.00, deductible 1000 again
  Settlement s3 = run(p, stay("S3", in_scope(yuan(2000)), day(2021, 2, 1)), ledger);
  EXPECT_EQ(s3.channels[0].paid, yuan(600));
  EXPECT_EQ(s3.channels[0].deductible, yuan(1000));
  EXPECT_EQ(ledger.get(2020, *p.slot_of("ci")).accumulated, yuan(5000));
  EXPECT_EQ(ledger.get(2021, *p.slot_of("ci")).accumulated, yuan(2000));
  EXPECT_EQ(ledger.years(), (std::vector<int>{2020, 2021}));
}

TEST(EngineVersion, NoVersionInForceIsRejected) {
  Plan p = load(rules(coins("ci", "rate: 0.5", "year")));
  Ledger ledger(p);
  Outcome o = settle(p, stay("S0", in_scope(yuan(100)), day(2019, 12, 31)), ledger, {}, 3);
  ASSERT_FALSE(o.settled());
  EXPECT_EQ(o.rejection().code, ErrorCode::no_version);
  EXPECT_EQ(o.rejection().field, "discharged");
  EXPECT_EQ(o.rejection().line, 3u);
  // The message says when the rule set's versions run (one version, from 2020-01-01, no until).
  EXPECT_EQ(o.rejection().message,
            "discharged: no version of rule set t is in force on 2019-12-31; its versions run from 2020-01-01 with no "
            "end");
  EXPECT_TRUE(ledger.years().empty());
  EXPECT_FALSE(ledger.deductibles_of("S0"));
  // The first day of the version settles.
  EXPECT_TRUE(settle(p, stay("S1", in_scope(yuan(100)), day(2020, 1, 1)), ledger).settled());
}

TEST(EngineVersion, AfterUntilTheMessageSaysWhenTheVersionsEnd) {
  // Versions from 2020-01-01; until 2020-12-31: a stay discharged 2021-01-01 has none.
  Plan p = load(rules(coins("ci", "rate: 0.5", "year"), "until: 2020-12-31\n"));
  Ledger ledger(p);
  Outcome o = settle(p, stay("S0", in_scope(yuan(100)), day(2021, 1, 1)), ledger);
  ASSERT_FALSE(o.settled());
  EXPECT_EQ(o.rejection().code, ErrorCode::no_version);
  EXPECT_EQ(o.rejection().message,
            "discharged: no version of rule set t is in force on 2021-01-01; its versions run from 2020-01-01 to "
            "2020-12-31");
  // The last day (until) still settles.
  EXPECT_TRUE(settle(p, stay("S1", in_scope(yuan(100)), day(2020, 12, 31)), ledger).settled());
}

TEST(EngineVersion, TheDischargeDateChoosesTheVersion) {
  std::string text = rules(coins("basic", "rate: 0.5")) + "  - from: 2020-07-01\n    changes:\n      basic:\n        rate: 0.6\n";
  Plan p = load(text);
  // Admitted under version 1, discharged under version 2: rate 0.6 × 1000 = 600.00
  Stay s = stay("S1", in_scope(yuan(1000)), day(2020, 7, 1));
  s.admitted = day(2020, 6, 20);
  Settlement r = run1(p, s);
  EXPECT_EQ(r.version, day(2020, 7, 1));
  EXPECT_EQ(r.channels[0].paid, yuan(600));
  // as_of picks another version; the ledger year is still the discharge date's.
  Ledger ledger(p);
  SettleOptions o;
  o.as_of = day(2020, 3, 1);
  Settlement r2 = run(p, s, ledger, o);
  EXPECT_EQ(r2.version, day(2020, 1, 1));
  EXPECT_EQ(r2.channels[0].paid, yuan(500));
}

// ---- result fields (§7) ----------------------------------------------------------------------------------------------

TEST(EngineResult, SettlementFields) {
  Plan p = load(rules(coins("c1", "deductible: 100\nrate: 0.5", "stay", "[in_scope]", "hifp_pay") +
                      coins("c2", "deductible: 200\nrate: 0.5", "stay", "[in_scope]", "hifp_pay") +
                      coins("c3", "deductible: 300\nrate: 0.5", "stay", "[in_scope]", "hifmi_pay") +
                      grant("c4", "amount: 50\nonce_per: stay", "[in_scope]", "maf_pay") +
                      grant("c5", "amount: 40\nonce_per: stay", "[full_selfpay]", "hosp_part_amt") +
                      grant("c6", "amount: 30\nonce_per: stay", "[pre_selfpay]", "oth_pay")));
  // F 1000, O 500, P 1000, S 10000: T 12500.00
  Settlement s = run1(p, stay("S1", parts(yuan(1000), yuan(500), yuan(1000), yuan(10000))));
  // c1: 0.5 × (10000 − 100) = 4950.00, rem S 5050
  // c2: 0.5 × (5050 − 200) = 2425.00, rem S 2625
  // c3: 0.5 × (2625 − 300) = 1162.50, rem S 1462.50
  // c4: 50 from S -> 1412.50; c5: 40 from F -> 960; c6: 30 from P -> 970
  EXPECT_EQ(s.channels[0].paid, yuan(4950));
  EXPECT_EQ(s.channels[1].paid, yuan(2425));
  EXPECT_EQ(s.channels[2].paid, Fen(116'250));
  // act_pay_dedc: the deductibles of hifp_pay channels only: 100 + 200 = 300.00 (not c3's 300)
  EXPECT_EQ(s.act_pay_dedc, yuan(300));
  EXPECT_EQ(s.hifp_pay, yuan(4950 + 2425));
  EXPECT_EQ(s.hifmi_pay, Fen(116'250));
  EXPECT_EQ(s.maf_pay, yuan(50));
  EXPECT_EQ(s.hosp_part_amt, yuan(40));
  EXPECT_EQ(s.oth_pay, yuan(30));
  // fund_pay_sumamt excludes hosp_part_amt: 7375 + 1162.50 + 50 + 30 = 8617.50
  EXPECT_EQ(s.fund_pay_sumamt, Fen(861'750));
  // psn_part_amt = the remainders: S 1412.50 + P 970 + O 500 + F 960 = 3842.50
  EXPECT_EQ(s.psn_part_amt, Fen(384'250));
  // T = Σ paid + psn: 8657.50 + 3842.50 = 12500.00
  EXPECT_EQ(s.paid_total(), Fen(865'750));
  EXPECT_EQ(s.buckets.total, s.paid_total() + s.psn_part_amt);
  expect_conserved(s);
  EXPECT_EQ(s.stay_id, "S1");
  EXPECT_EQ(s.person_id, "P1");
  EXPECT_EQ(s.trace, nullptr);
}

TEST(EngineResult, FeesAreSplitIntoBuckets) {
  Plan p = load(rules(coins("basic", "rate: 1", "stay", "[in_scope]")));
  Stay s = stay("S1", Buckets{});
  s.buckets.reset();
  FeeLine a{FeeCategory::A, yuan(100), Fen(0), std::nullopt, "", ""};
  FeeLine b{FeeCategory::B, Fen(3005), Fen(0), std::nullopt, "", ""};     // p = round(30.05 × 0.10 = 3.005) = 3.01
  FeeLine b2{FeeCategory::B, yuan(50), yuan(20), Rate(2000), "", ""};     // over 20, rest 30, p = 6.00, S 24.00
  FeeLine c{FeeCategory::C, yuan(7), yuan(3), std::nullopt, "", ""};      // all full self-pay
  s.fees = {a, b, b2, c};
  Settlement r = run1(p, s);
  EXPECT_EQ(r.buckets.total, Fen(10000 + 3005 + 5000 + 700));
  EXPECT_EQ(r.buckets.full_selfpay, yuan(7));
  EXPECT_EQ(r.buckets.over_limit, yuan(20));
  EXPECT_EQ(r.buckets.pre_selfpay, Fen(301 + 600));
  EXPECT_EQ(r.buckets.in_scope, Fen(10000 + 2704 + 2400));
  // rate 1 on in_scope: paid 151.04; patient 7 + 20 + 9.01 = 36.01
  EXPECT_EQ(r.channels[0].paid, Fen(15'104));
  EXPECT_EQ(r.psn_part_amt, Fen(3'601));
  expect_conserved(r);
}

// ---- the trace ----------------------------------------------------------------------------------------------

TEST(EngineTrace, StepsCiteTheRuleFileLines) {
  const std::string text = rules(coins("basic",
                                       "deductible: 500\n"
                                       "rate: {value: 0.75, source: seed X}\n"
                                       "adjustments:\n"
                                       "  - when: {identity: dibao}\n"
                                       "    rate_add: 0.10") +
                                 coins("ci",
                                       "deductible:\n"
                                       "  village: 1\n"
                                       "  township: 2\n"
                                       "  county: 3\n"
                                       "  city: 4\n"
                                       "  province: 5\n"
                                       "rate: 0.5",
                                       "year"));
  Plan p = load(text);
  SettleOptions opt;
  opt.trace = true;
  Ledger ledger(p);
  Settlement s = run(p, dibao_stay("S1", in_scope(yuan(10000))), ledger, opt);
  ASSERT_NE(s.trace, nullptr);
  ASSERT_FALSE(s.trace->steps.empty());
  // rate 0.85 after the adjustment: 0.85 × 9500 = 8075.00
  EXPECT_EQ(s.channels[0].paid, yuan(8075));

  auto find = [&](int channel, std::string_view kind) -> const TraceStep* {
    for (const auto& st : s.trace->steps) {
      if (st.channel == channel && st.kind == kind) return &st;
    }
    return nullptr;
  };
  auto line_of = [&](std::string_view needle) {
    std::size_t at = text.find(needle);
    EXPECT_NE(at, std::string::npos) << needle;
    return static_cast<std::uint32_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n') + 1);
  };
  auto column_of = [&](std::string_view needle) {
    std::size_t at = text.find(needle);
    std::size_t nl = text.rfind('\n', at);
    return static_cast<std::uint32_t>(at - (nl == std::string::npos ? 0 : nl + 1) + 1);
  };

  const TraceStep* ded = find(0, "deductible");
  ASSERT_NE(ded, nullptr);
  EXPECT_EQ(ded->line, line_of("deductible: 500"));
  EXPECT_EQ(ded->column, column_of("500\n"));  // the value
  const TraceStep* bands = find(0, "bands");
  ASSERT_NE(bands, nullptr);
  EXPECT_EQ(bands->line, line_of("rate: {value: 0.75"));
  EXPECT_EQ(bands->source, "seed X");
  const TraceStep* adj = find(0, "adjustment");
  ASSERT_NE(adj, nullptr);
  EXPECT_EQ(adj->line, line_of("rate_add: 0.10"));
  EXPECT_NE(adj->message.find("rate_add"), std::string::npos) << adj->message;
  const TraceStep* elig = find(1, "deductible");
  ASSERT_NE(elig, nullptr);
  // A per-level value is cited at the stay's level's own line, which chose it (issue #16 item 4).
  EXPECT_EQ(elig->line, line_of("county: 3"));
  EXPECT_EQ(elig->chosen_by, "hospital_level county");
  EXPECT_NE(find(-1, "version"), nullptr);
  EXPECT_NE(find(-1, "result"), nullptr);
  // Every cited line lies in the file.
  const auto lines = static_cast<std::uint32_t>(std::count(text.begin(), text.end(), '\n'));
  for (const auto& st : s.trace->steps) EXPECT_LE(st.line, lines) << st.kind << ": " << st.message;
}

TEST(EngineReferral, ReferralsFindTheirStayAmongMany) {
  // A ledger keeps a person's first 15 stays in a list and indexes them from the 16th on:
  // referrals before and after that point find the right stay, and the first record of an id stands.
  Plan p = load(rules(kReferral));
  Ledger ledger(p);
  // Stays S0..S39 at 2020-01-01 + i days, B = 10.00 × (i + 1): each below D 1000, applied = B.
  for (int i = 0; i < 40; ++i) {
    Settlement s = run(p, stay("S" + std::to_string(i), in_scope(yuan(10 * (i + 1))), Date::from_days(day(2020, 1, 1).days() + i)), ledger);
    ASSERT_EQ(s.channels[0].deductible, yuan(10 * (i + 1)));
    if (i == 14 || i == 15 || i == 16 || i == 39) {
      // Referred from S(i - 3) while this many are recorded: D_eff = 1000 − 10 × (i − 2).
      Settlement r = run(p, referred("R" + std::to_string(i), yuan(5000), "S" + std::to_string(i - 3),
                                     Date::from_days(day(2020, 1, 1).days() + i)),
                         ledger);
      EXPECT_EQ(r.channels[0].deductible, yuan(1000 - 10 * (i - 2))) << i;
      // 0.8 × (5000 − D_eff): i 14: 0.8 × 4120 = 3296.00; 15: 0.8 × 4130 = 3304.00;
      // 16: 0.8 × 4140 = 3312.00; 39: 0.8 × 4370 = 3496.00
      const int paid = i == 14 ? 3296 : i == 15 ? 3304 : i == 16 ? 3312 : 3496;
      EXPECT_EQ(r.channels[0].paid, yuan(paid)) << i;
    }
  }
  // S0 is found at every size; a second S0 is refused (duplicate_stay_id) and leaves the first (10.00).
  const Ledger before = ledger;
  const Outcome again = settle(p, stay("S0", in_scope(yuan(600)), day(2020, 3, 1)), ledger);
  ASSERT_FALSE(again.settled());
  EXPECT_EQ(again.rejection().code, ErrorCode::duplicate_stay_id);
  EXPECT_EQ(ledger, before);
  ASSERT_TRUE(ledger.deductibles_of("S0"));
  EXPECT_EQ((*ledger.deductibles_of("S0"))[0], yuan(10));
  EXPECT_FALSE(ledger.deductibles_of("S40"));
  // A copy of the ledger answers the same.
  const Ledger copy = ledger;
  ASSERT_TRUE(copy.deductibles_of("S39"));
  EXPECT_EQ((*copy.deductibles_of("S39"))[0], yuan(400));
}
