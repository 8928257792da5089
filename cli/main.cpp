// migrasim command-line interface.
// Exit codes: 0 success; 2 bad input (scenario, options, files); 1 internal error.
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <CLI/CLI.hpp>

#include "io/checkpoint.hpp"
#include "io/csv.hpp"
#include "io/flee_case.hpp"
#include "io/hdf5_reader.hpp"
#include "io/hdf5_writer.hpp"
#include "io/param_docs.hpp"
#include "io/scenario.hpp"
#include "sim/errors.hpp"
#include "sim/memory_recorder.hpp"
#include "sim/record_log.hpp"
#include "sim/version.hpp"
#include "studies/compare.hpp"
#include "studies/drill.hpp"
#include "studies/sweep.hpp"
#include "studies/validation.hpp"

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
  void on_start(const migrasim::RunInfo& info) override {
    world_ = info.world;
    specs_ = info.series;
    for (std::size_t k = 0; k < specs_.size(); ++k) {
      const auto& s = specs_[k];
      if ((s.name == "crossings" || s.name == "apprehensions") && s.dims.size() == 3 &&
          s.dims[1] == "option") {
        options_ = s.coords[1];
        (s.name == "crossings" ? crossings_ : apprehensions_) = static_cast<std::ptrdiff_t>(k);
      }
      // Deaths by route: the smuggling market's and every traveller's (route risks).
      if ((s.name == "deaths" && s.dims == std::vector<std::string>{"edge"}) ||
          (s.name == "route_deaths" && s.dims == std::vector<std::string>{"edge", "death_record"})) {
        death_series_.push_back(static_cast<std::ptrdiff_t>(k));
        edge_names_ = s.coords[0];
      }
      // Programmes and pathways: the run's applications and decisions, and the queue at the end.
      if (s.name == "programme_decisions" && s.dims == std::vector<std::string>{"programme", "outcome"}) {
        decisions_ = static_cast<std::ptrdiff_t>(k);
        programmes_ = s.coords[0];
        outcomes_ = s.coords[1];
      }
      if (s.name == "programme_queue" && s.dims == std::vector<std::string>{"programme"})
        queue_ = static_cast<std::ptrdiff_t>(k);
    }
    decided_.assign(programmes_.size() * outcomes_.size(), 0);
    waiting_.assign(programmes_.size(), 0);
    crossed_.assign(options_.size(), 0);
    stopped_.assign(options_.size(), 0);
    deaths_by_edge_.assign(edge_names_.size(), 0);
  }
  void on_day(const migrasim::DayRecord& r) override {
    // Run totals of the crossings by way (summed over routes and nationalities) and of deaths by route.
    auto by_option = [&](std::ptrdiff_t k, std::vector<std::int64_t>& out) {
      if (k < 0) return;
      const auto& v = *r.series[static_cast<std::size_t>(k)];
      const std::size_t nationalities = specs_[static_cast<std::size_t>(k)].coords[2].size();
      for (std::size_t j = 0; j < v.size(); ++j) out[(j / nationalities) % options_.size()] += v[j];
    };
    by_option(crossings_, crossed_);
    by_option(apprehensions_, stopped_);
    for (std::ptrdiff_t k : death_series_) {
      const auto& v = *r.series[static_cast<std::size_t>(k)];
      const std::size_t per_edge = v.size() / std::max<std::size_t>(1, deaths_by_edge_.size());
      for (std::size_t j = 0; j < v.size(); ++j) deaths_by_edge_[j / per_edge] += v[j];
    }
    if (decisions_ >= 0) {
      const auto& v = *r.series[static_cast<std::size_t>(decisions_)];
      for (std::size_t j = 0; j < v.size() && j < decided_.size(); ++j) decided_[j] += v[j];
    }
    if (queue_ >= 0) {
      const auto& v = *r.series[static_cast<std::size_t>(queue_)];
      for (std::size_t j = 0; j < v.size() && j < waiting_.size(); ++j) waiting_[j] = v[j];
    }
    by_status_.assign(migrasim::legal_status_count, 0);
    for (std::size_t k = 0; k < r.population->size(); ++k)
      by_status_[k % migrasim::legal_status_count] += (*r.population)[k];
    stranded_ = on_route_ = 0;
    for (auto v : *r.stranded) stranded_ += v;
    for (auto v : *r.on_route) on_route_ += v;
    spawned_ = r.spawned_total;
    agent_days_ += r.spawned_total;
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
    if (crossings_ >= 0) {
      std::cout << fmt::format("{:<24}{:>14}{:>14}\n", "border crossings by", "crossed", "apprehended");
      for (std::size_t o = 0; o < options_.size(); ++o)
        std::cout << fmt::format("{:<24}{:>14}{:>14}\n", "  " + options_[o], crossed_[o], stopped_[o]);
    }
    if (!programmes_.empty()) {
      // Per programme or pathway: applications, approvals, the refused (inadmissible or rejected), the
      // absent, those who gave up waiting, and the queue on the last day.
      auto outcome = [&](std::size_t p, const char* name) -> std::int64_t {
        for (std::size_t o = 0; o < outcomes_.size(); ++o)
          if (outcomes_[o] == name) return decided_[p * outcomes_.size() + o];
        return 0;
      };
      std::size_t width = 24;
      for (const auto& p : programmes_) width = std::max(width, p.size() + 3);
      std::cout << fmt::format("{:<{}}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}\n", "programmes, pathways", width,
                               "applied", "approved", "refused", "absent", "gave up", "waiting");
      for (std::size_t p = 0; p < programmes_.size(); ++p)
        std::cout << fmt::format("{:<{}}{:>9}{:>9}{:>9}{:>9}{:>9}{:>9}\n", "  " + programmes_[p], width,
                                 outcome(p, "application"), outcome(p, "approved"),
                                 outcome(p, "inadmissible") + outcome(p, "rejected"), outcome(p, "absent"),
                                 outcome(p, "gave_up"), waiting_[p]);
    }
    if (!death_series_.empty()) {
      // The routes with the most deaths, at most five.
      std::vector<std::size_t> order(deaths_by_edge_.size());
      for (std::size_t j = 0; j < order.size(); ++j) order[j] = j;
      std::stable_sort(order.begin(), order.end(),
                       [&](std::size_t a, std::size_t b) { return deaths_by_edge_[a] > deaths_by_edge_[b]; });
      const auto& edges = edge_names_;
      bool header = false;
      for (std::size_t j = 0; j < std::min<std::size_t>(5, order.size()) && deaths_by_edge_[order[j]] > 0;
           ++j) {
        if (!header) std::cout << fmt::format("{:<24}{:>14}\n", "deaths by route", "people");
        header = true;
        std::cout << fmt::format("{:<24}{:>14}\n", "  " + edges[order[j]], deaths_by_edge_[order[j]]);
      }
    }
    std::cout << fmt::format("{} days in {:.2f} s ({} agent-days, {:.1f} M agent-days/s)\n", days_, seconds,
                             agent_days_,
                             seconds > 0 ? static_cast<double>(agent_days_) / seconds / 1e6 : 0.0);
  }

 private:
  const migrasim::World* world_ = nullptr;
  std::int64_t agent_days_ = 0;  // the agents of every day (each day's spawned_total), summed
  std::vector<migrasim::SeriesSpec> specs_;
  std::vector<std::string> options_;
  std::ptrdiff_t crossings_ = -1, apprehensions_ = -1;
  std::vector<std::ptrdiff_t> death_series_;
  std::vector<std::string> edge_names_;
  std::vector<std::int64_t> crossed_, stopped_, deaths_by_edge_;
  std::ptrdiff_t decisions_ = -1, queue_ = -1;
  std::vector<std::string> programmes_, outcomes_;
  std::vector<std::int64_t> decided_, waiting_;  // run totals (programme x outcome); last day's queue
  std::vector<std::int64_t> by_status_;
  std::int64_t stranded_ = 0, on_route_ = 0, spawned_ = 0;
  int days_ = 0;
};

