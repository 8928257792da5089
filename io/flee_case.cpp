#include "io/flee_case.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <unordered_map>

#include "io/csv.hpp"
#include "io/scenario.hpp"
#include "io/yaml_tree.hpp"
#include "sim/errors.hpp"

namespace migrasim::io {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void bad(const CsvTable& t, const CsvRow& row, int field, const std::string& what) {
  throw InputError(t.mark(row, field).str() + ": " + what);
}

std::string field(const CsvRow& row, int i) {
  return i >= 0 && static_cast<std::size_t>(i) < row.fields.size()
             ? row.fields[static_cast<std::size_t>(i)].text
             : std::string();
}

double number(const CsvTable& t, const CsvRow& row, int i, const std::string& name) {
  const std::string s = field(row, i);
  double v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v))
    bad(t, row, i, name + ": got '" + s + "', expected a number");
  return v;
}

// All rows of a headerless file (CsvTable keeps the first line as its header).
std::vector<CsvRow> all_rows(const CsvTable& t) {
  std::vector<CsvRow> rows;
  CsvRow first;
  first.line = 1;
  int col = 1;
  for (const auto& h : t.header) {
    first.fields.push_back({h, col});
    col += static_cast<int>(h.size()) + 1;
  }
  rows.push_back(first);
  rows.insert(rows.end(), t.rows.begin(), t.rows.end());
  return rows;
}

std::string strip_hash(std::string s) {
  if (!s.empty() && s[0] == '#') s.erase(0, 1);
  return s;
}

}  // namespace

FleeCasePaths locate_flee_case(const std::string& dir, const std::string& simsetting) {
  FleeCasePaths p;
  fs::path d(dir);
  if (!fs::is_directory(d))
    throw InputError(dir + ": not a directory (expected a Flee case or its input folder)");
  if (fs::exists(d / "input" / "locations.csv")) {
    p.input = (d / "input").string();
    if (fs::exists(d / "validation" / "data_layout.csv")) p.validation = (d / "validation").string();
    if (fs::exists(d / "simsetting.yml")) p.simsetting = (d / "simsetting.yml").string();
  } else if (fs::exists(d / "locations.csv")) {
    p.input = d.string();
    const fs::path parent = d.lexically_normal().parent_path();
    if (fs::exists(parent / "validation" / "data_layout.csv"))
      p.validation = (parent / "validation").string();
    if (fs::exists(parent / "simsetting.yml")) p.simsetting = (parent / "simsetting.yml").string();
  } else {
    throw InputError(dir + ": no locations.csv here or in input/ (expected a Flee case)");
  }
  if (!simsetting.empty()) {
    if (!fs::exists(simsetting)) throw InputError(simsetting + ": simsetting file does not exist");
    p.simsetting = simsetting;
  }
  return p;
}

void read_flee_period(const std::string& input_dir, std::string& start_date, std::int32_t& days) {
  const std::string path = (fs::path(input_dir) / "sim_period.csv").string();
  const CsvTable t = read_csv(path, true);
  bool have_start = false, have_length = false;
  for (const auto& row : all_rows(t)) {
    const std::string key = field(row, 0);
    if (key == "StartDate") {
      std::int64_t d = 0;
      if (!parse_iso_date(field(row, 1), d))
        bad(t, row, 1, "StartDate: got '" + field(row, 1) + "', expected YYYY-MM-DD");
      start_date = format_iso_date(d);
      have_start = true;
    } else if (key == "Length") {
      const double v = number(t, row, 1, "Length");
      if (v < 1 || v > 100000 || v != std::floor(v))
        bad(t, row, 1, "Length: expected a whole number of days >= 1");
      days = static_cast<std::int32_t>(v);
      have_length = true;
    }
  }
  if (!have_start || !have_length)
    throw InputError(path + ": expected rows 'StartDate,YYYY-MM-DD' and 'Length,N'");
}

