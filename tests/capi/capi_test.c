/* The C ABI, used from C (compiled as C11, -Wall -Wextra -Werror -pedantic).
 *
 * Usage: capi_test RULES_DIR
 * Each check states a fact about money or about the contract of medsettle.h;
 * the arithmetic is in the comments. The plan is the built-in hunan rule set:
 * 2019, county hospital: basic deductible 500.00 per stay at 0.75; critical
 * illness: a yearly deductible of 10000.00 on what remains in scope, then 0.50. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <medsettle/medsettle.h>

static int failures = 0;

#define CHECK(cond)                                                  \
  do {                                                               \
    if (!(cond)) {                                                   \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                    \
    }                                                                \
  } while (0)

#define CHECK_STATUS(call, expected)                                           \
  do {                                                                         \
    medsettle_status got_ = (call);                                            \
    if (got_ != (expected)) {                                                  \
      fprintf(stderr, "%s:%d: %s: got %s, expected %s (last error: %s)\n", __FILE__, __LINE__, #call, \
              medsettle_status_name(got_), medsettle_status_name(expected), medsettle_last_error()); \
      ++failures;                                                              \
    }                                                                          \
  } while (0)

/* The status values and flags are part of the ABI. */
_Static_assert(MEDSETTLE_OK == 0, "MEDSETTLE_OK");
_Static_assert(MEDSETTLE_REJECTED == 1, "MEDSETTLE_REJECTED");
_Static_assert(MEDSETTLE_INVALID_ARGUMENT == 2, "MEDSETTLE_INVALID_ARGUMENT");
_Static_assert(MEDSETTLE_RULE_ERROR == 3, "MEDSETTLE_RULE_ERROR");
_Static_assert(MEDSETTLE_IO_ERROR == 4, "MEDSETTLE_IO_ERROR");
_Static_assert(MEDSETTLE_OUT_OF_MEMORY == 5, "MEDSETTLE_OUT_OF_MEMORY");
_Static_assert(MEDSETTLE_INTERNAL_ERROR == 6, "MEDSETTLE_INTERNAL_ERROR");
_Static_assert(MEDSETTLE_TRACE == 1, "MEDSETTLE_TRACE");
_Static_assert(MEDSETTLE_STORE_ERROR == 7, "MEDSETTLE_STORE_ERROR");
_Static_assert(MEDSETTLE_DRY_RUN == 2, "MEDSETTLE_DRY_RUN");
_Static_assert(MEDSETTLE_CASCADE == 4, "MEDSETTLE_CASCADE");

#define STAY(id, person, month, amount)                                                             \
  "{\"stay_id\":\"" id "\",\"person_id\":\"" person "\",\"age\":40,\"hospital_level\":\"county\","  \
  "\"region\":\"in_county\",\"admitted\":\"2019-" month "-02\",\"discharged\":\"2019-" month "-12\"," \
  "\"diagnoses\":[\"J18.9\"],\"fees\":[{\"category\":\"A\",\"amount\":\"" amount "\"}]}"

/* S1: 10000.00 in scope. basic: 0.75 x (10000.00 - 500.00) = 7125.00;
 * critical illness: 2875.00 remain, all under the 10000.00 yearly deductible. */
static const char stay1[] = STAY("S1", "P1", "03", "10000.00");
/* S2, same person and year: 30000.00 in scope. basic: 0.75 x 29500.00 =
 * 22125.00; 7875.00 remain; critical illness deductible left 10000.00 -
 * 2875.00 = 7125.00; pays 0.50 x (7875.00 - 7125.00) = 375.00. */
static const char stay2[] = STAY("S2", "P1", "05", "30000.00");
static const char stay_bad_amount[] = STAY("S3", "P1", "06", "-5");

static int contains(const char *text, const char *part) { return text && strstr(text, part) != NULL; }

static size_t count_lines(const char *text) {
  size_t n = 0;
  for (; text && *text; ++text) n += *text == '\n';
  return n;
}