namespace fs = std::filesystem;

// The Python that draws figures and runs the Python verbs: $MIGRASIM_PYTHON; else the checkout's
// .venv/bin/python made by ./run.sh when this binary is its build/<preset>/cli/migrasim; else python3.
std::string cli_python() {
  if (const char* env = std::getenv("MIGRASIM_PYTHON"); env && *env) return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path venv = exe.parent_path().parent_path().parent_path().parent_path() / ".venv/bin/python";
    if (fs::exists(venv, ec)) return venv.string();
  }
  return "python3";
}

// Draws a figure with `PYTHON -m migrasim.plots KIND ARGS...` (PYTHON: cli_python()), without a shell and
// with its output discarded. Returns the Python used when it failed (for the message), empty on success.
std::string draw_plot(const std::string& kind, const std::vector<std::string>& args) {
  const std::string python = cli_python();
  std::vector<std::string> words{python, "-m", "migrasim.plots", kind};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t quiet;
  posix_spawn_file_actions_init(&quiet);
  posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  // The child starts with no signal blocked (this process blocks SIGINT and SIGTERM: Leftovers).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  const int spawned = posix_spawnp(&pid, python.c_str(), &quiet, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&quiet);
  int status = 0;
  if (spawned == 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return {};
  return python;
}

// What to say when a figure could not be drawn.
std::string no_plot(const std::string& python) {
  return "no PNG: " + python +
         " -m migrasim.plots failed (set MIGRASIM_PYTHON to a Python that has the migrasim package and "
         "matplotlib, e.g. .venv/bin/python)";
}

// Signals. SIGINT and SIGTERM are blocked in every thread (before any is made) and taken by one thread
// that waits for them: it removes what the process was writing (each output's "<path>.partial-<pid>", the
// temporary folders) and exits 130 (SIGINT) or 143 (SIGTERM), so that an interrupted run leaves nothing
// behind. While a run that writes checkpoints steps (defer), the signal is left to it: it finishes the day,
// writes a checkpoint and then exits the same way (a second signal exits at once). The list is the
// process's, not a simulation's: the CLI's one piece of process-wide state.
class Leftovers {
 public:
  static Leftovers& process() {
    static Leftovers leftovers;
    return leftovers;
  }
  // Call first in main, before any thread starts.
  void watch_signals() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
    std::thread([this] {
      for (;;) {
        int sig = 0;
        if (sigwait(&signals_, &sig) != 0) return;
        {
          std::lock_guard<std::mutex> lock(mutex_);
          if (deferring_ && pending_ == 0) {
            pending_ = sig;
            continue;
          }
        }
        exit_now(sig, "");
      }
    }).detach();
  }
  // An output written under its partial name until complete (io::partial_path).
  void output(const std::string& path) { add(migrasim::io::partial_path(path)); }
  void add(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    paths_.push_back(path);
  }
  void remove(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    paths_.erase(std::remove(paths_.begin(), paths_.end(), path), paths_.end());
  }
  // While on, a signal is kept for pending() instead of ending the process; turning it off ends the process
  // for a signal kept.
  void defer(bool on) {
    int sig = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      deferring_ = on;
      sig = on ? 0 : pending_;
    }
    if (sig != 0) exit_now(sig, "");
  }
  int pending() {
    std::lock_guard<std::mutex> lock(mutex_);
    return pending_;
  }
  // Removes the partial files and exits 128 + sig; `done` says what was kept (a checkpoint).
  [[noreturn]] void exit_now(int sig, const std::string& done) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::error_code ec;
    for (const auto& p : paths_) fs::remove_all(p, ec);
    const std::string msg = std::string("migrasim: ") +
                            (sig == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)") + "; " + done +
                            "partial output removed\n";
    if (::write(STDERR_FILENO, msg.data(), msg.size()) < 0) {
    }
    std::_Exit(128 + sig);
  }

 private:
  sigset_t signals_{};
  std::mutex mutex_;
  std::vector<std::string> paths_;
  bool deferring_ = false;
  int pending_ = 0;
};

