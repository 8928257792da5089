#include "models/route_risks.hpp"

#include <algorithm>

#include "models/shared_params.hpp"
#include "sim/errors.hpp"

namespace migrasim::models {

namespace {

std::shared_ptr<const ParamTableOf<RouteRiskParams::Risk>> risk_table() {
  using R = RouteRiskParams::Risk;
  auto t = std::make_shared<ParamTableOf<R>>("route risk", "a dated risk of death on some routes");
  t->text("name", &R::name).about("label in messages").source("scenario");
  t->date("from", &R::from_day)
      .shown_default("the start of the run")
      .about("first day in force")
      .source("scenario");
  t->date("until", &R::until_day)
      .shown_default("the end of the run")
      .about("last day in force")
      .source("scenario");
  t->share("death", &R::death)
      .changeable()
      .noun("a probability per trip")
      .required()
      .about("probability that a traveller dies along the route, per trip")
      .source("scenario (e.g. from IOM Missing Migrants deaths against crossings on the route)");
  t->boolean("permit_holders_exempt", &R::permit_holders_exempt)
      .about("people holding a permit or visa cross at an official post and face no risk")
      .source("scenario");
  route_selection(*t, &R::border, &R::route_ends, &R::routes);
  t->rule("until is on or after from", [](const R& r, const ParamContext&) {
    if (r.until_day < r.from_day) throw ParamProblem("until", "the risk ends before it starts");
  });
  t->doubt("a risk in force on no day of the run", [](const R& r, const ParamContext& ctx) {
    doubt_in_force(r.from_day, r.until_day, ctx, "from", "until");
  });
  return t;
}

ParamTableOf<RouteRiskParams> make_table() {
  using P = RouteRiskParams;
  ParamTableOf<P> t("route risks",
                    "Deaths on the way for every traveller: dated risks per trip on routes; a recorded "
                    "share, the rest missing.");
  t.records("risks", &P::risks, risk_table())
      .required()
      .about("the risks; where several are in force on a route, the largest applies")
      .source("scenario");
  t.share("recorded_share", &P::recorded_share)
      .changeable()
      .noun("a probability")
      .about("share of deaths that data sources record (status dead); the others are missing")
      .source(
          "scenario; IOM's Missing Migrants Project counts only recorded deaths and calls them a "
          "minimum");
  t.derive("the route names label the route_deaths series", [](P& p, const ParamContext& ctx) {
    const World& w = ctx.world;
    p.edge_names = w.route_names();
  });
  return t;
}

}  // namespace

const ParamTableOf<RouteRiskParams>& RouteRiskParams::table() {
  static const ParamTableOf<RouteRiskParams> t = make_table();
  return t;
}

void RouteRiskParams::validate(const World& world, std::int32_t days) const {
  check_params(table(), this, ParamContext{world, days}, "behaviour.route_risks");
  if (edge_names.size() != static_cast<std::size_t>(world.route_count()))
    throw InternalError("route_risks: edge names not set");
  for (const auto& r : risks)
    for (route_id k : r.routes)
      if (k < 0 || k >= world.route_count()) throw InternalError("route risk on an unknown route");
}

RouteRiskModel::RouteRiskModel(RouteRiskParams params) : params_(std::move(params)) {}

void RouteRiskModel::declare(Declarations& declared) {
  declared.purposes(static_cast<std::uint32_t>(route_risk_purpose::death), 1);
  declared.route_hazard(this);
  holds_permit_ = declared.flag(holds_permit_flag());
}

void RouteRiskModel::attach(StepContext& ctx) {
  world_ = &ctx.world();
  population_ = &ctx.population();
  rng_ = &ctx.rng();
}

void RouteRiskModel::on_start(StepContext& ctx) {
  params_.validate(ctx.world(), ctx.days());
  death_.assign(static_cast<std::size_t>(ctx.world().route_count()), 0);
  exempt_.assign(death_.size(), 0);
}

void RouteRiskModel::decide(StepContext& ctx) {
  day_ = ctx.day();
  std::fill(death_.begin(), death_.end(), 0);
  std::fill(exempt_.begin(), exempt_.end(), 0);
  for (const auto& r : params_.risks) {
    if (day_ < r.from_day || day_ > r.until_day) continue;
    for (route_id k : r.routes) {
      auto& d = death_[static_cast<std::size_t>(k)];
      if (r.death > d) {
        d = r.death;
        exempt_[static_cast<std::size_t>(k)] = r.permit_holders_exempt;
      }
    }
  }
  for (auto& c : counts_) std::fill(c.begin(), c.end(), 0);
}

bool RouteRiskModel::dies(std::size_t i, arc_id a) const {
  const route_id r = world_->arc_route(a);
  if (exempt_[static_cast<std::size_t>(r)] && (population_->flags[i] & holds_permit_.mask)) return false;
  const auto w = rng_->words(i, day_, route_risk_purpose::death, static_cast<std::uint32_t>(r));
  if (!(KeyedRng::to_unit(w.v[0]) < death_[static_cast<std::size_t>(r)])) return false;
  const bool recorded = KeyedRng::to_unit(w.v[1]) < params_.recorded_share;
  population_->legal_status[i] = recorded ? LegalStatus::dead : LegalStatus::missing;
  population_->status_since[i] = store_day(day_);
  auto& c = counts_.local();
  if (c.empty()) c.assign(2 * static_cast<std::size_t>(world_->route_count()), 0);
  ++c[2 * static_cast<std::size_t>(r) + (recorded ? 0 : 1)];
  return true;
}

void RouteRiskModel::declare_series(std::vector<SeriesSpec>& out) const {
  out.push_back({"route_deaths",
                 "deaths of travellers on each route during the day: recorded by sources, or missing",
                 "persons",
                 {"edge", "death_record"},
                 {params_.edge_names, {"recorded", "missing"}}});
}

void RouteRiskModel::fill_series(StepContext&, std::vector<std::vector<std::int64_t>>& values) {
  values[0].assign(2 * death_.size(), 0);
  for (const auto& c : counts_)
    for (std::size_t k = 0; k < c.size(); ++k) values[0][k] += c[k];
}

// Checkpoints (docs/reliability.md). The risks in force today.
void RouteRiskModel::save_state(StateWriter& out) const {
  out.fields(exempt_, day_, death_);
}

void RouteRiskModel::load_state(StateReader& in, StepContext&) {
  in.fields(exempt_, day_, death_);
}

}  // namespace migrasim::models
