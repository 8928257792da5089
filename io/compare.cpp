#include "io/compare.hpp"

#include <hdf5.h>

#include <filesystem>
#include <memory>

#include "sim/errors.hpp"

namespace migrasim::io {

namespace {

struct Handle {
  hid_t id = -1;
  herr_t (*close)(hid_t) = nullptr;
  ~Handle() {
    if (id >= 0 && close) close(id);
  }
};

bool exists(hid_t file, const char* name) {
  return H5Lexists(file, name, H5P_DEFAULT) > 0;
}

// A dataset as int64 values with its shape.
std::vector<std::int64_t> read_int64(hid_t file, const char* name, std::vector<hsize_t>& shape) {
  Handle d{H5Dopen2(file, name, H5P_DEFAULT), H5Dclose};
  if (d.id < 0) throw InputError(std::string("cannot open dataset ") + name);
  Handle s{H5Dget_space(d.id), H5Sclose};
  const int rank = H5Sget_simple_extent_ndims(s.id);
  shape.assign(static_cast<std::size_t>(std::max(rank, 0)), 0);
  H5Sget_simple_extent_dims(s.id, shape.data(), nullptr);
  std::size_t n = 1;
  for (auto x : shape) n *= x;
  std::vector<std::int64_t> v(n);
  if (n > 0 && H5Dread(d.id, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
    throw InputError(std::string("cannot read dataset ") + name);
  return v;
}

// A 1-D dataset of variable-length strings (dimension labels).
std::vector<std::string> read_labels(hid_t file, const char* name) {
  Handle d{H5Dopen2(file, name, H5P_DEFAULT), H5Dclose};
  if (d.id < 0) throw InputError(std::string("cannot open dataset ") + name);
  Handle s{H5Dget_space(d.id), H5Sclose};
  hsize_t n = 0;
  H5Sget_simple_extent_dims(s.id, &n, nullptr);
  Handle t{H5Tcopy(H5T_C_S1), H5Tclose};
  H5Tset_size(t.id, H5T_VARIABLE);
  H5Tset_cset(t.id, H5T_CSET_UTF8);
  std::vector<char*> raw(n, nullptr);
  if (n > 0 && H5Dread(d.id, t.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0)
    throw InputError(std::string("cannot read labels ") + name);
  std::vector<std::string> out;
  for (char* c : raw) out.emplace_back(c ? c : "");
  if (n > 0) H5Dvlen_reclaim(t.id, s.id, H5P_DEFAULT, raw.data());
  return out;
}

int index_of(const std::vector<std::string>& labels, const std::string& name) {
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] == name) return static_cast<int>(i);
  return -1;
}

}  // namespace

Headline read_headline(const std::string& path) {
  if (!std::filesystem::exists(path)) throw InputError(path + ": no such file");
  H5E_auto2_t old_func = nullptr;
  void* old_data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &old_func, &old_data);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  struct Restore {
    H5E_auto2_t f;
    void* d;
    ~Restore() { H5Eset_auto2(H5E_DEFAULT, f, d); }
  } restore{old_func, old_data};

