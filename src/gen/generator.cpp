// A deterministic synthetic population of stays (used by `medsettle generate`,
// the tests and the benchmarks).
//
// Same arguments, same bytes: every random choice comes from one
// std::mt19937_64 (whose output the standard fixes) through the small integer
// draws below, never through std::*_distribution (whose output differs
// between standard libraries) and never through floating point. Amounts are
// built in whole fen.
//
// Cost shape (per stay, total T in fen):
//
//   T = median(level) × 2^(Z/32) × factor(principal)/100 [× tail] [× transplant]
//
// - median(level): village 500, township 1,800, county 4,000, city 7,000,
//   province 12,000 yuan;
// - Z = u1 + u2 + u3 + u4 - 94 with u_i uniform on 0..47 (Irwin–Hall: a bell
//   on -94..94 with standard deviation 27.7), so 2^(Z/32) is a
//   log-normal-like factor with σ(ln) ≈ 0.60, between 1/7.7 and 7.7; the
//   power of two comes from a table of 2^(k/32) in Q30 fixed point and a
//   shift, all in integers;
// - factor(principal), percent: 60..250 for ordinary diagnoses (100 for most),
//   120..260 for the disease groups of POLICIES.md (cancers 150..260,
//   leukaemia 260, infarction and stroke 160..260);
// - tail: a principal with factor ≥ 200 has, 1 stay in 32, a long and heavy
//   stay (intensive care, major surgery, a new line of chemotherapy): × 3..8;
// - transplant (flag; principal N18 or C91-C95, county level or above, 3% of
//   those stays): × 6..12, i.e. 100,000 to 1,000,000 yuan.
//
// Measured (100,000 persons, seed 1, year 2019: 202,011 stays): median 4,123
// yuan, mean 6,746 yuan, 90th percentile 14,270, 99th 39,842, 0.16% of stays
// above 100,000 yuan (largest 1,084,487); 28% of principals from the disease
// groups; 3.0% of stays in bucket form; 8% referrals.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <random>
#include <string_view>

#include "medsettle/generate.hpp"

#include <fmt/format.h>

#include "medsettle/stay.hpp"

namespace medsettle::gen {


namespace {

// ---- draws ------------------------------------------------------------------

/// Small integer draws over std::mt19937_64, identical on every platform.
class Draw {
 public:
  explicit Draw(std::uint64_t seed) : rng_(seed) {}

  /// Uniform on [0, n), n >= 1, without modulo bias (rejection sampling).
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t threshold = (std::uint64_t(0) - n) % n;  // 2^64 mod n
    for (;;) {
      const std::uint64_t r = rng_();
      if (r >= threshold) return r % n;
    }
  }
  /// Uniform on [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }
  /// True with probability p/1000.
  bool permille(unsigned p) { return below(1000) < p; }
  /// An index drawn with the given integer weights.
  template <class W>
  std::size_t weighted(const W& weights, unsigned total) {
    std::uint64_t r = below(total);
    for (std::size_t i = 0; i < std::size(weights); ++i) {
      if (r < weights[i]) return i;
      r -= weights[i];
    }
    return std::size(weights) - 1;
  }

