#pragma once
// Checkpoint files (docs/reliability.md, "Checkpoints"): the state of a run between two days, so that the
// run can go on later (migrasim run --resume) and give the output an uninterrupted run gives.
//
// Format (binary, version checkpoint_format): the 20 bytes "MIGRASIM-CHECKPOINT\0", the format version
// (uint32), the size of the body (uint64), the body, and the FNV-1a 64-bit hash of the body (uint64), all
// in the machine's byte order. The body is a sim/checkpoint.hpp state: the section "checkpoint" (the
// binary's version, the scenario's fingerprint, the day, the threads, the run's request: scenario file,
// Flee case, --set values, output, limits, checkpoint path and interval), then the simulation's state
// (Simulation::save_state), then the recorded days (RecordLog).
//
// A checkpoint is written to "<path>.partial-<pid>", flushed to disk (fsync) and renamed over <path>, so
// that <path> always holds a whole checkpoint, the previous one until the new one is complete.
#include <cstdint>
#include <string>
#include <vector>

#include "io/scenario.hpp"
#include "sim/checkpoint.hpp"
#include "sim/record_log.hpp"
#include "sim/simulation.hpp"

namespace migrasim::io {

inline constexpr std::uint32_t checkpoint_format = 1;

// What a resumed run needs besides the state: how the scenario was loaded and where things go.
struct CheckpointRun {
  std::string scenario;               // the scenario file (absolute); empty for a Flee case
  std::string flee_dir, simsetting;   // a Flee case (absolute), and its simsetting.yml if given
  std::vector<std::string> sets;      // --set values, with --days and --seed as run.days=, run.seed=
  std::string output;                 // the output file (absolute)
  std::int64_t max_agents = 0;        // --max-agents (0: the default)
  std::int32_t checkpoint_every = 0;  // days between checkpoints
  std::string checkpoint;             // the checkpoint file (absolute)
};

struct CheckpointHeader {
  std::string binary;       // the writing binary's version and git description; resuming needs the same
  std::string fingerprint;  // scenario_fingerprint() of the run's scenario
  std::int32_t day = 0;     // the next day to run
  std::int32_t threads = 0;
  CheckpointRun run;
};

// This binary's version as a checkpoint records it.
std::string checkpoint_binary();
// A 64-bit FNV-1a hash (hex) of the resolved scenario (with `temp_folder`, a Flee case's temporary
// folder, replaced by a fixed word, since it differs between runs) and of the world and the events it
// built: resuming under a scenario that differs in anything is refused.
std::string scenario_fingerprint(const ScenarioSpec& spec, const std::string& temp_folder = "");

// Writes the checkpoint atomically (see above). Throws InputError on I/O failure (naming the path and the
// system's reason) and when the simulation cannot save its state.
void write_checkpoint(const std::string& path, const CheckpointHeader& header, const Simulation& simulation,
                      const RecordLog* log);

// A checkpoint file read and checked (magic, format version, hash); the header is read, the state follows.
class CheckpointFile {
 public:
  explicit CheckpointFile(const std::string& path);
  const CheckpointHeader& header() const { return header_; }
  // Throws InputError unless the checkpoint was written by this binary for this scenario.
  void check(const std::string& fingerprint) const;
  // Puts the saved state into `simulation` (built from the same scenario, not yet stepped) and the
  // recorded days into `log` (when given; they are skipped otherwise).
  void restore(Simulation& simulation, RecordLog* log) const;

 private:
  std::string path_;
  std::vector<unsigned char> body_;
  std::size_t state_at_ = 0;  // where the simulation's state begins in body_
  CheckpointHeader header_;
};

}  // namespace migrasim::io
