#include "models/disaster.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <string>

#include "models/shared_params.hpp"
#include "sim/checks.hpp"
#include "sim/errors.hpp"
#include "sim/movement.hpp"

namespace migrasim::models {

namespace {
constexpr std::int32_t never = std::numeric_limits<std::int32_t>::max() / 2;
}  // namespace

const char* DisasterModel::measure_name(int m) {
  static const char* names[] = {
      "displaced_today", "displaced", "in_shelters",         "unsheltered",
      "with_kin",        "abroad",    "returned_home_total", "crossed_border_total"};
  return names[m];
}

namespace {

using P = DisasterParams;

std::shared_ptr<const ParamTableOf<P::Curve>> curve_table() {
  using C = P::Curve;
  auto t = std::make_shared<ParamTableOf<C>>(
      "curve",
      "the displacement curve of one hazard kind: share = max_share / (1 + exp(-steepness (x - "
      "midpoint))), x = intensity (0.5 + vulnerability)");
  t->share("max_share", &C::max_share)
      .about("largest share of residents displaced")
      .source("fitted per reference drill");
  t->number("midpoint", &C::midpoint)
      .range(0, 10)
      .about("x at half the largest share, x = intensity (0.5 + vulnerability)")
      .source("fitted");
  t->number("steepness", &C::steepness)
      .range(1e-6, 1e3)
      .about("slope of the logistic curve")
      .source("fitted");
  return t;
}

std::shared_ptr<const ParamTableOf<P::PlaceRecovery>> recovery_table() {
  using R = P::PlaceRecovery;
  auto t = std::make_shared<ParamTableOf<R>>("place recovery", "the recovery of one place");
  t->number("recovery_days", &R::recovery_days)
      .range(1e-3, 1e6)
      .unit("days")
      .required()
      .about("time scale of the place's recovery (instead of return.recovery_days)")
      .source("scenario assumption");
  return t;
}

std::shared_ptr<const ParamTableOf<P::Event>> event_table() {
  using E = P::Event;
  auto t = std::make_shared<ParamTableOf<E>>("disaster event", "one hazard event");
  t->text("name", &E::name).required().about("label in messages and output").source("scenario");
  t->text("kind", &E::kind).required().about("the hazard kind, one listed in curves").source("facts");
  t->date("onset", &E::onset_day).required().within_run().about("first day of the event").source("facts");
  t->integer("duration_days", &E::duration_days)
      .range(1, 3650)
      .unit("days")
      .about("displacement spread over these days")
      .source("facts");
  t->integer("lead_days", &E::lead_days)
      .range(0, 365)
      .unit("days")
      .about("forecast lead: evacuation starts this many days before onset")
      .source("facts");
  t->per_place("footprint.places", &E::footprint_places)
      .range(0, 1)
      .noun("an intensity")
      .fill(0)
      .about("intensity per place (give places, or centre and radius_km, or both: the larger counts)")
      .source("assumption from tracks and reports");
  t->number("footprint.centre.lat", &E::centre_lat)
      .range(-90, 90)
      .noun("a latitude")
      .unit("degrees")
      .required()
      .shown_default("required with footprint.centre")
      .about("centre of a footprint whose intensity decays linearly to 0 at radius_km")
      .source("assumption from tracks and reports");
  t->number("footprint.centre.lon", &E::centre_lon)
      .range(-180, 180)
      .noun("a longitude")
      .unit("degrees")
      .required()
      .shown_default("required with footprint.centre")
      .about("centre of a footprint whose intensity decays linearly to 0 at radius_km")
      .source("assumption from tracks and reports");
  t->number("footprint.radius_km", &E::radius_km)
      .range(1e-3, 1e5)
      .noun("a distance")
      .unit("km")
      .shown_default("required with footprint.centre")
      .about("radius of the centre's footprint (intensity 1 - distance / radius_km)")
      .source("assumption from tracks and reports");
  t->share("route_damage.close_above", &E::close_above)
      .noun("an intensity")
      .about(
          "mean intensity of a route's ends that closes it (given route_damage, routes in the footprint "
          "are damaged)")
      .source("assumption");
  t->number("route_damage.slow_factor", &E::slow_factor)
      .range(1, 100)
      .noun("a factor")
      .about("travel-time factor at intensity 1 of a weaker hit (1 + (factor - 1) x intensity)")
      .source("assumption");
  t->number("route_damage.repair_days", &E::repair_days)
      .range(0, 3650)
      .unit("days")
      .about("days to repair at intensity 1 (repair_days x intensity)")
      .source("assumption");
  t->given("footprint", &E::has_footprint);
  t->given("footprint.centre", &E::has_centre);
  t->given("footprint.radius_km", &E::has_radius);
  t->given("route_damage", &E::has_route_damage);
  t->derive("footprint is required; centre needs radius_km; the footprint covers some place",
            [](E& e, const ParamContext& ctx) {
              if (!e.has_footprint) throw ParamProblem("", "missing key 'footprint'");
              if (e.has_centre && !e.has_radius) throw ParamProblem("footprint", "missing key 'radius_km'");
              const auto& places = ctx.world.places();
              std::vector<double> intensity = e.footprint_places;
              intensity.resize(places.size(), 0.0);
              if (e.has_centre) {
                const double lat = e.centre_lat, lon = e.centre_lon, radius = e.radius_km;
                constexpr double rad = 3.14159265358979323846 / 180.0;
                for (std::size_t q = 0; q < places.size(); ++q) {
                  const double dlat = (places[q].lat_deg - lat) * rad, dlon = (places[q].lon_deg - lon) * rad;
                  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                                   std::cos(lat * rad) * std::cos(places[q].lat_deg * rad) *
                                       std::sin(dlon / 2) * std::sin(dlon / 2);
                  const double km = 2 * 6371.0 * std::asin(std::min(1.0, std::sqrt(h)));
                  intensity[q] = std::max(intensity[q], std::max(0.0, 1 - km / radius));  // linear decay
                }
              }
              e.footprint.clear();
              for (std::size_t q = 0; q < places.size(); ++q)
                if (intensity[q] > 0) e.footprint.emplace_back(static_cast<place_id>(q), intensity[q]);
              if (e.footprint.empty()) throw ParamProblem("footprint", "the footprint covers no place");
            });
  t->rule("the event with its lead time starts within the run", [](const E& e, const ParamContext&) {
    if (e.onset_day - e.lead_days < 0)
      throw ParamProblem("onset", "the event (with its lead time of " + std::to_string(e.lead_days) +
                                      " days) starts before the run");
  });
  return t;
}

std::shared_ptr<const ParamTableOf<P::Response>> response_table() {
  using R = P::Response;
  using K = P::ResponseKind;
  auto t = std::make_shared<ParamTableOf<R>>("response", "a dated response to the disasters");
  t->text("name", &R::name).shown_default("the kind").about("label in messages").source("scenario");
  t->choice("kind", &R::kind,
            {{"temporary_protection", K::temporary_protection},
             {"humanitarian_visa", K::humanitarian_visa},
             {"evacuation_order", K::evacuation_order}})
      .required()
      .about(
          "protection (temporary_protection, or regular status with a humanitarian_visa) for the "
          "displaced in a country, or an evacuation order before an event")
      .source("scenario");
  t->date("date", &R::day).required().within_run().about("from when it applies").source("scenario");
  t->country("country", &R::country)
      .shown_default("required for protection")
      .about("protection: the country whose displaced people it covers")
      .source("scenario");
  t->text("event", &R::event)
      .shown_default("required for evacuation_order")
      .about("evacuation order: the name of the event it precedes (on or before its onset)")
      .source("scenario");
  t->places("places", &R::places)
      .shown_default("required for evacuation_order")
      .about("evacuation order: the places evacuated")
      .source("scenario");
  t->share("extra_share", &R::extra_share)
      .shown_default("required for evacuation_order")
      .about(
          "evacuation order: further share of the places' residents leaving between the order and the "
          "onset")
      .source("scenario");
  t->given("extra_share", &R::has_extra_share);
  t->derive(
      "the kind decides the keys: protection needs country; evacuation_order needs event, places and "
      "extra_share",
      [](R& r, const ParamContext&) {
        const bool evacuation = r.kind == K::evacuation_order;
        const char* word = r.kind == K::temporary_protection ? "temporary_protection"
                           : r.kind == K::humanitarian_visa  ? "humanitarian_visa"
                                                             : "evacuation_order";
        auto missing = [&](const std::string& key) {
          throw ParamProblem("", "missing key '" + key + "' (kind " + word + " needs it)");
        };
        if (!evacuation && r.country < 0) missing("country");
        if (evacuation && r.event.empty()) missing("event");
        if (evacuation && r.places.empty()) missing("places");
        if (evacuation && !r.has_extra_share) missing("extra_share");
        if (r.name.empty()) r.name = word;
      });
  return t;
}

ParamTableOf<P> make_table() {
  ParamTableOf<P> t("disasters and displacement",
                    "Hazards with a footprint displace a share of each place's residents (a logistic curve "
                    "per hazard kind), split between shelters, kin and crossing a border; route damage; "
                    "return with recovery; dated responses.");
  t.named_records("curves", &P::curves, &P::Curve::kind, curve_table())
      .required()
      .about("the displacement curve of each hazard kind (any name: hurricane, flood, earthquake...)")
      .source("fitted per reference drill");
  t.number("vulnerability.default", &P::vulnerability_default)
      .range(0, 1)
      .noun("a vulnerability")
      .about("vulnerability of places not listed")
      .source("scenario assumption");
  t.per_place("vulnerability.places", &P::vulnerability)
      .range(0, 1)
      .noun("a vulnerability")
      .fill(-1)  // not listed: vulnerability.default, filled in by the derivation below
      .shown_default("vulnerability.default")
      .about("vulnerability of a place")
      .source("scenario assumption");
  t.share("split.shelter", &P::share_shelter)
      .about("share of the displaced who go to a shelter (the nearest by road)")
      .source("fitted (shelter share)");
  t.share("split.kin", &P::share_kin)
      .about("share of the displaced who go to kin in another town of their country")
      .source("assumption");
  t.share("split.abroad", &P::share_abroad)
      .about("share of the displaced who cross a border (the nearest place abroad)")
      .source("assumption");
  demography_entries(t, &P::demography,
                     "the world's population (UN DESA WPP via UNHCR Global Trends 2023; 18-34 / 35-59 split "
                     "assumed)");
  t.number("kin_max_km", &P::kin_max_km)
      .range(1e-3, 1e5)
      .noun("a distance")
      .unit("km")
      .about("kin live within this road distance")
      .source("assumption");
  t.number("shelter_overflow", &P::shelter_overflow)
      .range(0, 10)
      .noun("a share above capacity")
      .about("shelters admit up to capacity x (1 + overflow)")
      .source("scenario");
  t.share("return.rate_per_day", &P::return_rate_per_day)
      .noun("a rate per day")
      .unit("1/day")
      .about("return hazard once the home place has recovered")
      .source("fitted (Haiti) / assumption");
  t.number("return.recovery_days", &P::recovery_days)
      .range(1e-3, 1e6)
      .unit("days")
      .about("time scale of recovery: recovery(t) = 1 - exp(-t / recovery_days) after the event ends")
      .source("fitted (Haiti) / assumption");
  t.keyed_records("return.places", &P::recovery_places, &P::PlaceRecovery::place, recovery_table())
      .about("places with their own recovery time")
      .source("scenario assumption");
  speed_entries(t, &P::speed_km_per_day, " of the displaced",
                {"assumption", "assumption", "assumption", "assumption"});
  t.choice("abroad_status", &P::abroad_status,
           {{"irregular", LegalStatus::irregular},
            {"temporary_protection", LegalStatus::temporary_protection},
            {"regular", LegalStatus::regular}})
      .about("legal status of those who cross a border")
      .source("scenario");
  t.records("events", &P::events, event_table())
      .required()
      .about("the hazard events (see the event rows)")
      .source("facts");
  t.records("responses", &P::responses, response_table())
      .about(
          "dated responses: protection in a country, evacuation orders (border closures are ordinary "
          "events)")
      .source("scenario");
  t.derive("places not listed in vulnerability.places take vulnerability.default",
           [](P& p, const ParamContext& ctx) {
             p.vulnerability.resize(ctx.world.places().size(), -1);
             for (double& v : p.vulnerability)
               if (v < 0) v = p.vulnerability_default;
             p.shelter_names.clear();
             for (const auto& pl : ctx.world.places())
               if (pl.kind == PlaceKind::shelter) p.shelter_names.push_back(pl.name);
             p.place_recovery_days.clear();
             if (!p.recovery_places.empty()) {
               p.place_recovery_days.assign(ctx.world.places().size(), 0.0);
               for (const auto& r : p.recovery_places)
                 p.place_recovery_days[static_cast<std::size_t>(r.place)] = r.recovery_days;
             }
           });
  t.derive("an event's kind names a hazard kind listed in curves", [](P& p, const ParamContext&) {
    for (std::size_t i = 0; i < p.events.size(); ++i) {
      auto& e = p.events[i];
      e.curve = p.curves.size();
      for (std::size_t c = 0; c < p.curves.size(); ++c)
        if (p.curves[c].kind == e.kind) e.curve = c;
      if (e.curve == p.curves.size()) {
        std::string kinds;
        for (const auto& c : p.curves) kinds += (kinds.empty() ? "" : ", ") + c.kind;
        throw ParamProblem(
            "events[" + std::to_string(i) + "].kind",
            "got '" + e.kind + "', expected a hazard kind listed in behaviour.disasters.curves: " + kinds);
      }
    }
  });
  t.derive(
      "route_damage: at onset, a route whose mean end intensity x reaches close_above closes, a weaker "
      "hit multiplies travel time by 1 + (slow_factor - 1) x; repaired after ceil(repair_days x) days",
      [](P& p, const ParamContext& ctx) {
        const World& w = ctx.world;
        const auto& routes = w.routes();
        p.route_events.clear();
        for (const auto& e : p.events) {
          if (!e.has_route_damage) continue;
          std::vector<double> intensity(w.places().size(), 0.0);
          for (const auto& [q, x] : e.footprint) intensity[static_cast<std::size_t>(q)] = x;
          for (std::size_t rt = 0; rt < routes.size(); ++rt) {
            const double x = 0.5 * (intensity[static_cast<std::size_t>(routes[rt].a)] +
                                    intensity[static_cast<std::size_t>(routes[rt].b)]);
            if (x <= 0) continue;
            migrasim::Event hit, fix;
            hit.day = e.onset_day;
            hit.routes = {static_cast<route_id>(rt)};
            hit.target = w.route_name(static_cast<route_id>(rt));
            fix = hit;
            fix.day = e.onset_day + static_cast<std::int32_t>(std::ceil(e.repair_days * x));
            if (x >= e.close_above) {
              hit.action = EventAction::close_routes;
              fix.action = EventAction::open_routes;
            } else {
              hit.action = EventAction::set_travel_time_factor;
              hit.value = 1 + (e.slow_factor - 1) * x;
              fix.action = EventAction::set_travel_time_factor;
              fix.value = 1;
            }
            hit.name = e.name + " damage";
            fix.name = e.name + " repair";
            p.route_events.push_back(hit);
            if (fix.day < ctx.days && fix.day > hit.day) p.route_events.push_back(fix);
          }
        }
      });
  t.derive(
      "an evacuation order names an event and comes on or before its onset", [](P& p, const ParamContext&) {
        p.protections.clear();
        p.evacuations.clear();
        for (std::size_t i = 0; i < p.responses.size(); ++i) {
          const auto& r = p.responses[i];
          const std::string at = "responses[" + std::to_string(i) + "]";
          if (r.kind != P::ResponseKind::evacuation_order) {
            p.protections.push_back({r.name, r.day, r.country,
                                     r.kind == P::ResponseKind::temporary_protection
                                         ? LegalStatus::temporary_protection
                                         : LegalStatus::regular});
            continue;
          }
          P::Evacuation ev{r.name, p.events.size(), r.day, r.places, r.extra_share};
          for (std::size_t k = 0; k < p.events.size(); ++k)
            if (p.events[k].name == r.event) ev.event = k;
          if (ev.event == p.events.size())
            throw ParamProblem(at + ".event", "got '" + r.event +
                                                  "', expected the name of an event in "
                                                  "behaviour.disasters.events");
          if (ev.day > p.events[ev.event].onset_day)
            throw ParamProblem(at + ".date", "an evacuation order must come on or before the event's onset");
          p.evacuations.push_back(std::move(ev));
        }
      });
  t.rule("split: shelter + kin + abroad sum to 1", [](const P& p, const ParamContext&) {
    const double total = p.share_shelter + p.share_kin + p.share_abroad;
    if (std::fabs(total - 1) > 1e-6)
      throw ParamProblem("split",
                         "shelter + kin + abroad must sum to 1 (they sum to " + format_number(total) + ")");
  });
  return t;
}

}  // namespace

const ParamTableOf<DisasterParams>& DisasterParams::table() {
  static const ParamTableOf<DisasterParams> t = make_table();
  return t;
}

void DisasterParams::resolve(ScenarioContext& ctx) const {
  ctx.events.insert(ctx.events.end(), route_events.begin(), route_events.end());
}

void DisasterParams::validate(const World& world, std::int32_t days) const {
  const auto places = static_cast<std::size_t>(world.place_count());
  if (vulnerability.size() != places) throw InternalError("disaster vulnerability not sized to places");
  // A struct built in code sets the derived fields only: check them through the table's raw view.
  DisasterParams view = *this;
  for (auto& e : view.events) {
    if (e.curve >= curves.size()) throw InternalError("disaster event without a curve");
    if (e.kind.empty()) e.kind = curves[e.curve].kind;
    if (e.footprint_places.empty()) {
      e.footprint_places.assign(places, 0.0);
      for (const auto& [p, intensity] : e.footprint) {
        if (p < 0 || static_cast<std::size_t>(p) >= places)
          throw InternalError("footprint at an unknown place");
        e.footprint_places[static_cast<std::size_t>(p)] = intensity;
      }
    }
  }
  check_params(table(), &view, ParamContext{world, days}, "behaviour.disasters");
  for (std::size_t p = 0; p < places; ++p)
    if (world.places()[p].kind == PlaceKind::shelter && world.places()[p].capacity < 0)
      throw InputError("place '" + world.places()[p].name + "': a shelter needs a capacity");
  for (const auto& ev : evacuations) {
    if (ev.event >= events.size()) throw InternalError("evacuation order without an event");
    check_share("behaviour.disasters: evacuation order '" + ev.name + "' extra_share", ev.extra_share);
    if (ev.day > events[ev.event].onset_day)
      throw InputError("behaviour.disasters: evacuation order '" + ev.name +
                       "' must come on or before the onset of event '" + events[ev.event].name + "'");
    for (place_id q : ev.places)
      if (q < 0 || static_cast<std::size_t>(q) >= places)
        throw InternalError("evacuation of an unknown place");
  }
  for (const auto& pr : protections)
    if (pr.country < 0 || static_cast<std::size_t>(pr.country) >= world.countries().size())
      throw InternalError("protection in an unknown country");
  std::size_t n_shelters = 0;
  for (const auto& pl : world.places()) n_shelters += pl.kind == PlaceKind::shelter;
  if (shelter_names.size() != n_shelters) throw InternalError("disaster: shelter names not set");
}

DisasterModel::DisasterModel(DisasterParams params) : params_(std::move(params)) {}

void DisasterModel::on_start(StepContext& ctx) {
  const World& world = ctx.world();
  params_.validate(world, ctx.days());
  shares_ = params_.demography.by_country(world.countries().size());
  const auto places = static_cast<std::size_t>(world.place_count());
  shelter_index_.assign(places, -1);
  for (std::size_t p = 0; p < places; ++p) {
    all_places_.push_back(static_cast<place_id>(p));
    if (world.places()[p].kind == PlaceKind::shelter) {
      shelter_index_[p] = static_cast<std::int32_t>(shelters_.size());
      shelters_.push_back(static_cast<place_id>(p));
    }
  }
  planned_ =
      compute_routing(world, all_places_, RoutingOptions{params_.speed_km_per_day, nullptr}, ctx.per_item());
  on_route_state_changed(ctx);
  // Where the displaced of each place go: the nearest shelter, kin towns weighted by population / km,
  // the nearest place abroad (road distances with all routes open).
  const auto np = static_cast<std::int32_t>(places);
  nearest_shelter_.assign(places, -1);
  nearest_abroad_.assign(places, -1);
  kin_cumulative_.assign(places, {});
  for (place_id h = 0; h < np; ++h) {
    const Place& home = world.places()[static_cast<std::size_t>(h)];
    float shelter_km = std::numeric_limits<float>::infinity(), abroad_km = shelter_km;
    double total = 0;
    for (place_id q = 0; q < np; ++q) {
      const Place& pl = world.places()[static_cast<std::size_t>(q)];
      const float km = planned_.km(q, h, np);
      if (!(km < std::numeric_limits<float>::infinity())) continue;
      if (pl.kind == PlaceKind::shelter && km < shelter_km)
        nearest_shelter_[static_cast<std::size_t>(h)] = q, shelter_km = km;
      if (pl.country != home.country && pl.kind != PlaceKind::border_crossing && km < abroad_km)
        nearest_abroad_[static_cast<std::size_t>(h)] = q, abroad_km = km;
      if (q != h && pl.country == home.country && pl.kind == PlaceKind::town && pl.population > 0 &&
          km <= params_.kin_max_km) {
        total += static_cast<double>(pl.population) / std::max(1.0f, km);
        kin_cumulative_[static_cast<std::size_t>(h)].emplace_back(q, total);
      }
    }
  }
  for (const auto& e : params_.events) event_end_.push_back(e.onset_day + e.duration_days - 1);
  occupancy_.assign(shelters_.size(), 0);
  spawn_event_.assign(places, -1);
}

void DisasterModel::on_route_state_changed(StepContext& ctx) {
  open_ = compute_routing(ctx.world(), all_places_,
                          RoutingOptions{params_.speed_km_per_day, &ctx.route_state()}, ctx.per_item());
}

double DisasterModel::share_displaced(const DisasterParams::Event& e, std::size_t k) const {
  const auto& [p, intensity] = e.footprint[k];
  const auto& c = params_.curves[e.curve];
  const double x = intensity * (0.5 + params_.vulnerability[static_cast<std::size_t>(p)]);
  return intensity <= 0 ? 0.0 : c.max_share / (1 + std::exp(-c.steepness * (x - c.midpoint)));
}

void DisasterModel::spawn_counts(StepContext& ctx, std::vector<std::int64_t>& per_place) {
  const std::int32_t day = ctx.day();
  const World& world = ctx.world();
  std::fill(spawn_event_.begin(), spawn_event_.end(), -1);
  spawned_today_ = 0;
  for (std::size_t ei = 0; ei < params_.events.size(); ++ei) {
    const auto& e = params_.events[ei];
    const std::int32_t first = e.onset_day - e.lead_days, span = e.lead_days + e.duration_days;
    if (day < first || day >= first + span) continue;
    for (std::size_t k = 0; k < e.footprint.size(); ++k) {
      const auto p = static_cast<std::size_t>(e.footprint[k].first);
      if (spawn_event_[p] >= 0) continue;  // one event displaces a place on a given day
      const double mean = static_cast<double>(world.places()[p].population) * share_displaced(e, k) / span;
      const std::int64_t n = ctx.rng().poisson(mean, p * 256 + ei, day, disaster_purpose::count);
      per_place[p] += n;
      spawned_today_ += n;
      spawn_event_[p] = static_cast<std::int32_t>(ei);
    }
  }
  // Evacuation orders: a further share leaves between the order and the onset.
  for (std::size_t k = 0; k < params_.evacuations.size(); ++k) {
    const auto& ev = params_.evacuations[k];
    const auto& e = params_.events[ev.event];
    const std::int32_t span = std::max(1, e.onset_day - ev.day);
    if (day < ev.day || day >= ev.day + span) continue;
    for (place_id pl : ev.places) {
      const auto p = static_cast<std::size_t>(pl);
      const double mean = static_cast<double>(world.places()[p].population) * ev.extra_share / span;
      const std::int64_t n = ctx.rng().poisson(mean, p * 256 + k, day, disaster_purpose::evacuation);
      per_place[p] += n;
      spawned_today_ += n;
      if (spawn_event_[p] < 0) spawn_event_[p] = static_cast<std::int32_t>(ev.event);
    }
  }
}

std::int32_t DisasterModel::return_day(const KeyedRng& rng, std::uint64_t agent, place_id home,
                                       std::int32_t event_end, std::int32_t day) const {
  // Return hazard after the event ends: h x recovery(t), recovery(t) = 1 - exp(-t / tau). Its integral is
  // H(t) = h (t - tau (1 - exp(-t / tau))); the agent heads home when H reaches E ~ Exp(1).
  const auto p = static_cast<std::size_t>(home);
  const double h = params_.return_rate_per_day;
  const double tau = p < params_.place_recovery_days.size() && params_.place_recovery_days[p] > 0
                         ? params_.place_recovery_days[p]
                         : params_.recovery_days;
  if (!(h > 0)) return never;
  const double target = -std::log(rng.uniform(agent, day, disaster_purpose::return_home));
  auto H = [&](double t) { return h * (t - tau * (1 - std::exp(-t / tau))); };
  double lo = 0, hi = target / h + tau + 1;
  for (int it = 0; it < 60; ++it) {
    const double mid = 0.5 * (lo + hi);
    (H(mid) < target ? lo : hi) = mid;
  }
  const double t = std::ceil(hi);
  return t > never ? never : event_end + 1 + static_cast<std::int32_t>(t);
}

void DisasterModel::declare(Declarations& declared) {
  declared.purposes(40, 5);
  return_day_ =
      declared.add<std::int32_t>({"return_day", "day a displaced person heads home (simulation day)", -1});
  displaced_ = declared.flag({"displaced", "away from home because of a disaster"});
  unsheltered_ = declared.flag({"unsheltered", "displaced and found no room in a shelter"});
  ways_ = declare_crossing_options(declared);
}

void DisasterModel::init_agents(StepContext& ctx, std::size_t first, std::size_t last) {
  Population& pop = ctx.population();
  const std::int32_t day = ctx.day();
  ctx.parallel_for(first, last, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      const place_id home = pop.place[i];
      const auto ei = static_cast<std::size_t>(spawn_event_[static_cast<std::size_t>(home)]);
      const auto w = ctx.rng().words(i, day, disaster_purpose::choice);
      const double u = KeyedRng::to_unit(w.v[0]);
      // Destination by the split; a kind with no candidate falls back to the next.
      place_id dest = -1;
      const auto h = static_cast<std::size_t>(home);
      auto kin_town = [&]() {
        const auto& cum = kin_cumulative_[h];
        if (cum.empty()) return place_id{-1};
        const double target = KeyedRng::to_unit(w.v[1]) * cum.back().second;
        auto it =
            std::upper_bound(cum.begin(), cum.end(), target,
                             [](double x, const std::pair<place_id, double>& c) { return x < c.second; });
        return (it == cum.end() ? cum.back() : *it).first;
      };
      const int kind = u < params_.share_shelter ? 0 : u < params_.share_shelter + params_.share_kin ? 1 : 2;
      for (int k = 0; k < 3 && dest < 0; ++k) {
        const int which = (kind + k) % 3;
        dest = which == 0 ? nearest_shelter_[h] : which == 1 ? kin_town() : nearest_abroad_[h];
      }
      pop.reset(i, home, day);
      pop.destination[i] = dest;
      pop[return_day_][i] = return_day(ctx.rng(), i, home, event_end_[ei], day);
      pop.legal_status[i] = LegalStatus::regular;
      Demography::draw(shares_[static_cast<std::size_t>(ctx.world().places()[h].country)],
                       KeyedRng::to_unit(w.v[3]), KeyedRng::to_unit(w.v[2]), pop.sex[i], pop.age_band[i]);
      // With nowhere to go, people stay displaced at home, unsheltered.
      pop.flags[i] =
          dest < 0 ? static_cast<std::uint8_t>(displaced_.mask | unsheltered_.mask | agent_flag::settled)
                   : displaced_.mask;
    }
  });
}

