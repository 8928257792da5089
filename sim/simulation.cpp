#include "sim/simulation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <type_traits>

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include "sim/errors.hpp"

namespace migrasim {

namespace {

// Per-thread counters for the record pass; merged by integer addition, so the result does not depend on
// how the agents were split among threads.
// 32-bit per thread keeps them small enough for the cache; a thread never counts more agents than
// the population holds, which is checked to stay below 2^32.
struct LocalCounts {
  // The population by place and legal status, then the stranded by place, then those on each route, in
  // one table (count() picks the counter without a branch), held count_copies() times side by side.
  std::vector<std::uint32_t> counts, groups;
};

// Agents next to each other often increment the same counter (those made together at one place, those
// on one route), and each increment then waits for the one before it. A small table is kept in 4 copies,
// agent i counting in copy i % 4, so that neighbours increment different ones; a large one once, to stay
// in cache.
std::size_t count_copies(std::size_t counters) {
  return counters <= 4096 ? 4 : 1;
}

}  // namespace

// Two mechanisms drawing from one purpose would draw the same numbers: refused, as is a purpose among the
// kernel's.
void check_purposes(std::vector<PurposeRange> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const PurposeRange& a, const PurposeRange& b) { return a.first < b.first; });
  for (std::size_t k = 0; k < ranges.size(); ++k) {
    const PurposeRange& r = ranges[k];
    if (r.first < kernel_purpose_count)
      throw InternalError(std::string(r.what) + ": random-number purposes below " +
                          std::to_string(kernel_purpose_count) + " are the kernel's");
    if (k > 0 && ranges[k - 1].first + ranges[k - 1].count > r.first && ranges[k - 1].what != r.what)
      throw InternalError(std::string(ranges[k - 1].what) + " and " + std::string(r.what) +
                          " declare the same random-number purpose " + std::to_string(r.first));
  }
}

struct Simulation::Impl final : StepContext {
  std::shared_ptr<const World> world_;
  Schedule schedule_;
  std::vector<std::unique_ptr<Model>> models_;
  SimulationConfig config_;
  RouteState route_state_;
  Population population_;
  KeyedRng rng_;
  tbb::task_arena arena_;
  std::vector<Recorder*> recorders_;
  std::int32_t day_ = 0;
  bool started_ = false;
  bool params_changed_ = false;  // change_params was called: a checkpoint would not hold the new values

  std::vector<std::int64_t> population_counts_, stranded_counts_, on_route_counts_, flow_counts_;
  std::int64_t spawned_total_ = 0;
  std::vector<SeriesSpec> series_specs_;
  std::vector<std::size_t> series_first_;  // [model] index of its first series
  std::vector<std::size_t> series_count_;  // [model]
  std::vector<std::vector<std::int64_t>> series_values_;
  tbb::enumerable_thread_specific<std::vector<std::int64_t>> local_flow_;
  tbb::enumerable_thread_specific<LocalCounts> local_counts_;
  // The entry rules, route risks and crossing market a mechanism holds (Declarations), or null.
  const EntryGate* gate_ = nullptr;
  const RouteHazard* hazard_ = nullptr;
  const CrossingMarket* market_ = nullptr;
  std::vector<bool> other_destinations_;  // [model] Declarations::takes_other_destinations
  // Border crossings: the ways of crossing the models declared, the routes that cross a border, the
  // per-thread counters and the kernel's series that sums them (-1 when not recorded).
  std::vector<std::string> crossing_options_;
  std::vector<route_id> border_routes_;
  std::vector<std::int32_t> border_index_;  // [route] index into border_routes_, -1 otherwise
  std::size_t crossing_size_ = 0;
  tbb::enumerable_thread_specific<std::vector<std::uint32_t>> local_crossings_;
  std::ptrdiff_t crossings_series_ = -1;
  std::size_t group_size_ = 0;  // values of population_by_group a day (0: not recorded)
  std::ptrdiff_t groups_series_ = -1;
  AgentSample agent_sample_;

