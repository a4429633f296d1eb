// Where code goes in the library's image. Internal.
//
// The functions every settled stay runs are marked MEDSETTLE_HOT: GCC puts
// them in .text.hot, which the linker lays out together, so that the
// settlement's code is one run of cache lines and not pieces spread over
// the library, where several of them compete for the same set of the
// instruction cache and evict each other at every stay (bench/README.md,
// "The instruction cache"). Paths taken only to refuse a stay are
// MEDSETTLE_COLD: out of the way, and their callers' branches to them laid
// out as unlikely.
#pragma once

#if defined(__GNUC__)
#define MEDSETTLE_HOT [[gnu::hot]]
#define MEDSETTLE_COLD [[gnu::cold]]
#else
#define MEDSETTLE_HOT
#define MEDSETTLE_COLD
#endif
