// Settling a large input in waves, in bounded memory: read a wave of lines,
// parse them in parallel, mark duplicates and check the grouping in input
// order, settle the complete persons in parallel, pass the outcomes on in
// input order. The last person of a wave waits for the next wave.
#include "medsettle/stream.hpp"
#include "medsettle/record_stream.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <thread>

#include <fmt/format.h>

#include "core/engine_internal.hpp"
#include "core/text.hpp"
#include "core/id_table.hpp"
#include "io/csv_internal.hpp"
#include "io/held_rejections.hpp"
#include "io/line_source.hpp"
#include "io/pipeline_internal.hpp"
#include "io/stream_internal.hpp"

namespace medsettle {

NotGroupedError::NotGroupedError(std::uint64_t line_, std::string person_)
    : Error(detail::message(N_("line {}: the stays of person {} are not consecutive in the input "
                               "(settle needs a person's stays together to stream; sort by person_id)"),
                            line_, person_)),
      line(line_),
      person(std::move(person_)) {}

namespace {

/// The records read and not yet settled, in input order; settles every
/// complete person (all but the last person seen) after each wave.
///
/// A record whose outcome is known when it is read (a duplicate stay id, a
/// rejected record without a person or a discharge date) is not held as a
/// record: its rejection goes to `decided_` at once and `gaps_` remembers
/// where it stands, so that lines of garbage after the current person's
/// first stay cost a rejection each, not a record (issue #18).
class Waves {
 public:
  /// `expected`: the records and persons the input is known to hold (0 if not known).
  Waves(const Plan& plan, const StreamOptions& options, const WaveSink& sink, const detail::Expected& expected = {})
      : plan_(plan), options_(options), sink_(sink) {
    pending_.reserve(std::max<std::size_t>(1, options.wave_records) + 64);
    // Room made once for every stay id and person: growing a table of
    // millions of slots copies it and faults in its pages again (capped: a
    // wrong count costs at most this much room).
    reserve(expected.records, expected.persons);
    if (expected.records == 0) foretell_from_ = expected.bytes;
  }

  /// Takes a wave of records read elsewhere (CSV), in input order; `last` if the input ends.
  void take(std::vector<Record>& wave, bool last) {
    const std::size_t from = held_;
    for (Record& r : wave) {
      // A valid stay has both its ids, whoever built the record (as the
      // batch takes it): the checks below count them.
      if (!r.rejection) r.has_stay_id = r.has_person_id = true;
      if (held_ < pending_.size()) pending_[held_] = std::move(r);
      else pending_.push_back(std::move(r));
      ++held_;
    }
    wave.clear();
    scan(from, last);
  }

  /// Parses a wave of JSON lines straight into the pending records.
  void parse(std::vector<JsonStayReader>& readers, const std::vector<detail::Line>& lines, bool last) {
    const std::size_t from = held_;
    if (pending_.size() < from + lines.size()) pending_.resize(from + lines.size());
    // Each record is parsed, into a spare record's room, and its ids hashed
    // on the parsing threads, a chunk at a time; each thread asks memory for
    // its next records (ask_ahead) while it reads one. The duplicates and
    // the grouping are checked in input order on one of them, a chunk as
    // soon as it is parsed, while the others parse on.
    std::span<Record> items = std::span<Record>(pending_).subspan(from, lines.size());
    ids_.resize(lines.size());
    counts_.read += lines.size();
    kept_ = from;
    detail::parse_checking_in_order(
        lines.size(), readers.size(), check_chunk,
        [&](std::size_t t, std::size_t begin, std::size_t end) {
          const std::span<const Record> mine = items.subspan(begin, end - begin);
          for (std::size_t i = begin; i < end; ++i) {
            detail::ask_ahead(mine, i - begin);
            if (i + 2 < end) detail::ask_for_line(lines[i + 2].text);
            detail::clear_for_reading(items[i]);
            detail::read_line(readers[t], lines[i], items[i]);
            ids_[i] = hashed(items[i]);
          }
        },
        [&](std::size_t begin, std::size_t end) { check(from, from + begin, from + end); });
    settle_checked(last);
    // After the first wave, when the input's records were not counted: the
    // input's bytes up to the end of its last line (blank lines, line ends
    // and a byte-order mark counted as the input's size counts them).
    if (foretell_from_ && !last && !lines.empty()) {
      foretell(lines.back().offset + lines.back().text.size() + 1, foretell_from_);
    }
    foretell_from_ = 0;
  }

  const StreamCounts& counts() const { return counts_; }

