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
#include "models/disaster.hpp"
#include "models/economic.hpp"
#include "models/flee.hpp"
#include "models/legal_status.hpp"
#include "models/smuggling.hpp"
#include "sim/memory_recorder.hpp"
#include "sim/schedule.hpp"
#include "sim/simulation.hpp"
#include "sim/world.hpp"

namespace migrasim::io {

struct ScenarioSpec {
  std::string path;           // the scenario file as given
  std::string text;           // that file, verbatim
  std::string resolved_yaml;  // after `extends:` and `--set`, as YAML
  std::string start_date;     // ISO date of day 0
  std::int32_t days = 0;
  std::uint64_t seed = 0;
  std::shared_ptr<const World> world;
  std::vector<Event> events;
  std::string model;  // "economic", "flee" or "none" (no movement model)
  models::EconomicParams economic;
  models::FleeParams flee;
  bool has_legal = false;  // behaviour.legal given: the legal-status model runs after the movement model
  models::LegalParams legal;
  bool has_disasters = false;  // behaviour.disasters given: the disaster model runs beside the others
  models::DisasterParams disasters;
  bool has_smuggling = false;  // behaviour.smuggling given: the smuggling-market model runs beside the others
  models::SmugglingParams smuggling;
  FleeCasePaths flee_case;  // model flee: the Flee files the world and data come from
  double flee_hasten = 1;
  ObservedData observed;    // model flee: observed camp counts (spawning targets; validation)
  std::string output_path;  // may be empty: then the caller chooses
  Hdf5Options output;
};

// Loads `path`, applies its `extends:` chain (base first) and the `--set KEY=VALUE` overrides, validates.
ScenarioSpec load_scenario(const std::string& path, const std::vector<std::string>& overrides = {});

// Builds a ready-to-run simulation from a resolved scenario.
std::unique_ptr<Simulation> make_simulation(const ScenarioSpec& spec, int threads);

// One member of an ensemble: `path` with `overrides` and run.seed = `seed`, run with every day recorded
// in memory (for `validate` and `drill`).
struct SeededRun {
  ScenarioSpec spec;
  MemoryRecorder record;
  double seconds = 0;  // wall time of the simulation alone
};
SeededRun run_seeded(const std::string& path, const std::vector<std::string>& overrides, std::uint64_t seed,
                     int threads);

// Dates: days since 1970-01-01 for an ISO date "YYYY-MM-DD" (false if malformed), and back.
bool parse_iso_date(const std::string& s, std::int64_t& days_since_epoch);
std::string format_iso_date(std::int64_t days_since_epoch);

}  // namespace migrasim::io
