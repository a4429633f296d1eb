// The settlement of one stay: SEMANTICS.md §4–§8.
#include "medsettle/engine.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/engine_internal.hpp"
#include "core/wide.hpp"
#include "rules/plan_data.hpp"

namespace medsettle {

std::string_view name(Limiter l) noexcept {
  switch (l) {
    case Limiter::none: return "none";
    case Limiter::cap_stay: return "cap_stay";
    case Limiter::cap_year: return "cap_year";
    case Limiter::base: return "base";
    case Limiter::grant_used: return "grant_used";
  }
  return "?";
}

// ---- ledger ----------------------------------------------------------------

Ledger::Ledger(const Plan& plan) : slots_(plan.ledger_slots().size()) {}

Ledger::Year* Ledger::find(int year) noexcept {
  for (auto& y : years_) {
    if (y.year == year) return &y;
  }
  return nullptr;
}
const Ledger::Year* Ledger::find(int year) const noexcept {
  for (const auto& y : years_) {
    if (y.year == year) return &y;
  }
  return nullptr;
}

ChannelLedger Ledger::get(int year, std::size_t slot) const noexcept {
  const Year* y = find(year);
  return y && slot < y->slots.size() ? y->slots[slot] : ChannelLedger{};
}

ChannelLedger& Ledger::at(int year, std::size_t slot) {
  Year* y = find(year);
  if (!y) {
    years_.push_back(Year{year, false, std::vector<ChannelLedger>(slots_)});
    y = &years_.back();
  }
  if (slot >= y->slots.size()) y->slots.resize(slot + 1);
  return y->slots[slot];
}

bool Ledger::year_started(int year) const noexcept {
  const Year* y = find(year);
  return y && y->started;
}

void Ledger::start_year(int year) {
  Year* y = find(year);
  if (!y) {
    years_.push_back(Year{year, true, std::vector<ChannelLedger>(slots_)});
  } else {
    y->started = true;
  }
}

const Ledger::StayEntry* Ledger::find_stay(std::string_view id) const noexcept {
  if (stays_.size() < indexed_from) {
    for (const StayEntry& e : stays_) {
      if (e.id == id) return &e;
    }
    return nullptr;
  }
  auto [lo, hi] = index_.equal_range(std::hash<std::string_view>{}(id));
  for (auto it = lo; it != hi; ++it) {
    if (stays_[it->second].id == id) return &stays_[it->second];
  }
  return nullptr;
}

void Ledger::record_stay(std::string_view stay_id, std::vector<Fen> deductibles) {
  if (find_stay(stay_id)) return;  // the first record of an id stands
  stays_.push_back(StayEntry{std::string(stay_id), std::move(deductibles)});
  if (stays_.size() == indexed_from) {
    for (std::size_t i = 0; i < stays_.size(); ++i) index_.emplace(std::hash<std::string_view>{}(stays_[i].id), i);
  } else if (stays_.size() > indexed_from) {
    index_.emplace(std::hash<std::string_view>{}(stay_id), stays_.size() - 1);
  }
}

const std::vector<Fen>* Ledger::deductibles_of(std::string_view stay_id) const noexcept {
  const StayEntry* e = find_stay(stay_id);
  return e ? &e->deductibles : nullptr;
}

std::vector<int> Ledger::years() const {
  std::vector<int> out;
  for (const auto& y : years_) out.push_back(y.year);
  std::sort(out.begin(), out.end());
  return out;
}

// ---- the engine --------------------------------------------------------------

namespace {

using detail::Band;
using detail::Channel;
using detail::ChangeKind;
using detail::CondNode;
using detail::CondOp;
using detail::Kind;
using detail::LimitKind;
using detail::Period;
using detail::PlanData;

constexpr std::size_t max_bands = 16;

/// The parameters of a channel for one stay, after adjustments.
struct Params {
  Fen deductible{};
  // Only the first `bands` entries are set (the arrays are left
  // uninitialized: zeroing them for every channel of every stay showed in
  // the profile).
  std::array<Rate, max_bands> rate;
  std::array<std::int64_t, max_bands> upto;  ///< in fen; INT64_MAX for the open last band
  std::size_t bands = 0;
  std::optional<Fen> cap_stay, cap_year;
  detail::Cited cap_stay_cite, cap_year_cite;  // where the caps in force were written
  LimitKind limit_kind = LimitKind::amount;
  Fen limit_amount{};
  Rate limit_fraction{};
};

/// Which disease groups the principal diagnosis, and any diagnosis, fall
/// in; worked out on first use, since most stays never reach a diagnosis test.
struct DiagnosisGroups {
  std::uint64_t principal = 0, any = 0;
  bool known = false;
};

bool starts_with_nocase(std::string_view code, std::string_view prefix) {
  if (code.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = code[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != prefix[i]) return false;
  }
  return true;
}

bool in_range_nocase(std::string_view code, std::string_view low, std::string_view high) {
  if (code.size() < 3) return false;
  char c3[3];
  for (std::size_t i = 0; i < 3; ++i) {
    char c = code[i];
    c3[i] = c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
  }
  std::string_view three(c3, 3);
  return three >= low && three <= high;
}

void find_groups(const PlanData& p, const Stay& stay, DiagnosisGroups& g) {
  g.known = true;
  for (std::size_t gi = 0; gi < p.groups.size(); ++gi) {
    const auto& group = p.groups[gi];
    for (std::size_t di = 0; di < stay.diagnoses.size(); ++di) {
      const std::string& code = stay.diagnoses[di];
      bool hit = false;
      for (const auto& e : group.entries) {
        if (e.max_age && stay.age > *e.max_age) continue;
        if (e.prefix.empty() ? in_range_nocase(code, e.low, e.high) : starts_with_nocase(code, e.prefix)) {
          hit = true;
          break;
        }
      }
      if (hit) {
        g.any |= std::uint64_t{1} << gi;
        if (di == 0) g.principal |= std::uint64_t{1} << gi;
      }
    }
  }
}

bool holds(const PlanData& p, std::int32_t node, const Stay& s, DiagnosisGroups& dx) {
  if (node < 0) return true;
  const CondNode& n = p.nodes[static_cast<std::size_t>(node)];
  auto bitset = [&](unsigned b) { return ((n.mask >> b) & 1u) != 0; };
  switch (n.op) {
    case CondOp::all:
      for (std::uint32_t i = 0; i < n.child_count; ++i) {
        if (!holds(p, static_cast<std::int32_t>(p.children[n.first_child + i]), s, dx)) return false;
      }
      return true;
    case CondOp::any:
      for (std::uint32_t i = 0; i < n.child_count; ++i) {
        if (holds(p, static_cast<std::int32_t>(p.children[n.first_child + i]), s, dx)) return true;
      }
      return false;
    case CondOp::not_:
      return !holds(p, static_cast<std::int32_t>(p.children[n.first_child]), s, dx);
    case CondOp::identity: return (s.identities & n.mask) != 0;
    case CondOp::hospital_level: return bitset(static_cast<unsigned>(s.hospital_level));
    case CondOp::region: return bitset(static_cast<unsigned>(s.region));
    case CondOp::category: return s.category != Category::none && bitset(static_cast<unsigned>(s.category));
    case CondOp::insurance: return bitset(static_cast<unsigned>(s.insurance));
    case CondOp::flag: return (s.flags & n.mask) != 0;
    case CondOp::age: return s.age >= n.min_age && s.age <= n.max_age;
    case CondOp::principal_diagnosis:
      if (!dx.known) find_groups(p, s, dx);
      return (dx.principal & n.mask) != 0;
    case CondOp::any_diagnosis:
      if (!dx.known) find_groups(p, s, dx);
      return (dx.any & n.mask) != 0;
  }
  return false;
}

/// G_D(x) in ten-thousandths of a fen, exactly, and the share of x above D
/// in each band. Native arithmetic while x·10^4 fits in 64 bits (x below
/// 9.2·10^14 fen), checked 128-bit arithmetic beyond.
struct Payout {
  Wide value4 = 0;  // in 1/10000 fen
  std::array<std::int64_t, max_bands> shares;  ///< in fen; the first `bands` of the Params are set
};

Payout payout(const Params& prm, Fen deductible, Fen x) {
  Payout out;
  std::fill_n(out.shares.begin(), prm.bands, std::int64_t{0});
  if (x <= deductible) return out;
  std::int64_t over = (x - deductible).count();
  std::int64_t lower = 0;
  const bool native = x.count() < INT64_MAX / Rate::scale;
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < prm.bands && over > lower; ++i) {
    std::int64_t upper = prm.upto[i];
    std::int64_t portion = std::min(over, upper) - lower;
    out.shares[i] = portion;
    if (native) sum += portion * prm.rate[i].ten_thousandths();
    else out.value4 += Wide(portion) * prm.rate[i].ten_thousandths();
    lower = upper;
  }
  if (native) out.value4 = sum;
  return out;
}

std::int64_t round4(const Wide& v, Rounding mode) {
  if (v >= INT64_MIN && v <= INT64_MAX) return round_div(static_cast<std::int64_t>(v), Rate::scale, mode);
  return round_wide(v, Rate::scale, mode);
}

Rejection reject(const Stay& stay, std::uint64_t line, ErrorCode code, std::string field, std::string message) {
  Rejection r;
  r.stay_id = stay.stay_id;
  r.line = line;
  r.code = code;
  r.field = std::move(field);
  r.message = std::move(message);
  return r;
}

class Tracer {
 public:
  Tracer(const PlanData& p, Trace* t) : p_(p), t_(t) {}
  explicit operator bool() const noexcept { return t_ != nullptr; }
  template <class... Args>
  void step(int channel, std::string_view kind, const detail::Cited& cite, fmt::format_string<Args...> f,
            Args&&... args) {
    if (!t_) return;
    TraceStep s;
    s.channel = channel;
    s.kind = kind;
    s.message = fmt::format(f, std::forward<Args>(args)...);
    s.line = cite.line;
    s.column = cite.column;
    s.source = p_.source(cite);
    t_->steps.push_back(std::move(s));
  }

