// A bare integer is not an amount: Fen f = 5; must not compile (the
// constructor is explicit), while Fen f(5); does.
#include "medsettle/money.hpp"

void f() {
  medsettle::Fen ok(5);
  (void)ok;
#ifndef MEDSETTLE_COMPILE_OK
  medsettle::Fen bad = 5;
  (void)bad;
#endif
}
