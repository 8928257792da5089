#include <algorithm>
#include <array>

#include <tbb/global_control.h>
#include <catch2/catch.hpp>

#include "../test_worlds.hpp"
#include "models/economic.hpp"
#include "models/smuggling.hpp"
#include "sim/errors.hpp"
#include "sim/memory_recorder.hpp"
#include "sim/simulation.hpp"

using namespace migrasim;
using models::SmugglingModel;
using models::SmugglingParams;
using Kind = SmugglingParams::Kind;
using test::one_route_service;

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
  s.path = {1, 2};
  s.legs = {1};
  s.seats_per_day = seats;
  s.base_price_usd = 1000;
  s.interception = 0.2;
  s.death = 0.02;
  p.services.push_back(s);
  p.give_up_after_interception = 0.5;
  return p;
}

// Departure side D (place 1) with a sea crossing to A, and a land chain D - M - B.
std::shared_ptr<const World> two_route_world() {
  std::vector<Country> countries{{"ORI", "Origin"}, {"TRN", "Transit"}, {"DST", "Destination"}};
  std::vector<Place> places(5);
  const char* names[] = {"O", "D", "A", "M", "B"};
  const country_id country[] = {0, 1, 2, 1, 2};
  for (std::size_t k = 0; k < 5; ++k) {
    places[k].name = names[k];
    places[k].country = country[k];
  }
  std::vector<Route> routes{{0, 1, 1000, TravelMode::road, false},
                            {1, 2, 300, TravelMode::sea, false},
                            {1, 3, 400, TravelMode::road, false},
                            {3, 4, 20, TravelMode::foot, false}};
  return std::make_shared<const World>(countries, places, routes);
}

SmugglingParams two_route_params(double per_day) {
  SmugglingParams p;
  p.country_codes = {"ORI", "TRN", "DST"};
  p.edge_names = {"O--D", "D--A", "D--M", "M--B"};
  p.demand.push_back({1, 0, {{0, per_day}}, 5000, 0.1});
  SmugglingParams::Service sea;
  sea.name = "sea";
  sea.path = {1, 2};
  sea.legs = {1};
  sea.seats_per_day = 1000;
  sea.base_price_usd = 1000;
  sea.interception = 0.05;
  sea.death = 0.001;
  SmugglingParams::Service land = sea;
  land.name = "land";
  land.path = {1, 3, 4};
  land.legs = {2, 3};
  land.risk_leg = 1;
  land.interception = 0.2;
  land.abandonment = 0.1;
  land.injury = 0.2;
  p.services = {sea, land};
  return p;
}

