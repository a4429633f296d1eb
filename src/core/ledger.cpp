// A person's ledger (SEMANTICS.md §8, §11): yearly figures per channel, the
// settled stays in settlement order, and what each stay's year was before
// it, so that the last stay can be reversed exactly.
#include "medsettle/ledger.hpp"

#include <algorithm>
#include <functional>

#include "core/ledger_access.hpp"
#include "core/text.hpp"
#include "medsettle/plan.hpp"

namespace medsettle {

using detail::LedgerAccess;

Ledger::Ledger() = default;
Ledger::Ledger(const Plan& plan) : plan_(plan.shared_data()), rules_(plan.data().id) {}
Ledger::Ledger(const Ledger& other) = default;
Ledger& Ledger::operator=(const Ledger& other) = default;
Ledger::Ledger(Ledger&& other) noexcept = default;
Ledger& Ledger::operator=(Ledger&& other) noexcept = default;
Ledger::~Ledger() = default;

std::string_view Ledger::person_id() const noexcept { return person_; }
std::string_view Ledger::rules() const noexcept { return rules_; }

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

bool Ledger::holds(std::string_view stay_id) const noexcept { return find_stay(stay_id) != nullptr; }

std::vector<std::string> Ledger::stay_ids() const {
  std::vector<std::string> out;
  out.reserve(stays_.size());
  for (const StayEntry& e : stays_) out.push_back(e.id);
  return out;
}

const std::vector<Fen>* Ledger::deductibles_of(std::string_view stay_id) const noexcept {
  const StayEntry* e = find_stay(stay_id);
  return e ? &e->deductibles : nullptr;
}

// ---- as data ------------------------------------------------------------------

namespace {

template <class IdOf>
std::vector<LedgerFigures> nonzero(const std::vector<ChannelLedger>& slots, IdOf id_of) {
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
    LedgerYear ly{year, y.started, nonzero(y.slots, id_of)};
    if (ly.started || !ly.channels.empty()) out.years.push_back(std::move(ly));
  }
  for (const StayEntry& e : stays_) {
    LedgerStay ls;
    ls.stay_id = e.id;
    ls.year = e.year;
    ls.version = e.version;
    ls.digest = e.digest;
    for (std::size_t s = 0; s < e.deductibles.size(); ++s) {
      if (e.deductibles[s] != Fen(0)) ls.deductibles.emplace_back(std::string(slot_id(s)), e.deductibles[s]);
    }
    ls.started_before = e.started_before;
    ls.before = nonzero(e.before, id_of);
    out.stays.push_back(std::move(ls));
  }
  return out;
}

namespace {

[[noreturn]] void bad_snapshot(const Message& m) { throw Error(m); }

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
  if (snap.person_id.empty() && !snap.stays.empty()) {
    bad_snapshot(detail::message(N_("a ledger with settled stays must name its person")));
  }
  l.person_ = snap.person_id;
  auto slot_for = [&l](const std::string& id) {
    if (auto s = l.slot_of(id)) return *s;
    l.extra_ids_.push_back(id);
    return l.slot_count() - 1;
  };
  auto fill = [&](const std::vector<LedgerFigures>& figures) {
    std::vector<std::pair<std::size_t, ChannelLedger>> out;
    for (const LedgerFigures& f : figures) {
      if (f.figures.accumulated < Fen(0) || f.figures.paid < Fen(0) || f.figures.grants < 0) {
        bad_snapshot(detail::message(N_("the ledger of person {} holds a negative figure for channel {}"),
                                     snap.person_id, f.channel));
      }
      out.emplace_back(slot_for(f.channel), f.figures);
    }
    return out;
  };
  auto place = [&l](std::vector<ChannelLedger>& slots, const std::vector<std::pair<std::size_t, ChannelLedger>>& v) {
    slots.assign(l.slot_count(), ChannelLedger{});
    for (const auto& [slot, f] : v) slots[slot] = f;
  };
  std::vector<std::vector<std::pair<std::size_t, ChannelLedger>>> years, befores;
  for (const LedgerYear& y : snap.years) {
    if (l.find(y.year)) bad_snapshot(detail::message(N_("the ledger of person {} lists year {} twice"), snap.person_id, y.year));
    l.years_.push_back(Year{y.year, y.started, {}});
    years.push_back(fill(y.channels));
  }
  for (const LedgerStay& s : snap.stays) {
    if (l.find_stay(s.stay_id)) {
      bad_snapshot(detail::message(N_("the ledger of person {} lists stay {} twice"), snap.person_id, s.stay_id));
    }
    if (!l.year_started(s.year)) {
      bad_snapshot(detail::message(N_("the ledger of person {} lists stay {} in {}, a year that has not started"),
                                   snap.person_id, s.stay_id, s.year));
    }
    StayEntry e;
    e.id = s.stay_id;
    e.year = s.year;
    e.version = s.version;
    e.digest = s.digest;
    e.had_year = s.started_before || !s.before.empty();
    e.started_before = s.started_before;
    std::vector<std::pair<std::size_t, Fen>> ded;
    for (const auto& [id, d] : s.deductibles) ded.emplace_back(slot_for(id), d);
    befores.push_back(fill(s.before));
    l.stays_.push_back(std::move(e));
    for (const auto& [slot, d] : ded) {
      auto& v = l.stays_.back().deductibles;
      if (v.size() <= slot) v.resize(slot + 1);
      v[slot] = d;
    }
    if (l.stays_.size() >= indexed_from) {
      if (l.stays_.size() == indexed_from) {
        for (std::size_t i = 0; i + 1 < l.stays_.size(); ++i) {
          l.index_.emplace(std::hash<std::string_view>{}(l.stays_[i].id), i);
        }
      }
      l.index_.emplace(std::hash<std::string_view>{}(s.stay_id), l.stays_.size() - 1);
    }
  }
  // Every vector by slot, now that every channel id has its slot.
  for (std::size_t i = 0; i < l.years_.size(); ++i) place(l.years_[i].slots, years[i]);
  for (std::size_t i = 0; i < l.stays_.size(); ++i) {
    place(l.stays_[i].before, befores[i]);
    l.stays_[i].deductibles.resize(l.slot_count());
  }
  return l;
}

// ---- what the engine does --------------------------------------------------------

namespace detail {

LedgerAccess::Use::Use(Ledger& l) : l_(l) {
  if (l.in_use_.flag.exchange(true, std::memory_order_acquire)) {
    throw UsageError(message(N_("a ledger is being used by another thread: one thread at a time per ledger")));
  }
}

void LedgerAccess::bind(Ledger& l, const std::shared_ptr<const PlanData>& plan) {
  if (l.plan_ == plan) return;
  if (!l.rules_.empty() && l.rules_ != plan->id) {
    throw UsageError(message(N_("this ledger belongs to rule set {}; it cannot settle under rule set {}"), l.rules_,
                             plan->id));
  }
  // The same rule set (another file, or the same file loaded again): its
  // channels, matched by id, keep their figures; ids the plan lacks stay.
  std::vector<std::string> ids(plan->slots);
  std::vector<std::size_t> to(l.slot_count());
  for (std::size_t s = 0; s < to.size(); ++s) {
    const std::string_view id = l.slot_id(s);
    auto it = std::find(ids.begin(), ids.end(), id);
    to[s] = static_cast<std::size_t>(it - ids.begin());
    if (it == ids.end()) ids.emplace_back(id);
  }
  auto remap = [&]<class T>(const std::vector<T>& v) {
    std::vector<T> out(v.empty() ? 0 : ids.size());
    for (std::size_t s = 0; s < v.size(); ++s) out[to[s]] = v[s];
    return out;
  };
  std::vector<Ledger::Year> years = l.years_;
  for (auto& y : years) y.slots = remap(y.slots);
  std::vector<Ledger::StayEntry> stays = l.stays_;
  for (auto& e : stays) {
    e.deductibles = remap(e.deductibles);
    e.before = remap(e.before);
  }
  std::vector<std::string> extra(ids.begin() + static_cast<std::ptrdiff_t>(plan->slots.size()), ids.end());
  std::string rules = plan->id;
  // Nothing below throws.
  l.years_.swap(years);
  l.stays_.swap(stays);
  l.extra_ids_.swap(extra);
  l.rules_.swap(rules);
  l.plan_ = plan;
}

void LedgerAccess::post(Ledger& l, const Posting& p) {
  const std::size_t slots = l.slot_count();
  Ledger::Year* year = l.find(p.year);
  // Everything that allocates, before anything changes.
  Ledger::Year fresh{p.year, false, {}};
  if (!year) fresh.slots.assign(slots, ChannelLedger{});
  const Ledger::Year& was = year ? *year : fresh;
  Ledger::StayEntry e;
  e.id.assign(p.stay_id);
  e.year = p.year;
  e.version = p.version->from;
  if (l.history_ || p.keep_deductibles) {
    e.deductibles.assign(slots, Fen(0));
    for (std::size_t c = 0; c < p.deductibles.size(); ++c) e.deductibles[p.version->channels[c].slot] = p.deductibles[c];
  }
  if (l.history_) {
    e.digest = l.plan_->digest;
    e.had_year = year != nullptr;
    e.started_before = was.started;
    e.before = was.slots;
  }
  std::string person = l.person_.empty() ? std::string(p.person_id) : std::string();
  // Room for one more, growing geometrically (reserve(size + 1) would copy every time).
  auto room_for_one = [](auto& v) {
    if (v.size() == v.capacity()) v.reserve(std::max<std::size_t>(4, 2 * v.capacity()));
  };
  if (!year) room_for_one(l.years_);
  room_for_one(l.stays_);
  if (l.stays_.size() + 1 >= Ledger::indexed_from) {
    try {
      if (l.stays_.size() + 1 == Ledger::indexed_from) {
        for (std::size_t i = 0; i < l.stays_.size(); ++i) {
          l.index_.emplace(std::hash<std::string_view>{}(l.stays_[i].id), i);
        }
      }
      l.index_.emplace(std::hash<std::string_view>{}(p.stay_id), l.stays_.size());
    } catch (...) {
      if (l.stays_.size() + 1 == Ledger::indexed_from) l.index_.clear();
      else l.index_.erase(std::hash<std::string_view>{}(p.stay_id));  // only the new id's entries can be new
      throw;
    }
  }
  // Nothing below throws.
  if (!year) {
    l.years_.push_back(std::move(fresh));
    year = &l.years_.back();
  }
  year->started = true;
  for (std::size_t c = 0; c < p.after.size(); ++c) year->slots[p.version->channels[c].slot] = p.after[c];
  l.stays_.push_back(std::move(e));
  if (!person.empty()) l.person_.swap(person);
}

LedgerStay LedgerAccess::pop_last(Ledger& l) {
  const std::string id = l.stays_.back().id;
  LedgerSnapshot snap = l.snapshot();  // the last stay as data, before it goes
  LedgerStay out = std::move(snap.stays.back());
  Ledger::StayEntry& e = l.stays_.back();
  Ledger::Year* y = l.find(e.year);
  if (y) {
    if (!e.had_year) {
      l.years_.erase(l.years_.begin() + (y - l.years_.data()));
    } else {
      y->started = e.started_before;
      y->slots = e.before;
      y->slots.resize(l.slot_count());
    }
  }
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
