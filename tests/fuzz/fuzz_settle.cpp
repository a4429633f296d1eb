// libFuzzer: settling random valid stays under every shipped rule file.
//
// The bytes choose a few persons and their stays (identities, level, region,
// ages, diagnoses from a list, 0–20 fee lines or buckets with amounts up to
// 10^12 yuan, a stay total within the bound, referrals and priors now and
// then). The stays are written as JSON Lines and read back (every one must be
// accepted), then settled with settle_batch under each rule file in rules/,
// and the harness asserts:
//   - one outcome per record;
//   - per settlement: sum of paid + psn_part_amt == total, medfee_sumamt ==
//     fund_pay_sumamt + hosp_part_amt + psn_part_amt, 0 <= paid <= base per
//     channel, taken per bucket sums to paid (fuzz::check_settlement);
//   - only the rejections valid stays can have (dates out of force, a
//     referral or prior that cannot be honoured, the cascade);
//   - 1 thread == 3 threads, byte for byte (write_json).
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"

#ifndef MEDSETTLE_RULES_DIR
#error "MEDSETTLE_RULES_DIR must name the rules/ directory"
#endif

using namespace medsettle;

namespace {

const char* const kCodes[] = {
    "C15.9", "c16.2", "C18",   "C19",   "C20.x", "N18.0", "N18.5", "n18.9", "C91.0", "C92.4", "Q21.0", "Q21.1",
    "C34.1", "C22.0", "C50.9", "C53",   "C56",   "C25.1", "D61.9", "D66",   "F20.0", "F31.1", "G40.9", "I05.0",
    "I21.4", "I61.0", "I63.9", "J62.8", "J65",   "A15.0", "A19.9", "B20",   "B24.0", "B65.1", "E10.9", "C00.1",
    "C97",   "c95.0", "D00.1", "C98",   "J18.9", "K35.8", "I10",   "E11.9", "S72.0", "O80",   "M54.5", "Z51.1"};
const char* const kIdentities[] = {"registered_poor", "dibao", "tekun", "poor_disabled", "marginal"};
const char* const kLevels[] = {"village", "township", "county", "city", "province"};
const char* const kRegions[] = {"in_county", "in_city", "in_province", "out_of_province"};
const char* const kFlags[] = {"first_diagnosis", "transplant", "tcm_clinic"};
const char* const kCategories[] = {"I", "II", "III"};

struct Plans {
  std::vector<Plan> all;
  std::vector<std::string> channel_ids;  // every channel id of every rule file
};

const Plans& plans() {
  static const Plans p = [] {
    Plans out;
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(MEDSETTLE_RULES_DIR)) {
      if (e.path().extension() == ".yaml") files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      out.all.push_back(Plan::load_file(f));
      for (const auto& id : out.all.back().ledger_slots()) {
        if (std::find(out.channel_ids.begin(), out.channel_ids.end(), id) == out.channel_ids.end()) {
          out.channel_ids.push_back(id);
        }
      }
    }
    FUZZ_CHECK(out.all.size() >= 6, "the rule files are missing");
    return out;
  }();
  return p;
}

/// An amount in fen within [0, budget], spread over magnitudes.
Fen amount(FuzzedDataProvider& in, Fen budget) {
  const int digits = in.ConsumeIntegralInRange<int>(0, 14);
  std::int64_t hi = 1;
  for (int i = 0; i < digits; ++i) hi *= 10;
  hi = std::min(hi, budget.count());
  return Fen(in.ConsumeIntegralInRange<std::int64_t>(0, std::max<std::int64_t>(0, hi)));
}

/// An amount as JSON: a string, or a number when it has a short form.
std::string money(FuzzedDataProvider& in, Fen f) {
  std::string t = format(f);
  if (in.ConsumeBool()) return t;
  if (t.size() > 3 && t.compare(t.size() - 3, 3, ".00") == 0) t.resize(t.size() - 3);  // "12.00" -> 12
  return t;
}

