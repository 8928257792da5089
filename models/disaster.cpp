#include "models/disaster.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <string>

#include "sim/checks.hpp"
#include "sim/errors.hpp"

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

void DisasterParams::validate(const World& world, std::int32_t days) const {
  (void)days;  // dates beyond the run are allowed: the loader checks them against the declared run
  const auto places = static_cast<std::size_t>(world.place_count());
  if (vulnerability.size() != places) throw InternalError("disaster vulnerability not sized to places");
  for (double v : vulnerability) check_share("vulnerability", v);
  for (const auto& c : curves) {
    check_share("curves." + c.kind + ".max_share", c.max_share);
    if (!(c.steepness > 0)) throw InputError("curves." + c.kind + ".steepness must be > 0");
  }
  for (const auto& e : events) {
    if (e.curve >= curves.size()) throw InternalError("disaster event without a curve");
    if (e.duration_days < 1) throw InputError("disasters." + e.name + ".duration_days must be >= 1");
    if (e.lead_days < 0) throw InputError("disasters." + e.name + ".lead_days must be >= 0");
    if (e.onset_day - e.lead_days < 0)
      throw InputError("disasters." + e.name + ": the event (with its lead time) starts before the run");
    for (const auto& [p, intensity] : e.footprint)
      check_share("disasters." + e.name + ".footprint intensity", intensity);
  }
  check_share("split.shelter", share_shelter);
  check_share("split.kin", share_kin);
  check_share("split.abroad", share_abroad);
  if (std::fabs(share_shelter + share_kin + share_abroad - 1) > 1e-6)
    throw InputError("split: shelter + kin + abroad must sum to 1");
  for (std::size_t p = 0; p < places; ++p)
    if (world.places()[p].kind == PlaceKind::shelter && world.places()[p].capacity < 0)
      throw InputError("place '" + world.places()[p].name + "': a shelter needs a capacity");
  if (!(return_rate_per_day >= 0 && return_rate_per_day <= 1))
    throw InputError("return.rate_per_day: expected [0, 1]");
  if (!(recovery_days > 0)) throw InputError("return.recovery_days must be > 0");
  if (!(shelter_overflow >= 0)) throw InputError("shelter_overflow must be >= 0");
  if (!(kin_max_km > 0)) throw InputError("kin_max_km must be > 0");
  for (const auto& ev : evacuations) {
    if (ev.event >= events.size()) throw InternalError("evacuation order without an event");
    check_share("responses." + ev.name + ".extra_share", ev.extra_share);
    if (ev.day > events[ev.event].onset_day)
      throw InputError("responses." + ev.name + ": an evacuation order must come on or before the onset");
  }
  std::size_t n_shelters = 0;
  for (const auto& pl : world.places()) n_shelters += pl.kind == PlaceKind::shelter;
  if (shelter_names.size() != n_shelters) throw InternalError("disaster: shelter names not set");
}

DisasterModel::DisasterModel(DisasterParams params) : params_(std::move(params)) {}

void DisasterModel::on_start(StepContext& ctx) {
  const World& world = ctx.world();
  params_.validate(world, ctx.days());
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
      pop.age_band[i] = static_cast<std::uint8_t>(w.v[2] % age_band_count);
      pop.sex[i] = (w.v[3] & 1u) ? Sex::male : Sex::female;
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
  const RouteState& state = ctx.route_state();
  const std::int32_t places = world.place_count();
  const std::int32_t day = ctx.day();
  const std::uint8_t me = ctx.model_index();
  for (auto& a : arrivals_) a.clear();
  for (auto& l : local_) l.fill(0);
  ctx.parallel_for(0, pop.size(), [&](std::size_t b, std::size_t e) {
    std::int64_t* const flow = ctx.local_flow().data();
    auto& arrived = arrivals_.local();
    auto& counts = local_.local();
    for (std::size_t i = b; i < e; ++i) {
      std::uint8_t flags = pop.flags[i];
      if (!(flags & displaced_.mask) || (flags & agent_flag::settled) || pop.owner[i] != me) continue;
      const place_id dest = pop.destination[i];
      double budget = 1.0;
      place_id at = pop.place[i];
      arc_id arc = pop.arc[i];
      double km = pop.km_done[i];
      for (int hops = 0; hops < 64; ++hops) {
        if (arc < 0) {
          if (at == dest) {
            if (dest == pop.origin[i]) {  // home again
              flags = static_cast<std::uint8_t>(
                  flags & ~(displaced_.mask | unsheltered_.mask | agent_flag::stranded));
              pop.legal_status[i] = LegalStatus::regular;
              ++counts[0];
            } else if (shelter_index_[static_cast<std::size_t>(dest)] >= 0) {
              arrived.push_back(i);  // admission decided in the status phase
            } else {
              flags |= agent_flag::settled;
            }
            break;
          }
          const arc_id next = open_.next(dest, at, places);
          if (next < 0 || !state.open[static_cast<std::size_t>(world.arc_route(next))]) {
            flags |= agent_flag::stranded;  // waiting for a route to reopen
            break;
          }
          flags &= static_cast<std::uint8_t>(~agent_flag::stranded);
          arc = next;
          km = 0;
          ++flow[arc >> 1];
        }
        const Route& route = world.routes()[static_cast<std::size_t>(arc >> 1)];
        const double speed =
            params_.speed_km_per_day[static_cast<std::size_t>(route.mode)] /
            static_cast<double>(state.travel_time_factor[static_cast<std::size_t>(arc >> 1)]);
        const double need = (route.distance_km - km) / speed;
        if (need > budget) {
          km += budget * speed;
          break;
        }
        budget -= need;
        at = world.arc_target(arc);
        arc = -1;
        km = 0;
        if (route.crosses_border) {
          pop.entry_day[i] = store_day(day);
          const bool home_country = world.places()[static_cast<std::size_t>(at)].country ==
                                    world.places()[static_cast<std::size_t>(pop.origin[i])].country;
          pop.legal_status[i] = home_country ? LegalStatus::regular : params_.abroad_status;
          if (!home_country) ++counts[1];
        }
      }
      pop.place[i] = arc < 0 ? at : -1;
      pop.arc[i] = arc;
      pop.km_done[i] = static_cast<float>(km);
      pop.flags[i] = flags;
    }
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
      if (!(flags & displaced_.mask) || pop.owner[i] != me) continue;
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
      // Protection opened by the country where the displaced person is.
      if (at >= 0 && !params_.protections.empty()) {
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

}  // namespace migrasim::models
