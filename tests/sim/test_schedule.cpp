#include <catch2/catch.hpp>

#include "sim/schedule.hpp"

using namespace migrasim;

TEST_CASE("schedule sorts events by day and keeps same-day order", "[sim]") {
  std::vector<Event> ev(4);
  ev[0].day = 5;
  ev[0].name = "late";
  ev[1].day = 1;
  ev[1].name = "first";
  ev[2].day = 1;
  ev[2].name = "second";
  ev[3].day = 3;
  ev[3].name = "middle";
  Schedule s(ev);
  auto [b, e] = s.on_day(1);
  REQUIRE(e - b == 2);
  CHECK(b[0].name == "first");
  CHECK(b[1].name == "second");
  auto [b2, e2] = s.on_day(2);
  CHECK(e2 == b2);
  auto [b3, e3] = s.on_day(5);
  REQUIRE(e3 - b3 == 1);
  CHECK(b3->name == "late");
  CHECK(to_string(EventAction::close_routes) == "close_routes");
}
