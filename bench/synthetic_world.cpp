#include "bench/synthetic_world.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "sim/errors.hpp"
#include "sim/rng.hpp"

namespace migrasim::bench {

std::shared_ptr<const World> make_synthetic_world(const SyntheticSpec& spec) {
  if (spec.places < 2) throw InputError("synthetic world: need at least 2 places");
  if (spec.routes < spec.places - 1)
    throw InputError("synthetic world: need at least places - 1 routes to connect it");
  const KeyedRng rng(spec.seed);
  const auto side = static_cast<std::int32_t>(std::ceil(std::sqrt(static_cast<double>(spec.places))));
  const double km_per_deg = 111.0;
  std::vector<Country> countries;
  for (std::int32_t c = 0; c < spec.countries; ++c)
    countries.push_back({"C" + std::to_string(c), "Country " + std::to_string(c)});
  std::vector<Place> places;
  std::vector<double> x(static_cast<std::size_t>(spec.places)), y(x.size());
  for (std::int32_t p = 0; p < spec.places; ++p) {
    const std::int32_t gx = p % side, gy = p / side;
    x[static_cast<std::size_t>(p)] =
        (gx + 0.6 * (rng.uniform(static_cast<std::uint64_t>(p), 0, Purpose::spawn_count, 0) - 0.5)) *
        spec.spacing_km;
    y[static_cast<std::size_t>(p)] =
        (gy + 0.6 * (rng.uniform(static_cast<std::uint64_t>(p), 0, Purpose::spawn_count, 1) - 0.5)) *
        spec.spacing_km;
    Place place;
    place.name = "P" + std::to_string(p);
    place.country = static_cast<country_id>(static_cast<std::int64_t>(gx) * spec.countries / side);
    const bool dest =
        rng.uniform(static_cast<std::uint64_t>(p), 0, Purpose::spawn_count, 2) < spec.destination_share;
    place.kind = dest ? PlaceKind::destination : PlaceKind::town;
    place.population = dest ? 0 : 100000;
    place.lat_deg = y[static_cast<std::size_t>(p)] / km_per_deg;
    place.lon_deg = x[static_cast<std::size_t>(p)] / km_per_deg;
    places.push_back(std::move(place));
  }
  // A spanning grid first (right and down neighbours, row 0 and column links) so the world is connected,
  // then extra links to random near neighbours until the route count is reached.
  std::set<std::pair<place_id, place_id>> seen;
  std::vector<Route> routes;
  auto add = [&](place_id a, place_id b) {
    if (a == b || a < 0 || b < 0 || a >= spec.places || b >= spec.places) return;
    if (!seen.emplace(std::min(a, b), std::max(a, b)).second) return;
    const double dx = x[static_cast<std::size_t>(a)] - x[static_cast<std::size_t>(b)];
    const double dy = y[static_cast<std::size_t>(a)] - y[static_cast<std::size_t>(b)];
    Route r;
    r.a = a;
    r.b = b;
    r.distance_km = std::max(1.0, 1.25 * std::sqrt(dx * dx + dy * dy));
    r.mode = (a + b) % 10 == 0 ? TravelMode::foot : TravelMode::road;
    routes.push_back(r);
  };
  for (std::int32_t p = 0; p < spec.places && static_cast<std::int32_t>(routes.size()) < spec.routes; ++p) {
    const std::int32_t gx = p % side;
    if (p >= side)
      add(p, p - side);
    else if (gx > 0)
      add(p, p - 1);
    else if (p > 0)
      add(p, p - side);
  }
  for (std::int32_t p = 1; p < spec.places; ++p)
    if (p % side != 0) add(p, p - 1);  // fills in when routes allow
  for (std::uint32_t k = 0; static_cast<std::int32_t>(routes.size()) < spec.routes &&
                            k < 100u * static_cast<std::uint32_t>(spec.routes);
       ++k) {
    const auto a = static_cast<place_id>(rng.uniform(k, 1, Purpose::spawn_count, 0) * spec.places);
    const std::int32_t dx = static_cast<std::int32_t>(rng.uniform(k, 1, Purpose::spawn_count, 1) * 7) - 3;
    const std::int32_t dy = static_cast<std::int32_t>(rng.uniform(k, 1, Purpose::spawn_count, 2) * 7) - 3;
    add(a, a + dx + dy * side);
  }
  if (static_cast<std::int32_t>(routes.size()) > spec.routes)
    routes.resize(static_cast<std::size_t>(spec.routes));
  // Make sure at least one destination exists.
  if (std::none_of(places.begin(), places.end(),
                   [](const Place& p) { return p.kind == PlaceKind::destination; })) {
    places.back().kind = PlaceKind::destination;
    places.back().population = 0;
  }
  return std::make_shared<const World>(std::move(countries), std::move(places), std::move(routes));
}

models::EconomicParams make_synthetic_params(const World& world, std::int64_t agents) {
  models::EconomicParams p;
  const auto nc = world.countries().size();
  std::int64_t origin_population = 0;
  for (const auto& place : world.places())
    if (place.kind != PlaceKind::destination) origin_population += place.population;
  const double rate =
      origin_population > 0 ? static_cast<double>(agents) / static_cast<double>(origin_population) : 0;
  p.emigration_rate_per_day.assign(nc, std::min(1.0, rate));
  p.push_index.assign(nc, {{1, 0.0}});
  p.visa_share.assign(nc, 0.2);
  for (place_id i = 0; i < world.place_count(); ++i) {
    if (world.places()[static_cast<std::size_t>(i)].kind != PlaceKind::destination) continue;
    models::EconomicParams::Destination d;
    d.place = i;
    d.attractiveness = 1.0 + (i % 5);
    d.diaspora.assign(nc, 1000.0);
    p.destinations.push_back(std::move(d));
  }
  p.speed_km_per_day = {400, 30, 200, 3000};
  return p;
}

}  // namespace migrasim::bench
