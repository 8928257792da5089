#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "io/scenario.hpp"
#include "models/economic.hpp"
#include "models/registry.hpp"
#include "sim/memory_recorder.hpp"

using namespace migrasim;

TEST_CASE("every mechanism is registered once, movement models first and legal status last",
          "[models][registry]") {
  const auto& all = models::mechanisms().all();
  std::vector<std::string> names;
  for (const auto& m : all) names.push_back(m.name);
  CHECK(names == std::vector<std::string>{"economic", "flee", "family", "entry", "route_risks", "disasters",
                                          "smuggling", "legal"});
  CHECK(all.front().movement);
  CHECK_FALSE(all.back().movement);
  const Mechanism* economic = models::mechanisms().find("economic");
  REQUIRE(economic != nullptr);
  CHECK(economic->table == &models::EconomicParams::table());
  const auto params = economic->create();
  CHECK(economic->make(params.get())->name() == "economic");
}

namespace {

// Everything a MemoryRecorder holds about the days it saw, for comparing two runs.
void check_same_record(const MemoryRecorder& a, const MemoryRecorder& b, const std::string& what) {
  INFO(what);
  REQUIRE(a.days == b.days);
  CHECK(a.population == b.population);
  CHECK(a.stranded == b.stranded);
  CHECK(a.on_route == b.on_route);
  CHECK(a.flow == b.flow);
  CHECK(a.spawned == b.spawned);
  REQUIRE(a.series.size() == b.series.size());
  for (std::size_t k = 0; k < a.series.size(); ++k) {
    INFO(a.series_specs()[k].name);
    CHECK(a.series[k] == b.series[k]);
  }
  REQUIRE(a.events.size() == b.events.size());
  for (std::size_t k = 0; k < a.events.size(); ++k) CHECK(a.events[k].name == b.events[k].name);
}

}  // namespace

// Simulation::fork copies every mechanism's state (Model::clone): on shipped scenarios and the mini one
// with the mechanisms they do not run, between them every mechanism but Flee's (tests/python: a Flee
// case), a fork made half-way and stepped on (on another thread count, after the
// original has run on) gives the numbers of the run that was never forked, and so does the original.
TEST_CASE("a fork of a scenario with any mechanism runs on exactly as the unforked run",
          "[models][registry][fork]") {
  const std::string dir = std::string(MIGRASIM_SOURCE_DIR) + "/";
  std::set<std::string> mechanisms;
  for (const std::string name : {"scenarios/italy_2002", "scenarios/central_america", "scenarios/aegean_2016",
                                 "scenarios/chnv_parole_2023", "scenarios/central_america_hurricane",
                                 "scenarios/regularisation/staged", "tests/data/mini_all"}) {
    const io::ScenarioSpec spec = io::load_scenario(dir + name + ".yaml", {"run.days=30"});
    for (const auto& m : spec.mechanisms) mechanisms.insert(m.mechanism->name);
    MemoryRecorder straight;
    auto whole = io::make_simulation(spec, 1);
    whole->add_recorder(&straight);
    whole->run();

    MemoryRecorder original;
    auto sim = io::make_simulation(spec, 1);
    sim->add_recorder(&original);
    sim->step(13);
    MemoryRecorder forked = original;
    auto fork = sim->fork({&forked}, 2);
    CHECK(fork->day() == 13);
    CHECK(fork->population().size() == sim->population().size());
    sim->run();  // the original runs on first: the fork must share nothing with it
    fork->run();
    check_same_record(original, straight, name + ": original after the fork");
    check_same_record(forked, straight, name + ": fork");
  }
  CHECK(mechanisms == std::set<std::string>{"economic", "family", "entry", "route_risks", "disasters",
                                            "smuggling", "legal"});
}
