#include "models/flee.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>

#include "sim/checks.hpp"
#include "sim/errors.hpp"
#include "sim/movement.hpp"

namespace migrasim::models {

std::string_view to_string(FleeKind k) {
  switch (k) {
    case FleeKind::conflict_zone:
      return "conflict_zone";
    case FleeKind::town:
      return "town";
    case FleeKind::camp:
      return "camp";
    case FleeKind::idpcamp:
      return "idpcamp";
    case FleeKind::forwarding_hub:
      return "forwarding_hub";
    case FleeKind::marker:
      return "marker";
  }
  return "unknown";
}

namespace {

// The statuses the Flee rules give (in transit; temporary protection in a camp abroad). They change only
// these: a status another mechanism gave (a legal programme's applicant or regularised, detention,
// removal) stays until that mechanism changes it.
bool flee_status(LegalStatus s) {
  return s == LegalStatus::in_transit || s == LegalStatus::temporary_protection;
}

ParamTableOf<FleeParams> make_table() {
  using P = FleeParams;
  const char* const flee_docs = "Flee (documentation, simsetting files of the cases)";  // every rule's source
  ParamTableOf<P> t(
      "behaviour.flee",
      "Flee's rules (Flee's own names and defaults; Flee documentation and the simsetting files of "
      "the cases); the world, closures, conflicts and observed totals come from flee_case.");
  t.choice("variant", &P::full_day_travel, {{"flee", false}, {"improved", true}})
      .about(
          "`flee` (Flee's published rules) or `improved` (Flee's rules with full-day travel: people who "
          "arrive during the day with distance left go on through any place but a camp)")
      .source("docs/flee.md");
  t.number("hasten", &P::hasten)
      .range(1, 1e6)
      .noun("a divisor")
      .about("divides populations, capacities and observed counts by this")
      .source(flee_docs);
  t.boolean("spawn_rules.insert_day0", &P::insert_day0)
      .about("on day 0 each camp receives its day-0 observed count")
      .source(flee_docs);
  t.numbers("spawn_rules.conflict_spawn_decay", &P::conflict_spawn_decay)
      .range(0, 1e6)
      .noun("a factor")
      .about(
          "spawn multiplier by interval since the place's conflict began (the last factor beyond the list); "
          "also the exponent's factor of conflict_weight in the place's score")
      .source(flee_docs);
  t.integer("spawn_rules.conflict_spawn_decay_interval", &P::conflict_spawn_decay_interval)
      .range(1, 100000)
      .unit("days")
      .about("length of each interval of conflict_spawn_decay")
      .source(flee_docs);
  t.boolean("spawn_rules.sum_from_camps", &P::sum_from_camps)
      .about(
          "new agents each day: the sum of the camps' increases (true) or the increase of the observed "
          "total, the `total` row of data_layout.csv (false)")
      .source(flee_docs);
  t.boolean("spawn_rules.take_from_population", &P::take_from_population)
      .about("each agent spawned lowers its place's population (its spawning weight) by 1")
      .source(flee_docs);
  t.boolean("spawn_rules.empty_camps_on_day0", &P::empty_camps_on_day0)
      .about("camps start empty and every observed count is taken less its day-0 value")
      .source(flee_docs);
  t.boolean("spawn_rules.camps_are_sinks", &P::camps_are_sinks)
      .about(
          "at the end of each day someone at a camp is deactivated (stays, counted, never moves again) with "
          "the camp's deactivation_probability (a locations.csv attribute; Flee's simsetting key: "
          "camps_are_sicks)")
      .source(flee_docs);
  t.choice("spawn_rules.conflict_driven_spawning.spawn_mode", &P::spawn_mode,
           {{"off", FleeSpawnMode::observed},
            {"constant", FleeSpawnMode::constant},
            {"pop_ratio", FleeSpawnMode::pop_ratio},
            {"poisson", FleeSpawnMode::poisson}})
      .about(
          "`off`: each day's new agents are the observed totals' increase; else each place in conflict "
          "spawns from its intensity c alone, whatever was observed: `constant` floor(N x c), `pop_ratio` "
          "floor(N x population x c), `poisson` a Poisson draw of mean N x c (N: "
          "displaced_per_conflict_day)")
      .source(flee_docs);
  t.number("spawn_rules.conflict_driven_spawning.displaced_per_conflict_day", &P::displaced_per_conflict_day)
      .range(0, 1e9)
      .noun("a number")
      .about(
          "N of conflict_driven_spawning: persons a day at intensity 1, or a share of the population "
          "(pop_ratio)")
      .source(flee_docs);
  auto chance = [&](const char* key, double P::*m, const char* about) {
    t.share(key, m).noun("a probability").unit("1/day").about(about).source(flee_docs);
  };
  chance("move_rules.conflict_movechance", &P::conflict_movechance, "move chance in a conflict zone");
  chance("move_rules.camp_movechance", &P::camp_movechance, "move chance in a camp");
  chance("move_rules.idpcamp_movechance", &P::idpcamp_movechance, "move chance in an IDP camp");
  chance("move_rules.default_movechance", &P::default_movechance, "move chance elsewhere");
  t.integer("move_rules.awareness_level", &P::awareness_level)
      .range(0, 10)
      .about(
          "the number of routes an agent looks ahead (a run whose routes give more than 20,000,000 "
          "candidate walks is refused); 0: none, each open route out of a place is as likely as any "
          "other, whatever is at its end")
      .source(flee_docs);
  t.number("move_rules.weight_softening", &P::weight_softening)
      .range(0, 1e9)
      .about("added to the score of a route's end in the route weight")
      .source(flee_docs);
  t.number("move_rules.softening", &P::softening)
      .range(0, 1e9)
      .unit("km")
      .noun("a distance")
      .about("added to the distance in the route weight")
      .source(flee_docs);
  t.number("move_rules.distance_power", &P::distance_power)
      .range(0, 10)
      .noun("an exponent")
      .about("exponent of the distance in the route weight")
      .source(flee_docs);
  t.number("move_rules.weight_power", &P::weight_power)
      .range(0, 10)
      .noun("an exponent")
      .about("exponent of the route weight")
      .source(flee_docs);
  t.number("move_rules.camp_weight", &P::camp_weight)
      .range(0, 1e6)
      .noun("a weight")
      .about("score multiplier at camps")
      .source(flee_docs);
  t.number("move_rules.foreign_weight", &P::foreign_weight)
      .range(0, 1e6)
      .noun("a weight")
      .about("score multiplier outside the country of the first location")
      .source(flee_docs);
  t.number("move_rules.conflict_weight", &P::conflict_weight)
      .range(0, 1e6)
      .noun("a weight")
      .about("score multiplier in conflict, raised to the intensity")
      .source(flee_docs);
  t.number("move_rules.max_move_speed", &P::max_move_speed)
      .range(1e-6, 1e6)
      .unit("km/day")
      .noun("a speed")
      .about("distance travelled per day")
      .source(flee_docs);
  t.number("move_rules.max_walk_speed", &P::max_walk_speed)
      .range(1e-6, 1e6)
      .unit("km/day")
      .noun("a speed")
      .about("speed on the first route travelled when start_on_foot")
      .source(flee_docs);
  t.boolean("move_rules.start_on_foot", &P::start_on_foot)
      .about("the first route an agent travels is walked, at max_walk_speed")
      .source(flee_docs);
  t.boolean("move_rules.avoid_short_stints", &P::avoid_short_stints)
      .about(
          "someone arriving at a town during the day goes on (chance 1) while its recent travel is short: "
          "(recent + km today / max_move_speed) / 2 < 0.5, recent halved each day")
      .source(flee_docs);
  t.share("move_rules.capacity_buffer", &P::capacity_buffer)
      .about("share of a camp's capacity above which its multiplier falls linearly, to 0 at capacity")
      .source(flee_docs);
  t.number("move_rules.capacity_scaling", &P::capacity_scaling)
      .range(1e-9, 1e9)
      .noun("a factor")
      .about("camp capacities multiplied by this in the capacity multiplier")
      .source(flee_docs);
  t.boolean("move_rules.use_pop_for_loc_weight", &P::use_pop_for_loc_weight)
      .about(
          "the score of every place but a camp is multiplied by max(1, population)^pop_power_for_loc_weight")
      .source(flee_docs);
  t.number("move_rules.pop_power_for_loc_weight", &P::pop_power_for_loc_weight)
      .range(-10, 10)
      .noun("an exponent")
      .about("exponent of the population in use_pop_for_loc_weight")
      .source(flee_docs);
  t.boolean("move_rules.stay_close_to_home", &P::stay_close_to_home)
      .about(
          "the score of a route's end is divided by max(1, km as the crow flies from the chooser's "
          "place)^home_distance_power")
      .source(flee_docs);
  t.number("move_rules.home_distance_power", &P::home_distance_power)
      .range(-10, 10)
      .noun("an exponent")
      .about("exponent of the distance in stay_close_to_home")
      .source(flee_docs);
  t.number("move_rules.movechance_pop_scale_factor", &P::movechance_pop_scale_factor)
      .range(-10, 10)
      .noun("an exponent")
      .about(
          "every place's move chance is multiplied by (max(population, capacity) / "
          "movechance_pop_base)^this (0: off)")
      .source(flee_docs);
  t.number("move_rules.movechance_pop_base", &P::movechance_pop_base)
      .range(1e-9, 1e15)
      .unit("persons")
      .noun("a population")
      .about("the population at which movechance_pop_scale_factor leaves a move chance as it is")
      .source(flee_docs);
  const std::string displaced =
      "the forcibly displaced, end of 2023 (UNHCR Global Trends 2023; 18-34 / 35-59 "
      "split assumed)";
  t.share("demography.female_share", [](P& p) -> double& { return p.demography.female_share; })
      .about(
          "share of women among the displaced, where the case's demographics_gender.csv gives none (not a "
          "Flee rule)")
      .source(displaced);
  t.shares<age_band_count>(
       "demography.age_band_shares",
       [](P& p) -> std::array<double, age_band_count>& { return p.demography.age_band_shares; })
      .about(
          "shares of the age bands 0-17, 18-34, 35-59, 60+ among the displaced, where the case's "
          "demographics_age.csv gives none (not a Flee rule)")
      .source(displaced);
  return t;
}

}  // namespace

const ParamTableOf<FleeParams>& FleeParams::table() {
  static const ParamTableOf<FleeParams> t = make_table();
  return t;
}

void FleeParams::validate(const World& world, std::int32_t days) const {
  const auto places = static_cast<std::size_t>(world.place_count());
  if (kind.size() != places || day0_camp_agents.size() != places)
    throw InternalError("flee parameters not sized to the world's places");
  if (conflict_intensity.size() != places * static_cast<std::size_t>(days))
    throw InternalError("flee conflict intensities not sized to days x places");
  if (target_total.size() != static_cast<std::size_t>(days))
    throw InternalError("flee targets not sized to days");
  if (!place_demography.empty() && place_demography.size() != places)
    throw InternalError("flee demography shares not sized to the world's places");
  if (!deactivation_probability.empty() && deactivation_probability.size() != places)
    throw InternalError("flee deactivation probabilities not sized to the world's places");
  for (double v : deactivation_probability)
    if (!(v >= 0 && v <= 1)) throw InternalError("flee deactivation probability outside [0, 1]");
  for (float v : conflict_intensity)
    if (!(v >= 0 && v <= 1e6))  // Flee takes any intensity (conflicts.csv's values as they are)
      throw InputError("conflict intensity " + std::to_string(v) + ": expected a value >= 0");
  for (const auto& c : kind_changes)
    if (c.place < 0 || static_cast<std::size_t>(c.place) >= places)
      throw InternalError("flee kind change of an unknown place");
  // Ranges: the table's.
  check_params(table(), this, ParamContext{world, days}, "behaviour.flee");
}

FleeModel::FleeModel(FleeParams params) : params_(std::move(params)) {}

void FleeModel::on_start(StepContext& ctx) {
  params_.validate(ctx.world(), ctx.days());
  places_ = static_cast<std::size_t>(ctx.world().place_count());
  conflict_start_.assign(places_, -1);
  for (std::int32_t d = 0; d < ctx.days(); ++d)
    for (std::size_t p = 0; p < places_; ++p)
      if (conflict_start_[p] < 0 && intensity(d, static_cast<place_id>(p)) > 0) conflict_start_[p] = d;
  score_.assign(places_, 1.0);
  capacity_multiplier_.assign(places_, 1.0);
  arc_weight_.assign(static_cast<std::size_t>(ctx.world().arc_count()), 0.0);
  arc_closeness_.clear();
  if (params_.stay_close_to_home)
    for (arc_id a = 0; a < ctx.world().arc_count(); ++a)
      arc_closeness_.push_back(closeness(ctx.world(), ctx.world().arc_source(a), ctx.world().arc_target(a)));
  out_weight_total_.assign(places_, 0.0);
  occupancy_.assign(places_, 0);
  kind_today_ = params_.kind;
  next_kind_change_ = 0;
  while (next_kind_change_ < params_.kind_changes.size() && params_.kind_changes[next_kind_change_].day < 0)
    ++next_kind_change_;  // dated before the run (Flee's -1: never)
  spawn_population_.resize(places_);
  for (std::size_t p = 0; p < places_; ++p)
    spawn_population_[p] = static_cast<double>(ctx.world().places()[p].population);
  if (params_.awareness_level > 1) check_walk_count(ctx.world());
}

// The candidate walks of awareness_level > 1 grow with the level as the routes branch: count them with
// every route open (the most there can be) and refuse a run that would hold more than 20 million (640 MB,
// enumerated every day) before it starts.
void FleeModel::check_walk_count(const World& world) const {
  constexpr std::size_t most = 20'000'000;
  std::size_t walks = 0;
  std::vector<place_id> path;
  std::function<void(place_id, int)> extend = [&](place_id at, int hops) {
    for (const arc_id* a = world.out_arcs_begin(at); a != world.out_arcs_end(at) && walks <= most; ++a) {
      const place_id to = world.arc_target(*a);
      if (std::find(path.begin(), path.end(), to) != path.end()) continue;
      if (params_.kind[static_cast<std::size_t>(to)] != FleeKind::marker) ++walks;
      if (hops + 1 < params_.awareness_level) {
        path.push_back(to);
        extend(to, hops + 1);
        path.pop_back();
      }
    }
  };
  for (std::size_t p = 0; p < places_ && walks <= most; ++p) {
    path.assign(1, static_cast<place_id>(p));
    extend(static_cast<place_id>(p), 0);
  }
  if (walks > most)
    throw InputError(
        "behaviour.flee.move_rules.awareness_level: " + std::to_string(params_.awareness_level) +
        " makes more than 20,000,000 candidate walks on this case's routes (each looked at every "
        "day); expected a level whose walks fit (try " +
        std::to_string(params_.awareness_level - 1) + ")");
}

// Flee's distance as the crow flies (its Location.calculateDistance): the haversine on a sphere of radius
// 6371 km, taking a location's 4th column (its `x`) as the longitude and its 5th (`y`) as the latitude,
// as Flee does, although the cases' headers name the 4th column latitude (docs/flee.md).
double FleeModel::closeness(const World& world, place_id from, place_id to) const {
  const Place& a = world.places()[static_cast<std::size_t>(from)];
  const Place& b = world.places()[static_cast<std::size_t>(to)];
  constexpr double rad = 3.14159265358979323846 / 180.0;
  const double lat1 = a.lon_deg * rad, lon1 = a.lat_deg * rad, lat2 = b.lon_deg * rad, lon2 = b.lat_deg * rad;
  const double s1 = std::sin((lat2 - lat1) / 2), s2 = std::sin((lon2 - lon1) / 2);
  const double h = s1 * s1 + std::cos(lat1) * std::cos(lat2) * s2 * s2;
  const double km = 6371.0 * 2 * std::atan2(std::sqrt(h), std::sqrt(1 - h));
  return 1.0 / std::pow(std::max(1.0, km), params_.home_distance_power);
}

double FleeModel::decay(std::int32_t day, std::size_t p) const {
  if (conflict_start_[p] < 0 || day < conflict_start_[p]) return 1.0;
  const auto interval =
      static_cast<std::size_t>((day - conflict_start_[p]) / params_.conflict_spawn_decay_interval);
  return params_.conflict_spawn_decay[std::min(interval, params_.conflict_spawn_decay.size() - 1)];
}

double FleeModel::move_chance(std::int32_t day, place_id p) const {
  switch (kind_today_[static_cast<std::size_t>(p)]) {
    case FleeKind::marker:
    case FleeKind::forwarding_hub:
      return 1.0;
    case FleeKind::camp:
      return params_.camp_movechance;
    case FleeKind::idpcamp:
      return params_.idpcamp_movechance;
    case FleeKind::conflict_zone:
    case FleeKind::town:
      break;
  }
  return intensity(day, p) > 0 ? params_.conflict_movechance : params_.default_movechance;
}

void FleeModel::spawn_counts(StepContext& ctx, std::vector<std::int64_t>& per_place) {
  const std::int32_t day = ctx.day();
  if (day == 0)
    for (std::size_t p = 0; p < places_; ++p) {
      per_place[p] += params_.day0_camp_agents[p];
      spawned_ += params_.day0_camp_agents[p];
    }
  if (params_.spawn_mode != FleeSpawnMode::observed) {
    conflict_driven_counts(ctx, per_place);
    return;
  }
  // Agents owed today: the observed total so far minus those created; a fall in the observed total is a
  // debt paid back before new agents appear.
  const std::int64_t owed = params_.target_total[static_cast<std::size_t>(day)] - spawned_;
  if (owed <= 0) return;
  std::vector<double> cumulative(places_, 0.0);
  double total = 0;
  for (std::size_t p = 0; p < places_; ++p) {
    const float c = intensity(day, static_cast<place_id>(p));
    if (c > 0 && conflict_start_[p] >= 0) total += spawn_population_[p] * c * decay(day, p);
    cumulative[p] = total;
  }
  if (!(total > 0)) return;  // no conflict today: the owed agents appear once one starts
  // Each new agent picks its conflict zone with one keyed draw (a multinomial split of `owed`); the
  // weights are the day's (with take_from_population, the populations shrink after the day's batch).
  std::vector<std::int64_t> today(places_, 0);
  for (std::int64_t k = 0; k < owed; ++k) {
    const double u = ctx.rng().uniform(static_cast<std::uint64_t>(k), day, flee_purpose::spawn_place) * total;
    const auto p = static_cast<std::size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), u) -
                                            cumulative.begin());
    ++today[std::min(p, places_ - 1)];
  }
  for (std::size_t p = 0; p < places_; ++p) {
    per_place[p] += today[p];
    if (params_.take_from_population)
      spawn_population_[p] = std::max(0.0, spawn_population_[p] - static_cast<double>(today[p]));
  }
  spawned_ += owed;
}