static void test_library(void) {
  CHECK(strcmp(medsettle_version(), MEDSETTLE_EXPECTED_VERSION) == 0);
  CHECK(strcmp(medsettle_status_name(MEDSETTLE_REJECTED), "MEDSETTLE_REJECTED") == 0);
  CHECK(strcmp(medsettle_status_name(99), "MEDSETTLE_UNKNOWN") == 0);
  CHECK(strcmp(medsettle_last_error(), "") == 0);
  medsettle_string_free(NULL);
  medsettle_plan_free(NULL);
  medsettle_ledger_free(NULL);
}

static void test_default_plan(void) {
  medsettle_plan *plan = NULL;
  CHECK_STATUS(medsettle_plan_default(&plan), MEDSETTLE_OK);
  CHECK(plan != NULL);
  CHECK(strcmp(medsettle_plan_id(plan), "hunan") == 0);
  CHECK(strncmp(medsettle_plan_digest(plan), "sha256:", 7) == 0);
  CHECK(strlen(medsettle_plan_digest(plan)) == 7 + 64);
  CHECK(strlen(medsettle_plan_title(plan)) > 0);
  medsettle_plan_free(plan);
}

static void test_settle_and_accumulate(void) {
  medsettle_plan *plan = NULL;
  medsettle_ledger *ledger = NULL, *fresh = NULL;
  char *json = NULL;
  size_t len = 0;
  CHECK_STATUS(medsettle_plan_default(&plan), MEDSETTLE_OK);
  CHECK_STATUS(medsettle_ledger_new(plan, &ledger), MEDSETTLE_OK);

  CHECK_STATUS(medsettle_settle_json(plan, ledger, stay1, strlen(stay1), 0, &json, &len), MEDSETTLE_OK);
  CHECK(json != NULL && len == strlen(json));
  CHECK(contains(json, "\"stay_id\":\"S1\""));
  CHECK(contains(json, "\"rules\":\"hunan\""));
  CHECK(contains(json, "\"version\":\"2019-01-01\""));
  CHECK(contains(json, "\"hifp_pay\":\"7125.00\""));
  CHECK(contains(json, "\"act_pay_dedc\":\"500.00\""));
  CHECK(contains(json, "\"hifmi_pay\":\"0.00\""));
  CHECK(contains(json, "\"psn_part_amt\":\"2875.00\""));  /* 10000.00 - 7125.00 */
  CHECK(contains(json, medsettle_plan_digest(plan)));
  medsettle_string_free(json);

  /* The second stay of the person accumulates in the ledger. */
  json = NULL;
  CHECK_STATUS(medsettle_settle_json(plan, ledger, stay2, strlen(stay2), 0, &json, NULL), MEDSETTLE_OK);
  CHECK(contains(json, "\"hifp_pay\":\"22125.00\""));
  CHECK(contains(json, "\"hifmi_pay\":\"375.00\""));
  CHECK(contains(json, "\"id\":\"critical_illness\",\"name\":\"\xe5\xa4\xa7\xe7\x97\x85\xe4\xbf\x9d\xe9\x99\xa9\","
                       "\"fund_pay_type\":\"390200\",\"eligible\":true,\"base\":\"7875.00\",\"deductible\":\"7125.00\","
                       "\"paid\":\"375.00\""));
  medsettle_string_free(json);

  /* The same stay with a fresh ledger: the whole 7875.00 goes to the deductible. */
  CHECK_STATUS(medsettle_ledger_new(plan, &fresh), MEDSETTLE_OK);
  json = NULL;
  CHECK_STATUS(medsettle_settle_json(plan, fresh, stay2, strlen(stay2), 0, &json, NULL), MEDSETTLE_OK);
  CHECK(contains(json, "\"hifmi_pay\":\"0.00\""));
  medsettle_string_free(json);

  /* A retried stay is not counted twice. */
  json = NULL;
  CHECK_STATUS(medsettle_settle_json(plan, ledger, stay1, strlen(stay1), 0, &json, NULL), MEDSETTLE_REJECTED);
  CHECK(contains(json, "\"code\":\"duplicate_stay_id\""));
  medsettle_string_free(json);

  /* A rejected stay: the rejection JSON, and the ledger untouched. */
  json = NULL;
  len = 99;
  CHECK_STATUS(medsettle_settle_json(plan, ledger, stay_bad_amount, strlen(stay_bad_amount), 0, &json, &len),
               MEDSETTLE_REJECTED);
  CHECK(json != NULL && len == strlen(json));
  CHECK(contains(json, "\"stay_id\":\"S3\""));
  CHECK(contains(json, "\"error\":{\"code\":\"bad_amount\",\"field\":\"fees[0].amount\""));
  CHECK(strcmp(medsettle_last_error(), "") == 0);
  medsettle_string_free(json);

  /* Not JSON at all. */
  json = NULL;
  CHECK_STATUS(medsettle_settle_json(plan, ledger, "{\"stay_id\":", 11, 0, &json, NULL), MEDSETTLE_REJECTED);
  CHECK(contains(json, "\"code\":\"not_json\""));
  medsettle_string_free(json);

  /* The trace: the settlement with its steps. */
  {
    static const char stay4[] = STAY("S4", "P1", "07", "1000.00");
    json = NULL;
    CHECK_STATUS(medsettle_settle_json(plan, ledger, stay4, strlen(stay4), MEDSETTLE_TRACE, &json, NULL),
                 MEDSETTLE_OK);
    CHECK(contains(json, "{\"settlement\":{\"stay_id\":\"S4\""));
    CHECK(contains(json, "\"steps\":[{"));
    /* basic: 0.75 x (1000.00 - 500.00) = 375.00 */
    CHECK(contains(json, "\"hifp_pay\":\"375.00\""));
    medsettle_string_free(json);
  }

  /* One ledger per person: another person's stay is rejected (bad_value at
   * person_id), as the C++ API rejects it, and the ledger is untouched. */
  {
    static const char other[] = STAY("S5", "P2", "08", "1000.00");
    json = NULL;
    CHECK_STATUS(medsettle_settle_json(plan, ledger, other, strlen(other), 0, &json, NULL), MEDSETTLE_REJECTED);
    CHECK(contains(json, "\"code\":\"bad_value\",\"field\":\"person_id\""));
    CHECK(contains(json, "this ledger holds the stays of person P1, not of person P2"));
    medsettle_string_free(json);
  }

  medsettle_ledger_free(fresh);
  medsettle_ledger_free(ledger);
  medsettle_plan_free(plan);
}

