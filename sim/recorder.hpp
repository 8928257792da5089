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

struct RunInfo {
  const World* world = nullptr;
  std::string start_date;  // ISO 8601, e.g. "2024-01-01"
  std::int32_t days = 0;
  std::uint64_t seed = 0;
  int threads = 0;
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