// conflict_driven_spawning: each place in conflict today spawns from its intensity alone (Flee 3's
// spawn_daily_displaced, from its description); the observed totals are not read. With
// take_from_population, each agent lowers its place's population (pop_ratio's base) by 1, not below 0.
void FleeModel::conflict_driven_counts(StepContext& ctx, std::vector<std::int64_t>& per_place) {
  const std::int32_t day = ctx.day();
  const double n = params_.displaced_per_conflict_day;
  // At most 1e12 a place (far above any memory; the kernel's agent limit then stops the run with its
  // figure) so that the day's sum over places stays an integer.
  constexpr double most = 1e12;
  for (std::size_t p = 0; p < places_; ++p) {
    const double c = intensity(day, static_cast<place_id>(p));
    if (!(c > 0)) continue;
    std::int64_t k = 0;
    switch (params_.spawn_mode) {
      case FleeSpawnMode::constant:
        k = static_cast<std::int64_t>(std::min(most, std::floor(n * c)));
        break;
      case FleeSpawnMode::pop_ratio:
        k = static_cast<std::int64_t>(std::min(most, std::floor(n * spawn_population_[p] * c)));
        break;
      case FleeSpawnMode::poisson:
        k = ctx.rng().poisson(std::min(most, n * c), static_cast<std::uint64_t>(p), day,
                              flee_purpose::spawn_place);
        break;
      case FleeSpawnMode::observed:
        break;
    }
    per_place[p] += k;
    spawned_ += k;
    if (params_.take_from_population)
      spawn_population_[p] = std::max(0.0, spawn_population_[p] - static_cast<double>(k));
  }
}

