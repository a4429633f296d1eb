// medsettle/engine.hpp: everything a caller needs to settle stays, in one
// include: plans, stays and their readers, ledgers, settle() and
// settle_batch(). (An umbrella over settle.hpp and reader.hpp.)
#pragma once

#include "medsettle/reader.hpp"
#include "medsettle/settle.hpp"
