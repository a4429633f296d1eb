// A batch of stays: SEMANTICS.md §8 (processing order, ledgers) and §10
// (duplicates, rejections and their cascade).
#include <algorithm>
#include <deque>
#include <map>
#include <span>
#include <stdexcept>

#include "core/engine_internal.hpp"
#include "core/id_table.hpp"
#include "core/ledger_access.hpp"
#include "core/result_arena.hpp"
#include "core/text.hpp"
#include "core/validation.hpp"
#include "core/workers.hpp"
#include "medsettle/settle.hpp"

namespace medsettle {

namespace {

using detail::message;

/// What places a record in its person's processing order, read from the
/// record without changing it: a valid stay by its own fields, a rejected
/// one by whatever could be read of it.
struct Key {
  std::string_view discharged, admitted;  ///< ISO text (raw text for a rejected record)
  std::optional<Date> date;               ///< the discharge date, when it is a real date
  bool has_stay_id = false, has_person_id = false;
};

Rejection record_rejection(const Record& rec, ErrorCode code, std::string field, Message what) {
  return detail::rejection(rec.stay.stay_id, rec.line, code, std::move(field), std::move(what));
}

/// The rejection of a record whose stay id the kept ledgers hold.
std::optional<Rejection> held_duplicate(const Record& rec, const LedgerBook& book) {
  if (!book.holds(rec.stay.stay_id)) return std::nullopt;
  return record_rejection(rec, ErrorCode::duplicate_stay_id, "stay_id",
                          message(N_("stay_id: '{}' is already settled in the kept ledger"), rec.stay.stay_id));
}
/// The same for any batch: most have no kept ledgers, and this check, inline, is all they pay.
inline std::optional<Rejection> kept_duplicate(const Record& rec, const LedgerBook* book) {
  return book ? held_duplicate(rec, *book) : std::nullopt;
}

/// The state of one person's settling within the batch.
struct PersonRun {
  const Plan& plan;
  const std::shared_ptr<const detail::PlanData>& ref;
  const BatchOptions& options;
  Ledger ledger;
  /// The first rejected record of a year that cascades: its stay id, or its line when it has none.
  struct Poison {
    std::optional<std::string> stay_id;
    std::uint64_t line = 0;
  };
  std::map<int, Poison> poisoned;  ///< per year

  void poison(int year, Poison what) { poisoned.emplace(year, std::move(what)); }

  Rejection cascade(const Record& rec, int year, const Poison& p) const {
    const std::string& person = rec.stay.person_id;
    return record_rejection(
        rec, ErrorCode::earlier_rejected, "",
        p.stay_id ? message(N_("earlier stay {} of person {} in {} was rejected"), *p.stay_id, person, year)
                  : message(N_("earlier stay on line {} of person {} in {} was rejected"), p.line, person, year));
  }

  /// The version in force for a record placed by `key` (none without a date).
  std::optional<std::size_t> version_of(const Key& key) const {
    if (!key.date) return std::nullopt;
    return plan.version_on(options.settle.as_of.value_or(*key.date));
  }

