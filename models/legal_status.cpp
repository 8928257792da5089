#include "models/legal_status.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>

#include "models/economic.hpp"
#include "models/shared_columns.hpp"
#include "models/shared_params.hpp"
#include "sim/allocation.hpp"
#include "sim/errors.hpp"

namespace migrasim::models {

namespace {

const char* transition_names[] = {"applied",
                                  "inadmissible",
                                  "regularised",
                                  "rejected",
                                  "absent",
                                  "permit_renewed",
                                  "became_overstayer",
                                  "apprehended",
                                  "removed",
                                  "released",
                                  "pathway_applied",
                                  "pathway_approved",
                                  "pathway_rejected",
                                  "gave_up_irregular",
                                  "circular_return",
                                  "voluntary_return",
                                  "not_detained_full",
                                  "reemigrated",
                                  "apprehended_at_crossing",
                                  "arrived_irregular",
                                  "arrived_regular"};
const char* outcome_names[] = {
    "application", "inadmissible", "approved", "rejected", "absent", "decided_within_365_days", "gave_up"};
static_assert(sizeof(transition_names) / sizeof(transition_names[0]) == LegalStatusModel::transition_count);
static_assert(sizeof(outcome_names) / sizeof(outcome_names[0]) == LegalStatusModel::outcome_count);

}  // namespace

namespace {

// The parameter table of behaviour.legal (docs/parameters.md is generated from it).
constexpr double max_days = 36500;   // permits, detention, delays: up to 100 years
constexpr double max_persons = 1e9;  // a group, a quota, a detention capacity

std::shared_ptr<const ParamTableOf<LegalParams::Residents>> residents_table() {
  using R = LegalParams::Residents;
  auto t = std::make_shared<ParamTableOf<R>>("resident group", "people living in a country at day 0");
  t->place("place", &R::place).required().about("where the group lives").source("scenario");
  t->place("origin", &R::origin)
      .required()
      .about("a place in the group's country of nationality (where removals take them)")
      .source("scenario");
  t->integer("count", &R::count)
      .range(0, max_persons)
      .unit("persons")
      .required()
      .about("size of the group at day 0")
      .source("scenario (Spain 2005: 1.2 M, MPI)");
  t->choice("status", &R::status,
            {{"irregular", LegalStatus::irregular},
             {"overstayer", LegalStatus::overstayer},
             {"regular", LegalStatus::regular}})
      .about("legal status at day 0")
      .source("scenario");
  t->number_range("resident_years", &R::resident_years_min, &R::resident_years_max)
      .range(0, 89)
      .unit("years")
      .about(
          "entry dates spread uniformly over [min, max] years before day 0 (entry days are stored in 16 "
          "bits: at most 89 years)")
      .source("scenario assumption");
  t->integer("permit_days", &R::permit_days)
      .range(1, max_days)
      .unset(-1)
      .unit("days")
      .shown_default("none")
      .about("regular residents: remaining permit spread uniformly over [0, permit_days]")
      .source("scenario");
  return t;
}

std::shared_ptr<const ParamTableOf<LegalParams::Stage>> stage_table() {
  using S = LegalParams::Stage;
  auto t = std::make_shared<ParamTableOf<S>>(
      "procedure stage", "one step of a multi-stage procedure, in order (docs/models/legal_status.md)");
  t->text("name", &S::name)
      .required()
      .about("the stage (e.g. pre_registration, biometrics, decision, document_delivery)")
      .source("scenario");
  t->records("per_day", &S::per_day,
             dated_steps_table("stage capacity step", "applicants the stage handles per day", 0, 2147483647,
                               "applicants/day", "scenario (the programme's capacity)"))
      .required()
      .about("daily capacity, dated steps (see the stage capacity step rows)")
      .source("scenario (the programme's capacity)");
  t->share("no_show", &S::no_show).about("share of those handled who are absent").source("scenario");
  t->share("rejection", &S::rejection).about("share of the present refused at this stage").source("scenario");
  t->rule("dates increase along per_day", [](const S& st, const ParamContext&) {
    for (std::size_t k = 1; k < st.per_day.size(); ++k)
      if (st.per_day[k].day <= st.per_day[k - 1].day)
        throw ParamProblem("per_day", "dates must increase along the list (step " + std::to_string(k) + ")");
  });
  return t;
}

std::shared_ptr<const ParamTableOf<LegalParams::Programme>> programme_table() {
  using G = LegalParams::Programme;
  constexpr std::int32_t no_day = LegalParams::no_day;
  auto t = std::make_shared<ParamTableOf<G>>(
      "regularisation programme", "a one-off window or a permanent mechanism (docs/models/legal_status.md)");
  t->text("name", &G::name)
      .required()
      .about("unique name among programmes and pathways (the `programme` coordinate)")
      .source("scenario");
  t->country("country", &G::country)
      .required()
      .about("the country whose residents may apply (those of `statuses`)")
      .source("scenario");
  t->choice("kind", &G::permanent, {{"one_off", false}, {"permanent", true}})
      .required()
      .about("one_off (a window) or permanent (a standing mechanism)")
      .source("scenario");
  t->window("window", &G::window_open, &G::window_close)
      .shown_default("required for one_off")
      .about("[open, close] dates applications are taken, inclusive (one_off only)")
      .source("facts for Italy 2002, Spain 2005");
  t->date("cutoff_date", &G::cutoff_date)
      .shown_default("required for one_off")
      .about("eligible: entry into the country on or before this date (one_off only)")
      .source("facts for Italy 2002, Spain 2005");
  t->date("start", &G::start_day)
      .shown_default("the run's start")
      .about("first day of a permanent mechanism (permanent only)")
      .source("scenario");
  t->integer("min_residence_days", &G::min_residence_days)
      .range(0, max_days)
      .unit("days")
      .about("days of residence in the country before applying")
      .source("scenario");
  t->number("min_residence_years", &G::min_residence_years)
      .range(0, 100)
      .unset(-1)
      .unit("years")
      .shown_default("none")
      .about("the same in years (x 365.25, rounded to days); where given, replaces min_residence_days")
      .source("scenario");
  t->countries("nationalities", &G::nationalities)
      .shown_default("all")
      .about("eligible nationalities (empty: all)")
      .source("scenario");
  t->choice_list("statuses", &G::statuses,
                 {{"irregular", LegalStatus::irregular},
                  {"overstayer", LegalStatus::overstayer},
                  {"regular", LegalStatus::regular},
                  {"temporary_protection", LegalStatus::temporary_protection}})
      .shown_default("[irregular, overstayer]")
      .about(
          "who may apply: residents holding one of these statuses (regular, temporary_protection: a lawful "
          "status, remembered while the application waits and given back when it is refused or the "
          "applicant is absent)")
      .source("scenario (the programme's rules)");
  t->share("eligible_share", &G::eligible_share)
      .about("share meeting the other conditions (job contract, records): a fixed draw per person")
      .source("fitted (Italy, Spain)");
  t->share("take_up", &G::take_up)
      .noun("a probability")
      .about("probability of applying over the window (one_off) or per year once eligible (permanent)")
      .source("fitted (Italy, Spain)");
  t->number("information_campaign", &G::information_campaign)
      .range(0, 100)
      .noun("a multiplier")
      .about("multiplies take-up (capped at 1)")
      .source("scenario");
  t->share("enforcement_fear", &G::enforcement_fear)
      .about("share of take-up lost to fear of enforcement")
      .source("scenario");
  t->share("documentation_barrier", &G::documentation_barrier)
      .about("share of applications inadmissible at intake (cannot prove eligibility)")
      .source("fitted (Italy: 11,180 / 705,404)");
  t->integer("processing_per_day", &G::processing_per_day)
      .range(0, 2147483647)
      .unit("decisions/day")
      .shown_default("required unless stages")
      .about("decisions per day, first come first served")
      .source("fitted (Italy: about 1,330)");
  t->given("processing_per_day", &G::processing_given);
  t->share("no_show", &G::no_show)
      .about("share of decided applicants absent")
      .source("fitted (Italy: 14,790 / 675,410)");
  t->given("no_show", &G::no_show_given);
  t->share("rejection", &G::rejection)
      .about("share of present applicants rejected")
      .source("fitted (Italy: 25,892 / 660,620)");
  t->given("rejection", &G::rejection_given);
  t->records("stages", &G::stages, stage_table())
      .shown_default("none (one decision: processing_per_day)")
      .about(
          "a multi-stage procedure, in order: each stage a first-come queue with dated capacity, no-show and "
          "rejection (see the procedure stage rows); replaces processing_per_day, no_show and rejection")
      .source("scenario");
  t->integer("permit_days", &G::permit_days)
      .range(1, max_days)
      .unit("days")
      .about("length of the permit granted")
      .source("facts (Italy: 2 years) or scenario");
  t->share("renewal", &G::renewal)
      .noun("a probability")
      .about("probability the permit is renewed at expiry")
      .source("scenario");
  t->derive(
      "one_off needs window and cutoff_date and takes no start; permanent takes no window nor cutoff_date "
      "(open from start, else the run's start); min_residence_years, where given, sets min_residence_days",
      [](G& g, const ParamContext&) {
        const std::string one_off = " (a one_off programme needs a window and a cutoff_date)";
        if (!g.permanent) {
          if (g.window_open == no_day) throw ParamProblem("", "missing key 'window'" + one_off);
          if (g.cutoff_date == no_day) throw ParamProblem("", "missing key 'cutoff_date'" + one_off);
          if (g.start_day != no_day)
            throw ParamProblem("start", "a one_off programme has no start (it opens with its window)");
          g.open_day = g.window_open;
          g.close_day = g.window_close;
          g.cutoff_day = g.cutoff_date;
        } else {
          if (g.window_open != no_day) throw ParamProblem("window", "a permanent mechanism has no window");
          if (g.cutoff_date != no_day)
            throw ParamProblem("cutoff_date", "a permanent mechanism has no cutoff_date (only one_off)");
          g.open_day = g.start_day == no_day ? 0 : g.start_day;
          g.close_day = std::numeric_limits<std::int32_t>::max();
        }
        if (g.min_residence_years >= 0)
          g.min_residence_days = static_cast<std::int32_t>(std::lround(365.25 * g.min_residence_years));
        if (g.stages.empty() && !g.processing_given)
          throw ParamProblem("", "missing key 'processing_per_day' (or give stages)");
        if (!g.stages.empty()) {
          const char* single = g.processing_given  ? "processing_per_day"
                               : g.no_show_given   ? "no_show"
                               : g.rejection_given ? "rejection"
                                                   : nullptr;
          if (single)
            throw ParamProblem(single, std::string("give either stages or ") + single +
                                           " (each stage has its own capacity, no_show and rejection)");
        }
      });
  t->rule("the window closes on or after it opens", [](const G& g, const ParamContext&) {
    if (g.close_day < g.open_day)
      throw ParamProblem("window", "the window closes (day " + std::to_string(g.close_day) +
                                       ") before it opens (day " + std::to_string(g.open_day) + ")");
  });
  t->doubt("a programme that takes applications on no day of the run",
           [](const G& g, const ParamContext& ctx) {
             doubt_in_force(g.open_day, g.close_day, ctx, g.permanent ? "start" : "window", "window");
           });
  return t;
}

std::shared_ptr<const ParamTableOf<LegalParams::Pathway>> pathway_table() {
  using W = LegalParams::Pathway;
  auto t = std::make_shared<ParamTableOf<W>>(
      "regular pathway", "applications at origin, a first-come queue, a monthly quota, permits");
  t->text("name", &W::name)
      .required()
      .about("unique name among programmes and pathways (the `programme` coordinate, after the programmes)")
      .source("scenario");
  t->choice("permit_type", &W::permit_type,
            {{"temporary_labour", "temporary_labour"},
             {"seasonal_labour", "seasonal_labour"},
             {"circular_labour", "circular_labour"},
             {"family_reunification", "family_reunification"},
             {"humanitarian_visa", "humanitarian_visa"},
             {"study", "study"}})
      .required()
      .about("a label (the rules are the same for every type)")
      .source("scenario");
  t->country("country", &W::country).required().about("destination country").source("scenario");
  t->countries("origins", &W::origins)
      .shown_default("all")
      .about("nationalities that may apply (empty: all)")
      .source("scenario");
  std::vector<std::pair<std::string, std::uint8_t>> bands;
  for (int b = 0; b < age_band_count; ++b) bands.emplace_back(age_band_name(b), static_cast<std::uint8_t>(b));
  t->choice_list("age_bands", &W::age_bands, bands)
      .shown_default("all")
      .about("age bands that may apply (empty: all)")
      .source("scenario");
  t->choice("sex", &W::sex, {{"female", 0}, {"male", 1}, {"any", -1}})
      .about("who may apply")
      .source("scenario");
  t->share("skills_share", &W::skills_share)
      .about("share with the required skills (a fixed draw per person)")
      .source("scenario assumption");
  t->share("apply_share", &W::apply_share)
      .shown_default("1 (or choice)")
      .about(
          "of the would-be migrants who qualify, the share who apply instead of leaving at once (a fixed "
          "share; `choice` makes it depend on the fee, the approval chance and the queue)")
      .source("scenario assumption");
  t->given("apply_share", &W::apply_share_given);
  t->number("choice.set_off_utility", &W::set_off_utility)
      .required()
      .range(-100, 100)
      .noun("a utility")
      .shown_default("absent (apply_share decides)")
      .about(
          "utility of setting off irregularly at once, against applying: ln(approval) - "
          "price_sensitivity x (fee + wait_cost_usd_per_day x expected wait) / 1000; with "
          "set_off_from_crossings, the value until someone of the nationality has chosen at a crossing "
          "point into the pathway's country")
      .source("assumption (scenario: what the irregular journey costs and risks)");
  t->boolean("choice.set_off_from_crossings", &W::set_off_from_crossings)
      .about(
          "setting off is worth what the smuggling market's options at the crossing points into the "
          "pathway's country were worth to the applicant's nationality the day before: the mean over those "
          "who chose there of the log of the sum of exp(utility) of the options open to each that it could "
          "pay for (docs/models/legal_status.md); price_sensitivity should then be the market's")
      .source("model (the market's choice weights)");
  t->number("choice.price_sensitivity", &W::price_sensitivity)
      .required()
      .range(0, 100)
      .unit("per 1000 USD")
      .noun("a weight")
      .about("logit weight of the fee and of the cost of waiting")
      .source("assumption");
  t->number("choice.wait_cost_usd_per_day", &W::wait_cost_usd_per_day)
      .required()
      .range(0, 1e5)
      .unit("USD/day")
      .noun("a cost")
      .about(
          "what a day of waiting for the decision costs (earnings forgone); the expected wait is the "
          "queue ahead over the decisions a day (processing_per_day, at most the monthly quota over "
          "30.44 days)")
      .source("assumption (scenario: earnings at destination less earnings at home)");
  t->given("choice", &W::choice_given);
  t->window("window", &W::open_day, &W::close_day)
      .shown_default("always")
      .about("[open, close] dates applications are taken, inclusive")
      .source("scenario");
  t->integer("quota_per_month", &W::quota_per_month)
      .changeable()
      .range(0, max_persons)
      .unset(-1)
      .unit("approvals/month")
      .shown_default("no quota")
      .about("approvals per calendar month")
      .source("scenario");
  t->integer("processing_per_day", &W::processing_per_day)
      .changeable()
      .range(0, 2147483647)
      .unit("decisions/day")
      .shown_default("required unless stages")
      .about("decisions per day, first come first served")
      .source("scenario");
  t->given("processing_per_day", &W::processing_given);
  t->share("approval", &W::approval).about("share of decisions that approve").source("scenario");
  t->given("approval", &W::approval_given);
  t->records("stages", &W::stages, stage_table())
      .shown_default("none (one decision: processing_per_day, approval)")
      .about(
          "a multi-stage procedure, in order (see the procedure stage rows): the absent and the refused at "
          "any stage are rejected; those through the last stage, within the monthly quota, are approved; "
          "replaces processing_per_day and approval")
      .source("scenario");
  t->derive("processing_per_day, or stages instead of processing_per_day and approval",
            [](W& w, const ParamContext&) {
              if (w.stages.empty() && !w.processing_given)
                throw ParamProblem("", "missing key 'processing_per_day' (or give stages)");
              if (!w.stages.empty() && (w.processing_given || w.approval_given))
                throw ParamProblem(w.processing_given ? "processing_per_day" : "approval",
                                   std::string("give either stages or ") +
                                       (w.processing_given ? "processing_per_day" : "approval") +
                                       " (each stage has its own capacity, no_show and rejection)");
            });
  t->number("fee_usd", &W::fee_usd)
      .range(0, 1e7)
      .unit("USD")
      .about("paid from the applicant's resources (who cannot pay cannot apply)")
      .source("scenario");
  t->integer("permit_days", &W::permit_days)
      .range(1, max_days)
      .unit("days")
      .about("length of the permit granted")
      .source("scenario");
  t->share("renewal", &W::renewal)
      .noun("a probability")
      .about("probability the permit is renewed at expiry")
      .source("scenario");
  t->boolean("circular", &W::circular)
      .about("at expiry without renewal the holder goes home (else overstays)")
      .source("scenario");
  t->share("give_up_per_day", &W::give_up_per_day)
      .noun("a probability per day")
      .unit("1/day")
      .about(
          "hazard of leaving the queue to go irregularly = give_up_per_day x push(origin country, day) x "
          "(1 + give_up_growth_per_year x years waited)")
      .source("scenario assumption");
  t->number("give_up_growth_per_year", &W::give_up_growth_per_year)
      .range(0, 1000)
      .unit("1/year")
      .about("growth of that hazard with the years waited")
      .source("scenario assumption");
  t->share("irregular_after_rejection", &W::irregular_after_rejection)
      .about("rejected applicants who go irregularly (the rest stay home)")
      .source("scenario assumption");
  t->rule("give either apply_share or choice", [](const W& w, const ParamContext&) {
    if (w.apply_share_given && w.choice_given)
      throw ParamProblem("choice",
                         "give either apply_share (a fixed share) or choice (who applies is chosen)");
  });
  t->doubt("a pathway that takes applications on no day of the run", [](const W& w, const ParamContext& ctx) {
    doubt_in_force(w.open_day, w.close_day, ctx, "window", "window");
  });
  return t;
}

std::shared_ptr<const ParamTableOf<LegalParams::Enforcement>> enforcement_table() {
  using E = LegalParams::Enforcement;
  auto t = std::make_shared<ParamTableOf<E>>("enforcement", "enforcement in a country, in force over dates");
  t->country("country", &E::country).required().about("the country where it applies").source("scenario");
  t->date("from", &E::from_day)
      .shown_default("the run's start")
      .about("first day in force (entries of a country may follow each other but not overlap)")
      .source("scenario");
  t->date("until", &E::until_day)
      .shown_default("the end of the run")
      .about("last day in force")
      .source("scenario");
  t->share("apprehension_per_day", &E::apprehension_per_day)
      .changeable()
      .noun("a probability per day")
      .unit("1/day")
      .about("per irregular resident (irregular or overstayer) and day: apprehended and detained")
      .source("scenario");
  t->share("apprehension_at_crossing", &E::apprehension_at_crossing)
      .noun("a probability per crossing")
      .about("per person entering the country without a permit, on the way")
      .source("scenario assumption");
  t->integer("detention_days", &E::detention_days)
      .range(0, max_days)
      .unit("days")
      .about("days detained before removal or release")
      .source("scenario");
  t->share("removal_share", &E::removal_share)
      .changeable()
      .about("share of the detained removed to their origin (the rest are released)")
      .source("scenario");
  t->integer("detention_capacity", &E::detention_capacity)
      .changeable()
      .range(0, max_persons)
      .unset(-1)
      .unit("persons")
      .shown_default("no limit")
      .about("places in detention; the apprehended beyond it (keyed priority) are not detained")
      .source("scenario (US base: 25,000, assumption of the order of ICE's 2021 average daily population)");
  t->share("voluntary_return_per_day", &E::voluntary_return_per_day)
      .noun("a probability per day")
      .unit("1/day")
      .about("per irregular resident and day: goes home of their own accord")
      .source("scenario assumption");
  t->rule("until is on or after from", [](const E& e, const ParamContext&) {
    if (e.until_day < e.from_day) throw ParamProblem("until", "the entry ends before it starts");
  });
  t->rule("apprehension_per_day + voluntary_return_per_day <= 1", [](const E& e, const ParamContext&) {
    if (e.apprehension_per_day + e.voluntary_return_per_day > 1)
      throw ParamProblem("", "apprehension_per_day + voluntary_return_per_day must not exceed 1");
  });
  t->doubt("an enforcement entry in force on no day of the run", [](const E& e, const ParamContext& ctx) {
    doubt_in_force(e.from_day, e.until_day, ctx, "from", "until");
  });
  return t;
}

ParamTableOf<LegalParams> make_table() {
  using P = LegalParams;
  ParamTableOf<P> t("legal status",
                    "Legal status and the machinery that changes it: residents at day 0, regularisation "
                    "programmes, regular pathways, permits, enforcement and re-emigration.");
  t.integer("visa_permit_days", &P::visa_permit_days)
      .range(1, max_days)
      .unit("days")
      .about("permit length of people who settle with a visa")
      .source("scenario assumption");
  t.share("visa_renewal", &P::visa_renewal)
      .noun("a probability")
      .about("probability such a permit is renewed at expiry")
      .source("scenario assumption");
  t.records("residents", &P::residents, residents_table())
      .about("groups living in a country at day 0 (see the residents rows)")
      .source("scenario");
  demography_entries(t, &P::demography,
                     "assumption: adults of working age, half women, 18-34 or 35-59 in equal shares (cite a "
                     "profile of the resident population where known)");
  t.records("programmes", &P::programmes, programme_table())
      .about("regularisation programmes (see the programmes rows)")
      .source("scenario");
  t.records("pathways", &P::pathways, pathway_table())
      .about("regular pathways (see the pathways rows)")
      .source("scenario");
  t.records("enforcement", &P::enforcement, enforcement_table())
      .about("enforcement per country and dates (see the enforcement rows)")
      .source("scenario");
  t.share("reemigration.share", [](P& p) -> double& { return p.reemigration.share; })
      .required()
      .shown_default("required in reemigration")
      .about(
          "people back home (removed, returned, circular) who leave again, once, after the delay "
          "(movement-model agents only)")
      .source("scenario assumption");
  t.integer<std::int32_t>("reemigration.delay_days",
                          [](P& p) -> std::int32_t& { return p.reemigration.delay_days; })
      .range(1, max_days)
      .unit("days")
      .about("days after the return")
      .source("scenario assumption");
  t.derive("country_codes (the labels of the transitions series) are the world's country codes",
           [](P& p, const ParamContext& ctx) {
             p.country_codes.clear();
             for (const auto& c : ctx.world.countries()) p.country_codes.push_back(c.code);
           });
  t.rule("at most 254 programmes and pathways", [](const P& p, const ParamContext&) {
    if (p.programmes.size() + p.pathways.size() >= no_programme)
      throw ParamProblem(p.pathways.empty() ? "programmes" : "pathways",
                         "at most 254 programmes and pathways");
  });
  t.rule("names are unique across programmes and pathways", [](const P& p, const ParamContext&) {
    for (std::size_t i = 0; i < p.programmes.size(); ++i)
      for (std::size_t k = 0; k < i; ++k)
        if (p.programmes[k].name == p.programmes[i].name)
          throw ParamProblem("programmes[" + std::to_string(i) + "].name",
                             "programme '" + p.programmes[i].name + "' is listed twice");
    for (std::size_t i = 0; i < p.pathways.size(); ++i) {
      for (const auto& other : p.programmes)
        if (other.name == p.pathways[i].name)
          throw ParamProblem("pathways[" + std::to_string(i) + "].name",
                             "'" + p.pathways[i].name + "' names a programme too");
      for (std::size_t k = 0; k < i; ++k)
        if (p.pathways[k].name == p.pathways[i].name)
          throw ParamProblem("pathways[" + std::to_string(i) + "].name",
                             "pathway '" + p.pathways[i].name + "' is listed twice");
    }
  });
  t.rule("the enforcement entries of a country do not overlap in time", [](const P& p, const ParamContext&) {
    const auto& en = p.enforcement;
    for (std::size_t b = 0; b < en.size(); ++b)
      for (std::size_t a = 0; a < b; ++a)
        if (en[a].country == en[b].country && en[a].from_day <= en[b].until_day &&
            en[b].from_day <= en[a].until_day)
          throw ParamProblem(
              "enforcement[" + std::to_string(b) + "].country",
              "another enforcement entry for this country is in force on the same days (give from/until)");
  });
  return t;
}

}  // namespace

const ParamTableOf<LegalParams>& LegalParams::table() {
  static const ParamTableOf<LegalParams> t = make_table();
  return t;
}

void LegalParams::resolve(ScenarioContext& ctx) {
  month_starts = ctx.month_starts;
  if (const ResolvedMechanism* economic = ctx.find("economic"))
    push = economic->as<EconomicParams>().push_index;
}

void LegalParams::validate(const World& world, std::int32_t days) const {
  const auto countries = static_cast<country_id>(world.countries().size());
  if (country_codes.size() != world.countries().size()) throw InternalError("legal: country codes not set");
  if (!push.empty() && push.size() != world.countries().size())
    throw InternalError("legal: push per country");
  for (const auto& r : residents)
    if (r.place < 0 || r.origin < 0) throw InternalError("residents without place or origin");
  for (const auto& p : programmes)
    if (p.country < 0 || p.country >= countries)
      throw InternalError("programmes." + p.name + ": bad country");
  for (const auto& p : pathways)
    if (p.country < 0 || p.country >= countries) throw InternalError("pathways." + p.name + ": bad country");
  check_params(table(), this, ParamContext{world, days}, "behaviour.legal");
}

LegalStatusModel::LegalStatusModel(LegalParams params) : params_(std::move(params)) {}

void LegalStatusModel::declare(Declarations& declared) {
  declared.purposes(48, 8);
  declared.purposes(64, 255);
  declared.purposes(320, 5);
  permit_until_ = declared.add<std::int32_t>(
      {"permit_until", "last day of the permit held (simulation day); -1 none", -1});
  programme_ = declared.add<std::uint8_t>(
      {"programme", "regularisation programme or pathway applied to or obtained through; 255 none",
       no_programme});
  resources_ = declared.add<float>(resources_column());
  holds_permit_ = declared.flag(holds_permit_flag());
  admitted_statuses_ = 0;
  programme_admits_.clear();
  for (const auto& pr : params_.programmes) {
    programme_admits_.push_back(admits(pr));
    admitted_statuses_ |= programme_admits_.back();
  }
  lawful_applicants_ = (admitted_statuses_ & ~admits(LegalParams::Programme{})) != 0;
  if (lawful_applicants_)
    applied_from_ = declared.add<std::uint8_t>(
        {"applied_from", "legal status held while a regularisation application waits; 255 none", 255});
}

LegalStatusModel::Columns LegalStatusModel::columns(Population& pop) const {
  return {pop[permit_until_].data(), pop[programme_].data(), pop[resources_].data(),
          lawful_applicants_ ? pop[applied_from_].data() : nullptr};
}

std::uint32_t LegalStatusModel::admits(const LegalParams::Programme& pr) {
  auto bit = [](LegalStatus s) { return 1u << static_cast<unsigned>(s); };
  if (pr.statuses.empty()) return bit(LegalStatus::irregular) | bit(LegalStatus::overstayer);
  std::uint32_t mask = 0;
  for (LegalStatus s : pr.statuses) mask |= bit(s);
  return mask;
}

LegalStatus LegalStatusModel::refused_status(const Columns& col, std::uint64_t a) {
  if (!col.applied_from || col.applied_from[a] == 255) return LegalStatus::irregular;
  const auto s = static_cast<LegalStatus>(col.applied_from[a]);
  col.applied_from[a] = 255;
  return s;
}

void LegalStatusModel::on_start(StepContext& ctx) {
  params_.validate(ctx.world(), ctx.days());
  countries_ = ctx.world().countries().size();
  residents_at_.assign(static_cast<std::size_t>(ctx.world().place_count()), 0);
  for (const auto& r : params_.residents) residents_at_[static_cast<std::size_t>(r.place)] += r.count;
  const std::size_t all = params_.programmes.size() + params_.pathways.size();
  queue_.assign(all, {});
  later_stages_.assign(all, {});
  first_stage_.assign(all, 0);
  std::size_t stages = 0;
  for (std::size_t k = 0; k < all; ++k) {
    const std::size_t n = stages_of(k).size();
    first_stage_[k] = stages;
    stages += n;
    if (n > 1) later_stages_[k].assign(n - 1, {});
  }
  stages_today_.assign(stages * stage_quantity_count, 0);
  transitions_today_.assign(countries_ * transition_count, 0);
  decisions_today_.assign(all * outcome_count, 0);
  pathway_transitions_.assign(countries_ * transition_count, 0);
  pathway_decisions_.assign(all * outcome_count, 0);
  approved_in_month_.assign(params_.pathways.size(), 0);
  seen_ = 0;
  if (const CrossingMarket* market = ctx.crossing_market())
    for (const auto& pw : params_.pathways)
      if (pw.set_off_from_crossings) market->request_values();
  month_ = -1;
}

const LegalParams::Enforcement* LegalStatusModel::in_force(country_id c, std::int32_t day) const {
  for (const auto& en : params_.enforcement)
    if (en.country == c && en.from_day <= day && day <= en.until_day) return &en;
  return nullptr;
}

const LegalParams::Enforcement* LegalStatusModel::detention_rule(country_id c, std::int32_t day) const {
  const LegalParams::Enforcement* best = nullptr;
  for (const auto& en : params_.enforcement)
    if (en.country == c && en.from_day <= day && (!best || en.from_day > best->from_day)) best = &en;
  return best;
}

// Today's applications join a first-come queue in a keyed order (who queued first that day), so the
// order depends only on the set of applicants, never on threads.
void LegalStatusModel::join_queue(std::deque<std::uint64_t>& queue, const std::vector<std::uint64_t>& today,
                                  const KeyedRng& rng, std::int32_t day) {
  std::vector<std::pair<std::uint32_t, std::uint64_t>> order;
  order.reserve(today.size());
  for (std::uint64_t a : today) order.emplace_back(rng.words(a, day, legal_purpose::queue).v[0], a);
  std::sort(order.begin(), order.end());
  for (const auto& o : order) queue.push_back(o.second);
}

double LegalStatusModel::push(country_id c, std::int32_t day) const {
  return params_.push.empty() ? 1.0 : value_on(params_.push[static_cast<std::size_t>(c)], day, 1.0);
}

// Regular pathways, before anyone moves today: today's would-be migrants who qualify apply at origin
// (and are held there), waiting applicants may give up and leave irregularly, and the day's decisions
// are taken within the monthly quotas (the approved leave today with a permit).
void LegalStatusModel::decide(StepContext& ctx) {
  Population& pop = ctx.population();
  const Columns col = columns(pop);
  const std::uint8_t holds_permit = holds_permit_.mask;
  const World& world = ctx.world();
  const KeyedRng& rng = ctx.rng();
  const std::int32_t day = ctx.day();
  const std::uint8_t me = ctx.model_index();
  const std::size_t np = params_.programmes.size(), nq = params_.pathways.size();
  std::fill(pathway_transitions_.begin(), pathway_transitions_.end(), 0);
  std::fill(pathway_decisions_.begin(), pathway_decisions_.end(), 0);
  std::fill(stages_today_.begin(), stages_today_.end(), 0);  // pathways' today, then programmes'
  const std::size_t first = seen_;
  seen_ = pop.size();
  if (nq == 0) return;
  auto count = [&](country_id c, Transition t) {
    ++pathway_transitions_[static_cast<std::size_t>(c) * transition_count + t];
  };
  auto country_of = [&](place_id p) { return world.places()[static_cast<std::size_t>(p)].country; };
  // 1. Applications from today's new agents (a movement model's, at their origin, without a visa). Who
  // qualifies applies with the pathway's apply_share, or by the logit choice: the same chance for all
  // today, from the fee, the approval chance and the wait the queue gives (yesterday's, so that the
  // order in which today's applicants are seen does not matter).
  // By pathway and nationality: [j * countries + nationality].
  const std::size_t nc = countries_;
  const CrossingMarket* market = ctx.crossing_market();
  std::vector<double> apply_chance(nq * nc);
  for (std::size_t j = 0; j < nq; ++j) {
    const auto& pw = params_.pathways[j];
    std::fill_n(apply_chance.begin() + static_cast<std::ptrdiff_t>(j * nc), nc, pw.apply_share);
    if (!pw.choice_given) continue;
    // Decisions a day: the processing, or the slowest stage today; at most the quota.
    double per_day = pw.processing_per_day;
    if (!pw.stages.empty()) {
      per_day = std::numeric_limits<double>::infinity();
      for (const auto& st : pw.stages)
        per_day = std::min(per_day, std::floor(value_on(st.per_day, day, 0.0)));
    }
    if (pw.quota_per_month >= 0)
      per_day = std::min(per_day, static_cast<double>(pw.quota_per_month) * 12 / 365.25);
    const double wait = per_day > 0 ? static_cast<double>(waiting_at_any_stage(np + j) + 1) / per_day
                                    : std::numeric_limits<double>::infinity();
    const double cost = pw.fee_usd + (pw.wait_cost_usd_per_day > 0 ? pw.wait_cost_usd_per_day * wait : 0.0);
    const double apply = std::log(pw.approval) - pw.price_sensitivity * cost / 1000.0;
    for (std::size_t c = 0; c < nc; ++c) {
      double set_off = pw.set_off_utility;
      if (pw.set_off_from_crossings && market) {
        const double v = market->crossing_value(pw.country, static_cast<std::int16_t>(c));
        if (!std::isnan(v)) set_off = v;
      }
      apply_chance[j * nc + c] = std::isfinite(apply) ? 1 / (1 + std::exp(set_off - apply)) : 0.0;
    }
  }
  std::vector<std::vector<std::uint64_t>> new_applicants(nq);
  std::mutex merge;
  ctx.parallel_for(first, pop.size(), [&](std::size_t b, std::size_t e) {
    std::vector<std::vector<std::uint64_t>> local(nq);
    for (std::size_t i = b; i < e; ++i) {
      if (journey::driver_of(pop.driver[i]) == me || pop.legal_status[i] != LegalStatus::in_transit ||
          pop.arc[i] >= 0 || pop.place[i] != pop.origin[i] || pop.destination[i] < 0 ||
          (pop.flags[i] & holds_permit))
        continue;
      const country_id to = country_of(pop.destination[i]), nationality = country_of(pop.origin[i]);
      for (std::size_t j = 0; j < nq; ++j) {
        const auto& pw = params_.pathways[j];
        if (pw.country != to || day < pw.open_day || day > pw.close_day) continue;
        if (!pw.origins.empty() &&
            std::find(pw.origins.begin(), pw.origins.end(), nationality) == pw.origins.end())
          continue;
        if (!pw.age_bands.empty() &&
            std::find(pw.age_bands.begin(), pw.age_bands.end(), pop.age_band[i]) == pw.age_bands.end())
          continue;
        if (pw.sex >= 0 && static_cast<int>(pop.sex[i]) != pw.sex) continue;
        if (static_cast<double>(col.resources[i]) < pw.fee_usd) continue;
        const auto fixed = static_cast<Purpose>(static_cast<std::uint32_t>(legal_purpose::eligibility_base) +
                                                static_cast<std::uint32_t>(np + j));
        if (rng.uniform(i, 0, fixed) >= pw.skills_share) continue;
        if (rng.uniform(i, day, legal_purpose::pathway_apply, static_cast<std::uint32_t>(j)) >=
            apply_chance[j * nc + static_cast<std::size_t>(nationality)])
          continue;
        pop.legal_status[i] = LegalStatus::applicant;
        pop.status_since[i] = store_day(day);
        col.programme[i] = static_cast<std::uint8_t>(np + j);
        pop.flags[i] |= agent_flag::settled;  // held at origin: movement models leave settled agents alone
        local[j].push_back(i);
        break;
      }
    }
    std::lock_guard<std::mutex> lock(merge);
    for (std::size_t j = 0; j < nq; ++j)
      new_applicants[j].insert(new_applicants[j].end(), local[j].begin(), local[j].end());
  });
  // Calendar month: the quotas start again.
  const auto month = static_cast<std::int32_t>(
      std::upper_bound(params_.month_starts.begin(), params_.month_starts.end(), day) -
      params_.month_starts.begin());
  if (month != month_) std::fill(approved_in_month_.begin(), approved_in_month_.end(), 0);
  month_ = month;
  for (std::size_t j = 0; j < nq; ++j) {
    const auto& pw = params_.pathways[j];
    const std::size_t k = np + j;
    join_queue(queue_[k], new_applicants[j], rng, day);
    pathway_transitions_[static_cast<std::size_t>(pw.country) * transition_count + pathway_applied] +=
        static_cast<std::int64_t>(new_applicants[j].size());
    pathway_decisions_[k * outcome_count + application] +=
        static_cast<std::int64_t>(new_applicants[j].size());
    // 2. Giving up: the hazard grows with the push at origin and the time waited.
    auto leave_irregularly = [&](std::uint64_t a) {
      pop.legal_status[a] = LegalStatus::in_transit;
      pop.status_since[a] = store_day(day);
      col.programme[a] = no_programme;
      pop.flags[a] &= static_cast<std::uint8_t>(~agent_flag::settled);
    };
    auto give_up_in = [&](std::deque<std::uint64_t>& queue) {
      std::deque<std::uint64_t> kept;
      for (std::uint64_t a : queue) {
        if (pop.legal_status[a] != LegalStatus::applicant || col.programme[a] != k) continue;
        const double waited_years = (day - pop.status_since[a]) / 365.0;
        const double h = pw.give_up_per_day * push(country_of(pop.origin[a]), day) *
                         (1 + pw.give_up_growth_per_year * waited_years);
        if (rng.uniform(a, day, legal_purpose::give_up) < h) {
          leave_irregularly(a);
          count(pw.country, gave_up_irregular);
          ++pathway_decisions_[k * outcome_count + gave_up];
        } else {
          kept.push_back(a);
        }
      }
      queue.swap(kept);
    };
    if (pw.give_up_per_day > 0) {
      give_up_in(queue_[k]);
      for (auto& q : later_stages_[k]) give_up_in(q);
    }
    auto approve = [&](std::uint64_t a) {
      ++approved_in_month_[j];
      pop.legal_status[a] = LegalStatus::in_transit;  // leaves today, with a permit
      pop.status_since[a] = store_day(day);
      pop.departure_day[a] = store_day(day);
      pop.flags[a] = static_cast<std::uint8_t>((pop.flags[a] | holds_permit) & ~agent_flag::settled);
      col.resources[a] = static_cast<float>(static_cast<double>(col.resources[a]) - pw.fee_usd);
      count(pw.country, pathway_approved);
      ++pathway_decisions_[k * outcome_count + approved];
    };
    // Rejected (or absent at a stage): some leave irregularly (draw `u`), the others stay home.
    auto reject = [&](std::uint64_t a, double u) {
      if (u < pw.irregular_after_rejection) {
        leave_irregularly(a);
      } else {  // stays home, lawfully
        pop.legal_status[a] = LegalStatus::regular;
        pop.status_since[a] = store_day(day);
        col.programme[a] = no_programme;
      }
    };
    const auto within_quota = [&]() {
      return pw.quota_per_month < 0 || approved_in_month_[j] < pw.quota_per_month;
    };
    if (!pw.stages.empty()) {
      work_stages(
          k, rng, day,
          [&](std::uint64_t a) {
            return pop.legal_status[a] == LegalStatus::applicant && col.programme[a] == k;
          },
          within_quota,
          [&](std::uint64_t a, Outcome outcome, const r123::Philox4x32::ctr_type& w) {
            if (day - pop.status_since[a] <= 365)
              ++pathway_decisions_[k * outcome_count + decided_within_365_days];
            if (outcome == approved) {
              approve(a);
              return;
            }
            count(pw.country, pathway_rejected);
            ++pathway_decisions_[k * outcome_count + outcome];
            reject(a, KeyedRng::to_unit(w.v[2]));
          });
      continue;
    }
    // 3. Decisions, first come first served, within the day's capacity and the month's quota.
    std::int32_t capacity = pw.processing_per_day;
    while (capacity > 0 && !queue_[k].empty() && within_quota()) {
      const std::uint64_t a = queue_[k].front();
      queue_[k].pop_front();
      if (pop.legal_status[a] != LegalStatus::applicant || col.programme[a] != k) continue;
      --capacity;
      const auto wd = rng.words(a, day, legal_purpose::decision);
      if (day - pop.status_since[a] <= 365) ++pathway_decisions_[k * outcome_count + decided_within_365_days];
      if (KeyedRng::to_unit(wd.v[0]) < pw.approval) {
        approve(a);
      } else {
        count(pw.country, pathway_rejected);
        ++pathway_decisions_[k * outcome_count + outcome_rejected];
        reject(a, KeyedRng::to_unit(wd.v[1]));
      }
    }
  }
}

void LegalStatusModel::spawn_counts(StepContext& ctx, std::vector<std::int64_t>& per_place) {
  if (ctx.day() != 0) return;
  for (std::size_t p = 0; p < per_place.size(); ++p) per_place[p] += residents_at_[p];
}

void LegalStatusModel::init_agents(StepContext& ctx, std::size_t first, std::size_t last) {
  // Agents arrive grouped by place in place order; within a place, the groups in the order listed.
  Population& pop = ctx.population();
  const Columns col = columns(pop);
  std::vector<std::size_t> place_start(residents_at_.size());
  std::size_t start = first;
  for (std::size_t p = 0; p < residents_at_.size(); ++p) {
    place_start[p] = start;
    start += static_cast<std::size_t>(residents_at_[p]);
  }
  if (start != last) throw InternalError("legal model: resident count mismatch");
  const std::int32_t day = ctx.day();
  const World& world = ctx.world();
  const std::vector<Demography::Shares> shares = params_.demography.by_country(world.countries().size());
  ctx.parallel_for(first, last, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      const auto p = static_cast<std::size_t>(pop.place[i]);
      auto k = static_cast<std::int64_t>(i - place_start[p]);
      const LegalParams::Residents* g = nullptr;
      for (const auto& r : params_.residents) {
        if (static_cast<std::size_t>(r.place) != p) continue;
        if (k < r.count) {
          g = &r;
          break;
        }
        k -= r.count;
      }
      const auto w = ctx.rng().words(i, day, legal_purpose::residents);
      const double years =
          g->resident_years_min + (g->resident_years_max - g->resident_years_min) * KeyedRng::to_unit(w.v[0]);
      const auto entry = day - static_cast<std::int32_t>(std::lround(years * 365.25));
      pop.reset(i, pop.place[i], entry);
      pop.origin[i] = g->origin;
      pop.destination[i] = pop.place[i];
      col.permit_until[i] = g->permit_days > 0
                                ? day + static_cast<std::int32_t>(KeyedRng::to_unit(w.v[1]) * g->permit_days)
                                : -1;
      pop.legal_status[i] = g->status;
      Demography::draw(
          shares[static_cast<std::size_t>(world.places()[static_cast<std::size_t>(g->origin)].country)],
          KeyedRng::to_unit(w.v[3]), KeyedRng::to_unit(w.v[2]), pop.sex[i], pop.age_band[i]);
      pop.flags[i] = agent_flag::settled;
    }
  });
}

