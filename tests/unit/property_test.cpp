// Properties over thousands of generated stays, under every shipped rule
// file: conservation, bounds, allocation, thread independence, and batch ==
// one person at a time.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "medsettle/engine.hpp"
#include "medsettle/reader.hpp"
#include "medsettle/writer.hpp"

using namespace medsettle;

namespace {

// Diagnosis codes: every entry of the rule files' disease groups (some in
// lower case, some with subcodes), and ordinary ones that match nothing.
const std::vector<std::string> kCodes = {
    "C15.9", "c16.2", "C18",   "C19",   "C20.x", "N18.0", "N18.5", "n18.9", "C91.0", "C92.4", "Q21.0", "Q21.1",
    "C34.1", "C22.0", "C50.9", "C53",   "C56",   "C25.1", "D61.9", "D66",   "F20.0", "F31.1", "G40.9", "I05.0",
    "I21.4", "I61.0", "I63.9", "J62.8", "J65",   "A15.0", "A19.9", "B20",   "B24.0", "B65.1", "E10.9", "C00.1",
    "C97",   "c95.0", "D00.1", "C98",   "J18.9", "K35.8", "I10",   "E11.9", "S72.0", "O80",   "M54.5", "K80.2",
    "J44.1", "I50.0", "K29.5", "Z51.1"};
const char* const kIdentities[] = {"registered_poor", "dibao", "tekun", "poor_disabled", "marginal"};
const char* const kLevels[] = {"village", "township", "county", "city", "province"};
const char* const kRegions[] = {"in_county", "in_city", "in_province", "out_of_province"};
const char* const kFlags[] = {"first_diagnosis", "transplant", "tcm_clinic"};

struct GenStay {
  std::string id, person;
  Date admitted, discharged;
  bool in_force = false;  // a version is in force on the discharge date
  std::string json;       // all but the closing brace, referral and prior
  std::optional<std::string> referred_from;
  std::string prior;      // the JSON object, if any
};

class Generator {
 public:
  Generator(const Plan& plan, std::uint64_t seed) : plan_(plan), rng_(seed) {
    const auto versions = plan.versions();
    first_ = versions.front();
    // Up to three years after the last version (or to the rule set's end).
    last_ = Date::from_days(versions.back().days() + 3 * 365);
    while (!plan.version_on(last_)) last_ = Date::from_days(last_.days() - 1);
  }

  /// One JSON Lines text of `persons` persons' stays, in shuffled order.
  std::string make(int persons, std::size_t& count) {
    std::vector<std::string> lines;
    for (int p = 0; p < persons; ++p) {
      for (auto& s : person(p)) {
        std::string line = s.json;
        if (s.referred_from) line += R"(, "referred_from": ")" + *s.referred_from + "\"";
        if (!s.prior.empty()) line += R"(, "prior": )" + s.prior;
        lines.push_back(line + "}");
      }
    }
    std::shuffle(lines.begin(), lines.end(), rng_);
    count = lines.size();
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    return text;
  }

 private:
  const Plan& plan_;
  std::mt19937_64 rng_;
  Date first_, last_;
  int serial_ = 0;

