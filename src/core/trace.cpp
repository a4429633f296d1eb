// The steps of a settlement as text: one message per step kind, in the
// catalogue (English ids, translated by gettext); and the list each thread
// records traced steps into (core/trace_recorder.hpp).
#include <new>
#include <vector>

#include <fmt/format.h>

#include "core/conditions.hpp"
#include "core/model.hpp"
#include "core/text.hpp"
#include "core/thread_end.hpp"
#include "core/trace_recorder.hpp"
#include "medsettle/settlement.hpp"

namespace medsettle {

Observer::~Observer() = default;

std::string_view name(AdjustmentKind k) noexcept {
  switch (k) {
    case AdjustmentKind::rate_add: return "rate_add";
    case AdjustmentKind::rate_set: return "rate_set";
    case AdjustmentKind::deductible_scale: return "deductible_scale";
    case AdjustmentKind::deductible_set: return "deductible_set";
    case AdjustmentKind::cap_year_set: return "cap_year_set";
    case AdjustmentKind::cap_stay_set: return "cap_stay_set";
    case AdjustmentKind::limit_set: return "limit_set";
  }
  return "?";
}

namespace {

struct StepNames {
  std::string_view operator()(const step::Version&) const { return "version"; }
  std::string_view operator()(const step::Split&) const { return "split"; }
  std::string_view operator()(const step::Prior&) const { return "ledger"; }
  std::string_view operator()(const step::Eligibility&) const { return "eligibility"; }
  std::string_view operator()(const step::Adjustment&) const { return "adjustment"; }
  std::string_view operator()(const step::Base&) const { return "base"; }
  std::string_view operator()(const step::Referral&) const { return "deductible"; }
  std::string_view operator()(const step::Deductible&) const { return "deductible"; }
  std::string_view operator()(const step::Bands&) const { return "bands"; }
  std::string_view operator()(const step::CapStay&) const { return "cap"; }
  std::string_view operator()(const step::CapYear&) const { return "cap"; }
  std::string_view operator()(const step::Limit&) const { return "limit"; }
  std::string_view operator()(const step::Grant&) const { return "grant"; }
  std::string_view operator()(const step::Allocation&) const { return "allocation"; }
  std::string_view operator()(const step::Result&) const { return "result"; }
};

using detail::message;

Message adjustment_text(std::string_view id, const step::Adjustment& a) {
  switch (a.change) {
    case AdjustmentKind::rate_add: return message(N_("{}: adjustment applies: rate_add {}"), id, a.rate);
    case AdjustmentKind::rate_set: return message(N_("{}: adjustment applies: rate_set {}"), id, a.rate);
    case AdjustmentKind::deductible_scale:
      return message(N_("{}: adjustment applies: deductible_scale {} -> deductible {}"), id, a.rate,
                     a.deductible_after);
    case AdjustmentKind::deductible_set: return message(N_("{}: adjustment applies: deductible_set {}"), id, a.amount);
    case AdjustmentKind::cap_year_set:
      return a.none ? message(N_("{}: adjustment applies: cap_year_set none"), id)
                    : message(N_("{}: adjustment applies: cap_year_set {}"), id, a.amount);
    case AdjustmentKind::cap_stay_set:
      return a.none ? message(N_("{}: adjustment applies: cap_stay_set none"), id)
                    : message(N_("{}: adjustment applies: cap_stay_set {}"), id, a.amount);
    case AdjustmentKind::limit_set:
      return a.fraction ? message(N_("{}: adjustment applies: limit_set fraction {}"), id, a.rate)
                        : message(N_("{}: adjustment applies: limit_set {}"), id, a.amount);
  }
  return {};
}

/// "in_scope 1000.00 + pre_selfpay 20.00"
std::string parts_text(const std::array<step::BasePart, bucket_count>& parts, std::size_t count, Language lang,
                       bool from) {
  std::string out;
  for (std::size_t k = 0; k < count; ++k) {
    if (!out.empty()) out += from ? ", " : " + ";
    out += from ? message(N_("{} from {}"), parts[k].amount, name(parts[k].bucket)).text(lang)
                : fmt::format("{} {}", name(parts[k].bucket), format(parts[k].amount));
  }
  return out;
}

std::string bands_terms(const Settlement& s, const step::Bands& b, Language lang) {
  std::string terms;
  for (std::size_t i = b.first_band; i < std::size_t{b.first_band} + b.band_count && i < s.bands.size(); ++i) {
    if (!terms.empty()) terms += " + ";
    terms += fmt::format("{} × {}", format(s.bands[i].rate), format(s.bands[i].amount));
  }
  return terms.empty() ? message(N_("nothing above the deductible")).text(lang) : terms;
}

/// The message of each step kind.
struct StepText {
  const Settlement& s;
  std::string_view id;  ///< the channel's id ("" for the stay)
  Language lang;