ObservedData read_observed(const std::string& validation_dir, const std::string& corrections_csv,
                           const World& world, std::int64_t start_day, std::int32_t days, double hasten) {
  ObservedData out;
  const std::string layout_path = (fs::path(validation_dir) / "data_layout.csv").string();
  const CsvTable layout = read_csv(layout_path, true);
  std::unordered_map<std::string, std::int64_t> correction_day;
  if (!corrections_csv.empty() && fs::exists(corrections_csv)) {
    const CsvTable corr = read_csv(corrections_csv, true);
    for (const auto& row : all_rows(corr)) {
      std::int64_t d = 0;
      if (!parse_iso_date(field(row, 1), d))
        bad(corr, row, 1, "got '" + field(row, 1) + "', expected a date YYYY-MM-DD");
      if (world.find_place(field(row, 0)) < 0) bad(corr, row, 0, "unknown camp '" + field(row, 0) + "'");
      const std::string method = row.fields.size() > 2 ? field(row, 2) : std::string();
      if (!method.empty() && method != "normalize")
        bad(corr, row, 2, "got '" + method + "', expected normalize (or nothing)");
      correction_day[field(row, 0)] = d;
    }
  }
  out.total.assign(static_cast<std::size_t>(days), 0.0);
  for (const auto& row : all_rows(layout)) {
    const std::string name = field(row, 0);
    if (name == "total" || name.empty()) continue;
    ObservedCamp camp;
    camp.name = name;
    camp.place = world.find_place(name);
    if (camp.place < 0) bad(layout, row, 0, "camp '" + name + "' is not a location of the case");
    const std::string series_path = (fs::path(validation_dir) / field(row, 1)).string();
    const CsvTable series = read_csv(series_path, true);
    std::vector<std::pair<std::int64_t, double>> points;
    for (const auto& r : all_rows(series)) {
      std::int64_t d = 0;
      if (!parse_iso_date(field(r, 0), d)) continue;  // header or comment lines
      points.emplace_back(d, number(series, r, 1, "count"));
    }
    if (points.empty()) throw InputError(series_path + ": no 'YYYY-MM-DD,count' rows");
    std::sort(points.begin(), points.end());
    // Registration corrections ("normalize"): a registration exercise on the correction date removed
    // people counted twice or gone; the counts before it are scaled by (count on the date) / (last count
    // before it), so that the series joins the corrected level without a drop (docs/flee.md). A count
    // that rose is left as it is.
    if (auto it = correction_day.find(name); it != correction_day.end()) {
      auto value_at = [&](std::int64_t d) {
        auto hi = std::lower_bound(points.begin(), points.end(), std::make_pair(d, -1e300));
        if (hi == points.end()) return points.back().second;
        if (hi->first == d || hi == points.begin()) return hi->second;
        auto lo = hi - 1;
        return lo->second + (hi->second - lo->second) * static_cast<double>(d - lo->first) /
                                static_cast<double>(hi->first - lo->first);
      };
      double before = 0;
      for (const auto& p : points)
        if (p.first < it->second) before = p.second;
      const double factor = before > 0 ? std::min(1.0, value_at(it->second) / before) : 1.0;
      for (auto& p : points)
        if (p.first < it->second) p.second *= factor;
    }
    camp.daily.resize(static_cast<std::size_t>(days));
    std::size_t k = 0;
    for (std::int32_t t = 0; t < days; ++t) {
      const std::int64_t d = start_day + t;
      while (k + 1 < points.size() && points[k + 1].first <= d) ++k;
      double v;
      if (d <= points.front().first)
        v = points.front().second;
      else if (k + 1 >= points.size())
        v = points.back().second;
      else
        v = points[k].second + (points[k + 1].second - points[k].second) *
                                   static_cast<double>(d - points[k].first) /
                                   static_cast<double>(points[k + 1].first - points[k].first);
      camp.daily[static_cast<std::size_t>(t)] = v / hasten;
      out.total[static_cast<std::size_t>(t)] += v / hasten;
    }
    out.camps.push_back(std::move(camp));
  }
  if (out.camps.empty()) throw InputError(layout_path + ": lists no camps");
  return out;
}

