#include "sim/world.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <unordered_map>
#include <utility>

#include "sim/errors.hpp"

namespace migrasim {

std::string_view to_string(PlaceKind k) {
  switch (k) {
    case PlaceKind::town:
      return "town";
    case PlaceKind::transit_hub:
      return "transit_hub";
    case PlaceKind::border_crossing:
      return "border_crossing";
    case PlaceKind::shelter:
      return "shelter";
    case PlaceKind::destination:
      return "destination";
  }
  return "unknown";
}

bool parse_place_kind(std::string_view s, PlaceKind& out) {
  if (s == "town" || s == "city")
    out = PlaceKind::town;
  else if (s == "transit_hub")
    out = PlaceKind::transit_hub;
  else if (s == "border_crossing")
    out = PlaceKind::border_crossing;
  else if (s == "shelter" || s == "camp")
    out = PlaceKind::shelter;
  else if (s == "destination")
    out = PlaceKind::destination;
  else
    return false;
  return true;
}

std::string_view to_string(TravelMode m) {
  switch (m) {
    case TravelMode::road:
      return "road";
    case TravelMode::foot:
      return "foot";
    case TravelMode::sea:
      return "sea";
    case TravelMode::air:
      return "air";
  }
  return "unknown";
}

bool parse_travel_mode(std::string_view s, TravelMode& out) {
  if (s == "road")
    out = TravelMode::road;
  else if (s == "foot")
    out = TravelMode::foot;
  else if (s == "sea")
    out = TravelMode::sea;
  else if (s == "air")
    out = TravelMode::air;
  else
    return false;
  return true;
}

namespace {

void check_attributes(const std::vector<Attribute>& attributes, std::size_t count, const char* of) {
  std::unordered_map<std::string, int> seen;
  for (const auto& a : attributes) {
    const bool valid = !a.name.empty() && std::all_of(a.name.begin(), a.name.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
    if (!valid)
      throw InputError(std::string("attribute of the ") + of + " '" + a.name +
                       "': expected a name of letters, digits and '_'");
    if (!seen.emplace(a.name, 1).second)
      throw InputError(std::string("attribute of the ") + of + " '" + a.name + "' is given twice");
    if (a.values.size() != count)
      throw InputError(std::string("attribute of the ") + of + " '" + a.name + "': " +
                       std::to_string(a.values.size()) + " values for " + std::to_string(count) + " " + of);
  }
}

}  // namespace

World::World(std::vector<Country> countries, std::vector<Place> places, std::vector<Route> routes,
             std::vector<Attribute> place_attributes, std::vector<Attribute> route_attributes)
    : countries_(std::move(countries)),
      places_(std::move(places)),
      routes_(std::move(routes)),
      place_attributes_(std::move(place_attributes)),
      route_attributes_(std::move(route_attributes)) {
  check_attributes(place_attributes_, places_.size(), "places");
  check_attributes(route_attributes_, routes_.size(), "routes");
  std::unordered_map<std::string, int> seen;
  for (std::size_t c = 0; c < countries_.size(); ++c) {
    if (countries_[c].code.empty()) throw InputError("country " + std::to_string(c) + ": empty code");
    if (!seen.emplace(countries_[c].code, 1).second)
      throw InputError("country '" + countries_[c].code + "' is listed twice");
  }
  seen.clear();
  const auto n_places = static_cast<place_id>(places_.size());
  for (const auto& p : places_) {
    if (p.name.empty()) throw InputError("a place has an empty name");
    if (!seen.emplace(p.name, 1).second) throw InputError("place '" + p.name + "' is listed twice");
    if (p.country < 0 || p.country >= static_cast<country_id>(countries_.size()))
      throw InputError("place '" + p.name + "': unknown country");
    if (p.population < 0) throw InputError("place '" + p.name + "': population must be >= 0 persons");
    if (p.capacity < -1) throw InputError("place '" + p.name + "': capacity must be >= 0 persons or -1");
    if (!(p.lat_deg >= -90 && p.lat_deg <= 90))
      throw InputError("place '" + p.name + "': lat outside [-90, 90]");
    if (!(p.lon_deg >= -180 && p.lon_deg <= 180))
      throw InputError("place '" + p.name + "': lon outside [-180, 180]");
  }
  for (auto& r : routes_) {
    if (r.a < 0 || r.a >= n_places || r.b < 0 || r.b >= n_places)
      throw InputError("a route names an unknown place");
    if (r.a == r.b)
      throw InputError("route from '" + places_[static_cast<std::size_t>(r.a)].name + "' to itself");
    if (!(r.distance_km > 0) || !std::isfinite(r.distance_km))
      throw InputError("route '" + places_[static_cast<std::size_t>(r.a)].name + "--" +
                       places_[static_cast<std::size_t>(r.b)].name + "': distance_km must be > 0");
    r.crosses_border =
        places_[static_cast<std::size_t>(r.a)].country != places_[static_cast<std::size_t>(r.b)].country;
  }

  // Directed arcs: 2r is a->b, 2r+1 is b->a. The CSR graph keeps the arc id as its edge property.
  const std::size_t n_arcs = 2 * routes_.size();
  arc_source_.resize(n_arcs);
  arc_target_.resize(n_arcs);
  arc_route_.resize(n_arcs);
  for (std::size_t r = 0; r < routes_.size(); ++r) {
    arc_source_[2 * r] = routes_[r].a;
    arc_target_[2 * r] = routes_[r].b;
    arc_source_[2 * r + 1] = routes_[r].b;
    arc_target_[2 * r + 1] = routes_[r].a;
    arc_route_[2 * r] = arc_route_[2 * r + 1] = static_cast<route_id>(r);
  }
  std::vector<arc_id> order(n_arcs);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](arc_id x, arc_id y) {
    return arc_source_[static_cast<std::size_t>(x)] < arc_source_[static_cast<std::size_t>(y)];
  });
  std::vector<std::pair<std::size_t, std::size_t>> edges;
  std::vector<Arc> props;
  edges.reserve(n_arcs);
  props.reserve(n_arcs);
  out_offset_.assign(places_.size() + 1, 0);
  out_arcs_ = order;
  for (arc_id a : order) {
    edges.emplace_back(static_cast<std::size_t>(arc_source_[static_cast<std::size_t>(a)]),
                       static_cast<std::size_t>(arc_target_[static_cast<std::size_t>(a)]));
    props.push_back(Arc{a});
    ++out_offset_[static_cast<std::size_t>(arc_source_[static_cast<std::size_t>(a)]) + 1];
  }
  for (std::size_t p = 0; p < places_.size(); ++p) out_offset_[p + 1] += out_offset_[p];
  graph_ = RouteGraph(boost::edges_are_sorted, edges.begin(), edges.end(), props.begin(), places_.size());
}

