#include <algorithm>
#include <cmath>

#include <tbb/global_control.h>
#include <catch2/catch.hpp>

#include "../test_worlds.hpp"
#include "models/disaster.hpp"
#include "sim/errors.hpp"
#include "sim/memory_recorder.hpp"
#include "sim/simulation.hpp"

using namespace migrasim;
using models::DisasterModel;
using models::DisasterParams;

namespace {

// Town T (hit) -- 5 km -- shelter S (capacity 2,000); T -- 100 km -- town K (kin); T -- 50 km -- X (abroad).
std::shared_ptr<const World> drill_world() {
  std::vector<Country> countries{{"HOM", "Home"}, {"ABR", "Abroad"}};

  std::vector<Place> places{test::make_place("T", 0, PlaceKind::town, 100000, -1),
                            test::make_place("S", 0, PlaceKind::shelter, 0, 2000),
                            test::make_place("K", 0, PlaceKind::town, 50000, -1),
                            test::make_place("X", 1, PlaceKind::town, 10000, -1)};
  std::vector<Route> routes{{0, 1, 5, TravelMode::road, false},
                            {0, 2, 100, TravelMode::road, false},
                            {0, 3, 50, TravelMode::road, false}};
  return std::make_shared<const World>(countries, places, routes);
}

DisasterParams drill_params() {
  DisasterParams p;
  p.curves.push_back({"flood", 0.2, 0.5, 10});
  DisasterParams::Event e;
  e.name = "flood";
  e.onset_day = 2;
  e.duration_days = 2;
  e.footprint = {{0, 1.0}};
  p.events.push_back(e);
  p.vulnerability.assign(4, 0.5);
  p.share_shelter = 0.5;
  p.share_kin = 0.4;
  p.share_abroad = 0.1;
  p.return_rate_per_day = 0.05;
  p.recovery_days = 5;
  p.shelter_names = {"S"};
  return p;
}

std::unique_ptr<MemoryRecorder> run(const DisasterParams& p, std::int32_t days, int threads) {
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<DisasterModel>(p));
  auto rec = std::make_unique<MemoryRecorder>();
  Simulation sim(drill_world(), Schedule{}, std::move(models),
                 SimulationConfig{4, days, threads, "2020-01-01"});
  sim.add_recorder(rec.get());
  sim.run();
  return rec;
}

std::int64_t measure(const MemoryRecorder& r, std::size_t day, int m) {
  return r.series[0][day * DisasterModel::measure_count + static_cast<std::size_t>(m)];
}

}  // namespace

TEST_CASE("a disaster displaces the curve's share and fills the shelter up to capacity",
          "[models][disaster]") {
  auto r = run(drill_params(), 60, 2);
  // Share at intensity 1, vulnerability 0.5: 0.2 / (1 + exp(-10 x 0.5)) = 0.1987 of 100,000.
  std::int64_t displaced = 0;
  for (std::size_t d = 0; d < 60; ++d) displaced += measure(*r, d, DisasterModel::displaced_today);
  CHECK(static_cast<double>(displaced) == Approx(100000 * 0.2 / (1 + std::exp(-5.0))).epsilon(0.03));
  // Nobody displaced before onset.
  CHECK(measure(*r, 1, DisasterModel::displaced_today) == 0);
  // About half want the shelter (~9,900) but it holds 2,000: the rest are unsheltered.
  for (std::size_t d = 0; d < 60; ++d) CHECK(r->series[1][d] <= 2000);
  CHECK(*std::max_element(r->series[1].begin(), r->series[1].end()) == 2000);
  CHECK(measure(*r, 5, DisasterModel::unsheltered_now) > 5000);
  CHECK(measure(*r, 5, DisasterModel::abroad) > 1000);
  CHECK(measure(*r, 59, DisasterModel::crossed_border_total) >= measure(*r, 5, DisasterModel::abroad));
  // People go home as the place recovers: fewer displaced after two months, all returns counted.
  CHECK(measure(*r, 59, DisasterModel::displaced_now) < displaced / 10);
  CHECK(measure(*r, 59, DisasterModel::returned_home_total) + measure(*r, 59, DisasterModel::displaced_now) ==
        displaced);
}

TEST_CASE("shelter overflow admits beyond capacity and days over capacity appear", "[models][disaster]") {
  DisasterParams p = drill_params();
  p.shelter_overflow = 0.5;
  auto r = run(p, 20, 2);
  CHECK(*std::max_element(r->series[1].begin(), r->series[1].end()) == 3000);
}

TEST_CASE("disaster results do not depend on threads", "[models][disaster][determinism]") {
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 8);
  auto a = run(drill_params(), 40, 1), b = run(drill_params(), 40, 8);
  CHECK(a->series == b->series);
  CHECK(a->population == b->population);
  CHECK(a->flow == b->flow);
}

TEST_CASE("disaster parameters are validated", "[models][disaster]") {
  auto w = drill_world();
  DisasterParams split = drill_params();
  split.share_kin = 0.6;
  CHECK_THROWS_WITH(split.validate(*w, 30), Catch::Contains("sum to 1"));
  DisasterParams late = drill_params();
  late.events[0].lead_days = 5;  // evacuation would start before day 0
  CHECK_THROWS_WITH(late.validate(*w, 30), Catch::Contains("starts before the run"));
  DisasterParams intensity = drill_params();
  intensity.events[0].footprint[0].second = 1.5;
  CHECK_THROWS_AS(intensity.validate(*w, 30), InputError);
  CHECK_NOTHROW(drill_params().validate(*w, 30));
}

TEST_CASE("responses: protection abroad and evacuation orders", "[models][disaster]") {
  DisasterParams p = drill_params();
  p.protections.push_back({"tp", 10, 1, LegalStatus::temporary_protection});
  p.evacuations.push_back({"evacuate T", 0, 0, {0}, 0.1});
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<DisasterModel>(p));
  MemoryRecorder rec;
  Simulation sim(drill_world(), Schedule{}, std::move(models), SimulationConfig{4, 20, 2, "2020-01-01"});
  sim.add_recorder(&rec);
  sim.run();
  // The order moves about 10 % of T's 100,000 on days 0-1, before the onset on day 2.
  const std::int64_t early =
      rec.series[0][0 * DisasterModel::measure_count + DisasterModel::displaced_today] +
      rec.series[0][1 * DisasterModel::measure_count + DisasterModel::displaced_today];
  CHECK(static_cast<double>(early) == Approx(10000).epsilon(0.05));
  // From day 10 the displaced in country ABR hold temporary protection.
  const Population& pop = sim.population();
  std::int64_t abroad = 0, protected_abroad = 0;
  const FlagBit displaced = pop.find_flag("displaced");
  for (std::size_t i = 0; i < pop.size(); ++i)
    if ((pop.flags[i] & displaced.mask) && pop.place[i] == 3) {
      ++abroad;
      protected_abroad += pop.legal_status[i] == LegalStatus::temporary_protection;
    }
  REQUIRE(abroad > 0);
  CHECK(protected_abroad == abroad);
  DisasterParams late = drill_params();
  late.evacuations.push_back({"too late", 0, 5, {0}, 0.1});
  CHECK_THROWS_WITH(late.validate(*drill_world(), 20), Catch::Contains("on or before the onset"));
}
