// Settling a file whose stays are not grouped by person, JSON Lines or CSV,
// in bounded memory (issue #15 item 5). A first pass reads every record once
// and keeps, per record, only where it is (byte offset and length), its
// line, its person's number and whether its stay id came earlier (a plain
// JSON Lines record's two ids are read without the parser, and checked
// against the parser's reading when the record is read again). Persons
// are then settled in waves of about `wave_bytes` of input: a wave reads its
// records back with pread (never mmap: a disk error stays an IoError),
// parses and settles them as the whole-file mode does, and spills the text
// of their outcomes, in input order within the wave, to a temporary file.
// Last, the texts are written from the spill in input order: each wave's
// text is read in order, so every wave has one cursor reading large pieces.
// The two formats differ only in how a record is found and parsed (Format).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <system_error>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/engine_internal.hpp"
#include "core/id_table.hpp"
#include "core/text.hpp"
#include "io/csv_internal.hpp"
#include "io/chunk_writer.hpp"
#include "io/fd_io.hpp"
#include "io/line_source.hpp"
#include "io/pipeline_internal.hpp"
#include "io/stream_internal.hpp"

namespace medsettle::detail {

namespace {

/// A temporary file, unlinked as soon as it is made: nothing is left in the
/// folder, whatever ends the run. Every read and write is checked.
class Spill {
 public:
  Spill() {
    const char* dir = std::getenv("TMPDIR");
    const std::string folder = dir && *dir ? dir : "/tmp";
    std::string path = folder + "/.medsettle-spill-XXXXXX";
    fd_ = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd_ < 0) {
      throw IoError(message(N_("cannot make a temporary file in {}: {}"), folder, std::strerror(errno)));
    }
    ::unlink(path.c_str());
  }
  Spill(const Spill&) = delete;
  Spill& operator=(const Spill&) = delete;
  ~Spill() {
    if (fd_ >= 0) ::close(fd_);
  }

  /// Gives the descriptor away (to an InputFile).
  int release() noexcept { return std::exchange(fd_, -1); }

  void append(const char* p, std::size_t n) {
    if (const int e = write_fully(fd_, p, n)) {
      throw IoError(message(N_("a temporary file: write error: {}"), std::strerror(e)));
    }
  }

  void read_at(std::uint64_t offset, char* into, std::size_t n) const {
    std::size_t done = 0;
    if (const int e = pread_fully(fd_, into, n, offset, done)) {
      throw IoError(message(N_("a temporary file: read error at byte {}: {}"), offset + done,
                            std::strerror(e < 0 ? EIO : e)));
    }
  }

