// Recorded settlements as the replay reads them: our own settle output or
// the national platform's names (README.md, "The national platform's
// recorded format"). Money is read from its text, never through a double.
// Internal to the audit layer.
#pragma once

#include <array>
#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "medsettle/errors.hpp"
#include "medsettle/money.hpp"
#include "medsettle/replay.hpp"

namespace medsettle::audit {

/// The per-channel figures compared, in report order.
enum ChannelPart : std::uint8_t { part_base, part_deductible, part_paid, part_count };
inline constexpr std::array<std::string_view, part_count> part_names{"base", "deductible", "paid"};

struct RecordedChannel {
  std::string id;
  std::optional<bool> eligible;
  std::array<std::optional<Fen>, part_count> parts;
};

/// One usable recorded line. An absent optional is a figure not given (or null).
struct Recorded {
  std::uint64_t line = 0;
  std::string stay_id;
  std::optional<std::string> person_id;
  std::optional<std::string> rules, version, digest;
  std::array<std::optional<Fen>, replay_field_count> fields;
  std::optional<std::vector<RecordedChannel>> channels;
  /// setldetail summed per fund_pay_type, in first-seen order.
  std::optional<std::vector<std::pair<std::string, Fen>>> detail;
};

/// A recorded line that cannot be used, with its stay id when readable.
struct Unusable {
  std::optional<std::string> stay_id;
  Message problem;
};

/// Reads recorded lines one at a time; keeps its parser and buffer between
/// lines. Not thread-safe.
class RecordedReader {
 public:
  RecordedReader();
  ~RecordedReader();
  RecordedReader(const RecordedReader&) = delete;
  RecordedReader& operator=(const RecordedReader&) = delete;

  /// One line (its text without the line end).
  std::variant<Recorded, Unusable> read(std::string_view text, std::uint64_t line);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Every line of a recorded file, in order, each usable or not. A stay
/// recorded twice makes the second line unusable. Throws IoError if the
/// stream fails.
std::vector<std::variant<Recorded, ReplayMalformed>> read_recorded(std::istream& in);

}  // namespace medsettle::audit