 private:
  std::mt19937_64 rng_;
};

/// 2^(k/32) for k = 0..31 in Q30 fixed point (round(2^(k/32) × 2^30)).
constexpr std::array<std::int64_t, 32> pow2_32nds{
    1073741824, 1097253708, 1121280436, 1145833280, 1170923762, 1196563654, 1222764986, 1249540052,
    1276901417, 1304861917, 1333434672, 1362633090, 1392470869, 1422962010, 1454120821, 1485961921,
    1518500250, 1551751076, 1585730000, 1620452965, 1655936265, 1692196547, 1729250827, 1767116489,
    1805811301, 1845353420, 1885761398, 1927054196, 1969251188, 2012372174, 2056437387, 2101467502};

/// amount × 2^(z/32), z in 32nds of a doubling, rounded down to the fen.
std::int64_t scale_pow2(std::int64_t amount, int z) {
  // floor division of z by 32
  int q = z >= 0 ? z / 32 : -((-z + 31) / 32);
  int r = z - q * 32;
  std::int64_t v = (amount * pow2_32nds[static_cast<std::size_t>(r)]) >> 30;
  return q >= 0 ? v << q : v >> -q;
}

// ---- the disease mix ------------------------------------------------------------

enum : std::uint8_t {
  malignant = 1,      // C00-C97: first_diagnosis is likely
  transplantable = 2, // N18, C91-C95: the transplant flag is possible
  child = 4,          // a nine_major entry with max_age 17
  obstetric = 8,      // only for ages 18..45
};

struct Diagnosis {
  std::string_view code;
  unsigned weight;
  unsigned factor;  // cost factor in percent
  std::uint8_t traits;
};

// Principal diagnoses from every disease group of POLICIES.md: nine_major
// (with its child-only entries), major_29, malignant (C00-C97),
// transplant_diseases (N18, C91-C95) and serious (I21, I61, I63).
constexpr std::array<Diagnosis, 46> group_diagnoses{{
    // nine_major
    {"C15.9", 4, 200, malignant}, {"C16.9", 6, 200, malignant}, {"C18.9", 5, 200, malignant},
    {"C19", 1, 200, malignant}, {"C20", 4, 200, malignant}, {"N18.0", 1, 180, transplantable},
    {"N18.5", 5, 160, transplantable}, {"C91.0", 2, 260, malignant | transplantable | child},
    {"C92.4", 1, 260, malignant | transplantable | child}, {"Q21.0", 2, 220, child}, {"Q21.1", 2, 220, child},
    // the rest of major_29
    {"C34.9", 8, 200, malignant}, {"C22.0", 5, 200, malignant}, {"C50.9", 6, 160, malignant},
    {"C53.9", 3, 160, malignant}, {"C56", 2, 180, malignant}, {"C25.9", 2, 200, malignant},
    {"D61.9", 1, 180, 0}, {"D66", 1, 180, 0}, {"F20.9", 4, 150, 0}, {"F31.9", 2, 150, 0},
    {"G40.9", 3, 130, 0}, {"I05.9", 2, 160, 0}, {"I21.9", 8, 220, 0}, {"I61.9", 6, 260, 0},
    {"I63.9", 14, 160, 0}, {"J62.8", 1, 150, 0}, {"A15.0", 3, 150, 0}, {"A16.2", 1, 150, 0},
    {"B20.9", 1, 150, 0}, {"B65.9", 1, 120, 0}, {"E10.9", 3, 120, 0},
    // other malignant neoplasms
    {"C61", 2, 160, malignant}, {"C67.9", 2, 180, malignant}, {"C73", 2, 150, malignant},
    {"C71.9", 1, 260, malignant}, {"C90.0", 1, 220, malignant}, {"C85.9", 1, 220, malignant},
    // other transplant diseases
    {"N18.4", 2, 150, transplantable}, {"C92.0", 2, 260, malignant | transplantable},
    {"C93.0", 1, 260, malignant | transplantable}, {"C94.0", 1, 260, malignant | transplantable},
    {"C95.9", 1, 260, malignant | transplantable},
    // serious (I21, I61, I63 above) and the other parts of J60-J65, A15-A19, B20-B24
    {"J61", 1, 150, 0}, {"A19.9", 1, 150, 0}, {"B22.7", 1, 150, 0},
}};

// The child-only nine_major entries, drawn more often for children.
constexpr std::array<std::size_t, 4> child_diagnoses{7, 8, 9, 10};

constexpr std::array<Diagnosis, 24> ordinary_diagnoses{{
    {"J18.9", 10, 100, 0}, {"I10", 8, 90, 0},      {"E11.9", 8, 100, 0},  {"K35.8", 5, 120, 0},
    {"O80", 5, 80, obstetric}, {"S72.0", 3, 250, 0}, {"M51.2", 5, 110, 0}, {"N39.0", 4, 80, 0},
    {"I48.9", 3, 110, 0}, {"A09", 4, 60, 0},       {"J44.1", 6, 110, 0},  {"K80.2", 4, 130, 0},
    {"I25.1", 6, 130, 0}, {"J20.9", 5, 70, 0},     {"N20.0", 3, 100, 0},  {"K29.7", 3, 70, 0},
    {"I50.9", 4, 120, 0}, {"H25.9", 4, 80, 0},     {"K40.9", 3, 100, 0},  {"M17.9", 3, 150, 0},
    {"S06.0", 2, 120, 0}, {"O82", 2, 130, obstetric}, {"R50.9", 2, 60, 0}, {"E78.5", 1, 70, 0},
}};

template <std::size_t N>
constexpr unsigned total_weight(const std::array<Diagnosis, N>& list) {
  unsigned t = 0;
  for (const auto& d : list) t += d.weight;
  return t;
}
constexpr unsigned group_total = total_weight(group_diagnoses);
constexpr unsigned ordinary_total = total_weight(ordinary_diagnoses);

template <std::size_t N>
const Diagnosis& pick(Draw& draw, const std::array<Diagnosis, N>& list, unsigned total) {
  std::uint64_t r = draw.below(total);
  for (const auto& d : list) {
    if (r < d.weight) return d;
    r -= d.weight;
  }
  return list.back();
}

// ---- persons and stays ----------------------------------------------------------

constexpr std::array<unsigned, 5> level_weights{5, 35, 40, 15, 5};  // village..province, in percent
constexpr std::array<std::int64_t, 5> level_median_fen{50'000, 180'000, 400'000, 700'000, 1'200'000};
constexpr std::array<unsigned, 4> stays_weights{40, 30, 18, 12};  // 1..4 stays a year

struct Person {
  std::uint64_t number = 0;
  IdentitySet identities{};
  Category category = Category::none;
  int age = 0;
  Insurance insurance = Insurance::resident;
  const Diagnosis* condition = nullptr;  // a disease of the groups, or none
};

struct Fee {
  FeeCategory category = FeeCategory::A;
  std::int64_t amount = 0, over_limit = 0;
  std::int32_t ratio = -1;  // ten-thousandths; -1: the rule set's default
};

struct GenStay {
  Date admitted, discharged;
  int los = 1;
  HospitalLevel level = HospitalLevel::county;
  Region region = Region::in_county;
  std::array<const Diagnosis*, 4> diagnoses{};
  std::size_t diagnosis_count = 0;
  FlagSet flags{};
  bool referred = false;
  bool bucket_form = false;
  std::size_t first_fee = 0, fee_count = 0;  // into the person's fee pool
};

// ---- text ----------------------------------------------------------------------

void put_uint(std::string& out, std::uint64_t v, int width = 0) {
  char buf[24];
  char* end = buf + sizeof buf;
  char* p = end;
  do { *--p = static_cast<char>('0' + v % 10); v /= 10; } while (v != 0);
  while (end - p < width) *--p = '0';
  out.append(p, end);
}

void put_date(std::string& out, Date d) {
  const auto ymd = d.ymd();
  put_uint(out, static_cast<std::uint64_t>(ymd.y), 4);
  out += '-';
  put_uint(out, ymd.m, 2);
  out += '-';
  put_uint(out, ymd.d, 2);
}

/// The shortest exact form of a rate in ten-thousandths: "0.1", "0.0525".
void put_rate(std::string& out, std::int32_t v) {
  put_uint(out, static_cast<std::uint64_t>(v / Rate::scale));
  int frac = v % Rate::scale;
  if (frac == 0) return;
  int digits = 4;
  while (frac % 10 == 0) { frac /= 10; --digits; }
  out += '.';
  put_uint(out, static_cast<std::uint64_t>(frac), digits);
}

void put_money(std::string& out, std::int64_t fen) { format_to(out, Fen(fen)); }

void put_person_id(std::string& out, std::uint64_t n) {
  out += 'P';
  put_uint(out, n, 7);
}
void put_stay_id(std::string& out, std::uint64_t person, std::size_t seq) {
  out += 'S';
  put_uint(out, person, 7);
  out += '-';
  put_uint(out, seq);
}

// ---- the generator ---------------------------------------------------------------


using GenerateArgs = Options;


class Generator {
 public:
  Generator(const GenerateArgs& a, bool csv)
      : draw_(a.seed), csv_(csv), year_start_(Date::from_ymd(a.year, 1, 1)),
        year_days_(Date::from_ymd(a.year + 1, 1, 1).days() - year_start_.days()) {}