  std::int64_t uniform(std::int64_t lo, std::int64_t hi) { return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  /// An amount in fen, spread over magnitudes from 1 fen to 200,000 yuan.
  Fen amount() {
    const std::int64_t scale[] = {100, 10'000, 100'000, 1'000'000, 5'000'000, 20'000'000};
    const std::int64_t hi = scale[uniform(0, 5)];
    std::int64_t v = uniform(0, hi);
    if (chance(0.2)) v -= v % 100;  // whole yuan
    return Fen(v);
  }

  Date day_between(Date a, Date b) { return Date::from_days(static_cast<std::int32_t>(uniform(a.days(), b.days()))); }

  std::string fees() {
    std::string s = R"("fees": [)";
    const int n = static_cast<int>(uniform(0, 6));
    for (int i = 0; i < n; ++i) {
      if (i) s += ", ";
      const int cat = static_cast<int>(uniform(0, 9));
      const char* c = cat < 4 ? "A" : cat < 8 ? "B" : "C";
      Fen a = amount();
      s += R"({"category": ")" + std::string(c) + R"(", "amount": ")" + format(a) + "\"";
      if (chance(0.2)) s += R"(, "over_limit": ")" + format(Fen(uniform(0, a.count()))) + "\"";
      if (c[0] == 'B' && chance(0.3)) s += R"(, "selfpay_ratio": ")" + format(Rate(static_cast<std::int32_t>(uniform(0, 4000)))) + "\"";
      s += "}";
    }
    return s + "]";
  }

  std::string buckets() {
    Fen f = amount(), o = amount(), p = amount(), i = amount();
    return R"("buckets": {"total": ")" + format(f + o + p + i) + R"(", "full_selfpay": ")" + format(f) +
           R"(", "over_limit": ")" + format(o) + R"(", "pre_selfpay": ")" + format(p) + R"(", "in_scope": ")" +
           format(i) + "\"}";
  }

  std::vector<GenStay> person(int p) {
    const std::string pid = "P" + std::to_string(p);
    // Fixed facts of the person.
    std::string identities;
    for (const char* id : kIdentities) {
      if (chance(0.3)) identities += std::string(identities.empty() ? "" : ", ") + "\"" + id + "\"";
    }
    const int age = chance(0.2) ? static_cast<int>(uniform(0, 17)) : static_cast<int>(uniform(18, 100));
    const char* category = nullptr;
    if (chance(0.5)) category = std::array{"I", "II", "III"}[uniform(0, 2)];
    const bool employee = chance(0.15);

    // The stays: mostly in one year, sometimes spilling into the next;
    // now and then one before the rule set's first version.
    const Date anchor = day_between(first_, last_);
    const int n = static_cast<int>(uniform(1, 6));
    std::vector<GenStay> stays;
    for (int k = 0; k < n; ++k) {
      GenStay s;
      s.person = pid;
      s.id = "S" + std::to_string(uniform(0, 99)) + "-" + std::to_string(serial_++);
      if (k > 0 && chance(0.15)) {
        s.admitted = stays.back().admitted;  // ties in processing order
        s.discharged = stays.back().discharged;
      } else if (chance(0.05)) {
        s.discharged = Date::from_days(first_.days() - static_cast<std::int32_t>(uniform(1, 400)));
        s.admitted = Date::from_days(s.discharged.days() - static_cast<std::int32_t>(uniform(0, 20)));
      } else {
        s.discharged = Date::from_days(std::min(last_.days(), anchor.days() + static_cast<std::int32_t>(uniform(0, 420))));
        s.admitted = Date::from_days(s.discharged.days() - static_cast<std::int32_t>(uniform(0, 30)));
      }
      s.in_force = plan_.version_on(s.discharged).has_value();

      std::string j = R"({"stay_id": ")" + s.id + R"(", "person_id": ")" + pid + "\"";
      if (!identities.empty()) j += R"(, "identities": [)" + identities + "]";
      if (category) j += R"(, "category": ")" + std::string(category) + "\"";
      j += R"(, "age": )" + std::to_string(age);
      if (employee) j += R"(, "insurance": "employee")";
      j += R"(, "hospital_level": ")" + std::string(kLevels[uniform(0, 4)]) + "\"";
      j += R"(, "region": ")" + std::string(kRegions[uniform(0, 3)]) + "\"";
      j += R"(, "admitted": ")" + format(s.admitted) + R"(", "discharged": ")" + format(s.discharged) + "\"";
      j += R"(, "diagnoses": [)";
      const int nd = static_cast<int>(uniform(1, 3));
      for (int d = 0; d < nd; ++d) j += std::string(d ? ", " : "") + "\"" + kCodes[uniform(0, kCodes.size() - 1)] + "\"";
      j += "]";
      std::string flags;
      for (const char* f : kFlags) {
        if (chance(0.2)) flags += std::string(flags.empty() ? "" : ", ") + "\"" + f + "\"";
      }
      if (!flags.empty()) j += R"(, "flags": [)" + flags + "]";
      j += ", " + (chance(0.1) ? buckets() : fees());
      s.json = j;
      stays.push_back(std::move(s));
    }

    // Processing order, then referrals to earlier settled stays and priors
    // on the first stay of a person-year that has a version in force.
    std::sort(stays.begin(), stays.end(), [](const GenStay& a, const GenStay& b) {
      return std::tie(a.discharged, a.admitted, a.id) < std::tie(b.discharged, b.admitted, b.id);
    });
    std::map<int, bool> year_seen;
    for (std::size_t k = 0; k < stays.size(); ++k) {
      GenStay& s = stays[k];
      if (!s.in_force) continue;
      if (k > 0 && chance(0.2)) {
        std::vector<std::size_t> earlier;
        for (std::size_t e = 0; e < k; ++e) {
          if (stays[e].in_force) earlier.push_back(e);
        }
        if (!earlier.empty()) s.referred_from = stays[earlier[uniform(0, earlier.size() - 1)]].id;
      }
      const int year = s.discharged.year();
      if (!year_seen[year]) {
        year_seen[year] = true;
        if (chance(0.15)) {
          auto ids = plan_.channel_ids(*plan_.version_on(s.discharged));
          std::string prior = "{";
          std::shuffle(ids.begin(), ids.end(), rng_);
          const auto m = static_cast<std::size_t>(uniform(0, std::min<std::int64_t>(2, static_cast<std::int64_t>(ids.size()))));
          for (std::size_t c = 0; c < m; ++c) {
            if (c) prior += ", ";
            prior += "\"" + ids[c] + R"(": {"accumulated": ")" + format(Fen(uniform(0, 5'000'000))) +
                     R"(", "paid": ")" + format(Fen(uniform(0, 2'000'000))) + R"(", "grants": )" +
                     std::to_string(uniform(0, 1)) + "}";
          }
          s.prior = prior + "}";
        }
      }
    }
    return stays;
  }
};

