// A bare integer is not an amount: Fen f = 5; must not compile (the
// constructor is explicit), while Fen f(5); does.
// The diagnostic this file must give (g++ | clang++; [^ ]* stands for a quote), as a CMake
// regular expression, on the line marked "expected error":
// expected-error: (conversion from [^ ]*int[^ ]* to non-scalar type [^ ]*medsettle::Fen[^ ]* requested|no viable conversion from [^ ]*int[^ ]* to [^ ]*medsettle::Fen[^ ]*)
#include "medsettle/money.hpp"

void f() {
  medsettle::Fen ok(5);
  (void)ok;
#ifndef MEDSETTLE_COMPILE_OK
  medsettle::Fen bad = 5;  // expected error
  (void)bad;
#endif
}
