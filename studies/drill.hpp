#pragma once
// Planners' figures for a disaster drill (`migrasim drill`, `migrasim.drill`): runs a scenario with the
// disaster model for an ensemble of seeds and summarises displacement, shelters, routes and returns.
#include <cstdint>
#include <string>
#include <vector>

namespace migrasim::studies {

struct Spread {
  double mean = 0, min = 0, max = 0;
  bool available = true;  // false when the figure lies beyond the run (e.g. 365 days after onset)
};

struct ShelterFigures {
  std::string name;
  std::int64_t capacity = 0;
  Spread peak;            // highest occupancy
  std::string peak_date;  // of the ensemble-mean occupancy
  Spread days_over_capacity;
};

struct RouteCut {
  std::string route;
  std::string closed_on;
  std::int32_t days = -1;  // -1: still closed at the end of the run
};

struct DrillReport {
  std::string scenario, event, onset_date;
  int ensemble = 0;
  double seconds_per_run = 0;
  Spread displaced_total, peak_in_shelters, peak_unsheltered, crossed_border, still_30, still_90, still_365;
  std::string peak_unsheltered_date;
  std::vector<ShelterFigures> shelters;
  std::vector<RouteCut> routes_cut;
  // Ensemble-mean daily series, for the dashboard: [day] and [shelter][day].
  std::vector<std::string> dates;
  std::vector<double> displaced, in_shelters, unsheltered;
  std::vector<std::vector<double>> occupancy;
};

// `event`: the disaster event the figures are counted from (default: the first). Throws InputError on a
// scenario without disasters or an unknown event.
DrillReport run_drill(const std::string& scenario, const std::vector<std::string>& overrides,
                      const std::string& event, int ensemble, int threads);
std::string format_drill(const DrillReport& report);
// Daily series (date, series, value) for plots.
void write_drill_series(const DrillReport& report, const std::string& path);

}  // namespace migrasim::studies
