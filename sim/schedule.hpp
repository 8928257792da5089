#pragma once
// Dated events, applied at the start of their day before any model runs. The kernel applies the route
// events itself; later models (disasters, policies) receive every event through Model::on_event.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/world.hpp"

namespace migrasim {

enum class EventAction : std::uint8_t {
  close_routes,            // routes become impassable both ways
  open_routes,             // routes reopen
  set_travel_time_factor,  // value: factor >= 1 that multiplies travel time
  set_route_capacity,      // value: people per day who may enter, -1 unlimited
};
std::string_view to_string(EventAction a);

// A quantity that changes on given days (a step function): each step holds from its day on.
struct DatedValue {
  std::int32_t day = 0;
  double value = 1;
};
// The value in force on `day` (steps sorted by day); `before` until the first step.
inline double value_on(const std::vector<DatedValue>& steps, std::int32_t day, double before) {
  double v = before;
  for (const auto& s : steps) {
    if (s.day > day) break;
    v = s.value;
  }
  return v;
}

struct Event {
  std::int32_t day = 0;  // simulation day (0 = start date)
  EventAction action = EventAction::close_routes;
  std::string name;              // label for output, e.g. "close_border MEX-USA"
  std::string target;            // what the scenario named, e.g. "MEX-USA" or "Tapachula--Tuxtla"
  std::vector<route_id> routes;  // resolved routes it acts on
  double value = 0;
};

class Schedule {
 public:
  Schedule() = default;
  // Events are stably sorted by day: events on the same day keep the order the scenario gave.
  explicit Schedule(std::vector<Event> events);
  const std::vector<Event>& events() const { return events_; }
  // Adds an event after those of its day already held (a change made between steps).
  void add(Event e);
  // Events of one day, in order.
  std::pair<const Event*, const Event*> on_day(std::int32_t day) const;

 private:
  std::vector<Event> events_;
};

}  // namespace migrasim