LegalStatusModel::Counters& LegalStatusModel::local(std::size_t countries) {
  Counters& c = counters_.local();
  if (c.transitions.size() != countries * transition_count) {
    c.transitions.assign(countries * transition_count, 0);
    c.decisions.assign((params_.programmes.size() + params_.pathways.size()) * outcome_count, 0);
    c.detain.assign(countries, {});
    c.detained_now.assign(countries, 0);
    c.applicants.assign(params_.programmes.size(), {});
  }
  return c;
}

void LegalStatusModel::update_status(StepContext& ctx) {
  Population& pop = ctx.population();
  const Columns col = columns(pop);
  const std::uint8_t holds_permit = holds_permit_.mask;
  const World& world = ctx.world();
  const KeyedRng& rng = ctx.rng();
  const std::int32_t day = ctx.day();
  for (auto& c : counters_) {
    std::fill(c.transitions.begin(), c.transitions.end(), 0);
    std::fill(c.decisions.begin(), c.decisions.end(), 0);
    for (auto& a : c.applicants) a.clear();
    for (auto& a : c.detain) a.clear();
    std::fill(c.detained_now.begin(), c.detained_now.end(), 0);
  }
  // Per-day application hazards of each programme (so that the window's total take-up is the parameter).
  std::vector<double> hazard(params_.programmes.size(), 0.0);
  for (std::size_t k = 0; k < params_.programmes.size(); ++k) {
    const auto& pr = params_.programmes[k];
    const double q = std::clamp(pr.take_up * pr.information_campaign * (1 - pr.enforcement_fear), 0.0, 1.0);
    const double span = pr.permanent ? 365.0 : static_cast<double>(pr.close_day - pr.open_day + 1);
    hazard[k] = q >= 1 ? 1.0 : 1 - std::pow(1 - q, 1 / span);
  }

  const std::uint8_t me = ctx.model_index();
  const std::size_t np = params_.programmes.size();
  const auto& again = params_.reemigration;
  // Whether an irregular resident (irregular or overstayer) who did not arrive today can change today: by
  // enforcement, or by applying to a programme open today. Where neither, it is passed over at once.
  bool irregular_may_change = !params_.enforcement.empty();
  for (const auto& pr : params_.programmes) irregular_may_change |= day >= pr.open_day && day <= pr.close_day;
  ctx.parallel_for(0, pop.size(), [&](std::size_t b, std::size_t e) {
    Counters& c = local(countries_);
    const LegalStatus* const status = pop.legal_status.data();  // local copies: the pass over the
    const stored_day* const since = pop.status_since.data();    // passed-over stays a tight loop
    const bool pass_over = !irregular_may_change;
    for (std::size_t i = b; i < e; ++i) {
      if (pass_over && (status[i] == LegalStatus::irregular || status[i] == LegalStatus::overstayer) &&
          since[i] != day)
        continue;
      const place_id at = pop.place[i];
      LegalStatus s = pop.legal_status[i];
      // Re-emigration: once, `delay_days` after the return, a movement model's agent may leave again.
      if (s == LegalStatus::returned && again.share > 0 && at >= 0 &&
          journey::driver_of(pop.driver[i]) != me && pop.destination[i] >= 0 &&
          pop.destination[i] != pop.origin[i] && day - pop.status_since[i] == again.delay_days) {
        if (rng.uniform(i, day, legal_purpose::reemigration) < again.share) {
          pop.legal_status[i] = LegalStatus::in_transit;
          pop.status_since[i] = pop.departure_day[i] = store_day(day);
          pop.place[i] = pop.origin[i];
          pop.arc[i] = -1;
          pop.km_done[i] = 0;
          pop.wait_days[i] = 0;
          col.permit_until[i] = -1;
          col.programme[i] = no_programme;
          pop.flags[i] &=
              static_cast<std::uint8_t>(~(agent_flag::settled | agent_flag::stranded | agent_flag::rerouted |
                                          holds_permit | agent_flag::admitted));
          const country_id home = world.places()[static_cast<std::size_t>(pop.origin[i])].country;
          ++c.transitions[static_cast<std::size_t>(home) * transition_count + reemigrated];
        }
        continue;
      }
      // Apprehension at a crossing: someone who entered this country today without a permit, on the way
      // (at a place, or already on a route inside the country: then held where that route starts).
      if (s == LegalStatus::in_transit && pop.entry_day[i] == day &&
          journey::driver_of(pop.driver[i]) != me && !(pop.flags[i] & (holds_permit | agent_flag::settled))) {
        const place_id where = at >= 0 ? at : world.arc_source(pop.arc[i]);
        const country_id here = world.places()[static_cast<std::size_t>(where)].country;
        const LegalParams::Enforcement* en = in_force(here, day);
        if (en && en->apprehension_at_crossing > 0 &&
            here != world.places()[static_cast<std::size_t>(pop.origin[i])].country &&
            rng.uniform(i, day, legal_purpose::enforcement, 2) < en->apprehension_at_crossing) {
          pop.place[i] = where;
          pop.arc[i] = -1;
          pop.km_done[i] = 0;
          pop.flags[i] |= agent_flag::settled;  // held; released people go on (see below)
          if (en->detention_capacity >= 0) {
            c.detain[static_cast<std::size_t>(here)].push_back(i);
          } else {
            pop.legal_status[i] = LegalStatus::detained;
            pop.status_since[i] = store_day(day);
            ++c.transitions[static_cast<std::size_t>(here) * transition_count + apprehended_at_crossing];
          }
        }
        continue;
      }
      if (at < 0 || s == LegalStatus::in_transit || s == LegalStatus::dead || s == LegalStatus::returned)
        continue;
      const country_id country = world.places()[static_cast<std::size_t>(at)].country;
      const country_id home = world.places()[static_cast<std::size_t>(pop.origin[i])].country;
      if (country == home) continue;  // citizens in their own country
      auto count = [&](Transition t) {
        ++c.transitions[static_cast<std::size_t>(country) * transition_count + t];
      };
      // Arrivals: a movement model settled the person here today.
      if (pop.status_since[i] == day && journey::driver_of(pop.driver[i]) != me &&
          (s == LegalStatus::irregular || s == LegalStatus::regular))
        count(s == LegalStatus::irregular ? arrived_irregular : arrived_regular);
      // Permits: visa holders get one on arrival (a pathway's, or the default visa's); at expiry, renewal,
      // circular return home, or overstay.
      const bool via_pathway =
          s == LegalStatus::regular && col.programme[i] != no_programme && col.programme[i] >= np;
      const LegalParams::Pathway* pw = via_pathway ? &params_.pathways[col.programme[i] - np] : nullptr;
      if (s == LegalStatus::regular && col.permit_until[i] < 0 && (pop.flags[i] & holds_permit)) {
        col.permit_until[i] = day + (pw ? pw->permit_days : params_.visa_permit_days);
      }
      if ((s == LegalStatus::regular || s == LegalStatus::regularised) && col.permit_until[i] >= 0 &&
          day >= col.permit_until[i]) {
        const bool via_programme = s == LegalStatus::regularised && col.programme[i] != no_programme;
        const double renew = via_programme ? params_.programmes[col.programme[i]].renewal
                             : pw          ? pw->renewal
                                           : params_.visa_renewal;
        const std::int32_t length = via_programme ? params_.programmes[col.programme[i]].permit_days
                                    : pw          ? pw->permit_days
                                                  : params_.visa_permit_days;
        if (rng.uniform(i, day, legal_purpose::permit) < renew) {
          col.permit_until[i] = day + length;
          count(permit_renewed);
        } else if (pw && pw->circular) {
          pop.legal_status[i] = LegalStatus::returned;
          pop.status_since[i] = store_day(day);
          col.permit_until[i] = -1;
          pop.place[i] = pop.origin[i];
          pop.flags[i] &= static_cast<std::uint8_t>(~holds_permit);
          count(circular_return);
          continue;
        } else {
          s = LegalStatus::overstayer;
          pop.status_since[i] = store_day(day);
          col.permit_until[i] = -1;
          count(became_overstayer);
        }
      }
      // Enforcement.
      bool held = false;  // apprehended where detention has a capacity: allocated after the loop
      const bool irregular = s == LegalStatus::irregular || s == LegalStatus::overstayer;
      if (const LegalParams::Enforcement* en = irregular ? in_force(country, day) : nullptr) {
        // One draw per irregular resident and day: below the apprehension probability, apprehended;
        // in the next `voluntary_return_per_day`, goes home.
        const double u = (en->apprehension_per_day > 0 || en->voluntary_return_per_day > 0)
                             ? rng.uniform(i, day, legal_purpose::enforcement, 0)
                             : 1.0;
        if (u >= en->apprehension_per_day && u < en->apprehension_per_day + en->voluntary_return_per_day) {
          s = LegalStatus::returned;
          pop.status_since[i] = store_day(day);
          pop.place[i] = pop.origin[i];
          count(voluntary_return);
        } else if (u < en->apprehension_per_day) {
          if (en->detention_capacity >= 0) {
            c.detain[static_cast<std::size_t>(country)].push_back(i);
            held = true;
          } else {
            s = LegalStatus::detained;
            pop.status_since[i] = store_day(day);
            count(apprehended);
          }
        }
      } else if (s == LegalStatus::detained) {
        const LegalParams::Enforcement* rule = detention_rule(country, day);
        if (rule && day - pop.status_since[i] >= rule->detention_days) {
          if (rng.uniform(i, day, legal_purpose::enforcement, 1) < rule->removal_share) {
            s = LegalStatus::returned;
            pop.place[i] = pop.origin[i];
            count(removed);
          } else if (journey::driver_of(pop.driver[i]) != me && pop.destination[i] >= 0 &&
                     at != pop.destination[i]) {
            s = LegalStatus::in_transit;  // released on the way: the movement model takes them on
            pop.flags[i] &= static_cast<std::uint8_t>(~agent_flag::settled);
            count(released);
          } else {
            s = LegalStatus::irregular;
            count(released);
          }
          pop.status_since[i] = store_day(day);
        }
      }
      if (s == LegalStatus::detained) ++c.detained_now[static_cast<std::size_t>(country)];
      // Regularisation programmes.
      const std::uint32_t status_bit = 1u << static_cast<unsigned>(s);
      if (!held && (admitted_statuses_ & status_bit)) {
        for (std::size_t k = 0; k < params_.programmes.size(); ++k) {
          const auto& pr = params_.programmes[k];
          if (pr.country != country || day < pr.open_day || day > pr.close_day) continue;
          if (!(programme_admits_[k] & status_bit)) continue;
          if (col.programme[i] == k) continue;  // one application per person and programme
          if (!pr.permanent && pop.entry_day[i] > pr.cutoff_day) continue;
          if (day - pop.entry_day[i] < pr.min_residence_days) continue;
          if (!pr.nationalities.empty() &&
              std::find(pr.nationalities.begin(), pr.nationalities.end(), home) == pr.nationalities.end())
            continue;
          const auto wa = rng.words(i, day, legal_purpose::apply, static_cast<std::uint32_t>(k));
          if (KeyedRng::to_unit(wa.v[0]) >= hazard[k]) continue;
          // A fixed draw per agent and programme: does this person meet the other conditions at all?
          if (rng.uniform(i, 0,
                          static_cast<Purpose>(static_cast<std::uint32_t>(legal_purpose::eligibility_base) +
                                               static_cast<std::uint32_t>(k))) >= pr.eligible_share)
            continue;
          count(applied);
          ++c.decisions[k * outcome_count + application];
          col.programme[i] = static_cast<std::uint8_t>(k);
          if (KeyedRng::to_unit(wa.v[1]) < pr.documentation_barrier) {
            count(inadmissible);
            ++c.decisions[k * outcome_count + outcome_inadmissible];
            continue;
          }
          if (col.applied_from)  // a lawful status is kept while the application waits
            col.applied_from[i] = (s == LegalStatus::regular || s == LegalStatus::temporary_protection)
                                      ? static_cast<std::uint8_t>(s)
                                      : std::uint8_t{255};
          s = LegalStatus::applicant;
          pop.status_since[i] = store_day(day);
          col.programme[i] = static_cast<std::uint8_t>(k);
          c.applicants[k].push_back(i);
          break;
        }
      }
      pop.legal_status[i] = s;
    }
  });

  std::fill(transitions_today_.begin(), transitions_today_.end(), 0);
  std::fill(decisions_today_.begin(), decisions_today_.end(), 0);
  std::vector<std::vector<std::uint64_t>> applicants(params_.programmes.size());
  for (const auto& c : counters_) {
    if (c.transitions.empty()) continue;
    for (std::size_t k = 0; k < c.transitions.size(); ++k) transitions_today_[k] += c.transitions[k];
    for (std::size_t k = 0; k < c.decisions.size(); ++k) decisions_today_[k] += c.decisions[k];
    for (std::size_t k = 0; k < c.applicants.size(); ++k)
      applicants[k].insert(applicants[k].end(), c.applicants[k].begin(), c.applicants[k].end());
  }
  for (std::size_t k = 0; k < transitions_today_.size(); ++k)
    transitions_today_[k] += pathway_transitions_[k];
  for (std::size_t k = 0; k < decisions_today_.size(); ++k) decisions_today_[k] += pathway_decisions_[k];
  // Detention with a capacity: the day's apprehended get the free places by keyed priority; the others
  // stay where they are (not detained).
  for (const auto& en : params_.enforcement) {
    if (en.detention_capacity < 0 || in_force(en.country, day) != &en) continue;
    const auto country = static_cast<std::size_t>(en.country);
    std::vector<ResourceRequest> requests;
    std::int64_t detained_now = 0;
    for (const auto& c : counters_) {
      if (c.detain.empty()) continue;
      detained_now += c.detained_now[country];
      for (std::uint64_t a : c.detain[country])
        requests.push_back({0, rng.words(a, day, legal_purpose::detention_priority).v[0], a});
    }
    const auto free =
        static_cast<std::size_t>(std::max<std::int64_t>(0, en.detention_capacity - detained_now));
    std::size_t admitted = 0;
    admit_best(
        requests, [&](std::int32_t) { return free; },
        [&](std::uint64_t a) {
          const bool on_the_way = pop.legal_status[a] == LegalStatus::in_transit;
          ++transitions_today_[country * transition_count +
                               (on_the_way ? apprehended_at_crossing : apprehended)];
          pop.legal_status[a] = LegalStatus::detained;
          pop.status_since[a] = store_day(day);
          ++admitted;
        });
    transitions_today_[country * transition_count + not_detained_full] +=
        static_cast<std::int64_t>(requests.size() - admitted);
    // No place: people stopped on the way go on.
    for (const auto& rq : requests)
      if (pop.legal_status[rq.agent] == LegalStatus::in_transit)
        pop.flags[rq.agent] &= static_cast<std::uint8_t>(~agent_flag::settled);
  }
  // Queue: today's applications join in an order drawn from the keyed RNG (who queued first that day),
  // independent of threads; then the day's capacity is decided, first come first served.
  for (std::size_t k = 0; k < params_.programmes.size(); ++k) {
    join_queue(queue_[k], applicants[k], rng, day);
    const auto& pr = params_.programmes[k];
    const auto country = static_cast<std::size_t>(pr.country);
    if (!pr.stages.empty()) {
      work_stages(
          k, rng, day, [&](std::uint64_t a) { return pop.legal_status[a] == LegalStatus::applicant; },
          [] { return true; },
          [&](std::uint64_t a, Outcome outcome, const r123::Philox4x32::ctr_type&) {
            if (day - pop.status_since[a] <= 365)
              ++decisions_today_[k * outcome_count + decided_within_365_days];
            pop.status_since[a] = store_day(day);
            ++decisions_today_[k * outcome_count + outcome];
            if (outcome == approved) {
              if (col.applied_from) col.applied_from[a] = 255;
              pop.legal_status[a] = LegalStatus::regularised;
              col.permit_until[a] = day + pr.permit_days;
              ++transitions_today_[country * transition_count + regularised];
            } else {
              pop.legal_status[a] = refused_status(col, a);
              ++transitions_today_[country * transition_count +
                                   (outcome == outcome_absent ? absent : rejected)];
            }
          });
      continue;
    }
    std::int32_t capacity = pr.processing_per_day;
    while (capacity > 0 && !queue_[k].empty()) {
      const std::uint64_t a = queue_[k].front();
      queue_[k].pop_front();
      if (pop.legal_status[a] != LegalStatus::applicant) continue;  // left the queue (e.g. died)
      --capacity;
      const auto wd = rng.words(a, day, legal_purpose::decision);
      if (day - pop.status_since[a] <= 365) ++decisions_today_[k * outcome_count + decided_within_365_days];
      pop.status_since[a] = store_day(day);
      if (KeyedRng::to_unit(wd.v[0]) < pr.no_show) {
        pop.legal_status[a] = refused_status(col, a);
        ++decisions_today_[k * outcome_count + outcome_absent];
        ++transitions_today_[country * transition_count + absent];
      } else if (KeyedRng::to_unit(wd.v[1]) < pr.rejection) {
        pop.legal_status[a] = refused_status(col, a);
        ++decisions_today_[k * outcome_count + outcome_rejected];
        ++transitions_today_[country * transition_count + rejected];
      } else {
        if (col.applied_from) col.applied_from[a] = 255;
        pop.legal_status[a] = LegalStatus::regularised;
        col.permit_until[a] = day + pr.permit_days;
        ++decisions_today_[k * outcome_count + approved];
        ++transitions_today_[country * transition_count + regularised];
      }
    }
  }
}