void FleeModel::init_agents(StepContext& ctx, std::size_t first, std::size_t last) {
  Population& pop = ctx.population();
  const World& world = ctx.world();
  const std::int32_t day = ctx.day();
  ctx.parallel_for(first, last, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      const place_id p = pop.place[i];
      const FleeKind k = kind_today_[static_cast<std::size_t>(p)];
      const bool abroad = world.places()[static_cast<std::size_t>(p)].country != params_.home_country;
      pop.reset(i, p, day);
      if (k == FleeKind::camp && abroad) pop.legal_status[i] = LegalStatus::temporary_protection;
      // Sex and age band from the shares of the place the person is created at (Flee draws each
      // attribute from the spawning location's column of its demographics file).
      const Demography::Shares& shares = params_.place_demography.empty()
                                             ? params_.demography
                                             : params_.place_demography[static_cast<std::size_t>(p)];
      const auto demo = ctx.rng().words(static_cast<std::uint64_t>(i), day, flee_purpose::demography);
      Demography::draw(shares, KeyedRng::to_unit(demo.v[0]), KeyedRng::to_unit(demo.v[1]), pop.sex[i],
                       pop.age_band[i]);
    }
  });
}

void FleeModel::decide(StepContext& ctx) {
  // Occupancy at the start of the day, by an integer reduction (independent of threads).
  Population& pop = ctx.population();
  // Per thread, 4 tables of places_ + 1 counters (the last: on a route, not counted), agent i counting in
  // table i % 4: neighbours, often at one place, then increment different counters instead of each
  // waiting for the one before it; the counter chosen without a branch.
  constexpr std::size_t copies = 4;
  const std::size_t width = places_ + 1;
  for (auto& v : local_occupancy_) std::fill(v.begin(), v.end(), 0);
  ctx.parallel_for(0, pop.size(), [&](std::size_t b, std::size_t e) {
    auto& local = local_occupancy_.local();
    if (local.size() != width * copies) local.assign(width * copies, 0);
    std::int64_t* const counts = local.data();
    const place_id* const place = pop.place.data();
    const arc_id* const arc = pop.arc.data();
    for (std::size_t i = b; i < e; ++i)
      ++counts[(i & (copies - 1)) * width + (arc[i] < 0 ? static_cast<std::size_t>(place[i]) : places_)];
  });
  std::fill(occupancy_.begin(), occupancy_.end(), 0);
  for (const auto& v : local_occupancy_)
    for (std::size_t first = 0; first < v.size(); first += width)
      for (std::size_t p = 0; p < places_; ++p) occupancy_[p] += v[first + p];

  const World& world = ctx.world();
  const std::int32_t day = ctx.day();
  // The day's changes of kind (camp closures), in their order.
  while (next_kind_change_ < params_.kind_changes.size() &&
         params_.kind_changes[next_kind_change_].day <= day) {
    const auto& c = params_.kind_changes[next_kind_change_++];
    kind_today_[static_cast<std::size_t>(c.place)] = c.kind;
  }
  for (std::size_t p = 0; p < places_; ++p) {
    const Place& place = world.places()[p];
    const FleeKind k = kind_today_[p];
    double score = 1.0;
    if (place.country != params_.home_country) score *= params_.foreign_weight;
    if (k == FleeKind::camp || k == FleeKind::idpcamp) score *= params_.camp_weight;
    const float c = intensity(day, static_cast<place_id>(p));
    if (c > 0) score *= std::pow(params_.conflict_weight, decay(day, p) * static_cast<double>(c));
    // use_pop_for_loc_weight: every place but a camp, by its population now.
    if (params_.use_pop_for_loc_weight && k != FleeKind::camp && k != FleeKind::idpcamp)
      score *= std::pow(std::max(1.0, spawn_population_[p]), params_.pop_power_for_loc_weight);
    score_[p] = score;
    // Capacity (a camp's, kept while a closure makes it a town): full at capacity x capacity_scaling;
    // below 1 person, no limit (as in Flee).
    double mult = 1.0;
    const double full = static_cast<double>(place.capacity) * params_.capacity_scaling;
    if (place.capacity >= 0 && full >= 1) {
      const double start = params_.capacity_buffer * full;
      const auto n = static_cast<double>(occupancy_[p]);
      if (n >= full)
        mult = 0.0;
      else if (n > start && full > start)
        mult = (full - n) / (full - start);
    }
    capacity_multiplier_[p] = mult;
  }
  const RouteState& state = ctx.route_state();
  std::fill(out_weight_total_.begin(), out_weight_total_.end(), 0.0);
  for (arc_id a = 0; a < world.arc_count(); ++a) {
    const route_id r = world.arc_route(a);
    double w = 0;
    if (state.open[static_cast<std::size_t>(r)]) {
      // Awareness level 0 (Flee's selectRoute): a uniform choice among the open routes out of the place,
      // no weighting at all.
      w = params_.awareness_level == 0
              ? 1.0
              : route_weight(world.arc_target(a), world.routes()[static_cast<std::size_t>(r)].distance_km,
                             arc_closeness_.empty() ? 1.0 : arc_closeness_[static_cast<std::size_t>(a)]);
    }
    arc_weight_[static_cast<std::size_t>(a)] = w;
  }
  // Sum per source place in CSR order (a fixed order, so the floating-point sums never vary).
  for (std::size_t p = 0; p < places_; ++p) {
    double t = 0;
    for (const arc_id* a = world.out_arcs_begin(static_cast<place_id>(p));
         a != world.out_arcs_end(static_cast<place_id>(p)); ++a)
      t += arc_weight_[static_cast<std::size_t>(*a)];
    out_weight_total_[p] = t;
  }
  choice_start_.assign(places_ + 1, 0);
  choice_sum_.clear();
  choice_arc_.clear();
  for (std::size_t p = 0; p < places_; ++p) {
    choice_start_[p] = choice_sum_.size();
    const arc_id* const begin = world.out_arcs_begin(static_cast<place_id>(p));
    const arc_id* const end = world.out_arcs_end(static_cast<place_id>(p));
    if (!std::all_of(begin, end,
                     [&](arc_id a) { return std::isfinite(arc_weight_[static_cast<std::size_t>(a)]); }))
      continue;
    double acc = 0;
    for (const arc_id* a = begin; a != end; ++a) {
      const double w = arc_weight_[static_cast<std::size_t>(*a)];
      if (w <= 0) continue;
      acc += w;
      choice_sum_.push_back(acc);
      choice_arc_.push_back(*a);
    }
  }
  choice_start_[places_] = choice_sum_.size();
  if (params_.awareness_level > 1) compute_walks(world, state);
  move_chance_today_.resize(places_);
  town_today_.resize(places_);
  status_at_.resize(places_);
  stay_threshold_.resize(places_);
  for (std::size_t p = 0; p < places_; ++p) {
    double chance = move_chance(day, static_cast<place_id>(p));
    // movechance_pop_scale_factor: by the place's population now (less those spawned there with
    // take_from_population), or its capacity if larger (camps); a place with neither has chance 0.
    if (params_.movechance_pop_scale_factor != 0)
      chance *= std::pow(std::max(spawn_population_[p], static_cast<double>(world.places()[p].capacity)) /
                             params_.movechance_pop_base,
                         params_.movechance_pop_scale_factor);
    move_chance_today_[p] = chance;
    // Flee's towns (for avoid_short_stints): towns, closed camps, and conflict zones out of conflict.
    town_today_[p] = kind_today_[p] == FleeKind::town || (kind_today_[p] == FleeKind::conflict_zone &&
                                                          !(intensity(day, static_cast<place_id>(p)) > 0));
    const bool abroad = world.places()[p].country != params_.home_country;
    status_at_[p] = (kind_today_[p] == FleeKind::camp && abroad) ? LegalStatus::temporary_protection
                                                                 : LegalStatus::in_transit;
    // For move()'s fast path, what decides whether someone here at the start of the day stays: -1, they
    // stay without a draw (no chance to move, or no route out weighs anything); 2, the full path decides
    // (awareness > 1); else they stay when their first draw is >= it.
    if (params_.awareness_level > 1)
      stay_threshold_[p] = 2;
    else if (!(out_weight_total_[p] > 0) || !(chance > 0))
      stay_threshold_[p] = -1;
    else
      stay_threshold_[p] = chance;
  }
}