 private:
  /// Makes the tables ready for the whole input, foretold from what was read
  /// so far (the first `bytes` of the input's `input_bytes`); the tables
  /// still grow if it falls short. No margin: a table's room doubles at each
  /// power of two, and an eighth more doubled both tables at a million stays
  /// (+72 MB). A record is taken to be 64 bytes at least (a stay with its
  /// fields takes several hundred): a first wave of short lines of garbage
  /// does not make room for more records than the input could hold.
  void foretell(std::uint64_t bytes, std::uint64_t input_bytes) {
    const std::uint64_t read = counts_.read;
    if (bytes == 0 || read == 0 || input_bytes <= bytes) return;
    const std::uint64_t persons = std::min<std::uint64_t>(done_persons_.size() + 1, read);
    const std::uint64_t per_record = std::max<std::uint64_t>(64, bytes / read);
    const std::uint64_t records = std::min<std::uint64_t>(input_bytes / per_record, 1ull << 40);
    const std::uint64_t per_1024 = persons * 1024 / read;  // persons a 1,024 records
    reserve(records, records * per_1024 / 1024);
  }

  void reserve(std::uint64_t records, std::uint64_t persons) {
    constexpr std::uint64_t cap = 64u << 20;  // a wrong count costs at most this much room
    seen_ids_.reserve(static_cast<std::size_t>(std::min(records, cap)));
    done_persons_.reserve(static_cast<std::size_t>(std::min(persons, cap)));
  }

  const Plan& plan_;
  const StreamOptions& options_;
  const WaveSink& sink_;
  std::uint64_t foretell_from_ = 0;  ///< the input's size, until the first wave has sized the tables by it
  StreamCounts counts_;
  detail::IdTable seen_ids_, done_persons_;
  /// The person of the run being read (none before the first record with a
  /// person: an empty id, which a record made elsewhere may hold, is a person).
  std::optional<std::string> current_;
  std::uint64_t current_hash_ = 0;  ///< IdTable::hash(*current_)
  /// [0, held_): the records to settle, in input order; from held_ on,
  /// spare records settled before, whose lists' room the next ones are read
  /// into (clear_for_reading).
  std::vector<Record> pending_;
  std::size_t held_ = 0;
  std::vector<std::size_t> gaps_{0};     ///< gaps_[i]: decided outcomes just before pending_[i] (the last: after all)
  detail::HeldRejections decided_;       ///< the decided outcomes, in input order
  std::size_t run_start_ = 0;            ///< the current person's first record in pending_
  std::vector<const Record*> refs_;
  /// The hashes of a record's stay and person ids (0 for an id it lacks).
  struct Hashes {
    std::uint64_t stay = 0, person = 0;
  };
  std::vector<Hashes> ids_;  ///< the hashes of the records being checked, from their `from` on

  static Hashes hashed(const Record& r) {
    return {r.has_stay_id ? detail::IdTable::hash(r.stay.stay_id) : 0,
            r.has_person_id ? detail::IdTable::hash(r.stay.person_id) : 0};
  }
  std::vector<Outcome> settled_;  ///< the outcomes of pending_[0, cut) (between waves, default-constructed)
  std::vector<Outcome> wave_;     ///< the outcomes to pass on next

  /// The rejection a record gets whatever else the input holds, if any.
  std::optional<Rejection> decide(const Record& rec, bool duplicate) const {
    if (duplicate) {
      return detail::rejection(rec.stay.stay_id, rec.line, ErrorCode::duplicate_stay_id, "stay_id",
                               detail::message(N_("stay_id: '{}' already used by an earlier record"),
                                               rec.stay.stay_id));
    }
    return detail::unplaceable(rec, options_.batch.ledgers);
  }

  /// Records checked together when a wave is parsed (parse_checking_in_order).
  static constexpr std::size_t check_chunk = 256;
  std::size_t kept_ = 0;  ///< while checking: the records kept so far end here (the decided ones' rooms after)

  /// Marks duplicates and checks the grouping of the records from `from`
  /// on, sets the decided ones aside, then settles everything before the
  /// current person's run.
  void scan(std::size_t from, bool last) {
    counts_.read += held_ - from;
    ids_.resize(held_ - from);
    for (std::size_t i = from; i < held_; ++i) ids_[i - from] = hashed(pending_[i]);
    kept_ = from;
    check(from, from, held_);
    settle_checked(last);
  }