std::unique_ptr<MemoryRecorder> run(const SmugglingParams& p, std::int32_t days, int threads,
                                    std::shared_ptr<const World> world = crossing_world()) {
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<SmugglingModel>(p));
  auto rec = std::make_unique<MemoryRecorder>();
  Simulation sim(std::move(world), Schedule{}, std::move(models),
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

// Service k's quantity q summed over days [from, to).
std::int64_t total(const MemoryRecorder& r, std::size_t services, std::size_t k, int q, std::size_t from,
                   std::size_t to) {
  const std::size_t w = SmugglingModel::quantity_count;
  std::int64_t s = 0;
  for (std::size_t d = from; d < to; ++d)
    s += r.series[0][(d * services + k) * w + static_cast<std::size_t>(q)];
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
  CHECK_THROWS_WITH(neg.validate(*w, 10),
                    Catch::Contains("behaviour.smuggling.services[0].seats_per_day = -1: "
                                    "expected a number in [0, 1000000000] (seats/day)"));
  SmugglingParams twice = params(10, 10);
  twice.demand.push_back(twice.demand[0]);
  CHECK_THROWS_WITH(twice.validate(*w, 10), Catch::Contains("behaviour.smuggling.demand: [1].place 'D': one "
                                                            "demand entry per departure place"));
  SmugglingParams stop = params(10, 10);
  stop.enforcement.emplace_back();
  stop.enforcement[0].services = {0};
  stop.enforcement[0].death = 2;
  CHECK_THROWS_WITH(stop.validate(*w, 10), Catch::Contains("behaviour.smuggling.enforcement[0].death"));
  SmugglingParams poor = params(10, 10);
  poor.demand[0].help_share = 1.5;
  CHECK_THROWS_WITH(poor.validate(*w, 10),
                    Catch::Contains("behaviour.smuggling.demand[0].resources_usd.help_share "
                                    "= 1.5: expected a share in [0, 1]"));
  CHECK_NOTHROW(params(10, 10).validate(*w, 10));
}

TEST_CASE("a chain of routes: incidents on its risky leg, abandoned people left where that leg starts",
          "[models][smuggling]") {
  SmugglingParams p = two_route_params(200);
  p.services.erase(p.services.begin());  // the land chain only
  auto r = run(p, 40, 2, two_route_world());
  const std::size_t ne = 4, nk = SmugglingModel::incident_count;
  std::vector<std::int64_t> by_edge(ne * nk, 0);
  for (std::size_t d = 0; d < 40; ++d)
    for (std::size_t k = 0; k < ne * nk; ++k) by_edge[k] += r->series[4][d * ne * nk + k];
  const auto abandoned = total(*r, 1, 0, SmugglingModel::abandoned, 0, 40);
  CHECK(abandoned > 0);
  CHECK(by_edge[3 * nk + SmugglingModel::abandonment] == abandoned);
  CHECK(by_edge[3 * nk + SmugglingModel::interception] ==
        total(*r, 1, 0, SmugglingModel::intercepted, 0, 40));
  CHECK(by_edge[3 * nk + SmugglingModel::injury_abuse] == total(*r, 1, 0, SmugglingModel::injured, 0, 40));
  for (std::size_t kind = 0; kind < nk; ++kind) CHECK(by_edge[2 * nk + kind] == 0);  // the road leg: none
  // Every trip goes along the road; the abandoned stop before the border leg.
  std::int64_t road = 0, border = 0;
  for (std::size_t d = 0; d < 40; ++d) road += r->flow[d * ne + 2], border += r->flow[d * ne + 3];
  CHECK(road == total(*r, 1, 0, SmugglingModel::seats_used, 0, 40));
  CHECK(border == road - abandoned);
  // No service leaves M: the abandoned are stranded there at the end.
  CHECK(r->stranded[39 * 5 + 3] == abandoned);
}

TEST_CASE("people choose among services; a crackdown on one diverts them to the other",
          "[models][smuggling]") {
  SmugglingParams p = two_route_params(300);
  SmugglingParams::Enforcement e;
  e.name = "crackdown";
  e.day = 30;
  e.services = {0};
  e.interception = 0.8;
  p.enforcement.push_back(e);
  auto r = run(p, 60, 2, two_route_world());
  const auto land_before = total(*r, 2, 1, SmugglingModel::demand, 10, 30);
  const auto sea_before = total(*r, 2, 0, SmugglingModel::demand, 10, 30);
  const auto land_after = total(*r, 2, 1, SmugglingModel::demand, 40, 60);
  const auto sea_after = total(*r, 2, 0, SmugglingModel::demand, 40, 60);
  CHECK(sea_before > land_before);  // the safer crossing is preferred ...
  CHECK(land_before > 0);           // ... but not by everyone
  CHECK(static_cast<double>(land_after) / static_cast<double>(land_after + sea_after) >
        2.0 * static_cast<double>(land_before) / static_cast<double>(land_before + sea_before));
  // The risk premium raises the sea price.
  const std::size_t w = SmugglingModel::quantity_count;
  CHECK(r->series[0][(50 * 2 + 0) * w + SmugglingModel::price_usd] >
        r->series[0][(20 * 2 + 0) * w + SmugglingModel::price_usd]);
}

TEST_CASE("a pathway admits its quota, at its fee, and arrivals are regular", "[models][smuggling]") {
  SmugglingParams p = two_route_params(100);
  p.services[1].kind = SmugglingParams::Kind::pathway;
  p.services[1].seats_per_day = 0;  // opens on day 10
  p.services[1].base_price_usd = 200;
  p.services[1].interception = p.services[1].death = p.services[1].abandonment = 0;
  SmugglingParams::Enforcement open;
  open.name = "new pathway";
  open.day = 10;
  open.services = {1};
  open.seats = 20;
  p.enforcement.push_back(open);
  auto r = run(p, 30, 2, two_route_world());
  CHECK(total(*r, 2, 1, SmugglingModel::seats_used, 0, 10) == 0);
  const std::size_t w = SmugglingModel::quantity_count;
  for (std::size_t d = 10; d < 30; ++d) {
    CHECK(r->series[0][(d * 2 + 1) * w + SmugglingModel::seats_used] <= 20);
    CHECK(r->series[0][(d * 2 + 1) * w + SmugglingModel::price_usd] == 200);
    CHECK(r->series[0][(d * 2 + 1) * w + SmugglingModel::revenue_usd] ==
          0);  // fees are not smugglers' revenue
  }
  CHECK(r->series[0][(20 * 2 + 1) * w + SmugglingModel::seats_used] == 20);  // the cheap, safe option fills
  // Pathway arrivals at B are regular; sea arrivals at A irregular.
  const std::size_t ls = legal_status_count;
  const auto at = [&](std::size_t place, LegalStatus st) {
    return r->population[(29 * 5 + place) * ls + static_cast<std::size_t>(st)];
  };
  CHECK(at(4, LegalStatus::regular) == total(*r, 2, 1, SmugglingModel::arrivals, 0, 30));
  CHECK(at(4, LegalStatus::irregular) == 0);
  CHECK(at(2, LegalStatus::irregular) == total(*r, 2, 0, SmugglingModel::arrivals, 0, 30));
}

TEST_CASE("operators enter while margins stay high; deterrence lowers departures", "[models][smuggling]") {
  SmugglingParams p = params(500, 100);
  p.services[0].operating_cost_usd = 100;
  p.services[0].entry_margin = 0.5;
  p.services[0].entry_lag_days = 5;
  p.services[0].entry_seats = 10;
  SmugglingParams::Enforcement deter;
  deter.name = "deterrence";
  deter.day = 20;
  deter.services = {0};
  deter.demand = {0};
  deter.demand_factor = 0.2;
  p.enforcement.push_back(deter);
  auto r = run(p, 40, 2);
  const std::size_t w = SmugglingModel::quantity_count;
  CHECK(r->series[0][39 * w + SmugglingModel::operators] >= 3);
  CHECK(r->series[0][39 * w + SmugglingModel::seats] ==
        100 + 10 * r->series[0][39 * w + SmugglingModel::operators]);
  std::int64_t before = 0, after = 0;
  for (std::size_t d = 10; d < 20; ++d) before += r->spawned[d];
  for (std::size_t d = 30; d < 40; ++d) after += r->spawned[d];
  CHECK(static_cast<double>(after) == Approx(0.2 * static_cast<double>(before)).epsilon(0.15));
}

TEST_CASE("a share of the intercepted are detained", "[models][smuggling]") {
  SmugglingParams p = params(200, 300);
  p.services[0].detention = 0.5;
  auto r = run(p, 30, 2);
  const auto stopped = total(*r, SmugglingModel::intercepted);
  std::int64_t detained = 0;
  for (std::size_t place = 0; place < 3; ++place)
    detained += r->population[(29 * 3 + place) * legal_status_count +
                              static_cast<std::size_t>(LegalStatus::detained)];
  CHECK(r->population[(29 * 3 + 1) * legal_status_count + static_cast<std::size_t>(LegalStatus::detained)] ==
        detained);
  CHECK(static_cast<double>(detained) == Approx(0.5 * static_cast<double>(stopped)).epsilon(0.15));
}

TEST_CASE("help from family or the diaspora lets people pay", "[models][smuggling]") {
  SmugglingParams p = params(200, 1000);
  p.debt_share = 0;
  p.services[0].interception = p.services[0].death = 0;  // one trip each
  p.demand[0].resources_median_usd = 10;                 // no savings to speak of
  CHECK(total(*run(p, 10, 2), SmugglingModel::seats_used) == 0);
  p.demand[0].help_share = 0.5;
  p.demand[0].help_median_usd = 5000;
  auto r = run(p, 10, 2);
  std::int64_t spawned = 0;
  for (auto v : r->spawned) spawned += v;
  CHECK(static_cast<double>(total(*r, SmugglingModel::seats_used)) / static_cast<double>(spawned) ==
        Approx(0.5).margin(0.05));
}

namespace {

// One journey for economic migrants who meet the smuggling market at the border (crossing points):
//   O (ORI) --500-- B1 (TRN) --10-- X1 (DST) --200-- D (DST)      the main crossing
//                   B1 --300-- B2 (TRN) --50-- X2 (DST) --300-- D  the remote one (a desert)
std::shared_ptr<const World> border_world() {
  std::vector<Country> c{{"ORI", "Origin"}, {"TRN", "Transit"}, {"DST", "Destination"}};
  std::vector<Place> p{test::make_place("O", 0, PlaceKind::town, 1000000),
                       test::make_place("B1", 1, PlaceKind::border_crossing, 0),
                       test::make_place("X1", 2, PlaceKind::border_crossing, 0),
                       test::make_place("D", 2, PlaceKind::destination, 0),
                       test::make_place("B2", 1, PlaceKind::border_crossing, 0),
                       test::make_place("X2", 2, PlaceKind::border_crossing, 0)};
  std::vector<Route> r{{0, 1, 500, TravelMode::road, false}, {1, 2, 10, TravelMode::foot, true},
                       {2, 3, 200, TravelMode::road, false}, {1, 4, 300, TravelMode::road, false},
                       {4, 5, 50, TravelMode::foot, true},   {5, 3, 300, TravelMode::road, false}};
  return std::make_shared<const World>(c, p, r);
}

models::EconomicParams border_economic(const World& w, double visa_share) {
  models::EconomicParams e;
  e.emigration_rate_per_day = {4e-4, 0, 0};
  e.push_index.assign(3, {});
  e.visa_share = {0, 0, visa_share};
  e.destinations = {{w.find_place("D"), 1.0, {0, 0, 0}}};
  e.speed_km_per_day = {250, 25, 100, 1000};
  e.patience_days = 3;
  return e;
}

// Options at each crossing: a smuggler and crossing alone (both shut by a closure of the crossing's
// route). The remote crossing's desert is deadlier alone; no option's parameters refer to an outcome.
SmugglingParams border_market(const World& w) {
  SmugglingParams p;
  for (const auto& c : w.countries()) p.country_codes.push_back(c.code);
  p.edge_names = w.route_names();
  p.crossing_points = {w.find_place("B1"), w.find_place("B2")};
  auto service = [&](const char* name, Kind kind, const char* from, const char* to, double interception,
                     double death) {
    p.services.push_back(one_route_service(w, name, kind, w.find_place(from), w.find_place(to), interception,
                                           death, kind == Kind::alone ? 0 : 1000,
                                           kind == Kind::alone ? 0 : 3000));
    p.services.back().runs_when_closed = false;
  };
  service("coyote_main", Kind::smuggler, "B1", "X1", 0.1, 0.0005);
  service("alone_main", Kind::alone, "B1", "X1", 0.1, 0.0005);
  service("coyote_desert", Kind::smuggler, "B2", "X2", 0.05, 0.005);
  service("alone_desert", Kind::alone, "B2", "X2", 0.2, 0.02);
  p.choice.price_sensitivity = 0.3;
  p.choice.risk_aversion = 5;
  p.choice.alone_penalty = 1;
  p.debt_share = 0.5;
  p.give_up_after_interception = 0.2;
  return p;
}

struct Journey {
  std::unique_ptr<MemoryRecorder> rec;
  std::int64_t spawned = 0;
  std::vector<std::int64_t> last_population, last_stranded, last_on_route;
  std::size_t series(std::string_view name) const {
    const auto& specs = rec->series_specs();
    for (std::size_t k = 0; k < specs.size(); ++k)
      if (specs[k].name == name) return k;
    FAIL("no series " << name);
    return 0;
  }
};

Journey run_journey(std::int32_t days, int threads, std::int32_t close_day, double visa_share = 0) {
  auto w = border_world();
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<models::EconomicModel>(border_economic(*w, visa_share)));
  models.push_back(std::make_unique<SmugglingModel>(border_market(*w)));
  std::vector<Event> events;
  if (close_day >= 0) {
    Event e;
    e.day = close_day;
    e.name = "main crossing closed";
    e.routes = {w->find_route(w->find_place("B1"), w->find_place("X1"))};
    events.push_back(e);
  }
  Journey j;
  j.rec = std::make_unique<MemoryRecorder>();
  Simulation sim(w, Schedule(events), std::move(models), SimulationConfig{11, days, threads, "2021-01-01"});
  sim.add_recorder(j.rec.get());
  sim.run();
  j.spawned = sim.spawned_total();
  j.last_population = sim.population_counts();
  j.last_stranded = sim.stranded_counts();
  j.last_on_route = sim.on_route_counts();
  return j;
}

// Service k's quantity q over days [from, to) (four services).
std::int64_t market(const Journey& j, std::size_t k, int q, std::size_t from, std::size_t to) {
  return total(*j.rec, 4, k, q, from, to);
}

}  // namespace