FleeBuild build_flee_case(const FleeCasePaths& paths, std::int64_t start_day, std::int32_t days,
                          double hasten, bool insert_day0, models::FleeParams rules) {
  FleeBuild b;
  b.params = std::move(rules);
  const fs::path in(paths.input);
  std::unordered_map<std::string, country_id> country_of;
  std::unordered_map<std::string, place_id> place_of;
  std::vector<std::int32_t> conflict_date;

  // locations.csv: name, region, country, latitude, longitude, location_type, conflict_date, population
  const CsvTable loc = read_csv((in / "locations.csv").string(), true);
  const std::string first_col = strip_hash(loc.header.empty() ? "" : loc.header[0]);
  if (first_col != "name") throw InputError(loc.path + ":1:1: expected a header '#name,region,country,...'");
  for (const auto& row : loc.rows) {
    if (row.fields.size() < 6)
      bad(loc, row, 0, "expected at least 6 fields: name,region,country,latitude,longitude,location_type");
    Place p;
    p.name = field(row, 0);
    if (p.name.empty()) bad(loc, row, 0, "empty location name");
    if (place_of.count(p.name)) bad(loc, row, 0, "location '" + p.name + "' is listed twice");
    const std::string country = field(row, 2);
    if (country.empty()) bad(loc, row, 2, "empty country");
    auto [cit, added] = country_of.emplace(country, static_cast<country_id>(b.countries.size()));
    if (added) b.countries.push_back({country, country});
    p.country = cit->second;
    p.lat_deg = number(loc, row, 3, "latitude");
    p.lon_deg = number(loc, row, 4, "longitude");
    models::FleeKind kind{};
    const std::string type = field(row, 5);
    if (!models::parse_flee_kind(type, kind))
      bad(loc, row, 5,
          "location_type: got '" + type +
              "', expected conflict_zone, town, camp, idpcamp, forwarding_hub or marker");
    const std::string cdate = field(row, 6);
    conflict_date.push_back(cdate.empty() ? -1
                                          : static_cast<std::int32_t>(number(loc, row, 6, "conflict_date")));
    const std::string pop = field(row, 7);
    const double population = pop.empty() ? 0 : number(loc, row, 7, "population");
    if (population < 0) bad(loc, row, 7, "population: expected >= 0");
    const bool camp = kind == models::FleeKind::camp || kind == models::FleeKind::idpcamp;
    p.kind = camp ? PlaceKind::shelter
             : (kind == models::FleeKind::forwarding_hub || kind == models::FleeKind::marker)
                 ? PlaceKind::transit_hub
                 : PlaceKind::town;
    if (camp) {
      if (pop.empty()) bad(loc, row, 7, "a camp needs its capacity in the population column");
      p.capacity = static_cast<std::int64_t>(population / hasten);
    } else {
      p.population = static_cast<std::int64_t>(population / hasten);
    }
    place_of.emplace(p.name, static_cast<place_id>(b.places.size()));
    b.places.push_back(std::move(p));
    b.params.kind.push_back(kind);
  }
  if (b.places.empty()) throw InputError(loc.path + ": no locations");
  b.params.home_country = 0;
  auto place_ref = [&](const CsvTable& t, const CsvRow& row, int i) {
    auto it = place_of.find(field(row, i));
    if (it == place_of.end()) bad(t, row, i, "unknown location '" + field(row, i) + "'");
    return it->second;
  };

  // routes.csv: name1, name2, distance, forced_redirection (1: from name2 to name1; 2: from name1 to name2)
  const CsvTable rt = read_csv((in / "routes.csv").string(), true);
  for (const auto& row : rt.rows) {
    Route r;
    r.a = place_ref(rt, row, 0);
    r.b = place_ref(rt, row, 1);
    if (r.a == r.b) bad(rt, row, 1, "a route must join two different locations");
    r.distance_km = number(rt, row, 2, "distance");
    if (!(r.distance_km > 0)) bad(rt, row, 2, "distance: expected km > 0");
    for (const auto& other : b.routes)
      if ((other.a == r.a && other.b == r.b) || (other.a == r.b && other.b == r.a))
        bad(rt, row, 0, "a route between these locations is listed twice");
    const std::string fr = field(row, 3);
    if (!fr.empty() && fr != "0") {
      if (fr == "1")
        b.params.redirects.push_back({r.b, r.a, -1});
      else if (fr == "2")
        b.params.redirects.push_back({r.a, r.b, -1});
      else
        bad(rt, row, 3, "forced_redirection: got '" + fr + "', expected empty, 0, 1 or 2");
    }
    b.routes.push_back(r);
  }
  auto route_between = [&](place_id x, place_id y) -> route_id {
    for (std::size_t k = 0; k < b.routes.size(); ++k)
      if ((b.routes[k].a == x && b.routes[k].b == y) || (b.routes[k].a == y && b.routes[k].b == x))
        return static_cast<route_id>(k);
    return -1;
  };

  // conflicts.csv: #Day, then one intensity column per location; missing: conflict_date of conflict zones.
  const auto n_places = b.places.size();
  b.params.conflict_intensity.assign(static_cast<std::size_t>(days) * n_places, 0.0f);
  const fs::path conflicts = in / "conflicts.csv";
  if (fs::exists(conflicts)) {
    const CsvTable cf = read_csv(conflicts.string(), true);
    std::vector<place_id> column_place(cf.header.size(), -1);
    for (std::size_t c = 1; c < cf.header.size(); ++c)
      if (auto it = place_of.find(cf.header[c]); it != place_of.end()) column_place[c] = it->second;
    std::vector<float> row_values(n_places, 0.0f);
    std::int32_t next_day = 0;
    for (const auto& row : cf.rows) {
      const double day_v = number(cf, row, 0, "Day");
      const auto day = static_cast<std::int32_t>(day_v);
      if (day < next_day) bad(cf, row, 0, "days must increase down the file");
      // Carry the previous row forward over days the file skips.
      for (; next_day < std::min(day, days); ++next_day)
        std::copy(row_values.begin(), row_values.end(),
                  b.params.conflict_intensity.begin() +
                      static_cast<std::ptrdiff_t>(static_cast<std::size_t>(next_day) * n_places));
      for (std::size_t c = 1; c < cf.header.size() && c < row.fields.size(); ++c) {
        if (column_place[c] < 0 || row.fields[c].text.empty()) continue;
        const double v = number(cf, row, static_cast<int>(c), cf.header[c]);
        if (v < 0 || v > 1)
          bad(cf, row, static_cast<int>(c), "conflict intensity: expected a value in [0, 1]");
        row_values[static_cast<std::size_t>(column_place[c])] = static_cast<float>(v);
      }
      if (day < days)
        std::copy(row_values.begin(), row_values.end(),
                  b.params.conflict_intensity.begin() +
                      static_cast<std::ptrdiff_t>(static_cast<std::size_t>(day) * n_places));
      next_day = std::max(next_day, day + 1);
    }
    for (; next_day < days; ++next_day)
      std::copy(row_values.begin(), row_values.end(),
                b.params.conflict_intensity.begin() +
                    static_cast<std::ptrdiff_t>(static_cast<std::size_t>(next_day) * n_places));
  } else {
    for (std::size_t p = 0; p < n_places; ++p)
      if (b.params.kind[p] == models::FleeKind::conflict_zone && conflict_date[p] >= 0)
        for (std::int32_t d = std::max(0, conflict_date[p]); d < days; ++d)
          b.params.conflict_intensity[static_cast<std::size_t>(d) * n_places + p] = 1.0f;
  }

  // closures.csv: closure_type, name1, name2, closure_start, closure_end (-1: end of run). Two-way.
  const fs::path closures = in / "closures.csv";
  if (fs::exists(closures)) {
    const CsvTable cl = read_csv(closures.string(), true);
    for (const auto& row : cl.rows) {
      const std::string type = field(row, 0);
      const auto start = static_cast<std::int32_t>(number(cl, row, 3, "closure_start"));
      const auto end = static_cast<std::int32_t>(number(cl, row, 4, "closure_end"));
      if (type == "remove_forced_redirection") {
        const place_id from = place_ref(cl, row, 1), to = place_ref(cl, row, 2);
        bool found = false;
        for (auto& r : b.params.redirects)
          if ((r.from == from && r.to == to) || (r.from == to && r.to == from)) {
            r.until_day = start;
            found = true;
          }
        if (!found) bad(cl, row, 1, "no forced redirection between these locations in routes.csv");
        continue;
      }
      Event close;
      close.day = start;
      close.action = EventAction::close_routes;
      close.target = field(row, 1) + "-" + field(row, 2);
      close.name = type + " closure " + close.target;
      if (type == "country") {
        auto c1 = country_of.find(field(row, 1)), c2 = country_of.find(field(row, 2));
        if (c1 == country_of.end()) bad(cl, row, 1, "unknown country '" + field(row, 1) + "'");
        if (c2 == country_of.end()) bad(cl, row, 2, "unknown country '" + field(row, 2) + "'");
        for (std::size_t k = 0; k < b.routes.size(); ++k) {
          const country_id x = b.places[static_cast<std::size_t>(b.routes[k].a)].country;
          const country_id y = b.places[static_cast<std::size_t>(b.routes[k].b)].country;
          if ((x == c1->second && y == c2->second) || (x == c2->second && y == c1->second))
            close.routes.push_back(static_cast<route_id>(k));
        }
      } else if (type == "location") {
        // A location closure closes the location name1: every route to or from it (Flee's rule as its
        // documentation describes it, "camp or town closure"; name2 must name a location but does not
        // narrow the closure; docs/flee.md). `link` closes the one route name1--name2.
        const place_id at = place_ref(cl, row, 1);
        if (!field(row, 2).empty()) place_ref(cl, row, 2);
        for (std::size_t k = 0; k < b.routes.size(); ++k)
          if (b.routes[k].a == at || b.routes[k].b == at) close.routes.push_back(static_cast<route_id>(k));
      } else if (type == "link") {
        const route_id r = route_between(place_ref(cl, row, 1), place_ref(cl, row, 2));
        if (r < 0) bad(cl, row, 1, "no route joins '" + field(row, 1) + "' and '" + field(row, 2) + "'");
        close.routes.push_back(r);
      } else if (type == "camp" || type == "idpcamp") {
        // The camp closes to arrivals from the named country: every route between them.
        const place_id camp = place_ref(cl, row, 1);
        auto c = country_of.find(field(row, 2));
        if (c == country_of.end()) bad(cl, row, 2, "unknown country '" + field(row, 2) + "'");
        for (std::size_t k = 0; k < b.routes.size(); ++k) {
          const place_id other = b.routes[k].a == camp   ? b.routes[k].b
                                 : b.routes[k].b == camp ? b.routes[k].a
                                                         : -1;
          if (other >= 0 && b.places[static_cast<std::size_t>(other)].country == c->second)
            close.routes.push_back(static_cast<route_id>(k));
        }
      } else {
        bad(cl, row, 0,
            "closure_type: got '" + type +
                "', expected country, location, link, camp, idpcamp or remove_forced_redirection");
      }
      if (close.routes.empty() || start >= days) continue;
      if (start < 0) bad(cl, row, 3, "closure_start: expected a day >= 0");
      Event open = close;
      open.action = EventAction::open_routes;
      open.name = type + " reopening " + close.target;
      b.events.push_back(close);
      if (end >= 0 && end < days) {
        if (end < start) bad(cl, row, 4, "closure_end: before closure_start");
        open.day = end;
        b.events.push_back(open);
      }
    }
  }

  // Spawning targets from the observed camp totals.
  if (paths.validation.empty())
    throw InputError(paths.input +
                     ": Flee spawning needs the observed data (validation/data_layout.csv) beside it");
  const World probe(b.countries, b.places, b.routes);
  const fs::path corrections = in / "registration_corrections.csv";
  b.observed = read_observed(paths.validation, fs::exists(corrections) ? corrections.string() : std::string(),
                             probe, start_day, days, hasten);
  b.params.target_total.resize(static_cast<std::size_t>(days));
  for (std::int32_t t = 0; t < days; ++t)
    b.params.target_total[static_cast<std::size_t>(t)] =
        static_cast<std::int64_t>(std::floor(b.observed.total[static_cast<std::size_t>(t)]));
  b.params.day0_camp_agents.assign(n_places, 0);
  if (insert_day0)
    for (const auto& camp : b.observed.camps)
      b.params.day0_camp_agents[static_cast<std::size_t>(camp.place)] +=
          static_cast<std::int64_t>(std::floor(camp.daily[0]));
  return b;
}

