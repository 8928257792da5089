#include <cmath>

#include <catch2/catch.hpp>

#include "../test_worlds.hpp"
#include "sim/routing.hpp"

using namespace migrasim;

namespace {
ParallelFor serial() {
  return [](std::size_t b, std::size_t e, const std::function<void(std::size_t, std::size_t)>& body) {
    body(b, e);
  };
}
}  // namespace

TEST_CASE("routing follows least travel time and reports km", "[sim]") {
  auto w = test::corridor_world();
  RoutingOptions opt;
  opt.speed_km_per_day = {200, 20, 100, 1000};
  const place_id d1 = w->find_place("D1"), o1 = w->find_place("O1"), b = w->find_place("B");
  RoutingTables t = compute_routing(*w, {d1}, opt, serial());
  const std::int32_t n = w->place_count();
  // O1 -> B -> X -> D1: 100 + 10 + 200 km; time 0.5 + 0.5 (foot) + 1.0 days.
  CHECK(t.km(0, o1, n) == Approx(310));
  CHECK(t.path_days[static_cast<std::size_t>(o1)] == Approx(2.0));
  const arc_id first = t.next(0, o1, n);
  REQUIRE(first >= 0);
  CHECK(w->arc_source(first) == o1);
  CHECK(w->arc_target(first) == b);
  CHECK(t.next(0, d1, n) == -1);
  CHECK(t.km(0, d1, n) == 0);
}

TEST_CASE("routing avoids closed routes and slowed routes", "[sim]") {
  auto w = test::corridor_world();
  RouteState state(w->route_count());
  RoutingOptions opt;
  opt.speed_km_per_day = {200, 20, 100, 1000};
  opt.state = &state;
  const place_id d1 = w->find_place("D1"), o1 = w->find_place("O1"), o2 = w->find_place("O2"),
                 y = w->find_place("Y");
  const route_id bx = w->find_route(w->find_place("B"), w->find_place("X"));
  state.open[static_cast<std::size_t>(bx)] = 0;
  RoutingTables t = compute_routing(*w, {d1}, opt, serial());
  const std::int32_t n = w->place_count();
  CHECK(w->arc_target(t.next(0, o1, n)) == y);  // detour
  CHECK(t.km(0, o1, n) == Approx(800));
  // O2 reaches D1 only back through O1 and the detour.
  CHECK(t.km(0, o2, n) == Approx(150 + 100 + 800));
  // Everything closed around D1: unreachable.
  state.open.assign(state.open.size(), 0);
  RoutingTables none = compute_routing(*w, {d1}, opt, serial());
  CHECK(none.next(0, o1, n) == -1);
  CHECK(std::isinf(none.km(0, o1, n)));
  // A factor on the foot crossing makes the detour faster: 0.5 days x 10 = 5 days vs 3 days.
  state.open.assign(state.open.size(), 1);
  state.travel_time_factor[static_cast<std::size_t>(bx)] = 10;
  RoutingTables slow = compute_routing(*w, {d1}, opt, serial());
  CHECK(w->arc_target(slow.next(0, o1, n)) == y);
}
