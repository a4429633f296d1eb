// The hunan 2017-07-01 scheme hard-coded in plain C++: int64 fen, no rule
// file, no itemization, no trace. It is the floor the engine is measured
// against: what the arithmetic itself costs. Channel order and parameters
// are those of rules/hunan.yaml's first version (POLICIES.md §1).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "medsettle/stay.hpp"

namespace baseline {

/// One person-year's ledger: paid and accumulated per channel.
struct Ledger {
  std::array<std::int64_t, 6> paid{}, acc{};
};

struct Paid {
  std::array<std::int64_t, 6> paid{};
  std::int64_t patient = 0;
};

/// round(num / 10000), half away from zero, for num >= 0.
inline std::int64_t round4(std::int64_t num) { return (num + 5000) / 10000; }

/// The principal diagnosis is one of the nine major diseases (seed 004).
inline bool nine_major(std::string_view code, int age) {
  auto starts = [&](std::string_view p) {
    if (code.size() < p.size()) return false;
    for (std::size_t i = 0; i < p.size(); ++i) {
      char c = code[i];
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
      if (c != p[i]) return false;
    }
    return true;
  };
  for (std::string_view p : {"C15", "C16", "C18", "C19", "C20", "N18.0", "N18.5"}) {
    if (starts(p)) return true;
  }
  if (age <= 17) {
    for (std::string_view p : {"C91.0", "C92.4", "Q21.0", "Q21.1"}) {
      if (starts(p)) return true;
    }
  }
  return false;
}

/// Settles a stay (fee lines or buckets) with a person-year ledger.
inline Paid settle(const medsettle::Stay& stay, Ledger& led) {
  using medsettle::FeeCategory;
  static constexpr std::int64_t ded[5] = {10000, 20000, 50000, 80000, 150000};
  static constexpr std::int64_t rate[5] = {8500, 8500, 7500, 6000, 5000};
  std::int64_t rem[4] = {0, 0, 0, 0};  // in_scope, pre_selfpay, over_limit, full_selfpay
  if (stay.buckets) {
    rem[0] = stay.buckets->in_scope.count();
    rem[1] = stay.buckets->pre_selfpay.count();
    rem[2] = stay.buckets->over_limit.count();
    rem[3] = stay.buckets->full_selfpay.count();
  } else {
    for (const auto& f : stay.fees) {
      std::int64_t a = f.amount.count();
      if (f.category == FeeCategory::C) { rem[3] += a; continue; }
      std::int64_t o = f.over_limit.count(), rest = a - o;
      rem[2] += o;
      if (f.category == FeeCategory::B) {
        std::int64_t p = round4(rest * (f.selfpay_ratio ? f.selfpay_ratio->ten_thousandths() : 1000));
        rem[1] += p;
        rem[0] += rest - p;
      } else {
        rem[0] += rest;
      }
    }
  }
  struct {
    int level;
    bool out_of_province, rural_poor, dibao_or_tekun, nine_major;
  } s{static_cast<int>(stay.hospital_level), stay.region == medsettle::Region::out_of_province,
      // 0x0F: registered_poor, dibao, tekun, poor_disabled; 0x06: dibao, tekun (Identity's bits)
      (stay.identities.bits() & 0x0F) != 0, (stay.identities.bits() & 0x06) != 0,
      !stay.diagnoses.empty() && nine_major(stay.diagnoses.front(), stay.age)};
  Paid out;
  auto take = [&](int nb, const int* buckets, std::int64_t x) {
    for (int k = 0; k < nb && x > 0; ++k) {
      std::int64_t t = rem[buckets[k]] < x ? rem[buckets[k]] : x;
      rem[buckets[k]] -= t;
      x -= t;
    }
  };
  auto clip = [](std::int64_t r) { return r < 0 ? 0 : (r > 10000 ? 10000 : r); };
  // 1 basic: stay period, in_scope.
  {
    std::int64_t r = rate[s.level];
    if (s.out_of_province) r = clip(r - 1000);
    if (s.rural_poor) r = clip(r + 1000);
    std::int64_t B = rem[0], D = ded[s.level];
    std::int64_t x = B > D ? round4((B - D) * r) : 0;
    std::int64_t room = 15000000 - led.paid[0];
    if (x > room) x = room < 0 ? 0 : room;
    if (x > B) x = B;
    static constexpr int b[] = {0};
    take(1, b, x);
    led.paid[0] += x;
    out.paid[0] = x;
  }
  // 2 critical illness: year period, bands 50,000 @0.50, 100,000 @0.60, rest @0.70.
  {
    std::int64_t D = 1200000, cap = 30000000;
    std::int64_t r[3] = {5000, 6000, 7000};
    bool capped = true;
    if (s.rural_poor) {
      D = 600000;
      r[0] = r[1] = r[2] = 9000;
      capped = false;
    }
    auto G = [&](std::int64_t x) -> std::int64_t {
      if (x <= D) return 0;
      std::int64_t over = x - D, g = 0;
      std::int64_t a = over < 5000000 ? over : 5000000;
      g += a * r[0];
      if (over > 5000000) {
        std::int64_t b2 = (over < 10000000 ? over : 10000000) - 5000000;
        g += b2 * r[1];
      }
      if (over > 10000000) g += (over - 10000000) * r[2];
      return g;
    };
    std::int64_t B = rem[0], acc = led.acc[1];
    std::int64_t x = round4(G(acc + B) - G(acc));
    if (capped) {
      std::int64_t room = cap - led.paid[1];
      if (x > room) x = room < 0 ? 0 : room;
    }
    if (x > B) x = B;
    static constexpr int b[] = {0};
    take(1, b, x);
    led.acc[1] += B;
    led.paid[1] += x;
    out.paid[1] = x;
  }
  // 3 commercial: rural poor; in_scope, pre_selfpay; year; 0.30; cap_year 30,000.
  if (s.rural_poor) {
    std::int64_t B = rem[0] + rem[1];
    std::int64_t x = round4(B * 3000);
    std::int64_t room = 3000000 - led.paid[2];
    if (x > room) x = room < 0 ? 0 : room;
    if (x > B) x = B;
    static constexpr int b[] = {0, 1};
    take(2, b, x);
    led.acc[2] += B;
    led.paid[2] += x;
    out.paid[2] = x;
  }
  // 4 medical aid: rural poor with a nine-major principal diagnosis; 0.50 (dibao/tekun 0.70); cap_year 100,000.
  if (s.rural_poor && s.nine_major) {
    std::int64_t B = rem[0];
    std::int64_t x = round4(B * (s.dibao_or_tekun ? 7000 : 5000));
    std::int64_t room = 10000000 - led.paid[3];
    if (x > room) x = room < 0 ? 0 : room;
    if (x > B) x = B;
    static constexpr int b[] = {0};
    take(1, b, x);
    led.acc[3] += B;
    led.paid[3] += x;
    out.paid[3] = x;
  }
  // 5 hospital waiver: same eligibility; all four buckets; stay; 0.50.
  if (s.rural_poor && s.nine_major) {
    std::int64_t B = rem[0] + rem[1] + rem[2] + rem[3];
    std::int64_t x = round4(B * 5000);
    if (x > B) x = B;
    static constexpr int b[] = {0, 1, 2, 3};
    take(4, b, x);
    led.paid[4] += x;
    out.paid[4] = x;
  }
  // 6 backstop: rural poor; cap of 5,000 a year kept on in_scope + pre_selfpay.
  if (s.rural_poor) {
    std::int64_t B = rem[0] + rem[1];
    std::int64_t allowed = 500000 - led.acc[5];
    if (allowed < 0) allowed = 0;
    std::int64_t x = B > allowed ? B - allowed : 0;
    static constexpr int b[] = {0, 1};
    take(2, b, x);
    led.acc[5] += B - x;
    led.paid[5] += x;
    out.paid[5] = x;
  }
  out.patient = rem[0] + rem[1] + rem[2] + rem[3];
  return out;
}

}  // namespace baseline
