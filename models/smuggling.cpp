#include "models/smuggling.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <numeric>
#include <string>

#include "models/shared_columns.hpp"
#include "models/shared_params.hpp"
#include "sim/allocation.hpp"
#include "sim/checks.hpp"
#include "sim/errors.hpp"

namespace migrasim::models {

namespace {
const char* quantity_names[] = {"demand",      "seats",  "seats_used", "price_usd", "revenue_usd", "arrivals",
                                "intercepted", "deaths", "injured",    "abandoned", "operators",   "removed"};
const char* incident_names[] = {"interception", "death", "injury_abuse", "abandonment"};
static_assert(sizeof(quantity_names) / sizeof(quantity_names[0]) == SmugglingModel::quantity_count);
static_assert(sizeof(incident_names) / sizeof(incident_names[0]) == SmugglingModel::incident_count);

using Kind = SmugglingParams::Kind;
}  // namespace

namespace {

// A table whose entries may act once the reader has set them: defaults of other keys that depend on this
// one (a service's kind), or noting that a key was given (check_params does not run these).
template <class P>
class HookedTable : public ParamTableOf<P> {
 public:
  using ParamTableOf<P>::ParamTableOf;
  void after_read(std::function<void(P&)> fn) {
    auto& e = this->entries_.back();
    e.set = [set = e.set, fn](void* o, const ParamValue& v) {
      set(o, v);
      fn(*static_cast<P*>(o));
    };
  }
};

std::shared_ptr<const ParamTableOf<SmugglingParams::Demand>> demand_table() {
  using D = SmugglingParams::Demand;
  auto t =
      std::make_shared<ParamTableOf<D>>("departure demand", "people arriving at a departure side to cross");
  t->place("place", &D::place)
      .required()
      .about("departure side (a service must leave it)")
      .source("scenario");
  t->place("origin", &D::origin).required().about("a place in the travellers' country").source("scenario");
  t->records("per_day", &D::per_day,
             dated_steps_table("demand step", "people arriving to cross, per day", 0, 1e9, "persons/day",
                               "fitted (Central Mediterranean, Aegean up to Mar 2016)"))
      .required()
      .about("people arriving to cross, dated steps (see the demand step rows)")
      .source("fitted (Central Mediterranean, Aegean up to Mar 2016)");
  t->number("resources_usd.median", &D::resources_median_usd)
      .range(0, 1e9)
      .unit("USD")
      .about("median own savings for the journey, log-normal")
      .source("assumption");
  t->number("resources_usd.sigma", &D::resources_sigma)
      .range(0, 10)
      .noun("a log-normal sigma")
      .about("log-normal shape of the savings (and of the help)")
      .source("assumption");
  t->share("resources_usd.help_share", &D::help_share)
      .about("share who get help from family or the diaspora, added to the savings")
      .source("assumption");
  t->number("resources_usd.help_median", &D::help_median_usd)
      .range(0, 1e9)
      .unit("USD")
      .about("median help (log-normal, same sigma)")
      .source("assumption");
  t->rule("dates increase along per_day", [](const D& d, const ParamContext&) {
    for (std::size_t k = 1; k < d.per_day.size(); ++k)
      if (d.per_day[k].day <= d.per_day[k - 1].day)
        throw ParamProblem("per_day", "dates must increase along the list (step " + std::to_string(k) + ")");
  });
  return t;
}

std::shared_ptr<const ParamTableOf<SmugglingParams::Service>> service_table() {
  using S = SmugglingParams::Service;
  auto t = std::make_shared<HookedTable<S>>(
      "service", "a way across: a smuggling service, crossing alone or a regular pathway");
  auto probability = [&](const char* key, double S::*m) {
    return t->share(key, m).noun("a probability").unit("").source("assumption");
  };
  t->text("name", &S::name).required().about("unique name (the `service` coordinate)").source("scenario");
  t->choice("kind", &S::kind,
            {{"smuggler", Kind::smuggler}, {"alone", Kind::alone}, {"pathway", Kind::pathway}})
      .about(
          "`smuggler`, `alone` (crossing without a smuggler: no seats, no price) or `pathway` (a regular "
          "pathway: seats = quota, price = fee, arrivals regular)")
      .source("scenario");
  t->after_read([](S& s) {
    if (s.kind != Kind::smuggler) {  // no smuggler: no market, and by default no trafficking
      s.price_elasticity = s.risk_premium = 0;
      s.trafficking = s.trafficking_debt = 0;
    }
    if (s.kind == Kind::pathway) s.interception = s.death = 0;
    s.runs_when_closed = s.kind == Kind::smuggler;
  });
  t->boolean("runs_when_closed", &S::runs_when_closed)
      .shown_default("true for smuggler, false otherwise")
      .about(
          "keeps running while a route of its path is closed (smugglers take unofficial paths around a "
          "closed post); otherwise closed with it")
      .source("assumption");
  probability("removal", &S::removal)
      .about(
          "of those intercepted and not detained, the share removed: to removal_to, else to their place of "
          "origin (returned)")
      .source("scenario (policy)");
  t->place("removal_to", &S::removal_to)
      .shown_default("the person's place of origin")
      .about("where removals take people: a place in a third country (they go on from there)")
      .source("scenario (policy)");
  t->integer("bar_after_removal_days", &S::bar_after_removal_days)
      .range(0, 32767)
      .unit("days")
      .shown_default("0 (no bar)")
      .about("a pathway: people removed within this many days may not use it")
      .source("scenario (policy)");
  t->countries("nationalities", &S::nationalities)
      .shown_default("every nationality")
      .about("the nationalities who may use it (a pathway's eligibility)")
      .source("scenario");
  t->boolean("apply_from_home", &S::from_home)
      .about(
          "a pathway applied for from home: travellers heading for the country it leads to choose at their "
          "place of origin between applying (and waiting there for a permit; seats = permits a day) and "
          "setting off towards its `from`, where the other options are; permit holders travel on with "
          "their driver")
      .source("scenario (policy)");
  t->place("from", &S::from_place)
      .shown_default("required (or path)")
      .about("departure side of a one-route service")
      .source("scenario");
  t->place("to", &S::to_place)
      .shown_default("required (or path)")
      .about("arrival side of a one-route service")
      .source("scenario");
  t->places("path", &S::path)
      .shown_default("from, to")
      .about("instead of from and to: a chain of at least two places joined by routes")
      .source("scenario");
  t->places("risky_leg", &S::risky_leg_places)
      .length(2)
      .shown_default("the last leg")
      .about(
          "the leg where incidents happen (two consecutive places of the path); the abandoned are left at "
          "its start")
      .source("scenario");
  t->number("seats_per_day", &S::seats_per_day)
      .range(0, 1e9)
      .unit("seats/day")
      .shown_default("required (not for alone)")
      .about("capacity at the start")
      .source("assumption");
  t->after_read([](S& s) { s.seats_given = true; });
  t->number("price_usd", &S::base_price_usd)
      .range(0, 1e7)
      .unit("USD")
      .noun("a price")
      .shown_default("required (not for alone)")
      .about("base price (smuggler), fee (pathway)")
      .source("assumption; Central America inside UNODC 2018 range USD 4,000-15,000");
  t->after_read([](S& s) { s.price_given = true; });
  t->number("price_elasticity", &S::price_elasticity)
      .range(0, 10)
      .noun("an elasticity")
      .shown_default("0.5 (0 for alone, pathway)")
      .about("price x (yesterday's demand / seats)^elasticity, the ratio in [0.1, 10]")
      .source("assumption");
  t->number("risk_premium", &S::risk_premium)
      .range(0, 100)
      .noun("a premium")
      .shown_default("1 (0 for alone, pathway)")
      .about("price x (1 + premium x interception)")
      .source("assumption");
  probability("interception", &S::interception)
      .shown_default("0.05 (0 for pathway)")
      .about("intercepted per trip (back at the departure side)")
      .source("fitted (Central Mediterranean, Aegean) / assumption");
  probability("death", &S::death)
      .shown_default("0.01 (0 for pathway)")
      .about("deaths per trip")
      .source("fitted (Central Mediterranean, Aegean) / assumption");
  probability("detention", &S::detention)
      .about(
          "of those intercepted, the share detained at the departure side (the rest go back to the market "
          "or home)");
  probability("injury", &S::injury).about("injury or abuse per trip (counted, the trip goes on)");
  probability("abandonment", &S::abandonment).about("abandoned at the risky leg's start, per trip");
  probability("trafficking", &S::trafficking)
      .shown_default("0.02 (0 for alone, pathway)")
      .about("arrivals exploited (fee paid)");
  probability("trafficking_debt", &S::trafficking_debt)
      .shown_default("0.1 (0 for alone, pathway)")
      .about("arrivals exploited (fee borrowed)");
  t->number("capacity_growth", &S::capacity_growth)
      .range(0, 1)
      .unit("1/day")
      .noun("a growth per day")
      .about("seats growth per day after sustained excess demand")
      .source("assumption");
  t->integer("growth_lag_days", &S::growth_lag_days)
      .range(0, 3650)
      .unit("days")
      .about("days of excess demand before seats grow")
      .source("assumption");
  t->number("operating_cost_usd", &S::operating_cost_usd)
      .range(0, 1e7)
      .unit("USD")
      .noun("a cost")
      .shown_default("0 (no entry)")
      .about(
          "cost of a seat to the operators; a new operator enters (adding seats) when (price - cost) / price "
          "stays above entry_margin for entry_lag_days")
      .source("assumption");
  t->share("entry_margin", &S::entry_margin).about("margin above which operators enter").source("assumption");
  t->integer("entry_lag_days", &S::entry_lag_days)
      .range(1, 3650)
      .unit("days")
      .about("days in a row of a high margin before an operator enters")
      .source("assumption");
  t->number("entry_seats", &S::entry_seats)
      .range(0, 1e9)
      .unit("seats/day")
      .about("seats a new operator brings")
      .source("assumption");
  t->derive(
      "give either path or from and to, joined by routes; risky_leg is a leg of the path; seats_per_day and "
      "price_usd are required, except crossing alone, which has neither",
      [](S& s, const ParamContext& ctx) {
        const World& w = ctx.world;
        auto name = [&](place_id q) { return w.places()[static_cast<std::size_t>(q)].name; };
        if (!s.path.empty()) {
          if (s.from_place >= 0 || s.to_place >= 0)
            throw ParamProblem("path", "give either path or from and to, not both");
          if (s.path.size() < 2)
            throw ParamProblem("path", "expected a list of at least two place names joined by routes");
        } else {
          if (s.from_place < 0) throw ParamProblem("", "missing key 'from'");
          if (s.to_place < 0) throw ParamProblem("", "missing key 'to'");
          s.path = {s.from_place, s.to_place};
        }
        s.legs.clear();
        for (std::size_t q = 0; q + 1 < s.path.size(); ++q) {
          s.legs.push_back(w.find_route(s.path[q], s.path[q + 1]));
          if (s.legs.back() < 0)
            throw ParamProblem(s.from_place >= 0 ? "" : "path",
                               "no route joins '" + name(s.path[q]) + "' and '" + name(s.path[q + 1]) + "'");
        }
        s.risk_leg = s.legs.size() - 1;
        if (!s.risky_leg_places.empty()) {
          std::size_t j = 0;
          while (j < s.legs.size() &&
                 !(s.path[j] == s.risky_leg_places[0] && s.path[j + 1] == s.risky_leg_places[1]))
            ++j;
          if (j == s.legs.size())
            throw ParamProblem("risky_leg", "expected a pair of consecutive places of the service's path");
          s.risk_leg = j;
        }
        if (s.kind == Kind::alone) {
          if (s.seats_given || s.price_given)
            throw ParamProblem("", "crossing alone has neither seats nor a price");
          s.seats_per_day = 0;
          s.base_price_usd = 0;
        } else {
          if (!s.seats_given) throw ParamProblem("", "missing key 'seats_per_day'");
          if (!s.price_given) throw ParamProblem("", "missing key 'price_usd'");
        }
      });
  t->rule("only a pathway is applied for from home", [](const S& s, const ParamContext&) {
    if (s.from_home && s.kind != Kind::pathway)
      throw ParamProblem("apply_from_home",
                         "got true, expected false: only a pathway is applied for from home");
  });
  t->rule("interception + death + abandonment must not exceed 1", [](const S& s, const ParamContext&) {
    if (s.interception + s.death + s.abandonment > 1)
      throw ParamProblem("", "interception + death + abandonment must not exceed 1");
  });
  return t;
}

std::shared_ptr<const ParamTableOf<SmugglingParams::Enforcement>> enforcement_table() {
  using E = SmugglingParams::Enforcement;
  auto t = std::make_shared<HookedTable<E>>(
      "enforcement change", "a dated change of interception, deaths, seats or demand (facts: dates)");
  t->text("name", &E::name).shown_default("enforcement").about("label in messages").source("scenario");
  t->date("date", &E::day).required().within_run().about("the day of the change").source("facts (dates)");
  t->names("service", &E::service_names)
      .shown_default("none (or place)")
      .about("the target: a service name or a list of them")
      .source("scenario");
  t->place("place", &E::place)
      .shown_default("none (or service)")
      .about("the target: every service leaving this place, and its departure demand")
      .source("scenario");
  t->share("interception", &E::new_interception)
      .noun("a probability")
      .shown_default("unchanged")
      .about("new interception probability per trip")
      .source("fitted / assumption");
  t->after_read([](E& e) { e.interception = e.new_interception; });
  t->share("death", &E::new_death)
      .noun("a probability")
      .shown_default("unchanged")
      .about("new death probability per trip")
      .source("fitted / assumption");
  t->after_read([](E& e) { e.death = e.new_death; });
  t->share("removal", &E::new_removal)
      .noun("a probability")
      .shown_default("unchanged")
      .about("new removal share of the intercepted (see the service's removal)")
      .source("scenario (policy)");
  t->after_read([](E& e) { e.removal = e.new_removal; });
  t->number("seats", &E::new_seats)
      .range(0, 1e9)
      .unit("seats/day")
      .shown_default("unchanged")
      .about("seats set to this (opens or closes a pathway), before capacity_factor")
      .source("fitted / assumption");
  t->after_read([](E& e) { e.seats = e.new_seats; });
  t->number("capacity_factor", &E::capacity_factor)
      .range(0, 100)
      .noun("a factor")
      .about("seats multiplied by this")
      .source("fitted / assumption");
  t->number("demand_factor", &E::demand_factor)
      .range(0, 100)
      .noun("a factor")
      .about("deterrence: departures at the place multiplied by this (place target only)")
      .source("fitted (Aegean 0.17)");
  t->after_read([](E& e) { e.demand_factor_given = true; });
  t->derive("give the target as either service or place; demand_factor needs a place target",
            [](E& e, const ParamContext&) {
              if (e.name.empty()) e.name = "enforcement";
              if (e.service_names.empty() == (e.place < 0))
                throw ParamProblem("", "give the target as either service or place");
              if (e.demand_factor_given && e.place < 0)
                throw ParamProblem("demand_factor", "deterrence (demand_factor) needs a place target");
            });
  return t;
}

std::shared_ptr<const ParamTableOf<SmugglingParams::Campaign>> campaign_table() {
  using C = SmugglingParams::Campaign;
  auto t = std::make_shared<ParamTableOf<C>>(
      "information campaign", "dated information on the true risks of some services, reaching some people");
  t->text("name", &C::name).shown_default("campaign").about("label in messages").source("scenario");
  t->date("from", &C::from_day).required().about("first day in force").source("scenario (policy)");
  t->date("to", &C::to_day).required().about("last day in force").source("scenario (policy)");
  t->names("service", &C::service_names)
      .shown_default("none (or place)")
      .about("the services it speaks of: a service name or a list of them")
      .source("scenario");
  t->place("place", &C::place)
      .shown_default("none (or service)")
      .about("the services it speaks of: every service leaving this place")
      .source("scenario");
  t->countries("nationalities", &C::nationalities)
      .shown_default("every nationality")
      .about("the nationalities it reaches")
      .source("scenario (policy)");
  t->number("trips_per_day", &C::trips_per_day)
      .range(0, 1e9)
      .unit("trips/day")
      .required()
      .about("reach: worth this many trips' true outcomes a day, added to what people have heard")
      .source("assumption");
  t->rule("a campaign ends on or after its first day", [](const C& c, const ParamContext&) {
    if (c.to_day < c.from_day) throw ParamProblem("to", "a campaign ends on or after its first day");
  });
  t->derive("give the target as either service or place", [](C& c, const ParamContext&) {
    if (c.service_names.empty() == (c.place < 0))
      throw ParamProblem("", "give the target as either service or place");
  });
  t->doubt("a campaign in force on no day of the run", [](const C& c, const ParamContext& ctx) {
    doubt_in_force(c.from_day, c.to_day, ctx, "from", "to");
  });
  return t;
}

// The services an enforcement change or a campaign names: by name, or every service leaving `place`;
// `at` and `key` name the entry in messages.
std::vector<std::size_t> target_services(const SmugglingParams& p, const std::vector<std::string>& names,
                                         place_id place, const World& w, const std::string& key,
                                         const std::string& at) {
  std::vector<std::size_t> out;
  for (const auto& name : names) {
    const std::size_t before = out.size();
    for (std::size_t k = 0; k < p.services.size(); ++k)
      if (p.services[k].name == name) out.push_back(k);
    if (out.size() == before)
      throw ParamProblem(key, at + ".service: got '" + name +
                                  "', expected the name of a service in behaviour.smuggling.services");
  }
  if (place >= 0) {
    for (std::size_t k = 0; k < p.services.size(); ++k)
      if (p.services[k].from() == place) out.push_back(k);
    if (out.empty())
      throw ParamProblem(key, at + ".place: got '" + w.places()[static_cast<std::size_t>(place)].name +
                                  "', expected a place that services leave");
  }
  return out;
}

void check_unique_names(const SmugglingParams& p) {
  for (std::size_t i = 0; i < p.services.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (p.services[i].name == p.services[j].name)
        throw ParamProblem("services", "two services named '" + p.services[i].name + "'");
}

ParamTableOf<SmugglingParams> make_table() {
  using P = SmugglingParams;
  HookedTable<P> t(
      "behaviour.smuggling",
      "Smuggling markets on the route graph: departure demand, services with seats and prices, a "
      "logit choice, dated enforcement.");
  t.records("demand", &P::demand, demand_table())
      .shown_default("none")
      .about("departure demand, one entry per departure side (see the departure demand rows)")
      .source("scenario");
  t.records("services", &P::services, service_table())
      .required()
      .about("the ways across (see the service rows)")
      .source("scenario");
  t.records("enforcement", &P::enforcement, enforcement_table())
      .changeable()
      .about("dated enforcement changes (see the enforcement change rows)")
      .source("scenario");
  t.number("choice.price_sensitivity", [](P& p) -> double& { return p.choice.price_sensitivity; })
      .range(0, 100)
      .unit("per 1000 USD")
      .noun("a weight")
      .about("logit weight of the price")
      .source("assumption");
  t.number("choice.risk_aversion", [](P& p) -> double& { return p.choice.risk_aversion; })
      .range(0, 1000)
      .noun("a weight")
      .about("logit weight of death + interception + abandonment")
      .source("assumption");
  t.number("choice.alone_penalty", [](P& p) -> double& { return p.choice.alone_penalty; })
      .range(0, 100)
      .noun("a utility")
      .about("utility lost by crossing without a smuggler")
      .source("assumption");
  t.number("choice.wait_utility", [](P& p) -> double& { return p.choice.wait_utility; })
      .range(-100, 100)
      .noun("a utility")
      .shown_default("absent")
      .about("utility of waiting another day (absent: people take the best affordable option at once)")
      .source("assumption");
  t.after_read([](P& p) { p.choice.can_wait = true; });
  t.number("choice.removal_aversion", [](P& p) -> double& { return p.choice.removal_aversion; })
      .range(0, 1000)
      .noun("a weight")
      .about(
          "logit weight of interception x removal x (1 + 1 when a removal would bar the person from a "
          "pathway open to it at the place)")
      .source("assumption");
  t.number("choice.wait_aversion", [](P& p) -> double& { return p.choice.wait_aversion; })
      .range(0, 100)
      .unit("per day")
      .noun("a weight")
      .about("logit weight of the expected wait for a seat, in days (the queue beyond the seats, per seat)")
      .source("assumption");
  t.number("choice.go_back_utility", [](P& p) -> double& { return p.choice.go_back_utility; })
      .range(-100, 100)
      .noun("a utility")
      .shown_default("absent")
      .about("utility of going back home, an option of the logit (absent: not an option)")
      .source("assumption");
  t.after_read([](P& p) { p.choice.can_go_back = true; });
  t.number("choice.stay_utility", [](P& p) -> double& { return p.choice.stay_utility; })
      .range(-100, 100)
      .noun("a utility")
      .shown_default("absent")
      .about(
          "utility of staying in the country where the person is (the journey ends there), an option of the "
          "logit (absent: not an option)")
      .source("assumption");
  t.after_read([](P& p) { p.choice.can_stay = true; });
  t.number("choice.another_destination_utility",
           [](P& p) -> double& { return p.choice.another_destination_utility; })
      .range(-100, 100)
      .noun("a utility")
      .shown_default("absent")
      .about(
          "utility of looking for another destination (in another country than the one the person heads "
          "for; its driver draws it, economic and family drivers only), an option of the logit (absent: not "
          "an option)")
      .source("assumption");
  t.after_read([](P& p) { p.choice.can_look_elsewhere = true; });
  t.number("choice.home_wait_cost_usd_per_day",
           [](P& p) -> double& { return p.choice.home_wait_cost_usd_per_day; })
      .range(0, 1e5)
      .unit("USD/day")
      .noun("a cost")
      .shown_default("required with a pathway applied for from home")
      .about(
          "what a day of waiting at home for a pathway's permit costs (earnings forgone), weighed like a "
          "price: utility - price_sensitivity x cost x expected wait / 1000")
      .source("assumption (scenario: earnings at destination less earnings at home)");
  t.after_read([](P& p) { p.choice.home_wait_given = true; });
  t.share("give_up_after_interception", &P::give_up_after_interception)
      .noun("a probability")
      .about("intercepted people who go home instead of trying again")
      .source("fitted (0.5)");
  t.share("give_up_per_day", &P::give_up_per_day)
      .noun("a probability")
      .unit("1/day")
      .about("waiting people who go home, per day")
      .source("assumption");
  t.share("debt_share", &P::debt_share)
      .noun("a probability")
      .about("of those who cannot pay, the share who borrow (smugglers only)")
      .source("assumption");
  t.share("recorded_death_share", &P::recorded_death_share)
      .noun("a probability")
      .about("share of deaths that data sources record")
      .source("assumption");
  t.places("crossing_points", &P::crossing_points)
      .shown_default("none")
      .about(
          "places where every traveller of the run (whatever drove its move) who holds no permit and is "
          "heading for another country chooses among the services leaving the place")
      .source("scenario");
  t.given("information", &P::informed);
  auto info = [](auto m) { return [m](P& p) -> double& { return p.information.*m; }; };
  using I = SmugglingParams::Information;
  t.number("information.prior_factor", info(&I::prior_factor))
      .range(0, 100)
      .noun("a factor")
      .about(
          "first impression of every risk: the true rate at the start times this (below 1: underestimated)")
      .source("assumption");
  t.number("information.prior_trips", info(&I::prior_trips))
      .range(1, 1e9)
      .unit("trips")
      .about("weight of the first impression, in trips heard of")
      .source("assumption");
  t.share("information.news_share", info(&I::news_share))
      .about("share of trips, and of their outcomes, that people of the same nationality hear of")
      .source("assumption");
  t.number("information.memory_days", info(&I::memory_days))
      .range(1, 1e6)
      .unit("days")
      .about("time scale on which beliefs fade (what was heard counts exp(-days / memory_days))")
      .source("assumption");
  t.records<SmugglingParams::Campaign>(
       "information.campaigns",
       [](P& p) -> std::vector<SmugglingParams::Campaign>& { return p.information.campaigns; },
       campaign_table())
      .about("dated information campaigns (see the information campaign rows)")
      .source("scenario (policy)");
  demography_entries(t, &P::demography, mover_demography_source);
  t.derive("enforcement targets name services, or a place that services leave",
           [](P& p, const ParamContext& ctx) {
             check_unique_names(p);  // before the names are looked up
             const World& w = ctx.world;
             p.country_codes.clear();
             for (const auto& c : w.countries()) p.country_codes.push_back(c.code);
             p.edge_names = w.route_names();
             p.place_names.clear();
             for (const auto& place : w.places()) p.place_names.push_back(place.name);
             for (std::size_t i = 0; i < p.enforcement.size(); ++i) {
               auto& e = p.enforcement[i];
               const std::string at = "[" + std::to_string(i) + "]";
               e.services = target_services(p, e.service_names, e.place, w, "enforcement", at);
               e.demand.clear();
               for (std::size_t k = 0; k < p.demand.size() && e.place >= 0; ++k)
                 if (p.demand[k].place == e.place) e.demand.push_back(k);
             }
             for (std::size_t i = 0; i < p.information.campaigns.size(); ++i) {
               auto& c = p.information.campaigns[i];
               if (c.name.empty()) c.name = "campaign";
               c.services = target_services(p, c.service_names, c.place, w, "information.campaigns",
                                            "[" + std::to_string(i) + "]");
             }
           });
  t.rule("service names are unique", [](const P& p, const ParamContext&) { check_unique_names(p); });
  t.rule("after each enforcement change, interception + death + abandonment of its services stay at most 1",
         [](const P& p, const ParamContext&) {
           std::vector<std::size_t> order(p.enforcement.size());
           std::iota(order.begin(), order.end(), std::size_t{0});
           std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
             return p.enforcement[a].day < p.enforcement[b].day;
           });
           std::vector<double> interception, death;
           for (const auto& s : p.services) interception.push_back(s.interception), death.push_back(s.death);
           for (std::size_t i : order) {
             const auto& e = p.enforcement[i];
             for (std::size_t k : e.services) {
               if (k >= p.services.size()) continue;
               if (e.interception != -1) interception[k] = e.interception;
               if (e.death != -1) death[k] = e.death;
               const double sum = interception[k] + death[k] + p.services[k].abandonment;
               const bool shares = interception[k] <= 1 && death[k] <= 1;  // else their own checks say so
               if (shares && sum > 1 + 1e-12)
                 throw ParamProblem("enforcement[" + std::to_string(i) + "]",
                                    "service '" + p.services[k].name + "' would have interception " +
                                        format_number(interception[k]) + " + death " +
                                        format_number(death[k]) + " + abandonment " +
                                        format_number(p.services[k].abandonment) + " = " +
                                        format_number(sum) + ", expected at most 1");
             }
           }
         });
  t.rule("some service leaves each crossing point", [](const P& p, const ParamContext& ctx) {
    for (place_id at : p.crossing_points) {
      bool served = false;
      for (const auto& s : p.services) served = served || (!s.path.empty() && s.from() == at);
      if (!served)
        throw ParamProblem("crossing_points", "got '" +
                                                  ctx.world.places()[static_cast<std::size_t>(at)].name +
                                                  "', expected a place that a service leaves");
    }
  });
  t.rule("a pathway applied for from home leaves a crossing point and its home wait has a cost",
         [](const P& p, const ParamContext& ctx) {
           for (std::size_t k = 0; k < p.services.size(); ++k) {
             const auto& s = p.services[k];
             if (!s.from_home || s.path.empty()) continue;
             if (std::find(p.crossing_points.begin(), p.crossing_points.end(), s.from()) ==
                 p.crossing_points.end())
               throw ParamProblem("services",
                                  "[" + std::to_string(k) + "] '" + s.name + "': from '" +
                                      ctx.world.places()[static_cast<std::size_t>(s.from())].name +
                                      "' is not a crossing point, expected one of crossing_points (a pathway "
                                      "applied for from home is the regular way across there)");
             if (!p.choice.home_wait_given)
               throw ParamProblem(
                   "choice.home_wait_cost_usd_per_day",
                   "missing key (needed by '" + s.name + "', a pathway applied for from home)");
           }
         });
  t.rule("some departure demand or crossing point", [](const P& p, const ParamContext&) {
    if (p.demand.empty() && p.crossing_points.empty())
      throw ParamProblem(
          "", "give departure demand, crossing points or both: otherwise no one uses the services");
  });
  t.rule("one demand entry per departure place, and some service leaves it",
         [](const P& p, const ParamContext& ctx) {
           for (std::size_t i = 0; i < p.demand.size(); ++i) {
             const place_id at = p.demand[i].place;
             const std::string where = "[" + std::to_string(i) + "].place '" +
                                       (at >= 0 && at < ctx.world.place_count()
                                            ? ctx.world.places()[static_cast<std::size_t>(at)].name
                                            : std::to_string(at)) +
                                       "'";
             for (std::size_t j = 0; j < i; ++j)
               if (p.demand[j].place == at)
                 throw ParamProblem("demand", where + ": one demand entry per departure place");
             bool served = false;
             for (const auto& s : p.services) served = served || (!s.path.empty() && s.from() == at);
             if (!served) throw ParamProblem("demand", where + ": no service leaves this place");
           }
         });
  return t;
}

}  // namespace

