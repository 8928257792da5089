#include "io/hdf5_reader.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iomanip>
#include <numeric>
#include <sstream>
#include <system_error>

#include <fmt/core.h>

#include "io/hdf5_common.hpp"
#include "sim/errors.hpp"

namespace migrasim::io {

namespace h5 {

bool has_link(hid_t loc, const char* name) {
  return H5Lexists(loc, name, H5P_DEFAULT) > 0;
}

Handle open_dataset(hid_t loc, const char* name) {
  const hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d < 0) throw NotMigrasim(std::string("no dataset '") + name + "'");
  return Handle(d, H5Dclose);
}

std::vector<hsize_t> extent(hid_t ds) {
  Handle space = checked(H5Dget_space(ds), H5Sclose, "cannot get a dataspace");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) fail("cannot get a dataspace rank");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

std::vector<std::string> read_strings(hid_t loc, const char* name) {
  Handle ds = open_dataset(loc, name);
  Handle ftype = checked(H5Dget_type(ds.get()), H5Tclose, "cannot get a datatype");
  if (H5Tget_class(ftype.get()) != H5T_STRING || H5Tis_variable_str(ftype.get()) <= 0)
    throw NotMigrasim(std::string("'") + name + "' is not a variable-length string dataset");
  const auto dims = extent(ds.get());
  hsize_t n = 1;
  for (hsize_t d : dims) n *= d;
  std::vector<char*> ptrs(static_cast<std::size_t>(n), nullptr);
  std::vector<std::string> out;
  if (n == 0) return out;
  Handle mtype = utf8_string_type();
  check(H5Dread(ds.get(), mtype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()),
        std::string("cannot read '") + name + "'");
  out.reserve(ptrs.size());
  for (char* p : ptrs) {
    out.emplace_back(p ? p : "");
    if (p) H5free_memory(p);
  }
  return out;
}

std::vector<std::int64_t> read_slice(hid_t loc, const char* name, hsize_t t) {
  Handle ds = open_dataset(loc, name);
  auto dims = extent(ds.get());
  if (dims.empty() || t >= dims[0]) throw NotMigrasim(std::string("'") + name + "' is shorter than 'time'");
  std::vector<hsize_t> start(dims.size(), 0), count = dims;
  start[0] = t;
  count[0] = 1;
  hsize_t n = 1;
  for (hsize_t c : count) n *= c;
  std::vector<std::int64_t> out(static_cast<std::size_t>(n));
  if (n == 0) return out;
  Handle file_space = checked(H5Dget_space(ds.get()), H5Sclose, "cannot get a dataspace");
  check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
        "cannot select a hyperslab");
  Handle mem_space = make_space({n});
  check(H5Dread(ds.get(), H5T_NATIVE_INT64, mem_space.get(), file_space.get(), H5P_DEFAULT, out.data()),
        std::string("cannot read '") + name + "'");
  return out;
}

std::vector<std::int64_t> read_all_int64(hid_t loc, const char* name, std::vector<hsize_t>* shape) {
  Handle ds = open_dataset(loc, name);
  const auto dims = extent(ds.get());
  if (shape) *shape = dims;
  hsize_t n = 1;
  for (hsize_t d : dims) n *= d;
  std::vector<std::int64_t> out(static_cast<std::size_t>(n));
  if (n > 0)
    check(H5Dread(ds.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
          std::string("cannot read '") + name + "'");
  return out;
}

std::string attr_text(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) return {};
  Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose);
  if (!attr.valid()) return {};
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (!type.valid()) return {};
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  if (!space.valid() || H5Sget_simple_extent_npoints(space.get()) != 1) return {};
  switch (H5Tget_class(type.get())) {
    case H5T_STRING: {
      if (H5Tis_variable_str(type.get()) > 0) {
        Handle mtype = utf8_string_type();
        char* p = nullptr;
        if (H5Aread(attr.get(), mtype.get(), &p) < 0) return {};
        std::string s = p ? p : "";
        if (p) H5free_memory(p);
        return s;
      }
      const std::size_t size = H5Tget_size(type.get());
      std::string s(size, '\0');
      if (H5Aread(attr.get(), type.get(), s.data()) < 0) return {};
      s.resize(std::strlen(s.c_str()));
      return s;
    }
    case H5T_INTEGER: {
      if (H5Tget_sign(type.get()) == H5T_SGN_NONE) {
        std::uint64_t v = 0;
        if (H5Aread(attr.get(), H5T_NATIVE_UINT64, &v) < 0) return {};
        return std::to_string(v);
      }
      std::int64_t v = 0;
      if (H5Aread(attr.get(), H5T_NATIVE_INT64, &v) < 0) return {};
      return std::to_string(v);
    }
    case H5T_FLOAT: {
      double v = 0;
      if (H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &v) < 0) return {};
      std::ostringstream os;
      os << v;
      return os.str();
    }
    default:
      return {};
  }
}

}  // namespace h5