  /// The outcome of one valid stay, in processing order. Its version and
  /// year are looked up only when a rejection of its person's years needs
  /// them: most persons have none, and their stays just settle.
  Outcome settle_one(const Record& rec, const Key& key) {
    const Stay& stay = rec.stay;
    if (!poisoned.empty()) {
      const int year = stay.discharged.year();
      auto it = poisoned.find(year);
      const std::optional<std::size_t> version = it != poisoned.end() ? version_of(key) : std::nullopt;
      if (version) {  // without one, settling says no_version
        // Its own error, if it has one, is reported instead of the cascade.
        if (auto own = detail::check_links(plan.data(), stay, ledger, *version, rec.line, true)) return std::move(*own);
        return cascade(rec, year, it->second);
      }
    }
    Outcome o = detail::settle_checked(plan, ref, stay, ledger, options.settle, rec.line);
    if (!o.settled() && version_of(key)) poison(stay.discharged.year(), Poison{stay.stay_id, rec.line});
    return o;
  }
};

/// Settles one person's records (indices into `records`), in processing order.
void settle_person(const Plan& plan, const std::shared_ptr<const detail::PlanData>& ref,
                   std::span<const Record* const> records, const std::vector<Key>& keys, std::span<std::size_t> mine,
                   std::span<Outcome> out, const BatchOptions& options) {
  std::sort(mine.begin(), mine.end(), [&](std::size_t a, std::size_t b) {
    const Key& x = keys[a];
    const Key& y = keys[b];
    if (int c = x.discharged.compare(y.discharged); c != 0) return c < 0;
    if (int c = x.admitted.compare(y.admitted); c != 0) return c < 0;
    if (int c = records[a]->stay.stay_id.compare(records[b]->stay.stay_id); c != 0) return c < 0;
    return records[a]->line < records[b]->line;
  });
  const std::string_view person = records[mine.front()]->stay.person_id;
  PersonRun run{plan, ref, options,
                options.ledgers ? options.ledgers->open(person) : detail::LedgerAccess::for_batch(ref), {}};
  if (options.ledgers) detail::LedgerAccess::bind(run.ledger, ref);
  for (std::size_t idx : mine) {
    const Record& rec = *records[idx];
    const Key& key = keys[idx];
    if (!rec.rejection && rec.checked) {  // the readers' records: valid stays, the common case
      out[idx] = run.settle_one(rec, key);
      continue;
    }
    // A record the readers did not make is held to their rules here.
    std::optional<Rejection> invalid;
    if (!rec.rejection) invalid = validate(rec.stay, rec.line);
    if (!rec.rejection && !invalid) {
      out[idx] = run.settle_one(rec, key);
      continue;
    }
    // A rejected record cascades only if it can be placed and a version is in force.
    if (run.version_of(key)) {
      run.poison(key.date->year(), PersonRun::Poison{key.has_stay_id ? std::optional<std::string>(rec.stay.stay_id)
                                                                     : std::nullopt,
                                                     rec.line});
    }
    out[idx] = invalid ? std::move(*invalid) : *rec.rejection;
  }
  if (options.ledgers) options.ledgers->close(person, std::move(run.ledger));
}

}  // namespace

LedgerBook::~LedgerBook() = default;

std::vector<Outcome> settle_batch(const Plan& plan, const std::vector<Record>& records, const BatchOptions& options) {
  std::vector<const Record*> refs(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) refs[i] = &records[i];
  // Every outcome is written once, in place: a placeholder until then.
  std::vector<Outcome> out(records.size());
  detail::settle_batch_into(plan, refs, out, options);
  return out;
}

std::optional<Outcome> settle_one_of(const Plan& plan, const std::vector<Record>& records, std::string_view stay_id,
                                     const SettleOptions& options) {
  // Only the records of the stay's person matter (and, for duplicates, the
  // order of the ids before them).
  std::optional<std::size_t> target;
  for (std::size_t i = 0; i < records.size() && !target; ++i) {
    if (records[i].has_stay_id && records[i].stay.stay_id == stay_id) target = i;
  }
  if (!target) return std::nullopt;
  const Record& t = records[*target];
  if (!t.has_person_id) return Outcome(*t.rejection);
  std::vector<const Record*> refs(records.size(), nullptr);
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (records[i].has_person_id && records[i].stay.person_id == t.stay.person_id) refs[i] = &records[i];
  }
  // A record of the person whose id an earlier record (of anyone) holds is a duplicate.
  detail::IdTable first(records.size());
  std::vector<Outcome> out(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    if (!r.has_stay_id || first.insert(r.stay.stay_id, 0).second || !refs[i]) continue;
    out[i] = record_rejection(r, ErrorCode::duplicate_stay_id, "stay_id",
                              message(N_("stay_id: '{}' already used by an earlier record"), r.stay.stay_id));
    refs[i] = nullptr;
  }
  BatchOptions batch;
  batch.settle = options;
  detail::settle_batch_into(plan, refs, out, batch);
  return std::move(out[*target]);
}