TEST_CASE("economic migrants choose among the market's options at the border, and walk on after it",
          "[models][smuggling][journey]") {
  const Journey j = run_journey(60, 2, -1, 0.2);
  const std::int64_t smuggled = market(j, 0, SmugglingModel::arrivals, 0, 60);
  const std::int64_t alone = market(j, 1, SmugglingModel::arrivals, 0, 60);
  CHECK(smuggled > 1000);  // they hire smugglers ...
  CHECK(alone > 1000);     // ... or cross alone
  CHECK(market(j, 1, SmugglingModel::intercepted, 0, 60) > 0);
  // Past the border they go on to D: settled there, irregular, or regular with a permit (who never
  // entered the market: they cross with the permit).
  const auto world = border_world();
  const World& w = *world;
  const std::size_t statuses = legal_status_count;
  const auto at = [&](const char* place, LegalStatus s) {
    return j.last_population[static_cast<std::size_t>(w.find_place(place)) * statuses +
                             static_cast<std::size_t>(s)];
  };
  CHECK(at("D", LegalStatus::irregular) > smuggled / 2);
  CHECK(at("D", LegalStatus::regular) > 0);
  CHECK(at("X1", LegalStatus::irregular) == 0);  // no one stops where the trip ends
  CHECK(at("O", LegalStatus::returned) > 0);     // some give up after an interception
  // Everyone created is somewhere: at a place (any status, the dead included), stranded or on a route.
  std::int64_t counted = 0;
  for (auto v : j.last_population) counted += v;
  for (auto v : j.last_stranded) counted += v;
  for (auto v : j.last_on_route) counted += v;
  CHECK(counted == j.spawned);
  // The kernel's crossings: the market's by its way, the permit holders' as a pathway.
  const auto& crossings = j.rec->series[j.series("crossings")];
  CHECK(!crossings.empty());
}

