// The steps of settling one channel (SEMANTICS.md §6), each a small function
// that returns a typed value: the parameters in force, the base, the
// payment of each kind (coinsurance, cap, grant), what is taken from the
// buckets, and the channel's ledger figures after the stay. Internal.
// Defined here, in the header, so that the engine's loop inlines them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include <algorithm>

#include "core/hot.hpp"
#include "core/conditions.hpp"
#include "core/observe.hpp"
#include "core/wide.hpp"
#include "core/model.hpp"
#include "medsettle/ledger.hpp"
#include "medsettle/settlement.hpp"

namespace medsettle::detail {

inline constexpr std::size_t max_bands = 16;

/// The unpaid remainder of each bucket (§5), by Bucket.
using Remainders = std::array<Fen, bucket_count>;

/// A channel's parameters for one stay, after adjustments (§6 step 2).
struct Params {
  Fen deductible{};
  // Only the first `bands` entries are set (zeroing the arrays for every
  // channel of every stay showed in the profile).
  std::array<Rate, max_bands> rate;
  std::array<std::int64_t, max_bands> upto;  ///< in fen; INT64_MAX for the open last band
  std::size_t bands = 0;
  std::optional<Fen> cap_stay, cap_year;
  Cited cap_stay_cite, cap_year_cite;  ///< where the caps in force were written
  Cited deductible_cite;               ///< where the deductible in force was written
  /// What chose each value in force: the hospital level of a per-level table
  /// or the `when` of the adjustment that last changed it.
  Choice deductible_choice, rate_choice, cap_stay_choice, cap_year_choice, limit_choice;
  LimitKind limit_kind = LimitKind::amount;
  Fen limit_amount{};
  Rate limit_fraction{};
};

/// What a channel's kind decided (§6 step 4), before the base bounds it.
struct Payment {
  Fen amount{};       ///< X after the caps
  Fen computed{};     ///< before caps: round(raw), B - L, or the grant
  Fen deductible{};   ///< applied (coinsurance)
  Limiter limiter = Limiter::none;
};

/// What a channel needs to know of the stay and the person-year.
struct ChannelContext {
  const PlanData& plan;
  const Channel& channel;
  int index;                  ///< in the version's channel list
  const Stay& stay;
  const Buckets& buckets;
  const ChannelLedger& year;  ///< the channel's figures this year before the stay
  const std::span<const Fen>* referral;  ///< deductibles applied by the referring stay, by slot
};

template <class Obs>
Params resolve_parameters(const ChannelContext& c, DiagnosisGroups& dx, Obs& obs);
template <class Obs>
Fen base_of(const ChannelContext& c, const Remainders& rem, Obs& obs);
/// §6.1; appends the band shares to `bands`.
template <class Obs>
Payment coinsurance(const ChannelContext& c, const Params& prm, Fen base, BandList& bands, Obs& obs);
/// §6.2
template <class Obs>
Payment cap(const ChannelContext& c, const Params& prm, Fen base, Obs& obs);
/// §6.3
template <class Obs>
Payment grant(const ChannelContext& c, Obs& obs);
/// §6 step 6: takes `paid` from the base buckets in order; returns what came from each.
template <class Obs>
std::array<Fen, bucket_count> take(const ChannelContext& c, Fen paid, Remainders& rem, Obs& obs);
/// §6 step 7: the channel's figures after the stay.
ChannelLedger post(const Channel& ch, Fen base, Fen paid, ChannelLedger before) noexcept;

// ---- definitions ------------------------------------------------------------


namespace evaluate_detail {

/// G_D(x) in ten-thousandths of a fen, exactly, and the share of x above D
/// in each band. Native arithmetic while x·10^4 fits in 64 bits (x below
/// 9.2·10^14 fen), checked 128-bit arithmetic beyond.
struct Payout {
  Wide value4 = 0;  // in 1/10000 fen
  std::array<std::int64_t, max_bands> shares;  ///< in fen; the first `bands` of the Params are set
};

MEDSETTLE_HOT inline Payout payout(const Params& prm, Fen deductible, Fen x) {
  Payout out;
  std::fill_n(out.shares.begin(), prm.bands, std::int64_t{0});
  if (x <= deductible) return out;
  const std::int64_t over = (x - deductible).count();
  std::int64_t lower = 0;
  const bool native = x.count() < INT64_MAX / Rate::scale;
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < prm.bands && over > lower; ++i) {
    const std::int64_t upper = prm.upto[i];
    const std::int64_t portion = std::min(over, upper) - lower;
    out.shares[i] = portion;
    if (native) sum += portion * prm.rate[i].ten_thousandths();
    else out.value4 += Wide(portion) * prm.rate[i].ten_thousandths();
    lower = upper;
  }
  if (native) out.value4 = sum;
  return out;
}

inline std::int64_t round4(const Wide& v, Rounding mode) {
  if (v >= INT64_MIN && v <= INT64_MAX) return round_div(static_cast<std::int64_t>(v), Rate::scale, mode);
  return round_wide(v, Rate::scale, mode);
}

/// The hospital level, if `v` is given per level.
template <class T>
Choice level_choice(const Leveled<T>& v, HospitalLevel lvl) {
  return v.per_level ? Choice{Choice::By::hospital_level, lvl, -1} : Choice{};
}

/// Where `v` at `lvl` was written: its level's own line when given per level.
template <class T>
Cited level_cite(const Leveled<T>& v, HospitalLevel lvl) {
  return v.per_level ? v.level_cite[static_cast<std::size_t>(lvl)] : v.cite;
}

inline void initial_bands(const Channel& ch, HospitalLevel lvl, Params& prm) {
  prm.bands = ch.bands.size();
  for (std::size_t b = 0; b < prm.bands; ++b) {
    prm.rate[b] = ch.bands[b].rate.at(lvl);
    prm.upto[b] = ch.bands[b].upto ? ch.bands[b].upto->at(lvl).count() : INT64_MAX;
    const bool per_level = ch.bands[b].rate.per_level || (ch.bands[b].upto && ch.bands[b].upto->per_level);
    if (per_level) prm.rate_choice = Choice{Choice::By::hospital_level, lvl, -1};
  }
}

/// The parameters as the channel writes them, at the stay's hospital level.
inline Params initial_parameters(const Channel& ch, HospitalLevel lvl) {
  Params prm;
  if (ch.kind == Kind::coinsurance) {
    prm.deductible = ch.deductible.at(lvl);
    prm.deductible_cite = level_cite(ch.deductible, lvl);
    prm.deductible_choice = level_choice(ch.deductible, lvl);
    initial_bands(ch, lvl, prm);
    if (ch.cap_stay) {
      prm.cap_stay = ch.cap_stay->at(lvl);
      prm.cap_stay_cite = level_cite(*ch.cap_stay, lvl);
      prm.cap_stay_choice = level_choice(*ch.cap_stay, lvl);
    }
    if (ch.cap_year) {
      prm.cap_year = ch.cap_year->at(lvl);
      prm.cap_year_cite = level_cite(*ch.cap_year, lvl);
      prm.cap_year_choice = level_choice(*ch.cap_year, lvl);
    }
  } else if (ch.kind == Kind::cap) {
    prm.limit_kind = ch.limit.kind;
    prm.limit_amount = ch.limit.amount.at(lvl);
    prm.limit_fraction = ch.limit.fraction;
    prm.limit_choice = level_choice(ch.limit.amount, lvl);
  }
  return prm;
}

/// `before` changed relative to its value by the adjustment's `when`: the
/// level that chose the value (if any) still counts.
inline Choice relative_choice(const Choice& before, std::int32_t when) {
  if (before.by == Choice::By::hospital_level || before.by == Choice::By::hospital_level_and_condition) {
    return Choice{Choice::By::hospital_level_and_condition, before.level, when};
  }
  return Choice{Choice::By::condition, HospitalLevel::county, when};
}

/// The value a change sets was chosen by the adjustment's `when` (and, for
/// a change relative to a per-level value, by the level).
inline void note_choice(const Change& c, std::int32_t when, Params& prm) {
  const Choice by{Choice::By::condition, HospitalLevel::county, when};
  switch (c.kind) {
    case ChangeKind::rate_add: prm.rate_choice = relative_choice(prm.rate_choice, when); break;
    case ChangeKind::rate_set: prm.rate_choice = by; break;
    case ChangeKind::deductible_scale:
      prm.deductible_choice = relative_choice(prm.deductible_choice, when);
      prm.deductible_cite = c.cite;
      break;
    case ChangeKind::deductible_set:
      prm.deductible_choice = by;
      prm.deductible_cite = c.cite;
      break;
    case ChangeKind::cap_year_set: prm.cap_year_choice = by; break;
    case ChangeKind::cap_stay_set: prm.cap_stay_choice = by; break;
    case ChangeKind::limit_set: prm.limit_choice = by; break;
  }
}

/// One change of an adjustment whose `when` held; rates are clipped after each.
inline void apply(const Change& c, HospitalLevel lvl, Rounding mode, Params& prm) {
  switch (c.kind) {
    case ChangeKind::rate_add:
      for (std::size_t b = 0; b < prm.bands; ++b) prm.rate[b] = (prm.rate[b] + c.rate).clipped();
      break;
    case ChangeKind::rate_set:
      for (std::size_t b = 0; b < prm.bands; ++b) prm.rate[b] = c.rate.clipped();
      break;
    case ChangeKind::deductible_scale: prm.deductible = multiply(prm.deductible, c.rate, mode); break;
    case ChangeKind::deductible_set: prm.deductible = c.amount; break;
    case ChangeKind::cap_year_set:
      prm.cap_year = c.none ? std::nullopt : std::optional<Fen>(c.amount);
      prm.cap_year_cite = c.cite;
      break;
    case ChangeKind::cap_stay_set:
      prm.cap_stay = c.none ? std::nullopt : std::optional<Fen>(c.amount);
      prm.cap_stay_cite = c.cite;
      break;
    case ChangeKind::limit_set:
      prm.limit_kind = c.limit.kind;
      prm.limit_amount = c.limit.amount.at(lvl);
      prm.limit_fraction = c.limit.fraction;
      break;
  }
}

inline step::Adjustment adjustment_step(const Change& c, const Params& after) {
  step::Adjustment a;
  a.change = c.kind;
  a.rate = c.kind == ChangeKind::limit_set ? c.limit.fraction : c.rate;
  a.amount = c.kind == ChangeKind::limit_set ? after.limit_amount : c.amount;
  a.none = c.none;
  a.fraction = c.kind == ChangeKind::limit_set && c.limit.kind != LimitKind::amount;
  a.deductible_after = after.deductible;
  return a;
}

template <class Obs>
Fen coinsurance_deductible(const ChannelContext& c, const Params& prm, Fen base, Payout& hi, Payout& lo, Fen& applied,
                           Obs& obs) {
  const Channel& ch = c.channel;
  Fen D = prm.deductible;
  if (ch.period == Period::stay) {
    if (ch.referral_continuous && c.referral) {
      const Fen d_ref = ch.slot < c.referral->size() ? (*c.referral)[ch.slot] : Fen(0);
      D = max(Fen(0), D - d_ref);
      obs(c.index, ch.referral_cite,
          [&] { return step::Referral{*c.stay.referred_from, prm.deductible, d_ref, D}; });
    }
    hi = payout(prm, D, base);
    applied = min(base, D);
    obs(c.index, prm.deductible_cite, prm.deductible_choice,
        [&] { return step::Deductible{false, D, Fen(0), Fen(0), applied}; });
    return D;
  }
  const Fen acc = c.year.accumulated;
  hi = payout(prm, D, acc + base);
  lo = payout(prm, D, acc);
  applied = min(acc + base, D) - min(acc, D);
  obs(c.index, prm.deductible_cite, prm.deductible_choice,
      [&] { return step::Deductible{true, D, acc, acc + base, applied}; });
  return D;
}

template <class Obs>
void apply_caps(const ChannelContext& c, const Params& prm, Payment& pay, Obs& obs) {
  if (prm.cap_stay && pay.amount > *prm.cap_stay) {
    pay.amount = *prm.cap_stay;
    pay.limiter = Limiter::cap_stay;
    obs(c.index, prm.cap_stay_cite, prm.cap_stay_choice, [&] { return step::CapStay{*prm.cap_stay}; });
  }
  if (prm.cap_year) {
    const Fen room = max(Fen(0), *prm.cap_year - c.year.paid);
    if (pay.amount > room) {
      pay.amount = room;
      pay.limiter = Limiter::cap_year;
    }
    obs(c.index, prm.cap_year_cite, prm.cap_year_choice,
        [&] { return step::CapYear{*prm.cap_year, c.year.paid, room, pay.limiter == Limiter::cap_year}; });
  }
}

}  // namespace evaluate_detail

