#include <hdf5.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "io/hdf5_reader.hpp"
#include "io/hdf5_writer.hpp"
#include "sim/errors.hpp"
#include "sim/memory_recorder.hpp"
#include "sim/population.hpp"
#include "sim/recorder.hpp"
#include "sim/world.hpp"

namespace fs = std::filesystem;
using namespace migrasim;

namespace {

// A fresh directory under the system temp directory, removed with everything in it.
struct TempDir {
  fs::path dir;
  TempDir() {
    static int counter = 0;
    dir = fs::temp_directory_path() / ("migrasim_hdf5_test_" + std::to_string(static_cast<long>(::getpid())) +
                                       "_" + std::to_string(++counter));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string file(const std::string& name) const { return (dir / name).string(); }
};

std::string partial_of(const std::string& path) {
  return path + ".partial-" + std::to_string(static_cast<long>(::getpid()));
}

World tiny_world() {
  std::vector<Country> countries{{"HND", "Honduras"}, {"GTM", "Guatemala"}, {"MEX", "Mexico"}};
  std::vector<Place> places(4);
  places[0] = {"Tegucigalpa", 0, PlaceKind::town, 14.07, -87.19, 1000000, -1};
  places[1] = {"Esquipulas", 1, PlaceKind::border_crossing, 14.56, -89.35, 50000, -1};
  places[2] = {"Tapachula", 2, PlaceKind::transit_hub, 14.90, -92.26, 350000, -1};
  places[3] = {"Tijuana", 2, PlaceKind::destination, 32.51, -117.04, 1900000, -1};
  std::vector<Route> routes(3);
  routes[0] = {0, 1, 220.0, TravelMode::road, false};
  routes[1] = {1, 2, 410.5, TravelMode::foot, false};
  routes[2] = {2, 3, 2900.0, TravelMode::air, false};
  return World(std::move(countries), std::move(places), std::move(routes));
}

constexpr int S = legal_status_count;

// Deterministic per-day values.
std::int64_t pop_value(int day, int place, int status) {
  return day * 1000 + place * 10 + status;
}
std::int64_t stranded_value(int day, int place) {
  return day * 7 + place;
}
std::int64_t on_route_value(int day, int route) {
  return day * 3 + route * 100;
}
std::int64_t flow_value(int day, int route) {
  return day + route;
}
std::int64_t spawned_value(int day) {
  return 10 + day;
}

struct DayData {
  std::vector<std::int64_t> population, stranded, on_route, flow;
};

DayData make_day(const World& w, int day) {
  DayData d;
  for (int p = 0; p < w.place_count(); ++p) {
    for (int s = 0; s < S; ++s) d.population.push_back(pop_value(day, p, s));
    d.stranded.push_back(stranded_value(day, p));
  }
  for (int r = 0; r < w.route_count(); ++r) {
    d.on_route.push_back(on_route_value(day, r));
    d.flow.push_back(flow_value(day, r));
  }
  return d;
}

// `spawned_offset` tells runs apart (the members of an ensemble file).
void feed_day(Recorder& rec, const World& w, int day, std::int64_t spawned_offset = 0) {
  const DayData d = make_day(w, day);
  DayRecord r;
  r.day = day;
  r.population = &d.population;
  r.stranded = &d.stranded;
  r.on_route = &d.on_route;
  r.flow = &d.flow;
  r.spawned_today = spawned_value(day) + spawned_offset;
  rec.on_day(r);
}

RunInfo run_info(const World& w, std::int32_t days) {
  RunInfo info;
  info.world = &w;
  info.start_date = "2024-01-01";
  info.days = days;
  info.seed = 12345678901234567ull;
  info.threads = 2;
  return info;
}

io::Provenance provenance(const std::string& scenario_text) {
  io::Provenance p;
  p.scenario_path = "scenarios/tiny.yaml";
  p.scenario_text = scenario_text;
  p.resolved_scenario = "name: tiny\ndays: 70\n";
  p.seed = 12345678901234567ull;
  p.threads = 2;
  p.wall_seconds = 1.5;
  p.command_line = "migrasim run scenarios/tiny.yaml -o out.h5";
  return p;
}

// --- Reading back with the C API
// --------------------------------------------------------------------------------

struct H5 {
  hid_t id;
  herr_t (*closer)(hid_t);
  H5(hid_t i, herr_t (*c)(hid_t)) : id(i), closer(c) { REQUIRE(id >= 0); }
  ~H5() { closer(id); }
  H5(const H5&) = delete;
  H5& operator=(const H5&) = delete;
};

bool exists(hid_t loc, const char* name) {
  return H5Lexists(loc, name, H5P_DEFAULT) > 0;
}

std::vector<hsize_t> dims_of(hid_t loc, const char* name) {
  H5 ds(H5Dopen2(loc, name, H5P_DEFAULT), H5Dclose);
  H5 space(H5Dget_space(ds.id), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.id);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  return dims;
}

std::vector<hsize_t> maxdims_of(hid_t loc, const char* name) {
  H5 ds(H5Dopen2(loc, name, H5P_DEFAULT), H5Dclose);
  H5 space(H5Dget_space(ds.id), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.id);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank)), maxdims(static_cast<std::size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space.id, dims.data(), maxdims.data());
  return maxdims;
}

