#pragma once
// Members of an ensemble: one resolved scenario run with several seeds. The scenario and its files are
// read once; each member changes only the seed (a number), so results are those of
// `migrasim run SCENARIO --seed S` for each seed.
#include <cstdint>

#include "io/scenario.hpp"
#include "sim/memory_recorder.hpp"

namespace migrasim::studies {

struct MemberRun {
  std::uint64_t seed = 0;
  MemoryRecorder record;  // every day, in memory
  double seconds = 0;     // wall time of the simulation alone
};

// Runs `spec` with run.seed = `seed` on `threads` worker threads.
MemberRun run_member(const io::ScenarioSpec& spec, std::uint64_t seed, int threads);

}  // namespace migrasim::studies
