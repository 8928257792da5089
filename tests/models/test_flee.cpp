#include <array>
#include <cmath>
#include <numeric>
#include <set>

#include <tbb/global_control.h>
#include <catch2/catch.hpp>

#include "../test_worlds.hpp"
#include "models/flee.hpp"
#include "sim/errors.hpp"
#include "sim/memory_recorder.hpp"
#include "sim/simulation.hpp"

using namespace migrasim;
using models::FleeKind;

namespace {

// Conflict zone Z (home) -- 50 km -- town T (home) -- 100 km -- camp C (abroad, capacity 1000 by default)
//                                      T -- 300 km -- camp D (abroad, capacity 1000)
struct Case {
  std::shared_ptr<const World> world;
  models::FleeParams params;
};

Case small_case(std::int32_t days, std::int64_t per_day, std::int64_t camp_capacity = 1000) {
  std::vector<Country> countries{{"HOME", "Home"}, {"HOST", "Host"}};

  std::vector<Place> places{test::make_place("Z", 0, PlaceKind::town, 10000, -1),
                            test::make_place("T", 0, PlaceKind::town, 0, -1),
                            test::make_place("C", 1, PlaceKind::shelter, 0, camp_capacity),
                            test::make_place("D", 1, PlaceKind::shelter, 0, camp_capacity)};
  std::vector<Route> routes{{0, 1, 50, TravelMode::road, false},
                            {1, 2, 100, TravelMode::road, false},
                            {1, 3, 300, TravelMode::road, false}};
  Case c;
  c.world = std::make_shared<const World>(countries, places, routes);
  c.params.kind = {FleeKind::conflict_zone, FleeKind::town, FleeKind::camp, FleeKind::camp};
  c.params.conflict_intensity.assign(static_cast<std::size_t>(days) * 4, 0.0f);
  for (std::int32_t d = 0; d < days; ++d) c.params.conflict_intensity[static_cast<std::size_t>(d) * 4] = 1.0f;
  c.params.target_total.resize(static_cast<std::size_t>(days));
  for (std::int32_t d = 0; d < days; ++d)
    c.params.target_total[static_cast<std::size_t>(d)] = per_day * (d + 1);
  c.params.day0_camp_agents.assign(4, 0);
  return c;
}

std::unique_ptr<MemoryRecorder> run(const Case& c, std::int32_t days, int threads,
                                    std::vector<Event> events = {}, std::uint64_t seed = 3) {
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<models::FleeModel>(c.params));
  auto rec = std::make_unique<MemoryRecorder>();
  Simulation sim(c.world, Schedule(std::move(events)), std::move(models),
                 SimulationConfig{seed, days, threads, "2020-01-01"});
  sim.add_recorder(rec.get());
  sim.run();
  return rec;
}

std::int64_t at(const MemoryRecorder& r, std::size_t day, std::size_t place) {
  std::int64_t n = r.stranded[day * 4 + place];
  for (std::size_t s = 0; s < legal_status_count; ++s)
    n += r.population[(day * 4 + place) * legal_status_count + s];
  return n;
}

}  // namespace

TEST_CASE("flee spawns the observed increase each day in conflict zones", "[models][flee]") {
  Case c = small_case(10, 100);
  auto r = run(c, 10, 2);
  for (std::size_t d = 0; d < 10; ++d) CHECK(r->spawned[d] == 100);
  // A fall in the observed total is a debt: nobody is created until the total exceeds what was created.
  c.params.target_total = {100, 200, 150, 180, 260, 260, 260, 260, 260, 260};
  auto debt = run(c, 10, 2);
  CHECK(debt->spawned[2] == 0);
  CHECK(debt->spawned[3] == 0);
  CHECK(debt->spawned[4] == 60);
}

