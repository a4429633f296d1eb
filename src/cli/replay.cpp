#include "cli/common.hpp"
namespace medsettle::cli {
Run add_replay(CLI::App& app) {
  app.add_subcommand("replay", "Recompute recorded settlements and report differences (not yet available)");
  return [] { throw UsageError("replay is not available yet"); return usage; };
}
}  // namespace medsettle::cli