  Impl(std::shared_ptr<const World> world, Schedule schedule, std::vector<std::unique_ptr<Model>> models,
       SimulationConfig config)
      : world_(std::move(world)),
        schedule_(std::move(schedule)),
        models_(std::move(models)),
        config_(std::move(config)),
        route_state_(world_->route_count()),
        rng_(config_.seed),
        arena_(std::max(1, config_.threads)),
        agent_sample_(config_.agents) {
    const auto places = static_cast<std::size_t>(world_->place_count());
    const auto routes = static_cast<std::size_t>(world_->route_count());
    population_counts_.assign(places * legal_status_count, 0);
    stranded_counts_.assign(places, 0);
    on_route_counts_.assign(routes, 0);
    flow_counts_.assign(routes, 0);
    if (world_->countries().size() > 32767) throw InputError("a world holds at most 32767 countries");
    if (config_.days > max_run_days)
      throw InputError("a run lasts at most " + std::to_string(max_run_days) +
                       " days (per-agent days are 16-bit); got " + std::to_string(config_.days));
    if (config_.agents.size < 0 || config_.agents.every < 1)
      throw InputError("an agent sample needs a size >= 0 and a recording interval >= 1 day");
    std::vector<PurposeRange> purposes;
    other_destinations_.assign(models_.size(), false);
    for (std::size_t k = 0; k < models_.size(); ++k) {
      bool other = false;
      Declarations declared(population_, purposes, crossing_options_, gate_, hazard_, market_, other,
                            models_[k]->name());
      models_[k]->declare(declared);
      other_destinations_[k] = other;
    }
    check_purposes(purposes);
    border_index_.assign(routes, -1);
    for (std::size_t r = 0; r < routes; ++r)
      if (world_->routes()[r].crosses_border) {
        border_index_[r] = static_cast<std::int32_t>(border_routes_.size());
        border_routes_.push_back(static_cast<route_id>(r));
      }
    // The kernel's own series hold at most max_series_values values a day each.
    const auto countries = static_cast<double>(world_->countries().size());
    auto series_size = [](double size, const std::string& what) {
      if (size > static_cast<double>(max_series_values))
        throw InputError(what + " would hold " + std::to_string(static_cast<std::int64_t>(size)) +
                         " values a day; at most " + std::to_string(max_series_values));
      return static_cast<std::size_t>(size);
    };
    if (!crossing_options_.empty() && !border_routes_.empty())
      crossing_size_ = series_size(static_cast<double>(border_routes_.size()) *
                                       static_cast<double>(crossing_options_.size()) *
                                       CrossingCounter::outcome_count * countries,
                                   "the crossings series (2 x border routes x ways of crossing x countries)");
    if (config_.record_groups)
      group_size_ = series_size(static_cast<double>(places) * countries * 2 * age_band_count,
                                "population_by_group (places x countries x 2 sexes x " +
                                    std::to_string(age_band_count) + " age bands)");
  }
  static constexpr std::size_t max_series_values = std::size_t{1} << 24;

  // StepContext
  const World& world() const override { return *world_; }
  const RouteState& route_state() const override { return route_state_; }
  Population& population() override { return population_; }
  const KeyedRng& rng() const override { return rng_; }
  std::int32_t day() const override { return day_; }
  std::int32_t days() const override { return config_.days; }
  std::uint8_t model_index() const override { return current_model_; }
  std::uint8_t current_model_ = 0;
  // Runs `hook` for every model in order, telling each its index.
  template <class Hook>
  void each_model(Hook hook) {
    for (std::size_t k = 0; k < models_.size(); ++k) {
      current_model_ = static_cast<std::uint8_t>(k);
      hook(*models_[k]);
    }
  }
  void parallel_for(std::size_t begin, std::size_t end,
                    const std::function<void(std::size_t, std::size_t)>& body, std::size_t grain) override {
    if (begin >= end) return;
    arena_.execute([&] {
      tbb::parallel_for(tbb::blocked_range<std::size_t>(begin, end, std::max<std::size_t>(1, grain)),
                        [&](const tbb::blocked_range<std::size_t>& r) { body(r.begin(), r.end()); });
    });
  }
  const EntryGate* entry_gate() const override { return gate_; }
  const RouteHazard* route_hazard() const override { return hazard_; }
  const CrossingMarket* crossing_market() const override { return market_; }
  bool takes_other_destinations(std::uint8_t driver) const override {
    return driver < other_destinations_.size() && other_destinations_[driver];
  }
  CrossingCounter crossings() override {
    if (crossing_size_ == 0) return {};
    auto& v = local_crossings_.local();
    if (v.size() != crossing_size_) v.assign(crossing_size_, 0);
    return {v.data(), border_index_.data(), border_routes_.size(), crossing_options_.size(),
            world_->countries().size()};
  }
  std::vector<std::int64_t>& local_flow() override {
    auto& v = local_flow_.local();
    if (v.size() != flow_counts_.size()) v.assign(flow_counts_.size(), 0);
    return v;
  }

