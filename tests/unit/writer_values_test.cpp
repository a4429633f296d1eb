// The writers by value: for one worked stay of each scheme, the CSV cells
// (write_csv under csv_header), the itemization (write_itemization_json,
// write_json_itemized) and the trace (render_trace_text, write_trace_json)
// hold the figures worked by hand in tests/golden/<scheme>.worked.md, whose
// arithmetic is copied beside each figure below (amounts in yuan; "round" is
// the scheme's rounding to the fen; S, P, O, F are the remainders of
// in_scope, pre_selfpay, over_limit and full_selfpay).
//
// Each stay is settled in its golden file (settle_batch over
// tests/golden/<scheme>.stays.jsonl, with a trace), so that the ledger
// carries the person's earlier stays as the worked example says.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <ostream>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "medsettle/engine.hpp"
#include "medsettle/plan.hpp"
#include "medsettle/reader.hpp"
#include "medsettle/writer.hpp"

using namespace medsettle;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A CSV line's cells (the writer quotes no cell of these stays: ids,
/// dates, digests and amounts hold no comma or quote).
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

struct Worked {
  const char* scheme;
  const char* stay_id;
  /// CSV column -> cell.
  std::vector<std::pair<std::string, std::string>> csv;
  /// The itemization, one object per channel in evaluation order.
  std::vector<std::string> itemization;
  /// Messages of trace steps (each must be a step of the trace).
  std::vector<std::string> steps;
  /// Regexes the text trace must match (the channel table and the fields).
  std::vector<std::string> text;
};