// Candidate walks of 1..awareness_level routes out of each place over open routes, without loops; a walk
// may pass through markers but never end at one. Weight of a walk = the arc weight formula with the end
// place's score and capacity multiplier and the walk's cumulative length.
void FleeModel::compute_walks(const World& world, const RouteState& state) {
  walks_.clear();
  walk_start_.assign(places_ + 1, 0);
  walk_total_.assign(places_, 0.0);
  std::vector<place_id> path;
  for (std::size_t p = 0; p < places_; ++p) {
    walk_start_[p] = walks_.size();
    path.assign(1, static_cast<place_id>(p));
    // Depth-first over (place, first arc, km, hops); fixed CSR order keeps the list deterministic.
    std::function<void(place_id, arc_id, double, int)> extend = [&](place_id at, arc_id first, double km,
                                                                    int hops) {
      for (const arc_id* a = world.out_arcs_begin(at); a != world.out_arcs_end(at); ++a) {
        const route_id r = world.arc_route(*a);
        if (!state.open[static_cast<std::size_t>(r)]) continue;
        const place_id to = world.arc_target(*a);
        if (std::find(path.begin(), path.end(), to) != path.end()) continue;  // no loops
        const double length = km + world.routes()[static_cast<std::size_t>(r)].distance_km;
        const arc_id head = first < 0 ? *a : first;
        const bool marker = params_.kind[static_cast<std::size_t>(to)] == FleeKind::marker;
        if (!marker) {
          const double w = route_weight(
              to, length, params_.stay_close_to_home ? closeness(world, static_cast<place_id>(p), to) : 1.0);
          walks_.push_back({head, to, length, w});
          walk_total_[p] += w;
        }
        if (hops + 1 < params_.awareness_level) {
          path.push_back(to);
          extend(to, head, length, hops + 1);
          path.pop_back();
        }
      }
    };
    extend(static_cast<place_id>(p), -1, 0.0, 0);
  }
  walk_start_[places_] = walks_.size();
}

