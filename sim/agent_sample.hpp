#pragma once
// A keyed random sample of agents' trajectories (output.agents: {sample, every}).
//
// Each agent gets a 64-bit key, a pure function of (seed, agent id) drawn from the kernel's purpose
// agent_sample; the sample is the `size` agents with the smallest keys among every agent the run has made
// (bottom-k sampling: a uniform sample without replacement, the same for any thread count). Agents are
// seen on the recording days (day % every == 0, and the last day): a new agent enters when its key is
// below the largest key held, which then leaves with its rows. An agent of the final sample was never
// evicted, so its rows run from the first recording day after it appeared to the last day.
//
// Memory: at most `size` agents x recording days rows of AgentRow (24 bytes).
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim/checkpoint.hpp"
#include "sim/population.hpp"
#include "sim/rng.hpp"
#include "sim/world.hpp"

namespace migrasim {

inline constexpr std::int64_t max_agent_sample = 10'000'000;

struct AgentSampleSpec {
  std::int64_t size = 0;   // agents in the sample; 0: no sample
  std::int32_t every = 1;  // days between records
};

// One agent on one recorded day, at the end of that day.
struct AgentRow {
  agent_id agent = -1;
  std::int32_t day = 0;
  place_id location = -1;  // -1 while on a route
  route_id edge = -1;      // -1 while at a place
  std::int16_t nationality = -1;
  LegalStatus legal_status = LegalStatus::in_transit;
  Sex sex = Sex::female;
  std::uint8_t age_band = 0;
};

class AgentSample {
 public:
  AgentSample() = default;
  explicit AgentSample(AgentSampleSpec spec) : spec_(spec) {}
  const AgentSampleSpec& spec() const { return spec_; }
  bool enabled() const { return spec_.size > 0; }
  // Whether `day` (of a run of `days`) is a recording day.
  bool due(std::int32_t day, std::int32_t days) const {
    return enabled() && (day % spec_.every == 0 || day == days - 1);
  }
  // The key of agent `id`: smaller keys are sampled first.
  static std::uint64_t key(const KeyedRng& rng, agent_id id);
  // At the end of a recording day: admits the agents made since the last call, then records a row for
  // every agent in the sample.
  void observe(const Population& population, const World& world, const KeyedRng& rng, std::int32_t day);
  // The rows so far, by agent id then day.
  std::vector<AgentRow> rows() const;
  std::size_t agents() const { return heap_.size(); }
  // Agents considered so far: every agent the run had made by the last recording day.
  std::size_t seen() const { return seen_; }
  // Checkpoints (sim/checkpoint.hpp): the agents held and their rows.
  void save_state(StateWriter& out) const;
  void load_state(StateReader& in);

 private:
  AgentSampleSpec spec_;
  std::size_t seen_ = 0;                                  // agents [0, seen_) have been considered
  std::vector<std::pair<std::uint64_t, agent_id>> heap_;  // (key, id), a max-heap of the sample
  std::unordered_map<agent_id, std::vector<AgentRow>> rows_;
};

}  // namespace migrasim