template <class T>
std::vector<T> read_numbers(hid_t loc, const char* name, hid_t mem_type) {
  H5 ds(H5Dopen2(loc, name, H5P_DEFAULT), H5Dclose);
  H5 space(H5Dget_space(ds.id), H5Sclose);
  const auto n = H5Sget_simple_extent_npoints(space.id);
  std::vector<T> out(static_cast<std::size_t>(n));
  if (n > 0) REQUIRE(H5Dread(ds.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) >= 0);
  return out;
}

hid_t string_type() {
  const hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

std::vector<std::string> read_strings(hid_t loc, const char* name) {
  H5 ds(H5Dopen2(loc, name, H5P_DEFAULT), H5Dclose);
  H5 ftype(H5Dget_type(ds.id), H5Tclose);
  REQUIRE(H5Tis_variable_str(ftype.id) > 0);
  REQUIRE(H5Tget_cset(ftype.id) == H5T_CSET_UTF8);
  H5 space(H5Dget_space(ds.id), H5Sclose);
  const auto n = H5Sget_simple_extent_npoints(space.id);
  std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
  H5 mtype(string_type(), H5Tclose);
  if (n > 0) REQUIRE(H5Dread(ds.id, mtype.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) >= 0);
  std::vector<std::string> out;
  for (char* p : ptrs) {
    out.emplace_back(p ? p : "");
    H5free_memory(p);
  }
  return out;
}

std::string string_attr(hid_t obj, const char* name) {
  REQUIRE(H5Aexists(obj, name) > 0);
  H5 attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  H5 mtype(string_type(), H5Tclose);
  char* p = nullptr;
  REQUIRE(H5Aread(attr.id, mtype.id, &p) >= 0);
  std::string s = p ? p : "";
  H5free_memory(p);
  return s;
}

template <class T>
T numeric_attr(hid_t obj, const char* name, hid_t mem_type) {
  REQUIRE(H5Aexists(obj, name) > 0);
  H5 attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  T v{};
  REQUIRE(H5Aread(attr.id, mem_type, &v) >= 0);
  return v;
}

bool is_attached(hid_t loc, const char* var, const char* scale, unsigned idx) {
  H5 ds(H5Dopen2(loc, var, H5P_DEFAULT), H5Dclose);
  H5 sc(H5Dopen2(loc, scale, H5P_DEFAULT), H5Dclose);
  return H5DSis_scale(sc.id) > 0 && H5DSis_attached(ds.id, sc.id, idx) > 0;
}

std::vector<hsize_t> chunk_of(hid_t loc, const char* name, int* nfilters) {
  H5 ds(H5Dopen2(loc, name, H5P_DEFAULT), H5Dclose);
  H5 dcpl(H5Dget_create_plist(ds.id), H5Pclose);
  REQUIRE(H5Pget_layout(dcpl.id) == H5D_CHUNKED);
  std::vector<hsize_t> chunk(8);
  const int rank = H5Pget_chunk(dcpl.id, 8, chunk.data());
  chunk.resize(static_cast<std::size_t>(rank));
  *nfilters = H5Pget_nfilters(dcpl.id);
  return chunk;
}

bool has_deflate(hid_t loc, const char* name) {
  H5 ds(H5Dopen2(loc, name, H5P_DEFAULT), H5Dclose);
  H5 dcpl(H5Dget_create_plist(ds.id), H5Pclose);
  unsigned flags = 0;
  std::size_t n = 0;
  return H5Pget_filter_by_id2(dcpl.id, H5Z_FILTER_DEFLATE, &flags, &n, nullptr, 0, nullptr, nullptr) >= 0;
}

struct Silence {
  H5E_auto2_t f = nullptr;
  void* d = nullptr;
  Silence() {
    H5Eget_auto2(H5E_DEFAULT, &f, &d);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~Silence() { H5Eset_auto2(H5E_DEFAULT, f, d); }
};

}  // namespace

TEST_CASE("Hdf5Writer writes the documented layout and values", "[io]") {
  TempDir tmp;
  const World w = tiny_world();
  const std::string path = tmp.file("out.h5");
  const int days = 70;  // more than two time chunks, the last one partial
  std::string scenario_text = "name: tiny  # ünïcode ✓\n";
  while (scenario_text.size() < 200000)
    scenario_text += "# a long comment line to make the scenario text large\n";

  {
    io::Hdf5Writer writer(path);
    CHECK(writer.path() == path);
    writer.on_start(run_info(w, days));
    CHECK(fs::exists(partial_of(path)));
    CHECK_FALSE(fs::exists(path));
    writer.on_event({3, "close_border GTM-MEX", "close_routes", "GTM-MEX", 0.0, 1});
    writer.on_event({10, "slow", "set_travel_time_factor", "Tapachula--Tijuana", 1.5, 1});
    for (int d = 0; d < days; ++d) feed_day(writer, w, d);
    writer.commit(provenance(scenario_text));
    CHECK(fs::exists(path));
    CHECK_FALSE(fs::exists(partial_of(path)));
  }
  CHECK(fs::exists(path));
  CHECK_FALSE(fs::exists(partial_of(path)));

  H5 f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);

  SECTION("global attributes") {
    CHECK(string_attr(f.id, "title") == "migrasim output");
    CHECK(string_attr(f.id, "Conventions") == "CF-1.8");
    CHECK(string_attr(f.id, "start_date") == "2024-01-01");
    CHECK(numeric_attr<std::int32_t>(f.id, "days", H5T_NATIVE_INT32) == days);
    CHECK(numeric_attr<std::uint64_t>(f.id, "seed", H5T_NATIVE_UINT64) == 12345678901234567ull);
  }

  SECTION("dimensions and coordinates") {
    CHECK(dims_of(f.id, "time") == std::vector<hsize_t>{days});
    CHECK(maxdims_of(f.id, "time") == std::vector<hsize_t>{H5S_UNLIMITED});
    const auto time = read_numbers<std::int32_t>(f.id, "time", H5T_NATIVE_INT32);
    for (int d = 0; d < days; ++d) CHECK(time[static_cast<std::size_t>(d)] == d);
    {
      H5 t(H5Dopen2(f.id, "time", H5P_DEFAULT), H5Dclose);
      CHECK(string_attr(t.id, "units") == "days since 2024-01-01");
      CHECK(H5DSis_scale(t.id) > 0);
    }
    CHECK(read_strings(f.id, "location") ==
          std::vector<std::string>{"Tegucigalpa", "Esquipulas", "Tapachula", "Tijuana"});
    const auto statuses = read_strings(f.id, "legal_status");
    REQUIRE(statuses.size() == static_cast<std::size_t>(S));
    CHECK(statuses[0] == "in_transit");
    CHECK(statuses[static_cast<std::size_t>(S - 2)] == "dead");
    CHECK(statuses[static_cast<std::size_t>(S - 1)] == "missing");
    CHECK(read_strings(f.id, "edge") ==
          std::vector<std::string>{"Tegucigalpa--Esquipulas", "Esquipulas--Tapachula", "Tapachula--Tijuana"});
    CHECK(read_strings(f.id, "location_country") == std::vector<std::string>{"HND", "GTM", "MEX", "MEX"});
    CHECK(read_strings(f.id, "location_kind") ==
          std::vector<std::string>{"town", "border_crossing", "transit_hub", "destination"});
    CHECK(read_numbers<double>(f.id, "location_lat", H5T_NATIVE_DOUBLE)[3] == Approx(32.51));
    CHECK(read_numbers<double>(f.id, "location_lon", H5T_NATIVE_DOUBLE)[0] == Approx(-87.19));
    CHECK(read_numbers<double>(f.id, "edge_distance_km", H5T_NATIVE_DOUBLE) ==
          std::vector<double>{220.0, 410.5, 2900.0});
    CHECK(read_strings(f.id, "edge_mode") == std::vector<std::string>{"road", "foot", "air"});
    CHECK(is_attached(f.id, "location_lat", "location", 0));
    CHECK(is_attached(f.id, "edge_mode", "edge", 0));
    H5 lat(H5Dopen2(f.id, "location_lat", H5P_DEFAULT), H5Dclose);
    CHECK(string_attr(lat.id, "units") == "degrees_north");
  }

  SECTION("time-dependent variables") {
    const std::size_t P = 4, R = 3;
    CHECK(dims_of(f.id, "population") == std::vector<hsize_t>{days, P, S});
    CHECK(dims_of(f.id, "stranded") == std::vector<hsize_t>{days, P});
    CHECK(dims_of(f.id, "on_route") == std::vector<hsize_t>{days, R});
    CHECK(dims_of(f.id, "flow") == std::vector<hsize_t>{days, R});
    CHECK(dims_of(f.id, "spawned") == std::vector<hsize_t>{days});
    CHECK(maxdims_of(f.id, "population")[0] == H5S_UNLIMITED);

    const auto pop = read_numbers<std::int64_t>(f.id, "population", H5T_NATIVE_INT64);
    const auto str = read_numbers<std::int64_t>(f.id, "stranded", H5T_NATIVE_INT64);
    const auto onr = read_numbers<std::int64_t>(f.id, "on_route", H5T_NATIVE_INT64);
    const auto flw = read_numbers<std::int64_t>(f.id, "flow", H5T_NATIVE_INT64);
    const auto spw = read_numbers<std::int64_t>(f.id, "spawned", H5T_NATIVE_INT64);
    bool all_ok = true;
    for (int d = 0; d < days; ++d) {
      const auto du = static_cast<std::size_t>(d);
      for (std::size_t p = 0; p < P; ++p) {
        for (std::size_t s = 0; s < static_cast<std::size_t>(S); ++s)
          all_ok &= pop[(du * P + p) * S + s] == pop_value(d, static_cast<int>(p), static_cast<int>(s));
        all_ok &= str[du * P + p] == stranded_value(d, static_cast<int>(p));
      }
      for (std::size_t r = 0; r < R; ++r) {
        all_ok &= onr[du * R + r] == on_route_value(d, static_cast<int>(r));
        all_ok &= flw[du * R + r] == flow_value(d, static_cast<int>(r));
      }
      all_ok &= spw[du] == spawned_value(d);
    }
    CHECK(all_ok);

    CHECK(is_attached(f.id, "population", "time", 0));
    CHECK(is_attached(f.id, "population", "location", 1));
    CHECK(is_attached(f.id, "population", "legal_status", 2));
    CHECK(is_attached(f.id, "stranded", "location", 1));
    CHECK(is_attached(f.id, "on_route", "edge", 1));
    CHECK(is_attached(f.id, "flow", "edge", 1));
    CHECK(is_attached(f.id, "spawned", "time", 0));

    int nfilters = 0;
    const auto chunk = chunk_of(f.id, "population", &nfilters);
    REQUIRE(chunk.size() == 3);
    CHECK(chunk[0] >= 1);
    CHECK(chunk[0] <= 32);
    CHECK(nfilters >= 1);
    CHECK(has_deflate(f.id, "population"));
    H5 ds(H5Dopen2(f.id, "population", H5P_DEFAULT), H5Dclose);
    CHECK(string_attr(ds.id, "units") == "persons");
    CHECK_FALSE(string_attr(ds.id, "long_name").empty());
  }

  SECTION("events group") {
    H5 g(H5Gopen2(f.id, "events", H5P_DEFAULT), H5Gclose);
    CHECK(read_numbers<std::int32_t>(g.id, "event", H5T_NATIVE_INT32) == std::vector<std::int32_t>{0, 1});
    CHECK(read_numbers<std::int32_t>(g.id, "day", H5T_NATIVE_INT32) == std::vector<std::int32_t>{3, 10});
    CHECK(read_strings(g.id, "name") == std::vector<std::string>{"close_border GTM-MEX", "slow"});
    CHECK(read_strings(g.id, "action") == std::vector<std::string>{"close_routes", "set_travel_time_factor"});
    CHECK(read_strings(g.id, "target") == std::vector<std::string>{"GTM-MEX", "Tapachula--Tijuana"});
    CHECK(read_numbers<double>(g.id, "value", H5T_NATIVE_DOUBLE) == std::vector<double>{0.0, 1.5});
    CHECK(read_numbers<std::int32_t>(g.id, "routes_affected", H5T_NATIVE_INT32) ==
          std::vector<std::int32_t>{1, 1});
    for (const char* v : {"day", "name", "action", "target", "value", "routes_affected"})
      CHECK(is_attached(g.id, v, "event", 0));
  }

  SECTION("provenance group") {
    H5 g(H5Gopen2(f.id, "provenance", H5P_DEFAULT), H5Gclose);
    CHECK(read_strings(g.id, "scenario_text") == std::vector<std::string>{scenario_text});
    CHECK(read_strings(g.id, "resolved_scenario") == std::vector<std::string>{"name: tiny\ndays: 70\n"});
    CHECK(string_attr(g.id, "scenario_path") == "scenarios/tiny.yaml");
    CHECK(string_attr(g.id, "command_line") == "migrasim run scenarios/tiny.yaml -o out.h5");
    CHECK(numeric_attr<std::uint64_t>(g.id, "seed", H5T_NATIVE_UINT64) == 12345678901234567ull);
    CHECK(numeric_attr<std::int32_t>(g.id, "threads", H5T_NATIVE_INT32) == 2);
    CHECK(numeric_attr<double>(g.id, "wall_seconds", H5T_NATIVE_DOUBLE) == 1.5);
    CHECK_FALSE(string_attr(g.id, "migrasim_version").empty());
    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
    CHECK(string_attr(g.id, "hdf5_version") ==
          std::to_string(maj) + "." + std::to_string(min) + "." + std::to_string(rel));
    CHECK_FALSE(string_attr(g.id, "compiler").empty());
    const std::string created = string_attr(g.id, "created_utc");
    REQUIRE(created.size() == 20);
    CHECK(created[10] == 'T');
    CHECK(created.back() == 'Z');
  }

  SECTION("summarise_file") {
    const std::string text = io::summarise_file(path);
    CHECK_THAT(text, Catch::Contains("2024-01-01"));
    CHECK_THAT(text, Catch::Contains("12345678901234567"));
    CHECK_THAT(text, Catch::Contains("places:       4"));
    CHECK_THAT(text, Catch::Contains("routes:       3"));
    CHECK_THAT(text, Catch::Contains("migrasim"));
    CHECK_THAT(text, Catch::Contains("1.5 s"));
    CHECK_THAT(text, Catch::Contains("final day 69 (2024-03-10)"));
    // Final day 69: in_transit = sum over places of 69000 + 10 p = 4 * 69000 + 60.
    CHECK_THAT(text, Catch::Contains("in_transit"));
    CHECK_THAT(text, Catch::Contains(std::to_string(4 * 69000 + 60)));
    // Stranded: sum of 69 * 7 + p; spawned: sum over days of 10 + d.
    CHECK_THAT(text, Catch::Contains(std::to_string(4 * 69 * 7 + 6)));
    CHECK_THAT(text, Catch::Contains(std::to_string(70 * 10 + 69 * 70 / 2)));
    CHECK_THAT(text, Catch::Contains("1. Tijuana (MEX)"));  // highest place index has the largest values
  }
}

