#include "models/route_walker.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>

#include "sim/allocation.hpp"
#include "sim/movement.hpp"

namespace migrasim::models {

void RouteWalker::start(StepContext& ctx, std::vector<place_id> destinations, const Rules& rules,
                        std::vector<double> pull) {
  rules_ = rules;
  world_ = &ctx.world();
  destinations_ = std::move(destinations);
  pull_ = std::move(pull);
  if (pull_.size() != ctx.world().countries().size() * destinations_.size())
    throw InternalError("RouteWalker::start: the pull is not sized countries x destinations");
  destination_country_.clear();
  for (place_id d : destinations_)
    destination_country_.push_back(ctx.world().places()[static_cast<std::size_t>(d)].country);
  RoutingOptions planned_options{rules_.speed_km_per_day, nullptr};
  planned_ = compute_routing(ctx.world(), destinations_, planned_options, ctx.per_item());
  route_state_changed(ctx);
}

void RouteWalker::route_state_changed(StepContext& ctx) {
  const RouteState& state = ctx.route_state();
  RoutingOptions options{rules_.speed_km_per_day, &state};
  open_ = compute_routing(ctx.world(), destinations_, options, ctx.per_item());
  const auto& routes = ctx.world().routes();
  travel_.resize(routes.size());
  any_capacity_ = false;
  for (std::size_t r = 0; r < routes.size(); ++r) {
    const double speed = rules_.speed_km_per_day[static_cast<std::size_t>(routes[r].mode)] /
                         static_cast<double>(state.travel_time_factor[r]);
    travel_[r] = {static_cast<float>(routes[r].distance_km), static_cast<float>(speed),
                  state.capacity_per_day[r], state.open[r] != 0, routes[r].crosses_border};
    any_capacity_ = any_capacity_ || (state.open[r] && state.capacity_per_day[r] >= 0);
  }
}

void RouteWalker::admit(StepContext& ctx) const {
  if (!any_capacity_) return;
  // Requests: agents standing at the entrance of an open, capacity-limited route they mean to take.
  // Each gets a priority from its keyed stream; per route the `capacity` best are admitted. The rule
  // depends only on the set of requests, not on threads (and, later, not on MPI ranks).
  Population& pop = ctx.population();
  const std::uint8_t me = ctx.model_index();
  const std::int32_t places = ctx.world().place_count();
  const std::int32_t day = ctx.day();
  std::vector<ResourceRequest> requests;
  std::mutex merge;
  ctx.parallel_for(0, pop.size(), [&](std::size_t b, std::size_t e) {
    std::vector<ResourceRequest> local;
    for (std::size_t i = b; i < e; ++i) {
      if (pop.driver[i] != me) continue;
      if ((pop.flags[i] & agent_flag::settled) || pop.arc[i] >= 0 || pop.place[i] == pop.destination[i] ||
          journey::looks_elsewhere(pop.destination[i]))
        continue;
      const std::int32_t t = planned_.target_index[static_cast<std::size_t>(pop.destination[i])];
      const arc_id next =
          ((pop.flags[i] & agent_flag::rerouted) ? open_ : planned_).next(t, pop.place[i], places);
      if (next < 0) continue;
      const RouteTravel& travel = travel_[static_cast<std::size_t>(next >> 1)];
      if (!travel.open || travel.capacity_per_day < 0) continue;
      local.push_back({next >> 1, ctx.rng().words(i, day, Purpose::route_priority).v[0], i});
    }
    if (local.empty()) return;
    std::lock_guard<std::mutex> lock(merge);
    requests.insert(requests.end(), local.begin(), local.end());
  });
  admit_best(
      requests,
      [&](std::int32_t route) {
        return static_cast<std::size_t>(travel_[static_cast<std::size_t>(route)].capacity_per_day);
      },
      [&](std::uint64_t agent) { pop.flags[agent] |= agent_flag::admitted; });
}

// The decisions of the kernel's movement routine (sim/movement.hpp): follow the planned route to the
// destination (the open one once rerouting); wait at a closed or full route, or one the entry rules
// refuse.
struct RouteWalker::Mover {
  const RouteWalker& w;
  Population& pop;
  const std::int32_t places;
  const std::int32_t day;
  const std::uint16_t patience;
  const KeyedRng& rng;
  std::vector<std::size_t>& arrived;
  const std::uint8_t* const flags_of;
  const std::uint8_t* const driver_of;
  const place_id* const destination_of;
  const std::int32_t* const target_index;
  const RouteTravel* const travel;
  const std::uint8_t me;
  const std::uint8_t holds_permit;
  const CrossingOptions ways;
  place_id dest = -1;
  std::int32_t target = -1;

