/* medsettle/medsettle.h: the C ABI of libmedsettle.
 *
 * A plain C interface (C89/C99/C11 and C++) for billing systems written in
 * other languages: Java (JNA/FFM), C# (P/Invoke), Delphi, Python (ctypes).
 * Stays go in and settlements come out as JSON text, in the formats of
 * INTERCHANGE.md; money is always a string with two decimals.
 *
 * Stability. Every function below is exported by libmedsettle.so (and present
 * in libmedsettle.a) and listed with its prototype in tests/capi/abi.txt; a
 * test fails if one disappears or changes. Functions may be added, never
 * changed. Handles are opaque: their layout is not part of the ABI.
 *
 * Errors. No exception crosses this boundary. Every function that can fail
 * returns a medsettle_status; on failure medsettle_last_error() describes it.
 * A rejected stay is not a failure: it is data (MEDSETTLE_REJECTED).
 *
 * Ownership, in one place:
 *   - A char* returned through an out parameter belongs to the caller, who
 *     frees it with medsettle_string_free() (never free(): the library may
 *     use another allocator). It is NUL-terminated; the _len out parameter,
 *     when not NULL, receives its length without the NUL.
 *   - A const char* returned directly (version, plan id, title, digest, last
 *     error, status name) belongs to the library: do not free it; see each
 *     function for how long it stays valid.
 *   - A handle (medsettle_plan*, medsettle_ledger*) is freed with its own
 *     _free function, exactly once. Freeing NULL does nothing.
 *   - Input pointers are only read during the call; nothing keeps them.
 *
 * Threads: a plan is immutable and may be used by any number of threads at
 * once. A ledger is used by one thread at a time (different ledgers: any
 * threads). medsettle_last_error() is per thread.
 */
#ifndef MEDSETTLE_MEDSETTLE_H
#define MEDSETTLE_MEDSETTLE_H

#include <stddef.h>

/* MEDSETTLE_CAPI marks the exported functions; predefine it to override. */
#ifndef MEDSETTLE_CAPI
#if defined(_WIN32) || defined(__CYGWIN__)
#  if defined(MEDSETTLE_BUILDING)
#    define MEDSETTLE_CAPI __declspec(dllexport)
#  elif defined(MEDSETTLE_SHARED)
#    define MEDSETTLE_CAPI __declspec(dllimport)
#  else
#    define MEDSETTLE_CAPI
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define MEDSETTLE_CAPI __attribute__((visibility("default")))
#else
#  define MEDSETTLE_CAPI
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes ------------------------------------------------------ */

/* The result of a call. An int, so that every language's FFI can take it;
 * the values are stable and new ones may be added at the end. */
typedef int medsettle_status;

enum {
  /* The call did what it says. */
  MEDSETTLE_OK = 0,
  /* The stay (or, for a batch, at least one record) was rejected
   * (SEMANTICS.md section 10): ordinary data, not a failure of the call.
   * The rejection JSON is in the output. */
  MEDSETTLE_REJECTED = 1,
  /* A NULL or otherwise unusable argument (a ledger of another rule set,
   * unknown flag bits, a ledger used by two threads at once). */
  MEDSETTLE_INVALID_ARGUMENT = 2,
  /* A rule file or rule string has errors; medsettle_last_error() lists
   * every one as "file:line:column: message", one per line. */
  MEDSETTLE_RULE_ERROR = 3,
  /* A file could not be read. */
  MEDSETTLE_IO_ERROR = 4,
  /* Memory ran out; nothing was changed. */
  MEDSETTLE_OUT_OF_MEMORY = 5,
  /* Anything else (a bug): medsettle_last_error() has the detail. */
  MEDSETTLE_INTERNAL_ERROR = 6,
  /* A kept ledger cannot be used: its database cannot be reached or opened,
   * its file stayed locked by another process, its schema was written by a
   * newer release, or concurrent runs kept conflicting. Nothing was
   * committed. */
  MEDSETTLE_STORE_ERROR = 7
};

