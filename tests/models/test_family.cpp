#include <algorithm>
#include <cmath>

#include <catch2/catch.hpp>

#include <tbb/global_control.h>
#include "../test_worlds.hpp"
#include "models/family.hpp"
#include "models/smuggling.hpp"
#include "sim/errors.hpp"
#include "sim/memory_recorder.hpp"
#include "sim/simulation.hpp"

using namespace migrasim;
using models::FamilyModel;
using models::FamilyParams;

namespace {

// Relatives in the corridor world: 20,000 people of ORI live at D1 and 10,000 at D2.
FamilyParams corridor_family(const World& w, double rate = 1e-2) {
  FamilyParams p;
  p.join_rate_per_day = {rate, 0.0};
  p.permit_share = {0.0, 0.0};
  p.destinations = {{w.find_place("D1"), {20000.0, 0.0}}, {w.find_place("D2"), {10000.0, 0.0}}};
  p.destination_names = {"D1", "D2"};
  p.speed_km_per_day = {200, 20, 100, 1000};
  p.patience_days = 3;
  return p;
}

struct Run {
  std::unique_ptr<Simulation> sim;
  std::unique_ptr<MemoryRecorder> rec = std::make_unique<MemoryRecorder>();
  FamilyModel* model = nullptr;
  std::size_t series(std::string_view name) const {
    const auto& specs = rec->series_specs();
    for (std::size_t k = 0; k < specs.size(); ++k)
      if (specs[k].name == name) return k;
    FAIL("no series " << name);
    return 0;
  }
};

Run run_family(std::shared_ptr<const World> w, FamilyParams p, std::int32_t days, int threads = 2,
               std::unique_ptr<Model> other = nullptr) {
  Run r;
  auto m = std::make_unique<FamilyModel>(std::move(p));
  r.model = m.get();
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::move(m));
  if (other) models.push_back(std::move(other));
  r.sim = std::make_unique<Simulation>(std::move(w), Schedule{}, std::move(models),
                                       SimulationConfig{7, days, threads, "2024-01-01"});
  r.sim->add_recorder(r.rec.get());
  r.sim->run();
  return r;
}

}  // namespace

TEST_CASE("relatives leave in proportion to the diaspora they join, and choose it by its size",
          "[models][family]") {
  auto w = test::corridor_world();
  Run r = run_family(w, corridor_family(*w), 1);
  const place_id o1 = w->find_place("O1"), o2 = w->find_place("O2");
  // 0.01 a day x 30,000 relatives abroad, shared by the origins' populations (1.0 M and 0.5 M).
  CHECK(r.model->departures_per_day(o1) == Approx(200));
  CHECK(r.model->departures_per_day(o2) == Approx(100));
  CHECK(r.model->departures_per_day(w->find_place("D1")) == 0);  // a destination is no origin
  const auto p = r.model->destination_probabilities(o1);
  REQUIRE(p.size() == 2);
  CHECK(p[0] == Approx(2.0 / 3));
  CHECK(p[1] == Approx(1.0 / 3));
  // No relatives of DST abroad, no rate: nobody leaves X.
  CHECK(r.model->departures_per_day(w->find_place("X")) == 0);
}

TEST_CASE("family movers are Poisson in number, reach the diaspora and are counted by destination",
          "[models][family]") {
  auto w = test::corridor_world();
  Run r = run_family(w, corridor_family(*w), 40);
  const std::int64_t spawned = r.sim->spawned_total();
  // 300 a day for 40 days: 12,000, sd ~110.
  CHECK(std::abs(static_cast<double>(spawned) - 12000.0) < 5 * std::sqrt(12000.0));
  const auto& dep = r.rec->series[r.series("family_departures")];
  REQUIRE(dep.size() == 80);
  std::int64_t to_d1 = 0, to_d2 = 0;
  for (std::size_t d = 0; d < 40; ++d) {
    to_d1 += dep[2 * d];
    to_d2 += dep[2 * d + 1];
  }
  CHECK(to_d1 + to_d2 == spawned);
  CHECK(static_cast<double>(to_d1) / static_cast<double>(spawned) == Approx(2.0 / 3).margin(0.02));
  // They walk there: most have settled at the destinations (irregular: no permits).
  const auto& pop = r.sim->population_counts();
  const auto at = [&](const char* place, LegalStatus s) {
    return pop[static_cast<std::size_t>(w->find_place(place)) * legal_status_count +
               static_cast<std::size_t>(s)];
  };
  CHECK(at("D1", LegalStatus::irregular) + at("D2", LegalStatus::irregular) > spawned * 8 / 10);
  CHECK(at("D1", LegalStatus::regular) == 0);
}