void FleeModel::declare(Declarations& declared) {
  declared.purposes(32, 4);  // spawn_place, move, demography, deactivate
  ways_ = declare_crossing_options(declared);
  if (params_.start_on_foot)
    travelled_ =
        declared.flag({"flee_travelled", "has reached a place since it set out (Flee's start_on_foot)"});
  if (params_.avoid_short_stints) {
    recent_ = declared.add<float>(
        {"flee_recent_travel", "Flee's recent travel: km / max_move_speed, averaged with the day before", 0});
    recent_day_ = declared.add<std::int16_t>(
        {"flee_recent_day", "the day flee_recent_travel was last updated (-32768: never)", min_stored_day});
  }
}

void FleeModel::move(StepContext& ctx) {
  // The mover is compiled for each combination of awareness_level > 1 and avoid_short_stints, so that the
  // usual case (awareness 1) has a departure rule small enough to inline and no test of rules it lacks.
  auto run = [&](auto aware, auto stints) {
    move_with<decltype(aware)::value, decltype(stints)::value>(ctx);
  };
  using yes = std::true_type;
  using no = std::false_type;
  const bool aware = params_.awareness_level > 1, stints = params_.avoid_short_stints;
  if (aware && stints)
    run(yes{}, yes{});
  else if (aware)
    run(yes{}, no{});
  else if (stints)
    run(no{}, yes{});
  else
    run(no{}, no{});
}

