// migrasim-bench: the baseline economic model on a synthetic world, then the bare agent-step kernel
// (bench/bare_kernel.hpp) on the same world, agents, days and threads.
// Prints "X M agent-days/s", "Y bytes/agent", "bare kernel Z M agent-days/s" and "ratio R" (X / Z) on their
// own lines (docs/performance.md). With --scenario FILE it runs that scenario instead
// (bench/all_mechanisms.yaml: every mechanism on) and prints "every mechanism X M agent-days/s" and the
// mechanisms that ran.
#include <sys/resource.h>

#include <chrono>
#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bench/bare_kernel.hpp"
#include "bench/synthetic_world.hpp"
#include "io/scenario.hpp"
#include "sim/errors.hpp"
#include "sim/simulation.hpp"

namespace {

// A scenario's run without output: day 0 is set-up; then agent-days (agents existing each day) per second.
int run_scenario(const std::string& file, int threads) {
  using clock = std::chrono::steady_clock;
  const migrasim::io::ScenarioSpec spec = migrasim::io::load_scenario(file);
  auto sim = migrasim::io::make_simulation(spec, threads);
  sim->step(1);
  const auto t0 = clock::now();
  std::int64_t agent_days = 0;
  while (!sim->finished()) {
    sim->step(1);
    agent_days += static_cast<std::int64_t>(sim->population().size());
  }
  const double seconds = std::chrono::duration<double>(clock::now() - t0).count();
  std::string names;
  for (const auto& m : spec.mechanisms) names += (names.empty() ? "" : ", ") + m.mechanism->name;
  std::cout << fmt::format("every mechanism {:.1f} M agent-days/s\n",
                           static_cast<double>(agent_days) / seconds / 1e6)
            << std::flush;
  std::cerr << fmt::format(
      "{}: mechanisms {}; {} days after day 0 in {:.2f} s, {} agents at the end ({:.1f} bytes/agent), "
      "threads {}\n",
      file, names, sim->days() - 1, seconds, sim->population().size(),
      static_cast<double>(sim->population().bytes_per_agent()), threads);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"migrasim-bench: throughput of the baseline economic model on a synthetic world"};
  std::int64_t agents = 1000000;
  std::int32_t places = 1000, routes = 5000, days = 20;
  int threads = 2;
  std::uint64_t seed = 1;
  app.add_option("--agents", agents, "Agents, all leaving on day 0")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{2000000000}));
  app.add_option("--places", places, "Places")->check(CLI::Range(2, 100000000));
  app.add_option("--routes", routes, "Routes")->check(CLI::Range(1, 100000000));
  app.add_option("--threads", threads, "Worker threads")->check(CLI::Range(1, 1024));
  app.add_option("--days", days, "Days to simulate")->check(CLI::Range(1, 100000));
  app.add_option("--seed", seed, "Seed");
  std::string scenario;
  app.add_option(
         "--scenario", scenario,
         "Run this scenario instead (without output; e.g. bench/all_mechanisms.yaml, every mechanism on)")
      ->check(CLI::ExistingFile);
  CLI11_PARSE(app, argc, argv);

  try {
    if (!scenario.empty()) return run_scenario(scenario, threads);
    using clock = std::chrono::steady_clock;
    const auto t_setup = clock::now();
    migrasim::bench::SyntheticSpec spec;
    spec.places = places;
    spec.routes = routes;
    spec.seed = seed;
    auto world = migrasim::bench::make_synthetic_world(spec);
    auto params = migrasim::bench::make_synthetic_params(*world, agents);
    std::vector<std::unique_ptr<migrasim::Model>> models;
    models.push_back(std::make_unique<migrasim::models::EconomicModel>(params));
    migrasim::Simulation sim(world, migrasim::Schedule{}, std::move(models),
                             migrasim::SimulationConfig{seed, days + 1, threads, "2000-01-01"});
    // Day 0 builds routing tables and creates the agents; it is set-up, not throughput.
    sim.step(1);
    const double setup_s = std::chrono::duration<double>(clock::now() - t_setup).count();

    const auto t0 = clock::now();
    std::int64_t agent_days = 0, in_transit_days = 0;
    while (!sim.finished()) {
      sim.step(1);
      agent_days += static_cast<std::int64_t>(sim.population().size());
      for (auto v : sim.on_route_counts()) in_transit_days += v;
    }
    const double seconds = std::chrono::duration<double>(clock::now() - t0).count();
    const auto n = static_cast<double>(sim.population().size());
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::cout << fmt::format("{:.1f} M agent-days/s\n", static_cast<double>(agent_days) / seconds / 1e6);
    std::cout << fmt::format("{:.1f} bytes/agent\n",
                             static_cast<double>(sim.population().capacity_bytes()) / n)
              << std::flush;
    std::cerr << fmt::format(
        "agents {:.0f}, places {}, routes {}, destinations {}, threads {}, days {} (+ day 0 set-up {:.2f} "
        "s)\n"
        "step time {:.3f} s, agent-days {}, of which on a route at day end {:.1f}%\n"
        "agent columns {} bytes/agent; peak RSS {:.0f} MiB ({:.1f} bytes/agent incl. world, routing tables, "
        "counts)\n",
        n, world->place_count(), world->route_count(), params.destinations.size(), threads, days, setup_s,
        seconds, agent_days, 100.0 * static_cast<double>(in_transit_days) / static_cast<double>(agent_days),
        sim.population().bytes_per_agent(), static_cast<double>(usage.ru_maxrss) / 1024.0,
        static_cast<double>(usage.ru_maxrss) * 1024.0 / n);
    std::cerr << migrasim::format_columns(sim.population());
    const migrasim::bench::BareResult bare =
        migrasim::bench::run_bare_kernel(*world, static_cast<std::int64_t>(n), days, threads, seed);
    const double full = static_cast<double>(agent_days) / seconds;
    std::cout << fmt::format("bare kernel {:.1f} M agent-days/s\n", bare.agent_days_per_s / 1e6);
    std::cout << fmt::format("ratio {:.2f}\n", full / bare.agent_days_per_s) << std::flush;
    std::cerr << fmt::format("bare kernel: {:.0f} bytes/agent, {:.1f}% at their destination after {} days\n",
                             bare.bytes_per_agent, 100.0 * bare.settled_share, days);
  } catch (const migrasim::InputError& e) {
    std::cerr << "migrasim-bench: error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