TEST_CASE("closing the main crossing raises the smugglers' share and the deaths on the remaining route",
          "[models][smuggling][journey]") {
  const Journey open = run_journey(120, 2, -1);
  const Journey closed = run_journey(120, 2, 60);
  auto share = [](const Journey& j) {
    std::int64_t smuggled = 0, all = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const auto used = market(j, k, SmugglingModel::seats_used, 70, 120);
      all += used;
      if (k == 0 || k == 2) smuggled += used;
    }
    return static_cast<double>(smuggled) / static_cast<double>(all);
  };
  auto desert_deaths = [](const Journey& j) {
    return market(j, 2, SmugglingModel::deaths, 70, 120) + market(j, 3, SmugglingModel::deaths, 70, 120);
  };
  INFO("smuggler share open " << share(open) << ", closed " << share(closed));
  CHECK(share(closed) > share(open) + 0.1);
  CHECK(desert_deaths(open) == 0);  // nobody goes the long way while the main crossing is open
  CHECK(desert_deaths(closed) > 10);
  // The closure shuts both options at the main crossing.
  CHECK(market(closed, 0, SmugglingModel::seats_used, 61, 120) == 0);
  CHECK(market(closed, 1, SmugglingModel::seats_used, 61, 120) == 0);
}

TEST_CASE("the journey through the market does not depend on threads", "[models][smuggling][journey]") {
  const Journey a = run_journey(50, 1, 30), b = run_journey(50, 3, 30);
  CHECK(a.rec->population == b.rec->population);
  CHECK(a.rec->series == b.rec->series);
  CHECK(a.rec->flow == b.rec->flow);
}

namespace {

// A parole-style pathway (issue 12's reference check): two origins, VEN and COL, 300 departures a day
// each, towards D in USA through the crossing point B in MEX. From day 90 a pathway opens at B for VEN
// nationals only (250 a day, USD 500, first come first served) and the intercepted are removed home
// (80 %); a removal bars from the pathway for ten years.
//   OV (VEN) --500-- B (MEX) --10-- X (USA) --200-- D (USA)
//   OC (COL) --500-- B --300-- T (MEX, where removals to a third country may take people)
std::shared_ptr<const World> parole_world() {
  std::vector<Country> c{{"VEN", "Venezuela"}, {"COL", "Colombia"}, {"MEX", "Mexico"}, {"USA", "USA"}};
  std::vector<Place> p{test::make_place("OV", 0, PlaceKind::town, 1000000),
                       test::make_place("OC", 1, PlaceKind::town, 1000000),
                       test::make_place("B", 2, PlaceKind::border_crossing, 0),
                       test::make_place("X", 3, PlaceKind::border_crossing, 0),
                       test::make_place("D", 3, PlaceKind::destination, 0),
                       test::make_place("T", 2, PlaceKind::town, 0)};
  std::vector<Route> r{{0, 2, 500, TravelMode::road, false},
                       {1, 2, 500, TravelMode::road, false},
                       {2, 3, 10, TravelMode::foot, false},
                       {3, 4, 200, TravelMode::road, false},
                       {2, 5, 300, TravelMode::road, false}};
  return std::make_shared<const World>(c, p, r);
}

struct ParoleRun {
  std::unique_ptr<MemoryRecorder> rec;
  // Irregular attempts at B--X per day and nationality (crossed or apprehended, smuggler or alone).
  std::vector<std::array<std::int64_t, 2>> irregular;
  std::vector<std::int64_t> pathway;  // pathway arrivals per day
  std::int64_t removed = 0, returned = 0, flow_to_t = 0;
  std::int64_t pathway_crossings = 0;            // VEN crossings of B--X as `pathway`
  std::vector<std::int64_t> applicants_at_home;  // applicants at OV, by day
  std::array<std::int64_t, 2> home{0, 0};        // home_choices: applied, set off
  std::int64_t regular_at_d = 0;                 // regular residents at D at the end
};

// home_wait_cost >= 0: the pathway is applied for from home (a day's wait there costing that many USD).
ParoleRun run_parole(bool policy, int threads = 2, bool to_third_country = false,
                     double home_wait_cost = -1) {
  auto w = parole_world();
  models::EconomicParams e;
  e.emigration_rate_per_day = {3e-4, 3e-4, 0, 0};
  e.push_index.assign(4, {});
  e.visa_share = {0, 0, 0, 0};
  e.destinations = {{w->find_place("D"), 1.0, {0, 0, 0, 0}}};
  e.speed_km_per_day = {250, 25, 100, 1000};
  SmugglingParams m;
  for (const auto& c : w->countries()) m.country_codes.push_back(c.code);
  m.edge_names = w->route_names();
  const place_id b = w->find_place("B"), x = w->find_place("X");
  m.crossing_points = {b};
  auto service = [&](const char* name, Kind kind, double interception, double death, double seats,
                     double price) {
    m.services.push_back(one_route_service(*w, name, kind, b, x, interception, death, seats, price));
  };
  service("smuggler", Kind::smuggler, 0.3, 0.001, 5000, 3000);
  service("alone", Kind::alone, 0.5, 0.002, 0, 0);
  service("parole", Kind::pathway, 0, 0, 0, 500);
  m.services[2].nationalities = {0};
  m.services[2].bar_after_removal_days = 3650;
  if (home_wait_cost >= 0) {
    m.services[2].from_home = true;
    m.choice.home_wait_given = true;
    m.choice.home_wait_cost_usd_per_day = home_wait_cost;
  }
  if (policy) {
    SmugglingParams::Enforcement open;
    open.name = "parole opens";
    open.day = 90;
    open.services = {2};
    open.seats = 250;
    SmugglingParams::Enforcement removals;
    removals.name = "removals";
    removals.day = 90;
    removals.services = {0, 1};
    removals.removal = 0.8;
    m.enforcement = {open, removals};
    if (to_third_country) m.services[0].removal_to = m.services[1].removal_to = w->find_place("T");
  }
  m.choice.price_sensitivity = 0.3;
  m.choice.risk_aversion = 5;
  m.choice.alone_penalty = 1;
  m.choice.can_wait = true;
  m.choice.wait_utility = -2;
  m.choice.removal_aversion = 3;
  m.choice.wait_aversion = 0.1;
  m.give_up_after_interception = 0.2;
  m.give_up_per_day = 0.002;
  m.debt_share = 0.5;
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<models::EconomicModel>(e));
  models.push_back(std::make_unique<SmugglingModel>(m));
  ParoleRun run;
  run.rec = std::make_unique<MemoryRecorder>();
  const std::int32_t days = 180;
  Simulation sim(w, Schedule{}, std::move(models), SimulationConfig{23, days, threads, "2023-01-01"});
  sim.add_recorder(run.rec.get());
  sim.run();
  const auto& specs = run.rec->series_specs();
  std::size_t crossed = specs.size(), stopped = specs.size(), market = specs.size();
  for (std::size_t k = 0; k < specs.size(); ++k) {
    if (specs[k].name == "crossings") crossed = k;
    if (specs[k].name == "apprehensions") stopped = k;
    if (specs[k].name == "smuggling") market = k;
  }
  REQUIRE(crossed < specs.size());
  REQUIRE(stopped < specs.size());
  REQUIRE(market < specs.size());
  const auto& spec = specs[crossed];
  const auto& edges = spec.coords[0];
  const auto& options = spec.coords[1];
  const std::size_t ne = edges.size(), no = options.size(), nc = spec.coords[2].size();
  const std::size_t edge =
      static_cast<std::size_t>(std::find(edges.begin(), edges.end(), "B--X") - edges.begin());
  REQUIRE(edge < ne);
  const std::size_t per_day = ne * no * nc;
  for (std::int32_t d = 0; d < days; ++d) {
    std::array<std::int64_t, 2> by{0, 0};
    for (std::size_t o = 0; o < no; ++o) {
      if (options[o] == "pathway") continue;
      for (std::size_t n = 0; n < 2; ++n) {
        const std::size_t at = static_cast<std::size_t>(d) * per_day + (edge * no + o) * nc + n;
        by[n] += run.rec->series[crossed][at] + run.rec->series[stopped][at];
      }
    }
    run.irregular.push_back(by);
    run.pathway.push_back(total(*run.rec, 3, 2, SmugglingModel::arrivals, static_cast<std::size_t>(d),
                                static_cast<std::size_t>(d) + 1));
  }
  for (std::size_t k = 0; k < 2; ++k) run.removed += total(*run.rec, 3, k, SmugglingModel::removed, 0, 180);
  for (std::size_t q = 0; q < static_cast<std::size_t>(w->place_count()); ++q)
    run.returned +=
        sim.population_counts()[q * legal_status_count + static_cast<std::size_t>(LegalStatus::returned)];
  for (std::int32_t d = 0; d < days; ++d) run.flow_to_t += run.rec->flow[static_cast<std::size_t>(d) * 5 + 4];
  // Pathway crossings of B--X (the permit holders' and the pathway's own) and applicants at OV by day.
  for (std::int32_t d = 0; d < days; ++d) {
    const std::size_t pw =
        static_cast<std::size_t>(std::find(options.begin(), options.end(), "pathway") - options.begin());
    run.pathway_crossings +=
        run.rec->series[crossed][static_cast<std::size_t>(d) * per_day + (edge * no + pw) * nc + 0];
    run.applicants_at_home.push_back(
        run.rec->population[(static_cast<std::size_t>(d) * static_cast<std::size_t>(w->place_count()) + 0) *
                                legal_status_count +
                            static_cast<std::size_t>(LegalStatus::applicant)]);
  }
  for (std::size_t k = 0; k < specs.size(); ++k)
    if (specs[k].name == "home_choices")
      for (std::int32_t d = 0; d < days; ++d)
        for (std::size_t c = 0; c < 2; ++c)
          run.home[c] += run.rec->series[k][static_cast<std::size_t>(d) * 2 + c];
  run.regular_at_d =
      sim.population_counts()[4 * legal_status_count + static_cast<std::size_t>(LegalStatus::regular)];
  return run;
}

