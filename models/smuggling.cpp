#include "models/smuggling.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <string>

#include "sim/allocation.hpp"
#include "sim/errors.hpp"

namespace migrasim::models {

namespace {
void share(const std::string& name, double v) {
  if (!(v >= 0 && v <= 1))
    throw InputError(name + " = " + std::to_string(v) + ": expected a probability in [0, 1]");
}
const char* quantity_names[] = {"demand",      "seats",    "seats_used",  "price_usd",
                                "revenue_usd", "arrivals", "intercepted", "deaths"};

double step_value(const std::vector<SmugglingParams::Step>& steps, std::int32_t day) {
  double v = 0;
  for (const auto& s : steps) {
    if (s.day > day) break;
    v = s.value;
  }
  return v;
}
}  // namespace

void SmugglingParams::validate(const World& world, std::int32_t days) const {
  (void)days;
  if (country_codes.size() != world.countries().size() ||
      edge_names.size() != static_cast<std::size_t>(world.route_count()))
    throw InternalError("smuggling: country codes or edge names not set");
  std::vector<int> departures(static_cast<std::size_t>(world.place_count()), 0);
  for (const auto& s : services) {
    const std::string n = "services." + s.name;
    if (s.route < 0 || world.find_route(s.from, s.to) != s.route) throw InternalError(n + ": bad route");
    if (++departures[static_cast<std::size_t>(s.from)] > 1)
      throw InputError(n + ": only one service may leave a place (so far)");
    if (!(s.seats_per_day >= 0)) throw InputError(n + ".seats_per_day must be >= 0");
    if (!(s.base_price_usd >= 0)) throw InputError(n + ".price_usd must be >= 0");
    share(n + ".interception", s.interception);
    share(n + ".death", s.death);
    if (s.interception + s.death > 1) throw InputError(n + ": interception + death must not exceed 1");
    share(n + ".trafficking", s.trafficking);
    share(n + ".trafficking_debt", s.trafficking_debt);
    if (!(s.price_elasticity >= 0) || !(s.risk_premium >= 0) || !(s.capacity_growth >= 0))
      throw InputError(n + ": price_elasticity, risk_premium and capacity_growth must be >= 0");
  }
  std::vector<int> demand_at(static_cast<std::size_t>(world.place_count()), 0);
  for (const auto& d : demand) {
    if (++demand_at[static_cast<std::size_t>(d.place)] > 1)
      throw InputError("demand: one demand entry per departure place");
    for (const auto& st : d.per_day)
      if (!(st.value >= 0)) throw InputError("demand: people per day must be >= 0");
  }
  for (const auto& e : enforcement) {
    if (e.service >= services.size()) throw InternalError("enforcement on an unknown service");
    if (e.interception != -1) share("enforcement." + e.name + ".interception", e.interception);
    if (!(e.capacity_factor >= 0))
      throw InputError("enforcement." + e.name + ".capacity_factor must be >= 0");
  }
  share("give_up_after_interception", give_up_after_interception);
  share("debt_share", debt_share);
  share("recorded_death_share", recorded_death_share);
}

SmugglingModel::SmugglingModel(SmugglingParams params) : params_(std::move(params)) {}

void SmugglingModel::on_start(StepContext& ctx) {
  const World& world = ctx.world();
  params_.validate(world, ctx.days());
  const std::size_t ns = params_.services.size();
  seats_.resize(ns);
  price_.resize(ns);
  interception_.resize(ns);
  excess_days_.assign(ns, 0);
  service_from_.assign(static_cast<std::size_t>(world.place_count()), -1);
  for (std::size_t k = 0; k < ns; ++k) {
    seats_[k] = params_.services[k].seats_per_day;
    price_[k] = params_.services[k].base_price_usd;
    interception_[k] = params_.services[k].interception;
    service_from_[static_cast<std::size_t>(params_.services[k].from)] = static_cast<std::int32_t>(k);
  }
  today_.assign(ns * quantity_count, 0);
  deaths_edge_.assign(static_cast<std::size_t>(world.route_count()), 0);
  recorded_edge_.assign(deaths_edge_.size(), 0);
  trafficked_.assign(world.countries().size(), 0);
}

void SmugglingModel::spawn_counts(StepContext& ctx, std::vector<std::int64_t>& per_place) {
  for (std::size_t k = 0; k < params_.demand.size(); ++k) {
    const auto& d = params_.demand[k];
    per_place[static_cast<std::size_t>(d.place)] +=
        ctx.rng().poisson(step_value(d.per_day, ctx.day()), k, ctx.day(), Purpose::smuggling_demand);
  }
}

void SmugglingModel::init_agents(StepContext& ctx, std::size_t first, std::size_t last) {
  Population& pop = ctx.population();
  const std::int32_t day = ctx.day();
  ctx.parallel_for(first, last, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i) {
      const place_id at = pop.place[i];
      const SmugglingParams::Demand* d = nullptr;
      for (const auto& x : params_.demand)
        if (x.place == at) d = &x;
      pop.reset(i, at, day);
      pop.origin[i] = d->origin;
      const std::int32_t k = service_from_[static_cast<std::size_t>(at)];
      pop.destination[i] = k >= 0 ? params_.services[static_cast<std::size_t>(k)].to : -1;
      pop.programme[i] = k >= 0 ? static_cast<std::uint8_t>(k) : no_programme;
      pop.resources_usd[i] = static_cast<float>(
          d->resources_median_usd *
          std::exp(d->resources_sigma * ctx.rng().normal(i, day, Purpose::smuggling_resources)));
    }
  });
}