namespace detail {

namespace {

/// Where each record goes: its key, and the person it belongs to (none: decided already).
struct Placement {
  std::vector<Key> keys;
  std::deque<std::string> texts;  ///< ISO dates of hand-built records that lack their raw texts
  std::vector<std::uint32_t> person_of;
  std::vector<std::uint32_t> count;  ///< records per person
  static constexpr std::uint32_t none = IdTable::max_values;
};

/// A valid stay is placed by its own fields, whoever built the record.
void place_valid(const Record& rec, Key& key, std::deque<std::string>& texts) {
  key.has_stay_id = key.has_person_id = true;
  key.date = rec.stay.discharged;
  if (rec.discharged_date == rec.stay.discharged && !rec.discharged_text.empty() && !rec.admitted_text.empty()) {
    key.discharged = rec.discharged_text;
    key.admitted = rec.admitted_text;
  } else {
    key.discharged = texts.emplace_back(format(rec.stay.discharged));
    key.admitted = texts.emplace_back(format(rec.stay.admitted));
  }
}

Placement place(std::span<const Record* const> records, std::span<Outcome> out, const LedgerBook* book,
                Checked checked) {
  const std::size_t n = records.size();
  Placement pl;
  pl.keys.resize(n);
  pl.person_of.assign(n, Placement::none);
  // Duplicate stay ids: the first record in input order stands; later copies
  // are rejected and count as no stay at all. Neither table is made for what
  // the caller checked already (the stream's waves: both).
  const bool look_up_ids = !checked.unique_ids, look_up_persons = !checked.grouped;
  IdTable first(look_up_ids ? n : 0);
  IdTable person_index(look_up_persons ? n / 2 : 0);  // room for a person per two records: no regrowing, mostly
  const std::string* last_person = nullptr;
  std::uint32_t last_number = Placement::none;
  for (std::size_t i = 0; i < n; ++i) {
    if (!records[i]) continue;  // decided by the caller
    const Record& rec = *records[i];
    Key& key = pl.keys[i];
    if (!rec.rejection) {
      place_valid(rec, key, pl.texts);
    } else {
      key = Key{rec.discharged_text, rec.admitted_text, rec.discharged_date, rec.has_stay_id, rec.has_person_id};
    }
    if (key.has_stay_id) {
      if (auto kept = kept_duplicate(rec, book)) {
        out[i] = std::move(*kept);
        continue;
      }
    }
    if (look_up_ids && key.has_stay_id && !first.insert(rec.stay.stay_id, static_cast<std::uint32_t>(i)).second) {
      out[i] = record_rejection(rec, ErrorCode::duplicate_stay_id, "stay_id",
                                message(N_("stay_id: '{}' already used by an earlier record"), rec.stay.stay_id));
      continue;
    }
    // A record that cannot be placed in a person's order keeps its own rejection.
    if (rec.rejection && (!key.has_person_id || key.discharged.empty())) {
      out[i] = *rec.rejection;
      continue;
    }
    // Inputs are mostly grouped by person: the previous record's person needs
    // no look-up; in grouped records, another person is a new one.
    if (!last_person || *last_person != rec.stay.person_id) {
      last_number = look_up_persons
                        ? person_index.insert(rec.stay.person_id, static_cast<std::uint32_t>(pl.count.size())).first
                        : static_cast<std::uint32_t>(pl.count.size());
      if (last_number == pl.count.size()) pl.count.push_back(0);
      last_person = &rec.stay.person_id;
    }
    pl.person_of[i] = last_number;
    ++pl.count[last_number];
  }
  return pl;
}

/// Runs `work(from, to)` over ranges of persons with about the same number
/// of records each, on up to `threads` threads: the calling thread and the
/// standing workers (core/workers.hpp); the calling thread does any range no
/// worker takes. An exception in any range is rethrown here after all have ended.
template <class Work>
void run_partitioned(std::size_t persons, std::size_t records, const std::vector<std::size_t>& start,
                     unsigned threads, Work work) {
  if (persons == 0) return;
  threads = std::clamp<unsigned>(threads, 1, max_batch_threads);
  if (threads > persons) threads = static_cast<unsigned>(std::max<std::size_t>(1, persons));
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  const std::size_t per = (records + threads - 1) / threads;
  for (std::size_t from = 0, t = 0; from < persons; ++t) {
    std::size_t to = from;
    while (to < persons && (start[to] - start[from] < per || t + 1 == threads)) ++to;
    ranges.emplace_back(from, to);
    from = to;
  }
  auto range = [&](std::size_t r) { work(ranges[r].first, ranges[r].second); };
  run_tasks(ranges.size(), static_cast<unsigned>(ranges.size() - 1), range);
}

/// Asks memory for the stays of `records[mine]` and their fee lines (the
/// first KiB), which settling one reads first: in the command's stream they
/// were parsed on another core a wave before and are out of this core's
/// caches. The first load of a stay's fee lines, in split(), was 5% of the
/// command's samples (bench/README.md). Inlined: a call of a function
/// that only prefetches is taken for one without effect and dropped.
[[gnu::always_inline]] inline void ask_for_stays(std::span<const Record* const> records, std::span<const std::size_t> mine) {
  for (std::size_t i : mine) {
    const Stay& s = records[i]->stay;
    __builtin_prefetch(&s);
    const char* fees = reinterpret_cast<const char*>(s.fees.data());
    const std::size_t bytes = std::min<std::size_t>(s.fees.size() * sizeof(FeeLine), 1024);
    for (std::size_t at = 0; at < bytes; at += 64) __builtin_prefetch(fees + at);
  }
}

}  // namespace

std::optional<Rejection> unplaceable(const Record& rec, const LedgerBook* book) {
  if (!rec.rejection || (rec.has_person_id && !rec.discharged_text.empty())) return std::nullopt;
  if (rec.has_stay_id) {
    if (auto kept = kept_duplicate(rec, book)) return kept;
  }
  return *rec.rejection;
}

void settle_batch_into(const Plan& plan, std::span<const Record* const> records, std::span<Outcome> out,
                       const BatchOptions& options, Checked checked) {
  const std::size_t n = records.size();
  if (out.size() != n) throw std::invalid_argument("settle_batch_into: one outcome per record");
  if (n >= IdTable::max_values) throw std::length_error("settle_batch: more than 2^32 - 2 records");
  Placement pl = place(records, out, options.ledgers, checked);
  const std::size_t persons = pl.count.size();
  // The records of each person, contiguous (a counting sort by person).
  std::vector<std::size_t> start(persons + 1, 0);
  for (std::size_t p = 0; p < persons; ++p) start[p + 1] = start[p] + pl.count[p];
  std::vector<std::size_t> order(start[persons]);
  {
    std::vector<std::size_t> at(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < n; ++i) {
      if (pl.person_of[i] != Placement::none) order[at[pl.person_of[i]]++] = i;
    }
  }
  auto settle_range = [&](std::size_t from, std::size_t to) {
    const std::shared_ptr<const PlanData> ref = private_reference(plan.shared_data());
    // This thread's settlements keep their lists in one arena (about 1 KiB a stay).
    const auto arena = std::make_shared<ResultArena>((start[to] - start[from]) * 1024);
    const ArenaScope scope(arena);
    constexpr std::size_t ahead = 3;  // persons
    for (std::size_t p = from; p < to; ++p) {
      if (p + ahead < to) ask_for_stays(records, std::span(order).subspan(start[p + ahead], pl.count[p + ahead]));
      std::span<std::size_t> mine(order.data() + start[p], start[p + 1] - start[p]);
      settle_person(plan, ref, records, pl.keys, mine, out, options);
    }
  };
  run_partitioned(persons, order.size(), start, options.threads, settle_range);
}

}  // namespace detail

}  // namespace medsettle