std::size_t LegalStatusModel::waiting_at_any_stage(std::size_t k) const {
  std::size_t n = queue_[k].size();
  for (const auto& q : later_stages_[k]) n += q.size();
  return n;
}

template <class Waiting, class MayPass, class End>
void LegalStatusModel::work_stages(std::size_t k, const KeyedRng& rng, std::int32_t day, Waiting waiting,
                                   MayPass may_pass, End end) {
  const auto& stages = stages_of(k);
  const std::size_t n = stages.size();
  auto queue_of = [&](std::size_t st) -> std::deque<std::uint64_t>& {
    return st == 0 ? queue_[k] : later_stages_[k][st - 1];
  };
  for (std::size_t st = n; st-- > 0;) {
    const auto& stage = stages[st];
    const bool last = st + 1 == n;
    std::int64_t* q = &stages_today_[(first_stage_[k] + st) * stage_quantity_count];
    auto capacity = static_cast<std::int64_t>(std::floor(value_on(stage.per_day, day, 0.0)));
    auto& queue = queue_of(st);
    while (capacity > 0 && !queue.empty() && (!last || may_pass())) {
      const std::uint64_t a = queue.front();
      queue.pop_front();
      if (!waiting(a)) continue;  // left the queue (e.g. died, gave up)
      --capacity;
      const auto wd = rng.words(a, day, legal_purpose::decision, static_cast<std::uint32_t>(n - 1 - st));
      if (KeyedRng::to_unit(wd.v[0]) < stage.no_show) {
        ++q[stage_absent];
        end(a, outcome_absent, wd);
      } else if (KeyedRng::to_unit(wd.v[1]) < stage.rejection) {
        ++q[stage_rejected];
        end(a, outcome_rejected, wd);
      } else if (!last) {
        ++q[stage_passed];
        queue_of(st + 1).push_back(a);
      } else {
        ++q[stage_passed];
        end(a, approved, wd);
      }
    }
  }
  for (std::size_t st = 0; st < n; ++st)
    stages_today_[(first_stage_[k] + st) * stage_quantity_count + stage_waiting] =
        static_cast<std::int64_t>(queue_of(st).size());
}

