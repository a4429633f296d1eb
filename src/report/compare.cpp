// The statistics of `medsettle compare` and their integer-only display forms.
#include "medsettle/compare.hpp"

#include "medsettle/writer.hpp"
#include "report/words.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <tuple>
#include <utility>

#include <fmt/format.h>

namespace medsettle::report {

namespace {

constexpr IdentitySet rural_poor_set = static_cast<IdentitySet>(
    bit(Identity::registered_poor) | bit(Identity::dibao) | bit(Identity::tekun) | bit(Identity::poor_disabled));

/// The identity bucket of a stay: 0 rural poor, 1 marginal (and not rural poor), 2 none.
std::size_t identity_bucket(IdentitySet ids) noexcept {
  if (ids & rural_poor_set) return 0;
  if (ids & bit(Identity::marginal)) return 1;
  return 2;
}

std::string_view level_label(HospitalLevel l) noexcept {
  switch (l) {
    case HospitalLevel::village: return "村级";
    case HospitalLevel::township: return "乡镇级";
    case HospitalLevel::county: return "县级";
    case HospitalLevel::city: return "市级";
    case HospitalLevel::province: return "省级";
  }
  return "";
}

std::string_view region_label(Region r) noexcept {
  switch (r) {
    case Region::in_county: return "县域内";
    case Region::in_city: return "市域内";
    case Region::in_province: return "省内";
    case Region::out_of_province: return "省外";
  }
  return "";
}

Fen field_value(const Settlement& s, std::size_t i) noexcept {
  switch (i) {
    case 0: return s.buckets.total;
    case 1: return s.buckets.full_selfpay;
    case 2: return s.buckets.over_limit;
    case 3: return s.buckets.pre_selfpay;
    case 4: return s.buckets.in_scope;
    case 5: return s.act_pay_dedc;
    case 6: return s.hifp_pay;
    case 7: return s.hifmi_pay;
    case 8: return s.maf_pay;
    case 9: return s.hosp_part_amt;
    case 10: return s.oth_pay;
    case 11: return s.fund_pay_sumamt;
    case 12: return s.psn_part_amt;
    default: return Fen{};
  }
}

/// Per version of a plan, per channel index: the column in the union of channel ids.
using ColumnMap = std::vector<std::vector<std::size_t>>;

ColumnMap map_columns(const Plan& plan, std::vector<ChannelRow>& rows, bool side_a) {
  ColumnMap map(plan.versions().size());
  for (std::size_t v = 0; v < map.size(); ++v) {
    const std::size_t n = plan.channel_count(v);
    for (std::size_t i = 0; i < n; ++i) {
      const Plan::ChannelInfo ch = plan.channel(v, i);
      auto it = std::find_if(rows.begin(), rows.end(), [&](const ChannelRow& r) { return r.id == ch.id; });
      if (it == rows.end()) {
        rows.push_back(ChannelRow{std::string(ch.id), std::string(ch.name), false, false, {}});
        it = rows.end() - 1;
      }
      // A channel that rule set B names otherwise shows both names.
      if (!side_a && !it->in_b && it->in_a && it->name != ch.name) it->name += fmt::format(" / {}", ch.name);
      (side_a ? it->in_a : it->in_b) = true;
      map[v].push_back(static_cast<std::size_t>(it - rows.begin()));
    }
  }
  return map;
}

Distribution distribution(std::vector<std::int64_t> values) {
  Distribution d;
  d.count = values.size();
  if (values.empty()) return d;
  std::sort(values.begin(), values.end());
  const auto rank = [&](std::size_t p) {  // nearest rank: the ceil(p% × n)-th smallest
    const std::size_t r = (p * values.size() + 99) / 100;
    return values[std::max<std::size_t>(r, 1) - 1];
  };
  d.p50 = rank(50);
  d.p90 = rank(90);
  d.p99 = rank(99);
  d.max = values.back();
  for (std::int64_t v : values) {
    for (std::size_t t = 0; t < threshold_yuan.size(); ++t) {
      if (v > threshold_yuan[t] * 100) ++d.above[t];
    }
    std::size_t bin = 0;
    while (bin < histogram_edges_yuan.size() && v > histogram_edges_yuan[bin] * 100) ++bin;
    ++d.bins[bin];
  }
  return d;
}

void add(RatioRow& r, const Settlement& a, const Settlement& b) {
  ++r.stays;
  r.total.a += a.buckets.total.count();
  r.total.b += b.buckets.total.count();
  r.patient.a += a.psn_part_amt.count();
  r.patient.b += b.psn_part_amt.count();
}

}  // namespace

std::string thousands(Sum v) {
  std::string digits;
  if (v == 0) digits = "0";
  while (v > 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string_view field_label(std::string_view field) noexcept {
  static constexpr std::array<std::string_view, field_names.size()> labels{
      "医疗费总额", "全自费金额", "超限价自费", "先行自付", "符合政策范围金额", "实际支付起付线",
      "基本医保统筹基金支出", "大病保险资金支出", "医疗救助基金支出", "医院负担金额", "其他支出",
      "基金支付总额", "个人负担总金额"};
  for (std::size_t i = 0; i < field_names.size(); ++i) {
    if (field_names[i] == field) return labels[i];
  }
  return "";
}

std::string histogram_bin_label(std::size_t bin) {
  if (bin == 0) return fmt::format("0–{}", thousands(histogram_edges_yuan[0]));
  if (bin >= histogram_edges_yuan.size()) return fmt::format(">{}", thousands(histogram_edges_yuan.back()));
  return fmt::format("{}–{}", thousands(histogram_edges_yuan[bin - 1]), thousands(histogram_edges_yuan[bin]));
}

std::vector<StayFacts> facts_of(const std::vector<Record>& records) {
  std::vector<StayFacts> out;
  out.reserve(records.size());
  for (const Record& r : records) {
    StayFacts f;
    if (!r.rejection) {
      f.person_id = r.stay.person_id;
      f.year = r.stay.discharged.year();
      f.identities = r.stay.identities;
      f.hospital_level = r.stay.hospital_level;
      f.region = r.stay.region;
      f.readable = true;
    }
    out.push_back(std::move(f));
  }
  return out;
}

bool settlement_changed(const Settlement& a, const Settlement& b) {
  for (std::size_t i = 0; i < field_names.size(); ++i) {
    if (field_value(a, i) != field_value(b, i)) return true;
  }
  if (a.channels.size() != b.channels.size()) return true;
  for (std::size_t i = 0; i < a.channels.size(); ++i) {
    const ChannelResult& x = a.channels[i];
    const ChannelResult& y = b.channels[i];
    if (a.channel_info(x.index).id != b.channel_info(y.index).id) return true;
    if (x.eligible != y.eligible || x.base != y.base || x.deductible != y.deductible || x.paid != y.paid) return true;
  }
  return false;
}

namespace {

/// The date whose version a side is read at (Comparison::parameters).
std::optional<Date> version_date(const SideInfo& s) {
  if (s.as_of || s.applied.empty()) return s.as_of;
  auto most = std::max_element(s.applied.begin(), s.applied.end(),
                               [](const auto& x, const auto& y) { return x.second < y.second; });
  return most->first;
}

std::optional<ParameterDiff> parameters_compared(const Plan& plan_a, const Plan& plan_b, const Comparison& c) {
  try {
    return diff_parameters(parameters_in_force(plan_a, version_date(c.a)), parameters_in_force(plan_b, version_date(c.b)));
  } catch (const UsageError&) {
    return std::nullopt;  // no version in force on a side's date: every stay was rejected there
  }
}

/// A comparison with its sides and its rows of groups set, nothing counted yet.
Comparison empty_comparison(const Plan& plan_a, const Plan& plan_b, const CompareOptions& options,
                            std::size_t records) {
  Comparison c;
  c.records = records;
  c.top_n = options.top_n;
  const auto side = [](const Plan& p, std::optional<Date> as_of) {
    SideInfo s;
    s.id = p.id();
    s.title = p.title();
    s.file = p.file();
    s.digest = p.digest();
    s.as_of = as_of;
    return s;
  };
  c.a = side(plan_a, options.as_of_a);
  c.b = side(plan_b, options.as_of_b);
  c.overall.key = "overall";
  c.overall.label = "全部";
  c.by_identity = {
      RatioRow{"rural_poor", "农村贫困人口", N_("registered_poor, dibao, tekun or poor_disabled"), 0, {}, {}},
      RatioRow{"marginal", "边缘易致贫户", N_("marginal, and none of the rural_poor identities"), 0, {}, {}},
      RatioRow{"none", "其他参保人", N_("no poverty-relief identity"), 0, {}, {}}};
  for (std::size_t l = 0; l < hospital_level_count; ++l) {
    const auto level = static_cast<HospitalLevel>(l);
    c.by_level.push_back(RatioRow{std::string(name(level)), std::string(level_label(level)), {}, 0, {}, {}});
  }
  for (Region r : {Region::in_county, Region::in_city, Region::in_province, Region::out_of_province}) {
    c.by_region.push_back(RatioRow{std::string(name(r)), std::string(region_label(r)), {}, 0, {}, {}});
  }
  return c;
}

/// What is counted record by record before the comparison's figures are made.
struct Tally {
  ColumnMap cols_a, cols_b;
  std::map<std::string, std::size_t> codes_a, codes_b;
  std::map<Date, std::size_t> applied_a, applied_b;
  std::vector<std::int64_t> stay_a, stay_b;
  std::map<std::pair<std::string, int>, PersonChange> years;
};

/// Counts the rejections of one record; true if it settled under both.
bool paired(Comparison& c, Tally& t, const Outcome& oa, const Outcome& ob) {
  if (oa.settled()) ++c.a.settled;
  else {
    ++c.a.rejected;
    ++t.codes_a[std::string(name(oa.rejection().code))];
  }
  if (ob.settled()) ++c.b.settled;
  else {
    ++c.b.rejected;
    ++t.codes_b[std::string(name(ob.rejection().code))];
  }
  if (oa.settled() && ob.settled()) return true;
  if (!oa.settled() && !ob.settled()) ++c.rejected_both;
  else if (!oa.settled()) ++c.rejected_only_a;
  else ++c.rejected_only_b;
  return false;
}

void add_pair(Comparison& c, Tally& t, const StayFacts& f, const Settlement& sa, const Settlement& sb) {
  ++c.paired;
  ++t.applied_a[sa.version];
  ++t.applied_b[sb.version];
  if (settlement_changed(sa, sb)) ++c.changed;
  for (std::size_t k = 0; k < field_names.size(); ++k) {
    c.fields[k].a += field_value(sa, k).count();
    c.fields[k].b += field_value(sb, k).count();
  }
  for (const ChannelResult& r : sa.channels) c.channels[t.cols_a[sa.version_index][r.index]].paid.a += r.paid.count();
  for (const ChannelResult& r : sb.channels) c.channels[t.cols_b[sb.version_index][r.index]].paid.b += r.paid.count();
  add(c.overall, sa, sb);
  add(c.by_identity[identity_bucket(f.identities)], sa, sb);
  add(c.by_level[static_cast<std::size_t>(f.hospital_level)], sa, sb);
  add(c.by_region[static_cast<std::size_t>(f.region)], sa, sb);
  t.stay_a.push_back(sa.psn_part_amt.count());
  t.stay_b.push_back(sb.psn_part_amt.count());
  PersonChange& p = t.years[{f.person_id, f.year}];
  p.person_id = f.person_id;
  p.year = f.year;
  ++p.stays;
  p.a += sa.psn_part_amt.count();
  p.b += sb.psn_part_amt.count();
}

/// The distributions and the persons whose yearly payment changes most.
void finish(Comparison& c, Tally& t) {
  c.patient = c.fields.back();
  for (auto& [code, n] : t.codes_a) c.a.rejected_by_code.emplace_back(code, n);
  for (auto& [code, n] : t.codes_b) c.b.rejected_by_code.emplace_back(code, n);
  for (auto& [d, n] : t.applied_a) c.a.applied.emplace_back(d, n);
  for (auto& [d, n] : t.applied_b) c.b.applied.emplace_back(d, n);
  c.stay_a = distribution(std::move(t.stay_a));
  c.stay_b = distribution(std::move(t.stay_b));
  std::vector<std::int64_t> py_a, py_b;
  std::vector<PersonChange> changed;
  c.person_years = t.years.size();
  for (auto& [key, p] : t.years) {
    py_a.push_back(p.a);
    py_b.push_back(p.b);
    if (p.a != p.b) changed.push_back(std::move(p));
  }
  c.person_years_changed = changed.size();
  c.person_year_a = distribution(std::move(py_a));
  c.person_year_b = distribution(std::move(py_b));
  const auto abs_change = [](const PersonChange& p) { return p.b > p.a ? Sum(p.b) - p.a : Sum(p.a) - p.b; };
  const auto before = [&](const PersonChange& x, const PersonChange& y) {
    const Sum dx = abs_change(x), dy = abs_change(y);
    if (dx != dy) return dx > dy;
    return std::tie(x.person_id, x.year) < std::tie(y.person_id, y.year);
  };
  const std::size_t n = std::min(c.top_n, changed.size());
  std::partial_sort(changed.begin(), changed.begin() + static_cast<std::ptrdiff_t>(n), changed.end(), before);
  changed.resize(n);
  c.top = std::move(changed);
}

}  // namespace

Comparison compare(const Plan& plan_a, const Plan& plan_b, const CompareOptions& options,
                   const std::vector<StayFacts>& facts, const std::vector<Outcome>& outcomes_a,
                   const std::vector<Outcome>& outcomes_b) {
  if (facts.size() != outcomes_a.size() || facts.size() != outcomes_b.size()) {
    throw std::logic_error("compare: one outcome per record under each rule set");
  }
  Comparison c = empty_comparison(plan_a, plan_b, options, facts.size());
  Tally t;
  t.cols_a = map_columns(plan_a, c.channels, true);
  t.cols_b = map_columns(plan_b, c.channels, false);
  for (std::size_t i = 0; i < facts.size(); ++i) {
    if (paired(c, t, outcomes_a[i], outcomes_b[i])) {
      add_pair(c, t, facts[i], outcomes_a[i].settlement(), outcomes_b[i].settlement());
    }
  }
  finish(c, t);
  c.parameters = parameters_compared(plan_a, plan_b, c);
  return c;
}

// ---- display formatting ------------------------------------------------------

std::string yuan(Sum fen) {
  const bool neg = fen < 0;
  const Sum v = neg ? -fen : fen;
  return fmt::format("{}{}.{:02}", neg ? "-" : "", thousands(v / 100), static_cast<int>(v % 100));
}

std::string signed_yuan(Sum fen) { return fen > 0 ? fmt::format("+{}", yuan(fen)) : yuan(fen); }

std::int64_t basis_points(Sum num, Sum den) {
  if (den == 0) throw std::logic_error("basis_points: zero denominator");
  const bool neg = (num < 0) != (den < 0);
  const Sum n = (num < 0 ? -num : num) * 10'000;
  const Sum d = den < 0 ? -den : den;
  Sum q = n / d;
  if ((n % d) * 2 >= d) ++q;  // half away from zero
  constexpr Sum limit = INT64_MAX;
  if (q > limit) q = limit;
  return static_cast<std::int64_t>(neg ? -q : q);
}

std::string percent(std::int64_t bp, bool sign) {
  const bool neg = bp < 0;
  const std::uint64_t v = neg ? 0 - static_cast<std::uint64_t>(bp) : static_cast<std::uint64_t>(bp);
  const char* s = neg ? "-" : (sign && v ? "+" : "");
  return fmt::format("{}{}.{:02}%", s, thousands(static_cast<Sum>(v / 100)), v % 100);
}

std::string percent_change(Sum a, Sum b) {
  if (a == 0) return b == 0 ? "0.00%" : "n/a";
  return percent(basis_points(b - a, a), true);
}

std::optional<std::int64_t> ratio_bp(Sum total, Sum patient) {
  if (total <= 0) return std::nullopt;
  return basis_points(total - patient, total);
}

std::string ratio_text(Sum total, Sum patient) {
  const auto r = ratio_bp(total, patient);
  return r ? percent(*r) : std::string("n/a");
}

std::string ratio_change_text(const RatioRow& r) {
  const auto a = ratio_bp(r.total.a, r.patient.a);
  const auto b = ratio_bp(r.total.b, r.patient.b);
  if (!a || !b) return "n/a";
  std::string p = percent(*b - *a, true);
  p.pop_back();  // the '%'
  return p + " pp";
}

std::string as_of_text(const SideInfo& s, Language l) {
  return s.as_of ? says(l, N_("as of {}"), *s.as_of) : word(l, N_("as of each stay's discharge date"));
}
std::string as_of_text(const SideInfo& s) { return as_of_text(s, Language::en); }

std::string applied_text(const SideInfo& s, Language l) {
  if (s.applied.empty()) return word(l, N_("none"));
  std::string out;
  for (const auto& [d, n] : s.applied) {
    if (!out.empty()) out += ", ";
    out += n == 1 ? says(l, N_("{} (1 stay)"), d) : says(l, N_("{} ({} stays)"), d, n);
  }
  return out;
}
std::string applied_text(const SideInfo& s) { return applied_text(s, Language::en); }

WhatIf what_if(const Plan& plan_a, const Plan& plan_b, const std::vector<Record>& stays, const CompareOptions& options,
               unsigned threads) {
  const std::vector<StayFacts> facts = facts_of(stays);
  BatchOptions batch_a, batch_b;
  batch_a.threads = batch_b.threads = threads;
  batch_a.settle.as_of = options.as_of_a;
  batch_b.settle.as_of = options.as_of_b;
  WhatIf w;
  w.a = settle_batch(plan_a, stays, batch_a);
  w.b = settle_batch(plan_b, stays, batch_b);
  w.comparison = compare(plan_a, plan_b, options, facts, w.a, w.b);
  return w;
}

void write_changed_jsonl(std::string& out, const WhatIf& w) {
  for (std::size_t i = 0; i < w.a.size() && i < w.b.size(); ++i) {
    const Outcome& oa = w.a[i];
    const Outcome& ob = w.b[i];
    if (!oa.settled() || !ob.settled() || !settlement_changed(oa.settlement(), ob.settlement())) continue;
    out += "{\"stay_id\":";
    write_json_string(out, oa.settlement().stay_id);
    out += ",\"a\":";
    write_json(out, oa.settlement());
    out += ",\"b\":";
    write_json(out, ob.settlement());
    out += "}\n";
  }
}

}  // namespace medsettle::report