const ParamTableOf<SmugglingParams>& SmugglingParams::table() {
  static const ParamTableOf<SmugglingParams> t = make_table();
  return t;
}

void SmugglingParams::validate(const World& world, std::int32_t days) const {
  // Ranges and the rules across keys: the table's.
  check_params(table(), this, ParamContext{world, days}, "behaviour.smuggling");
  // Internal consistency (what the table's derivations set).
  if (country_codes.size() != world.countries().size() ||
      edge_names.size() != static_cast<std::size_t>(world.route_count()))
    throw InternalError("smuggling: country codes or edge names not set");
  if (choice.ends_journeys() && place_names.size() != world.places().size())
    throw InternalError("smuggling: place names not set");
  if (services.size() >= no_service) throw InputError("behaviour.smuggling.services: at most 254 services");
  for (std::size_t i = 0; i < services.size(); ++i) {
    const auto& s = services[i];
    const std::string n = "behaviour.smuggling.services[" + std::to_string(i) + "]";
    if (s.path.size() < 2 || s.legs.size() + 1 != s.path.size() || s.risk_leg >= s.legs.size())
      throw InternalError(n + ": bad path");
    for (std::size_t j = 0; j < s.legs.size(); ++j)
      if (s.legs[j] < 0 || world.find_route(s.path[j], s.path[j + 1]) != s.legs[j])
        throw InternalError(n + ": bad leg");
  }
  for (std::size_t i = 0; i < enforcement.size(); ++i) {
    const auto& e = enforcement[i];
    for (std::size_t k : e.services)
      if (k >= services.size()) throw InternalError("enforcement on an unknown service");
    for (std::size_t k : e.demand)
      if (k >= demand.size()) throw InternalError("enforcement on an unknown demand entry");
    // The changes themselves (the table checks the values as read, before they become the changes).
    const std::string n = "behaviour.smuggling.enforcement[" + std::to_string(i) + "]";
    if (e.interception != -1) check_probability(n + ".interception", e.interception);
    if (e.death != -1) check_probability(n + ".death", e.death);
    if (e.removal != -1) check_probability(n + ".removal", e.removal);
    if (e.seats != -1 && !(e.seats >= 0)) throw InputError(n + ".seats must be >= 0");
  }
}

