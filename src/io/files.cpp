// Inputs read with read(2)/pread(2), every call checked; outputs written
// to a temporary file and renamed into place; outputs that would overwrite
// an input refused before anything is written.
#include "medsettle/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <random>
#include <streambuf>

#include "core/text.hpp"
#include "io/fd_io.hpp"

namespace medsettle {

namespace {

using detail::message;

std::string error_text(int err) { return std::strerror(err); }

[[noreturn]] void io_error(Message m) { throw IoError(std::move(m)); }

// ---- temporary files to remove on a signal ---------------------------------------

constexpr std::size_t max_temporaries = 64;
std::array<std::atomic<char*>, max_temporaries> temporaries{};

void register_temporary(char* path) noexcept {
  for (auto& slot : temporaries) {
    char* expected = nullptr;
    if (slot.compare_exchange_strong(expected, path)) return;
  }
}

void unregister_temporary(char* path) noexcept {
  for (auto& slot : temporaries) {
    char* expected = path;
    if (slot.compare_exchange_strong(expected, nullptr)) return;
  }
}

extern "C" void remove_temporaries_and_reraise(int sig) {
  for (auto& slot : temporaries) {
    if (char* p = slot.exchange(nullptr)) ::unlink(p);
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// ---- reading ---------------------------------------------------------------------

class ReadBuffer final : public std::streambuf {
 public:
  ReadBuffer(int fd, const std::string& name) : fd_(fd), name_(name), buf_(1u << 20) {}
  [[nodiscard]] std::uint64_t consumed() const noexcept {
    return filled_ - static_cast<std::uint64_t>(egptr() - gptr());
  }
  void restart() {
    filled_ = 0;
    setg(buf_.data(), buf_.data(), buf_.data());
  }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    for (;;) {
      const ssize_t n = ::read(fd_, buf_.data(), buf_.size());
      if (n > 0) {
        filled_ += static_cast<std::uint64_t>(n);
        setg(buf_.data(), buf_.data(), buf_.data() + n);
        return traits_type::to_int_type(*gptr());
      }
      if (n == 0) return traits_type::eof();
      if (errno == EINTR) continue;
      io_error(message(N_("{}: read error at byte {}: {}"), name_, filled_, error_text(errno)));
    }
  }

  /// A large read (the line readers ask for a megabyte at a time) goes
  /// straight into the caller's room once the buffer's text is taken,
  /// instead of through the buffer and a second copy.
  std::streamsize xsgetn(char* into, std::streamsize n) override {
    constexpr std::streamsize direct = 64 * 1024;
    std::streamsize done = std::min<std::streamsize>(n, egptr() - gptr());
    if (done > 0) {
      std::memcpy(into, gptr(), static_cast<std::size_t>(done));
      setg(eback(), gptr() + done, egptr());
    }
    while (n - done >= direct) {
      const ssize_t got = ::read(fd_, into + done, static_cast<std::size_t>(n - done));
      if (got > 0) {
        filled_ += static_cast<std::uint64_t>(got);
        done += got;
        continue;
      }
      if (got == 0) return done;
      if (errno == EINTR) continue;
      io_error(message(N_("{}: read error at byte {}: {}"), name_, filled_, error_text(errno)));
    }
    return done < n ? done + std::streambuf::xsgetn(into + done, n - done) : done;
  }

 private:
  int fd_;
  const std::string& name_;
  std::vector<char> buf_;
  std::uint64_t filled_ = 0;
};

}  // namespace

struct InputFile::Impl {
  int fd = -1;
  bool owned = false;
  std::string name;
  struct stat st {};
  ReadBuffer buffer;
  std::istream stream;