 private:
  int fd_ = -1;
};

/// One record of the input. Before its wave: where its text is in the
/// input; after: the length of its outcome's text in the spill.
struct Entry {
  std::uint64_t offset = 0;
  std::uint64_t line = 0;
  std::uint32_t length = 0;
  std::uint32_t group = 0;  ///< its person's number, then its wave's
  std::uint8_t mark = 0;    ///< the format's note (Found::mark)
  bool duplicate = false;   ///< its stay id was an earlier record's
  bool settled = false;     ///< its outcome is a settlement
};

/// A record as the first pass finds it: where its text is, its line, and a
/// mark the format reads it again with (CSV: a record malformed as a whole,
/// read again without its text, which is then not kept: length 0).
struct Found {
  std::uint64_t offset = 0, length = 0, line = 0;
  std::uint8_t mark = 0;
};

/// What the two passes need of the input's format.
class Format {
 public:
  /// Takes a batch of records found, in input order (found[i] is where records[i] is).
  using See = std::function<void(std::span<const Found> found, std::span<const Record> records)>;
  virtual ~Format() = default;
  /// The first pass: every record of `in`, parsed, with where it is, in input order, a batch at a time.
  virtual void scan(InputFile& in, const See& see) = 0;
  /// How many threads may call read() at once, each with its own `reader`.
  [[nodiscard]] virtual std::size_t readers() const = 0;
  /// How many times smaller its records are than JSON Lines records of the same stays (about).
  [[nodiscard]] virtual unsigned smaller() const = 0;
  /// The second pass: the record found on `line`, its text read back.
  virtual Record read(std::size_t reader, const Line& line, std::uint8_t mark) = 0;
  /// Whether the first pass read `rec`'s ids (its person, and its stay id
  /// as the duplicate check counts it) from `line` as the second pass's
  /// parser reads them: if not, its index may be wrong.
  [[nodiscard]] virtual bool agrees(const Line& line, const Record& rec) const = 0;
};

/// Whether a record's stay id counts in the duplicate check: a valid
/// record's always, a rejected one's if it could be read.
bool has_stay_id(const Record& rec) { return !rec.rejection || rec.has_stay_id; }

/// The first pass's reading of a JSON Lines record differed from the
/// parser's (quick_ids on a record the parser rejects): its index is to be
/// made again with the parser.
struct QuickIdsDiffer {};

struct Index {
  std::vector<Entry> entries;
  std::vector<std::uint64_t> person_bytes;  ///< input bytes of each person's records
  std::uint64_t bytes = 0;                  ///< of all records
};

std::vector<JsonStayReader> readers_for(unsigned threads, const ReadLimits& limits) {
  std::vector<JsonStayReader> readers;
  for (unsigned t = 0; t < std::max(1u, threads); ++t) readers.emplace_back(limits);
  return readers;
}

/// JSON Lines. With `quick`, the first pass reads a plain record's ids
/// without the parser (quick_ids: the index needs nothing else), and the
/// second pass checks each against the parser's reading (agrees).
class JsonFormat final : public Format {
 public:
  JsonFormat(const PipelineOptions& o, unsigned threads, bool quick)
      : limits_(o.limits), readers_(readers_for(threads, o.limits)), quick_(quick) {}

  /// A batch is seen (its ids noted in the index) on a thread beside this
  /// one while the next is read and parsed: two batches' records, in turn.
  void scan(InputFile& in, const See& see) override {
    LineSource source(in.stream(), limits_.max_record_bytes);
    std::vector<Line> lines;
    std::array<std::vector<Record>, 2> records;
    std::array<std::vector<Found>, 2> found;
    Beside seeing;
    bool more = true;
    for (std::size_t turn = 0; more; turn ^= 1) {
      more = source.next_batch(lines, 16384);  // two batches held: the room one of 32,768 took
      std::vector<Record>& batch = records[turn];  // seen two batches ago: free again
      batch.clear();
      batch.resize(lines.size());  // made anew, not copies of a blank one
      each_in_slices(lines.size(), readers_.size(), [&](std::size_t t, std::size_t i) {
        if (!ids_only(lines[i], batch[i])) read_line(readers_[t], lines[i], batch[i]);  // where the line is
      });
      std::vector<Found>& where = found[turn];
      where.clear();
      for (const Line& l : lines) where.push_back(Found{l.offset, l.text.size(), l.number});
      seeing.run([&see, &where, &batch] { see(where, batch); });  // the batch before is seen first
    }
    seeing.wait();
  }
  [[nodiscard]] std::size_t readers() const override { return readers_.size(); }
  [[nodiscard]] unsigned smaller() const override { return 1; }
  Record read(std::size_t reader, const Line& line, std::uint8_t) override {
    return readers_[reader].read(line.text, line.number);
  }
  [[nodiscard]] bool agrees(const Line& line, const Record& rec) const override {
    std::string_view stay, person;
    if (!quick(line, stay, person)) return true;  // the first pass parsed it too
    // A stay id read counts in the duplicate check, valid record or not (has_stay_id).
    return rec.has_stay_id && rec.stay.stay_id == stay && rec.has_person_id && rec.stay.person_id == person;
  }

 private:
  ReadLimits limits_;
  std::vector<JsonStayReader> readers_;
  bool quick_;

