#pragma once
// Scores of simulated camp populations against observed ones, as Flee reports them (docs/flee.md):
//   ARD (averaged relative difference) = mean over days t of sum_c |sim_c(t) - obs_c(t)| / max(sum_c
//   obs_c(t), 1) rescaled ARD: the same with sim_c(t) replaced by int(sim_c(t) * sum_c obs_c(t) / sum_c
//   sim_c(t)) MASE: mean |sim_c - obs_c| over the mean |obs_c(t) - obs_c(t-1)| of the naive forecast.
#include <cstdint>
#include <string>
#include <vector>

#include "io/flee_case.hpp"
#include "sim/memory_recorder.hpp"

namespace migrasim::studies {

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
std::vector<std::vector<double>> simulated_camps(const MemoryRecorder& record,
                                                 const io::ObservedData& observed, std::int32_t places);

// `simulated` is [camp][day], in the order of observed.camps; days = observed.total.size().
ValidationScore score(const std::vector<std::vector<double>>& simulated, const io::ObservedData& observed);

// A scenario run for several seeds and scored against an observed folder (what `migrasim validate`
// prints and writes; the Python API's migrasim.validate).
struct ValidationRun {
  io::ObservedData observed;                        // with the case's registration corrections, / hasten
  std::int64_t start_day = 0;                       // days since 1970-01-01 of the run's first day
  std::vector<std::uint64_t> seeds;                 // run.seed, run.seed + 1, ...
  std::vector<ValidationScore> scores;              // [seed]
  std::vector<std::vector<double>> mean_simulated;  // [camp][day], mean over seeds
  double seconds_per_run = 0;                       // wall time of the simulations alone
  std::vector<std::string> warnings;                // the scenario reader's (ScenarioSpec::warnings)
};

// Loads `scenario` with the `sets` overrides, reads `observed_dir` (data_layout.csv and the camp series;
// the scenario's flee_case.validation when empty) and runs `seeds` seeds on `threads` threads.
// Throws InputError on bad input.
ValidationRun run_validation(const std::string& scenario, const std::vector<std::string>& sets,
                             std::string observed_dir, int seeds, int threads);

}  // namespace migrasim::studies
