// A batch of stays: SEMANTICS.md §8 (processing order, ledgers) and §10
// (duplicates, rejections and their cascade).
#include <algorithm>
#include <deque>
#include <map>
#include <thread>
#include <span>
#include <stdexcept>

#include <fmt/format.h>

#include "core/engine_internal.hpp"
#include "core/id_table.hpp"
#include "medsettle/engine.hpp"

namespace medsettle {

namespace {

/// What places a record in its person's processing order, read from the
/// record without changing it: a valid stay by its own fields, a rejected
/// one by whatever could be read of it.
struct Key {
  std::string_view discharged, admitted;  ///< ISO text (raw text for a rejected record)
  std::optional<Date> date;               ///< the discharge date, when it is a real date
  bool has_stay_id = false, has_person_id = false;
};

Rejection make_rejection(const Record& rec, bool has_stay_id, ErrorCode code, std::string field, std::string message) {
  Rejection r;
  if (has_stay_id) r.stay_id = rec.stay.stay_id;
  r.line = rec.line;
  r.code = code;
  r.field = std::move(field);
  r.message = std::move(message);
  return r;
}

/// Settles one person's records (indices into `records`), in processing order.
void settle_person(const Plan& plan, std::span<const Record* const> records, const std::vector<Key>& keys,
                   std::span<std::size_t> mine, std::span<Outcome> out,
                   const BatchOptions& options) {
  std::sort(mine.begin(), mine.end(), [&](std::size_t a, std::size_t b) {
    const Key& x = keys[a];
    const Key& y = keys[b];
    if (int c = x.discharged.compare(y.discharged); c != 0) return c < 0;
    if (int c = x.admitted.compare(y.admitted); c != 0) return c < 0;
    if (int c = records[a]->stay.stay_id.compare(records[b]->stay.stay_id); c != 0) return c < 0;
    return records[a]->line < records[b]->line;
  });
  Ledger ledger(plan);
  // Per year, the first rejected record that cascades, for the message.
  std::map<int, std::string> poisoned;
  for (std::size_t idx : mine) {
    const Record& rec = *records[idx];
    const Key& key = keys[idx];
    std::optional<std::size_t> version;
    if (key.date) version = plan.version_on(options.settle.as_of.value_or(*key.date));
    if (rec.rejection) {
      // A rejected record cascades only if it can be placed and a version is in force.
      if (version) {
        const int year = key.date->year();
        poisoned.emplace(year, key.has_stay_id ? rec.stay.stay_id : fmt::format("on line {}", rec.line));
        ledger.start_year(year);
      }
      out[idx] = *rec.rejection;
      continue;
    }
    const int year = rec.stay.discharged.year();
    if (!version) {
      out[idx] = settle(plan, rec.stay, ledger, options.settle, rec.line);  // no_version; does not cascade
      continue;
    }
    if (auto it = poisoned.find(year); it != poisoned.end()) {
      // Its own error, if it has one, is reported instead of the cascade.
      if (auto own = detail::check_links(plan, rec.stay, ledger, *version, rec.line)) {
        out[idx] = std::move(*own);
      } else {
        out[idx] = make_rejection(rec, true, ErrorCode::earlier_rejected, "",
                                  fmt::format("earlier stay {} of person {} in {} was rejected", it->second,
                                              rec.stay.person_id, year));
      }
      continue;
    }
    Outcome o = settle(plan, rec.stay, ledger, options.settle, rec.line);
    if (!o.settled()) {
      poisoned.emplace(year, rec.stay.stay_id);
      ledger.start_year(year);
    }
    out[idx] = std::move(o);
  }
}

}  // namespace

std::vector<Outcome> settle_batch(const Plan& plan, const std::vector<Record>& records, const BatchOptions& options) {
  std::vector<const Record*> refs(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) refs[i] = &records[i];
  // Every outcome is written once, in place: a placeholder until then.
  std::vector<Outcome> out(records.size(), Outcome(Rejection{}));
  detail::settle_batch_into(plan, refs, out, options);
  return out;
}

void detail::settle_batch_into(const Plan& plan, std::span<const Record* const> records, std::span<Outcome> out,
                               const BatchOptions& options) {
  const std::size_t n = records.size();
  if (out.size() != n) throw std::invalid_argument("settle_batch_into: one outcome per record");
  if (n >= detail::IdTable::max_values) throw std::length_error("settle_batch: more than 2^32 - 2 records");
  std::vector<Key> keys(n);
  std::deque<std::string> texts;  // ISO dates of hand-built records that lack their raw texts

  // Duplicate stay ids: the first record in input order stands; later copies
  // are rejected and count as no stay at all.
  detail::IdTable first(n), person_index;
  // The person of each placed record (none: decided already), then the
  // records of each person, contiguous (a counting sort by person).
  constexpr std::uint32_t none = detail::IdTable::max_values;
  std::vector<std::uint32_t> person_of(n, none), count;
  const std::string* last_person = nullptr;
  std::uint32_t last_number = none;
  for (std::size_t i = 0; i < n; ++i) {
    if (!records[i]) continue;  // decided by the caller
    const Record& rec = *records[i];
    Key& key = keys[i];
    if (!rec.rejection) {
      // A valid stay is placed by its own fields, whoever built the record.
      key.has_stay_id = key.has_person_id = true;
      key.date = rec.stay.discharged;
      if (rec.discharged_date == rec.stay.discharged && !rec.discharged_text.empty() && !rec.admitted_text.empty()) {
        key.discharged = rec.discharged_text;
        key.admitted = rec.admitted_text;
      } else {
        key.discharged = texts.emplace_back(format(rec.stay.discharged));
        key.admitted = texts.emplace_back(format(rec.stay.admitted));
      }
    } else {
      key.has_stay_id = rec.has_stay_id;
      key.has_person_id = rec.has_person_id;
      key.discharged = rec.discharged_text;
      key.admitted = rec.admitted_text;
      key.date = rec.discharged_date;
    }
    if (key.has_stay_id && !first.insert(rec.stay.stay_id, static_cast<std::uint32_t>(i)).second) {
      out[i] = make_rejection(rec, true, ErrorCode::duplicate_stay_id, "stay_id",
                              fmt::format("stay_id: '{}' already used by an earlier record", rec.stay.stay_id));
      continue;
    }
    // A record that cannot be placed in a person's order keeps its own rejection.
    if (rec.rejection && (!key.has_person_id || key.discharged.empty())) {
      out[i] = *rec.rejection;
      continue;
    }
    // Inputs are mostly grouped by person: the previous record's person
    // needs no look-up.
    if (!last_person || *last_person != rec.stay.person_id) {
      last_number = person_index.insert(rec.stay.person_id, static_cast<std::uint32_t>(count.size())).first;
      if (last_number == count.size()) count.push_back(0);
      last_person = &rec.stay.person_id;
    }
    person_of[i] = last_number;
    ++count[last_number];
  }
  const std::size_t persons = count.size();
  std::vector<std::size_t> start(persons + 1, 0);
  for (std::size_t p = 0; p < persons; ++p) start[p + 1] = start[p] + count[p];
  std::vector<std::size_t> order(start[persons]);
  {
    std::vector<std::size_t> at(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < n; ++i) {
      if (person_of[i] != none) order[at[person_of[i]]++] = i;
    }
  }
  auto settle_range = [&](std::size_t from, std::size_t to) {
    for (std::size_t p = from; p < to; ++p) {
      std::span<std::size_t> mine(order.data() + start[p], start[p + 1] - start[p]);
      settle_person(plan, records, keys, mine, out, options);
    }
  };

  unsigned threads = std::max(1u, options.threads);
  if (threads > persons) threads = static_cast<unsigned>(std::max<std::size_t>(1, persons));
  if (threads == 1) {
    settle_range(0, persons);
  } else {
    // Contiguous runs of persons with about the same number of records each.
    std::vector<std::thread> pool;
    std::size_t per = (order.size() + threads - 1) / threads, from = 0;
    for (unsigned t = 0; t < threads && from < persons; ++t) {
      std::size_t to = from;
      while (to < persons && (start[to] - start[from] < per || t + 1 == threads)) ++to;
      pool.emplace_back(settle_range, from, to);
      from = to;
    }
    for (auto& th : pool) th.join();
  }
}

}  // namespace medsettle
