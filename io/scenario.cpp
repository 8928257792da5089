#include "io/scenario.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <unordered_map>

#include "io/csv.hpp"
#include "io/param_reader.hpp"
#include "io/yaml_read.hpp"
#include "io/yaml_tree.hpp"
#include "models/disaster.hpp"
#include "models/economic.hpp"
#include "models/flee.hpp"
#include "models/legal_status.hpp"
#include "models/registry.hpp"
#include "models/smuggling.hpp"
#include "sim/errors.hpp"

namespace migrasim::io {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------- reading
namespace {

// A CSV file as a YAML-like list of maps whose fields keep their file:line:column.
YamlNode csv_as_list(const std::string& file, const SourceMark& referenced_at) {
  CsvTable t = [&] {
    try {
      return read_csv(file);
    } catch (const InputError& e) {
      if (!fs::exists(file))
        throw InputError(referenced_at.str() + ": CSV file '" + file + "' does not exist");
      throw;
    }
  }();
  YamlNode list;
  list.kind = YamlNode::Kind::sequence;
  list.mark = SourceMark{file, 1, 1};
  for (const auto& row : t.rows) {
    YamlNode m;
    m.kind = YamlNode::Kind::map;
    m.mark = SourceMark{file, row.line, 1};
    for (std::size_t c = 0; c < t.header.size(); ++c) {
      YamlNode v;
      v.mark = t.mark(row, static_cast<int>(c));
      if (!row.fields[c].text.empty()) {
        v.kind = YamlNode::Kind::scalar;
        v.scalar = row.fields[c].text;
      }
      m.entries.emplace_back(t.header[c], std::move(v));
    }
    list.items.push_back(std::move(m));
  }
  return list;
}

// `world.locations` and `world.routes` are either inline lists or a CSV path relative to the scenario file
// that named it.
YamlNode list_or_csv(const YamlNode& n, const std::string& path) {
  if (n.is_sequence()) return n;
  if (n.is_scalar()) {
    fs::path p(n.scalar);
    if (p.is_relative() && !n.mark.file.empty() && n.mark.file.rfind("--set", 0) != 0)
      p = fs::path(n.mark.file).parent_path() / p;
    return csv_as_list(p.string(), n.mark);
  }
  expected(n, path, "a list, or the path of a CSV file");
}

// Loads a file and, recursively, the files it extends; the returned tree is the merge, base first.
YamlNode load_with_bases(const std::string& path, std::vector<std::string>& chain) {
  const std::string canonical = fs::weakly_canonical(path).string();
  for (const auto& c : chain)
    if (c == canonical) throw InputError(path + ": 'extends' forms a cycle");
  chain.push_back(canonical);
  YamlNode doc = load_yaml_file(path);
  if (doc.kind == YamlNode::Kind::null) throw InputError(path + ":1:1: the scenario file is empty");
  if (!doc.is_map())
    expected(doc, "(top level)", "a map with sections run, world, behaviour, events, output");
  const YamlNode* ext = doc.find("extends");
  if (!ext) {
    // A `list[name]:` patch key needs a base list; left in place it would read as an unknown key.
    reject_list_patches(doc, "this file extends no base scenario");
    return doc;
  }
  const std::string base_rel = as_string(*ext, "extends");
  fs::path base = fs::path(path).parent_path() / base_rel;
  if (!fs::exists(base)) fail(*ext, "extends", "base scenario '" + base.string() + "' does not exist");
  YamlNode merged = load_with_bases(base.string(), chain);
  YamlNode top = doc;
  top.entries.erase(std::remove_if(top.entries.begin(), top.entries.end(),
                                   [](const auto& kv) { return kv.first == "extends"; }),
                    top.entries.end());
  merge_yaml(merged, top);
  return merged;
}

struct WorldParts {
  std::vector<Country> countries;
  std::vector<Place> places;
  std::vector<Route> routes;
  std::unordered_map<std::string, country_id> country_by_code;
  std::unordered_map<std::string, place_id> place_by_name;
  std::vector<Event> events;  // from a Flee case's closures
};

country_id country_ref(const WorldParts& w, const YamlNode& n, const std::string& path) {
  const std::string code = as_string(n, path);
  auto it = w.country_by_code.find(code);
  if (it == w.country_by_code.end()) expected(n, path, "a country code listed in world.countries");
  return it->second;
}

place_id place_ref(const WorldParts& w, const YamlNode& n, const std::string& path) {
  const std::string name = as_string(n, path);
  auto it = w.place_by_name.find(name);
  if (it == w.place_by_name.end()) expected(n, path, "a place listed in world.locations");
  return it->second;
}

// Every route joining places a and b (either direction), in file order.
std::vector<route_id> routes_joining(const WorldParts& w, place_id a, place_id b) {
  std::vector<route_id> out;
  for (std::size_t k = 0; k < w.routes.size(); ++k)
    if ((w.routes[k].a == a && w.routes[k].b == b) || (w.routes[k].a == b && w.routes[k].b == a))
      out.push_back(static_cast<route_id>(k));
  return out;
}

WorldParts read_world(const YamlNode& node) {
  MapReader r(node, "world", {"countries", "locations", "routes"});
  WorldParts w;
  const YamlNode& countries = r.require("countries");
  if (!countries.is_sequence() || countries.items.empty())
    expected(countries, "world.countries", "a non-empty list");
  for (std::size_t i = 0; i < countries.items.size(); ++i) {
    const std::string p = "world.countries[" + std::to_string(i) + "]";
    MapReader c(countries.items[i], p, {"code", "name"});
    Country country{as_string(c.require("code"), p + ".code"), ""};
    country.name = c.get("name") ? as_string(*c.get("name"), p + ".name") : country.code;
    if (!w.country_by_code.emplace(country.code, static_cast<country_id>(w.countries.size())).second)
      fail(c.require("code"), p + ".code", "country '" + country.code + "' is listed twice");
    w.countries.push_back(country);
  }

  const YamlNode locations = list_or_csv(r.require("locations"), "world.locations");
  if (locations.items.empty()) expected(locations, "world.locations", "at least one location");
  for (std::size_t i = 0; i < locations.items.size(); ++i) {
    const std::string p = "world.locations[" + std::to_string(i) + "]";
    MapReader l(locations.items[i], p, {"name", "country", "kind", "lat", "lon", "population", "capacity"});
    Place place;
    place.name = as_string(l.require("name"), p + ".name");
    place.country = country_ref(w, l.require("country"), p + ".country");
    const YamlNode& kind = l.require("kind");
    if (!kind.is_scalar() || !parse_place_kind(kind.scalar, place.kind))
      expected(kind, p + ".kind", "one of town, transit_hub, border_crossing, shelter, destination");
    place.lat_deg =
        number_in(l.require("lat"), p + ".lat", -90, 90, "a latitude in degrees within [-90, 90]");
    place.lon_deg =
        number_in(l.require("lon"), p + ".lon", -180, 180, "a longitude in degrees within [-180, 180]");
    if (const YamlNode* pop = l.get("population")) {
      place.population = as_int(*pop, p + ".population", "a whole number of persons >= 0");
      if (place.population < 0) expected(*pop, p + ".population", "a whole number of persons >= 0");
    }
    if (const YamlNode* cap = l.get("capacity")) {
      place.capacity = as_int(*cap, p + ".capacity", "a whole number of persons >= 0, or -1 for unlimited");
      if (place.capacity < -1)
        expected(*cap, p + ".capacity", "a whole number of persons >= 0, or -1 for unlimited");
    }
    if (place.kind == PlaceKind::shelter && place.capacity < 0)
      fail(l.node(), p + ".capacity", "a shelter needs a capacity (persons >= 0)");
    if (!w.place_by_name.emplace(place.name, static_cast<place_id>(w.places.size())).second)
      fail(l.require("name"), p + ".name", "place '" + place.name + "' is listed twice");
    w.places.push_back(std::move(place));
  }

  const YamlNode routes = list_or_csv(r.require("routes"), "world.routes");
  std::set<std::pair<place_id, place_id>> seen;
  for (std::size_t i = 0; i < routes.items.size(); ++i) {
    const std::string p = "world.routes[" + std::to_string(i) + "]";
    MapReader rr(routes.items[i], p, {"from", "to", "distance_km", "mode"});
    Route route;
    route.a = place_ref(w, rr.require("from"), p + ".from");
    route.b = place_ref(w, rr.require("to"), p + ".to");
    if (route.a == route.b) fail(rr.require("to"), p + ".to", "a route must join two different places");
    const YamlNode& dist = rr.require("distance_km");
    route.distance_km = as_double(dist, p + ".distance_km", "a distance in km > 0");
    if (!(route.distance_km > 0)) expected(dist, p + ".distance_km", "a distance in km > 0");
    if (const YamlNode* mode = rr.get("mode"))
      if (!mode->is_scalar() || !parse_travel_mode(mode->scalar, route.mode))
        expected(*mode, p + ".mode", "one of road, foot, sea, air");
    if (!seen.emplace(std::min(route.a, route.b), std::max(route.a, route.b)).second)
      fail(rr.node(), p, "a route between these two places is listed twice");
    w.routes.push_back(route);
  }
  return w;
}

std::vector<Event> read_events(const YamlNode* node, const WorldParts& w, std::int64_t start_day,
                               std::int32_t days) {
  std::vector<Event> events;
  if (!node) return events;
  if (!node->is_sequence()) expected(*node, "events", "a list of events");
  for (std::size_t i = 0; i < node->items.size(); ++i) {
    const std::string p = "events[" + std::to_string(i) + "]";
    MapReader r(node->items[i], p,
                {"date", "action", "name", "from", "to", "countries", "factor", "capacity"});
    Event e;
    const YamlNode& date = r.require("date");
    const std::int64_t day = date_of(date, p + ".date") - start_day;
    if (day < 0 || day >= days)
      expected(date, p + ".date",
               "a date within the run (" + format_iso_date(start_day) + " to " +
                   format_iso_date(start_day + days - 1) + ")");
    e.day = static_cast<std::int32_t>(day);
    const YamlNode& action = r.require("action");
    const std::string a = as_string(action, p + ".action");
    auto one_route = [&]() -> route_id {
      const place_id from = place_ref(w, r.require("from"), p + ".from");
      const place_id to = place_ref(w, r.require("to"), p + ".to");
      const auto found = routes_joining(w, from, to);
      if (!found.empty()) return found.front();
      fail(r.node(), p,
           "no route joins '" + w.places[static_cast<std::size_t>(from)].name + "' and '" +
               w.places[static_cast<std::size_t>(to)].name + "'");
    };
    if (a == "close_route" || a == "open_route" || a == "set_travel_time_factor" ||
        a == "set_route_capacity") {
      const route_id rid = one_route();
      e.routes = {rid};
      e.target = w.places[static_cast<std::size_t>(w.routes[static_cast<std::size_t>(rid)].a)].name + "--" +
                 w.places[static_cast<std::size_t>(w.routes[static_cast<std::size_t>(rid)].b)].name;
      if (a == "close_route") e.action = EventAction::close_routes;
      if (a == "open_route") e.action = EventAction::open_routes;
      if (a == "set_travel_time_factor") {
        e.action = EventAction::set_travel_time_factor;
        e.value = number_in(r.require("factor"), p + ".factor", 1, 1e6, "a travel-time factor >= 1");
      }
      if (a == "set_route_capacity") {
        e.action = EventAction::set_route_capacity;
        const std::int64_t c =
            as_int(r.require("capacity"), p + ".capacity", "people per day >= 0, or -1 for unlimited");
        if (c < -1 || c > std::numeric_limits<std::int32_t>::max())
          expected(r.require("capacity"), p + ".capacity", "people per day >= 0, or -1 for unlimited");
        e.value = static_cast<double>(c);
      }
    } else if (a == "close_border" || a == "open_border") {
      const YamlNode& cs = r.require("countries");
      if (!cs.is_sequence() || cs.items.size() != 2)
        expected(cs, p + ".countries", "a list of two country codes");
      const country_id c1 = country_ref(w, cs.items[0], p + ".countries[0]");
      const country_id c2 = country_ref(w, cs.items[1], p + ".countries[1]");
      for (std::size_t k = 0; k < w.routes.size(); ++k) {
        const country_id x = w.places[static_cast<std::size_t>(w.routes[k].a)].country;
        const country_id y = w.places[static_cast<std::size_t>(w.routes[k].b)].country;
        if ((x == c1 && y == c2) || (x == c2 && y == c1)) e.routes.push_back(static_cast<route_id>(k));
      }
      if (e.routes.empty()) fail(cs, p + ".countries", "no route crosses the border between these countries");
      e.target = w.countries[static_cast<std::size_t>(c1)].code + "-" +
                 w.countries[static_cast<std::size_t>(c2)].code;
      e.action = a == "close_border" ? EventAction::close_routes : EventAction::open_routes;
    } else {
      expected(action, p + ".action",
               "one of close_route, open_route, close_border, open_border, set_travel_time_factor, "
               "set_route_capacity");
    }
    e.name = r.get("name") ? as_string(*r.get("name"), p + ".name") : a + " " + e.target;
    events.push_back(std::move(e));
  }
  return events;
}

// A Flee case: the world, closures, conflicts and spawning targets come from the Flee files; the rules
// from behaviour.flee (Flee's names and defaults).
void read_flee(ScenarioSpec& spec, const YamlNode& case_node, const YamlNode& flee_node,
               std::int64_t start_day, WorldParts& w, models::FleeParams& flee) {
  MapReader c(case_node, "flee_case", {"input", "validation"});
  auto path_of = [&](const char* key) {
    const YamlNode& n = c.require(key);
    fs::path p(as_string(n, c.sub(key)));
    if (p.is_relative() && n.mark.file.rfind("--set", 0) != 0) p = fs::path(n.mark.file).parent_path() / p;
    if (!fs::is_directory(p)) fail(n, c.sub(key), "folder '" + p.string() + "' does not exist");
    return p.lexically_normal().string();
  };
  spec.flee_case.input = path_of("input");
  spec.flee_case.validation = path_of("validation");

  MapReader f(flee_node, "behaviour.flee", {"variant", "hasten", "spawn_rules", "move_rules"});
  models::FleeParams p;
  if (auto* v = f.get("variant")) {
    const std::string name = as_string(*v, f.sub("variant"));
    if (name == "improved")
      p.full_day_travel = true;
    else if (name != "flee")
      expected(*v, f.sub("variant"), "flee (Flee's published rules) or improved (docs/flee.md)");
  }
  double hasten = 1;
  if (auto* h = f.get("hasten")) hasten = number_in(*h, f.sub("hasten"), 1, 1e6, "a divisor >= 1");
  bool insert_day0 = true;
  if (auto* sr = f.get("spawn_rules")) {
    MapReader s(*sr, f.sub("spawn_rules"), {"insert_day0", "conflict_spawn_decay"});
    if (auto* i0 = s.get("insert_day0")) insert_day0 = as_bool(*i0, s.sub("insert_day0"));
    if (auto* cd = s.get("conflict_spawn_decay")) {
      if (!cd->is_sequence() || cd->items.empty())
        expected(*cd, s.sub("conflict_spawn_decay"), "a list of factors");
      p.conflict_spawn_decay.clear();
      for (std::size_t i = 0; i < cd->items.size(); ++i)
        p.conflict_spawn_decay.push_back(
            number_in(cd->items[i], s.sub("conflict_spawn_decay") + "[" + std::to_string(i) + "]", 0, 1e6,
                      "a factor >= 0"));
    }
  }
  if (auto* mr = f.get("move_rules")) {
    MapReader m(*mr, f.sub("move_rules"),
                {"conflict_movechance", "camp_movechance", "idpcamp_movechance", "default_movechance",
                 "awareness_level", "weight_softening", "softening", "distance_power", "weight_power",
                 "camp_weight", "foreign_weight", "conflict_weight", "max_move_speed", "max_walk_speed",
                 "start_on_foot", "capacity_buffer", "capacity_scaling"});
    auto num = [&](const char* key, double& out, double lo, double hi, const char* what) {
      if (auto* v = m.get(key)) out = number_in(*v, m.sub(key), lo, hi, what);
    };
    num("conflict_movechance", p.conflict_movechance, 0, 1, "a probability in [0, 1]");
    num("camp_movechance", p.camp_movechance, 0, 1, "a probability in [0, 1]");
    num("idpcamp_movechance", p.idpcamp_movechance, 0, 1, "a probability in [0, 1]");
    num("default_movechance", p.default_movechance, 0, 1, "a probability in [0, 1]");
    num("weight_softening", p.weight_softening, 0, 1e9, "a number >= 0");
    num("softening", p.softening, 0, 1e9, "a distance in km >= 0");
    num("distance_power", p.distance_power, 0, 10, "an exponent in [0, 10]");
    num("weight_power", p.weight_power, 0, 10, "an exponent in [0, 10]");
    num("camp_weight", p.camp_weight, 0, 1e6, "a weight >= 0");
    num("foreign_weight", p.foreign_weight, 0, 1e6, "a weight >= 0");
    num("conflict_weight", p.conflict_weight, 0, 1e6, "a weight >= 0");
    num("max_move_speed", p.max_move_speed, 1e-6, 1e6, "a speed in km/day > 0");
    num("max_walk_speed", p.max_walk_speed, 1e-6, 1e6, "a speed in km/day > 0");
    num("capacity_buffer", p.capacity_buffer, 0, 1, "a share in [0, 1]");
    num("capacity_scaling", p.capacity_scaling, 1e-9, 1e9, "a factor > 0");
    if (auto* a = m.get("awareness_level")) {
      const std::int64_t v = as_int(*a, m.sub("awareness_level"), "1, 2 or 3");
      if (v < 1 || v > 3) expected(*a, m.sub("awareness_level"), "1, 2 or 3");
      p.awareness_level = static_cast<std::int32_t>(v);
    }
    if (auto* sf = m.get("start_on_foot")) p.start_on_foot = as_bool(*sf, m.sub("start_on_foot"));
  }
  FleeBuild b = build_flee_case(spec.flee_case, start_day, spec.days, hasten, insert_day0, std::move(p));
  flee = std::move(b.params);
  spec.flee_hasten = hasten;
  spec.observed = std::move(b.observed);
  w.countries = std::move(b.countries);
  w.places = std::move(b.places);
  w.routes = std::move(b.routes);
  w.events = std::move(b.events);
  for (std::size_t i = 0; i < w.countries.size(); ++i)
    w.country_by_code[w.countries[i].code] = static_cast<country_id>(i);
  for (std::size_t i = 0; i < w.places.size(); ++i)
    w.place_by_name[w.places[i].name] = static_cast<place_id>(i);
}

// behaviour.smuggling (docs/models/smuggling.md).
models::SmugglingParams read_smuggling(const YamlNode& node, const WorldParts& w, std::int64_t start_day,
                                       std::int32_t days) {
  using Kind = models::SmugglingParams::Kind;
  const std::string base = "behaviour.smuggling";
  MapReader r(node, base,
              {"demand", "services", "enforcement", "choice", "give_up_after_interception", "give_up_per_day",
               "debt_share", "recorded_death_share"});
  models::SmugglingParams p;
  for (const auto& c : w.countries) p.country_codes.push_back(c.code);
  for (const auto& rt : w.routes)
    p.edge_names.push_back(w.places[static_cast<std::size_t>(rt.a)].name + "--" +
                           w.places[static_cast<std::size_t>(rt.b)].name);
  auto prob = [](const MapReader& m, const char* key, double& out) {
    if (auto* v = m.get(key)) out = number_in(*v, m.sub(key), 0, 1, "a probability in [0, 1]");
  };
  auto route_between = [&](place_id a, place_id b) {
    const auto found = routes_joining(w, a, b);
    return found.empty() ? route_id{-1} : found.front();
  };
  prob(r, "give_up_after_interception", p.give_up_after_interception);
  prob(r, "give_up_per_day", p.give_up_per_day);
  prob(r, "debt_share", p.debt_share);
  prob(r, "recorded_death_share", p.recorded_death_share);
  if (auto* ch = r.get("choice")) {
    MapReader c(*ch, r.sub("choice"),
                {"price_sensitivity", "risk_aversion", "alone_penalty", "wait_utility"});
    if (auto* v = c.get("wait_utility")) {
      p.choice.can_wait = true;
      p.choice.wait_utility = number_in(*v, c.sub("wait_utility"), -100, 100, "a utility in [-100, 100]");
    }
    if (auto* v = c.get("price_sensitivity"))
      p.choice.price_sensitivity =
          number_in(*v, c.sub("price_sensitivity"), 0, 100, "a weight per 1000 USD >= 0");
    if (auto* v = c.get("risk_aversion"))
      p.choice.risk_aversion = number_in(*v, c.sub("risk_aversion"), 0, 1000, "a weight >= 0");
    if (auto* v = c.get("alone_penalty"))
      p.choice.alone_penalty = number_in(*v, c.sub("alone_penalty"), 0, 100, "a utility >= 0");
  }
  const YamlNode& services = r.require("services");
  if (!services.is_sequence() || services.items.empty())
    expected(services, r.sub("services"), "a list of services");
  for (std::size_t i = 0; i < services.items.size(); ++i) {
    const std::string sp = r.sub("services") + "[" + std::to_string(i) + "]";
    MapReader m(services.items[i], sp,
                {"name",
                 "kind",
                 "from",
                 "to",
                 "path",
                 "risky_leg",
                 "seats_per_day",
                 "price_usd",
                 "price_elasticity",
                 "risk_premium",
                 "detention",
                 "interception",
                 "death",
                 "injury",
                 "abandonment",
                 "trafficking",
                 "trafficking_debt",
                 "capacity_growth",
                 "growth_lag_days",
                 "operating_cost_usd",
                 "entry_margin",
                 "entry_lag_days",
                 "entry_seats"});
    models::SmugglingParams::Service s;
    s.name = as_string(m.require("name"), m.sub("name"));
    for (const auto& other : p.services)
      if (other.name == s.name) fail(m.require("name"), m.sub("name"), "two services named '" + s.name + "'");
    if (auto* k = m.get("kind")) {
      const std::string kind = as_string(*k, m.sub("kind"));
      if (kind == "smuggler")
        s.kind = Kind::smuggler;
      else if (kind == "alone")
        s.kind = Kind::alone;
      else if (kind == "pathway")
        s.kind = Kind::pathway;
      else
        expected(*k, m.sub("kind"), "smuggler, alone or pathway");
    }
    if (s.kind != Kind::smuggler) {  // no smuggler: no market, and by default no trafficking
      s.price_elasticity = s.risk_premium = 0;
      s.trafficking = s.trafficking_debt = 0;
    }
    if (s.kind == Kind::pathway) s.interception = s.death = 0;
    // The trip: `path` (a chain of places joined by routes) or `from` and `to` (one route).
    if (auto* path = m.get("path")) {
      if (m.get("from") || m.get("to"))
        fail(*path, m.sub("path"), "give either path or from and to, not both");
      if (!path->is_sequence() || path->items.size() < 2)
        expected(*path, m.sub("path"), "a list of at least two place names joined by routes");
      for (std::size_t q = 0; q < path->items.size(); ++q)
        s.path.push_back(place_ref(w, path->items[q], m.sub("path") + "[" + std::to_string(q) + "]"));
      for (std::size_t q = 0; q + 1 < s.path.size(); ++q) {
        s.legs.push_back(route_between(s.path[q], s.path[q + 1]));
        if (s.legs.back() < 0)
          fail(path->items[q + 1], m.sub("path") + "[" + std::to_string(q + 1) + "]",
               "no route joins '" + path->items[q].scalar + "' and '" + path->items[q + 1].scalar + "'");
      }
    } else {
      s.path = {place_ref(w, m.require("from"), m.sub("from")), place_ref(w, m.require("to"), m.sub("to"))};
      s.legs = {route_between(s.path[0], s.path[1])};
      if (s.legs[0] < 0)
        fail(m.node(), sp,
             "no route joins '" + m.require("from").scalar + "' and '" + m.require("to").scalar + "'");
    }
    s.risk_leg = s.legs.size() - 1;
    if (auto* rl = m.get("risky_leg")) {
      if (!rl->is_sequence() || rl->items.size() != 2)
        expected(*rl, m.sub("risky_leg"), "a pair of consecutive places of the service's path");
      const place_id a = place_ref(w, rl->items[0], m.sub("risky_leg") + "[0]");
      const place_id b = place_ref(w, rl->items[1], m.sub("risky_leg") + "[1]");
      std::size_t j = 0;
      while (j < s.legs.size() && !(s.path[j] == a && s.path[j + 1] == b)) ++j;
      if (j == s.legs.size())
        expected(*rl, m.sub("risky_leg"), "a pair of consecutive places of the service's path");
      s.risk_leg = j;
    }
    if (s.kind == Kind::alone) {
      if (m.get("seats_per_day") || m.get("price_usd"))
        fail(m.node(), sp, "crossing alone has neither seats nor a price");
      s.seats_per_day = 0;
      s.base_price_usd = 0;
    } else {
      s.seats_per_day =
          number_in(m.require("seats_per_day"), m.sub("seats_per_day"), 0, 1e9, "seats per day >= 0");
      s.base_price_usd = number_in(m.require("price_usd"), m.sub("price_usd"), 0, 1e7, "a price in USD >= 0");
    }
    if (auto* v = m.get("price_elasticity"))
      s.price_elasticity = number_in(*v, m.sub("price_elasticity"), 0, 10, "an elasticity in [0, 10]");
    if (auto* v = m.get("risk_premium"))
      s.risk_premium = number_in(*v, m.sub("risk_premium"), 0, 100, "a premium >= 0");
    prob(m, "interception", s.interception);
    prob(m, "death", s.death);
    prob(m, "detention", s.detention);
    prob(m, "injury", s.injury);
    prob(m, "abandonment", s.abandonment);
    prob(m, "trafficking", s.trafficking);
    prob(m, "trafficking_debt", s.trafficking_debt);
    if (s.interception + s.death + s.abandonment > 1)
      fail(m.node(), sp, "interception + death + abandonment must not exceed 1");
    if (auto* v = m.get("capacity_growth"))
      s.capacity_growth = number_in(*v, m.sub("capacity_growth"), 0, 1, "a growth per day in [0, 1]");
    if (auto* v = m.get("growth_lag_days"))
      s.growth_lag_days =
          static_cast<std::int32_t>(number_in(*v, m.sub("growth_lag_days"), 0, 3650, "days >= 0"));
    if (auto* v = m.get("operating_cost_usd"))
      s.operating_cost_usd = number_in(*v, m.sub("operating_cost_usd"), 0, 1e7, "a cost in USD >= 0");
    prob(m, "entry_margin", s.entry_margin);
    if (auto* v = m.get("entry_lag_days"))
      s.entry_lag_days =
          static_cast<std::int32_t>(number_in(*v, m.sub("entry_lag_days"), 1, 3650, "days >= 1"));
    if (auto* v = m.get("entry_seats"))
      s.entry_seats = number_in(*v, m.sub("entry_seats"), 0, 1e9, "seats >= 0");
    p.services.push_back(s);
  }
  const YamlNode& demand = r.require("demand");
  if (!demand.is_sequence() || demand.items.empty())
    expected(demand, r.sub("demand"), "a list of departure demands");
  for (std::size_t i = 0; i < demand.items.size(); ++i) {
    const std::string dp = r.sub("demand") + "[" + std::to_string(i) + "]";
    MapReader m(demand.items[i], dp, {"place", "origin", "per_day", "resources_usd"});
    models::SmugglingParams::Demand d;
    d.place = place_ref(w, m.require("place"), m.sub("place"));
    for (const auto& other : p.demand)
      if (other.place == d.place) fail(m.require("place"), m.sub("place"), "one demand entry per place");
    bool served = false;
    for (const auto& s : p.services) served = served || s.from() == d.place;
    if (!served) fail(m.require("place"), m.sub("place"), "no service leaves this place");
    d.origin = place_ref(w, m.require("origin"), m.sub("origin"));
    const YamlNode& steps = m.require("per_day");
    if (!steps.is_sequence() || steps.items.empty())
      expected(steps, m.sub("per_day"), "a list of {date, value}");
    std::int32_t last = std::numeric_limits<std::int32_t>::min();
    for (std::size_t k = 0; k < steps.items.size(); ++k) {
      const std::string st = m.sub("per_day") + "[" + std::to_string(k) + "]";
      MapReader sr(steps.items[k], st, {"date", "value"});
      const auto day = static_cast<std::int32_t>(date_of(sr.require("date"), sr.sub("date")) - start_day);
      if (day <= last) fail(sr.require("date"), sr.sub("date"), "dates must increase along the list");
      last = day;
      d.per_day.push_back(
          {day, number_in(sr.require("value"), sr.sub("value"), 0, 1e9, "people per day >= 0")});
    }
    if (auto* res = m.get("resources_usd")) {
      MapReader rr(*res, m.sub("resources_usd"), {"median", "sigma", "help_share", "help_median"});
      if (auto* v = rr.get("help_share"))
        d.help_share = number_in(*v, rr.sub("help_share"), 0, 1, "a share in [0, 1]");
      if (auto* v = rr.get("help_median"))
        d.help_median_usd = number_in(*v, rr.sub("help_median"), 0, 1e9, "USD >= 0");
      if (auto* v = rr.get("median"))
        d.resources_median_usd = number_in(*v, rr.sub("median"), 0, 1e9, "USD >= 0");
      if (auto* v = rr.get("sigma"))
        d.resources_sigma = number_in(*v, rr.sub("sigma"), 0, 10, "a log-normal sigma in [0, 10]");
    }
    p.demand.push_back(d);
  }
  if (auto* en = r.get("enforcement")) {
    if (!en->is_sequence()) expected(*en, r.sub("enforcement"), "a list of dated enforcement changes");
    for (std::size_t i = 0; i < en->items.size(); ++i) {
      const std::string ep = r.sub("enforcement") + "[" + std::to_string(i) + "]";
      MapReader m(en->items[i], ep,
                  {"name", "date", "service", "place", "interception", "death", "capacity_factor", "seats",
                   "demand_factor"});
      models::SmugglingParams::Enforcement e;
      e.name = m.get("name") ? as_string(*m.get("name"), m.sub("name")) : "enforcement";
      const YamlNode& date = m.require("date");
      const std::int64_t day = date_of(date, m.sub("date")) - start_day;
      if (day < 0 || day >= days)
        expected(date, m.sub("date"),
                 "a date within the run (" + format_iso_date(start_day) + " to " +
                     format_iso_date(start_day + days - 1) + ")");
      e.day = static_cast<std::int32_t>(day);
      // The target: one service, or a place (every service leaving it, and its departure demand).
      const YamlNode* sv = m.get("service");
      const YamlNode* pl = m.get("place");
      if ((sv == nullptr) == (pl == nullptr))
        fail(m.node(), ep, "give the target as either service or place");
      if (sv) {  // a service name, or a list of them
        const bool list = sv->is_sequence();
        const std::size_t n = list ? sv->items.size() : 1;
        if (list && n == 0) expected(*sv, m.sub("service"), "a service name or a list of them");
        for (std::size_t q = 0; q < n; ++q) {
          const YamlNode& item = list ? sv->items[q] : *sv;
          const std::string where =
              list ? m.sub("service") + "[" + std::to_string(q) + "]" : m.sub("service");
          const std::string name = as_string(item, where);
          const std::size_t before = e.services.size();
          for (std::size_t k = 0; k < p.services.size(); ++k)
            if (p.services[k].name == name) e.services.push_back(k);
          if (e.services.size() == before)
            expected(item, where, "the name of a service in " + r.sub("services"));
        }
      } else {
        const place_id at = place_ref(w, *pl, m.sub("place"));
        for (std::size_t k = 0; k < p.services.size(); ++k)
          if (p.services[k].from() == at) e.services.push_back(k);
        for (std::size_t k = 0; k < p.demand.size(); ++k)
          if (p.demand[k].place == at) e.demand.push_back(k);
        if (e.services.empty()) expected(*pl, m.sub("place"), "a place that services leave");
      }
      if (auto* v = m.get("interception"))
        e.interception = number_in(*v, m.sub("interception"), 0, 1, "a probability in [0, 1]");
      if (auto* v = m.get("death")) e.death = number_in(*v, m.sub("death"), 0, 1, "a probability in [0, 1]");
      if (auto* v = m.get("capacity_factor"))
        e.capacity_factor = number_in(*v, m.sub("capacity_factor"), 0, 100, "a factor >= 0");
      if (auto* v = m.get("seats")) e.seats = number_in(*v, m.sub("seats"), 0, 1e9, "seats per day >= 0");
      if (auto* v = m.get("demand_factor")) {
        if (!pl) fail(*v, m.sub("demand_factor"), "deterrence (demand_factor) needs a place target");
        e.demand_factor = number_in(*v, m.sub("demand_factor"), 0, 100, "a factor >= 0");
      }
      p.enforcement.push_back(e);
    }
  }
  return p;
}

}  // namespace

const ResolvedMechanism* ScenarioSpec::find(const std::string& name) const {
  for (const auto& m : mechanisms)
    if (m.mechanism->name == name) return &m;
  return nullptr;
}

ScenarioSpec load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  ScenarioSpec spec;
  spec.path = path;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path + ": cannot open the scenario file");
    std::ostringstream ss;
    ss << in.rdbuf();
    spec.text = ss.str();
  }
  std::vector<std::string> chain;
  YamlNode root = load_with_bases(path, chain);
  // Event dates are checked against the run the files declare, so that `--days` may shorten a run without
  // invalidating its later events (they are simply not reached).
  std::int64_t declared_days = 0;
  if (const YamlNode* run_node = root.find("run"); run_node && run_node->is_map())
    if (const YamlNode* d = run_node->find("days"); d && d->is_scalar())
      std::from_chars(d->scalar.data(), d->scalar.data() + d->scalar.size(), declared_days);
  for (const auto& o : overrides) set_yaml_path(root, o);
  spec.resolved_yaml = emit_yaml(root);

  MapReader top(root, "", {"run", "world", "flee_case", "behaviour", "events", "output"});
  MapReader run(top.require("run"), "run", {"start_date", "days", "seed"});
  std::int64_t start_day = 0;
  start_day = date_of(run.require("start_date"), "run.start_date");
  spec.start_date = format_iso_date(start_day);
  const std::int64_t days =
      as_int(run.require("days"), "run.days", "a whole number of days within [1, 32767]");
  if (days < 1 || days > max_run_days)
    expected(run.require("days"), "run.days", "a whole number of days within [1, 32767]");
  spec.days = static_cast<std::int32_t>(days);
  const YamlNode& seed = run.require("seed");
  const std::int64_t s = as_int(seed, "run.seed", "a whole number >= 0");
  if (s < 0) expected(seed, "run.seed", "a whole number >= 0");
  spec.seed = static_cast<std::uint64_t>(s);

  // Dates inside the scenario are checked against the run the files declare, so that --days may shorten
  // a run without invalidating later events (they are simply not reached).
  const auto horizon =
      static_cast<std::int32_t>(std::clamp<std::int64_t>(declared_days, spec.days, max_run_days));
  MapReader behaviour(top.require("behaviour"), "behaviour",
                      {"model", "economic", "flee", "legal", "disasters", "smuggling"});
  spec.model = as_string(behaviour.require("model"), "behaviour.model");
  WorldParts w;
  models::FleeParams flee;  // a Flee case gives the world and the rules together
  if (spec.model == "economic" || spec.model == "none") {
    if (const YamlNode* fc = top.get("flee_case"))
      fail(*fc, "flee_case", "only scenarios with behaviour.model: flee take a Flee case");
    w = read_world(top.require("world"));
  } else if (spec.model == "flee") {
    if (const YamlNode* wn = top.get("world"))
      fail(*wn, "world", "a Flee scenario takes its world from flee_case, not from world");
    read_flee(spec, top.require("flee_case"), behaviour.require("flee"), start_day, w, flee);
  } else {
    expected(behaviour.require("model"), "behaviour.model", "'economic', 'flee' or 'none'");
  }
  // The world is complete here: what follows refers to it (and the parameter tables' rules consult it).
  spec.world = std::make_shared<const World>(w.countries, w.places, w.routes);
  const ParamReadContext pctx{*spec.world, start_day, horizon};

  // The mechanisms the scenario names, in phase order: a movement model when behaviour.model names it,
  // any other when its section is given.
  for (const Mechanism& m : models::mechanisms().all()) {
    const YamlNode* section = behaviour.get(m.name);
    if (m.movement) {
      if (spec.model != m.name) continue;
      section = &behaviour.require(m.name);
    } else if (!section) {
      continue;
    }
    std::shared_ptr<void> params = m.create();
    const std::string section_path = "behaviour." + m.name;
    if (m.table) {
      read_params(*m.table, *section, section_path, params.get(), pctx);
      // Route damage is scheduled like any closure, after a Flee case's closures.
      if (m.name == "disasters") {
        const auto& damage = static_cast<const models::DisasterParams*>(params.get())->route_events;
        w.events.insert(w.events.end(), damage.begin(), damage.end());
      }
    } else if (m.name == "flee") {  // bespoke readers, until these mechanisms have parameter tables
      *static_cast<models::FleeParams*>(params.get()) = flee;
    } else if (m.name == "smuggling") {
      *static_cast<models::SmugglingParams*>(params.get()) = read_smuggling(*section, w, start_day, horizon);
    } else {
      throw InternalError("mechanism " + m.name + " has neither a parameter table nor a reader");
    }
    if (m.name == "legal") {
      auto& legal = *static_cast<models::LegalParams*>(params.get());
      // Pathway quotas count calendar months; giving up follows the movement model's push at origin.
      for (std::int32_t d = 1; d <= horizon; ++d)
        if (format_iso_date(start_day + d).substr(8, 2) == "01") legal.month_starts.push_back(d);
      if (const auto* economic = spec.find("economic"))
        legal.push = economic->as<models::EconomicParams>().push_index;
    }
    spec.mechanisms.push_back({&m, std::move(params)});
  }

  spec.events = read_events(top.get("events"), w, start_day, horizon);

  if (const YamlNode* out = top.get("output")) {
    MapReader o(*out, "output", {"path", "compression", "record"});
    if (auto* pth = o.get("path")) spec.output_path = as_string(*pth, "output.path");
    if (auto* c = o.get("compression"))
      spec.output.compression_level =
          static_cast<int>(number_in(*c, "output.compression", 0, 9, "a deflate level 0..9"));
    if (auto* rec = o.get("record")) {
      if (!rec->is_sequence())
        expected(*rec, "output.record", "a list from population, stranded, on_route, flow");
      spec.output.record_population = spec.output.record_stranded = spec.output.record_on_route =
          spec.output.record_flow = false;
      for (std::size_t i = 0; i < rec->items.size(); ++i) {
        const std::string what = as_string(rec->items[i], "output.record[" + std::to_string(i) + "]");
        if (what == "population")
          spec.output.record_population = true;
        else if (what == "stranded")
          spec.output.record_stranded = true;
        else if (what == "on_route")
          spec.output.record_on_route = true;
        else if (what == "flow")
          spec.output.record_flow = true;
        else
          expected(rec->items[i], "output.record[" + std::to_string(i) + "]",
                   "one of population, stranded, on_route, flow");
      }
    }
  }

  spec.events.insert(spec.events.begin(), w.events.begin(), w.events.end());
  for (const auto& r : spec.mechanisms) r.mechanism->validate(r.params.get(), *spec.world, spec.days);
  return spec;
}

std::unique_ptr<Simulation> make_simulation(const ScenarioSpec& spec, int threads) {
  std::vector<std::unique_ptr<Model>> models;
  for (const auto& r : spec.mechanisms) models.push_back(r.mechanism->make(r.params.get()));
  SimulationConfig config{spec.seed, spec.days, threads, spec.start_date};
  return std::make_unique<Simulation>(spec.world, Schedule(spec.events), std::move(models), config);
}

}  // namespace migrasim::io