TEST_CASE("chain migration: settled arrivals join the diaspora, whom relatives join in turn",
          "[models][family]") {
  auto w = test::corridor_world();
  FamilyParams fixed = corridor_family(*w), chain = fixed;
  chain.network_share = 1;
  Run a = run_family(w, fixed, 60), b = run_family(w, chain, 60);
  const auto& dep_a = a.rec->series[a.series("family_departures")];
  const auto& dep_b = b.rec->series[b.series("family_departures")];
  auto departures = [](const std::vector<std::int64_t>& dep, std::size_t from, std::size_t to) {
    std::int64_t n = 0;
    for (std::size_t d = from; d < to; ++d) n += dep[2 * d] + dep[2 * d + 1];
    return static_cast<double>(n);
  };
  // A fixed diaspora: 300 a day throughout. With the network, 1 % a day of a growing diaspora.
  CHECK(departures(dep_a, 50, 60) == Approx(departures(dep_a, 0, 10)).epsilon(0.1));
  CHECK(departures(dep_b, 0, 10) == Approx(departures(dep_a, 0, 10)).epsilon(0.1));
  CHECK(departures(dep_b, 50, 60) > 1.4 * departures(dep_b, 0, 10));
  // The last day's rate: 0.01 x (30,000 + the arrivals settled at D1 and D2 the day before), O1's share
  // 1.0 M of 1.5 M; the weights of D1 and D2 follow their diaspora.
  const std::size_t ls = legal_status_count, places = 7, day = 58;
  const auto settled = [&](const char* place) {
    return static_cast<double>(
        b.rec->population[(day * places + static_cast<std::size_t>(w->find_place(place))) * ls +
                          static_cast<std::size_t>(LegalStatus::irregular)]);
  };
  const double d1 = 20000 + settled("D1"), d2 = 10000 + settled("D2");
  CHECK(b.model->departures_per_day(w->find_place("O1")) == Approx(0.01 * (d1 + d2) * 2.0 / 3.0));
  CHECK(b.model->destination_probabilities(w->find_place("O1"))[0] == Approx(d1 / (d1 + d2)));
  // Results do not depend on threads.
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 8);
  Run one = run_family(w, chain, 30, 1), eight = run_family(w, chain, 30, 8);
  CHECK(one.rec->series == eight.rec->series);
  CHECK(one.rec->population == eight.rec->population);
}

TEST_CASE("family parameters are validated", "[models][family]") {
  auto w = test::corridor_world();
  auto bad_rate = corridor_family(*w);
  bad_rate.join_rate_per_day[0] = 2;
  CHECK_THROWS_AS(bad_rate.validate(*w), InputError);
  auto bad_stock = corridor_family(*w);
  bad_stock.destinations[0].diaspora[0] = -1;
  CHECK_THROWS_AS(bad_stock.validate(*w), InputError);
  auto none = corridor_family(*w);
  none.destinations.clear();
  none.destination_names.clear();
  CHECK_THROWS_AS(none.validate(*w), InputError);
  CHECK_NOTHROW(corridor_family(*w).validate(*w));
}

TEST_CASE("relatives without a permit meet the smugglers at the border; those with one cross by it",
          "[models][family][journey]") {
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 4);
  using models::SmugglingModel;
  using models::SmugglingParams;
  using Kind = SmugglingParams::Kind;
  auto w = test::corridor_world();
  const place_id b = w->find_place("B"), x = w->find_place("X");
  auto market = [&] {
    SmugglingParams m;
    for (const auto& c : w->countries()) m.country_codes.push_back(c.code);
    m.edge_names = w->route_names();
    m.crossing_points = {b};
    // Smugglers close with the route here (runs_when_closed false).
    for (auto s : {test::one_route_service(*w, "coyote", Kind::smuggler, b, x, 0.1, 0.001, 1000, 2000),
                   test::one_route_service(*w, "alone", Kind::alone, b, x, 0.3, 0.002, 0, 0)}) {
      s.runs_when_closed = false;
      m.services.push_back(s);
    }
    m.choice.price_sensitivity = 0.3;
    m.choice.risk_aversion = 5;
    m.choice.alone_penalty = 1;
    return std::make_unique<SmugglingModel>(m);
  };
  auto params = corridor_family(*w);
  params.permit_share = {0.0, 0.25};
  auto go = [&](int threads) { return run_family(w, params, 40, threads, market()); };
  const Run two = go(2);
  const auto& crossings = two.rec->series[two.series("crossings")];
  const auto& spec = two.rec->series_specs()[two.series("crossings")];
  // [day][border_edge][option][nationality]
  const std::size_t edges = spec.coords[0].size(), options = spec.coords[1].size(),
                    nations = spec.coords[2].size();
  const auto option = [&](const char* name) {
    const auto& l = spec.coords[1];
    return static_cast<std::size_t>(std::find(l.begin(), l.end(), name) - l.begin());
  };
  std::int64_t by_smuggler = 0, by_permit = 0, alone = 0;
  for (std::size_t d = 0; d < 40; ++d)
    for (std::size_t e = 0; e < edges; ++e) {
      const std::size_t base = (d * edges + e) * options;
      by_smuggler += crossings[(base + option("smuggler")) * nations + 0];
      by_permit += crossings[(base + option("pathway")) * nations + 0];
      alone += crossings[(base + option("alone")) * nations + 0];
    }
  const std::int64_t spawned = two.sim->spawned_total();
  CHECK(by_smuggler > 0);
  CHECK(alone > 0);
  // A quarter hold a family permit and cross by it: within 5 sd of a binomial share of the crossers.
  const double crossed = static_cast<double>(by_smuggler + by_permit + alone);
  CHECK(std::abs(static_cast<double>(by_permit) - 0.25 * crossed) <
        5 * std::sqrt(crossed * 0.25 * 0.75) + 50);
  // Conservation: at places (any status, the dead included), stranded or on a route.
  std::int64_t counted = 0;
  for (auto v : two.sim->population_counts()) counted += v;
  for (auto v : two.sim->stranded_counts()) counted += v;
  for (auto v : two.sim->on_route_counts()) counted += v;
  CHECK(counted == spawned);
  // The same run on one thread and on three.
  const Run one = go(1), three = go(3);
  CHECK(one.rec->series == three.rec->series);
  CHECK(one.rec->series == two.rec->series);
  CHECK(one.sim->population_counts() == three.sim->population_counts());
}