TEST_CASE("flee agents leave conflict zones and choose camps by weight", "[models][flee]") {
  Case c = small_case(30, 100, 1000000);  // camps far from full
  c.params.default_movechance = 1.0;      // move on from the town at once
  auto r = run(c, 30, 2);
  // Conflict zone movechance 1: everyone created in Z leaves on its first day (the route Z--T carries at
  // least the day's new agents).
  for (std::size_t d = 0; d < 30; ++d) CHECK(r->flow[d * 3 + 0] >= r->spawned[d]);
  // From T the weights are 0.25/(10+50) back to Z (conflict_weight^1), 1/(10+100) to C and 1/(10+300) to D;
  // camps keep their people (camp_movechance 0.001), so entries into T--C and T--D are T's choices.
  double to_c = 0, to_d = 0;
  for (std::size_t d = 0; d < 30; ++d) {
    to_c += static_cast<double>(r->flow[d * 3 + 1]);
    to_d += static_cast<double>(r->flow[d * 3 + 2]);
  }
  REQUIRE(to_c + to_d > 2000);
  CHECK(to_c / (to_c + to_d) == Approx((1.0 / 110) / (1.0 / 110 + 1.0 / 310)).margin(0.03));
  CHECK(at(*r, 29, 2) + at(*r, 29, 3) > 2000);
}

TEST_CASE("camp capacity turns people away as the camp fills", "[models][flee]") {
  Case c = small_case(60, 200);
  c.params.default_movechance = 1.0;
  auto r = run(c, 60, 2);
  // Capacity 1000 with the buffer at 90 %: the multiplier falls to 0 at 1000, so C never overfills by much
  // (occupancy is taken at the start of each day) and D takes the rest.
  for (std::size_t d = 0; d < 60; ++d) CHECK(at(*r, d, 2) <= 1000 + 200);
  CHECK(at(*r, 59, 3) > 1000);
}

TEST_CASE("flee results do not depend on the thread count", "[models][flee][determinism]") {
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 8);
  Case c = small_case(40, 5000);
  auto one = run(c, 40, 1), eight = run(c, 40, 8);
  CHECK(one->population == eight->population);
  CHECK(one->on_route == eight->on_route);
  CHECK(one->flow == eight->flow);
  auto other_seed = run(c, 40, 2, {}, 4);
  CHECK(other_seed->population != one->population);
}

TEST_CASE("a closed route is not chosen and people on it turn back", "[models][flee]") {
  Case c = small_case(20, 100);
  c.params.default_movechance = 1.0;
  Event close;
  close.day = 5;
  close.action = EventAction::close_routes;
  close.name = "close T--C";
  close.routes = {1};
  auto r = run(c, 20, 2, {close});
  for (std::size_t d = 5; d < 20; ++d) CHECK(r->flow[d * 3 + 1] == 0);
  // Nobody stays on the closed route: they finish turning back within a day.
  for (std::size_t d = 6; d < 20; ++d) CHECK(r->on_route[d * 3 + 1] == 0);
  CHECK(at(*r, 19, 2) == at(*r, 5, 2));
}

TEST_CASE("awareness level 0: each open route out of a place is as likely as any other", "[models][flee]") {
  // As the test above, but with no weighting (Flee's selectRoute at level 0): from T, C (110 km with the
  // softening, a camp) and D (310 km) are chosen equally often, where level 1 gives C 0.74 of them.
  Case c = small_case(30, 100, 1000000);
  c.params.default_movechance = 1.0;
  c.params.awareness_level = 0;
  auto r = run(c, 30, 2);
  double to_c = 0, to_d = 0;
  for (std::size_t d = 0; d < 30; ++d) {
    to_c += static_cast<double>(r->flow[d * 3 + 1]);
    to_d += static_cast<double>(r->flow[d * 3 + 2]);
  }
  REQUIRE(to_c + to_d > 1000);
  CHECK(to_c / (to_c + to_d) == Approx(0.5).margin(0.03));
  // A closed route is not among them: with T--D closed, everyone leaving T towards a camp goes to C.
  Event close;
  close.day = 0;
  close.action = EventAction::close_routes;
  close.name = "close T--D";
  close.routes = {2};
  auto closed = run(c, 30, 2, {close});
  double closed_d = 0;
  for (std::size_t d = 0; d < 30; ++d) closed_d += static_cast<double>(closed->flow[d * 3 + 2]);
  CHECK(closed_d == 0);
}

