// A person's ledger (SEMANTICS.md §8, §11): yearly figures per channel, the
// settled stays in settlement order, and what each stay's year was before
// it, so that the last stay can be reversed exactly.
#include "medsettle/ledger.hpp"

#include <algorithm>
#include <functional>
#include <span>

#include "core/hot.hpp"
#include "core/ledger_access.hpp"
#include "core/text.hpp"
#include "medsettle/plan.hpp"

namespace medsettle {

using detail::LedgerAccess;

Ledger::Ledger() = default;
MEDSETTLE_HOT Ledger::Ledger(const Plan& plan) : plan_(plan.shared_data()), rules_(plan.data().id) {}
Ledger::Ledger(const Ledger& other) = default;
Ledger& Ledger::operator=(const Ledger& other) = default;
Ledger::Ledger(Ledger&& other) noexcept = default;
MEDSETTLE_HOT Ledger& Ledger::operator=(Ledger&& other) noexcept = default;
MEDSETTLE_HOT Ledger::~Ledger() = default;

std::string_view Ledger::person_id() const noexcept { return person_; }
std::string_view Ledger::rules() const noexcept { return rules_; }

MEDSETTLE_HOT
std::size_t Ledger::slot_count() const noexcept { return (plan_ ? plan_->slots.size() : 0) + extra_ids_.size(); }

std::string_view Ledger::slot_id(std::size_t slot) const noexcept {
  const std::size_t n = plan_ ? plan_->slots.size() : 0;
  if (slot < n) return plan_->slots[slot];
  return slot - n < extra_ids_.size() ? std::string_view(extra_ids_[slot - n]) : std::string_view{};
}

std::optional<std::size_t> Ledger::slot_of(std::string_view id) const noexcept {
  for (std::size_t i = 0, n = slot_count(); i < n; ++i) {
    if (slot_id(i) == id) return i;
  }
  return std::nullopt;
}

MEDSETTLE_HOT Ledger::Year* Ledger::find(int year) noexcept {
  for (auto& y : years_) {
    if (y.year == year) return &y;
  }
  return nullptr;
}
MEDSETTLE_HOT const Ledger::Year* Ledger::find(int year) const noexcept {
  for (const auto& y : years_) {
    if (y.year == year) return &y;
  }
  return nullptr;
}

ChannelLedger Ledger::get(int year, std::size_t slot) const noexcept {
  const Year* y = find(year);
  return y && slot < y->slots.size() ? y->slots[slot] : ChannelLedger{};
}

ChannelLedger Ledger::figures(int year, std::string_view channel_id) const noexcept {
  auto slot = slot_of(channel_id);
  return slot ? get(year, *slot) : ChannelLedger{};
}

bool Ledger::year_started(int year) const noexcept {
  const Year* y = find(year);
  return y && y->started;
}

std::vector<int> Ledger::years() const {
  std::vector<int> out;
  for (const auto& y : years_) out.push_back(y.year);
  std::sort(out.begin(), out.end());
  return out;
}

MEDSETTLE_HOT const Ledger::StayEntry* Ledger::find_stay(std::string_view id) const noexcept {
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

MEDSETTLE_HOT bool Ledger::holds(std::string_view stay_id) const noexcept { return find_stay(stay_id) != nullptr; }

std::vector<std::string> Ledger::stay_ids() const {
  std::vector<std::string> out;
  out.reserve(stays_.size());
  for (const StayEntry& e : stays_) out.push_back(e.id);
  return out;
}

MEDSETTLE_HOT std::optional<std::span<const Fen>> Ledger::deductibles_of(std::string_view stay_id) const noexcept {
  const StayEntry* e = find_stay(stay_id);
  if (!e) return std::nullopt;
  return std::span<const Fen>(deductibles_.data() + e->deductibles_at, e->deductibles_count);
}

std::string_view Ledger::digest_of(const StayEntry& e) const noexcept {
  if (e.digest == 0) return plan_ ? std::string_view(plan_->digest) : std::string_view{};
  return e.digest <= digests_.size() ? std::string_view(digests_[e.digest - 1]) : std::string_view{};
}

std::uint32_t Ledger::intern_digest(std::string_view digest) {
  if (plan_ && digest == plan_->digest) return 0;
  for (std::size_t i = 0; i < digests_.size(); ++i) {
    if (digests_[i] == digest) return static_cast<std::uint32_t>(i + 1);
  }
  digests_.emplace_back(digest);
  return static_cast<std::uint32_t>(digests_.size());
}

// ---- as data ------------------------------------------------------------------

namespace {

template <class IdOf>
std::vector<LedgerFigures> nonzero(std::span<const ChannelLedger> slots, IdOf id_of) {
  std::vector<LedgerFigures> out;
  for (std::size_t s = 0; s < slots.size(); ++s) {
    if (slots[s] != ChannelLedger{}) out.push_back(LedgerFigures{std::string(id_of(s)), slots[s]});
  }
  return out;
}

}  // namespace

LedgerSnapshot Ledger::snapshot() const {
  LedgerSnapshot out;
  out.person_id = person_;
  out.rules = rules_;
  auto id_of = [this](std::size_t s) { return slot_id(s); };
  for (int year : years()) {
    const Year& y = *find(year);
    LedgerYear ly{year, y.started, nonzero(std::span<const ChannelLedger>(y.slots), id_of)};
    if (ly.started || !ly.channels.empty()) out.years.push_back(std::move(ly));
  }
  for (const StayEntry& e : stays_) {
    LedgerStay ls;
    ls.stay_id = e.id;
    ls.year = e.year;
    ls.version = e.version;
    ls.digest = digest_of(e);
    for (std::size_t s = 0; s < e.deductibles_count; ++s) {
      const Fen d = deductibles_[e.deductibles_at + s];
      if (d != Fen(0)) ls.deductibles.emplace_back(std::string(slot_id(s)), d);
    }
    ls.started_before = e.started_before;
    ls.before = nonzero(std::span<const ChannelLedger>(before_.data() + e.before_at, e.before_count), id_of);
    out.stays.push_back(std::move(ls));
  }
  return out;
}

namespace {

[[noreturn]] void bad_snapshot(const Message& m) { throw Error(m); }

void check_figures(const LedgerSnapshot& snap, const std::vector<LedgerFigures>& figures) {
  for (const LedgerFigures& f : figures) {
    if (f.figures.accumulated < Fen(0) || f.figures.paid < Fen(0) || f.figures.grants < 0) {
      bad_snapshot(detail::message(N_("the ledger of person {} holds a negative figure for channel {}"),
                                   snap.person_id, f.channel));
    }
  }
}

void check_stays(const LedgerSnapshot& snap) {
  std::vector<std::string_view> ids;
  ids.reserve(snap.stays.size());
  for (const LedgerStay& s : snap.stays) ids.push_back(s.stay_id);
  std::sort(ids.begin(), ids.end());  // sorted, so that many stays cost n log n
  if (auto twice = std::adjacent_find(ids.begin(), ids.end()); twice != ids.end()) {
    bad_snapshot(detail::message(N_("the ledger of person {} lists stay {} twice"), snap.person_id, *twice));
  }
  for (const LedgerStay& s : snap.stays) {
    const auto y =
        std::find_if(snap.years.begin(), snap.years.end(), [&](const LedgerYear& x) { return x.year == s.year; });
    if (y == snap.years.end() || !y->started) {
      bad_snapshot(detail::message(N_("the ledger of person {} lists stay {} in {}, a year that has not started"),
                                   snap.person_id, s.stay_id, s.year));
    }
    check_figures(snap, s.before);
  }
}

/// Everything restore_into relies on: a person for settled stays, each year
/// and stay once, stays in started years, no negative figure.
void check_snapshot(const LedgerSnapshot& snap) {
  if (snap.person_id.empty() && !snap.stays.empty()) {
    bad_snapshot(detail::message(N_("a ledger with settled stays must name its person")));
  }
  std::vector<int> years;
  for (const LedgerYear& y : snap.years) {
    if (std::find(years.begin(), years.end(), y.year) != years.end()) {
      bad_snapshot(detail::message(N_("the ledger of person {} lists year {} twice"), snap.person_id, y.year));
    }
    years.push_back(y.year);
    check_figures(snap, y.channels);
  }
  check_stays(snap);
}

}  // namespace

Ledger Ledger::restore(const Plan& plan, const LedgerSnapshot& snap) {
  if (snap.rules != plan.id()) {
    bad_snapshot(detail::message(N_("the ledger of person {} belongs to rule set {}, not {}"), snap.person_id,
                                 snap.rules, plan.id()));
  }
  return restore_into(Ledger(plan), snap);
}

namespace {

/// The channel ids of a snapshot in an order that keeps the order of every
/// list they appear in (each year's figures, each stay's deductibles and
/// figures before it): the plan's order wherever two channels appear
/// together, so that a ledger restored without a plan writes its lists back
/// as they were (ties, and any cycle, in order of first appearance).
std::vector<std::string> channel_order(const LedgerSnapshot& snap) {
  std::vector<std::string> ids;
  std::vector<std::vector<std::size_t>> after;  // after[a]: channels listed after a
  std::vector<std::size_t> before_count;
  auto list = [&](const auto& items, auto id_of) {
    std::optional<std::size_t> previous;
    for (const auto& item : items) {
      const std::string& id = id_of(item);
      auto it = std::find(ids.begin(), ids.end(), id);
      const auto at = static_cast<std::size_t>(it - ids.begin());
      if (it == ids.end()) {
        ids.push_back(id);
        after.emplace_back();
        before_count.push_back(0);
      }
      if (previous) after[*previous].push_back(at), ++before_count[at];
      previous = at;
    }
  };
  auto figure_id = [](const LedgerFigures& f) -> const std::string& { return f.channel; };
  auto deductible_id = [](const std::pair<std::string, Fen>& d) -> const std::string& { return d.first; };
  for (const LedgerYear& y : snap.years) list(y.channels, figure_id);
  for (const LedgerStay& st : snap.stays) {
    list(st.before, figure_id);
    list(st.deductibles, deductible_id);
  }
  std::vector<std::string> out;
  std::vector<bool> placed(ids.size(), false);
  while (out.size() < ids.size()) {
    std::size_t next = ids.size();
    for (std::size_t i = 0; i < ids.size() && next == ids.size(); ++i) {
      if (!placed[i] && before_count[i] == 0) next = i;
    }
    for (std::size_t i = 0; i < ids.size() && next == ids.size(); ++i) {
      if (!placed[i]) next = i;  // a cycle: written lists disagree; first appearance wins
    }
    placed[next] = true;
    out.push_back(ids[next]);
    for (std::size_t a : after[next]) before_count[a] -= before_count[a] > 0 ? 1 : 0;
  }
  return out;
}

}  // namespace

Ledger Ledger::restore(const LedgerSnapshot& snap) {
  Ledger l;
  l.rules_ = snap.rules;
  l.extra_ids_ = channel_order(snap);
  return restore_into(std::move(l), snap);
}

Ledger Ledger::restore_into(Ledger l, const LedgerSnapshot& snap) {
  check_snapshot(snap);
  l.person_ = snap.person_id;
  // Every channel id gets its slot first, so that every vector by slot has its size.
  auto slot_for = [&l](const std::string& id) {
    if (!l.slot_of(id)) l.extra_ids_.push_back(id);
  };
  for (const LedgerYear& y : snap.years) {
    for (const LedgerFigures& f : y.channels) slot_for(f.channel);
  }
  for (const LedgerStay& s : snap.stays) {
    for (const LedgerFigures& f : s.before) slot_for(f.channel);
    for (const auto& d : s.deductibles) slot_for(d.first);
  }
  const std::size_t slots = l.slot_count();
  auto by_slot = [&](const std::vector<LedgerFigures>& figures) {
    std::vector<ChannelLedger> v(slots);
    for (const LedgerFigures& f : figures) v[*l.slot_of(f.channel)] = f.figures;
    return v;
  };
  for (const LedgerYear& y : snap.years) l.years_.push_back(Year{y.year, y.started, by_slot(y.channels)});
  for (const LedgerStay& s : snap.stays) {
    StayEntry e;
    e.id = s.stay_id;
    e.year = s.year;
    e.version = s.version;
    e.digest = l.intern_digest(s.digest);
    e.had_year = e.started_before = s.started_before;
    const std::vector<ChannelLedger> before = by_slot(s.before);
    e.before_at = l.before_.size();
    e.before_count = slots;
    l.before_.insert(l.before_.end(), before.begin(), before.end());
    e.deductibles_at = l.deductibles_.size();
    e.deductibles_count = slots;
    l.deductibles_.resize(l.deductibles_.size() + slots);
    for (const auto& [id, d] : s.deductibles) l.deductibles_[e.deductibles_at + *l.slot_of(id)] = d;
    l.stays_.push_back(std::move(e));
  }
  if (l.stays_.size() >= indexed_from) {
    for (std::size_t i = 0; i < l.stays_.size(); ++i) l.index_.emplace(std::hash<std::string_view>{}(l.stays_[i].id), i);
  }
  return l;
}

// ---- what the engine does --------------------------------------------------------

namespace detail {

MEDSETTLE_HOT LedgerAccess::Use::Use(Ledger& l) : l_(l) {
  if (l.in_use_.flag.exchange(true, std::memory_order_acquire)) {
    throw UsageError(message(N_("a ledger is being used by another thread: one thread at a time per ledger")));
  }
}

void LedgerAccess::keep_digests(Ledger& l, const std::shared_ptr<const PlanData>& plan) {
  // The stays settled under the plan it had name that plan's digest by
  // index 0, which will mean the new plan's: they keep it by value.
  if (!l.plan_ || l.plan_->digest == plan->digest) return;
  if (std::none_of(l.stays_.begin(), l.stays_.end(), [](const Ledger::StayEntry& e) { return e.digest == 0; })) return;
  std::vector<std::string> digests = l.digests_;
  digests.push_back(l.plan_->digest);
  const auto index = static_cast<std::uint32_t>(digests.size());
  l.digests_.swap(digests);  // nothing below throws
  for (Ledger::StayEntry& e : l.stays_) {
    if (e.digest == 0) e.digest = index;
  }
}

/// A ledger's vectors by slot, moved to the slots of another slot table (`to[old] = new`).
struct LedgerAccess::Remap {
  const std::vector<std::size_t>& to;
  std::size_t slots;
  template <class T>
  std::vector<T> vector(const std::vector<T>& v) const {
    std::vector<T> out(v.empty() ? 0 : slots);
    for (std::size_t s = 0; s < v.size(); ++s) out[to[s]] = v[s];
    return out;
  }
  /// A flat vector of segments (one per stay): each segment moved, offsets set anew.
  template <class T>
  std::vector<T> segments(const std::vector<T>& flat, std::vector<Ledger::StayEntry>& stays,
                          std::size_t Ledger::StayEntry::*at, std::size_t Ledger::StayEntry::*count) const {
    std::vector<T> out;
    for (auto& e : stays) {
      const std::size_t from = e.*at, n = e.*count;
      e.*at = out.size();
      e.*count = n ? slots : 0;
      if (!n) continue;
      out.resize(out.size() + slots);
      for (std::size_t k = 0; k < n; ++k) out[e.*at + to[k]] = flat[from + k];
    }
    return out;
  }
};

namespace {

/// Room for `n` more without a reallocation later, growing geometrically.
template <class T>
void room_for(std::vector<T>& v, std::size_t n) {
  if (v.capacity() < v.size() + n) v.reserve(std::max({std::size_t{4} * n, 2 * v.capacity(), v.size() + n}));
}

}  // namespace

void LedgerAccess::rebind(Ledger& l, const std::shared_ptr<const PlanData>& plan) {
  if (!l.rules_.empty() && l.rules_ != plan->id) {
    throw UsageError(message(N_("this ledger belongs to rule set {}; it cannot settle under rule set {}"), l.rules_,
                             plan->id));
  }
  keep_digests(l, plan);
  if (l.plan_ && l.extra_ids_.empty() && l.plan_->slots == plan->slots) {  // the same channels: nothing moves
    l.plan_ = plan;
    return;
  }
  // Another file of the same rule set: its channels, matched by id, keep
  // their figures; ids the plan lacks stay.
  std::vector<std::string> ids(plan->slots);
  std::vector<std::size_t> to(l.slot_count());
  for (std::size_t s = 0; s < to.size(); ++s) {
    const std::string_view id = l.slot_id(s);
    auto it = std::find(ids.begin(), ids.end(), id);
    to[s] = static_cast<std::size_t>(it - ids.begin());
    if (it == ids.end()) ids.emplace_back(id);
  }
  const Remap remap{to, ids.size()};
  std::vector<Ledger::Year> years = l.years_;
  for (auto& y : years) y.slots = remap.vector(y.slots);
  std::vector<Ledger::StayEntry> stays = l.stays_;
  std::vector<ChannelLedger> befores =
      remap.segments(l.before_, stays, &Ledger::StayEntry::before_at, &Ledger::StayEntry::before_count);
  std::vector<Fen> deductibles = remap.segments(l.deductibles_, stays, &Ledger::StayEntry::deductibles_at,
                                                &Ledger::StayEntry::deductibles_count);
  std::vector<std::string> extra(ids.begin() + static_cast<std::ptrdiff_t>(plan->slots.size()), ids.end());
  std::string rules = plan->id;
  // Nothing below throws.
  l.years_.swap(years);
  l.stays_.swap(stays);
  l.before_.swap(befores);
  l.deductibles_.swap(deductibles);
  l.extra_ids_.swap(extra);
  l.rules_.swap(rules);
  l.plan_ = plan;
}

/// On a failure the index is as before, or dropped while not yet in use.
void LedgerAccess::index_stay(Ledger& l, std::string_view id) {
  auto& index = l.index_;
  const auto& stays = l.stays_;
  if (stays.size() + 1 < Ledger::indexed_from) return;
  try {
    if (stays.size() + 1 == Ledger::indexed_from) {
      for (std::size_t i = 0; i < stays.size(); ++i) index.emplace(std::hash<std::string_view>{}(stays[i].id), i);
    }
    index.emplace(std::hash<std::string_view>{}(id), stays.size());
  } catch (...) {
    // A failed emplace adds nothing; an index half built is dropped.
    if (stays.size() + 1 == Ledger::indexed_from) index.clear();
    throw;
  }
}

MEDSETTLE_HOT void LedgerAccess::post(Ledger& l, const Posting& p) {
  const std::size_t slots = l.slot_count();
  const Channel* channels = p.version->channels.data();
  Ledger::Year* year = l.find(p.year);
  const bool keep_deductibles = l.history_ || p.keep_deductibles;
  // A stay that opens its year keeps no figures before it: reversing it
  // removes the year, and its list of figures before it is empty.
  const bool keep_before = l.history_ && year;
  // Everything that allocates, before anything changes.
  std::vector<ChannelLedger> fresh;
  if (!year) {
    fresh.assign(slots, ChannelLedger{});
    room_for(l.years_, 1);
  } else if (year->slots.size() < slots) {
    // A year read back with no figures (restored without a plan) holds no
    // slots: zero figures added, the ledger reads the same.
    year->slots.resize(slots);
  }
  if (keep_deductibles) room_for(l.deductibles_, slots);
  if (keep_before) room_for(l.before_, slots);
  room_for(l.stays_, 1);
  // e.digest 0: settled under the ledger's plan.
  Ledger::StayEntry e{std::string(p.stay_id), p.year, p.version->from, 0, year != nullptr, year && year->started};
  std::string person = l.person_.empty() ? std::string(p.person_id) : std::string();
  if (l.stays_.size() + 1 >= Ledger::indexed_from) index_stay(l, p.stay_id);
  // Nothing below throws: the vectors have the room (element by element,
  // which for a few slots costs less than resize), the rest is moved.
  if (keep_deductibles) {
    e.deductibles_at = l.deductibles_.size();
    e.deductibles_count = slots;
    for (std::size_t s = 0; s < slots; ++s) l.deductibles_.emplace_back();
    Fen* kept = l.deductibles_.data() + e.deductibles_at;
    for (std::size_t c = 0; c < p.deductibles.size(); ++c) kept[channels[c].slot] = p.deductibles[c];
  }
  if (keep_before) {
    e.before_at = l.before_.size();
    e.before_count = slots;
    const std::size_t had = std::min(slots, year->slots.size());
    for (std::size_t s = 0; s < had; ++s) l.before_.push_back(year->slots[s]);
    for (std::size_t s = had; s < slots; ++s) l.before_.emplace_back();
  }
  if (!year) year = &l.years_.emplace_back(Ledger::Year{p.year, false, std::move(fresh)});
  year->started = true;
  ChannelLedger* figures = year->slots.data();
  for (std::size_t c = 0; c < p.after.size(); ++c) figures[channels[c].slot] = p.after[c];
  l.stays_.push_back(std::move(e));
  if (!person.empty()) l.person_ = std::move(person);
}

LedgerStay LedgerAccess::pop_last(Ledger& l) {
  const std::string id = l.stays_.back().id;
  LedgerSnapshot snap = l.snapshot();  // the last stay as data, before it goes
  LedgerStay out = std::move(snap.stays.back());
  Ledger::StayEntry& e = l.stays_.back();
  if (Ledger::Year* y = l.find(e.year)) {
    if (!e.had_year) {
      l.years_.erase(l.years_.begin() + (y - l.years_.data()));
    } else {
      y->started = e.started_before;
      y->slots.assign(l.before_.begin() + static_cast<std::ptrdiff_t>(e.before_at),
                      l.before_.begin() + static_cast<std::ptrdiff_t>(e.before_at + e.before_count));
      y->slots.resize(l.slot_count());
    }
  }
  if (e.before_count) l.before_.resize(e.before_at);
  if (e.deductibles_count) l.deductibles_.resize(e.deductibles_at);
  if (l.stays_.size() >= Ledger::indexed_from) {
    auto [lo, hi] = l.index_.equal_range(std::hash<std::string_view>{}(id));
    for (auto it = lo; it != hi; ++it) {
      if (it->second == l.stays_.size() - 1) {
        l.index_.erase(it);
        break;
      }
    }
  }
  l.stays_.pop_back();
  if (l.stays_.size() < Ledger::indexed_from) l.index_.clear();
  return out;
}

}  // namespace detail

}  // namespace medsettle