const std::vector<Worked>& worked() {
  static const std::vector<Worked> all = {
      // ---- hunan.worked.md, stay S5493475 (the person's only settled stay of 2020; version 2019-01-01).
      {"hunan",
       "S5493475",
       {
           {"stay_id", "S5493475"},
           {"person_id", "P000033"},
           {"rules", "hunan"},
           {"version", "2019-01-01"},
           // Fee lines: A 276080.08; B 89736.88 -> P round(8973.688) = 8973.69, S 80763.19; C 25211.12;
           // B 2638.23 -> P round(263.823) = 263.82, S 2374.41; B 31736.77 at 0.125 -> P round(3967.09625) = 3967.10,
           // S 27769.67.
           // T = 276080.08 + 89736.88 + 25211.12 + 2638.23 + 31736.77 = 425403.08
           {"medfee_sumamt", "425403.08"},
           {"fulamt_ownpay_amt", "25211.12"},  // F: the one C line
           {"overlmt_selfpay", "0.00"},        // no over_limit given
           {"preselfpay_amt", "13204.61"},     // P = 8973.69 + 263.82 + 3967.10
           {"inscp_scp_amt", "386987.35"},     // S = 276080.08 + 80763.19 + 2374.41 + 27769.67
           {"act_pay_dedc", "200.00"},         // basic: min(B 386987.35, D 200.00)
           // basic: raw = 0.95 × (386987.35 − 200.00) = 367447.9825 -> 367447.98; cap_year room 200000.00 -> 200000.00
           {"hifp_pay", "200000.00"},
           // critical_illness: B = 386987.35 − 200000.00 = 186987.35; D 5000.00 (10000.00 × 0.5);
           // 0.90 × 50000.00 + 0.90 × 50000.00 + 0.90 × 81987.35 = 163788.615 -> 163788.62
           {"hifmi_pay", "163788.62"},
           {"maf_pay", "0.00"},        // medical_aid not eligible (principal C71.9 not in nine_major)
           {"hosp_part_amt", "0.00"},  // hospital_waiver not eligible
           // oth_pay = commercial 10921.00 + backstop 20482.34 = 31403.34
           {"oth_pay", "31403.34"},
           // fund_pay_sumamt = 200000.00 + 163788.62 + 0.00 + 31403.34 = 395191.96
           {"fund_pay_sumamt", "395191.96"},
           // patient: S 0.00 + P 5000.00 + O 0.00 + F 25211.12 = 30211.12 (= 425403.08 − 395191.96 − 0.00)
           {"psn_part_amt", "30211.12"},
           {"basic_paid", "200000.00"},
           {"critical_illness_paid", "163788.62"},
           // commercial: B = S (186987.35 − 163788.62 = 23198.73) + P 13204.61 = 36403.34; 0.30 × 36403.34 = 10921.002
           {"commercial_paid", "10921.00"},
           {"medical_aid_paid", "0.00"},
           {"hospital_waiver_paid", "0.00"},
           // backstop: B = S (23198.73 − 10921.00 = 12277.73) + P 13204.61 = 25482.34; L 5000.00 (township);
           // X = 25482.34 − 5000.00 = 20482.34
           {"backstop_paid", "20482.34"},
       },
       {
           // basic: computed 367447.98 (above), limited by cap_year to 200000.00; one band 386787.35 @0.95
           R"({"id":"basic","computed":"367447.98","limited_by":"cap_year","bands":[{"amount":"386787.35","rate":"0.95"}],"taken":{"in_scope":"200000.00","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           // critical_illness: bands of acc + B = 0 + 186987.35 above D 5000.00: 50000.00, 50000.00, 181987.35 − 100000.00 = 81987.35
           R"({"id":"critical_illness","computed":"163788.62","limited_by":"none","bands":[{"amount":"50000.00","rate":"0.9"},{"amount":"50000.00","rate":"0.9"},{"amount":"81987.35","rate":"0.9"}],"taken":{"in_scope":"163788.62","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           // commercial: D 0.00, one band 36403.34 @0.30; 10921.00 taken from S (first in its base list)
           R"({"id":"commercial","computed":"10921.00","limited_by":"none","bands":[{"amount":"36403.34","rate":"0.3"}],"taken":{"in_scope":"10921.00","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           R"({"id":"medical_aid","computed":"0.00","limited_by":"none","bands":[],"taken":{"in_scope":"0.00","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           R"({"id":"hospital_waiver","computed":"0.00","limited_by":"none","bands":[],"taken":{"in_scope":"0.00","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           // backstop: 20482.34 = S 12277.73 (all of it) + P 20482.34 − 12277.73 = 8204.61
           R"({"id":"backstop","computed":"20482.34","limited_by":"none","bands":[],"taken":{"in_scope":"12277.73","pre_selfpay":"8204.61","over_limit":"0.00","full_selfpay":"0.00"}})",
       },
       {
           "buckets: total 425403.08 = full_selfpay 25211.12 + over_limit 0.00 + pre_selfpay 13204.61 + in_scope "
           "386987.35 (class B self-pay 0.1)",
           "basic: raw = 0.95 × 386787.35 = 367447.982500; rounded 367447.98",
           "critical_illness: raw = 0.9 × 50000.00 + 0.9 × 50000.00 + 0.9 × 81987.35 = 163788.615000; rounded 163788.62",
           "backstop: limit L = 5000.00 a year; kept this year before 0.00; allowed 5000.00; X = max(0, B - allowed) = "
           "20482.34",
           "patient pays 30211.12 (in_scope 0.00 + pre_selfpay 5000.00 + over_limit 0.00 + full_selfpay 25211.12); "
           "funds 395191.96, hospital 0.00",
       },
       {
           R"(basic +390100 +yes +386987\.35 +200\.00 +200000\.00)",
           R"(backstop +640100 +yes +25482\.34 +0\.00 +20482\.34)",
           R"(patient pays \(psn_part_amt\) +30211\.12)",
       }},

      // ---- zhuzhou.worked.md, stay S7200250 (only settled stay of 2018, with a prior: basic paid 142172.00;
      // critical_illness accumulated 22676.00, paid 9529.00; version 2018-01-01).
      {"zhuzhou",
       "S7200250",
       {
           {"stay_id", "S7200250"},
           {"version", "2018-01-01"},
           // Fee lines: B 21.47 -> P round(2.147) = 2.15, S 19.32; B 168.27 with over_limit 21.49 -> O 21.49,
           // P round(146.78 × 0.10 = 14.678) = 14.68, S 132.10; C 27.58; A 1116.11.
           {"medfee_sumamt", "1333.43"},     // 21.47 + 168.27 + 27.58 + 1116.11
           {"fulamt_ownpay_amt", "27.58"},   // F
           {"overlmt_selfpay", "21.49"},     // O
           {"preselfpay_amt", "16.83"},      // P = 2.15 + 14.68
           {"inscp_scp_amt", "1267.53"},     // S = 19.32 + 132.10 + 1116.11
           {"act_pay_dedc", "500.00"},       // basic: min(B 1267.53, D 500.00)
           {"hifp_pay", "652.40"},           // basic: 0.85 × (1267.53 − 500.00) = 652.4005 -> 652.40 (room 7828.00)
           {"hifmi_pay", "307.57"},          // critical_illness: B 615.13, acc 22676.00 past D 6000.00: 0.50 × 615.13 = 307.565
           {"maf_pay", "215.29"},            // medical_aid: B 307.56 (615.13 − 307.57), 0.70 × 307.56 = 215.292
           {"hosp_part_amt", "0.00"},        // hospital_waiver not eligible
           {"oth_pay", "109.10"},            // commercial 0.00 + backstop 109.10
           {"fund_pay_sumamt", "1284.36"},   // 652.40 + 307.57 + 215.29 + 109.10
           {"psn_part_amt", "49.07"},        // S 0.00 + P 0.00 + O 21.49 + F 27.58
           {"basic_paid", "652.40"},
           {"critical_illness_paid", "307.57"},
           {"medical_aid_paid", "215.29"},
           {"commercial_paid", "0.00"},      // not eligible (needs registered_poor)
           {"hospital_waiver_paid", "0.00"},
           // backstop: L 0.00 (category I); B = S (307.56 − 215.29 = 92.27) + P 16.83 = 109.10; X = 109.10
           {"backstop_paid", "109.10"},
       },
       {
           R"({"id":"basic","computed":"652.40","limited_by":"none","bands":[{"amount":"767.53","rate":"0.85"}],"taken":{"in_scope":"652.40","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           // acc 22676.00 already past D: the whole B 615.13 in the first band (<= 50000.00) @0.50
           R"({"id":"critical_illness","computed":"307.57","limited_by":"none","bands":[{"amount":"615.13","rate":"0.5"}],"taken":{"in_scope":"307.57","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           R"({"id":"medical_aid","computed":"215.29","limited_by":"none","bands":[{"amount":"307.56","rate":"0.7"}],"taken":{"in_scope":"215.29","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           R"({"id":"commercial","computed":"0.00","limited_by":"none","bands":[],"taken":{"in_scope":"0.00","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           R"({"id":"hospital_waiver","computed":"0.00","limited_by":"none","bands":[],"taken":{"in_scope":"0.00","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           // backstop: 109.10 = S 92.27 + P 16.83
           R"({"id":"backstop","computed":"109.10","limited_by":"none","bands":[],"taken":{"in_scope":"92.27","pre_selfpay":"16.83","over_limit":"0.00","full_selfpay":"0.00"}})",
       },
       {
           "basic: cap_year 150000.00, paid this year before 142172.00, room 7828.00",  // 150000.00 − 142172.00
           "critical_illness: deductible 6000.00; accumulated this year before this stay 22676.00, after 23291.13; "
           "applied 0.00",  // 22676.00 + 615.13 = 23291.13; min(23291.13, 6000) − min(22676.00, 6000) = 0
           "critical_illness: raw = 0.5 × 615.13 = 307.565000; rounded 307.57",
           "backstop: limit L = 0.00 a year; kept this year before 0.00; allowed 0.00; X = max(0, B - allowed) = 109.10",
           "patient pays 49.07 (in_scope 0.00 + pre_selfpay 0.00 + over_limit 21.49 + full_selfpay 27.58); funds "
           "1284.36, hospital 0.00",
       },
       {
           R"(medical_aid +610100 +yes +307\.56 +0\.00 +215\.29)",
           R"(commercial +620100 +no +0\.00 +0\.00 +0\.00)",
           R"(patient pays \(psn_part_amt\) +49\.07)",
       }},

      // ---- funing.worked.md, stay S7291633 (only settled stay of 2020; version 2018-03-01).
      {"funing",
       "S7291633",
       {
           {"stay_id", "S7291633"},
           {"version", "2018-03-01"},
           // Fee lines: A 72313.96; C 9778.91; B 11244.72 at 0.10 -> P 1124.47, S 10120.25; C 3032.02;
           // B 5186.95 at 0.125 -> P round(648.36875) = 648.37, S 4538.58; A 5353.74.
           {"medfee_sumamt", "106910.30"},    // sum of the six lines
           {"fulamt_ownpay_amt", "12810.93"},  // 9778.91 + 3032.02
           {"overlmt_selfpay", "0.00"},
           {"preselfpay_amt", "1772.84"},      // 1124.47 + 648.37
           {"inscp_scp_amt", "92326.53"},      // 72313.96 + 10120.25 + 4538.58 + 5353.74
           {"act_pay_dedc", "0.00"},           // basic: deductible_set 0.00 (low_income)
           {"hifp_pay", "50779.59"},           // 0.55 × 92326.53 = 50779.5915
           {"hifmi_pay", "18582.86"},          // B 41546.94 (92326.53 − 50779.59), D 15000.00: 0.70 × 26546.94 = 18582.858
           // maf_pay = medical_aid 16074.86 + cancer_grant 2000.00 + transplant_grant 15141.96
           {"maf_pay", "33216.82"},
           {"hosp_part_amt", "0.00"},          // hospital_cap not eligible (not in_county)
           {"oth_pay", "4331.03"},             // commercial 4331.03 + serious_illness_aid 0.00
           {"fund_pay_sumamt", "106910.30"},   // 50779.59 + 18582.86 + 33216.82 + 4331.03
           {"psn_part_amt", "0.00"},           // every remainder taken
           {"basic_paid", "50779.59"},
           {"critical_illness_paid", "18582.86"},
           {"medical_aid_paid", "16074.86"},   // B 22964.08 (41546.94 − 18582.86) × 0.70 = 16074.856
           {"commercial_paid", "4331.03"},     // B = S 6889.22 + P 1772.84 = 8662.06; × 0.50 = 4331.03
           {"cancer_grant_paid", "2000.00"},   // A 2000.00 <= B 17141.96
           {"transplant_grant_paid", "15141.96"},  // min(A 100000.00, B 15141.96)
           {"serious_illness_aid_paid", "0.00"},   // B 0.00
           {"hospital_cap_paid", "0.00"},
       },
       {
           R"({"id":"basic","computed":"50779.59","limited_by":"none","bands":[{"amount":"92326.53","rate":"0.55"}],"taken":{"in_scope":"50779.59","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           // 41546.94 − 15000.00 = 26546.94 in the first band (<= 100000.00) @0.70
           R"({"id":"critical_illness","computed":"18582.86","limited_by":"none","bands":[{"amount":"26546.94","rate":"0.7"}],"taken":{"in_scope":"18582.86","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           R"({"id":"medical_aid","computed":"16074.86","limited_by":"none","bands":[{"amount":"22964.08","rate":"0.7"}],"taken":{"in_scope":"16074.86","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           // S 22964.08 − 16074.86 = 6889.22 covers 4331.03
           R"({"id":"commercial","computed":"4331.03","limited_by":"none","bands":[{"amount":"8662.06","rate":"0.5"}],"taken":{"in_scope":"4331.03","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           // S 6889.22 − 4331.03 = 2558.19 covers 2000.00
           R"({"id":"cancer_grant","computed":"2000.00","limited_by":"none","bands":[],"taken":{"in_scope":"2000.00","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           // A 100000.00 limited by the base 15141.96 = S 558.19 + P 1772.84 + F 12810.93
           R"({"id":"transplant_grant","computed":"100000.00","limited_by":"base","bands":[],"taken":{"in_scope":"558.19","pre_selfpay":"1772.84","over_limit":"0.00","full_selfpay":"12810.93"}})",
           R"({"id":"serious_illness_aid","computed":"0.00","limited_by":"none","bands":[],"taken":{"in_scope":"0.00","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           R"({"id":"hospital_cap","computed":"0.00","limited_by":"none","bands":[],"taken":{"in_scope":"0.00","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
       },
       {
           "basic: raw = 0.55 × 92326.53 = 50779.591500; rounded 50779.59",
           "critical_illness: deductible 15000.00; accumulated this year before this stay 0.00, after 41546.94; "
           "applied 15000.00",
           "transplant_grant: grant 100000.00 (once per year)",
           "serious_illness_aid: raw = nothing above the deductible = 0.000000; rounded 0.00",  // B 0.00 < D 10000.00
           "patient pays 0.00 (in_scope 0.00 + pre_selfpay 0.00 + over_limit 0.00 + full_selfpay 0.00); funds "
           "106910.30, hospital 0.00",
       },
       {
           R"(transplant_grant +[0-9]+ +yes +15141\.96 +0\.00 +15141\.96)",
           R"(patient pays \(psn_part_amt\) +0\.00)",
       }},

      // ---- zhenba.worked.md, stay S4002852 (only settled stay of 2020; version 2017-01-01).
      {"zhenba",
       "S4002852",
       {
           {"stay_id", "S4002852"},
           {"version", "2017-01-01"},
           // Fee lines: B 137.63 -> P round(13.763) = 13.76, S 123.87; C 16.70; C 92.87;
           // B 104.86 -> P round(10.486) = 10.49, S 94.37; A 397.16.
           {"medfee_sumamt", "749.22"},      // 137.63 + 16.70 + 92.87 + 104.86 + 397.16
           {"fulamt_ownpay_amt", "109.57"},  // 16.70 + 92.87
           {"overlmt_selfpay", "0.00"},
           {"preselfpay_amt", "24.25"},      // 13.76 + 10.49
           {"inscp_scp_amt", "615.40"},      // 123.87 + 94.37 + 397.16
           {"act_pay_dedc", "300.00"},       // basic: D 600.00 × 0.50 = 300.00 <= B 615.40
           {"hifp_pay", "252.32"},           // 0.80 × (615.40 − 300.00) = 252.32
           {"hifmi_pay", "0.00"},            // B 363.08 under D 5000.00
           {"maf_pay", "181.54"},            // 0.50 × 363.08
           {"hosp_part_amt", "0.00"},
           {"oth_pay", "58.46"},             // supplementary: L round(0.20 × 615.40) = 123.08; 181.54 − 123.08
           {"fund_pay_sumamt", "492.32"},    // 252.32 + 0.00 + 181.54 + 58.46
           {"psn_part_amt", "256.90"},       // S 123.08 + P 24.25 + O 0.00 + F 109.57
           {"basic_paid", "252.32"},
           {"critical_illness_paid", "0.00"},
           {"medical_aid_paid", "181.54"},
           {"supplementary_paid", "58.46"},
       },
       {
           R"({"id":"basic","computed":"252.32","limited_by":"none","bands":[{"amount":"315.40","rate":"0.8"}],"taken":{"in_scope":"252.32","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           R"({"id":"critical_illness","computed":"0.00","limited_by":"none","bands":[],"taken":{"in_scope":"0.00","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           R"({"id":"medical_aid","computed":"181.54","limited_by":"none","bands":[{"amount":"363.08","rate":"0.5"}],"taken":{"in_scope":"181.54","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           R"({"id":"supplementary","computed":"58.46","limited_by":"none","bands":[],"taken":{"in_scope":"58.46","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
       },
       {
           "basic: raw = 0.8 × 315.40 = 252.320000; rounded 252.32",
           // acc 0.00 + B 363.08 <= D 5000.00: all of B is deductible
           "critical_illness: deductible 5000.00; accumulated this year before this stay 0.00, after 363.08; applied "
           "363.08",
           "supplementary: limit L = 123.08; X = max(0, B - L) = 58.46",
           "patient pays 256.90 (in_scope 123.08 + pre_selfpay 24.25 + over_limit 0.00 + full_selfpay 109.57); funds "
           "492.32, hospital 0.00",
       },
       {
           R"(supplementary +[0-9]+ +yes +181\.54 +0\.00 +58\.46)",
           R"(patient pays \(psn_part_amt\) +256\.90)",
       }},

      // ---- xuchang.worked.md, stay S2939385 (stay 2 of 2 in 2021, after S3558384; version 2019-01-01).
      {"xuchang",
       "S2939385",
       {
           {"stay_id", "S2939385"},
           {"version", "2019-01-01"},
           // Fee lines: C 1670.61; B 8241.69 with over_limit 1559.27 -> O 1559.27, P round(6682.42 × 0.10 =
           // 668.242) = 668.24, S 6014.18; A 14015.84; A 771.49; A 509.68.
           {"medfee_sumamt", "25209.31"},    // 1670.61 + 8241.69 + 14015.84 + 771.49 + 509.68
           {"fulamt_ownpay_amt", "1670.61"},
           {"overlmt_selfpay", "1559.27"},
           {"preselfpay_amt", "668.24"},
           {"inscp_scp_amt", "21311.19"},    // 6014.18 + 14015.84 + 771.49 + 509.68
           {"act_pay_dedc", "800.00"},
           {"hifp_pay", "13332.27"},         // 0.65 × (21311.19 − 800.00) = 13332.2735
           // B 7978.92 (21311.19 − 13332.27); acc 167.14, D 7500.00: 0.55 × (8146.06 − 7500.00) = 355.333
           {"hifmi_pay", "355.33"},
           {"maf_pay", "2653.71"},           // B 3791.01 (7623.59 − 3832.58) × 0.70 = 2653.707
           {"hosp_part_amt", "0.00"},
           {"oth_pay", "6347.07"},           // ci_supplement 3832.58 + fourth_reimbursement 2514.49
           {"fund_pay_sumamt", "22688.38"},  // 13332.27 + 355.33 + 2653.71 + 6347.07
           {"psn_part_amt", "2520.93"},      // S 0 + P 0 + O 850.32 + F 1670.61
           {"basic_paid", "13332.27"},
           {"critical_illness_paid", "355.33"},
           // B 7623.59 (7978.92 − 355.33); acc 167.14, D 3000.00: 0.80 × (7790.73 − 3000.00) = 3832.584
           {"ci_supplement_paid", "3832.58"},
           {"medical_aid_paid", "2653.71"},
           // L round(0.10 × 25209.31 = 2520.931) = 2520.93; B 1137.30 + 668.24 + 1559.27 + 1670.61 = 5035.42;
           // X = 5035.42 − 2520.93 = 2514.49
           {"fourth_reimbursement_paid", "2514.49"},
       },
       {
           R"({"id":"basic","computed":"13332.27","limited_by":"none","bands":[{"amount":"20511.19","rate":"0.65"}],"taken":{"in_scope":"13332.27","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           R"({"id":"critical_illness","computed":"355.33","limited_by":"none","bands":[{"amount":"646.06","rate":"0.55"}],"taken":{"in_scope":"355.33","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           R"({"id":"ci_supplement","computed":"3832.58","limited_by":"none","bands":[{"amount":"4790.73","rate":"0.8"}],"taken":{"in_scope":"3832.58","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           R"({"id":"medical_aid","computed":"2653.71","limited_by":"none","bands":[{"amount":"3791.01","rate":"0.7"}],"taken":{"in_scope":"2653.71","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           // 2514.49 = S 1137.30 + P 668.24 + O 708.95 (of 1559.27, leaving 850.32)
           R"({"id":"fourth_reimbursement","computed":"2514.49","limited_by":"none","bands":[],"taken":{"in_scope":"1137.30","pre_selfpay":"668.24","over_limit":"708.95","full_selfpay":"0.00"}})",
       },
       {
           "basic: cap_year 150000.00, paid this year before 154.29, room 149845.71",  // 150000.00 − 154.29
           "critical_illness: deductible 7500.00; accumulated this year before this stay 167.14, after 8146.06; "
           "applied 7332.86",  // 7500.00 − 167.14
           "ci_supplement: raw = 0.8 × 4790.73 = 3832.584000; rounded 3832.58",
           "fourth_reimbursement: limit L = 2520.93; X = max(0, B - L) = 2514.49",
           "patient pays 2520.93 (in_scope 0.00 + pre_selfpay 0.00 + over_limit 850.32 + full_selfpay 1670.61); funds "
           "22688.38, hospital 0.00",
       },
       {
           R"(fourth_reimbursement +[0-9]+ +yes +5035\.42 +0\.00 +2514\.49)",
           R"(patient pays \(psn_part_amt\) +2520\.93)",
       }},

      // ---- linxian.worked.md, stay S1999094 (only settled stay of 2017; version 2017-01-01).
      {"linxian",
       "S1999094",
       {
           {"stay_id", "S1999094"},
           {"version", "2017-01-01"},
           // Fee lines: C 88.69; A 1001.31; B 198.48 -> P round(19.848) = 19.85, S 178.63;
           // B 71.54 at 0.20 -> P round(14.308) = 14.31, S 57.23; C 29.42.
           {"medfee_sumamt", "1389.44"},    // 88.69 + 1001.31 + 198.48 + 71.54 + 29.42
           {"fulamt_ownpay_amt", "118.11"},  // 88.69 + 29.42
           {"overlmt_selfpay", "0.00"},
           {"preselfpay_amt", "34.16"},      // 19.85 + 14.31
           {"inscp_scp_amt", "1237.17"},     // 1001.31 + 178.63 + 57.23
           {"act_pay_dedc", "50.00"},        // D 100.00 × 0.50
           {"hifp_pay", "1127.81"},          // 0.95 × (1237.17 − 50.00) = 1127.8115
           {"hifmi_pay", "0.00"},            // B 109.36 under D 5000.00
           {"maf_pay", "66.43"},             // B = S 76.55 + P 34.16 = 110.71; 0.60 × 110.71 = 66.426
           {"hosp_part_amt", "162.39"},      // tcm_waiver: 1.00 × (S 10.12 + P 34.16 + F 118.11)
           {"oth_pay", "32.81"},             // supplementary 0.30 × 109.36 = 32.808 + backstop_136 0.00
           {"fund_pay_sumamt", "1227.05"},   // 1127.81 + 0.00 + 66.43 + 32.81
           {"psn_part_amt", "0.00"},         // 1389.44 − 1227.05 − 162.39
           {"basic_paid", "1127.81"},
           {"critical_illness_paid", "0.00"},
           {"supplementary_paid", "32.81"},
           {"backstop_136_paid", "0.00"},    // B 110.71 below L 1000.00 (township)
           {"medical_aid_paid", "66.43"},
           {"tcm_waiver_paid", "162.39"},
       },
       {
           R"({"id":"basic","computed":"1127.81","limited_by":"none","bands":[{"amount":"1187.17","rate":"0.95"}],"taken":{"in_scope":"1127.81","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           R"({"id":"critical_illness","computed":"0.00","limited_by":"none","bands":[],"taken":{"in_scope":"0.00","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           R"({"id":"supplementary","computed":"32.81","limited_by":"none","bands":[{"amount":"109.36","rate":"0.3"}],"taken":{"in_scope":"32.81","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           R"({"id":"backstop_136","computed":"0.00","limited_by":"none","bands":[],"taken":{"in_scope":"0.00","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           R"({"id":"medical_aid","computed":"66.43","limited_by":"none","bands":[{"amount":"110.71","rate":"0.6"}],"taken":{"in_scope":"66.43","pre_selfpay":"0.00","over_limit":"0.00","full_selfpay":"0.00"}})",
           // 162.39 = S 10.12 (76.55 − 66.43) + P 34.16 + F 118.11
           R"({"id":"tcm_waiver","computed":"162.39","limited_by":"none","bands":[{"amount":"162.39","rate":"1"}],"taken":{"in_scope":"10.12","pre_selfpay":"34.16","over_limit":"0.00","full_selfpay":"118.11"}})",
       },
       {
           "basic: raw = 0.95 × 1187.17 = 1127.811500; rounded 1127.81",
           "backstop_136: limit L = 1000.00; X = max(0, B - L) = 0.00",
           "medical_aid: raw = 0.6 × 110.71 = 66.426000; rounded 66.43",
           "tcm_waiver: raw = 1 × 162.39 = 162.390000; rounded 162.39",
           "patient pays 0.00 (in_scope 0.00 + pre_selfpay 0.00 + over_limit 0.00 + full_selfpay 0.00); funds 1227.05, "
           "hospital 162.39",
       },
       {
           R"(tcm_waiver +[0-9]+ +yes +162\.39 +0\.00 +162\.39)",
           R"(hospital \(hosp_part_amt\) +162\.39)",
       }},
  };
  return all;
}

