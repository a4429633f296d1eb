// Money and rates do not add: Rate + Fen must not compile either.
#include "medsettle/money.hpp"

void f() {
  medsettle::Fen a(100);
  medsettle::Rate r(8500);
  (void)a;
  (void)r;
#ifndef MEDSETTLE_COMPILE_OK
  auto bad = r + a;
  (void)bad;
#endif
}