// A private temporary folder, removed when it goes out of scope (also on errors) or on a signal.
class TempFolder {
 public:
  explicit TempFolder(const std::string& name) : path_(fs::temp_directory_path() / name) {
    Leftovers::process().add(path_.string());
    fs::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
    Leftovers::process().remove(path_.string());
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// What the scenario reader doubts (docs/reliability.md), on stderr; the outputs keep them in provenance.
void print_warnings(const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) std::cerr << "migrasim: warning: " << w << "\n";
}

// A Flee case becomes a scenario file in a private temporary folder, then loads like any scenario.
migrasim::io::ScenarioSpec load_flee_case(const std::string& dir, const std::string& simsetting,
                                          const std::vector<std::string>& sets) {
  const migrasim::io::FleeCasePaths paths = migrasim::io::locate_flee_case(dir, simsetting);
  const TempFolder tmp("migrasim-flee-" + std::to_string(getpid()));
  const fs::path file = tmp.path() / "scenario.yaml";
  std::vector<std::string> ignored;  // simsetting keys Flee does not read
  {
    std::ofstream out(file);
    out << migrasim::io::flee_case_to_yaml(paths, tmp.path().string(), &ignored);
  }
  migrasim::io::ScenarioSpec spec = migrasim::io::load_scenario(file.string(), sets);
  spec.warnings.insert(spec.warnings.begin(), ignored.begin(), ignored.end());
  return spec;
}

// Default output paths (not ones the user typed) may create their folder, e.g. out/.
void make_default_folder(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) fs::create_directories(parent, ec);
}

// An output path: out/<scenario name><suffix> when none was given (true: its folder may be made), else the
// given one, whose folder must exist (InputError otherwise).
bool default_or_existing_folder(std::string& output, const std::string& scenario, const std::string& suffix) {
  if (output.empty()) {
    output = (fs::path("out") / fs::path(scenario).stem()).string() + suffix;
    return true;
  }
  if (fs::path(output).has_parent_path() && !fs::is_directory(fs::path(output).parent_path()))
    throw migrasim::InputError(output + ": folder " + fs::path(output).parent_path().string() +
                               " does not exist");
  return false;
}

std::string case_name(const std::string& dir) {
  fs::path p = fs::path(dir).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  if (p.filename() == "input") p = p.parent_path();
  return p.filename().string();
}

