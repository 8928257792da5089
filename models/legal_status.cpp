#include "models/legal_status.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>

#include "models/shared_columns.hpp"
#include "sim/allocation.hpp"
#include "sim/checks.hpp"
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

void LegalParams::validate(const World& world, std::int32_t days) const {
  const auto countries = static_cast<country_id>(world.countries().size());
  if (country_codes.size() != world.countries().size()) throw InternalError("legal: country codes not set");
  for (const auto& r : residents) {
    if (r.place < 0 || r.origin < 0) throw InternalError("residents without place or origin");
    if (r.count < 0) throw InputError("residents: count must be >= 0");
    if (!(r.resident_years_min >= 0 && r.resident_years_max >= r.resident_years_min))
      throw InputError("residents: resident_years must satisfy 0 <= min <= max");
  }
  if (programmes.size() >= no_programme) throw InputError("at most 254 programmes");
  for (const auto& p : programmes) {
    const std::string n = "programmes." + p.name;
    if (p.country < 0 || p.country >= countries) throw InternalError(n + ": bad country");
    if (p.close_day < p.open_day)
      throw InputError(n + ": the window closes (day " + std::to_string(p.close_day) +
                       ") before it opens (day " + std::to_string(p.open_day) + ")");
    if (p.processing_per_day < 0) throw InputError(n + ".processing_per_day must be >= 0");
    if (p.permit_days < 1) throw InputError(n + ".permit_days must be >= 1");
    if (p.min_residence_days < 0) throw InputError(n + ".min_residence_days must be >= 0");
    check_share(n + ".eligible_share", p.eligible_share);
    check_share(n + ".take_up", p.take_up);
    check_share(n + ".enforcement_fear", p.enforcement_fear);
    check_share(n + ".documentation_barrier", p.documentation_barrier);
    check_share(n + ".no_show", p.no_show);
    check_share(n + ".rejection", p.rejection);
    check_share(n + ".renewal", p.renewal);
    if (!(p.information_campaign >= 0)) throw InputError(n + ".information_campaign must be >= 0");
  }
  if (programmes.size() + pathways.size() >= no_programme)
    throw InputError("at most 254 programmes and pathways");
  for (const auto& p : pathways) {
    const std::string n = "pathways." + p.name;
    if (p.country < 0 || p.country >= countries) throw InternalError(n + ": bad country");
    if (p.close_day < p.open_day) throw InputError(n + ": the window closes before it opens");
    if (p.processing_per_day < 0) throw InputError(n + ".processing_per_day must be >= 0");
    if (p.quota_per_month < -1) throw InputError(n + ".quota_per_month must be >= 0");
    if (p.permit_days < 1) throw InputError(n + ".permit_days must be >= 1");
    if (!(p.fee_usd >= 0)) throw InputError(n + ".fee_usd must be >= 0");
    if (!(p.give_up_growth_per_year >= 0)) throw InputError(n + ".give_up_growth_per_year must be >= 0");
    check_share(n + ".skills_share", p.skills_share);
    check_share(n + ".apply_share", p.apply_share);
    check_share(n + ".approval", p.approval);
    check_share(n + ".renewal", p.renewal);
    check_share(n + ".give_up_per_day", p.give_up_per_day);
    check_share(n + ".irregular_after_rejection", p.irregular_after_rejection);
  }
  for (std::size_t a = 0; a < enforcement.size(); ++a)
    for (std::size_t b = a + 1; b < enforcement.size(); ++b)
      if (enforcement[a].country == enforcement[b].country &&
          enforcement[a].from_day <= enforcement[b].until_day &&
          enforcement[b].from_day <= enforcement[a].until_day)
        throw InputError("enforcement: two entries for " +
                         country_codes[static_cast<std::size_t>(enforcement[a].country)] +
                         " are in force on the same days");
  for (const auto& e : enforcement) {
    if (e.until_day < e.from_day) throw InputError("enforcement: ends before it starts");
    check_share("enforcement.apprehension_at_crossing", e.apprehension_at_crossing);
    check_share("enforcement.apprehension_per_day", e.apprehension_per_day);
    check_share("enforcement.removal_share", e.removal_share);
    check_share("enforcement.voluntary_return_per_day", e.voluntary_return_per_day);
    if (e.detention_days < 0) throw InputError("enforcement.detention_days must be >= 0");
    if (e.detention_capacity < -1) throw InputError("enforcement.detention_capacity must be >= 0");
  }
  for (const auto& e : enforcement)
    if (e.apprehension_per_day + e.voluntary_return_per_day > 1)
      throw InputError("enforcement: apprehension_per_day + voluntary_return_per_day must not exceed 1");
  check_share("reemigration.share", reemigration.share);
  if (reemigration.delay_days < 1) throw InputError("reemigration.delay_days must be >= 1");
  if (!push.empty() && push.size() != world.countries().size())
    throw InternalError("legal: push per country");
  if (visa_permit_days < 1) throw InputError("visa_permit_days must be >= 1");
  check_share("visa_renewal", visa_renewal);
  (void)days;
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
}