TEST_CASE("Hdf5Writer respects the record options and writes empty event tables", "[io]") {
  TempDir tmp;
  const World w = tiny_world();
  const std::string path = tmp.file("sub.h5");
  io::Hdf5Options opt;
  opt.compression_level = 0;
  opt.record_population = false;
  opt.record_flow = false;
  {
    io::Hdf5Writer writer(path, opt);
    writer.on_start(run_info(w, 5));
    for (int d = 0; d < 5; ++d) feed_day(writer, w, d);
    writer.commit(provenance("name: tiny\n"));
  }
  H5 f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  CHECK_FALSE(exists(f.id, "population"));
  CHECK_FALSE(exists(f.id, "flow"));
  CHECK(exists(f.id, "stranded"));
  CHECK(exists(f.id, "on_route"));
  CHECK(dims_of(f.id, "spawned") == std::vector<hsize_t>{5});
  int nfilters = -1;
  chunk_of(f.id, "stranded", &nfilters);
  CHECK(nfilters == 0);
  H5 g(H5Gopen2(f.id, "events", H5P_DEFAULT), H5Gclose);
  CHECK(dims_of(g.id, "event") == std::vector<hsize_t>{0});
  CHECK(dims_of(g.id, "name") == std::vector<hsize_t>{0});
  CHECK(read_strings(g.id, "target").empty());

  const std::string text = io::summarise_file(path);
  CHECK_THAT(text, Catch::Contains("not recorded"));
}