std::vector<std::string> rule_files() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(MEDSETTLE_RULES_DIR)) {
    if (e.path().extension() == ".yaml") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string json_of(const Plan& /*plan*/, const Outcome& o) {
  std::string s;
  if (o.settled()) write_json(s, o.settlement());
  else write_json(s, o.rejection());
  return s;
}

struct Run {
  std::string file;
  Plan plan;
  std::vector<Record> records;
  std::vector<Outcome> outcomes;
};

/// Generates and settles once per rule file; the tests share the result.
const std::vector<Run>& runs() {
  static const std::vector<Run> all = [] {
    std::vector<Run> out;
    std::uint64_t seed = 20240611;
    for (const auto& file : rule_files()) {
      Plan plan = Plan::load_file(file);
      Generator gen(plan, seed++);
      std::size_t count = 0;
      std::string text = gen.make(500, count);
      std::vector<Record> records = read_jsonl(std::string_view(text));
      EXPECT_EQ(records.size(), count) << file;
      std::vector<Outcome> outcomes = settle_batch(plan, records);
      out.push_back(Run{file, plan, std::move(records), std::move(outcomes)});
    }
    return out;
  }();
  return all;
}

}  // namespace

TEST(PropertySetup, EveryRuleFileIsCoveredByThousandsOfStays) {
  const auto& all = runs();
  ASSERT_GE(all.size(), 6u);
  std::size_t total = 0;
  for (const auto& r : all) {
    std::size_t settled = 0, paying = 0;
    for (std::size_t i = 0; i < r.records.size(); ++i) {
      ASSERT_FALSE(r.records[i].rejection) << r.file << " line " << r.records[i].line << ": "
                                           << r.records[i].rejection->message;
      const Outcome& o = r.outcomes[i];
      if (o.settled()) {
        ++settled;
        for (const auto& c : o.settlement().channels) paying += c.paid > Fen(0) ? 1 : 0;
      } else {
        // The generator makes valid stays; only those outside the rule set's dates are rejected.
        EXPECT_EQ(o.rejection().code, ErrorCode::no_version) << r.file << ": " << o.rejection().message;
      }
    }
    EXPECT_GE(settled, r.records.size() * 8 / 10) << r.file;
    EXPECT_GT(paying, settled) << r.file;
    total += r.records.size();
    // The generator exercises referrals, priors and stays outside the dates.
    std::size_t referrals = 0, priors = 0;
    for (const auto& rec : r.records) {
      referrals += rec.stay.referred_from ? 1 : 0;
      priors += rec.stay.prior ? 1 : 0;
    }
    EXPECT_GE(referrals, 100u) << r.file;
    EXPECT_GE(priors, 30u) << r.file;
    EXPECT_GT(r.records.size() - settled, 10u) << r.file;
    std::printf("[          ] %s: %zu stays, %zu settled, %zu referrals, %zu priors, %zu channel payments\n",
                std::filesystem::path(r.file).filename().c_str(), r.records.size(), settled, referrals, priors, paying);
  }
  EXPECT_GE(total, 5000u);
}

TEST(PropertyConservation, TotalIsPaidPlusPatient) {
  for (const auto& r : runs()) {
    for (const auto& o : r.outcomes) {
      if (!o.settled()) continue;
      const Settlement& s = o.settlement();
      ASSERT_EQ(s.buckets.total, s.paid_total() + s.psn_part_amt) << r.file << " " << s.stay_id;
      ASSERT_EQ(s.buckets.total, s.fund_pay_sumamt + s.hosp_part_amt + s.psn_part_amt) << r.file << " " << s.stay_id;
      ASSERT_EQ(s.buckets.total, s.buckets.full_selfpay + s.buckets.over_limit + s.buckets.pre_selfpay + s.buckets.in_scope)
          << r.file << " " << s.stay_id;
    }
  }
}