/* Flags of the settle functions. */
enum {
  /* Return the step-by-step trace JSON ({"settlement", "itemization",
   * "steps"}, as `medsettle explain --json`) instead of the settlement. */
  MEDSETTLE_TRACE = 1,
  /* Against a kept ledger: settle without committing anything (pre-settlement,
   * 预结算): the settlement the stay would get if nothing else were committed
   * for its person first. */
  MEDSETTLE_DRY_RUN = 2,
  /* medsettle_store_reverse: reverse the person's later stays first, latest
   * first (else a stay that is not the person's last is refused, not_last). */
  MEDSETTLE_CASCADE = 4
};

/* ---- opaque handles ---------------------------------------------------- */

/* A compiled rule set. Immutable; share it between threads freely. */
typedef struct medsettle_plan medsettle_plan;
/* One person's year-to-date figures under one plan (SEMANTICS.md section 8).
 * Keep it between that person's stays; one thread at a time. */
typedef struct medsettle_ledger medsettle_ledger;
/* A kept ledger (SEMANTICS.md section 11): every person's ledger and
 * settlement records in a database, an SQLite file or a PostgreSQL
 * database. One thread at a time per handle; open one handle per thread
 * (any number of handles and processes may use one location at once). */
typedef struct medsettle_store medsettle_store;

/* ---- library ----------------------------------------------------------- */

/* The library version, e.g. "0.1.0". Static storage: never freed. Thread-safe. */
MEDSETTLE_CAPI const char *medsettle_version(void);

/* The name of a status code ("MEDSETTLE_OK", ...), or "MEDSETTLE_UNKNOWN".
 * Static storage: never freed. Thread-safe. */
MEDSETTLE_CAPI const char *medsettle_status_name(medsettle_status status);

/* Why the last call on this thread that returned a status failed: "" if it
 * returned MEDSETTLE_OK or MEDSETTLE_REJECTED (every such call clears it
 * first). Owned by the library; valid until the next medsettle_* call on the
 * same thread. */
MEDSETTLE_CAPI const char *medsettle_last_error(void);

/* Frees a string returned by this library. NULL does nothing. */
MEDSETTLE_CAPI void medsettle_string_free(char *text);

/* ---- plans ------------------------------------------------------------- */

/* Loads and compiles the rule file at `path` (UTF-8 path). On MEDSETTLE_OK,
 * *out_plan is a new plan the caller frees with medsettle_plan_free(); on
 * failure it is set to NULL (MEDSETTLE_RULE_ERROR, MEDSETTLE_IO_ERROR, ...).
 * Thread-safe. */
MEDSETTLE_CAPI medsettle_status medsettle_plan_load_file(const char *path, medsettle_plan **out_plan);

/* Loads and compiles rule-file text: `len` bytes at `text`. `name` (may be
 * NULL: "<string>") names it in messages and in the plan's file. Ownership
 * and errors as medsettle_plan_load_file(). Thread-safe. */
MEDSETTLE_CAPI medsettle_status medsettle_plan_load_string(const char *text, size_t len, const char *name,
                                                           medsettle_plan **out_plan);

/* The built-in default rule set (rules/hunan.yaml, compiled into the
 * library). *out_plan is a new handle the caller frees with
 * medsettle_plan_free(). Thread-safe. */
MEDSETTLE_CAPI medsettle_status medsettle_plan_default(medsettle_plan **out_plan);

/* Frees a plan. Free its ledgers first. NULL does nothing. */
MEDSETTLE_CAPI void medsettle_plan_free(medsettle_plan *plan);

/* The rule set's id ("hunan"), title and digest ("sha256:" + 64 hex digits).
 * Owned by the plan: valid while the plan lives. NULL for a NULL plan. */