  /// The ids the first pass takes without the parser, if it does.
  bool quick(const Line& line, std::string_view& stay, std::string_view& person) const {
    return quick_ && line.text.size() <= limits_.max_record_bytes && quick_ids(line.text, stay, person);
  }
  /// Makes `rec` (as default-constructed) a record of the line's ids only, if quick() reads them.
  bool ids_only(const Line& line, Record& rec) const {
    std::string_view stay, person;
    if (!quick(line, stay, person)) return false;
    rec.line = line.number;
    rec.stay.stay_id.assign(stay);
    rec.stay.person_id.assign(person);
    rec.has_stay_id = rec.has_person_id = true;
    return true;
  }
};

/// CSV: the header is read once, in the first pass, and applied to every record read again.
class CsvFormat final : public Format {
 public:
  CsvFormat(const PipelineOptions& o, unsigned threads) : limits_(o.limits), threads_(std::max(1u, threads)) {}

  void scan(InputFile& in, const See& see) override {
    CsvRecords records(in.stream(), limits_, in.name());
    constexpr std::size_t batch = 4096;
    std::vector<Record> held;  // grown to a batch as records come (a small file makes a few)
    std::vector<Found> found;
    CsvPlace place;
    while (true) {
      if (found.size() == held.size()) held.emplace_back();
      if (!records.next(held[found.size()], place)) break;
      found.push_back(Found{place.offset, place.mark ? 0 : place.length, place.line, place.mark});
      if (found.size() == batch) {
        see(found, held);
        found.clear();
      }
    }
    see(found, std::span<const Record>(held).first(found.size()));
    for (unsigned t = 0; t < threads_; ++t) readers_.push_back(records.rereader());
  }
  [[nodiscard]] std::size_t readers() const override { return readers_.size(); }
  /// A generated stay: 130 bytes of CSV, 540 of JSON Lines (with fee lines).
  [[nodiscard]] unsigned smaller() const override { return 4; }
  Record read(std::size_t reader, const Line& line, std::uint8_t mark) override {
    return readers_[reader].read(line.text, CsvPlace{line.offset, line.text.size(), line.number, mark});
  }
  [[nodiscard]] bool agrees(const Line&, const Record&) const override { return true; }  // read the same way twice