place_id World::find_place(std::string_view name) const {
  for (std::size_t i = 0; i < places_.size(); ++i)
    if (places_[i].name == name) return static_cast<place_id>(i);
  return -1;
}

country_id World::find_country(std::string_view code) const {
  for (std::size_t i = 0; i < countries_.size(); ++i)
    if (countries_[i].code == code) return static_cast<country_id>(i);
  return -1;
}

route_id World::find_route(place_id a, place_id b) const {
  if (a < 0 || a >= place_count()) return -1;
  for (const arc_id* it = out_arcs_begin(a); it != out_arcs_end(a); ++it)
    if (arc_target(*it) == b) return arc_route(*it);
  return -1;
}

std::string World::route_name(route_id r) const {
  const Route& route = routes_[static_cast<std::size_t>(r)];
  return places_[static_cast<std::size_t>(route.a)].name + "--" +
         places_[static_cast<std::size_t>(route.b)].name;
}

std::vector<std::string> World::route_names() const {
  std::vector<std::string> names;
  names.reserve(routes_.size());
  for (route_id r = 0; r < route_count(); ++r) names.push_back(route_name(r));
  return names;
}

double World::great_circle_km(place_id a, place_id b) const {
  constexpr double earth_radius_km = 6371.0;
  constexpr double rad = 3.14159265358979323846 / 180.0;
  const Place& p = places_[static_cast<std::size_t>(a)];
  const Place& q = places_[static_cast<std::size_t>(b)];
  const double dlat = (q.lat_deg - p.lat_deg) * rad, dlon = (q.lon_deg - p.lon_deg) * rad;
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) + std::cos(p.lat_deg * rad) *
                                                                 std::cos(q.lat_deg * rad) *
                                                                 std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * earth_radius_km * std::asin(std::min(1.0, std::sqrt(h)));
}

}  // namespace migrasim