static void test_rule_errors(const char *rules_dir) {
  /* Line 3 column 11 is the value of `versions`; line 4 an unknown key. */
  static const char bad[] = "medsettle: 1\nid: x\nversions: 3\nfoo: 1\n";
  medsettle_plan *plan = (medsettle_plan *)&plan; /* an out parameter is reset to NULL */
  char path[4096];

  CHECK_STATUS(medsettle_plan_load_string(bad, strlen(bad), "bad.yaml", &plan), MEDSETTLE_RULE_ERROR);
  CHECK(plan == NULL);
  CHECK(contains(medsettle_last_error(), "bad.yaml:3:11: "));
  CHECK(contains(medsettle_last_error(), "\nbad.yaml:4:1: unknown key 'foo'"));  /* every problem, one per line */

  CHECK_STATUS(medsettle_plan_load_string(bad, strlen(bad), NULL, &plan), MEDSETTLE_RULE_ERROR);
  CHECK(contains(medsettle_last_error(), "<string>:3:11: "));

  CHECK_STATUS(medsettle_plan_load_file("/nonexistent/rules.yaml", &plan), MEDSETTLE_IO_ERROR);
  CHECK(plan == NULL);
  CHECK(contains(medsettle_last_error(), "/nonexistent/rules.yaml"));

  snprintf(path, sizeof path, "%s/zhenba.yaml", rules_dir);
  CHECK_STATUS(medsettle_plan_load_file(path, &plan), MEDSETTLE_OK);
  CHECK(plan != NULL && strcmp(medsettle_plan_id(plan), "zhenba") == 0);
  CHECK(strcmp(medsettle_last_error(), "") == 0);  /* cleared by the successful call */

  /* A ledger belongs to its plan. */
  {
    medsettle_plan *hunan = NULL;
    medsettle_ledger *ledger = NULL;
    char *json = NULL;
    CHECK_STATUS(medsettle_plan_default(&hunan), MEDSETTLE_OK);
    CHECK_STATUS(medsettle_ledger_new(hunan, &ledger), MEDSETTLE_OK);
    CHECK_STATUS(medsettle_settle_json(plan, ledger, stay1, strlen(stay1), 0, &json, NULL),
                 MEDSETTLE_INVALID_ARGUMENT);
    CHECK(json == NULL);
    medsettle_ledger_free(ledger);
    medsettle_plan_free(hunan);
  }
  medsettle_plan_free(plan);
}

