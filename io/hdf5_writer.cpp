#include "io/hdf5_writer.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <filesystem>
#include <iomanip>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/core.h>
#include <tbb/version.h>
#include <boost/version.hpp>

#include "io/csv.hpp"
#include "io/hdf5_common.hpp"
#include "sim/errors.hpp"
#include "sim/version.hpp"

namespace migrasim::io {

namespace {

using namespace h5;

// ---------------------------------------------------------------------------------------------------------------
// Small HDF5 helpers

// Group (and file) creation property list: track creation order of links and attributes, as netCDF-4 does.
Handle group_create_plist() {
  Handle p = checked(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, "cannot create a property list");
  check(H5Pset_link_creation_order(p.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "cannot set link creation order");
  check(H5Pset_attr_creation_order(p.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "cannot set attribute creation order");
  return p;
}

Handle dataset_create_plist() {
  Handle p = checked(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "cannot create a property list");
  check(H5Pset_attr_creation_order(p.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "cannot set attribute creation order");
  return p;
}

Handle create_group(hid_t parent, const char* name) {
  Handle gcpl = group_create_plist();
  return checked(H5Gcreate2(parent, name, H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), H5Gclose,
                 std::string("cannot create group '") + name + "'");
}

// Attributes
// ---------------------------------------------------------------------------------------------------

void put_attr(hid_t obj, const char* name, const std::string& value) {
  Handle type = utf8_string_type();
  Handle space = make_space({});
  Handle attr = checked(H5Acreate2(obj, name, type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                        std::string("cannot create attribute '") + name + "'");
  const char* p = value.c_str();
  check(H5Awrite(attr.get(), type.get(), &p), std::string("cannot write attribute '") + name + "'");
}

void put_attr(hid_t obj, const char* name, const char* value) {
  put_attr(obj, name, std::string(value));
}

template <class T>
void put_numeric_attr(hid_t obj, const char* name, hid_t type, T value) {
  Handle space = make_space({});
  Handle attr = checked(H5Acreate2(obj, name, type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
                        std::string("cannot create attribute '") + name + "'");
  check(H5Awrite(attr.get(), type, &value), std::string("cannot write attribute '") + name + "'");
}

void put_attr(hid_t obj, const char* name, std::int32_t v) {
  put_numeric_attr(obj, name, H5T_NATIVE_INT32, v);
}
void put_attr(hid_t obj, const char* name, std::uint64_t v) {
  put_numeric_attr(obj, name, H5T_NATIVE_UINT64, v);
}
void put_attr(hid_t obj, const char* name, double v) {
  put_numeric_attr(obj, name, H5T_NATIVE_DOUBLE, v);
}

// Static (fixed-size, written once) datasets
// ------------------------------------------------------------------

Handle write_strings(hid_t parent, const char* name, const std::vector<std::string>& values,
                     const std::vector<hsize_t>& dims) {
  Handle type = utf8_string_type();
  Handle space = make_space(dims);
  Handle dcpl = dataset_create_plist();
  Handle ds = checked(H5Dcreate2(parent, name, type.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                      H5Dclose, std::string("cannot create dataset '") + name + "'");
  if (!values.empty()) {
    std::vector<const char*> ptrs(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) ptrs[i] = values[i].c_str();
    check(H5Dwrite(ds.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()),
          std::string("cannot write dataset '") + name + "'");
  }
  return ds;
}

Handle write_strings(hid_t parent, const char* name, const std::vector<std::string>& values) {
  return write_strings(parent, name, values, {static_cast<hsize_t>(values.size())});
}

template <class T>
Handle write_numbers(hid_t parent, const char* name, hid_t file_type, hid_t mem_type,
                     const std::vector<T>& values) {
  Handle space = make_space({static_cast<hsize_t>(values.size())});
  Handle dcpl = dataset_create_plist();
  Handle ds = checked(H5Dcreate2(parent, name, file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                      H5Dclose, std::string("cannot create dataset '") + name + "'");
  if (!values.empty())
    check(H5Dwrite(ds.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
          std::string("cannot write dataset '") + name + "'");
  return ds;
}

void attach(hid_t dataset, hid_t scale, unsigned idx, const char* what) {
  check(H5DSattach_scale(dataset, scale, idx),
        std::string("cannot attach a dimension scale to '") + what + "'");
}

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string hdf5_library_version() {
  unsigned maj = 0, min = 0, rel = 0;
  H5get_libversion(&maj, &min, &rel);
  return std::to_string(maj) + "." + std::to_string(min) + "." + std::to_string(rel);
}

std::string compiler_version() {
#if defined(__clang__)
  return std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  return std::string("gcc ") + __VERSION__;
#else
  return "unknown";
#endif
}

// Versions of the libraries that shape results or files (headers this binary was built with; TBB's runtime).
std::string library_versions() {
  return std::string("oneTBB ") + TBB_runtime_version() + "; Boost " +
         std::to_string(BOOST_VERSION / 100000) + "." + std::to_string(BOOST_VERSION / 100 % 1000) + "." +
         std::to_string(BOOST_VERSION % 100) + "; HDF5 " + hdf5_library_version() + "; fmt " +
         std::to_string(FMT_VERSION / 10000) + "." + std::to_string(FMT_VERSION / 100 % 100) + "." +
         std::to_string(FMT_VERSION % 100) +
         "; yaml-cpp " MIGRASIM_YAML_CPP_VERSION "; Random123 (Philox4x32-10)";
}

std::string software_version() {
  std::string s = std::string("migrasim ") + migrasim::version_string;
  const std::string git = migrasim::git_describe;
  if (!git.empty() && git != migrasim::version_string) s += " (" + git + ")";
  return s;
}

// Names of model series and their dimensions: a letter, then letters, digits or '_' (valid everywhere:
// HDF5, netCDF, xarray attribute access).
bool valid_series_name(const std::string& name) {
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (name.empty() || !letter(name[0])) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return letter(c) || (c >= '0' && c <= '9') || c == '_'; });
}

constexpr hsize_t target_chunk_bytes = hsize_t{1} << 20;  // at most 1 MiB per chunk
constexpr hsize_t max_time_chunk = 32;                    // days per chunk for gridded variables
constexpr hsize_t max_series_chunk = 1024;                // days per chunk for 1-D series (time, spawned)

}  // namespace

// -----------------------------------------------------------------------------------------------------------------
// A time-dependent variable: rows of one day are buffered until a whole time chunk is complete, then the
// dataset is extended and the chunk written (and compressed) once.
namespace {
struct Series {
  std::string name;
  Handle dataset;
  hid_t mem_type = H5I_INVALID_HID;  // a predefined type, not owned
  std::size_t elem_size = 0;
  std::vector<hsize_t> row_dims;  // dims other than time
  hsize_t row_elems = 1;
  hsize_t chunk_t = 1;
  std::vector<unsigned char> buffer;
  hsize_t buffered = 0;
  hsize_t written = 0;
  // An ensemble file: a leading dimension of `members` runs (0: none); this run's index along it, and the
  // dataset's extent in time (the longest member so far).
  hsize_t members = 0;
  hsize_t member = 0;
  hsize_t extent_t = 0;

  void append(const void* row) {
    const std::size_t bytes = static_cast<std::size_t>(row_elems) * elem_size;
    const std::size_t at = static_cast<std::size_t>(buffered) * bytes;
    if (buffer.size() < at + bytes) buffer.resize(at + bytes);
    if (bytes > 0) std::memcpy(buffer.data() + at, row, bytes);
    ++buffered;
    if (buffered >= chunk_t) flush();
  }

  void flush() {
    if (buffered == 0) return;
    const std::size_t lead = members > 0 ? 1 : 0;
    extent_t = std::max(extent_t, written + buffered);
    std::vector<hsize_t> dims;
    if (lead) dims.push_back(members);
    dims.push_back(extent_t);
    dims.insert(dims.end(), row_dims.begin(), row_dims.end());
    check(H5Dset_extent(dataset.get(), dims.data()), "cannot extend dataset '" + name + "'");
    if (row_elems > 0) {
      Handle file_space =
          checked(H5Dget_space(dataset.get()), H5Sclose, "cannot get dataspace of '" + name + "'");
      std::vector<hsize_t> start(dims.size(), 0), count;
      if (lead) {
        start[0] = member;
        count.push_back(1);
      }
      start[lead] = written;
      count.push_back(buffered);
      count.insert(count.end(), row_dims.begin(), row_dims.end());
      check(
          H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
          "cannot select in '" + name + "'");
      Handle mem_space = make_space(count);
      check(H5Dwrite(dataset.get(), mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, buffer.data()),
            "cannot write dataset '" + name + "'");
    }
    written += buffered;
    buffered = 0;
  }
};
// A failed write of the output (a full disk, an I/O error, a quota) is the environment's, not a bug:
// InputError naming the file, with the system's reason where HDF5 gives it ("No space left on device").
template <class F>
void writing(const std::string& path, F&& write) {
  try {
    write();
  } catch (const InputError&) {
    throw;
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    const std::string tag = "error message = '";
    std::string reason = what;
    if (const auto at = what.find(tag); at != std::string::npos) {
      const auto end = what.find('\'', at + tag.size());
      reason =
          what.substr(at + tag.size(), end == std::string::npos ? std::string::npos : end - at - tag.size());
    }
    throw InputError("cannot write the output file '" + path + "': " + reason);
  }
}

}  // namespace

void hdf5_skip_exit_cleanup() {
  H5dont_atexit();
}

struct Hdf5Writer::Impl {
  std::string path;
  std::string partial_path;
  Hdf5Options options;
  // Declared first so that it is closed last, after every dataset in it.
  Handle file;
  bool started = false;
  bool committed = false;
  RunInfo info;
  std::size_t places = 0, routes = 0;
  std::vector<EventRecord> events;
  std::deque<Series> series;  // time first, then the recorded variables (deque: pointers stay valid)
  Series* time = nullptr;
  Series* population = nullptr;
  Series* stranded = nullptr;
  Series* on_route = nullptr;
  Series* flow = nullptr;
  Series* spawned = nullptr;
  std::vector<Series*> model_series;  // [k] the variable of info.series[k]
  std::vector<std::int64_t> spawned_row;
  Handle member_scale;     // an ensemble file's `seed` dimension (invalid otherwise)
  std::size_t member = 0;  // the member being written
  // add_agents: the sampled rows of every member so far, with their member's seed and weight.
  std::vector<AgentRow> agent_rows;
  std::vector<std::uint64_t> agent_seeds;
  std::vector<float> agent_weights;
  std::size_t agents_added = 0;  // members whose sample was added

  void close_all() {
    time = population = stranded = on_route = flow = spawned = nullptr;
    model_series.clear();
    series.clear();
    member_scale.reset();
    file.reset();
  }

  Handle create_chunked(const char* name, hid_t file_type, const std::vector<hsize_t>& row_dims,
                        hsize_t chunk_t, bool compress, hsize_t members) {
    std::vector<hsize_t> dims{0}, maxdims{H5S_UNLIMITED}, chunk{chunk_t};
    for (hsize_t d : row_dims) {
      dims.push_back(d);
      // A fixed dimension of length 0 cannot hold a chunk of length >= 1; let it grow instead.
      maxdims.push_back(d == 0 ? H5S_UNLIMITED : d);
      chunk.push_back(std::max<hsize_t>(d, 1));
    }
    // A row larger than one chunk: split the first dimension after time.
    const std::size_t elem = H5Tget_size(file_type);
    if (row_dims.size() >= 1 && chunk_t == 1) {
      hsize_t inner = elem;
      for (std::size_t i = 2; i < chunk.size(); ++i) inner *= chunk[i];
      chunk[1] = std::clamp<hsize_t>(target_chunk_bytes / std::max<hsize_t>(inner, 1), 1, chunk[1]);
    }
    if (members > 0) {  // an ensemble file: one member per chunk
      dims.insert(dims.begin(), members);
      maxdims.insert(maxdims.begin(), members);
      chunk.insert(chunk.begin(), 1);
    }
    Handle space = make_space(dims, &maxdims);
    Handle dcpl = dataset_create_plist();
    check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), "cannot set chunking");
    if (compress && options.compression_level > 0) {
      check(H5Pset_shuffle(dcpl.get()), "cannot set the shuffle filter");
      check(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(options.compression_level)),
            "cannot set deflate compression");
    }
    return checked(H5Dcreate2(file.get(), name, file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                   H5Dclose, std::string("cannot create dataset '") + name + "'");
  }

  hsize_t time_chunk(hsize_t row_bytes, hsize_t cap) const {
    hsize_t t = std::min<hsize_t>(cap, static_cast<hsize_t>(std::max<std::int32_t>(info.days, 1)));
    if (row_bytes > 0) t = std::min<hsize_t>(t, std::max<hsize_t>(target_chunk_bytes / row_bytes, 1));
    return std::max<hsize_t>(t, 1);
  }

  Series* add_series(const char* name, hid_t file_type, hid_t mem_type, std::vector<hsize_t> row_dims,
                     bool compress, bool per_member = true) {
    Series s;
    s.members = per_member ? static_cast<hsize_t>(options.member_seeds.size()) : 0;
    s.name = name;
    s.mem_type = mem_type;
    s.elem_size = H5Tget_size(mem_type);
    s.row_dims = std::move(row_dims);
    s.row_elems =
        std::accumulate(s.row_dims.begin(), s.row_dims.end(), hsize_t{1}, std::multiplies<hsize_t>());
    s.chunk_t = time_chunk(s.row_elems * s.elem_size, s.row_dims.empty() ? max_series_chunk : max_time_chunk);
    s.dataset = create_chunked(name, file_type, s.row_dims, s.chunk_t, compress, s.members);
    series.push_back(std::move(s));
    return &series.back();
  }

  // The models' own series: int64 variables (time, dims...). A dimension that already exists as a dimension
  // scale at the root (the kernel's location, legal_status, edge, or one an earlier series created) is reused
  // after checking its length; otherwise a new string dimension scale is made from the spec's labels.
  void add_model_series(const std::vector<SeriesSpec>& specs) {
    const hid_t root = file.get();
    for (const SeriesSpec& spec : specs) {
      const std::string what = "model series '" + spec.name + "'";
      if (!valid_series_name(spec.name))
        throw InternalError(what + ": the name must be a letter followed by letters, digits or '_'");
      if (reserved_name(spec.name) || has_root_link(spec.name))
        throw InternalError(what + ": the name is already used in the output file");
      if (spec.coords.size() != spec.dims.size())
        throw InternalError(what + ": " + std::to_string(spec.dims.size()) + " dims but " +
                            std::to_string(spec.coords.size()) + " lists of coordinate labels");
      std::vector<Handle> scales;
      std::vector<hsize_t> row_dims;
      for (std::size_t i = 0; i < spec.dims.size(); ++i) {
        const std::string& dim = spec.dims[i];
        const std::vector<std::string>& labels = spec.coords[i];
        if (!valid_series_name(dim) || dim == "time")
          throw InternalError(what + ": bad dimension name '" + dim + "'");
        for (std::size_t j = 0; j < i; ++j)
          if (spec.dims[j] == dim) throw InternalError(what + ": dimension '" + dim + "' appears twice");
        if (has_root_link(dim)) {
          Handle scale = checked(H5Dopen2(root, dim.c_str(), H5P_DEFAULT), H5Dclose,
                                 "cannot open dimension '" + dim + "'");
          const auto n = scale_length(scale.get(), dim, what);
          if (n != labels.size())
            throw InternalError(what + ": dimension '" + dim + "' has " + std::to_string(n) +
                                " entries in the file but the series gives " + std::to_string(labels.size()) +
                                " labels");
          scales.push_back(std::move(scale));
        } else {
          Handle scale = write_strings(root, dim.c_str(), labels);
          check(H5DSset_scale(scale.get(), dim.c_str()), "cannot make '" + dim + "' a dimension scale");
          scales.push_back(std::move(scale));
        }
        row_dims.push_back(static_cast<hsize_t>(labels.size()));
      }
      Series* s = add_series(spec.name.c_str(), H5T_STD_I64LE, H5T_NATIVE_INT64, std::move(row_dims), true);
      const hid_t d = s->dataset.get();
      const unsigned lead = attach_member(d, spec.name.c_str());
      attach(d, time->dataset.get(), lead, spec.name.c_str());
      for (std::size_t i = 0; i < scales.size(); ++i)
        attach(d, scales[i].get(), static_cast<unsigned>(lead + i + 1), spec.name.c_str());
      if (!spec.long_name.empty()) put_attr(d, "long_name", spec.long_name);
      if (!spec.units.empty()) put_attr(d, "units", spec.units);
      model_series.push_back(s);
    }
  }

  // In an ensemble file, attaches the `seed` dimension to a variable's first axis; the axes after it
  // shift by the returned offset (1, or 0 in a file of one run).
  unsigned attach_member(hid_t dataset, const char* what) const {
    if (!member_scale.valid()) return 0;
    attach(dataset, member_scale.get(), 0, what);
    return 1;
  }

  // The next member of an ensemble file: the same world, days and series as the first; what the last
  // member buffered is written, and the time-dependent variables start again at day 0 of this member.
  void next_member(const RunInfo& next) {
    const std::string what = "Hdf5Writer::on_start (member " + std::to_string(member + 1) + ")";
    if (member + 1 >= options.member_seeds.size())
      throw InternalError(what + ": more runs than the " + std::to_string(options.member_seeds.size()) +
                          " members the file was made for");
    if (next.world == nullptr || next.world->places().size() != places ||
        next.world->routes().size() != routes || next.days != info.days ||
        next.start_date != info.start_date || next.series.size() != info.series.size())
      throw InternalError(what + ": a member must have the first member's world, days and series");
    for (std::size_t k = 0; k < next.series.size(); ++k)
      if (next.series[k].name != info.series[k].name || next.series[k].size() != info.series[k].size())
        throw InternalError(what + ": series '" + next.series[k].name + "' differs from the first member's");
    if (next.seed != options.member_seeds[member + 1])
      throw InternalError(what + ": seed " + std::to_string(next.seed) + ", expected " +
                          std::to_string(options.member_seeds[member + 1]));
    for (Series& s : series) s.flush();
    if (time->written != static_cast<hsize_t>(info.days))
      throw InternalError(what + ": the previous member stopped after " + std::to_string(time->written) +
                          " of " + std::to_string(info.days) + " days");
    ++member;
    for (Series& s : series)
      if (&s != time) {
        s.member = member;
        s.written = 0;
      }
  }

  bool has_root_link(const std::string& name) const {
    return H5Lexists(file.get(), name.c_str(), H5P_DEFAULT) > 0;
  }

  // Names that are (or may become) the kernel's, whether or not this file records them.
  static bool reserved_name(const std::string& name) {
    for (const char* prefix : {"location_attribute_", "edge_attribute_"})
      if (name.rfind(prefix, 0) == 0) return true;
    for (const char* r : {"seed", "time", "location", "legal_status", "edge", "population", "stranded",
                          "on_route", "flow", "spawned", "location_country", "location_kind", "location_lat",
                          "location_lon", "edge_distance_km", "edge_mode", "events", "provenance"})
      if (name == r) return true;
    return false;
  }

  // Length of an existing 1-D dimension scale; InternalError if `dataset` is not one.
  static std::size_t scale_length(hid_t dataset, const std::string& dim, const std::string& what) {
    if (H5DSis_scale(dataset) <= 0)
      throw InternalError(what + ": dimension '" + dim + "' names a variable that is not a dimension");
    Handle space = checked(H5Dget_space(dataset), H5Sclose, "cannot get the dataspace of '" + dim + "'");
    if (H5Sget_simple_extent_ndims(space.get()) != 1)
      throw InternalError(what + ": dimension '" + dim + "' is not one-dimensional");
    hsize_t n = 0;
    H5Sget_simple_extent_dims(space.get(), &n, nullptr);
    return static_cast<std::size_t>(n);
  }

  void write_events() {
    Handle group = create_group(file.get(), "events");
    const std::size_t n = events.size();
    std::vector<std::int32_t> index(n), day(n), routes_affected(n);
    std::vector<double> value(n);
    std::vector<std::string> name(n), action(n), target(n);
    for (std::size_t i = 0; i < n; ++i) {
      index[i] = static_cast<std::int32_t>(i);
      day[i] = events[i].day;
      routes_affected[i] = events[i].routes_affected;
      value[i] = events[i].value;
      name[i] = events[i].name;
      action[i] = events[i].action;
      target[i] = events[i].target;
    }
    Handle scale = write_numbers(group.get(), "event", H5T_STD_I32LE, H5T_NATIVE_INT32, index);
    check(H5DSset_scale(scale.get(), "event"), "cannot make 'event' a dimension scale");
    put_attr(scale.get(), "long_name", "event index, in the order events were applied");
    auto finish = [&](Handle ds, const char* name_, const char* long_name, const char* units) {
      attach(ds.get(), scale.get(), 0, name_);
      put_attr(ds.get(), "long_name", long_name);
      if (units != nullptr) put_attr(ds.get(), "units", units);
    };
    // No "units" on day: xarray would decode "days" into a timedelta.
    finish(write_numbers(group.get(), "day", H5T_STD_I32LE, H5T_NATIVE_INT32, day), "day",
           "simulation day the event was applied (0 = start date)", nullptr);
    finish(write_strings(group.get(), "name", name), "name", "event label", nullptr);
    finish(write_strings(group.get(), "action", action), "action", "event action", nullptr);
    finish(write_strings(group.get(), "target", target), "target", "what the scenario named as target",
           nullptr);
    finish(write_numbers(group.get(), "value", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, value), "value",
           "event value (travel-time factor or capacity in persons per day)", nullptr);
    finish(write_numbers(group.get(), "routes_affected", H5T_STD_I32LE, H5T_NATIVE_INT32, routes_affected),
           "routes_affected", "number of routes the event acted on", "1");
  }

  void write_agents() {
    if (options.agents.size <= 0) return;
    Handle group = create_group(file.get(), "agents");
    put_attr(group.get(), "long_name", "a keyed random sample of agents' trajectories (output.agents)");
    put_attr(group.get(), "sample", static_cast<std::uint64_t>(options.agents.size));
    put_attr(group.get(), "every", options.agents.every);
    const std::size_t n = agent_rows.size();
    std::vector<std::int64_t> index(n), agent(n);
    std::vector<std::int32_t> day(n), location(n), edge(n);
    std::vector<std::int16_t> nationality(n);
    std::vector<std::uint8_t> status(n), sex(n), band(n);
    for (std::size_t i = 0; i < n; ++i) {
      const AgentRow& r = agent_rows[i];
      index[i] = static_cast<std::int64_t>(i);
      agent[i] = r.agent;
      day[i] = r.day;
      location[i] = r.location;
      edge[i] = r.edge;
      nationality[i] = r.nationality;
      status[i] = static_cast<std::uint8_t>(r.legal_status);
      sex[i] = static_cast<std::uint8_t>(r.sex);
      band[i] = r.age_band;
    }
    Handle scale = write_numbers(group.get(), "row", H5T_STD_I64LE, H5T_NATIVE_INT64, index);
    check(H5DSset_scale(scale.get(), "row"), "cannot make 'row' a dimension scale");
    put_attr(scale.get(), "long_name", "row of the sample: by agent, then day");
    auto finish = [&](Handle ds, const char* name, const std::string& long_name) {
      attach(ds.get(), scale.get(), 0, name);
      put_attr(ds.get(), "long_name", long_name);
      return ds;
    };
    // Codes 0, 1, ... of the names in flag_meanings (space-separated, as CF writes them).
    auto coded = [&](Handle ds, const char* name, const std::string& long_name,
                     const std::vector<std::string>& names) {
      Handle d = finish(std::move(ds), name, long_name);
      std::string meanings;
      for (const auto& s : names) meanings += (meanings.empty() ? "" : " ") + s;
      put_attr(d.get(), "flag_meanings", meanings);
    };
    finish(write_numbers(group.get(), "agent", H5T_STD_I64LE, H5T_NATIVE_INT64, agent), "agent",
           "agent id (order of creation)");
    finish(write_numbers(group.get(), "day", H5T_STD_I32LE, H5T_NATIVE_INT32, day), "day",
           "simulation day, at its end (0 = start date)");
    finish(write_numbers(group.get(), "location", H5T_STD_I32LE, H5T_NATIVE_INT32, location), "location",
           "index into the location coordinate; -1 while on a route");
    finish(write_numbers(group.get(), "edge", H5T_STD_I32LE, H5T_NATIVE_INT32, edge), "edge",
           "index into the edge coordinate; -1 while at a place");
    std::vector<std::string> names;
    for (const auto& c : info.world->countries()) names.push_back(c.code);
    coded(write_numbers(group.get(), "nationality", H5T_STD_I16LE, H5T_NATIVE_INT16, nationality),
          "nationality", "country of nationality (code into flag_meanings)", names);
    names.clear();
    for (int s = 0; s < legal_status_count; ++s) names.emplace_back(to_string(static_cast<LegalStatus>(s)));
    coded(write_numbers(group.get(), "legal_status", H5T_STD_U8LE, H5T_NATIVE_UINT8, status), "legal_status",
          "legal status (code into flag_meanings)", names);
    coded(write_numbers(group.get(), "sex", H5T_STD_U8LE, H5T_NATIVE_UINT8, sex), "sex",
          "sex (code into flag_meanings)", {"female", "male"});
    names.clear();
    for (int b = 0; b < age_band_count; ++b) names.emplace_back(age_band_name(b));
    coded(write_numbers(group.get(), "age_band", H5T_STD_U8LE, H5T_NATIVE_UINT8, band), "age_band",
          "age band (code into flag_meanings)", names);
    finish(write_numbers(group.get(), "weight", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, agent_weights), "weight",
           "agents the sampled agent stands for: agents made in the run / agents in the sample");
    if (!options.member_seeds.empty())
      finish(write_numbers(group.get(), "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, agent_seeds), "seed",
             "the member's run.seed");
  }

  void write_provenance(const Provenance& p) {
    Handle group = create_group(file.get(), "provenance");
    auto text = [&](const char* name, const std::string& value, const char* long_name) {
      Handle ds = write_strings(group.get(), name, {value}, {});
      put_attr(ds.get(), "long_name", long_name);
    };
    text("scenario_text", p.scenario_text, "the scenario file, verbatim");
    text("resolved_scenario", p.resolved_scenario,
         "the fully resolved scenario (extends and --set applied), YAML");
    put_attr(group.get(), "scenario_path", p.scenario_path);
    put_attr(group.get(), "command_line", p.command_line);
    if (!p.resumed_from.empty()) put_attr(group.get(), "resumed_from", p.resumed_from);
    // The reader's warnings: their number, and their text one per line.
    put_attr(group.get(), "warning_count", static_cast<std::int32_t>(p.warnings.size()));
    std::string warnings;
    for (const auto& w : p.warnings) warnings += w + "\n";
    text("warnings", warnings, "what the scenario reader doubted, one per line (docs/reliability.md)");
    put_attr(group.get(), "seed", p.seed);
    if (!options.member_seeds.empty()) {
      std::string seeds;
      for (std::uint64_t v : options.member_seeds) seeds += (seeds.empty() ? "" : " ") + std::to_string(v);
      put_attr(group.get(), "seeds", seeds);  // an ensemble's members
    }
    put_attr(group.get(), "threads", static_cast<std::int32_t>(p.threads));
    put_attr(group.get(), "wall_seconds", p.wall_seconds);
    put_attr(group.get(), "migrasim_version", migrasim::version_string);
    put_attr(group.get(), "migrasim_git", migrasim::git_describe);
    put_attr(group.get(), "hdf5_version", hdf5_library_version());
    put_attr(group.get(), "compiler", compiler_version());
    put_attr(group.get(), "library_versions", library_versions());
    put_attr(group.get(), "created_utc", utc_now_iso8601());
  }
};

// -----------------------------------------------------------------------------------------------------------------

Hdf5Writer::Hdf5Writer(std::string path, Hdf5Options options) : impl_(std::make_unique<Impl>()) {
  if (options.compression_level < 0 || options.compression_level > 9)
    throw InputError("HDF5 compression level must be 0..9, got " + std::to_string(options.compression_level));
  check_output_path(path);
  impl_->path = std::move(path);
  impl_->partial_path = partial_path(impl_->path);
  impl_->options = options;
}

Hdf5Writer::~Hdf5Writer() {
  if (!impl_) return;
  ErrorSilencer silence;
  const bool remove = impl_->started && !impl_->committed;
  impl_->close_all();
  if (remove) std::remove(impl_->partial_path.c_str());
}

const std::string& Hdf5Writer::path() const {
  return impl_->path;
}

void Hdf5Writer::on_start(const RunInfo& info) {
  ErrorSilencer silence;
  Impl& m = *impl_;
  if (m.started && !m.options.member_seeds.empty() && !m.committed) {
    m.next_member(info);
    return;
  }
  if (m.started) throw InternalError("Hdf5Writer::on_start called twice");
  if (info.world == nullptr) throw InternalError("Hdf5Writer::on_start: RunInfo has no world");
  namespace fs = std::filesystem;
  const fs::path target(m.path);
  if (m.path.empty()) throw InputError("output file: empty path");
  const fs::path dir = target.parent_path();
  std::error_code ec;
  if (!dir.empty() && !fs::is_directory(dir, ec))
    throw InputError("cannot create output file '" + m.path + "': directory '" + dir.string() +
                     "' does not exist");
  if (fs::is_directory(target, ec))
    throw InputError("cannot create output file '" + m.path + "': it is a directory");

  m.info = info;
  const World& world = *info.world;
  m.places = world.places().size();
  m.routes = world.routes().size();

  Handle fcpl = checked(H5Pcreate(H5P_FILE_CREATE), H5Pclose, "cannot create a property list");
  check(H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "cannot set link creation order");
  check(H5Pset_attr_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
        "cannot set attribute creation order");
  errno = 0;
  const hid_t f = H5Fcreate(m.partial_path.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT);
  if (f < 0) {
    const int err = errno;
    std::string why = error_text();
    if (err != 0) why = std::strerror(err);
    throw InputError("cannot create output file '" + m.path + "' (as '" + m.partial_path + "')" +
                     (why.empty() ? std::string() : ": " + why));
  }
  m.file = Handle(f, H5Fclose);
  m.started = true;  // from now on the destructor removes the partial file unless committed
  const hid_t root = m.file.get();

  // Global attributes.
  put_attr(root, "title", "migrasim output");
  put_attr(root, "Conventions", "CF-1.8");
  put_attr(root, "source", software_version());
  put_attr(root, "start_date", info.start_date);
  put_attr(root, "days", info.days);
  if (m.options.member_seeds.empty()) {
    put_attr(root, "seed", info.seed);
  } else {
    if (info.seed != m.options.member_seeds[0])
      throw InternalError("Hdf5Writer::on_start: the first member's seed is not the first of member_seeds");
    put_attr(root, "members", static_cast<std::int32_t>(m.options.member_seeds.size()));
    // Dimension: seed, the members of the ensemble.
    m.member_scale = write_numbers(root, "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, m.options.member_seeds);
    check(H5DSset_scale(m.member_scale.get(), "seed"), "cannot make 'seed' a dimension scale");
    put_attr(m.member_scale.get(), "long_name", "seed of the ensemble member (run.seed)");
  }

  // Dimension: time (unlimited, written day by day).
  m.time = m.add_series("time", H5T_STD_I32LE, H5T_NATIVE_INT32, {}, false, false);
  {
    const hid_t t = m.time->dataset.get();
    check(H5DSset_scale(t, "time"), "cannot make 'time' a dimension scale");
    put_attr(t, "long_name", "simulation day");
    put_attr(t, "standard_name", "time");
    put_attr(t, "units", info.start_date.empty() ? std::string("days") : "days since " + info.start_date);
    put_attr(t, "calendar", "standard");
    put_attr(t, "axis", "T");
  }

  // Dimension: location, with static coordinates.
  std::vector<std::string> loc_names, loc_country, loc_kind;
  std::vector<double> lat, lon;
  for (const Place& p : world.places()) {
    loc_names.push_back(p.name);
    loc_country.push_back(p.country >= 0 && static_cast<std::size_t>(p.country) < world.countries().size()
                              ? world.countries()[static_cast<std::size_t>(p.country)].code
                              : std::string());
    loc_kind.emplace_back(to_string(p.kind));
    lat.push_back(p.lat_deg);
    lon.push_back(p.lon_deg);
  }
  Handle location = write_strings(root, "location", loc_names);
  check(H5DSset_scale(location.get(), "location"), "cannot make 'location' a dimension scale");
  put_attr(location.get(), "long_name", "place name");

  std::vector<std::string> status_names;
  for (int s = 0; s < legal_status_count; ++s)
    status_names.emplace_back(to_string(static_cast<LegalStatus>(s)));
  Handle legal_status = write_strings(root, "legal_status", status_names);
  check(H5DSset_scale(legal_status.get(), "legal_status"), "cannot make 'legal_status' a dimension scale");
  put_attr(legal_status.get(), "long_name", "legal status in the country where the person is");

  const std::vector<std::string> edge_names = world.route_names();
  std::vector<std::string> edge_mode;
  std::vector<double> edge_km;
  for (const Route& r : world.routes()) {
    edge_mode.emplace_back(to_string(r.mode));
    edge_km.push_back(r.distance_km);
  }
  Handle edge = write_strings(root, "edge", edge_names);
  check(H5DSset_scale(edge.get(), "edge"), "cannot make 'edge' a dimension scale");
  put_attr(edge.get(), "long_name", "route between two places, 'A--B'");

  auto coord = [&](Handle ds, const Handle& scale, const char* name, const char* long_name,
                   const char* units) {
    attach(ds.get(), scale.get(), 0, name);
    put_attr(ds.get(), "long_name", long_name);
    if (units != nullptr) put_attr(ds.get(), "units", units);
    return ds;
  };
  coord(write_strings(root, "location_country", loc_country), location, "location_country",
        "country code of the place", nullptr);
  coord(write_strings(root, "location_kind", loc_kind), location, "location_kind", "kind of place", nullptr);
  {
    Handle ds = coord(write_numbers(root, "location_lat", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, lat), location,
                      "location_lat", "latitude of the place", "degrees_north");
    put_attr(ds.get(), "standard_name", "latitude");
  }
  {
    Handle ds = coord(write_numbers(root, "location_lon", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, lon), location,
                      "location_lon", "longitude of the place", "degrees_east");
    put_attr(ds.get(), "standard_name", "longitude");
  }
  coord(write_numbers(root, "edge_distance_km", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, edge_km), edge,
        "edge_distance_km", "length of the route", "km");
  coord(write_strings(root, "edge_mode", edge_mode), edge, "edge_mode", "travel mode of the route", nullptr);

  // The scenario's attributes of places and routes (a Flee case's extra columns): text coordinates
  // location_attribute_NAME(location), edge_attribute_NAME(edge).
  std::string location_coords = "location_country location_kind location_lat location_lon";
  std::string edge_coords = "edge_distance_km edge_mode";
  auto attributes = [&](const std::vector<Attribute>& list, const char* prefix, const Handle& scale,
                        std::string& coords) {
    for (const Attribute& a : list) {
      const std::string name = prefix + a.name;
      Handle ds = write_strings(root, name.c_str(), a.values);
      attach(ds.get(), scale.get(), 0, name.c_str());
      put_attr(ds.get(), "long_name", a.long_name.empty() ? a.name : a.long_name);
      if (!a.source.empty()) put_attr(ds.get(), "source", a.source);
      coords += " " + name;
    }
  };
  attributes(world.place_attributes(), "location_attribute_", location, location_coords);
  attributes(world.route_attributes(), "edge_attribute_", edge, edge_coords);

  // Time-dependent variables.
  const hsize_t P = m.places, R = m.routes, S = static_cast<hsize_t>(legal_status_count);
  auto variable = [&](const char* name, std::vector<hsize_t> row_dims, std::vector<const Handle*> scales,
                      const char* long_name, const std::string* coords) {
    Series* s = m.add_series(name, H5T_STD_I64LE, H5T_NATIVE_INT64, std::move(row_dims), true);
    const hid_t d = s->dataset.get();
    const unsigned lead = m.attach_member(d, name);
    attach(d, m.time->dataset.get(), lead, name);
    for (std::size_t i = 0; i < scales.size(); ++i)
      attach(d, scales[i]->get(), static_cast<unsigned>(lead + i + 1), name);
    put_attr(d, "long_name", long_name);
    put_attr(d, "units", "persons");
    if (coords != nullptr) put_attr(d, "coordinates", *coords);
    return s;
  };
  if (m.options.record_population)
    m.population = variable("population", {P, S}, {&location, &legal_status},
                            "people at each place who are not stranded, by legal status", &location_coords);
  if (m.options.record_stranded)
    m.stranded = variable("stranded", {P}, {&location},
                          "people waiting at a place for a closed or full route", &location_coords);
  if (m.options.record_on_route)
    m.on_route = variable("on_route", {R}, {&edge},
                          "people travelling along each route at the end of the day", &edge_coords);
  if (m.options.record_flow)
    m.flow = variable("flow", {R}, {&edge}, "entries into each route during the day", &edge_coords);
  m.spawned = variable("spawned", {}, {}, "new agents that day", nullptr);
  m.add_model_series(info.series);
}

void Hdf5Writer::on_event(const EventRecord& event) {
  if (impl_->member == 0) impl_->events.push_back(event);  // an ensemble's members share the scenario's
}

void Hdf5Writer::on_day(const DayRecord& record) {
  ErrorSilencer silence;
  Impl& m = *impl_;
  if (!m.started || m.committed) throw InternalError("Hdf5Writer::on_day called outside a run");
  auto row = [](const std::vector<std::int64_t>* v, std::size_t expected, const char* what) {
    if (v == nullptr || v->size() != expected)
      throw InternalError(std::string("Hdf5Writer::on_day: ") + what + " has " +
                          (v ? std::to_string(v->size()) : std::string("no")) + " values, expected " +
                          std::to_string(expected));
    return v->data();
  };
  // Validate everything before writing anything, so that all variables stay the same length.
  const std::int64_t* pop =
      m.population
          ? row(record.population, m.places * static_cast<std::size_t>(legal_status_count), "population")
          : nullptr;
  const std::int64_t* str = m.stranded ? row(record.stranded, m.places, "stranded") : nullptr;
  const std::int64_t* onr = m.on_route ? row(record.on_route, m.routes, "on_route") : nullptr;
  const std::int64_t* flw = m.flow ? row(record.flow, m.routes, "flow") : nullptr;
  if (record.series.size() != m.model_series.size())
    throw InternalError("Hdf5Writer::on_day: " + std::to_string(record.series.size()) +
                        " model series in the day record, expected " + std::to_string(m.model_series.size()));
  std::vector<const std::int64_t*> extra(m.model_series.size());
  for (std::size_t k = 0; k < extra.size(); ++k)
    extra[k] = row(record.series[k], m.info.series[k].size(), m.info.series[k].name.c_str());
  // (Test the series, not the row pointers: an empty vector may give a null data().)
  writing(m.path, [&] {
    if (m.member == 0) m.time->append(&record.day);
    if (m.population) m.population->append(pop);
    if (m.stranded) m.stranded->append(str);
    if (m.on_route) m.on_route->append(onr);
    if (m.flow) m.flow->append(flw);
    m.spawned->append(&record.spawned_today);
    for (std::size_t k = 0; k < extra.size(); ++k) m.model_series[k]->append(extra[k]);
  });
}

void Hdf5Writer::add_agents(const AgentSample& sample) {
  Impl& m = *impl_;
  if (!m.started || m.committed) throw InternalError("Hdf5Writer::add_agents called outside a run");
  if (sample.spec().size != m.options.agents.size || sample.spec().every != m.options.agents.every)
    throw InternalError("Hdf5Writer::add_agents: the sample does not match output.agents");
  if (m.options.agents.size <= 0) return;
  const std::vector<AgentRow> rows = sample.rows();
  const float weight =
      sample.agents() == 0
          ? 0.0F
          : static_cast<float>(static_cast<double>(sample.seen()) / static_cast<double>(sample.agents()));
  const std::uint64_t seed = m.options.member_seeds.empty() ? m.info.seed : m.options.member_seeds[m.member];
  m.agent_rows.insert(m.agent_rows.end(), rows.begin(), rows.end());
  m.agent_seeds.insert(m.agent_seeds.end(), rows.size(), seed);
  m.agent_weights.insert(m.agent_weights.end(), rows.size(), weight);
  ++m.agents_added;
}

void Hdf5Writer::commit(const Provenance& provenance) {
  ErrorSilencer silence;
  Impl& m = *impl_;
  if (!m.started) throw InternalError("Hdf5Writer::commit called before on_start");
  if (m.committed) throw InternalError("Hdf5Writer::commit called twice");
  writing(m.path, [&] {
    for (Series& s : m.series) s.flush();
  });
  if (!m.options.member_seeds.empty() && m.member + 1 != m.options.member_seeds.size())
    throw InternalError("Hdf5Writer::commit: " + std::to_string(m.member + 1) + " of " +
                        std::to_string(m.options.member_seeds.size()) + " members written");
  if (m.options.agents.size > 0 && m.agents_added != std::max<std::size_t>(1, m.options.member_seeds.size()))
    throw InternalError("Hdf5Writer::commit: output.agents is set and " + std::to_string(m.agents_added) +
                        " agent samples were added");
  writing(m.path, [&] {
    m.write_events();
    m.write_agents();
    m.write_provenance(provenance);
    m.time = m.population = m.stranded = m.on_route = m.flow = m.spawned = nullptr;
    m.model_series.clear();
    m.series.clear();
    m.member_scale.reset();
    check(H5Fflush(m.file.get(), H5F_SCOPE_GLOBAL), "cannot flush '" + m.partial_path + "'");
    check(m.file.close(), "cannot close '" + m.partial_path + "'");
  });
  if (std::rename(m.partial_path.c_str(), m.path.c_str()) != 0) {
    const int err = errno;
    throw InputError("cannot rename '" + m.partial_path + "' to '" + m.path + "': " + std::strerror(err));
  }
  m.committed = true;
}

}  // namespace migrasim::io