  /// Appends person `number`'s stays to `out`; returns how many.
  std::size_t person(std::uint64_t number, std::string& out) {
    Person p = make_person(number);
    const std::size_t n = 1 + draw_.weighted(stays_weights, 100);
    fees_.clear();
    for (std::size_t i = 0; i < n; ++i) {
      make_stay(p, stays_[i]);
      // Distinct discharge dates, so that each stay keeps at least one day
      // once stays are kept from overlapping (below).
      for (;;) {
        bool taken = false;
        for (std::size_t j = 0; j < i; ++j) taken = taken || stays_[j].discharged == stays_[i].discharged;
        if (!taken) break;
        stays_[i].discharged = discharge_day();
      }
    }
    // Date order: by discharge date (then admission date, then sequence).
    // (A stable insertion sort, so that ties do not depend on the library.)
    for (std::size_t i = 1; i < n; ++i) {
      for (std::size_t j = i; j > 0 && stays_[j].discharged < stays_[j - 1].discharged; --j) {
        std::swap(stays_[j], stays_[j - 1]);
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      GenStay& s = stays_[i];
      Date start = Date::from_days(s.discharged.days() - s.los);
      if (i > 0) {
        const GenStay& prev = stays_[i - 1];
        // An upward referral from the previous stay, some of the time: the
        // patient moves from one hospital to the next the day of discharge,
        // and the stay is moved earlier to keep its length (never later, so
        // the date order holds).
        if (s.level > prev.level && draw_.permille(500)) {
          s.referred = true;
          start = prev.discharged;
          s.discharged = std::min(s.discharged, Date::from_days(start.days() + s.los));
        }
        // Stays of a person do not overlap; the stay still has at least one
        // day because prev.discharged < s.discharged.
        if (start < prev.discharged) start = prev.discharged;
      }
      s.admitted = start;
    }
    for (std::size_t i = 0; i < n; ++i) write(p, i, out);
    return n;
  }

 private:
  Draw draw_;
  bool csv_;
  Date year_start_;
  std::int32_t year_days_;
  std::array<GenStay, 4> stays_{};
  std::vector<Fee> fees_;
  Stay scratch_;  // for medsettle::split

  Person make_person(std::uint64_t number) {
    Person p;
    p.number = number;
    // Age: 0-17 10%, 18-44 20%, 45-64 33%, 65-95 37%.
    constexpr std::array<unsigned, 4> age_weights{10, 20, 33, 37};
    constexpr std::array<int, 5> age_from{0, 18, 45, 65, 96};
    const std::size_t band = draw_.weighted(age_weights, 100);
    p.age = static_cast<int>(draw_.between(age_from[band], age_from[band + 1] - 1));
    // Identities: about 25% rural poor, mostly registered_poor, some also
    // dibao, tekun or poor_disabled; a few dibao or tekun without the
    // registration; 3% of the others marginal.
    if (draw_.permille(250)) {
      if (draw_.permille(900)) {
        p.identities |= bit(Identity::registered_poor);
        if (draw_.permille(200)) p.identities |= bit(Identity::dibao);
        if (draw_.permille(50)) p.identities |= bit(Identity::tekun);
        if (draw_.permille(80)) p.identities |= bit(Identity::poor_disabled);
      } else {
        p.identities |= bit(draw_.permille(750) ? Identity::dibao : Identity::tekun);
      }
      // A patient class for part of the poor.
      if (draw_.permille(400)) {
        constexpr std::array<unsigned, 3> cat_weights{20, 40, 40};
        p.category = static_cast<Category>(1 + draw_.weighted(cat_weights, 100));
      }
    } else if (draw_.permille(30)) {
      p.identities |= bit(Identity::marginal);
    }
    p.insurance = p.age >= 18 && p.age < 65 && draw_.permille(200) ? Insurance::employee : Insurance::resident;
    // A disease of the groups for about a third of the persons (most of their
    // stays are for it); children draw the child-only entries often.
    if (draw_.permille(330)) {
      if (p.age <= 17 && draw_.permille(600)) {
        p.condition = &group_diagnoses[child_diagnoses[draw_.below(child_diagnoses.size())]];
      } else {
        p.condition = &pick(draw_, group_diagnoses, group_total);
      }
    }
    return p;
  }

  Date discharge_day() {
    return Date::from_days(year_start_.days() +
                           static_cast<std::int32_t>(draw_.below(static_cast<std::uint64_t>(year_days_))));
  }

  const Diagnosis& ordinary(int age) {
    for (;;) {
      const Diagnosis& d = pick(draw_, ordinary_diagnoses, ordinary_total);
      if (!(d.traits & obstetric) || (age >= 18 && age <= 45)) return d;
    }
  }

  void make_stay(const Person& p, GenStay& s) {
    s = GenStay{};
    s.discharged = discharge_day();
    // Length of stay 1..20 days, a triangle peaking around 10.
    // (Draws are sequenced one statement each: the order in which the operands
    // of + are evaluated is unspecified, and the two draws differ.)
    const std::uint64_t los_a = draw_.below(10);
    const std::uint64_t los_b = draw_.below(11);
    s.los = static_cast<int>(1 + los_a + los_b);
    const Diagnosis* principal = draw_diagnoses(p, s);
    const bool special = principal != nullptr && principal->factor >= 120 && p.condition == principal;
    draw_place(s, special);
    draw_flags(s, *principal);
    draw_fees(s, draw_total(s, *principal));
    s.bucket_form = draw_.permille(30);
  }

  /// The principal diagnosis, then 0-3 secondary ones (ordinary, distinct).
  const Diagnosis* draw_diagnoses(const Person& p, GenStay& s) {
    const Diagnosis* principal = p.condition && draw_.permille(850) ? p.condition : &ordinary(p.age);
    s.diagnoses[0] = principal;
    s.diagnosis_count = 1;
    const std::size_t extra = draw_.below(p.age < 18 ? 2 : 4);
    for (std::size_t k = 0; k < extra; ++k) {
      const Diagnosis* d = &ordinary(p.age);
      if (d->traits & obstetric) continue;
      bool dup = false;
      for (std::size_t j = 0; j < s.diagnosis_count; ++j) dup = dup || s.diagnoses[j] == d;
      if (!dup) s.diagnoses[s.diagnosis_count++] = d;
    }
    return principal;
  }

  /// Hospital level and region.
  void draw_place(GenStay& s, bool special) {
    s.level = static_cast<HospitalLevel>(draw_.weighted(level_weights, 100));
    if (special && s.level <= HospitalLevel::township && draw_.permille(500)) s.level = HospitalLevel::county;
    switch (s.level) {
      case HospitalLevel::village:
      case HospitalLevel::township: s.region = Region::in_county; break;
      case HospitalLevel::county: s.region = draw_.permille(950) ? Region::in_county : Region::in_city; break;
      case HospitalLevel::city: s.region = draw_.permille(900) ? Region::in_city : Region::in_province; break;
      case HospitalLevel::province:
        s.region = draw_.permille(700) ? Region::in_province : Region::out_of_province;
        break;
    }
  }

  void draw_flags(GenStay& s, const Diagnosis& principal) {
    if (principal.traits & malignant) {
      if (draw_.permille(450)) s.flags |= bit(Flag::first_diagnosis);
    } else if (draw_.permille(20)) {
      s.flags |= bit(Flag::first_diagnosis);
    }
    if ((principal.traits & transplantable) && s.level >= HospitalLevel::county && draw_.permille(30)) {
      s.flags |= bit(Flag::transplant);
    }
    if (s.level == HospitalLevel::township && draw_.permille(150)) s.flags |= bit(Flag::tcm_clinic);
  }

  /// The cost (see the comment at the top of the file).
  std::int64_t draw_total(const GenStay& s, const Diagnosis& principal) {
    int z = -94;
    for (int k = 0; k < 4; ++k) z += static_cast<int>(draw_.below(48));
    std::int64_t total = scale_pow2(level_median_fen[static_cast<std::size_t>(s.level)], z);
    total = total * principal.factor / 100;
    if (principal.factor >= 200 && draw_.below(32) == 0) total *= draw_.between(3, 8);
    if (s.flags & bit(Flag::transplant)) total *= draw_.between(6, 12);
    return std::max<std::int64_t>(total, 1'000);  // at least 10 yuan
  }

  /// Fee lines: 3-12 lines, A ~60%, B ~30%, C ~10%, sharing the total by
  /// random integer weights; some A/B lines with an over-limit part, some B
  /// lines with their own self-pay ratio.
  void draw_fees(GenStay& s, std::int64_t total) {
    s.first_fee = fees_.size();
    s.fee_count = static_cast<std::size_t>(draw_.between(3, 12));
    std::array<std::int64_t, 12> weights{};
    std::int64_t weight_sum = 0;
    for (std::size_t i = 0; i < s.fee_count; ++i) {
      weights[i] = 1 + static_cast<std::int64_t>(draw_.below(100));
      weight_sum += weights[i];
    }
    std::int64_t given = 0;
    for (std::size_t i = 0; i < s.fee_count; ++i) {
      Fee f;
      const std::uint64_t c = draw_.below(10);
      f.category = c < 6 ? FeeCategory::A : (c < 9 ? FeeCategory::B : FeeCategory::C);
      f.amount = total * weights[i] / weight_sum;
      given += f.amount;
      if (f.category != FeeCategory::C && draw_.permille(80)) f.over_limit = f.amount * draw_.between(5, 30) / 100;
      if (f.category == FeeCategory::B && draw_.permille(300)) {
        f.ratio = draw_.permille(700) ? static_cast<std::int32_t>(500 * draw_.between(1, 6))
                                      : static_cast<std::int32_t>(draw_.between(500, 3000));
      }
      fees_.push_back(f);
    }
    fees_[s.first_fee].amount += total - given;  // the fen lost to rounding down
  }

  Buckets buckets_of(const GenStay& s) {
    scratch_.buckets.reset();
    scratch_.fees.resize(s.fee_count);
    for (std::size_t i = 0; i < s.fee_count; ++i) {
      const Fee& f = fees_[s.first_fee + i];
      FeeLine& l = scratch_.fees[i];
      l.category = f.category;
      l.amount = Fen(f.amount);
      l.over_limit = Fen(f.over_limit);
      if (f.ratio >= 0) l.selfpay_ratio = Rate(f.ratio);
      else l.selfpay_ratio.reset();
    }
    return split(scratch_, Rate(1'000), Rounding::half_up);
  }

  void write(const Person& p, std::size_t i, std::string& out) {
    const GenStay& s = stays_[i];
    if (csv_) write_csv(p, s, i, out);
    else write_json(p, s, i, out);
  }

  /// The person's part of a stay's JSON: ids, identities, category, age, insurance.
  void write_person_json(const Person& p, std::size_t i, std::string& out) {
    out += "{\"stay_id\":\"";
    put_stay_id(out, p.number, i + 1);
    out += "\",\"person_id\":\"";
    put_person_id(out, p.number);
    out += "\",\"identities\":[";
    bool first = true;
    for (std::size_t k = 0; k < identity_count; ++k) {
      if (!(p.identities & bit(static_cast<Identity>(k)))) continue;
      if (!first) out += ',';
      first = false;
      out += '"';
      out += name(static_cast<Identity>(k));
      out += '"';
    }
    out += ']';
    if (p.category != Category::none) {
      out += ",\"category\":\"";
      out += name(p.category);
      out += '"';
    }
    out += ",\"age\":";
    put_uint(out, static_cast<std::uint64_t>(p.age));
    out += ",\"insurance\":\"";
    out += name(p.insurance);
  }

  void write_json(const Person& p, const GenStay& s, std::size_t i, std::string& out) {
    write_person_json(p, i, out);
    out += "\",\"hospital_level\":\"";
    out += name(s.level);
    out += "\",\"region\":\"";
    out += name(s.region);
    out += "\",\"admitted\":\"";
    put_date(out, s.admitted);
    out += "\",\"discharged\":\"";
    put_date(out, s.discharged);
    out += "\",\"diagnoses\":[";
    for (std::size_t k = 0; k < s.diagnosis_count; ++k) {
      if (k) out += ',';
      out += '"';
      out += s.diagnoses[k]->code;
      out += '"';
    }
    out += "],\"flags\":[";
    bool first = true;
    for (std::size_t k = 0; k < 3; ++k) {
      if (!(s.flags & bit(static_cast<Flag>(k)))) continue;
      if (!first) out += ',';
      first = false;
      out += '"';
      out += name(static_cast<Flag>(k));
      out += '"';
    }
    out += ']';
    if (s.referred) {
      out += ",\"referred_from\":\"";
      put_stay_id(out, p.number, i);
      out += '"';
    }
    if (s.bucket_form) {
      const Buckets b = buckets_of(s);
      out += ",\"buckets\":{\"total\":\"";
      put_money(out, b.total.count());
      out += "\",\"full_selfpay\":\"";
      put_money(out, b.full_selfpay.count());
      out += "\",\"over_limit\":\"";
      put_money(out, b.over_limit.count());
      out += "\",\"pre_selfpay\":\"";
      put_money(out, b.pre_selfpay.count());
      out += "\",\"in_scope\":\"";
      put_money(out, b.in_scope.count());
      out += "\"}}\n";
      return;
    }
    out += ",\"fees\":[";
    for (std::size_t k = 0; k < s.fee_count; ++k) {
      const Fee& f = fees_[s.first_fee + k];
      if (k) out += ',';
      out += "{\"category\":\"";
      out += name(f.category);
      out += "\",\"amount\":\"";
      put_money(out, f.amount);
      out += '"';
      if (f.over_limit) {
        out += ",\"over_limit\":\"";
        put_money(out, f.over_limit);
        out += '"';
      }
      if (f.ratio >= 0) {
        out += ",\"selfpay_ratio\":\"";
        put_rate(out, f.ratio);
        out += '"';
      }
      out += '}';
    }
    out += "]}\n";
  }

  void write_csv(const Person& p, const GenStay& s, std::size_t i, std::string& out) {
    // No cell needs quoting: ids, codes and names are [A-Za-z0-9._-].
    put_stay_id(out, p.number, i + 1);
    out += ',';
    put_person_id(out, p.number);
    out += ',';
    bool first = true;
    for (std::size_t k = 0; k < identity_count; ++k) {
      if (!(p.identities & bit(static_cast<Identity>(k)))) continue;
      if (!first) out += ';';
      first = false;
      out += name(static_cast<Identity>(k));
    }
    out += ',';
    out += name(p.category);
    out += ',';
    put_uint(out, static_cast<std::uint64_t>(p.age));
    out += ',';
    out += name(p.insurance);
    out += ',';
    out += name(s.level);
    out += ',';
    out += name(s.region);
    out += ',';
    put_date(out, s.admitted);
    out += ',';
    put_date(out, s.discharged);
    out += ',';
    for (std::size_t k = 0; k < s.diagnosis_count; ++k) {
      if (k) out += ';';
      out += s.diagnoses[k]->code;
    }
    out += ',';
    first = true;
    for (std::size_t k = 0; k < 3; ++k) {
      if (!(s.flags & bit(static_cast<Flag>(k)))) continue;
      if (!first) out += ';';
      first = false;
      out += name(static_cast<Flag>(k));
    }
    out += ',';
    if (s.referred) put_stay_id(out, p.number, i);
    const Buckets b = buckets_of(s);
    for (Fen v : {b.total, b.full_selfpay, b.over_limit, b.pre_selfpay, b.in_scope}) {
      out += ',';
      put_money(out, v.count());
    }
    out += '\n';
  }
};

constexpr std::string_view csv_columns =
    "stay_id,person_id,identities,category,age,insurance,hospital_level,region,admitted,discharged,"
    "diagnoses,flags,referred_from,total,full_selfpay,over_limit,pre_selfpay,in_scope\n";

}  // namespace

struct Population::Impl {
  Generator gen;
  Impl(const Options& o) : gen(o, o.csv) {}
};

Population::Population(const Options& options) : impl_(std::make_unique<Impl>(options)) {}
Population::~Population() = default;

std::size_t Population::person(std::uint64_t number, std::string& out) { return impl_->gen.person(number, out); }

std::string_view Population::csv_header() noexcept { return csv_columns; }

std::uint64_t generate(std::string& out, const Options& options) {
  Population pop(options);
  if (options.csv) out += Population::csv_header();
  std::uint64_t stays = 0;
  for (std::uint64_t n = 1; n <= options.persons; ++n) stays += pop.person(n, out);
  return stays;
}

}  // namespace medsettle::gen
