#include "studies/validation.hpp"

#include <cmath>
#include <filesystem>

#include "io/scenario.hpp"
#include "sim/errors.hpp"
#include "studies/ensemble.hpp"

namespace migrasim::studies {

using namespace io;  // scenarios, Flee data, dates, HDF5 reads

std::vector<std::vector<double>> simulated_camps(const MemoryRecorder& record, const ObservedData& observed,
                                                 std::int32_t places) {
  const auto days = static_cast<std::size_t>(record.days);
  const auto np = static_cast<std::size_t>(places);
  std::vector<std::vector<double>> sim(observed.camps.size(), std::vector<double>(days, 0.0));
  for (std::size_t c = 0; c < observed.camps.size(); ++c) {
    const auto p = static_cast<std::size_t>(observed.camps[c].place);
    for (std::size_t t = 0; t < days; ++t) {
      double n = static_cast<double>(record.stranded[t * np + p]);
      for (std::size_t s = 0; s < legal_status_count; ++s)
        n += static_cast<double>(record.population[(t * np + p) * legal_status_count + s]);
      sim[c][t] = n;
    }
  }
  return sim;
}

ValidationScore score(const std::vector<std::vector<double>>& sim, const ObservedData& obs) {
  const std::size_t camps = obs.camps.size();
  if (sim.size() != camps) throw InternalError("score: simulated and observed camps differ");
  const std::size_t days = obs.total.size();
  ValidationScore out;
  out.camps.resize(camps);
  std::vector<double> abs_err(camps, 0.0), naive(camps, 0.0);
  for (std::size_t t = 0; t < days; ++t) {
    double obs_sum = 0, sim_sum = 0;
    for (std::size_t c = 0; c < camps; ++c) {
      obs_sum += obs.camps[c].daily[t];
      sim_sum += sim[c][t];
    }
    const double denom = std::max(obs_sum, 1.0);
    for (std::size_t c = 0; c < camps; ++c) {
      const double o = obs.camps[c].daily[t];
      const double diff = std::fabs(sim[c][t] - o);
      const double rescaled = sim_sum > 0 ? std::trunc(sim[c][t] * obs_sum / sim_sum) : 0.0;
      out.camps[c].ard += diff / denom;
      out.camps[c].ard_rescaled += std::fabs(rescaled - o) / denom;
      abs_err[c] += diff;
      if (t > 0) naive[c] += std::fabs(o - obs.camps[c].daily[t - 1]);
    }
  }
  double err_total = 0, naive_total = 0;
  for (std::size_t c = 0; c < camps; ++c) {
    out.camps[c].name = obs.camps[c].name;
    out.camps[c].ard /= static_cast<double>(days);
    out.camps[c].ard_rescaled /= static_cast<double>(days);
    out.ard += out.camps[c].ard;
    out.ard_rescaled += out.camps[c].ard_rescaled;
    const double mean_err = abs_err[c] / static_cast<double>(days);
    const double mean_naive = days > 1 ? naive[c] / static_cast<double>(days - 1) : 0.0;
    out.camps[c].mase = mean_naive > 0 ? mean_err / mean_naive : 0.0;
    err_total += mean_err;
    naive_total += mean_naive;
  }
  out.mase = naive_total > 0 ? err_total / naive_total : 0.0;
  return out;
}

ValidationRun run_validation(const std::string& scenario, const std::vector<std::string>& sets,
                             std::string observed_dir, int seeds, int threads) {
  namespace fs = std::filesystem;
  if (seeds < 1) throw InputError("validate: expected at least one seed");
  const ScenarioSpec base = load_scenario(scenario, sets);
  if (observed_dir.empty()) observed_dir = base.flee_case.validation;
  if (observed_dir.empty())
    throw InputError(scenario +
                     ": no observed data: give a validation folder (the scenario has no flee_case)");
  if (!fs::exists(fs::path(observed_dir) / "data_layout.csv"))
    throw InputError(observed_dir + ": no data_layout.csv (expected a Flee validation folder)");
  std::string corrections;
  if (!base.flee_case.input.empty() &&
      fs::exists(fs::path(base.flee_case.input) / "registration_corrections.csv"))
    corrections = (fs::path(base.flee_case.input) / "registration_corrections.csv").string();
  ValidationRun out;
  out.warnings = base.warnings;
  parse_iso_date(base.start_date, out.start_day);
  // The scenario's own observed data were read when it loaded; another folder is read here.
  out.observed =
      observed_dir == base.flee_case.validation
          ? base.observed
          : read_observed(observed_dir, corrections, *base.world, out.start_day, base.days, base.flee_data);
  out.mean_simulated.assign(out.observed.camps.size(), std::vector<double>(out.observed.total.size(), 0.0));
  double wall = 0;
  for (int k = 0; k < seeds; ++k) {
    const std::uint64_t seed = base.seed + static_cast<std::uint64_t>(k);
    const MemberRun run = run_member(base, seed, threads);
    wall += run.seconds;
    const auto camps = simulated_camps(run.record, out.observed, base.world->place_count());
    for (std::size_t c = 0; c < camps.size(); ++c)
      for (std::size_t t = 0; t < camps[c].size(); ++t) out.mean_simulated[c][t] += camps[c][t] / seeds;
    out.seeds.push_back(seed);
    out.scores.push_back(score(camps, out.observed));
  }
  out.seconds_per_run = wall / seeds;
  return out;
}

}  // namespace migrasim::studies