  Message operator()(const step::Version& v) const {
    return message(N_("version {} in force on {} (rule set {})"), v.from, v.day, s.rules);
  }
  Message operator()(const step::Split& v) const {
    const Buckets& b = v.buckets;
    return message(N_("buckets: total {} = full_selfpay {} + over_limit {} + pre_selfpay {} + in_scope {} "
                      "(class B self-pay {})"),
                   b.total, b.full_selfpay, b.over_limit, b.pre_selfpay, b.in_scope, v.class_b_selfpay);
  }
  Message operator()(const step::Prior& v) const {
    return message(N_("prior for {}: accumulated {}, paid {}, grants {}"), v.channel, v.accumulated, v.paid,
                   v.grants);
  }
  Message operator()(const step::Eligibility& v) const {
    return v.eligible ? message(N_("{}: condition holds: eligible"), id)
                      : message(N_("{}: condition does not hold: not eligible, pays 0"), id);
  }
  Message operator()(const step::Adjustment& v) const { return adjustment_text(id, v); }
  Message operator()(const step::Base& v) const {
    return message(N_("{}: base B = {} = {}"), id, parts_text(v.parts, v.count, lang, false), v.base);
  }
  Message operator()(const step::Referral& v) const {
    return message(N_("{}: referral from {}: deductible {} less {} applied there = {}"), id, v.from_stay,
                   v.deductible, v.applied_there, v.deductible_after);
  }
  Message operator()(const step::Deductible& v) const {
    if (!v.year) return message(N_("{}: deductible {}; applied min(B, D) = {}"), id, v.deductible, v.applied);
    return message(N_("{}: deductible {}; accumulated this year before this stay {}, after {}; applied {}"), id,
                   v.deductible, v.accumulated_before, v.accumulated_after, v.applied);
  }
  Message operator()(const step::Bands& v) const {
    return message(N_("{}: raw = {} = {}; rounded {}"), id, bands_terms(s, v, lang),
                   fmt::format("{}.{:06}", v.raw_yuan, v.raw_micro), v.rounded);
  }
  Message operator()(const step::CapStay& v) const {
    return message(N_("{}: cap_stay {} limits the payment"), id, v.cap);
  }
  Message operator()(const step::CapYear& v) const {
    return v.limits ? message(N_("{}: cap_year {}, paid this year before {}, room {}: limits the payment"), id, v.cap,
                              v.paid_before, v.room)
                    : message(N_("{}: cap_year {}, paid this year before {}, room {}"), id, v.cap, v.paid_before,
                              v.room);
  }
  Message operator()(const step::Limit& v) const {
    if (!v.year) return message(N_("{}: limit L = {}; X = max(0, B - L) = {}"), id, v.limit, v.payment);
    return message(N_("{}: limit L = {} a year; kept this year before {}; allowed {}; X = max(0, B - allowed) = {}"),
                   id, v.limit, v.kept_before, v.allowed, v.payment);
  }
  Message operator()(const step::Grant& v) const {
    if (v.already_paid) return message(N_("{}: the year's grant was already paid"), id);
    return v.once_per_year ? message(N_("{}: grant {} (once per year)"), id, v.amount)
                           : message(N_("{}: grant {} (once per stay)"), id, v.amount);
  }
  Message operator()(const step::Allocation& v) const {
    if (v.count == 0) return message(N_("{}: pays {}"), id, v.paid);
    return message(N_("{}: pays {} ({})"), id, v.paid, parts_text(v.taken, v.count, lang, true));
  }
  Message operator()(const step::Result& v) const {
    return message(N_("patient pays {} (in_scope {} + pre_selfpay {} + over_limit {} + full_selfpay {}); funds {}, "
                      "hospital {}"),
                   v.patient_pays, v.remainders[0], v.remainders[1], v.remainders[2], v.remainders[3], v.funds,
                   v.hospital);
  }
};

}  // namespace

std::string_view step_name(const StepData& data) noexcept { return std::visit(StepNames{}, data); }

std::string describe(const Settlement& s, const TraceStep& t, Language language) {
  const std::string_view id =
      t.channel >= 0 && s.rule_set ? s.channel_info(static_cast<std::size_t>(t.channel)).id : std::string_view{};
  return std::visit(StepText{s, id, language}, t.data).text(language);
}

namespace {

// The recording room (core/trace_recorder.hpp). Trivially destructible, so
// usable at any point of the thread's life, as the spare settlements are
// (core/outcome.cpp): a settlement traced in the destructor of another
// thread-local object, or of a static one at exit, finds no list that is
// gone.
struct RecordingRoom {
  std::vector<TraceStep>* list;  // on the heap, or null
  bool registered;               // close_room is to be called when the thread ends
  bool closed;                   // the thread is ending: nothing more is kept
};
constinit thread_local RecordingRoom room{};

/// Frees the room's list when the thread ends; after it, recorders use lists of their own.
void close_room() noexcept {
  room.closed = true;
  delete room.list;
  room.list = nullptr;
}

}  // namespace

std::vector<TraceStep> detail::take_recording_room() noexcept {
  std::vector<TraceStep> list;
  if (room.list) list.swap(*room.list);
  return list;
}

void detail::keep_recording_room(std::vector<TraceStep>&& list) noexcept {
  list.clear();
  if (room.closed) return;
  if (!room.list) {
    if (!room.registered) {
      close_at_thread_end<close_room>();
      room.registered = true;
    }
    room.list = new (std::nothrow) std::vector<TraceStep>();
    if (!room.list) return;
  }
  if (list.capacity() > room.list->capacity()) room.list->swap(list);
}

std::string describe_choice(const Settlement& s, const TraceStep& t) {
  return s.rule_set ? detail::choice_text(*s.rule_set, t.choice) : std::string{};
}

}  // namespace medsettle