/// A scheme's plan and its golden stays settled with a trace.
struct Settled {
  Plan plan;
  std::vector<Record> records;
  std::vector<Outcome> out;
};

const Settled& settled(const std::string& scheme) {
  static std::map<std::string, Settled> cache;
  auto it = cache.find(scheme);
  if (it == cache.end()) {
    Plan plan = Plan::load_file(std::string(MEDSETTLE_RULES_DIR) + "/" + scheme + ".yaml");
    std::vector<Record> records = read_jsonl(slurp(std::string(MEDSETTLE_GOLDEN_DIR) + "/" + scheme + ".stays.jsonl"));
    BatchOptions o;
    o.settle.trace = true;
    std::vector<Outcome> out = settle_batch(plan, records, o);
    it = cache.emplace(scheme, Settled{std::move(plan), std::move(records), std::move(out)}).first;
  }
  return it->second;
}

const Settlement* find(const Settled& s, const std::string& stay_id) {
  for (const Outcome& o : s.out) {
    if (o.settled() && o.settlement().stay_id == stay_id) return &o.settlement();
  }
  return nullptr;
}

std::string join(const std::vector<std::string>& parts) {
  std::string s = "[";
  for (std::size_t i = 0; i < parts.size(); ++i) s += (i ? "," : "") + parts[i];
  return s + "]";
}

