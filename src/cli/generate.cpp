#include "cli/common.hpp"
namespace medsettle::cli {
Run add_generate(CLI::App& app) {
  app.add_subcommand("generate", "Generate a synthetic population of stays (not yet available)");
  return [] { throw UsageError("generate is not available yet"); return usage; };
}
}  // namespace medsettle::cli
