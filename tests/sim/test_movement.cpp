// The kernel's movement routine (sim/movement.hpp) driven by a toy mechanism that walks agents down a line
// of places: budgets and speeds, flows, border entries, the rules' stops, the hop limit, threads.
#include <catch2/catch.hpp>

#include "../test_worlds.hpp"
#include "sim/memory_recorder.hpp"
#include "sim/movement.hpp"
#include "sim/simulation.hpp"

using namespace migrasim;

namespace {

//   P0 --100-- P1 --100-- P2 --100-- P3      P0, P1 in country A; P2, P3 in country B
std::shared_ptr<const World> line_world() {
  std::vector<Country> c{{"A", "A"}, {"B", "B"}};
  std::vector<Place> p{test::make_place("P0", 0, PlaceKind::town, 1000),
                       test::make_place("P1", 0, PlaceKind::transit_hub, 0),
                       test::make_place("P2", 1, PlaceKind::border_crossing, 0),
                       test::make_place("P3", 1, PlaceKind::destination, 0)};
  std::vector<Route> r{{0, 1, 100, TravelMode::road, false},
                       {1, 2, 100, TravelMode::road, false},
                       {2, 3, 100, TravelMode::road, false}};
  return std::make_shared<const World>(c, p, r);
}

struct WalkRules {
  std::int64_t agents = 3;
  double speed = 160;        // budget units per day are spent at 1 / speed per km
  double budget = 1;         // per day
  place_id stop_after = -1;  // reached() ends the day at this place
  int max_hops = 64;
};

// Walks every agent from P0 towards P3 and settles it there.
class Walker final : public Model {
 public:
  explicit Walker(WalkRules rules) : rules_(rules) {}
  std::string_view name() const override { return "walker"; }
  void declare(Declarations& declared) override { way_ = declared.crossing_option("walked"); }
  void spawn_counts(StepContext& ctx, std::vector<std::int64_t>& per_place) override {
    if (ctx.day() == 0) per_place[0] = rules_.agents;
  }
  void init_agents(StepContext& ctx, std::size_t first, std::size_t last) override {
    for (std::size_t i = first; i < last; ++i) {
      ctx.population().reset(i, 0, ctx.day());
      ctx.population().destination[i] = 3;
    }
  }
  void move(StepContext& ctx) override {
    struct Mover {
      const WalkRules& rules;
      const World& world;
      const Population& pop;
      bool moves(std::size_t i) const { return !(pop.flags[i] & agent_flag::settled); }
      void start(Traveller& t) const { t.budget = rules.budget; }
      arc_id depart(Traveller& t) const {
        if (t.at == pop.destination[t.agent]) {
          t.flags |= agent_flag::settled;
          return -1;
        }
        for (const arc_id* a = world.out_arcs_begin(t.at); a != world.out_arcs_end(t.at); ++a)
          if (world.arc_target(*a) == t.at + 1) return *a;
        return -1;
      }
      void go(Traveller&, arc_id) const {}
      void held(Traveller&, arc_id) const {}
      Leg leg(route_id r) const {
        const Route& route = world.routes()[static_cast<std::size_t>(r)];
        return {route.distance_km, rules.speed, route.crosses_border};
      }
      bool reached(Traveller& t, route_id) const { return t.at != rules.stop_after; }
      std::uint8_t way;
      int crossing(const Traveller&, route_id) const { return way; }
      void finish(Traveller&) const {}
    };
    move_agents(
        ctx,
        [&]() {
          return Mover{rules_, ctx.world(), ctx.population(), way_};
        },
        rules_.max_hops);
  }

 private:
  WalkRules rules_;
  std::uint8_t way_ = 0;
};

struct Run {
  MemoryRecorder rec;
  std::unique_ptr<Simulation> sim;
};

std::unique_ptr<Run> walk(WalkRules rules, std::int32_t days, int threads = 1) {
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<Walker>(rules));
  auto r = std::make_unique<Run>();
  r->sim = std::make_unique<Simulation>(line_world(), Schedule(std::vector<Event>{}), std::move(models),
                                        SimulationConfig{5, days, threads, "2024-01-01"});
  r->sim->add_recorder(&r->rec);
  return r;
}

// Departures onto each route on `day` (from the recorder's flow counts).
std::vector<std::int64_t> flows(const Run& r, std::int32_t day) {
  const std::size_t routes = 3;
  return {r.rec.flow.begin() + static_cast<std::ptrdiff_t>(routes * static_cast<std::size_t>(day)),
          r.rec.flow.begin() + static_cast<std::ptrdiff_t>(routes * static_cast<std::size_t>(day + 1))};
}

}  // namespace