void PrintTo(const Worked& w, std::ostream* os) { *os << w.scheme << " " << w.stay_id; }

class WriterValues : public testing::TestWithParam<Worked> {};

std::string scheme_name(const testing::TestParamInfo<Worked>& info) { return info.param.scheme; }

}  // namespace

TEST_P(WriterValues, CsvCellsHoldTheWorkedFigures) {
  const Worked& w = GetParam();
  const Settled& s = settled(w.scheme);
  const Settlement* st = find(s, w.stay_id);
  ASSERT_NE(st, nullptr) << w.stay_id;
  const std::vector<std::string> header = cells(csv_header(s.plan));
  std::string row;
  write_csv(row, *st);
  const std::vector<std::string> values = cells(row);
  ASSERT_EQ(values.size(), header.size()) << row;
  std::map<std::string, std::string> by_column;
  for (std::size_t i = 0; i < header.size(); ++i) by_column[header[i]] = values[i];
  for (const auto& [column, want] : w.csv) {
    auto it = by_column.find(column);
    ASSERT_NE(it, by_column.end()) << "no column " << column << " in " << csv_header(s.plan);
    EXPECT_EQ(it->second, want) << w.scheme << " " << w.stay_id << " column " << column;
  }
  // The digest cell is the plan's (its value against sha256sum: tests/e2e/digest_test.sh).
  EXPECT_EQ(by_column.at("digest"), std::string(s.plan.digest()));
  EXPECT_EQ(by_column.at("rules"), w.scheme);
}