SmugglingModel::SmugglingModel(SmugglingParams params) : params_(std::move(params)) {}

void SmugglingModel::attach(StepContext& ctx) {
  pop_ = &ctx.population();
  world_ = &ctx.world();
}

void SmugglingModel::on_start(StepContext& ctx) {
  const World& world = ctx.world();
  params_.validate(world, ctx.days());
  const std::size_t ns = params_.services.size();
  seats_.resize(ns);
  price_.resize(ns);
  interception_.resize(ns);
  death_.resize(ns);
  removal_.resize(ns);
  wait_days_.assign(ns, 0.0);
  excess_days_.assign(ns, 0);
  margin_days_.assign(ns, 0);
  operators_.assign(ns, 0);
  requests_.assign(ns, -1);  // no demand observed yet: the first day's price is the base price
  demand_factor_.assign(params_.demand.size(), 1.0);
  options_at_.assign(static_cast<std::size_t>(world.place_count()), {});
  demand_at_.assign(static_cast<std::size_t>(world.place_count()), -1);
  for (std::size_t k = 0; k < ns; ++k) {
    const auto& s = params_.services[k];
    seats_[k] = s.seats_per_day;
    price_[k] = s.kind == Kind::alone ? 0.0 : s.base_price_usd;
    interception_[k] = s.interception;
    death_[k] = s.death;
    removal_[k] = s.removal;
    options_at_[static_cast<std::size_t>(s.from())].push_back(static_cast<std::uint8_t>(k));
  }
  for (std::size_t k = 0; k < params_.demand.size(); ++k)
    demand_at_[static_cast<std::size_t>(params_.demand[k].place)] = static_cast<std::int32_t>(k);
  // Pathways applied for from home: offered at every place of an eligible country other than the one
  // they lead to (to travellers standing there at their place of origin).
  const auto& places = world.places();
  crossing_point_.assign(places.size(), 0);
  for (place_id q : params_.crossing_points) crossing_point_[static_cast<std::size_t>(q)] = 1;
  home_options_.assign(places.size(), {});
  for (std::size_t k = 0; k < ns; ++k) {
    const auto& s = params_.services[k];
    if (!s.from_home) continue;
    const country_id to = places[static_cast<std::size_t>(s.to())].country;
    for (std::size_t q = 0; q < places.size(); ++q) {
      const country_id c = places[q].country;
      if (c != to && (s.nationalities.empty() ||
                      std::find(s.nationalities.begin(), s.nationalities.end(), c) != s.nationalities.end()))
        home_options_[q].push_back(static_cast<std::uint8_t>(k));
    }
  }
  home_choices_.assign(any_from_home() ? ns * home_choice_count : 0, 0);
  // The crossing market: who may use which service, the countries of places, today's open options.
  countries_ = world.countries().size();
  value_countries_ = countries_;
  values_.assign(countries_ * countries_, std::numeric_limits<double>::quiet_NaN());
  shares_ = params_.demography.by_country(countries_);
  nationality_ok_.clear();
  bool any_restricted = false;
  for (const auto& s : params_.services) any_restricted = any_restricted || !s.nationalities.empty();
  if (any_restricted) {
    nationality_ok_.assign(ns * countries_, 0);
    for (std::size_t k = 0; k < ns; ++k) {
      const auto& list = params_.services[k].nationalities;
      for (std::size_t c = 0; c < countries_; ++c)
        nationality_ok_[k * countries_ + c] =
            list.empty() || std::find(list.begin(), list.end(), static_cast<country_id>(c)) != list.end();
    }
  }
  open_.assign(ns, 0);
  places_.assign(static_cast<std::size_t>(world.place_count()), 0);
  today_.assign(ns * quantity_count, 0);
  incidents_.assign(static_cast<std::size_t>(world.route_count()) * incident_count, 0);
  deaths_edge_.assign(static_cast<std::size_t>(world.route_count()), 0);
  recorded_edge_.assign(deaths_edge_.size(), 0);
  trafficked_.assign(world.countries().size(), 0);
  // Beliefs: the first impression of every risk, weighted as prior_trips trips heard of.
  heard_.clear();
  news_.clear();
  if (params_.informed) {
    const auto& info = params_.information;
    heard_.assign(ns * countries_ * (risk_count + 1), 0.0);
    news_.assign(heard_.size(), 0);
    for (std::size_t k = 0; k < ns; ++k)
      for (std::size_t c = 0; c < countries_; ++c) {
        double* h = &heard_[(k * countries_ + c) * (risk_count + 1)];
        h[0] = info.prior_trips;
        for (std::size_t r = 0; r < risk_count; ++r)
          h[1 + r] = info.prior_factor * true_rate(k, r) * info.prior_trips;
      }
  }
  ended_.assign(
      params_.choice.ends_journeys() ? static_cast<std::size_t>(world.place_count()) * end_choice_count : 0,
      0);
}

