#pragma once
// A behaviour model plugs into the kernel's daily phases:
//   events -> spawn -> decide -> move -> status -> record
// Each hook may run parallel loops over agents through StepContext::parallel_for. Within a phase a model
// reads what the previous phases left and writes only the slots of the agent it handles, so results do not
// depend on the number of threads.
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "sim/population.hpp"
#include "sim/recorder.hpp"
#include "sim/rng.hpp"
#include "sim/routing.hpp"
#include "sim/schedule.hpp"
#include "sim/world.hpp"

namespace migrasim {

class StepContext {
 public:
  virtual ~StepContext() = default;
  virtual const World& world() const = 0;
  virtual const RouteState& route_state() const = 0;
  virtual Population& population() = 0;
  virtual const KeyedRng& rng() const = 0;
  virtual std::int32_t day() const = 0;
  virtual std::int32_t days() const = 0;
  // Index of the model whose hook is running; agents a model creates carry it in Population::owner.
  virtual std::uint8_t model_index() const = 0;
  // Runs body(begin, end) over sub-ranges of [begin, end) on the simulation's threads; `grain` is the
  // smallest sub-range worth a task (agents: thousands; places or destinations: one).
  virtual void parallel_for(std::size_t begin, std::size_t end,
                            const std::function<void(std::size_t, std::size_t)>& body,
                            std::size_t grain = 4096) = 0;
  // The simulation's threads for loops of few, heavy items (one Dijkstra per destination).
  ParallelFor per_item() {
    return [this](std::size_t b, std::size_t e, const std::function<void(std::size_t, std::size_t)>& body) {
      parallel_for(b, e, body, 1);
    };
  }
  // This thread's flow counters, one per route (entries during the day); summed by the kernel.
  virtual std::vector<std::int64_t>& local_flow() = 0;
};

// What a model declares when the simulation is built: the agent columns and flags it uses beyond the
// kernel's, and the random-number purposes it draws from.
class Declarations {
 public:
  Declarations(Population& population, std::vector<PurposeRange>& purposes, std::string_view by)
      : population_(population), purposes_(purposes), by_(by) {}
  template <class T>
  Column<T> add(const ColumnSpec& spec) {
    return population_.declare<T>(spec, by_);
  }
  FlagBit flag(const ColumnSpec& spec) { return population_.declare_flag(spec, by_); }
  // Purpose values [first, first + count) (sim/rng.hpp); the kernel refuses overlaps.
  void purposes(std::uint32_t first, std::uint32_t count) { purposes_.push_back({first, count, by_}); }

 private:
  Population& population_;
  std::vector<PurposeRange>& purposes_;
  std::string_view by_;
};

class Model {
 public:
  virtual ~Model() = default;
  virtual std::string_view name() const = 0;
  // Once, when the simulation is built: the agent columns and flags the model uses besides the kernel's
  // (keep the handles), and its random-number purposes. A model reads and writes only these columns and
  // the kernel's, and draws only from these purposes and the kernel's.
  virtual void declare(Declarations&) {}
  // Once, before day 0.
  virtual void on_start(StepContext&) {}
  // For each event of the day, after the kernel applied it to the route state.
  virtual void on_event(StepContext&, const Event&) {}
  // After the day's events, when any of them changed the route state.
  virtual void on_route_state_changed(StepContext&) {}
  // How many agents appear at each place today (size: place count). The kernel gives them ids by an
  // exclusive prefix sum over places, sets `place` and calls init_agents.
  virtual void spawn_counts(StepContext&, std::vector<std::int64_t>& /*per_place*/) {}
  // Fill every field of the new agents [first, last); `place` holds their place of appearance.
  virtual void init_agents(StepContext&, std::size_t /*first*/, std::size_t /*last*/) {}
  // Series of the model's own that recorders should keep (declared once, before day 0).
  virtual void declare_series(std::vector<SeriesSpec>& /*out*/) const {}
  // The day's values of the declared series, in declaration order (called after update_status).
  virtual void fill_series(StepContext&, std::vector<std::vector<std::int64_t>>& /*values*/) {}
  virtual void decide(StepContext&) {}
  virtual void move(StepContext&) {}
  virtual void update_status(StepContext&) {}
};

}  // namespace migrasim