TEST_P(WriterValues, ItemizationHoldsTheWorkedFigures) {
  const Worked& w = GetParam();
  const Settled& s = settled(w.scheme);
  const Settlement* st = find(s, w.stay_id);
  ASSERT_NE(st, nullptr) << w.stay_id;
  std::string items;
  write_itemization_json(items, *st);
  EXPECT_EQ(items, join(w.itemization)) << w.scheme << " " << w.stay_id;
  // write_json_itemized is the settlement and that itemization.
  std::string plain, itemized;
  write_json(plain, *st);
  write_json_itemized(itemized, *st);
  ASSERT_FALSE(plain.empty());
  ASSERT_EQ(plain.back(), '}');
  EXPECT_EQ(itemized, plain.substr(0, plain.size() - 1) + ",\"itemization\":" + join(w.itemization) + "}");
}

TEST_P(WriterValues, TraceHoldsTheWorkedSteps) {
  const Worked& w = GetParam();
  const Settled& s = settled(w.scheme);
  const Settlement* st = find(s, w.stay_id);
  ASSERT_NE(st, nullptr) << w.stay_id;
  ASSERT_TRUE(st->trace) << "settled without a trace";
  const std::string text = render_trace_text(*st);
  std::string json;
  write_trace_json(json, *st);
  for (const std::string& m : w.steps) {
    EXPECT_NE(text.find(m), std::string::npos) << w.scheme << ": text trace has no step \"" << m << "\"\n" << text;
    std::string quoted;
    write_json_string(quoted, m);
    EXPECT_NE(json.find("\"message\":" + quoted), std::string::npos)
        << w.scheme << ": JSON trace has no step " << quoted << "\n" << json;
  }
  for (const std::string& re : w.text) {
    EXPECT_TRUE(std::regex_search(text, std::regex(re))) << w.scheme << ": text trace does not match /" << re << "/\n"
                                                         << text;
  }
  // The JSON trace is the settlement, its itemization and the steps.
  std::string plain;
  write_json(plain, *st);
  const std::string head = "{\"settlement\":" + plain + ",\"itemization\":" + join(w.itemization) + ",\"steps\":[";
  EXPECT_EQ(json.substr(0, head.size()), head);
}

