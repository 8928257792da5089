#include <array>

#include <catch2/catch.hpp>

#include "../test_worlds.hpp"
#include "io/param_reader.hpp"
#include "io/yaml_tree.hpp"
#include "models/demography.hpp"
#include "models/economic.hpp"
#include "sim/errors.hpp"
#include "sim/simulation.hpp"

using namespace migrasim;
using models::Demography;

namespace {

models::EconomicParams read_economic(const std::string& yaml) {
  const auto w = test::corridor_world();
  return io::read_params(models::EconomicParams::table(), io::parse_yaml(yaml, "d.yaml"),
                         "behaviour.economic", io::ParamReadContext{*w, 19723, 60});
}

std::string error_of(const std::string& yaml) {
  try {
    read_economic(yaml);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

const std::string base = "emigration_rate_per_day: {ORI: 0.001}\ndestinations: {D1: }\n";

}  // namespace

TEST_CASE("the shares of an origin replace those of all where given", "[models][demography]") {
  Demography d;
  d.all.female_share = 0.3;
  d.all.age_band_shares = {0.1, 0.6, 0.2, 0.1};
  Demography::Origin o;
  o.country = 1;
  o.female_share = 0.6;
  d.by_origin.push_back(o);
  CHECK(d.of(0).female_share == 0.3);
  CHECK(d.of(1).female_share == 0.6);
  CHECK(d.of(1).age_band_shares == d.all.age_band_shares);  // not given for the origin: those of all
  d.by_origin[0].age_band_shares = {0.5, 0.5, 0, 0};
  CHECK(d.of(1).age_band_shares[0] == 0.5);
  // Draws: the band whose cumulative share passes u_age; women below female_share.
  Sex sex{};
  std::uint8_t band = 9;
  Demography::draw(d.of(0), 0.29, 0.05, sex, band);
  CHECK((sex == Sex::female && band == 0));
  Demography::draw(d.of(0), 0.31, 0.65, sex, band);
  CHECK((sex == Sex::male && band == 1));
  Demography::draw(d.of(0), 0.5, 0.95, sex, band);
  CHECK(band == 3);
  Demography::draw(d.of(1), 0.5, 0.7, sex, band);
  CHECK((sex == Sex::female && band == 1));
}

TEST_CASE("demography.by_origin is read, checked and drawn by the economic driver", "[models][demography]") {
  const auto p = read_economic(base +
                               "demography:\n"
                               "  female_share: 0.3\n"
                               "  by_origin:\n"
                               "    - {country: ORI, female_share: 0.7, age_band_shares: [0, 0, 1, 0]}\n");
  REQUIRE(p.demography.by_origin.size() == 1);
  CHECK(p.demography.of(0).female_share == 0.7);
  CHECK(p.demography.of(1).female_share == 0.3);
  CHECK_NOTHROW(p.validate(*test::corridor_world()));
  CHECK(error_of(base + "demography: {by_origin: [{country: XXX}]}\n") ==
        "d.yaml:3:36: behaviour.economic.demography.by_origin[0].country: got 'XXX', expected a country code "
        "listed in world.countries");
  CHECK(
      error_of(base + "demography: {by_origin: [{country: ORI, age_band_shares: [0.5, 0.6, 0, 0]}]}\n") ==
      "d.yaml:3:58: behaviour.economic.demography.by_origin[0].age_band_shares: got a list, expected a list "
      "of 4 shares in [0, 1] summing to 1 (they sum to 1.1)");
  CHECK(error_of(base + "demography: {by_origin: [{country: ORI}, {country: ORI}]}\n") ==
        "d.yaml:3:25: behaviour.economic.demography.by_origin: [1].country: one entry per country of origin");
  // The movers of ORI (every origin of the corridor) follow its shares, not those of all.
  auto w = test::corridor_world();
  auto params = test::corridor_params(*w);
  params.demography = p.demography;
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<models::EconomicModel>(params));
  Simulation sim(w, Schedule{}, std::move(models), SimulationConfig{4, 5, 2, "2024-01-01"});
  sim.run();
  const auto& pop = sim.population();
  REQUIRE(pop.size() > 1000);
  double female = 0;
  for (std::size_t i = 0; i < pop.size(); ++i) {
    female += pop.sex[i] == Sex::female;
    CHECK(pop.age_band[i] == 2);
  }
  CHECK(female / static_cast<double>(pop.size()) == Approx(0.7).margin(0.03));
}
