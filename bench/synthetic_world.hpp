#pragma once
// A synthetic world for benchmarks and scale tests: places on a jittered grid split into countries, routes
// to near neighbours, a share of places are destinations, the rest may be origins.
#include <cstdint>
#include <memory>

#include "models/economic.hpp"
#include "sim/world.hpp"

namespace migrasim::bench {

struct SyntheticSpec {
  std::int32_t places = 1000;
  std::int32_t routes = 5000;
  std::int32_t countries = 8;
  double spacing_km = 50;           // grid spacing
  double destination_share = 0.01;  // share of places that are destinations
  std::uint64_t seed = 1;
};

std::shared_ptr<const World> make_synthetic_world(const SyntheticSpec& spec);

// Economic-model parameters for that world: every non-destination place is an origin with equal population;
// the rate is set so that about `agents` people leave on day 0 and nobody after (push index 0 from day 1).
models::EconomicParams make_synthetic_params(const World& world, std::int64_t agents);

}  // namespace migrasim::bench