void SmugglingModel::update_beliefs(std::int32_t day) {
  const auto& info = params_.information;
  const double fade = std::exp(-1.0 / info.memory_days);
  const std::size_t ns = params_.services.size(), w = risk_count + 1;
  for (std::size_t k = 0; k < ns; ++k)
    for (std::size_t c = 0; c < countries_; ++c) {
      const std::size_t at = (k * countries_ + c) * w;
      double reach = 0;  // campaigns in force that speak of service k and reach nationality c
      for (const auto& m : info.campaigns)
        if (day >= m.from_day && day <= m.to_day &&
            std::find(m.services.begin(), m.services.end(), k) != m.services.end() &&
            (m.nationalities.empty() || std::find(m.nationalities.begin(), m.nationalities.end(),
                                                  static_cast<country_id>(c)) != m.nationalities.end()))
          reach += m.trips_per_day;
      heard_[at] = fade * heard_[at] + info.news_share * static_cast<double>(news_[at]) + reach;
      for (std::size_t r = 0; r < risk_count; ++r)
        heard_[at + 1 + r] = fade * heard_[at + 1 + r] +
                             info.news_share * static_cast<double>(news_[at + 1 + r]) +
                             reach * true_rate(k, r);
    }
  std::fill(news_.begin(), news_.end(), 0);
}

void SmugglingModel::spawn_counts(StepContext& ctx, std::vector<std::int64_t>& per_place) {
  for (std::size_t k = 0; k < params_.demand.size(); ++k) {
    const auto& d = params_.demand[k];
    per_place[static_cast<std::size_t>(d.place)] += ctx.rng().poisson(
        value_on(d.per_day, ctx.day(), 0.0) * demand_factor_[k], k, ctx.day(), smuggling_purpose::demand);
  }
}