void LegalStatusModel::declare_series(std::vector<SeriesSpec>& out) const {
  std::vector<std::string> programmes, outcomes, transitions;
  for (const auto& p : params_.programmes) programmes.push_back(p.name);
  for (const auto& p : params_.pathways) programmes.push_back(p.name);
  for (const char* o : outcome_names) outcomes.emplace_back(o);
  for (const char* t : transition_names) transitions.emplace_back(t);
  out.push_back({"programme_queue",
                 "applications waiting for a decision at the end of the day",
                 "applications",
                 {"programme"},
                 {programmes}});
  out.push_back({"programme_decisions",
                 "applications and decisions during the day",
                 "applications",
                 {"programme", "outcome"},
                 {programmes, outcomes}});
  out.push_back({"transitions",
                 "changes of legal status during the day",
                 "persons",
                 {"country", "transition"},
                 {params_.country_codes, transitions}});
  std::vector<std::string> stages;
  for (const auto& p : params_.programmes)
    for (const auto& st : p.stages) stages.push_back(p.name + ": " + st.name);
  for (const auto& p : params_.pathways)
    for (const auto& st : p.stages) stages.push_back(p.name + ": " + st.name);
  if (!stages.empty())
    out.push_back({"programme_stages",
                   "multi-stage procedures: applications waiting at each stage at the end of the day, and "
                   "those who passed it, were absent or were refused there during the day",
                   "applications",
                   {"stage", "stage_quantity"},
                   {stages, {"waiting", "passed", "absent", "rejected"}}});
}