  // The state of `o` (a simulation of the same world, schedule and models, as fork() makes it): agents,
  // route state, day, counts and series; the models' state came with their copies.
  void copy_state(const Impl& o) {
    schedule_ = o.schedule_;
    route_state_ = o.route_state_;
    population_ = o.population_;
    day_ = o.day_;
    started_ = o.started_;
    population_counts_ = o.population_counts_;
    stranded_counts_ = o.stranded_counts_;
    on_route_counts_ = o.on_route_counts_;
    flow_counts_ = o.flow_counts_;
    spawned_total_ = o.spawned_total_;
    series_specs_ = o.series_specs_;
    series_first_ = o.series_first_;
    series_count_ = o.series_count_;
    series_values_ = o.series_values_;
    crossings_series_ = o.crossings_series_;
    groups_series_ = o.groups_series_;
    agent_sample_ = o.agent_sample_;
    params_changed_ = o.params_changed_;
    if (started_) each_model([&](Model& m) { m.attach(*this); });
  }

  void start() {
    each_model([&](Model& m) { m.attach(*this); });
    for (auto& m : models_) {
      series_first_.push_back(series_specs_.size());
      m->declare_series(series_specs_);
      series_count_.push_back(series_specs_.size() - series_first_.back());
    }
    // The kernel's own series, after the models'.
    std::vector<std::string> nationalities;
    for (const auto& c : world_->countries()) nationalities.push_back(c.code);
    if (crossing_size_ > 0) {
      std::vector<std::string> edges;
      for (route_id r : border_routes_) edges.push_back(world_->route_name(r));
      crossings_series_ = static_cast<std::ptrdiff_t>(series_specs_.size());
      const std::vector<std::string> dims{"border_edge", "option", "nationality"};
      series_specs_.push_back({"crossings",
                               "border crossings during the day, by route, way and nationality",
                               "persons",
                               dims,
                               {edges, crossing_options_, nationalities}});
      series_specs_.push_back(
          {"apprehensions",
           "attempts to cross a border stopped during the day, by route, way and nationality",
           "persons",
           dims,
           {edges, crossing_options_, nationalities}});
    }
    if (group_size_ > 0) {
      std::vector<std::string> places, bands;
      for (const auto& p : world_->places()) places.push_back(p.name);
      for (int b = 0; b < age_band_count; ++b) bands.emplace_back(age_band_name(b));
      groups_series_ = static_cast<std::ptrdiff_t>(series_specs_.size());
      series_specs_.push_back({"population_by_group",
                               "people at a place (stranded or not) by nationality, sex and age band",
                               "persons",
                               {"location", "nationality", "sex", "age_band"},
                               {places, nationalities, {"female", "male"}, bands}});
    }
    series_values_.resize(series_specs_.size());
    for (std::size_t k = 0; k < series_specs_.size(); ++k)
      series_values_[k].assign(series_specs_[k].size(), 0);
    RunInfo info{world_.get(), config_.start_date,           config_.days,
                 config_.seed, std::max(1, config_.threads), series_specs_};
    for (auto* r : recorders_) r->on_start(info);
    each_model([&](Model& m) { m.on_start(*this); });
    started_ = true;
  }

  void apply_events() {
    auto [first, last] = schedule_.on_day(day_);
    if (first == last) return;
    for (const Event* e = first; e != last; ++e) {
      for (route_id r : e->routes) {
        const auto i = static_cast<std::size_t>(r);
        switch (e->action) {
          case EventAction::close_routes:
            route_state_.open[i] = 0;
            break;
          case EventAction::open_routes:
            route_state_.open[i] = 1;
            break;
          case EventAction::set_travel_time_factor:
            route_state_.travel_time_factor[i] = static_cast<float>(e->value);
            break;
          case EventAction::set_route_capacity:
            route_state_.capacity_per_day[i] = static_cast<std::int32_t>(e->value);
            break;
        }
      }
      ++route_state_.generation;
      EventRecord rec{day_,      e->name,  std::string(to_string(e->action)),
                      e->target, e->value, static_cast<std::int32_t>(e->routes.size())};
      for (auto* r : recorders_) r->on_event(rec);
      each_model([&](Model& m) { m.on_event(*this, *e); });
    }
    each_model([&](Model& m) { m.on_route_state_changed(*this); });
  }