double mean(const ParoleRun& r, std::size_t nationality, std::size_t from, std::size_t to) {
  double s = 0;
  for (std::size_t d = from; d < to; ++d) s += static_cast<double>(r.irregular[d][nationality]);
  return s / static_cast<double>(to - from);
}

}  // namespace

TEST_CASE(
    "a parole-style pathway with removals that bar from it cuts that nationality's irregular "
    "crossings by at least 70 % within three months",
    "[models][smuggling][journey][reference]") {
  const ParoleRun policy = run_parole(true), none = run_parole(false);
  // Irregular attempts a day: the 30 days before the policy, and its first three months.
  const double ven_before = mean(policy, 0, 60, 90), ven_after = mean(policy, 0, 90, 180);
  const double col_before = mean(policy, 1, 60, 90), col_after = mean(policy, 1, 90, 180);
  const double ven_cut = 1 - ven_after / ven_before, col_cut = 1 - col_after / col_before;
  INFO("VEN " << ven_before << " -> " << ven_after << " a day (cut " << ven_cut << "); COL " << col_before
              << " -> " << col_after << " (cut " << col_cut << "); without the policy VEN "
              << mean(none, 0, 90, 180));
  CHECK(ven_before > 200);
  CHECK(ven_cut >= 0.70);
  // The pathway and its bar make the difference: COL, who face the same removals without a pathway,
  // fall less; without the policy VEN does not fall.
  CHECK(col_cut < ven_cut - 0.2);
  CHECK(mean(none, 0, 90, 180) > 0.9 * ven_before);
  // The pathway admits at most its quota a day, and is used.
  std::int64_t admitted = 0;
  for (std::size_t d = 90; d < 180; ++d) {
    CHECK(policy.pathway[d] <= 250);
    admitted += policy.pathway[d];
  }
  CHECK(admitted > 10000);
  for (std::size_t d = 0; d < 90; ++d) CHECK(policy.pathway[d] == 0);
}

TEST_CASE("the parole journey does not depend on threads", "[models][smuggling][journey]") {
  const ParoleRun a = run_parole(true, 1), b = run_parole(true, 3);
  CHECK(a.irregular == b.irregular);
  CHECK(a.rec->population == b.rec->population);
}

