// Route risks (models/route_risks.hpp) on the corridor world with the economic model as the mover: deaths
// per trip on a route, the recorded share and the missing, where the dead are, dates, conservation and the
// table's messages.
#include <numeric>

#include <catch2/catch.hpp>

#include "../test_worlds.hpp"
#include "io/param_reader.hpp"
#include "io/yaml_tree.hpp"
#include "models/route_risks.hpp"
#include "sim/errors.hpp"
#include "sim/memory_recorder.hpp"
#include "sim/simulation.hpp"

using namespace migrasim;

namespace {

struct Run {
  MemoryRecorder rec;
  std::unique_ptr<Simulation> sim;
};

models::RouteRiskParams risk_on_bx(const World& w, double death, double recorded) {
  models::RouteRiskParams p;
  models::RouteRiskParams::Risk r;
  r.name = "river";
  r.routes = {w.find_route(w.find_place("B"), w.find_place("X"))};
  r.death = death;
  p.risks = {r};
  p.recorded_share = recorded;
  p.edge_names = w.route_names();
  return p;
}

std::unique_ptr<Run> run(const models::RouteRiskParams& risks, std::int32_t days = 25) {
  auto w = test::corridor_world();
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<models::EconomicModel>(test::corridor_params(*w)));
  models.push_back(std::make_unique<models::RouteRiskModel>(risks));
  auto r = std::make_unique<Run>();
  r->sim = std::make_unique<Simulation>(w, Schedule(std::vector<Event>{}), std::move(models),
                                        SimulationConfig{6, days, 2, "2024-01-01"});
  r->sim->add_recorder(&r->rec);
  r->sim->run();
  return r;
}

std::int64_t series_total(const MemoryRecorder& rec, const std::string& name, std::size_t stride = 1,
                          std::size_t offset = 0) {
  for (std::size_t k = 0; k < rec.series_specs().size(); ++k)
    if (rec.series_specs()[k].name == name) {
      std::int64_t n = 0;
      for (std::size_t j = offset; j < rec.series[k].size(); j += stride) n += rec.series[k][j];
      return n;
    }
  return -1;
}

}  // namespace

TEST_CASE("travellers die on a risky route with its probability; a share is never recorded",
          "[models][route_risks]") {
  auto w = test::corridor_world();
  auto r = run(risk_on_bx(*w, 0.2, 0.75));
  const Population& pop = r->sim->population();
  const place_id x = w->find_place("X");
  std::int64_t dead = 0, missing = 0;
  for (std::size_t i = 0; i < pop.size(); ++i) {
    if (pop.legal_status[i] != LegalStatus::dead && pop.legal_status[i] != LegalStatus::missing) continue;
    (pop.legal_status[i] == LegalStatus::dead ? dead : missing) += 1;
    CHECK(pop.place[i] == x);  // where the route ends
    CHECK((pop.flags[i] & agent_flag::settled));
  }
  REQUIRE(dead + missing > 500);
  // route_deaths(time, edge, death_record): B--X is route 2 of 7.
  const std::size_t bx = 2;
  CHECK(series_total(r->rec, "route_deaths", 14, bx * 2) == dead);
  CHECK(series_total(r->rec, "route_deaths", 14, bx * 2 + 1) == missing);
  CHECK(series_total(r->rec, "route_deaths") == dead + missing);
  CHECK(static_cast<double>(missing) / static_cast<double>(dead + missing) == Approx(0.25).margin(0.04));
  // Of those without a permit who finished the trip on B--X (died, or crossed alone: crossings(time,
  // border_edge, option, nationality) holds B--X, Y--X x pathway, smuggler, alone x ORI, DST), a fifth
  // died; permit holders are exempt by default.
  const std::int64_t alone = series_total(r->rec, "crossings", 12, 4);
  REQUIRE(alone > 1000);
  CHECK(static_cast<double>(dead + missing) / static_cast<double>(dead + missing + alone) ==
        Approx(0.2).margin(0.02));
  const FlagBit holds_permit = pop.find_flag("holds_permit");
  std::int64_t permit_dead = 0;
  for (std::size_t i = 0; i < pop.size(); ++i)
    if (pop.legal_status[i] == LegalStatus::dead && (pop.flags[i] & holds_permit.mask)) ++permit_dead;
  CHECK(permit_dead == 0);
  CHECK(series_total(r->rec, "crossings", 12, 0) > 100);  // permit holders crossed B--X unharmed
  // Everyone is still counted every day: at a place (the dead too), stranded or on a route.
  const std::size_t days = 25, np = r->rec.population.size() / days, nr = r->rec.on_route.size() / days;
  const std::size_t ns = r->rec.stranded.size() / days;
  const auto d = days - 1;
  const std::int64_t counted =
      std::accumulate(r->rec.population.begin() + static_cast<std::ptrdiff_t>(d * np),
                      r->rec.population.end(), std::int64_t{0}) +
      std::accumulate(r->rec.stranded.begin() + static_cast<std::ptrdiff_t>(d * ns), r->rec.stranded.end(),
                      std::int64_t{0}) +
      std::accumulate(r->rec.on_route.begin() + static_cast<std::ptrdiff_t>(d * nr), r->rec.on_route.end(),
                      std::int64_t{0});
  CHECK(counted == static_cast<std::int64_t>(pop.size()));
}

