#pragma once
// Forced displacement after Flee's published rules (Suleimenova, Bell and Groen 2017; Flee 3, Ghorbani
// et al. 2024), reimplemented from their description and their input files' reading: docs/flee.md.
//   spawn:  the day's increase of the observed camp counts, shared among conflict zones in proportion to
//           population x conflict intensity x conflict_spawn_decay (steps of conflict_spawn_decay_interval
//           days since the conflict began);
//   move:   at a place, leave with the place's move chance; pick a neighbour with weight
//           ((weight_softening + score) / (softening + km)^distance_power *
//           capacity_multiplier)^weight_power; each route taken gets a day's max_move_speed km, and someone
//           who arrives during the day decides again while its km today are below that speed.
// Variant "improved" (full_day_travel): someone who arrives during the day with distance left goes on
// through any place but a camp instead of drawing the place's move chance again.
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include <tbb/enumerable_thread_specific.h>

#include "models/demography.hpp"
#include "models/shared_columns.hpp"
#include "sim/model.hpp"
#include "sim/params.hpp"

namespace migrasim::models {

enum class FleeKind : std::uint8_t { conflict_zone, town, camp, idpcamp, forwarding_hub, marker };
std::string_view to_string(FleeKind k);

// How the day's new agents are counted (Flee 3's spawn_rules): from the observed totals (the validation
// data's daily increase), or, with conflict_driven_spawning, at each place in conflict from its intensity
// alone: `constant` (whole part of N x intensity), `pop_ratio` (whole part of N x population x intensity)
// or `poisson` (a draw of mean N x intensity), N being displaced_per_conflict_day.
enum class FleeSpawnMode : std::uint8_t { observed, constant, pop_ratio, poisson };

struct FleeParams {
  // A dated change of a place's kind (a Flee `camp` closure makes a camp an ordinary town for a period,
  // and a camp again at its end).
  struct KindChange {
    std::int32_t day = 0;
    place_id place = -1;
    FleeKind kind = FleeKind::town;
  };
  std::vector<FleeKind> kind;                  // [place] on day 0
  std::vector<KindChange> kind_changes;        // by day (stable: file order within a day)
  std::vector<float> conflict_intensity;       // [day * places + place], 0..1, for every day of the run
  std::vector<std::int64_t> target_total;      // [day] agents to have made by the end of the day (cumulative)
  std::vector<std::int64_t> day0_camp_agents;  // [place] agents placed in camps on day 0 (insert_day0)
  country_id home_country = 0;  // the country of the first location: foreign_weight applies elsewhere