void DisasterModel::move(StepContext& ctx) {
  Population& pop = ctx.population();
  const World& world = ctx.world();
  for (auto& a : arrivals_) a.clear();
  for (auto& l : local_) l.fill(0);
  // The decisions of the kernel's movement routine (sim/movement.hpp): the least-time open route to the
  // destination; wait where the next route is closed; at the destination go home, queue for the shelter
  // or stay.
  struct Mover {
    DisasterModel& m;
    Population& pop;
    const World& world;
    const RouteState& state;
    std::vector<std::uint64_t>& arrived;
    std::array<std::int64_t, 4>& counts;
    const std::int32_t places;
    const std::uint8_t me;
    place_id dest = -1;

    bool moves(std::size_t i) const {
      const std::uint8_t flags = pop.flags[i];
      return (flags & m.displaced_.mask) && !(flags & agent_flag::settled) && pop.driver[i] == me;
    }
    void start(Traveller& t) { dest = pop.destination[t.agent]; }
    arc_id depart(Traveller& t) {
      const std::size_t i = t.agent;
      if (t.at == dest) {
        if (dest == pop.origin[i]) {  // home again
          t.flags = static_cast<std::uint8_t>(
              t.flags & ~(m.displaced_.mask | m.unsheltered_.mask | agent_flag::stranded));
          pop.legal_status[i] = LegalStatus::regular;
          ++counts[0];
        } else if (m.shelter_index_[static_cast<std::size_t>(dest)] >= 0) {
          arrived.push_back(i);  // admission decided in the status phase
        } else {
          t.flags |= agent_flag::settled;
        }
        return -1;
      }
      const arc_id next = m.open_.next(dest, t.at, places);
      if (next < 0 || !state.open[static_cast<std::size_t>(world.arc_route(next))]) {
        t.flags |= agent_flag::stranded;  // waiting for a route to reopen
        return -1;
      }
      return next;
    }
    void go(Traveller& t, arc_id) { t.flags &= static_cast<std::uint8_t>(~agent_flag::stranded); }
    void held(Traveller& t, arc_id) { t.flags |= agent_flag::stranded; }  // refused entry: waits
    Leg leg(route_id r) const {
      const Route& route = world.routes()[static_cast<std::size_t>(r)];
      return {route.distance_km,
              m.params_.speed_km_per_day[static_cast<std::size_t>(route.mode)] /
                  static_cast<double>(state.travel_time_factor[static_cast<std::size_t>(r)]),
              route.crosses_border};
    }
    bool reached(Traveller& t, route_id r) {
      if (world.routes()[static_cast<std::size_t>(r)].crosses_border) {
        const bool home_country = world.places()[static_cast<std::size_t>(t.at)].country ==
                                  world.places()[static_cast<std::size_t>(pop.origin[t.agent])].country;
        pop.legal_status[t.agent] = home_country ? LegalStatus::regular : m.params_.abroad_status;
        if (!home_country) ++counts[1];
      }
      return true;
    }
    // Home across a border, or admitted abroad in a regular status, is the regular way; otherwise alone.
    int crossing(const Traveller& t, route_id) const {
      const LegalStatus s = pop.legal_status[t.agent];
      return (s == LegalStatus::regular || s == LegalStatus::temporary_protection ||
              s == LegalStatus::applicant)
                 ? m.ways_.pathway
                 : m.ways_.alone;
    }
    void finish(Traveller&) const {}
  };
  move_agents(ctx, [&]() {
    return Mover{*this,
                 pop,
                 world,
                 ctx.route_state(),
                 arrivals_.local(),
                 local_.local(),
                 world.place_count(),
                 ctx.model_index()};
  });
  for (const auto& l : local_) {
    returned_total_ += l[0];
    crossed_total_ += l[1];
  }
}

