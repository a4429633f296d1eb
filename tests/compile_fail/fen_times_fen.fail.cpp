// Multiplying two amounts has no meaning in money: Fen * Fen must not compile.
// The diagnostic this file must give (g++ | clang++; [^ ]* stands for a quote), as a CMake
// regular expression, on the line marked "expected error":
// expected-error: (use of deleted function [^ ]*medsettle::Fen medsettle::operator\*\(Fen, Fen\)|overload resolution selected deleted operator [^ ]*\*)
#include "medsettle/money.hpp"

void f() {
  medsettle::Fen a(100);
  medsettle::Fen b(200);
  (void)a;
  (void)b;
#ifndef MEDSETTLE_COMPILE_OK
  auto bad = a * b;  // expected error
  (void)bad;
#endif
}
