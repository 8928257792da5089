#include "sim/record_log.hpp"

namespace migrasim {

void RecordLog::on_day(const DayRecord& record) {
  Day d;
  d.day = record.day;
  auto copy = [](const std::vector<std::int64_t>* v) { return v ? *v : std::vector<std::int64_t>{}; };
  d.population = copy(record.population);
  d.stranded = copy(record.stranded);
  d.on_route = copy(record.on_route);
  d.flow = copy(record.flow);
  d.spawned_today = record.spawned_today;
  d.spawned_total = record.spawned_total;
  for (const auto* v : record.series) d.series.push_back(copy(v));
  days_.push_back(std::move(d));
}

void RecordLog::replay(Recorder& to) const {
  std::size_t e = 0;
  for (std::size_t k = 0; k <= days_.size(); ++k) {
    for (; e < events_.size() && events_[e].before_day == k; ++e) to.on_event(events_[e].record);
    if (k == days_.size()) break;
    const Day& d = days_[k];
    DayRecord rec{d.day,   &d.population,   &d.stranded,     &d.on_route,
                  &d.flow, d.spawned_today, d.spawned_total, {}};
    for (const auto& v : d.series) rec.series.push_back(&v);
    to.on_day(rec);
  }
}

void RecordLog::save_state(StateWriter& out) const {
  out.section("record_log");
  out.put(static_cast<std::uint64_t>(events_.size()));
  for (const Event& e : events_) {
    const EventRecord& r = e.record;
    out.fields(static_cast<std::uint64_t>(e.before_day), r.day, r.name, r.action, r.target, r.value,
               r.routes_affected);
  }
  out.put(static_cast<std::uint64_t>(days_.size()));
  for (const Day& d : days_)
    out.fields(d.day, d.population, d.stranded, d.on_route, d.flow, d.spawned_today, d.spawned_total,
               d.series);
}

void RecordLog::load_state(StateReader& in) {
  in.section("record_log");
  std::uint64_t n = 0;
  in.get(n);
  events_.assign(n, {});
  for (Event& e : events_) {
    EventRecord& r = e.record;
    std::uint64_t before = 0;
    in.fields(before, r.day, r.name, r.action, r.target, r.value, r.routes_affected);
    e.before_day = static_cast<std::size_t>(before);
  }
  in.get(n);
  days_.assign(n, {});
  for (Day& d : days_)
    in.fields(d.day, d.population, d.stranded, d.on_route, d.flow, d.spawned_today, d.spawned_total,
              d.series);
  for (std::size_t k = 0; k < events_.size(); ++k)
    if (events_[k].before_day > days_.size() || (k > 0 && events_[k].before_day < events_[k - 1].before_day))
      in.fail("recorded events out of order");
}

}  // namespace migrasim