  /// Checks pending_[begin, end), the next records after those checked
  /// (ids_[i - from] holds pending_[i]'s hashes): marks duplicates and
  /// checks the grouping in input order, sets the decided ones aside and
  /// moves the others to kept_ on.
  void check(std::size_t from, std::size_t begin, std::size_t end) {
    // The id tables are large and reached at random: each record's lookups
    // load the slots of the record `ahead` places on (within these records:
    // the ones after may not be read yet).
    constexpr std::size_t ahead = 12;
    for (std::size_t i = begin; i < end; ++i) {
      if (i + ahead < end) {
        const Record& next = pending_[i + ahead];
        if (next.has_stay_id) seen_ids_.prefetch(ids_[i + ahead - from].stay);
        if (next.has_person_id) done_persons_.prefetch(ids_[i + ahead - from].person);
      }
      const Record& rec = pending_[i];
      const Hashes& h = ids_[i - from];
      // A stay the kept ledger holds is that ledger's duplicate however often
      // it comes (SEMANTICS.md §11), not a first copy, and belongs to no
      // person's run (it is rejected before it is placed), as the batch
      // decides it: neither it nor a copy of it counts in the grouping.
      const bool held = rec.has_stay_id && options_.batch.ledgers && options_.batch.ledgers->holds(rec.stay.stay_id);
      const bool duplicate = rec.has_stay_id && !held && !seen_ids_.insert_copy(rec.stay.stay_id, h.stay, 0).second;
      if (!duplicate && !held && rec.has_person_id && rec.stay.person_id != current_) {
        if (done_persons_.find(rec.stay.person_id, h.person)) throw NotGroupedError(rec.line, rec.stay.person_id);
        if (current_) done_persons_.insert_copy(*current_, current_hash_, 0);
        current_ = rec.stay.person_id;
        current_hash_ = h.person;
        run_start_ = kept_;
      }
      if (auto rejection = decide(rec, duplicate)) {
        decided_.push(*rejection);
        ++gaps_[kept_];
        continue;
      }
      if (kept_ != i) std::swap(pending_[kept_], pending_[i]);  // the decided one's room kept, as a spare
      ++kept_;
      gaps_.push_back(0);
    }
  }

  /// After check(): settles everything before the current person's run.
  void settle_checked(bool last) {
    held_ = kept_;
    // Everything before the current person's run is complete; with no
    // person yet (records without a readable person only), everything is.
    const std::size_t cut = last || !current_ ? held_ : run_start_;
    if (cut == 0 && gaps_[0] == 0) return;
    settle_prefix(cut);
    run_start_ -= std::min(run_start_, cut);
  }

  /// Settles pending_[0, cut) and passes on their outcomes with the decided
  /// ones before each (and those before pending_[cut]), in input order, in
  /// slices of at most a wave's size.
  void settle_prefix(std::size_t cut) {
    refs_.resize(cut);
    for (std::size_t k = 0; k < cut; ++k) refs_[k] = &pending_[k];
    settled_.resize(cut);  // every one as default-constructed (the last call left them so)
    // check() decided the duplicates and saw each person's records together.
    detail::settle_batch_into(plan_, refs_, settled_, options_.batch, {.unique_ids = true, .grouped = true});
    const std::size_t slice = std::max<std::size_t>(1, options_.wave_records);
    if (std::all_of(gaps_.begin(), gaps_.begin() + static_cast<std::ptrdiff_t>(cut) + 1,
                    [](std::size_t g) { return g == 0; })) {
      // Nothing decided among them: passed on where they are, not moved.
      for (std::size_t from = 0; from < cut; from += slice) {
        give(std::span<const Outcome>(settled_).subspan(from, std::min(slice, cut - from)));
      }
    } else {
      for (std::size_t k = 0; k <= cut; ++k) {
        for (std::size_t g = 0; g < gaps_[k]; ++g) pass(Outcome(decided_.pop()), slice);
        if (k < cut) pass(std::move(settled_[k]), slice);
      }
      flush();
    }
    // The outcomes are done with: emptied on the batch's threads (freeing
    // them was a tenth of this thread's time). The records are kept as
    // spares; the current person's run (a few records) moves to the front,
    // swapped with the first of them.
    detail::each_in_slices(cut, std::max(1u, options_.batch.threads),
                           [&](std::size_t, std::size_t k) { settled_[k] = Outcome(); });
    if (cut > 0) {
      for (std::size_t k = 0; k < held_ - cut; ++k) std::swap(pending_[k], pending_[cut + k]);
      held_ -= cut;
    }
    gaps_.erase(gaps_.begin(), gaps_.begin() + static_cast<std::ptrdiff_t>(cut));
    gaps_[0] = 0;
  }

