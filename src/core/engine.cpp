// The settlement of one stay: SEMANTICS.md §4–§8. The checks that can
// refuse a stay come first, then one pass over the version's channels
// (core/evaluate.hpp), then the ledger is posted in one step.
#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>

#include "core/engine_internal.hpp"
#include "core/hot.hpp"
#include "core/result_arena.hpp"
#include "core/evaluate.hpp"
#include "core/ledger_access.hpp"
#include "core/observe.hpp"
#include "core/text.hpp"
#include "core/trace_recorder.hpp"
#include "core/validation.hpp"

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

namespace detail {

namespace {

/// The bound of a person's yearly figures (accumulated and paid, per channel):
/// 10^16 yuan, ten thousand stays of the largest total a stay may have
/// (10^12 yuan). Each stay adds at most its total to a figure, so checking
/// `figure <= bound - total` before a stay keeps every sum the engine forms
/// below 2 × 10^18 fen, far inside int64.
constexpr Fen max_year_figure = Fen(1'000'000'000'000'000'000);

MEDSETTLE_COLD Rejection reject(const Stay& stay, std::uint64_t line, ErrorCode code, std::string field, Message what) {
  return rejection(stay.stay_id.empty() ? std::nullopt : std::optional<std::string>(stay.stay_id), line, code,
                   std::move(field), std::move(what));
}

/// The figures of each channel of the version this year before the stay
/// (after its `prior`), by channel index; returns the largest figure it
/// set (accumulated or paid), so that the range check below runs only
/// when one may be out of range.
MEDSETTLE_HOT
Fen year_before(const Version& version, const Stay& stay, const Ledger& ledger, int year,
                std::span<ChannelLedger> figures) {
  const std::span<const ChannelLedger> kept = LedgerAccess::year_figures(ledger, year);
  Fen top{};
  for (std::size_t ci = 0; ci < version.channels.size(); ++ci) {
    const std::size_t slot = version.channels[ci].slot;
    figures[ci] = slot < kept.size() ? kept[slot] : ChannelLedger{};
    top = max(top, max(figures[ci].accumulated, figures[ci].paid));
  }
  if (!stay.prior) return top;
  for (const PriorEntry& e : *stay.prior) {
    for (std::size_t ci = 0; ci < version.channels.size(); ++ci) {
      if (version.channels[ci].id != e.channel) continue;
      figures[ci] = ChannelLedger{e.accumulated, e.paid, e.grants};
      top = max(top, max(e.accumulated, e.paid));
    }
  }
  return top;
}

/// The person's yearly figures of every channel before this stay must leave
/// room for the stay's total.
std::optional<Rejection> check_year_figures(const Version& version, const Stay& stay,
                                            std::span<const ChannelLedger> figures, int year, Fen total,
                                            std::uint64_t line) {
  const Fen room = max_year_figure - total;
  for (std::size_t ci = 0; ci < figures.size(); ++ci) {
    const ChannelLedger& f = figures[ci];
    if (f.accumulated > room || f.paid > room) {
      return reject(stay, line, ErrorCode::bad_amount, "",
                    message(N_("the person's yearly figures exceed the supported range: channel {} in {} has "
                               "accumulated {} and paid {}; with this stay's total {} they would pass {} yuan"),
                            version.channels[ci].id, year, f.accumulated, f.paid, total, "10^16"));
    }
  }
  return std::nullopt;
}

/// The `prior` figures the stay sets, as steps (in the order the stay gives them).
template <class Obs>
void observe_prior(const Version& version, const Stay& stay, Obs& obs) {
  if (!stay.prior) return;
  for (const PriorEntry& e : *stay.prior) {
    for (const Channel& ch : version.channels) {
      if (ch.id != e.channel) continue;
      obs(-1, Cited{}, [&] { return step::Prior{e.channel, e.accumulated, e.paid, e.grants}; });
    }
  }
}

/// The settlement fields that sum the channels (INTERCHANGE.md): a channel's line added as it is made.
void add_to_fields(ReportsAs reports_as, const ChannelResult& r, Settlement& out) {
  switch (reports_as) {
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

/// The settlement fields that sum the others, once every channel is added.
void sum_fields(Settlement& out, const Remainders& rem) {
  out.fund_pay_sumamt = out.hifp_pay + out.hifmi_pay + out.maf_pay + out.oth_pay;
  out.psn_part_amt = rem[0] + rem[1] + rem[2] + rem[3];
}

/// One channel, §6 steps 1 to 7: its line of the settlement (appended to
/// `out.channels`, which has the room, and filled in place) and its figures
/// after the stay (in `figures`).
template <class Obs>
MEDSETTLE_HOT
void settle_channel(const ChannelContext& c, Remainders& rem, DiagnosisGroups& dx, Settlement& out,
                    ChannelLedger& figures, Obs& obs) {
  const Channel& ch = c.channel;
  ChannelResult& r = out.channels.emplace_back();
  r.index = static_cast<std::uint16_t>(c.index);
  r.slot = ch.slot;
  r.first_band = static_cast<std::uint16_t>(out.bands.size());
  r.eligible = holds(c.plan, ch.when, c.stay, dx);
  if (ch.when >= 0) {
    obs(c.index, c.plan.nodes[static_cast<std::size_t>(ch.when)].cite, Choice{Choice::By::condition, {}, ch.when},
        [&] { return step::Eligibility{r.eligible}; });
  }
  if (!r.eligible) return;
  const Params prm = resolve_parameters(c, dx, obs);
  r.base = base_of(c, rem, obs);
  Payment pay;
  switch (ch.kind) {
    case Kind::coinsurance: pay = coinsurance(c, prm, r.base, out.bands, obs); break;
    case Kind::cap: pay = cap(c, prm, r.base, obs); break;
    case Kind::grant: pay = grant(c, obs); break;
  }
  r.band_count = static_cast<std::uint16_t>(out.bands.size() - r.first_band);
  r.computed = pay.computed;
  r.deductible = pay.deductible;
  r.limiter = pay.limiter;
  if (pay.amount > r.base) {  // §6 step 5
    pay.amount = r.base;
    r.limiter = Limiter::base;
  }
  r.paid = max(Fen(0), pay.amount);
  r.taken = take(c, r.paid, rem, obs);
  figures = post(ch, r.base, r.paid, figures);
}

/// The checks that can refuse a stay before anything is computed: the
/// version in force, referral and prior, the range of the year's figures.
MEDSETTLE_HOT
std::optional<Rejection> refusal(const Plan& plan, const Stay& stay, const Ledger& ledger, const SettleOptions& options,
                                 std::uint64_t line, std::optional<std::size_t>& vi) {
  const PlanData& p = plan.data();
  const Date day = options.as_of.value_or(stay.discharged);
  vi = plan.version_on(day);
  if (!vi) {
    // Say when the rule set is in force, so that the reader sees whether the
    // stay is too early, too late, or the rule file lacks a version.
    const Date first = p.versions.empty() ? day : p.versions.front().from;
    return reject(stay, line, ErrorCode::no_version, "discharged",
                  p.until ? message(N_("discharged: no version of rule set {} is in force on {}; its versions run from "
                                       "{} to {}"),
                                    p.id, day, first, *p.until)
                          : message(N_("discharged: no version of rule set {} is in force on {}; its versions run from "
                                       "{} with no end"),
                                    p.id, day, first));
  }
  return check_links(p, stay, ledger, *vi, line);
}

/// Room for a version's channels on the stack (more on the heap): only
/// the `n` in use are made, so that a stay does not zero the whole array.
template <class T, std::size_t N>
class Scratch {
  static_assert(std::is_trivially_destructible_v<T>);

 public:
  explicit Scratch(std::size_t n) : n_(n) {
    if (n > N) {
      heap_.resize(n);
    } else {
      std::uninitialized_value_construct_n(local(), n);
    }
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  std::span<T> span() { return n_ > N ? std::span<T>(heap_) : std::span<T>(local(), n_); }

 private:
  T* local() { return std::launder(reinterpret_cast<T*>(buf_)); }
  alignas(T) std::byte buf_[N * sizeof(T)];
  std::vector<T> heap_;
  std::size_t n_;
};

/// A stay that passed the checks: what settling it works on.
struct Work {
  const Version& version;
  std::size_t version_index;
  int year;
  Buckets cost;
  std::span<ChannelLedger> figures;  ///< by channel index: this year's, worked on in place of the ledger's
  std::span<Fen> deductibles;        ///< by channel index: the deductible each applied
};

/// The settlement of a stay that passed the checks, made in place in its
/// Outcome (a Settlement is not moved on its way out); the ledger is
/// posted in one step once the whole stay has settled.
template <class Obs>
MEDSETTLE_HOT
Outcome settlement(const PlanData& p, const std::shared_ptr<const PlanData>& ref, const Stay& stay, Ledger& ledger,
                   const SettleOptions& options, const Work& w, Obs& obs) {
  Outcome result(std::in_place_type<Settlement>);
  Settlement& out = result.settlement();
  if (const std::shared_ptr<ResultArena>* arena = current_arena()) {
    out.channels = ChannelList(ResultAllocator<ChannelResult>(*arena));
    out.bands = BandList(ResultAllocator<BandShare>(*arena));
  }
  const Version& version = w.version;
  out.stay_id = stay.stay_id;
  out.person_id = stay.person_id;
  if (out.rule_set != ref) out.rule_set = ref;  // a reused settlement may hold it already
  out.rules = p.id;
  out.digest = p.digest;
  out.version_index = w.version_index;
  out.version = version.from;
  out.buckets = w.cost;
  obs(-1, version.cite, [&] { return step::Version{version.from, options.as_of.value_or(stay.discharged)}; });
  obs(-1, p.class_b_cite, [&] { return step::Split{w.cost, p.class_b_selfpay}; });
  observe_prior(version, stay, obs);

  const std::optional<std::span<const Fen>> referral =
      stay.referred_from ? ledger.deductibles_of(*stay.referred_from) : std::nullopt;
  Remainders rem{w.cost.in_scope, w.cost.pre_selfpay, w.cost.over_limit, w.cost.full_selfpay};
  DiagnosisGroups dx;
  const std::size_t n = version.channels.size();
  out.channels.reserve(n);
  out.bands.reserve(version.band_count);
  for (std::size_t ci = 0; ci < n; ++ci) {
    const ChannelContext c{p, version.channels[ci], static_cast<int>(ci), stay, w.cost, w.figures[ci],
                           referral ? &*referral : nullptr};
    // c.year is read before settle_channel's last step sets the figures after the stay.
    settle_channel(c, rem, dx, out, w.figures[ci], obs);
    w.deductibles[ci] = out.channels.back().deductible;
    add_to_fields(version.channels[ci].reports_as, out.channels.back(), out);
  }
  sum_fields(out, rem);
  obs(-1, Cited{}, [&] {
    return step::Result{out.psn_part_amt, {rem[0], rem[1], rem[2], rem[3]}, out.fund_pay_sumamt, out.hosp_part_amt};
  });
  LedgerAccess::post(ledger, Posting{w.year, &version, w.figures, w.deductibles, stay.stay_id, stay.person_id,
                                     p.has_referral});
  return result;
}

template <class Obs>
MEDSETTLE_HOT
Outcome settle_stay(const Plan& plan, const std::shared_ptr<const PlanData>& ref, const Stay& stay, Ledger& ledger,
                    const SettleOptions& options, std::uint64_t line, const Buckets* known, Obs& obs) {
  const PlanData& p = plan.data();
  std::optional<std::size_t> vi;
  if (auto bad = refusal(plan, stay, ledger, options, line, vi)) return std::move(*bad);
  const Version& version = p.versions[*vi];
  const int year = stay.discharged.year();
  const Buckets cost = known ? *known : split(stay, p.class_b_selfpay, p.rounding);
  // The version's channels' figures this year, worked on in place of the
  // ledger's, which changes only once the whole stay has settled.
  const std::size_t n = version.channels.size();
  Scratch<ChannelLedger, 32> figures(n);
  Scratch<Fen, 32> deductibles(n);
  if (year_before(version, stay, ledger, year, figures.span()) > max_year_figure - cost.total) {
    if (auto bad = check_year_figures(version, stay, figures.span(), year, cost.total, line)) return std::move(*bad);
  }
  return settlement(p, ref, stay, ledger, options, Work{version, *vi, year, cost, figures.span(), deductibles.span()},
                    obs);
}

/// settle_stay with the observer the options ask for. `cost`: the stay's
/// buckets if already split, else null.
MEDSETTLE_HOT
Outcome observed(const Plan& plan, const std::shared_ptr<const PlanData>& ref, const Stay& stay, Ledger& ledger,
                 const SettleOptions& options, std::uint64_t line, const Buckets* cost) {
  if (!options.trace && !options.observer) {
    NoObserver none;
    return settle_stay(plan, ref, stay, ledger, options, line, cost, none);
  }
  TraceRecorder recorder(options.observer, options.trace, options.trace_text);
  Observing obs(plan.data(), recorder);
  Outcome o = settle_stay(plan, ref, stay, ledger, options, line, cost, obs);
  if (o.settled() && options.trace) o.settlement().trace = recorder.finish(o.settlement(), stay);
  return o;
}

}  // namespace

MEDSETTLE_HOT
std::optional<Rejection> check_links(const PlanData& p, const Stay& stay, const Ledger& ledger,
                                     std::size_t version_index, std::uint64_t line, bool started_in_run) {
  const Version& version = p.versions[version_index];
  if (stay.referred_from) {
    if (!ledger.deductibles_of(*stay.referred_from) || *stay.referred_from == stay.stay_id) {
      return reject(stay, line, ErrorCode::bad_referral, "referred_from",
                    message(N_("referred_from: '{}' is not a settled stay of person {} earlier in processing order"),
                            *stay.referred_from, stay.person_id));
    }
  }
  if (!stay.prior) return std::nullopt;
  if (started_in_run || ledger.year_started(stay.discharged.year())) {
    return reject(stay, line, ErrorCode::bad_prior, "prior",
                  message(N_("prior: only allowed on the first stay of its person-year that has a version in force")));
  }
  for (const PriorEntry& e : *stay.prior) {
    const bool found = std::any_of(version.channels.begin(), version.channels.end(),
                                   [&](const Channel& c) { return c.id == e.channel; });
    if (!found) {
      return reject(stay, line, ErrorCode::bad_prior, "prior." + e.channel,
                    message(N_("prior.{}: no such channel in version {}"), e.channel, version.from));
    }
  }
  return std::nullopt;
}

Outcome settle_checked(const Plan& plan, const std::shared_ptr<const PlanData>& ref, const Stay& stay, Ledger& ledger,
                       const SettleOptions& options, std::uint64_t line) {
  return observed(plan, ref, stay, ledger, options, line, nullptr);
}

std::shared_ptr<const PlanData> private_reference(const std::shared_ptr<const PlanData>& plan) {
  auto holder = std::make_shared<std::shared_ptr<const PlanData>>(plan);
  return std::shared_ptr<const PlanData>(holder, holder->get());
}

}  // namespace detail

MEDSETTLE_HOT
Outcome settle(const Plan& plan, const Stay& stay, Ledger& ledger, const SettleOptions& options, std::uint64_t line) {
  using namespace detail;
  LedgerAccess::Use in_use(ledger);
  // A stay the ledger holds is a duplicate whatever else is wrong with it (§11).
  if (!stay.stay_id.empty() && ledger.holds(stay.stay_id)) {
    return reject(stay, line, ErrorCode::duplicate_stay_id, "stay_id",
                  message(N_("stay_id: '{}' is already settled in this ledger"), stay.stay_id));
  }
  // Most stays plainly pass validate(); their buckets come of the same pass.
  const PlanData& p = plan.data();
  const std::optional<Buckets> cost = plain_split(stay, p.class_b_selfpay, p.rounding);
  if (!cost) {
    if (auto bad = validate(stay, line)) return std::move(*bad);
  }
  if (!ledger.person_id().empty() && ledger.person_id() != stay.person_id) {
    return reject(stay, line, ErrorCode::bad_value, "person_id",
                  message(N_("person_id: this ledger holds the stays of person {}, not of person {}"),
                          ledger.person_id(), stay.person_id));
  }
  LedgerAccess::bind(ledger, plan.shared_data());
  return observed(plan, plan.shared_data(), stay, ledger, options, line, cost ? &*cost : nullptr);
}

Reversal reverse(Ledger& ledger, std::string_view stay_id, bool cascade) {
  using namespace detail;
  LedgerAccess::Use in_use(ledger);
  Reversal out;
  const std::optional<std::string> id(std::in_place, stay_id);
  if (!ledger.holds(stay_id)) {
    out.refused = rejection(id, 0, ErrorCode::unknown_stay, "stay_id",
                            message(N_("stay_id: '{}' is not a settled stay in this ledger"), stay_id));
    return out;
  }
  if (!LedgerAccess::has_history(ledger)) {
    throw UsageError(message(N_("this ledger keeps no history (a batch's): it cannot be reversed")));
  }
  const std::vector<std::string> ids = ledger.stay_ids();
  const auto at = static_cast<std::size_t>(std::find(ids.begin(), ids.end(), stay_id) - ids.begin());
  if (at + 1 < ids.size() && !cascade) {
    std::string later;
    for (std::size_t i = at + 1; i < ids.size(); ++i) later += (later.empty() ? "" : ", ") + ids[i];
    out.refused = rejection(id, 0, ErrorCode::not_last, "stay_id",
                            message(N_("stay_id: '{}' is not the person's last settled stay: settled after it: {}"),
                                    stay_id, later));
    return out;
  }
  // On a copy, so that the ledger is as before if anything fails.
  Ledger work = ledger;
  while (LedgerAccess::last_stay(work) != stay_id) out.reversed.push_back(LedgerAccess::pop_last(work));
  out.reversed.push_back(LedgerAccess::pop_last(work));
  ledger = std::move(work);
  return out;
}

}  // namespace medsettle