INSTANTIATE_TEST_SUITE_P(EachScheme, WriterValues, testing::ValuesIn(worked()), scheme_name);

// ---- CSV for spreadsheets (CsvOptions, issue #16 item 7), on hunan's worked
// stay S5493475 (hunan.worked.md; the figures' arithmetic is in worked() above).

TEST(CsvOptions, TheDefaultsAreThePlainCsv) {
  const Settled& s = settled("hunan");
  const Settlement* st = find(s, "S5493475");
  ASSERT_NE(st, nullptr);
  std::string plain, with_defaults;
  write_csv(plain, *st);
  write_csv(with_defaults, *st, CsvOptions{});
  EXPECT_EQ(with_defaults, plain);
  EXPECT_EQ(csv_header(s.plan, CsvOptions{}), csv_header(s.plan));
}

TEST(CsvOptions, TheByteOrderMarkComesFirstOnce) {
  const Settled& s = settled("hunan");
  CsvOptions o;
  o.bom = true;
  // EF BB BF, then the header as without the mark.
  EXPECT_EQ(csv_header(s.plan, o), "\xEF\xBB\xBF" + csv_header(s.plan));
  // Rows carry no mark.
  std::string row;
  write_csv(row, *find(s, "S5493475"), o);
  EXPECT_EQ(row.rfind("S5493475,", 0), 0u) << row;
}

