// Money and rates do not add: Fen + Rate must not compile.
#include "medsettle/money.hpp"

void f() {
  medsettle::Fen a(100);
  medsettle::Rate r(8500);
  (void)a;
  (void)r;
#ifndef MEDSETTLE_COMPILE_OK
  auto bad = a + r;
  (void)bad;
#endif
}