// An absolute path (kept in checkpoints, so that a run resumed from another folder finds its files).
std::string absolute(const std::string& path) {
  if (path.empty()) return path;
  std::error_code ec;
  const fs::path p = fs::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

// migrasim run: a scenario (or a Flee case) from the start, or a run resumed from a checkpoint.
struct RunOptions {
  std::string scenario, flee_dir, simsetting, output;
  int days = -1;
  std::string seed;
  int threads = 0;
  std::vector<std::string> sets;
  bool quiet = false, verbose = false;
  std::int64_t max_agents = 0;
  int checkpoint_every = 0;
  std::string checkpoint, resume;
};

// Runs the simulation to its end, writing a checkpoint every `run.checkpoint_every` days (and on SIGINT or
// SIGTERM, before exiting) when asked for.
void step_to_end(migrasim::Simulation& sim, const migrasim::io::CheckpointRun& run,
                 const std::string& fingerprint, int threads, const migrasim::RecordLog& log) {
  if (run.checkpoint_every <= 0) {
    sim.run();
    return;
  }
  auto save = [&] {
    const migrasim::io::CheckpointHeader header{migrasim::io::checkpoint_binary(), fingerprint, sim.day(),
                                                threads, run};
    migrasim::io::write_checkpoint(run.checkpoint, header, sim, &log);
  };
  Leftovers::process().defer(true);
  while (!sim.finished()) {
    sim.step(1);
    if (const int sig = Leftovers::process().pending()) {
      std::string done;
      if (!sim.finished()) {
        save();
        done = "checkpoint " + run.checkpoint + " holds the run up to day " + std::to_string(sim.day()) +
               " (resume: migrasim run --resume " + run.checkpoint + "); ";
      }
      Leftovers::process().exit_now(sig, done);
    }
    if (!sim.finished() && sim.day() % run.checkpoint_every == 0) save();
  }
  Leftovers::process().defer(false);
}

int run_command(RunOptions o, const std::string& command_line) {
  namespace mio = migrasim::io;
  std::optional<mio::CheckpointFile> resumed;
  mio::CheckpointRun run;
  if (!o.resume.empty()) {
    if (!o.scenario.empty() || !o.flee_dir.empty() || !o.simsetting.empty() || o.days >= 0 ||
        !o.seed.empty() || !o.sets.empty() || o.max_agents > 0 || o.checkpoint_every > 0 ||
        !o.checkpoint.empty())
      throw migrasim::InputError(
          "run --resume: the checkpoint holds the scenario and its options (SCENARIO, --flee, --simsetting, "
          "--days, --seed, --set, --max-agents, --checkpoint-every, --checkpoint); give only --threads, -o, "
          "-q "
          "or -v with it");
    resumed.emplace(o.resume);
    run = resumed->header().run;
    if (!o.output.empty()) run.output = absolute(o.output);
  } else {
    if (o.days >= 0) o.sets.push_back("run.days=" + std::to_string(o.days));
    if (!o.seed.empty()) {
      // A seed is a whole number in [0, 2^63 - 1] (run.seed); anything else is refused, never clamped.
      std::int64_t value = -1;
      const auto [end, ec] = std::from_chars(o.seed.data(), o.seed.data() + o.seed.size(), value);
      if (ec != std::errc() || end != o.seed.data() + o.seed.size() || value < 0)
        throw migrasim::InputError("--seed: got '" + o.seed + "', expected a whole number in [0, " +
                                   std::to_string(std::numeric_limits<std::int64_t>::max()) + "]");
      o.sets.push_back("run.seed=" + o.seed);
    }
    if (o.scenario.empty() == o.flee_dir.empty())
      throw migrasim::InputError("run: give either a SCENARIO file, --flee DIR or --resume CHECKPOINT");
    if (!o.checkpoint.empty() && o.checkpoint_every <= 0)
      throw migrasim::InputError("run --checkpoint: give --checkpoint-every N (days) with it");
    run.scenario = absolute(o.scenario);
    run.flee_dir = absolute(o.flee_dir);
    run.simsetting = absolute(o.simsetting);
    run.sets = o.sets;
    run.max_agents = o.max_agents;
    run.checkpoint_every = o.checkpoint_every;
  }
  const std::string temp_folder =
      (fs::temp_directory_path() / ("migrasim-flee-" + std::to_string(getpid()))).string();
  const mio::ScenarioSpec spec = run.flee_dir.empty()
                                     ? mio::load_scenario(run.scenario, run.sets)
                                     : load_flee_case(run.flee_dir, run.simsetting, run.sets);
  const std::string fingerprint = mio::scenario_fingerprint(spec, run.flee_dir.empty() ? "" : temp_folder);
  if (resumed) resumed->check(fingerprint);
  print_warnings(spec.warnings);
  std::string output = resumed ? run.output : o.output;
  const bool chosen = !output.empty();
  if (output.empty()) output = spec.output_path;
  if (output.empty())
    output = (fs::path("out") /
              (o.flee_dir.empty() ? fs::path(o.scenario).stem().string() : case_name(o.flee_dir)))
                 .string() +
             ".h5";
  if (!chosen) make_default_folder(output);
  if (!resumed) {
    run.output = absolute(output);
    if (run.checkpoint_every > 0)
      run.checkpoint = absolute(o.checkpoint.empty() ? output + ".ckpt" : o.checkpoint);
  }
  if (run.checkpoint_every > 0 && fs::path(run.checkpoint).has_parent_path() &&
      !fs::is_directory(fs::path(run.checkpoint).parent_path()))
    throw migrasim::InputError("--checkpoint " + run.checkpoint + ": folder " +
                               fs::path(run.checkpoint).parent_path().string() + " does not exist");
  int threads = o.threads;
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  // TBB caps workers at the core count unless told otherwise; --threads above it is honoured (and
  // changes nothing in the results, only the speed).
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  auto sim = mio::make_simulation(spec, threads, run.max_agents);
  // Before day 0: a run whose mechanisms cannot save their state is refused, never resumed wrongly.
  if (run.checkpoint_every > 0 || resumed) sim->check_checkpoints();
  if (o.verbose) std::cerr << migrasim::format_columns(sim->population());
  Leftovers::process().output(output);
  if (run.checkpoint_every > 0) Leftovers::process().output(run.checkpoint);
  mio::Hdf5Writer writer(output, spec.output);
  ProgressBar progress(!o.quiet && isatty(STDERR_FILENO));
  Summary summary;
  migrasim::RecordLog log;  // the days recorded so far, for the checkpoints
  sim->add_recorder(&writer);
  sim->add_recorder(&progress);
  sim->add_recorder(&summary);
  if (run.checkpoint_every > 0) sim->add_recorder(&log);
  if (resumed) {
    // The simulation starts (recorders get on_start), takes the saved state; the days before the
    // checkpoint go to the output and the summary as they went in the interrupted run.
    resumed->restore(*sim, &log);
    log.replay(writer);
    log.replay(summary);
  }
  const auto t0 = std::chrono::steady_clock::now();
  step_to_end(*sim, run, fingerprint, threads, log);
  writer.add_agents(sim->agent_sample());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  mio::Provenance prov{spec.path, spec.text, spec.resolved_yaml, spec.seed,
                       threads,   seconds,   command_line,       spec.warnings};
  if (resumed)
    prov.resumed_from = absolute(o.resume) + " (day " + std::to_string(resumed->header().day) + ")";
  writer.commit(prov);
  if (!o.quiet) {
    summary.print(seconds);
    std::cout << "wrote " << output << "\n";
  }
  return exit_ok;
}

int ensemble_command(const std::string& scenario, int seeds, int threads,
                     const std::vector<std::string>& sets, std::string output, bool quiet,
                     const std::string& command_line) {
  const migrasim::io::ScenarioSpec spec = migrasim::io::load_scenario(scenario, sets);
  print_warnings(spec.warnings);
  const bool chosen = !output.empty();
  if (output.empty()) output = (fs::path("out") / fs::path(scenario).stem()).string() + "_ensemble.h5";
  if (!chosen) make_default_folder(output);
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  migrasim::io::Hdf5Options options = spec.output;
  for (int k = 0; k < seeds; ++k) options.member_seeds.push_back(spec.seed + static_cast<std::uint64_t>(k));
  Leftovers::process().output(output);
  migrasim::io::Hdf5Writer writer(output, options);
  const auto t0 = std::chrono::steady_clock::now();
  for (const std::uint64_t seed : options.member_seeds) {
    migrasim::io::ScenarioSpec member = spec;  // shares the world and the resolved parameters
    member.seed = seed;
    auto sim = migrasim::io::make_simulation(member, threads);
    ProgressBar progress(!quiet && isatty(STDERR_FILENO));
    sim->add_recorder(&writer);
    sim->add_recorder(&progress);
    sim->run();
    writer.add_agents(sim->agent_sample());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  migrasim::io::Provenance prov{spec.path, spec.text, spec.resolved_yaml, spec.seed,
                                threads,   seconds,   command_line,       spec.warnings};
  writer.commit(prov);
  if (!quiet)
    std::cout << fmt::format("wrote {} ({} members, seeds {}-{}, {:.1f} s)\n", output, seeds, spec.seed,
                             options.member_seeds.back(), seconds);
  return exit_ok;
}

int import_flee_command(const std::string& dir, const std::string& simsetting, const std::string& output) {
  const migrasim::io::FleeCasePaths paths = migrasim::io::locate_flee_case(dir, simsetting);
  const fs::path out(output);
  const fs::path folder = out.has_parent_path() ? out.parent_path() : fs::current_path();
  if (!fs::is_directory(folder))
    throw migrasim::InputError(output + ": folder " + folder.string() + " does not exist");
  std::vector<std::string> ignored;  // simsetting keys Flee does not read
  const std::string yaml = migrasim::io::flee_case_to_yaml(paths, folder.string(), &ignored);
  print_warnings(ignored);
  // Check that it loads before writing it under the requested name.
  const fs::path partial = migrasim::io::partial_path(output);
  {
    std::ofstream f(partial);
    f << yaml;
    if (!f) throw migrasim::InputError(output + ": cannot write the file");
  }
  try {
    print_warnings(migrasim::io::load_scenario(partial.string()).warnings);
  } catch (...) {
    fs::remove(partial);
    throw;
  }
  fs::rename(partial, out);
  std::cout << "wrote " << output << "\n";
  return exit_ok;
}

int validate_command(const std::string& scenario, const std::string& observed_dir, int seeds, int threads,
                     const std::vector<std::string>& sets, std::string output) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const bool default_output = default_or_existing_folder(output, scenario, "_validation.csv");
  const migrasim::studies::ValidationRun run =
      migrasim::studies::run_validation(scenario, sets, observed_dir, seeds, threads);
  print_warnings(run.warnings);
  if (default_output) make_default_folder(output);
  const migrasim::io::ObservedData& observed = run.observed;
  const std::vector<migrasim::studies::ValidationScore>& scores = run.scores;
  const auto& mean_sim = run.mean_simulated;
  const std::int64_t start_day = run.start_day;
  auto stats = [&](auto get) {
    double m = 0, m2 = 0;
    for (const auto& s : scores) m += get(s) / seeds;
    for (const auto& s : scores) m2 += (get(s) - m) * (get(s) - m);
    return std::pair<double, double>{m, seeds > 1 ? std::sqrt(m2 / (seeds - 1)) : 0.0};
  };
  std::cout << fmt::format("{} against {} ({} seeds, {} threads, {:.2f} s per run)\n", scenario, observed_dir,
                           seeds, threads, run.seconds_per_run);
  std::cout << fmt::format("{:<22}{:>18}{:>18}{:>18}\n", "camp", "ARD", "ARD rescaled", "MASE");
  std::ostringstream csv;
  csv << "camp,seed,ard,ard_rescaled,mase\n";
  for (std::size_t c = 0; c < observed.camps.size(); ++c) {
    const auto a = stats([c](const auto& s) { return s.camps[c].ard; });
    const auto r = stats([c](const auto& s) { return s.camps[c].ard_rescaled; });
    const auto m = stats([c](const auto& s) { return s.camps[c].mase; });
    std::cout << fmt::format("{:<22}{:>11.3f} ±{:5.3f}{:>11.3f} ±{:5.3f}{:>11.3f} ±{:5.3f}\n",
                             observed.camps[c].name, a.first, a.second, r.first, r.second, m.first, m.second);
    for (int k = 0; k < seeds; ++k)
      csv << fmt::format("{},{},{:.6f},{:.6f},{:.6f}\n", observed.camps[c].name,
                         run.seeds[static_cast<std::size_t>(k)],
                         scores[static_cast<std::size_t>(k)].camps[c].ard,
                         scores[static_cast<std::size_t>(k)].camps[c].ard_rescaled,
                         scores[static_cast<std::size_t>(k)].camps[c].mase);
  }
  const auto a = stats([](const auto& s) { return s.ard; });
  const auto r = stats([](const auto& s) { return s.ard_rescaled; });
  const auto m = stats([](const auto& s) { return s.mase; });
  std::cout << fmt::format("{:<22}{:>11.3f} ±{:5.3f}{:>11.3f} ±{:5.3f}{:>11.3f} ±{:5.3f}\n", "overall",
                           a.first, a.second, r.first, r.second, m.first, m.second);
  for (int k = 0; k < seeds; ++k)
    csv << fmt::format("overall,{},{:.6f},{:.6f},{:.6f}\n", run.seeds[static_cast<std::size_t>(k)],
                       scores[static_cast<std::size_t>(k)].ard,
                       scores[static_cast<std::size_t>(k)].ard_rescaled,
                       scores[static_cast<std::size_t>(k)].mase);
  const std::string daily =
      (fs::path(output).parent_path() / (fs::path(output).stem().string() + "_daily.csv")).string();
  std::ostringstream d;
  d << "date,camp,observed,simulated_mean\n";
  for (std::size_t c = 0; c < observed.camps.size(); ++c)
    for (std::size_t t = 0; t < observed.total.size(); ++t)
      d << fmt::format("{},{},{:.3f},{:.3f}\n",
                       migrasim::io::format_iso_date(start_day + static_cast<std::int64_t>(t)),
                       observed.camps[c].name, observed.camps[c].daily[t], mean_sim[c][t]);
  migrasim::io::write_file_atomically(output, csv.str());
  migrasim::io::write_file_atomically(daily, d.str());
  std::cout << "wrote " << output << " and " << daily << "\n";
  // A PNG per camp, when Python with matplotlib is at hand.
  if (const std::string failed = draw_plot("validation", {daily}); failed.empty())
    std::cout << "wrote a PNG per camp beside " << daily << "\n";
  else
    std::cout << no_plot(failed) << "\n";
  return exit_ok;
}

// The parameter dictionary from the mechanisms' tables: Markdown or JSON on stdout, or spliced into the
// generated block of a page (docs/parameters.md). The page is replaced whole, through a temporary file.
int params_command(const std::string& format, const std::string& into) {
  const auto sections = migrasim::io::registered_sections();
  if (into.empty()) {
    std::cout << (format == "json" ? migrasim::io::params_json(sections)
                                   : migrasim::io::params_markdown(sections));
    return exit_ok;
  }
  std::ifstream in(into, std::ios::binary);
  if (!in) throw migrasim::InputError(into + ": cannot read the page to update");
  std::ostringstream page;
  page << in.rdbuf();
  const std::string updated =
      migrasim::io::splice_generated(page.str(), migrasim::io::params_markdown(sections), into);
  const std::string tmp = into + ".partial-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    out << updated;
    if (!out.flush()) {
      std::filesystem::remove(tmp);
      throw migrasim::InputError(into + ": cannot write the updated page");
    }
  }
  std::filesystem::rename(tmp, into);
  std::cerr << "updated the generated block of " << into << "\n";
  return exit_ok;
}