TEST_CASE(
    "a parole applied for from home: applicants wait at home, and fewer set off while its queue is short",
    "[models][smuggling][journey][reference]") {
  // A day's wait at home costs USD 70 (earnings forgone), the pathway's queue is the wait.
  const ParoleRun home = run_parole(true, 2, false, 70), none = run_parole(false, 2, false, 70);
  const double ven_before = mean(home, 0, 60, 90), ven_after = mean(home, 0, 90, 180);
  const double col_before = mean(home, 1, 60, 90), col_after = mean(home, 1, 90, 180);
  const double ven_cut = 1 - ven_after / ven_before, col_cut = 1 - col_after / col_before;
  INFO("VEN " << ven_before << " -> " << ven_after << " a day (cut " << ven_cut << "); COL " << col_before
              << " -> " << col_after << " (cut " << col_cut << "); applied " << home.home[0] << ", set off "
              << home.home[1] << ", pathway crossings " << home.pathway_crossings);
  CHECK(ven_cut >= 0.70);
  CHECK(col_cut < ven_cut - 0.2);
  // Nobody applies before the pathway opens; then applicants wait at their origin, and the permit holders
  // cross B--X with their permit (the economic driver counts them as `pathway`) and settle regular at D.
  for (std::size_t d = 0; d < 90; ++d) CHECK(home.applicants_at_home[d] == 0);
  CHECK(home.applicants_at_home[179] > 0);
  CHECK(home.home[0] > 10000);
  CHECK(home.home[1] > 0);
  std::int64_t permits = 0;
  for (std::size_t d = 90; d < 180; ++d) {
    CHECK(home.pathway[d] <= 250);
    permits += home.pathway[d];
  }
  CHECK(permits > 10000);
  CHECK(home.pathway_crossings > permits / 2);
  CHECK(home.pathway_crossings <= permits);
  CHECK(home.regular_at_d > permits / 2);
  // Without the policy no choice at home is offered.
  CHECK(none.home[0] + none.home[1] == 0);
  CHECK(none.pathway_crossings == 0);
  // The dearer the wait at home, the more set off instead of applying (the same seed, the same movers).
  const ParoleRun dear = run_parole(true, 2, false, 700);
  INFO("wait at USD 700 a day: applied " << dear.home[0] << ", set off " << dear.home[1]);
  const double share_70 =
      static_cast<double>(home.home[1]) / static_cast<double>(home.home[0] + home.home[1]);
  const double share_700 =
      static_cast<double>(dear.home[1]) / static_cast<double>(dear.home[0] + dear.home[1]);
  CHECK(share_700 > 2 * share_70);
  CHECK(mean(dear, 0, 90, 180) > ven_after);
}

TEST_CASE("the choice at home does not depend on threads", "[models][smuggling][journey]") {
  const ParoleRun a = run_parole(true, 1, false, 70), b = run_parole(true, 3, false, 70);
  CHECK(a.irregular == b.irregular);
  CHECK(a.home == b.home);
  CHECK(a.rec->population == b.rec->population);
}

TEST_CASE("removals to a third country leave people there, whence they go on",
          "[models][smuggling][journey]") {
  const ParoleRun home = run_parole(true), third = run_parole(true, 2, true);
  CHECK(home.removed > 1000);
  CHECK(home.flow_to_t == 0);
  CHECK(third.removed > 1000);
  // Removed to T: nobody is sent home by a removal; they walk back from T towards the border.
  CHECK(third.returned < home.returned - home.removed / 2);
  CHECK(third.flow_to_t > third.removed / 2);
}

namespace {

// The index of the series named `name` in a run's record.
std::size_t series_index(const MemoryRecorder& r, const char* name) {
  const auto& specs = r.series_specs();
  for (std::size_t k = 0; k < specs.size(); ++k)
    if (specs[k].name == name) return k;
  FAIL("no series " << name);
  return 0;
}

// Crossing world: a boat (smuggler) and a raft (alone, five times deadlier) from D; people believe the
// risks at a tenth of the truth at first (prior_factor 0.1).
SmugglingParams informed_params(double news_share, double campaign_trips) {
  SmugglingParams p = params(400, 1000);
  p.services[0].interception = 0.1;
  p.services[0].death = 0.01;
  SmugglingParams::Service raft = p.services[0];
  raft.name = "raft";
  raft.kind = Kind::alone;
  raft.base_price_usd = 0;
  raft.price_elasticity = raft.risk_premium = 0;
  raft.death = 0.05;
  raft.interception = 0.3;
  p.services.push_back(raft);
  p.choice.price_sensitivity = 0.5;
  p.choice.risk_aversion = 10;
  p.choice.alone_penalty = 0.5;
  p.informed = true;
  p.information.prior_factor = 0.1;
  p.information.prior_trips = 200;
  p.information.news_share = news_share;
  p.information.memory_days = 60;
  if (campaign_trips > 0) {
    SmugglingParams::Campaign c;
    c.name = "aware";
    c.from_day = 20;
    c.to_day = 59;
    c.services = {0, 1};
    c.trips_per_day = campaign_trips;
    p.information.campaigns.push_back(c);
  }
  return p;
}

// Share of trips taken alone (raft) over days [from, to).
double alone_share(const MemoryRecorder& r, std::size_t from, std::size_t to) {
  const auto boat = total(r, 2, 0, SmugglingModel::seats_used, from, to);
  const auto raft = total(r, 2, 1, SmugglingModel::seats_used, from, to);
  return static_cast<double>(raft) / static_cast<double>(boat + raft);
}

// Believed rate of risk `risk` of service k by nationality c on day d (the perceived_risk series).
double believed_on(const MemoryRecorder& r, std::size_t d, std::size_t k, std::size_t c, std::size_t risk) {
  const auto& v = r.series[series_index(r, "perceived_risk")];
  const std::size_t per_day = 2 * 3 * SmugglingModel::risk_count;
  return static_cast<double>(v[d * per_day + (k * 3 + c) * SmugglingModel::risk_count + risk]) / 1e5;
}

}  // namespace