  // The most agents the run may hold: config_.max_agents, and what config_.memory_bytes holds.
  double agent_limit() const {
    double limit = std::numeric_limits<double>::infinity();
    if (config_.max_agents > 0) limit = static_cast<double>(config_.max_agents);
    if (config_.memory_bytes > 0)
      limit = std::min(limit, std::floor(static_cast<double>(config_.memory_bytes) /
                                         static_cast<double>(population_.bytes_per_agent())));
    return limit;
  }

  void check_agent_limit(double agents, const Model& by) const {
    const double limit = agent_limit();
    if (agents <= limit) return;
    const double bytes = agents * static_cast<double>(population_.bytes_per_agent());
    throw InputError(fmt::format(
        "day {}: '{}' would bring the run to {:.0f} agents ({:.1f} GiB at {} bytes per agent), more than the "
        "limit of {:.0f} agents ({}); lower the scenario's rates or counts, or set the limit (migrasim run "
        "--max-agents)",
        day_, by.name(), agents, bytes / 1073741824.0, population_.bytes_per_agent(), limit,
        config_.max_agents > 0 && static_cast<double>(config_.max_agents) <= limit
            ? std::string("--max-agents")
            : fmt::format("what {:.1f} GiB of memory holds",
                          static_cast<double>(config_.memory_bytes) / 1073741824.0)));
  }

  std::int64_t spawn() {
    std::int64_t spawned_today = 0;
    const auto places = static_cast<std::size_t>(world_->place_count());
    std::vector<std::int64_t> per_place(places), offset(places + 1);
    for (std::size_t k = 0; k < models_.size(); ++k) {
      Model* m = models_[k].get();
      current_model_ = static_cast<std::uint8_t>(k);
      std::fill(per_place.begin(), per_place.end(), 0);
      m->spawn_counts(*this, per_place);
      if (per_place.size() != places) throw InternalError("model spawn_counts resized its output");
      // New ids from an exclusive prefix sum over places: independent of threads and ranks.
      offset[0] = static_cast<std::int64_t>(population_.size());
      for (std::size_t p = 0; p < places; ++p) {
        if (per_place[p] < 0) throw InternalError("negative spawn count");
        offset[p + 1] = offset[p] + per_place[p];
      }
      const auto first = static_cast<std::size_t>(offset[0]), last = static_cast<std::size_t>(offset[places]);
      if (last == first) continue;
      check_agent_limit(static_cast<double>(offset[places]), *m);
      if (last > population_.place.capacity())
        population_.reserve(static_cast<std::size_t>(
            std::min(static_cast<double>(std::max(last, 2 * population_.place.capacity())),
                     std::max(static_cast<double>(last), std::min(agent_limit(), 1e18)))));
      population_.resize(last);
      parallel_for(
          0, places,
          [&](std::size_t pb, std::size_t pe) {
            for (std::size_t p = pb; p < pe; ++p) {
              std::fill(population_.place.begin() + offset[p], population_.place.begin() + offset[p + 1],
                        static_cast<place_id>(p));
              std::fill(population_.driver.begin() + offset[p], population_.driver.begin() + offset[p + 1],
                        current_model_);
            }
          },
          64);
      m->init_agents(*this, first, last);
      fill_nationality(first, last);
      spawned_today += static_cast<std::int64_t>(last - first);
    }
    spawned_total_ += spawned_today;
    return spawned_today;
  }

  // Nationality of new agents: the country of origin, where the creating model set none.
  void fill_nationality(std::size_t first, std::size_t last) {
    const auto& places = world_->places();
    parallel_for(
        first, last,
        [&](std::size_t b, std::size_t e) {
          for (std::size_t i = b; i < e; ++i)
            if (population_.nationality[i] < 0)
              population_.nationality[i] =
                  static_cast<std::int16_t>(places[static_cast<std::size_t>(population_.origin[i])].country);
        },
        4096);
  }

