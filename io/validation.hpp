#pragma once
// Scores of simulated camp populations against observed ones, as Flee reports them (docs/flee.md):
//   ARD (averaged relative difference) = mean over days t of sum_c |sim_c(t) - obs_c(t)| / max(sum_c
//   obs_c(t), 1) rescaled ARD: the same with sim_c(t) replaced by int(sim_c(t) * sum_c obs_c(t) / sum_c
//   sim_c(t)) MASE: mean |sim_c - obs_c| over the mean |obs_c(t) - obs_c(t-1)| of the naive forecast.
#include <string>
#include <vector>

#include "io/flee_case.hpp"
#include "sim/memory_recorder.hpp"

namespace migrasim::io {

struct CampScore {
  std::string name;
  double ard = 0;           // this camp's share of the overall ARD
  double ard_rescaled = 0;  // its share of the rescaled ARD
  double mase = 0;
};

struct ValidationScore {
  std::vector<CampScore> camps;
  double ard = 0;
  double ard_rescaled = 0;
  double mase = 0;
};

// People at each observed camp on each day (population of all legal statuses plus stranded), [camp][day].
std::vector<std::vector<double>> simulated_camps(const MemoryRecorder& record, const ObservedData& observed,
                                                 std::int32_t places);

// `simulated` is [camp][day], in the order of observed.camps; days = observed.total.size().
ValidationScore score(const std::vector<std::vector<double>>& simulated, const ObservedData& observed);

}  // namespace migrasim::io
