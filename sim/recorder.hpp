#pragma once
// Output leaves the kernel only through recorders (Arbor's samplers): the kernel calls them at the start,
// for each applied event and at the end of each day. It never opens a file itself.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/population.hpp"
#include "sim/schedule.hpp"
#include "sim/world.hpp"

namespace migrasim {

// A model's own daily counts (e.g. a programme's queue), recorded beside the kernel's. The values of one
// day are laid out row-major over `dims`; the recorded variable has dimensions (time, dims...).
struct SeriesSpec {
  std::string name;                              // variable name, e.g. "programme_queue"
  std::string long_name;                         // human-readable description
  std::string units;                             // e.g. "persons"
  std::vector<std::string> dims;                 // dimension names after time, e.g. {"programme", "outcome"}
  std::vector<std::vector<std::string>> coords;  // labels of each dimension (same order as dims)
  std::size_t size() const {
    std::size_t n = 1;
    for (const auto& c : coords) n *= c.size();
    return n;
  }
};

struct RunInfo {
  const World* world = nullptr;
  std::string start_date;  // ISO 8601, e.g. "2024-01-01"
  std::int32_t days = 0;
  std::uint64_t seed = 0;
  int threads = 0;
  std::vector<SeriesSpec> series;  // the models' own series, in the order of DayRecord::series
};

// Counts at the end of one day. Every count is an integer computed by an order-independent reduction.
struct DayRecord {
  std::int32_t day = 0;
  const std::vector<std::int64_t>* population =
      nullptr;                                          // [place * legal_status_count + status], not stranded
  const std::vector<std::int64_t>* stranded = nullptr;  // [place] waiting at a closed or full route
  const std::vector<std::int64_t>* on_route = nullptr;  // [route] travelling along it at the end of the day
  const std::vector<std::int64_t>* flow = nullptr;      // [route] entries into it during the day
  std::int64_t spawned_today = 0;
  std::int64_t spawned_total =
      0;  // identity: spawned_total = sum(population) + sum(stranded) + sum(on_route)
  // The models' own series for the day, one per RunInfo::series entry, each of size SeriesSpec::size().
  std::vector<const std::vector<std::int64_t>*> series;
};

struct EventRecord {
  std::int32_t day = 0;
  std::string name;
  std::string action;
  std::string target;
  double value = 0;
  std::int32_t routes_affected = 0;
};

class Recorder {
 public:
  virtual ~Recorder() = default;
  virtual void on_start(const RunInfo&) {}
  virtual void on_event(const EventRecord&) {}
  virtual void on_day(const DayRecord& record) = 0;
  virtual void on_finish() {}
};

}  // namespace migrasim