TEST_CASE("the movement routine spends the day's budget route by route") {
  auto r = walk({}, 3);
  const Population& pop = r->sim->population();
  // Day 0 at 160 km/day: P0 -> P1 (0.625 day), then 0.375 day on P1 -> P2: 60 km done.
  r->sim->step(1);
  for (std::size_t i = 0; i < pop.size(); ++i) {
    CHECK(pop.place[i] == -1);
    CHECK(r->sim->world().arc_route(pop.arc[i]) == 1);
    CHECK(r->sim->world().arc_target(pop.arc[i]) == 2);
    CHECK(pop.km_done[i] == Approx(60));
  }
  CHECK(flows(*r, 0) == std::vector<std::int64_t>{3, 3, 0});
  // Day 1: 40 km to P2 (0.25 day), across the border, then P2 -> P3 (0.625 day); at P3 with 0.125 left,
  // depart() is asked there and settles them.
  r->sim->step(1);
  for (std::size_t i = 0; i < pop.size(); ++i) {
    CHECK(pop.place[i] == 3);
    CHECK(pop.arc[i] == -1);
    CHECK(pop.km_done[i] == 0);
    CHECK(pop.entry_day[i] == 1);  // the route P1 -- P2 crosses the border
    CHECK((pop.flags[i] & agent_flag::settled));
  }
  CHECK(flows(*r, 1) == std::vector<std::int64_t>{0, 0, 3});
  // The crossing is counted once, on day 1, by the way the mover named and the agents' nationality (A).
  REQUIRE(r->rec.series_specs()[0].name == "crossings");
  REQUIRE(r->rec.series_specs()[0].coords ==
          std::vector<std::vector<std::string>>{{"P1--P2"}, {"walked"}, {"A", "B"}});
  CHECK(r->rec.series[0] == std::vector<std::int64_t>{0, 0, 3, 0});
  // Day 2: settled agents do not move.
  r->sim->step(1);
  CHECK(flows(*r, 2) == std::vector<std::int64_t>{0, 0, 0});
}

TEST_CASE("the movement routine lets the rules end the day and bounds the steps") {
  SECTION("reached() ends the day at a place with budget left") {
    WalkRules rules;
    rules.stop_after = 1;
    auto r = walk(rules, 2);
    r->sim->step(1);
    const Population& pop = r->sim->population();
    CHECK(pop.place[0] == 1);
    CHECK(pop.arc[0] == -1);
    CHECK(flows(*r, 0) == std::vector<std::int64_t>{3, 0, 0});
  }
  SECTION("budgets in km with speed 1") {
    WalkRules rules;
    rules.speed = 1;
    rules.budget = 130;
    auto r = walk(rules, 2);
    r->sim->step(1);
    const Population& pop = r->sim->population();
    CHECK(pop.place[0] == -1);
    CHECK(r->sim->world().arc_route(pop.arc[0]) == 1);
    CHECK(pop.km_done[0] == Approx(30));
  }
  SECTION("at most max_hops steps a day") {
    WalkRules rules;
    rules.speed = 1000;
    rules.max_hops = 2;
    auto r = walk(rules, 2);
    r->sim->step(1);
    const Population& pop = r->sim->population();
    CHECK(pop.place[0] == 2);  // two routes, though the budget would reach P3
    CHECK(flows(*r, 0) == std::vector<std::int64_t>{3, 3, 0});
  }
}

TEST_CASE("the movement routine gives the same positions on any number of threads") {
  WalkRules rules;
  rules.agents = 50000;
  auto one = walk(rules, 2, 1);
  auto two = walk(rules, 2, 2);
  one->sim->run();
  two->sim->run();
  CHECK(one->sim->population().place == two->sim->population().place);
  CHECK(one->sim->population().arc == two->sim->population().arc);
  CHECK(one->sim->population().km_done == two->sim->population().km_done);
  CHECK(one->rec.flow == two->rec.flow);
}

namespace {

// A crossing market at P1 that takes every walker there and, the next day, carries it to P2 (its trip)
// and hands it back.
class FerryMarket final : public Model, public CrossingMarket {
 public:
  std::string_view name() const override { return "ferry"; }
  void declare(Declarations& declared) override { declared.crossing_market(this); }
  void on_start(StepContext& ctx) override {
    places_.assign(static_cast<std::size_t>(ctx.world().place_count()), 0);
    places_[1] = 1;
  }
  bool takes(std::size_t, place_id p, std::uint8_t) const override { return p == 1; }
  void decide(StepContext& ctx) override {
    Population& pop = ctx.population();
    for (std::size_t i = 0; i < pop.size(); ++i)
      if (pop.driver[i] & journey::at_crossing) {
        pop.place[i] = 2;
        pop.driver[i] = journey::driver_of(pop.driver[i]);
      }
  }
};

}  // namespace

TEST_CASE("the movement routine hands travellers to the crossing market, and walks them on after") {
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<Walker>(WalkRules{}));
  models.push_back(std::make_unique<FerryMarket>());
  MemoryRecorder rec;
  Simulation sim(line_world(), Schedule(std::vector<Event>{}), std::move(models),
                 SimulationConfig{5, 3, 2, "2024-01-01"});
  sim.add_recorder(&rec);
  const Population& pop = sim.population();
  sim.step(1);  // day 0: P0 -> P1 (0.625 day); the market takes them there, before they set out again
  for (std::size_t i = 0; i < pop.size(); ++i) {
    CHECK(pop.place[i] == 1);
    CHECK(pop.driver[i] == (0 | journey::at_crossing));
    CHECK(journey::driver_of(pop.driver[i]) == 0);
  }
  CHECK(rec.flow[1] == 0);  // nobody set out on P1 -> P2
  sim.step(1);              // day 1: carried to P2 and handed back; the walker takes them on to P3
  for (std::size_t i = 0; i < pop.size(); ++i) {
    CHECK(pop.driver[i] == 0);
    CHECK(pop.place[i] == 3);
  }
  CHECK(rec.flow[3 + 1] == 0);  // the market's trip, not a walk, took them over P1 -> P2
  CHECK(rec.flow[3 + 2] == 3);
}
