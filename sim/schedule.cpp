#include "sim/schedule.hpp"

#include <algorithm>

namespace migrasim {

std::string_view to_string(EventAction a) {
  switch (a) {
    case EventAction::close_routes:
      return "close_routes";
    case EventAction::open_routes:
      return "open_routes";
    case EventAction::set_travel_time_factor:
      return "set_travel_time_factor";
    case EventAction::set_route_capacity:
      return "set_route_capacity";
  }
  return "unknown";
}

Schedule::Schedule(std::vector<Event> events) : events_(std::move(events)) {
  std::stable_sort(events_.begin(), events_.end(),
                   [](const Event& x, const Event& y) { return x.day < y.day; });
}

void Schedule::add(Event e) {
  auto at = std::upper_bound(events_.begin(), events_.end(), e.day,
                             [](std::int32_t d, const Event& x) { return d < x.day; });
  events_.insert(at, std::move(e));
}

std::pair<const Event*, const Event*> Schedule::on_day(std::int32_t day) const {
  auto lo = std::lower_bound(events_.begin(), events_.end(), day,
                             [](const Event& e, std::int32_t d) { return e.day < d; });
  auto hi =
      std::upper_bound(lo, events_.end(), day, [](std::int32_t d, const Event& e) { return d < e.day; });
  const Event* base = events_.data();
  return {base + (lo - events_.begin()), base + (hi - events_.begin())};
}

}  // namespace migrasim