  Impl(int fd_, bool owned_, std::string name_) : fd(fd_), owned(owned_), name(std::move(name_)), buffer(fd, name),
                                                   stream(&buffer) {
    stream.exceptions(std::ios::badbit);  // an IoError from the buffer reaches the caller
  }
  ~Impl() {
    if (owned && fd >= 0) ::close(fd);
  }
};

InputFile::InputFile(const std::string& path) {
  if (path.empty() || path == "-") {
    impl_ = std::make_unique<Impl>(0, false, "<stdin>");
    if (::fstat(0, &impl_->st) != 0) io_error(message(N_("standard input is closed: {}"), error_text(errno)));
  } else {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) io_error(message(N_("cannot open {}: {}"), path, error_text(errno)));
    impl_ = std::make_unique<Impl>(fd, true, path);
    if (::fstat(fd, &impl_->st) != 0) io_error(message(N_("cannot open {}: {}"), path, error_text(errno)));
  }
  if (S_ISDIR(impl_->st.st_mode)) io_error(message(N_("{}: is a directory, not a file"), impl_->name));
}

InputFile::InputFile(int fd, std::string name) {
  impl_ = std::make_unique<Impl>(fd, true, std::move(name));
  if (::fstat(fd, &impl_->st) != 0) io_error(message(N_("cannot open {}: {}"), impl_->name, error_text(errno)));
  if (S_ISDIR(impl_->st.st_mode)) io_error(message(N_("{}: is a directory, not a file"), impl_->name));
}

InputFile::~InputFile() = default;
InputFile::InputFile(InputFile&&) noexcept = default;
InputFile& InputFile::operator=(InputFile&&) noexcept = default;

std::istream& InputFile::stream() { return impl_->stream; }
const std::string& InputFile::name() const noexcept { return impl_->name; }
bool InputFile::regular() const noexcept { return S_ISREG(impl_->st.st_mode); }
std::uint64_t InputFile::size() const noexcept { return regular() ? static_cast<std::uint64_t>(impl_->st.st_size) : 0; }
std::uint64_t InputFile::offset() const noexcept { return impl_->buffer.consumed(); }
std::uint64_t InputFile::device() const noexcept { return static_cast<std::uint64_t>(impl_->st.st_dev); }
std::uint64_t InputFile::inode() const noexcept { return static_cast<std::uint64_t>(impl_->st.st_ino); }

void InputFile::rewind() {
  if (!regular()) io_error(message(N_("{}: cannot be read twice (not a regular file)"), impl_->name));
  if (::lseek(impl_->fd, 0, SEEK_SET) != 0) io_error(message(N_("{}: cannot seek: {}"), impl_->name, error_text(errno)));
  impl_->buffer.restart();
  impl_->stream.clear();
}

void InputFile::read_at(std::uint64_t offset, char* into, std::size_t n) const {
  std::size_t done = 0;
  const int e = detail::pread_fully(impl_->fd, into, n, offset, done);
  if (e < 0) {
    io_error(message(N_("{}: the file ended at byte {} (it changed while being read)"), impl_->name, offset + done));
  }
  if (e > 0) io_error(message(N_("{}: read error at byte {}: {}"), impl_->name, offset + done, error_text(e)));
}

int detail::write_fully(int fd, const char* p, std::size_t n) noexcept {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w > 0) {
      p += w;
      n -= static_cast<std::size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    return w < 0 ? errno : EIO;
  }
  return 0;
}

int detail::pread_fully(int fd, char* into, std::size_t n, std::uint64_t offset, std::size_t& done) noexcept {
  done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fd, into + done, n - done, static_cast<off_t>(offset + done));
    if (got > 0) {
      done += static_cast<std::size_t>(got);
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    return got == 0 ? -1 : errno;
  }
  return 0;
}

std::string read_small_file(const std::string& path, std::size_t max_bytes) {
  InputFile in(path);
  if (in.regular() && in.size() > max_bytes) {
    throw Error(message(N_("{}: {} bytes; a rule file may have at most {} bytes"), path, in.size(), max_bytes));
  }
  std::string text(max_bytes + 1, '\0');
  in.stream().read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.stream().gcount()));
  if (text.size() > max_bytes) {
    throw Error(message(N_("{}: more than {} bytes; a rule file may have at most {} bytes"), path, max_bytes, max_bytes));
  }
  return text;
}

// ---- writing ------------------------------------------------------------------------

namespace {

class WriteBuffer final : public std::streambuf {
 public:
  WriteBuffer(int fd, const std::string& name) : fd_(fd), name_(name), buf_(1u << 20) {
    setp(buf_.data(), buf_.data() + buf_.size());
  }
  void set_fd(int fd) noexcept { fd_ = fd; }
  /// Starts the disk's writing of what has been written, every `step` bytes
  /// (a file to be synced at the end: commit's fsync then waits for the last
  /// step only, not for the whole file; 0: never).
  void write_back_every(std::uint64_t step) noexcept { step_ = step; }
  /// Forgets what is held and not yet written, and where the file stood
  /// (the file itself is emptied by the caller).
  void drop() noexcept {
    setp(buf_.data(), buf_.data() + buf_.size());
    written_ = started_ = 0;
  }

