#include "bench/bare_kernel.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <functional>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "sim/rng.hpp"
#include "sim/routing.hpp"

namespace migrasim::bench {

namespace {

struct Agents {  // 32 bytes per agent
  std::vector<std::int32_t> place, arc, destination, origin, departure, entry;
  std::vector<float> km;
  std::vector<std::uint16_t> wait;
  std::vector<std::uint8_t> status, flags;
  void resize(std::size_t n) {
    for (auto* v : {&place, &arc, &destination, &origin, &departure, &entry}) v->assign(n, 0);
    km.assign(n, 0);
    wait.assign(n, 0);
    status.assign(n, 0);
    flags.assign(n, 0);
  }
  static constexpr std::size_t bytes = 6 * 4 + 4 + 2 + 1 + 1;
};
static_assert(Agents::bytes == 32);

constexpr std::uint8_t settled = 1;
constexpr std::array<double, travel_mode_count> speed_km_per_day{400, 30, 200, 3000};

}  // namespace

BareResult run_bare_kernel(const World& world, std::int64_t agents, std::int32_t days, int threads,
                           std::uint64_t seed) {
  const KeyedRng rng(seed);
  const auto n = static_cast<std::size_t>(agents);
  const auto places = static_cast<std::size_t>(world.place_count());
  const auto routes = static_cast<std::size_t>(world.route_count());
  std::vector<place_id> origins, destinations;
  for (std::size_t p = 0; p < places; ++p) {
    const Place& place = world.places()[p];
    (place.kind == PlaceKind::destination ? destinations : origins).push_back(static_cast<place_id>(p));
  }
  BareResult result;
  if (origins.empty() || destinations.empty()) return result;
  tbb::task_arena arena(std::max(1, threads));
  auto parallel = [&](std::size_t count, auto&& body) {
    arena.execute([&] {
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, count, 4096),
                        [&](const tbb::blocked_range<std::size_t>& r) { body(r.begin(), r.end()); });
    });
  };

  // Day 0, set-up: the agents at origins, each with a destination.
  Agents a;
  a.resize(n);
  parallel(n, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      const auto w = rng.words(i, 0, Purpose::spawn_count);
      const place_id o = origins[w.v[0] % origins.size()];
      a.place[i] = a.origin[i] = o;
      a.arc[i] = -1;
      a.destination[i] = destinations[w.v[1] % destinations.size()];
    }
  });
  // Least-time routes to the destinations (the same Dijkstra as the economic model) and, per place, the
  // cumulative weights of its routes out for the detours.
  RoutingOptions options;
  options.speed_km_per_day = speed_km_per_day;
  const RoutingTables tables = compute_routing(
      world, destinations, options,
      [&](std::size_t b, std::size_t e, const std::function<void(std::size_t, std::size_t)>& body) {
        arena.execute([&] {
          tbb::parallel_for(tbb::blocked_range<std::size_t>(b, e, 1),
                            [&](const tbb::blocked_range<std::size_t>& r) { body(r.begin(), r.end()); });
        });
      });
  std::vector<std::int32_t> target_of(places, -1);
  for (std::size_t k = 0; k < destinations.size(); ++k)
    target_of[static_cast<std::size_t>(destinations[k])] = static_cast<std::int32_t>(k);
  std::vector<std::size_t> out_first(places + 1, 0);
  std::vector<double> cumulative, total_weight(places, 0);
  for (std::size_t p = 0; p < places; ++p) {
    out_first[p] = cumulative.size();
    for (const arc_id* o = world.out_arcs_begin(static_cast<place_id>(p));
         o != world.out_arcs_end(static_cast<place_id>(p)); ++o) {
      total_weight[p] += 1.0 / world.routes()[static_cast<std::size_t>(world.arc_route(*o))].distance_km;
      cumulative.push_back(total_weight[p]);
    }
  }
  out_first[places] = cumulative.size();
  constexpr double detour = 0.05;
  tbb::enumerable_thread_specific<std::vector<std::int64_t>> flow, count;
  std::vector<std::int64_t> flow_total(routes), count_total(places);

  const auto t0 = std::chrono::steady_clock::now();
  for (std::int32_t day = 1; day <= days; ++day) {
    for (auto& f : flow) std::fill(f.begin(), f.end(), 0);
    for (auto& c : count) std::fill(c.begin(), c.end(), 0);
    // Raw pointers, as in the kernel: writes through uint8_t flags would otherwise reload every column.
    std::int32_t* const place_of = a.place.data();
    std::int32_t* const arc_of = a.arc.data();
    float* const km_of = a.km.data();
    std::uint8_t* const flags_of = a.flags.data();
    std::int32_t* const entry_of = a.entry.data();
    const std::int32_t* const destination_of = a.destination.data();
    parallel(n, [&](std::size_t b, std::size_t e) {
      auto& f = flow.local();
      if (f.size() != routes) f.assign(routes, 0);
      for (std::size_t i = b; i < e; ++i) {
        if (flags_of[i] & settled) continue;
        const place_id dest = destination_of[i];
        place_id at = place_of[i];
        arc_id arc = arc_of[i];
        double km = km_of[i], budget_days = 1.0;
        const auto w = rng.words(i, day, Purpose::route_priority);
        double u = KeyedRng::to_unit(w.v[0]);
        for (int hop = 0; hop < 64; ++hop) {
          if (arc < 0) {
            if (at == dest) {
              flags_of[i] |= settled;
              break;
            }
            // The route out: the next hop towards the destination, or with probability `detour` a
            // route drawn by weight (1 / km) among all those out of the place.
            if (u < detour) {
              const double target = (u / detour) * total_weight[static_cast<std::size_t>(at)];
              const std::size_t first = out_first[static_cast<std::size_t>(at)];
              const std::size_t last = out_first[static_cast<std::size_t>(at) + 1];
              std::size_t k = first;
              while (k + 1 < last && cumulative[k] <= target) ++k;
              arc = world.out_arcs_begin(at)[k - first];
            } else {
              arc = tables.next(target_of[static_cast<std::size_t>(dest)], at, world.place_count());
            }
            u = KeyedRng::to_unit(w.v[1 + (hop % 3)]);  // the draw's other words for the next places
            if (arc < 0) break;
            km = 0;
            ++f[static_cast<std::size_t>(world.arc_route(arc))];
          }
          const Route& route = world.routes()[static_cast<std::size_t>(world.arc_route(arc))];
          const double speed = speed_km_per_day[static_cast<std::size_t>(route.mode)];
          const double need = (route.distance_km - km) / speed;
          if (need > budget_days) {
            km += budget_days * speed;
            break;
          }
          budget_days -= need;
          at = world.arc_target(arc);
          if (route.crosses_border) entry_of[i] = day;
          arc = -1;
          km = 0;
        }
        place_of[i] = arc < 0 ? at : -1;
        arc_of[i] = arc;
        km_of[i] = static_cast<float>(km);
      }
    });
    parallel(n, [&](std::size_t b, std::size_t e) {
      auto& c = count.local();
      if (c.size() != places) c.assign(places, 0);
      for (std::size_t i = b; i < e; ++i)
        if (a.place[i] >= 0) ++c[static_cast<std::size_t>(a.place[i])];
    });
    std::fill(flow_total.begin(), flow_total.end(), 0);
    std::fill(count_total.begin(), count_total.end(), 0);
    for (const auto& f : flow)
      for (std::size_t k = 0; k < f.size(); ++k) flow_total[k] += f[k];
    for (const auto& c : count)
      for (std::size_t k = 0; k < c.size(); ++k) count_total[k] += c[k];
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::size_t done = 0;
  for (std::size_t i = 0; i < n; ++i) done += (a.flags[i] & settled) ? 1 : 0;
  result.agent_days_per_s = static_cast<double>(n) * days / seconds;
  result.bytes_per_agent = Agents::bytes;
  result.settled_share = static_cast<double>(done) / static_cast<double>(n);
  return result;
}

}  // namespace migrasim::bench
