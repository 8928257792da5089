#include "io/scenario.hpp"

#include <unistd.h>

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
#include "models/flee.hpp"
#include "models/registry.hpp"
#include "sim/errors.hpp"
#include "sim/routing.hpp"

namespace migrasim::io {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------- reading
namespace {

// What the system said when it could not look at a path (a name too long, no permission), for a message:
// " (File name too long)"; nothing when it simply is not there.
std::string reason(const std::error_code& ec) {
  return ec ? " (" + ec.message() + ")" : std::string();
}

// A CSV file as a YAML-like list of maps whose fields keep their file:line:column.
YamlNode csv_as_list(const std::string& file, const SourceMark& referenced_at) {
  CsvTable t = [&] {
    try {
      return read_csv(file);
    } catch (const InputError& e) {
      if (std::error_code ec; !fs::exists(file, ec))
        throw InputError(referenced_at.str() + ": CSV file '" + file + "' does not exist" + reason(ec));
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

// The canonical form of a path that exists, for comparing files; where the system cannot say (a name too
// long, no permission), the path as written.
std::string canonical_or_as_written(const fs::path& p) {
  std::error_code ec;
  const fs::path c = fs::weakly_canonical(p, ec);
  return ec ? p.lexically_normal().string() : c.string();
}

// Loads a file and, recursively, the files it extends; the returned tree is the merge, base first.
YamlNode load_with_bases(const std::string& path, std::vector<std::string>& chain) {
  const std::string canonical = canonical_or_as_written(path);
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
  if (std::error_code ec; !fs::exists(base, ec))
    fail(*ext, "extends", "base scenario '" + base.string() + "' does not exist" + reason(ec));
  const std::string base_canonical = canonical_or_as_written(base);
  if (std::find(chain.begin(), chain.end(), base_canonical) != chain.end()) {
    std::string files;
    for (const auto& c : chain) files += fs::path(c).filename().string() + " -> ";
    fail(*ext, "extends",
         "'" + base_rel + "' forms a cycle (" + files + fs::path(base_canonical).filename().string() +
             "); expected a chain of bases that ends in a file without extends");
  }
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
  std::vector<Attribute> place_attributes, route_attributes;  // a Flee case's extra columns
  std::unordered_map<std::string, country_id> country_by_code;
  std::unordered_map<std::string, place_id> place_by_name;
  std::vector<Event> events;  // from a Flee case's closures
};

// Fills the name indexes of parts whose countries and places are complete (a Flee case, a built world).
void index_names(WorldParts& w) {
  for (std::size_t i = 0; i < w.countries.size(); ++i)
    w.country_by_code[w.countries[i].code] = static_cast<country_id>(i);
  for (std::size_t i = 0; i < w.places.size(); ++i)
    w.place_by_name[w.places[i].name] = static_cast<place_id>(i);
}

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
      // Only shelters (and camps) have a capacity: on another place it would be ignored (issue 14).
      if (place.capacity >= 0 && place.kind != PlaceKind::shelter)
        expected(*cap, p + ".capacity",
                 "-1 or nothing: only a shelter (or camp) has a capacity, and '" + place.name + "' is a " +
                     std::string(to_string(place.kind)));
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

// The places a route joins, over the routes `open` marks, to a place with people that is no destination.
std::vector<char> reached_from_people(const World& w, const std::vector<char>& open) {
  std::vector<place_id> people;
  for (place_id p = 0; p < w.place_count(); ++p)
    if (w.places()[static_cast<std::size_t>(p)].population > 0 &&
        w.places()[static_cast<std::size_t>(p)].kind != PlaceKind::destination)
      people.push_back(p);
  return places_reached(w, std::move(people), open);
}

// A warning (docs/reliability.md) for a destination that a route joins to a place with people at the
// start, and that the scenario's events cut off from every such place for the rest of the run (at the
// closure that cut it; `events` are events_node's, in order).
void warn_cut_off_destinations(const World& world, const std::vector<Event>& events,
                               const YamlNode* events_node, std::int32_t days,
                               std::vector<std::string>& warnings) {
  if (events.empty()) return;
  const std::vector<Place>& places = world.places();
  std::vector<char> open(world.routes().size(), 1);
  const std::vector<char> at_start = reached_from_people(world, open);
  auto is_destination = [&](std::size_t p) { return places[p].kind == PlaceKind::destination; };
  // The scenario's closures and openings in date order (the same day: in the order given), within the run.
  std::vector<std::size_t> order(events.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return events[a].day < events[b].day; });
  std::vector<std::size_t> cut_by(places.size(), events.size());  // the event after which it was cut off
  std::vector<char> reached = at_start;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const Event& e = events[order[k]];
    if (e.day >= days) break;
    if (e.action != EventAction::close_routes && e.action != EventAction::open_routes) continue;
    for (route_id r : e.routes) open[static_cast<std::size_t>(r)] = e.action == EventAction::open_routes;
    if (k + 1 < order.size() && events[order[k + 1]].day == e.day) continue;  // the day's last event
    const std::vector<char> now = reached_from_people(world, open);
    for (std::size_t p = 0; p < places.size(); ++p) {
      if (!is_destination(p) || !at_start[p]) continue;
      if (reached[p] && !now[p]) cut_by[p] = order[k];
      if (now[p]) cut_by[p] = events.size();
    }
    reached = now;
  }
  for (std::size_t p = 0; p < places.size(); ++p) {
    if (cut_by[p] == events.size()) continue;
    const std::size_t i = cut_by[p];
    const YamlNode& item = events_node->items[i];
    const YamlNode* date = item.find("date");
    warnings.push_back((date ? date->mark : item.mark).str() + ": events[" + std::to_string(i) +
                       "]: after this closure no open route joins destination '" + places[p].name +
                       "' to a place with people until the end of the run: nobody goes there");
  }
}

// `label`: the key path of one event in messages (an event given between steps), instead of events[i].
std::vector<Event> read_events(const YamlNode* node, const WorldParts& w, std::int64_t start_day,
                               std::int32_t days, const std::string& label = "") {
  std::vector<Event> events;
  if (!node) return events;
  if (!node->is_sequence()) expected(*node, "events", "a list of events");
  for (std::size_t i = 0; i < node->items.size(); ++i) {
    const std::string p = label.empty() ? "events[" + std::to_string(i) + "]" : label;
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
    if (std::error_code ec; !fs::is_directory(p, ec))
      fail(n, c.sub(key), "folder '" + p.string() + "' does not exist" + reason(ec));
    return p.lexically_normal().string();
  };
  spec.flee_case.input = path_of("input");
  spec.flee_case.validation = path_of("validation");

  // The rules through the table; they refer to no place, so the world (which the case builds from
  // them) is not needed yet.
  const World no_world({}, {}, {});
  models::FleeParams p = read_params(models::FleeParams::table(), flee_node, "behaviour.flee",
                                     ParamReadContext{no_world, start_day, spec.days});
  FleeBuild b = build_flee_case(spec.flee_case, start_day, spec.days, std::move(p));
  flee = std::move(b.params);
  spec.flee_data = data_rules(flee);
  spec.observed = std::move(b.observed);
  spec.warnings.insert(spec.warnings.end(), b.warnings.begin(), b.warnings.end());
  w.countries = std::move(b.countries);
  w.places = std::move(b.places);
  w.routes = std::move(b.routes);
  w.place_attributes = std::move(b.place_attributes);
  w.route_attributes = std::move(b.route_attributes);
  w.events = std::move(b.events);
  index_names(w);
}

bool same_value(const ParamValue& a, const ParamValue& b) {
  auto same_series = [](const std::vector<std::vector<DatedValue>>& x,
                        const std::vector<std::vector<DatedValue>>& y) {
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (x[i].size() != y[i].size()) return false;
      for (std::size_t k = 0; k < x[i].size(); ++k)
        if (x[i][k].day != y[i][k].day || x[i][k].value != y[i][k].value) return false;
    }
    return true;
  };
  return a.number == b.number && a.integer == b.integer && a.text == b.text && a.ids == b.ids &&
         a.numbers == b.numbers && a.texts == b.texts && same_series(a.series, b.series);
}

// The keys of table `t` whose values differ between structs `a` and `b` (`prefix` + key, with the index
// of a record: "pathways[2].quota_per_month"), each with whether it may change mid-run.
void changed_keys(const ParamTable& t, const void* a, const void* b, const std::string& prefix,
                  std::vector<std::pair<std::string, bool>>& out) {
  for (const auto& e : t.entries()) {
    const std::string key = prefix + e.key;
    if (e.fields) {
      const std::size_t n = e.count(a);
      std::vector<std::pair<std::string, bool>> inside;
      if (n != e.count(b)) {
        inside.emplace_back(key, e.changeable);
      } else {
        for (std::size_t i = 0; i < n; ++i)
          changed_keys(*e.fields, e.at(a, i), e.at(b, i), key + "[" + std::to_string(i) + "].", inside);
      }
      if (e.changeable && !inside.empty())
        out.emplace_back(key, true);  // a changeable list takes any change to its records
      else
        out.insert(out.end(), inside.begin(), inside.end());
    } else if (e.get && !same_value(e.get(a), e.get(b))) {
      out.emplace_back(key, e.changeable);
    }
  }
}

void collect_changeable(const ParamTable& t, const std::string& prefix, std::vector<std::string>& out) {
  for (const auto& e : t.entries()) {
    if (e.changeable) out.push_back(prefix + e.key + (e.fields ? "[]" : ""));
    if (e.fields) collect_changeable(*e.fields, prefix + e.key + "[].", out);
  }
}

std::string joined(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "" : ", ") + w;
  return s.empty() ? "none" : s;
}

}  // namespace

