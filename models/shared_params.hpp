#pragma once
// Parameters that several mechanisms declare with one meaning (their tables: sim/params.hpp).
#include <array>
#include <string>

#include "sim/params.hpp"
#include "sim/world.hpp"

namespace migrasim::models {

// speed_km_per_day.{road, foot, sea, air}: the travel speed of `who` (" of the displaced", or "") on routes
// of each mode, km/day in [1e-6, 1e6], with a source each.
template <class P>
void speed_entries(ParamTableOf<P>& t, std::array<double, travel_mode_count> P::*speeds,
                   const std::string& who, const std::array<const char*, travel_mode_count>& sources) {
  for (int m = 0; m < travel_mode_count; ++m) {
    const std::string mode(to_string(static_cast<TravelMode>(m)));
    t.number("speed_km_per_day." + mode,
             [speeds, m](P& p) -> double& { return (p.*speeds)[static_cast<std::size_t>(m)]; })
        .range(1e-6, 1e6)
        .noun("a speed")
        .unit("km/day")
        .about("travel speed" + who + " on " + mode + " routes")
        .source(sources[static_cast<std::size_t>(m)]);
  }
}

}  // namespace migrasim::models
