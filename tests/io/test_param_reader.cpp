#include <catch2/catch.hpp>

#include "../test_worlds.hpp"
#include "io/param_reader.hpp"
#include "io/yaml_tree.hpp"
#include "models/economic.hpp"
#include "models/flee.hpp"
#include "models/smuggling.hpp"
#include "sim/errors.hpp"

using namespace migrasim;
using namespace migrasim::io;
using Catch::Contains;

namespace {

// 2024-01-01 is day 19723 since 1970-01-01.
constexpr std::int64_t start_2024 = 19723;

std::string error_reading(const std::string& yaml) {
  const auto w = test::corridor_world();
  const YamlNode node = parse_yaml(yaml, "s.yaml");
  try {
    read_params(models::EconomicParams::table(), node, "behaviour.economic",
                ParamReadContext{*w, start_2024, 60});
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("the table reader fills a struct and keeps its defaults", "[io][params]") {
  const auto w = test::corridor_world();
  const YamlNode node = parse_yaml(R"(emigration_rate_per_day: {ORI: 0.001}
push_index: {ORI: [{date: 2024-01-10, value: 2}]}
gravity: {distance_exponent: 2}
destinations: {D1: {attractiveness: 3, diaspora: {ORI: 1000}}, D2: }
speed_km_per_day: {foot: 20}
patience_days: 1e1
demography: {age_band_shares: [0.25, 0.25, 0.25, 0.25]}
)",
                                   "s.yaml");
  const auto p = read_params(models::EconomicParams::table(), node, "behaviour.economic",
                             ParamReadContext{*w, start_2024, 60});
  CHECK(p.emigration_rate_per_day == std::vector<double>{0.001, 0});
  CHECK(p.visa_share == std::vector<double>{0, 0});
  REQUIRE(p.push_index.size() == 2);
  REQUIRE(p.push_index[0].size() == 1);
  CHECK(p.push_index[0][0].day == 9);
  CHECK(p.push_index[0][0].value == 2);
  CHECK(p.diaspora_exponent == 1);
  CHECK(p.distance_exponent == 2);
  REQUIRE(p.destinations.size() == 2);
  CHECK(p.destinations[0].place == w->find_place("D1"));
  CHECK(p.destinations[0].attractiveness == 3);
  CHECK(p.destinations[0].diaspora == std::vector<double>{1000, 0});
  CHECK(p.destinations[1].diaspora == std::vector<double>{0, 0});
  CHECK(p.speed_km_per_day[static_cast<int>(TravelMode::foot)] == 20);
  CHECK(p.speed_km_per_day[static_cast<int>(TravelMode::road)] == 400);
  CHECK(p.patience_days == 10);
  CHECK(p.demography.all.age_band_shares[3] == 0.25);
  CHECK_NOTHROW(p.validate(*w));
}

TEST_CASE("the table reader names file:line:column, key path, value, kind and range", "[io][params]") {
  const std::string base = "destinations: {D1: }\n";
  CHECK(error_reading(base) == "s.yaml:1:1: behaviour.economic: missing key 'emigration_rate_per_day'");
  CHECK(error_reading("emigration_rate_per_day: {ORI: 2}\n" + base) ==
        "s.yaml:1:32: behaviour.economic.emigration_rate_per_day.ORI: got '2', expected a rate per capita "
        "per day "
        "in [0, 1] (1/day)");
  CHECK(error_reading("emigration_rate_per_day: {XXX: 0.1}\n" + base) ==
        "s.yaml:1:27: behaviour.economic.emigration_rate_per_day.XXX: unknown country 'XXX', expected a code "
        "listed in world.countries");
  const std::string ok = "emigration_rate_per_day: {ORI: 0.001}\n" + base;
  CHECK(
      error_reading(ok + "gravity: {distance_exponent: 11}\n") ==
      "s.yaml:3:30: behaviour.economic.gravity.distance_exponent: got '11', expected an exponent in [0, 10]");
  CHECK(error_reading(ok + "gravity: {distanse_exponent: 1}\n") ==
        "s.yaml:3:11: behaviour.economic.gravity.distanse_exponent: unknown key 'distanse_exponent', "
        "expected one "
        "of: diaspora_exponent, distance_exponent");
  CHECK_THAT(error_reading(ok + "speed: 3\n"),
             Contains("unknown key 'speed', expected one of: emigration_rate_per_day"));
  CHECK(
      error_reading(ok + "patience_days: 70000\n") ==
      "s.yaml:3:16: behaviour.economic.patience_days: got '70000', expected an integer in [0, 65535] (days)");
  CHECK(error_reading(ok + "patience_days: 2.5\n") ==
        "s.yaml:3:16: behaviour.economic.patience_days: got '2.5', expected an integer in [0, 65535] (days)");
  CHECK(error_reading(ok + "demography: {age_band_shares: [0.5, 0.5, 0.5, 0]}\n") ==
        "s.yaml:3:31: behaviour.economic.demography.age_band_shares: got a list, expected a list of 4 shares "
        "in "
        "[0, 1] summing to 1 (they sum to 1.5)");
  CHECK(error_reading(ok +
                      "push_index: {ORI: [{date: 2024-02-01, value: 1}, {date: 2024-01-01, value: 2}]}\n") ==
        "s.yaml:3:57: behaviour.economic.push_index.ORI[1].date: dates must increase along the list");
  CHECK(
      error_reading("emigration_rate_per_day: {ORI: 0.001}\ndestinations: {}\n") ==
      "s.yaml:2:15: behaviour.economic.destinations: got a map, expected a map from place name to a record");
  CHECK(error_reading("emigration_rate_per_day: {ORI: 0.001}\ndestinations: {Nowhere: }\n") ==
        "s.yaml:2:16: behaviour.economic.destinations.Nowhere: unknown place 'Nowhere', expected a place in "
        "world.locations");
}

namespace {

enum class Colour : std::uint8_t { red, green };

struct Every {
  country_id country = -1;
  place_id place = -1;
  std::vector<double> vulnerability;  // per place
  Colour colour = Colour::red;
  std::vector<Colour> colours;
  std::int32_t open = 0, close = 0;
  double lo = 0, hi = 5;
  std::int32_t onset = 0;
  struct Curve {
    std::string kind;
    double midpoint = 1;
  };
  std::vector<Curve> curves;
};

const ParamTableOf<Every>& every_table() {
  static const ParamTableOf<Every> table = [] {
    ParamTableOf<Every> t("every", "one entry of each kind the legal, disaster and smuggling tables use");
    t.country("country", &Every::country).required();
    t.place("place", &Every::place);
    t.per_place("vulnerability", &Every::vulnerability).range(0, 1).fill(0.5);
    t.choice("colour", &Every::colour, {{"red", Colour::red}, {"green", Colour::green}});
    t.choice_list("colours", &Every::colours, {{"red", Colour::red}, {"green", Colour::green}});
    t.window("window", &Every::open, &Every::close);
    t.number_range("years", &Every::lo, &Every::hi).range(0, 89);
    t.date("onset", &Every::onset).within_run();
    auto curve = std::make_shared<ParamTableOf<Every::Curve>>("curve", "");
    curve->number("midpoint", &Every::Curve::midpoint).range(0, 10);
    t.named_records("curves", &Every::curves, &Every::Curve::kind,
                    std::shared_ptr<const ParamTableOf<Every::Curve>>(curve));
    return t;
  }();
  return table;
}

std::string every_error(const std::string& yaml) {
  const auto w = test::corridor_world();
  try {
    read_params(every_table(), parse_yaml(yaml, "e.yaml"), "x", ParamReadContext{*w, start_2024, 60});
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("the table reader reads refs, per-place maps, choices, windows, ranges and named records",
          "[io][params]") {
  const auto w = test::corridor_world();
  const auto e =
      read_params(every_table(),
                  parse_yaml("country: DST\nplace: X\nvulnerability: {D1: 0.9}\ncolour: green\n"
                             "colours: [green, red]\nwindow: [2024-01-02, 2024-01-05]\nyears: [1, 2]\n"
                             "onset: 2024-02-01\ncurves: {flood: {midpoint: 2}, storm: }\n",
                             "e.yaml"),
                  "x", ParamReadContext{*w, start_2024, 60});
  CHECK(e.country == 1);
  CHECK(e.place == w->find_place("X"));
  REQUIRE(e.vulnerability.size() == w->places().size());
  CHECK(e.vulnerability[static_cast<std::size_t>(w->find_place("D1"))] == 0.9);
  CHECK(e.vulnerability[0] == 0.5);
  CHECK(e.colour == Colour::green);
  CHECK(e.colours == std::vector<Colour>{Colour::green, Colour::red});
  CHECK((e.open == 1 && e.close == 4));
  CHECK((e.lo == 1 && e.hi == 2));
  CHECK(e.onset == 31);
  REQUIRE(e.curves.size() == 2);
  CHECK((e.curves[0].kind == "flood" && e.curves[0].midpoint == 2));
  CHECK((e.curves[1].kind == "storm" && e.curves[1].midpoint == 1));
  CHECK_NOTHROW(check_params(every_table(), &e, ParamContext{*w, 60}, "x"));

  CHECK(every_error("place: X\n") == "e.yaml:1:1: x: missing key 'country'");
  CHECK(every_error("country: XXX\n") ==
        "e.yaml:1:10: x.country: got 'XXX', expected a country code listed in world.countries");
  CHECK(every_error("country: DST\nvulnerability: {Nowhere: 1}\n") ==
        "e.yaml:2:17: x.vulnerability.Nowhere: unknown place 'Nowhere', expected a place in world.locations");
  CHECK(every_error("country: DST\ncolour: blue\n") ==
        "e.yaml:2:9: x.colour: got 'blue', expected one of red, green");
  CHECK(every_error("country: DST\ncolours: [red, blue]\n") ==
        "e.yaml:2:16: x.colours[1]: got 'blue', expected one of red, green");
  CHECK(every_error("country: DST\nwindow: [2024-01-05, 2024-01-02]\n") ==
        "e.yaml:2:9: x.window: the window closes (2024-01-02) before it opens (2024-01-05)");
  CHECK(every_error("country: DST\nyears: [3, 2]\n") ==
        "e.yaml:2:12: x.years[1]: got '2', expected a number in [0, 89] and >= the minimum 3");
  CHECK(every_error("country: DST\nyears: [3, 90]\n") ==
        "e.yaml:2:12: x.years[1]: got '90', expected a number in [0, 89]");
  CHECK(every_error("country: DST\nonset: 2024-03-01\n") ==
        "e.yaml:2:8: x.onset: got '2024-03-01', expected a date within the run (2024-01-01 to 2024-02-29)");
  CHECK(every_error("country: DST\ncurves: {flood: {midpoint: 20}}\n") ==
        "e.yaml:2:28: x.curves.flood.midpoint: got '20', expected a number in [0, 10]");
}

namespace {

struct Grouped {
  struct Item {
    double size = 1;
  };
  double lat = 0, radius = 1;
  bool has_centre = false, has_damage = false;
  std::vector<Item> items;
};

const ParamTableOf<Grouped>& grouped_table() {
  static const ParamTableOf<Grouped> table = [] {
    ParamTableOf<Grouped> t("grouped", "optional groups and rules naming list entries");
    t.number("centre.lat", &Grouped::lat).range(-90, 90).required();
    t.number("damage.radius", &Grouped::radius).range(0, 10);
    t.given("centre", &Grouped::has_centre);
    t.given("damage", &Grouped::has_damage);
    auto item = std::make_shared<ParamTableOf<Grouped::Item>>("item", "");
    item->number("size", &Grouped::Item::size).range(0, 100);
    t.records("items", &Grouped::items, std::shared_ptr<const ParamTableOf<Grouped::Item>>(item));
    t.rule("items grow", [](const Grouped& g, const ParamContext&) {
      for (std::size_t i = 1; i < g.items.size(); ++i)
        if (g.items[i].size < g.items[i - 1].size)
          throw ParamProblem("items[" + std::to_string(i) + "].size", "smaller than the item before");
    });
    return t;
  }();
  return table;
}

Grouped read_grouped(const std::string& yaml) {
  const auto w = test::corridor_world();
  return read_params(grouped_table(), parse_yaml(yaml, "g.yaml"), "x", ParamReadContext{*w, start_2024, 60});
}

// A smuggling section on the corridor world: departure side B, a boat B -> X -> D1 (risky leg B--X).
const char* smuggling_yaml = R"(demand:
  - place: B
    origin: O1
    per_day: [{date: 2024-01-01, value: 50}, {date: 2024-02-01, value: 80}]
    resources_usd: {median: 4000, help_share: 0.2, help_median: 1500}
services:
  - {name: boat, path: [B, X, D1], risky_leg: [B, X], seats_per_day: 30, price_usd: 1200, death: 0.02}
  - {name: walk, kind: alone, from: B, to: X}
  - {name: visa, kind: pathway, from: B, to: X, seats_per_day: 5, price_usd: 300, interception: 0.01}
enforcement:
  - {date: 2024-01-20, service: [boat, walk], interception: 0.4, capacity_factor: 0.5}
  - {date: 2024-01-25, place: B, demand_factor: 0.5, name: deterrence}
choice: {price_sensitivity: 0.7, wait_utility: -1}
debt_share: 0.4
)";

std::string smuggling_error(const std::vector<std::pair<std::string, std::string>>& changes) {
  std::string yaml = smuggling_yaml;
  for (const auto& [old, replacement] : changes) {
    const auto at = yaml.find(old);
    REQUIRE(at != std::string::npos);
    yaml.replace(at, old.size(), replacement);
  }
  const auto w = test::corridor_world();
  try {
    read_params(models::SmugglingParams::table(), parse_yaml(yaml, "s.yaml"), "behaviour.smuggling",
                ParamReadContext{*w, start_2024, 60});
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

std::string smuggling_error(const std::string& old, const std::string& replacement) {
  return smuggling_error({{old, replacement}});
}

}  // namespace

TEST_CASE("the table reader records given groups and locates rules' list entries", "[io][params]") {
  const Grouped none = read_grouped("items: []\n");  // centre.lat is required only with centre
  CHECK_FALSE(none.has_centre);
  CHECK_FALSE(none.has_damage);
  const Grouped both = read_grouped("centre: {lat: 5}\ndamage: {}\n");
  CHECK((both.has_centre && both.lat == 5));
  CHECK((both.has_damage && both.radius == 1));  // an empty group is given
  auto error = [](const std::string& yaml) -> std::string {
    try {
      read_grouped(yaml);
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  };
  CHECK(error("centre: {}\n") == "g.yaml:1:9: x.centre: missing key 'lat'");  // given, so lat is required
  CHECK(error("centre: {lon: 1}\n") == "g.yaml:1:10: x.centre.lon: unknown key 'lon', expected one of: lat");
  CHECK(error("centre: {lat: 100}\n") ==
        "g.yaml:1:15: x.centre.lat: got '100', expected a number in [-90, 90]");
  CHECK(error("items:\n  - {size: 2}\n  - {size: 1}\n") ==
        "g.yaml:3:12: x.items[1].size: smaller than the item before");
}

TEST_CASE("the smuggling section is read through its table", "[io][params][smuggling]") {
  using Kind = models::SmugglingParams::Kind;
  const auto w = test::corridor_world();
  const auto p = read_params(models::SmugglingParams::table(), parse_yaml(smuggling_yaml, "s.yaml"),
                             "behaviour.smuggling", ParamReadContext{*w, start_2024, 60});
  const place_id B = w->find_place("B"), X = w->find_place("X"), D1 = w->find_place("D1");
  REQUIRE(p.demand.size() == 1);
  CHECK(p.demand[0].place == B);
  CHECK(p.demand[0].origin == w->find_place("O1"));
  REQUIRE(p.demand[0].per_day.size() == 2);
  CHECK(p.demand[0].per_day[1].day == 31);
  CHECK(p.demand[0].per_day[1].value == 80);
  CHECK(p.demand[0].resources_median_usd == 4000);
  CHECK(p.demand[0].resources_sigma == 0.8);
  CHECK(p.demand[0].help_share == 0.2);
  REQUIRE(p.services.size() == 3);
  const auto& boat = p.services[0];
  CHECK(boat.kind == Kind::smuggler);
  CHECK(boat.path == std::vector<place_id>{B, X, D1});
  CHECK(boat.legs == std::vector<route_id>{2, 3});
  CHECK(boat.risk_leg == 0);
  CHECK(boat.seats_per_day == 30);
  CHECK(boat.base_price_usd == 1200);
  CHECK(boat.death == 0.02);
  CHECK(boat.interception == 0.05);
  CHECK(boat.price_elasticity == 0.5);
  CHECK(boat.trafficking == 0.02);
  const auto& walk = p.services[1];  // crossing alone: no seats, no price, no market, no trafficking
  CHECK(walk.kind == Kind::alone);
  CHECK(walk.legs == std::vector<route_id>{2});
  CHECK(walk.risk_leg == 0);
  CHECK(walk.seats_per_day == 0);
  CHECK(walk.base_price_usd == 0);
  CHECK(walk.price_elasticity == 0);
  CHECK(walk.risk_premium == 0);
  CHECK(walk.trafficking == 0);
  CHECK(walk.trafficking_debt == 0);
  CHECK(walk.interception == 0.05);
  const auto& visa = p.services[2];  // a pathway: by default no interception, no deaths; given keys win
  CHECK(visa.kind == Kind::pathway);
  CHECK(visa.interception == 0.01);
  CHECK(visa.death == 0);
  CHECK(visa.seats_per_day == 5);
  REQUIRE(p.enforcement.size() == 2);
  CHECK(p.enforcement[0].name == "enforcement");
  CHECK(p.enforcement[0].day == 19);
  CHECK(p.enforcement[0].services == std::vector<std::size_t>{0, 1});
  CHECK(p.enforcement[0].demand.empty());
  CHECK(p.enforcement[0].interception == 0.4);
  CHECK(p.enforcement[0].death == -1);
  CHECK(p.enforcement[0].seats == -1);
  CHECK(p.enforcement[0].capacity_factor == 0.5);
  CHECK(p.enforcement[1].name == "deterrence");
  CHECK(p.enforcement[1].services == std::vector<std::size_t>{0, 1, 2});
  CHECK(p.enforcement[1].demand == std::vector<std::size_t>{0});
  CHECK(p.enforcement[1].demand_factor == 0.5);
  CHECK(p.choice.price_sensitivity == 0.7);
  CHECK(p.choice.risk_aversion == 5);
  CHECK(p.choice.can_wait);
  CHECK(p.choice.wait_utility == -1);
  CHECK(p.debt_share == 0.4);
  CHECK(p.give_up_after_interception == 0.3);
  CHECK(p.country_codes == std::vector<std::string>{"ORI", "DST"});
  REQUIRE(p.edge_names.size() == 7);
  CHECK(p.edge_names[2] == "B--X");
  CHECK_NOTHROW(p.validate(*w, 60));
  // Without wait_utility, waiting is no option.
  const auto q = read_params(
      models::SmugglingParams::table(),
      parse_yaml(
          std::string(smuggling_yaml).replace(std::string(smuggling_yaml).find(", wait_utility: -1"), 17, ""),
          "s.yaml"),
      "behaviour.smuggling", ParamReadContext{*w, start_2024, 60});
  CHECK_FALSE(q.choice.can_wait);
}

TEST_CASE("smuggling errors name file:line:column, key path, value, kind and range",
          "[io][params][smuggling]") {
  CHECK(smuggling_error("death: 0.02}", "death: 1.6}") ==
        "s.yaml:7:98: behaviour.smuggling.services[0].death: got '1.6', expected a probability in [0, 1]");
  CHECK(smuggling_error("price_usd: 1200", "price_usd: -5") ==
        "s.yaml:7:85: behaviour.smuggling.services[0].price_usd: got '-5', expected a price in [0, 10000000] "
        "(USD)");
  CHECK(smuggling_error("seats_per_day: 5,", "seats_per_day: 5e9,") ==
        "s.yaml:9:64: behaviour.smuggling.services[2].seats_per_day: got '5e9', expected a number in [0, "
        "1000000000] (seats/day)");
  CHECK(smuggling_error("kind: alone", "kind: ferry") ==
        "s.yaml:8:24: behaviour.smuggling.services[1].kind: got 'ferry', expected one of smuggler, alone, "
        "pathway");
  CHECK(
      smuggling_error("choice: {price_sensitivity: 0.7", "choice: {price_sensitivity: 700") ==
      "s.yaml:13:29: behaviour.smuggling.choice.price_sensitivity: got '700', expected a weight in [0, 100] "
      "(per 1000 USD)");
  CHECK_THAT(smuggling_error("debt_share: 0.4", "debt_shares: 0.4"),
             Contains("s.yaml:14:1: behaviour.smuggling.debt_shares: unknown key 'debt_shares', expected one "
                      "of: demand, services, enforcement, choice, give_up_after_interception"));
  CHECK_THAT(
      smuggling_error("date: 2024-01-20", "date: 2025-01-20"),
      Contains("s.yaml:11:12: behaviour.smuggling.enforcement[0].date: got '2025-01-20', expected a date "
               "within the run (2024-01-01 to 2024-02-29)"));
  // Checks across keys.
  CHECK_THAT(
      smuggling_error("kind: alone, from: B", "kind: alone, seats_per_day: 3, from: B"),
      Contains("s.yaml:8:5: behaviour.smuggling.services[1]: crossing alone has neither seats nor a price"));
  CHECK_THAT(smuggling_error("seats_per_day: 5, ", ""),
             Contains("s.yaml:9:5: behaviour.smuggling.services[2]: missing key 'seats_per_day'"));
  // A pathway applied for from home: only a pathway, from a crossing point, with a cost of the wait.
  CHECK_THAT(smuggling_error("kind: alone, from: B", "kind: alone, apply_from_home: true, from: B"),
             Contains("behaviour.smuggling.services[1].apply_from_home: got true, expected false: only a "
                      "pathway is applied for from home"));
  CHECK_THAT(smuggling_error("kind: pathway, from: B", "kind: pathway, apply_from_home: true, from: B"),
             Contains("behaviour.smuggling.services: [2] 'visa': from 'B' is not a crossing point"));
  CHECK_THAT(
      smuggling_error({{"kind: pathway, from: B", "kind: pathway, apply_from_home: true, from: B"},
                       {"debt_share: 0.4", "debt_share: 0.4\ncrossing_points: [B]"}}),
      Contains("behaviour.smuggling.choice.home_wait_cost_usd_per_day: missing key (needed by 'visa', a "
               "pathway applied for from home)"));
  CHECK(smuggling_error({{"kind: pathway, from: B", "kind: pathway, apply_from_home: true, from: B"},
                         {"debt_share: 0.4", "debt_share: 0.4\ncrossing_points: [B]"},
                         {"wait_utility: -1", "wait_utility: -1, home_wait_cost_usd_per_day: 70"}}) ==
        "no error");
  CHECK_THAT(
      smuggling_error("death: 0.02}", "death: 0.5, abandonment: 0.5}"),
      Contains("behaviour.smuggling.services[0]: interception + death + abandonment must not exceed 1"));
  CHECK_THAT(smuggling_error("path: [B, X, D1]", "path: [B, D1]"),
             Contains("s.yaml:7:24: behaviour.smuggling.services[0].path: no route joins 'B' and 'D1'"));
  CHECK_THAT(smuggling_error("risky_leg: [B, X]", "risky_leg: [X, B]"),
             Contains("behaviour.smuggling.services[0].risky_leg: expected a pair of consecutive places"));
  CHECK_THAT(smuggling_error("from: B, to: X, seats", "path: [B, X], from: B, to: X, seats"),
             Contains("behaviour.smuggling.services[2].path: give either path or from and to, not both"));
  CHECK_THAT(smuggling_error("name: walk", "name: boat"),
             Contains("behaviour.smuggling.services: two services named 'boat'"));
  CHECK_THAT(
      smuggling_error("service: [boat, walk]", "service: [boat, swim]"),
      Contains("behaviour.smuggling.enforcement: [0].service: got 'swim', expected the name of a service"));
  CHECK_THAT(
      smuggling_error("place: B, demand_factor", "service: boat, demand_factor"),
      Contains("behaviour.smuggling.enforcement[1].demand_factor: deterrence (demand_factor) needs a place "
               "target"));
  CHECK_THAT(smuggling_error("service: [boat, walk], ", "service: boat, place: B, "),
             Contains("behaviour.smuggling.enforcement[0]: give the target as either service or place"));
  CHECK_THAT(smuggling_error("- place: B", "- place: X"),
             Contains("behaviour.smuggling.demand: [0].place 'X': no service leaves this place"));
  CHECK_THAT(smuggling_error("{date: 2024-02-01", "{date: 2023-12-01"),
             Contains("behaviour.smuggling.demand[0].per_day: dates must increase along the list"));
  CHECK_THAT(smuggling_error("services:\n",
                             "services:\n  - {name: raft, from: B, to: Y, seats_per_day: 1, "
                             "price_usd: 1}\n"),
             Contains("behaviour.smuggling.services[0]: no route joins 'B' and 'Y'"));
}

TEST_CASE("the flee rules are read through their table", "[io][params][flee]") {
  const World no_world({}, {}, {});
  const ParamReadContext ctx{no_world, start_2024, 60};
  const auto p = read_params(models::FleeParams::table(),
                             parse_yaml(R"(variant: improved
hasten: 10
spawn_rules: {insert_day0: false, conflict_spawn_decay: [1.0, 0.5, 0.25]}
move_rules: {camp_movechance: 0.002, awareness_level: 2, start_on_foot: true, max_walk_speed: 30}
)",
                                        "f.yaml"),
                             "behaviour.flee", ctx);
  CHECK(p.full_day_travel);
  CHECK(p.hasten == 10);
  CHECK_FALSE(p.insert_day0);
  CHECK(p.conflict_spawn_decay == std::vector<double>{1.0, 0.5, 0.25});
  CHECK(p.camp_movechance == 0.002);
  CHECK(p.conflict_movechance == 1.0);
  CHECK(p.awareness_level == 2);
  CHECK(p.start_on_foot);
  CHECK(p.max_walk_speed == 30);
  CHECK(p.max_move_speed == 200);
  const auto defaults =
      read_params(models::FleeParams::table(), parse_yaml("{}", "f.yaml"), "behaviour.flee", ctx);
  CHECK_FALSE(defaults.full_day_travel);
  CHECK(defaults.hasten == 1);
  CHECK(defaults.insert_day0);
  CHECK(defaults.conflict_spawn_decay == std::vector<double>{1.0});

  auto error = [&](const std::string& yaml) {
    try {
      read_params(models::FleeParams::table(), parse_yaml(yaml, "f.yaml"), "behaviour.flee", ctx);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error("variant: better\n") ==
        "f.yaml:1:10: behaviour.flee.variant: got 'better', expected one of flee, improved");
  CHECK(error("hasten: 0.5\n") ==
        "f.yaml:1:9: behaviour.flee.hasten: got '0.5', expected a divisor in [1, 1000000]");
  CHECK(error("move_rules:\n  awareness_level: 11\n") ==
        "f.yaml:2:20: behaviour.flee.move_rules.awareness_level: got '11', expected an integer in [0, 10]");
  CHECK(error("move_rules: {camp_movechance: 1.5}\n") ==
        "f.yaml:1:31: behaviour.flee.move_rules.camp_movechance: got '1.5', expected a probability in [0, 1] "
        "(1/day)");
  CHECK(error("spawn_rules: {conflict_spawn_decay: [1, -2]}\n") ==
        "f.yaml:1:41: behaviour.flee.spawn_rules.conflict_spawn_decay[1]: got '-2', expected a factor in [0, "
        "1000000]");
  CHECK(error("spawn_rules: {conflict_spawn_decay: []}\n") ==
        "f.yaml:1:37: behaviour.flee.spawn_rules.conflict_spawn_decay: got a list, expected a non-empty list "
        "of "
        "numbers, each a factor in [0, 1000000]");
  CHECK_THAT(
      error("move_rules: {camp_move_chance: 0.1}\n"),
      Contains("f.yaml:1:14: behaviour.flee.move_rules.camp_move_chance: unknown key 'camp_move_chance'"));
}
