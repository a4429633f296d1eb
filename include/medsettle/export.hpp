// medsettle/export.hpp: what the shared library exports.
//
// libmedsettle is compiled with hidden symbol visibility; MEDSETTLE_API marks
// the public functions and the classes with out-of-line members, which are
// the only C++ symbols the shared library exports. A consumer needs no
// definition on Linux: the marking is the same when building and when using.
#pragma once

#if defined(_WIN32) || defined(__CYGWIN__)
#  if defined(MEDSETTLE_BUILDING)
#    define MEDSETTLE_API __declspec(dllexport)
#  elif defined(MEDSETTLE_SHARED)
#    define MEDSETTLE_API __declspec(dllimport)
#  else
#    define MEDSETTLE_API
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define MEDSETTLE_API __attribute__((visibility("default")))
#else
#  define MEDSETTLE_API
#endif