template <bool Aware, bool Stints>
void FleeModel::move_with(StepContext& ctx) {
  Population& pop = ctx.population();
  const World& world = ctx.world();
  // Per route, what travel reads at each hop, in 16 bytes (the world's Route is larger).
  route_leg_.resize(world.routes().size());
  for (std::size_t r = 0; r < route_leg_.size(); ++r)
    route_leg_[r] = {world.routes()[r].distance_km, world.routes()[r].crosses_border};
  // The decisions of the kernel's movement routine (sim/movement.hpp), by Flee's rules: at each place a
  // move chance, then a route drawn by weight (or the route in progress); budgets are km and speeds 1.
  // Flee's travel arithmetic: every route taken gets a full day's speed (the first of the day, and each one
  // taken after arriving somewhere during the day); someone arrives when the km done exceed the route's
  // length (strictly: a route as long as the day's speed takes two days), and decides again at the place
  // reached while the km travelled today are below the day's speed.
  struct Mover {
    FleeModel& m;
    Population& pop;
    const World& world;
    const RouteState& state;
    const KeyedRng& rng;
    const std::int32_t day;
    const std::uint8_t me;
    const std::uint8_t* const driver_of;
    const place_id* const place;
    const arc_id* const on_arc;
    LegalStatus* const legal_status;
    const double* const stay_threshold;
    const LegalStatus* const status_at;
    const std::uint8_t* const flags_of;
    float* const recent;             // avoid_short_stints: null otherwise
    std::int16_t* const recent_day;  // ditto
    const RouteLeg* const route_leg;
    const bool on_foot;   // start_on_foot
    const bool full_day;  // full_day_travel
    const double max_move_speed;
    const double max_walk_speed;
    // The agent's move stream of the day (a DrawStream over (agent, day, move), kept here so that it lives
    // in registers): the block in hand and the index of the next draw.
    r123::Philox4x32::ctr_type block{};
    std::uint32_t index = 0;
    std::size_t agent = 0;
    double speed = 0;       // km a route gets today
    double leg_budget = 0;  // budget when the current route was begun today
    double km_today = 0;
    double recent_before = 0;  // recent travel at the end of yesterday

    // x / 2^k, as std::ldexp(x, -k): exact (a float's value halved fewer than 64 times stays a normal
    // double), without the library call for the usual small k.
    static double halved(float x, int k) {
      if (k < 0 || k >= 64) return std::ldexp(static_cast<double>(x), -k);
      const std::uint64_t bits = static_cast<std::uint64_t>(1023 - k) << 52;  // 2^-k
      double scale;
      std::memcpy(&scale, &bits, sizeof scale);
      return static_cast<double>(x) * scale;
    }
    // Strictly more than the route's length to arrive: the budget a route gets is a hair below the speed.
    static double budget_of(double km) { return km * (1 - 1e-12); }
    double speed_for(const Traveller& t) const {
      return (on_foot && !(t.flags & m.travelled_.mask)) ? max_walk_speed : max_move_speed;
    }
    // The next uniform of the agent's move stream: the same numbers as DrawStream's.
    double draw() {
      if ((index & 3u) == 0 && index != 0) block = rng.words(agent, day, flee_purpose::move, index >> 2);
      return KeyedRng::to_unit(block.v[index++ & 3u]);
    }

    // The first block of the day's move stream of agent i (its first draw decides whether it stays), from
    // blocks computed for batch_max consecutive agents at once.
    std::uint32_t batch[4][KeyedRng::batch_max]{};
    std::size_t batch_first = std::numeric_limits<std::size_t>::max();
    std::uint32_t first_word(std::size_t i) {
      if (i < batch_first || i - batch_first >= KeyedRng::batch_max) {
        rng.words_batch(i, KeyedRng::batch_max, day, flee_purpose::move, 0, batch);
        batch_first = i;
      }
      return batch[0][i - batch_first];
    }
    r123::Philox4x32::ctr_type first_block(std::size_t i) {
      const std::uint32_t w0 = first_word(i);
      const std::size_t j = i - batch_first;
      return {{w0, batch[1][j], batch[2][j], batch[3][j]}};
    }

    bool moves(std::size_t i) {
      if (driver_of[i] != me || (flags_of[i] & agent_flag::settled))
        return false;  // settled: died on the way
      // The common case, someone who stays where they are today, without touching the other columns:
      // they cannot move, or their first draw says stay. The same first draw and the same outcome as the
      // full path, so results are the same.
      if (on_arc[i] < 0) {
        const place_id at = place[i];
        const double threshold = stay_threshold[at];
        if (threshold < 0 || (threshold <= 1 && KeyedRng::to_unit(first_word(i)) >= threshold)) {
          const LegalStatus status = status_at[at];
          if (legal_status[i] != status && flee_status(legal_status[i])) legal_status[i] = status;
          return false;
        }
      }
      return true;
    }
    void start(Traveller& t) {
      speed = speed_for(t);
      t.budget = leg_budget = budget_of(speed);
      km_today = 0;
      if constexpr (Stints) {
        const std::int16_t d = recent_day[t.agent];
        recent_before = d == min_stored_day ? 0.0 : halved(recent[t.agent], day - 1 - d);
      }
      agent = t.agent;
      block = first_block(t.agent);
      index = 0;
      if (t.arc >= 0 && !state.open[static_cast<std::size_t>(world.arc_route(t.arc))]) {
        // The route closed under the agent: it turns back.
        t.km = route_leg[static_cast<std::size_t>(world.arc_route(t.arc))].distance_km - t.km;
        t.arc ^= 1;
      }
    }
    // The move chance at the place reached, as Flee's rules set it for someone who arrived there during
    // the day, is 1 (it goes on) in these cases; u < 1 always, so the draw then says go.
    bool goes_on_anyway(const Traveller& t, std::size_t here_i, FleeKind here) const {
      if (t.arrivals == 0) return false;
      // Variant "improved": someone who arrives during the day goes on through any place but a camp.
      if (full_day && here != FleeKind::camp && here != FleeKind::idpcamp) return true;
      // avoid_short_stints: at a town, while recent travel is short.
      if constexpr (Stints)
        return m.town_today_[here_i] && (recent_before + km_today / max_move_speed) / 2 < 0.5;
      return false;
    }
    arc_id depart(Traveller& t) {
      const place_id at = t.at;
      const double u_move = draw();
      const double u_route = draw();
      const auto here_i = static_cast<std::size_t>(at);
      const FleeKind here = m.kind_today_[here_i];
      const double chance = goes_on_anyway(t, here_i, here) ? 1.0 : m.move_chance_today_[here_i];
      if constexpr (Aware) {
        const std::size_t i = t.agent;
        arc_id next = -1;
        // A route in progress: go on (chance 1) along the shortest candidate walk to its end, unless that
        // end's capacity multiplier fell below 0.5 (then drop it and decide afresh).
        const place_id dest = pop.destination[i];
        if (dest >= 0 && dest != at && m.capacity_multiplier_[static_cast<std::size_t>(dest)] >= 0.5) {
          double best = std::numeric_limits<double>::infinity();
          for (std::size_t w = m.walk_start_[here_i]; w < m.walk_start_[here_i + 1]; ++w)
            if (m.walks_[w].end == dest && m.walks_[w].km < best)
              best = m.walks_[w].km, next = m.walks_[w].first;
        }
        if (next < 0) {
          pop.destination[i] = -1;
          if (u_move >= chance) return -1;
          const double total = m.walk_total_[here_i];
          if (!(total > 0)) return -1;
          double target = u_route * total, acc = 0;
          for (std::size_t w = m.walk_start_[here_i]; w < m.walk_start_[here_i + 1]; ++w) {
            if (m.walks_[w].weight <= 0) continue;
            acc += m.walks_[w].weight;
            next = m.walks_[w].first;
            pop.destination[i] = m.walks_[w].end;
            if (target < acc) break;
          }
        }
        return next;
      } else {
        if (u_move >= chance) return -1;
        const double total = m.out_weight_total_[here_i];
        if (!(total > 0)) return -1;
        const double target = u_route * total;
        const std::size_t first = m.choice_start_[here_i], last = m.choice_start_[here_i + 1];
        if (first < last) {
          // The first route whose running sum exceeds the target (the last if rounding leaves none), as
          // the walk below finds it, counted without a branch per route.
          std::size_t k = first;
          for (std::size_t j = first; j + 1 < last; ++j) k += m.choice_sum_[j] <= target;
          return m.choice_arc_[k];
        }
        return walk_routes(at, target);
      }
    }
    // Where a weight is not a finite number: the routes out walked in CSR order.
    [[gnu::noinline]] arc_id walk_routes(place_id at, double target) const {
      arc_id next = -1;
      double acc = 0;
      for (const arc_id* a = world.out_arcs_begin(at); a != world.out_arcs_end(at); ++a) {
        const double w = m.arc_weight_[static_cast<std::size_t>(*a)];
        if (w <= 0) continue;
        acc += w;
        next = *a;
        if (target < acc) break;
      }
      return next;
    }
    void go(Traveller& t, arc_id) {
      // Every route taken gets a full day's speed.
      speed = speed_for(t);
      t.budget = leg_budget = budget_of(speed);
    }
    void held(Traveller&, arc_id) const {}  // refused entry: stays, and decides afresh tomorrow
    Leg leg(route_id r) const {
      const RouteLeg& route = route_leg[r];
      return {route.distance_km, 1.0, route.crosses_border};
    }
    bool reached(Traveller& t, route_id) {
      km_today += leg_budget - t.budget;
      if (m.travelled_.mask) t.flags |= m.travelled_.mask;
      return km_today < speed;
    }
    // Flee's rules know no visas or smugglers: people fleeing cross on their own.
    int crossing(const Traveller&, route_id) const { return m.ways_.alone; }
    void finish(Traveller& t) {
      if (t.arc >= 0) km_today += t.budget;  // stopped on a route: its budget went into it (movement.hpp)
      if constexpr (Stints) {
        if (km_today > 0) {
          recent[t.agent] = static_cast<float>((recent_before + km_today / max_move_speed) / 2);
          recent_day[t.agent] = store_day(day);
        }
      }
      const LegalStatus status =
          t.arc < 0 ? status_at[static_cast<std::size_t>(t.at)] : LegalStatus::in_transit;
      if (legal_status[t.agent] != status && flee_status(legal_status[t.agent]))
        legal_status[t.agent] = status;
    }
  };
  move_agents(ctx, [&]() {
    return Mover{*this,
                 pop,
                 world,
                 ctx.route_state(),
                 ctx.rng(),
                 ctx.day(),
                 ctx.model_index(),
                 pop.driver.data(),
                 pop.place.data(),
                 pop.arc.data(),
                 pop.legal_status.data(),
                 stay_threshold_.data(),
                 status_at_.data(),
                 pop.flags.data(),
                 Stints ? pop[recent_].data() : nullptr,
                 Stints ? pop[recent_day_].data() : nullptr,
                 route_leg_.data(),
                 params_.start_on_foot,
                 params_.full_day_travel,
                 params_.max_move_speed,
                 params_.max_walk_speed};
  });
}

