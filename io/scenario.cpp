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

// A list of country codes (nationalities, origins).
std::vector<country_id> country_list(const WorldParts& w, const YamlNode& n, const std::string& path) {
  if (!n.is_sequence()) expected(n, path, "a list of country codes");
  std::vector<country_id> out;
  for (std::size_t k = 0; k < n.items.size(); ++k)
    out.push_back(country_ref(w, n.items[k], path + "[" + std::to_string(k) + "]"));
  return out;
}

// An application window [open date, close date], as simulation days.
void read_window(const YamlNode& win, const std::string& path, std::int64_t start_day, std::int32_t& open,
                 std::int32_t& close) {
  if (!win.is_sequence() || win.items.size() != 2) expected(win, path, "[open date, close date]");
  open = static_cast<std::int32_t>(date_of(win.items[0], path + "[0]") - start_day);
  close = static_cast<std::int32_t>(date_of(win.items[1], path + "[1]") - start_day);
  if (close < open)
    fail(win, path,
         "the window closes (" + win.items[1].scalar + ") before it opens (" + win.items[0].scalar + ")");
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

  // The rules through the table; they refer to no place, so the world (which the case builds from
  // them) is not needed yet.
  const World no_world({}, {}, {});
  models::FleeParams p = read_params(models::FleeParams::table(), flee_node, "behaviour.flee",
                                     ParamReadContext{no_world, start_day, spec.days});
  const double hasten = p.hasten;
  const bool insert_day0 = p.insert_day0;
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

// behaviour.legal: residents at the start, regularisation programmes, enforcement
// (docs/models/legal_status.md).
models::LegalParams read_legal(const YamlNode& node, const WorldParts& w, std::int64_t start_day) {
  const std::string base = "behaviour.legal";
  MapReader r(node, base,
              {"residents", "programmes", "pathways", "enforcement", "reemigration", "visa_permit_days",
               "visa_renewal"});
  models::LegalParams p;
  for (const auto& c : w.countries) p.country_codes.push_back(c.code);
  if (auto* v = r.get("visa_permit_days"))
    p.visa_permit_days =
        static_cast<std::int32_t>(number_in(*v, r.sub("visa_permit_days"), 1, 36500, "days >= 1"));
  if (auto* v = r.get("visa_renewal"))
    p.visa_renewal = number_in(*v, r.sub("visa_renewal"), 0, 1, "a probability in [0, 1]");
  auto years_range = [](const YamlNode& n, const std::string& path, double& lo, double& hi) {
    if (!n.is_sequence() || n.items.size() != 2) expected(n, path, "[min, max] years");
    // Entry days are stored in 16 bits (sim/population.hpp): at most 89 years before day 0.
    lo = number_in(n.items[0], path + "[0]", 0, 89, "years within [0, 89]");
    hi = number_in(n.items[1], path + "[1]", lo, 89, "years within [the minimum, 89]");
  };
  if (auto* res = r.get("residents")) {
    if (!res->is_sequence()) expected(*res, r.sub("residents"), "a list of resident groups");
    for (std::size_t i = 0; i < res->items.size(); ++i) {
      const std::string gp = r.sub("residents") + "[" + std::to_string(i) + "]";
      MapReader g(res->items[i], gp, {"place", "origin", "count", "status", "resident_years", "permit_days"});
      models::LegalParams::Residents grp;
      grp.place = place_ref(w, g.require("place"), g.sub("place"));
      grp.origin = place_ref(w, g.require("origin"), g.sub("origin"));
      grp.count = as_int(g.require("count"), g.sub("count"), "a whole number of persons >= 0");
      if (grp.count < 0) expected(g.require("count"), g.sub("count"), "a whole number of persons >= 0");
      if (auto* st = g.get("status")) {
        const std::string v = as_string(*st, g.sub("status"));
        if (v == "irregular")
          grp.status = LegalStatus::irregular;
        else if (v == "overstayer")
          grp.status = LegalStatus::overstayer;
        else if (v == "regular")
          grp.status = LegalStatus::regular;
        else
          expected(*st, g.sub("status"), "irregular, overstayer or regular");
      }
      if (auto* y = g.get("resident_years"))
        years_range(*y, g.sub("resident_years"), grp.resident_years_min, grp.resident_years_max);
      if (auto* pd = g.get("permit_days"))
        grp.permit_days =
            static_cast<std::int32_t>(number_in(*pd, g.sub("permit_days"), 1, 36500, "days >= 1"));
      p.residents.push_back(grp);
    }
  }
  if (auto* progs = r.get("programmes")) {
    if (!progs->is_sequence()) expected(*progs, r.sub("programmes"), "a list of programmes");
    for (std::size_t i = 0; i < progs->items.size(); ++i) {
      const std::string pp = r.sub("programmes") + "[" + std::to_string(i) + "]";
      MapReader g(progs->items[i], pp,
                  {"name", "country", "kind", "window", "start", "cutoff_date", "min_residence_days",
                   "min_residence_years", "nationalities", "eligible_share", "take_up",
                   "information_campaign", "enforcement_fear", "documentation_barrier", "processing_per_day",
                   "no_show", "rejection", "permit_days", "renewal"});
      models::LegalParams::Programme pr;
      pr.name = as_string(g.require("name"), g.sub("name"));
      pr.country = country_ref(w, g.require("country"), g.sub("country"));
      const std::string kind = as_string(g.require("kind"), g.sub("kind"));
      if (kind == "permanent")
        pr.permanent = true;
      else if (kind != "one_off")
        expected(g.require("kind"), g.sub("kind"), "one_off or permanent");
      if (!pr.permanent) {
        read_window(g.require("window"), g.sub("window"), start_day, pr.open_day, pr.close_day);
        const YamlNode& cut = g.require("cutoff_date");
        pr.cutoff_day = static_cast<std::int32_t>(date_of(cut, g.sub("cutoff_date")) - start_day);
      } else {
        pr.open_day = g.get("start")
                          ? static_cast<std::int32_t>(date_of(*g.get("start"), g.sub("start")) - start_day)
                          : 0;
        pr.close_day = std::numeric_limits<std::int32_t>::max();
        if (g.get("window")) fail(*g.get("window"), g.sub("window"), "a permanent mechanism has no window");
      }
      if (auto* v = g.get("min_residence_days"))
        pr.min_residence_days =
            static_cast<std::int32_t>(number_in(*v, g.sub("min_residence_days"), 0, 36500, "days >= 0"));
      if (auto* v = g.get("min_residence_years"))
        pr.min_residence_days = static_cast<std::int32_t>(
            std::lround(365.25 * number_in(*v, g.sub("min_residence_years"), 0, 100, "years >= 0")));
      if (auto* nat = g.get("nationalities"))
        pr.nationalities = country_list(w, *nat, g.sub("nationalities"));
      auto prob = [&](const char* key, double& out) {
        if (auto* v = g.get(key)) out = number_in(*v, g.sub(key), 0, 1, "a share in [0, 1]");
      };
      prob("eligible_share", pr.eligible_share);
      prob("take_up", pr.take_up);
      prob("enforcement_fear", pr.enforcement_fear);
      prob("documentation_barrier", pr.documentation_barrier);
      prob("no_show", pr.no_show);
      prob("rejection", pr.rejection);
      prob("renewal", pr.renewal);
      if (auto* v = g.get("information_campaign"))
        pr.information_campaign = number_in(*v, g.sub("information_campaign"), 0, 100, "a multiplier >= 0");
      const YamlNode& cap = g.require("processing_per_day");
      const std::int64_t c = as_int(cap, g.sub("processing_per_day"), "decisions per day >= 0");
      if (c < 0 || c > std::numeric_limits<std::int32_t>::max())
        expected(cap, g.sub("processing_per_day"), "decisions per day >= 0");
      pr.processing_per_day = static_cast<std::int32_t>(c);
      if (auto* v = g.get("permit_days"))
        pr.permit_days =
            static_cast<std::int32_t>(number_in(*v, g.sub("permit_days"), 1, 36500, "days >= 1"));
      for (const auto& other : p.programmes)
        if (other.name == pr.name)
          fail(g.require("name"), g.sub("name"), "programme '" + pr.name + "' is listed twice");
      p.programmes.push_back(pr);
    }
  }
  if (auto* en = r.get("enforcement")) {
    if (!en->is_sequence()) expected(*en, r.sub("enforcement"), "a list");
    for (std::size_t i = 0; i < en->items.size(); ++i) {
      const std::string ep = r.sub("enforcement") + "[" + std::to_string(i) + "]";
      MapReader g(en->items[i], ep,
                  {"country", "from", "until", "apprehension_per_day", "apprehension_at_crossing",
                   "detention_days", "removal_share", "detention_capacity", "voluntary_return_per_day"});
      models::LegalParams::Enforcement e;
      e.country = country_ref(w, g.require("country"), g.sub("country"));
      if (auto* v = g.get("apprehension_per_day"))
        e.apprehension_per_day =
            number_in(*v, g.sub("apprehension_per_day"), 0, 1, "a probability per day in [0, 1]");
      if (auto* v = g.get("detention_days"))
        e.detention_days =
            static_cast<std::int32_t>(number_in(*v, g.sub("detention_days"), 0, 36500, "days >= 0"));
      if (auto* v = g.get("removal_share"))
        e.removal_share = number_in(*v, g.sub("removal_share"), 0, 1, "a share in [0, 1]");
      if (auto* v = g.get("detention_capacity")) {
        const std::int64_t c = as_int(*v, g.sub("detention_capacity"), "a whole number of places >= 0");
        if (c < 0) expected(*v, g.sub("detention_capacity"), "a whole number of places >= 0");
        e.detention_capacity = c;
      }
      if (auto* v = g.get("voluntary_return_per_day"))
        e.voluntary_return_per_day =
            number_in(*v, g.sub("voluntary_return_per_day"), 0, 1, "a probability per day in [0, 1]");
      if (auto* v = g.get("apprehension_at_crossing"))
        e.apprehension_at_crossing =
            number_in(*v, g.sub("apprehension_at_crossing"), 0, 1, "a probability per crossing in [0, 1]");
      if (auto* v = g.get("from"))
        e.from_day = static_cast<std::int32_t>(date_of(*v, g.sub("from")) - start_day);
      if (auto* v = g.get("until")) {
        e.until_day = static_cast<std::int32_t>(date_of(*v, g.sub("until")) - start_day);
        if (e.until_day < e.from_day) fail(*v, g.sub("until"), "the entry ends before it starts");
      }
      for (const auto& other : p.enforcement)
        if (other.country == e.country && other.from_day <= e.until_day && e.from_day <= other.until_day)
          fail(g.require("country"), g.sub("country"),
               "another enforcement entry for this country is in force on the same days (give from/until)");
      if (e.apprehension_per_day + e.voluntary_return_per_day > 1)
        fail(g.node(), ep, "apprehension_per_day + voluntary_return_per_day must not exceed 1");
      p.enforcement.push_back(e);
    }
  }
  if (auto* pws = r.get("pathways")) {
    if (!pws->is_sequence()) expected(*pws, r.sub("pathways"), "a list of regular pathways");
    for (std::size_t i = 0; i < pws->items.size(); ++i) {
      const std::string pp = r.sub("pathways") + "[" + std::to_string(i) + "]";
      MapReader g(
          pws->items[i], pp,
          {"name", "permit_type", "country", "origins", "age_bands", "sex", "skills_share", "apply_share",
           "window", "quota_per_month", "processing_per_day", "approval", "fee_usd", "permit_days", "renewal",
           "circular", "give_up_per_day", "give_up_growth_per_year", "irregular_after_rejection"});
      models::LegalParams::Pathway pw;
      pw.name = as_string(g.require("name"), g.sub("name"));
      for (const auto& other : p.programmes)
        if (other.name == pw.name)
          fail(g.require("name"), g.sub("name"), "'" + pw.name + "' names a programme too");
      for (const auto& other : p.pathways)
        if (other.name == pw.name)
          fail(g.require("name"), g.sub("name"), "pathway '" + pw.name + "' is listed twice");
      pw.permit_type = as_string(g.require("permit_type"), g.sub("permit_type"));
      static const char* types[] = {"temporary_labour",     "seasonal_labour",   "circular_labour",
                                    "family_reunification", "humanitarian_visa", "study"};
      if (std::find_if(std::begin(types), std::end(types),
                       [&](const char* t) { return pw.permit_type == t; }) == std::end(types))
        expected(
            g.require("permit_type"), g.sub("permit_type"),
            "temporary_labour, seasonal_labour, circular_labour, family_reunification, humanitarian_visa or "
            "study");
      pw.country = country_ref(w, g.require("country"), g.sub("country"));
      if (auto* o = g.get("origins")) pw.origins = country_list(w, *o, g.sub("origins"));
      if (auto* a = g.get("age_bands")) {
        if (!a->is_sequence())
          expected(*a, g.sub("age_bands"), "a list of age bands (0-17, 18-34, 35-59, 60+)");
        for (std::size_t k = 0; k < a->items.size(); ++k) {
          const std::string band = as_string(a->items[k], g.sub("age_bands") + "[" + std::to_string(k) + "]");
          int found = -1;
          for (int b = 0; b < age_band_count; ++b)
            if (age_band_name(b) == band) found = b;
          if (found < 0)
            expected(a->items[k], g.sub("age_bands") + "[" + std::to_string(k) + "]",
                     "0-17, 18-34, 35-59 or 60+");
          pw.age_bands.push_back(static_cast<std::uint8_t>(found));
        }
      }
      if (auto* v = g.get("sex")) {
        const std::string sx = as_string(*v, g.sub("sex"));
        if (sx == "female")
          pw.sex = 0;
        else if (sx == "male")
          pw.sex = 1;
        else if (sx != "any")
          expected(*v, g.sub("sex"), "female, male or any");
      }
      auto prob = [&](const char* key, double& out) {
        if (auto* v = g.get(key)) out = number_in(*v, g.sub(key), 0, 1, "a share in [0, 1]");
      };
      prob("skills_share", pw.skills_share);
      prob("apply_share", pw.apply_share);
      prob("approval", pw.approval);
      prob("renewal", pw.renewal);
      prob("give_up_per_day", pw.give_up_per_day);
      prob("irregular_after_rejection", pw.irregular_after_rejection);
      if (auto* win = g.get("window"))
        read_window(*win, g.sub("window"), start_day, pw.open_day, pw.close_day);
      if (auto* v = g.get("quota_per_month")) {
        const std::int64_t q = as_int(*v, g.sub("quota_per_month"), "a whole number of approvals >= 0");
        if (q < 0) expected(*v, g.sub("quota_per_month"), "a whole number of approvals >= 0");
        pw.quota_per_month = q;
      }
      const YamlNode& cap = g.require("processing_per_day");
      const std::int64_t c = as_int(cap, g.sub("processing_per_day"), "decisions per day >= 0");
      if (c < 0 || c > std::numeric_limits<std::int32_t>::max())
        expected(cap, g.sub("processing_per_day"), "decisions per day >= 0");
      pw.processing_per_day = static_cast<std::int32_t>(c);
      if (auto* v = g.get("fee_usd"))
        pw.fee_usd = number_in(*v, g.sub("fee_usd"), 0, 1e7, "a fee in USD >= 0");
      if (auto* v = g.get("permit_days"))
        pw.permit_days =
            static_cast<std::int32_t>(number_in(*v, g.sub("permit_days"), 1, 36500, "days >= 1"));
      if (auto* v = g.get("circular")) pw.circular = as_bool(*v, g.sub("circular"));
      if (auto* v = g.get("give_up_growth_per_year"))
        pw.give_up_growth_per_year =
            number_in(*v, g.sub("give_up_growth_per_year"), 0, 1000, "a growth >= 0");
      p.pathways.push_back(pw);
    }
  }
  if (auto* re = r.get("reemigration")) {
    MapReader g(*re, r.sub("reemigration"), {"share", "delay_days"});
    p.reemigration.share = number_in(g.require("share"), g.sub("share"), 0, 1, "a share in [0, 1]");
    if (auto* v = g.get("delay_days"))
      p.reemigration.delay_days =
          static_cast<std::int32_t>(number_in(*v, g.sub("delay_days"), 1, 36500, "days >= 1"));
  }
  return p;
}

// behaviour.disasters (docs/models/disaster.md). Route damage becomes scheduled route events.
models::DisasterParams read_disasters(const YamlNode& node, const WorldParts& w, std::int64_t start_day,
                                      std::int32_t days, std::vector<Event>& route_events) {
  const std::string base = "behaviour.disasters";
  MapReader r(node, base,
              {"curves", "vulnerability", "split", "kin_max_km", "shelter_overflow", "return",
               "speed_km_per_day", "abroad_status", "events", "responses"});
  models::DisasterParams p;
  p.vulnerability.assign(w.places.size(), 0.5);
  for (const auto& pl : w.places)
    if (pl.kind == PlaceKind::shelter) p.shelter_names.push_back(pl.name);
  const YamlNode& curves = r.require("curves");
  if (!curves.is_map() || curves.entries.empty())
    expected(curves, r.sub("curves"), "a map from hazard kind to a curve");
  for (const auto& [kind, c] : curves.entries) {
    MapReader cr(c, r.sub("curves") + "." + kind, {"max_share", "midpoint", "steepness"});
    models::DisasterParams::Curve curve;
    curve.kind = kind;
    if (auto* v = cr.get("max_share"))
      curve.max_share = number_in(*v, cr.sub("max_share"), 0, 1, "a share in [0, 1]");
    if (auto* v = cr.get("midpoint"))
      curve.midpoint = number_in(*v, cr.sub("midpoint"), 0, 10, "a number in [0, 10]");
    if (auto* v = cr.get("steepness"))
      curve.steepness = number_in(*v, cr.sub("steepness"), 1e-6, 1e3, "a number > 0");
    p.curves.push_back(curve);
  }
  if (auto* v = r.get("vulnerability")) {
    MapReader vr(*v, r.sub("vulnerability"), {"default", "places"});
    if (auto* d = vr.get("default")) {
      const double def = number_in(*d, vr.sub("default"), 0, 1, "a vulnerability in [0, 1]");
      std::fill(p.vulnerability.begin(), p.vulnerability.end(), def);
    }
    if (auto* pl = vr.get("places")) {
      if (!pl->is_map()) expected(*pl, vr.sub("places"), "a map from place name to vulnerability");
      for (const auto& [name, val] : pl->entries) {
        auto it = w.place_by_name.find(name);
        if (it == w.place_by_name.end())
          fail(val, vr.sub("places") + "." + name, "unknown place '" + name + "'");
        p.vulnerability[static_cast<std::size_t>(it->second)] =
            number_in(val, vr.sub("places") + "." + name, 0, 1, "a vulnerability in [0, 1]");
      }
    }
  }
  if (auto* s = r.get("split")) {
    MapReader sr(*s, r.sub("split"), {"shelter", "kin", "abroad"});
    if (auto* v = sr.get("shelter"))
      p.share_shelter = number_in(*v, sr.sub("shelter"), 0, 1, "a share in [0, 1]");
    if (auto* v = sr.get("kin")) p.share_kin = number_in(*v, sr.sub("kin"), 0, 1, "a share in [0, 1]");
    if (auto* v = sr.get("abroad"))
      p.share_abroad = number_in(*v, sr.sub("abroad"), 0, 1, "a share in [0, 1]");
    if (std::fabs(p.share_shelter + p.share_kin + p.share_abroad - 1) > 1e-6)
      fail(*s, r.sub("split"), "shelter + kin + abroad must sum to 1");
  }
  if (auto* v = r.get("kin_max_km")) p.kin_max_km = number_in(*v, r.sub("kin_max_km"), 1e-3, 1e5, "km > 0");
  if (auto* v = r.get("shelter_overflow"))
    p.shelter_overflow = number_in(*v, r.sub("shelter_overflow"), 0, 10, "a share >= 0 above capacity");
  if (auto* v = r.get("return")) {
    MapReader rr(*v, r.sub("return"), {"rate_per_day", "recovery_days", "places"});
    if (auto* x = rr.get("rate_per_day"))
      p.return_rate_per_day = number_in(*x, rr.sub("rate_per_day"), 0, 1, "a rate per day in [0, 1]");
    if (auto* x = rr.get("recovery_days"))
      p.recovery_days = number_in(*x, rr.sub("recovery_days"), 1e-3, 1e6, "days > 0");
    if (auto* pl = rr.get("places")) {  // per-place recovery: {place: {recovery_days: N}}
      if (!pl->is_map()) expected(*pl, rr.sub("places"), "a map from place name to {recovery_days}");
      p.place_recovery_days.assign(w.places.size(), 0.0);
      for (const auto& [name, val] : pl->entries) {
        const std::string path = rr.sub("places") + "." + name;
        auto it = w.place_by_name.find(name);
        if (it == w.place_by_name.end()) fail(val, path, "unknown place '" + name + "'");
        MapReader pr(val, path, {"recovery_days"});
        p.place_recovery_days[static_cast<std::size_t>(it->second)] =
            number_in(pr.require("recovery_days"), pr.sub("recovery_days"), 1e-3, 1e6, "days > 0");
      }
    }
  }
  if (auto* s = r.get("speed_km_per_day")) {
    MapReader sr(*s, r.sub("speed_km_per_day"), {"road", "foot", "sea", "air"});
    for (int m = 0; m < travel_mode_count; ++m) {
      const std::string mode(to_string(static_cast<TravelMode>(m)));
      if (auto* v = sr.get(mode))
        p.speed_km_per_day[static_cast<std::size_t>(m)] =
            number_in(*v, sr.sub(mode), 1e-6, 1e6, "a speed in km/day > 0");
    }
  }
  if (auto* v = r.get("abroad_status")) {
    const std::string st = as_string(*v, r.sub("abroad_status"));
    if (st == "irregular")
      p.abroad_status = LegalStatus::irregular;
    else if (st == "temporary_protection")
      p.abroad_status = LegalStatus::temporary_protection;
    else if (st == "regular")
      p.abroad_status = LegalStatus::regular;
    else
      expected(*v, r.sub("abroad_status"), "irregular, temporary_protection or regular");
  }
  const YamlNode& events = r.require("events");
  if (!events.is_sequence() || events.items.empty())
    expected(events, r.sub("events"), "a list of disaster events");
  for (std::size_t i = 0; i < events.items.size(); ++i) {
    const std::string ep = r.sub("events") + "[" + std::to_string(i) + "]";
    MapReader er(events.items[i], ep,
                 {"name", "kind", "onset", "duration_days", "lead_days", "footprint", "route_damage"});
    models::DisasterParams::Event e;
    e.name = as_string(er.require("name"), er.sub("name"));
    const YamlNode& kind = er.require("kind");
    const std::string k = as_string(kind, er.sub("kind"));
    e.curve = p.curves.size();
    for (std::size_t c = 0; c < p.curves.size(); ++c)
      if (p.curves[c].kind == k) e.curve = c;
    if (e.curve == p.curves.size())
      expected(kind, er.sub("kind"), "a hazard kind listed in " + r.sub("curves"));
    const YamlNode& onset = er.require("onset");
    const std::int64_t od = date_of(onset, er.sub("onset")) - start_day;
    if (auto* v = er.get("lead_days"))
      e.lead_days = static_cast<std::int32_t>(number_in(*v, er.sub("lead_days"), 0, 365, "days in [0, 365]"));
    if (od - e.lead_days < 0 || od >= days)
      expected(onset, er.sub("onset"),
               "a date within the run (" + format_iso_date(start_day) + " to " +
                   format_iso_date(start_day + days - 1) + "), lead time included");
    e.onset_day = static_cast<std::int32_t>(od);
    if (auto* v = er.get("duration_days"))
      e.duration_days =
          static_cast<std::int32_t>(number_in(*v, er.sub("duration_days"), 1, 3650, "days >= 1"));
    const YamlNode& fp = er.require("footprint");
    MapReader fr(fp, er.sub("footprint"), {"places", "centre", "radius_km"});
    std::vector<double> intensity(w.places.size(), 0.0);
    if (auto* pl = fr.get("places")) {
      if (!pl->is_map()) expected(*pl, fr.sub("places"), "a map from place name to intensity");
      for (const auto& [name, val] : pl->entries) {
        auto it = w.place_by_name.find(name);
        if (it == w.place_by_name.end())
          fail(val, fr.sub("places") + "." + name,
               "unknown place '" + name + "', expected a place in world.locations");
        intensity[static_cast<std::size_t>(it->second)] =
            number_in(val, fr.sub("places") + "." + name, 0, 1, "an intensity in [0, 1]");
      }
    }
    if (auto* c = fr.get("centre")) {
      MapReader cr(*c, fr.sub("centre"), {"lat", "lon"});
      const double lat = number_in(cr.require("lat"), cr.sub("lat"), -90, 90, "a latitude");
      const double lon = number_in(cr.require("lon"), cr.sub("lon"), -180, 180, "a longitude");
      const double radius = number_in(fr.require("radius_km"), fr.sub("radius_km"), 1e-3, 1e5, "km > 0");
      constexpr double rad = 3.14159265358979323846 / 180.0;
      for (std::size_t q = 0; q < w.places.size(); ++q) {
        const double dlat = (w.places[q].lat_deg - lat) * rad, dlon = (w.places[q].lon_deg - lon) * rad;
        const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                         std::cos(lat * rad) * std::cos(w.places[q].lat_deg * rad) * std::sin(dlon / 2) *
                             std::sin(dlon / 2);
        const double km = 2 * 6371.0 * std::asin(std::min(1.0, std::sqrt(h)));
        intensity[q] = std::max(intensity[q], std::max(0.0, 1 - km / radius));  // linear decay to the radius
      }
    }
    for (std::size_t q = 0; q < w.places.size(); ++q)
      if (intensity[q] > 0) e.footprint.emplace_back(static_cast<place_id>(q), intensity[q]);
    if (e.footprint.empty()) fail(fp, er.sub("footprint"), "the footprint covers no place");
    if (auto* rd = er.get("route_damage")) {
      MapReader dr(*rd, er.sub("route_damage"), {"close_above", "slow_factor", "repair_days"});
      const double close_above =
          dr.get("close_above")
              ? number_in(*dr.get("close_above"), dr.sub("close_above"), 0, 1, "an intensity in [0, 1]")
              : 0.8;
      const double slow = dr.get("slow_factor") ? number_in(*dr.get("slow_factor"), dr.sub("slow_factor"), 1,
                                                            100, "a factor >= 1")
                                                : 2.0;
      const double repair = dr.get("repair_days") ? number_in(*dr.get("repair_days"), dr.sub("repair_days"),
                                                              0, 3650, "days >= 0")
                                                  : 30;
      for (std::size_t rt = 0; rt < w.routes.size(); ++rt) {
        const double x = 0.5 * (intensity[static_cast<std::size_t>(w.routes[rt].a)] +
                                intensity[static_cast<std::size_t>(w.routes[rt].b)]);
        if (x <= 0) continue;
        Event hit, fix;
        hit.day = e.onset_day;
        hit.routes = {static_cast<route_id>(rt)};
        hit.target = w.places[static_cast<std::size_t>(w.routes[rt].a)].name + "--" +
                     w.places[static_cast<std::size_t>(w.routes[rt].b)].name;
        fix = hit;
        fix.day = e.onset_day + static_cast<std::int32_t>(std::ceil(repair * x));
        if (x >= close_above) {
          hit.action = EventAction::close_routes;
          fix.action = EventAction::open_routes;
        } else {
          hit.action = EventAction::set_travel_time_factor;
          hit.value = 1 + (slow - 1) * x;
          fix.action = EventAction::set_travel_time_factor;
          fix.value = 1;
        }
        hit.name = e.name + " damage";
        fix.name = e.name + " repair";
        route_events.push_back(hit);
        if (fix.day < days && fix.day > hit.day) route_events.push_back(fix);
      }
    }
    p.events.push_back(std::move(e));
  }
  if (const YamlNode* responses = r.get("responses")) {
    if (!responses->is_sequence()) expected(*responses, r.sub("responses"), "a list of dated responses");
    for (std::size_t i = 0; i < responses->items.size(); ++i) {
      const std::string rp = r.sub("responses") + "[" + std::to_string(i) + "]";
      MapReader rr(responses->items[i], rp,
                   {"name", "kind", "date", "country", "event", "places", "extra_share"});
      const YamlNode& kind = rr.require("kind");
      const std::string k = as_string(kind, rr.sub("kind"));
      const YamlNode& date = rr.require("date");
      const std::int64_t day = date_of(date, rr.sub("date")) - start_day;
      if (day < 0 || day >= days)
        expected(date, rr.sub("date"),
                 "a date within the run (" + format_iso_date(start_day) + " to " +
                     format_iso_date(start_day + days - 1) + ")");
      const std::string name = rr.get("name") ? as_string(*rr.get("name"), rr.sub("name")) : k;
      if (k == "temporary_protection" || k == "humanitarian_visa") {
        models::DisasterParams::Protection pr;
        pr.name = name;
        pr.day = static_cast<std::int32_t>(day);
        pr.country = country_ref(w, rr.require("country"), rr.sub("country"));
        pr.status = k == "temporary_protection" ? LegalStatus::temporary_protection : LegalStatus::regular;
        p.protections.push_back(pr);
      } else if (k == "evacuation_order") {
        models::DisasterParams::Evacuation ev;
        ev.name = name;
        ev.day = static_cast<std::int32_t>(day);
        const YamlNode& en = rr.require("event");
        const std::string event = as_string(en, rr.sub("event"));
        ev.event = p.events.size();
        for (std::size_t k2 = 0; k2 < p.events.size(); ++k2)
          if (p.events[k2].name == event) ev.event = k2;
        if (ev.event == p.events.size())
          expected(en, rr.sub("event"), "the name of an event in " + r.sub("events"));
        if (ev.day > p.events[ev.event].onset_day)
          fail(date, rr.sub("date"), "an evacuation order must come on or before the event's onset");
        const YamlNode& pl = rr.require("places");
        if (!pl.is_sequence() || pl.items.empty()) expected(pl, rr.sub("places"), "a list of place names");
        for (std::size_t q = 0; q < pl.items.size(); ++q)
          ev.places.push_back(place_ref(w, pl.items[q], rr.sub("places") + "[" + std::to_string(q) + "]"));
        ev.extra_share =
            number_in(rr.require("extra_share"), rr.sub("extra_share"), 0, 1, "a share in [0, 1]");
        p.evacuations.push_back(ev);
      } else {
        expected(kind, rr.sub("kind"), "temporary_protection, humanitarian_visa or evacuation_order");
      }
    }
  }
  return p;
}

// behaviour.smuggling (docs/models/smuggling.md).
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
    if (m.name == "flee") {  // read with its table before the world existed: the Flee case builds it
      *static_cast<models::FleeParams*>(params.get()) = flee;
    } else if (m.table) {
      read_params(*m.table, *section, section_path, params.get(), pctx);
    } else if (m.name == "disasters") {
      *static_cast<models::DisasterParams*>(params.get()) =
          read_disasters(*section, w, start_day, horizon, w.events);
    } else if (m.name == "legal") {
      auto& legal = *static_cast<models::LegalParams*>(params.get());
      legal = read_legal(*section, w, start_day);
      // Pathway quotas count calendar months; giving up follows the movement model's push at origin.
      for (std::int32_t d = 1; d <= horizon; ++d)
        if (format_iso_date(start_day + d).substr(8, 2) == "01") legal.month_starts.push_back(d);
      if (const auto* economic = spec.find("economic"))
        legal.push = economic->as<models::EconomicParams>().push_index;
    } else {
      throw InternalError("mechanism " + m.name + " has neither a parameter table nor a reader");
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

SeededRun run_seeded(const std::string& path, const std::vector<std::string>& overrides, std::uint64_t seed,
                     int threads) {
  std::vector<std::string> seeded = overrides;
  seeded.push_back("run.seed=" + std::to_string(seed));
  SeededRun out;
  out.spec = load_scenario(path, seeded);
  {
    auto sim = make_simulation(out.spec, threads);
    sim->add_recorder(&out.record);
    const auto t0 = std::chrono::steady_clock::now();
    sim->run();
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return out;
}

}  // namespace migrasim::io