int compare_command(const std::vector<std::string>& files, std::string png) {
  std::vector<migrasim::studies::Headline> h;
  for (const auto& f : files) h.push_back(migrasim::studies::read_headline(f));
  struct Row {
    const char* name;
    std::int64_t migrasim::studies::Headline::*field;
  };
  const Row rows[] = {{"irregular residents at end", &migrasim::studies::Headline::irregular_end},
                      {"regularised at end", &migrasim::studies::Headline::regularised_end},
                      {"applications", &migrasim::studies::Headline::applications},
                      {"approvals", &migrasim::studies::Headline::approvals},
                      {"rejections (incl. inadmissible)", &migrasim::studies::Headline::rejections},
                      {"backlog at end", &migrasim::studies::Headline::backlog_end},
                      {"removals", &migrasim::studies::Headline::removals},
                      {"deaths", &migrasim::studies::Headline::deaths_end},
                      {"stranded at end", &migrasim::studies::Headline::stranded_end},
                      {"smuggled crossings (arrived)", &migrasim::studies::Headline::crossings},
                      {"deaths on routes", &migrasim::studies::Headline::route_deaths},
                      {"mean smuggling price (USD)", &migrasim::studies::Headline::mean_price_usd},
                      {"smugglers' revenue (USD)", &migrasim::studies::Headline::revenue_usd}};
  std::cout << fmt::format("{:<34}", "indicator");
  for (std::size_t k = 0; k < h.size(); ++k)
    std::cout << fmt::format("{:>26}", fs::path(files[k]).stem().string());
  std::cout << "\n";
  for (const auto& r : rows) {
    std::cout << fmt::format("{:<34}", r.name);
    for (std::size_t k = 0; k < h.size(); ++k) {
      const std::int64_t v = h[k].*(r.field);
      if (k == 0)
        std::cout << fmt::format("{:>26}", v);
      else
        std::cout << fmt::format("{:>26}", fmt::format("{} ({:+})", v, v - h[0].*(r.field)));
    }
    std::cout << "\n";
  }
  // Series for the plot, then the PNG by the standalone plotting script when Python is at hand.
  if (png.empty()) {
    png = "out/compare.png";
    make_default_folder(png);
  }
  if (fs::path(png).has_parent_path() && !fs::is_directory(fs::path(png).parent_path()))
    throw migrasim::InputError(png + ": folder " + fs::path(png).parent_path().string() + " does not exist");
  const std::string csv_path = (fs::path(png).replace_extension(".csv")).string();
  {
    std::ostringstream csv;
    csv << "file,start_date,day,irregular\n";
    for (std::size_t k = 0; k < h.size(); ++k)
      for (std::size_t t = 0; t < h[k].irregular_by_day.size(); ++t)
        csv << fs::path(files[k]).stem().string() << "," << h[k].start_date << "," << t << ","
            << h[k].irregular_by_day[t] << "\n";
    migrasim::io::write_file_atomically(csv_path, csv.str());
  }
  if (const std::string failed = draw_plot("compare", {csv_path, png}); failed.empty())
    std::cout << "wrote " << png << " (irregular population over time) and " << csv_path << "\n";
  else
    std::cout << "wrote " << csv_path << "; " << no_plot(failed) << "\n";
  return exit_ok;
}

