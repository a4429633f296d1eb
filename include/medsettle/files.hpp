// medsettle/files.hpp: the files a run reads and writes, so that nothing is
// lost at the edges: a read error is an error (never taken for the end of
// the input), an output file is written whole or not at all, and an output
// never overwrites an input.
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "medsettle/errors.hpp"
#include "medsettle/export.hpp"

namespace medsettle {

/// An input file, or standard input ("" or "-"), read with read(2) and
/// pread(2) (never mapped: a disk error stays an error, not a SIGBUS).
/// Every read is checked: an error throws IoError naming the file and the
/// byte offset. A directory, or a closed standard input, is an error when
/// opened.
class MEDSETTLE_API InputFile {
 public:
  explicit InputFile(const std::string& path);
  /// Takes over an open descriptor (closed with the InputFile), named `name` in errors.
  InputFile(int fd, std::string name);
  ~InputFile();
  InputFile(InputFile&&) noexcept;
  InputFile& operator=(InputFile&&) noexcept;

  /// The file as a stream (reading errors throw IoError).
  [[nodiscard]] std::istream& stream();
  /// The path given, or "<stdin>".
  [[nodiscard]] const std::string& name() const noexcept;
  /// A regular file: its size is known and it can be read again (rewind, read_at).
  [[nodiscard]] bool regular() const noexcept;
  [[nodiscard]] std::uint64_t size() const noexcept;
  /// Bytes read through stream() so far.
  [[nodiscard]] std::uint64_t offset() const noexcept;
  /// Starts stream() again from the first byte (regular files only).
  void rewind();
  /// Reads exactly `n` bytes at `offset` (regular files only); throws IoError.
  void read_at(std::uint64_t offset, char* into, std::size_t n) const;
  /// The device and inode, for telling whether an output is this file.
  [[nodiscard]] std::uint64_t device() const noexcept;
  [[nodiscard]] std::uint64_t inode() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Reads a whole small file (a rule file), refusing one larger than
/// `max_bytes` without reading it; throws IoError, or Error when too large.
[[nodiscard]] MEDSETTLE_API std::string read_small_file(const std::string& path, std::size_t max_bytes);

/// An output: a file, standard output ("" or "-"), or standard error.
/// A regular file (or a path that does not exist yet) is written to a
/// temporary file in the same folder and put in place by commit() (flushed,
/// synced, renamed); until then the target is untouched, and if the
/// OutputFile is destroyed without commit() the temporary file is removed.
/// Anything else (a terminal, a pipe, /dev/null, the standard streams) is
/// written directly. Every write is checked: an error throws IoError.
class MEDSETTLE_API OutputFile {
 public:
  enum class Fallback : std::uint8_t { standard_output, standard_error };
  explicit OutputFile(const std::string& path, Fallback fallback = Fallback::standard_output);
  ~OutputFile();
  OutputFile(OutputFile&&) noexcept;
  OutputFile& operator=(OutputFile&&) noexcept;

  [[nodiscard]] std::ostream& stream();
  /// Puts the file in place (a no-op for direct outputs, but for a final flush).
  void commit();
  /// The path given, or "<stdout>" / "<stderr>".
  [[nodiscard]] const std::string& name() const noexcept;
  /// Whether it is written to a temporary file and renamed (a regular file).
  [[nodiscard]] bool atomic() const noexcept;
  [[nodiscard]] bool is_terminal() const noexcept;
  /// Drops everything written so far, for a run started again: the
  /// temporary file of an atomic() output is emptied (what the stream holds
  /// too) and true is returned; a direct output cannot take back what it
  /// wrote, is left alone and answers false. Throws IoError if the
  /// temporary file cannot be emptied.
  bool discard();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A file a command was given, with the option that named it ("--in").
struct NamedFile {
  std::string option;
  std::string path;
};

/// Refuses, before anything is written, an output that is one of the inputs
/// or another output: regular files are compared by device and inode after
/// resolving links (a symlink, a hard link, `./x` all count), and two
/// outputs that do not exist yet by their resolved paths. Outputs that are
/// not regular files (/dev/null, a FIFO, a terminal) are never compared.
/// Throws UsageError naming both. Empty paths and "-" are standard streams
/// and are skipped.
MEDSETTLE_API void check_distinct_files(const std::vector<NamedFile>& inputs, const std::vector<NamedFile>& outputs);

/// Installs handlers for SIGINT, SIGTERM and SIGHUP that remove the
/// temporary files of the OutputFiles not yet committed, then end the
/// process with the signal as before. For programs (the command); a
/// library caller with its own handlers can leave it.
MEDSETTLE_API void remove_temporary_files_on_signals();

}  // namespace medsettle