TEST_CASE("beliefs about the risks move towards the true rates with news and campaigns",
          "[models][smuggling][journey]") {
  SmugglingParams truth = informed_params(0, 0);
  truth.informed = false;
  const auto known = run(truth, 240, 2);
  const auto unheard = run(informed_params(0, 0), 240, 2);
  const auto news = run(informed_params(0.02, 0), 240, 2);
  const auto campaign = run(informed_params(0.02, 2000), 240, 2);
  const std::size_t ori = 0, death = SmugglingModel::risk_death;
  // No news: the first impression stays (a tenth of the raft's 0.05).
  CHECK(believed_on(*unheard, 239, 1, ori, death) == Approx(0.005).margin(1e-5));
  // People who underestimate the raft's risk take it more than people who know it.
  CHECK(alone_share(*unheard, 200, 240) > alone_share(*known, 200, 240) + 0.2);
  // News from people who went before: beliefs approach the truth, and so do the choices.
  CHECK(believed_on(*news, 239, 1, ori, death) == Approx(0.05).epsilon(0.2));
  CHECK(believed_on(*news, 239, 1, ori, SmugglingModel::risk_interception) == Approx(0.3).epsilon(0.1));
  CHECK(believed_on(*news, 10, 1, ori, death) < 0.02);
  CHECK(alone_share(*news, 0, 10) > alone_share(*news, 200, 240) + 0.1);
  CHECK(alone_share(*news, 200, 240) == Approx(alone_share(*known, 200, 240)).margin(0.1));
  // A campaign from day 20 speeds it up: fewer take the raft while it runs.
  CHECK(believed_on(*campaign, 30, 1, ori, death) > believed_on(*news, 30, 1, ori, death) + 0.01);
  CHECK(alone_share(*campaign, 25, 50) < alone_share(*news, 25, 50) - 0.05);
  CHECK(alone_share(*campaign, 0, 20) == Approx(alone_share(*news, 0, 20)).margin(1e-12));
  // Other nationalities hear nothing (nobody of theirs travels): their first impression stays.
  CHECK(believed_on(*news, 239, 1, 2, death) == Approx(0.005).margin(1e-5));
  // Campaigns reach everyone by default, so those beliefs move with it.
  CHECK(believed_on(*campaign, 59, 1, 2, death) > 0.03);
}

TEST_CASE("beliefs do not depend on threads", "[models][smuggling][journey][determinism]") {
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 8);
  const auto a = run(informed_params(0.2, 2000), 60, 1), b = run(informed_params(0.2, 2000), 60, 8);
  CHECK(a->series == b->series);
  CHECK(a->population == b->population);
}

TEST_CASE("going back and staying are options of the choice at the border", "[models][smuggling][journey]") {
  // A boat nobody can pay (and nobody may borrow for): people wait, go back home or stay at D.
  SmugglingParams p = params(100, 1000);
  p.services[0].base_price_usd = 1e6;
  p.debt_share = 0;
  p.choice.can_wait = true;
  p.choice.wait_utility = 1;
  p.choice.can_go_back = true;
  p.choice.go_back_utility = 0;
  p.choice.can_stay = true;
  p.choice.stay_utility = -0.5;
  p.place_names = {"O", "D", "A"};
  const auto r = run(p, 30, 2);
  const auto& ended = r->series[series_index(*r, "journey_choices")];
  std::int64_t back = 0, stay = 0;
  for (std::size_t d = 0; d < 30; ++d) {
    back += ended[(d * 3 + 1) * SmugglingModel::end_choice_count + SmugglingModel::went_back];
    stay += ended[(d * 3 + 1) * SmugglingModel::end_choice_count + SmugglingModel::stayed];
  }
  // The last day's population: at O returned, at D irregular (stayed) or in transit (waiting).
  const std::size_t ns = legal_status_count, last = 29 * 3 * ns;
  const auto at = [&](std::size_t place, LegalStatus s) {
    return r->population[last + place * ns + static_cast<std::size_t>(s)];
  };
  CHECK(back > 100);
  CHECK(stay > 50);
  CHECK(back > stay);  // the higher utility, more often chosen
  CHECK(at(0, LegalStatus::returned) == back);
  CHECK(at(1, LegalStatus::irregular) == stay);
  CHECK(at(1, LegalStatus::in_transit) > 0);  // some wait still
  CHECK(total(*r, SmugglingModel::seats_used) == 0);
}

namespace {

// Another destination at the border:
//   O (ORI) --500-- B (TRN) --10-- X (DST) --200-- D (DST)   the crossing the market serves
//                   B --300-- T (TRN)                        a city of the transit country
//                   B --600-- Z (THR)                        a third country, no market on the way
std::shared_ptr<const World> elsewhere_world() {
  std::vector<Country> c{{"ORI", "Origin"}, {"TRN", "Transit"}, {"DST", "Destination"}, {"THR", "Third"}};
  std::vector<Place> p{test::make_place("O", 0, PlaceKind::town, 1000000),
                       test::make_place("B", 1, PlaceKind::border_crossing, 0),
                       test::make_place("X", 2, PlaceKind::border_crossing, 0),
                       test::make_place("D", 2, PlaceKind::destination, 0),
                       test::make_place("T", 1, PlaceKind::destination, 0),
                       test::make_place("Z", 3, PlaceKind::destination, 0)};
  std::vector<Route> r{{0, 1, 500, TravelMode::road, false},
                       {1, 2, 10, TravelMode::foot, true},
                       {2, 3, 200, TravelMode::road, false},
                       {1, 4, 300, TravelMode::road, false},
                       {1, 5, 600, TravelMode::road, true}};
  return std::make_shared<const World>(c, p, r);
}

struct Elsewhere {
  std::unique_ptr<MemoryRecorder> rec;
  std::int64_t spawned = 0;
  std::vector<std::int64_t> population, stranded, on_route;
};

// Economic migrants from O head for D (T and Z pull a millionth as much from home); at B a costly
// smuggler and a risky crossing alone lead into DST, and, when `utility` is given, looking for another
// destination is an option.
Elsewhere run_elsewhere(int threads, bool option, double utility = 2.0, bool only_d = false) {
  auto w = elsewhere_world();
  models::EconomicParams e;
  e.emigration_rate_per_day = {4e-4, 0, 0, 0};
  e.push_index.assign(4, {});
  e.visa_share = {0, 0, 0, 0};
  e.destinations = {{w->find_place("D"), 1.0, {0, 0, 0, 0}},
                    {w->find_place("T"), 1e-6, {0, 0, 0, 0}},
                    {w->find_place("Z"), 1e-6, {0, 0, 0, 0}}};
  if (only_d) e.destinations.resize(1);
  e.distance_exponent = 1.0;
  e.speed_km_per_day = {250, 25, 100, 1000};
  SmugglingParams m;
  for (const auto& c : w->countries()) m.country_codes.push_back(c.code);
  m.edge_names = w->route_names();
  for (const auto& place : w->places()) m.place_names.push_back(place.name);
  m.crossing_points = {w->find_place("B")};
  m.services.push_back(one_route_service(*w, "coyote", Kind::smuggler, w->find_place("B"), w->find_place("X"),
                                         0.1, 0.001, 1000, 3000));
  m.services.push_back(
      one_route_service(*w, "alone", Kind::alone, w->find_place("B"), w->find_place("X"), 0.3, 0.01, 0, 0));
  m.choice.price_sensitivity = 0.3;
  m.choice.risk_aversion = 5;
  m.choice.alone_penalty = 1;
  m.choice.can_stay = true;  // the series, with staying made unattractive
  m.choice.stay_utility = -20;
  m.choice.can_look_elsewhere = option;
  m.choice.another_destination_utility = utility;
  m.debt_share = 0.5;
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<models::EconomicModel>(e));
  models.push_back(std::make_unique<SmugglingModel>(m));
  Elsewhere out;
  out.rec = std::make_unique<MemoryRecorder>();
  Simulation sim(w, Schedule{}, std::move(models), SimulationConfig{5, 40, threads, "2021-01-01"});
  sim.add_recorder(out.rec.get());
  sim.run();
  out.spawned = sim.spawned_total();
  out.population = sim.population_counts();
  out.stranded = sim.stranded_counts();
  out.on_route = sim.on_route_counts();
  return out;
}

}  // namespace