  bool moves(std::size_t i) const { return !(flags_of[i] & agent_flag::settled) && driver_of[i] == me; }
  void start(Traveller& t) {
    dest = destination_of[t.agent];
    if (journey::looks_elsewhere(dest)) dest = w.other_destination(t, pop, rng, day);
    target = target_index[dest];
  }
  // Held at a closed or full route, refused by the entry rules, or rerouting and no open way remains:
  // wait here and try again tomorrow; reroute after `patience_days`, and maybe go home.
  void wait(Traveller& t) {
    const std::size_t i = t.agent;
    std::uint16_t waited = (t.flags & agent_flag::stranded) ? pop.wait_days[i] : 0;
    if (waited < 65535) ++waited;
    pop.wait_days[i] = waited;
    t.flags |= agent_flag::stranded;
    if (waited >= patience) t.flags |= agent_flag::rerouted;
    if (waited >= patience && w.rules_.stranded_return_per_day > 0 &&
        rng.uniform(i, day, w.rules_.return_home) < w.rules_.stranded_return_per_day) {
      // Gives up and goes home.
      t.at = pop.origin[i];
      t.flags = static_cast<std::uint8_t>((t.flags | agent_flag::settled) & ~agent_flag::stranded);
      pop.legal_status[i] = LegalStatus::returned;
      pop.status_since[i] = store_day(day);
    }
  }
  arc_id depart(Traveller& t) {
    if (t.at == dest) {
      arrived.push_back(t.agent);
      return -1;
    }
    const arc_id next = ((t.flags & agent_flag::rerouted) ? w.open_ : w.planned_).next(target, t.at, places);
    // Someone reaching a capacity-limited route during the day queues for tomorrow's allocation.
    if (next < 0 || !travel[next >> 1].open ||
        (travel[next >> 1].capacity_per_day >= 0 && !(t.flags & agent_flag::admitted))) {
      wait(t);
      return -1;
    }
    return next;
  }
  void go(Traveller& t, arc_id) {
    if (t.flags & agent_flag::stranded) {
      t.flags &= static_cast<std::uint8_t>(~agent_flag::stranded);
      pop.wait_days[t.agent] = 0;
    }
    t.flags &= static_cast<std::uint8_t>(~agent_flag::admitted);
  }
  void held(Traveller& t, arc_id) { wait(t); }
  Leg leg(route_id r) const {
    const RouteTravel& route = travel[r];
    return {static_cast<double>(route.distance_km), static_cast<double>(route.speed_km_per_day),
            route.crosses_border};
  }
  // Crossing with a permit is the regular way, without one the irregular way alone.
  int crossing(const Traveller& t, route_id) const {
    return (t.flags & holds_permit) ? ways.pathway : ways.alone;
  }
  bool reached(Traveller&, route_id) const { return true; }
  void finish(Traveller& t) const { t.flags = static_cast<std::uint8_t>(t.flags & ~agent_flag::admitted); }
};

place_id RouteWalker::other_destination(Traveller& t, Population& pop, const KeyedRng& rng,
                                        std::int32_t day) const {
  const std::size_t i = t.agent;
  const place_id old = journey::old_destination(pop.destination[i]);
  const auto& places = world_->places();
  const country_id away = places[static_cast<std::size_t>(old)].country;
  const auto origin = static_cast<std::size_t>(places[static_cast<std::size_t>(pop.origin[i])].country);
  const std::size_t n = destinations_.size();
  std::vector<double> cum(n, 0);
  double total = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const double km = open_.km(static_cast<std::int32_t>(k), t.at, world_->place_count());
    if (destination_country_[k] != away && std::isfinite(km))
      total += pull_[origin * n + k] / std::pow(std::max(km, 1.0), rules_.distance_exponent);
    cum[k] = total;
  }
  if (!(total > 0)) {  // nowhere else to go: the old destination again
    pop.destination[i] = old;
    return old;
  }
  const double u = rng.uniform(i, day, rules_.other_destination) * total;
  std::size_t k = 0;
  while (k + 1 < n && !(u < cum[k])) ++k;
  pop.destination[i] = destinations_[k];
  t.flags = static_cast<std::uint8_t>((t.flags | agent_flag::rerouted) & ~agent_flag::stranded);
  pop.wait_days[i] = 0;
  return destinations_[k];
}

void RouteWalker::move(StepContext& ctx, FlagBit holds_permit, CrossingOptions ways) {
  Population& pop = ctx.population();
  world_ = &ctx.world();  // (a fork's world)
  const std::int32_t places = ctx.world().place_count();
  const std::int32_t day = ctx.day();
  for (auto& a : arrivals_) a.clear();
  const KeyedRng& rng = ctx.rng();
  move_agents(ctx, [&]() {
    return Mover{*this,
                 pop,
                 places,
                 day,
                 static_cast<std::uint16_t>(rules_.patience_days),
                 rng,
                 arrivals_.local(),
                 pop.flags.data(),
                 pop.driver.data(),
                 pop.destination.data(),
                 planned_.target_index.data(),
                 travel_.data(),
                 ctx.model_index(),
                 holds_permit.mask,
                 ways};
  });
}

void RouteWalker::settle(StepContext& ctx, FlagBit holds_permit) {
  Population& pop = ctx.population();
  const World& world = ctx.world();
  // Settle today's arrivals. Each agent is updated on its own, so the split among threads is irrelevant.
  for (const auto& arrived : arrivals_) {
    ctx.parallel_for(0, arrived.size(), [&](std::size_t b, std::size_t e) {
      for (std::size_t k = b; k < e; ++k) {
        const std::size_t i = arrived[k];
        const country_id here = world.places()[static_cast<std::size_t>(pop.place[i])].country;
        const country_id home = world.places()[static_cast<std::size_t>(pop.origin[i])].country;
        const bool lawful = here == home || (pop.flags[i] & holds_permit.mask);
        pop.legal_status[i] = lawful ? LegalStatus::regular : LegalStatus::irregular;
        pop.status_since[i] = store_day(ctx.day());
        pop.flags[i] =
            static_cast<std::uint8_t>((pop.flags[i] | agent_flag::settled) & ~agent_flag::stranded);
      }
    });
  }
}

}  // namespace migrasim::models