// Checkpoints (docs/reliability.md). Every member that a day changes: the agents made so far, the places'
// kinds after the day's changes, the day's scores, weights and candidate walks.
void FleeModel::save_state(StateWriter& out) const {
  out.fields(spawned_, conflict_start_, score_, capacity_multiplier_, arc_weight_, arc_closeness_,
             out_weight_total_, kind_today_, next_kind_change_, spawn_population_, town_today_,
             move_chance_today_, stay_threshold_, status_at_, occupancy_, walks_, walk_start_, walk_total_);
}

void FleeModel::load_state(StateReader& in, StepContext&) {
  in.fields(spawned_, conflict_start_, score_, capacity_multiplier_, arc_weight_, arc_closeness_,
            out_weight_total_, kind_today_, next_kind_change_, spawn_population_, town_today_,
            move_chance_today_, stay_threshold_, status_at_, occupancy_, walks_, walk_start_, walk_total_);
}

}  // namespace migrasim::models

namespace migrasim::models {

// camps_are_sinks: after the day's moves, each of the model's agents at a camp (a camp or an IDP camp
// today, not on a route, not settled) is deactivated with the camp's probability, one keyed draw: it is
// settled there, so it is counted at the camp and never moves again (Flee sets its location to none,
// which keeps it in the camp's count and out of the moves).
void FleeModel::update_status(StepContext& ctx) {
  if (!params_.camps_are_sinks || params_.deactivation_probability.empty()) return;
  Population& pop = ctx.population();
  const std::uint8_t me = ctx.model_index();
  const std::int32_t day = ctx.day();
  const KeyedRng& rng = ctx.rng();
  ctx.parallel_for(0, pop.size(), [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      if (pop.driver[i] != me || pop.arc[i] >= 0 || (pop.flags[i] & agent_flag::settled)) continue;
      const auto p = static_cast<std::size_t>(pop.place[i]);
      const FleeKind k = kind_today_[p];
      const double chance = params_.deactivation_probability[p];
      if ((k != FleeKind::camp && k != FleeKind::idpcamp) || !(chance > 0)) continue;
      if (chance >= 1 || rng.uniform(static_cast<std::uint64_t>(i), day, flee_purpose::deactivate) < chance)
        pop.flags[i] = static_cast<std::uint8_t>(pop.flags[i] | agent_flag::settled);
    }
  });
}

}  // namespace migrasim::models
