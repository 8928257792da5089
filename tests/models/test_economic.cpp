#include <algorithm>
#include <array>
#include <cmath>

#include <catch2/catch.hpp>

#include <tbb/global_control.h>
#include "../test_worlds.hpp"
#include "sim/errors.hpp"
#include "sim/memory_recorder.hpp"
#include "sim/simulation.hpp"

using namespace migrasim;

namespace {

// Runs the model over `days` and returns it (owned by the simulation) plus the simulation.
struct Fixture {
  std::shared_ptr<const World> world = test::corridor_world();
  models::EconomicModel* model = nullptr;
  std::unique_ptr<Simulation> sim;
  MemoryRecorder rec;
  explicit Fixture(models::EconomicParams p, std::int32_t days = 40) {
    auto m = std::make_unique<models::EconomicModel>(std::move(p));
    model = m.get();
    std::vector<std::unique_ptr<Model>> models;
    models.push_back(std::move(m));
    sim = std::make_unique<Simulation>(world, Schedule{}, std::move(models),
                                       SimulationConfig{3, days, 2, "2024-01-01"});
    sim->add_recorder(&rec);
  }
};

}  // namespace

TEST_CASE("destination choice follows the gravity weights", "[models]") {
  auto w = test::corridor_world();
  auto params = test::corridor_params(*w);
  params.diaspora_exponent = 0.5;
  params.distance_exponent = 1.5;
  Fixture f(params, 1);
  f.sim->step(1);
  const place_id o1 = w->find_place("O1");
  auto p = f.model->destination_probabilities(o1);
  REQUIRE(p.size() == 2);
  // Path lengths from O1: D1 310 km, D2 510 km.
  const double w1 = 1.0 * std::pow(1 + 1000.0, 0.5) / std::pow(310.0, 1.5);
  const double w2 = 2.0 * std::pow(1 + 3000.0, 0.5) / std::pow(510.0, 1.5);
  CHECK(p[0] == Approx(w1 / (w1 + w2)));
  CHECK(p[1] == Approx(w2 / (w1 + w2)));
  // Not an origin: all zero.
  auto none = f.model->destination_probabilities(w->find_place("X"));
  CHECK(none[0] == 0);
  CHECK(none[1] == 0);
}

TEST_CASE("agents choose destinations in the gravity proportions", "[models]") {
  auto w = test::corridor_world();
  Fixture f(test::corridor_params(*w), 5);
  f.sim->run();
  const auto& pop = f.sim->population();
  const place_id o1 = w->find_place("O1"), d1 = w->find_place("D1");
  std::int64_t from_o1 = 0, to_d1 = 0;
  for (std::size_t i = 0; i < pop.size(); ++i)
    if (pop.origin[i] == o1) {
      ++from_o1;
      to_d1 += pop.destination[i] == d1;
    }
  REQUIRE(from_o1 > 3000);
  const double expected = f.model->destination_probabilities(o1)[0];
  CHECK(static_cast<double>(to_d1) / static_cast<double>(from_o1) == Approx(expected).margin(0.03));
}

TEST_CASE("departures follow population x rate x push index", "[models]") {
  auto w = test::corridor_world();
  auto params = test::corridor_params(*w, 1e-3);
  params.push_index[0] = {{10, 2.0}, {20, 0.0}};
  Fixture f(params, 30);
  f.sim->run();
  const auto& s = f.rec.spawned;
  double before = 0, during = 0, after = 0;
  for (int d = 0; d < 10; ++d) before += static_cast<double>(s[static_cast<std::size_t>(d)]);
  for (int d = 10; d < 20; ++d) during += static_cast<double>(s[static_cast<std::size_t>(d)]);
  for (int d = 20; d < 30; ++d) after += static_cast<double>(s[static_cast<std::size_t>(d)]);
  // 1.5 M people x 1e-3 per day = 1500 per day.
  CHECK(before / 10 == Approx(1500).epsilon(0.03));
  CHECK(during / 10 == Approx(3000).epsilon(0.03));
  CHECK(after == 0);
}