namespace {

using namespace h5;

// The names of the root's links, in creation order (name order for files that do not track it).
std::vector<std::string> root_names(hid_t file) {
  H5G_info_t ginfo{};
  check(H5Gget_info(file, &ginfo), "cannot list the file's variables");
  H5_index_t index = H5_INDEX_CRT_ORDER;
  if (ginfo.nlinks > 0 && H5Lget_name_by_idx(file, ".", index, H5_ITER_INC, 0, nullptr, 0, H5P_DEFAULT) < 0)
    index = H5_INDEX_NAME;
  std::vector<std::string> out;
  for (hsize_t i = 0; i < ginfo.nlinks; ++i) {
    const ssize_t len = H5Lget_name_by_idx(file, ".", index, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (len <= 0) continue;
    std::string name(static_cast<std::size_t>(len) + 1, '\0');
    H5Lget_name_by_idx(file, ".", index, H5_ITER_INC, i, name.data(), name.size(), H5P_DEFAULT);
    name.resize(static_cast<std::size_t>(len));
    out.push_back(std::move(name));
  }
  return out;
}

// The models' own series in a file: int64 datasets at the root, other than the kernel's, whose first
// dimension is `time`. Each with its dimension names after time, in creation order.
struct ModelSeriesInfo {
  std::string name;
  std::vector<std::string> dims;
};
std::vector<ModelSeriesInfo> find_model_series(hid_t file, hid_t time) {
  static const char* const kernel[] = {"time",     "location", "legal_status", "edge",   "population",
                                       "stranded", "on_route", "flow",         "spawned"};
  std::vector<ModelSeriesInfo> out;
  for (const std::string& name : root_names(file)) {
    if (std::any_of(std::begin(kernel), std::end(kernel), [&](const char* k) { return name == k; })) continue;
    // (H5Oopen and H5Iget_type rather than H5Oget_info, whose signature differs between HDF5 versions.)
    Handle ds(H5Oopen(file, name.c_str(), H5P_DEFAULT), H5Oclose);
    if (!ds.valid() || H5Iget_type(ds.get()) != H5I_DATASET) continue;
    if (H5DSis_scale(ds.get()) > 0) continue;
    Handle type(H5Dget_type(ds.get()), H5Tclose);
    if (!type.valid() || H5Tget_class(type.get()) != H5T_INTEGER) continue;
    const auto dims = extent(ds.get());
    if (dims.empty() || H5DSis_attached(ds.get(), time, 0) <= 0) continue;
    ModelSeriesInfo info{name, {}};
    for (unsigned d = 1; d < dims.size(); ++d) {
      std::string dim;
      auto visit = [](hid_t, unsigned, hid_t scale, void* data) -> herr_t {
        const ssize_t n = H5Iget_name(scale, nullptr, 0);
        if (n <= 0) return 1;
        std::string path(static_cast<std::size_t>(n) + 1, '\0');
        H5Iget_name(scale, path.data(), path.size());
        path.resize(static_cast<std::size_t>(n));
        *static_cast<std::string*>(data) = path.substr(path.rfind('/') + 1);
        return 1;  // the first scale is enough
      };
      if (H5DSget_num_scales(ds.get(), d) > 0) H5DSiterate_scales(ds.get(), d, nullptr, visit, &dim);
      info.dims.push_back(dim.empty() ? "?" : dim);
    }
    out.push_back(std::move(info));
  }
  return out;
}

// The names of the root's variables that begin with `prefix`, without it, in creation order (name order
// for files that do not track it): the world's attributes (location_attribute_NAME, edge_attribute_NAME).
std::vector<std::string> names_with_prefix(hid_t file, const std::string& prefix) {
  std::vector<std::string> out;
  for (const std::string& name : root_names(file))
    if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0)
      out.push_back(name.substr(prefix.size()));
  return out;
}

// ", ".join(names) in parentheses after "attributes: ", or nothing without names.
std::string attributes_note(const std::vector<std::string>& names) {
  if (names.empty()) return {};
  std::string s = " (attributes: ";
  for (std::size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + names[i];
  return s + ")";
}

// "YYYY-MM-DD" + days, or empty if the date does not parse.
std::string add_days(const std::string& date, std::int64_t days) {
  int y = 0, mo = 0, d = 0;
  char tail = 0;
  if (std::sscanf(date.c_str(), "%d-%d-%d%c", &y, &mo, &d, &tail) != 3) return {};
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return {};
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d + static_cast<int>(days);
  tm.tm_hour = 12;
  const std::time_t t = timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) return {};
  std::tm out{};
  gmtime_r(&t, &out);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &out);
  return buf;
}