int sweep_command(const std::string& scenario, const std::vector<std::string>& vary_texts, int seeds,
                  std::vector<std::string> outcomes, int threads, const std::vector<std::string>& sets,
                  std::string output) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const bool default_output = default_or_existing_folder(output, scenario, "_sweep.csv");
  std::vector<migrasim::studies::SweepKey> vary;
  for (std::size_t i = 0; i < vary_texts.size(); ++i)
    vary.push_back(migrasim::studies::parse_vary(vary_texts[i], "--vary " + vary_texts[i]));
  if (outcomes.empty()) outcomes = {"sum:spawned"};
  const auto t0 = std::chrono::steady_clock::now();
  const migrasim::studies::SweepTable table =
      migrasim::studies::run_sweep(scenario, sets, vary, seeds, outcomes, threads);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (default_output) make_default_folder(output);
  migrasim::io::write_file_atomically(output, migrasim::studies::sweep_csv(table));
  std::cout << fmt::format("wrote {} ({} runs: {} points x {} seeds, {:.1f} s)\n", output, table.rows.size(),
                           table.rows.size() / static_cast<std::size_t>(seeds), seeds, seconds);
  return exit_ok;
}

int drill_command(const std::string& scenario, const std::string& event, int ensemble, int threads,
                  const std::vector<std::string>& sets, std::string png) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  if (png.empty()) {
    png = (fs::path("out") / fs::path(scenario).stem()).string() + "_drill.png";
    make_default_folder(png);
  }
  if (fs::path(png).has_parent_path() && !fs::is_directory(fs::path(png).parent_path()))
    throw migrasim::InputError(png + ": folder " + fs::path(png).parent_path().string() + " does not exist");
  const migrasim::studies::DrillReport report =
      migrasim::studies::run_drill(scenario, sets, event, ensemble, threads);
  std::cout << migrasim::studies::format_drill(report);
  const std::string csv = fs::path(png).replace_extension(".csv").string();
  migrasim::studies::write_drill_series(report, csv);
  if (const std::string failed = draw_plot("drill", {csv, png}); failed.empty())
    std::cout << "wrote " << png << " (dashboard) and " << csv << "\n";
  else
    std::cout << "wrote " << csv << "; " << no_plot(failed) << "\n";
  return exit_ok;
}

// The verbs written in Python (`calibrate`, `report`) run `PYTHON -m MODULE ARGS` (PYTHON: cli_python()),
// which parses, checks and reports with the CLI's exit codes. Replaces this process; returns only when
// Python cannot be started.
int python_verb(const std::string& verb, const std::string& module, std::vector<std::string> args) {
  const std::string python = cli_python();
  std::vector<std::string> words{python, "-m", module};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  std::cout.flush();
  sigset_t none;  // Python handles SIGINT and SIGTERM itself: unblock them (Leftovers blocked them)
  sigemptyset(&none);
  pthread_sigmask(SIG_SETMASK, &none, nullptr);
  execvp(python.c_str(), argv.data());
  const int err = errno;
  throw migrasim::InputError(verb + ": cannot start '" + python + "': " + std::strerror(err) +
                             " (set MIGRASIM_PYTHON to a Python that has the migrasim package, e.g. "
                             ".venv/bin/python made by ./run.sh)");
}

}  // namespace

