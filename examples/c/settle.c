/* examples/c/settle.c: settling a person's stays through the C ABI.
 *
 *   cc settle.c $(pkg-config --cflags --libs medsettle) -o settle && ./settle [RULE_FILE]
 *
 * Without a rule file the built-in default rule set (hunan) is used. Every
 * string the library returns is freed with medsettle_string_free(); the plan
 * and the ledger with their own _free functions. */
#include <stdio.h>
#include <string.h>

#include <medsettle/medsettle.h>

/* Two stays of one person in 2019, and one with a bad amount. */
static const char *const stays[] = {
    "{\"stay_id\":\"S1\",\"person_id\":\"P1\",\"age\":40,\"hospital_level\":\"county\",\"region\":\"in_county\","
    "\"admitted\":\"2019-03-02\",\"discharged\":\"2019-03-12\",\"diagnoses\":[\"J18.9\"],"
    "\"fees\":[{\"category\":\"A\",\"amount\":\"10000.00\"}]}",
    "{\"stay_id\":\"S2\",\"person_id\":\"P1\",\"age\":40,\"hospital_level\":\"county\",\"region\":\"in_county\","
    "\"admitted\":\"2019-05-02\",\"discharged\":\"2019-05-12\",\"diagnoses\":[\"J18.9\"],"
    "\"fees\":[{\"category\":\"A\",\"amount\":\"30000.00\"}]}",
    "{\"stay_id\":\"S3\",\"person_id\":\"P1\",\"age\":40,\"hospital_level\":\"county\",\"region\":\"in_county\","
    "\"admitted\":\"2019-06-02\",\"discharged\":\"2019-06-12\",\"diagnoses\":[\"J18.9\"],"
    "\"fees\":[{\"category\":\"A\",\"amount\":\"-5\"}]}",
};

int main(int argc, char **argv) {
  medsettle_plan *plan = NULL;
  medsettle_ledger *ledger = NULL;
  medsettle_status status;
  size_t i;
  int settled = 0, rejected = 0;

  status = argc > 1 ? medsettle_plan_load_file(argv[1], &plan) : medsettle_plan_default(&plan);
  if (status != MEDSETTLE_OK) {
    /* For a rule file: every problem as file:line:column: message. */
    fprintf(stderr, "%s\n%s\n", medsettle_status_name(status), medsettle_last_error());
    return 2;
  }
  printf("rule set %s (%s), medsettle %s\n", medsettle_plan_id(plan), medsettle_plan_digest(plan),
         medsettle_version());

  /* One ledger per person, kept between that person's stays. */
  status = medsettle_ledger_new(plan, &ledger);
  if (status != MEDSETTLE_OK) {
    fprintf(stderr, "%s\n", medsettle_last_error());
    medsettle_plan_free(plan);
    return 2;
  }
  for (i = 0; i < sizeof stays / sizeof stays[0]; ++i) {
    char *json = NULL;
    status = medsettle_settle_json(plan, ledger, stays[i], strlen(stays[i]), 0, &json, NULL);
    if (status == MEDSETTLE_OK) {
      printf("settled:  %s\n", json);
      ++settled;
    } else if (status == MEDSETTLE_REJECTED) {
      printf("rejected: %s\n", json); /* {"stay_id", "line", "error": {"code", "field", "message"}} */
      ++rejected;
    } else {
      fprintf(stderr, "%s: %s\n", medsettle_status_name(status), medsettle_last_error());
    }
    medsettle_string_free(json);
  }
  medsettle_ledger_free(ledger); /* before its plan */
  medsettle_plan_free(plan);
  printf("settled %d, rejected %d\n", settled, rejected);
  return settled == 2 && rejected == 1 ? 0 : 1;
}
