#pragma once
// A recorder that keeps every day's counts in memory (Python results, tests, ensembles).
#include <cstdint>
#include <vector>

#include "sim/recorder.hpp"

namespace migrasim {

class MemoryRecorder final : public Recorder {
 public:
  void on_start(const RunInfo& info) override {
    info_ = info;
    population.clear();
    stranded.clear();
    on_route.clear();
    flow.clear();
    spawned.clear();
    events.clear();
    days = 0;
  }
  void on_event(const EventRecord& e) override { events.push_back(e); }
  void on_day(const DayRecord& r) override {
    population.insert(population.end(), r.population->begin(), r.population->end());
    stranded.insert(stranded.end(), r.stranded->begin(), r.stranded->end());
    on_route.insert(on_route.end(), r.on_route->begin(), r.on_route->end());
    flow.insert(flow.end(), r.flow->begin(), r.flow->end());
    spawned.push_back(r.spawned_today);
    ++days;
  }
  const RunInfo& info() const { return info_; }

  // Replays everything recorded so far into another recorder (e.g. an HDF5 writer after an in-memory run).
  void replay(Recorder& to) const {
    to.on_start(info_);
    const std::size_t np = population.size() / (days ? days : 1), ns = stranded.size() / (days ? days : 1),
                      nr = on_route.size() / (days ? days : 1);
    std::size_t ei = 0;
    std::vector<std::int64_t> p(np), s(ns), o(nr), f(nr);
    std::int64_t total = 0;
    for (std::int32_t d = 0; d < days; ++d) {
      while (ei < events.size() && events[ei].day <= d) to.on_event(events[ei++]);
      const auto ud = static_cast<std::size_t>(d);
      p.assign(population.begin() + static_cast<std::ptrdiff_t>(ud * np),
               population.begin() + static_cast<std::ptrdiff_t>((ud + 1) * np));
      s.assign(stranded.begin() + static_cast<std::ptrdiff_t>(ud * ns),
               stranded.begin() + static_cast<std::ptrdiff_t>((ud + 1) * ns));
      o.assign(on_route.begin() + static_cast<std::ptrdiff_t>(ud * nr),
               on_route.begin() + static_cast<std::ptrdiff_t>((ud + 1) * nr));
      f.assign(flow.begin() + static_cast<std::ptrdiff_t>(ud * nr),
               flow.begin() + static_cast<std::ptrdiff_t>((ud + 1) * nr));
      total += spawned[ud];
      DayRecord rec{d, &p, &s, &o, &f, spawned[ud], total};
      to.on_day(rec);
    }
    while (ei < events.size()) to.on_event(events[ei++]);
    if (days == info_.days) to.on_finish();
  }

  // Row-major [day][...] arrays.
  std::vector<std::int64_t> population, stranded, on_route, flow, spawned;
  std::vector<EventRecord> events;
  std::int32_t days = 0;

 private:
  RunInfo info_;
};

}  // namespace migrasim
