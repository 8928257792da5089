#pragma once
// Scenario files -> a resolved, validated, immutable description of a run (ScenarioSpec).
// Format: docs/scenario-format.md. Every error names file:line:column, the key path, the bad value and
// what was expected, and is thrown as InputError (CLI exit code 2).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/flee_case.hpp"
#include "io/hdf5_writer.hpp"
#include "io/yaml_read.hpp"  // parse_iso_date, format_iso_date
#include "sim/registry.hpp"
#include "sim/schedule.hpp"
#include "sim/simulation.hpp"
#include "sim/world.hpp"

namespace migrasim::io {

struct ScenarioSpec {
  std::string path;                    // the scenario file as given
  std::string text;                    // that file, verbatim
  std::vector<std::string> overrides;  // the `--set` assignments, in order
  std::string resolved_yaml;           // after `extends:` and `--set`, as YAML
  std::string start_date;              // ISO date of day 0
  std::int32_t days = 0;
  std::uint64_t seed = 0;
  std::shared_ptr<const World> world;
  std::vector<Event> events;
  std::string model;  // behaviour.model: "economic", "flee" or "none" (no movement model)
  // The mechanisms the scenario names with their resolved parameters, in phase order (models/registry.cpp).
  std::vector<ResolvedMechanism> mechanisms;
  FleeCasePaths flee_case;  // model flee: the Flee files the world and data come from
  FleeDataRules flee_data;  // model flee: how its observed data are read (hasten, ...)
  ObservedData observed;    // model flee: observed camp counts (spawning targets; validation)
  // Input that loads but that the reader doubts (e.g. a Flee row Flee would skip): "file:line:column: ...",
  // printed on stderr by the CLI and kept in the output's provenance (docs/reliability.md).
  std::vector<std::string> warnings;
  std::string output_path;  // may be empty: then the caller chooses
  Hdf5Options output;

  const ResolvedMechanism* find(const std::string& name) const;  // null when the scenario does not name it
  template <class P>
  const P& params(const std::string& name) const {  // the parameters of a mechanism it names
    const ResolvedMechanism* m = find(name);
    if (!m) throw InternalError("the scenario has no mechanism " + name);
    return m->as<P>();
  }
};

// Loads `path`, applies its `extends:` chain (base first) and the `--set KEY=VALUE` overrides, validates.
ScenarioSpec load_scenario(const std::string& path, const std::vector<std::string>& overrides = {});
// The same with another list of mechanisms than models/registry.cpp (tests; applications that add their own).
ScenarioSpec load_scenario(const std::string& path, const std::vector<std::string>& overrides,
                           const MechanismRegistry& registry);

// Changes between the days of a run (the Python API's Simulation.set and Simulation.apply).
//
// A parameter: `spec` loaded again with one more override KEY=VALUE. The key must lie in the section of a
// mechanism the scenario runs, and the mechanism's new parameters may differ from `spec`'s only in keys
// its table marks changeable mid-run (ParamEntry::changeable; a changeable list takes any change to its
// records); otherwise InputError names the key and lists the changeable ones. The simulation takes
// `params` through Simulation::change_params(mechanism, ...).
struct ParamChange {
  std::shared_ptr<const ScenarioSpec> spec;  // with the override: the base of the next change
  std::string mechanism;
  std::shared_ptr<const void> params;
  double value = 0;  // the value when it is one number (for the events table), else 0
};
ParamChange change_param(const ScenarioSpec& spec, const std::string& assignment);
// The changeable keys of the mechanisms `spec` runs, as `migrasim params` shows them
// ("behaviour.legal.pathways[].quota_per_month").
std::vector<std::string> changeable_keys(const ScenarioSpec& spec);
// A route event: one entry of the scenario's `events:` list, as YAML text, whose `date` may be left out
// (then `today`, the next day to run); a date before `today` or after the run is refused.
Event read_event(const ScenarioSpec& spec, const std::string& yaml, std::int32_t today);

// Builds a ready-to-run simulation from a resolved scenario.
// Limits: at most `max_agents` agents (0: no count limit) and at most what the machine's physical memory
// holds of agent columns (SimulationConfig::max_agents, memory_bytes).
std::unique_ptr<Simulation> make_simulation(const ScenarioSpec& spec, int threads,
                                            std::int64_t max_agents = 0);
// The machine's physical memory in bytes (0 when unknown).
std::uint64_t physical_memory_bytes();

}  // namespace migrasim::io