 private:
  const PlanData& p_;
  Trace* t_;
};

std::string money(Fen f) { return format(f); }
std::string rate_text(Rate r) { return format(r); }

/// The bound of a person's yearly figures (accumulated and paid, per channel)
/// and of every amount the engine takes from a caller: 10^16 yuan, ten
/// thousand stays of the largest total the readers accept (10^12 yuan).
/// Each stay adds at most its total to a figure, so checking
/// `figure <= bound - total` before a stay keeps every sum the engine forms
/// below 2 × 10^18 fen, far inside int64.
constexpr Fen max_year_figure = Fen(1'000'000'000'000'000'000);

/// A stay built by a library caller (not read by a reader) may hold amounts
/// the readers refuse; the engine settles them exactly (products that do not
/// fit 64 bits take the 128-bit path) within its supported range: every
/// amount, the stay's total and the `prior` figures in [0, 10^16 yuan],
/// over_limit within its line, ratios in [0, 1], buckets that add up,
/// `prior` grants in [0, 10^12). Out of it the sums could overflow.
std::optional<Rejection> check_money(const Stay& stay, std::uint64_t line) {
  auto amount_ok = [](Fen f) { return f >= Fen(0) && f <= max_year_figure; };
  auto bad = [&](const std::string& field, Fen value) {
    return reject(stay, line, ErrorCode::bad_amount, field,
                  fmt::format("{}: {} is outside the supported range [0, 10^16 yuan]", field, money(value)));
  };
  if (stay.buckets) {
    const Buckets& b = *stay.buckets;
    const std::pair<const char*, Fen> parts[] = {{"total", b.total},
                                                 {"full_selfpay", b.full_selfpay},
                                                 {"over_limit", b.over_limit},
                                                 {"pre_selfpay", b.pre_selfpay},
                                                 {"in_scope", b.in_scope}};
    for (const auto& [key, value] : parts) {
      if (!amount_ok(value)) return bad(fmt::format("buckets.{}", key), value);
    }
    if (b.full_selfpay + b.over_limit + b.pre_selfpay + b.in_scope != b.total) {
      return reject(stay, line, ErrorCode::buckets_mismatch, "buckets",
                    fmt::format("buckets.total {} is not the sum of the other four ({})", money(b.total),
                                money(b.full_selfpay + b.over_limit + b.pre_selfpay + b.in_scope)));
    }
  } else {
    Fen total{};
    for (std::size_t i = 0; i < stay.fees.size(); ++i) {
      const FeeLine& f = stay.fees[i];
      if (!amount_ok(f.amount)) return bad(fmt::format("fees[{}].amount", i), f.amount);
      if (f.over_limit < Fen(0) || f.over_limit > f.amount) {
        std::string field = fmt::format("fees[{}].over_limit", i);
        return reject(stay, line, ErrorCode::bad_amount, field,
                      fmt::format("{}: {} is not within [0, the line's amount]", field, money(f.over_limit)));
      }
      if (f.selfpay_ratio && (*f.selfpay_ratio < Rate::zero() || *f.selfpay_ratio > Rate::one())) {
        std::string field = fmt::format("fees[{}].selfpay_ratio", i);
        return reject(stay, line, ErrorCode::bad_rate, field, fmt::format("{}: not a rate in [0, 1]", field));
      }
      total += f.amount;  // both at most 10^18 fen: no overflow
      if (total > max_year_figure) {
        return reject(stay, line, ErrorCode::bad_amount, "fees",
                      "fees: the stay's total is outside the supported range [0, 10^16 yuan]");
      }
    }
  }
  if (stay.prior) {
    for (const PriorEntry& e : *stay.prior) {
      if (!amount_ok(e.accumulated)) return bad(fmt::format("prior.{}.accumulated", e.channel), e.accumulated);
      if (!amount_ok(e.paid)) return bad(fmt::format("prior.{}.paid", e.channel), e.paid);
      if (e.grants < 0 || e.grants > 999'999'999'999) {
        std::string field = fmt::format("prior.{}.grants", e.channel);
        return reject(stay, line, ErrorCode::bad_value, field, fmt::format("{}: {} is out of range", field, e.grants));
      }
    }
  }
  return std::nullopt;
}

/// The §3 split and the range checks of check_money on the cost in one
/// pass: nullopt when check_money would refuse the stay's cost (it then
/// says why).
std::optional<Buckets> split_in_range(const Stay& stay, Rate class_b_selfpay, Rounding mode) {
  auto amount_ok = [](Fen f) { return f >= Fen(0) && f <= max_year_figure; };
  if (stay.buckets) {
    const Buckets& b = *stay.buckets;
    if (!amount_ok(b.total) || !amount_ok(b.full_selfpay) || !amount_ok(b.over_limit) || !amount_ok(b.pre_selfpay) ||
        !amount_ok(b.in_scope) || b.full_selfpay + b.over_limit + b.pre_selfpay + b.in_scope != b.total) {
      return std::nullopt;
    }
    return b;
  }
  Buckets b;
  for (const FeeLine& f : stay.fees) {
    if (!amount_ok(f.amount) || f.over_limit < Fen(0) || f.over_limit > f.amount ||
        (f.selfpay_ratio && (*f.selfpay_ratio < Rate::zero() || *f.selfpay_ratio > Rate::one()))) {
      return std::nullopt;
    }
    b.total += f.amount;  // both at most 10^18 fen: no overflow
    if (b.total > max_year_figure) return std::nullopt;
    if (f.category == FeeCategory::C) {
      b.full_selfpay += f.amount;
      continue;
    }
    const Fen rest = f.amount - f.over_limit;
    b.over_limit += f.over_limit;
    if (f.category == FeeCategory::B) {
      const Fen selfpay = multiply(rest, f.selfpay_ratio.value_or(class_b_selfpay), mode);
      b.pre_selfpay += selfpay;
      b.in_scope += rest - selfpay;
    } else {
      b.in_scope += rest;
    }
  }
  return b;
}

/// The person's yearly figures of every channel of the version, before this
/// stay (its `prior` where it gives one), must leave room for the stay's total.
std::optional<Rejection> check_year_figures(const detail::Version& version, const Stay& stay,
                                            const Ledger& ledger, int year, Fen total, std::uint64_t line) {
  const Fen room = max_year_figure - total;
  for (const Channel& ch : version.channels) {
    ChannelLedger f = ledger.get(year, ch.slot);
    if (stay.prior) {
      for (const PriorEntry& e : *stay.prior) {
        if (e.channel == ch.id) {
          f.accumulated = e.accumulated;
          f.paid = e.paid;
        }
      }
    }
    if (f.accumulated < Fen(0) || f.paid < Fen(0) || f.accumulated > room || f.paid > room) {
      return reject(stay, line, ErrorCode::bad_amount, "",
                    fmt::format("the person's yearly figures exceed the supported range: channel {} in {} has "
                                "accumulated {} and paid {}; with this stay's total {} they would pass {} yuan",
                                ch.id, year, money(f.accumulated), money(f.paid), money(total), "10^16"));
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Rejection> detail::check_links(const Plan& plan, const Stay& stay, const Ledger& ledger,
                                             std::size_t version_index, std::uint64_t line) {
  const detail::Version& version = plan.data().versions[version_index];
  if (stay.referred_from) {
    const std::vector<Fen>* referral = ledger.deductibles_of(*stay.referred_from);
    if (!referral || *stay.referred_from == stay.stay_id) {
      return reject(stay, line, ErrorCode::bad_referral, "referred_from",
                    fmt::format("referred_from: '{}' is not a settled stay of person {} earlier in processing order",
                                *stay.referred_from, stay.person_id));
    }
  }
  if (stay.prior) {
    if (ledger.year_started(stay.discharged.year())) {
      return reject(stay, line, ErrorCode::bad_prior, "prior",
                    "prior: only allowed on the first stay of its person-year that has a version in force");
    }
    for (const PriorEntry& e : *stay.prior) {
      bool found = std::any_of(version.channels.begin(), version.channels.end(),
                               [&](const Channel& c) { return c.id == e.channel; });
      if (!found) {
        return reject(stay, line, ErrorCode::bad_prior, "prior." + e.channel,
                      fmt::format("prior.{}: no such channel in version {}", e.channel, format(version.from)));
      }
    }
  }
  return std::nullopt;
}

Outcome settle(const Plan& plan, const Stay& stay, Ledger& ledger, const SettleOptions& options, std::uint64_t line) {
  const PlanData& p = plan.data();
  const Date day = options.as_of.value_or(stay.discharged);
  auto vi = plan.version_on(day);
  if (!vi) {
    return reject(stay, line, ErrorCode::no_version, "discharged",
                  fmt::format("discharged: no version of rule set {} is in force on {}", p.id, format(day)));
  }
  const detail::Version& version = p.versions[*vi];
  const int year = stay.discharged.year();

  // Referral and prior: the stay's own errors, checked before anything is touched.
  if (auto bad = detail::check_links(plan, stay, ledger, *vi, line)) return std::move(*bad);
  // The cost split and its range checks in one pass; check_money says what is wrong.
  std::optional<Buckets> cost = split_in_range(stay, p.class_b_selfpay, p.rounding);
  if (!cost || stay.prior) {
    if (auto bad = check_money(stay, line)) return std::move(*bad);
    if (!cost) cost = split(stay, p.class_b_selfpay, p.rounding);
  }
  const std::vector<Fen>* referral = stay.referred_from ? ledger.deductibles_of(*stay.referred_from) : nullptr;

  Settlement out;
  out.stay_id = stay.stay_id;
  out.person_id = stay.person_id;
  out.rules = p.id;
  out.digest = p.digest;
  out.version_index = *vi;
  out.version = version.from;
  if (options.trace) out.trace = std::make_shared<Trace>();
  Tracer tr(p, out.trace.get());

  const Rounding mode = p.rounding;
  out.buckets = *cost;
  const Buckets& bk = out.buckets;
  if (tr) tr.step(-1, "version", version.cite, "version {} in force on {} (rule set {})", format(version.from), format(day), p.id);
  if (tr) tr.step(-1, "split", p.class_b_cite,
          "buckets: total {} = full_selfpay {} + over_limit {} + pre_selfpay {} + in_scope {} (class B self-pay {})",
          money(bk.total), money(bk.full_selfpay), money(bk.over_limit), money(bk.pre_selfpay), money(bk.in_scope),
          rate_text(p.class_b_selfpay));

  std::array<Fen, bucket_count> rem{bk.in_scope, bk.pre_selfpay, bk.over_limit, bk.full_selfpay};

  // The ledger's sums stay in range, or the stay is refused before the ledger is touched.
  if (auto bad = check_year_figures(version, stay, ledger, year, bk.total, line)) return std::move(*bad);

  // Apply the prior before the first channel: it is the ledger "before this stay".
  ledger.start_year(year);
  if (stay.prior) {
    for (const PriorEntry& e : *stay.prior) {
      auto slot = plan.slot_of(e.channel);
      ChannelLedger& cl = ledger.at(year, *slot);
      cl.accumulated = e.accumulated;
      cl.paid = e.paid;
      cl.grants = e.grants;
      if (tr) tr.step(-1, "ledger", {}, "prior for {}: accumulated {}, paid {}, grants {}", e.channel, money(e.accumulated),
              money(e.paid), e.grants);
    }
  }

  DiagnosisGroups dx;
  // The deductibles applied are kept for later referrals only where a channel continues them.
  std::vector<Fen> applied(p.has_referral ? p.slots.size() : 0);
  out.channels.reserve(version.channels.size());
  out.bands.reserve(version.band_count);

  for (std::size_t ci = 0; ci < version.channels.size(); ++ci) {
    const Channel& ch = version.channels[ci];
    const int cix = static_cast<int>(ci);
    ChannelResult r;
    r.index = static_cast<std::uint16_t>(ci);
    r.slot = ch.slot;
    r.first_band = static_cast<std::uint16_t>(out.bands.size());

    // 1. Eligibility.
    r.eligible = holds(p, ch.when, stay, dx);
    if (ch.when >= 0) {
      if (tr) tr.step(cix, "eligibility", p.nodes[static_cast<std::size_t>(ch.when)].cite, "{}: condition {}", ch.id,
              r.eligible ? "holds: eligible" : "does not hold: not eligible, pays 0");
    }
    if (!r.eligible) {
      out.channels.push_back(r);
      continue;
    }

    // 2. Parameters, then adjustments in order (rates clipped after each).
    const HospitalLevel lvl = stay.hospital_level;
    Params prm;
    if (ch.kind == Kind::coinsurance) {
      prm.deductible = ch.deductible.at(lvl);
      prm.bands = ch.bands.size();
      for (std::size_t b = 0; b < prm.bands; ++b) {
        prm.rate[b] = ch.bands[b].rate.at(lvl);
        prm.upto[b] = ch.bands[b].upto ? ch.bands[b].upto->at(lvl).count() : INT64_MAX;
      }
      if (ch.cap_stay) {
        prm.cap_stay = ch.cap_stay->at(lvl);
        prm.cap_stay_cite = ch.cap_stay->cite;
      }
      if (ch.cap_year) {
        prm.cap_year = ch.cap_year->at(lvl);
        prm.cap_year_cite = ch.cap_year->cite;
      }
    } else if (ch.kind == Kind::cap) {
      prm.limit_kind = ch.limit.kind;
      prm.limit_amount = ch.limit.amount.at(lvl);
      prm.limit_fraction = ch.limit.fraction;
    }
    for (const auto& adj : ch.adjustments) {
      if (!holds(p, adj.when, stay, dx)) continue;
      for (const auto& c : adj.changes) {
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
        if (tr) {
          std::string what;
          switch (c.kind) {
            case ChangeKind::rate_add: what = fmt::format("rate_add {}", rate_text(c.rate)); break;
            case ChangeKind::rate_set: what = fmt::format("rate_set {}", rate_text(c.rate)); break;
            case ChangeKind::deductible_scale:
              what = fmt::format("deductible_scale {} -> deductible {}", rate_text(c.rate), money(prm.deductible));
              break;
            case ChangeKind::deductible_set: what = fmt::format("deductible_set {}", money(c.amount)); break;
            case ChangeKind::cap_year_set: what = c.none ? "cap_year_set none" : "cap_year_set " + money(c.amount); break;
            case ChangeKind::cap_stay_set: what = c.none ? "cap_stay_set none" : "cap_stay_set " + money(c.amount); break;
            case ChangeKind::limit_set:
              what = c.limit.kind == LimitKind::amount ? "limit_set " + money(prm.limit_amount)
                                                       : "limit_set fraction " + rate_text(c.limit.fraction);
              break;
          }
          if (tr) tr.step(cix, "adjustment", c.cite, "{}: adjustment applies: {}", ch.id, what);
        }
      }
    }

    // 3. Base.
    Fen B{};
    for (std::size_t k = 0; k < ch.base_count; ++k) B += rem[static_cast<std::size_t>(ch.base[k])];
    r.base = B;
    if (tr) {
      std::string parts;
      for (std::size_t k = 0; k < ch.base_count; ++k) {
        if (!parts.empty()) parts += " + ";
        parts += fmt::format("{} {}", name(ch.base[k]), money(rem[static_cast<std::size_t>(ch.base[k])]));
      }
      if (tr) tr.step(cix, "base", ch.cite, "{}: base B = {} = {}", ch.id, parts, money(B));
    }

    // 4. Payment by kind.
    ChannelLedger& led = ledger.at(year, ch.slot);
    Fen X{};
    switch (ch.kind) {
      case Kind::coinsurance: {
        Payout hi, lo;  // lo: nothing below the stay for a stay-period channel
        std::fill_n(lo.shares.begin(), prm.bands, std::int64_t{0});
        Fen D = prm.deductible;
        if (ch.period == Period::stay) {
          if (ch.referral_continuous && referral) {
            Fen d_ref = ch.slot < referral->size() ? (*referral)[ch.slot] : Fen(0);
            D = max(Fen(0), D - d_ref);
            if (tr) tr.step(cix, "deductible", ch.referral_cite,
                    "{}: referral from {}: deductible {} less {} applied there = {}", ch.id, *stay.referred_from,
                    money(prm.deductible), money(d_ref), money(D));
          }
          hi = payout(prm, D, B);
          r.deductible = min(B, D);
        } else {
          Fen acc = led.accumulated;
          hi = payout(prm, D, acc + B);
          lo = payout(prm, D, acc);
          r.deductible = min(acc + B, D) - min(acc, D);
          if (tr) tr.step(cix, "deductible", ch.deductible.cite,
                  "{}: deductible {}; accumulated this year before this stay {}, after {}; applied {}", ch.id,
                  money(D), money(acc), money(acc + B), money(r.deductible));
        }
        if (ch.period == Period::stay) {
          if (tr) tr.step(cix, "deductible", ch.deductible.cite, "{}: deductible {}; applied min(B, D) = {}", ch.id, money(D),
                  money(r.deductible));
        }
        Wide raw = hi.value4 - lo.value4;
        for (std::size_t b = 0; b < prm.bands; ++b) {
          Fen share(hi.shares[b] - lo.shares[b]);
          if (share > Fen(0)) {
            out.bands.push_back(BandShare{share, prm.rate[b]});
            ++r.band_count;
          }
        }
        X = Fen(round4(raw, mode));
        if (tr) {
          std::string terms;
          for (std::size_t b = r.first_band; b < r.first_band + r.band_count; ++b) {
            if (!terms.empty()) terms += " + ";
            terms += fmt::format("{} × {}", rate_text(out.bands[b].rate), money(out.bands[b].amount));
          }
          if (terms.empty()) terms = "nothing above the deductible";
          const Wide per_yuan = Wide(100) * Rate::scale;  // raw is in 1/10000 fen
          if (tr) tr.step(cix, "bands", ch.bands_cite, "{}: raw = {} = {}.{:06}; rounded {}", ch.id, terms,
                  static_cast<std::int64_t>(raw / per_yuan), static_cast<std::int64_t>(raw % per_yuan), money(X));
        }
        r.computed = X;
        if (prm.cap_stay && X > *prm.cap_stay) {
          X = *prm.cap_stay;
          r.limiter = Limiter::cap_stay;
          if (tr) tr.step(cix, "cap", prm.cap_stay_cite, "{}: cap_stay {} limits the payment",
                  ch.id, money(*prm.cap_stay));
        }
        if (prm.cap_year) {
          Fen room = max(Fen(0), *prm.cap_year - led.paid);
          if (X > room) {
            X = room;
            r.limiter = Limiter::cap_year;
          }
          if (tr) tr.step(cix, "cap", prm.cap_year_cite,
                  "{}: cap_year {}, paid this year before {}, room {}{}", ch.id, money(*prm.cap_year), money(led.paid),
                  money(room), r.limiter == Limiter::cap_year ? ": limits the payment" : "");
        }
        break;
      }
      case Kind::cap: {
        Fen L = prm.limit_amount;
        if (prm.limit_kind != LimitKind::amount) {
          Fen ref = prm.limit_kind == LimitKind::fraction_of_total ? bk.total : bk.in_scope;
          L = multiply(ref, prm.limit_fraction, mode);
        }
        if (ch.period == Period::stay) {
          X = max(Fen(0), B - L);
          if (tr) tr.step(cix, "limit", ch.limit.cite, "{}: limit L = {}; X = max(0, B - L) = {}", ch.id, money(L), money(X));
        } else {
          Fen allowed = max(Fen(0), L - led.accumulated);
          X = max(Fen(0), B - allowed);
          if (tr) tr.step(cix, "limit", ch.limit.cite,
                  "{}: limit L = {} a year; kept this year before {}; allowed {}; X = max(0, B - allowed) = {}", ch.id,
                  money(L), money(led.accumulated), money(allowed), money(X));
        }
        r.computed = X;
        break;
      }
      case Kind::grant: {
        if (ch.once_per == Period::year && led.grants >= 1) {
          X = Fen(0);
          r.limiter = Limiter::grant_used;
          if (tr) tr.step(cix, "grant", ch.grant_cite, "{}: the year's grant was already paid", ch.id);
        } else {
          X = ch.grant_amount;
          if (tr) tr.step(cix, "grant", ch.grant_cite, "{}: grant {} (once per {})", ch.id, money(X),
                  ch.once_per == Period::year ? "year" : "stay");
        }
        r.computed = X;
        break;
      }
    }

    // 5. Never below 0, never above the base.
    if (X > B) {
      X = B;
      r.limiter = Limiter::base;
    }
    if (X < Fen(0)) X = Fen(0);
    r.paid = X;

    // 6. Allocation in base order.
    Fen left = X;
    for (std::size_t k = 0; k < ch.base_count && left > Fen(0); ++k) {
      auto b = static_cast<std::size_t>(ch.base[k]);
      Fen take = min(rem[b], left);
      rem[b] -= take;
      r.taken[b] = take;
      left -= take;
    }

    // 7. Ledger.
    led.paid += X;
    if (ch.kind == Kind::coinsurance && ch.period == Period::year) led.accumulated += B;
    if (ch.kind == Kind::cap && ch.period == Period::year) led.accumulated += B - X;
    if (ch.kind == Kind::grant && X > Fen(0)) led.grants += 1;
    if (ch.kind == Kind::coinsurance && !applied.empty()) applied[ch.slot] = r.deductible;

    if (tr) {
      std::string from;
      for (std::size_t k = 0; k < ch.base_count; ++k) {
        auto b = static_cast<std::size_t>(ch.base[k]);
        if (r.taken[b] > Fen(0)) {
          if (!from.empty()) from += ", ";
          from += fmt::format("{} from {}", money(r.taken[b]), name(ch.base[k]));
        }
      }
      if (tr) tr.step(cix, "allocation", ch.cite, "{}: pays {}{}{}", ch.id, money(X), from.empty() ? "" : " (",
              from.empty() ? "" : from + ")");
    }
    out.channels.push_back(r);
  }

  // Result fields.
  for (const ChannelResult& r : out.channels) {
    const Channel& ch = version.channels[r.index];
    switch (ch.reports_as) {
      case ReportsAs::hifp_pay:
        out.hifp_pay += r.paid;
        out.act_pay_dedc += r.deductible;
        break;
      case ReportsAs::hifmi_pay: out.hifmi_pay += r.paid; break;
      case ReportsAs::maf_pay: out.maf_pay += r.paid; break;
      case ReportsAs::hosp_part_amt: out.hosp_part_amt += r.paid; break;
      case ReportsAs::oth_pay: out.oth_pay += r.paid; break;
    }
  }
  out.fund_pay_sumamt = out.hifp_pay + out.hifmi_pay + out.maf_pay + out.oth_pay;
  out.psn_part_amt = rem[0] + rem[1] + rem[2] + rem[3];
  if (tr) tr.step(-1, "result", {}, "patient pays {} (in_scope {} + pre_selfpay {} + over_limit {} + full_selfpay {}); funds {}, hospital {}",
          money(out.psn_part_amt), money(rem[0]), money(rem[1]), money(rem[2]), money(rem[3]),
          money(out.fund_pay_sumamt), money(out.hosp_part_amt));
  ledger.record_stay(stay.stay_id, std::move(applied));
  return out;
}

}  // namespace medsettle
