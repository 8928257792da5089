// migrasim command-line interface.
// Exit codes: 0 success; 2 bad input (scenario, options, files); 1 internal error.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <CLI/CLI.hpp>

#include "io/hdf5_writer.hpp"
#include "io/scenario.hpp"
#include "migrasim/version.hpp"
#include "sim/errors.hpp"

namespace {

constexpr int exit_ok = 0, exit_internal = 1, exit_input = 2;

// Progress on stderr, only when it is a terminal.
class ProgressBar final : public migrasim::Recorder {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  void on_start(const migrasim::RunInfo& info) override { days_ = info.days; }
  void on_day(const migrasim::DayRecord& r) override {
    if (!enabled_) return;
    const int width = 40;
    const int filled = days_ ? (r.day + 1) * width / days_ : width;
    std::fprintf(stderr, "\r[%-*s] day %d/%d  agents %lld", width,
                 std::string(static_cast<std::size_t>(filled), '#').c_str(), r.day + 1, days_,
                 static_cast<long long>(r.spawned_total));
    if (r.day + 1 == days_) std::fprintf(stderr, "\n");
  }

 private:
  bool enabled_;
  int days_ = 0;
};

// Final-day summary kept for the table printed after a run.
class Summary final : public migrasim::Recorder {
 public:
  void on_start(const migrasim::RunInfo& info) override { world_ = info.world; }
  void on_day(const migrasim::DayRecord& r) override {
    by_status_.assign(migrasim::legal_status_count, 0);
    for (std::size_t k = 0; k < r.population->size(); ++k)
      by_status_[k % migrasim::legal_status_count] += (*r.population)[k];
    stranded_ = on_route_ = 0;
    for (auto v : *r.stranded) stranded_ += v;
    for (auto v : *r.on_route) on_route_ += v;
    spawned_ = r.spawned_total;
    days_ = r.day + 1;
  }
  void print(double seconds) const {
    std::cout << fmt::format("{:<24}{:>14}\n", "legal status", "people");
    for (int s = 0; s < migrasim::legal_status_count; ++s)
      if (by_status_[static_cast<std::size_t>(s)])
        std::cout << fmt::format("{:<24}{:>14}\n", migrasim::to_string(static_cast<migrasim::LegalStatus>(s)),
                                 by_status_[static_cast<std::size_t>(s)]);
    std::cout << fmt::format("{:<24}{:>14}\n{:<24}{:>14}\n{:<24}{:>14}\n", "stranded", stranded_, "on routes",
                             on_route_, "agents (spawned)", spawned_);
    std::cout << fmt::format("{} days in {:.2f} s\n", days_, seconds);
  }

 private:
  const migrasim::World* world_ = nullptr;
  std::vector<std::int64_t> by_status_;
  std::int64_t stranded_ = 0, on_route_ = 0, spawned_ = 0;
  int days_ = 0;
};

int run_command(const std::string& scenario, std::string output, int days, long long seed, int threads,
                std::vector<std::string> sets, bool quiet, const std::string& command_line) {
  if (days >= 0) sets.push_back("run.days=" + std::to_string(days));
  if (seed >= 0) sets.push_back("run.seed=" + std::to_string(seed));
  const migrasim::io::ScenarioSpec spec = migrasim::io::load_scenario(scenario, sets);
  if (output.empty()) output = spec.output_path;
  if (output.empty())
    output = (std::filesystem::path("out") / std::filesystem::path(scenario).stem()).string() + ".h5";
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  // TBB caps workers at the core count unless told otherwise; --threads above it is honoured (and
  // changes nothing in the results, only the speed).
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  auto sim = migrasim::io::make_simulation(spec, threads);
  migrasim::io::Hdf5Writer writer(output, spec.output);
  ProgressBar progress(!quiet && isatty(STDERR_FILENO));
  Summary summary;
  sim->add_recorder(&writer);
  sim->add_recorder(&progress);
  sim->add_recorder(&summary);
  const auto t0 = std::chrono::steady_clock::now();
  sim->run();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  migrasim::io::Provenance prov{spec.path, spec.text, spec.resolved_yaml, spec.seed,
                                threads,   seconds,   command_line};
  writer.commit(prov);
  if (!quiet) {
    summary.print(seconds);
    std::cout << "wrote " << output << "\n";
  }
  return exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  std::string command_line;
  for (int i = 0; i < argc; ++i) command_line += (i ? " " : "") + std::string(argv[i]);

  CLI::App app{
      "migrasim: agent-based simulation of migration flows and policy scenarios.\n"
      "Exit codes: 0 success, 2 bad input (scenario, options, files), 1 internal error."};
  app.set_version_flag(
      "--version", std::string("migrasim ") + migrasim::version_string + " (" + migrasim::git_describe + ")");
  app.require_subcommand(1);

  auto* run = app.add_subcommand("run", "Run a scenario and write its HDF5 output");
  std::string scenario, output;
  int days = -1, threads = 0;
  long long seed = -1;
  std::vector<std::string> sets;
  bool quiet = false;
  run->add_option("SCENARIO", scenario, "Scenario file (YAML)")->required();
  run->add_option("-o,--output", output,
                  "Output file (HDF5); default: output.path of the scenario, else out/<scenario name>.h5");
  run->add_option("--days", days, "Override run.days")->check(CLI::Range(1, 100000));
  run->add_option("--seed", seed, "Override run.seed")->check(CLI::NonNegativeNumber);
  run->add_option("--threads", threads, "Worker threads (default: all cores); results do not depend on it")
      ->check(CLI::Range(1, 1024));
  run->add_option("--set", sets,
                  "Override one scenario value, KEY.PATH=VALUE (repeatable), e.g. run.days=30");
  run->add_flag("-q,--quiet", quiet, "No progress bar or summary");

  auto* info = app.add_subcommand("info", "Summarise an output file");
  std::string info_path;
  info->add_option("FILE", info_path, "migrasim output file (HDF5)")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? exit_ok : exit_input;
  }

  try {
    if (*run) return run_command(scenario, output, days, seed, threads, sets, quiet, command_line);
    if (*info) {
      std::cout << migrasim::io::summarise_file(info_path);
      return exit_ok;
    }
  } catch (const migrasim::InputError& e) {
    std::cerr << "migrasim: error: " << e.what() << "\n";
    return exit_input;
  } catch (const std::exception& e) {
    std::cerr << "migrasim: internal error: " << e.what() << "\n";
    return exit_internal;
  }
  return exit_internal;
}
