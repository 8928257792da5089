#pragma once
// A behaviour model plugs into the kernel's daily phases:
//   events -> spawn -> decide -> move -> status -> record
// Each hook may run parallel loops over agents through StepContext::parallel_for. Within a phase a model
// reads what the previous phases left and writes only the slots of the agent it handles, so results do not
// depend on the number of threads.
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/checkpoint.hpp"
#include "sim/errors.hpp"
#include "sim/population.hpp"
#include "sim/recorder.hpp"
#include "sim/rng.hpp"
#include "sim/routing.hpp"
#include "sim/schedule.hpp"
#include "sim/world.hpp"

namespace migrasim {

// One thread's counters of the day's border crossings: the kernel's series `crossings` and `apprehensions`
// (time, border_edge, option, nationality), recorded when mechanisms declare ways of crossing
// (Declarations::crossing_option). The movement routine counts arrivals across a border by the option the
// mover names; mechanisms count the attempts they stop themselves.
class CrossingCounter {
 public:
  enum Outcome : std::uint8_t { crossed = 0, apprehended = 1 };
  static constexpr std::size_t outcome_count = 2;
  CrossingCounter() = default;
  CrossingCounter(std::uint32_t* counts, const std::int32_t* border_index, std::size_t border_routes,
                  std::size_t options, std::size_t countries)
      : counts_(counts),
        border_index_(border_index),
        border_routes_(border_routes),
        options_(options),
        countries_(countries) {}
  // Route r (ignored unless it crosses a border), the declared option, what happened, the nationality.
  void add(route_id r, std::uint8_t option, Outcome outcome, std::int32_t nationality) const {
    if (!counts_) return;
    const std::int32_t b = border_index_[r];
    if (b < 0) return;
    ++counts_[((outcome * border_routes_ + static_cast<std::size_t>(b)) * options_ + option) * countries_ +
              static_cast<std::size_t>(nationality)];
  }

 private:
  std::uint32_t* counts_ = nullptr;  // 32-bit per thread and day: a thread moves fewer than 2^32 agents
  const std::int32_t* border_index_ = nullptr;
  std::size_t border_routes_ = 0, options_ = 0, countries_ = 0;
};

// Rules on entering routes that one mechanism holds for every mover (entry rules by nationality). The
// kernel's movement routine asks before anyone sets out on a route: active() for the route today (cheap),
// then admits() for the agent; a refusal is an apprehension, and the mover holds the agent at the place.
class EntryGate {
 public:
  virtual ~EntryGate() = default;
  virtual bool active(route_id r) const = 0;
  // May agent i, with its flags byte, set out on directed arc a today?
  virtual bool admits(std::size_t i, arc_id a, std::uint8_t flags) const = 0;
};

// Risks on routes that one mechanism holds for every traveller (deaths on the way). The movement routine
// asks when someone has travelled a route to its end; dies() decides and records the death (the agent's
// status), and the routine then ends the agent's journey where the route ends (settled).
class RouteHazard {
 public:
  virtual ~RouteHazard() = default;
  virtual bool active(route_id r) const = 0;
  // Does agent i die travelling directed arc a today? Called from the thread that moves i.
  virtual bool dies(std::size_t i, arc_id a) const = 0;
};

// Places where travellers choose how to cross a border, held by one mechanism for every mover (the
// smuggling market: pathways, smugglers, crossing alone, waiting). The movement routine asks at() (cheap)
// whenever an agent stands at a place about to set out, then takes(); an agent taken gets
// journey::at_crossing in Population::driver, ends its day there, and its driver's rules leave it alone
// until the market hands it back (clears the bit) where its trip ended.
class CrossingMarket {
 public:
  virtual ~CrossingMarket() = default;
  bool at(place_id p) const { return places_[static_cast<std::size_t>(p)] != 0; }
  // Does the market take agent i, with its flags byte, standing at place p today?
  virtual bool takes(std::size_t i, place_id p, std::uint8_t flags) const = 0;
  // The value of setting off for country `into`, for travellers of one nationality: the mean, over those
  // of them who chose at a crossing point on the way into that country, of the log of the sum of
  // exp(deterministic utility) of the options open to each that it could pay for (the expected best
  // utility of the choice there, less the draws' mean), on the last day before today that any chose;
  // NaN where none has yet. Models that compare an option of their own with setting off (a regular
  // pathway applied for at home) read it; request_values() before the first day asks the market to keep
  // it (it costs a logarithm per choice).
  double crossing_value(country_id into, std::int16_t nationality) const {
    if (into < 0 || nationality < 0 || static_cast<std::size_t>(into) >= value_countries_ ||
        static_cast<std::size_t>(nationality) >= value_countries_)
      return std::numeric_limits<double>::quiet_NaN();
    return values_[static_cast<std::size_t>(into) * value_countries_ + static_cast<std::size_t>(nationality)];
  }
  void request_values() const { values_wanted_ = true; }

