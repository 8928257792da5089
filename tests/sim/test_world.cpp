#include <catch2/catch.hpp>

#include "sim/errors.hpp"
#include "sim/world.hpp"

using namespace migrasim;

namespace {
World line_world() {
  std::vector<Country> c{{"AAA", "A"}, {"BBB", "B"}};
  std::vector<Place> p(3);
  p[0].name = "a0";
  p[0].country = 0;
  p[1].name = "a1";
  p[1].country = 0;
  p[2].name = "b0";
  p[2].country = 1;
  p[2].lat_deg = 1.0;
  std::vector<Route> r{{0, 1, 10.0, TravelMode::road, false}, {1, 2, 20.0, TravelMode::foot, false}};
  return World(c, p, r);
}
}  // namespace

TEST_CASE("world builds a symmetric CSR graph with two arcs per route", "[sim]") {
  World w = line_world();
  REQUIRE(w.place_count() == 3);
  REQUIRE(w.arc_count() == 4);
  CHECK(boost::num_edges(w.graph()) == 4);
  CHECK(w.arc_source(0) == 0);
  CHECK(w.arc_target(0) == 1);
  CHECK(w.arc_source(1) == 1);
  CHECK(w.arc_target(1) == 0);
  // Place 1 has two outgoing arcs: back to 0 and on to 2.
  CHECK(w.out_arcs_end(1) - w.out_arcs_begin(1) == 2);
  CHECK(w.find_route(2, 1) == 1);
  CHECK(w.find_route(0, 2) == -1);
  CHECK_FALSE(w.routes()[0].crosses_border);
  CHECK(w.routes()[1].crosses_border);
  CHECK(w.find_place("b0") == 2);
  CHECK(w.find_country("BBB") == 1);
  CHECK(w.great_circle_km(0, 2) == Approx(111.2).epsilon(0.01));
}

TEST_CASE("world rejects bad input", "[sim]") {
  std::vector<Country> c{{"AAA", "A"}};
  std::vector<Place> p(2);
  p[0].name = "x";
  p[0].country = 0;
  p[1].name = "y";
  p[1].country = 0;
  CHECK_THROWS_AS(World(c, p, {{0, 1, -1.0, TravelMode::road, false}}), InputError);
  CHECK_THROWS_AS(World(c, p, {{0, 5, 1.0, TravelMode::road, false}}), InputError);
  CHECK_THROWS_AS(World(c, p, {{0, 0, 1.0, TravelMode::road, false}}), InputError);
  auto dup = p;
  dup[1].name = "x";
  CHECK_THROWS_AS(World(c, dup, {}), InputError);
  auto bad_lat = p;
  bad_lat[0].lat_deg = 95;
  CHECK_THROWS_AS(World(c, bad_lat, {}), InputError);
}

TEST_CASE("world keeps the scenario's attributes of places and routes and checks them", "[sim]") {
  std::vector<Country> c{{"AAA", "A"}};
  std::vector<Place> p(2);
  p[0] = {"x", 0, PlaceKind::town, 0, 0, 0, -1};
  p[1] = {"y", 0, PlaceKind::town, 0, 1, 0, -1};
  const std::vector<Route> r{{0, 1, 5.0, TravelMode::road, false}};
  const World w(c, p, r, {{"region", "Region", "a file", {"north", ""}}}, {{"link_type", "", "", {"walk"}}});
  REQUIRE(w.place_attributes().size() == 1);
  CHECK(w.place_attributes()[0].values == std::vector<std::string>{"north", ""});
  CHECK(w.route_attributes()[0].values == std::vector<std::string>{"walk"});
  // One value per place (route); names of letters, digits and '_', each once.
  CHECK_THROWS_AS(World(c, p, r, {{"region", "", "", {"north"}}}), InputError);
  CHECK_THROWS_AS(World(c, p, r, {}, {{"link_type", "", "", {}}}), InputError);
  CHECK_THROWS_AS(World(c, p, r, {{"a b", "", "", {"1", "2"}}}), InputError);
  CHECK_THROWS_AS(World(c, p, r, {{"", "", "", {"1", "2"}}}), InputError);
  CHECK_THROWS_AS(World(c, p, r, {{"a", "", "", {"1", "2"}}, {"a", "", "", {"3", "4"}}}), InputError);
}

TEST_CASE("place kinds and modes parse and print", "[sim]") {
  PlaceKind k{};
  CHECK(parse_place_kind("camp", k));
  CHECK(k == PlaceKind::shelter);
  CHECK(parse_place_kind("border_crossing", k));
  CHECK(to_string(k) == "border_crossing");
  CHECK_FALSE(parse_place_kind("castle", k));
  TravelMode m{};
  CHECK(parse_travel_mode("sea", m));
  CHECK(to_string(m) == "sea");
  CHECK_FALSE(parse_travel_mode("teleport", m));
}
