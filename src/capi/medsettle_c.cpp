// The C ABI (include/medsettle/medsettle.h) over the C++ library.
//
// Every entry point runs its body inside `guarded`, which catches everything:
// no exception crosses into C (as {fmt}'s C API does). Results are copied into
// malloc'd strings that the caller returns through medsettle_string_free.
#include "medsettle/medsettle.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "medsettle/reader.hpp"
#include "medsettle/settle.hpp"
#include "medsettle/store.hpp"
#include "medsettle/writer.hpp"

struct medsettle_plan {
  medsettle::Plan plan;
  // NUL-terminated copies of the plan's strings, for const char* accessors.
  std::string id, title, digest;

  explicit medsettle_plan(medsettle::Plan p)
      : plan(std::move(p)), id(plan.id()), title(plan.title()), digest(plan.digest()) {}
};

struct medsettle_ledger {
  medsettle::Plan plan;  // the plan it was made for; also keeps that plan's data alive
  medsettle::Ledger ledger;
  medsettle::JsonStayReader reader;  // one per ledger: a ledger is used by one thread at a time

  explicit medsettle_ledger(const medsettle::Plan& p) : plan(p), ledger(p) {}
};

struct medsettle_store {
  medsettle::LedgerStore store;
  medsettle::JsonStayReader reader;  // one thread at a time per handle

  explicit medsettle_store(medsettle::LedgerStore s) : store(std::move(s)) {}
};

