// The file pipeline: read, settle, format and write, in input order. A
// wave of outcomes is formatted on several threads and written by a writer
// thread while the next wave is read and settled.
#include "medsettle/pipeline.hpp"

#include <algorithm>
#include <exception>
#include <span>
#include <thread>

#include "io/chunk_writer.hpp"
#include "io/pipeline_internal.hpp"
#include "io/stream_internal.hpp"
#include "medsettle/writer.hpp"

namespace medsettle {

CsvOptions detail::csv_options_of(const PipelineOptions& o) { return {o.csv_bom, o.csv_headers, o.itemize}; }

void detail::format_outcome(const Outcome& o, std::string& out, std::string& err, const PipelineOptions& options) {
  if (o.settled()) {
    if (options.output == OutputFormat::csv) write_csv(out, o.settlement(), csv_options_of(options));
    else if (options.itemize) write_json_itemized(out, o.settlement());
    else write_json(out, o.settlement());
    out += '\n';
  } else {
    write_json(err, o.rejection(), options.messages);
    err += '\n';
  }
}

namespace {

/// Formats settlements and rejections, and writes them on a writer thread.
/// A large wave is formatted on `threads` threads, a slice each; the slices
/// are written in input order.
class Sink {
 public:
  Sink(const Plan& plan, const PipelineOptions& o, unsigned threads, std::ostream& out, std::ostream& errors)
      : options_(o),
        threads_(std::max(1u, threads)),
        out_(out),
        errors_(errors),
        writer_(detail::in_pieces(out), detail::in_pieces(errors)) {
    if (o.output == OutputFormat::csv) {
      detail::Chunk header;
      header.out = csv_header(plan, detail::csv_options_of(o)) + '\n';
      writer_.push(std::move(header));
    }
  }

  void operator()(std::span<const Outcome> wave) {
    // Chunks of about a megabyte: a wave's text in one string per thread
    // grew by copying and came from fresh pages (glibc maps a block that
    // large anew each time); chunks this size are reused.
    constexpr std::size_t per_chunk = 1024, min_slice = 2048;
    const std::size_t count = std::max<std::size_t>(1, (wave.size() + per_chunk - 1) / per_chunk);
    const std::size_t slices = std::max<std::size_t>(1, std::min<std::size_t>(threads_, wave.size() / min_slice));
    std::vector<detail::Chunk> chunks(count);
    for (detail::Chunk& c : chunks) c = writer_.recycled();
    auto work = [&](std::size_t t) {
      for (std::size_t k = t; k < count; k += slices) {
        const std::size_t to = std::min(wave.size(), (k + 1) * per_chunk);
        for (std::size_t i = k * per_chunk; i < to; ++i) {
          detail::format_outcome(wave[i], chunks[k].out, chunks[k].err, options_);
        }
      }
    };
    detail::run_slices(slices, work);
    for (detail::Chunk& c : chunks) writer_.push(std::move(c));
  }

  /// Everything written; rethrows a write error.
  void finish() {
    writer_.finish();
    out_.flush();
    errors_.flush();
  }