  void count() {
    const auto places = static_cast<std::size_t>(world_->place_count());
    const auto routes = static_cast<std::size_t>(world_->route_count());
    const std::size_t stranded_at = places * legal_status_count, route_at = stranded_at + places;
    const std::size_t width = route_at + routes, copies = count_copies(width);
    for (auto& lc : local_counts_) {
      std::fill(lc.counts.begin(), lc.counts.end(), 0);
      std::fill(lc.groups.begin(), lc.groups.end(), 0);
    }
    const std::size_t countries = world_->countries().size();
    const bool groups = group_size_ > 0;
    const Population& pop = population_;
    if (pop.size() >= (std::size_t{1} << 32)) throw InternalError("more than 2^32 agents in one simulation");
    parallel_for(
        0, pop.size(),
        [&](std::size_t b, std::size_t e) {
          LocalCounts& lc = local_counts_.local();
          if (lc.counts.size() != width * copies) {
            lc.counts.assign(width * copies, 0);
            if (groups) lc.groups.assign(group_size_, 0);
          }
          std::uint32_t* const counts = lc.counts.data();
          const place_id* const place = pop.place.data();
          const arc_id* const arc = pop.arc.data();
          const std::uint8_t* const flags = pop.flags.data();
          const LegalStatus* const status = pop.legal_status.data();
          // Two loops, so that the usual run (no groups) does not test for them per agent.
          auto tally = [&](auto with_groups) {
            for (std::size_t i = b; i < e; ++i) {
              const place_id p = place[i];
              if constexpr (decltype(with_groups)::value)
                if (p >= 0)
                  ++lc.groups[((static_cast<std::size_t>(p) * countries +
                                static_cast<std::size_t>(pop.nationality[i])) *
                                   2 +
                               static_cast<std::size_t>(pop.sex[i])) *
                                  age_band_count +
                              pop.age_band[i]];
              // At a place (stranded or by status) or on a route, chosen without a branch: the unused
              // index is computed from the other's -1 in unsigned arithmetic and never read.
              const auto at = static_cast<std::size_t>(p);
              const std::size_t here = (flags[i] & agent_flag::stranded)
                                           ? stranded_at + at
                                           : at * legal_status_count + static_cast<std::size_t>(status[i]);
              const std::size_t on = route_at + static_cast<std::size_t>(arc[i] >> 1);
              ++counts[(i & (copies - 1)) * width + (p >= 0 ? here : on)];
            }
          };
          if (groups)
            tally(std::true_type{});
          else
            tally(std::false_type{});
        },
        4096);
    std::fill(population_counts_.begin(), population_counts_.end(), 0);
    std::fill(stranded_counts_.begin(), stranded_counts_.end(), 0);
    std::fill(on_route_counts_.begin(), on_route_counts_.end(), 0);
    for (const auto& lc : local_counts_) {
      for (std::size_t first = 0; first < lc.counts.size(); first += width) {
        const std::uint32_t* const v = lc.counts.data() + first;
        for (std::size_t k = 0; k < stranded_at; ++k) population_counts_[k] += v[k];
        for (std::size_t k = 0; k < places; ++k) stranded_counts_[k] += v[stranded_at + k];
        for (std::size_t k = 0; k < routes; ++k) on_route_counts_[k] += v[route_at + k];
      }
    }
    if (groups) {
      auto& total = series_values_[static_cast<std::size_t>(groups_series_)];
      std::fill(total.begin(), total.end(), 0);
      for (const auto& lc : local_counts_)
        for (std::size_t k = 0; k < lc.groups.size(); ++k) total[k] += lc.groups[k];
    }
  }