static void test_batch(void) {
  static const char input[] = STAY("S1", "P1", "03", "10000.00") "\n"
                              STAY("S2", "P1", "05", "30000.00") "\r\n"
                              "\n"
                              STAY("S3", "P1", "06", "-5") "\n"
                              STAY("B1", "P9", "03", "10000.00");
  medsettle_plan *plan = NULL;
  char *out = NULL, *errors = NULL;
  size_t out_len = 0, errors_len = 0, settled = 0, rejected = 0;
  CHECK_STATUS(medsettle_plan_default(&plan), MEDSETTLE_OK);

  CHECK_STATUS(medsettle_settle_batch_jsonl(plan, input, strlen(input), 2, 0, &out, &out_len, &errors, &errors_len,
                                            &settled, &rejected),
               MEDSETTLE_REJECTED);
  CHECK(settled == 3 && rejected == 1);
  CHECK(out_len == strlen(out) && errors_len == strlen(errors));
  CHECK(count_lines(out) == 3 && count_lines(errors) == 1);
  /* In input order; S2 accumulates on S1 as in the single-stay calls. */
  CHECK(contains(out, "{\"stay_id\":\"S1\""));
  CHECK(strstr(out, "\"stay_id\":\"S1\"") < strstr(out, "\"stay_id\":\"S2\""));
  CHECK(strstr(out, "\"stay_id\":\"S2\"") < strstr(out, "\"stay_id\":\"B1\""));
  CHECK(contains(out, "\"hifmi_pay\":\"375.00\""));
  CHECK(contains(errors, "{\"stay_id\":\"S3\",\"line\":4,\"error\":{\"code\":\"bad_amount\""));
  medsettle_string_free(out);
  medsettle_string_free(errors);

  /* All settled: MEDSETTLE_OK; the counts are optional. */
  out = errors = NULL;
  CHECK_STATUS(medsettle_settle_batch_jsonl(plan, stay1, strlen(stay1), 0, MEDSETTLE_TRACE, &out, NULL, &errors, NULL,
                                            NULL, NULL),
               MEDSETTLE_OK);
  CHECK(contains(out, "{\"settlement\":{\"stay_id\":\"S1\""));
  CHECK(errors != NULL && errors[0] == '\0');
  medsettle_string_free(out);
  medsettle_string_free(errors);

  /* threads = UINT_MAX: clamped to the persons (here 2), never a thread per
     anything, the same result as 2 threads (issue #18, item 6). */
  out = errors = NULL;
  CHECK_STATUS(medsettle_settle_batch_jsonl(plan, input, strlen(input), 4294967295u, 0, &out, &out_len, &errors,
                                            &errors_len, &settled, &rejected),
               MEDSETTLE_REJECTED);
  CHECK(settled == 3 && rejected == 1);
  CHECK(contains(out, "\"hifmi_pay\":\"375.00\""));
  medsettle_string_free(out);
  medsettle_string_free(errors);

  /* An empty batch. */
  out = errors = NULL;
  CHECK_STATUS(medsettle_settle_batch_jsonl(plan, NULL, 0, 1, 0, &out, &out_len, &errors, &errors_len, &settled,
                                            &rejected),
               MEDSETTLE_OK);
  CHECK(out != NULL && out_len == 0 && settled == 0 && rejected == 0);
  medsettle_string_free(out);
  medsettle_string_free(errors);

  medsettle_plan_free(plan);
}