 private:
  const PipelineOptions& options_;
  unsigned threads_;
  std::ostream& out_;
  std::ostream& errors_;
  detail::ChunkWriter writer_;
};

/// Formats and writes outcomes a slice at a time: the text of a slice, not of the whole input, is held.
PipelineCounts write_all(std::span<const Outcome> outcomes, Sink& sink, const PipelineOptions& o,
                         std::uint64_t bytes_read, std::uint64_t input_size) {
  PipelineCounts counts;
  counts.read = outcomes.size();
  for (const Outcome& out : outcomes) (out.settled() ? counts.settled : counts.rejected) += 1;
  constexpr std::size_t slice = 65'536;
  for (std::size_t from = 0; from < outcomes.size(); from += slice) {
    sink(outcomes.subspan(from, std::min(slice, outcomes.size() - from)));
    if (o.progress) o.progress({from + std::min(slice, outcomes.size() - from), bytes_read, input_size});
  }
  return counts;
}

PipelineCounts settle_whole(const Plan& plan, InputFile& in, Sink& sink, const PipelineOptions& o, unsigned threads) {
  std::vector<Record> records = read_input(in, o);
  BatchOptions batch;
  batch.threads = threads;
  batch.settle = o.settle;
  batch.ledgers = o.ledgers;
  const std::vector<Outcome> outcomes = settle_batch(plan, records, batch);
  records.clear();
  records.shrink_to_fit();
  return write_all(outcomes, sink, o, in.offset(), in.size());
}

unsigned threads_of(const PipelineOptions& o) {
  return std::clamp(o.threads ? o.threads : std::thread::hardware_concurrency(), 1u, max_batch_threads);
}

PipelineCounts settle_streamed(const Plan& plan, InputFile& in, Sink& sink, const PipelineOptions& o,
                               unsigned threads, const detail::Expected& expected) {
  StreamOptions stream;
  // Waves of 8,192 records: a wave's lines, records, results and text are
  // what the run holds (about 60 MB at this size; 32,768 held 190 MB).
  stream.wave_records = 8'192;
  stream.batch.threads = threads;
  stream.batch.settle = o.settle;
  stream.batch.ledgers = o.ledgers;
  stream.format = o.input;
  stream.limits = o.limits;
  if (o.progress) stream.progress = [&](std::size_t done) { o.progress({done, in.offset(), in.size()}); };
  const StreamCounts c = detail::settle_stream_waves_expecting(
      plan, in.stream(), stream, [&](std::span<const Outcome> wave) { sink(wave); }, expected);
  return {c.read, c.settled, c.rejected};
}

}  // namespace

PipelineCounts settle_file(const Plan& plan, InputFile& in, std::ostream& out, std::ostream& errors,
                           const PipelineOptions& options) {
  const unsigned threads = threads_of(options);
  // Streaming needs each person's stays together. A regular file is checked
  // first (a cheap pass reading only person ids), so that a refusal comes
  // before anything is written. In automatic mode, standard input is first
  // copied to a temporary file, then settled as a regular file; in stream
  // mode it streams, the grouping promised.
  if (options.mode == PipelineMode::automatic && !in.regular()) {
    InputFile copy = detail::spill_input(in);
    return settle_file(plan, copy, out, errors, options);
  }
  bool stream = options.mode == PipelineMode::stream;
  detail::Expected expected;  // as the grouping pass counted them
  if (options.mode != PipelineMode::whole && in.regular()) {
    detail::Grouping grouping = detail::first_ungrouped(in.stream(), options.input, true);
    in.rewind();
    if (grouping.apart) {  // the quick pass's "apart" is checked by the parser's
      grouping = detail::first_ungrouped(in.stream(), options.input);
      in.rewind();
    }
    const auto& apart = grouping.apart;
    if (apart && options.mode == PipelineMode::stream) throw NotGroupedError(apart->line, apart->person);
    // Not grouped (automatic mode): settled in waves of persons read back from the file.
    if (apart) return detail::settle_apart(plan, in, out, errors, options, threads);
    stream = true;
    expected = {grouping.records, grouping.persons};
  }
  Sink sink(plan, options, threads, out, errors);
  const PipelineCounts counts =
      stream ? settle_streamed(plan, in, sink, options, threads, expected)
             : settle_whole(plan, in, sink, options, threads);
  sink.finish();
  return counts;
}

PipelineCounts settle_file(const Plan& plan, InputFile& in, OutputFile& out, OutputFile& errors,
                           const PipelineOptions& options) {
  // JSON Lines only: a CSV stream has no first wave's bytes to size its
  // tables by, and its grouping pass gives their counts.
  const bool retractable = out.atomic() && errors.atomic();
  if (options.mode != PipelineMode::automatic || options.input != InputFormat::jsonl || options.ledgers ||
      !retractable) {
    return settle_file(plan, in, out.stream(), errors.stream(), options);
  }
  if (!in.regular()) {  // standard input: copied to a temporary file first, as settle_file does
    InputFile copy = detail::spill_input(in);
    return settle_file(plan, copy, out, errors, options);
  }
  // Settled as a stream straight away, which checks the grouping as it goes;
  // a grouped input (the usual case) is read once instead of twice. An input
  // found apart costs the waves settled before it was found, mostly the first.
  const unsigned threads = threads_of(options);
  try {
    Sink sink(plan, options, threads, out.stream(), errors.stream());
    const PipelineCounts counts = settle_streamed(plan, in, sink, options, threads, {0, 0, in.size()});
    sink.finish();
    return counts;
  } catch (const NotGroupedError&) {  // the sink is gone: nothing more is written
    // An output committed meanwhile (not by this function) cannot be emptied: the refusal stands.
    if (!out.discard() || !errors.discard()) throw;
  }
  in.rewind();
  return detail::settle_apart(plan, in, out, errors, options, threads);
}

std::vector<Record> read_input(InputFile& in, const PipelineOptions& o) {
  if (o.input == InputFormat::jsonl) return read_jsonl(in.stream(), o.limits);
  std::vector<Record> out;
  std::string error;
  if (!read_csv(in.stream(), [&](Record&& r) { out.push_back(std::move(r)); }, &error, o.limits)) {
    throw InputError(in.name() + ": " + error);
  }
  return out;
}

PipelineCounts write_outcomes(const Plan& plan, std::span<const Outcome> outcomes, std::ostream& out,
                              std::ostream& errors, const PipelineOptions& options) {
  Sink sink(plan, options, threads_of(options), out, errors);
  const PipelineCounts counts = write_all(outcomes, sink, options, 0, 0);
  sink.finish();
  return counts;
}

}  // namespace medsettle