std::string summarise_open(hid_t file, const std::string& path) {
  if (attr_text(file, "title") != "migrasim output")
    throw NotMigrasim("no title attribute 'migrasim output'");
  for (const char* name : {"time", "location", "legal_status", "edge", "spawned"})
    if (!has_link(file, name)) throw NotMigrasim(std::string("no dataset '") + name + "'");

  const std::string start_date = attr_text(file, "start_date");
  const std::vector<std::string> places = read_strings(file, "location");
  const std::vector<std::string> statuses = read_strings(file, "legal_status");
  const std::vector<std::string> edges = read_strings(file, "edge");
  std::vector<std::string> countries;
  if (has_link(file, "location_country")) countries = read_strings(file, "location_country");
  Handle time = open_dataset(file, "time");
  const auto time_dims = extent(time.get());
  if (time_dims.size() != 1) throw NotMigrasim("'time' is not one-dimensional");
  const hsize_t nt = time_dims[0];
  std::vector<std::int32_t> days(static_cast<std::size_t>(nt));
  if (nt > 0)
    check(H5Dread(time.get(), H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, days.data()),
          "cannot read 'time'");

  std::string version = attr_text(file, "source"), wall, threads;
  if (has_link(file, "provenance")) {
    Handle prov(H5Gopen2(file, "provenance", H5P_DEFAULT), H5Gclose);
    if (prov.valid()) {
      const std::string v = attr_text(prov.get(), "migrasim_version");
      const std::string git = attr_text(prov.get(), "migrasim_git");
      if (!v.empty()) version = "migrasim " + v + (git.empty() || git == v ? "" : " (" + git + ")");
      wall = attr_text(prov.get(), "wall_seconds");
      threads = attr_text(prov.get(), "threads");
    }
  }

  std::string agents;  // output.agents: "N agents every D days, R rows"
  if (has_link(file, "agents")) {
    Handle g(H5Gopen2(file, "agents", H5P_DEFAULT), H5Gclose);
    if (g.valid() && H5Lexists(g.get(), "row", H5P_DEFAULT) > 0) {
      Handle rows = open_dataset(g.get(), "row");
      const auto n = extent(rows.get());
      agents = attr_text(g.get(), "sample") + " agents every " + attr_text(g.get(), "every") + " days, " +
               std::to_string(n.empty() ? 0 : n[0]) + " rows (group agents)";
    }
  }

  const std::string place_attributes = attributes_note(names_with_prefix(file, "location_attribute_"));
  const std::string route_attributes = attributes_note(names_with_prefix(file, "edge_attribute_"));
  std::ostringstream os;
  auto line = [&](const std::string& label, const std::string& value) {
    os << "  " << std::left << std::setw(14) << (label + ":") << value << "\n";
  };
  os << "migrasim output " << path << "\n";
  line("start date", start_date.empty() ? "unknown" : start_date);
  const std::string declared_days = attr_text(file, "days");
  line("days",
       (declared_days.empty() ? std::string("?") : declared_days) + " (" + std::to_string(nt) + " recorded)");
  const std::string members = attr_text(file, "members");
  if (!members.empty()) {  // an ensemble file (`migrasim ensemble`): a leading seed dimension
    std::string seeds;
    if (has_link(file, "provenance")) {
      Handle prov(H5Gopen2(file, "provenance", H5P_DEFAULT), H5Gclose);
      if (prov.valid()) seeds = attr_text(prov.get(), "seeds");
    }
    line("members", members + (seeds.empty() ? "" : " (seeds " + seeds + ")"));
    line("places", std::to_string(places.size()) + place_attributes);
    line("routes", std::to_string(edges.size()) + route_attributes);
    line("software", version.empty() ? "unknown" : version);
    line("wall time", wall.empty() ? "unknown" : wall + " s for all members");
    if (!agents.empty()) line("agent sample", agents);
    os << "an ensemble file: every time-dependent variable has a first dimension 'seed'; read the members "
          "with xarray (migrasim.open_ensemble)\n";
    return os.str();
  }
  line("seed", attr_text(file, "seed"));
  line("places", std::to_string(places.size()) + place_attributes);
  line("routes", std::to_string(edges.size()) + route_attributes);
  line("software", version.empty() ? "unknown" : version);
  line("wall time",
       wall.empty() ? "unknown"
                    : wall + " s" + (threads.empty() || threads == "0" ? "" : " on " + threads + " threads"));
  if (!agents.empty()) line("agent sample", agents);

  if (nt == 0) {
    os << "no days recorded\n";
    return os.str();
  }
  const hsize_t last = nt - 1;
  const std::string last_date = add_days(start_date, days[static_cast<std::size_t>(last)]);
  os << "final day " << days[static_cast<std::size_t>(last)]
     << (last_date.empty() ? "" : " (" + last_date + ")") << ":\n";
  auto row = [&](const std::string& label, const std::string& value) {
    os << "  " << std::left << std::setw(26) << label << std::right << std::setw(14) << value << "\n";
  };

  const std::size_t P = places.size(), S = statuses.size();
  std::vector<std::int64_t> per_place(P, 0), stranded_place(P, 0);
  const bool have_pop = has_link(file, "population"), have_stranded = has_link(file, "stranded");
  if (have_pop) {
    const auto pop = read_slice(file, "population", last);
    if (pop.size() != P * S) throw NotMigrasim("'population' does not match 'location' x 'legal_status'");
    std::vector<std::int64_t> by_status(S, 0);
    std::int64_t total = 0;
    for (std::size_t p = 0; p < P; ++p)
      for (std::size_t s = 0; s < S; ++s) {
        by_status[s] += pop[p * S + s];
        per_place[p] += pop[p * S + s];
        total += pop[p * S + s];
      }
    os << "  population by legal status:\n";
    for (std::size_t s = 0; s < S; ++s)
      if (by_status[s] != 0) row("  " + statuses[s], std::to_string(by_status[s]));
    row("  total", std::to_string(total));
  } else {
    row("population", "not recorded");
  }
  if (have_stranded) {
    stranded_place = read_slice(file, "stranded", last);
    if (stranded_place.size() != P) throw NotMigrasim("'stranded' does not match 'location'");
    row("stranded",
        std::to_string(std::accumulate(stranded_place.begin(), stranded_place.end(), std::int64_t{0})));
  } else {
    row("stranded", "not recorded");
  }
  if (has_link(file, "on_route")) {
    const auto v = read_slice(file, "on_route", last);
    row("on route", std::to_string(std::accumulate(v.begin(), v.end(), std::int64_t{0})));
  } else {
    row("on route", "not recorded");
  }
  {
    const auto v = read_all_int64(file, "spawned");
    row("spawned (all days)", std::to_string(std::accumulate(v.begin(), v.end(), std::int64_t{0})));
  }

  if (have_pop && P > 0) {
    std::vector<std::size_t> order(P);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return per_place[a] > per_place[b]; });
    os << "top places by final population (not stranded):\n";
    const std::size_t n = std::min<std::size_t>(10, P);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t p = order[i];
      if (per_place[p] == 0) break;
      std::string label = std::to_string(i + 1) + ". " + places[p];
      if (p < countries.size() && !countries[p].empty()) label += " (" + countries[p] + ")";
      os << "  " << std::left << std::setw(36) << label << std::right << std::setw(14) << per_place[p];
      if (have_stranded && stranded_place[p] != 0) os << "  (+" << stranded_place[p] << " stranded)";
      os << "\n";
    }
  }

  const auto model_series = find_model_series(file, time.get());
  if (!model_series.empty()) {
    os << "model series (final day totals):\n";
    std::vector<std::string> labels;
    std::size_t width = 36;
    for (const ModelSeriesInfo& ms : model_series) {
      std::string label = ms.name + "(time";
      for (const std::string& d : ms.dims) label += ", " + d;
      labels.push_back(label + ")");
      width = std::max(width, labels.back().size() + 1);
    }
    for (std::size_t i = 0; i < model_series.size(); ++i) {
      const ModelSeriesInfo& ms = model_series[i];
      const auto v = read_slice(file, ms.name.c_str(), last);
      // A series whose last dimension labels quantities of different units (e.g. smuggling's counts and
      // USD prices): one line per label, summed over the other dimensions; prices are averaged over the
      // entries that have one, as a sum of prices means nothing.
      std::vector<std::string> quantity;
      if (ms.dims.size() >= 2 && (ms.dims.back() == "quantity" || ms.dims.back() == "kind") &&
          has_link(file, ms.dims.back().c_str()))
        quantity = read_strings(file, ms.dims.back().c_str());
      if (quantity.empty() || v.size() % quantity.size() != 0) {
        os << "  " << std::left << std::setw(static_cast<int>(width)) << labels[i] << std::right
           << std::setw(14) << std::accumulate(v.begin(), v.end(), std::int64_t{0}) << "\n";
        continue;
      }
      os << "  " << labels[i] << ":\n";
      for (std::size_t q = 0; q < quantity.size(); ++q) {
        std::int64_t sum = 0, n = 0;
        for (std::size_t j = q; j < v.size(); j += quantity.size())
          if (v[j] != 0) sum += v[j], ++n;
        const bool price = quantity[q].find("price") != std::string::npos;
        os << "    " << std::left << std::setw(static_cast<int>(width) - 2) << quantity[q] << std::right
           << std::setw(14) << (price ? (n > 0 ? sum / n : 0) : sum) << (price ? "  (mean where set)" : "")
           << "\n";
      }
    }
  }
  return os.str();
}

}  // namespace

std::string summarise_file(const std::string& path) {
  ErrorSilencer silence;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw InputError(path + ": not a migrasim output file (no such file)");
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw InputError(path + ": not a migrasim output file (not an HDF5 file)");
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) throw InputError(path + ": not a migrasim output file (cannot open: " + error_text() + ")");
  Handle file(f, H5Fclose);
  try {
    return summarise_open(file.get(), path);
  } catch (const NotMigrasim& e) {
    throw InputError(path + ": not a migrasim output file (" + e.what() + ")");
  }
}

}  // namespace migrasim::io
