#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "io/checkpoint.hpp"
#include "io/csv.hpp"
#include "io/scenario.hpp"
#include "sim/errors.hpp"
#include "sim/memory_recorder.hpp"
#include "sim/record_log.hpp"

namespace fs = std::filesystem;
using namespace migrasim;

namespace {

const std::string source_dir = MIGRASIM_SOURCE_DIR;

fs::path temp_file(const std::string& name) {
  return fs::temp_directory_path() / ("migrasim_checkpoint_test_" + std::to_string(::getpid()) + "_" + name);
}

// The whole record of a run and its agent sample.
struct Record {
  MemoryRecorder days;
  std::vector<AgentRow> agents;
};

void same(const Record& a, const Record& b) {
  CHECK(a.days.days == b.days.days);
  CHECK(a.days.population == b.days.population);
  CHECK(a.days.stranded == b.days.stranded);
  CHECK(a.days.on_route == b.days.on_route);
  CHECK(a.days.flow == b.days.flow);
  CHECK(a.days.spawned == b.days.spawned);
  CHECK(a.days.series == b.days.series);
  REQUIRE(a.days.events.size() == b.days.events.size());
  for (std::size_t k = 0; k < a.days.events.size(); ++k) {
    CHECK(a.days.events[k].day == b.days.events[k].day);
    CHECK(a.days.events[k].name == b.days.events[k].name);
  }
  REQUIRE(a.agents.size() == b.agents.size());
  for (std::size_t k = 0; k < a.agents.size(); ++k) {
    CHECK(a.agents[k].agent == b.agents[k].agent);
    CHECK(a.agents[k].day == b.agents[k].day);
    CHECK(a.agents[k].location == b.agents[k].location);
    CHECK(a.agents[k].edge == b.agents[k].edge);
    CHECK(a.agents[k].legal_status == b.agents[k].legal_status);
  }
}

Record uninterrupted(const io::ScenarioSpec& spec, int threads) {
  Record r;
  auto sim = io::make_simulation(spec, threads);
  sim->add_recorder(&r.days);
  sim->run();
  r.agents = sim->agent_sample().rows();
  return r;
}

// Runs `day` days on `threads_before` threads, writes a checkpoint, and resumes it in a new simulation on
// `threads_after` threads to the end.
Record resumed(const io::ScenarioSpec& spec, std::int32_t day, int threads_before, int threads_after) {
  const std::string fingerprint = io::scenario_fingerprint(spec);
  const fs::path path = temp_file("resume.ckpt");
  {
    MemoryRecorder ignored;
    RecordLog log;
    auto sim = io::make_simulation(spec, threads_before);
    sim->add_recorder(&ignored);
    sim->add_recorder(&log);
    REQUIRE(sim->step(day) == day);
    io::write_checkpoint(path.string(),
                         {io::checkpoint_binary(), fingerprint, sim->day(), threads_before, {}}, *sim, &log);
  }
  Record r;
  RecordLog log;
  auto sim = io::make_simulation(spec, threads_after);
  sim->add_recorder(&r.days);
  sim->add_recorder(&log);
  const io::CheckpointFile file(path.string());
  CHECK(file.header().day == day);
  file.check(fingerprint);
  file.restore(*sim, &log);
  CHECK(sim->day() == day);
  log.replay(r.days);
  sim->run();
  r.agents = sim->agent_sample().rows();
  fs::remove(path);
  return r;
}

}  // namespace

