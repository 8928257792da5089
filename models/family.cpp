#include "models/family.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>

#include "models/shared_params.hpp"
#include "sim/checks.hpp"
#include "sim/errors.hpp"

namespace migrasim::models {

namespace {

std::shared_ptr<const ParamTableOf<FamilyParams::Destination>> destination_table() {
  using D = FamilyParams::Destination;
  auto t = std::make_shared<ParamTableOf<D>>("family destination", "a destination where relatives live");
  t->per_country("diaspora", &D::diaspora)
      .range(0, 1e10)
      .unit("persons")
      .required()
      .about("people born in that country living there (whom relatives join)")
      .source("scenario (census or survey stocks, cited there)");
  return t;
}

ParamTableOf<FamilyParams> make_table() {
  using P = FamilyParams;
  ParamTableOf<P> t("family and diaspora ties",
                    "Relatives join the people of their country living at a destination: departures in "
                    "proportion to the diaspora there, destinations drawn by its size, least-travel-time "
                    "routes (entry rules on them: behaviour.entry; options at crossing points: "
                    "behaviour.smuggling).");
  t.per_country("join_rate_per_day", &P::join_rate_per_day)
      .range(0, 1)
      .noun("a rate per diaspora member per day")
      .unit("1/day")
      .required()
      .fill(0)
      .shown_default("0 (no relatives leave that country)")
      .about("relatives who leave the country to join its diaspora, per diaspora member per day")
      .source("scenario");
  t.keyed_records("destinations", &P::destinations, &P::Destination::place, destination_table())
      .required()
      .about("the destinations and their diaspora by country of birth")
      .source("scenario");
  t.per_country("permit_share", &P::permit_share)
      .range(0, 1)
      .noun("a share")
      .shown_default("0")
      .about("share of the relatives joining a destination in that country who hold a family permit")
      .source("scenario");
  walker_entries(t, &P::speed_km_per_day, &P::patience_days, &P::stranded_return_per_day);
  resources_entries(t, &P::resources_median_usd, &P::resources_sigma,
                    "money available for the journey (savings and the diaspora's help)");
  t.share("network_share", &P::network_share)
      .about(
          "chain migration: share of the run's arrivals of a country, settled at a destination, who join its "
          "diaspora there (relatives then join them in turn); 0 keeps the diaspora as given")
      .source("assumption (cumulative causation: Massey 1990, Population Index 56(1))");
  demography_entries(t, &P::demography, mover_demography_source);
  t.derive("the destinations' names label the family_departures series", [](P& p, const ParamContext& ctx) {
    p.destination_names.clear();
    for (const auto& d : p.destinations)
      p.destination_names.push_back(ctx.world.places()[static_cast<std::size_t>(d.place)].name);
  });
  return t;
}

}  // namespace

const ParamTableOf<FamilyParams>& FamilyParams::table() {
  static const ParamTableOf<FamilyParams> t = make_table();
  return t;
}

void FamilyParams::validate(const World& world, std::int32_t days) const {
  const std::size_t countries = world.countries().size();
  if (join_rate_per_day.size() != countries || permit_share.size() != countries)
    throw InternalError("family parameters not sized to the world's countries");
  for (const auto& d : destinations)
    if (d.place < 0 || d.place >= world.place_count() || d.diaspora.size() != countries)
      throw InternalError("family destination at an unknown place, or its diaspora not sized");
  if (destination_names.size() != destinations.size())
    throw InternalError("family destination names not set");
  check_params(table(), this, ParamContext{world, days}, "behaviour.family");
  if (destinations.empty()) throw InputError("behaviour.family.destinations: no destinations");
}

FamilyModel::FamilyModel(FamilyParams params) : params_(std::move(params)) {}

void FamilyModel::declare(Declarations& declared) {
  // destination, demography, resources, return_home, departures, other_destination
  declared.purposes(330, 6);
  resources_ = declared.add<float>(resources_column());
  holds_permit_ = declared.flag(holds_permit_flag());
  ways_ = declare_crossing_options(declared);
  declared.takes_other_destinations();
}

void FamilyModel::on_start(StepContext& ctx) {
  const World& world = ctx.world();
  params_.validate(world, ctx.days());
  shares_ = params_.demography.by_country(world.countries().size());
  destination_places_.clear();
  for (const auto& d : params_.destinations) destination_places_.push_back(d.place);
  // Another destination chosen at a border: drawn, as at home, by the size of the diaspora there.
  const std::size_t countries = world.countries().size();
  std::vector<double> pull(countries * destination_places_.size());
  for (std::size_t c = 0; c < countries; ++c)
    for (std::size_t k = 0; k < destination_places_.size(); ++k)
      pull[c * destination_places_.size() + k] = params_.destinations[k].diaspora[c];
  walker_.start(ctx, destination_places_,
                {params_.speed_km_per_day, params_.patience_days, params_.stranded_return_per_day,
                 family_purpose::return_home, family_purpose::other_destination, 0.0},
                std::move(pull));
  departures_.assign(destination_places_.size(), 0);
  // Each country's population over its populated places: a place's share of the country's relatives.
  country_population_.assign(world.countries().size(), 0);
  for (const auto& place : world.places())
    if (place.population > 0)
      country_population_[static_cast<std::size_t>(place.country)] += static_cast<double>(place.population);
  destination_index_.assign(static_cast<std::size_t>(world.place_count()), -1);
  for (std::size_t k = 0; k < destination_places_.size(); ++k)
    destination_index_[static_cast<std::size_t>(destination_places_[k])] = static_cast<std::int32_t>(k);
  std::vector<double> given(destination_places_.size() * countries);
  for (std::size_t k = 0; k < destination_places_.size(); ++k)
    for (std::size_t c = 0; c < countries; ++c)
      given[k * countries + c] = params_.destinations[k].diaspora[c];
  weigh_origins(world, given);
}

// Origins: populated places of countries whose relatives leave, other than destinations, from which
// some destination with a diaspora of that country can be reached.
void FamilyModel::weigh_origins(const World& world, const std::vector<double>& diaspora) {
  const std::size_t countries = world.countries().size();
  const RoutingTables& planned = walker_.planned();
  const std::size_t n_dest = destination_places_.size();
  const std::int32_t places = world.place_count();
  origins_.clear();
  mean_per_day_.clear();
  cumulative_weight_.clear();
  origin_index_.assign(static_cast<std::size_t>(places), -1);
  for (place_id p = 0; p < places; ++p) {
    const Place& place = world.places()[static_cast<std::size_t>(p)];
    const auto c = static_cast<std::size_t>(place.country);
    if (place.population <= 0 || params_.join_rate_per_day[c] <= 0 ||
        planned.target_index[static_cast<std::size_t>(p)] >= 0)
      continue;
    std::vector<double> cum(n_dest);
    double total = 0;
    for (std::size_t k = 0; k < n_dest; ++k) {
      const double km = planned.km(static_cast<std::int32_t>(k), p, places);
      const country_id there = world.places()[static_cast<std::size_t>(destination_places_[k])].country;
      if (std::isfinite(km) && km > 0 && there != place.country) total += diaspora[k * countries + c];
      cum[k] = total;
    }
    if (!(total > 0)) continue;
    origin_index_[static_cast<std::size_t>(p)] = static_cast<std::int32_t>(origins_.size());
    origins_.push_back(p);
    mean_per_day_.push_back(params_.join_rate_per_day[c] * total * static_cast<double>(place.population) /
                            country_population_[c]);
    for (double v : cum) cumulative_weight_.push_back(v / total);
  }
}

std::vector<double> FamilyModel::diaspora_today(StepContext& ctx) const {
  const Population& pop = ctx.population();
  const std::size_t countries = ctx.world().countries().size();
  std::vector<std::int64_t> joined(destination_places_.size() * countries, 0);
  std::mutex merge;
  // People of country c settled at destination k who arrived during the run (entered on day 0 or later),
  // alive and not gone home: integer counts, summed per sub-range (the same for any threads).
  ctx.parallel_for(0, pop.size(), [&](std::size_t b, std::size_t e) {
    std::vector<std::int64_t> local(joined.size(), 0);
    bool any = false;
    for (std::size_t i = b; i < e; ++i) {
      if (pop.arc[i] >= 0 || !(pop.flags[i] & agent_flag::settled) || pop.entry_day[i] < 0) continue;
      const std::int32_t k = destination_index_[static_cast<std::size_t>(pop.place[i])];
      const std::int16_t c = pop.nationality[i];
      if (k < 0 || c < 0) continue;
      const LegalStatus s = pop.legal_status[i];
      if (s == LegalStatus::dead || s == LegalStatus::missing || s == LegalStatus::returned) continue;
      ++local[static_cast<std::size_t>(k) * countries + static_cast<std::size_t>(c)];
      any = true;
    }
    if (!any) return;
    std::lock_guard<std::mutex> lock(merge);
    for (std::size_t j = 0; j < joined.size(); ++j) joined[j] += local[j];
  });
  std::vector<double> diaspora(joined.size());
  for (std::size_t k = 0; k < destination_places_.size(); ++k)
    for (std::size_t c = 0; c < countries; ++c)
      diaspora[k * countries + c] = params_.destinations[k].diaspora[c] +
                                    params_.network_share * static_cast<double>(joined[k * countries + c]);
  return diaspora;
}

double FamilyModel::departures_per_day(place_id origin) const {
  const std::int32_t o = origin_index_.at(static_cast<std::size_t>(origin));
  return o < 0 ? 0.0 : mean_per_day_[static_cast<std::size_t>(o)];
}

std::vector<double> FamilyModel::destination_probabilities(place_id origin) const {
  const std::size_t n_dest = destination_places_.size();
  std::vector<double> p(n_dest, 0);
  const std::int32_t o = origin_index_.at(static_cast<std::size_t>(origin));
  if (o < 0) return p;
  const double* cum = cumulative_weight_.data() + static_cast<std::size_t>(o) * n_dest;
  for (std::size_t k = 0; k < n_dest; ++k) p[k] = cum[k] - (k ? cum[k - 1] : 0);
  return p;
}

void FamilyModel::spawn_counts(StepContext& ctx, std::vector<std::int64_t>& per_place) {
  std::fill(departures_.begin(), departures_.end(), 0);
  // Chain migration: yesterday's settled arrivals join the diaspora whom relatives join.
  if (params_.network_share > 0 && ctx.day() > 0) weigh_origins(ctx.world(), diaspora_today(ctx));
  for (std::size_t o = 0; o < origins_.size(); ++o) {
    const place_id p = origins_[o];
    per_place[static_cast<std::size_t>(p)] = ctx.rng().poisson(
        mean_per_day_[o], static_cast<std::uint64_t>(p), ctx.day(), family_purpose::departures);
  }
}

void FamilyModel::init_agents(StepContext& ctx, std::size_t first, std::size_t last) {
  Population& pop = ctx.population();
  const World& world = ctx.world();
  const KeyedRng& rng = ctx.rng();
  const std::int32_t day = ctx.day();
  const std::size_t n_dest = destination_places_.size();
  float* const resources = pop[resources_].data();
  const std::uint8_t holds_permit = holds_permit_.mask;
  for (std::size_t i = first; i < last; ++i) {
    const place_id o = pop.place[i];
    const auto id = static_cast<std::uint64_t>(i);
    const double* cum = cumulative_weight_.data() +
                        static_cast<std::size_t>(origin_index_[static_cast<std::size_t>(o)]) * n_dest;
    const double u = rng.uniform(id, day, family_purpose::destination);
    const std::size_t k = std::min<std::size_t>(
        static_cast<std::size_t>(std::upper_bound(cum, cum + n_dest, u) - cum), n_dest - 1);
    const place_id dest = destination_places_[k];
    const auto demo = rng.words(id, day, family_purpose::demography);
    const country_id dest_country = world.places()[static_cast<std::size_t>(dest)].country;
    const bool permit =
        KeyedRng::to_unit(demo.v[2]) < params_.permit_share[static_cast<std::size_t>(dest_country)];
    const double z = rng.normal(id, day, family_purpose::resources);
    pop.reset(i, o, day);
    pop.destination[i] = dest;
    resources[i] = static_cast<float>(params_.resources_median_usd * std::exp(params_.resources_sigma * z));
    Demography::draw(shares_[static_cast<std::size_t>(world.places()[static_cast<std::size_t>(o)].country)],
                     KeyedRng::to_unit(demo.v[0]), KeyedRng::to_unit(demo.v[1]), pop.sex[i], pop.age_band[i]);
    pop.flags[i] = permit ? holds_permit : 0;
    ++departures_[k];
  }
}

void FamilyModel::declare_series(std::vector<SeriesSpec>& out) const {
  out.push_back({"family_departures",
                 "relatives who set off during the day to join the diaspora at each destination",
                 "persons",
                 {"destination"},
                 {params_.destination_names}});
}

void FamilyModel::fill_series(StepContext&, std::vector<std::vector<std::int64_t>>& values) {
  values[0] = departures_;
}

// Checkpoints (docs/reliability.md). The origins and destination weights follow the diaspora (re-weighed each
// day); the walker's routes follow the route state.
void FamilyModel::save_state(StateWriter& out) const {
  out.fields(origins_, origin_index_, mean_per_day_, cumulative_weight_, departures_);
}

void FamilyModel::load_state(StateReader& in, StepContext& ctx) {
  in.fields(origins_, origin_index_, mean_per_day_, cumulative_weight_, departures_);
  walker_.route_state_changed(ctx);
}

}  // namespace migrasim::models