 protected:
  int_type overflow(int_type c) override {
    drain();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (n >= static_cast<std::streamsize>(64u << 10)) {  // large writes go straight out, not copied
      drain();
      write_all(s, static_cast<std::size_t>(n));
      return n;
    }
    return std::streambuf::xsputn(s, n);
  }
  int sync() override {
    drain();
    return 0;
  }

 private:
  int fd_;
  const std::string& name_;
  std::vector<char> buf_;
  std::uint64_t step_ = 0, written_ = 0, started_ = 0;  ///< started_: where the last write-back ended

  void drain() {
    write_all(pbase(), static_cast<std::size_t>(pptr() - pbase()));
    setp(buf_.data(), buf_.data() + buf_.size());
  }
  void write_all(const char* p, std::size_t n) {
    if (const int e = detail::write_fully(fd_, p, n)) io_error(message(N_("{}: write error: {}"), name_, error_text(e)));
    written_ += n;
    if (step_ && written_ - started_ >= step_) {
#ifdef __linux__
      // A hint: the pages are queued for writing and this usually returns at
      // once (it waits when the device's queue is full); an error surfaces
      // in commit's fsync, which waits for them all.
      (void)::sync_file_range(fd_, static_cast<off_t>(started_), static_cast<off_t>(written_ - started_),
                              SYNC_FILE_RANGE_WRITE);
#endif
      started_ = written_;
    }
  }
};

std::string folder_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

struct OutputFile::Impl {
  int fd = -1;
  bool owned = false, atomic = false, committed = false;
  std::string name, target;
  std::unique_ptr<char[]> temporary;  // registered for removal on a signal
  WriteBuffer buffer;
  std::ostream stream;

  Impl() : buffer(-1, name), stream(&buffer) { stream.exceptions(std::ios::badbit); }
  ~Impl() {
    if (owned && fd >= 0) ::close(fd);
    if (atomic && !committed && temporary) {
      unregister_temporary(temporary.get());
      ::unlink(temporary.get());
    }
  }

  /// A temporary file beside the target, with the target's mode if it exists.
  void open_temporary(const struct stat* existing) {
    std::random_device rd;
    for (int attempt = 0; attempt < 100; ++attempt) {
      const std::string tmp = folder_of(target) + "/." + base_of(target) + ".medsettle-" + std::to_string(rd());
      fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd >= 0) {
        temporary = std::make_unique<char[]>(tmp.size() + 1);
        std::memcpy(temporary.get(), tmp.c_str(), tmp.size() + 1);
        register_temporary(temporary.get());
        if (existing) (void)::fchmod(fd, existing->st_mode & 07777);
        return;
      }
      if (errno != EEXIST) io_error(message(N_("cannot write {}: {}"), target, error_text(errno)));
    }
    io_error(message(N_("cannot write {}: no temporary file name is free"), target));
  }
};

OutputFile::OutputFile(const std::string& path, Fallback fallback) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  if (path.empty() || path == "-") {
    m.fd = fallback == Fallback::standard_error ? 2 : 1;
    m.name = fallback == Fallback::standard_error ? "<stderr>" : "<stdout>";
  } else {
    m.name = m.target = path;
    struct stat st {};
    const bool exists = ::stat(path.c_str(), &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) io_error(message(N_("cannot write {}: is a directory"), path));
    if (exists && !S_ISREG(st.st_mode)) {  // a terminal, a pipe, /dev/null: written directly
      m.fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
      if (m.fd < 0) io_error(message(N_("cannot write {}: {}"), path, error_text(errno)));
      m.owned = true;
    } else {
      m.atomic = m.owned = true;
      m.open_temporary(exists ? &st : nullptr);
    }
  }
  m.buffer.set_fd(m.fd);
  // A temporary file is synced before it is renamed into place: its pages go
  // to the disk while the run goes on, 8 MiB at a time, so that the sync at
  // the end has little left to wait for (it took 0.95 s for 1.3 GB).
  if (m.atomic) m.buffer.write_back_every(8u << 20);
}

