#include <catch2/catch.hpp>

#include "studies/validation.hpp"

using namespace migrasim::io;
using namespace migrasim::studies;

TEST_CASE("ARD, rescaled ARD and MASE follow their definitions", "[io]") {
  ObservedData obs;
  obs.camps = {{"A", 0, {0, 10, 20}}, {"B", 1, {0, 30, 60}}};
  obs.total = {0, 40, 80};
  // Simulated: day 0 exact; day 1 A=20, B=20; day 2 A=10, B=30.
  std::vector<std::vector<double>> sim{{0, 20, 10}, {0, 20, 30}};
  ValidationScore s = score(sim, obs);
  // Day 0: 0 / max(0,1) = 0; day 1: (10 + 10) / 40 = 0.5; day 2: (10 + 30) / 80 = 0.5. Mean 1/3.
  CHECK(s.ard == Approx(1.0 / 3));
  CHECK(s.camps[0].ard == Approx((0 + 10.0 / 40 + 10.0 / 80) / 3));
  // Rescaled: day 1 sums match (40); day 2 sim sum 40 -> x2: A=20, B=60 (exact), so only day 1 counts.
  CHECK(s.ard_rescaled == Approx(0.5 / 3));
  // MASE of A: mean |err| = (0 + 10 + 10) / 3; naive: mean |diff| = (10 + 10) / 2 = 10.
  CHECK(s.camps[0].mase == Approx((20.0 / 3) / 10));
}
