#pragma once
// Counter-based random numbers (Random123 Philox 4x32-10). A draw is a pure function of
// (seed, subject id, day, purpose, index): no generator state, so results do not depend on which
// thread or (later) which MPI rank makes the draw, nor on the order of draws.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <Random123/philox.h>

namespace migrasim {

// Purposes: each kind of decision draws from its own stream. The kernel's are below (values 0-15); each
// mechanism defines its own in its header (`Purpose{n}`) and declares the values it uses when the simulation
// is built (Declarations::purposes), so that two mechanisms never share a stream and adding one never shifts
// another's draws.
enum class Purpose : std::uint32_t {
  spawn_count = 1,     // how many agents appear at a place on a day
  route_priority = 2,  // keyed priority for a place on a capacity-limited route
  agent_sample = 3,    // an agent's key for the recorded sample of trajectories (sim/agent_sample.hpp)
};
inline constexpr std::uint32_t kernel_purpose_count = 16;

// Purpose values [first, first + count) declared by one mechanism.
struct PurposeRange {
  std::uint32_t first = 0, count = 0;
  std::string_view what;  // e.g. "economic: destination, demography, ..."
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
  // words() for the `count` consecutive ids first_id, first_id + 1, ... (count <= batch_max): word k of id
  // first_id + j goes to out[k][j]. The same numbers as words(), computed batch_max ids at a time in vector
  // registers where the processor has AVX-512 or AVX2, for loops that draw for every agent of a range.
  // `path` chooses the implementation (tests compare them; one the processor lacks falls back to the best).
  static constexpr std::size_t batch_max = 16;
  enum class BatchPath : std::uint8_t { best, avx512, avx2, scalar };
  static bool has(BatchPath path);
  void words_batch(std::uint64_t first_id, std::size_t count, std::int32_t day, Purpose purpose,
                   std::uint32_t block, std::uint32_t (*out)[batch_max],
                   BatchPath path = BatchPath::best) const;
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
  // The same stream, given its first block (rng.words(id, day, purpose, 0)) already computed.
  DrawStream(const KeyedRng& rng, std::uint64_t id, std::int32_t day, Purpose purpose,
             const r123::Philox4x32::ctr_type& first_block)
      : rng_(rng), id_(id), day_(day), purpose_(purpose), block_(first_block), primed_(true) {}
  double u() {
    if ((index_ & 3u) == 0 && !(primed_ && index_ == 0))
      block_ = rng_.words(id_, day_, purpose_, index_ >> 2);
    return KeyedRng::to_unit(block_.v[index_++ & 3u]);
  }

 private:
  const KeyedRng& rng_;
  std::uint64_t id_;
  std::int32_t day_;
  Purpose purpose_;
  std::uint32_t index_ = 0;
  r123::Philox4x32::ctr_type block_{};
  bool primed_ = false;  // block_ holds the first block before the first draw
};

}  // namespace migrasim