TEST_CASE("A run resumed from a checkpoint gives the numbers of an uninterrupted run", "[checkpoint][io]") {
  struct Case {
    std::string file;
    std::vector<std::string> sets;
    std::vector<std::int32_t> days;
  };
  // Economic with family ties, entry rules and route risks; economic with the smuggling market and legal
  // status (the demo); the disaster model; every mechanism but Flee's; legal status alone.
  const std::vector<Case> cases{
      {"tests/data/mini_all.yaml", {"output.agents.sample=50"}, {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,
                                                                 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}},
      {"scenarios/central_america.yaml", {"run.days=40", "output.agents.sample=100"}, {1, 3, 21, 39}},
      {"scenarios/eta_iota_2020.yaml", {"run.days=26"}, {12, 21}},  // after Eta's onset; Iota's evacuation
      {"bench/all_mechanisms.yaml", {"run.days=25"}, {9}},
      // Regularisation programmes with applications queued (from day 37 and day 100).
      {"scenarios/spain_2005.yaml", {"run.days=50"}, {38, 45}},
      {"scenarios/italy_2002.yaml", {"run.days=110"}, {101, 108}},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.file) {
      const io::ScenarioSpec spec = io::load_scenario(source_dir + "/" + c.file, c.sets);
      const Record whole = uninterrupted(spec, 1);
      REQUIRE(whole.days.days == spec.days);
      for (std::size_t k = 0; k < c.days.size(); ++k) {
        INFO("checkpoint after day " << c.days[k]);
        // Fewer threads after the checkpoint, then more.
        if (k % 2 == 0)
          same(whole, resumed(spec, c.days[k], 2, 1));
        else
          same(whole, resumed(spec, c.days[k], 1, 3));
      }
    }
  }
}

TEST_CASE("A checkpoint is refused for another scenario, another binary or when damaged",
          "[checkpoint][io]") {
  const io::ScenarioSpec spec = io::load_scenario(source_dir + "/tests/data/mini_all.yaml");
  const io::ScenarioSpec other = io::load_scenario(source_dir + "/tests/data/mini_all.yaml", {"run.seed=8"});
  CHECK(io::scenario_fingerprint(spec) != io::scenario_fingerprint(other));
  const fs::path path = temp_file("refused.ckpt");
  {
    RecordLog log;
    auto sim = io::make_simulation(spec, 1);
    sim->add_recorder(&log);
    sim->step(4);
    io::write_checkpoint(path.string(),
                         {io::checkpoint_binary(), io::scenario_fingerprint(spec), sim->day(), 1, {}}, *sim,
                         &log);
  }
  CHECK_FALSE(fs::exists(io::partial_path(path.string())));
  const io::CheckpointFile file(path.string());
  CHECK_THROWS_WITH(file.check(io::scenario_fingerprint(other)), Catch::Contains("another scenario"));
  // The state itself names what does not fit: a run of another seed.
  auto sim = io::make_simulation(other, 1);
  CHECK_THROWS_WITH(file.restore(*sim, nullptr), Catch::Contains("seed 7") && Catch::Contains("seed 8"));

  // One byte changed: the hash no longer matches.
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(200);
    char c = 0;
    f.read(&c, 1);
    f.seekp(200);
    c = static_cast<char>(c ^ 0x5a);
    f.write(&c, 1);
  }
  CHECK_THROWS_WITH(io::CheckpointFile(path.string()), Catch::Contains("damaged"));
  // Truncated; not a checkpoint at all; absent.
  fs::resize_file(path, 100);
  CHECK_THROWS_WITH(io::CheckpointFile(path.string()), Catch::Contains("truncated"));
  {
    std::ofstream f(path);
    f << "run:\n  days: 3\n";
  }
  CHECK_THROWS_WITH(io::CheckpointFile(path.string()), Catch::Contains("not a migrasim checkpoint"));
  fs::remove(path);
  CHECK_THROWS_WITH(io::CheckpointFile(path.string()), Catch::Contains("no such file"));
}

TEST_CASE("A run with a mechanism that cannot save its state is refused before day 0", "[checkpoint][io]") {
  // A model without checkpoint support, beside one with it.
  struct Plain final : Model {
    std::string_view name() const override { return "plain"; }
  };
  const io::ScenarioSpec spec = io::load_scenario(source_dir + "/tests/data/mini.yaml");
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<Plain>());
  SimulationConfig config;
  config.days = 5;
  Simulation sim(spec.world, Schedule(spec.events), std::move(models), config);
  CHECK_THROWS_WITH(sim.check_checkpoints(), Catch::Contains("'plain' cannot save its state"));
  StateWriter out;
  CHECK_THROWS_AS(sim.save_state(out), InputError);
}