void SmugglingModel::declare(Declarations& declared) {
  declared.purposes(56, 5);
  declared.purposes(static_cast<std::uint32_t>(smuggling_purpose::demography), 1);
  resources_ = declared.add<float>(resources_column());
  service_ = declared.add<std::uint8_t>({"service", "smuggling service chosen today; 255 none", no_service});
  holds_permit_ = declared.flag(holds_permit_flag());
  in_debt_ = declared.flag({"in_debt", "paid a smuggler with borrowed money"});
  ways_ = declare_crossing_options(declared);
  if (!params_.crossing_points.empty()) declared.crossing_market(this);
  removals_ = false;
  for (const auto& s : params_.services) removals_ = removals_ || s.removal > 0;
  for (const auto& e : params_.enforcement) removals_ = removals_ || e.removal > 0;
  if (removals_)
    removed_on_ = declared.add<std::int16_t>(
        {"removed_on", "day of the last removal after an interception; -32768 never", min_stored_day});
}

bool SmugglingModel::takes(std::size_t i, place_id p, std::uint8_t flags) const {
  if (flags & holds_permit_.mask) return false;  // crosses with the permit
  const Population& pop = *pop_;
  const place_id d = pop.destination[i];
  if (d < 0 || d == p) return false;
  const auto& places = world_->places();
  const country_id to = places[static_cast<std::size_t>(d)].country;
  if (to == places[static_cast<std::size_t>(p)].country) return false;  // not leaving the country
  // An option into the country it heads for (a smuggler into another country is no way there).
  for (std::uint8_t k : options_at_[static_cast<std::size_t>(p)]) {
    const auto& s = params_.services[k];
    if (!s.from_home && places[static_cast<std::size_t>(s.to())].country == to &&
        open_to(k, pop.nationality[i]) && !barred(k, pop, i, today_day_))
      return true;
  }
  // At home: a pathway applied for from home to the country it heads for (asked once: who chose to set
  // off is not asked again).
  if (p != pop.origin[i] || pop[service_][i] == set_off_from_home) return false;
  for (std::uint8_t k : home_options_[static_cast<std::size_t>(p)])
    if (places[static_cast<std::size_t>(params_.services[k].to())].country == to &&
        open_to(k, pop.nationality[i]) && !barred(k, pop, i, today_day_))
      return true;
  return false;
}

void SmugglingModel::init_agents(StepContext& ctx, std::size_t first, std::size_t last) {
  Population& pop = ctx.population();
  const std::int32_t day = ctx.day();
  for (std::size_t i = first; i < last; ++i) active_.push_back(i);
  ctx.parallel_for(first, last, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      const place_id at = pop.place[i];
      const auto& d = params_.demand[static_cast<std::size_t>(demand_at_[static_cast<std::size_t>(at)])];
      pop.reset(i, at, day);
      pop.origin[i] = d.origin;
      const auto demo = ctx.rng().words(i, day, smuggling_purpose::demography);
      Demography::draw(
          shares_[static_cast<std::size_t>(ctx.world().places()[static_cast<std::size_t>(d.origin)].country)],
          KeyedRng::to_unit(demo.v[0]), KeyedRng::to_unit(demo.v[1]), pop.sex[i], pop.age_band[i]);
      // Savings, plus help from family or the diaspora for some.
      double money = d.resources_median_usd *
                     std::exp(d.resources_sigma * ctx.rng().normal(i, day, smuggling_purpose::resources));
      if (d.help_share > 0) {
        const auto w = ctx.rng().words(i, day, smuggling_purpose::resources, 1);
        if (KeyedRng::to_unit(w.v[2]) < d.help_share)
          money += d.help_median_usd *
                   std::exp(d.resources_sigma * ctx.rng().normal(i, day, smuggling_purpose::resources, 1));
      }
      pop[resources_][i] = static_cast<float>(money);
    }
  });
}

namespace {
bool same_change(const SmugglingParams::Enforcement& a, const SmugglingParams::Enforcement& b) {
  return a.name == b.name && a.day == b.day && a.services == b.services && a.demand == b.demand &&
         a.interception == b.interception && a.death == b.death && a.removal == b.removal &&
         a.capacity_factor == b.capacity_factor && a.seats == b.seats && a.demand_factor == b.demand_factor;
}
}  // namespace

void SmugglingModel::change_params(StepContext& ctx, const void* params) {
  SmugglingParams p = *static_cast<const SmugglingParams*>(params);
  p.validate(ctx.world(), ctx.days());
  const std::int32_t today = ctx.day();
  for (std::size_t i = 0; i < p.enforcement.size(); ++i) {
    const auto& e = p.enforcement[i];
    const std::string at = "behaviour.smuggling.enforcement[" + std::to_string(i) + "]";
    // Changes dated before the next day would never act: only those the run already had may stay.
    if (e.day < today && (i >= params_.enforcement.size() || !same_change(e, params_.enforcement[i])))
      throw InputError(at + " ('" + e.name + "'): dated day " + std::to_string(e.day) +
                       ", expected a date on or after the next day to run (day " + std::to_string(today) +
                       ")");
    if (e.removal > 0 && !removals_)
      throw InputError(
          at + " ('" + e.name +
          "'): a removal share mid-run needs removals in the scenario from the start (a service's "
          "or an enforcement change's removal), which declare the agents' removal day");
  }
  params_.enforcement = std::move(p.enforcement);
}

void SmugglingModel::apply_enforcement(std::int32_t day) {
  for (const auto& e : params_.enforcement) {
    if (e.day != day) continue;
    for (std::size_t k : e.services) {
      if (e.interception != -1) interception_[k] = e.interception;
      if (e.death != -1) death_[k] = e.death;
      if (e.removal != -1) removal_[k] = e.removal;
      if (e.seats != -1) seats_[k] = e.seats;
      seats_[k] *= e.capacity_factor;
    }
    for (std::size_t k : e.demand) demand_factor_[k] *= e.demand_factor;
  }
}

// The market of service k before today's choices, from yesterday's demand (requests_).
void SmugglingModel::update_market(std::size_t k) {
  const auto& s = params_.services[k];
  if (s.kind == Kind::alone) {
    price_[k] = 0;
    return;
  }
  if (s.kind == Kind::pathway) {
    price_[k] = s.base_price_usd;  // a fixed fee; seats are the quota
    return;
  }
  const std::int64_t asked = requests_[k];
  if (asked >= 0 && static_cast<double>(asked) > seats_[k]) {
    if (++excess_days_[k] >= s.growth_lag_days) seats_[k] *= 1 + s.capacity_growth;
  } else {
    excess_days_[k] = 0;
  }
  double pressure = 1.0;
  if (asked >= 0) pressure = seats_[k] > 0 ? std::max(0.1, static_cast<double>(asked) / seats_[k]) : 10.0;
  price_[k] = s.base_price_usd * std::pow(std::min(pressure, 10.0), s.price_elasticity) *
              (1 + s.risk_premium * interception_[k]);
  // Entry: a new operator brings `entry_seats` once the margin has stayed high for `entry_lag_days`.
  if (s.operating_cost_usd > 0 && price_[k] > 0 &&
      (price_[k] - s.operating_cost_usd) / price_[k] > s.entry_margin && asked > 0) {
    if (++margin_days_[k] >= s.entry_lag_days) {
      seats_[k] += s.entry_seats;
      ++operators_[k];
      margin_days_[k] = 0;
    }
  } else {
    margin_days_[k] = 0;
  }
}