TEST_CASE("flee parameters are validated", "[models][flee]") {
  Case c = small_case(5, 10);
  c.params.camp_movechance = 1.5;
  CHECK_THROWS_WITH(
      c.params.validate(*c.world, 5),
      Catch::Contains("behaviour.flee.move_rules.camp_movechance = 1.5: expected a probability in "
                      "[0, 1] (1/day)"));
  Case aware = small_case(5, 10);
  aware.params.awareness_level = 11;
  CHECK_THROWS_WITH(
      aware.params.validate(*aware.world, 5),
      Catch::Contains("behaviour.flee.move_rules.awareness_level = 11: expected an integer in [0, 10]"));
  Case decay = small_case(5, 10);
  decay.params.conflict_spawn_decay = {1.0, -0.5};
  CHECK_THROWS_WITH(
      decay.params.validate(*decay.world, 5),
      Catch::Contains("behaviour.flee.spawn_rules.conflict_spawn_decay[1] = -0.5: expected a factor "
                      "in [0, 1000000]"));
  decay.params.conflict_spawn_decay.clear();
  CHECK_THROWS_WITH(decay.params.validate(*decay.world, 5),
                    Catch::Contains("behaviour.flee.spawn_rules.conflict_spawn_decay = 0 entries: expected a "
                                    "non-empty list of numbers"));
  aware.params.awareness_level = 3;
  CHECK_NOTHROW(aware.params.validate(*aware.world, 5));
  Case ok = small_case(5, 10);
  CHECK_NOTHROW(ok.params.validate(*ok.world, 5));
}

TEST_CASE("awareness level 2: agents choose among walks of two routes and follow them through",
          "[models][flee]") {
  // Towns never send anyone on (default_movechance 0): with awareness 1 everyone stops at T; with 2, the
  // walks Z-T, Z-T-C and Z-T-D are weighted 1/(10+50), 1/(10+150), 1/(10+350), and those heading for a
  // camp go on through T with chance 1.
  Case c = small_case(12, 1000, 1000000);
  c.params.default_movechance = 0;
  auto one = run(c, 12, 2);
  CHECK(at(*one, 11, 2) + at(*one, 11, 3) == 0);
  c.params.awareness_level = 2;
  auto two = run(c, 12, 2);
  const double t = static_cast<double>(at(*two, 11, 1)), camp_c = static_cast<double>(at(*two, 11, 2)),
               camp_d = static_cast<double>(at(*two, 11, 3));
  const double wt = 1.0 / 60, wc = 1.0 / 160, wd = 1.0 / 360, sum = wt + wc + wd;
  // Day 11: everyone spawned by day 9 has arrived (Z-T-D takes two days at 200 km/day).
  const double settled = t + camp_c + camp_d;
  CHECK(camp_c / settled == Approx(wc / sum).margin(0.03));
  CHECK(camp_d / settled == Approx(wd / sum).margin(0.03));
  // Deterministic across threads.
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 8);
  CHECK(run(c, 12, 1)->population == run(c, 12, 8)->population);
}

TEST_CASE("variant improved: people who arrive during the day with distance left go on past towns",
          "[models][flee]") {
  // Z--T is 50 km and the day's 200 km reach beyond T. Under Flee's rules a person arriving at T draws T's
  // move chance (0.3) again, so many end the day at T; with full-day travel nobody can: every walk out of
  // Z that ends the day's 200 km at a place ends at Z or at a camp (the lengths from Z to T are 50 and
  // 150 km, and a walk on from T reaches Z at 100 or 200 km, C at 150 km, or is still on a route).
  Case c = small_case(1, 2000, 1000000);
  auto flee = run(c, 1, 2);
  CHECK(at(*flee, 0, 1) > 500);
  c.params.full_day_travel = true;
  auto improved = run(c, 1, 2);
  CHECK(at(*improved, 0, 1) == 0);
  CHECK(at(*improved, 0, 2) > at(*flee, 0, 2));
  // The same people are created under both rules, and everyone leaves Z (conflict_movechance 1).
  CHECK(flee->spawned == improved->spawned);
  CHECK(improved->flow[0] >= improved->spawned[0]);
}

