// Money and rates do not add: Fen + Rate must not compile.
// The diagnostic this file must give (g++ | clang++; [^ ]* stands for a quote), as a CMake
// regular expression, on the line marked "expected error":
// expected-error: (use of deleted function [^ ]*medsettle::Fen medsettle::operator\+\(Fen, Rate\)|overload resolution selected deleted operator [^ ]*\+)
#include "medsettle/money.hpp"

void f() {
  medsettle::Fen a(100);
  medsettle::Rate r(8500);
  (void)a;
  (void)r;
#ifndef MEDSETTLE_COMPILE_OK
  auto bad = a + r;  // expected error
  (void)bad;
#endif
}
