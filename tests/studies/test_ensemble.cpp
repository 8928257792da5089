#include <catch2/catch.hpp>

#include "io/scenario.hpp"
#include "studies/ensemble.hpp"

using namespace migrasim;

namespace {

const std::string mini = std::string(MIGRASIM_SOURCE_DIR) + "/tests/data/mini.yaml";

bool same_counts(const MemoryRecorder& a, const MemoryRecorder& b) {
  return a.days == b.days && a.population == b.population && a.stranded == b.stranded &&
         a.on_route == b.on_route && a.flow == b.flow && a.spawned == b.spawned && a.series == b.series;
}

}  // namespace

TEST_CASE("an ensemble member is the resolved scenario with another seed, read once", "[studies]") {
  const io::ScenarioSpec spec = io::load_scenario(mini);
  for (std::uint64_t seed : {spec.seed, spec.seed + 7}) {
    const studies::MemberRun member = studies::run_member(spec, seed, 2);
    CHECK(member.seed == seed);
    // The same as reading the scenario again with run.seed set, and running it.
    const io::ScenarioSpec reread = io::load_scenario(mini, {"run.seed=" + std::to_string(seed)});
    MemoryRecorder record;
    auto sim = io::make_simulation(reread, 1);
    sim->add_recorder(&record);
    sim->run();
    CHECK(same_counts(member.record, record));
  }
  // Seeds matter (the comparison above is not vacuous), and the spec itself is left as it was.
  const auto a = studies::run_member(spec, 1, 1);
  const auto b = studies::run_member(spec, 2, 1);
  CHECK_FALSE(same_counts(a.record, b.record));
  CHECK(spec.seed == io::load_scenario(mini).seed);
}