TEST_CASE("the displaced get the sex and age band shares of behaviour.flee.demography", "[models][flee]") {
  const auto shares = [](const models::FleeParams& p, const std::shared_ptr<const World>& w) {
    std::vector<std::unique_ptr<Model>> models;
    models.push_back(std::make_unique<models::FleeModel>(p));
    Simulation sim(w, Schedule{}, std::move(models), SimulationConfig{3, 20, 2, "2020-01-01"});
    sim.run();
    const Population& pop = sim.population();
    std::array<double, age_band_count + 1> s{};  // bands, then women
    for (std::size_t i = 0; i < pop.size(); ++i) {
      s[pop.age_band[i]] += 1;
      s[age_band_count] += pop.sex[i] == Sex::female;
    }
    for (double& v : s) v /= static_cast<double>(pop.size());
    return s;
  };
  Case c = small_case(20, 1000);
  const auto given = shares(c.params, c.world);  // 20,000 people, the UNHCR defaults
  CHECK(given[0] == Approx(0.40).margin(0.015));
  CHECK(given[3] == Approx(0.07).margin(0.01));
  CHECK(given[age_band_count] == Approx(0.5).margin(0.015));
  c.params.demography = {0.3, {0.1, 0.6, 0.2, 0.1}};
  const auto set = shares(c.params, c.world);
  CHECK(set[1] == Approx(0.6).margin(0.015));
  CHECK(set[age_band_count] == Approx(0.3).margin(0.015));
}

TEST_CASE("people draw their sex and age band from the shares of the place they are created at",
          "[models][flee]") {
  // Z's people (spawned) are all women under 18; C's day-0 people all men of 60 and over.
  Case c = small_case(3, 1000);
  c.params.day0_camp_agents[2] = 500;
  for (std::int32_t d = 0; d < 3; ++d)
    c.params.target_total[static_cast<std::size_t>(d)] = 500 + 1000 * (d + 1);
  c.params.place_demography.assign(4, c.params.demography);
  c.params.place_demography[0] = {1.0, {1, 0, 0, 0}};
  c.params.place_demography[2] = {0.0, {0, 0, 0, 1}};
  for (int threads : {1, 3}) {
    std::vector<std::unique_ptr<Model>> models;
    models.push_back(std::make_unique<models::FleeModel>(c.params));
    Simulation sim(c.world, Schedule{}, std::move(models), SimulationConfig{3, 3, threads, "2020-01-01"});
    sim.run();
    const Population& pop = sim.population();
    REQUIRE(pop.size() == 3500);
    std::size_t girls = 0, old_men = 0;
    for (std::size_t i = 0; i < pop.size(); ++i) {
      girls += pop.sex[i] == Sex::female && pop.age_band[i] == 0;
      old_men += pop.sex[i] == Sex::male && pop.age_band[i] == 3;
    }
    CHECK(girls == 3000);
    CHECK(old_men == 500);
  }
  // Shares not sized to the places are refused.
  c.params.place_demography.resize(2);
  CHECK_THROWS_AS(run(c, 3, 1), InternalError);
}

TEST_CASE(
    "Flee's travel: a route as long as the day's speed takes two days; each route taken gets a full day",
    "[models][flee]") {
  // Z--T is 50 km. At 50 km a day, arriving needs more than 50 km done: T is reached on day 1.
  Case c = small_case(2, 100, 1000000);
  c.params.default_movechance = 0;  // T keeps whoever arrives
  c.params.max_move_speed = 50;
  auto slow = run(c, 2, 2);
  CHECK(at(*slow, 0, 1) == 0);
  CHECK(slow->on_route[0] == 100);
  CHECK(at(*slow, 1, 1) == 100);
  // At 120 km a day, someone who reaches T (50 km) and goes on to C (100 km) gets a full 120 km for that
  // route and arrives on day 0 (150 km in the day); nobody ends the day on T--C.
  Case f = small_case(1, 100, 1000000);
  f.params.default_movechance = 1;
  f.params.max_move_speed = 120;
  auto fast = run(f, 1, 2);
  CHECK(at(*fast, 0, 2) > 0);
  CHECK(fast->on_route[1] == 0);
}

