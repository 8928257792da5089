#include "models/entry.hpp"

#include <algorithm>

#include "models/shared_params.hpp"
#include "sim/errors.hpp"

namespace migrasim::models {

namespace {

std::shared_ptr<const ParamTableOf<EntryParams::Rule>> rule_table() {
  using R = EntryParams::Rule;
  using K = EntryParams::Kind;
  auto t = std::make_shared<ParamTableOf<R>>(
      "entry rule", "a dated entry rule on some crossings for some nationalities (docs/models/entry.md)");
  t->text("name", &R::name).about("label in messages and output").source("scenario");
  t->date("from", &R::from_day).required().about("first day in force").source("scenario");
  t->date("until", &R::until_day)
      .shown_default("the end of the run")
      .about("last day in force")
      .source("scenario");
  t->countries("nationalities", &R::nationalities)
      .shown_default("everyone")
      .about("who it applies to (empty: everyone)")
      .source("scenario");
  t->choice("rule", &R::kind,
            {{"closed", K::closed},
             {"visa_required", K::visa_required},
             {"visa_free", K::visa_free},
             {"permeability", K::permeability}})
      .about(
          "closed: nobody passes; visa_required: permit holders only; visa_free: everyone; "
          "permeability: permit holders, and the others with `permeability` a day")
      .source("scenario");
  t->share("permeability", &R::permeability)
      .changeable()
      .noun("a probability per day")
      .unit("1/day")
      .about("rule permeability: daily probability that an attempt without a permit gets through")
      .source("scenario");
  t->given("permeability", &R::permeability_given);
  t->boolean("permit_holders_pass", &R::permit_holders_pass)
      .about("rule permeability: permit holders pass")
      .source("scenario");
  route_selection(*t, &R::border, &R::route_ends, &R::routes);
  t->rule("until is on or after from", [](const R& r, const ParamContext&) {
    if (r.until_day < r.from_day) throw ParamProblem("until", "the rule ends before it starts");
  });
  t->rule("permeability is given exactly for rule permeability", [](const R& r, const ParamContext&) {
    if (r.kind == K::permeability && !r.permeability_given)
      throw ParamProblem("", "missing key 'permeability' (or give rule: closed, visa_required or visa_free)");
    if (r.kind != K::permeability && r.permeability_given)
      throw ParamProblem("permeability", "permeability applies only to rule: permeability");
  });
  t->doubt("a rule in force on no day of the run", [](const R& r, const ParamContext& ctx) {
    doubt_in_force(r.from_day, r.until_day, ctx, "from", "until");
  });
  return t;
}

ParamTableOf<EntryParams> make_table() {
  using P = EntryParams;
  ParamTableOf<P> t("entry rules",
                    "Dated entry rules by nationality on borders and routes, for every mover: closed, visa "
                    "required, visa free, or a daily permeability.");
  t.records("rules", &P::rules, rule_table())
      .changeable()
      .required()
      .about("the rules; for one person and route the last one in force that names them decides")
      .source("scenario");
  t.rule("at most 65535 rules", [](const P& p, const ParamContext&) {
    if (p.rules.size() > 65535) throw ParamProblem("rules", "at most 65535 rules");
  });
  return t;
}

}  // namespace

const ParamTableOf<EntryParams>& EntryParams::table() {
  static const ParamTableOf<EntryParams> t = make_table();
  return t;
}

void EntryParams::validate(const World& world, std::int32_t days) const {
  check_params(table(), this, ParamContext{world, days}, "behaviour.entry");
  for (const auto& r : rules)
    for (route_id k : r.routes)
      if (k < 0 || k >= world.route_count()) throw InternalError("entry rule on an unknown route");
}

EntryModel::EntryModel(EntryParams params) : params_(std::move(params)) {}

void EntryModel::declare(Declarations& declared) {
  declared.purposes(static_cast<std::uint32_t>(entry_purpose::pass), 1);
  holds_permit_ = declared.flag(holds_permit_flag());
  declared.entry_gate(this);
}

void EntryModel::attach(StepContext& ctx) {
  world_ = &ctx.world();
  population_ = &ctx.population();
  rng_ = &ctx.rng();
}

void EntryModel::on_start(StepContext& ctx) {
  params_.validate(ctx.world(), ctx.days());
  rules_on_.assign(static_cast<std::size_t>(ctx.world().route_count()), {});
}

void EntryModel::decide(StepContext& ctx) {
  day_ = ctx.day();
  for (auto& on : rules_on_) on.clear();
  for (std::size_t k = 0; k < params_.rules.size(); ++k) {
    const auto& r = params_.rules[k];
    if (day_ < r.from_day || day_ > r.until_day) continue;
    for (route_id route : r.routes)
      rules_on_[static_cast<std::size_t>(route)].push_back(static_cast<std::uint16_t>(k));
  }
}

bool EntryModel::admits(std::size_t i, arc_id a, std::uint8_t flags) const {
  const country_id nationality = population_->nationality[i];
  if (world_->places()[static_cast<std::size_t>(world_->arc_target(a))].country == nationality) return true;
  const auto& on = rules_on_[static_cast<std::size_t>(world_->arc_route(a))];
  for (auto it = on.rbegin(); it != on.rend(); ++it) {
    const auto& r = params_.rules[*it];
    if (!r.nationalities.empty() &&
        std::find(r.nationalities.begin(), r.nationalities.end(), nationality) == r.nationalities.end())
      continue;
    const bool permit = flags & holds_permit_.mask;
    switch (r.kind) {
      case EntryParams::Kind::closed:
        return false;
      case EntryParams::Kind::visa_required:
        return permit;
      case EntryParams::Kind::visa_free:
        return true;
      case EntryParams::Kind::permeability:
        if (permit && r.permit_holders_pass) return true;
        return rng_->uniform(i, day_, entry_purpose::pass, *it) < r.permeability;
    }
  }
  return true;
}

// Checkpoints (docs/reliability.md). The rules in force today.
void EntryModel::save_state(StateWriter& out) const {
  out.fields(day_, rules_on_);
}

void EntryModel::load_state(StateReader& in, StepContext&) {
  in.fields(day_, rules_on_);
}

}  // namespace migrasim::models