std::string one_stay(FuzzedDataProvider& in, const std::string& id, const std::string& person,
                     const std::vector<std::string>& earlier, bool first_of_person) {
  std::string j = R"({"stay_id": ")" + id + R"(", "person_id": ")" + person + "\"";
  std::string ids;
  for (const char* x : kIdentities) {
    if (in.ConsumeBool()) ids += std::string(ids.empty() ? "\"" : ", \"") + x + "\"";
  }
  if (!ids.empty() || in.ConsumeBool()) j += R"(, "identities": [)" + ids + "]";
  if (in.ConsumeBool()) j += R"(, "category": ")" + std::string(in.PickValueInArray(kCategories)) + "\"";
  j += R"(, "age": )" + std::to_string(in.ConsumeIntegralInRange<int>(0, 150));
  if (in.ConsumeBool()) j += in.ConsumeBool() ? R"(, "insurance": "employee")" : R"(, "insurance": "resident")";
  j += R"(, "hospital_level": ")" + std::string(in.PickValueInArray(kLevels)) + "\"";
  j += R"(, "region": ")" + std::string(in.PickValueInArray(kRegions)) + "\"";
  // Discharged 2016-06-01 .. 2021-12-31 (some outside every rule set's dates).
  const Date lo = Date::from_ymd(2016, 6, 1), hi = Date::from_ymd(2021, 12, 31);
  const Date discharged = Date::from_days(in.ConsumeIntegralInRange<std::int32_t>(lo.days(), hi.days()));
  const Date admitted = Date::from_days(discharged.days() - in.ConsumeIntegralInRange<std::int32_t>(0, 60));
  j += R"(, "admitted": ")" + format(admitted) + R"(", "discharged": ")" + format(discharged) + "\"";
  j += R"(, "diagnoses": [)";
  const int nd = in.ConsumeIntegralInRange<int>(1, 3);
  for (int d = 0; d < nd; ++d) j += std::string(d ? ", \"" : "\"") + in.PickValueInArray(kCodes) + "\"";
  j += "]";
  std::string flags;
  for (const char* f : kFlags) {
    if (in.ConsumeBool()) flags += std::string(flags.empty() ? "\"" : ", \"") + f + "\"";
  }
  if (!flags.empty()) j += R"(, "flags": [)" + flags + "]";
  if (!earlier.empty() && in.ConsumeIntegralInRange<int>(0, 3) == 0) {
    // An earlier stay of the person in input order (not always earlier in
    // processing order: then bad_referral), now and then the stay itself.
    const std::string& ref = in.ConsumeIntegralInRange<int>(0, 7) == 0
                                 ? id
                                 : earlier[in.ConsumeIntegralInRange<std::size_t>(0, earlier.size() - 1)];
    j += R"(, "referred_from": ")" + ref + "\"";
  }
  if (first_of_person && in.ConsumeIntegralInRange<int>(0, 3) == 0) {
    const auto& ids_all = plans().channel_ids;
    std::string prior;
    const int m = in.ConsumeIntegralInRange<int>(0, 2);
    for (int c = 0; c < m; ++c) {
      const std::string& ch = ids_all[in.ConsumeIntegralInRange<std::size_t>(0, ids_all.size() - 1)];
      if (prior.find("\"" + ch + "\"") != std::string::npos) continue;
      prior += std::string(prior.empty() ? "" : ", ") + "\"" + ch + R"(": {"accumulated": )" +
               money(in, amount(in, max_amount)) + R"(, "paid": )" + money(in, amount(in, max_amount)) +
               R"(, "grants": )" + std::to_string(in.ConsumeIntegralInRange<int>(0, 3)) + "}";
    }
    j += R"(, "prior": {)" + prior + "}";
  }
  if (in.ConsumeIntegralInRange<int>(0, 7) == 0) {
    Fen budget = max_amount;
    Fen b[4];
    for (Fen& x : b) {
      x = amount(in, budget);
      budget -= x;
    }
    j += R"(, "buckets": {"total": )" + money(in, b[0] + b[1] + b[2] + b[3]) + R"(, "full_selfpay": )" +
         money(in, b[0]) + R"(, "over_limit": )" + money(in, b[1]) + R"(, "pre_selfpay": )" + money(in, b[2]) +
         R"(, "in_scope": )" + money(in, b[3]) + "}";
  } else {
    j += R"(, "fees": [)";
    const int n = in.ConsumeIntegralInRange<int>(0, 20);
    Fen budget = max_amount;
    for (int k = 0; k < n; ++k) {
      const int cat = in.ConsumeIntegralInRange<int>(0, 2);
      const Fen a = amount(in, budget);
      budget -= a;
      j += std::string(k ? ", " : "") + R"({"category": ")" + std::string(1, "ABC"[cat]) + R"(", "amount": )" + money(in, a);
      if (in.ConsumeIntegralInRange<int>(0, 4) == 0) j += R"(, "over_limit": )" + money(in, amount(in, a));
      if (cat == 1 && in.ConsumeIntegralInRange<int>(0, 3) == 0) {
        j += R"(, "selfpay_ratio": ")" + format(Rate(in.ConsumeIntegralInRange<std::int32_t>(0, Rate::scale))) + "\"";
      }
      j += "}";
    }
    j += "]";
  }
  return j + "}";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const Plans& all = plans();

  // A few persons, a few stays each, in an order the bytes choose.
  std::vector<std::string> lines;
  const int persons = in.ConsumeIntegralInRange<int>(1, 4);
  int serial = 0;
  for (int p = 0; p < persons; ++p) {
    const std::string person = "P" + std::to_string(p);
    std::vector<std::string> earlier;
    const int stays = in.ConsumeIntegralInRange<int>(1, 5);
    for (int k = 0; k < stays; ++k) {
      const std::string id = "S" + std::to_string(serial++);
      lines.push_back(one_stay(in, id, person, earlier, k == 0));
      earlier.push_back(id);
    }
  }
  for (std::size_t i = lines.size(); i > 1; --i) {
    std::swap(lines[i - 1], lines[in.ConsumeIntegralInRange<std::size_t>(0, i - 1)]);
  }
  std::string text;
  for (const auto& l : lines) text += l + "\n";

  const std::vector<Record> records = read_jsonl(std::string_view(text));
  FUZZ_CHECK(records.size() == lines.size(), "records read");
  for (const Record& r : records) {
    FUZZ_CHECK(!r.rejection, "a generated stay was rejected: " + r.rejection->message + "\n" +
                                 lines[static_cast<std::size_t>(r.line - 1)]);
  }

  for (const Plan& plan : all.all) {
    std::vector<Outcome> one = settle_batch(plan, records);
    FUZZ_CHECK(one.size() == records.size(), "one outcome per record");
    BatchOptions three;
    three.threads = 3;
    std::vector<Outcome> other = settle_batch(plan, records, three);
    FUZZ_CHECK(other.size() == records.size(), "one outcome per record (3 threads)");
    for (std::size_t i = 0; i < one.size(); ++i) {
      const Outcome& o = one[i];
      if (o.settled()) {
        FUZZ_CHECK(o.settlement().stay_id == records[i].stay.stay_id, "outcomes out of input order");
        fuzz::check_settlement(plan, o.settlement());
      } else {
        const Rejection& r = o.rejection();
        FUZZ_CHECK(r.line == records[i].line, "rejection line");
        const ErrorCode c = r.code;
        FUZZ_CHECK(c == ErrorCode::no_version || c == ErrorCode::bad_referral || c == ErrorCode::bad_prior ||
                       c == ErrorCode::earlier_rejected,
                   std::string(plan.id()) + ": a valid stay rejected with " + std::string(name(c)) + ": " + r.message);
      }
      FUZZ_CHECK(fuzz::render(plan, o) == fuzz::render(plan, other[i]),
                 std::string(plan.id()) + ": 1 thread != 3 threads for record " + std::to_string(i));
    }
  }
  return 0;
}
