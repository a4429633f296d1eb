// Settling a large input in waves, in bounded memory: read a wave of lines,
// parse them in parallel, mark duplicates and check the grouping in input
// order, settle the complete persons in parallel, pass the outcomes on in
// input order. The last person of a wave waits for the next wave.
#include "medsettle/stream.hpp"
#include "medsettle/record_stream.hpp"

#include <algorithm>
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
  Waves(const Plan& plan, const StreamOptions& options, const WaveSink& sink)
      : plan_(plan), options_(options), sink_(sink) {
    pending_.reserve(std::max<std::size_t>(1, options.wave_records) + 64);
  }

  /// Takes a wave of records read elsewhere (CSV), in input order; `last` if the input ends.
  void take(std::vector<Record>& wave, bool last) {
    const std::size_t from = pending_.size();
    for (Record& r : wave) pending_.push_back(std::move(r));
    wave.clear();
    scan(from, last);
  }

  /// Parses a wave of JSON lines straight into the pending records.
  void parse(std::vector<JsonStayReader>& readers, const std::vector<detail::Line>& lines, bool last) {
    const std::size_t from = pending_.size();
    pending_.resize(from + lines.size());
    detail::parse_wave(readers, lines, std::span<Record>(pending_).subspan(from));
    scan(from, last);
  }

  const StreamCounts& counts() const { return counts_; }

 private:
  const Plan& plan_;
  const StreamOptions& options_;
  const WaveSink& sink_;
  StreamCounts counts_;
  detail::IdTable seen_ids_, done_persons_;
  std::string current_;
  std::vector<Record> pending_;          ///< the records to settle, in input order
  std::vector<std::size_t> gaps_{0};     ///< gaps_[i]: decided outcomes just before pending_[i] (the last: after all)
  detail::HeldRejections decided_;       ///< the decided outcomes, in input order
  std::size_t run_start_ = 0;            ///< the current person's first record in pending_
  std::vector<const Record*> refs_;
  std::vector<Outcome> settled_;  ///< the outcomes of pending_[0, cut)
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

  /// Marks duplicates and checks the grouping of the records from `from`
  /// on, sets the decided ones aside, then settles everything before the
  /// current person's run.
  void scan(std::size_t from, bool last) {
    counts_.read += pending_.size() - from;
    std::size_t kept = from;
    for (std::size_t i = from; i < pending_.size(); ++i) {
      const Record& rec = pending_[i];
      const bool duplicate = rec.has_stay_id && !seen_ids_.insert_copy(rec.stay.stay_id, 0).second;
      if (!duplicate && rec.has_person_id && rec.stay.person_id != current_) {
        if (done_persons_.find(rec.stay.person_id)) throw NotGroupedError(rec.line, rec.stay.person_id);
        if (!current_.empty()) done_persons_.insert_copy(current_, 0);
        current_ = rec.stay.person_id;
        run_start_ = kept;
      }
      if (auto rejection = decide(rec, duplicate)) {
        decided_.push(*rejection);
        ++gaps_[kept];
        continue;
      }
      if (kept != i) pending_[kept] = std::move(pending_[i]);
      ++kept;
      gaps_.push_back(0);
    }
    pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(kept), pending_.end());
    // Everything before the current person's run is complete; with no
    // person yet (records without a readable person only), everything is.
    const std::size_t cut = last || current_.empty() ? pending_.size() : run_start_;
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
    settled_.assign(cut, Outcome());
    detail::settle_batch_into(plan_, refs_, settled_, options_.batch);
    const std::size_t slice = std::max<std::size_t>(1, options_.wave_records);
    for (std::size_t k = 0; k <= cut; ++k) {
      for (std::size_t g = 0; g < gaps_[k]; ++g) pass(Outcome(decided_.pop()), slice);
      if (k < cut) pass(std::move(settled_[k]), slice);
    }
    flush();
    settled_.clear();
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(cut));
    gaps_.erase(gaps_.begin(), gaps_.begin() + static_cast<std::ptrdiff_t>(cut));
    gaps_[0] = 0;
  }

  void pass(Outcome&& o, std::size_t slice) {
    wave_.push_back(std::move(o));
    if (wave_.size() >= slice) flush();
  }

  void flush() {
    if (wave_.empty()) return;
    for (const Outcome& o : wave_) (o.settled() ? counts_.settled : counts_.rejected) += 1;
    sink_(std::span<const Outcome>(wave_));
    wave_.clear();
  }
};

}  // namespace

/// Parses `lines` into `items` (one each) with up to `readers.size()`
/// threads, each a contiguous slice.
void detail::parse_wave(std::vector<JsonStayReader>& readers, const std::vector<detail::Line>& lines,
                        std::span<Record> items) {
  each_in_slices(lines.size(), readers.size(),
                 [&](std::size_t t, std::size_t i) { items[i] = readers[t].read(lines[i].text, lines[i].number); });
}

StreamCounts settle_stream(const Plan& plan, std::istream& in, const StreamOptions& options,
                           const std::function<void(const Outcome&)>& sink) {
  return settle_stream_waves(plan, in, options, [&](std::span<const Outcome> wave) {
    for (const Outcome& o : wave) sink(o);
  });
}

StreamCounts settle_stream_waves(const Plan& plan, std::istream& in, const StreamOptions& options,
                                 const WaveSink& sink) {
  Waves waves(plan, options, sink);
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
    detail::LineSource source(in, options.limits.max_record_bytes);
    std::vector<detail::Line> lines;
    bool more = true;
    while (more) {
      more = source.next_batch(lines, size);
      waves.parse(readers, lines, !more);
      if (options.progress) options.progress(waves.counts().read);
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

std::optional<detail::Apart> detail::first_ungrouped(std::istream& in, InputFormat format) {
  detail::IdTable done;
  std::string current, person;
  std::optional<Apart> apart;
  auto see = [&](const std::string& p, std::uint64_t line) {
    if (apart || p == current) return;
    if (done.find(p)) {
      apart = Apart{line, p};
      return;
    }
    if (!current.empty()) done.insert_copy(current, 0);
    current = p;
  };
  if (format == InputFormat::csv) {
    try {
      detail::CsvRecords records(in, ReadLimits{}, std::string());
      Record record;
      detail::CsvPlace place;
      while (!apart && records.next(record, place)) {
        if (record.has_person_id) see(record.stay.person_id, record.line);
      }
    } catch (const InputError&) {
      // An unusable header row: the pass that settles the file says so.
    }
    return apart;
  }
  JsonStayReader reader;
  detail::LineSource source(in, ReadLimits{}.max_record_bytes);
  std::vector<detail::Line> lines;
  bool more = true;
  while (more && !apart) {
    more = source.next_batch(lines, 8192);  // a small batch: this pass keeps nothing
    for (const auto& l : lines) {
      if (reader.peek_person(l.text, person)) see(person, l.number);
    }
  }
  return apart;
}

bool grouped_by_person(std::istream& in, InputFormat format) { return !detail::first_ungrouped(in, format); }

}  // namespace medsettle