std::vector<std::string> changeable_keys(const ScenarioSpec& spec) {
  std::vector<std::string> keys;
  for (const auto& m : spec.mechanisms)
    if (m.mechanism->table)
      collect_changeable(*m.mechanism->table, "behaviour." + m.mechanism->name + ".", keys);
  return keys;
}

ParamChange change_param(const ScenarioSpec& spec, const std::string& assignment) {
  const auto eq = assignment.find('=');
  const std::string key = assignment.substr(0, eq);
  auto refuse = [&](const std::string& why) {
    throw InputError("set " + key + ": " + why +
                     "; the keys that may change mid-run in this scenario: " + joined(changeable_keys(spec)));
  };
  if (eq == std::string::npos || eq == 0) refuse("expected KEY=VALUE, got '" + assignment + "'");
  const std::string section = "behaviour.";
  if (key.compare(0, section.size(), section) != 0)
    refuse("only mechanisms' parameters (behaviour.*) change mid-run");
  const std::string rest = key.substr(section.size());
  const std::string name = rest.substr(0, rest.find_first_of(".["));
  const ResolvedMechanism* old = spec.find(name);
  if (!old) refuse("the scenario runs no mechanism '" + name + "'");
  std::vector<std::string> overrides = spec.overrides;
  overrides.push_back(assignment);
  auto next = std::make_shared<ScenarioSpec>(load_scenario(spec.path, overrides));
  const ResolvedMechanism* now = next->find(name);
  if (!now || !old->mechanism->table) refuse("mechanism '" + name + "' has no parameter table");
  std::vector<std::pair<std::string, bool>> changed;
  changed_keys(*old->mechanism->table, old->params.get(), now->params.get(), section + name + ".", changed);
  for (const auto& [k, ok] : changed)
    if (!ok) refuse("'" + k + "' cannot change mid-run");
  ParamChange c;
  c.mechanism = name;
  c.params = now->params;
  c.spec = std::move(next);
  const std::string value = assignment.substr(eq + 1);
  double v = 0;
  if (std::from_chars(value.data(), value.data() + value.size(), v).ec == std::errc{}) c.value = v;
  return c;
}