LegalStatusModel::Columns LegalStatusModel::columns(Population& pop) const {
  return {pop[permit_until_].data(), pop[programme_].data(), pop[resources_].data()};
}

void LegalStatusModel::on_start(StepContext& ctx) {
  params_.validate(ctx.world(), ctx.days());
  countries_ = ctx.world().countries().size();
  residents_at_.assign(static_cast<std::size_t>(ctx.world().place_count()), 0);
  for (const auto& r : params_.residents) residents_at_[static_cast<std::size_t>(r.place)] += r.count;
  const std::size_t all = params_.programmes.size() + params_.pathways.size();
  queue_.assign(all, {});
  transitions_today_.assign(countries_ * transition_count, 0);
  decisions_today_.assign(all * outcome_count, 0);
  pathway_transitions_.assign(countries_ * transition_count, 0);
  pathway_decisions_.assign(all * outcome_count, 0);
  approved_in_month_.assign(params_.pathways.size(), 0);
  seen_ = 0;
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
  const std::size_t first = seen_;
  seen_ = pop.size();
  if (nq == 0) return;
  auto count = [&](country_id c, Transition t) {
    ++pathway_transitions_[static_cast<std::size_t>(c) * transition_count + t];
  };
  auto country_of = [&](place_id p) { return world.places()[static_cast<std::size_t>(p)].country; };
  // 1. Applications from today's new agents (a movement model's, at their origin, without a visa).
  std::vector<std::vector<std::uint64_t>> new_applicants(nq);
  std::mutex merge;
  ctx.parallel_for(first, pop.size(), [&](std::size_t b, std::size_t e) {
    std::vector<std::vector<std::uint64_t>> local(nq);
    for (std::size_t i = b; i < e; ++i) {
      if (pop.owner[i] == me || pop.legal_status[i] != LegalStatus::in_transit || pop.arc[i] >= 0 ||
          pop.place[i] != pop.origin[i] || pop.destination[i] < 0 || (pop.flags[i] & holds_permit))
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
            pw.apply_share)
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
    if (pw.give_up_per_day > 0) {
      std::deque<std::uint64_t> kept;
      for (std::uint64_t a : queue_[k]) {
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
      queue_[k].swap(kept);
    }
    // 3. Decisions, first come first served, within the day's capacity and the month's quota.
    std::int32_t capacity = pw.processing_per_day;
    while (capacity > 0 && !queue_[k].empty() &&
           (pw.quota_per_month < 0 || approved_in_month_[j] < pw.quota_per_month)) {
      const std::uint64_t a = queue_[k].front();
      queue_[k].pop_front();
      if (pop.legal_status[a] != LegalStatus::applicant || col.programme[a] != k) continue;
      --capacity;
      const auto wd = rng.words(a, day, legal_purpose::decision);
      if (day - pop.status_since[a] <= 365) ++pathway_decisions_[k * outcome_count + decided_within_365_days];
      if (KeyedRng::to_unit(wd.v[0]) < pw.approval) {
        ++approved_in_month_[j];
        pop.legal_status[a] = LegalStatus::in_transit;  // leaves today, with a permit
        pop.status_since[a] = store_day(day);
        pop.departure_day[a] = store_day(day);
        pop.flags[a] = static_cast<std::uint8_t>((pop.flags[a] | holds_permit) & ~agent_flag::settled);
        col.resources[a] = static_cast<float>(static_cast<double>(col.resources[a]) - pw.fee_usd);
        count(pw.country, pathway_approved);
        ++pathway_decisions_[k * outcome_count + approved];
      } else {
        count(pw.country, pathway_rejected);
        ++pathway_decisions_[k * outcome_count + outcome_rejected];
        if (KeyedRng::to_unit(wd.v[1]) < pw.irregular_after_rejection) {
          leave_irregularly(a);
        } else {  // stays home, lawfully
          pop.legal_status[a] = LegalStatus::regular;
          pop.status_since[a] = store_day(day);
          col.programme[a] = no_programme;
        }
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
      pop.age_band[i] = static_cast<std::uint8_t>(1 + (w.v[2] % 2));
      pop.sex[i] = (w.v[3] & 1u) ? Sex::male : Sex::female;
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
  ctx.parallel_for(0, pop.size(), [&](std::size_t b, std::size_t e) {
    Counters& c = local(countries_);
    for (std::size_t i = b; i < e; ++i) {
      const place_id at = pop.place[i];
      LegalStatus s = pop.legal_status[i];
      // Re-emigration: once, `delay_days` after the return, a movement model's agent may leave again.
      if (s == LegalStatus::returned && again.share > 0 && at >= 0 && pop.owner[i] != me &&
          pop.destination[i] >= 0 && pop.destination[i] != pop.origin[i] &&
          day - pop.status_since[i] == again.delay_days) {
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
      if (s == LegalStatus::in_transit && pop.entry_day[i] == day && pop.owner[i] != me &&
          !(pop.flags[i] & (holds_permit | agent_flag::settled))) {
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
      if (pop.status_since[i] == day && pop.owner[i] != me &&
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
          } else if (pop.owner[i] != me && pop.destination[i] >= 0 && at != pop.destination[i]) {
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
      if (!held && (s == LegalStatus::irregular || s == LegalStatus::overstayer)) {
        for (std::size_t k = 0; k < params_.programmes.size(); ++k) {
          const auto& pr = params_.programmes[k];
          if (pr.country != country || day < pr.open_day || day > pr.close_day) continue;
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
        pop.legal_status[a] = LegalStatus::irregular;
        ++decisions_today_[k * outcome_count + outcome_absent];
        ++transitions_today_[country * transition_count + absent];
      } else if (KeyedRng::to_unit(wd.v[1]) < pr.rejection) {
        pop.legal_status[a] = LegalStatus::irregular;
        ++decisions_today_[k * outcome_count + outcome_rejected];
        ++transitions_today_[country * transition_count + rejected];
      } else {
        pop.legal_status[a] = LegalStatus::regularised;
        col.permit_until[a] = day + pr.permit_days;
        ++decisions_today_[k * outcome_count + approved];
        ++transitions_today_[country * transition_count + regularised];
      }
    }
  }
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
}

void LegalStatusModel::fill_series(StepContext& ctx, std::vector<std::vector<std::int64_t>>& values) {
  (void)ctx;
  values[0].resize(queue_.size());
  for (std::size_t k = 0; k < queue_.size(); ++k) values[0][k] = static_cast<std::int64_t>(queue_[k].size());
  values[1] = decisions_today_;
  values[2] = transitions_today_;
}

}  // namespace migrasim::models
