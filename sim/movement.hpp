#pragma once
// The kernel's one movement routine: every mechanism that walks agents along routes moves them with
// move_agents(). The routine advances each agent along directed arcs within its day's travel budget, counts
// each departure onto a route in the day's flows, stamps the day of entry when a route crosses a border and
// counts that crossing by the way the mover names, asks the run's entry rules before anyone sets out on a
// route (sim/model.hpp, EntryGate: a refusal is an apprehension), asks the run's route risks
// (RouteHazard) whether a traveller dies on a route, hands an agent standing at a place where the run's
// crossing market offers ways across a border to that market (CrossingMarket), and calls back the mechanism's
// rules at the decisions: whether the agent moves today, which arc it takes at a place (or none: it stays),
// what each route costs in budget, and what happens on arrival. The rules decide; the routine keeps
// positions, budgets and counts, so that the arithmetic of travel exists once.
//
// Travel arithmetic: an agent on arc `a` with `km` done and `budget` left needs (length - km) / speed of
// budget to reach the arc's end. When the need exceeds the budget it stops on the arc with km + budget *
// speed done; otherwise it arrives and the budget shrinks by the need. Budgets are in the unit the rules
// choose: days with speeds in km per day, or km with speed 1 (Flee's rules).
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "sim/model.hpp"