TEST_CASE("a camp closure makes the camp an ordinary town for the period", "[models][flee]") {
  Case c = small_case(16, 200, 1000000);
  c.params.default_movechance = 1.0;
  auto open = run(c, 16, 2);
  c.params.kind_changes = {{0, 2, FleeKind::town}, {8, 2, FleeKind::camp}};
  auto closed = run(c, 16, 2);
  // As a town, C sends everyone on (default_movechance 1); as a camp again it keeps them (0.001).
  CHECK(at(*closed, 6, 2) * 5 < at(*open, 6, 2));
  CHECK(at(*closed, 15, 2) > at(*closed, 7, 2) + 1000);
  // The route T--C stays open: people still go there during the closure.
  CHECK(closed->flow[3 * 3 + 1] > 0);
}

TEST_CASE("avoid_short_stints: people who arrive at a town during the day after little travel go on",
          "[models][flee]") {
  Case c = small_case(1, 100, 1000000);
  c.params.default_movechance = 0;  // without the rule, everyone who reaches T stays there
  auto plain = run(c, 1, 2);
  CHECK(at(*plain, 0, 1) == 100);
  c.params.avoid_short_stints = true;  // (0 + 50 / 200) / 2 < 0.5 at T: they go on
  auto stints = run(c, 1, 2);
  CHECK(at(*stints, 0, 1) == 0);
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 8);
  Case longer = small_case(20, 500, 1000000);
  longer.params.avoid_short_stints = true;
  CHECK(run(longer, 20, 1)->population == run(longer, 20, 8)->population);
}

TEST_CASE("take_from_population: spawning empties the conflict zone's population", "[models][flee]") {
  // Z holds 10,000 people; 1,000 a day are owed. Taken from the population, spawning stops at 10,000.
  Case c = small_case(15, 1000, 1000000);
  auto plain = run(c, 15, 2);
  c.params.take_from_population = true;
  auto taken = run(c, 15, 2);
  auto total = [](const MemoryRecorder& r) {
    return std::accumulate(r.spawned.begin(), r.spawned.end(), std::int64_t{0});
  };
  CHECK(total(*plain) == 15000);
  CHECK(total(*taken) == 10000);
}

TEST_CASE("use_pop_for_loc_weight: towns and conflict zones weigh by their population", "[models][flee]") {
  Case c = small_case(30, 100, 1000000);
  c.params.default_movechance = 1.0;
  const auto in_camps = [](const MemoryRecorder& r) { return at(r, 29, 2) + at(r, 29, 3); };
  const auto off = run(c, 30, 2);
  REQUIRE(in_camps(*off) > 2000);
  // Power 0: max(1, population)^0 = 1, the same run.
  c.params.use_pop_for_loc_weight = true;
  c.params.pop_power_for_loc_weight = 0.0;
  CHECK(run(c, 30, 2)->population == off->population);
  // Power 1: from T, Z (10,000 people) scores 0.25 x 10,000 against the camps' 1 (camps are not weighted):
  // nearly everyone turns back to Z, so the camps fill far less.
  c.params.pop_power_for_loc_weight = 1.0;
  CHECK(in_camps(*run(c, 30, 2)) < in_camps(*off) / 10);
}