TEST_CASE("Hdf5Writer handles a world without routes", "[io]") {
  TempDir tmp;
  const World w({{"AAA", "A"}}, {{"Alone", 0, PlaceKind::town, 1.0, 2.0, 10, -1}}, {});
  const std::string path = tmp.file("noroutes.h5");
  {
    io::Hdf5Writer writer(path);
    writer.on_start(run_info(w, 3));
    for (int d = 0; d < 3; ++d) feed_day(writer, w, d);
    writer.commit(provenance(""));
  }
  {
    H5 f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    CHECK(dims_of(f.id, "edge") == std::vector<hsize_t>{0});
    CHECK(dims_of(f.id, "on_route") == std::vector<hsize_t>{3, 0});
    CHECK(dims_of(f.id, "flow") == std::vector<hsize_t>{3, 0});
    CHECK(dims_of(f.id, "population") == std::vector<hsize_t>{3, 1, S});
  }
  CHECK_THAT(io::summarise_file(path), Catch::Contains("routes:       0"));
}

TEST_CASE("Hdf5Writer writes the world's attributes as text coordinates of places and routes", "[io]") {
  TempDir tmp;
  const World base = tiny_world();
  const World w(base.countries(), base.places(), base.routes(),
                {{"region", "region name", "locations.csv, column 9", {"a", "", "b, c", "d"}}},
                {{"link_type", "", "", {"drive", "walk", ""}}});
  const std::string path = tmp.file("attributes.h5");
  {
    io::Hdf5Writer writer(path);
    writer.on_start(run_info(w, 2));
    for (int d = 0; d < 2; ++d) feed_day(writer, w, d);
    writer.commit(provenance(""));
  }
  H5 f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  CHECK(read_strings(f.id, "location_attribute_region") == std::vector<std::string>{"a", "", "b, c", "d"});
  CHECK(is_attached(f.id, "location_attribute_region", "location", 0));
  CHECK(read_strings(f.id, "edge_attribute_link_type") == std::vector<std::string>{"drive", "walk", ""});
  CHECK(is_attached(f.id, "edge_attribute_link_type", "edge", 0));
  {
    H5 ds(H5Dopen2(f.id, "location_attribute_region", H5P_DEFAULT), H5Dclose);
    CHECK(string_attr(ds.id, "long_name") == "region name");
    CHECK(string_attr(ds.id, "source") == "locations.csv, column 9");
    H5 pop(H5Dopen2(f.id, "population", H5P_DEFAULT), H5Dclose);
    CHECK_THAT(string_attr(pop.id, "coordinates"), Catch::EndsWith(" location_attribute_region"));
    H5 flow(H5Dopen2(f.id, "flow", H5P_DEFAULT), H5Dclose);
    CHECK_THAT(string_attr(flow.id, "coordinates"), Catch::EndsWith(" edge_attribute_link_type"));
  }
  {
    H5 ds(H5Dopen2(f.id, "edge_attribute_link_type", H5P_DEFAULT), H5Dclose);
    CHECK(string_attr(ds.id, "long_name") == "link_type");  // no long name given: the name
    CHECK(H5Aexists(ds.id, "source") == 0);
  }
  const std::string info = io::summarise_file(path);
  CHECK_THAT(info, Catch::Contains("places:       4 (attributes: region)"));
  CHECK_THAT(info, Catch::Contains("routes:       3 (attributes: link_type)"));
}