 private:
  ReadLimits limits_;
  unsigned threads_;
  std::vector<CsvRereader> readers_;
};

/// The hashes of a record's person and stay ids (0 for one it lacks).
struct IdHashes {
  std::uint64_t person = 0, stay = 0;
};

/// Notes one record: its person's number (a record without a person has a
/// number of its own) and whether its stay id was seen before, as the batch
/// decides it (SEMANTICS.md §11: a stay id the kept ledger holds is that
/// ledger's duplicate, not a first copy). `h`: its ids' hashes.
void note(Index& index, IdTable& persons, IdTable& stays, const Record& rec, const Found& found, const IdHashes& h,
          const LedgerBook* ledgers) {
  if (found.length > std::numeric_limits<std::uint32_t>::max()) {
    throw InputError(message(N_("line {}: a record of more than 4 GiB cannot be settled"), found.line));
  }
  if (index.entries.size() + 1 >= IdTable::max_values) throw std::length_error("settle: more than 2^32 - 2 records");
  Entry e;
  e.offset = found.offset;
  e.line = found.line;
  e.length = static_cast<std::uint32_t>(found.length);
  e.mark = found.mark;
  const auto next = static_cast<std::uint32_t>(index.person_bytes.size());
  e.group = rec.has_person_id ? persons.insert_copy(rec.stay.person_id, h.person, next).first : next;
  if (e.group == next) index.person_bytes.push_back(0);
  index.person_bytes[e.group] += e.length;
  index.bytes += e.length;
  if (has_stay_id(rec) && !(ledgers && ledgers->holds(rec.stay.stay_id))) {
    e.duplicate = !stays.insert_copy(rec.stay.stay_id, h.stay, 0).second;
  }
  index.entries.push_back(e);
}

/// The first pass: every record parsed and noted, none kept. The id tables
/// are large and reached at random: a batch's ids are hashed first, and
/// each record's inserts load the slots of the record `ahead` places on.
Index index_input(InputFile& in, Format& format, const PipelineOptions& o) {
  Index index;
  IdTable persons, stays;
  std::vector<IdHashes> hashes;
  constexpr std::size_t ahead = 8;
  format.scan(in, [&](std::span<const Found> found, std::span<const Record> records) {
    hashes.resize(records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
      const Record& r = records[i];
      hashes[i] = {r.has_person_id ? IdTable::hash(r.stay.person_id) : 0,
                   has_stay_id(r) ? IdTable::hash(r.stay.stay_id) : 0};
    }
    for (std::size_t i = 0; i < records.size(); ++i) {
      if (i + ahead < records.size()) {
        if (records[i + ahead].has_person_id) persons.prefetch(hashes[i + ahead].person);
        if (has_stay_id(records[i + ahead])) stays.prefetch(hashes[i + ahead].stay);
      }
      note(index, persons, stays, records[i], found[i], hashes[i], o.ledgers);
    }
  });
  return index;
}

/// Gives each person a wave (persons in order of their first record, about
/// `wave_bytes` of input a wave) and each record its person's wave; returns
/// the number of waves.
std::uint32_t assign_waves(Index& index, std::uint64_t wave_bytes) {
  std::vector<std::uint32_t> wave_of(index.person_bytes.size());
  std::uint32_t wave = 0;
  std::uint64_t held = 0;
  for (std::size_t p = 0; p < wave_of.size(); ++p) {
    if (held > 0 && held + index.person_bytes[p] > wave_bytes) {
      ++wave;
      held = 0;
    }
    wave_of[p] = wave;
    held += index.person_bytes[p];
  }
  for (Entry& e : index.entries) e.group = wave_of[e.group];
  index.person_bytes = {};
  return index.entries.empty() ? 0 : wave + 1;
}

/// The records of each wave, in input order: waves[start[w], start[w+1]).
struct WaveOrder {
  std::vector<std::uint32_t> records;
  std::vector<std::size_t> start;
};

WaveOrder order_waves(const std::vector<Entry>& entries, std::uint32_t waves) {
  WaveOrder order;
  order.start.assign(waves + 1, 0);
  for (const Entry& e : entries) ++order.start[e.group + 1];
  for (std::uint32_t w = 0; w < waves; ++w) order.start[w + 1] += order.start[w];
  order.records.resize(entries.size());
  std::vector<std::size_t> at(order.start.begin(), order.start.end() - 1);
  for (std::size_t i = 0; i < entries.size(); ++i) order.records[at[entries[i].group]++] = static_cast<std::uint32_t>(i);
  return order;
}

/// Room for a wave's texts, one after another: kept between waves (grown,
/// never shrunk) and never zeroed, as every byte of it that is read is
/// written first.
class WaveText {
 public:
  char* room_for(std::size_t n) {
    if (n > room_) {
      bytes_.reset();
      room_ = n + n / 8;  // a wave a little larger than the last does not make it again
      bytes_ = std::make_unique_for_overwrite<char[]>(room_);
    }
    return bytes_.get();
  }