Event read_event(const ScenarioSpec& spec, const std::string& yaml, std::int32_t today) {
  YamlNode item = parse_yaml(yaml, "event");
  if (!item.is_map()) expected(item, "event", "a map in the form of an entry of the scenario's events list");
  std::int64_t start_day = 0;
  if (!parse_iso_date(spec.start_date, start_day))
    throw InternalError("bad start date in a resolved scenario");
  if (!item.find("date")) {
    YamlNode date;
    date.kind = YamlNode::Kind::scalar;
    date.scalar = format_iso_date(start_day + today);
    date.mark = item.mark;
    item.entries.insert(item.entries.begin(), {"date", date});
  }
  WorldParts w;
  w.countries = spec.world->countries();
  w.places = spec.world->places();
  w.routes = spec.world->routes();
  index_names(w);
  YamlNode list;
  list.kind = YamlNode::Kind::sequence;
  list.items.push_back(item);
  Event e = read_events(&list, w, start_day, spec.days, "event").front();
  if (e.day < today)
    expected(*item.find("date"), "event.date",
             "a date on or after the next day to run (" + format_iso_date(start_day + today) + ")");
  return e;
}

const ResolvedMechanism* ScenarioSpec::find(const std::string& name) const {
  for (const auto& m : mechanisms)
    if (m.mechanism->name == name) return &m;
  return nullptr;
}