TEST_CASE("Hdf5Writer overwrites an existing file on commit", "[io]") {
  TempDir tmp;
  const World w = tiny_world();
  const std::string path = tmp.file("again.h5");
  { std::ofstream(path) << "old contents"; }
  {
    io::Hdf5Writer writer(path);
    writer.on_start(run_info(w, 2));
    feed_day(writer, w, 0);
    feed_day(writer, w, 1);
    writer.commit(provenance(""));
  }
  CHECK(H5Fis_hdf5(path.c_str()) > 0);
  CHECK_FALSE(fs::exists(partial_of(path)));
}

TEST_CASE("Hdf5Writer destroyed without commit leaves no file", "[io]") {
  TempDir tmp;
  const World w = tiny_world();
  const std::string path = tmp.file("aborted.h5");
  SECTION("plain destruction") {
    {
      io::Hdf5Writer writer(path);
      writer.on_start(run_info(w, 40));
      for (int d = 0; d < 35; ++d) feed_day(writer, w, d);
      CHECK(fs::exists(partial_of(path)));
    }
  }
  SECTION("exception during the run") {
    try {
      io::Hdf5Writer writer(path);
      writer.on_start(run_info(w, 10));
      feed_day(writer, w, 0);
      throw std::runtime_error("model failed");
    } catch (const std::runtime_error&) {
    }
  }
  SECTION("a bad day record") {
    io::Hdf5Writer writer(path);
    writer.on_start(run_info(w, 10));
    const std::vector<std::int64_t> too_short(3, 0);
    DayRecord r;
    r.population = &too_short;
    CHECK_THROWS_AS(writer.on_day(r), InternalError);
  }
  CHECK_FALSE(fs::exists(path));
  CHECK_FALSE(fs::exists(partial_of(path)));
  CHECK(fs::is_empty(tmp.dir));
}