TEST_CASE("agent attributes follow the demography and resource parameters", "[models]") {
  auto w = test::corridor_world();
  auto params = test::corridor_params(*w);
  params.demography.all.female_share = 0.3;
  params.demography.all.age_band_shares = {0.1, 0.6, 0.2, 0.1};
  params.resources_median_usd = 2000;
  Fixture f(params, 5);
  f.sim->run();
  const auto& pop = f.sim->population();
  std::array<double, age_band_count> bands{};
  double female = 0;
  std::vector<float> res(pop[pop.find<float>("resources_usd")]);
  for (std::size_t i = 0; i < pop.size(); ++i) {
    bands[pop.age_band[i]] += 1;
    female += pop.sex[i] == Sex::female;
    CHECK(pop.departure_day[i] >= 0);
  }
  const auto n = static_cast<double>(pop.size());
  CHECK(female / n == Approx(0.3).margin(0.02));
  CHECK(bands[1] / n == Approx(0.6).margin(0.02));
  CHECK(bands[3] / n == Approx(0.1).margin(0.02));
  std::nth_element(res.begin(), res.begin() + static_cast<std::ptrdiff_t>(res.size() / 2), res.end());
  CHECK(res[res.size() / 2] == Approx(2000).epsilon(0.05));
}

TEST_CASE("economic parameters are validated", "[models]") {
  auto w = test::corridor_world();
  auto bad_rate = test::corridor_params(*w);
  bad_rate.emigration_rate_per_day[0] = 2;
  CHECK_THROWS_AS(bad_rate.validate(*w), InputError);
  auto bad_share = test::corridor_params(*w);
  bad_share.visa_share[1] = -0.1;
  CHECK_THROWS_AS(bad_share.validate(*w), InputError);
  auto bad_ages = test::corridor_params(*w);
  bad_ages.demography.all.age_band_shares = {0.5, 0.5, 0.5, 0.0};
  CHECK_THROWS_WITH(bad_ages.validate(*w), Catch::Contains("sum to"));
  auto no_dest = test::corridor_params(*w);
  no_dest.destinations.clear();
  CHECK_THROWS_AS(no_dest.validate(*w), InputError);
  CHECK_NOTHROW(test::corridor_params(*w).validate(*w));
}

TEST_CASE("a route capacity admits at most that many people a day, by keyed priority", "[models]") {
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 4);
  auto w = test::corridor_world();
  const route_id bx = w->find_route(w->find_place("B"), w->find_place("X"));
  Event cap;
  cap.day = 2;
  cap.action = EventAction::set_route_capacity;
  cap.name = "checkpoint";
  cap.routes = {bx};
  cap.value = 400;
  auto run = [&](int threads) {
    std::vector<std::unique_ptr<Model>> models;
    auto params = test::corridor_params(*w);
    params.patience_days = 1000;  // keep them queueing rather than taking the detour
    models.push_back(std::make_unique<models::EconomicModel>(params));
    auto rec = std::make_unique<MemoryRecorder>();
    Simulation sim(w, Schedule({cap}), std::move(models), SimulationConfig{5, 20, threads, "2024-01-01"});
    sim.add_recorder(rec.get());
    sim.run();
    return rec;
  };
  auto one = run(1);
  auto four = run(4);
  CHECK(one->flow == four->flow);
  CHECK(one->stranded == four->stranded);
  const auto routes = static_cast<std::size_t>(w->route_count());
  const auto places = static_cast<std::size_t>(w->place_count());
  std::int64_t before = 0;
  for (std::size_t d = 0; d < 2; ++d)
    before = std::max(before, one->flow[d * routes + static_cast<std::size_t>(bx)]);
  CHECK(before > 400);  // ~1500 a day cross while unlimited
  for (std::size_t d = 2; d < 20; ++d) {
    INFO("day " << d);
    CHECK(one->flow[d * routes + static_cast<std::size_t>(bx)] <= 400);
  }
  // Day 4 onwards the queue exceeds the capacity: exactly 400 cross and the rest wait at B.
  CHECK(one->flow[10 * routes + static_cast<std::size_t>(bx)] == 400);
  CHECK(one->stranded[10 * places + static_cast<std::size_t>(w->find_place("B"))] > 1000);
}
