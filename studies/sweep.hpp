#pragma once
// Sweeps: a scenario run at every point of a design (the full factorial of some keys' values) for
// several seeds, with named outcomes per run (`migrasim sweep`; the Python migrasim.sweep does the same
// with any outcome). A point is a list of KEY.PATH=VALUE overrides, validated for every point before
// any run. Outcomes: "NAME", the variable's total on the last day, or "sum:NAME", its total over every
// day; NAME is population, stranded, on_route, flow, spawned or a model series.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/memory_recorder.hpp"

namespace migrasim::studies {

struct SweepKey {
  std::string key;                  // KEY.PATH as for --set
  std::vector<std::string> values;  // its values, as written in YAML
};

// "KEY=v1,v2,...": commas inside [...] or {...} belong to the value. Throws InputError naming `what`.
SweepKey parse_vary(const std::string& text, const std::string& what);

struct SweepRow {
  std::vector<std::string> values;  // one per key
  std::uint64_t seed = 0;
  std::vector<double> outcomes;  // one per outcome name
};

struct SweepTable {
  std::vector<std::string> keys, outcomes;
  std::vector<SweepRow> rows;  // the points in order (the first key slowest), the seeds within each
};

// The value of one outcome of a recorded run. Throws InputError naming the outcome and the variables
// of the run when NAME is none of them.
double outcome_value(const MemoryRecorder& record, const std::string& outcome);

// Runs `scenario` (with `sets`) at every point of `vary` for `seeds` seeds (run.seed, run.seed + 1, ...).
SweepTable run_sweep(const std::string& scenario, const std::vector<std::string>& sets,
                     const std::vector<SweepKey>& vary, int seeds, const std::vector<std::string>& outcomes,
                     int threads);

// The table as CSV: the keys, seed, the outcomes.
std::string sweep_csv(const SweepTable& table);

}  // namespace migrasim::studies