TEST_CASE("Hdf5Writer reports an unusable output path as InputError", "[io]") {
  TempDir tmp;
  const World w = tiny_world();
  SECTION("missing directory") {
    const std::string path = tmp.file("no/such/dir/out.h5");
    io::Hdf5Writer writer(path);
    CHECK_THROWS_AS(writer.on_start(run_info(w, 3)), InputError);
    try {
      writer.on_start(run_info(w, 3));
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), Catch::Contains(path));
    }
  }
  SECTION("path is a directory") {
    CHECK_THROWS_WITH(io::Hdf5Writer(tmp.dir.string()), Catch::Contains("(a folder); expected a file name"));
  }
  SECTION("path is a device node, or a link to one: never replaced") {
    CHECK_THROWS_WITH(io::Hdf5Writer("/dev/null"),
                      Catch::Contains("/dev/null: exists and is not a regular file"));
    const std::string link = tmp.file("null.h5");
    fs::create_symlink("/dev/null", link);
    CHECK_THROWS_AS(io::Hdf5Writer(link), InputError);
    CHECK(fs::is_symlink(link));
    fs::remove(link);
    CHECK(fs::is_character_file("/dev/null"));
  }
  SECTION("bad compression level") {
    io::Hdf5Options opt;
    opt.compression_level = 10;
    CHECK_THROWS_AS(io::Hdf5Writer(tmp.file("x.h5"), opt), InputError);
  }
  CHECK(fs::is_empty(tmp.dir));
}

namespace {

// Model series for the tests: two share the new dimension "programme", one reuses "location", one has no
// dimension after time.
std::vector<SeriesSpec> model_specs(const World& w) {
  std::vector<std::string> places;
  for (const Place& p : w.places()) places.push_back(p.name);
  return {
      {"programme_queue",
       "people waiting for a decision",
       "persons",
       {"programme"},
       {{"asylum_MEX", "cbp_one", "parole_USA"}}},
      {"programme_decisions",
       "decisions taken that day",
       "persons",
       {"programme", "outcome"},
       {{"asylum_MEX", "cbp_one", "parole_USA"}, {"granted", "refused"}}},
      {"deported", "people deported from each place", "persons", {"location"}, {places}},
      {"raids", "raids that day", "1", {}, {}},
  };
}

// Deterministic values of series k on a day (row-major, `n` values).
std::vector<std::int64_t> series_values(std::size_t k, int day, std::size_t n) {
  std::vector<std::int64_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::int64_t>(k * 100000 + i * 1000) + day;
  return v;
}

void feed_day_with_series(Recorder& rec, const World& w, int day, const std::vector<SeriesSpec>& specs) {
  const DayData d = make_day(w, day);
  std::vector<std::vector<std::int64_t>> values;
  for (std::size_t k = 0; k < specs.size(); ++k) values.push_back(series_values(k, day, specs[k].size()));
  DayRecord r;
  r.day = day;
  r.population = &d.population;
  r.stranded = &d.stranded;
  r.on_route = &d.on_route;
  r.flow = &d.flow;
  r.spawned_today = spawned_value(day);
  for (const auto& v : values) r.series.push_back(&v);
  rec.on_day(r);
}

void check_model_series_file(const std::string& path, const World& w, int days) {
  const auto specs = model_specs(w);
  H5 f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  const auto D = static_cast<hsize_t>(days);
  CHECK(dims_of(f.id, "programme_queue") == std::vector<hsize_t>{D, 3});
  CHECK(dims_of(f.id, "programme_decisions") == std::vector<hsize_t>{D, 3, 2});
  CHECK(dims_of(f.id, "deported") == std::vector<hsize_t>{D, 4});
  CHECK(dims_of(f.id, "raids") == std::vector<hsize_t>{D});
  CHECK(maxdims_of(f.id, "programme_decisions")[0] == H5S_UNLIMITED);
  // New dimensions: string scales with the labels, created once; "location" is the kernel's.
  CHECK(read_strings(f.id, "programme") == std::vector<std::string>{"asylum_MEX", "cbp_one", "parole_USA"});
  CHECK(read_strings(f.id, "outcome") == std::vector<std::string>{"granted", "refused"});
  CHECK(read_strings(f.id, "location") ==
        std::vector<std::string>{"Tegucigalpa", "Esquipulas", "Tapachula", "Tijuana"});
  CHECK(is_attached(f.id, "programme_queue", "time", 0));
  CHECK(is_attached(f.id, "programme_queue", "programme", 1));
  CHECK(is_attached(f.id, "programme_decisions", "time", 0));
  CHECK(is_attached(f.id, "programme_decisions", "programme", 1));
  CHECK(is_attached(f.id, "programme_decisions", "outcome", 2));
  CHECK(is_attached(f.id, "deported", "location", 1));
  CHECK(is_attached(f.id, "raids", "time", 0));
  {
    H5 ds(H5Dopen2(f.id, "programme_decisions", H5P_DEFAULT), H5Dclose);
    CHECK(string_attr(ds.id, "long_name") == "decisions taken that day");
    CHECK(string_attr(ds.id, "units") == "persons");
    H5 type(H5Dget_type(ds.id), H5Tclose);
    CHECK(H5Tequal(type.id, H5T_STD_I64LE) > 0);
  }
  int nfilters = 0;
  const auto chunk = chunk_of(f.id, "programme_decisions", &nfilters);
  REQUIRE(chunk.size() == 3);
  CHECK(chunk[0] <= 32);
  CHECK(has_deflate(f.id, "programme_decisions"));
  const char* names[] = {"programme_queue", "programme_decisions", "deported", "raids"};
  for (std::size_t k = 0; k < specs.size(); ++k) {
    INFO(names[k]);
    const auto all = read_numbers<std::int64_t>(f.id, names[k], H5T_NATIVE_INT64);
    const std::size_t n = specs[k].size();
    REQUIRE(all.size() == static_cast<std::size_t>(days) * n);
    bool ok = true;
    for (int d = 0; d < days; ++d) {
      const auto want = series_values(k, d, n);
      ok &= std::equal(want.begin(), want.end(),
                       all.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(d) * n));
    }
    CHECK(ok);
  }
  // The kernel's variables are unchanged.
  CHECK(dims_of(f.id, "population") == std::vector<hsize_t>{D, 4, S});
  CHECK(read_numbers<std::int64_t>(f.id, "spawned", H5T_NATIVE_INT64).back() == spawned_value(days - 1));
}

}  // namespace