TEST_CASE("stay_close_to_home: the end of a route weighs less the farther it lies as the crow flies",
          "[models][flee]") {
  Case c = small_case(30, 100, 1000000);
  c.params.default_movechance = 1.0;
  // C (100 km by road) lies 10 degrees from T in Flee's coordinates, D (300 km by road) at T's own spot.
  std::vector<Place> places = c.world->places();
  places[2].lat_deg = 10.0;
  c.world = std::make_shared<const World>(c.world->countries(), places, c.world->routes());
  const auto share_c = [](const MemoryRecorder& r) {
    double to_c = 0, to_d = 0;
    for (std::size_t d = 0; d < 30; ++d) {
      to_c += static_cast<double>(r.flow[d * 3 + 1]);
      to_d += static_cast<double>(r.flow[d * 3 + 2]);
    }
    return to_c / (to_c + to_d);
  };
  const double off = share_c(*run(c, 30, 2));
  CHECK(off == Approx((1.0 / 110) / (1.0 / 110 + 1.0 / 310)).margin(0.03));
  // With power 1: C's score / ~1,112 km, D's / max(1, 0 km) = 1: most people now take the long road to D.
  c.params.stay_close_to_home = true;
  c.params.home_distance_power = 1.0;
  const double km = 6371.0 * 10.0 * 3.14159265358979323846 / 180.0;
  const double on = share_c(*run(c, 30, 2));
  CHECK(on == Approx((1.0 / 110 / km) / (1.0 / 110 / km + 1.0 / 310)).margin(0.01));
  CHECK(on < 0.05);
}

TEST_CASE("movechance_pop_scale_factor: move chances scale with the place's population or capacity",
          "[models][flee]") {
  Case c = small_case(30, 100, 1000000);
  c.params.default_movechance = 1.0;
  const auto off = run(c, 30, 2);
  REQUIRE(at(*off, 29, 2) + at(*off, 29, 3) > 2000);
  // Factor 0: x^0 = 1, the same run.
  c.params.movechance_pop_base = 5000;
  CHECK(run(c, 30, 2)->population == off->population);
  // Factor 1: Z (10,000 people, base 5,000) keeps chance 1 x 2; T (no population, no capacity) gets 0, so
  // nobody leaves T and the camps stay empty.
  c.params.movechance_pop_scale_factor = 1.0;
  const auto on = run(c, 30, 2);
  CHECK(at(*on, 29, 2) + at(*on, 29, 3) == 0);
  CHECK(at(*on, 29, 1) > 2000);
}

TEST_CASE("conflict_driven_spawning: places in conflict spawn from their intensity, not the observed totals",
          "[models][flee]") {
  // Z (10,000 people) is in conflict at intensity 0.5 on days 0-4, not on days 5-6, at 1 from day 7. The
  // observed totals (100 a day) are not read.
  const std::int32_t days = 12;
  Case c = small_case(days, 100, 1000000);
  for (std::int32_t d = 0; d < days; ++d)
    c.params.conflict_intensity[static_cast<std::size_t>(d) * 4] = d < 5 ? 0.5f : d < 7 ? 0.0f : 1.0f;
  c.params.spawn_mode = models::FleeSpawnMode::constant;
  c.params.displaced_per_conflict_day = 251;
  auto constant = run(c, days, 2);
  for (std::int32_t d = 0; d < days; ++d)
    CHECK(constant->spawned[static_cast<std::size_t>(d)] == (d < 5 ? 125 : d < 7 ? 0 : 251));
  // pop_ratio: 1 % of the population a day at intensity 1; taken from the population, it shrinks.
  c.params.spawn_mode = models::FleeSpawnMode::pop_ratio;
  c.params.displaced_per_conflict_day = 0.01;
  auto ratio = run(c, days, 2);
  c.params.take_from_population = true;
  auto taken = run(c, days, 2);
  double pop = 10000;
  for (std::int32_t d = 0; d < days; ++d) {
    const double intensity = d < 5 ? 0.5 : d < 7 ? 0.0 : 1.0;
    const auto expected = static_cast<std::int64_t>(std::floor(0.01 * pop * intensity));
    CHECK(ratio->spawned[static_cast<std::size_t>(d)] == static_cast<std::int64_t>(100 * intensity));
    CHECK(taken->spawned[static_cast<std::size_t>(d)] == expected);
    pop -= static_cast<double>(expected);
  }
  CHECK(taken->spawned[11] < 100);
  // poisson: draws of mean 400 x intensity; the same for any thread count.
  Case p = small_case(60, 100, 1000000);
  p.params.spawn_mode = models::FleeSpawnMode::poisson;
  p.params.displaced_per_conflict_day = 400;
  auto one = run(p, 60, 1);
  double sum = 0;
  std::set<std::int64_t> values;
  for (auto n : one->spawned) {
    sum += static_cast<double>(n);
    values.insert(n);
  }
  CHECK(sum / 60 == Approx(400).margin(12));  // 4 standard errors of the mean (20 / sqrt(60))
  CHECK(values.size() > 10);
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 8);
  CHECK(run(p, 60, 8)->spawned == one->spawned);
  CHECK(run(p, 60, 8)->population == one->population);
}