std::string flee_case_to_yaml(const FleeCasePaths& paths, const std::string& relative_to) {
  std::string start_date;
  std::int32_t days = 0;
  read_flee_period(paths.input, start_date, days);
  if (paths.validation.empty())  // (it was an exit 1: "cannot make absolute path")
    throw InputError(
        paths.input +
        ": no validation/data_layout.csv beside it or in the case folder; Flee spawning takes the "
        "observed totals (refugees.csv) from the case's validation folder");
  const fs::path base = relative_to.empty() ? fs::current_path() : fs::absolute(relative_to);
  auto rel = [&](const std::string& p) {
    return fs::absolute(p).lexically_normal().lexically_relative(base).string();
  };

  models::FleeParams d;  // Flee's defaults
  std::map<std::string, std::string> move = {{"conflict_movechance", std::to_string(d.conflict_movechance)},
                                             {"camp_movechance", std::to_string(d.camp_movechance)},
                                             {"idpcamp_movechance", std::to_string(d.idpcamp_movechance)},
                                             {"default_movechance", std::to_string(d.default_movechance)},
                                             {"awareness_level", std::to_string(d.awareness_level)},
                                             {"weight_softening", std::to_string(d.weight_softening)},
                                             {"softening", std::to_string(d.softening)},
                                             {"distance_power", std::to_string(d.distance_power)},
                                             {"weight_power", std::to_string(d.weight_power)},
                                             {"camp_weight", std::to_string(d.camp_weight)},
                                             {"foreign_weight", std::to_string(d.foreign_weight)},
                                             {"conflict_weight", std::to_string(d.conflict_weight)},
                                             {"max_move_speed", std::to_string(d.max_move_speed)},
                                             {"max_walk_speed", std::to_string(d.max_walk_speed)},
                                             {"start_on_foot", d.start_on_foot ? "true" : "false"},
                                             {"capacity_buffer", std::to_string(d.capacity_buffer)},
                                             {"capacity_scaling", std::to_string(d.capacity_scaling)}};
  std::string decay = "[1.0]", insert_day0 = "true", hasten = "1";
  if (!paths.simsetting.empty()) {
    const YamlNode s = load_yaml_file(paths.simsetting);
    if (const YamlNode* mr = s.find("move_rules"); mr && mr->is_map())
      for (const auto& [k, v] : mr->entries)
        if (move.count(k) && v.is_scalar()) move[k] = v.scalar;
    if (const YamlNode* sr = s.find("spawn_rules"); sr && sr->is_map()) {
      if (const YamlNode* cd = sr->find("conflict_spawn_decay"); cd && cd->is_sequence()) {
        decay = "[";
        for (std::size_t i = 0; i < cd->items.size(); ++i) decay += (i ? ", " : "") + cd->items[i].scalar;
        decay += "]";
      }
      if (const YamlNode* i0 = sr->find("insert_day0"); i0 && i0->is_scalar()) insert_day0 = i0->scalar;
    }
    if (const YamlNode* op = s.find("optimisations"); op && op->is_map())
      if (const YamlNode* h = op->find("hasten"); h && h->is_scalar()) hasten = h->scalar;
  }
  for (auto& c : insert_day0) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::ostringstream y;
  y << "# A Flee case as a migrasim scenario (written by `migrasim import-flee`).\n"
    << "# Places, routes, closures, conflicts and observed camp counts are read from the Flee files named\n"
    << "# below; every Flee parameter is written out (from "
    << (paths.simsetting.empty() ? "Flee's defaults" : rel(paths.simsetting)) << "). See docs/flee.md.\n"
    << "run:\n  start_date: " << start_date << "\n  days: " << days << "\n  seed: 1\n"
    << "flee_case:\n  input: " << rel(paths.input) << "\n  validation: " << rel(paths.validation) << "\n"
    << "behaviour:\n  model: flee\n  flee:\n"
    << "    variant: flee  # Flee's published rules; 'improved' adds full-day travel (docs/flee.md)\n"
    << "    hasten: " << hasten << "\n    spawn_rules:\n"
    << "      insert_day0: " << insert_day0 << "\n      conflict_spawn_decay: " << decay
    << "\n    move_rules:\n";
  for (const auto& [k, v] : move) y << "      " << k << ": " << v << "\n";
  return y.str();
}

}  // namespace migrasim::io