using namespace evaluate_detail;

template <class Obs>
Params resolve_parameters(const ChannelContext& c, DiagnosisGroups& dx, Obs& obs) {
  const HospitalLevel lvl = c.stay.hospital_level;
  Params prm = initial_parameters(c.channel, lvl);
  for (const auto& adj : c.channel.adjustments) {
    if (!holds(c.plan, adj.when, c.stay, dx)) continue;
    for (const auto& change : adj.changes) {
      apply(change, lvl, c.plan.rounding, prm);
      note_choice(change, adj.when, prm);
      obs(c.index, change.cite, Choice{Choice::By::condition, lvl, adj.when},
          [&] { return adjustment_step(change, prm); });
    }
  }
  return prm;
}

template <class Obs>
Fen base_of(const ChannelContext& c, const Remainders& rem, Obs& obs) {
  const Channel& ch = c.channel;
  Fen B{};
  for (std::size_t k = 0; k < ch.base_count; ++k) B += rem[static_cast<std::size_t>(ch.base[k])];
  obs(c.index, ch.cite, [&] {
    step::Base s;
    for (std::size_t k = 0; k < ch.base_count; ++k) {
      s.parts[s.count++] = step::BasePart{ch.base[k], rem[static_cast<std::size_t>(ch.base[k])]};
    }
    s.base = B;
    return s;
  });
  return B;
}

