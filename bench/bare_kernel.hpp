#pragma once
// The bare agent-step kernel: the least any agent-based mover does per agent and day, written without the
// simulation, its mechanisms or its records, as the yardstick for migrasim-bench (issue 12: the full
// kernel must stay at or above 0.6 of it). 32-byte agents (place, arc, km, destination, origin, departure
// day, wait, status, flags, entry day), one keyed Philox draw per agent and day, a weighted route choice
// at each place (the next hop of the least-time path to the destination, from the same routing tables as
// the economic model, or with probability 0.05 a detour drawn among the routes out by weight 1 / km),
// travel within a day at the route's speed, per-thread flow counts, and a per-thread count of agents by
// place at the end of the day.
#include <cstdint>
#include <vector>

#include "sim/world.hpp"

namespace migrasim::bench {

struct BareResult {
  double agent_days_per_s = 0;
  double bytes_per_agent = 0;
  double settled_share = 0;  // at the end: agents at their destination
};

// `agents` agents spread over the non-destination places, each bound for a destination place (keyed draw),
// run for `days` days (after a day 0 of set-up) on `threads` threads.
BareResult run_bare_kernel(const World& world, std::int64_t agents, std::int32_t days, int threads,
                           std::uint64_t seed);

}  // namespace migrasim::bench