  void pass(Outcome&& o, std::size_t slice) {
    wave_.push_back(std::move(o));
    if (wave_.size() >= slice) flush();
  }

  void flush() {
    if (wave_.empty()) return;
    give(wave_);
    wave_.clear();
  }

  /// Counts outcomes and passes them on.
  void give(std::span<const Outcome> outcomes) {
    for (const Outcome& o : outcomes) (o.settled() ? counts_.settled : counts_.rejected) += 1;
    sink_(outcomes);
  }
};

}  // namespace

StreamCounts settle_stream(const Plan& plan, std::istream& in, const StreamOptions& options,
                           const std::function<void(const Outcome&)>& sink) {
  return settle_stream_waves(plan, in, options, [&](std::span<const Outcome> wave) {
    for (const Outcome& o : wave) sink(o);
  });
}

StreamCounts settle_stream_waves(const Plan& plan, std::istream& in, const StreamOptions& options,
                                 const WaveSink& sink) {
  return detail::settle_stream_waves_expecting(plan, in, options, sink, {});
}

StreamCounts detail::settle_stream_waves_expecting(const Plan& plan, std::istream& in, const StreamOptions& options,
                                                   const WaveSink& sink, const Expected& expected) {
  Waves waves(plan, options, sink, expected);
  std::vector<Record> wave;
  const std::size_t size = std::max<std::size_t>(1, options.wave_records);
  if (options.format == InputFormat::csv) {
    std::string error;
    bool ok = read_csv(
        in,
        [&](Record&& r) {
          wave.push_back(std::move(r));
          if (wave.size() >= size) {
            waves.take(wave, false);
            if (options.progress) options.progress(waves.counts().read);
          }
        },
        &error, options.limits);
    if (!ok) throw InputError(error);
    waves.take(wave, true);
  } else {
    std::vector<JsonStayReader> readers;
    for (unsigned t = 0; t < std::max(1u, options.batch.threads); ++t) readers.emplace_back(options.limits);
    // The next wave's lines are read on a thread beside this one while
    // this wave is parsed, settled and passed on (the source keeps a
    // batch's lines while it reads the next). A stream tied to an output
    // (std::cin to std::cout) would flush that output from the reading
    // thread while a sink may write to it here: it is untied for the run
    // and the output flushed here before each read instead.
    struct Untied {
      std::istream& in;
      std::ostream* tied = in.tie(nullptr);
      ~Untied() { in.tie(tied); }
      void flush() const {
        if (tied) tied->flush();
      }
    } untied{in};
    detail::LineSource source(in, options.limits.max_record_bytes, detail::LineSource::Keep::two_batches);
    std::array<std::vector<detail::Line>, 2> lines;
    untied.flush();
    bool more = source.next_batch(lines[0], size);
    bool more_after = false;
    detail::Beside ahead;  // after what its task uses: its destructor waits for the task
    for (std::size_t turn = 0;; turn ^= 1) {
      const bool last = !more;
      if (!last) {
        untied.flush();
        ahead.run([&source, &next = lines[turn ^ 1], &more_after, size] { more_after = source.next_batch(next, size); });
      }
      waves.parse(readers, lines[turn], last);
      if (!last) {
        ahead.wait();
        more = more_after;
      }
      // No read is running: the progress callback may look at the input (the pipeline's, at its offset).
      if (options.progress) options.progress(waves.counts().read);
      if (last) break;
    }
  }
  return waves.counts();
}

StreamCounts settle_record_waves(const Plan& plan, const RecordSource& source, const StreamOptions& options,
                                 const WaveSink& sink) {
  Waves waves(plan, options, sink);
  const std::size_t size = std::max<std::size_t>(1, options.wave_records);
  std::vector<Record> wave;
  bool more = true;
  while (more) {
    more = source(wave, size);  // appended to an empty wave: take() empties it
    waves.take(wave, !more);
    if (options.progress) options.progress(waves.counts().read);
  }
  return waves.counts();
}

namespace {

/// The values of `keys` in the outermost object of a plain line (quick_ids):
/// values[k] is the first key keys[k]'s; false unless every key is found
/// with a non-empty plain string value before anything unsure.
template <std::size_t N>
bool quick_keys(std::string_view line, const std::array<std::string_view, N>& keys,
                std::array<std::string_view, N>& values) {
  int depth = 0;
  std::size_t found = 0;
  std::array<bool, N> has{};
  auto skip_space = [&](std::size_t at) {
    while (at < line.size() && (line[at] == ' ' || line[at] == '\t' || line[at] == '\r' || line[at] == '\n')) ++at;
    return at;
  };
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == '\\') {
      return false;
    } else if (c == '"') {
      const std::size_t end = line.find_first_of("\"\\", i + 1);
      if (end == std::string_view::npos || line[end] == '\\') return false;
      const std::string_view text = line.substr(i + 1, end - i - 1);
      i = end;
      if (depth != 1) continue;
      std::size_t k = 0;
      while (k < N && (has[k] || text != keys[k])) ++k;  // a key found before: its value is skipped as any string
      if (k == N) continue;
      std::size_t at = skip_space(end + 1);
      if (at == line.size() || line[at] != ':') continue;  // a value such as "person_id", not a key
      at = skip_space(at + 1);
      if (at == line.size() || line[at] != '"') return false;
      const std::size_t close = line.find_first_of("\"\\", at + 1);
      if (close == std::string_view::npos || line[close] == '\\' || close == at + 1) return false;
      values[k] = line.substr(at + 1, close - at - 1);
      has[k] = true;
      if (++found == N) return true;
      i = close;
    }
  }
  return false;
}

}  // namespace