 private:
  std::unique_ptr<char[]> bytes_;
  std::size_t room_ = 0;
};

/// Reads the texts of `mine` (in input order) into `text` and makes their
/// lines, on up to `threads` threads, each reading a slice of the records:
/// records close together are read with one pread through the thread's
/// `scratch` (kept between waves: grown, never shrunk, so zeroed once, not
/// at every wave).
void read_wave(const InputFile& in, const std::vector<Entry>& entries, std::span<const std::uint32_t> mine,
               WaveText& text, std::vector<Line>& lines, std::vector<std::vector<char>>& scratch, unsigned threads) {
  constexpr std::uint64_t max_gap = 16u << 10, max_piece = 4u << 20;
  std::size_t total = 0;
  for (std::uint32_t i : mine) total += entries[i].length;
  char* const base = text.room_for(total);
  lines.resize(mine.size());
  std::size_t at = 0;
  for (std::size_t k = 0; k < mine.size(); ++k) {
    const Entry& e = entries[mine[k]];
    lines[k] = Line{std::string_view(base + at, e.length), e.line, e.offset};
    at += e.length;
  }
  // Slices of at least 1,024 records: a thread for fewer costs more than it saves.
  const std::size_t slices = std::clamp<std::size_t>(mine.size() / 1024, 1, std::max(1u, threads));
  if (scratch.size() < slices) scratch.resize(slices);
  auto work = [&](std::size_t t) {
    std::vector<char>& piece = scratch[t];
    const std::size_t last = mine.size() * (t + 1) / slices;
    for (std::size_t k = mine.size() * t / slices; k < last;) {
      const std::uint64_t from = entries[mine[k]].offset;
      std::uint64_t to = from + entries[mine[k]].length;
      std::size_t end = k + 1;
      while (end < last) {
        const Entry& e = entries[mine[end]];
        if (e.offset - to > max_gap || e.offset + e.length - from > max_piece) break;
        to = e.offset + e.length;
        ++end;
      }
      if (piece.size() < to - from) piece.resize(to - from);
      in.read_at(from, piece.data(), to - from);
      for (; k < end; ++k) {
        const Entry& e = entries[mine[k]];
        std::memcpy(base + (lines[k].text.data() - base), piece.data() + (e.offset - from), e.length);
      }
    }
  };
  run_slices(slices, work);
}

/// Settles, formats and spills the records of one wave. The spill is
/// written on a writer thread while the next outcomes are formatted.
class WaveSettler {
 public:
  WaveSettler(const Plan& plan, InputFile& in, Format& format, const PipelineOptions& o, unsigned threads,
              Spill& spill)
      : plan_(plan),
        in_(in),
        format_(format),
        options_(o),
        threads_(threads),
        writer_([&spill](const std::string& text) { spill.append(text.data(), text.size()); },
                [](const std::string&) {}) {  // a rejection's text goes with the settlements' (Chunk::out)
    batch_.threads = threads;
    batch_.settle = o.settle;
    batch_.ledgers = o.ledgers;
  }

  void settle(std::vector<Entry>& entries, std::span<const std::uint32_t> mine) {
    read_wave(in_, entries, mine, text_, lines_, scratch_, threads_);
    records_.resize(mine.size());  // each as default-constructed (the last wave left them so)
    std::atomic<bool> differ{false};
    each_in_slices(mine.size(), format_.readers(), [&](std::size_t t, std::size_t k) {
      if (k + 2 < lines_.size()) ask_for_line(lines_[k + 2].text);  // the slice's next but one, or another's
      records_[k] = format_.read(t, lines_[k], entries[mine[k]].mark);
      if (!format_.agrees(lines_[k], records_[k])) differ.store(true, std::memory_order_relaxed);
    });
    if (differ.load()) throw QuickIdsDiffer{};
    std::vector<const Record*> refs(mine.size());
    std::vector<Outcome> outcomes(mine.size());
    for (std::size_t k = 0; k < mine.size(); ++k) {
      const Record& rec = records_[k];
      if (!entries[mine[k]].duplicate) {
        refs[k] = &rec;
        continue;
      }
      outcomes[k] = rejection(rec.stay.stay_id, rec.line, ErrorCode::duplicate_stay_id, "stay_id",
                              message(N_("stay_id: '{}' already used by an earlier record"), rec.stay.stay_id));
    }
    settle_batch_into(plan_, refs, outcomes, batch_);
    // The records are done with: emptied on the threads (freeing them took a
    // tenth of this thread's time), their places kept for the next wave.
    each_in_slices(records_.size(), format_.readers(), [&](std::size_t, std::size_t k) { records_[k] = Record(); });
    spill(entries, mine, outcomes);
  }

  /// The bytes of text given to the spill so far (written, or waiting to be).
  [[nodiscard]] std::uint64_t spilled() const noexcept { return spilled_; }
  /// The first `bytes` given are in the spill, its writer going on; rethrows its write error.
  void drain_to(std::uint64_t bytes) { writer_.drain_to(bytes); }
  /// Everything given is in the spill; rethrows its write error.
  void finish() { writer_.finish(); }

 private:
  const Plan& plan_;
  InputFile& in_;
  Format& format_;
  const PipelineOptions& options_;
  unsigned threads_;
  ChunkWriter writer_;
  std::uint64_t spilled_ = 0;
  BatchOptions batch_;
  WaveText text_;
  std::vector<Line> lines_;
  std::vector<Record> records_;
  std::vector<std::vector<char>> scratch_;  ///< read_wave's, a thread each
  std::vector<Chunk> texts_;  ///< spill(): a round's pieces of text

