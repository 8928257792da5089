#include "models/economic.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "models/shared_columns.hpp"
#include "models/shared_params.hpp"
#include "sim/checks.hpp"
#include "sim/errors.hpp"
#include "sim/routing.hpp"

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
      .changeable()
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
      .changeable()
      .range(0, 1)
      .noun("a share")
      .about("share of migrants from that country holding a permit for their destination")
      .source("scenario");
  walker_entries(t, &P::speed_km_per_day, &P::patience_days, &P::stranded_return_per_day);
  resources_entries(t, &P::resources_median_usd, &P::resources_sigma, "money available for the journey");
  demography_entries(t, &P::demography, mover_demography_source);
  t.doubt("a destination that no route joins to an origin (a place with people in a country with departures)",
          [](const P& p, const ParamContext& ctx) {
            const World& w = ctx.world;
            // The origins as find_origins takes them: a destination is never one.
            std::vector<char> destination(static_cast<std::size_t>(w.place_count()), 0);
            for (const auto& d : p.destinations) destination[static_cast<std::size_t>(d.place)] = 1;
            std::vector<place_id> origins;
            for (place_id q = 0; q < w.place_count(); ++q) {
              const Place& place = w.places()[static_cast<std::size_t>(q)];
              if (place.population > 0 && !destination[static_cast<std::size_t>(q)] &&
                  p.emigration_rate_per_day[static_cast<std::size_t>(place.country)] > 0)
                origins.push_back(q);
            }
            const std::vector<char> reached = places_reached(w, std::move(origins));
            std::string cut_off;
            for (const auto& d : p.destinations)
              if (!reached[static_cast<std::size_t>(d.place)])
                cut_off += (cut_off.empty() ? "'" : ", '") +
                           w.places()[static_cast<std::size_t>(d.place)].name + "'";
            if (!cut_off.empty())
              throw ParamProblem("destinations",
                                 "no route joins " + cut_off +
                                     " to an origin: nobody goes there (an origin is a place "
                                     "with people in a country with emigration_rate_per_day > 0)");
          });
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
  shares_ = params_.demography.by_country(world.countries().size());
  destination_places_.clear();
  for (const auto& d : params_.destinations) destination_places_.push_back(d.place);
  // Another destination chosen at a border: the gravity model's weights, from where the mover stands.
  const std::size_t countries = world.countries().size(), n_dest = destination_places_.size();
  std::vector<double> pull(countries * n_dest);
  for (std::size_t c = 0; c < countries; ++c)
    for (std::size_t k = 0; k < n_dest; ++k) {
      const auto& d = params_.destinations[k];
      pull[c * n_dest + k] = d.attractiveness * std::pow(1 + d.diaspora[c], params_.diaspora_exponent);
    }
  walker_.start(
      ctx, destination_places_,
      {params_.speed_km_per_day, params_.patience_days, params_.stranded_return_per_day,
       economic_purpose::return_home, economic_purpose::other_destination, params_.distance_exponent},
      std::move(pull));
  find_origins(world);
}

// Origins: populated places in countries with a positive emigration rate, other than destinations, that
// can reach at least one destination (over the routes with every route open).
void EconomicModel::find_origins(const World& world) {
  const RoutingTables& planned = walker_.planned();
  const std::size_t n_dest = destination_places_.size();
  const std::int32_t places = world.place_count();
  origins_.clear();
  origin_index_.assign(static_cast<std::size_t>(places), -1);
  cumulative_weight_.clear();
  for (place_id p = 0; p < places; ++p) {
    const Place& place = world.places()[static_cast<std::size_t>(p)];
    if (place.population <= 0 ||
        params_.emigration_rate_per_day[static_cast<std::size_t>(place.country)] <= 0 ||
        planned.target_index[static_cast<std::size_t>(p)] >= 0)
      continue;
    std::vector<double> cum(n_dest);
    double total = 0;
    for (std::size_t k = 0; k < n_dest; ++k) {
      const auto& d = params_.destinations[k];
      const double km = planned.km(static_cast<std::int32_t>(k), p, places);
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

void EconomicModel::change_params(StepContext& ctx, const void* params) {
  EconomicParams p = *static_cast<const EconomicParams*>(params);
  p.validate(ctx.world(), ctx.days());
  params_ = std::move(p);
  find_origins(ctx.world());  // the emigration rates decide which places are origins
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
  walker_.route_state_changed(ctx);
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
  declared.purposes(16, 4);  // destination, demography, other_destination, resources
  declared.purposes(21, 1);  // return_home (20 is the entry rules')
  resources_ = declared.add<float>(resources_column());
  holds_permit_ = declared.flag(holds_permit_flag());
  ways_ = declare_crossing_options(declared);
  declared.takes_other_destinations();
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
  walker_.admit(ctx);
}

void EconomicModel::move(StepContext& ctx) {
  walker_.move(ctx, holds_permit_, ways_);
}

void EconomicModel::update_status(StepContext& ctx) {
  walker_.settle(ctx, holds_permit_);
}

// Checkpoints (docs/reliability.md). Nothing of its own changes during a run (parameters changed mid-run are
// refused by the kernel); the walker's routes over the open network follow the route state.
void EconomicModel::save_state(StateWriter&) const {}

void EconomicModel::load_state(StateReader&, StepContext& ctx) {
  walker_.route_state_changed(ctx);
}

}  // namespace migrasim::models
