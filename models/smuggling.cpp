#include "models/smuggling.hpp"

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
const char* quantity_names[] = {"demand",      "seats",  "seats_used", "price_usd", "revenue_usd", "arrivals",
                                "intercepted", "deaths", "injured",    "abandoned", "operators"};
const char* incident_names[] = {"interception", "death", "injury_abuse", "abandonment"};
static_assert(sizeof(quantity_names) / sizeof(quantity_names[0]) == SmugglingModel::quantity_count);
static_assert(sizeof(incident_names) / sizeof(incident_names[0]) == SmugglingModel::incident_count);

using Kind = SmugglingParams::Kind;
}  // namespace

void SmugglingParams::validate(const World& world, std::int32_t days) const {
  (void)days;
  if (country_codes.size() != world.countries().size() ||
      edge_names.size() != static_cast<std::size_t>(world.route_count()))
    throw InternalError("smuggling: country codes or edge names not set");
  if (services.size() >= no_service) throw InputError("services: at most 254 services");
  for (const auto& s : services) {
    const std::string n = "services." + s.name;
    if (s.path.size() < 2 || s.legs.size() + 1 != s.path.size() || s.risk_leg >= s.legs.size())
      throw InternalError(n + ": bad path");
    for (std::size_t j = 0; j < s.legs.size(); ++j)
      if (s.legs[j] < 0 || world.find_route(s.path[j], s.path[j + 1]) != s.legs[j])
        throw InternalError(n + ": bad leg");
    if (!(s.seats_per_day >= 0)) throw InputError(n + ".seats_per_day must be >= 0");
    if (!(s.base_price_usd >= 0)) throw InputError(n + ".price_usd must be >= 0");
    check_probability(n + ".interception", s.interception);
    check_probability(n + ".death", s.death);
    check_probability(n + ".injury", s.injury);
    check_probability(n + ".abandonment", s.abandonment);
    check_probability(n + ".detention", s.detention);
    if (s.interception + s.death + s.abandonment > 1)
      throw InputError(n + ": interception + death + abandonment must not exceed 1");
    check_probability(n + ".trafficking", s.trafficking);
    check_probability(n + ".trafficking_debt", s.trafficking_debt);
    if (!(s.price_elasticity >= 0) || !(s.risk_premium >= 0) || !(s.capacity_growth >= 0) ||
        !(s.operating_cost_usd >= 0) || !(s.entry_seats >= 0))
      throw InputError(n +
                       ": price_elasticity, risk_premium, capacity_growth, operating_cost_usd and "
                       "entry_seats must be >= 0");
    check_probability(n + ".entry_margin", s.entry_margin);
  }
  std::vector<int> demand_at(static_cast<std::size_t>(world.place_count()), 0);
  for (const auto& d : demand) {
    if (++demand_at[static_cast<std::size_t>(d.place)] > 1)
      throw InputError("demand: one demand entry per departure place");
    for (const auto& st : d.per_day)
      if (!(st.value >= 0)) throw InputError("demand: people per day must be >= 0");
    check_probability("demand.resources_usd.help_share", d.help_share);
    if (!(d.help_median_usd >= 0)) throw InputError("demand.resources_usd.help_median must be >= 0");
  }
  for (const auto& e : enforcement) {
    for (std::size_t k : e.services)
      if (k >= services.size()) throw InternalError("enforcement on an unknown service");
    for (std::size_t k : e.demand)
      if (k >= demand.size()) throw InternalError("enforcement on an unknown demand entry");
    const std::string n = "enforcement." + e.name;
    if (e.interception != -1) check_probability(n + ".interception", e.interception);
    if (e.death != -1) check_probability(n + ".death", e.death);
    if (!(e.capacity_factor >= 0)) throw InputError(n + ".capacity_factor must be >= 0");
    if (!(e.demand_factor >= 0)) throw InputError(n + ".demand_factor must be >= 0");
    if (e.seats != -1 && !(e.seats >= 0)) throw InputError(n + ".seats must be >= 0");
  }
  check_probability("give_up_after_interception", give_up_after_interception);
  check_probability("give_up_per_day", give_up_per_day);
  check_probability("debt_share", debt_share);
  check_probability("recorded_death_share", recorded_death_share);
  if (!(choice.price_sensitivity >= 0) || !(choice.risk_aversion >= 0) || !(choice.alone_penalty >= 0))
    throw InputError("choice: price_sensitivity, risk_aversion and alone_penalty must be >= 0");
}