bool detail::quick_person(std::string_view line, std::string_view& person) {
  static constexpr std::array<std::string_view, 1> keys{"person_id"};
  std::array<std::string_view, 1> values;
  if (!quick_keys(line, keys, values)) return false;
  person = values[0];
  return true;
}

bool detail::quick_ids(std::string_view line, std::string_view& stay, std::string_view& person) {
  static constexpr std::array<std::string_view, 2> keys{"stay_id", "person_id"};
  std::array<std::string_view, 2> values;
  if (!quick_keys(line, keys, values)) return false;
  stay = values[0];
  person = values[1];
  return true;
}

detail::Grouping detail::first_ungrouped(std::istream& in, InputFormat format, bool quick) {
  detail::IdTable done;
  std::string current;
  std::uint64_t current_hash = 0;
  Grouping found;
  auto& apart = found.apart;
  // `h`: the hash of `p`, computed before (the persons of a batch are
  // hashed first, and the table's slots loaded a few persons ahead).
  auto see = [&](std::string_view p, std::uint64_t h, std::uint64_t line) {
    if (apart || p == current) return;
    if (done.find(p, h)) {
      apart = Apart{line, std::string(p)};
      return;
    }
    if (!current.empty()) done.insert_copy(current, current_hash, 0);
    current = p;
    current_hash = h;
    ++found.persons;
  };
  if (format == InputFormat::csv) {
    try {
      detail::CsvRecords records(in, ReadLimits{}, std::string());
      Record record;
      detail::CsvPlace place;
      while (!apart && records.next(record, place)) {
        ++found.records;
        // Hashed only where the person changes: see() needs the hash only there.
        if (record.has_person_id && record.stay.person_id != current) {
          see(record.stay.person_id, detail::IdTable::hash(record.stay.person_id), record.line);
        }
      }
    } catch (const InputError&) {
      // An unusable header row: the pass that settles the file says so.
    }
    return found;
  }
  JsonStayReader reader;
  detail::LineSource source(in, ReadLimits{}.max_record_bytes);
  std::vector<detail::Line> lines;
  std::vector<std::string> persons;  // a batch's persons ("" for none), their room reused
  std::vector<std::uint64_t> hashes;
  constexpr std::size_t ahead = 8;
  bool more = true;
  while (more && !apart) {
    more = source.next_batch(lines, 8192);  // a small batch: this pass keeps nothing
    found.records += lines.size();
    if (persons.size() < lines.size()) persons.resize(lines.size());
    hashes.resize(lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i) {
      std::string_view plain;
      if (quick && quick_person(lines[i].text, plain)) persons[i].assign(plain);
      else if (!reader.peek_person(lines[i].text, persons[i])) persons[i].clear();
      hashes[i] = detail::IdTable::hash(persons[i]);
    }
    for (std::size_t i = 0; i < lines.size() && !apart; ++i) {
      if (i + ahead < lines.size()) done.prefetch(hashes[i + ahead]);
      if (!persons[i].empty()) see(persons[i], hashes[i], lines[i].number);
    }
  }
  return found;
}

bool grouped_by_person(std::istream& in, InputFormat format) { return !detail::first_ungrouped(in, format).apart; }

}  // namespace medsettle