void SmugglingModel::decide(StepContext& ctx) {
  Population& pop = ctx.population();
  const std::int32_t day = ctx.day();
  const std::uint8_t me = ctx.model_index();
  const std::size_t ns = params_.services.size();
  for (const auto& e : params_.enforcement)
    if (e.day == day) {
      if (e.interception != -1) interception_[e.service] = e.interception;
      seats_[e.service] *= e.capacity_factor;
    }
  // Demand: people waiting at each service's departure side (a deterministic integer reduction).
  std::vector<std::int64_t> waiting(ns, 0);
  std::mutex merge;
  ctx.parallel_for(0, pop.size(), [&](std::size_t b, std::size_t e) {
    std::vector<std::int64_t> local(ns, 0);
    for (std::size_t i = b; i < e; ++i)
      if (pop.owner[i] == me && !(pop.flags[i] & agent_flag::settled) && pop.programme[i] != no_programme &&
          pop.legal_status[i] == LegalStatus::in_transit)
        ++local[pop.programme[i]];
    std::lock_guard<std::mutex> lock(merge);
    for (std::size_t k = 0; k < ns; ++k) waiting[k] += local[k];
  });
  std::fill(today_.begin(), today_.end(), 0);
  for (std::size_t k = 0; k < ns; ++k) {
    const auto& s = params_.services[k];
    if (static_cast<double>(waiting[k]) > seats_[k]) {
      if (++excess_days_[k] >= s.growth_lag_days) seats_[k] *= 1 + s.capacity_growth;
    } else {
      excess_days_[k] = 0;
    }
    const double pressure = seats_[k] > 0 ? std::max(0.1, static_cast<double>(waiting[k]) / seats_[k]) : 10.0;
    price_[k] =
        s.base_price_usd * std::pow(pressure, s.price_elasticity) * (1 + s.risk_premium * interception_[k]);
    today_[k * quantity_count + demand] = waiting[k];
    today_[k * quantity_count + seats] = static_cast<std::int64_t>(seats_[k]);
    today_[k * quantity_count + price_usd] = std::llround(price_[k]);
  }
  // Seat requests of those who can pay (or borrow); the best keyed priorities get the seats.
  std::vector<ResourceRequest> requests;
  ctx.parallel_for(0, pop.size(), [&](std::size_t b, std::size_t e) {
    std::vector<ResourceRequest> local;
    for (std::size_t i = b; i < e; ++i) {
      if (pop.owner[i] != me || (pop.flags[i] & agent_flag::settled) || pop.programme[i] == no_programme ||
          pop.legal_status[i] != LegalStatus::in_transit)
        continue;
      const std::uint8_t k = pop.programme[i];
      const auto w = ctx.rng().words(i, day, Purpose::smuggling_seat);
      if (static_cast<double>(pop.resources_usd[i]) < price_[k]) {
        if (KeyedRng::to_unit(w.v[1]) >= params_.debt_share) continue;  // cannot pay today
        pop.flags[i] |= agent_flag::in_debt;
      }
      local.push_back({k, w.v[0], i});
    }
    std::lock_guard<std::mutex> lock(merge);
    requests.insert(requests.end(), local.begin(), local.end());
  });
  admitted_.clear();
  admit_best(
      requests,
      [&](std::int32_t k) {
        return static_cast<std::size_t>(std::max(0.0, seats_[static_cast<std::size_t>(k)]));
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
  // Few travellers a day: decided in admission order, each from its own keyed draws.
  for (std::uint64_t i : admitted_) {
    const std::uint8_t k = pop.programme[i];
    const auto& s = params_.services[k];
    const auto w = ctx.rng().words(i, day, Purpose::smuggling_outcome);
    const bool debt = pop.flags[i] & agent_flag::in_debt;
    if (!debt)
      pop.resources_usd[i] =
          static_cast<float>(std::max(0.0, static_cast<double>(pop.resources_usd[i]) - price_[k]));
    ++today_[k * quantity_count + seats_used];
    today_[k * quantity_count + revenue_usd] += std::llround(price_[k]);
    const double u = KeyedRng::to_unit(w.v[0]);
    if (u < s.death) {
      pop.legal_status[i] = LegalStatus::dead;
      pop.status_since[i] = day;
      pop.flags[i] |= agent_flag::settled;
      ++today_[k * quantity_count + deaths];
      ++deaths_edge_[static_cast<std::size_t>(s.route)];
      if (KeyedRng::to_unit(w.v[1]) < params_.recorded_death_share)
        ++recorded_edge_[static_cast<std::size_t>(s.route)];
    } else if (u < s.death + interception_[k]) {
      ++today_[k * quantity_count + intercepted];
      if (KeyedRng::to_unit(w.v[2]) < params_.give_up_after_interception) {
        pop.legal_status[i] = LegalStatus::returned;
        pop.place[i] = pop.origin[i];
        pop.flags[i] |= agent_flag::settled;
      }
    } else {
      pop.place[i] = s.to;
      pop.entry_day[i] = day;
      pop.legal_status[i] = LegalStatus::irregular;
      pop.status_since[i] = day;
      pop.flags[i] |= agent_flag::settled;
      ++today_[k * quantity_count + arrivals];
      if (KeyedRng::to_unit(w.v[3]) < (debt ? s.trafficking_debt : s.trafficking))
        ++trafficked_[static_cast<std::size_t>(world.places()[static_cast<std::size_t>(s.to)].country)];
    }
  }
}

void SmugglingModel::declare_series(std::vector<SeriesSpec>& out) const {
  std::vector<std::string> services, quantities;
  for (const auto& s : params_.services) services.push_back(s.name);
  for (const char* q : quantity_names) quantities.emplace_back(q);
  out.push_back({"smuggling",
                 "smuggling market per service and day (price and revenue in USD)",
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
}

void SmugglingModel::fill_series(StepContext& ctx, std::vector<std::vector<std::int64_t>>& values) {
  (void)ctx;
  values[0] = today_;
  values[1] = deaths_edge_;
  values[2] = recorded_edge_;
  values[3] = trafficked_;
}

}  // namespace migrasim::models
