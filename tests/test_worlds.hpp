#pragma once
// Small hand-made worlds shared by the unit tests.
#include <memory>

#include "models/disaster.hpp"
#include "models/economic.hpp"
#include "models/smuggling.hpp"
#include "sim/world.hpp"

namespace migrasim::test {

// A place for hand-made test worlds; capacity -1 means unlimited.
inline Place make_place(const char* name, country_id country, PlaceKind kind, std::int64_t population,
                        std::int64_t capacity = -1) {
  Place p;
  p.name = name;
  p.country = country;
  p.kind = kind;
  p.population = population;
  p.capacity = capacity;
  return p;
}

// Two origins (O1, O2 in country ORI) -> border B (ORI) -> X (DST, border post) -> two destinations D1, D2
// (DST). A detour O1 - Y (ORI) - X, longer than via B, gives an alternative crossing when B--X closes.
//   O1 --100-- B --10-- X --200-- D1
//   O2 --150-- B        X --400-- D2
//   O1 --300-- Y --300-- X   (detour)
inline std::shared_ptr<const World> corridor_world() {
  std::vector<Country> c{{"ORI", "Origin"}, {"DST", "Destination"}};

  std::vector<Place> p{
      make_place("O1", 0, PlaceKind::town, 1000000),     make_place("O2", 0, PlaceKind::town, 500000),
      make_place("B", 0, PlaceKind::border_crossing, 0), make_place("X", 1, PlaceKind::border_crossing, 0),
      make_place("D1", 1, PlaceKind::destination, 0),    make_place("D2", 1, PlaceKind::destination, 0),
      make_place("Y", 0, PlaceKind::transit_hub, 0)};
  std::vector<Route> r{{0, 2, 100, TravelMode::road, false}, {1, 2, 150, TravelMode::road, false},
                       {2, 3, 10, TravelMode::foot, false},  {3, 4, 200, TravelMode::road, false},
                       {3, 5, 400, TravelMode::road, false}, {0, 6, 300, TravelMode::road, false},
                       {6, 3, 300, TravelMode::road, false}};
  return std::make_shared<const World>(c, p, r);
}

inline models::EconomicParams corridor_params(const World& w, double rate = 1e-3) {
  models::EconomicParams p;
  p.emigration_rate_per_day = {rate, 0.0};
  p.push_index.assign(2, {});
  p.visa_share = {0.0, 0.25};
  p.destinations = {{w.find_place("D1"), 1.0, {1000.0, 0.0}}, {w.find_place("D2"), 2.0, {3000.0, 0.0}}};
  p.speed_km_per_day = {200, 20, 100, 1000};
  p.patience_days = 3;
  return p;
}

// Town T (hit) -- 5 km -- shelter S (capacity 2,000); T -- 100 km -- town K (kin); T -- 50 km -- X (abroad).
inline std::shared_ptr<const World> drill_world() {
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

inline models::DisasterParams drill_params() {
  models::DisasterParams p;
  p.curves.push_back({"flood", 0.2, 0.5, 10});
  models::DisasterParams::Event e;
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

// A smuggling service on the one route from `from` to `to`, with no market dynamics (fixed price, no risk
// premium) and no trafficking; smugglers run while the route is closed, the others close with it.
inline models::SmugglingParams::Service one_route_service(const World& w, const char* name,
                                                          models::SmugglingParams::Kind kind, place_id from,
                                                          place_id to, double interception, double death,
                                                          double seats, double price) {
  models::SmugglingParams::Service s;
  s.name = name;
  s.kind = kind;
  s.path = {from, to};
  s.legs = {w.find_route(from, to)};
  s.interception = interception;
  s.death = death;
  s.seats_per_day = seats;
  s.base_price_usd = price;
  s.price_elasticity = s.risk_premium = 0;
  s.trafficking = s.trafficking_debt = 0;
  s.runs_when_closed = kind == models::SmugglingParams::Kind::smuggler;
  return s;
}

}  // namespace migrasim::test
