#pragma once
// Least-travel-time routing: one Dijkstra (Boost.Graph) per target place over the route graph, stored as
// next-hop tables, so that an agent's next arc is one table lookup. Recomputed by models when the route
// state changes (closures, travel-time factors).
#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "sim/world.hpp"

namespace migrasim {

struct RoutingTables {
  std::vector<place_id> targets;           // the target places, in the order of the tables
  std::vector<std::int32_t> target_index;  // [place] index into targets, -1 if the place is not a target
  std::vector<arc_id> next_arc;            // [t * places + p] first arc of a least-time path p -> targets[t];
                                           // -1 when p is the target or cannot reach it
  std::vector<float> path_km;              // [t * places + p] length of that path, km; +inf when unreachable
  std::vector<float> path_days;            // [t * places + p] its travel time, days; +inf when unreachable

  arc_id next(std::int32_t t, place_id p, std::int32_t places) const {
    return next_arc[static_cast<std::size_t>(t) * static_cast<std::size_t>(places) +
                    static_cast<std::size_t>(p)];
  }
  float km(std::int32_t t, place_id p, std::int32_t places) const {
    return path_km[static_cast<std::size_t>(t) * static_cast<std::size_t>(places) +
                   static_cast<std::size_t>(p)];
  }
};

// Runs body(begin, end) over sub-ranges of [begin, end), possibly in parallel.
using ParallelFor =
    std::function<void(std::size_t, std::size_t, const std::function<void(std::size_t, std::size_t)>&)>;

struct RoutingOptions {
  std::array<double, travel_mode_count> speed_km_per_day{};  // by TravelMode; must be > 0
  // When set, closed routes are left out and travel times are multiplied by their travel-time factor.
  const RouteState* state = nullptr;
};

RoutingTables compute_routing(const World& world, const std::vector<place_id>& targets,
                              const RoutingOptions& options, const ParallelFor& parallel_for);

// The places a route joins, directly or through others, to one of `from` (which are reached themselves),
// over the routes `open` marks (by route id; empty: every route).
std::vector<char> places_reached(const World& world, std::vector<place_id> from,
                                 const std::vector<char>& open = {});

}  // namespace migrasim
