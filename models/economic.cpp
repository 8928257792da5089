#include "models/economic.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>

#include "models/shared_columns.hpp"
#include "models/shared_params.hpp"
#include "sim/allocation.hpp"
#include "sim/checks.hpp"
#include "sim/errors.hpp"
#include "sim/movement.hpp"

namespace migrasim::models {

namespace {

std::shared_ptr<const ParamTableOf<EconomicParams::Destination>> destination_table() {
  auto t = std::make_shared<ParamTableOf<EconomicParams::Destination>>("destination", "one destination");
  using D = EconomicParams::Destination;
  t->number("attractiveness", &D::attractiveness)
      .range(0, 1e12)
      .about("relative pull of the destination")
      .source("scenario");
  t->per_country("diaspora", &D::diaspora)
      .range(0, 1e10)
      .unit("persons")
      .about("people born in that country living there")
      .source("scenario; central_america from ACS (approximate)");
  return t;
}

ParamTableOf<EconomicParams> make_table() {
  using P = EconomicParams;
  ParamTableOf<P> t("economic migration",
                    "Baseline economic migration: Poisson departures by origin, gravity destination choice, "
                    "least-travel-time routes (entry rules on them: behaviour.entry).");
  t.per_country("emigration_rate_per_day", &P::emigration_rate_per_day)
      .range(0, 1)
      .noun("a rate per capita per day")
      .unit("1/day")
      .required()
      .fill(0)
      .shown_default("0 (not an origin)")
      .about("departures per resident per day")
      .source("scenario; central_america calibrated to CBP FY2021 encounters");
  t.per_country_series("push_index", &P::push_index)
      .range(0, 1e6)
      .shown_default("1")
      .about("dated multiplier of departures, a step function")
      .source("scenario");
  t.number("gravity.diaspora_exponent", &P::diaspora_exponent)
      .range(0, 10)
      .noun("an exponent")
      .about("`a` in `(1 + diaspora)^a`")
      .source("gravity-model convention");
  t.number("gravity.distance_exponent", &P::distance_exponent)
      .range(0, 10)
      .noun("an exponent")
      .about("`b` in `path_km^-b`")
      .source("gravity-model convention");
  t.keyed_records("destinations", &P::destinations, &P::Destination::place, destination_table())
      .required()
      .about("the destinations and their pull")
      .source("scenario");
  t.per_country("visa_share", &P::visa_share)
      .range(0, 1)
      .noun("a share")
      .about("share of migrants from that country holding a permit for their destination")
      .source("scenario");
  speed_entries(t, &P::speed_km_per_day, "",
                {"scenario assumption (bus travel)", "scenario assumption", "scenario assumption",
                 "scenario assumption"});
  t.integer("patience_days", &P::patience_days)
      .range(0, 65535)
      .unit("days")
      .about("days stranded at a closed route before rerouting")
      .source("scenario assumption");
  t.number("resources_usd.median", &P::resources_median_usd)
      .range(0, 1e9)
      .unit("USD")
      .about("median money available for the journey")
      .source("scenario assumption");
  t.number("resources_usd.sigma", &P::resources_sigma)
      .range(0, 10)
      .about("log-normal shape of resources")
      .source("scenario assumption");
  demography_entries(t, &P::demography, "scenario");
  t.share("stranded_return_per_day", &P::stranded_return_per_day)
      .noun("a probability per day")
      .unit("1/day")
      .about("people stranded for `patience_days` or more who go home, per day")
      .source("scenario assumption");
  return t;
}

}  // namespace

const ParamTableOf<EconomicParams>& EconomicParams::table() {
  static const ParamTableOf<EconomicParams> t = make_table();
  return t;
}

void EconomicParams::validate(const World& world, std::int32_t days) const {
  const auto countries = static_cast<std::size_t>(world.countries().size());
  if (emigration_rate_per_day.size() != countries || visa_share.size() != countries ||
      push_index.size() != countries)
    throw InternalError("economic parameters not sized to the world's countries");
  check_params(table(), this, ParamContext{world, days}, "behaviour.economic");
  if (destinations.empty()) throw InputError("behaviour.economic.destinations: no destinations");
  for (const auto& d : destinations)
    if (d.place < 0 || d.place >= world.place_count()) throw InternalError("destination at an unknown place");
}

EconomicModel::EconomicModel(EconomicParams params) : params_(std::move(params)) {}

double EconomicModel::push(country_id c, std::int32_t day) const {
  return value_on(params_.push_index[static_cast<std::size_t>(c)], day, 1.0);
}

void EconomicModel::on_start(StepContext& ctx) {
  const World& world = ctx.world();
  params_.validate(world, ctx.days());
  shares_.clear();
  for (std::size_t c = 0; c < world.countries().size(); ++c)
    shares_.push_back(params_.demography.of(static_cast<country_id>(c)));
  destination_places_.clear();
  for (const auto& d : params_.destinations) destination_places_.push_back(d.place);
  RoutingOptions planned_options{params_.speed_km_per_day, nullptr};
  planned_ = compute_routing(world, destination_places_, planned_options, ctx.per_item());
  on_route_state_changed(ctx);

  // Origins: populated places in countries with a positive emigration rate, other than destinations,
  // that can reach at least one destination.
  const std::size_t n_dest = destination_places_.size();
  const std::int32_t places = world.place_count();
  origins_.clear();
  origin_index_.assign(static_cast<std::size_t>(places), -1);
  cumulative_weight_.clear();
  for (place_id p = 0; p < places; ++p) {
    const Place& place = world.places()[static_cast<std::size_t>(p)];
    if (place.population <= 0 ||
        params_.emigration_rate_per_day[static_cast<std::size_t>(place.country)] <= 0 ||
        planned_.target_index[static_cast<std::size_t>(p)] >= 0)
      continue;
    std::vector<double> cum(n_dest);
    double total = 0;
    for (std::size_t k = 0; k < n_dest; ++k) {
      const auto& d = params_.destinations[k];
      const double km = planned_.km(static_cast<std::int32_t>(k), p, places);
      double w = 0;
      if (std::isfinite(km) && km > 0)
        w = d.attractiveness *
            std::pow(1 + d.diaspora[static_cast<std::size_t>(place.country)], params_.diaspora_exponent) /
            std::pow(km, params_.distance_exponent);
      total += w;
      cum[k] = total;
    }
    if (!(total > 0)) continue;
    origin_index_[static_cast<std::size_t>(p)] = static_cast<std::int32_t>(origins_.size());
    origins_.push_back(p);
    for (double c : cum) cumulative_weight_.push_back(c / total);
  }
}

std::vector<double> EconomicModel::destination_probabilities(place_id origin) const {
  const std::size_t n_dest = destination_places_.size();
  std::vector<double> p(n_dest, 0);
  const std::int32_t o = origin_index_.at(static_cast<std::size_t>(origin));
  if (o < 0) return p;
  const double* cum = cumulative_weight_.data() + static_cast<std::size_t>(o) * n_dest;
  for (std::size_t k = 0; k < n_dest; ++k) p[k] = cum[k] - (k ? cum[k - 1] : 0);
  return p;
}

void EconomicModel::on_route_state_changed(StepContext& ctx) {
  const RouteState& state = ctx.route_state();
  RoutingOptions options{params_.speed_km_per_day, &state};
  open_ = compute_routing(ctx.world(), destination_places_, options, ctx.per_item());
  const auto& routes = ctx.world().routes();
  travel_.resize(routes.size());
  any_capacity_ = false;
  for (std::size_t r = 0; r < routes.size(); ++r) {
    const double speed = params_.speed_km_per_day[static_cast<std::size_t>(routes[r].mode)] /
                         static_cast<double>(state.travel_time_factor[r]);
    travel_[r] = {static_cast<float>(routes[r].distance_km), static_cast<float>(speed),
                  state.capacity_per_day[r], state.open[r] != 0, routes[r].crosses_border};
    any_capacity_ = any_capacity_ || (state.open[r] && state.capacity_per_day[r] >= 0);
  }
}

void EconomicModel::spawn_counts(StepContext& ctx, std::vector<std::int64_t>& per_place) {
  const World& world = ctx.world();
  for (place_id p : origins_) {
    const Place& place = world.places()[static_cast<std::size_t>(p)];
    const double mean = static_cast<double>(place.population) *
                        params_.emigration_rate_per_day[static_cast<std::size_t>(place.country)] *
                        push(place.country, ctx.day());
    per_place[static_cast<std::size_t>(p)] =
        ctx.rng().poisson(mean, static_cast<std::uint64_t>(p), ctx.day(), Purpose::spawn_count);
  }
}

void EconomicModel::declare(Declarations& declared) {
  declared.purposes(16, 4);  // destination, demography, (18 unused), resources
  declared.purposes(21, 1);  // return_home (20 is the entry rules')
  resources_ = declared.add<float>(resources_column());
  holds_permit_ = declared.flag(holds_permit_flag());
  ways_ = declare_crossing_options(declared);
}

void EconomicModel::init_agents(StepContext& ctx, std::size_t first, std::size_t last) {
  Population& pop = ctx.population();
  const World& world = ctx.world();
  const KeyedRng& rng = ctx.rng();
  const std::int32_t day = ctx.day();
  const std::size_t n_dest = destination_places_.size();
  float* const resources = pop[resources_].data();
  const std::uint8_t holds_permit = holds_permit_.mask;
  ctx.parallel_for(first, last, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      const place_id o = pop.place[i];
      const auto id = static_cast<std::uint64_t>(i);
      const double* cum = cumulative_weight_.data() +
                          static_cast<std::size_t>(origin_index_[static_cast<std::size_t>(o)]) * n_dest;
      const double u = rng.uniform(id, day, economic_purpose::destination);
      const std::size_t k = std::min<std::size_t>(
          static_cast<std::size_t>(std::upper_bound(cum, cum + n_dest, u) - cum), n_dest - 1);
      const place_id dest = destination_places_[k];
      const auto demo = rng.words(id, day, economic_purpose::demography);
      const double u_sex = KeyedRng::to_unit(demo.v[0]), u_age = KeyedRng::to_unit(demo.v[1]);
      const country_id dest_country = world.places()[static_cast<std::size_t>(dest)].country;
      const bool visa =
          KeyedRng::to_unit(demo.v[2]) < params_.visa_share[static_cast<std::size_t>(dest_country)];
      const double z = rng.normal(id, day, economic_purpose::resources);

      pop.reset(i, o, day);
      pop.destination[i] = dest;
      resources[i] = static_cast<float>(params_.resources_median_usd * std::exp(params_.resources_sigma * z));
      Demography::draw(shares_[static_cast<std::size_t>(world.places()[static_cast<std::size_t>(o)].country)],
                       u_sex, u_age, pop.sex[i], pop.age_band[i]);
      pop.flags[i] = visa ? holds_permit : 0;
    }
  });
}

