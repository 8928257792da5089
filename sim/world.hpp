#pragma once
// The route graph: countries, places and routes. Static after construction; what changes during a run
// (closures, capacities, travel-time factors) lives in RouteState beside it.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/graph/compressed_sparse_row_graph.hpp>

namespace migrasim {

using place_id = std::int32_t;    // index into World::places(); -1 means none
using route_id = std::int32_t;    // index into World::routes(); -1 means none
using arc_id = std::int32_t;      // index of a directed arc (a route travelled one way); -1 means none
using country_id = std::int32_t;  // index into World::countries(); -1 means none

enum class PlaceKind : std::uint8_t { town, transit_hub, border_crossing, shelter, destination };
inline constexpr int place_kind_count = 5;
std::string_view to_string(PlaceKind k);
bool parse_place_kind(std::string_view s, PlaceKind& out);  // also accepts "city" and "camp"

enum class TravelMode : std::uint8_t { road, foot, sea, air };
inline constexpr int travel_mode_count = 4;
std::string_view to_string(TravelMode m);
bool parse_travel_mode(std::string_view s, TravelMode& out);

struct Country {
  std::string code;  // short unique code, e.g. ISO 3166-1 alpha-3 "HND"
  std::string name;
};

struct Place {
  std::string name;
  country_id country = -1;
  PlaceKind kind = PlaceKind::town;
  double lat_deg = 0;
  double lon_deg = 0;
  std::int64_t population = 0;  // residents, persons
  std::int64_t capacity = -1;   // persons it can hold (shelters); -1 means unlimited
};

struct Route {
  place_id a = -1;
  place_id b = -1;
  double distance_km = 0;
  TravelMode mode = TravelMode::road;
  bool crosses_border = false;  // derived: a and b lie in different countries
};

// Named text values a scenario gives its places (or routes) beyond what the kernel reads, e.g. a Flee
// case's location and link attributes. No rule reads them; the outputs carry them.
struct Attribute {
  std::string name;                 // letters, digits and '_' only; unique among the places' (routes') ones
  std::string long_name;            // what the scenario called it (may be empty)
  std::string source;               // where the values came from, for the outputs (may be empty)
  std::vector<std::string> values;  // one per place (route), in order; empty where the scenario gives none
};

// Directed arc property of the CSR graph: which route, travelled from which end.
struct Arc {
  arc_id id = -1;
};

using RouteGraph = boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, Arc>;

class World {
 public:
  // Validates its input (unknown ids, negative distances, duplicate names) and throws InputError.
  // Attributes: each with one value per place (route), names as Attribute says.
  World(std::vector<Country> countries, std::vector<Place> places, std::vector<Route> routes,
        std::vector<Attribute> place_attributes = {}, std::vector<Attribute> route_attributes = {});

  const std::vector<Country>& countries() const { return countries_; }
  const std::vector<Place>& places() const { return places_; }
  const std::vector<Route>& routes() const { return routes_; }
  const RouteGraph& graph() const { return graph_; }
  const std::vector<Attribute>& place_attributes() const { return place_attributes_; }
  const std::vector<Attribute>& route_attributes() const { return route_attributes_; }

  std::int32_t place_count() const { return static_cast<std::int32_t>(places_.size()); }
  std::int32_t route_count() const { return static_cast<std::int32_t>(routes_.size()); }
  std::int32_t arc_count() const { return static_cast<std::int32_t>(arc_route_.size()); }

  // Directed arcs: arc 2r runs a->b of route r, arc 2r+1 runs b->a.
  route_id arc_route(arc_id a) const { return a >> 1; }
  place_id arc_source(arc_id a) const { return arc_source_[static_cast<std::size_t>(a)]; }
  place_id arc_target(arc_id a) const { return arc_target_[static_cast<std::size_t>(a)]; }
  // Arcs leaving a place, as a contiguous range (CSR order).
  const arc_id* out_arcs_begin(place_id p) const {
    return out_arcs_.data() + out_offset_[static_cast<std::size_t>(p)];
  }
  const arc_id* out_arcs_end(place_id p) const {
    return out_arcs_.data() + out_offset_[static_cast<std::size_t>(p) + 1];
  }

  place_id find_place(std::string_view name) const;      // -1 if absent
  country_id find_country(std::string_view code) const;  // -1 if absent
  route_id find_route(place_id a, place_id b) const;     // -1 if absent; either direction
  // "A--B": a route's name in messages and in the `edge` coordinate of outputs; all of them in route order.
  std::string route_name(route_id r) const;
  std::vector<std::string> route_names() const;

  // Great-circle distance between two places, km.
  double great_circle_km(place_id a, place_id b) const;

 private:
  std::vector<Country> countries_;
  std::vector<Place> places_;
  std::vector<Route> routes_;
  std::vector<Attribute> place_attributes_, route_attributes_;
  RouteGraph graph_;
  std::vector<place_id> arc_source_, arc_target_, arc_route_;
  std::vector<std::int32_t> out_offset_;
  std::vector<arc_id> out_arcs_;
};

// Time-varying state of each route, changed only through the scheduler. Indexed by route_id.
struct RouteState {
  explicit RouteState(std::int32_t routes = 0)
      : open(static_cast<std::size_t>(routes), 1),
        capacity_per_day(static_cast<std::size_t>(routes), -1),
        travel_time_factor(static_cast<std::size_t>(routes), 1.0f) {}
  std::vector<std::uint8_t> open;              // 1 open, 0 closed (both directions)
  std::vector<std::int32_t> capacity_per_day;  // people who may enter per day; -1 unlimited
  std::vector<float> travel_time_factor;       // >= 1 slows travel (damage, congestion); 1 normal
  std::uint64_t generation = 0;                // bumped on every change, so models can refresh caches
};

}  // namespace migrasim
