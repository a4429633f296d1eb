// medsettle/record.hpp: one input record on its way to the batch: a stay,
// or why it could not be read, with what places it in its person's order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "medsettle/date.hpp"
#include "medsettle/errors.hpp"
#include "medsettle/stay.hpp"

namespace medsettle {

/// One input record: a stay, or why it could not be read.
struct Record {
  std::uint64_t line = 0;                ///< 1-based physical line where the record starts
  Stay stay;                             ///< complete when !rejection; else the fields that could be read
  std::optional<Rejection> rejection;    ///< set when the record is not a valid stay

  // What could be read of a rejected record, to place it in processing order.
  bool has_stay_id = false;              ///< stay.stay_id was read
  bool has_person_id = false;            ///< stay.person_id was read
  std::string admitted_text, discharged_text;  ///< raw texts when given as strings
  std::optional<Date> discharged_date;   ///< when discharged_text is a real date
  /// Set by the readers: the stay met validate() when it was read (the
  /// batch then does not check it again). Leave it false for a record built
  /// or changed in code.
  bool checked = false;
};

}  // namespace medsettle