  void step_one() {
    if (!started_) start();
    apply_events();
    const std::int64_t spawned_today = spawn();
    for (auto& lf : local_flow_) std::fill(lf.begin(), lf.end(), 0);
    for (auto& lc : local_crossings_) std::fill(lc.begin(), lc.end(), 0);
    each_model([&](Model& m) { m.decide(*this); });
    each_model([&](Model& m) { m.move(*this); });
    each_model([&](Model& m) { m.update_status(*this); });
    std::fill(flow_counts_.begin(), flow_counts_.end(), 0);
    for (const auto& lf : local_flow_)
      for (std::size_t k = 0; k < lf.size(); ++k) flow_counts_[k] += lf[k];
    count();
    if (crossings_series_ >= 0) {
      // The counters hold crossings, then apprehensions.
      auto& crossed = series_values_[static_cast<std::size_t>(crossings_series_)];
      auto& stopped = series_values_[static_cast<std::size_t>(crossings_series_) + 1];
      std::fill(crossed.begin(), crossed.end(), 0);
      std::fill(stopped.begin(), stopped.end(), 0);
      const std::size_t half = crossed.size();
      for (const auto& lc : local_crossings_) {
        if (lc.empty()) continue;
        for (std::size_t k = 0; k < half; ++k) crossed[k] += lc[k];
        for (std::size_t k = 0; k < half; ++k) stopped[k] += lc[half + k];
      }
    }
    for (std::size_t m = 0; m < models_.size(); ++m) {
      if (series_count_[m] == 0) continue;
      std::vector<std::vector<std::int64_t>> values(series_count_[m]);
      for (std::size_t k = 0; k < values.size(); ++k) values[k].swap(series_values_[series_first_[m] + k]);
      current_model_ = static_cast<std::uint8_t>(m);
      models_[m]->fill_series(*this, values);
      for (std::size_t k = 0; k < values.size(); ++k) {
        const std::size_t g = series_first_[m] + k;
        if (values[k].size() != series_specs_[g].size())
          throw InternalError("model '" + std::string(models_[m]->name()) + "' filled series '" +
                              series_specs_[g].name + "' with the wrong size");
        series_values_[g].swap(values[k]);
      }
    }
    if (agent_sample_.due(day_, config_.days)) agent_sample_.observe(population_, *world_, rng_, day_);
    DayRecord rec{day_,          &population_counts_, &stranded_counts_, &on_route_counts_,
                  &flow_counts_, spawned_today,       spawned_total_,    {}};
    for (const auto& v : series_values_) rec.series.push_back(&v);
    for (auto* r : recorders_) r->on_day(rec);
    ++day_;
    if (day_ == config_.days)
      for (auto* r : recorders_) r->on_finish();
  }
};

Simulation::Simulation(std::shared_ptr<const World> world, Schedule schedule,
                       std::vector<std::unique_ptr<Model>> models, SimulationConfig config) {
  if (!world) throw InternalError("Simulation needs a world");
  if (models.size() > journey::driver_bits)  // a model's index is an agent's driver (sim/population.hpp)
    throw InternalError("at most " + std::to_string(journey::driver_bits) + " models in one simulation");
  if (config.days < 0) throw InputError("days must be >= 0, got " + std::to_string(config.days));
  if (config.threads < 1) throw InputError("threads must be >= 1, got " + std::to_string(config.threads));
  for (const Event& e : schedule.events())
    for (route_id r : e.routes)
      if (r < 0 || r >= world->route_count())
        throw InternalError("event '" + e.name + "' names an unknown route");
  impl_ = std::make_unique<Impl>(std::move(world), std::move(schedule), std::move(models), std::move(config));
}

Simulation::~Simulation() = default;

void Simulation::add_recorder(Recorder* recorder) {
  if (impl_->started_) throw InternalError("recorders must be added before the first step");
  impl_->recorders_.push_back(recorder);
}

std::unique_ptr<Simulation> Simulation::fork(const std::vector<Recorder*>& recorders, int threads) const {
  const Impl& o = *impl_;
  std::vector<std::unique_ptr<Model>> models;
  for (const auto& m : o.models_) models.push_back(m->clone());
  SimulationConfig config = o.config_;
  if (threads != 0) config.threads = threads;
  auto copy = std::make_unique<Simulation>(o.world_, o.schedule_, std::move(models), config);
  copy->impl_->recorders_ = recorders;
  copy->impl_->copy_state(o);
  return copy;
}

void Simulation::check_checkpoints() const {
  std::string refused;
  for (const auto& m : impl_->models_)
    if (!m->checkpointable()) refused += (refused.empty() ? "'" : ", '") + std::string(m->name()) + "'";
  if (!refused.empty())
    throw InputError(
        "checkpoints: the mechanism" + std::string(refused.find(',') == std::string::npos ? " " : "s ") +
        refused + " cannot save " + (refused.find(',') == std::string::npos ? "its" : "their") +
        " state yet; run without --checkpoint-every (docs/reliability.md lists the mechanisms that can)");
}

