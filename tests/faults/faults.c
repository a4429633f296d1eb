/* An LD_PRELOAD shim that makes the C library fail on purpose, in the spirit
 * of SQLite's I/O-error tests (issue #18, item 10). Each fault is chosen by
 * an environment variable; without any, the shim changes nothing.
 *
 *   MEDSETTLE_FAULT_READ_FILE=PATH  reads of that file (matched by device and
 *   MEDSETTLE_FAULT_READ_AFTER=N     inode, however it was opened) fail with
 *                                    EIO once N bytes of it have been read
 *   MEDSETTLE_FAULT_WRITE_AFTER=N   writes to regular files fail with ENOSPC
 *                                    once N bytes have been written to them
 *   MEDSETTLE_FAULT_SIGNAL_AFTER=N  SIGTERM is raised at the first write to a
 *                                    regular file past N bytes written
 *   MEDSETTLE_FAULT_FSYNC=1         fsync and fdatasync fail with EIO
 *   MEDSETTLE_FAULT_RENAME=1        rename fails with EIO
 *   MEDSETTLE_FAULT_MALLOC_AT=N     the N-th call of malloc (1-based) returns
 *                                    NULL with ENOMEM, once
 *
 * Only the calls a program makes through the C library's exported names are
 * seen (read, pread, write, fsync, rename, malloc): medsettle's files.cpp
 * makes exactly those. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

extern void* __libc_malloc(size_t);

static long long env_number(const char* name) {
  const char* v = getenv(name);
  return v && *v ? atoll(v) : -1;
}

static struct {
  int ready;
  dev_t read_dev;
  ino_t read_ino;
  int read_file;
  long long read_after, write_after, signal_after, malloc_at;
  int fsync_fails, rename_fails;
} f;
static atomic_llong read_bytes, written_bytes, mallocs;

__attribute__((constructor)) static void setup(void) {
  const char* path = getenv("MEDSETTLE_FAULT_READ_FILE");
  struct stat st;
  if (path && stat(path, &st) == 0) {
    f.read_file = 1;
    f.read_dev = st.st_dev;
    f.read_ino = st.st_ino;
  }
  f.read_after = env_number("MEDSETTLE_FAULT_READ_AFTER");
  f.write_after = env_number("MEDSETTLE_FAULT_WRITE_AFTER");
  f.signal_after = env_number("MEDSETTLE_FAULT_SIGNAL_AFTER");
  f.malloc_at = env_number("MEDSETTLE_FAULT_MALLOC_AT");
  f.fsync_fails = env_number("MEDSETTLE_FAULT_FSYNC") == 1;
  f.rename_fails = env_number("MEDSETTLE_FAULT_RENAME") == 1;
  f.ready = 1;
}

static void* next(const char* name) { return dlsym(RTLD_NEXT, name); }

static int is_fault_file(int fd) {
  struct stat st;
  return f.read_file && fstat(fd, &st) == 0 && st.st_dev == f.read_dev && st.st_ino == f.read_ino;
}

static int is_regular(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/* How much of a read of n bytes may proceed, or -1 (errno EIO) if none. */
static ssize_t read_allowance(int fd, size_t n) {
  if (!f.ready || f.read_after < 0 || !is_fault_file(fd)) return (ssize_t)n;
  const long long done = atomic_load(&read_bytes);
  if (done >= f.read_after) {
    errno = EIO;
    return -1;
  }
  const long long left = f.read_after - done;
  return (ssize_t)((long long)n < left ? (long long)n : left);
}

ssize_t read(int fd, void* buf, size_t n) {
  static ssize_t (*real)(int, void*, size_t);
  if (!real) real = (ssize_t(*)(int, void*, size_t))next("read");
  const ssize_t allowed = read_allowance(fd, n);
  if (allowed < 0) return -1;
  const ssize_t got = real(fd, buf, (size_t)allowed);
  if (got > 0 && f.read_file && f.read_after >= 0 && is_fault_file(fd)) atomic_fetch_add(&read_bytes, got);
  return got;
}

static ssize_t pread_common(const char* name, int fd, void* buf, size_t n, off_t at) {
  ssize_t (*real)(int, void*, size_t, off_t) = (ssize_t(*)(int, void*, size_t, off_t))next(name);
  const ssize_t allowed = read_allowance(fd, n);
  if (allowed < 0) return -1;
  const ssize_t got = real(fd, buf, (size_t)allowed, at);
  if (got > 0 && f.read_file && f.read_after >= 0 && is_fault_file(fd)) atomic_fetch_add(&read_bytes, got);
  return got;
}

ssize_t pread(int fd, void* buf, size_t n, off_t at) { return pread_common("pread", fd, buf, n, at); }
ssize_t pread64(int fd, void* buf, size_t n, off_t at) { return pread_common("pread64", fd, buf, n, at); }

ssize_t write(int fd, const void* buf, size_t n) {
  static ssize_t (*real)(int, const void*, size_t);
  if (!real) real = (ssize_t(*)(int, const void*, size_t))next("write");
  if (f.ready && (f.write_after >= 0 || f.signal_after >= 0) && is_regular(fd)) {
    const long long done = atomic_load(&written_bytes);
    if (f.signal_after >= 0 && done + (long long)n > f.signal_after) raise(SIGTERM);
    if (f.write_after >= 0 && done + (long long)n > f.write_after) {
      errno = ENOSPC;
      return -1;
    }
    atomic_fetch_add(&written_bytes, (long long)n);
  }
  return real(fd, buf, n);
}

int fsync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))next("fsync");
  if (f.ready && f.fsync_fails) {
    errno = EIO;
    return -1;
  }
  return real(fd);
}

int fdatasync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))next("fdatasync");
  if (f.ready && f.fsync_fails) {
    errno = EIO;
    return -1;
  }
  return real(fd);
}

int rename(const char* from, const char* to) {
  static int (*real)(const char*, const char*);
  if (!real) real = (int (*)(const char*, const char*))next("rename");
  if (f.ready && f.rename_fails) {
    errno = EIO;
    return -1;
  }
  return real(from, to);
}

void* malloc(size_t n) {
  if (f.ready && f.malloc_at > 0 && atomic_fetch_add(&mallocs, 1) + 1 == f.malloc_at) {
    errno = ENOMEM;
    return NULL;
  }
  return __libc_malloc(n);
}