static void test_null_arguments(void) {
  medsettle_plan *plan = NULL;
  medsettle_ledger *ledger = NULL;
  char *json = (char *)&json, *errors = (char *)&errors;
  size_t len = 7;
  CHECK_STATUS(medsettle_plan_default(&plan), MEDSETTLE_OK);
  CHECK_STATUS(medsettle_ledger_new(plan, &ledger), MEDSETTLE_OK);

  CHECK_STATUS(medsettle_plan_default(NULL), MEDSETTLE_INVALID_ARGUMENT);
  CHECK(strlen(medsettle_last_error()) > 0);
  CHECK_STATUS(medsettle_plan_load_file("x.yaml", NULL), MEDSETTLE_INVALID_ARGUMENT);
  CHECK_STATUS(medsettle_plan_load_string("x", 1, "x", NULL), MEDSETTLE_INVALID_ARGUMENT);
  {
    medsettle_plan *p = (medsettle_plan *)&p; /* an out parameter is reset to NULL */
    CHECK_STATUS(medsettle_plan_load_file(NULL, &p), MEDSETTLE_INVALID_ARGUMENT);
    CHECK(p == NULL);
    p = (medsettle_plan *)&p;
    CHECK_STATUS(medsettle_plan_load_string(NULL, 5, "x", &p), MEDSETTLE_INVALID_ARGUMENT);
    CHECK(p == NULL);
  }
  CHECK(medsettle_plan_id(NULL) == NULL);
  CHECK(medsettle_plan_title(NULL) == NULL);
  CHECK(medsettle_plan_digest(NULL) == NULL);
  {
    medsettle_ledger *l = (medsettle_ledger *)&l;
    CHECK_STATUS(medsettle_ledger_new(NULL, &l), MEDSETTLE_INVALID_ARGUMENT);
    CHECK(l == NULL);
    CHECK_STATUS(medsettle_ledger_new(plan, NULL), MEDSETTLE_INVALID_ARGUMENT);
  }

  CHECK_STATUS(medsettle_settle_json(NULL, ledger, stay1, strlen(stay1), 0, &json, &len), MEDSETTLE_INVALID_ARGUMENT);
  CHECK(json == NULL && len == 0);
  CHECK(contains(medsettle_last_error(), "plan is NULL"));
  CHECK_STATUS(medsettle_settle_json(plan, NULL, stay1, strlen(stay1), 0, &json, &len), MEDSETTLE_INVALID_ARGUMENT);
  CHECK_STATUS(medsettle_settle_json(plan, ledger, NULL, 10, 0, &json, &len), MEDSETTLE_INVALID_ARGUMENT);
  CHECK_STATUS(medsettle_settle_json(plan, ledger, stay1, strlen(stay1), 0, NULL, &len), MEDSETTLE_INVALID_ARGUMENT);
  CHECK_STATUS(medsettle_settle_json(plan, ledger, stay1, strlen(stay1), 4, &json, &len), MEDSETTLE_INVALID_ARGUMENT);
  CHECK(contains(medsettle_last_error(), "unknown flag"));

  json = (char *)&json;
  CHECK_STATUS(medsettle_settle_batch_jsonl(NULL, stay1, strlen(stay1), 1, 0, &json, NULL, &errors, NULL, NULL, NULL),
               MEDSETTLE_INVALID_ARGUMENT);
  CHECK(json == NULL && errors == NULL);
  CHECK_STATUS(medsettle_settle_batch_jsonl(plan, NULL, 3, 1, 0, &json, NULL, &errors, NULL, NULL, NULL),
               MEDSETTLE_INVALID_ARGUMENT);
  CHECK_STATUS(medsettle_settle_batch_jsonl(plan, stay1, strlen(stay1), 1, 0, NULL, NULL, &errors, NULL, NULL, NULL),
               MEDSETTLE_INVALID_ARGUMENT);
  CHECK_STATUS(medsettle_settle_batch_jsonl(plan, stay1, strlen(stay1), 1, 0, &json, NULL, NULL, NULL, NULL, NULL),
               MEDSETTLE_INVALID_ARGUMENT);
  CHECK(json == NULL);

  medsettle_ledger_free(ledger);
  medsettle_plan_free(plan);
}

