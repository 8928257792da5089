#include <algorithm>
#include <random>
#include <set>

#include <catch2/catch.hpp>

#include "sim/allocation.hpp"

using namespace migrasim;

TEST_CASE("the best k requests per resource are admitted, whatever the order of requests", "[sim]") {
  std::vector<ResourceRequest> requests;
  for (std::uint64_t a = 0; a < 200; ++a)
    requests.push_back(
        {static_cast<std::int32_t>(a % 3), static_cast<std::uint32_t>((a * 2654435761u) % 1000), a});
  auto admitted = [](std::vector<ResourceRequest> r) {
    std::set<std::uint64_t> out;
    admit_best(
        r, [](std::int32_t resource) { return static_cast<std::size_t>(10 * (resource + 1)); },
        [&](std::uint64_t a) { out.insert(a); });
    return out;
  };
  const auto reference = admitted(requests);
  CHECK(reference.size() == 10 + 20 + 30);
  std::mt19937 shuffle(7);
  for (int k = 0; k < 5; ++k) {
    std::shuffle(requests.begin(), requests.end(), shuffle);
    CHECK(admitted(requests) == reference);
  }
  // Within resource 0 the admitted have the lowest priorities.
  std::uint32_t worst_admitted = 0, best_rejected = ~0u;
  for (const auto& r : requests) {
    if (r.resource != 0) continue;
    if (reference.count(r.agent))
      worst_admitted = std::max(worst_admitted, r.priority);
    else
      best_rejected = std::min(best_rejected, r.priority);
  }
  CHECK(worst_admitted <= best_rejected);
}