template <class Obs>
Payment coinsurance(const ChannelContext& c, const Params& prm, Fen base, BandList& bands, Obs& obs) {
  Payout hi, lo;  // lo: nothing below the stay for a stay-period channel
  std::fill_n(lo.shares.begin(), prm.bands, std::int64_t{0});
  Payment pay;
  coinsurance_deductible(c, prm, base, hi, lo, pay.deductible, obs);
  const Wide raw = hi.value4 - lo.value4;
  const std::size_t first = bands.size();
  for (std::size_t b = 0; b < prm.bands; ++b) {
    const Fen share(hi.shares[b] - lo.shares[b]);
    if (share > Fen(0)) bands.push_back(BandShare{share, prm.rate[b]});
  }
  pay.computed = Fen(round4(raw, c.plan.rounding));
  pay.amount = pay.computed;
  obs(c.index, c.channel.bands_cite, prm.rate_choice, [&] {
    const Wide per_yuan = Wide(100) * Rate::scale;  // raw is in 1/10000 fen
    return step::Bands{static_cast<std::uint16_t>(first), static_cast<std::uint16_t>(bands.size() - first),
                       static_cast<std::int64_t>(raw / per_yuan), static_cast<std::int64_t>(raw % per_yuan),
                       pay.computed};
  });
  apply_caps(c, prm, pay, obs);
  return pay;
}

