#pragma once
// Parameter checks shared by the models' validate() functions: one message format for every model,
// "NAME = VALUE: expected WHAT" (a NaN fails every check).
#include <string>

#include "sim/errors.hpp"

namespace migrasim {

inline void check_range(const std::string& name, double v, double lo, double hi, const std::string& what) {
  if (!(v >= lo && v <= hi)) throw InputError(name + " = " + std::to_string(v) + ": expected " + what);
}

// A share of people (of a population, of a group).
inline void check_share(const std::string& name, double v) {
  check_range(name, v, 0, 1, "a share in [0, 1]");
}

// A chance per event or per day.
inline void check_probability(const std::string& name, double v) {
  check_range(name, v, 0, 1, "a probability in [0, 1]");
}

}  // namespace migrasim