TEST(CsvOptions, ChineseHeadersNameTheFixedColumnsAndKeepTheChannelIds) {
  const Settled& s = settled("hunan");
  CsvOptions o;
  o.headers = CsvHeaders::chinese;
  // The 18 fixed columns in the national settlement list's names, then hunan's
  // six channels in ledger-slot order, by id.
  EXPECT_EQ(csv_header(s.plan, o),
            "结算ID,人员编号,规则集,版本,规则集摘要,医疗费总额,全自费金额,超限价自费费用,先行自付金额,"
            "符合政策范围金额,实际支付起付线,基本医疗保险统筹基金支出,大病保险资金支出,医疗救助基金支出,"
            "医院负担金额,其他支出,基金支付总额,个人负担总金额,basic_paid,critical_illness_paid,commercial_paid,"
            "medical_aid_paid,hospital_waiver_paid,backstop_paid");
  // The same number of columns as the English header; the rows do not change.
  EXPECT_EQ(cells(csv_header(s.plan, o)).size(), cells(csv_header(s.plan)).size());
  std::string plain, row;
  write_csv(plain, *find(s, "S5493475"));
  write_csv(row, *find(s, "S5493475"), o);
  EXPECT_EQ(row, plain);
}

TEST(CsvOptions, ItemizedColumnsGiveEachChannelsBaseDeductibleAndPayment) {
  const Settled& s = settled("hunan");
  const Settlement* st = find(s, "S5493475");
  ASSERT_NE(st, nullptr);
  CsvOptions o;
  o.itemize = true;
  const std::vector<std::string> header = cells(csv_header(s.plan, o));
  std::string row;
  write_csv(row, *st, o);
  const std::vector<std::string> values = cells(row);
  ASSERT_EQ(header.size(), 18u + 3u * 6u);  // 18 fixed columns, 3 per channel
  ASSERT_EQ(values.size(), header.size()) << row;
  std::map<std::string, std::string> by_column;
  for (std::size_t i = 0; i < header.size(); ++i) by_column[header[i]] = values[i];
  const std::vector<std::pair<std::string, std::string>> want = {
      {"psn_part_amt", "30211.12"},  // the fixed columns are unchanged
      // basic: B = S 386987.35; deductible applied min(B, D 200.00) = 200.00; paid cap_year 200000.00
      {"basic_base", "386987.35"}, {"basic_deductible", "200.00"}, {"basic_paid", "200000.00"},
      // critical_illness: B = 386987.35 − 200000.00 = 186987.35; D 10000.00 × 0.5 = 5000.00 (acc 0);
      // paid 0.90 × 181987.35 = 163788.615 -> 163788.62
      {"critical_illness_base", "186987.35"}, {"critical_illness_deductible", "5000.00"},
      {"critical_illness_paid", "163788.62"},
      // commercial: B = S 23198.73 + P 13204.61 = 36403.34; D 0.00; 0.30 × 36403.34 = 10921.002 -> 10921.00
      {"commercial_base", "36403.34"}, {"commercial_deductible", "0.00"}, {"commercial_paid", "10921.00"},
      // medical_aid and hospital_waiver: not eligible, base 0, deductible 0, pay 0
      {"medical_aid_base", "0.00"}, {"medical_aid_deductible", "0.00"}, {"medical_aid_paid", "0.00"},
      {"hospital_waiver_base", "0.00"}, {"hospital_waiver_deductible", "0.00"}, {"hospital_waiver_paid", "0.00"},
      // backstop (cap): B = S 12277.73 + P 13204.61 = 25482.34; no deductible; X = 25482.34 − 5000.00 = 20482.34
      {"backstop_base", "25482.34"}, {"backstop_deductible", "0.00"}, {"backstop_paid", "20482.34"},
  };
  for (const auto& [column, cell] : want) {
    ASSERT_TRUE(by_column.count(column)) << "no column " << column;
    EXPECT_EQ(by_column.at(column), cell) << column;
  }
  // Per channel: base, deductible, paid, side by side.
  EXPECT_EQ(header[18], "basic_base");
  EXPECT_EQ(header[19], "basic_deductible");
  EXPECT_EQ(header[20], "basic_paid");
}