ScenarioSpec load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  return load_scenario(path, overrides, models::mechanisms());
}

static ScenarioSpec load_scenario_unguarded(const std::string& path,
                                            const std::vector<std::string>& overrides,
                                            const MechanismRegistry& registry);

ScenarioSpec load_scenario(const std::string& path, const std::vector<std::string>& overrides,
                           const MechanismRegistry& registry) {
  // A path the system refuses to look at (a name too long, a loop of links, no permission) wherever one is
  // read is bad input, not an internal error; the reader's own checks name the key and line where they can.
  try {
    return load_scenario_unguarded(path, overrides, registry);
  } catch (const fs::filesystem_error& e) {
    std::string file = e.path1().string();
    if (file.size() > 200) file = file.substr(0, 200) + "...";
    throw InputError(path + ": cannot read '" + file + "': " + e.code().message());
  }
}

static ScenarioSpec load_scenario_unguarded(const std::string& path,
                                            const std::vector<std::string>& overrides,
                                            const MechanismRegistry& registry) {
  ScenarioSpec spec;
  spec.path = path;
  spec.text = read_input_file(path, "scenario file");
  std::vector<std::string> chain;
  YamlNode root = load_with_bases(path, chain);
  // Event dates are checked against the run the files declare, so that `--days` may shorten a run without
  // invalidating its later events (they are simply not reached).
  std::int64_t declared_days = 0;
  if (const YamlNode* run_node = root.find("run"); run_node && run_node->is_map())
    if (const YamlNode* d = run_node->find("days"); d && d->is_scalar())
      std::from_chars(d->scalar.data(), d->scalar.data() + d->scalar.size(), declared_days);
  for (const auto& o : overrides) set_yaml_path(root, o);
  spec.overrides = overrides;
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
  // behaviour: the movement model, and a section per mechanism of the registry.
  std::vector<std::string> sections{"model"};
  std::vector<std::string> movers;
  for (const Mechanism& m : registry.all()) {
    sections.push_back(m.name);
    if (m.movement) movers.push_back("'" + m.name + "'");
  }
  movers.push_back("'none'");
  MapReader behaviour(top.require("behaviour"), "behaviour", sections);
  spec.model = as_string(behaviour.require("model"), "behaviour.model");
  const Mechanism* mover = registry.find(spec.model);
  if (spec.model != "none" && !(mover && mover->movement)) {
    std::string choices;
    for (std::size_t i = 0; i < movers.size(); ++i)
      choices += (i == 0 ? "" : i + 1 == movers.size() ? " or " : ", ") + movers[i];
    expected(behaviour.require("model"), "behaviour.model", choices);
  }
  WorldParts w;
  models::FleeParams flee;  // a Flee case gives the world and the rules together
  if (spec.model == "flee") {
    if (const YamlNode* wn = top.get("world"))
      fail(*wn, "world", "a Flee scenario takes its world from flee_case, not from world");
    read_flee(spec, top.require("flee_case"), behaviour.require("flee"), start_day, w, flee);
  } else {
    if (const YamlNode* fc = top.get("flee_case"))
      fail(*fc, "flee_case", "only scenarios with behaviour.model: flee take a Flee case");
    w = read_world(top.require("world"));
  }
  // The world is complete here: what follows refers to it (and the parameter tables' rules consult it).
  spec.world = std::make_shared<const World>(w.countries, w.places, w.routes, std::move(w.place_attributes),
                                             std::move(w.route_attributes));
  const ParamReadContext pctx{*spec.world, start_day, horizon, &spec.warnings};
  ScenarioContext sctx{*spec.world, horizon, {}, spec.mechanisms, w.events};
  for (std::int32_t d = 1; d <= horizon; ++d)
    if (format_iso_date(start_day + d).substr(8, 2) == "01") sctx.month_starts.push_back(d);

  // The mechanisms the scenario names, in phase order: a movement model when behaviour.model names it,
  // any other when its section is given.
  for (const Mechanism& m : registry.all()) {
    const YamlNode* section = behaviour.get(m.name);
    if (m.movement) {
      if (spec.model != m.name) continue;
      section = &behaviour.require(m.name);
    } else if (!section) {
      continue;
    }
    std::shared_ptr<void> params = m.create();
    const std::string section_path = "behaviour." + m.name;
    if (m.name == "flee") {  // read with its table before the world existed: the Flee case builds it
      *static_cast<models::FleeParams*>(params.get()) = flee;
    } else if (m.table) {
      read_params(*m.table, *section, section_path, params.get(), pctx);
    } else {
      throw InternalError("mechanism " + m.name + " has no parameter table");
    }
    // What the mechanism takes from the scenario or adds to it (route damage joins the schedule after a
    // Flee case's closures).
    if (m.resolve) m.resolve(params.get(), sctx);
    spec.mechanisms.push_back({&m, std::move(params)});
  }

  spec.events = read_events(top.get("events"), w, start_day, horizon);
  warn_cut_off_destinations(*spec.world, spec.events, top.get("events"), horizon, spec.warnings);

  if (const YamlNode* out = top.get("output")) {
    MapReader o(*out, "output", {"path", "compression", "record", "agents"});
    if (auto* pth = o.get("path")) spec.output_path = as_string(*pth, "output.path");
    if (auto* c = o.get("compression"))
      spec.output.compression_level =
          static_cast<int>(number_in(*c, "output.compression", 0, 9, "a deflate level 0..9"));
    if (auto* rec = o.get("record")) {
      if (!rec->is_sequence())
        expected(*rec, "output.record",
                 "a list from population, stranded, on_route, flow, population_by_group");
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
        else if (what == "population_by_group")
          spec.output.record_population_by_group = true;
        else
          expected(rec->items[i], "output.record[" + std::to_string(i) + "]",
                   "one of population, stranded, on_route, flow, population_by_group");
      }
    }
    if (auto* ag = o.get("agents")) {
      MapReader a(*ag, "output.agents", {"sample", "every"});
      auto whole = [](const YamlNode& n, const std::string& where, std::int64_t hi, const char* unit) {
        const std::string what =
            std::string("a whole number of ") + unit + " in [1, " + std::to_string(hi) + "]";
        const double v = number_in(n, where, 1, static_cast<double>(hi), what);
        if (v != std::floor(v)) expected(n, where, what);
        return static_cast<std::int64_t>(v);
      };
      spec.output.agents.size =
          whole(a.require("sample"), "output.agents.sample", max_agent_sample, "agents");
      if (auto* e = a.get("every"))
        spec.output.agents.every =
            static_cast<std::int32_t>(whole(*e, "output.agents.every", max_run_days, "days"));
    }
  }

  spec.events.insert(spec.events.begin(), w.events.begin(), w.events.end());
  for (const auto& r : spec.mechanisms) r.mechanism->validate(r.params.get(), *spec.world, spec.days);
  return spec;
}

std::uint64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), size = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && size > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(size) : 0;
}

std::unique_ptr<Simulation> make_simulation(const ScenarioSpec& spec, int threads, std::int64_t max_agents) {
  std::vector<std::unique_ptr<Model>> models;
  for (const auto& r : spec.mechanisms) models.push_back(r.mechanism->make(r.params.get()));
  SimulationConfig config{
      spec.seed,         spec.days, threads, spec.start_date, spec.output.record_population_by_group,
      spec.output.agents};
  config.max_agents = max_agents;
  config.memory_bytes = physical_memory_bytes();
  return std::make_unique<Simulation>(spec.world, Schedule(spec.events), std::move(models), config);
}

}  // namespace migrasim::io