  /// Formats the outcomes and gives their text to the spill in order, in
  /// rounds: each round formats up to threads_ pieces of `per_piece`
  /// outcomes, a thread each. The text held is a few rounds' (their room
  /// reused), not the wave's: a wave's text in one string a thread grew by
  /// copying, came from fresh pages every wave and was as large as the
  /// wave's records. Each outcome is emptied once formatted.
  void spill(std::vector<Entry>& entries, std::span<const std::uint32_t> mine, std::vector<Outcome>& outcomes) {
    constexpr std::size_t per_piece = 2048;
    const std::size_t n = outcomes.size();
    const std::size_t pieces = (n + per_piece - 1) / per_piece;
    const std::size_t at_once = std::max<std::size_t>(1, threads_);
    for (std::size_t first = 0; first < pieces; first += at_once) {
      const std::size_t round = std::min(at_once, pieces - first);
      texts_.resize(round);
      for (Chunk& c : texts_) c = writer_.recycled();
      auto work = [&](std::size_t t) {
        std::string& text = texts_[t].out;
        for (std::size_t k = (first + t) * per_piece, end = std::min(n, k + per_piece); k < end; ++k) {
          const std::size_t before = text.size();
          format_outcome(outcomes[k], text, text, options_);
          Entry& e = entries[mine[k]];
          e.length = static_cast<std::uint32_t>(text.size() - before);
          e.settled = outcomes[k].settled();
          outcomes[k] = Outcome();  // freed here, on the formatting thread
        }
      };
      run_slices(round, work);
      for (Chunk& c : texts_) {
        spilled_ += c.out.size();
        writer_.push(std::move(c));
      }
    }
  }
};

/// Room for reading the spill: pieces of one size, handed on from a wave's
/// cursor that is done to the next wave's. Never zeroed (every byte read is
/// written first): a cursor's string, zeroed at each read and made anew for
/// each wave, was a third of the run's page faults on shuffled input.
class Pieces {
 public:
  explicit Pieces(std::size_t size) : size_(size) {}
  std::size_t size() const { return size_; }
  std::unique_ptr<char[]> take() {
    if (free_.empty()) return std::make_unique_for_overwrite<char[]>(size_);
    std::unique_ptr<char[]> p = std::move(free_.back());
    free_.pop_back();
    return p;
  }
  void give(std::unique_ptr<char[]> p) { free_.push_back(std::move(p)); }

 private:
  std::size_t size_;
  std::vector<std::unique_ptr<char[]>> free_;
};

/// Reads one wave's texts from the spill in order, a large piece at a time.
class Cursor {
 public:
  Cursor(std::uint64_t from, std::uint64_t to) : next_(from), end_(to) {}

  /// The next `n` bytes of the wave's texts (valid until the next call).
  std::string_view take(const Spill& spill, Pieces& pieces, std::size_t n) {
    if (held_ - at_ < n) {
      const std::size_t left = held_ - at_;
      if (room_ < n) {  // the first read, or a text larger than a piece: room made
        const std::size_t room = std::max(pieces.size(), n);
        std::unique_ptr<char[]> bigger =
            room == pieces.size() ? pieces.take() : std::make_unique_for_overwrite<char[]>(room);
        if (left > 0) std::memcpy(bigger.get(), bytes_.get() + at_, left);
        give_back(pieces);
        bytes_ = std::move(bigger);
        room_ = room;
      } else if (left > 0) {
        std::memmove(bytes_.get(), bytes_.get() + at_, left);
      }
      at_ = 0;
      held_ = left;
      const std::size_t more = static_cast<std::size_t>(std::min<std::uint64_t>(room_ - left, end_ - next_));
      if (left + more < n) throw std::logic_error("settle_apart: the spill ends inside a text");
      spill.read_at(next_, bytes_.get() + left, more);
      next_ += more;
      held_ += more;
    }
    const std::string_view text(bytes_.get() + at_, n);
    at_ += n;
    return text;
  }

  /// Once the wave's texts are all taken (and written), its room goes to the next wave's cursor.
  void release_if_done(Pieces& pieces) {
    if (at_ == held_ && next_ == end_) give_back(pieces);
  }