void DisasterModel::update_status(StepContext& ctx) {
  Population& pop = ctx.population();
  const World& world = ctx.world();
  const std::int32_t day = ctx.day();
  const std::uint8_t me = ctx.model_index();
  const std::int32_t places = world.place_count();
  // Shelter admissions: today's arrivals at each shelter, by keyed priority, up to the room left.
  std::vector<std::pair<std::uint32_t, std::uint64_t>> requests;
  for (const auto& a : arrivals_)
    for (std::uint64_t i : a)
      requests.emplace_back(ctx.rng().words(i, day, disaster_purpose::admission).v[0], i);
  std::sort(requests.begin(), requests.end());
  std::vector<std::int64_t> room(shelters_.size());
  for (std::size_t s = 0; s < shelters_.size(); ++s) {
    const auto cap = static_cast<double>(world.places()[static_cast<std::size_t>(shelters_[s])].capacity);
    room[s] = static_cast<std::int64_t>(std::floor(cap * (1 + params_.shelter_overflow))) - occupancy_[s];
  }
  for (const auto& [priority, i] : requests) {
    const place_id here = pop.place[i];
    const auto s = static_cast<std::size_t>(shelter_index_[static_cast<std::size_t>(here)]);
    if (room[s] > 0) {
      --room[s];
      pop.flags[i] |= agent_flag::settled;
      continue;
    }
    // Full: on to the nearest shelter with room, else unsheltered here.
    place_id next = -1;
    float best = std::numeric_limits<float>::infinity();
    for (std::size_t t = 0; t < shelters_.size(); ++t) {
      const float km = open_.km(shelters_[t], here, places);
      if (room[t] > 0 && km < best) next = shelters_[t], best = km;
    }
    if (next >= 0) {
      pop.destination[i] = next;
    } else {
      pop.flags[i] |= static_cast<std::uint8_t>(agent_flag::settled | unsheltered_.mask);
    }
  }
  // Returns, then today's measures and shelter occupancy, in one pass (integer reductions).
  struct Local {
    std::array<std::int64_t, measure_count> m{};
    std::vector<std::int64_t> occupancy;
  };
  tbb::enumerable_thread_specific<Local> locals;
  ctx.parallel_for(0, pop.size(), [&](std::size_t b, std::size_t e) {
    Local& l = locals.local();
    if (l.occupancy.size() != shelters_.size()) l.occupancy.assign(shelters_.size(), 0);
    for (std::size_t i = b; i < e; ++i) {
      std::uint8_t flags = pop.flags[i];
      if (!(flags & displaced_.mask) || pop.driver[i] != me) continue;
      if ((flags & agent_flag::settled) && day >= pop[return_day_][i]) {
        if (pop.place[i] == pop.origin[i]) {
          flags =
              static_cast<std::uint8_t>(flags & ~(displaced_.mask | unsheltered_.mask | agent_flag::settled));
          pop.flags[i] = flags;
          ++l.m[returned_home_total];
          continue;
        }
        pop.destination[i] = pop.origin[i];
        flags = static_cast<std::uint8_t>(flags & ~(agent_flag::settled | unsheltered_.mask));
        pop.flags[i] = flags;
      }
      ++l.m[displaced_now];
      const place_id at = pop.place[i];
      // Protection opened by the country where the displaced person is (not to someone whose
      // regularisation application waits or who was regularised: the legal model's statuses).
      const LegalStatus now = pop.legal_status[i];
      if (at >= 0 && !params_.protections.empty() && now != LegalStatus::applicant &&
          now != LegalStatus::regularised) {
        const country_id c = world.places()[static_cast<std::size_t>(at)].country;
        if (c != world.places()[static_cast<std::size_t>(pop.origin[i])].country)
          for (const auto& pr : params_.protections)
            if (pr.country == c && day >= pr.day && pop.legal_status[i] != pr.status) {
              pop.legal_status[i] = pr.status;
              pop.status_since[i] = store_day(day);
            }
      }
      if (at < 0 || !(flags & agent_flag::settled)) continue;
      if (flags & unsheltered_.mask) {
        ++l.m[unsheltered_now];
      } else if (shelter_index_[static_cast<std::size_t>(at)] >= 0) {
        ++l.m[in_shelters];
        ++l.occupancy[static_cast<std::size_t>(shelter_index_[static_cast<std::size_t>(at)])];
      } else if (world.places()[static_cast<std::size_t>(at)].country !=
                 world.places()[static_cast<std::size_t>(pop.origin[i])].country) {
        ++l.m[abroad];
      } else {
        ++l.m[with_kin];
      }
    }
  });
  measures_.fill(0);
  std::fill(occupancy_.begin(), occupancy_.end(), 0);
  for (const auto& l : locals) {
    for (int m = 0; m < measure_count; ++m)
      measures_[static_cast<std::size_t>(m)] += l.m[static_cast<std::size_t>(m)];
    for (std::size_t s = 0; s < l.occupancy.size(); ++s) occupancy_[s] += l.occupancy[s];
  }
  returned_total_ += measures_[returned_home_total];
  measures_[returned_home_total] = returned_total_;
  measures_[crossed_border_total] = crossed_total_;
}