SmugglingModel::SmugglingModel(SmugglingParams params) : params_(std::move(params)) {}

void SmugglingModel::on_start(StepContext& ctx) {
  const World& world = ctx.world();
  params_.validate(world, ctx.days());
  const std::size_t ns = params_.services.size();
  seats_.resize(ns);
  price_.resize(ns);
  interception_.resize(ns);
  death_.resize(ns);
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
    options_at_[static_cast<std::size_t>(s.from())].push_back(static_cast<std::uint8_t>(k));
  }
  for (std::size_t k = 0; k < params_.demand.size(); ++k)
    demand_at_[static_cast<std::size_t>(params_.demand[k].place)] = static_cast<std::int32_t>(k);
  today_.assign(ns * quantity_count, 0);
  incidents_.assign(static_cast<std::size_t>(world.route_count()) * incident_count, 0);
  deaths_edge_.assign(static_cast<std::size_t>(world.route_count()), 0);
  recorded_edge_.assign(deaths_edge_.size(), 0);
  trafficked_.assign(world.countries().size(), 0);
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
  resources_ = declared.add<float>(resources_column());
  service_ = declared.add<std::uint8_t>({"service", "smuggling service chosen today; 255 none", no_service});
  holds_permit_ = declared.flag(holds_permit_flag());
  in_debt_ = declared.flag({"in_debt", "paid a smuggler with borrowed money"});
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