 private:
  void give_back(Pieces& pieces) {
    if (bytes_ && room_ == pieces.size()) pieces.give(std::move(bytes_));
    bytes_.reset();
    room_ = held_ = at_ = 0;
  }

  std::uint64_t next_, end_;
  std::unique_ptr<char[]> bytes_;
  std::size_t room_ = 0;  ///< bytes_'s size
  std::size_t held_ = 0;  ///< bytes_[0, held_) read from the spill
  std::size_t at_ = 0;    ///< bytes_[at_, held_) not taken yet
};

/// Writes the records' outcome texts from the spill to the outputs in input
/// order, as far as the waves spilled so far go: this thread reads the
/// spill into chunks of about a megabyte, a writer thread writes them.
class Merger {
 public:
  Merger(const Index& index, std::size_t waves, const Spill& spill, std::ostream& out, std::ostream& errors)
      : index_(index),
        spill_(spill),
        // Bytes of the spill held for all cursors together: a sixty-fourth
        // of the input, within [4 MiB, 64 MiB]. Every wave's cursor lives
        // until nearly the end of a shuffled input, so all hold their piece
        // at once, each first touched: a quarter of the input (54 MiB at
        // 400,000 stays) was 14,000 page faults, and ran 15% slower than
        // 4 MiB (bench/README.md). A fixed 64 MiB was most of a small file's peak.
        pieces_(std::clamp<std::size_t>(
            static_cast<std::size_t>(std::clamp<std::uint64_t>(index.bytes / 64, 4u << 20, 64u << 20)) /
                std::max<std::size_t>(1, waves),
            64u << 10, 4u << 20)),
        writer_(in_pieces(out), in_pieces(errors)) {
    counts_.read = index.entries.size();
    chunk_ = writer_.recycled();
  }

  /// Writes the records before `end`. `wave_start`: where each wave's texts
  /// start in the spill, and where the last wave's end; every record
  /// before `end` is in one of those waves, and the spill holds their texts.
  void write_to(std::size_t end, const std::vector<std::uint64_t>& wave_start) {
    constexpr std::size_t chunk_bytes = 1u << 20;
    for (std::size_t w = cursors_.size(); w + 1 < wave_start.size(); ++w) {
      cursors_.emplace_back(wave_start[w], wave_start[w + 1]);
    }
    for (; next_ < end; ++next_) {
      const Entry& e = index_.entries[next_];
      const std::string_view text = cursors_[e.group].take(spill_, pieces_, e.length);
      (e.settled ? chunk_.out : chunk_.err).append(text);
      cursors_[e.group].release_if_done(pieces_);
      (e.settled ? counts_.settled : counts_.rejected) += 1;
      if (chunk_.out.size() + chunk_.err.size() >= chunk_bytes) {
        writer_.push(std::move(chunk_));
        chunk_ = writer_.recycled();
      }
    }
  }

  /// Everything given is written; rethrows a write error.
  PipelineCounts finish() {
    writer_.push(std::move(chunk_));
    writer_.finish();
    return counts_;
  }

 private:
  const Index& index_;
  const Spill& spill_;
  Pieces pieces_;
  std::vector<Cursor> cursors_;
  std::size_t next_ = 0;  ///< the first record not yet written
  PipelineCounts counts_;
  ChunkWriter writer_;
  Chunk chunk_;
};

/// A wave's input, unless the options say: a thirty-second of the records' bytes, within [4 MiB,
/// 128 MiB], for JSON Lines, which a wave holds about 4.5 times (its text, records and outcomes, as
/// the whole-file mode); a format whose records are smaller for the same stays, a part of that (the
/// same stays a wave). An eighth held twice the memory and ran slower at a million stays: more
/// pages faulted in, and more of the output left to write after the last wave (bench/README.md).
std::uint64_t wave_bytes_of(const PipelineOptions& o, const Index& index, const Format& format) {
  if (o.wave_bytes) return o.wave_bytes;
  return std::clamp<std::uint64_t>(index.bytes * format.smaller() / 32, 4u << 20, 128u << 20) / format.smaller();
}

}  // namespace

