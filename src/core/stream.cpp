// Settling a large input in waves, in bounded memory: read a wave of lines,
// parse them in parallel, mark duplicates and check the grouping in input
// order, settle the complete persons in parallel, pass the outcomes on in
// input order. The last person of a wave waits for the next wave.
#include "medsettle/stream.hpp"

#include <algorithm>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "core/id_table.hpp"
#include "io/line_source.hpp"

namespace medsettle {

NotGroupedError::NotGroupedError(std::uint64_t line_, std::string person_)
    : std::runtime_error(fmt::format("line {}: the stays of person {} are not consecutive in the input "
                                     "(settle needs a person's stays together to stream; sort by person_id)",
                                     line_, person_)),
      line(line_),
      person(std::move(person_)) {}

namespace {

/// One input record on its way through: a record to settle, or an outcome
/// already decided (a duplicate stay id).
struct Item {
  Record record;
  std::optional<Outcome> decided;
};

/// Parses `lines` into `items` with `threads` readers.
void parse_wave(std::vector<JsonStayReader>& readers, const std::vector<detail::Line>& lines, std::vector<Item>& items) {
  items.resize(lines.size());
  const std::size_t threads = std::min(readers.size(), std::max<std::size_t>(1, lines.size() / 256));
  auto work = [&](std::size_t t) {
    for (std::size_t i = t; i < lines.size(); i += threads) {
      items[i].record = readers[t].read(lines[i].text, lines[i].number);
      items[i].decided.reset();
    }
  };
  if (threads <= 1) {
    work(0);
    return;
  }
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& th : pool) th.join();
}

class Waves {
 public:
  Waves(const Plan& plan, const StreamOptions& options, const WaveSink& sink)
      : plan_(plan), options_(options), sink_(sink) {}

  /// Takes a wave of parsed records in input order; `last` if the input ends.
  void take(std::vector<Item>& wave, bool last) {
    counts_.read += wave.size();
    for (Item& it : wave) {
      Record& rec = it.record;
      if (rec.has_stay_id && !seen_ids_.insert_copy(rec.stay.stay_id, 0).second) {
        Rejection r;
        r.stay_id = rec.stay.stay_id;
        r.line = rec.line;
        r.code = ErrorCode::duplicate_stay_id;
        r.field = "stay_id";
        r.message = fmt::format("stay_id: '{}' already used by an earlier record", rec.stay.stay_id);
        it.decided.emplace(std::move(r));
      } else if (rec.has_person_id && rec.stay.person_id != current_) {
        if (done_persons_.find(rec.stay.person_id)) throw NotGroupedError(rec.line, rec.stay.person_id);
        if (!current_.empty()) done_persons_.insert_copy(current_, 0);
        current_ = rec.stay.person_id;
        run_start_ = pending_.size();
      }
      pending_.push_back(std::move(it));
    }
    wave.clear();
    // Everything before the current person's run is complete.
    std::size_t cut = last ? pending_.size() : run_start_;
    if (cut == 0) return;
    settle_prefix(cut);
    run_start_ -= std::min(run_start_, cut);
  }

  const StreamCounts& counts() const { return counts_; }

 private:
  const Plan& plan_;
  const StreamOptions& options_;
  const WaveSink& sink_;
  StreamCounts counts_;
  detail::IdTable seen_ids_, done_persons_;
  std::string current_;
  std::vector<Item> pending_;
  std::size_t run_start_ = 0;

  void settle_prefix(std::size_t cut) {
    std::vector<Record> records;
    records.reserve(cut);
    for (std::size_t i = 0; i < cut; ++i) {
      if (!pending_[i].decided) records.push_back(std::move(pending_[i].record));
    }
    std::vector<Outcome> outcomes = settle_batch(plan_, records, options_.batch);
    records.clear();
    // The wave in input order: the decided outcomes among the settled ones.
    std::vector<Outcome> wave;
    wave.reserve(cut);
    std::size_t k = 0;
    for (std::size_t i = 0; i < cut; ++i) {
      Outcome& o = pending_[i].decided ? *pending_[i].decided : outcomes[k++];
      (o.settled() ? counts_.settled : counts_.rejected) += 1;
      wave.push_back(std::move(o));
    }
    sink_(std::span<const Outcome>(wave));
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(cut));
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
  Waves waves(plan, options, sink);
  std::vector<Item> wave;
  const std::size_t size = std::max<std::size_t>(1, options.wave_records);
  if (options.format == InputFormat::csv) {
    std::string error;
    bool ok = read_csv(
        in,
        [&](Record&& r) {
          wave.push_back(Item{std::move(r), std::nullopt});
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
      parse_wave(readers, lines, wave);
      waves.take(wave, !more);
      if (options.progress) options.progress(waves.counts().read);
    }
  }
  return waves.counts();
}

bool grouped_by_person(std::istream& in, InputFormat format) {
  detail::IdTable done;
  std::string current, person;
  bool grouped = true;
  auto see = [&](const std::string& p) {
    if (!grouped || p == current) return;
    if (done.find(p)) {
      grouped = false;
      return;
    }
    if (!current.empty()) done.insert_copy(current, 0);
    current = p;
  };
  if (format == InputFormat::csv) {
    read_csv(in, [&](Record&& r) {
      if (r.has_person_id) see(r.stay.person_id);
    });
    return grouped;
  }
  JsonStayReader reader;
  detail::LineSource source(in, ReadLimits{}.max_record_bytes);
  std::vector<detail::Line> lines;
  bool more = true;
  while (more && grouped) {
    more = source.next_batch(lines, 65'536);
    for (const auto& l : lines) {
      if (reader.peek_person(l.text, person)) see(person);
    }
  }
  return grouped;
}

}  // namespace medsettle