template <class Obs>
Payment cap(const ChannelContext& c, const Params& prm, Fen base, Obs& obs) {
  Fen L = prm.limit_amount;
  if (prm.limit_kind != LimitKind::amount) {
    const Fen ref = prm.limit_kind == LimitKind::fraction_of_total ? c.buckets.total : c.buckets.in_scope;
    L = multiply(ref, prm.limit_fraction, c.plan.rounding);
  }
  Payment pay;
  if (c.channel.period == Period::stay) {
    pay.amount = max(Fen(0), base - L);
    obs(c.index, c.channel.limit.cite, prm.limit_choice,
        [&] { return step::Limit{false, L, Fen(0), Fen(0), pay.amount}; });
  } else {
    const Fen kept = c.year.accumulated;
    const Fen allowed = max(Fen(0), L - kept);
    pay.amount = max(Fen(0), base - allowed);
    obs(c.index, c.channel.limit.cite, prm.limit_choice,
        [&] { return step::Limit{true, L, kept, allowed, pay.amount}; });
  }
  pay.computed = pay.amount;
  return pay;
}

template <class Obs>
Payment grant(const ChannelContext& c, Obs& obs) {
  const Channel& ch = c.channel;
  Payment pay;
  if (ch.once_per == Period::year && c.year.grants >= 1) {
    pay.limiter = Limiter::grant_used;
    obs(c.index, ch.grant_cite, [&] { return step::Grant{true, Fen(0), true}; });
  } else {
    pay.amount = ch.grant_amount;
    obs(c.index, ch.grant_cite, [&] { return step::Grant{false, pay.amount, ch.once_per == Period::year}; });
  }
  pay.computed = pay.amount;
  return pay;
}

template <class Obs>
std::array<Fen, bucket_count> take(const ChannelContext& c, Fen paid, Remainders& rem, Obs& obs) {
  const Channel& ch = c.channel;
  std::array<Fen, bucket_count> taken{};
  Fen left = paid;
  for (std::size_t k = 0; k < ch.base_count && left > Fen(0); ++k) {
    const auto b = static_cast<std::size_t>(ch.base[k]);
    const Fen t = min(rem[b], left);
    rem[b] -= t;
    taken[b] = t;
    left -= t;
  }
  obs(c.index, ch.cite, [&] {
    step::Allocation s;
    s.paid = paid;
    for (std::size_t k = 0; k < ch.base_count; ++k) {
      const auto b = static_cast<std::size_t>(ch.base[k]);
      if (taken[b] > Fen(0)) s.taken[s.count++] = step::BasePart{ch.base[k], taken[b]};
    }
    return s;
  });
  return taken;
}

inline ChannelLedger post(const Channel& ch, Fen base, Fen paid, ChannelLedger f) noexcept {
  f.paid += paid;
  if (ch.kind == Kind::coinsurance && ch.period == Period::year) f.accumulated += base;
  if (ch.kind == Kind::cap && ch.period == Period::year) f.accumulated += base - paid;
  if (ch.kind == Kind::grant && paid > Fen(0)) f.grants += 1;
  return f;
}

}  // namespace medsettle::detail