void EconomicModel::decide(StepContext& ctx) {
  if (!any_capacity_) return;
  // Requests: agents standing at the entrance of an open, capacity-limited route they mean to take.
  // Each gets a priority from its keyed stream; per route the `capacity` best are admitted. The rule
  // depends only on the set of requests, not on threads (and, later, not on MPI ranks).
  Population& pop = ctx.population();
  const std::uint8_t me = ctx.model_index();
  const std::int32_t places = ctx.world().place_count();
  const std::int32_t day = ctx.day();
  std::vector<ResourceRequest> requests;
  std::mutex merge;
  ctx.parallel_for(0, pop.size(), [&](std::size_t b, std::size_t e) {
    std::vector<ResourceRequest> local;
    for (std::size_t i = b; i < e; ++i) {
      if (pop.driver[i] != me) continue;
      if ((pop.flags[i] & agent_flag::settled) || pop.arc[i] >= 0 || pop.place[i] == pop.destination[i])
        continue;
      const std::int32_t t = planned_.target_index[static_cast<std::size_t>(pop.destination[i])];
      const arc_id next =
          ((pop.flags[i] & agent_flag::rerouted) ? open_ : planned_).next(t, pop.place[i], places);
      if (next < 0) continue;
      const RouteTravel& travel = travel_[static_cast<std::size_t>(next >> 1)];
      if (!travel.open || travel.capacity_per_day < 0) continue;
      local.push_back({next >> 1, ctx.rng().words(i, day, Purpose::route_priority).v[0], i});
    }
    if (local.empty()) return;
    std::lock_guard<std::mutex> lock(merge);
    requests.insert(requests.end(), local.begin(), local.end());
  });
  admit_best(
      requests,
      [&](std::int32_t route) {
        return static_cast<std::size_t>(travel_[static_cast<std::size_t>(route)].capacity_per_day);
      },
      [&](std::uint64_t agent) { pop.flags[agent] |= agent_flag::admitted; });
}

