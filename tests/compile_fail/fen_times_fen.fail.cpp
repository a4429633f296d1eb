// Multiplying two amounts has no meaning in money: Fen * Fen must not compile.
#include "medsettle/money.hpp"

void f() {
  medsettle::Fen a(100);
  medsettle::Fen b(200);
  (void)a;
  (void)b;
#ifndef MEDSETTLE_COMPILE_OK
  auto bad = a * b;
  (void)bad;
#endif
}