void SmugglingModel::decide(StepContext& ctx) {
  Population& pop = ctx.population();
  const std::int32_t day = ctx.day();
  const std::uint8_t me = ctx.model_index();
  const std::size_t ns = params_.services.size();
  apply_enforcement(day);
  if (params_.informed) update_beliefs(day);
  std::fill(today_.begin(), today_.end(), 0);
  std::fill(ended_.begin(), ended_.end(), 0);
  std::fill(home_choices_.begin(), home_choices_.end(), 0);
  value_sum_.assign(values_wanted_ ? countries_ * countries_ : 0, 0);
  value_n_.assign(value_sum_.size(), 0);
  std::vector<double> base_utility(ns);
  const RouteState& routes = ctx.route_state();
  for (std::size_t k = 0; k < ns; ++k) {
    update_market(k);
    const auto& s = params_.services[k];
    bool runs = s.kind == Kind::alone || seats_[k] >= 1;
    if (!s.runs_when_closed)
      for (route_id r : s.legs) runs = runs && routes.open[static_cast<std::size_t>(r)] != 0;
    open_[k] = runs;
    // Without information the risks are the true ones; with it, each nationality's beliefs (below).
    base_utility[k] =
        -params_.choice.price_sensitivity * price_[k] / 1000.0 -
        (params_.informed ? 0.0
                          : params_.choice.risk_aversion * (death_[k] + interception_[k] + s.abandonment)) -
        (s.kind == Kind::alone ? params_.choice.alone_penalty : 0.0);
    today_[k * quantity_count + seats] =
        s.kind == Kind::alone ? 0 : static_cast<std::int64_t>(std::max(0.0, seats_[k]));
    today_[k * quantity_count + price_usd] = std::llround(price_[k]);
    today_[k * quantity_count + operators] = operators_[k];
    // The expected wait for a seat: yesterday's demand beyond the seats, per seat (a pathway's queue).
    wait_days_[k] = s.kind == Kind::alone || requests_[k] < 0 || !(seats_[k] >= 1)
                        ? 0.0
                        : std::max(0.0, static_cast<double>(requests_[k]) - seats_[k]) / seats_[k];
  }
  // Beliefs of each nationality about each service today: the risk term of the utility, and the
  // interception rate (for the removal term).
  std::vector<double> believed_cost, believed_stop;
  if (params_.informed) {
    believed_cost.resize(ns * countries_);
    believed_stop.resize(ns * countries_);
    for (std::size_t k = 0; k < ns; ++k)
      for (std::size_t c = 0; c < countries_; ++c) {
        const auto n = static_cast<std::int16_t>(c);
        believed_stop[k * countries_ + c] = believed(k, n, risk_interception);
        believed_cost[k * countries_ + c] =
            params_.choice.risk_aversion * (believed(k, n, risk_death) + believed_stop[k * countries_ + c] +
                                            believed(k, n, risk_abandonment));
      }
  }
  today_day_ = day;
  const double removal_aversion = params_.choice.removal_aversion;
  const double wait_aversion = params_.choice.wait_aversion;
  // Each waiting person picks the best option it can afford (logit by keyed Gumbel draws) and asks for a
  // seat; the best keyed priorities get the seats.
  // Only the model's own agents who still wait are visited (active_, kept in id order).
  active_.erase(std::remove_if(active_.begin(), active_.end(),
                               [&](std::uint64_t i) {
                                 return pop.driver[i] != me || (pop.flags[i] & agent_flag::settled) ||
                                        (pop.legal_status[i] != LegalStatus::in_transit &&
                                         pop.legal_status[i] != LegalStatus::applicant) ||
                                        pop.arc[i] >= 0;
                               }),
                active_.end());
  // The crossing market's places today: crossing points with an open option. The travellers of other
  // drivers it holds (taken there by the movement routine) are found by a scan, in id order.
  std::vector<std::uint64_t> merged;
  if (!params_.crossing_points.empty()) {
    std::fill(places_.begin(), places_.end(), 0);
    for (place_id q : params_.crossing_points)
      for (std::uint8_t k : options_at_[static_cast<std::size_t>(q)])
        if (!params_.services[k].from_home) places_[static_cast<std::size_t>(q)] |= open_[k];
    for (std::size_t q = 0; q < home_options_.size(); ++q)
      for (std::uint8_t k : home_options_[q]) places_[q] |= open_[k];
    held_.clear();
    std::mutex found;
    ctx.parallel_for(0, pop.size(), [&](std::size_t b, std::size_t e) {
      std::vector<std::uint64_t> local;
      for (std::size_t i = b; i < e; ++i)
        if (pop.driver[i] & journey::at_crossing) local.push_back(i);
      if (local.empty()) return;
      std::lock_guard<std::mutex> lock(found);
      held_.insert(held_.end(), local.begin(), local.end());
    });
    std::sort(held_.begin(), held_.end());
    merged.resize(active_.size() + held_.size());
    std::merge(active_.begin(), active_.end(), held_.begin(), held_.end(), merged.begin());
  }
  const std::vector<std::uint64_t>& waiting = params_.crossing_points.empty() ? active_ : merged;
  // The deterministic part of option k's utility for agent i of this nationality (docs/models/
  // smuggling.md, "Choice"); `bars` is 1 when a removal would bar it from a pathway open to it there.
  auto utility = [&](std::size_t k, std::int16_t nationality, double bars) {
    double u = base_utility[k];
    // The risks as this person's nationality believes them (the true ones without information).
    double stop_rate = interception_[k];
    if (params_.informed && nationality >= 0) {
      const std::size_t at = k * countries_ + static_cast<std::size_t>(nationality);
      u -= believed_cost[at];
      stop_rate = believed_stop[at];
    }
    if (removal_aversion > 0) u -= removal_aversion * stop_rate * removal_[k] * (1 + bars);
    if (wait_aversion > 0) u -= wait_aversion * wait_days_[k];
    return u;
  };
  // Would a removal bar agent i from a pathway open to it at place q (applied for there or from home)?
  auto bars_at = [&](place_id q, const Population& people, std::size_t i) {
    if (removal_aversion > 0)
      for (std::uint8_t k : options_at_[static_cast<std::size_t>(q)])
        if (params_.services[k].bar_after_removal_days > 0 && open_to(k, people.nationality[i]) &&
            !barred(k, people, i, day))
          return 1.0;
    return 0.0;
  };
  // Is option k at a crossing point offered to agent i of this nationality today (not applied for from
  // home, open to it, no bar), and could it pay (savings, or a debt for a smuggler)? The choice there and
  // the "set off" nest of the choice at home take the same options.
  auto offered = [&](std::size_t k, std::int16_t nationality, std::size_t i) {
    return !params_.services[k].from_home && open_to(k, nationality) && !barred(k, pop, i, day);
  };
  auto affordable = [&](std::size_t k, double money, bool may_borrow) {
    return !(money < price_[k]) || (params_.services[k].kind == Kind::smuggler && may_borrow);
  };
  const auto& places = ctx.world().places();
  auto country_of = [&](place_id q) { return places[static_cast<std::size_t>(q)].country; };
  // Gumbel draws of the choice at home: `home_draws` setting off, then one per pathway (apart from the
  // draws at a crossing point, one per option there and four more).
  constexpr std::size_t home_draws = 128;
  std::vector<ResourceRequest> requests;
  std::mutex merge;
  ctx.parallel_for(0, waiting.size(), [&](std::size_t b, std::size_t e) {
    std::vector<ResourceRequest> local;
    // This sub-range's counts of the journey endings and of the choices at home (summed below).
    std::vector<std::int64_t> ended(ended_.size(), 0), home_chosen(home_choices_.size(), 0);
    std::vector<std::int64_t> value_sum(value_sum_.size(), 0), value_n(value_n_.size(), 0);
    for (std::size_t a = b; a < e; ++a) {
      const std::uint64_t i = waiting[a];
      const bool held = pop.driver[i] & journey::at_crossing;
      const auto& options = options_at_[static_cast<std::size_t>(pop.place[i])];
      const std::uint8_t queued = pop[service_][i];  // a pathway applied for, still in its queue
      pop[service_][i] = no_service;
      const bool applicant = pop.legal_status[i] == LegalStatus::applicant;
      if (applicant) pop.legal_status[i] = LegalStatus::in_transit;  // unless it stays in the queue below
      auto gumbel = [&](std::size_t q) {
        return -std::log(
            -std::log(ctx.rng().uniform(i, day, smuggling_purpose::choice, static_cast<std::uint32_t>(q))));
      };
      if (held && !crossing_point_[static_cast<std::size_t>(pop.place[i])]) {
        // At home, held for a pathway applied for from home: applicants keep their place in its queue
        // while it is open to them; the others choose between applying and setting off.
        const std::int16_t nationality = pop.nationality[i];
        const auto w = ctx.rng().words(i, day, smuggling_purpose::seat);
        if (applicant && queued != no_service && open_to(queued, nationality) &&
            !barred(queued, pop, i, day)) {
          pop.legal_status[i] = LegalStatus::applicant;
          pop[service_][i] = queued;
          local.push_back({queued, queue_priority(pop.status_since[i], w.v[0]), i});
          continue;
        }
        const country_id to = country_of(pop.destination[i]);
        const double money = static_cast<double>(pop[resources_][i]);
        const double wait_cost =
            params_.choice.price_sensitivity * params_.choice.home_wait_cost_usd_per_day / 1000.0;
        const auto& home = home_options_[static_cast<std::size_t>(pop.place[i])];
        int best = -1;
        double best_u = -std::numeric_limits<double>::infinity();
        std::vector<place_id> crossings_ahead;  // the crossing points of the pathways open to it
        for (std::size_t q = 0; q < home.size(); ++q) {
          const std::size_t k = home[q];
          if (country_of(params_.services[k].to()) != to || !open_to(k, nationality) ||
              barred(k, pop, i, day))
            continue;
          const place_id x = params_.services[k].from();
          if (std::find(crossings_ahead.begin(), crossings_ahead.end(), x) == crossings_ahead.end())
            crossings_ahead.push_back(x);
          if (money < price_[k]) continue;  // a pathway's fee is paid from savings
          const double u = base_utility[k] - wait_cost * wait_days_[k] + gumbel(home_draws + 1 + q);
          if (u > best_u) best = static_cast<int>(k), best_u = u;
        }
        // Setting off: the options met at the crossing point(s) ahead, as one nest of the logit (the
        // log of the sum of their exp(utility), those it could pay for).
        const bool may_borrow = KeyedRng::to_unit(w.v[1]) < params_.debt_share;
        double sum = 0;
        for (place_id x : crossings_ahead) {
          const double bars = bars_at(x, pop, i);
          for (std::uint8_t k : options_at_[static_cast<std::size_t>(x)])
            if (offered(k, nationality, i) && affordable(k, money, may_borrow))
              sum += std::exp(utility(k, nationality, bars));
        }
        const double set_off_u =
            sum > 0 ? std::log(sum) + gumbel(home_draws) : -std::numeric_limits<double>::infinity();
        if (best < 0 || set_off_u > best_u) {  // sets off: its driver takes it on
          if (best >= 0) ++home_chosen[static_cast<std::size_t>(best) * home_choice_count + set_off];
          pop[service_][i] = set_off_from_home;
          release(pop, i);
          continue;
        }
        ++home_chosen[static_cast<std::size_t>(best) * home_choice_count + applied];
        pop[service_][i] = static_cast<std::uint8_t>(best);
        pop.legal_status[i] = LegalStatus::applicant;
        pop.status_since[i] = store_day(day);
        local.push_back({best, queue_priority(pop.status_since[i], w.v[0]), i});
        continue;
      }
      if (options.empty()) {
        if (held) release(pop, i);
        continue;
      }
      const auto w = ctx.rng().words(i, day, smuggling_purpose::seat);
      // Goes home (gives up, or chooses to go back): the journey ends in the place of origin.
      auto go_home = [&]() {
        if (!ended.empty()) ++ended[static_cast<std::size_t>(pop.place[i]) * end_choice_count + went_back];
        pop.legal_status[i] = LegalStatus::returned;
        pop.status_since[i] = store_day(day);
        pop.place[i] = pop.origin[i];
        pop.flags[i] |= agent_flag::settled;
        if (held) release(pop, i);
      };
      if (params_.give_up_per_day > 0 && KeyedRng::to_unit(w.v[2]) < params_.give_up_per_day) {
        go_home();
        continue;
      }
      // Applicants keep their place in a pathway's queue, first come first served, while it is open to
      // them: they do not choose again.
      if (applicant && queued != no_service && open_to(queued, pop.nationality[i]) &&
          !barred(queued, pop, i, day)) {
        pop.legal_status[i] = LegalStatus::applicant;
        pop[service_][i] = queued;
        local.push_back({queued, queue_priority(pop.status_since[i], w.v[0]), i});
        continue;
      }
      const bool may_borrow = KeyedRng::to_unit(w.v[1]) < params_.debt_share;
      const double money = static_cast<double>(pop[resources_][i]);
      const auto& choice = params_.choice;
      const bool draws = options.size() > 1 || choice.can_wait || choice.ends_journeys();
      int best = -1;
      bool any_open = false;
      double best_u = -std::numeric_limits<double>::infinity();
      const std::int16_t nationality = pop.nationality[i];
      const double bars = bars_at(pop.place[i], pop, i);
      double exp_sum = 0;  // of the options it could pay for: the crossing value's log-sum
      for (std::size_t q = 0; q < options.size(); ++q) {
        const std::size_t k = options[q];
        if (!offered(k, nationality, i)) continue;  // closed, not for this person, or from home only
        any_open = true;
        if (!affordable(k, money, may_borrow)) continue;
        const double v = utility(k, nationality, bars);
        if (values_wanted_) exp_sum += std::exp(v);
        const double u = draws ? v + gumbel(q) : v;
        if (u > best_u) best = static_cast<int>(k), best_u = u;
      }
      if (!any_open) {  // nothing open to this traveller here today: its driver takes it on
        if (held) release(pop, i);
        continue;
      }
      if (exp_sum > 0 && nationality >= 0 && pop.destination[i] >= 0) {
        // The crossing value (CrossingMarket::crossing_value): summed in fixed point, so that the
        // day's mean does not depend on the order of the sub-ranges.
        const std::size_t at = static_cast<std::size_t>(country_of(pop.destination[i])) * countries_ +
                               static_cast<std::size_t>(nationality);
        value_sum[at] += std::llround(std::log(exp_sum) * value_scale);
        ++value_n[at];
      }
      // Ending the journey: going back home, or staying in this country (its own draws).
      EndChoice end = end_choice_count;
      if (choice.can_go_back) {
        const double u = choice.go_back_utility + gumbel(options.size() + 1);
        if (u > best_u) end = went_back, best_u = u;
      }
      if (choice.can_stay) {
        const double u = choice.stay_utility + gumbel(options.size() + 2);
        if (u > best_u) end = stayed, best_u = u;
      }
      // Another destination, for those whose driver draws one (not the market's own travellers).
      if (choice.can_look_elsewhere && held &&
          ctx.takes_other_destinations(journey::driver_of(pop.driver[i]))) {
        const double u = choice.another_destination_utility + gumbel(options.size() + 3);
        if (u > best_u) end = looked_elsewhere, best_u = u;
      }
      if (best < 0 && end == end_choice_count) continue;  // nothing affordable today: waits
      if (choice.can_wait && choice.wait_utility + gumbel(options.size()) > best_u)
        continue;  // waits by choice
      if (end == went_back) {
        go_home();
        continue;
      }
      if (end == looked_elsewhere) {  // its driver draws another destination in today's move
        ++ended[static_cast<std::size_t>(pop.place[i]) * end_choice_count + looked_elsewhere];
        pop.destination[i] = journey::away_from(pop.destination[i]);
        release(pop, i);
        continue;
      }
      if (end == stayed) {  // the journey ends here: this place is the destination
        ++ended[static_cast<std::size_t>(pop.place[i]) * end_choice_count + stayed];
        const bool national = country_of(pop.place[i]) == nationality;
        pop.destination[i] = pop.place[i];
        pop.legal_status[i] = national ? LegalStatus::regular : LegalStatus::irregular;
        pop.status_since[i] = store_day(day);
        pop.flags[i] =
            static_cast<std::uint8_t>((pop.flags[i] | agent_flag::settled) & ~agent_flag::stranded);
        if (held) release(pop, i);
        continue;
      }
      pop[service_][i] = static_cast<std::uint8_t>(best);
      if (params_.services[static_cast<std::size_t>(best)].kind == Kind::pathway) {
        // Applies: joins the pathway's queue today.
        pop.legal_status[i] = LegalStatus::applicant;
        pop.status_since[i] = store_day(day);
        local.push_back({best, queue_priority(pop.status_since[i], w.v[0]), i});
      } else {
        local.push_back({best, w.v[0], i});
      }
    }
    std::lock_guard<std::mutex> lock(merge);
    requests.insert(requests.end(), local.begin(), local.end());
    for (std::size_t j = 0; j < ended.size(); ++j) ended_[j] += ended[j];
    for (std::size_t j = 0; j < home_chosen.size(); ++j) home_choices_[j] += home_chosen[j];
    for (std::size_t j = 0; j < value_sum.size(); ++j)
      value_sum_[j] += value_sum[j], value_n_[j] += value_n[j];
  });
  std::fill(requests_.begin(), requests_.end(), 0);
  for (const auto& r : requests) ++requests_[static_cast<std::size_t>(r.resource)];
  for (std::size_t k = 0; k < ns; ++k) today_[k * quantity_count + demand] = requests_[k];
  admitted_.clear();
  admit_best(
      requests,
      [&](std::int32_t k) {
        const auto ks = static_cast<std::size_t>(k);
        if (params_.services[ks].kind == Kind::alone) return std::numeric_limits<std::size_t>::max();
        return static_cast<std::size_t>(std::max(0.0, seats_[ks]));
      },
      [&](std::uint64_t agent) { admitted_.push_back(agent); });
}