namespace {

/// settle_apart, the JSON Lines records' ids read without the parser where
/// they are plain (`quick`): throws QuickIdsDiffer if a record's differ
/// from the parser's, before writing anything unless `early`. With
/// `early`, the texts are written as the waves allow, a wave behind: persons
/// are put in waves in order of their first record, so every record before
/// the first of wave w + 1 is of wave w or one before it, and is written
/// after wave w + 1.
PipelineCounts settle_apart_reading(const Plan& plan, InputFile& in, std::ostream& out, std::ostream& errors,
                                    const PipelineOptions& options, unsigned threads, bool quick, bool early) {
  std::unique_ptr<Format> format;
  if (options.input == InputFormat::csv) format = std::make_unique<CsvFormat>(options, threads);
  else format = std::make_unique<JsonFormat>(options, threads, quick);
  Index index = index_input(in, *format, options);
  const std::uint32_t waves = assign_waves(index, wave_bytes_of(options, index, *format));
  WaveOrder order = order_waves(index.entries, waves);
  Spill spill;
  std::optional<Merger> merger;  // made when the first text is written, the CSV header before it
  std::vector<std::uint64_t> wave_start{0};
  auto write_to = [&](std::size_t end) {
    if (!merger) {
      if (options.output == OutputFormat::csv) out << csv_header(plan, csv_options_of(options)) << '\n';
      merger.emplace(index, waves, spill, out, errors);
    }
    merger->write_to(end, wave_start);
  };
  {
    WaveSettler settler(plan, in, *format, options, threads, spill);
    for (std::uint32_t w = 0; w < waves; ++w) {
      const std::span<const std::uint32_t> mine(order.records.data() + order.start[w],
                                                order.start[w + 1] - order.start[w]);
      settler.settle(index.entries, mine);
      wave_start.push_back(settler.spilled());
      // A wave behind: the wave before this one was written to the spill
      // while this one was settled, so waiting for its texts is short.
      if (early && w >= 1) {
        settler.drain_to(wave_start[w]);  // the texts of the waves before this one in the spill
        write_to(order.records[order.start[w]]);
      }
      if (options.progress) options.progress({order.start[w + 1], in.size() * (w + 1) / waves, in.size()});
    }
    settler.finish();  // the spill whole before it is read
  }
  order = {};
  write_to(index.entries.size());
  const PipelineCounts counts = merger->finish();
  out.flush();
  errors.flush();
  return counts;
}

}  // namespace

PipelineCounts settle_apart(const Plan& plan, InputFile& in, std::ostream& out, std::ostream& errors,
                            const PipelineOptions& options, unsigned threads) {
  try {
    return settle_apart_reading(plan, in, out, errors, options, threads, options.input == InputFormat::jsonl, false);
  } catch (const QuickIdsDiffer&) {
    // Nothing is written yet: the spill goes with the first attempt.
  }
  in.rewind();
  return settle_apart_reading(plan, in, out, errors, options, threads, false, false);
}

PipelineCounts settle_apart(const Plan& plan, InputFile& in, OutputFile& out, OutputFile& errors,
                            const PipelineOptions& options, unsigned threads) {
  if (!out.atomic() || !errors.atomic()) return settle_apart(plan, in, out.stream(), errors.stream(), options, threads);
  try {
    return settle_apart_reading(plan, in, out.stream(), errors.stream(), options, threads,
                                options.input == InputFormat::jsonl, true);
  } catch (const QuickIdsDiffer&) {
    // What was written is taken back (both outputs are temporary files not yet committed).
    if (!out.discard() || !errors.discard()) throw std::logic_error("settle_apart: an output could not be emptied");
  }
  in.rewind();
  return settle_apart_reading(plan, in, out.stream(), errors.stream(), options, threads, false, true);
}

InputFile spill_input(InputFile& in) {
  Spill spill;
  std::vector<char> block(1u << 20);
  std::istream& from = in.stream();
  while (from) {
    from.read(block.data(), static_cast<std::streamsize>(block.size()));
    spill.append(block.data(), static_cast<std::size_t>(from.gcount()));
  }
  InputFile copy(spill.release(), in.name());
  copy.rewind();
  return copy;
}

}  // namespace medsettle::detail
