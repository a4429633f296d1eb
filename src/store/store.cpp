// Kept ledgers (SEMANTICS.md §11): a run, a reversal, an export and an
// import, each one transaction, over any Backend.
#include "medsettle/store.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "core/text.hpp"
#include "medsettle/reader.hpp"
#include "medsettle/writer.hpp"
#include "store/backend.hpp"
#include "store/records.hpp"

namespace medsettle {

using detail::Backend;
using detail::message;

struct LedgerStore::Impl {
  std::unique_ptr<Backend> db;
  std::string location;
  std::mutex mutex;  // one run at a time per store object
};

namespace {

/// Hides a password given in a URI (user:password@ or password=...).
std::string without_password(const std::string& location) {
  std::string out = location;
  if (const auto scheme = out.find("://"); scheme != std::string::npos) {
    const auto at = out.find('@', scheme);
    const auto colon = out.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  for (std::size_t p = out.find("password="); p != std::string::npos; p = out.find("password=", p + 1)) {
    const auto end = out.find_first_of("& ", p);
    out.replace(p + 9, (end == std::string::npos ? out.size() : end) - p - 9, "***");
  }
  return out;
}

bool is_postgres(std::string_view location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

/// Rolls back unless committed.
class Transaction {
 public:
  Transaction(Backend& db, Backend::Tx tx) : db_(db) { db_.begin(tx); }
  ~Transaction() {
    if (open_) db_.rollback();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit() {
    db_.commit();
    open_ = false;
  }

 private:
  Backend& db_;
  bool open_ = true;
};

/// Runs `attempt` again after a conflict with a concurrent transaction.
template <class Attempt>
auto with_retries(const std::string& location, Attempt attempt) {
  constexpr int tries = 8;
  std::minstd_rand jitter(std::random_device{}());
  for (int i = 1;; ++i) {
    try {
      return attempt();
    } catch (const detail::StoreConflict& e) {
      if (i == tries) {
        throw StoreError(message(N_("{}: a conflict with concurrent runs persisted after {} tries ({}); nothing was "
                                    "committed"),
                                 location, tries, e.what()));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10 * i + static_cast<int>(jitter() % 50)));
    }
  }
}

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;
using StringSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

/// The kept ledgers of a run's persons, lent to the batch. Every person of
/// the run has an entry before the batch starts, so that the threads of the
/// batch only touch their own persons' entries, never the map itself.
class RunBook final : public LedgerBook {
 public:
  struct Entry {
    Ledger ledger;
    std::size_t kept_stays = 0;  ///< stays it held before the run
    bool kept = false;           ///< the store had a ledger for the person
  };
  StringMap<Entry> persons;
  StringSet held;  ///< stay ids of the run the store already holds

  Ledger open(std::string_view person) override { return std::move(entry(person).ledger); }
  void close(std::string_view person, Ledger&& ledger) override { entry(person).ledger = std::move(ledger); }
  [[nodiscard]] bool holds(std::string_view stay_id) const override { return held.find(stay_id) != held.end(); }

 private:
  Entry& entry(std::string_view person) {
    auto it = persons.find(person);
    if (it == persons.end()) throw std::logic_error("RunBook: a person outside the run");
    return it->second;
  }
};

/// The persons and the stay ids a run's records name.
struct RunKeys {
  std::vector<std::string> persons;  ///< sorted, distinct
  std::vector<std::string> stays;
};

RunKeys keys_of(const std::vector<Record>& records) {
  RunKeys k;
  for (const Record& r : records) {
    if (r.has_person_id) k.persons.push_back(r.stay.person_id);
    if (r.has_stay_id) k.stays.push_back(r.stay.stay_id);
  }
  std::sort(k.persons.begin(), k.persons.end());
  k.persons.erase(std::unique(k.persons.begin(), k.persons.end()), k.persons.end());
  return k;
}

/// The store belongs to the plan's rule set, or to none yet (then, when the
/// run commits, to the plan's).
void check_rules(Backend& db, const Plan& plan, const std::string& location, bool claim) {
  std::optional<std::string> rules = db.meta("rules");
  if (!rules && claim) {
    db.set_meta_if_absent("rules", plan.id());
    rules = db.meta("rules");
  }
  if (rules && *rules != plan.id()) {
    throw UsageError(message(N_("the kept ledger {} belongs to rule set {}; it cannot settle under rule set {}"),
                             location, *rules, plan.id()));
  }
}

void report(const StoreSettleOptions& o, StoreProgress::Phase phase, std::uint64_t done, std::uint64_t total) {
  if (o.progress) o.progress({phase, done, total});
}

RunBook load_book(Backend& db, const Plan& plan, const RunKeys& keys, const StoreSettleOptions& o) {
  report(o, StoreProgress::Phase::loading, 0, keys.persons.size());
  const std::vector<std::optional<std::string>> kept = db.lock_persons(keys.persons);
  RunBook book;
  book.persons.reserve(keys.persons.size());
  for (std::size_t i = 0; i < keys.persons.size(); ++i) {
    RunBook::Entry e{Ledger(plan), 0, kept[i].has_value()};
    if (e.kept) {
      e.ledger = Ledger::restore(plan, read_ledger_json(*kept[i]));
      e.kept_stays = e.ledger.stay_ids().size();
    }
    book.persons.emplace(keys.persons[i], std::move(e));
  }
  for (std::string& id : db.held_stays(keys.stays)) book.held.insert(std::move(id));
  report(o, StoreProgress::Phase::loading, keys.persons.size(), keys.persons.size());
  return book;
}

/// What a committing run writes: the changed ledgers, the stays now held,
/// the settlement records in settlement order.
struct RunWrites {
  std::vector<std::pair<std::string, std::string>> ledgers, stays;
  std::vector<std::string> released;  ///< persons locked but given no ledger
  std::vector<StoreRecord> records;
};

RunWrites writes_of(const RunKeys& keys, RunBook& book, const std::vector<Outcome>& outcomes, std::uint64_t run,
                    const std::string& now) {
  StringMap<const Settlement*> settled;
  for (const Outcome& o : outcomes) {
    if (o.settled()) settled.emplace(o.settlement().stay_id, &o.settlement());
  }
  RunWrites w;
  for (const std::string& person : keys.persons) {
    RunBook::Entry& e = book.persons.find(person)->second;
    const std::vector<std::string> ids = e.ledger.stay_ids();
    if (ids.size() == e.kept_stays) {
      if (!e.kept) w.released.push_back(person);
      continue;
    }
    std::string json;
    write_ledger_json(json, e.ledger.snapshot());
    w.ledgers.emplace_back(person, std::move(json));
    for (std::size_t i = e.kept_stays; i < ids.size(); ++i) {
      const Settlement& s = *settled.find(ids[i])->second;
      w.stays.emplace_back(ids[i], person);
      w.records.push_back(detail::settlement_record(s, run, now));
    }
  }
  return w;
}

}  // namespace

LedgerStore::LedgerStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LedgerStore::LedgerStore(LedgerStore&&) noexcept = default;
LedgerStore& LedgerStore::operator=(LedgerStore&&) noexcept = default;
LedgerStore::~LedgerStore() = default;

LedgerStore LedgerStore::open(const std::string& location, const StoreOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->location = without_password(location);
  impl->db = is_postgres(location) ? detail::open_postgres(location, impl->location, options)
                                   : detail::open_sqlite(location, options);
  return LedgerStore(std::move(impl));
}

const std::string& LedgerStore::location() const noexcept { return impl_->location; }
std::string_view LedgerStore::kind() const noexcept { return impl_->db->kind(); }

std::string LedgerStore::rules() {
  std::lock_guard lock(impl_->mutex);
  Transaction tx(*impl_->db, Backend::Tx::read);
  return impl_->db->meta("rules").value_or("");
}

StoreRun LedgerStore::settle(const Plan& plan, const std::vector<Record>& records, const StoreSettleOptions& o) {
  std::lock_guard lock(impl_->mutex);
  Backend& db = *impl_->db;
  const RunKeys keys = keys_of(records);
  return with_retries(impl_->location, [&] {
    Transaction tx(db, o.dry_run ? Backend::Tx::read : Backend::Tx::write);
    check_rules(db, plan, impl_->location, !o.dry_run);
    RunBook book = load_book(db, plan, keys, o);
    report(o, StoreProgress::Phase::settling, 0, records.size());
    BatchOptions batch;
    batch.settle = o.settle;
    batch.threads = o.threads;
    batch.ledgers = &book;
    StoreRun out;
    out.outcomes = settle_batch(plan, records, batch);
    report(o, StoreProgress::Phase::settling, records.size(), records.size());
    if (o.dry_run) return out;  // the transaction rolls back
    out.run = db.next_run_id();
    const std::string now = detail::now_utc();
    RunWrites w = writes_of(keys, book, out.outcomes, out.run, now);
    report(o, StoreProgress::Phase::saving, 0, w.ledgers.size());
    db.save_ledgers(w.ledgers);
    db.add_stays(w.stays);
    db.add_records(w.records);
    db.release_persons(w.released);
    detail::RunRow row{out.run, 0, now, "settle", std::string(plan.id()), std::string(plan.digest()), 0, 0};
    for (const Outcome& oc : out.outcomes) (oc.settled() ? row.settled : row.rejected) += 1;
    row.commit_order = out.commit_order = db.next_commit();
    db.add_run(row);
    tx.commit();
    out.committed = true;
    report(o, StoreProgress::Phase::saving, w.ledgers.size(), w.ledgers.size());
    return out;
  });
}

StoreReversal LedgerStore::reverse(std::string_view stay_id, bool cascade, std::string_view reason) {
  std::lock_guard lock(impl_->mutex);
  Backend& db = *impl_->db;
  return with_retries(impl_->location, [&] {
    Transaction tx(db, Backend::Tx::write);
    StoreReversal out;
    const std::optional<std::string> person = db.person_of(stay_id);
    std::optional<std::string> kept;
    if (person) kept = db.lock_persons({*person}).front();
    // Locked now: the stay may have been reversed meanwhile (then unknown_stay).
    Ledger ledger = kept ? Ledger::restore(read_ledger_json(*kept)) : Ledger();
    if (person && db.person_of(stay_id) != person) throw detail::StoreConflict("the stay moved while it was locked");
    Reversal r = medsettle::reverse(ledger, stay_id, cascade);
    if (!r.ok()) {
      out.refused = std::move(r.refused);
      return out;
    }
    out.run = db.next_run_id();
    const std::string now = detail::now_utc();
    std::vector<std::string> removed;
    for (const LedgerStay& s : r.reversed) {
      const std::optional<std::string> settled = db.settlement_of(*person, s.stay_id);
      if (!settled) throw StoreError(message(N_("{}: stay {} has no settlement record"), impl_->location, s.stay_id));
      out.records.push_back(detail::reversal_record(*settled, out.run, now, reason));
      removed.push_back(s.stay_id);
    }
    std::string json;
    write_ledger_json(json, ledger.snapshot());
    db.save_ledgers({{*person, std::move(json)}});
    db.remove_stays(removed);
    db.add_records(out.records);
    detail::RunRow row{out.run, 0, now, "reverse", std::string(ledger.rules()), "", 0, 0};
    row.commit_order = db.next_commit();
    db.add_run(row);
    tx.commit();
    return out;
  });
}

std::optional<LedgerSnapshot> LedgerStore::ledger(std::string_view person_id) {
  std::lock_guard lock(impl_->mutex);
  Transaction tx(*impl_->db, Backend::Tx::read);
  const std::optional<std::string> json = impl_->db->ledger_of(person_id);
  if (!json) return std::nullopt;
  return read_ledger_json(*json);
}

std::vector<StoreRecord> LedgerStore::records(std::string_view person_id) {
  std::lock_guard lock(impl_->mutex);
  Transaction tx(*impl_->db, Backend::Tx::read);
  return impl_->db->records_of(person_id);
}

std::optional<std::string> LedgerStore::person_of(std::string_view stay_id) {
  std::lock_guard lock(impl_->mutex);
  Transaction tx(*impl_->db, Backend::Tx::read);
  return impl_->db->person_of(stay_id);
}

std::uint64_t LedgerStore::export_jsonl(std::ostream& out) {
  std::lock_guard lock(impl_->mutex);
  Backend& db = *impl_->db;
  Transaction tx(db, Backend::Tx::read);
  constexpr std::size_t page = 2000;
  std::uint64_t persons = 0;
  std::string after, line;
  for (bool first = true;; first = false) {
    const auto ledgers = db.ledgers_page(after, first, page);
    if (ledgers.empty()) break;
    const std::vector<StoreRecord> records = db.records_between(ledgers.front().first, ledgers.back().first);
    std::size_t r = 0;
    for (const auto& [person, json] : ledgers) {
      std::vector<StoreRecord> mine;
      while (r < records.size() && records[r].person_id == person) mine.push_back(records[r++]);
      line.assign(json, 0, json.size() - 1);  // the ledger object, still open
      line += ",\"records\":";
      write_records_json(line, mine);
      line += "}\n";
      out << line;
      ++persons;
    }
    after = ledgers.back().first;
    if (ledgers.size() < page) break;
  }
  out.flush();
  return persons;
}

std::uint64_t LedgerStore::import_jsonl(std::istream& in) {
  std::lock_guard lock(impl_->mutex);
  Backend& db = *impl_->db;
  Transaction tx(db, Backend::Tx::write);
  if (!db.empty()) {
    throw UsageError(message(N_("{}: the kept ledger is not empty; import only into an empty one"), impl_->location));
  }
  detail::Import import(db, impl_->location);
  for_each_json_line(in, [&](std::string_view text, std::uint64_t line) { import.add(text, line); });
  import.finish();
  if (!import.rules().empty()) db.set_meta_if_absent("rules", import.rules());
  detail::RunRow row{db.next_run_id(), 0, detail::now_utc(), "import", import.rules(), "", 0, 0};
  row.commit_order = db.next_commit();
  db.add_run(row);
  tx.commit();
  return import.persons();
}

}  // namespace medsettle
