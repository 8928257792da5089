#pragma once
// A recorder that keeps every day's counts in memory (Python results, tests, ensembles).
#include <cstdint>
#include <string>
#include <vector>

#include "sim/errors.hpp"
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
    series.assign(info.series.size(), {});
    events.clear();
    days = 0;
  }
  void on_event(const EventRecord& e) override { events.push_back(e); }
  void on_day(const DayRecord& r) override {
    // Validate the models' series first, so that a bad record leaves the recorder unchanged.
    if (r.series.size() != info_.series.size())
      throw InternalError("MemoryRecorder::on_day: " + std::to_string(r.series.size()) +
                          " series in the day record, expected " + std::to_string(info_.series.size()));
    for (std::size_t k = 0; k < r.series.size(); ++k)
      if (r.series[k] == nullptr || r.series[k]->size() != info_.series[k].size())
        throw InternalError("MemoryRecorder::on_day: series '" + info_.series[k].name + "' has " +
                            (r.series[k] ? std::to_string(r.series[k]->size()) : std::string("no")) +
                            " values, expected " + std::to_string(info_.series[k].size()));
    population.insert(population.end(), r.population->begin(), r.population->end());
    stranded.insert(stranded.end(), r.stranded->begin(), r.stranded->end());
    on_route.insert(on_route.end(), r.on_route->begin(), r.on_route->end());
    flow.insert(flow.end(), r.flow->begin(), r.flow->end());
    spawned.push_back(r.spawned_today);
    for (std::size_t k = 0; k < r.series.size(); ++k)
      series[k].insert(series[k].end(), r.series[k]->begin(), r.series[k]->end());
    ++days;
  }
  const RunInfo& info() const { return info_; }
  // The models' series, as declared at the start (same order as `series`).
  const std::vector<SeriesSpec>& series_specs() const { return info_.series; }

  // Replays everything recorded so far into another recorder (e.g. an HDF5 writer after an in-memory run).
  void replay(Recorder& to) const {
    to.on_start(info_);
    const std::size_t np = population.size() / (days ? days : 1), ns = stranded.size() / (days ? days : 1),
                      nr = on_route.size() / (days ? days : 1);
    std::size_t ei = 0;
    std::vector<std::int64_t> p(np), s(ns), o(nr), f(nr);
    std::vector<std::vector<std::int64_t>> sv(series.size());
    std::int64_t total = 0;
    for (std::int32_t d = 0; d < days; ++d) {
      while (ei < events.size() && events[ei].day <= d) to.on_event(events[ei++]);
      const auto ud = static_cast<std::size_t>(d);
      auto slice = [ud](const std::vector<std::int64_t>& from, std::size_t n,
                        std::vector<std::int64_t>& out) {
        out.assign(from.begin() + static_cast<std::ptrdiff_t>(ud * n),
                   from.begin() + static_cast<std::ptrdiff_t>((ud + 1) * n));
      };
      slice(population, np, p);
      slice(stranded, ns, s);
      slice(on_route, nr, o);
      slice(flow, nr, f);
      total += spawned[ud];
      DayRecord rec{d, &p, &s, &o, &f, spawned[ud], total, {}};
      for (std::size_t k = 0; k < series.size(); ++k) {
        slice(series[k], info_.series[k].size(), sv[k]);
        rec.series.push_back(&sv[k]);
      }
      to.on_day(rec);
    }
    while (ei < events.size()) to.on_event(events[ei++]);
    if (days == info_.days) to.on_finish();
  }

  // Row-major [day][...] arrays.
  std::vector<std::int64_t> population, stranded, on_route, flow, spawned;
  // The models' series: series[k] is row-major [day][values of series_specs()[k]].
  std::vector<std::vector<std::int64_t>> series;
  std::vector<EventRecord> events;
  std::int32_t days = 0;

 private:
  RunInfo info_;
};

}  // namespace migrasim
