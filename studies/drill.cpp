#include "studies/drill.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <fmt/format.h>

#include "io/csv.hpp"
#include "io/scenario.hpp"
#include "models/disaster.hpp"
#include "sim/errors.hpp"
#include "sim/memory_recorder.hpp"
#include "studies/ensemble.hpp"

namespace migrasim::studies {

using namespace io;  // scenarios, Flee data, dates, HDF5 reads

namespace {

Spread spread(const std::vector<double>& v) {
  Spread s;
  if (v.empty()) return s;
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  for (double x : v) s.mean += x / static_cast<double>(v.size());
  return s;
}

std::string show(const Spread& s) {
  if (!s.available) return "beyond the run";
  if (s.min == s.max) return fmt::format("{:.0f}", s.mean);
  return fmt::format("{:.0f} (range {:.0f} - {:.0f})", s.mean, s.min, s.max);
}

}  // namespace

DrillReport run_drill(const std::string& scenario, const std::vector<std::string>& overrides,
                      const std::string& event, int ensemble, int threads) {
  if (ensemble < 1) throw InputError("drill: the ensemble needs at least one run");
  const ScenarioSpec base = load_scenario(scenario, overrides);
  if (!base.find("disasters"))
    throw InputError(scenario + ": no behaviour.disasters section, nothing to drill");
  const auto& events = base.params<models::DisasterParams>("disasters").events;
  std::size_t ev = 0;
  if (!event.empty()) {
    ev = events.size();
    for (std::size_t k = 0; k < events.size(); ++k)
      if (events[k].name == event) ev = k;
    if (ev == events.size()) {
      std::string names;
      for (const auto& e : events) names += (names.empty() ? "" : ", ") + e.name;
      throw InputError("drill: no disaster event '" + event + "' in " + scenario + " (events: " + names +
                       ")");
    }
  }
  const auto& e = events[ev];
  std::int64_t start_day = 0;
  parse_iso_date(base.start_date, start_day);
  DrillReport r;
  r.scenario = scenario;
  r.event = e.name;
  r.onset_date = format_iso_date(start_day + e.onset_day);
  r.ensemble = ensemble;
  const auto days = static_cast<std::size_t>(base.days);
  for (std::size_t t = 0; t < days; ++t)
    r.dates.push_back(format_iso_date(start_day + static_cast<std::int64_t>(t)));

  std::vector<std::size_t> shelter_places;
  for (std::size_t p = 0; p < base.world->places().size(); ++p)
    if (base.world->places()[p].kind == PlaceKind::shelter) shelter_places.push_back(p);
  const std::size_t ns = shelter_places.size();
  r.displaced.assign(days, 0);
  r.in_shelters.assign(days, 0);
  r.unsheltered.assign(days, 0);
  r.occupancy.assign(ns, std::vector<double>(days, 0));

  using M = models::DisasterModel;
  std::vector<double> displaced_total, peak_in, peak_un, crossed, s30, s90, s365;
  std::vector<std::vector<double>> peaks(ns), over(ns);
  double seconds = 0;
  const auto first_day = static_cast<std::size_t>(std::max(0, e.onset_day - e.lead_days));
  for (int k = 0; k < ensemble; ++k) {
    const MemberRun run = run_member(base, base.seed + static_cast<std::uint64_t>(k), threads);
    const MemoryRecorder& rec = run.record;
    seconds += run.seconds;
    std::size_t di = 0, oi = 0;
    for (std::size_t s = 0; s < rec.series_specs().size(); ++s) {
      if (rec.series_specs()[s].name == "displacement") di = s;
      if (rec.series_specs()[s].name == "shelter_occupancy") oi = s;
    }
    const auto& d = rec.series[di];
    const auto& o = rec.series[oi];
    auto at = [&](std::size_t t, int m) {
      return static_cast<double>(d[t * M::measure_count + static_cast<std::size_t>(m)]);
    };
    double total = 0, pin = 0, pun = 0;
    // Displaced by this event: new displacements from its first day to the next event's first day.
    std::size_t last = days;
    for (std::size_t k2 = 0; k2 < events.size(); ++k2) {
      const auto s2 = static_cast<std::size_t>(std::max(0, events[k2].onset_day - events[k2].lead_days));
      if (s2 > first_day && s2 < last) last = s2;
    }
    for (std::size_t t = 0; t < days; ++t) {
      if (t >= first_day && t < last) total += at(t, M::displaced_today);
      pin = std::max(pin, at(t, M::in_shelters));
      pun = std::max(pun, at(t, M::unsheltered_now));
      r.displaced[t] += at(t, M::displaced_now) / ensemble;
      r.in_shelters[t] += at(t, M::in_shelters) / ensemble;
      r.unsheltered[t] += at(t, M::unsheltered_now) / ensemble;
    }
    displaced_total.push_back(total);
    peak_in.push_back(pin);
    peak_un.push_back(pun);
    crossed.push_back(at(days - 1, M::crossed_border_total));
    auto after = [&](int n, std::vector<double>& out) {
      const std::size_t t = static_cast<std::size_t>(e.onset_day + n);
      if (t < days) out.push_back(at(t, M::displaced_now));
    };
    after(30, s30);
    after(90, s90);
    after(365, s365);
    for (std::size_t s = 0; s < ns; ++s) {
      const auto cap = static_cast<double>(base.world->places()[shelter_places[s]].capacity);
      double peak = 0, over_days = 0;
      for (std::size_t t = 0; t < days; ++t) {
        const auto v = static_cast<double>(o[t * ns + s]);
        peak = std::max(peak, v);
        over_days += v > cap;
        r.occupancy[s][t] += v / ensemble;
      }
      peaks[s].push_back(peak);
      over[s].push_back(over_days);
    }
  }
  r.seconds_per_run = seconds / ensemble;
  r.displaced_total = spread(displaced_total);
  r.peak_in_shelters = spread(peak_in);
  r.peak_unsheltered = spread(peak_un);
  // The day of the highest ensemble-mean unsheltered count; none when nobody was unsheltered.
  r.peak_unsheltered_date =
      r.peak_unsheltered.max <= 0
          ? std::string()
          : r.dates[static_cast<std::size_t>(std::max_element(r.unsheltered.begin(), r.unsheltered.end()) -
                                             r.unsheltered.begin())];
  r.crossed_border = spread(crossed);
  r.still_30 = spread(s30);
  r.still_90 = spread(s90);
  r.still_365 = spread(s365);
  r.still_30.available = !s30.empty();
  r.still_90.available = !s90.empty();
  r.still_365.available = !s365.empty();
  for (std::size_t s = 0; s < ns; ++s) {
    ShelterFigures f;
    f.name = base.world->places()[shelter_places[s]].name;
    f.capacity = base.world->places()[shelter_places[s]].capacity;
    f.peak = spread(peaks[s]);
    f.days_over_capacity = spread(over[s]);
    f.peak_date = r.dates[static_cast<std::size_t>(
        std::max_element(r.occupancy[s].begin(), r.occupancy[s].end()) - r.occupancy[s].begin())];
    r.shelters.push_back(f);
  }
  // Routes cut: closures from this event's damage, and when they reopen.
  const std::string damage = e.name + " damage", repair = e.name + " repair";
  for (const auto& ce : base.events) {
    if (ce.name != damage || ce.action != EventAction::close_routes) continue;
    RouteCut cut;
    cut.route = ce.target;
    cut.closed_on = format_iso_date(start_day + ce.day);
    for (const auto& oe : base.events)
      if (oe.name == repair && oe.action == EventAction::open_routes && oe.routes == ce.routes)
        cut.days = oe.day - ce.day;
    r.routes_cut.push_back(cut);
  }
  return r;
}

std::string format_drill(const DrillReport& r) {
  std::ostringstream o;
  o << fmt::format("drill: {} - event '{}' (onset {}), ensemble of {} run(s), {:.2f} s per run\n", r.scenario,
                   r.event, r.onset_date, r.ensemble, r.seconds_per_run);
  o << fmt::format("  {:<36}{}\n", "displaced in total", show(r.displaced_total));
  o << fmt::format("  {:<36}{}\n", "peak in shelters", show(r.peak_in_shelters));
  if (r.peak_unsheltered.max > 0)
    o << fmt::format("  {:<36}{} on {}\n", "peak unsheltered", show(r.peak_unsheltered),
                     r.peak_unsheltered_date);
  else
    o << fmt::format("  {:<36}{}\n", "peak unsheltered",
                     "0 (everyone found a shelter bed or went elsewhere)");
  o << fmt::format("  {:<36}{}\n", "crossed a border", show(r.crossed_border));
  o << fmt::format("  {:<36}{}\n", "still displaced after 30 days", show(r.still_30));
  o << fmt::format("  {:<36}{}\n", "still displaced after 90 days", show(r.still_90));
  o << fmt::format("  {:<36}{}\n", "still displaced after 365 days", show(r.still_365));
  o << fmt::format("  {:<30}{:>12}{:>34}{:>14}{:>20}\n", "shelter", "capacity", "peak occupancy", "on",
                   "days over capacity");
  for (const auto& s : r.shelters)
    o << fmt::format("  {:<30}{:>12}{:>34}{:>14}{:>20}\n", s.name, s.capacity, show(s.peak), s.peak_date,
                     show(s.days_over_capacity));
  o << fmt::format("  routes cut: {}\n", r.routes_cut.size());
  for (const auto& c : r.routes_cut)
    o << fmt::format(
        "    {:<40} from {}  {}\n", c.route, c.closed_on,
        c.days < 0 ? std::string("still closed at the end") : fmt::format("for {} days", c.days));
  return o.str();
}

void write_drill_series(const DrillReport& r, const std::string& path) {
  std::ostringstream f;
  f << "date,series,value\n";
  for (std::size_t t = 0; t < r.dates.size(); ++t) {
    f << r.dates[t] << ",displaced," << r.displaced[t] << "\n";
    f << r.dates[t] << ",in_shelters," << r.in_shelters[t] << "\n";
    f << r.dates[t] << ",unsheltered," << r.unsheltered[t] << "\n";
    for (std::size_t s = 0; s < r.shelters.size(); ++s)
      f << r.dates[t] << ",shelter:" << r.shelters[s].name << "," << r.occupancy[s][t] << "\n";
  }
  write_file_atomically(path, f.str());
}

}  // namespace migrasim::studies
