#pragma once
// The simulation owns all state of a run: world, route state, agents, schedule, models and counts.
// No globals: several simulations may live side by side (ensembles, tests).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/agent_sample.hpp"
#include "sim/checkpoint.hpp"
#include "sim/model.hpp"
#include "sim/population.hpp"
#include "sim/recorder.hpp"
#include "sim/schedule.hpp"
#include "sim/world.hpp"

namespace migrasim {

struct SimulationConfig {
  std::uint64_t seed = 1;
  std::int32_t days = 0;
  int threads = 1;         // worker threads; results are identical for any value
  std::string start_date;  // ISO date of day 0, passed on to recorders
  // Record the kernel's population_by_group(time, location, nationality, sex, age_band) series: people at
  // each place, stranded or not, by group. Off by default: it holds places x countries x 8 values a day.
  bool record_groups = false;
  // A keyed random sample of agents' trajectories (sim/agent_sample.hpp); size 0: none.
  AgentSampleSpec agents{};
  // Resource limits, checked before agents are made (0: none): at most `max_agents` agents, and at most
  // `memory_bytes` of agent columns (bytes per agent x agents). A day that would make more stops the run
  // with InputError naming the figures, before allocating.
  std::int64_t max_agents = 0;
  std::uint64_t memory_bytes = 0;
};

class Simulation {
 public:
  Simulation(std::shared_ptr<const World> world, Schedule schedule,
             std::vector<std::unique_ptr<Model>> models, SimulationConfig config);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Recorders are not owned; they must outlive the run.
  void add_recorder(Recorder* recorder);

  // An independent copy of the simulation as it stands (the agents, the route state, the counts, every
  // model's state): stepped on, it gives exactly the numbers this one would. `recorders` receive the
  // fork's days from here on (not on_start when this one has started: pass copies of this run's
  // recorders to continue their record). `threads` (0: the same) may differ; results do not depend on
  // it. Throws InputError when a mechanism cannot be copied (Model::clone).
  std::unique_ptr<Simulation> fork(const std::vector<Recorder*>& recorders = {}, int threads = 0) const;

  // Checkpoints (sim/checkpoint.hpp, docs/reliability.md). check_checkpoints throws InputError naming
  // the mechanisms of the run that cannot save their state (Model::checkpointable).
  void check_checkpoints() const;
  // The state after the last day run: the day, the route state and the schedule, every agent column
  // (the kernel's and the declared ones), the counts and series of the last day, the agent sample and
  // every model's state. Throws InputError when a mechanism cannot save its state, or when parameters
  // were changed mid-run (change_params: the checkpoint holds no parameters).
  void save_state(StateWriter& out) const;
  // Into a simulation built as the saved one was (the same scenario, any thread count) and not yet
  // stepped: starts it (recorders get on_start as in a new run; the days recorded before the checkpoint
  // are the caller's to replay, e.g. RecordLog) and takes the saved state, so that stepping on gives
  // exactly the numbers the saved run would have. Throws InputError when the state does not fit.
  void load_state(StateReader& in);

  // Changes between steps. A route event applied at the start of the next day, after the events the
  // schedule holds for it (its `day` is set to day()); recorded like them.
  void apply_event(Event event);
  // Hands mechanism `name` changed parameters (Model::change_params) before the next day, and tells the
  // recorders (an event of action "set_parameter" on day(), named `what`, with `value`). Throws
  // InputError when the run has no such mechanism or the mechanism refuses.
  void change_params(std::string_view name, const void* params, const std::string& what, double value);

  // Runs up to n days (fewer when the run ends). Returns the number of days run.
  std::int32_t step(std::int32_t n = 1);
  // Runs the remaining days.
  void run();
  bool finished() const;

  std::int32_t day() const;  // the next day to run (0 before the first step)
  std::int32_t days() const;
  const World& world() const;
  const RouteState& route_state() const;
  const Population& population() const;
  const SimulationConfig& config() const;
  // The sample of agents' trajectories recorded so far (SimulationConfig::agents).
  const AgentSample& agent_sample() const;

  // Counts at the end of the last day run (layout as in DayRecord); stable addresses for the lifetime
  // of the simulation, so that Python can hold numpy views of them.
  const std::vector<std::int64_t>& population_counts() const;
  const std::vector<std::int64_t>& stranded_counts() const;
  const std::vector<std::int64_t>& on_route_counts() const;
  const std::vector<std::int64_t>& flow_counts() const;
  std::int64_t spawned_total() const;
  // The models' own series (declared at the first step) and their values at the end of the last day run.
  const std::vector<SeriesSpec>& series_specs() const;
  const std::vector<std::vector<std::int64_t>>& series_values() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace migrasim