  // Flee's move_rules, with Flee's names and defaults.
  double conflict_movechance = 1.0;
  double camp_movechance = 0.001;
  double idpcamp_movechance = 0.1;
  double default_movechance = 0.3;
  std::int32_t awareness_level = 1;
  double weight_softening = 0.0;
  double softening = 10.0;
  double distance_power = 1.0;
  double weight_power = 1.0;
  double camp_weight = 1.0;
  double foreign_weight = 1.0;
  double conflict_weight = 0.25;
  double max_move_speed = 200.0;  // km/day
  double max_walk_speed = 35.0;   // km/day, the first day's speed when start_on_foot
  bool start_on_foot = false;
  // avoid_short_stints: someone who arrives at a town during the day goes on (chance 1) while
  // (recent + km today / max_move_speed) / 2 < 0.5, recent being its travel of earlier days (each day's
  // km / max_move_speed, halved every day).
  bool avoid_short_stints = false;
  double capacity_buffer = 0.9;
  // Variant "improved" (docs/flee.md): on arriving during the day with distance left, a person goes on
  // (chance 1) through any place but a camp, instead of drawing the place's move chance again.
  bool full_day_travel = false;
  double capacity_scaling = 1.0;
  // use_pop_for_loc_weight: the score of every place but a camp x max(1, population)^pop_power_for_loc_weight
  // (the place's population now: it shrinks with take_from_population).
  bool use_pop_for_loc_weight = false;
  double pop_power_for_loc_weight = 0.1;
  // stay_close_to_home: the score of a route's end x 1 / max(1, km as the crow flies from the place the
  // chooser is at to that end)^home_distance_power (Flee's great-circle distance, see docs/flee.md).
  bool stay_close_to_home = false;
  double home_distance_power = 0.5;
  // movechance_pop_scale_factor: every place's move chance x (max(population now, capacity) /
  // movechance_pop_base)^movechance_pop_scale_factor (0: off).
  double movechance_pop_scale_factor = 0.0;
  double movechance_pop_base = 10000.0;
  // Sex and age band of the displaced (one set for the case: its conflict is in one country). Default: the
  // forcibly displaced worldwide at the end of 2023 (UNHCR Global Trends 2023: 40 % under 18, 53 % 18-59,
  // 7 % 60+, half women); the split of 18-59 into 18-34 and 35-59 is an assumption.
  Demography::Shares demography{0.5, {0.40, 0.32, 0.21, 0.07}};
  // [place] the shares of the people created at each place, from the case's demographics_*.csv (Flee's
  // per-location distributions, io/flee_case.cpp; `demography` where a file gives none); empty: `demography`
  // at every place.
  std::vector<Demography::Shares> place_demography;
  // spawn_rules
  std::vector<double> conflict_spawn_decay{1.0};    // multiplier by interval since the conflict began
  std::int32_t conflict_spawn_decay_interval = 30;  // days
  bool sum_from_camps = true;         // spawn the camps' summed increases (else the `total` row's)
  bool take_from_population = false;  // each agent spawned lowers its place's population by 1
  bool empty_camps_on_day0 = false;   // camps start empty; the observed counts less their day-0 values
  // conflict_driven_spawning (Flee 3): spawn_mode (observed: off) and displaced_per_conflict_day (persons,
  // or a share of the population for pop_ratio).
  FleeSpawnMode spawn_mode = FleeSpawnMode::observed;
  double displaced_per_conflict_day = 500;
  // camps_are_sinks (Flee 3; its simsetting key is spelt camps_are_sicks): at the end of each day someone
  // at a camp (not travelling) is deactivated with the camp's deactivation_probability: it stays there,
  // counted, and never moves again.
  bool camps_are_sinks = false;
  std::vector<double>
      deactivation_probability;  // [place] from locations.csv's attribute; empty: 0 everywhere
  // What io/ hands to the Flee case builder (the model does not read them): the case's time divisor and
  // whether day 0 places the camps' observed populations.
  double hasten = 1;
  bool insert_day0 = true;

  // The parameter table of behaviour.flee (the rules; the Flee case files give the rest): read by io/,
  // checked by validate(), printed by `migrasim params`.
  static const ParamTableOf<FleeParams>& table();
  // Throws InputError naming the parameter.
  void validate(const World& world, std::int32_t days) const;
};

// Random-number purposes of the flee model (sim/rng.hpp); declared in declare().
namespace flee_purpose {
inline constexpr Purpose spawn_place{32};
inline constexpr Purpose move{33};
inline constexpr Purpose demography{34};
inline constexpr Purpose deactivate{35};  // camps_are_sinks
}  // namespace flee_purpose

class FleeModel final : public Model {
 public:
  explicit FleeModel(FleeParams params);
  std::string_view name() const override { return "flee"; }
  std::unique_ptr<Model> clone() const override { return std::make_unique<FleeModel>(*this); }
  bool checkpointable() const override { return true; }
  void save_state(StateWriter& out) const override;
  void load_state(StateReader& in, StepContext& ctx) override;
  void declare(Declarations& declared) override;
  void on_start(StepContext& ctx) override;
  void spawn_counts(StepContext& ctx, std::vector<std::int64_t>& per_place) override;
  void init_agents(StepContext& ctx, std::size_t first, std::size_t last) override;
  void decide(StepContext& ctx) override;
  void move(StepContext& ctx) override;
  void update_status(StepContext& ctx) override;

  const FleeParams& params() const { return params_; }