// The end of the day: today's choices at the crossing points give the crossing values read tomorrow
// (a pair nobody chose for keeps the last day's).
void SmugglingModel::update_status(StepContext&) {
  for (std::size_t j = 0; j < value_n_.size(); ++j)
    if (value_n_[j] > 0)
      values_[j] = static_cast<double>(value_sum_[j]) / static_cast<double>(value_n_[j]) / value_scale;
}

void SmugglingModel::move(StepContext& ctx) {
  Population& pop = ctx.population();
  const World& world = ctx.world();
  const std::int32_t day = ctx.day();
  std::fill(deaths_edge_.begin(), deaths_edge_.end(), 0);
  std::fill(recorded_edge_.begin(), recorded_edge_.end(), 0);
  std::fill(trafficked_.begin(), trafficked_.end(), 0);
  std::fill(incidents_.begin(), incidents_.end(), 0);
  auto& flow = ctx.local_flow();
  const CrossingCounter crossings = ctx.crossings();
  auto incident = [&](route_id r, Incident kind) {
    ++incidents_[static_cast<std::size_t>(r) * incident_count + kind];
  };
  // Few travellers a day: handled in admission order, each from its own keyed draws. A trip takes one day.
  for (std::uint64_t i : admitted_) {
    const std::uint8_t k = pop[service_][i];
    const auto& s = params_.services[k];
    std::int64_t* q = &today_[static_cast<std::size_t>(k) * quantity_count];
    const auto w = ctx.rng().words(i, day, smuggling_purpose::outcome);
    // Paid from savings when they suffice, else borrowed (only smugglers lend; see decide).
    if (static_cast<double>(pop[resources_][i]) >= price_[k])
      pop[resources_][i] = static_cast<float>(static_cast<double>(pop[resources_][i]) - price_[k]);
    else
      pop.flags[i] |= in_debt_.mask;
    const bool debt = pop.flags[i] & in_debt_.mask;
    // A traveller of another driver: handed back where the trip ends, and its driver settles it there.
    const bool held = pop.driver[i] & journey::at_crossing;
    ++q[seats_used];
    if (s.from_home) {  // a permit, at home: its driver takes it on, across with the permit
      ++q[arrivals];
      pop.flags[i] |= holds_permit_.mask;
      pop.legal_status[i] = LegalStatus::in_transit;
      pop.status_since[i] = store_day(day);
      release(pop, i);
      continue;
    }
    if (s.kind == Kind::smuggler) q[revenue_usd] += std::llround(price_[k]);
    const route_id risky = s.legs[s.risk_leg];
    const double u = KeyedRng::to_unit(w.v[0]);
    const bool dies = u < death_[k];
    const bool stopped = !dies && u < death_[k] + interception_[k];
    const bool left = !dies && !stopped && u < death_[k] + interception_[k] + s.abandonment;
    // News for the people of the same nationality: a trip, and how it ended.
    if (!news_.empty() && pop.nationality[i] >= 0) {
      std::int64_t* n =
          &news_[(k * countries_ + static_cast<std::size_t>(pop.nationality[i])) * (risk_count + 1)];
      ++n[0];
      if (dies) ++n[1 + risk_death];
      if (stopped) ++n[1 + risk_interception];
      if (left) ++n[1 + risk_abandonment];
    }
    // Legs travelled: all of them on arrival, up to the risky one otherwise (abandoned: before it).
    const std::size_t legs_done = (dies || stopped) ? s.risk_leg + 1 : left ? s.risk_leg : s.legs.size();
    for (std::size_t j = 0; j < legs_done; ++j) ++flow[static_cast<std::size_t>(s.legs[j])];
    // Border crossings (the counter skips legs inside a country): the legs completed, and the risky one
    // as an apprehension when intercepted there.
    const std::uint8_t way = s.kind == Kind::smuggler ? ways_.smuggler
                             : s.kind == Kind::alone  ? ways_.alone
                                                      : ways_.pathway;
    const std::int32_t nationality = pop.nationality[i];
    for (std::size_t j = 0; j < ((dies || stopped || left) ? s.risk_leg : s.legs.size()); ++j)
      crossings.add(s.legs[j], way, CrossingCounter::crossed, nationality);
    if (stopped) crossings.add(risky, way, CrossingCounter::apprehended, nationality);
    if (!dies && KeyedRng::to_unit(w.v[1]) < s.injury) {
      ++q[injured];
      incident(risky, injury_abuse);
    }
    if (dies) {
      pop.legal_status[i] = LegalStatus::dead;
      pop.status_since[i] = store_day(day);
      pop.flags[i] |= agent_flag::settled;
      ++q[deaths];
      incident(risky, death);
      ++deaths_edge_[static_cast<std::size_t>(risky)];
      // Recorded by data sources, or never: missing.
      if (KeyedRng::to_unit(w.v[2]) < params_.recorded_death_share)
        ++recorded_edge_[static_cast<std::size_t>(risky)];
      else
        pop.legal_status[i] = LegalStatus::missing;
      if (held) release(pop, i);
    } else if (stopped) {
      ++q[intercepted];
      incident(risky, interception);
      pop.place[i] = s.from();
      const double v = KeyedRng::to_unit(w.v[2]);
      if (v < s.detention) {  // held at the departure side; the legal-status model may release them
        pop.legal_status[i] = LegalStatus::detained;
        pop.status_since[i] = store_day(day);
        pop.flags[i] |= agent_flag::settled;
        if (held) release(pop, i);
      } else if (removals_ && KeyedRng::to_unit(w.v[3]) < removal_[k]) {
        // Removed: to a third country, where the person goes on (its driver, or the market there), or
        // home. Pathways that bar after a removal refuse it for their bar's length.
        ++q[removed];
        pop[removed_on_][i] = store_day(day);
        if (s.removal_to >= 0) {
          pop.place[i] = s.removal_to;
          if (held) {
            if (!places_[static_cast<std::size_t>(s.removal_to)]) release(pop, i);
          } else if (options_at_[static_cast<std::size_t>(s.removal_to)].empty()) {
            pop.flags[i] |= agent_flag::stranded | agent_flag::settled;
          }
        } else {
          pop.legal_status[i] = LegalStatus::returned;
          pop.status_since[i] = store_day(day);
          pop.place[i] = pop.origin[i];
          pop.flags[i] |= agent_flag::settled;
          if (held) release(pop, i);
        }
      } else if ((v - s.detention) / (1 - s.detention) < params_.give_up_after_interception) {
        pop.legal_status[i] = LegalStatus::returned;
        pop.status_since[i] = store_day(day);
        pop.place[i] = pop.origin[i];
        pop.flags[i] |= agent_flag::settled;
        if (held) release(pop, i);
      }  // else back in the market: chooses again tomorrow
    } else if (left) {
      // Left where the risky leg starts: the market there (if any) takes them tomorrow; with none they
      // are stranded.
      ++q[abandoned];
      incident(risky, abandonment);
      // A traveller of another driver stays in the market where there is one, else walks on.
      pop.place[i] = s.path[s.risk_leg];
      if (held) {
        if (!places_[static_cast<std::size_t>(pop.place[i])]) release(pop, i);
      } else if (options_at_[static_cast<std::size_t>(pop.place[i])].empty()) {
        pop.flags[i] |= agent_flag::stranded | agent_flag::settled;
      }
    } else {
      pop.place[i] = s.to();
      pop.entry_day[i] = store_day(day);
      ++q[arrivals];
      if (held) {
        release(pop, i);  // in transit still: its driver takes it on to its destination
        pop.legal_status[i] = LegalStatus::in_transit;  // (a pathway's applicant until now)
      } else {
        pop.status_since[i] = store_day(day);
        pop.flags[i] |= agent_flag::settled;
      }
      if (s.kind == Kind::pathway) {
        if (!held) pop.legal_status[i] = LegalStatus::regular;
        pop.flags[i] |= holds_permit_.mask;
      } else {
        if (!held) pop.legal_status[i] = LegalStatus::irregular;
        if (KeyedRng::to_unit(w.v[3]) < (debt ? s.trafficking_debt : s.trafficking))
          ++trafficked_[static_cast<std::size_t>(world.places()[static_cast<std::size_t>(s.to())].country)];
      }
    }
  }
}

