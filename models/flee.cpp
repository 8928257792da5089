#include "models/flee.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <string>

#include "sim/checks.hpp"
#include "sim/errors.hpp"
#include "sim/movement.hpp"

namespace migrasim::models {

bool parse_flee_kind(std::string_view s, FleeKind& out) {
  if (s == "conflict_zone")
    out = FleeKind::conflict_zone;
  else if (s == "town" || s == "default" || s == "city")
    out = FleeKind::town;
  else if (s == "camp")
    out = FleeKind::camp;
  else if (s == "idpcamp")
    out = FleeKind::idpcamp;
  else if (s == "forwarding_hub")
    out = FleeKind::forwarding_hub;
  else if (s == "marker")
    out = FleeKind::marker;
  else
    return false;
  return true;
}

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

ParamTableOf<FleeParams> make_table() {
  using P = FleeParams;
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
      .source("Flee (documentation, simsetting files of the cases)");
  t.boolean("spawn_rules.insert_day0", &P::insert_day0)
      .about("on day 0 each camp receives its day-0 observed count")
      .source("Flee (documentation, simsetting files of the cases)");
  t.numbers("spawn_rules.conflict_spawn_decay", &P::conflict_spawn_decay)
      .range(0, 1e6)
      .noun("a factor")
      .about(
          "spawn multiplier by 30-day interval since the place's conflict began (the last factor beyond the "
          "list)")
      .source("Flee (documentation, simsetting files of the cases)");
  auto chance = [&](const char* key, double P::*m, const char* about) {
    t.share(key, m)
        .noun("a probability")
        .unit("1/day")
        .about(about)
        .source("Flee (documentation, simsetting files of the cases)");
  };
  chance("move_rules.conflict_movechance", &P::conflict_movechance, "move chance in a conflict zone");
  chance("move_rules.camp_movechance", &P::camp_movechance, "move chance in a camp");
  chance("move_rules.idpcamp_movechance", &P::idpcamp_movechance, "move chance in an IDP camp");
  chance("move_rules.default_movechance", &P::default_movechance, "move chance elsewhere");
  t.integer("move_rules.awareness_level", &P::awareness_level)
      .range(1, 3)
      .about("the number of routes an agent looks ahead")
      .source("Flee (documentation, simsetting files of the cases)");
  t.number("move_rules.weight_softening", &P::weight_softening)
      .range(0, 1e9)
      .about("added to the score of a route's end in the route weight")
      .source("Flee (documentation, simsetting files of the cases)");
  t.number("move_rules.softening", &P::softening)
      .range(0, 1e9)
      .unit("km")
      .noun("a distance")
      .about("added to the distance in the route weight")
      .source("Flee (documentation, simsetting files of the cases)");
  t.number("move_rules.distance_power", &P::distance_power)
      .range(0, 10)
      .noun("an exponent")
      .about("exponent of the distance in the route weight")
      .source("Flee (documentation, simsetting files of the cases)");
  t.number("move_rules.weight_power", &P::weight_power)
      .range(0, 10)
      .noun("an exponent")
      .about("exponent of the route weight")
      .source("Flee (documentation, simsetting files of the cases)");
  t.number("move_rules.camp_weight", &P::camp_weight)
      .range(0, 1e6)
      .noun("a weight")
      .about("score multiplier at camps")
      .source("Flee (documentation, simsetting files of the cases)");
  t.number("move_rules.foreign_weight", &P::foreign_weight)
      .range(0, 1e6)
      .noun("a weight")
      .about("score multiplier outside the country of the first location")
      .source("Flee (documentation, simsetting files of the cases)");
  t.number("move_rules.conflict_weight", &P::conflict_weight)
      .range(0, 1e6)
      .noun("a weight")
      .about("score multiplier in conflict, raised to the intensity")
      .source("Flee (documentation, simsetting files of the cases)");
  t.number("move_rules.max_move_speed", &P::max_move_speed)
      .range(1e-6, 1e6)
      .unit("km/day")
      .noun("a speed")
      .about("distance travelled per day")
      .source("Flee (documentation, simsetting files of the cases)");
  t.number("move_rules.max_walk_speed", &P::max_walk_speed)
      .range(1e-6, 1e6)
      .unit("km/day")
      .noun("a speed")
      .about("the first day's distance when start_on_foot")
      .source("Flee (documentation, simsetting files of the cases)");
  t.boolean("move_rules.start_on_foot", &P::start_on_foot)
      .about("the first day is travelled at max_walk_speed")
      .source("Flee (documentation, simsetting files of the cases)");
  t.share("move_rules.capacity_buffer", &P::capacity_buffer)
      .about("share of a camp's capacity above which its multiplier falls linearly, to 0 at capacity")
      .source("Flee (documentation, simsetting files of the cases)");
  t.number("move_rules.capacity_scaling", &P::capacity_scaling)
      .range(1e-9, 1e9)
      .noun("a factor")
      .about("camp capacities multiplied by this in the capacity multiplier")
      .source("Flee (documentation, simsetting files of the cases)");
  const std::string displaced =
      "the forcibly displaced, end of 2023 (UNHCR Global Trends 2023; 18-34 / 35-59 "
      "split assumed)";
  t.share("demography.female_share", [](P& p) -> double& { return p.demography.female_share; })
      .about("share of women among the displaced (not a Flee rule: Flee's agents have no sex)")
      .source(displaced);
  t.shares<age_band_count>(
       "demography.age_band_shares",
       [](P& p) -> std::array<double, age_band_count>& { return p.demography.age_band_shares; })
      .about("shares of the age bands 0-17, 18-34, 35-59, 60+ among the displaced (not a Flee rule)")
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
  for (float v : conflict_intensity)
    if (!(v >= 0 && v <= 1))
      throw InputError("conflict intensity " + std::to_string(v) + ": expected a value in [0, 1]");
  // Ranges: the table's.
  check_params(table(), this, ParamContext{world, days}, "behaviour.flee");
  for (const auto& r : redirects)
    if (world.find_route(r.from, r.to) < 0)
      throw InputError("forced redirection between places with no route");
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
  out_weight_total_.assign(places_, 0.0);
  redirect_arc_.assign(places_, -1);
  occupancy_.assign(places_, 0);
}

double FleeModel::move_chance(std::int32_t day, place_id p) const {
  switch (params_.kind[static_cast<std::size_t>(p)]) {
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
  const World& world = ctx.world();
  if (day == 0)
    for (std::size_t p = 0; p < places_; ++p) {
      per_place[p] += params_.day0_camp_agents[p];
      spawned_ += params_.day0_camp_agents[p];
    }
  // Agents owed today: the observed total so far minus those created; a fall in the observed total is a
  // debt paid back before new agents appear.
  const std::int64_t owed = params_.target_total[static_cast<std::size_t>(day)] - spawned_;
  if (owed <= 0) return;
  std::vector<double> cumulative(places_, 0.0);
  double total = 0;
  for (std::size_t p = 0; p < places_; ++p) {
    const float c = intensity(day, static_cast<place_id>(p));
    if (c > 0 && conflict_start_[p] >= 0) {
      const auto interval = static_cast<std::size_t>((day - conflict_start_[p]) / 30);
      const double decay =
          params_.conflict_spawn_decay[std::min(interval, params_.conflict_spawn_decay.size() - 1)];
      total += static_cast<double>(world.places()[p].population) * c * decay;
    }
    cumulative[p] = total;
  }
  if (!(total > 0)) return;  // no conflict today: the owed agents appear once one starts
  // Each new agent picks its conflict zone with one keyed draw (a multinomial split of `owed`).
  for (std::int64_t k = 0; k < owed; ++k) {
    const double u = ctx.rng().uniform(static_cast<std::uint64_t>(k), day, flee_purpose::spawn_place) * total;
    const auto p = static_cast<std::size_t>(std::upper_bound(cumulative.begin(), cumulative.end(), u) -
                                            cumulative.begin());
    ++per_place[std::min(p, places_ - 1)];
  }
  spawned_ += owed;
}

void FleeModel::init_agents(StepContext& ctx, std::size_t first, std::size_t last) {
  Population& pop = ctx.population();
  const World& world = ctx.world();
  const std::int32_t day = ctx.day();
  ctx.parallel_for(first, last, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      const place_id p = pop.place[i];
      const FleeKind k = params_.kind[static_cast<std::size_t>(p)];
      const bool abroad = world.places()[static_cast<std::size_t>(p)].country != params_.home_country;
      pop.reset(i, p, day);
      if (k == FleeKind::camp && abroad) pop.legal_status[i] = LegalStatus::temporary_protection;
      const auto demo = ctx.rng().words(static_cast<std::uint64_t>(i), day, flee_purpose::demography);
      Demography::draw(params_.demography, KeyedRng::to_unit(demo.v[0]), KeyedRng::to_unit(demo.v[1]),
                       pop.sex[i], pop.age_band[i]);
    }
  });
}

