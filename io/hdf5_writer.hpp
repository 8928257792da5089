#pragma once
// HDF5 output as a recorder. The file is netCDF-4 compatible (HDF5 dimension scales), so that
// xarray.open_dataset(path, engine="h5netcdf") opens it with no options.
//
// Layout:
//   dimensions (dimension-scale datasets): time (int32, units "days since START_DATE"),
//     location (variable-length UTF-8 names), legal_status (names), edge (names "A--B")
//   population(time, location, legal_status) int64  people at each place who are not stranded
//   stranded(time, location) int64                   people waiting at a closed route
//   on_route(time, edge) int64                       people travelling along each route at the end of the day
//   flow(time, edge) int64                           entries into each route during the day
//   spawned(time) int64                              new agents that day
//   location_country(location), location_kind(location), location_lat(location), location_lon(location),
//   edge_distance_km(edge), edge_mode(edge): static coordinates and attributes
//   location_attribute_NAME(location), edge_attribute_NAME(edge): the world's attributes of places and
//     routes (World::place_attributes, route_attributes; a Flee case's extra columns), as text coordinates
//   model series (sim::SeriesSpec): one int64 variable NAME(time, dims...) per series a model declares, e.g.
//     programme_decisions(time, programme, outcome); dimension scales created once, or reused when a dim of
//     that name exists (location, legal_status, edge, or another series')
//   group events: 1-D datasets over dimension "event": day, name, action, target, value, routes_affected
//   group agents (output.agents): a keyed random sample of agents' trajectories, one row per sampled agent
//     and recording day, 1-D datasets over dimension "row": agent, day, location and edge (indices into the
//     root's coordinates, -1 when on a route / at a place), legal_status, nationality, sex, age_band (codes
//     0, 1, ... of the names in their attribute flag_meanings), weight (agents made in the run / agents
//     sampled: the agents a sampled one stands for), and seed in an ensemble file; attributes sample, every
//   group provenance: attributes and string datasets (scenario text verbatim, resolved scenario, seed,
//     software and library versions, threads, wall time, command line, start time, resumed_from when
//     resumed from a checkpoint)
// Variables are chunked along time and deflate-compressed. Days are written as they come (the time dimension
// is unlimited), so memory does not grow with the run length.
//
// An ensemble file (Hdf5Options::member_seeds) has the same layout with a first dimension `seed` (uint64,
// the members' run.seed) on every time-dependent variable: population(seed, time, location, legal_status),
// ...; `migrasim ensemble` writes it, xarray opens it as one Dataset.
//
// The file is first written as "<path>.partial-<pid>" and renamed to <path> by commit(); if the writer is
// destroyed without commit (error, exception), the partial file is removed. A killed process leaves only the
// ".partial-" name, never a file under the requested name.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/agent_sample.hpp"
#include "sim/recorder.hpp"

namespace migrasim::io {

struct Provenance {
  std::string scenario_path;
  std::string scenario_text;      // the scenario file, verbatim
  std::string resolved_scenario;  // the fully resolved scenario (extends and --set applied), YAML
  std::uint64_t seed = 0;
  int threads = 0;
  double wall_seconds = 0;
  std::string command_line;
  std::vector<std::string> warnings;  // what the scenario reader doubted (ScenarioSpec::warnings)
  // A run resumed from a checkpoint (migrasim run --resume): the checkpoint and its day; written as the
  // attribute resumed_from only then. threads, wall_seconds and command_line are the resumed run's.
  std::string resumed_from = {};
};

struct Hdf5Options {
  int compression_level = 4;  // deflate 0..9
  bool record_population = true;
  bool record_stranded = true;
  bool record_on_route = true;
  bool record_flow = true;
  // Not the writer's: asks the simulation for its population_by_group series (io::make_simulation passes
  // it on as SimulationConfig::record_groups); the writer writes it like every series.
  bool record_population_by_group = false;
  // output.agents: the sample of agents' trajectories the simulation keeps (SimulationConfig::agents, passed
  // on by io::make_simulation); the writer writes what add_agents gives it.
  AgentSampleSpec agents{};
  // Non-empty: an ensemble file. Every time-dependent variable gets a first dimension `seed` with these
  // values; the writer takes one run per seed, in this order (each run calls on_start again with its
  // seed, the same world, days and series), and commit() needs them all. The events table is the first
  // member's (the members share the scenario's events).
  std::vector<std::uint64_t> member_seeds;
};

// Call first in the main() of a program that writes HDF5 files, before any other HDF5 call: HDF5 then
// installs no exit handler. After a close that failed (a full disk), that handler crashes the process at
// exit (H5F__close_cb, HDF5 1.10); the writer closes what it opened and removes its partial file itself.
void hdf5_skip_exit_cleanup();

class Hdf5Writer final : public Recorder {
 public:
  Hdf5Writer(std::string path, Hdf5Options options = {});
  ~Hdf5Writer() override;
  void on_start(const RunInfo& info) override;
  void on_event(const EventRecord& event) override;
  void on_day(const DayRecord& record) override;
  // The run's (or the member's) sample of agents' trajectories, after its last day: written at commit as
  // the group `agents`, with a column `seed` in an ensemble file. Nothing is written for an empty spec.
  void add_agents(const AgentSample& sample);
  // Writes provenance, closes the file and renames it to its final name. Throws on I/O failure.
  void commit(const Provenance& provenance);
  const std::string& path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace migrasim::io
