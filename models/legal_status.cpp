#include "models/legal_status.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "sim/errors.hpp"

namespace migrasim::models {

namespace {

void share(const std::string& name, double v) {
  if (!(v >= 0 && v <= 1))
    throw InputError(name + " = " + std::to_string(v) + ": expected a share in [0, 1]");
}

const char* transition_names[] = {"applied", "inadmissible",   "regularised",       "rejected",
                                  "absent",  "permit_renewed", "became_overstayer", "apprehended",
                                  "removed", "released"};
const char* outcome_names[] = {"application", "inadmissible", "approved",
                               "rejected",    "absent",       "decided_within_365_days"};

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
    share(n + ".eligible_share", p.eligible_share);
    share(n + ".take_up", p.take_up);
    share(n + ".enforcement_fear", p.enforcement_fear);
    share(n + ".documentation_barrier", p.documentation_barrier);
    share(n + ".no_show", p.no_show);
    share(n + ".rejection", p.rejection);
    share(n + ".renewal", p.renewal);
    if (!(p.information_campaign >= 0)) throw InputError(n + ".information_campaign must be >= 0");
  }
  for (const auto& e : enforcement) {
    share("enforcement.apprehension_per_day", e.apprehension_per_day);
    share("enforcement.removal_share", e.removal_share);
    if (e.detention_days < 0) throw InputError("enforcement.detention_days must be >= 0");
  }
  if (visa_permit_days < 1) throw InputError("visa_permit_days must be >= 1");
  share("visa_renewal", visa_renewal);
  (void)days;
}

LegalStatusModel::LegalStatusModel(LegalParams params) : params_(std::move(params)) {}

void LegalStatusModel::on_start(StepContext& ctx) {
  params_.validate(ctx.world(), ctx.days());
  countries_ = ctx.world().countries().size();
  residents_at_.assign(static_cast<std::size_t>(ctx.world().place_count()), 0);
  for (const auto& r : params_.residents) residents_at_[static_cast<std::size_t>(r.place)] += r.count;
  queue_.assign(params_.programmes.size(), {});
  transitions_today_.assign(countries_ * transition_count, 0);
  decisions_today_.assign(params_.programmes.size() * outcome_count, 0);
}

void LegalStatusModel::spawn_counts(StepContext& ctx, std::vector<std::int64_t>& per_place) {
  if (ctx.day() != 0) return;
  for (std::size_t p = 0; p < per_place.size(); ++p) per_place[p] += residents_at_[p];
}

void LegalStatusModel::init_agents(StepContext& ctx, std::size_t first, std::size_t last) {
  // Agents arrive grouped by place in place order; within a place, the groups in the order listed.
  Population& pop = ctx.population();
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
      const auto w = ctx.rng().words(i, day, Purpose::legal_residents);
      const double years =
          g->resident_years_min + (g->resident_years_max - g->resident_years_min) * KeyedRng::to_unit(w.v[0]);
      const auto entry = day - static_cast<std::int32_t>(std::lround(years * 365.25));
      pop.reset(i, pop.place[i], entry);
      pop.origin[i] = g->origin;
      pop.destination[i] = pop.place[i];
      pop.permit_until[i] = g->permit_days > 0
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
    c.decisions.assign(params_.programmes.size() * outcome_count, 0);
    c.applicants.assign(params_.programmes.size(), {});
  }
  return c;
}