TEST_CASE("a route risk acts only while in force", "[models][route_risks]") {
  auto w = test::corridor_world();
  auto p = risk_on_bx(*w, 0.5, 1.0);
  p.risks[0].from_day = 30;  // after the run
  CHECK(series_total(run(p)->rec, "route_deaths") == 0);
  p.risks[0].from_day = 0;
  p.risks[0].until_day = 4;
  const auto early = run(p);
  CHECK(series_total(early->rec, "route_deaths") > 0);
  // Nobody dies after day 4: route_deaths holds 7 routes x 2 a day.
  std::int64_t later = 0;
  for (std::size_t j = 5 * 14; j < early->rec.series[0].size(); ++j) later += early->rec.series[0][j];
  CHECK(later == 0);
}

TEST_CASE("route risks read from a scenario give file:line:column and what is expected",
          "[models][route_risks]") {
  const auto w = test::corridor_world();
  auto error = [&](const std::string& yaml) {
    try {
      io::read_params(models::RouteRiskParams::table(), io::parse_yaml(yaml, "s.yaml"),
                      "behaviour.route_risks", io::ParamReadContext{*w, 19723, 60});
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const auto p = io::read_params(
      models::RouteRiskParams::table(),
      io::parse_yaml("risks:\n  - {border: [ORI, DST], death: 0.01}\nrecorded_share: 0.6\n", "s.yaml"),
      "behaviour.route_risks", io::ParamReadContext{*w, 19723, 60});
  CHECK(p.risks[0].routes == std::vector<route_id>{2, 6});
  CHECK(p.recorded_share == 0.6);
  CHECK(p.edge_names.size() == 7);
  CHECK_NOTHROW(p.validate(*w, 60));
  CHECK(error("risks:\n  - {route: [B, X]}\n") ==
        "s.yaml:2:5: behaviour.route_risks.risks[0]: missing key 'death'");
  CHECK(error("risks:\n  - {route: [B, X], death: 2}\n") ==
        "s.yaml:2:28: behaviour.route_risks.risks[0].death: got '2', expected a probability per trip in [0, "
        "1]");
  CHECK(error("risks:\n  - {route: [O1, D2], death: 0.1}\n") ==
        "s.yaml:2:13: behaviour.route_risks.risks[0].route: no route joins these places");
  CHECK(error("risks:\n  - {route: [B, X], death: 0.1}\nrecorded_share: -1\n") ==
        "s.yaml:3:17: behaviour.route_risks.recorded_share: got '-1', expected a probability in [0, 1]");
}

TEST_CASE("permit holders face the risk when the route says so", "[models][route_risks]") {
  auto w = test::corridor_world();
  auto p = risk_on_bx(*w, 0.5, 1.0);
  p.risks[0].permit_holders_exempt = false;
  const auto r = run(p);
  const Population& pop = r->sim->population();
  const FlagBit holds_permit = pop.find_flag("holds_permit");
  std::int64_t permit_dead = 0;
  for (std::size_t i = 0; i < pop.size(); ++i)
    if (pop.legal_status[i] == LegalStatus::dead && (pop.flags[i] & holds_permit.mask)) ++permit_dead;
  CHECK(permit_dead > 100);
}