void SmugglingModel::apply_enforcement(std::int32_t day) {
  for (const auto& e : params_.enforcement) {
    if (e.day != day) continue;
    for (std::size_t k : e.services) {
      if (e.interception != -1) interception_[k] = e.interception;
      if (e.death != -1) death_[k] = e.death;
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
  std::fill(today_.begin(), today_.end(), 0);
  std::vector<double> base_utility(ns);
  for (std::size_t k = 0; k < ns; ++k) {
    update_market(k);
    const auto& s = params_.services[k];
    base_utility[k] = -params_.choice.price_sensitivity * price_[k] / 1000.0 -
                      params_.choice.risk_aversion * (death_[k] + interception_[k] + s.abandonment) -
                      (s.kind == Kind::alone ? params_.choice.alone_penalty : 0.0);
    today_[k * quantity_count + seats] =
        s.kind == Kind::alone ? 0 : static_cast<std::int64_t>(std::max(0.0, seats_[k]));
    today_[k * quantity_count + price_usd] = std::llround(price_[k]);
    today_[k * quantity_count + operators] = operators_[k];
  }
  // Each waiting person picks the best option it can afford (logit by keyed Gumbel draws) and asks for a
  // seat; the best keyed priorities get the seats.
  // Only the model's own agents who still wait are visited (active_, kept in id order).
  active_.erase(std::remove_if(active_.begin(), active_.end(),
                               [&](std::uint64_t i) {
                                 return pop.owner[i] != me || (pop.flags[i] & agent_flag::settled) ||
                                        pop.legal_status[i] != LegalStatus::in_transit || pop.arc[i] >= 0;
                               }),
                active_.end());
  std::vector<ResourceRequest> requests;
  std::mutex merge;
  ctx.parallel_for(0, active_.size(), [&](std::size_t b, std::size_t e) {
    std::vector<ResourceRequest> local;
    for (std::size_t a = b; a < e; ++a) {
      const std::uint64_t i = active_[a];
      const auto& options = options_at_[static_cast<std::size_t>(pop.place[i])];
      pop[service_][i] = no_service;
      if (options.empty()) continue;
      const auto w = ctx.rng().words(i, day, smuggling_purpose::seat);
      if (params_.give_up_per_day > 0 && KeyedRng::to_unit(w.v[2]) < params_.give_up_per_day) {
        pop.legal_status[i] = LegalStatus::returned;
        pop.status_since[i] = store_day(day);
        pop.place[i] = pop.origin[i];
        pop.flags[i] |= agent_flag::settled;
        continue;
      }
      const bool may_borrow = KeyedRng::to_unit(w.v[1]) < params_.debt_share;
      const double money = static_cast<double>(pop[resources_][i]);
      const bool draws = options.size() > 1 || params_.choice.can_wait;
      auto gumbel = [&](std::size_t q) {
        return -std::log(
            -std::log(ctx.rng().uniform(i, day, smuggling_purpose::choice, static_cast<std::uint32_t>(q))));
      };
      int best = -1;
      double best_u = -std::numeric_limits<double>::infinity();
      for (std::size_t q = 0; q < options.size(); ++q) {
        const std::size_t k = options[q];
        const auto& s = params_.services[k];
        if (s.kind != Kind::alone && !(seats_[k] >= 1)) continue;                      // closed today
        if (money < price_[k] && !(s.kind == Kind::smuggler && may_borrow)) continue;  // cannot pay
        double u = base_utility[k];
        if (draws) u += gumbel(q);
        if (u > best_u) best = static_cast<int>(k), best_u = u;
      }
      if (best < 0) continue;  // nothing affordable today: waits
      if (params_.choice.can_wait && params_.choice.wait_utility + gumbel(options.size()) > best_u)
        continue;  // waits by choice
      pop[service_][i] = static_cast<std::uint8_t>(best);
      local.push_back({best, w.v[0], i});
    }
    std::lock_guard<std::mutex> lock(merge);
    requests.insert(requests.end(), local.begin(), local.end());
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

void SmugglingModel::move(StepContext& ctx) {
  Population& pop = ctx.population();
  const World& world = ctx.world();
  const std::int32_t day = ctx.day();
  std::fill(deaths_edge_.begin(), deaths_edge_.end(), 0);
  std::fill(recorded_edge_.begin(), recorded_edge_.end(), 0);
  std::fill(trafficked_.begin(), trafficked_.end(), 0);
  std::fill(incidents_.begin(), incidents_.end(), 0);
  auto& flow = ctx.local_flow();
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
    ++q[seats_used];
    if (s.kind == Kind::smuggler) q[revenue_usd] += std::llround(price_[k]);
    const route_id risky = s.legs[s.risk_leg];
    const double u = KeyedRng::to_unit(w.v[0]);
    const bool dies = u < death_[k];
    const bool stopped = !dies && u < death_[k] + interception_[k];
    const bool left = !dies && !stopped && u < death_[k] + interception_[k] + s.abandonment;
    // Legs travelled: all of them on arrival, up to the risky one otherwise (abandoned: before it).
    const std::size_t legs_done = (dies || stopped) ? s.risk_leg + 1 : left ? s.risk_leg : s.legs.size();
    for (std::size_t j = 0; j < legs_done; ++j) ++flow[static_cast<std::size_t>(s.legs[j])];
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
      if (KeyedRng::to_unit(w.v[2]) < params_.recorded_death_share)
        ++recorded_edge_[static_cast<std::size_t>(risky)];
    } else if (stopped) {
      ++q[intercepted];
      incident(risky, interception);
      pop.place[i] = s.from();
      const double v = KeyedRng::to_unit(w.v[2]);
      if (v < s.detention) {  // held at the departure side; the legal-status model may release them
        pop.legal_status[i] = LegalStatus::detained;
        pop.status_since[i] = store_day(day);
        pop.flags[i] |= agent_flag::settled;
      } else if ((v - s.detention) / (1 - s.detention) < params_.give_up_after_interception) {
        pop.legal_status[i] = LegalStatus::returned;
        pop.status_since[i] = store_day(day);
        pop.place[i] = pop.origin[i];
        pop.flags[i] |= agent_flag::settled;
      }
    } else if (left) {
      // Left where the risky leg starts: the market there (if any) takes them tomorrow; with none they
      // are stranded.
      ++q[abandoned];
      incident(risky, abandonment);
      pop.place[i] = s.path[s.risk_leg];
      if (options_at_[static_cast<std::size_t>(pop.place[i])].empty())
        pop.flags[i] |= agent_flag::stranded | agent_flag::settled;
    } else {
      pop.place[i] = s.to();
      pop.entry_day[i] = store_day(day);
      pop.status_since[i] = store_day(day);
      pop.flags[i] |= agent_flag::settled;
      ++q[arrivals];
      if (s.kind == Kind::pathway) {
        pop.legal_status[i] = LegalStatus::regular;
        pop.flags[i] |= holds_permit_.mask;
      } else {
        pop.legal_status[i] = LegalStatus::irregular;
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
}

void SmugglingModel::fill_series(StepContext& ctx, std::vector<std::vector<std::int64_t>>& values) {
  (void)ctx;
  values[0] = today_;
  values[1] = deaths_edge_;
  values[2] = recorded_edge_;
  values[3] = trafficked_;
  values[4] = incidents_;
}

}  // namespace migrasim::models