MEDSETTLE_CAPI const char *medsettle_plan_id(const medsettle_plan *plan);
MEDSETTLE_CAPI const char *medsettle_plan_title(const medsettle_plan *plan);
MEDSETTLE_CAPI const char *medsettle_plan_digest(const medsettle_plan *plan);

/* ---- ledgers ----------------------------------------------------------- */

/* A new, empty ledger for one person under `plan`. The caller frees it with
 * medsettle_ledger_free() before freeing the plan. Thread-safe. */
MEDSETTLE_CAPI medsettle_status medsettle_ledger_new(const medsettle_plan *plan, medsettle_ledger **out_ledger);

/* Frees a ledger. NULL does nothing. */
MEDSETTLE_CAPI void medsettle_ledger_free(medsettle_ledger *ledger);

/* ---- settling ---------------------------------------------------------- */

/* Settles one stay: `len` bytes of JSON at `stay_json`, one stay object in
 * the INTERCHANGE.md format. `ledger` is the person's ledger under `plan`;
 * settle a person's stays in date order, one ledger per person.
 *
 * MEDSETTLE_OK: *out_json is the settlement JSON object (INTERCHANGE.md), or
 *   its trace with MEDSETTLE_TRACE in `flags`; the ledger is updated.
 * MEDSETTLE_REJECTED: *out_json is the rejection object
 *   {"stay_id", "line", "error": {"code", "field", "message"}}; the ledger
 *   is untouched. A stay id already settled in this ledger is rejected
 *   (duplicate_stay_id), so a retried call never counts a stay twice; a
 *   stay of another person than the ledger's is rejected (bad_value at
 *   person_id). The rules are the C++ library's settle(), exactly.
 * Other statuses: *out_json is NULL; see medsettle_last_error().
 *
 * `out_json` is required; the caller frees *out_json with
 * medsettle_string_free(). `out_len` may be NULL. `flags`: 0 or
 * MEDSETTLE_TRACE. Thread-safe for distinct ledgers. */
MEDSETTLE_CAPI medsettle_status medsettle_settle_json(const medsettle_plan *plan, medsettle_ledger *ledger,
                                                      const char *stay_json, size_t len, unsigned int flags,
                                                      char **out_json, size_t *out_len);

/* Settles a batch: `len` bytes of JSON Lines at `input` (one stay per line;
 * `input` may be NULL when `len` is 0), with the batch semantics of the
 * command `medsettle settle`: each person's stays in date order with their
 * own ledger, duplicate stay ids, referrals, `prior`, rejections and their
 * cascade. `threads`: 0 for one per processor; the result does not depend
 * on it.
 *
 * *out receives the settlements and *errors the rejections, each as JSON
 * Lines ("\n" after each record) in input order. Both are set on
 * MEDSETTLE_OK (every record settled) and on MEDSETTLE_REJECTED (at least
 * one rejected); on other statuses both are NULL. The caller frees both with
 * medsettle_string_free(). `out` and `errors` are required; the _len and
 * count pointers may be NULL. read = *settled + *rejected.
 * `flags`: 0 or MEDSETTLE_TRACE (trace JSON per settled stay).
 * Thread-safe. */
MEDSETTLE_CAPI medsettle_status medsettle_settle_batch_jsonl(const medsettle_plan *plan, const char *input,
                                                             size_t len, unsigned int threads, unsigned int flags,
                                                             char **out, size_t *out_len, char **errors,
                                                             size_t *errors_len, size_t *settled,
                                                             size_t *rejected);

/* ---- a ledger as JSON, without a store ---------------------------------- */

/* A ledger as JSON (INTERCHANGE.md, "A person's ledger as JSON"), for a
 * billing system that keeps ledgers in its own database: store the text,
 * and read it back with medsettle_ledger_from_json() before the person's
 * next stay. *out_json is the caller's (medsettle_string_free); `out_len`
 * may be NULL. Thread-safe for distinct ledgers. */