 private:
  CrossingOptions ways_;  // declared ways of crossing a border
  float intensity(std::int32_t day, place_id p) const {
    return params_.conflict_intensity[static_cast<std::size_t>(day) * places_ + static_cast<std::size_t>(p)];
  }
  double move_chance(std::int32_t day, place_id p) const;
  // move(), compiled for awareness_level > 1 (Aware) and avoid_short_stints (Stints).
  template <bool Aware, bool Stints>
  void move_with(StepContext& ctx);
  // Per route, what the mover reads at each hop (refreshed by move()).
  struct RouteLeg {
    double distance_km = 0;
    bool crosses_border = false;
  };
  std::vector<RouteLeg> route_leg_;
  void conflict_driven_counts(StepContext& ctx, std::vector<std::int64_t>& per_place);
  // conflict_spawn_decay's factor for place p on `day` (1 before its conflict began).
  double decay(std::int32_t day, std::size_t p) const;
  // Route-choice weight of heading for `to` over `km`: ((weight_softening + score) / (softening +
  // km)^distance_power x capacity_multiplier)^weight_power, from today's scores and multipliers.
  // `closeness`: stay_close_to_home's factor of the score (1 without the rule).
  double route_weight(place_id to, double km, double closeness = 1.0) const {
    const auto v = static_cast<std::size_t>(to);
    const double w = (params_.weight_softening + score_[v] * closeness) /
                     std::pow(params_.softening + km, params_.distance_power) * capacity_multiplier_[v];
    return std::pow(w, params_.weight_power);
  }
  // stay_close_to_home's factor for choosing `to` while at `from`: 1 / max(1, km)^home_distance_power.
  double closeness(const World& world, place_id from, place_id to) const;

  FleeParams params_;
  std::size_t places_ = 0;
  std::int64_t spawned_ = 0;                  // agents created so far
  std::vector<std::int32_t> conflict_start_;  // [place] first day with intensity > 0, -1 none
  // Per day, from the counts at the start of the move phase:
  std::vector<double> score_;                // [place] attractiveness score of a place as an end point
  std::vector<double> capacity_multiplier_;  // [place]
  std::vector<double> arc_weight_;           // [arc] route-choice weight out of its source, 0 if closed
  std::vector<double> arc_closeness_;        // [arc] stay_close_to_home's factor (empty without the rule)
  std::vector<double> out_weight_total_;     // [place]
  std::vector<FleeKind> kind_today_;         // [place] kinds after the day's changes (camp closures)
  std::size_t next_kind_change_ = 0;         // first of params_.kind_changes not applied yet
  std::vector<double> spawn_population_;     // [place] spawning weight's population (take_from_population)
  std::vector<std::uint8_t> town_today_;     // [place] a town in Flee's sense (avoid_short_stints)
  FlagBit travelled_{};                      // start_on_foot: has reached a place since setting out
  Column<float> recent_{};                   // avoid_short_stints: recent travel ...
  Column<std::int16_t> recent_day_{};        // ... as of the end of this day
  std::vector<double> move_chance_today_;    // [place] move_chance(day, place)
  std::vector<double> stay_threshold_;       // [place] move()'s fast path (see decide())
  std::vector<LegalStatus> status_at_;       // [place] status of someone who ends the day there
  std::vector<std::int64_t> occupancy_;      // [place] agents at each place at the start of the day
  // Per place, its routes of positive weight in CSR order with their running sums of weight (CSR:
  // choice_start_[p] .. choice_start_[p + 1]), for move()'s route choice; where a weight is not a finite
  // number the place's list is empty and move() walks its routes.
  std::vector<std::size_t> choice_start_;  // [place + 1]
  std::vector<double> choice_sum_;
  std::vector<arc_id> choice_arc_;
  // awareness_level > 1: the candidate walks out of each place (CSR: walks_[walk_start_[p] ..
  // walk_start_[p + 1])), their weights and, per place, the cumulative weights for sampling.
  struct Walk {
    arc_id first = -1;  // the first route of the walk
    place_id end = -1;  // where it ends (never a marker)
    double km = 0;      // its length
    double weight = 0;  // its route-choice weight
  };
  std::vector<Walk> walks_;
  std::vector<std::size_t> walk_start_;
  std::vector<double> walk_total_;  // [place] sum of the walks' weights
  void compute_walks(const World& world, const RouteState& state);
  void check_walk_count(const World& world) const;
  tbb::enumerable_thread_specific<std::vector<std::int64_t>> local_occupancy_;
};

}  // namespace migrasim::models
