#include <algorithm>
#include <cmath>

#include <tbb/global_control.h>
#include <catch2/catch.hpp>

#include "../test_worlds.hpp"
#include "io/param_reader.hpp"
#include "io/yaml_tree.hpp"
#include "models/disaster.hpp"
#include "sim/errors.hpp"
#include "sim/memory_recorder.hpp"
#include "sim/simulation.hpp"

using namespace migrasim;
using models::DisasterModel;
using models::DisasterParams;

namespace {

using test::drill_params;
using test::drill_world;

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
  CHECK_THROWS_WITH(
      intensity.validate(*w, 30),
      "behaviour.disasters.events[0].footprint.places.T = 1.5: expected an intensity in [0, 1]");
  DisasterParams steep = drill_params();
  steep.curves[0].steepness = 0;
  CHECK_THROWS_WITH(steep.validate(*w, 30),
                    "behaviour.disasters.curves[0].steepness = 0: expected a number in "
                    "[1e-06, 1000]");
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

namespace {

// 2020-01-01 is day 18262 since 1970-01-01.
constexpr std::int64_t start_2020 = 18262;

DisasterParams read_disasters(const std::string& yaml, std::int32_t days = 30) {
  return io::read_params(DisasterParams::table(), io::parse_yaml(yaml, "s.yaml"), "behaviour.disasters",
                         io::ParamReadContext{*drill_world(), start_2020, days});
}

std::string disaster_error(const std::string& yaml) {
  try {
    read_disasters(yaml);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

const std::string one_flood =
    "curves: {flood: {}}\n"
    "events:\n"
    "  - {name: flood, kind: flood, onset: 2020-01-03, footprint: {places: {T: 1}}}\n";

}  // namespace

TEST_CASE("the disasters table reads curves, events, route damage and responses",
          "[models][disaster][params]") {
  const auto w = drill_world();
  const DisasterParams p = read_disasters(R"(curves: {flood: {max_share: 0.2}, storm: }
vulnerability: {default: 0.4, places: {T: 0.9}}
split: {shelter: 0.5, kin: 0.4, abroad: 0.1}
return: {rate_per_day: 0.05, places: {K: {recovery_days: 60}}}
speed_km_per_day: {foot: 20}
abroad_status: temporary_protection
events:
  - name: flood
    kind: flood
    onset: 2020-01-03
    duration_days: 2
    footprint: {places: {T: 1.0, K: 0.4}}
    route_damage: {close_above: 0.6}
  - {name: storm, kind: storm, onset: 2020-01-05, lead_days: 1, footprint: {places: {X: 0.5}}}
responses:
  - {kind: evacuation_order, date: 2020-01-01, event: flood, places: [T], extra_share: 0.1}
  - {kind: humanitarian_visa, date: 2020-01-10, country: ABR}
)");
  REQUIRE(p.curves.size() == 2);
  CHECK((p.curves[0].kind == "flood" && p.curves[0].max_share == 0.2 && p.curves[0].steepness == 10));
  CHECK((p.curves[1].kind == "storm" && p.curves[1].max_share == 0.5));
  CHECK(p.vulnerability == std::vector<double>{0.9, 0.4, 0.4, 0.4});
  CHECK(p.shelter_names == std::vector<std::string>{"S"});
  CHECK(p.place_recovery_days == std::vector<double>{0, 0, 60, 0});
  CHECK(p.return_rate_per_day == 0.05);
  CHECK(p.recovery_days == 180);
  CHECK(p.speed_km_per_day[static_cast<int>(TravelMode::foot)] == 20);
  CHECK(p.speed_km_per_day[static_cast<int>(TravelMode::road)] == 300);
  CHECK(p.abroad_status == LegalStatus::temporary_protection);
  REQUIRE(p.events.size() == 2);
  CHECK((p.events[0].curve == 0 && p.events[0].onset_day == 2 && p.events[0].duration_days == 2));
  CHECK(p.events[0].footprint == std::vector<std::pair<place_id, double>>{{0, 1.0}, {2, 0.4}});
  CHECK((p.events[1].curve == 1 && p.events[1].lead_days == 1 && p.events[1].duration_days == 1));
  CHECK(p.events[1].footprint == std::vector<std::pair<place_id, double>>{{3, 0.5}});
  // The flood damages its three routes (mean end intensities 0.5, 0.7, 0.5): T--K closes (>= 0.6) and
  // reopens after ceil(30 x 0.7) days; T--S and T--X slow by 1 + (2 - 1) x 0.5 until repaired after
  // ceil(30 x 0.5) days; the storm has no route_damage.
  REQUIRE(p.route_events.size() == 6);
  CHECK((p.route_events[0].name == "flood damage" && p.route_events[0].target == "T--S"));
  CHECK((p.route_events[0].action == EventAction::set_travel_time_factor && p.route_events[0].day == 2));
  CHECK((p.route_events[0].routes == std::vector<route_id>{0} && p.route_events[0].value == 1.5));
  CHECK((p.route_events[1].name == "flood repair" && p.route_events[1].target == "T--S"));
  CHECK((p.route_events[1].action == EventAction::set_travel_time_factor && p.route_events[1].value == 1));
  CHECK(p.route_events[1].day == 17);
  CHECK((p.route_events[2].action == EventAction::close_routes && p.route_events[2].target == "T--K"));
  CHECK((p.route_events[3].action == EventAction::open_routes && p.route_events[3].day == 23));
  CHECK((p.route_events[4].routes == std::vector<route_id>{2} && p.route_events[4].value == 1.5));
  REQUIRE(p.evacuations.size() == 1);
  CHECK((p.evacuations[0].name == "evacuation_order" && p.evacuations[0].event == 0 &&
         p.evacuations[0].day == 0));
  CHECK((p.evacuations[0].places == std::vector<place_id>{0} && p.evacuations[0].extra_share == 0.1));
  REQUIRE(p.protections.size() == 1);
  CHECK((p.protections[0].name == "humanitarian_visa" && p.protections[0].day == 9));
  CHECK((p.protections[0].country == 1 && p.protections[0].status == LegalStatus::regular));
  CHECK_NOTHROW(p.validate(*w, 30));
  // Without route_damage no route events; an empty route_damage damages with the defaults.
  CHECK(read_disasters(one_flood).route_events.empty());
  CHECK(read_disasters(one_flood.substr(0, one_flood.size() - 2) + ", route_damage: {}}\n")
            .route_events.size() == 6);
}

TEST_CASE("a footprint around a centre decays linearly to its radius", "[models][disaster][params]") {
  // The drill world's places all lie at 0 N 0 E: a centre 1 degree north (111.2 km) within 222.4 km
  // gives them intensity one half.
  const DisasterParams p = read_disasters(
      "curves: {flood: {}}\nevents:\n  - {name: f, kind: flood, onset: 2020-01-03, footprint: {places: {T: "
      "0.8}, "
      "centre: {lat: 1, lon: 0}, radius_km: 222.39}}\n");
  REQUIRE(p.events[0].footprint.size() == 4);
  CHECK(p.events[0].footprint[0].second == 0.8);  // the larger intensity counts
  CHECK(p.events[0].footprint[1].second == Approx(0.5).epsilon(1e-3));
}

TEST_CASE("the disasters table names file:line:column, key path, value, kind and range",
          "[models][disaster][params]") {
  CHECK(disaster_error(one_flood + "split: {shelter: 0.5, kin: 0.25, abroad: 0.5}\n") ==
        "s.yaml:4:8: behaviour.disasters.split: shelter + kin + abroad must sum to 1 (they sum to 1.25)");
  CHECK(disaster_error(one_flood + "split: {shelter: 1.5}\n") ==
        "s.yaml:4:18: behaviour.disasters.split.shelter: got '1.5', expected a share in [0, 1]");
  CHECK(disaster_error(one_flood + "kin_max_km: 0\n") ==
        "s.yaml:4:13: behaviour.disasters.kin_max_km: got '0', expected a distance in [0.001, 100000] (km)");
  CHECK(disaster_error(one_flood + "abroad_status: asylum\n") ==
        "s.yaml:4:16: behaviour.disasters.abroad_status: got 'asylum', expected one of irregular, "
        "temporary_protection, regular");
  CHECK(
      disaster_error(one_flood + "vulnerability: {places: {T: 2}}\n") ==
      "s.yaml:4:29: behaviour.disasters.vulnerability.places.T: got '2', expected a vulnerability in [0, 1]");
  CHECK(disaster_error(
            "events:\n  - {name: flood, kind: flood, onset: 2020-01-03, footprint: {places: {T: 1}}}\n") ==
        "s.yaml:1:1: behaviour.disasters: missing key 'curves'");
  const std::string curves = "curves: {flood: {}}\nevents:\n  - {name: flood, ";
  CHECK(disaster_error(curves + "kind: volcano, onset: 2020-01-03, footprint: {places: {T: 1}}}\n") ==
        "s.yaml:3:25: behaviour.disasters.events[0].kind: got 'volcano', expected a hazard kind listed in "
        "behaviour.disasters.curves: flood");
  CHECK(disaster_error(curves + "kind: flood, onset: 2020-03-03, footprint: {places: {T: 1}}}\n") ==
        "s.yaml:3:39: behaviour.disasters.events[0].onset: got '2020-03-03', expected a date within the run "
        "(2020-01-01 to 2020-01-30)");
  CHECK(disaster_error(curves +
                       "kind: flood, onset: 2020-01-03, lead_days: 5, footprint: {places: {T: 1}}}\n") ==
        "s.yaml:3:39: behaviour.disasters.events[0].onset: the event (with its lead time of 5 days) starts "
        "before the run");
  CHECK(
      disaster_error(curves +
                     "kind: flood, onset: 2020-01-03, duration_days: 1.5, footprint: {places: {T: 1}}}\n") ==
      "s.yaml:3:66: behaviour.disasters.events[0].duration_days: got '1.5', expected an integer in [1, 3650] "
      "(days)");
  CHECK(disaster_error(curves + "kind: flood, onset: 2020-01-03}\n") ==
        "s.yaml:3:5: behaviour.disasters.events[0]: missing key 'footprint'");
  CHECK(disaster_error(curves + "kind: flood, onset: 2020-01-03, footprint: {places: {T: 0}}}\n") ==
        "s.yaml:3:62: behaviour.disasters.events[0].footprint: the footprint covers no place");
  CHECK(disaster_error(curves + "kind: flood, onset: 2020-01-03, footprint: {centre: {lat: 0, lon: 0}}}\n") ==
        "s.yaml:3:62: behaviour.disasters.events[0].footprint: missing key 'radius_km'");
  CHECK(disaster_error(curves +
                       "kind: flood, onset: 2020-01-03, footprint: {centre: {lat: 0}, radius_km: 9}}\n") ==
        "s.yaml:3:71: behaviour.disasters.events[0].footprint.centre: missing key 'lon'");
  CHECK(disaster_error(one_flood.substr(0, one_flood.size() - 2) + ", route_damage: {close_abov: 0.9}}\n") ==
        "s.yaml:3:95: behaviour.disasters.events[0].route_damage.close_abov: unknown key 'close_abov', "
        "expected one of: close_above, slow_factor, repair_days");
  CHECK(
      disaster_error(one_flood.substr(0, one_flood.size() - 2) + ", route_damage: {slow_factor: 0.5}}\n") ==
      "s.yaml:3:108: behaviour.disasters.events[0].route_damage.slow_factor: got '0.5', expected a factor in "
      "[1, 100]");
  const std::string responses = one_flood + "responses:\n  - {kind: ";
  CHECK(disaster_error(responses + "evacuation_order, date: 2020-01-04, event: flood, places: [T], "
                                   "extra_share: 0.1}\n") ==
        "s.yaml:5:36: behaviour.disasters.responses[0].date: an evacuation order must come on or before the "
        "event's onset");
  CHECK(disaster_error(responses + "evacuation_order, date: 2020-01-02, event: fire, places: [T], "
                                   "extra_share: 0.1}\n") ==
        "s.yaml:5:55: behaviour.disasters.responses[0].event: got 'fire', expected the name of an event in "
        "behaviour.disasters.events");
  CHECK(
      disaster_error(responses + "evacuation_order, date: 2020-01-02, event: flood, places: [T]}\n") ==
      "s.yaml:5:5: behaviour.disasters.responses[0]: missing key 'extra_share' (kind evacuation_order needs "
      "it)");
  CHECK(
      disaster_error(responses + "temporary_protection, date: 2020-01-02}\n") ==
      "s.yaml:5:5: behaviour.disasters.responses[0]: missing key 'country' (kind temporary_protection needs "
      "it)");
  CHECK(
      disaster_error(responses + "visa, date: 2020-01-02}\n") ==
      "s.yaml:5:12: behaviour.disasters.responses[0].kind: got 'visa', expected one of temporary_protection, "
      "humanitarian_visa, evacuation_order");
}

TEST_CASE("the displaced get the sex and age band shares of their country", "[models][disaster]") {
  auto p = drill_params();
  p.demography.by_origin.push_back({0, 0.7, {0.5, 0.2, 0.2, 0.1}});
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<DisasterModel>(p));
  Simulation sim(drill_world(), Schedule{}, std::move(models), SimulationConfig{4, 10, 2, "2020-01-01"});
  sim.run();
  const Population& pop = sim.population();
  REQUIRE(pop.size() > 10000);
  double children = 0, women = 0;
  for (std::size_t i = 0; i < pop.size(); ++i) {
    children += pop.age_band[i] == 0;
    women += pop.sex[i] == Sex::female;
  }
  CHECK(children / static_cast<double>(pop.size()) == Approx(0.5).margin(0.015));
  CHECK(women / static_cast<double>(pop.size()) == Approx(0.7).margin(0.015));
}