 protected:
  std::vector<std::uint8_t> places_;  // [place] 1 where the market has options today
  std::vector<double> values_;        // [into country * countries + nationality] crossing_value()
  std::size_t value_countries_ = 0;
  mutable bool values_wanted_ = false;  // set once, before the first day (request_values)
};

class StepContext {
 public:
  virtual ~StepContext() = default;
  virtual const World& world() const = 0;
  virtual const RouteState& route_state() const = 0;
  virtual Population& population() = 0;
  virtual const KeyedRng& rng() const = 0;
  virtual std::int32_t day() const = 0;
  virtual std::int32_t days() const = 0;
  // Index of the model whose hook is running; agents a model creates carry it in Population::driver.
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
  // This thread's crossing counters (summed by the kernel); take it once per sub-range of agents.
  virtual CrossingCounter crossings() = 0;
  // The entry rules of the run (Declarations::entry_gate), or null.
  virtual const EntryGate* entry_gate() const = 0;
  // The route risks of the run (Declarations::route_hazard), or null.
  virtual const RouteHazard* route_hazard() const = 0;
  // The crossing market of the run (Declarations::crossing_market), or null.
  virtual const CrossingMarket* crossing_market() const = 0;
  // Does the model of index `driver` (Population::driver) draw another destination for its movers who
  // choose one at a border (Declarations::takes_other_destinations)?
  virtual bool takes_other_destinations(std::uint8_t driver) const = 0;
};

// What a model declares when the simulation is built: the agent columns and flags it uses beyond the
// kernel's, and the random-number purposes it draws from.
class Declarations {
 public:
  Declarations(Population& population, std::vector<PurposeRange>& purposes,
               std::vector<std::string>& crossing_options, const EntryGate*& gate, const RouteHazard*& hazard,
               const CrossingMarket*& market, bool& other_destinations, std::string_view by)
      : population_(population),
        purposes_(purposes),
        crossing_options_(crossing_options),
        gate_(gate),
        hazard_(hazard),
        market_(market),
        other_destinations_(other_destinations),
        by_(by) {}
  template <class T>
  Column<T> add(const ColumnSpec& spec) {
    return population_.declare<T>(spec, by_);
  }
  FlagBit flag(const ColumnSpec& spec) { return population_.declare_flag(spec, by_); }
  // Purpose values [first, first + count) (sim/rng.hpp); the kernel refuses overlaps.
  void purposes(std::uint32_t first, std::uint32_t count) { purposes_.push_back({first, count, by_}); }
  // The mechanism holds the run's entry rules (at most one may); the gate must outlive the simulation's
  // steps (the model itself).
  void entry_gate(const EntryGate* gate) {
    if (gate_) throw InternalError(std::string(by_) + ": another mechanism already holds the entry rules");
    gate_ = gate;
  }
  // The mechanism holds the run's route risks (at most one may).
  void route_hazard(const RouteHazard* hazard) {
    if (hazard_) throw InternalError(std::string(by_) + ": another mechanism already holds the route risks");
    hazard_ = hazard;
  }
  // The mechanism holds the run's crossing market (at most one may).
  void crossing_market(const CrossingMarket* market) {
    if (market_)
      throw InternalError(std::string(by_) + ": another mechanism already holds the crossing market");
    market_ = market;
  }
  // The model draws another destination for its movers whose destination reads journey::away_from(d)
  // (sim/population.hpp), the crossing market's option at a border.
  void takes_other_destinations() { other_destinations_ = true; }
  // A way of crossing a border (a label of the `option` dimension of the crossings series); several
  // mechanisms declaring one name share it. Returns its index for CrossingCounter::add.
  std::uint8_t crossing_option(std::string_view name) {
    for (std::size_t k = 0; k < crossing_options_.size(); ++k)
      if (crossing_options_[k] == name) return static_cast<std::uint8_t>(k);
    crossing_options_.emplace_back(name);
    return static_cast<std::uint8_t>(crossing_options_.size() - 1);
  }

 private:
  Population& population_;
  std::vector<PurposeRange>& purposes_;
  std::vector<std::string>& crossing_options_;
  const EntryGate*& gate_;
  const RouteHazard*& hazard_;
  const CrossingMarket*& market_;
  bool& other_destinations_;
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
  // A copy of the model and its state, for Simulation::fork (usually the copy constructor: `return
  // std::make_unique<M>(*this);`). The fork calls declare() and attach() on the copy, never on_start().
  // The default refuses: a model that cannot be copied cannot be forked.
  virtual std::unique_ptr<Model> clone() const {
    throw InputError("the mechanism '" + std::string(name()) + "' cannot be forked");
  }
  // Checkpoints (docs/reliability.md): a model that can save its state says so, so that a run asked for
  // checkpoints is refused before day 0 when one of its mechanisms cannot (Simulation::check_checkpoints).
  virtual bool checkpointable() const { return false; }
  // The model's state that the run changes (what on_start and the parameters do not give again), into a
  // checkpoint. The default refuses.
  virtual void save_state(StateWriter&) const {
    throw InputError("the mechanism '" + std::string(name()) + "' cannot save its state in a checkpoint");
  }
  // In a resumed run: after attach and on_start (called as in a new run) and after the kernel restored its
  // own state (the day, the agents, the route state), reads back what save_state wrote, and refreshes what
  // derives from the route state as on_route_state_changed would.
  virtual void load_state(StateReader&, StepContext&) {
    throw InputError("the mechanism '" + std::string(name()) + "' cannot load its state from a checkpoint");
  }
  // Before on_start, and in a fork before its first day: the place to keep pointers to the context's
  // world, population or random numbers (a fork has its own population).
  virtual void attach(StepContext&) {}
  // Once, before day 0.
  virtual void on_start(StepContext&) {}
  // Between days (Simulation::change_params): the model's parameter struct with new values of the keys
  // its table marks changeable mid-run (ParamEntry::changeable), read and validated by the caller; the
  // model takes them from the next day on. The default refuses.
  virtual void change_params(StepContext&, const void* /*params*/) {
    throw InputError("the mechanism '" + std::string(name()) + "' has no parameters that change mid-run");
  }
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