namespace {

// What a checkpoint must match: the run's shape (places, routes, countries, days, seed) and its mechanisms.
void put_shape(StateWriter& out, const World& world, const SimulationConfig& config,
               const std::vector<std::unique_ptr<Model>>& models) {
  out.fields(world.place_count(), world.route_count(), static_cast<std::uint64_t>(world.countries().size()),
             config.days, config.seed);
  out.put(static_cast<std::uint64_t>(models.size()));
  for (const auto& m : models) out.put(std::string(m->name()));
}

}  // namespace

void Simulation::save_state(StateWriter& out) const {
  const Impl& s = *impl_;
  check_checkpoints();
  if (s.params_changed_)
    throw InputError(
        "checkpoints: parameters were changed mid-run (set / change_params); a checkpoint holds the "
        "scenario's parameters only");
  out.section("simulation");
  put_shape(out, *s.world_, s.config_, s.models_);
  out.fields(s.day_, s.started_);
  out.put(static_cast<std::uint64_t>(s.schedule_.events().size()));
  for (const Event& e : s.schedule_.events())
    out.fields(e.day, static_cast<std::uint8_t>(e.action), e.name, e.target, e.routes, e.value);
  out.fields(s.route_state_.open, s.route_state_.capacity_per_day, s.route_state_.travel_time_factor,
             s.route_state_.generation);
  s.population_.save_state(out);
  out.fields(s.population_counts_, s.stranded_counts_, s.on_route_counts_, s.flow_counts_, s.spawned_total_,
             s.series_values_);
  s.agent_sample_.save_state(out);
  // Before the first day the models hold nothing yet: the resumed run starts them as a new one would.
  if (s.started_)
    for (const auto& m : s.models_) {
      out.section(m->name());
      m->save_state(out);
    }
  out.section("end");
}

void Simulation::load_state(StateReader& in) {
  Impl& s = *impl_;
  if (s.started_) throw InternalError("Simulation::load_state: the simulation has already started");
  check_checkpoints();
  in.section("simulation");
  {
    std::int32_t places = 0, routes = 0, days = 0;
    std::uint64_t countries = 0, seed = 0, models = 0;
    in.fields(places, routes, countries, days, seed, models);
    std::vector<std::string> names(models);
    for (auto& n : names) in.get(n);
    std::string have;
    for (const auto& m : s.models_) have += " " + std::string(m->name());
    std::string saved;
    for (const auto& n : names) saved += " " + n;
    if (places != s.world_->place_count() || routes != s.world_->route_count() ||
        countries != s.world_->countries().size() || days != s.config_.days || seed != s.config_.seed ||
        saved != have)
      in.fail(fmt::format(
          "a run of {} places, {} routes, {} countries, {} days, seed {}, mechanisms{}; this "
          "run has {} places, {} routes, {} countries, {} days, seed {}, mechanisms{}",
          places, routes, countries, days, seed, saved, s.world_->place_count(), s.world_->route_count(),
          s.world_->countries().size(), s.config_.days, s.config_.seed, have));
  }
  std::int32_t day = 0;
  bool started = false;
  in.fields(day, started);
  if (day < 0 || day > s.config_.days) in.fail("day " + std::to_string(day) + " outside the run");
  if (started) s.start();
  s.day_ = day;
  std::uint64_t events = 0;
  in.get(events);
  std::vector<Event> schedule(events);
  for (Event& e : schedule) {
    std::uint8_t action = 0;
    in.fields(e.day, action, e.name, e.target, e.routes, e.value);
    if (action > static_cast<std::uint8_t>(EventAction::set_route_capacity))
      in.fail("an unknown event action");
    e.action = static_cast<EventAction>(action);
    for (route_id r : e.routes)
      if (r < 0 || r >= s.world_->route_count()) in.fail("event '" + e.name + "' names an unknown route");
  }
  s.schedule_ = Schedule(std::move(schedule));
  RouteState& rs = s.route_state_;
  in.fields(rs.open, rs.capacity_per_day, rs.travel_time_factor, rs.generation);
  const auto routes = static_cast<std::size_t>(s.world_->route_count());
  if (rs.open.size() != routes || rs.capacity_per_day.size() != routes ||
      rs.travel_time_factor.size() != routes)
    in.fail("a route state of another size");
  s.population_.load_state(in);
  auto sized = [&](const std::vector<std::int64_t>& v, std::size_t n, const char* what) {
    if (v.size() != n) in.fail(std::string(what) + " of another size");
  };
  in.fields(s.population_counts_, s.stranded_counts_, s.on_route_counts_, s.flow_counts_, s.spawned_total_);
  const auto places = static_cast<std::size_t>(s.world_->place_count());
  sized(s.population_counts_, places * legal_status_count, "population counts");
  sized(s.stranded_counts_, places, "stranded counts");
  sized(s.on_route_counts_, routes, "on-route counts");
  sized(s.flow_counts_, routes, "flows");
  std::vector<std::vector<std::int64_t>> series;
  in.get(series);
  if (series.size() != s.series_values_.size()) in.fail("another number of series");
  for (std::size_t k = 0; k < series.size(); ++k) sized(series[k], s.series_values_[k].size(), "a series");
  s.series_values_ = std::move(series);
  s.agent_sample_.load_state(in);
  if (started)
    for (std::size_t k = 0; k < s.models_.size(); ++k) {
      in.section(s.models_[k]->name());
      s.current_model_ = static_cast<std::uint8_t>(k);
      s.models_[k]->load_state(in, s);
    }
  in.section("end");
}

