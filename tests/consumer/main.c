/* Settles one stay through the installed library's C ABI and checks the
 * itemized result to the fen. */
#include <stdio.h>
#include <string.h>

#include <medsettle/medsettle.h>

int main(void) {
  static const char stay[] =
      "{\"stay_id\":\"C-1\",\"person_id\":\"P-1\",\"age\":40,\"hospital_level\":\"county\",\"region\":\"in_county\","
      "\"admitted\":\"2019-03-02\",\"discharged\":\"2019-03-12\",\"diagnoses\":[\"J18.9\"],"
      "\"fees\":[{\"category\":\"A\",\"amount\":\"10000.00\"}]}";
  medsettle_plan *plan = NULL;
  medsettle_ledger *ledger = NULL;
  char *json = NULL;
  int ok;
  if (medsettle_plan_default(&plan) != MEDSETTLE_OK || medsettle_ledger_new(plan, &ledger) != MEDSETTLE_OK ||
      medsettle_settle_json(plan, ledger, stay, strlen(stay), 0, &json, NULL) != MEDSETTLE_OK) {
    fprintf(stderr, "medsettle: %s\n", medsettle_last_error());
    return 1;
  }
  /* basic, county: D 500.00, rate 0.75: round(0.75 x (10000.00 - 500.00)) = 7125.00 */
  ok = strstr(json, "\"hifp_pay\":\"7125.00\"") != NULL;
  printf("C ABI %s: %s\n", medsettle_version(), ok ? "hifp_pay 7125.00" : json);
  medsettle_string_free(json);
  medsettle_ledger_free(ledger);
  medsettle_plan_free(plan);
  return ok ? 0 : 1;
}