MEDSETTLE_CAPI medsettle_status medsettle_ledger_to_json(const medsettle_ledger *ledger, char **out_json,
                                                         size_t *out_len);
/* A new ledger under `plan` from `len` bytes of ledger JSON (unknown keys,
 * malformed amounts, a ledger of another rule set or an inconsistent one:
 * MEDSETTLE_INVALID_ARGUMENT, *out_ledger NULL). The caller frees it with
 * medsettle_ledger_free(). Thread-safe. */
MEDSETTLE_CAPI medsettle_status medsettle_ledger_from_json(const medsettle_plan *plan, const char *json, size_t len,
                                                           medsettle_ledger **out_ledger);

/* ---- kept ledgers ------------------------------------------------------- */

/* Opens (and on first use creates) the kept ledger at `location`: a file
 * path (SQLite) or a "postgresql://" URI naming an existing database.
 * MEDSETTLE_STORE_ERROR if it cannot be used. The caller closes it with
 * medsettle_store_close(). Thread-safe. */
MEDSETTLE_CAPI medsettle_status medsettle_store_open(const char *location, medsettle_store **out_store);
/* Closes a store. NULL does nothing. */
MEDSETTLE_CAPI void medsettle_store_close(medsettle_store *store);
/* Settles one stay (one JSON object) against the kept ledger, after
 * everything it holds, and commits it (one transaction), unless `flags`
 * has MEDSETTLE_DRY_RUN. Outputs and statuses as medsettle_settle_json():
 * MEDSETTLE_OK, *out_json the settlement; MEDSETTLE_REJECTED, the rejection
 * (a stay id the store already holds, of any person: duplicate_stay_id).
 * A plan of another rule set than the store's: MEDSETTLE_INVALID_ARGUMENT.
 * `flags`: 0 or MEDSETTLE_DRY_RUN. */
MEDSETTLE_CAPI medsettle_status medsettle_store_settle_json(medsettle_store *store, const medsettle_plan *plan,
                                                            const char *stay_json, size_t len, unsigned int flags,
                                                            char **out_json, size_t *out_len);
/* Settles JSON Lines against the kept ledger as one run (all of it is
 * committed, or nothing), with the batch semantics of `medsettle settle
 * --ledger`. Outputs as medsettle_settle_batch_jsonl(). `flags`: 0 or
 * MEDSETTLE_DRY_RUN. */
MEDSETTLE_CAPI medsettle_status medsettle_store_settle_batch_jsonl(medsettle_store *store, const medsettle_plan *plan,
                                                                   const char *input, size_t len, unsigned int threads,
                                                                   unsigned int flags, char **out, size_t *out_len,
                                                                   char **errors, size_t *errors_len, size_t *settled,
                                                                   size_t *rejected);
/* Reverses settled stay `stay_id` (SEMANTICS.md section 11). MEDSETTLE_OK:
 * *out_jsonl is the reversal records as JSON Lines, latest first (every
 * money figure negated, "reversal": true). MEDSETTLE_REJECTED: *out_jsonl is
 * the refusal {"stay_id", "error": {"code", "field", "message"}} (unknown_stay,
 * or not_last without MEDSETTLE_CASCADE); nothing changed. `reason` may be
 * NULL; it is kept with the reversal records. `flags`: 0 or MEDSETTLE_CASCADE. */
MEDSETTLE_CAPI medsettle_status medsettle_store_reverse(medsettle_store *store, const char *stay_id, const char *reason,
                                                        unsigned int flags, char **out_jsonl, size_t *out_len);
/* A person's kept ledger and settlement records as one JSON object (an
 * export line: the ledger JSON plus "records"); a person the store does not
 * know gets an empty ledger. */
MEDSETTLE_CAPI medsettle_status medsettle_store_ledger_json(medsettle_store *store, const char *person_id,
                                                            char **out_json, size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif /* MEDSETTLE_MEDSETTLE_H */