TEST(PropertyBounds, NoChannelPaysAboveItsBaseOrBelowZero) {
  for (const auto& r : runs()) {
    for (const auto& o : r.outcomes) {
      if (!o.settled()) continue;
      const Settlement& s = o.settlement();
      for (const auto& c : s.channels) {
        const auto id = r.plan.channel(s.version_index, c.index).id;
        ASSERT_GE(c.paid, Fen(0)) << r.file << " " << s.stay_id << " " << id;
        ASSERT_LE(c.paid, c.base) << r.file << " " << s.stay_id << " " << id;
        ASSERT_GE(c.deductible, Fen(0)) << r.file << " " << s.stay_id << " " << id;
        ASSERT_LE(c.deductible, c.base) << r.file << " " << s.stay_id << " " << id;
        if (!c.eligible) {
          ASSERT_EQ(c.paid, Fen(0));
          ASSERT_EQ(c.base, Fen(0));
          ASSERT_EQ(c.deductible, Fen(0));
        }
      }
    }
  }
}

TEST(PropertyAllocation, TakenPerBucketSumsToPaidAndRemaindersStayNonNegative) {
  for (const auto& r : runs()) {
    for (const auto& o : r.outcomes) {
      if (!o.settled()) continue;
      const Settlement& s = o.settlement();
      std::array<Fen, bucket_count> rem{s.buckets.in_scope, s.buckets.pre_selfpay, s.buckets.over_limit,
                                        s.buckets.full_selfpay};
      for (const auto& c : s.channels) {
        Fen sum{};
        for (std::size_t b = 0; b < bucket_count; ++b) {
          ASSERT_GE(c.taken[b], Fen(0)) << r.file << " " << s.stay_id;
          sum += c.taken[b];
          rem[b] -= c.taken[b];
          ASSERT_GE(rem[b], Fen(0)) << r.file << " " << s.stay_id << " bucket " << name(static_cast<Bucket>(b));
        }
        ASSERT_EQ(sum, c.paid) << r.file << " " << s.stay_id;
      }
      ASSERT_EQ(rem[0] + rem[1] + rem[2] + rem[3], s.psn_part_amt) << r.file << " " << s.stay_id;
    }
  }
}

TEST(PropertyFields, ReportedFieldsAreTheSumsOfTheirChannels) {
  for (const auto& r : runs()) {
    for (const auto& o : r.outcomes) {
      if (!o.settled()) continue;
      const Settlement& s = o.settlement();
      std::array<Fen, 5> by{};
      Fen dedc{};
      for (const auto& c : s.channels) {
        const ReportsAs ra = r.plan.channel(s.version_index, c.index).reports_as;
        by[static_cast<std::size_t>(ra)] += c.paid;
        if (ra == ReportsAs::hifp_pay) dedc += c.deductible;
      }
      ASSERT_EQ(s.hifp_pay, by[0]);
      ASSERT_EQ(s.hifmi_pay, by[1]);
      ASSERT_EQ(s.maf_pay, by[2]);
      ASSERT_EQ(s.hosp_part_amt, by[3]);
      ASSERT_EQ(s.oth_pay, by[4]);
      ASSERT_EQ(s.act_pay_dedc, dedc);
      ASSERT_EQ(s.fund_pay_sumamt, by[0] + by[1] + by[2] + by[4]);
    }
  }
}

TEST(PropertyThreads, OneThreadEqualsFourThreads) {
  for (const auto& r : runs()) {
    BatchOptions four;
    four.threads = 4;
    std::vector<Outcome> other = settle_batch(r.plan, r.records, four);
    ASSERT_EQ(other.size(), r.outcomes.size());
    for (std::size_t i = 0; i < other.size(); ++i) {
      ASSERT_EQ(json_of(r.plan, other[i]), json_of(r.plan, r.outcomes[i])) << r.file << " record " << i;
    }
  }
}

TEST(PropertySequential, BatchEqualsOnePersonAtATimeInProcessingOrder) {
  for (const auto& r : runs()) {
    std::map<std::string, std::vector<std::size_t>> persons;
    for (std::size_t i = 0; i < r.records.size(); ++i) persons[r.records[i].stay.person_id].push_back(i);
    std::vector<std::string> expected(r.records.size());
    for (auto& [pid, idx] : persons) {
      std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) {
        const Stay& x = r.records[a].stay;
        const Stay& y = r.records[b].stay;
        return std::tie(x.discharged, x.admitted, x.stay_id) < std::tie(y.discharged, y.admitted, y.stay_id);
      });
      Ledger ledger(r.plan);
      for (std::size_t i : idx) expected[i] = json_of(r.plan, settle(r.plan, r.records[i].stay, ledger, {}, r.records[i].line));
    }
    for (std::size_t i = 0; i < expected.size(); ++i) {
      ASSERT_EQ(json_of(r.plan, r.outcomes[i]), expected[i]) << r.file << " record " << i;
    }
  }
}
