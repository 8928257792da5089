#pragma once
// Counter-based random numbers (Random123 Philox 4x32-10). A draw is a pure function of
// (seed, subject id, day, purpose, index): no generator state, so results do not depend on which
// thread or (later) which MPI rank makes the draw, nor on the order of draws.
#include <cmath>
#include <cstdint>

#include <Random123/philox.h>

namespace migrasim {

// Purposes: each kind of decision draws from its own stream. Models pick values from their own ranges
// (kernel 0-15, economic model 16-31, later models above) so that adding a model never shifts another's
// draws.
enum class Purpose : std::uint32_t {
  spawn_count = 1,
  route_priority = 2,
  economic_destination = 16,
  economic_demography = 17,
  economic_visa = 18,
  economic_resources = 19,
  economic_border = 20,  // + nothing: index = policy
  economic_return = 21,
  flee_spawn_place = 32,
  flee_move = 33,
  legal_residents = 48,
  legal_eligibility = 49,  // + programme index (a fixed draw per agent and programme)
  legal_apply = 50,
  legal_barrier = 51,
  legal_queue = 52,
  legal_decision = 53,
  legal_permit = 54,
  legal_enforcement = 55,
  disaster_count = 40,
  disaster_choice = 41,
  disaster_admission = 42,
  disaster_return = 43,
  disaster_evacuation = 44,
  smuggling_demand = 56,
  smuggling_resources = 57,
  smuggling_seat = 58,
  smuggling_outcome = 59,
  smuggling_choice = 60,  // Gumbel draws, block = option / 4
  smuggling_give_up = 61,
  legal_eligibility_base = 64,  // 64 + programme: per-agent, per-programme fixed draws (up to 318)
  legal_pathway_apply = 320,
  legal_give_up = 321,
  legal_reemigration = 323,
  legal_detention_priority = 324,
};

class KeyedRng {
 public:
  explicit KeyedRng(std::uint64_t seed) {
    key_ = {{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
  }
  // Four independent 32-bit words for (id, day, purpose, block).
  r123::Philox4x32::ctr_type words(std::uint64_t id, std::int32_t day, Purpose purpose,
                                   std::uint32_t block = 0) const {
    r123::Philox4x32::ctr_type ctr = {{static_cast<std::uint32_t>(id), static_cast<std::uint32_t>(id >> 32),
                                       static_cast<std::uint32_t>(day),
                                       (static_cast<std::uint32_t>(purpose) << 20) ^ block}};
    return r123::Philox4x32()(ctr, key_);
  }
  // Uniform in [0, 1) from one 32-bit word; never returns 1.
  static double to_unit(std::uint32_t w) { return (static_cast<double>(w) + 0.5) * (1.0 / 4294967296.0); }

  double uniform(std::uint64_t id, std::int32_t day, Purpose purpose, std::uint32_t index = 0) const {
    return to_unit(words(id, day, purpose, index >> 2).v[index & 3u]);
  }

  // Poisson-distributed count with mean `lambda` (inversion below 10, Hoermann's PTRS above).
  std::int64_t poisson(double lambda, std::uint64_t id, std::int32_t day, Purpose purpose) const;

  // Standard normal (Box-Muller on two words).
  double normal(std::uint64_t id, std::int32_t day, Purpose purpose, std::uint32_t index = 0) const;

 private:
  r123::Philox4x32::key_type key_;
};

// A sequential stream over one (id, day, purpose): u() returns successive uniforms.
class DrawStream {
 public:
  DrawStream(const KeyedRng& rng, std::uint64_t id, std::int32_t day, Purpose purpose)
      : rng_(rng), id_(id), day_(day), purpose_(purpose) {}
  double u() {
    if ((index_ & 3u) == 0) block_ = rng_.words(id_, day_, purpose_, index_ >> 2);
    return KeyedRng::to_unit(block_.v[index_++ & 3u]);
  }

 private:
  const KeyedRng& rng_;
  std::uint64_t id_;
  std::int32_t day_;
  Purpose purpose_;
  std::uint32_t index_ = 0;
  r123::Philox4x32::ctr_type block_{};
};

}  // namespace migrasim