void EconomicModel::move(StepContext& ctx) {
  Population& pop = ctx.population();
  const World& world = ctx.world();
  const std::int32_t places = world.place_count();
  const std::int32_t day = ctx.day();
  for (auto& a : arrivals_) a.clear();
  const KeyedRng& rng = ctx.rng();
  // The decisions of the kernel's movement routine (sim/movement.hpp): follow the planned route to the
  // destination (the open one once rerouting); wait at a closed or full route, or one the entry rules
  // refuse.
  struct Mover {
    EconomicModel& m;
    Population& pop;
    const std::int32_t places;
    const std::int32_t day;
    const std::uint16_t patience;
    const KeyedRng& rng;
    std::vector<std::size_t>& arrived;
    const std::uint8_t* const flags_of;
    const std::uint8_t* const driver_of;
    const place_id* const destination_of;
    const std::int32_t* const target_index;
    const RouteTravel* const travel;
    const std::uint8_t me;
    place_id dest = -1;
    std::int32_t target = -1;

    bool moves(std::size_t i) const { return !(flags_of[i] & agent_flag::settled) && driver_of[i] == me; }
    void start(Traveller& t) {
      dest = destination_of[t.agent];
      target = target_index[dest];
    }
    // Held at a closed or full route, refused by the entry rules, or rerouting and no open way remains:
    // wait here and try again tomorrow; reroute after `patience_days`, and maybe go home.
    void wait(Traveller& t) {
      const std::size_t i = t.agent;
      std::uint16_t waited = (t.flags & agent_flag::stranded) ? pop.wait_days[i] : 0;
      if (waited < 65535) ++waited;
      pop.wait_days[i] = waited;
      t.flags |= agent_flag::stranded;
      if (waited >= patience) t.flags |= agent_flag::rerouted;
      if (waited >= patience && m.params_.stranded_return_per_day > 0 &&
          rng.uniform(i, day, economic_purpose::return_home) < m.params_.stranded_return_per_day) {
        // Gives up and goes home.
        t.at = pop.origin[i];
        t.flags = static_cast<std::uint8_t>((t.flags | agent_flag::settled) & ~agent_flag::stranded);
        pop.legal_status[i] = LegalStatus::returned;
        pop.status_since[i] = store_day(day);
      }
    }
    arc_id depart(Traveller& t) {
      if (t.at == dest) {
        arrived.push_back(t.agent);
        return -1;
      }
      const arc_id next =
          ((t.flags & agent_flag::rerouted) ? m.open_ : m.planned_).next(target, t.at, places);
      // Someone reaching a capacity-limited route during the day queues for tomorrow's allocation.
      if (next < 0 || !travel[next >> 1].open ||
          (travel[next >> 1].capacity_per_day >= 0 && !(t.flags & agent_flag::admitted))) {
        wait(t);
        return -1;
      }
      return next;
    }
    void go(Traveller& t, arc_id) {
      if (t.flags & agent_flag::stranded) {
        t.flags &= static_cast<std::uint8_t>(~agent_flag::stranded);
        pop.wait_days[t.agent] = 0;
      }
      t.flags &= static_cast<std::uint8_t>(~agent_flag::admitted);
    }
    void held(Traveller& t, arc_id) { wait(t); }
    Leg leg(route_id r) const {
      const RouteTravel& route = travel[r];
      return {static_cast<double>(route.distance_km), static_cast<double>(route.speed_km_per_day),
              route.crosses_border};
    }
    // Crossing with a permit is the regular way, without one the irregular way alone.
    int crossing(const Traveller& t, route_id) const {
      return (t.flags & m.holds_permit_.mask) ? m.ways_.pathway : m.ways_.alone;
    }
    bool reached(Traveller&, route_id) const { return true; }
    void finish(Traveller& t) const { t.flags = static_cast<std::uint8_t>(t.flags & ~agent_flag::admitted); }
  };
  move_agents(ctx, [&]() {
    return Mover{*this,
                 pop,
                 places,
                 day,
                 static_cast<std::uint16_t>(params_.patience_days),
                 rng,
                 arrivals_.local(),
                 pop.flags.data(),
                 pop.driver.data(),
                 pop.destination.data(),
                 planned_.target_index.data(),
                 travel_.data(),
                 ctx.model_index()};
  });
}

void EconomicModel::update_status(StepContext& ctx) {
  Population& pop = ctx.population();
  const World& world = ctx.world();
  // Settle today's arrivals. Each agent is updated on its own, so the split among threads is irrelevant.
  for (const auto& arrived : arrivals_) {
    ctx.parallel_for(0, arrived.size(), [&](std::size_t b, std::size_t e) {
      for (std::size_t k = b; k < e; ++k) {
        const std::size_t i = arrived[k];
        const country_id here = world.places()[static_cast<std::size_t>(pop.place[i])].country;
        const country_id home = world.places()[static_cast<std::size_t>(pop.origin[i])].country;
        const bool lawful = here == home || (pop.flags[i] & holds_permit_.mask);
        pop.legal_status[i] = lawful ? LegalStatus::regular : LegalStatus::irregular;
        pop.status_since[i] = store_day(ctx.day());
        pop.flags[i] =
            static_cast<std::uint8_t>((pop.flags[i] | agent_flag::settled) & ~agent_flag::stranded);
      }
    });
  }
}

}  // namespace migrasim::models
