// Money and rates do not add: Rate + Fen must not compile either.
// The diagnostic this file must give (g++ | clang++; [^ ]* stands for a quote), as a CMake
// regular expression, on the line marked "expected error":
// expected-error: (use of deleted function [^ ]*medsettle::Fen medsettle::operator\+\(Rate, Fen\)|overload resolution selected deleted operator [^ ]*\+)
#include "medsettle/money.hpp"

void f() {
  medsettle::Fen a(100);
  medsettle::Rate r(8500);
  (void)a;
  (void)r;
#ifndef MEDSETTLE_COMPILE_OK
  auto bad = r + a;  // expected error
  (void)bad;
#endif
}
