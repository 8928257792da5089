#include "studies/ensemble.hpp"

#include <chrono>

namespace migrasim::studies {

MemberRun run_member(const io::ScenarioSpec& spec, std::uint64_t seed, int threads) {
  io::ScenarioSpec member = spec;  // shares the world and the resolved parameters; copies the rest
  member.seed = seed;
  MemberRun out;
  out.seed = seed;
  auto sim = io::make_simulation(member, threads);
  sim->add_recorder(&out.record);
  const auto t0 = std::chrono::steady_clock::now();
  sim->run();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace migrasim::studies