/* A plan shared by threads, one ledger per thread. */
struct worker {
  const medsettle_plan *plan;
  int ok;
};

static void *work(void *arg) {
  struct worker *w = (struct worker *)arg;
  int i;
  w->ok = 1;
  for (i = 0; i < 50; ++i) {
    medsettle_ledger *ledger = NULL;
    char *json = NULL;
    if (medsettle_ledger_new(w->plan, &ledger) != MEDSETTLE_OK) w->ok = 0;
    if (medsettle_settle_json(w->plan, ledger, stay1, strlen(stay1), 0, &json, NULL) != MEDSETTLE_OK) w->ok = 0;
    if (!contains(json, "\"hifp_pay\":\"7125.00\"")) w->ok = 0;
    medsettle_string_free(json);
    json = NULL;
    /* last_error is per thread: this failure is not seen by the others. */
    if (medsettle_settle_json(w->plan, ledger, stay1, strlen(stay1), 8, &json, NULL) != MEDSETTLE_INVALID_ARGUMENT)
      w->ok = 0;
    if (!contains(medsettle_last_error(), "unknown flag")) w->ok = 0;
    medsettle_ledger_free(ledger);
  }
  return NULL;
}

static void test_threads(void) {
  enum { n = 4 };
  pthread_t threads[n];
  struct worker workers[n];
  medsettle_plan *plan = NULL;
  int i;
  CHECK_STATUS(medsettle_plan_default(&plan), MEDSETTLE_OK);
  for (i = 0; i < n; ++i) {
    workers[i].plan = plan;
    workers[i].ok = 0;
    CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
  }
  for (i = 0; i < n; ++i) {
    CHECK(pthread_join(threads[i], NULL) == 0);
    CHECK(workers[i].ok);
  }
  medsettle_plan_free(plan);
}

/* A ledger kept by the caller as JSON: S1 settled, the ledger written out
 * and read back, then S2 continues the year as if it had never left. */
static void test_ledger_json(void) {
  medsettle_plan *plan = NULL;
  medsettle_ledger *ledger = NULL, *again = NULL;
  char *json = NULL, *text = NULL;
  CHECK_STATUS(medsettle_plan_default(&plan), MEDSETTLE_OK);
  CHECK_STATUS(medsettle_ledger_new(plan, &ledger), MEDSETTLE_OK);
  CHECK_STATUS(medsettle_settle_json(plan, ledger, stay1, strlen(stay1), 0, &json, NULL), MEDSETTLE_OK);
  medsettle_string_free(json);
  CHECK_STATUS(medsettle_ledger_to_json(ledger, &text, NULL), MEDSETTLE_OK);
  CHECK(contains(text, "\"person_id\":\"P1\""));
  /* critical illness accumulated the 2875.00 left after basic */
  CHECK(contains(text, "\"critical_illness\":{\"accumulated\":\"2875.00\""));
  CHECK_STATUS(medsettle_ledger_from_json(plan, text, strlen(text), &again), MEDSETTLE_OK);
  CHECK_STATUS(medsettle_settle_json(plan, again, stay2, strlen(stay2), 0, &json, NULL), MEDSETTLE_OK);
  CHECK(contains(json, "\"hifmi_pay\":\"375.00\""));  /* 0.50 x (7875.00 - 7125.00) */
  medsettle_string_free(json);
  /* The same stay again: the ledger read back still holds it. */
  CHECK_STATUS(medsettle_settle_json(plan, again, stay1, strlen(stay1), 0, &json, NULL), MEDSETTLE_REJECTED);
  CHECK(contains(json, "duplicate_stay_id"));
  medsettle_string_free(json);
  medsettle_ledger_free(again);
  again = NULL;
  CHECK_STATUS(medsettle_ledger_from_json(plan, "{\"person_id\":1}", 15, &again),
               MEDSETTLE_INVALID_ARGUMENT);
  CHECK(again == NULL);
  medsettle_string_free(text);
  medsettle_ledger_free(ledger);
  medsettle_plan_free(plan);
}