void FleeModel::decide(StepContext& ctx) {
  // Occupancy at the start of the day, by an integer reduction (independent of threads).
  Population& pop = ctx.population();
  for (auto& v : local_occupancy_) std::fill(v.begin(), v.end(), 0);
  ctx.parallel_for(0, pop.size(), [&](std::size_t b, std::size_t e) {
    auto& local = local_occupancy_.local();
    if (local.size() != places_) local.assign(places_, 0);
    for (std::size_t i = b; i < e; ++i)
      if (pop.arc[i] < 0) ++local[static_cast<std::size_t>(pop.place[i])];
  });
  std::fill(occupancy_.begin(), occupancy_.end(), 0);
  for (const auto& v : local_occupancy_)
    for (std::size_t p = 0; p < v.size(); ++p) occupancy_[p] += v[p];

  const World& world = ctx.world();
  const std::int32_t day = ctx.day();
  for (std::size_t p = 0; p < places_; ++p) {
    const Place& place = world.places()[p];
    const FleeKind k = params_.kind[p];
    double score = 1.0;
    if (place.country != params_.home_country) score *= params_.foreign_weight;
    if (k == FleeKind::camp || k == FleeKind::idpcamp) score *= params_.camp_weight;
    const float c = intensity(day, static_cast<place_id>(p));
    if (c > 0) score *= std::pow(params_.conflict_weight, static_cast<double>(c));
    score_[p] = score;
    double mult = 1.0;
    if (place.capacity >= 0 && (k == FleeKind::camp || k == FleeKind::idpcamp)) {
      const double full = static_cast<double>(place.capacity) * params_.capacity_scaling;
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
      w = route_weight(world.arc_target(a), world.routes()[static_cast<std::size_t>(r)].distance_km);
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
  if (params_.awareness_level > 1) compute_walks(world, state);
  std::fill(redirect_arc_.begin(), redirect_arc_.end(), -1);
  for (const auto& r : params_.redirects) {
    if (r.until_day >= 0 && day >= r.until_day) continue;
    for (const arc_id* a = world.out_arcs_begin(r.from); a != world.out_arcs_end(r.from); ++a)
      if (world.arc_target(*a) == r.to && state.open[static_cast<std::size_t>(world.arc_route(*a))])
        redirect_arc_[static_cast<std::size_t>(r.from)] = *a;
  }
  move_chance_today_.resize(places_);
  status_at_.resize(places_);
  stay_threshold_.resize(places_);
  for (std::size_t p = 0; p < places_; ++p) {
    const double chance = move_chance(day, static_cast<place_id>(p));
    move_chance_today_[p] = chance;
    const bool abroad = world.places()[p].country != params_.home_country;
    status_at_[p] = (params_.kind[p] == FleeKind::camp && abroad) ? LegalStatus::temporary_protection
                                                                  : LegalStatus::in_transit;
    // For move()'s fast path, what decides whether someone here at the start of the day stays: -1, they
    // stay without a draw (no chance to move, or no route out weighs anything); 2, the full path decides
    // (a forced redirection, or awareness > 1); else they stay when their first draw is >= it.
    if (redirect_arc_[p] >= 0 || params_.awareness_level > 1)
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
          const double w = route_weight(to, length);
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

void FleeModel::move(StepContext& ctx) {
  Population& pop = ctx.population();
  const World& world = ctx.world();
  // The decisions of the kernel's movement routine (sim/movement.hpp), by Flee's rules: at each place a
  // move chance, then a route drawn by weight (or the route in progress, or a forced redirection); every
  // route at the day's speed in km, so budgets are km and speeds 1.
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
    std::optional<DrawStream> draws{};

    bool moves(std::size_t i) const {
      if (driver_of[i] != me || (flags_of[i] & agent_flag::settled))
        return false;  // settled: died on the way
      // The common case, someone who stays where they are today, without touching the other columns:
      // they cannot move, or their first draw says stay. The same first draw and the same outcome as the
      // full path, so results are the same.
      if (on_arc[i] < 0) {
        const place_id at = place[i];
        const double threshold = stay_threshold[at];
        if (threshold < 0 ||
            (threshold <= 1 && KeyedRng::to_unit(rng.words(i, day, flee_purpose::move).v[0]) >= threshold)) {
          const LegalStatus status = status_at[at];
          if (legal_status[i] != status) legal_status[i] = status;
          return false;
        }
      }
      return true;
    }
    void start(Traveller& t) {
      t.budget = (m.params_.start_on_foot && pop.departure_day[t.agent] == day) ? m.params_.max_walk_speed
                                                                                : m.params_.max_move_speed;
      draws.emplace(rng, t.agent, day, flee_purpose::move);
      if (t.arc >= 0 && !state.open[static_cast<std::size_t>(world.arc_route(t.arc))]) {
        // The route closed under the agent: it turns back.
        t.km = world.routes()[static_cast<std::size_t>(world.arc_route(t.arc))].distance_km - t.km;
        t.arc ^= 1;
      }
    }
    arc_id depart(Traveller& t) {
      const std::size_t i = t.agent;
      const place_id at = t.at;
      const double u_move = draws->u();
      const double u_route = draws->u();
      // Variant "improved": someone who arrives during the day with distance left goes on through any
      // place but a camp. Flee's rules draw the place's move chance again.
      const FleeKind here = m.params_.kind[static_cast<std::size_t>(at)];
      const double chance =
          (m.params_.full_day_travel && t.arrivals > 0 && here != FleeKind::camp && here != FleeKind::idpcamp)
              ? 1.0
              : m.move_chance_today_[static_cast<std::size_t>(at)];
      arc_id next = m.redirect_arc_[static_cast<std::size_t>(at)];
      if (next < 0 && m.params_.awareness_level > 1) {
        // A route in progress: go on (chance 1) along the shortest candidate walk to its end, unless that
        // end's capacity multiplier fell below 0.5 (then drop it and decide afresh).
        const place_id dest = pop.destination[i];
        if (dest >= 0 && dest != at && m.capacity_multiplier_[static_cast<std::size_t>(dest)] >= 0.5) {
          double best = std::numeric_limits<double>::infinity();
          for (std::size_t w = m.walk_start_[static_cast<std::size_t>(at)];
               w < m.walk_start_[static_cast<std::size_t>(at) + 1]; ++w)
            if (m.walks_[w].end == dest && m.walks_[w].km < best)
              best = m.walks_[w].km, next = m.walks_[w].first;
        }
        if (next < 0) {
          pop.destination[i] = -1;
          if (u_move >= chance) return -1;
          const double total = m.walk_total_[static_cast<std::size_t>(at)];
          if (!(total > 0)) return -1;
          double target = u_route * total, acc = 0;
          for (std::size_t w = m.walk_start_[static_cast<std::size_t>(at)];
               w < m.walk_start_[static_cast<std::size_t>(at) + 1]; ++w) {
            if (m.walks_[w].weight <= 0) continue;
            acc += m.walks_[w].weight;
            next = m.walks_[w].first;
            pop.destination[i] = m.walks_[w].end;
            if (target < acc) break;
          }
        }
      } else if (next < 0) {
        if (u_move >= chance) return -1;
        const double total = m.out_weight_total_[static_cast<std::size_t>(at)];
        if (!(total > 0)) return -1;
        double target = u_route * total, acc = 0;
        for (const arc_id* a = world.out_arcs_begin(at); a != world.out_arcs_end(at); ++a) {
          const double w = m.arc_weight_[static_cast<std::size_t>(*a)];
          if (w <= 0) continue;
          acc += w;
          next = *a;
          if (target < acc) break;
        }
      }
      return next;
    }
    void go(Traveller&, arc_id) const {}
    void held(Traveller&, arc_id) const {}  // refused entry: stays, and decides afresh tomorrow
    Leg leg(route_id r) const {
      const Route& route = world.routes()[static_cast<std::size_t>(r)];
      return {route.distance_km, 1.0, route.crosses_border};
    }
    bool reached(Traveller& t, route_id) const { return t.budget > 0; }
    // Flee's rules know no visas or smugglers: people fleeing cross on their own.
    int crossing(const Traveller&, route_id) const { return m.ways_.alone; }
    void finish(Traveller& t) const {
      const LegalStatus status =
          t.arc < 0 ? status_at[static_cast<std::size_t>(t.at)] : LegalStatus::in_transit;
      if (legal_status[t.agent] != status) legal_status[t.agent] = status;
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
                 pop.flags.data()};
  });
}

}  // namespace migrasim::models