void SmugglingModel::declare_series(std::vector<SeriesSpec>& out) const {
  std::vector<std::string> services, quantities, kinds;
  for (const auto& s : params_.services) services.push_back(s.name);
  for (const char* q : quantity_names) quantities.emplace_back(q);
  for (const char* q : incident_names) kinds.emplace_back(q);
  out.push_back({"smuggling",
                 "smuggling market and crossings per service and day (price and revenue in USD)",
                 "persons or USD",
                 {"service", "quantity"},
                 {services, quantities}});
  out.push_back(
      {"deaths", "deaths on each route during the day (all)", "persons", {"edge"}, {params_.edge_names}});
  out.push_back({"deaths_recorded",
                 "deaths on each route that data sources record",
                 "persons",
                 {"edge"},
                 {params_.edge_names}});
  out.push_back({"trafficking",
                 "arrivals who fall into exploitation, by destination country",
                 "persons",
                 {"country"},
                 {params_.country_codes}});
  out.push_back({"incidents",
                 "incidents on each route during the day, by kind",
                 "persons",
                 {"edge", "kind"},
                 {params_.edge_names, kinds}});
  if (params_.informed) {
    std::vector<std::string> risks{"death", "interception", "abandonment"};
    out.push_back({"perceived_risk",
                   "risk of each service as people of each nationality believe it, during the day",
                   "per 100000 trips",
                   {"service", "nationality", "risk"},
                   {services, params_.country_codes, risks}});
  }
  if (params_.choice.ends_journeys())
    out.push_back({"journey_choices",
                   "people at a place with options who chose to go back home, to stay in that country or to "
                   "look for another destination",
                   "persons",
                   {"location", "choice"},
                   {params_.place_names, {"go_back", "stay", "another_destination"}}});
  if (any_from_home()) {
    std::vector<std::string> home;
    for (const auto& s : params_.services)
      if (s.from_home) home.push_back(s.name);
    out.push_back({"home_choices",
                   "travellers at home who applied for a pathway applied for from home, or set off instead",
                   "persons",
                   {"pathway", "choice"},
                   {home, {"applied", "set_off"}}});
  }
}

void SmugglingModel::fill_series(StepContext& ctx, std::vector<std::vector<std::int64_t>>& values) {
  (void)ctx;
  values[0] = today_;
  values[1] = deaths_edge_;
  values[2] = recorded_edge_;
  values[3] = trafficked_;
  values[4] = incidents_;
  std::size_t next = 5;
  if (params_.informed) {
    auto& v = values[next++];
    const std::size_t w = risk_count + 1;
    v.resize(params_.services.size() * countries_ * risk_count);
    for (std::size_t a = 0; a < params_.services.size() * countries_; ++a)
      for (std::size_t r = 0; r < risk_count; ++r)
        v[a * risk_count + r] = std::llround(1e5 * heard_[a * w + 1 + r] / heard_[a * w]);
  }
  if (params_.choice.ends_journeys()) values[next++] = ended_;
  if (!home_choices_.empty()) {
    auto& v = values[next];
    v.clear();
    for (std::size_t k = 0; k < params_.services.size(); ++k)
      if (params_.services[k].from_home)
        v.insert(v.end(), home_choices_.begin() + static_cast<std::ptrdiff_t>(k * home_choice_count),
                 home_choices_.begin() + static_cast<std::ptrdiff_t>((k + 1) * home_choice_count));
  }
}

// Checkpoints (docs/reliability.md). The market as it stands: today's seats, prices and risks, the operators,
// the demand, the beliefs and news, the travellers held and waiting, the crossing values.
void SmugglingModel::save_state(StateWriter& out) const {
  out.fields(removals_, seats_, price_, interception_, death_, removal_, wait_days_, today_day_, excess_days_,
             margin_days_, operators_, requests_, demand_factor_, options_at_, demand_at_, today_, incidents_,
             deaths_edge_, recorded_edge_, trafficked_, heard_, news_, ended_, admitted_, active_, held_,
             home_options_, crossing_point_, home_choices_, open_, nationality_ok_, countries_, value_sum_,
             value_n_, places_, values_, value_countries_);
}

void SmugglingModel::load_state(StateReader& in, StepContext&) {
  in.fields(removals_, seats_, price_, interception_, death_, removal_, wait_days_, today_day_, excess_days_,
            margin_days_, operators_, requests_, demand_factor_, options_at_, demand_at_, today_, incidents_,
            deaths_edge_, recorded_edge_, trafficked_, heard_, news_, ended_, admitted_, active_, held_,
            home_options_, crossing_point_, home_choices_, open_, nationality_ok_, countries_, value_sum_,
            value_n_, places_, values_, value_countries_);
}

}  // namespace migrasim::models
