#include "studies/compare.hpp"

#include <filesystem>
#include <memory>

#include "io/hdf5_common.hpp"
#include "sim/errors.hpp"

namespace migrasim::studies {

using namespace io;  // scenarios, Flee data, dates, HDF5 reads

namespace {

using namespace h5;

// A variable as int64 with its shape; a missing or unreadable one is not a migrasim output.
std::vector<std::int64_t> read_int64(hid_t file, const char* name, std::vector<hsize_t>& shape) {
  try {
    return read_all_int64(file, name, &shape);
  } catch (const std::runtime_error& e) {
    throw InputError(e.what());
  }
}

std::vector<std::string> read_labels(hid_t file, const char* name) {
  try {
    return read_strings(file, name);
  } catch (const std::runtime_error& e) {
    throw InputError(e.what());
  }
}

bool exists(hid_t file, const char* name) {
  return has_link(file, name);
}

int index_of(const std::vector<std::string>& labels, const std::string& name) {
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] == name) return static_cast<int>(i);
  return -1;
}

}  // namespace

Headline read_headline(const std::string& path) {
  if (!std::filesystem::exists(path)) throw InputError(path + ": no such file");
  ErrorSilencer silence;
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) throw InputError(path + ": not a migrasim output file (not HDF5)");
  if (!exists(file.get(), "population") || !exists(file.get(), "legal_status"))
    throw InputError(path + ": not a migrasim output file (no population by legal status)");
  Headline h;
  h.path = path;
  try {
    const auto statuses = read_labels(file.get(), "legal_status");
    std::vector<hsize_t> shape;
    const auto pop = read_int64(file.get(), "population", shape);
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
    if (exists(file.get(), "stranded") && days > 0) {
      const auto st = read_int64(file.get(), "stranded", shape);
      for (std::size_t p = 0; p < shape[1]; ++p) h.stranded_end += st[(shape[0] - 1) * shape[1] + p];
    }
    if (exists(file.get(), "programme_decisions") && exists(file.get(), "outcome")) {
      const auto outcomes = read_labels(file.get(), "outcome");
      const auto dec = read_int64(file.get(), "programme_decisions", shape);
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
    if (exists(file.get(), "programme_queue")) {
      const auto q = read_int64(file.get(), "programme_queue", shape);
      if (shape.size() == 2 && shape[0] > 0)
        for (std::size_t k = 0; k < shape[1]; ++k) h.backlog_end += q[(shape[0] - 1) * shape[1] + k];
    }
    if (exists(file.get(), "transitions") && exists(file.get(), "transition")) {
      const auto names = read_labels(file.get(), "transition");
      const auto tr = read_int64(file.get(), "transitions", shape);
      const int removed = index_of(names, "removed");
      const std::size_t nt = shape.size() == 3 ? shape[2] : 0;
      for (std::size_t k = 0; nt > 0 && removed >= 0 && k < tr.size(); ++k)
        if (static_cast<int>(k % nt) == removed) h.removals += tr[k];
    }
    if (exists(file.get(), "smuggling") && exists(file.get(), "quantity")) {
      const auto names = read_labels(file.get(), "quantity");
      const auto sm = read_int64(file.get(), "smuggling", shape);
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
    if (exists(file.get(), "deaths")) {
      const auto dd = read_int64(file.get(), "deaths", shape);
      for (auto v : dd) h.route_deaths += v;
    }
    h.start_date = attr_text(file.get(), "start_date");
  } catch (const InputError& e) {
    throw InputError(path + ": not a migrasim output file (" + e.what() + ")");
  }
  return h;
}

}  // namespace migrasim::studies
