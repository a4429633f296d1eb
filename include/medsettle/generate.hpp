// medsettle/generate.hpp: a deterministic synthetic population of stays,
// for `medsettle generate`, the tests, the benchmarks, the Python module and
// the sanity table. Same options, same bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "medsettle/export.hpp"

namespace medsettle::gen {

struct Options {
  std::uint64_t persons = 0;
  std::uint64_t seed = 1;
  int year = 2019;   ///< calendar year of the discharge dates
  bool csv = false;  ///< CSV bucket form instead of JSON Lines
};

/// Generates persons one at a time, appending their stays as text.
class MEDSETTLE_API Population {
 public:
  explicit Population(const Options& options);
  ~Population();
  /// Appends the stays of person `number` (1, 2, ... in order); returns how many.
  std::size_t person(std::uint64_t number, std::string& out);
  /// The CSV header line (with its line end).
  static std::string_view csv_header() noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Appends the whole population (with the CSV header when csv); returns the number of stays.
MEDSETTLE_API std::uint64_t generate(std::string& out, const Options& options);

}  // namespace medsettle::gen