TEST_CASE("an awareness level whose candidate walks would not fit is refused before the run",
          "[models][flee]") {
  // Twelve places, every pair joined: the walks of up to 9 routes out of each place number far above 20
  // million (11 x 10 x ... per place); 2 levels give 11 + 110 walks a place.
  std::vector<Country> countries{{"HOME", "Home"}};
  std::vector<Place> places;
  std::vector<Route> routes;
  for (int i = 0; i < 12; ++i) {
    const std::string name = "P" + std::to_string(i);
    places.push_back(test::make_place(name.c_str(), 0, PlaceKind::town, 100, -1));
  }
  for (int i = 0; i < 12; ++i)
    for (int j = i + 1; j < 12; ++j) routes.push_back({i, j, 10.0 + i + j, TravelMode::road, false});
  Case c;
  c.world = std::make_shared<const World>(countries, places, routes);
  c.params.kind.assign(12, FleeKind::town);
  c.params.kind[0] = FleeKind::conflict_zone;
  c.params.conflict_intensity.assign(3 * 12, 0.0f);
  for (int d = 0; d < 3; ++d) c.params.conflict_intensity[static_cast<std::size_t>(d) * 12] = 1.0f;
  c.params.target_total = {10, 20, 30};
  c.params.day0_camp_agents.assign(12, 0);
  c.params.awareness_level = 9;
  CHECK_THROWS_WITH(run(c, 3, 2),
                    Catch::Contains("behaviour.flee.move_rules.awareness_level: 9 makes more than "
                                    "20,000,000 candidate walks"));
  c.params.awareness_level = 2;
  CHECK(run(c, 3, 2)->spawned[2] == 10);
}

TEST_CASE("camps_are_sinks: people at a camp are deactivated with its probability and never move again",
          "[models][flee]") {
  // Everyone leaves camps at once (camp_movechance 1): without the rule C empties every day; with C's
  // deactivation probability 1 everyone who reaches C stays; at 0.5 about half of those who stand there at
  // the end of a day stay for good.
  Case c = small_case(12, 500, 1000000);
  c.params.camp_movechance = 1.0;
  c.params.default_movechance = 1.0;
  auto plain = run(c, 12, 2);
  c.params.camps_are_sinks = true;
  c.params.deactivation_probability = {0.0, 0.0, 1.0, 0.0};
  auto sink = run(c, 12, 2);
  auto settled_at_c = [](const MemoryRecorder& r, std::size_t day) { return at(r, day, 2); };
  // With the sink, C only gains: nobody who reached it leaves.
  for (std::size_t d = 1; d < 12; ++d) CHECK(settled_at_c(*sink, d) >= settled_at_c(*sink, d - 1));
  CHECK(settled_at_c(*sink, 11) > 2 * settled_at_c(*plain, 11));
  // The rule off: the probabilities change nothing.
  c.params.camps_are_sinks = false;
  CHECK(run(c, 12, 2)->population == plain->population);
  // Half: between none and all; the same for any thread count.
  c.params.camps_are_sinks = true;
  c.params.deactivation_probability = {0.0, 0.0, 0.5, 0.0};
  auto half = run(c, 12, 1);
  CHECK(settled_at_c(*half, 11) > settled_at_c(*plain, 11));
  CHECK(settled_at_c(*half, 11) < settled_at_c(*sink, 11));
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 8);
  CHECK(run(c, 12, 8)->population == half->population);
}