void LegalStatusModel::update_status(StepContext& ctx) {
  Population& pop = ctx.population();
  const World& world = ctx.world();
  const KeyedRng& rng = ctx.rng();
  const std::int32_t day = ctx.day();
  for (auto& c : counters_) {
    std::fill(c.transitions.begin(), c.transitions.end(), 0);
    std::fill(c.decisions.begin(), c.decisions.end(), 0);
    for (auto& a : c.applicants) a.clear();
  }
  // Per-day application hazards of each programme (so that the window's total take-up is the parameter).
  std::vector<double> hazard(params_.programmes.size(), 0.0);
  for (std::size_t k = 0; k < params_.programmes.size(); ++k) {
    const auto& pr = params_.programmes[k];
    const double q = std::clamp(pr.take_up * pr.information_campaign * (1 - pr.enforcement_fear), 0.0, 1.0);
    const double span = pr.permanent ? 365.0 : static_cast<double>(pr.close_day - pr.open_day + 1);
    hazard[k] = q >= 1 ? 1.0 : 1 - std::pow(1 - q, 1 / span);
  }

  ctx.parallel_for(0, pop.size(), [&](std::size_t b, std::size_t e) {
    Counters& c = local(countries_);
    for (std::size_t i = b; i < e; ++i) {
      const place_id at = pop.place[i];
      LegalStatus s = pop.legal_status[i];
      if (at < 0 || s == LegalStatus::in_transit || s == LegalStatus::dead || s == LegalStatus::returned)
        continue;
      const country_id country = world.places()[static_cast<std::size_t>(at)].country;
      const country_id home = world.places()[static_cast<std::size_t>(pop.origin[i])].country;
      if (country == home) continue;  // citizens in their own country
      auto count = [&](Transition t) {
        ++c.transitions[static_cast<std::size_t>(country) * transition_count + t];
      };
      // Permits: visa holders get one on arrival; at expiry, renewal or overstay.
      if (s == LegalStatus::regular && pop.permit_until[i] < 0 && (pop.flags[i] & agent_flag::has_visa)) {
        pop.permit_until[i] = day + params_.visa_permit_days;
      }
      if ((s == LegalStatus::regular || s == LegalStatus::regularised) && pop.permit_until[i] >= 0 &&
          day >= pop.permit_until[i]) {
        const bool via_programme = s == LegalStatus::regularised && pop.programme[i] != no_programme;
        const double renew =
            via_programme ? params_.programmes[pop.programme[i]].renewal : params_.visa_renewal;
        const std::int32_t length =
            via_programme ? params_.programmes[pop.programme[i]].permit_days : params_.visa_permit_days;
        if (rng.uniform(i, day, Purpose::legal_permit) < renew) {
          pop.permit_until[i] = day + length;
          count(permit_renewed);
        } else {
          s = LegalStatus::overstayer;
          pop.status_since[i] = day;
          pop.permit_until[i] = -1;
          count(became_overstayer);
        }
      }
      // Enforcement.
      for (const auto& en : params_.enforcement) {
        if (en.country != country) continue;
        if ((s == LegalStatus::irregular || s == LegalStatus::overstayer) && en.apprehension_per_day > 0 &&
            rng.uniform(i, day, Purpose::legal_enforcement, 0) < en.apprehension_per_day) {
          s = LegalStatus::detained;
          pop.status_since[i] = day;
          count(apprehended);
        } else if (s == LegalStatus::detained && day - pop.status_since[i] >= en.detention_days) {
          if (rng.uniform(i, day, Purpose::legal_enforcement, 1) < en.removal_share) {
            s = LegalStatus::returned;
            pop.place[i] = pop.origin[i];
            count(removed);
          } else {
            s = LegalStatus::irregular;
            count(released);
          }
          pop.status_since[i] = day;
        }
      }
      // Regularisation programmes.
      if (s == LegalStatus::irregular || s == LegalStatus::overstayer) {
        for (std::size_t k = 0; k < params_.programmes.size(); ++k) {
          const auto& pr = params_.programmes[k];
          if (pr.country != country || day < pr.open_day || day > pr.close_day) continue;
          if (pop.programme[i] == k) continue;  // one application per person and programme
          if (!pr.permanent && pop.entry_day[i] > pr.cutoff_day) continue;
          if (day - pop.entry_day[i] < pr.min_residence_days) continue;
          if (!pr.nationalities.empty() &&
              std::find(pr.nationalities.begin(), pr.nationalities.end(), home) == pr.nationalities.end())
            continue;
          const auto wa = rng.words(i, day, Purpose::legal_apply, static_cast<std::uint32_t>(k));
          if (KeyedRng::to_unit(wa.v[0]) >= hazard[k]) continue;
          // A fixed draw per agent and programme: does this person meet the other conditions at all?
          if (rng.uniform(i, 0,
                          static_cast<Purpose>(static_cast<std::uint32_t>(Purpose::legal_eligibility_base) +
                                               static_cast<std::uint32_t>(k))) >= pr.eligible_share)
            continue;
          count(applied);
          ++c.decisions[k * outcome_count + application];
          pop.programme[i] = static_cast<std::uint8_t>(k);
          if (KeyedRng::to_unit(wa.v[1]) < pr.documentation_barrier) {
            count(inadmissible);
            ++c.decisions[k * outcome_count + outcome_inadmissible];
            continue;
          }
          s = LegalStatus::applicant;
          pop.status_since[i] = day;
          pop.programme[i] = static_cast<std::uint8_t>(k);
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
  // Queue: today's applications join in an order drawn from the keyed RNG (who queued first that day),
  // independent of threads; then the day's capacity is decided, first come first served.
  for (std::size_t k = 0; k < params_.programmes.size(); ++k) {
    auto& today = applicants[k];
    std::vector<std::pair<std::uint32_t, std::uint64_t>> order;
    order.reserve(today.size());
    for (std::uint64_t a : today) order.emplace_back(rng.words(a, day, Purpose::legal_queue).v[0], a);
    std::sort(order.begin(), order.end());
    for (const auto& o : order) queue_[k].push_back(o.second);
    const auto& pr = params_.programmes[k];
    const auto country = static_cast<std::size_t>(pr.country);
    std::int32_t capacity = pr.processing_per_day;
    while (capacity > 0 && !queue_[k].empty()) {
      const std::uint64_t a = queue_[k].front();
      queue_[k].pop_front();
      if (pop.legal_status[a] != LegalStatus::applicant) continue;  // left the queue (e.g. died)
      --capacity;
      const auto wd = rng.words(a, day, Purpose::legal_decision);
      if (day - pop.status_since[a] <= 365) ++decisions_today_[k * outcome_count + decided_within_365_days];
      pop.status_since[a] = day;
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
        pop.permit_until[a] = day + pr.permit_days;
        ++decisions_today_[k * outcome_count + approved];
        ++transitions_today_[country * transition_count + regularised];
      }
    }
  }
}

void LegalStatusModel::declare_series(std::vector<SeriesSpec>& out) const {
  std::vector<std::string> programmes, outcomes, transitions;
  for (const auto& p : params_.programmes) programmes.push_back(p.name);
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
  values[0].resize(params_.programmes.size());
  for (std::size_t k = 0; k < params_.programmes.size(); ++k)
    values[0][k] = static_cast<std::int64_t>(queue_[k].size());
  values[1] = decisions_today_;
  values[2] = transitions_today_;
}

}  // namespace migrasim::models