  Handle file{H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose};
  if (file.id < 0) throw InputError(path + ": not a migrasim output file (not HDF5)");
  if (!exists(file.id, "population") || !exists(file.id, "legal_status"))
    throw InputError(path + ": not a migrasim output file (no population by legal status)");
  Headline h;
  h.path = path;
  try {
    const auto statuses = read_labels(file.id, "legal_status");
    std::vector<hsize_t> shape;
    const auto pop = read_int64(file.id, "population", shape);
    if (shape.size() != 3) throw InputError("population is not (time, location, legal_status)");
    const std::size_t days = shape[0], places = shape[1], ns = shape[2];
    const int irr = index_of(statuses, "irregular"), over = index_of(statuses, "overstayer"),
              reg = index_of(statuses, "regularised"), dead = index_of(statuses, "dead");
    h.irregular_by_day.assign(days, 0);
    for (std::size_t t = 0; t < days; ++t)
      for (std::size_t p = 0; p < places; ++p) {
        const std::size_t base = (t * places + p) * ns;
        if (irr >= 0) h.irregular_by_day[t] += pop[base + static_cast<std::size_t>(irr)];
        if (over >= 0) h.irregular_by_day[t] += pop[base + static_cast<std::size_t>(over)];
        if (t + 1 == days) {
          if (reg >= 0) h.regularised_end += pop[base + static_cast<std::size_t>(reg)];
          if (dead >= 0) h.deaths_end += pop[base + static_cast<std::size_t>(dead)];
        }
      }
    if (days > 0) h.irregular_end = h.irregular_by_day.back();
    if (exists(file.id, "stranded") && days > 0) {
      const auto st = read_int64(file.id, "stranded", shape);
      for (std::size_t p = 0; p < shape[1]; ++p) h.stranded_end += st[(shape[0] - 1) * shape[1] + p];
    }
    if (exists(file.id, "programme_decisions") && exists(file.id, "outcome")) {
      const auto outcomes = read_labels(file.id, "outcome");
      const auto dec = read_int64(file.id, "programme_decisions", shape);
      const int app = index_of(outcomes, "application"), ok = index_of(outcomes, "approved"),
                rej = index_of(outcomes, "rejected"), inad = index_of(outcomes, "inadmissible");
      const std::size_t no = shape.size() == 3 ? shape[2] : 0;
      for (std::size_t k = 0; no > 0 && k < dec.size(); ++k) {
        const auto o = static_cast<int>(k % no);
        if (o == app) h.applications += dec[k];
        if (o == ok) h.approvals += dec[k];
        if (o == rej || o == inad) h.rejections += dec[k];
      }
    }
    if (exists(file.id, "programme_queue")) {
      const auto q = read_int64(file.id, "programme_queue", shape);
      if (shape.size() == 2 && shape[0] > 0)
        for (std::size_t k = 0; k < shape[1]; ++k) h.backlog_end += q[(shape[0] - 1) * shape[1] + k];
    }
    if (exists(file.id, "transitions") && exists(file.id, "transition")) {
      const auto names = read_labels(file.id, "transition");
      const auto tr = read_int64(file.id, "transitions", shape);
      const int removed = index_of(names, "removed");
      const std::size_t nt = shape.size() == 3 ? shape[2] : 0;
      for (std::size_t k = 0; nt > 0 && removed >= 0 && k < tr.size(); ++k)
        if (static_cast<int>(k % nt) == removed) h.removals += tr[k];
    }
    if (exists(file.id, "smuggling") && exists(file.id, "quantity")) {
      const auto names = read_labels(file.id, "quantity");
      const auto sm = read_int64(file.id, "smuggling", shape);
      const int arr = index_of(names, "arrivals"), price = index_of(names, "price_usd"),
                rev = index_of(names, "revenue_usd");
      const std::size_t nq = shape.size() == 3 ? shape[2] : 0;
      std::int64_t price_sum = 0, price_n = 0;
      for (std::size_t k = 0; nq > 0 && k < sm.size(); ++k) {
        const auto q = static_cast<int>(k % nq);
        if (q == arr) h.crossings += sm[k];
        if (q == rev) h.revenue_usd += sm[k];
        if (q == price) price_sum += sm[k], ++price_n;
      }
      h.mean_price_usd = price_n ? price_sum / price_n : 0;
    }
    if (exists(file.id, "deaths")) {
      const auto dd = read_int64(file.id, "deaths", shape);
      for (auto v : dd) h.route_deaths += v;
    }
    if (H5Aexists(file.id, "start_date") > 0) {
      Handle a{H5Aopen(file.id, "start_date", H5P_DEFAULT), H5Aclose};
      Handle t{H5Aget_type(a.id), H5Tclose};
      if (H5Tis_variable_str(t.id) > 0) {
        char* s = nullptr;
        Handle mt{H5Tcopy(H5T_C_S1), H5Tclose};
        H5Tset_size(mt.id, H5T_VARIABLE);
        if (H5Aread(a.id, mt.id, &s) >= 0 && s) {
          h.start_date = s;
          H5free_memory(s);
        }
      } else {
        std::string s(H5Tget_size(t.id), '\0');
        if (H5Aread(a.id, t.id, s.data()) >= 0) h.start_date = s.c_str();
      }
    }
  } catch (const InputError& e) {
    throw InputError(path + ": not a migrasim output file (" + e.what() + ")");
  }
  return h;
}

}  // namespace migrasim::io