void Simulation::apply_event(Event event) {
  for (route_id r : event.routes)
    if (r < 0 || r >= impl_->world_->route_count())
      throw InternalError("event '" + event.name + "' names an unknown route");
  event.day = impl_->day_;
  impl_->schedule_.add(std::move(event));
}

void Simulation::change_params(std::string_view name, const void* params, const std::string& what,
                               double value) {
  Impl& s = *impl_;
  if (!s.started_) s.start();  // the models take their parameters in on_start first
  for (std::size_t k = 0; k < s.models_.size(); ++k)
    if (s.models_[k]->name() == name) {
      s.current_model_ = static_cast<std::uint8_t>(k);
      s.models_[k]->change_params(s, params);
      s.params_changed_ = true;
      const EventRecord rec{s.day_, what, "set_parameter", std::string(name), value, 0};
      for (auto* r : s.recorders_) r->on_event(rec);
      return;
    }
  throw InputError("the run has no mechanism '" + std::string(name) + "'");
}

std::int32_t Simulation::step(std::int32_t n) {
  std::int32_t done = 0;
  while (done < n && !finished()) {
    impl_->step_one();
    ++done;
  }
  return done;
}

void Simulation::run() {
  step(impl_->config_.days - impl_->day_);
}
bool Simulation::finished() const {
  return impl_->day_ >= impl_->config_.days;
}
std::int32_t Simulation::day() const {
  return impl_->day_;
}
std::int32_t Simulation::days() const {
  return impl_->config_.days;
}
const World& Simulation::world() const {
  return *impl_->world_;
}
const RouteState& Simulation::route_state() const {
  return impl_->route_state_;
}
const Population& Simulation::population() const {
  return impl_->population_;
}
const AgentSample& Simulation::agent_sample() const {
  return impl_->agent_sample_;
}

const SimulationConfig& Simulation::config() const {
  return impl_->config_;
}
const std::vector<std::int64_t>& Simulation::population_counts() const {
  return impl_->population_counts_;
}
const std::vector<std::int64_t>& Simulation::stranded_counts() const {
  return impl_->stranded_counts_;
}
const std::vector<std::int64_t>& Simulation::on_route_counts() const {
  return impl_->on_route_counts_;
}
const std::vector<std::int64_t>& Simulation::flow_counts() const {
  return impl_->flow_counts_;
}
std::int64_t Simulation::spawned_total() const {
  return impl_->spawned_total_;
}
const std::vector<SeriesSpec>& Simulation::series_specs() const {
  return impl_->series_specs_;
}
const std::vector<std::vector<std::int64_t>>& Simulation::series_values() const {
  return impl_->series_values_;
}

}  // namespace migrasim
