/* medsettle.h is plain C89: this file is compiled with -std=c89 -pedantic -Werror. */
#include <stdio.h>

#include <medsettle/medsettle.h>

int main(void) {
  medsettle_plan *plan = NULL;
  medsettle_status status = medsettle_plan_default(&plan);
  printf("medsettle %s: default plan %s\n", medsettle_version(), plan ? medsettle_plan_id(plan) : "?");
  medsettle_plan_free(plan);
  return status == MEDSETTLE_OK ? 0 : 1;
}