namespace migrasim {

// One agent during its day of travel, as the routine and the rules see it. The routine loads it from the
// population before Mover::start and stores place, arc, km and flags after Mover::finish.
struct Traveller {
  std::size_t agent = 0;
  place_id at = -1;   // where the agent is when arc < 0
  arc_id arc = -1;    // directed arc the agent is on, or -1 at a place
  double km = 0;      // km done on arc
  double budget = 1;  // travel left today, in the rules' unit (default one day)
  std::uint8_t flags = 0;
  int arrivals = 0;  // places reached so far today
};

// A route as travel sees it today.
struct Leg {
  double length_km = 0;
  double speed = 1;  // budget units are spent at 1 / speed per km
  bool crosses_border = false;
};

// What a mechanism gives move_agents(): make_mover() is called once per sub-range of agents (on the thread
// that moves them; keep thread-local buffers there) and returns a mover with
//   bool moves(std::size_t agent)          cheap test, before anything is loaded: does it travel today?
//   void start(Traveller&)                 set the budget; may change the position (turn back on an arc)
//   arc_id depart(Traveller&)              at t.at: the arc it would take, or -1 to end the day here (the
//                                          rules record why: arrived, stranded, staying); may change
//                                          t.at/flags; commits nothing for that arc yet
//   void go(Traveller&, arc_id)            it sets out on that arc (the run's entry rules admitted it)
//   void held(Traveller&, arc_id)          the entry rules refused it that arc: it ends the day at t.at
//   Leg leg(route_id) const                length, speed and border crossing of a route today
//   bool reached(Traveller&, route_id)     arrived at t.at by that route; false ends the day here
//   int crossing(const Traveller&, route_id)  after reached(), when that route crosses a border, and when
//                                          the entry rules refuse a route: the way of crossing (a declared
//                                          crossing option) to count, or -1 none
//   void finish(Traveller&)                last look before the routine stores the agent (not called for
//                                          one who died on the way: the run's RouteHazard, sim/model.hpp)
// A day is at most max_hops steps (a departure and its arrival, or an arrival from an arc held overnight).
template <class MakeMover>
void move_agents(StepContext& ctx, MakeMover&& make_mover, int max_hops = 64) {
  Population& pop = ctx.population();
  const World& world = ctx.world();
  const stored_day today = store_day(ctx.day());
  // Raw pointers: flags are uint8_t, which may alias anything, so through std::vector the compiler would
  // reload every column's address after each write.
  place_id* const place_of = pop.place.data();
  arc_id* const arc_of = pop.arc.data();
  float* const km_of = pop.km_done.data();
  std::uint8_t* const flags_of = pop.flags.data();
  stored_day* const entry_of = pop.entry_day.data();
  const std::int16_t* const nationality_of = pop.nationality.data();
  std::uint8_t* const driver_of = pop.driver.data();
  const EntryGate* const gate = ctx.entry_gate();
  const CrossingMarket* const market = ctx.crossing_market();
  const RouteHazard* const hazard = ctx.route_hazard();
  // The loop is compiled for each combination of entry rules and route risks present, so that a run
  // without them pays nothing for them.
  auto run = [&](auto with_gate, auto with_hazard) {
    ctx.parallel_for(0, pop.size(), [&](std::size_t b, std::size_t e) {
      std::int64_t* const flow = ctx.local_flow().data();
      const CrossingCounter crossings = ctx.crossings();
      auto mover = make_mover();
      for (std::size_t i = b; i < e; ++i) {
        if (!mover.moves(i)) continue;
        Traveller t;
        t.agent = i;
        t.at = place_of[i];
        t.arc = arc_of[i];
        t.km = km_of[i];
        t.flags = flags_of[i];
        const std::uint8_t flags_before = t.flags;
        bool died = false;
        mover.start(t);
        for (int hop = 0; hop < max_hops; ++hop) {
          if (t.arc < 0) {
            // At a crossing market that takes the agent: it chooses its way across there from tomorrow.
            if (market && market->at(t.at) && market->takes(i, t.at, t.flags)) {
              driver_of[i] |= journey::at_crossing;
              t.flags &= static_cast<std::uint8_t>(~agent_flag::stranded);  // choosing, not stranded
              break;
            }
            const arc_id next = mover.depart(t);
            if (next < 0) break;
            if (decltype(with_gate)::value && gate->active(world.arc_route(next)) &&
                !gate->admits(i, next, t.flags)) {
              const int option = mover.crossing(t, world.arc_route(next));
              if (option >= 0)
                crossings.add(world.arc_route(next), static_cast<std::uint8_t>(option),
                              CrossingCounter::apprehended, nationality_of[i]);
              mover.held(t, next);
              break;
            }
            mover.go(t, next);
            t.arc = next;
            t.km = 0;
            ++flow[world.arc_route(next)];
          }
          const route_id r = world.arc_route(t.arc);
          const Leg leg = mover.leg(r);
          const double need = (leg.length_km - t.km) / leg.speed;
          if (need > t.budget) {
            t.km += t.budget * leg.speed;
            break;
          }
          t.budget -= need;
          if (decltype(with_hazard)::value && hazard->active(r) && hazard->dies(i, t.arc)) {
            // Died on the way: the journey ends where the route ends (the hazard set the status).
            t.at = world.arc_target(t.arc);
            t.arc = -1;
            t.km = 0;
            t.flags = static_cast<std::uint8_t>((t.flags | agent_flag::settled) & ~agent_flag::stranded);
            died = true;
            break;
          }
          t.at = world.arc_target(t.arc);
          t.arc = -1;
          t.km = 0;
          ++t.arrivals;
          if (leg.crosses_border) entry_of[i] = today;
          const bool goes_on = mover.reached(t, r);
          if (leg.crosses_border) {
            const int option = mover.crossing(t, r);
            if (option >= 0)
              crossings.add(r, static_cast<std::uint8_t>(option), CrossingCounter::crossed,
                            nationality_of[i]);
          }
          if (!goes_on) break;
        }
        if (!died) mover.finish(t);
        place_of[i] = t.arc < 0 ? t.at : -1;
        arc_of[i] = t.arc;
        km_of[i] = static_cast<float>(t.km);
        if (t.flags != flags_before) flags_of[i] = t.flags;
      }
    });
  };
  using yes = std::true_type;
  using no = std::false_type;
  if (gate && hazard)
    run(yes{}, yes{});
  else if (gate)
    run(yes{}, no{});
  else if (hazard)
    run(no{}, yes{});
  else
    run(no{}, no{});
}

}  // namespace migrasim