TEST_CASE("looking for another destination is an option at the border; the driver draws it",
          "[models][smuggling][journey]") {
  const auto w = elsewhere_world();
  const std::size_t ns = legal_status_count;
  auto settled_at = [&](const Elsewhere& r, const char* place) {
    const std::size_t p = static_cast<std::size_t>(w->find_place(place));
    return r.population[p * ns + static_cast<std::size_t>(LegalStatus::irregular)] +
           r.population[p * ns + static_cast<std::size_t>(LegalStatus::regular)];
  };
  const Elsewhere without = run_elsewhere(2, false), with = run_elsewhere(2, true);
  // Without the option they cross into DST; nobody reaches T or Z.
  CHECK(settled_at(without, "D") > 3000);
  CHECK(settled_at(without, "T") + settled_at(without, "Z") == 0);
  // With it (utility 2, against about -1.2 for the smuggler and -2.6 alone), most choose it at B.
  const auto& ended = with.rec->series[series_index(*with.rec, "journey_choices")];
  const std::size_t b = static_cast<std::size_t>(w->find_place("B")), places = w->places().size();
  std::int64_t elsewhere = 0;
  for (std::size_t d = 0; d < 40; ++d)
    elsewhere +=
        ended[(d * places + b) * SmugglingModel::end_choice_count + SmugglingModel::looked_elsewhere];
  CHECK(elsewhere > 3000);
  CHECK(settled_at(with, "D") < settled_at(without, "D") / 2);
  // The driver draws among its destinations outside DST by pull / km: T (300 km) twice as likely as
  // Z (600 km). Z lies across another border, where the market offers no way into THR: nobody is held.
  const std::int64_t t = settled_at(with, "T"), z = settled_at(with, "Z");
  CHECK(t + z > 1000);
  const double n = static_cast<double>(t + z), share = static_cast<double>(t) / n;
  CHECK(std::abs(share - 2.0 / 3.0) < 5 * std::sqrt(2.0 / 9.0 / n));
  // Everyone created is somewhere; the redirected are settled irregular in T and Z (not nationals).
  std::int64_t counted = 0;
  for (auto v : with.population) counted += v;
  for (auto v : with.stranded) counted += v;
  for (auto v : with.on_route) counted += v;
  CHECK(counted == with.spawned);
  // Results do not depend on threads.
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 8);
  const Elsewhere one = run_elsewhere(1, true), eight = run_elsewhere(8, true);
  CHECK(one.rec->series == eight.rec->series);
  CHECK(one.rec->population == eight.rec->population);
}

TEST_CASE("with no other destination reachable, looking elsewhere keeps the old one",
          "[models][smuggling][journey]") {
  // D is the driver's only destination: whoever chooses another destination keeps D and chooses again
  // the next day; with a utility far above the crossing's, hardly anyone crosses and nobody is lost.
  auto w = elsewhere_world();
  const Elsewhere r = run_elsewhere(2, true, 50.0, true);
  const std::size_t ns = legal_status_count;
  const auto at = [&](const char* place, LegalStatus s) {
    return r.population[static_cast<std::size_t>(w->find_place(place)) * ns + static_cast<std::size_t>(s)];
  };
  CHECK(at("D", LegalStatus::irregular) == 0);
  CHECK(at("T", LegalStatus::irregular) + at("Z", LegalStatus::irregular) == 0);
  CHECK(at("B", LegalStatus::in_transit) > 3000);  // at the border still, choosing every day
  std::int64_t counted = 0;
  for (auto v : r.population) counted += v;
  for (auto v : r.stranded) counted += v;
  for (auto v : r.on_route) counted += v;
  CHECK(counted == r.spawned);
}

TEST_CASE("the market's own travellers draw sex and age band by their country of origin",
          "[models][smuggling][demography]") {
  SmugglingParams p = params(500, 100);
  p.demography.all.female_share = 0.2;
  models::Demography::Origin ori;
  ori.country = 0;  // the travellers' origin O lies in ORI
  ori.female_share = 0.6;
  ori.age_band_shares = {0.1, 0.7, 0.15, 0.05};
  p.demography.by_origin = {ori};
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<SmugglingModel>(p));
  Simulation sim(crossing_world(), Schedule{}, std::move(models), SimulationConfig{6, 20, 2, "2020-01-01"});
  sim.run();
  const auto& pop = sim.population();
  REQUIRE(pop.size() > 5000);
  std::array<double, age_band_count> bands{};
  double female = 0;
  for (std::size_t i = 0; i < pop.size(); ++i) {
    bands[pop.age_band[i]] += 1;
    female += pop.sex[i] == Sex::female;
  }
  const auto n = static_cast<double>(pop.size());
  CHECK(female / n == Approx(0.6).margin(0.025));
  CHECK(bands[1] / n == Approx(0.7).margin(0.025));
  CHECK(bands[0] / n == Approx(0.1).margin(0.02));
}