TEST_CASE("Hdf5Writer writes the models' series with new and shared dimensions", "[io][series]") {
  TempDir tmp;
  const World w = tiny_world();
  const std::string path = tmp.file("series.h5");
  const int days = 40;  // more than one time chunk
  RunInfo info = run_info(w, days);
  info.series = model_specs(w);
  {
    io::Hdf5Writer writer(path);
    writer.on_start(info);
    for (int d = 0; d < days; ++d) feed_day_with_series(writer, w, d, info.series);
    writer.commit(provenance("name: tiny\n"));
  }
  check_model_series_file(path, w, days);

  // migrasim info lists them with their final-day totals.
  const std::string text = io::summarise_file(path);
  CHECK_THAT(text, Catch::Contains("model series"));
  auto total = [&](std::size_t k) {
    const auto v = series_values(k, days - 1, info.series[k].size());
    return std::to_string(std::accumulate(v.begin(), v.end(), std::int64_t{0}));
  };
  CHECK_THAT(text, Catch::Contains("programme_queue(time, programme)"));
  CHECK_THAT(text, Catch::Contains("programme_decisions(time, programme, outcome)"));
  CHECK_THAT(text, Catch::Contains("deported(time, location)"));
  CHECK_THAT(text, Catch::Contains("raids(time)"));
  for (std::size_t k = 0; k < info.series.size(); ++k) CHECK_THAT(text, Catch::Contains(total(k)));
  // A file without model series has no such section.
  const std::string plain = tmp.file("plain.h5");
  {
    io::Hdf5Writer writer(plain);
    writer.on_start(run_info(w, 2));
    feed_day(writer, w, 0);
    feed_day(writer, w, 1);
    writer.commit(provenance(""));
  }
  CHECK_THAT(io::summarise_file(plain), !Catch::Contains("model series"));
}

TEST_CASE("MemoryRecorder keeps the models' series and replays them into Hdf5Writer", "[io][series]") {
  TempDir tmp;
  const World w = tiny_world();
  const int days = 35;
  RunInfo info = run_info(w, days);
  info.series = model_specs(w);
  MemoryRecorder mem;
  mem.on_start(info);
  for (int d = 0; d < days; ++d) feed_day_with_series(mem, w, d, info.series);
  REQUIRE(mem.series.size() == info.series.size());
  REQUIRE(mem.series_specs().size() == info.series.size());
  CHECK(mem.series_specs()[1].dims == std::vector<std::string>{"programme", "outcome"});
  CHECK(mem.series[1].size() == static_cast<std::size_t>(days) * 6);
  CHECK(mem.series[1][6 * 7 + 5] == series_values(1, 7, 6)[5]);
  CHECK(mem.series[3].size() == static_cast<std::size_t>(days));

  const std::string path = tmp.file("replayed.h5");
  {
    io::Hdf5Writer writer(path);
    mem.replay(writer);
    writer.commit(provenance(""));
  }
  check_model_series_file(path, w, days);
}

