#pragma once
// Walking a driver's movers to their destinations (docs/models/economic.md, "Routes"): least-travel-time
// routes with every route open (the planned route) and over the open routes (once rerouting); a mover
// held at a closed or full route, or refused by the run's entry rules, is stranded there, tries again the
// next day, reroutes after `patience_days` and, stranded that long, goes home with probability
// `stranded_return_per_day`; routes with a daily capacity admit, each day, the waiting movers with the best
// keyed priorities; on arrival the mover settles (regular at home or with a permit, else irregular).
// A mover who chose at a border to look for another destination (journey::away_from, the crossing
// market's option) draws one among the driver's destinations in another country than the old one,
// reachable over the open routes, with probability in proportion to the driver's pull for its country
// of origin over (km from where it stands)^distance_exponent; with none, it keeps the old one.
// Drivers that create movers with a destination (economic push, family ties) own one walker each; it
// moves only the agents of the driver whose hooks call it, through the kernel's movement routine
// (sim/movement.hpp), so the crossing market, the entry rules and the route risks meet them all.
#include <array>
#include <cstdint>
#include <vector>

#include <tbb/enumerable_thread_specific.h>

#include "models/shared_columns.hpp"
#include "sim/model.hpp"
#include "sim/routing.hpp"

namespace migrasim {
struct Traveller;  // sim/movement.hpp
}

namespace migrasim::models {

class RouteWalker {
 public:
  struct Rules {
    std::array<double, travel_mode_count> speed_km_per_day{400, 25, 200, 3000};  // road, foot, sea, air
    std::int32_t patience_days = 7;      // days stranded before rerouting
    double stranded_return_per_day = 0;  // stranded `patience_days` or more: go home, per day
    Purpose return_home{0};              // the driver's purpose for that draw
    Purpose other_destination{0};        // the driver's purpose for drawing another destination
    double distance_exponent = 0;        // ... whose weight is pull / km^distance_exponent
  };
  // Once, in the driver's on_start: the destinations its movers may have, its rules, and its pull
  // [country of origin x destination] (weights of another destination, before distance).
  void start(StepContext& ctx, std::vector<place_id> destinations, const Rules& rules,
             std::vector<double> pull);
  // In the driver's on_route_state_changed (and by start): routes over the open network, travel per route.
  void route_state_changed(StepContext& ctx);
  // The routes with every route open (where the movers set out), targets in the order of the destinations.
  const RoutingTables& planned() const { return planned_; }
  // In the driver's decide: places on capacity-limited routes for its movers waiting at their entrance.
  void admit(StepContext& ctx) const;
  // In the driver's move: walks its movers (driver == ctx.model_index()) that are not settled.
  void move(StepContext& ctx, FlagBit holds_permit, CrossingOptions ways);
  // In the driver's update_status: settles today's arrivals at their destination.
  void settle(StepContext& ctx, FlagBit holds_permit);

 private:
  // Per route, refreshed when the route state changes: what the move loop needs, in 16 bytes, so that
  // it stays in cache.
  struct RouteTravel {
    float distance_km;
    float speed_km_per_day;
    std::int32_t capacity_per_day;  // -1 unlimited
    bool open;
    bool crosses_border;
  };
  struct Mover;
  // Another destination for mover t, whose destination reads journey::away_from(old): sets it (and
  // follows the open routes) and returns it; the old one where no other can be reached.
  place_id other_destination(Traveller& t, Population& pop, const KeyedRng& rng, std::int32_t day) const;

  Rules rules_;
  const World* world_ = nullptr;
  std::vector<place_id> destinations_;
  std::vector<country_id> destination_country_;  // [destination]
  std::vector<double> pull_;                     // [country of origin * destinations + destination]
  RoutingTables planned_;                        // all routes open: the route an agent sets out on
  RoutingTables open_;                           // current state: what a rerouting agent follows
  std::vector<RouteTravel> travel_;
  bool any_capacity_ = false;  // some open route has a daily capacity: admit() allocates places on it
  // Agents that reached their destination during today's move, per thread; settle() settles them
  // without scanning the whole population.
  tbb::enumerable_thread_specific<std::vector<std::size_t>> arrivals_;
};

}  // namespace migrasim::models