void LegalStatusModel::fill_series(StepContext& ctx, std::vector<std::vector<std::int64_t>>& values) {
  (void)ctx;
  values[0].resize(queue_.size());
  for (std::size_t k = 0; k < queue_.size(); ++k) {
    values[0][k] = static_cast<std::int64_t>(waiting_at_any_stage(k));
  }
  values[1] = decisions_today_;
  values[2] = transitions_today_;
  if (!stages_today_.empty()) values[3] = stages_today_;
}

// Checkpoints (docs/reliability.md). The queues of every programme and stage, the month's approvals and the
// day's counts.
void LegalStatusModel::save_state(StateWriter& out) const {
  out.fields(lawful_applicants_, programme_admits_, admitted_statuses_, residents_at_, seen_,
             approved_in_month_, month_, pathway_transitions_, pathway_decisions_, later_stages_,
             stages_today_, first_stage_, queue_, transitions_today_, decisions_today_, countries_);
}

void LegalStatusModel::load_state(StateReader& in, StepContext&) {
  in.fields(lawful_applicants_, programme_admits_, admitted_statuses_, residents_at_, seen_,
            approved_in_month_, month_, pathway_transitions_, pathway_decisions_, later_stages_,
            stages_today_, first_stage_, queue_, transitions_today_, decisions_today_, countries_);
}

}  // namespace migrasim::models