/* A kept ledger in an SQLite file: S1 settled, S2 pre-settled then
 * settled (the same figures), S1 refused as not the last, the cascade. */
static void test_store(const char *program) {
  medsettle_plan *plan = NULL;
  medsettle_store *store = NULL;
  char *json = NULL, *pre = NULL, *out = NULL, *errors = NULL;
  size_t settled = 0, rejected = 0;
  char path[96];
  /* capi_test_shared and capi_test_static may run at once: one file each. */
  snprintf(path, sizeof path, "/tmp/medsettle-capi-%s-%ld.db", strstr(program, "static") ? "static" : "shared",
           (long)time(NULL));
  remove(path);
  CHECK_STATUS(medsettle_plan_default(&plan), MEDSETTLE_OK);
  CHECK_STATUS(medsettle_store_open("/nonexistent-folder/x/ledger.db", &store), MEDSETTLE_STORE_ERROR);
  CHECK(store == NULL);
  CHECK_STATUS(medsettle_store_open(path, &store), MEDSETTLE_OK);
  CHECK_STATUS(medsettle_store_settle_json(store, plan, stay1, strlen(stay1), 0, &json, NULL), MEDSETTLE_OK);
  CHECK(contains(json, "\"hifp_pay\":\"7125.00\""));
  medsettle_string_free(json);
  CHECK_STATUS(medsettle_store_settle_json(store, plan, stay2, strlen(stay2), MEDSETTLE_DRY_RUN, &pre, NULL),
               MEDSETTLE_OK);
  CHECK(contains(pre, "\"hifmi_pay\":\"375.00\""));
  CHECK_STATUS(medsettle_store_settle_batch_jsonl(store, plan, stay2, strlen(stay2), 1, 0, &out, NULL, &errors, NULL,
                                                  &settled, &rejected),
               MEDSETTLE_OK);
  CHECK(settled == 1 && rejected == 0);
  CHECK(out && pre && strncmp(out, pre, strlen(pre)) == 0);  /* the final settlement is the pre-settlement */
  medsettle_string_free(pre);
  medsettle_string_free(out);
  medsettle_string_free(errors);
  CHECK_STATUS(medsettle_store_reverse(store, "S1", NULL, 0, &json, NULL), MEDSETTLE_REJECTED);
  CHECK(contains(json, "\"code\":\"not_last\""));
  medsettle_string_free(json);
  CHECK_STATUS(medsettle_store_reverse(store, "S1", "wrong identity", MEDSETTLE_CASCADE, &json, NULL), MEDSETTLE_OK);
  CHECK(count_lines(json) == 2);
  CHECK(contains(json, "\"hifmi_pay\":\"-375.00\""));
  CHECK(contains(json, "\"reversal\":true"));
  medsettle_string_free(json);
  CHECK_STATUS(medsettle_store_ledger_json(store, "P1", &json, NULL), MEDSETTLE_OK);
  CHECK(contains(json, "\"stays\":[]"));
  CHECK(contains(json, "\"reason\":\"wrong identity\""));
  medsettle_string_free(json);
  medsettle_store_close(store);
  medsettle_plan_free(plan);
  remove(path);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: capi_test RULES_DIR\n");
    return 2;
  }
  test_library();
  test_default_plan();
  test_settle_and_accumulate();
  test_rule_errors(argv[1]);
  test_batch();
  test_null_arguments();
  test_threads();
  test_ledger_json();
  test_store(argv[0]);
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("capi: all checks passed\n");
  return 0;
}