void DisasterModel::declare_series(std::vector<SeriesSpec>& out) const {
  std::vector<std::string> measures;
  for (int m = 0; m < measure_count; ++m) measures.emplace_back(measure_name(m));
  out.push_back(
      {"displacement", "people displaced by disasters, by situation", "persons", {"measure"}, {measures}});
  out.push_back({"shelter_occupancy",
                 "displaced people admitted to each shelter",
                 "persons",
                 {"shelter"},
                 {params_.shelter_names}});
}

void DisasterModel::fill_series(StepContext& ctx, std::vector<std::vector<std::int64_t>>& values) {
  (void)ctx;
  measures_[displaced_today] = spawned_today_;
  values[0].assign(measures_.begin(), measures_.end());
  values[1] = occupancy_;
}

// Checkpoints (docs/reliability.md). Shelter occupancy, the day's spawn and the totals; the routes over the
// open network follow the route state.
void DisasterModel::save_state(StateWriter& out) const {
  out.fields(spawn_event_, occupancy_, measures_, returned_total_, crossed_total_, spawned_today_,
             nearest_shelter_, nearest_abroad_, kin_cumulative_);
}

void DisasterModel::load_state(StateReader& in, StepContext& ctx) {
  in.fields(spawn_event_, occupancy_, measures_, returned_total_, crossed_total_, spawned_today_,
            nearest_shelter_, nearest_abroad_, kin_cumulative_);
  on_route_state_changed(ctx);
}

}  // namespace migrasim::models