OutputFile::~OutputFile() {
  if (!impl_) return;
  try {
    if (!impl_->atomic) impl_->stream.flush();  // a direct output keeps what was written
  } catch (...) {  // NOLINT: a destructor reports nothing; commit() does
  }
}
OutputFile::OutputFile(OutputFile&&) noexcept = default;
OutputFile& OutputFile::operator=(OutputFile&&) noexcept = default;

std::ostream& OutputFile::stream() { return impl_->stream; }
const std::string& OutputFile::name() const noexcept { return impl_->name; }
bool OutputFile::atomic() const noexcept { return impl_->atomic; }
bool OutputFile::is_terminal() const noexcept { return !impl_->atomic && ::isatty(impl_->fd) == 1; }

bool OutputFile::discard() {
  Impl& m = *impl_;
  if (!m.atomic || m.committed) return false;
  m.buffer.drop();
  m.stream.clear();
  if (::ftruncate(m.fd, 0) != 0 || ::lseek(m.fd, 0, SEEK_SET) != 0) {
    io_error(message(N_("cannot write {}: {}"), m.target, error_text(errno)));
  }
  return true;
}

void OutputFile::commit() {
  Impl& m = *impl_;
  m.stream.flush();
  if (!m.atomic || m.committed) return;
  if (::fsync(m.fd) != 0) io_error(message(N_("{}: cannot sync to disk: {}"), m.target, error_text(errno)));
  const int fd = m.fd;
  m.fd = -1;
  if (::close(fd) != 0) io_error(message(N_("{}: write error: {}"), m.target, error_text(errno)));
  if (::rename(m.temporary.get(), m.target.c_str()) != 0) {
    io_error(message(N_("cannot put {} in place: {}"), m.target, error_text(errno)));
  }
  m.committed = true;
  unregister_temporary(m.temporary.get());
  // The rename is durable once the folder is synced; a folder that cannot be
  // opened or synced leaves the file in place all the same.
  const int dir = ::open(folder_of(m.target).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    (void)::fsync(dir);
    ::close(dir);
  }
}

void remove_temporary_files_on_signals() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction sa {};
    sa.sa_handler = remove_temporaries_and_reraise;
    sigemptyset(&sa.sa_mask);
    ::sigaction(sig, &sa, nullptr);
  }
}

// ---- distinct files -------------------------------------------------------------------

namespace {

struct Identity {
  const NamedFile* file = nullptr;
  bool exists = false, regular = false;
  dev_t dev = 0;
  ino_t ino = 0;
  std::string resolved;  ///< for an output that does not exist yet: its folder resolved, then its name
};

Identity identify(const NamedFile& f) {
  Identity id;
  id.file = &f;
  struct stat st {};
  if (::stat(f.path.c_str(), &st) == 0) {
    id.exists = true;
    id.regular = S_ISREG(st.st_mode);
    id.dev = st.st_dev;
    id.ino = st.st_ino;
    return id;
  }
  char buf[PATH_MAX];
  if (::realpath(folder_of(f.path).c_str(), buf)) id.resolved = std::string(buf) + "/" + base_of(f.path);
  return id;
}

bool same(const Identity& a, const Identity& b) {
  if (a.regular && b.regular) return a.dev == b.dev && a.ino == b.ino;
  return !a.exists && !b.exists && !a.resolved.empty() && a.resolved == b.resolved;
}

}  // namespace

void check_distinct_files(const std::vector<NamedFile>& inputs, const std::vector<NamedFile>& outputs) {
  auto standard = [](const NamedFile& f) { return f.path.empty() || f.path == "-"; };
  std::vector<Identity> ins, outs;
  for (const NamedFile& f : inputs) {
    if (!standard(f)) ins.push_back(identify(f));
  }
  for (const NamedFile& f : outputs) {
    if (standard(f)) continue;
    const Identity out = identify(f);
    for (const auto* seen : {&ins, &outs}) {
      for (const Identity& other : *seen) {
        if (!same(out, other)) continue;
        throw UsageError(message(N_("{} {} is the same file as {} {}: nothing was written"), f.option, f.path,
                                 other.file->option, other.file->path));
      }
    }
    outs.push_back(out);
  }
}

}  // namespace medsettle