int main(int argc, char** argv) {
  migrasim::io::hdf5_skip_exit_cleanup();
  Leftovers::process().watch_signals();
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
  std::string seed;
  std::vector<std::string> sets;
  // One text for every subcommand's --set, so that they cannot drift apart (docs/scenario-format.md).
  const std::string set_help =
      "Override one scenario value, KEY.PATH=VALUE (repeatable), e.g. run.days=30; a list entry is "
      "KEY[INDEX] (from 0) or KEY[NAME] (its name: field), e.g. 'events[closure].date=2024-01-09'";
  bool quiet = false, verbose = false;
  std::string flee_dir, simsetting;
  run->add_option("SCENARIO", scenario, "Scenario file (YAML); none with --resume");
  run->add_option("--flee", flee_dir,
                  "Run a Flee case (its folder, or its input folder) instead of a scenario file");
  run->add_option(
      "--simsetting", simsetting,
      "Flee simsetting.yml for --flee (default: the case's own, else its suite's in the folder above)");
  run->add_option("-o,--output", output,
                  "Output file (HDF5); default: output.path of the scenario, else out/<scenario name>.h5");
  run->add_option("--days", days, "Override run.days")->check(CLI::Range(1, migrasim::max_run_days));
  run->add_option("--seed", seed, "Override run.seed: a whole number in [0, 9223372036854775807]");
  run->add_option("--threads", threads, "Worker threads (default: all cores); results do not depend on it")
      ->check(CLI::Range(1, 1024));
  run->add_option("--set", sets, set_help);
  std::int64_t max_agents = 0;
  run->add_option("--max-agents", max_agents,
                  "Stop with exit 2 before a day that would make more agents than this (default: what the "
                  "machine's memory holds at the run's bytes per agent)")
      ->check(CLI::Range(std::int64_t{1}, std::numeric_limits<std::int64_t>::max()));
  int checkpoint_every = 0;
  std::string checkpoint, resume;
  run->add_option("--checkpoint-every", checkpoint_every,
                  "Write the run's state every N days to a checkpoint (and on SIGINT or SIGTERM, before "
                  "exiting), from which --resume continues; refused when a mechanism cannot save its state")
      ->check(CLI::Range(1, migrasim::max_run_days));
  run->add_option("--checkpoint", checkpoint,
                  "Checkpoint file for --checkpoint-every (default: the output's path with .ckpt added); "
                  "replaced atomically at each checkpoint, kept after the run")
      ->check(CLI::NonexistentPath | CLI::ExistingFile);
  run->add_option("--resume", resume,
                  "Continue the run a checkpoint holds (its scenario, options and output); the output is "
                  "identical to an uninterrupted run's. Only --threads, -o, -q and -v may be given with it");
  run->add_flag("-q,--quiet", quiet, "No progress bar or summary");
  run->add_flag(
      "-v,--verbose", verbose,
      "Before the run, list the agent columns (kernel and declared by each model) and bytes per agent");

  auto* import_flee = app.add_subcommand("import-flee", "Write a migrasim scenario for a Flee case");
  std::string import_dir, import_out, import_simsetting;
  import_flee->add_option("INPUT_DIR", import_dir, "Flee case folder, or its input folder")->required();
  import_flee->add_option(
      "--simsetting", import_simsetting,
      "Flee simsetting.yml (default: the case's own, else its suite's in the folder above)");
  import_flee->add_option("-o,--output", import_out, "Scenario file to write (YAML)")->required();

  auto* validate = app.add_subcommand(
      "validate", "Run a scenario (several seeds) and score its camps against observed data (ARD, MASE)");
  std::string validate_scenario, observed_dir, validate_out;
  int seeds = 1;
  validate->add_option("SCENARIO", validate_scenario, "Scenario file (YAML), e.g. one written by import-flee")
      ->required();
  validate->add_option("--observed", observed_dir, "Folder with data_layout.csv and the camp series")
      ->required();
  validate->add_option("--seeds", seeds, "Number of seeds (run.seed, run.seed+1, ...)")
      ->check(CLI::Range(1, 1000));
  validate->add_option("--threads", threads, "Worker threads")->check(CLI::Range(1, 1024));
  validate->add_option("--set", sets, set_help);
  validate->add_option(
      "-o,--output", validate_out,
      "Scores CSV (default out/<scenario name>_validation.csv; daily series beside it, and a PNG "
      "per camp when Python with matplotlib is available)");

  auto* compare = app.add_subcommand(
      "compare", "Headline indicators of several output files side by side, with differences from the first");
  std::vector<std::string> compare_files;
  std::string compare_png;
  compare->add_option("FILES", compare_files, "Output files (HDF5); the first is the reference")->required();
  compare->add_option("-o,--output", compare_png,
                      "PNG of the irregular population over time per file (default out/compare.png)");

  auto* drill = app.add_subcommand(
      "drill",
      "Run a disaster scenario (an ensemble of seeds) and print the planners' figures, with a PNG dashboard");
  std::string drill_scenario, drill_event, drill_png;
  int ensemble = 1;
  drill->add_option("SCENARIO", drill_scenario, "Scenario file with behaviour.disasters")->required();
  drill->add_option("--event", drill_event, "Disaster event to count from (default: the first)");
  drill->add_option("--ensemble", ensemble, "Number of runs (seeds run.seed, run.seed+1, ...)")
      ->check(CLI::Range(1, 1000));
  drill->add_option("--threads", threads, "Worker threads")->check(CLI::Range(1, 1024));
  drill->add_option("--set", sets, set_help);
  drill->add_option("-o,--output", drill_png, "Dashboard PNG (default out/<scenario name>_drill.png)");

  auto* ensemble_cmd = app.add_subcommand(
      "ensemble", "Run a scenario for several seeds and write one HDF5 file with a leading seed dimension");
  std::string ensemble_scenario, ensemble_out;
  int ensemble_seeds = 20;
  bool ensemble_quiet = false;
  ensemble_cmd->add_option("SCENARIO", ensemble_scenario, "Scenario file (YAML)")->required();
  ensemble_cmd->add_option("--seeds", ensemble_seeds, "Members: seeds run.seed, run.seed+1, ... (default 20)")
      ->check(CLI::Range(1, 10000));
  ensemble_cmd->add_option("--threads", threads, "Worker threads per member")->check(CLI::Range(1, 1024));
  ensemble_cmd->add_option("--set", sets, set_help);
  ensemble_cmd->add_option("-o,--output", ensemble_out,
                           "Output file (HDF5, netCDF-4; default out/<scenario name>_ensemble.h5)");
  ensemble_cmd->add_flag("-q,--quiet", ensemble_quiet, "No progress bar or summary");

  auto* sweep = app.add_subcommand(
      "sweep",
      "Run a scenario at every combination of some keys' values, for several seeds, and tabulate outcomes");
  std::string sweep_scenario, sweep_out;
  std::vector<std::string> sweep_vary, sweep_outcomes;
  int sweep_seeds = 1;
  sweep->add_option("SCENARIO", sweep_scenario, "Scenario file (YAML)")->required();
  sweep
      ->add_option("--vary", sweep_vary,
                   "KEY.PATH=v1,v2,... (repeatable; every combination runs; commas inside [...] belong to "
                   "the value), e.g. behaviour.economic.patience_days=3,7,14")
      ->required();
  sweep->add_option("--seeds", sweep_seeds, "Seeds per point (run.seed, run.seed+1, ...)")
      ->check(CLI::Range(1, 1000));
  sweep->add_option("--outcome", sweep_outcomes,
                    "NAME (the variable's total on the last day) or sum:NAME (over every day), NAME one of "
                    "population, stranded, on_route, flow, spawned or a model series (repeatable; default "
                    "sum:spawned)");
  sweep->add_option("--threads", threads, "Worker threads per run")->check(CLI::Range(1, 1024));
  sweep->add_option("--set", sets, set_help);
  sweep->add_option("-o,--output", sweep_out,
                    "Table (CSV: the keys, seed, the outcomes; default out/<scenario name>_sweep.csv)");

  auto* params = app.add_subcommand(
      "params",
      "Print the parameter dictionary of every mechanism (key, kind, unit, default, range, source)");
  std::string params_format = "md", params_into;
  params->add_option("--format", params_format, "md (Markdown) or json")
      ->check(CLI::IsMember({"md", "json"}));
  params->add_option("--into", params_into,
                     "Instead of printing, replace the generated block of this page (docs/parameters.md)");

  auto* calibrate = app.add_subcommand(
      "calibrate",
      "Fit scenario parameters to observed camp counts by ABC on the first days and score them on the days "
      "held out (runs PYTHON -m migrasim.calibrate_cli, PYTHON $MIGRASIM_PYTHON or the checkout's "
      ".venv/bin/python; `migrasim calibrate --help` lists its options)");
  calibrate->prefix_command();  // everything after the verb goes to the Python module, --help included
  calibrate->set_help_flag("");

  const char* report_help =
      "Write a self-contained HTML page of output files that opens offline: a map of places and routes "
      "with a day slider, the time series with CSV downloads, headline indicators against the first file, "
      "provenance (runs PYTHON -m migrasim.report_cli, PYTHON as for calibrate; docs/report.md)";
  auto* report = app.add_subcommand("report", report_help);
  std::vector<std::string> report_files;
  std::string report_out, report_title;
  report->add_option("FILES", report_files, "Output files (HDF5) of migrasim run; the first is the reference")
      ->required();
  report->add_option("-o,--output", report_out, "Page to write (HTML; default: the first file with .html)");
  report->add_option("--title", report_title, "Page title (default: the files' names)");

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
    // `-o ''` names no file: refuse it rather than write the default path.
    for (CLI::App* sub : {run, import_flee, validate, compare, drill, sweep, ensemble_cmd, report})
      if (*sub && sub->count("--output") > 0 && sub->get_option("--output")->as<std::string>().empty())
        throw migrasim::InputError(sub->get_name() +
                                   " -o/--output: the path is empty, expected a file name (or no -o for the "
                                   "default)");
    if (*run)
      return run_command({scenario, flee_dir, simsetting, output, days, seed, threads, sets, quiet, verbose,
                          max_agents, checkpoint_every, checkpoint, resume},
                         command_line);
    if (*compare) return compare_command(compare_files, compare_png);
    if (*drill) return drill_command(drill_scenario, drill_event, ensemble, threads, sets, drill_png);
    if (*ensemble_cmd)
      return ensemble_command(ensemble_scenario, ensemble_seeds, threads, sets, ensemble_out, ensemble_quiet,
                              command_line);
    if (*sweep)
      return sweep_command(sweep_scenario, sweep_vary, sweep_seeds, sweep_outcomes, threads, sets, sweep_out);
    if (*import_flee) return import_flee_command(import_dir, import_simsetting, import_out);
    if (*validate)
      return validate_command(validate_scenario, observed_dir, seeds, threads, sets, validate_out);
    if (*params) return params_command(params_format, params_into);
    if (*calibrate) return python_verb("calibrate", "migrasim.calibrate_cli", calibrate->remaining());
    if (*report) {
      std::vector<std::string> words;
      if (report->count("--output") > 0) words.insert(words.end(), {"--output", report_out});
      if (report->count("--title") > 0) words.insert(words.end(), {"--title", report_title});
      words.emplace_back("--");  // the files are files, whatever their names start with
      words.insert(words.end(), report_files.begin(), report_files.end());
      return python_verb("report", "migrasim.report_cli", words);
    }
    if (*info) {
      std::cout << migrasim::io::summarise_file(info_path);
      return exit_ok;
    }
  } catch (const migrasim::InputError& e) {
    std::cerr << "migrasim: error: " << e.what() << "\n";
    return exit_input;
  } catch (const std::filesystem::filesystem_error& e) {
    // The system refused a path the user gave (a name too long, a loop of links, no permission): bad
    // input, not a bug; the readers name file and line where they can (docs/reliability.md).
    std::cerr << "migrasim: error: cannot use '" << e.path1().string() << "': " << e.code().message() << "\n";
    return exit_input;
  } catch (const std::exception& e) {
    std::cerr << "migrasim: internal error: " << e.what() << "\n";
    return exit_internal;
  }
  return exit_internal;
}
