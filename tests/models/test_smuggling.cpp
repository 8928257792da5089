#include <tbb/global_control.h>
#include <catch2/catch.hpp>

#include "models/smuggling.hpp"
#include "sim/errors.hpp"
#include "sim/memory_recorder.hpp"
#include "sim/simulation.hpp"

using namespace migrasim;
using models::SmugglingModel;
using models::SmugglingParams;

namespace {

// Origin O, departure side D, arrival A across a sea route.
std::shared_ptr<const World> crossing_world() {
  std::vector<Country> countries{{"ORI", "Origin"}, {"TRN", "Transit"}, {"DST", "Destination"}};
  std::vector<Place> places(3);
  places[0].name = "O";
  places[0].country = 0;
  places[1].name = "D";
  places[1].country = 1;
  places[2].name = "A";
  places[2].country = 2;
  std::vector<Route> routes{{0, 1, 1000, TravelMode::road, false}, {1, 2, 300, TravelMode::sea, false}};
  return std::make_shared<const World>(countries, places, routes);
}

SmugglingParams params(double per_day, double seats) {
  SmugglingParams p;
  p.country_codes = {"ORI", "TRN", "DST"};
  p.edge_names = {"O--D", "D--A"};
  p.demand.push_back({1, 0, {{0, per_day}}, 5000, 0.1});  // rich enough to pay
  SmugglingParams::Service s;
  s.name = "boat";
  s.from = 1;
  s.to = 2;
  s.route = 1;
  s.seats_per_day = seats;
  s.base_price_usd = 1000;
  s.interception = 0.2;
  s.death = 0.02;
  p.services.push_back(s);
  p.give_up_after_interception = 0.5;
  return p;
}

std::unique_ptr<MemoryRecorder> run(const SmugglingParams& p, std::int32_t days, int threads) {
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<SmugglingModel>(p));
  auto rec = std::make_unique<MemoryRecorder>();
  Simulation sim(crossing_world(), Schedule{}, std::move(models),
                 SimulationConfig{6, days, threads, "2020-01-01"});
  sim.add_recorder(rec.get());
  sim.run();
  return rec;
}

std::int64_t total(const MemoryRecorder& r, int q) {
  std::int64_t s = 0;
  for (std::size_t i = static_cast<std::size_t>(q); i < r.series[0].size();
       i += SmugglingModel::quantity_count)
    s += r.series[0][i];
  return s;
}

}  // namespace

TEST_CASE("seats are allocated up to capacity; crossings end in arrival, interception or death",
          "[models][smuggling]") {
  auto r = run(params(500, 300), 60, 2);
  const std::size_t w = SmugglingModel::quantity_count;
  for (std::size_t d = 0; d < 60; ++d) CHECK(r->series[0][d * w + SmugglingModel::seats_used] <= 300);
  // Demand exceeds seats, so every day after the first few uses all 300.
  CHECK(r->series[0][30 * w + SmugglingModel::seats_used] == 300);
  const auto used = static_cast<double>(total(*r, SmugglingModel::seats_used));
  CHECK(static_cast<double>(total(*r, SmugglingModel::deaths)) / used == Approx(0.02).margin(0.005));
  CHECK(static_cast<double>(total(*r, SmugglingModel::intercepted)) / used == Approx(0.2).margin(0.01));
  CHECK(static_cast<double>(total(*r, SmugglingModel::arrivals)) / used == Approx(0.78).margin(0.01));
  // Deaths are counted on the sea route.
  std::int64_t sea = 0;
  for (std::size_t d = 0; d < 60; ++d) sea += r->series[1][d * 2 + 1];
  CHECK(sea == total(*r, SmugglingModel::deaths));
  // Demand above capacity raises the price above its base.
  CHECK(r->series[0][30 * w + SmugglingModel::price_usd] > 1000);
}

TEST_CASE("smuggling results do not depend on threads", "[models][smuggling][determinism]") {
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 8);
  auto a = run(params(800, 500), 40, 1), b = run(params(800, 500), 40, 8);
  CHECK(a->series == b->series);
  CHECK(a->population == b->population);
}

TEST_CASE("smuggling parameters are validated", "[models][smuggling]") {
  auto w = crossing_world();
  SmugglingParams bad = params(10, 10);
  bad.services[0].death = 0.9;
  bad.services[0].interception = 0.2;
  CHECK_THROWS_WITH(bad.validate(*w, 10), Catch::Contains("must not exceed 1"));
  SmugglingParams neg = params(10, 10);
  neg.services[0].seats_per_day = -1;
  CHECK_THROWS_AS(neg.validate(*w, 10), InputError);
  CHECK_NOTHROW(params(10, 10).validate(*w, 10));
}