namespace {

using namespace medsettle;

thread_local std::string last_error;

void set_error(std::string_view message) noexcept {
  try {
    last_error.assign(message);
  } catch (...) {
    last_error.clear();  // out of memory for the message itself: the status still says what happened
  }
}

medsettle_status fail(medsettle_status status, std::string_view message) noexcept {
  set_error(message);
  return status;
}

/// Runs `body` and maps every exception to a status code.
template <class Body>
medsettle_status guarded(Body&& body) noexcept {
  last_error.clear();
  try {
    return body();
  } catch (const RuleFileError& e) {
    std::string all;
    try {
      for (const RuleDiagnostic& d : e.diagnostics()) {
        if (!all.empty()) all += '\n';
        all += d.to_string();
      }
      if (all.empty()) all = e.what();
    } catch (...) {
      return fail(MEDSETTLE_RULE_ERROR, e.what());
    }
    return fail(MEDSETTLE_RULE_ERROR, all);
  } catch (const UsageError& e) {
    return fail(MEDSETTLE_INVALID_ARGUMENT, e.what());
  } catch (const StoreError& e) {
    return fail(MEDSETTLE_STORE_ERROR, e.what());
  } catch (const std::bad_alloc&) {
    return fail(MEDSETTLE_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return fail(MEDSETTLE_INTERNAL_ERROR, e.what());
  } catch (...) {
    return fail(MEDSETTLE_INTERNAL_ERROR, "unknown exception");
  }
}

/// A malloc'd, NUL-terminated copy of `text`; throws std::bad_alloc.
char* c_string(std::string_view text) {
  char* p = static_cast<char*>(std::malloc(text.size() + 1));
  if (!p) throw std::bad_alloc();
  std::memcpy(p, text.data(), text.size());
  p[text.size()] = '\0';
  return p;
}

medsettle_status new_plan(Plan plan, medsettle_plan** out_plan) {
  *out_plan = new medsettle_plan(std::move(plan));
  return MEDSETTLE_OK;
}

constexpr unsigned known_flags = MEDSETTLE_TRACE;

/// Hands `text` to the caller as a malloc'd string.
void hand_out(const std::string& text, char** out, size_t* out_len) {
  *out = c_string(text);
  if (out_len) *out_len = text.size();
}

/// The outcomes as JSON Lines: settlements and rejections; how many of each.
struct BatchText {
  std::string good, bad;
  std::size_t settled = 0, rejected = 0;
};

BatchText batch_text(const std::vector<Outcome>& outcomes, bool trace) {
  BatchText t;
  for (const Outcome& o : outcomes) {
    if (o.settled()) {
      if (trace) write_trace_json(t.good, o.settlement());
      else write_json(t.good, o.settlement());
      t.good += '\n';
      ++t.settled;
    } else {
      write_json(t.bad, o.rejection());
      t.bad += '\n';
      ++t.rejected;
    }
  }
  return t;
}

/// Empties the outputs of a batch call; false if a required one is missing.
bool clear_batch_outputs(char** out, size_t* out_len, char** errors, size_t* errors_len, size_t* settled,
                         size_t* rejected) noexcept {
  for (size_t* n : {out_len, errors_len, settled, rejected}) {
    if (n) *n = 0;
  }
  if (out) *out = nullptr;
  if (errors) *errors = nullptr;
  return out && errors;
}

/// Sets the outputs of a batch call from `t`.
medsettle_status hand_out_batch(const BatchText& t, char** out, size_t* out_len, char** errors, size_t* errors_len,
                                size_t* settled, size_t* rejected) {
  char* good_c = c_string(t.good);
  char* bad_c = nullptr;
  try {
    bad_c = c_string(t.bad);
  } catch (...) {
    std::free(good_c);
    throw;
  }
  *out = good_c;
  *errors = bad_c;
  if (out_len) *out_len = t.good.size();
  if (errors_len) *errors_len = t.bad.size();
  if (settled) *settled = t.settled;
  if (rejected) *rejected = t.rejected;
  return t.rejected ? MEDSETTLE_REJECTED : MEDSETTLE_OK;
}

}  // namespace

extern "C" {

const char* medsettle_version(void) { return MEDSETTLE_VERSION; }

const char* medsettle_status_name(medsettle_status status) {
  switch (status) {
    case MEDSETTLE_OK: return "MEDSETTLE_OK";
    case MEDSETTLE_REJECTED: return "MEDSETTLE_REJECTED";
    case MEDSETTLE_INVALID_ARGUMENT: return "MEDSETTLE_INVALID_ARGUMENT";
    case MEDSETTLE_RULE_ERROR: return "MEDSETTLE_RULE_ERROR";
    case MEDSETTLE_IO_ERROR: return "MEDSETTLE_IO_ERROR";
    case MEDSETTLE_OUT_OF_MEMORY: return "MEDSETTLE_OUT_OF_MEMORY";
    case MEDSETTLE_INTERNAL_ERROR: return "MEDSETTLE_INTERNAL_ERROR";
    case MEDSETTLE_STORE_ERROR: return "MEDSETTLE_STORE_ERROR";
    default: return "MEDSETTLE_UNKNOWN";
  }
}

const char* medsettle_last_error(void) { return last_error.c_str(); }

void medsettle_string_free(char* text) { std::free(text); }

medsettle_status medsettle_plan_load_file(const char* path, medsettle_plan** out_plan) {
  return guarded([&]() -> medsettle_status {
    if (!out_plan) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_plan_load_file: out_plan is NULL");
    *out_plan = nullptr;
    if (!path) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_plan_load_file: path is NULL");
    std::optional<Plan> plan;
    try {
      plan.emplace(Plan::load_file(path));
    } catch (const std::system_error& e) {
      return fail(MEDSETTLE_IO_ERROR, e.what());
    }
    return new_plan(std::move(*plan), out_plan);
  });
}

medsettle_status medsettle_plan_load_string(const char* text, size_t len, const char* name,
                                            medsettle_plan** out_plan) {
  return guarded([&]() -> medsettle_status {
    if (!out_plan) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_plan_load_string: out_plan is NULL");
    *out_plan = nullptr;
    if (!text && len) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_plan_load_string: text is NULL");
    return new_plan(Plan::load_string(std::string_view(text ? text : "", len), name ? name : "<string>"), out_plan);
  });
}

medsettle_status medsettle_plan_default(medsettle_plan** out_plan) {
  return guarded([&]() -> medsettle_status {
    if (!out_plan) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_plan_default: out_plan is NULL");
    *out_plan = nullptr;
    return new_plan(Plan::builtin(), out_plan);
  });
}

void medsettle_plan_free(medsettle_plan* plan) { delete plan; }

const char* medsettle_plan_id(const medsettle_plan* plan) { return plan ? plan->id.c_str() : nullptr; }
const char* medsettle_plan_title(const medsettle_plan* plan) { return plan ? plan->title.c_str() : nullptr; }
const char* medsettle_plan_digest(const medsettle_plan* plan) { return plan ? plan->digest.c_str() : nullptr; }

medsettle_status medsettle_ledger_new(const medsettle_plan* plan, medsettle_ledger** out_ledger) {
  return guarded([&]() -> medsettle_status {
    if (!out_ledger) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_ledger_new: out_ledger is NULL");
    *out_ledger = nullptr;
    if (!plan) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_ledger_new: plan is NULL");
    *out_ledger = new medsettle_ledger(plan->plan);
    return MEDSETTLE_OK;
  });
}

void medsettle_ledger_free(medsettle_ledger* ledger) { delete ledger; }

medsettle_status medsettle_settle_json(const medsettle_plan* plan, medsettle_ledger* ledger, const char* stay_json,
                                       size_t len, unsigned int flags, char** out_json, size_t* out_len) {
  return guarded([&]() -> medsettle_status {
    if (out_len) *out_len = 0;
    if (!out_json) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_settle_json: out_json is NULL");
    *out_json = nullptr;
    if (!plan) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_settle_json: plan is NULL");
    if (!ledger) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_settle_json: ledger is NULL");
    if (!stay_json) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_settle_json: stay_json is NULL");
    if (flags & ~known_flags) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_settle_json: unknown flag bits");
    // Reading and every rule of settling are the library's; the ledger
    // changes only when the stay settles.
    Record rec = ledger->reader.read(std::string_view(stay_json, len), 1);
    std::string text;
    SettleOptions options;
    options.trace = (flags & MEDSETTLE_TRACE) != 0;
    options.trace_text = false;  // write_trace_json makes the texts from the typed steps
    const Outcome o = rec.rejection ? Outcome(*rec.rejection) : settle(plan->plan, rec.stay, ledger->ledger, options, 1);
    if (!o.settled()) {
      write_json(text, o.rejection());
      *out_json = c_string(text);
      if (out_len) *out_len = text.size();
      return MEDSETTLE_REJECTED;
    }
    if (options.trace) write_trace_json(text, o.settlement());
    else write_json(text, o.settlement());
    *out_json = c_string(text);
    if (out_len) *out_len = text.size();
    return MEDSETTLE_OK;
  });
}

medsettle_status medsettle_settle_batch_jsonl(const medsettle_plan* plan, const char* input, size_t len,
                                              unsigned int threads, unsigned int flags, char** out, size_t* out_len,
                                              char** errors, size_t* errors_len, size_t* settled, size_t* rejected) {
  return guarded([&]() -> medsettle_status {
    if (!clear_batch_outputs(out, out_len, errors, errors_len, settled, rejected)) {
      return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_settle_batch_jsonl: out and errors are required");
    }
    if (!plan) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_settle_batch_jsonl: plan is NULL");
    if (!input && len) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_settle_batch_jsonl: input is NULL");
    if (flags & ~known_flags) {
      return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_settle_batch_jsonl: unknown flag bits");
    }

    BatchOptions options;
    options.settle.trace = (flags & MEDSETTLE_TRACE) != 0;
    options.settle.trace_text = false;  // as in medsettle_settle_json
    options.threads = threads ? threads : std::max(1u, std::thread::hardware_concurrency());
    const std::vector<Outcome> outcomes =
        settle_batch(plan->plan, read_jsonl(std::string_view(input ? input : "", len)), options);
    return hand_out_batch(batch_text(outcomes, options.settle.trace), out, out_len, errors, errors_len, settled,
                          rejected);
  });
}

medsettle_status medsettle_ledger_to_json(const medsettle_ledger* ledger, char** out_json, size_t* out_len) {
  return guarded([&]() -> medsettle_status {
    if (out_len) *out_len = 0;
    if (!out_json) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_ledger_to_json: out_json is NULL");
    *out_json = nullptr;
    if (!ledger) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_ledger_to_json: ledger is NULL");
    std::string text;
    write_ledger_json(text, ledger->ledger.snapshot());
    hand_out(text, out_json, out_len);
    return MEDSETTLE_OK;
  });
}

medsettle_status medsettle_ledger_from_json(const medsettle_plan* plan, const char* json, size_t len,
                                            medsettle_ledger** out_ledger) {
  return guarded([&]() -> medsettle_status {
    if (!out_ledger) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_ledger_from_json: out_ledger is NULL");
    *out_ledger = nullptr;
    if (!plan) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_ledger_from_json: plan is NULL");
    if (!json && len) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_ledger_from_json: json is NULL");
    auto made = std::make_unique<medsettle_ledger>(plan->plan);
    try {
      made->ledger = Ledger::restore(plan->plan, read_ledger_json(std::string_view(json ? json : "", len)));
    } catch (const Error& e) {
      return fail(MEDSETTLE_INVALID_ARGUMENT, e.what());
    }
    *out_ledger = made.release();
    return MEDSETTLE_OK;
  });
}

medsettle_status medsettle_store_open(const char* location, medsettle_store** out_store) {
  return guarded([&]() -> medsettle_status {
    if (!out_store) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_store_open: out_store is NULL");
    *out_store = nullptr;
    if (!location) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_store_open: location is NULL");
    *out_store = new medsettle_store(LedgerStore::open(location));
    return MEDSETTLE_OK;
  });
}

void medsettle_store_close(medsettle_store* store) { delete store; }

medsettle_status medsettle_store_settle_json(medsettle_store* store, const medsettle_plan* plan, const char* stay_json,
                                             size_t len, unsigned int flags, char** out_json, size_t* out_len) {
  return guarded([&]() -> medsettle_status {
    if (out_len) *out_len = 0;
    if (!out_json) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_store_settle_json: out_json is NULL");
    *out_json = nullptr;
    if (!store || !plan) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_store_settle_json: store or plan is NULL");
    if (!stay_json) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_store_settle_json: stay_json is NULL");
    if (flags & ~unsigned{MEDSETTLE_DRY_RUN}) {
      return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_store_settle_json: unknown flag bits");
    }
    StoreSettleOptions options;
    options.dry_run = (flags & MEDSETTLE_DRY_RUN) != 0;
    const StoreRun run =
        store->store.settle(plan->plan, {store->reader.read(std::string_view(stay_json, len), 1)}, options);
    const Outcome& o = run.outcomes.front();
    std::string text;
    if (o.settled()) write_json(text, o.settlement());
    else write_json(text, o.rejection());
    hand_out(text, out_json, out_len);
    return o.settled() ? MEDSETTLE_OK : MEDSETTLE_REJECTED;
  });
}

medsettle_status medsettle_store_settle_batch_jsonl(medsettle_store* store, const medsettle_plan* plan,
                                                    const char* input, size_t len, unsigned int threads,
                                                    unsigned int flags, char** out, size_t* out_len, char** errors,
                                                    size_t* errors_len, size_t* settled, size_t* rejected) {
  return guarded([&]() -> medsettle_status {
    if (!clear_batch_outputs(out, out_len, errors, errors_len, settled, rejected)) {
      return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_store_settle_batch_jsonl: out and errors are required");
    }
    if (!store || !plan) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_store_settle_batch_jsonl: store or plan is NULL");
    if (!input && len) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_store_settle_batch_jsonl: input is NULL");
    if (flags & ~unsigned{MEDSETTLE_DRY_RUN}) {
      return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_store_settle_batch_jsonl: unknown flag bits");
    }
    StoreSettleOptions options;
    options.dry_run = (flags & MEDSETTLE_DRY_RUN) != 0;
    options.threads = threads ? threads : std::max(1u, std::thread::hardware_concurrency());
    const StoreRun run =
        store->store.settle(plan->plan, read_jsonl(std::string_view(input ? input : "", len)), options);
    return hand_out_batch(batch_text(run.outcomes, false), out, out_len, errors, errors_len, settled, rejected);
  });
}

medsettle_status medsettle_store_reverse(medsettle_store* store, const char* stay_id, const char* reason,
                                         unsigned int flags, char** out_jsonl, size_t* out_len) {
  return guarded([&]() -> medsettle_status {
    if (out_len) *out_len = 0;
    if (!out_jsonl) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_store_reverse: out_jsonl is NULL");
    *out_jsonl = nullptr;
    if (!store || !stay_id) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_store_reverse: store or stay_id is NULL");
    if (flags & ~unsigned{MEDSETTLE_CASCADE}) {
      return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_store_reverse: unknown flag bits");
    }
    const StoreReversal r = store->store.reverse(stay_id, (flags & MEDSETTLE_CASCADE) != 0, reason ? reason : "");
    std::string text;
    if (!r.ok()) {
      write_refusal_json(text, *r.refused);
    } else {
      for (const StoreRecord& record : r.records) text += record.json + '\n';
    }
    hand_out(text, out_jsonl, out_len);
    return r.ok() ? MEDSETTLE_OK : MEDSETTLE_REJECTED;
  });
}

medsettle_status medsettle_store_ledger_json(medsettle_store* store, const char* person_id, char** out_json,
                                             size_t* out_len) {
  return guarded([&]() -> medsettle_status {
    if (out_len) *out_len = 0;
    if (!out_json) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_store_ledger_json: out_json is NULL");
    *out_json = nullptr;
    if (!store || !person_id) return fail(MEDSETTLE_INVALID_ARGUMENT, "medsettle_store_ledger_json: store or person_id is NULL");
    LedgerSnapshot l = store->store.ledger(person_id).value_or(LedgerSnapshot{});
    if (l.person_id.empty()) {
      l.person_id = person_id;
      l.rules = store->store.rules();
    }
    std::string text;
    write_person_json(text, l, store->store.records(person_id));
    hand_out(text, out_json, out_len);
    return MEDSETTLE_OK;
  });
}

}  // extern "C"