// The writer looks at a JSON string eight characters at a time: every character
// that must be escaped, at every position of texts long and short, still is.
TEST(WriterText, JsonStringsAreEscapedWhereverTheCharacterFalls) {
  const auto reference = [](std::string_view text) {
    std::string r = "\"";
    for (char c : text) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"') r += "\\\"";
      else if (c == '\\') r += "\\\\";
      else if (c == '\n') r += "\\n";
      else if (c == '\r') r += "\\r";
      else if (c == '\t') r += "\\t";
      else if (u < 0x20) r += "\\u00" + std::string(1, "0123456789abcdef"[u >> 4]) + "0123456789abcdef"[u & 15];
      else r += c;
    }
    return r + "\"";
  };
  for (std::size_t n : {1u, 7u, 8u, 9u, 16u, 23u}) {
    for (std::size_t at = 0; at < n; ++at) {
      for (char c : {'"', '\\', '\n', '\x01', '\x1f', '\x7f', ' ', '!', '#', '[', ']', '\xe4'}) {
        std::string text(n, 'a');
        text[at] = c;
        std::string out = "x";
        write_json_string(out, text);
        EXPECT_EQ(out, "x" + reference(text)) << "length " << n << ", at " << at << ", char " << int(c);
      }
    }
  }
}

TEST(WriterText, CsvCellsAreQuotedWhereverTheCharacterFalls) {
  for (char c : {',', '"', '\n', '\x7f', '\x01'}) {
    std::string text = "abcdefghij";
    text[4] = c;
    std::string out;
    write_csv_cell(out, text);
    std::string quoted = "\"" + text.substr(0, 4) + (c == '"' ? "\"\"" : std::string(1, c)) + text.substr(5) + "\"";
    EXPECT_EQ(out, quoted) << int(c);
  }
  std::string out;
  write_csv_cell(out, "plain cell");
  EXPECT_EQ(out, "plain cell");
}