TEST_CASE("Hdf5Writer rejects inconsistent model series as InternalError", "[io][series]") {
  TempDir tmp;
  const World w = tiny_world();
  const std::string path = tmp.file("bad.h5");
  RunInfo info = run_info(w, 3);
  info.series = model_specs(w);
  SECTION("a reused dimension with the wrong number of labels") {
    info.series[2].coords[0].pop_back();  // 3 labels for "location", which has 4 places
    io::Hdf5Writer writer(path);
    CHECK_THROWS_AS(writer.on_start(info), InternalError);
  }
  SECTION("a shared dimension with different lengths") {
    info.series[1].coords[0].push_back("extra");
    io::Hdf5Writer writer(path);
    CHECK_THROWS_AS(writer.on_start(info), InternalError);
  }
  SECTION("a name the kernel uses") {
    info.series[0].name = "population";
    io::Hdf5Writer writer(path);
    CHECK_THROWS_AS(writer.on_start(info), InternalError);
  }
  SECTION("a name used twice") {
    info.series[3].name = "deported";
    io::Hdf5Writer writer(path);
    CHECK_THROWS_AS(writer.on_start(info), InternalError);
  }
  SECTION("a dimension named like a variable") {
    info.series[3].dims = {"deported"};
    info.series[3].coords = {{"a"}};
    io::Hdf5Writer writer(path);
    CHECK_THROWS_AS(writer.on_start(info), InternalError);
  }
  SECTION("bad names") {
    for (const char* bad : {"", "a/b", "1st", "with space", "_x"}) {
      RunInfo i2 = info;
      i2.series[0].name = bad;
      io::Hdf5Writer writer(path);
      CHECK_THROWS_AS(writer.on_start(i2), InternalError);
    }
    info.series[0].dims = {"time"};
    io::Hdf5Writer writer(path);
    CHECK_THROWS_AS(writer.on_start(info), InternalError);
  }
  SECTION("dims and coords of different lengths") {
    info.series[1].coords.pop_back();
    io::Hdf5Writer writer(path);
    CHECK_THROWS_AS(writer.on_start(info), InternalError);
  }
  SECTION("a day record with a wrong-sized or missing series") {
    io::Hdf5Writer writer(path);
    writer.on_start(info);
    feed_day_with_series(writer, w, 0, info.series);
    auto wrong = info.series;
    wrong[1].coords[1].push_back("pending");  // 9 values instead of 6
    CHECK_THROWS_AS(feed_day_with_series(writer, w, 1, wrong), InternalError);
    auto fewer = model_specs(w);
    fewer.pop_back();
    CHECK_THROWS_AS(feed_day_with_series(writer, w, 1, fewer), InternalError);
    // Nothing was written by the failed days.
    feed_day_with_series(writer, w, 1, info.series);
  }
  CHECK_FALSE(fs::exists(path));
  CHECK(fs::is_empty(tmp.dir));
}

TEST_CASE("Hdf5Writer writes an ensemble file: a seed dimension first, one run per member",
          "[io][ensemble]") {
  TempDir tmp;
  const World w = tiny_world();
  const int days = 40;  // more than one time chunk
  const std::string path = tmp.file("ensemble.h5");
  io::Hdf5Options options;
  options.member_seeds = {5, 6};
  {
    io::Hdf5Writer writer(path, options);
    for (std::uint64_t seed : options.member_seeds) {
      RunInfo info = run_info(w, days);
      info.seed = seed;
      writer.on_start(info);
      for (int d = 0; d < days; ++d) feed_day(writer, w, d, static_cast<std::int64_t>(seed) * 1000);
    }
    writer.commit(provenance(""));
  }
  H5 f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  REQUIRE(f.id >= 0);
  CHECK(read_numbers<std::uint64_t>(f.id, "seed", H5T_NATIVE_UINT64) == std::vector<std::uint64_t>{5, 6});
  CHECK(dims_of(f.id, "time") == std::vector<hsize_t>{static_cast<hsize_t>(days)});
  CHECK(dims_of(f.id, "spawned") == std::vector<hsize_t>{2, static_cast<hsize_t>(days)});
  CHECK(dims_of(f.id, "population") == std::vector<hsize_t>{2, static_cast<hsize_t>(days),
                                                            static_cast<hsize_t>(w.place_count()),
                                                            static_cast<hsize_t>(legal_status_count)});
  const auto spawned = read_numbers<std::int64_t>(f.id, "spawned", H5T_NATIVE_INT64);
  CHECK(spawned[0] == 5000 + spawned_value(0));
  CHECK(spawned[39] == 5000 + spawned_value(39));
  CHECK(spawned[40] == 6000 + spawned_value(0));
  CHECK(spawned[79] == 6000 + spawned_value(39));
  const auto time = read_numbers<std::int32_t>(f.id, "time", H5T_NATIVE_INT32);
  CHECK(time.back() == days - 1);
  // Both members' populations are the day's (the same synthetic counts).
  const auto pop = read_numbers<std::int64_t>(f.id, "population", H5T_NATIVE_INT64);
  const std::size_t member = pop.size() / 2;
  CHECK(std::equal(pop.begin(), pop.begin() + static_cast<std::ptrdiff_t>(member),
                   pop.begin() + static_cast<std::ptrdiff_t>(member)));
  CHECK(pop[member - 1] == make_day(w, days - 1).population.back());
}

TEST_CASE("Hdf5Writer refuses an ensemble with missing or extra members, leaving no file", "[io][ensemble]") {
  TempDir tmp;
  const World w = tiny_world();
  const std::string path = tmp.file("ensemble.h5");
  io::Hdf5Options options;
  options.member_seeds = {1, 2};
  {
    io::Hdf5Writer writer(path, options);
    RunInfo info = run_info(w, 3);
    info.seed = 1;
    writer.on_start(info);
    for (int d = 0; d < 3; ++d) feed_day(writer, w, d);
    CHECK_THROWS_WITH(writer.commit(provenance("")), Catch::Contains("1 of 2 members written"));
  }
  CHECK_FALSE(fs::exists(path));
  {
    io::Hdf5Writer writer(path, options);
    RunInfo info = run_info(w, 3);
    info.seed = 1;
    writer.on_start(info);
    for (int d = 0; d < 3; ++d) feed_day(writer, w, d);
    RunInfo longer = run_info(w, 4);
    longer.seed = 2;
    CHECK_THROWS_AS(writer.on_start(longer), InternalError);  // another run length
    RunInfo wrong_seed = run_info(w, 3);
    wrong_seed.seed = 9;
    CHECK_THROWS_WITH(writer.on_start(wrong_seed), Catch::Contains("seed 9, expected 2"));
  }
  CHECK(fs::is_empty(tmp.dir));
}
