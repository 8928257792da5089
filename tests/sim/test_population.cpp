#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "sim/population.hpp"

using namespace migrasim;

TEST_CASE("agent columns stay within the 48-byte budget", "[sim]") {
  CHECK(Population::bytes_per_agent() <= 48);
  Population pop;
  pop.resize(1000);
  CHECK(pop.size() == 1000);
  CHECK(pop.legal_status.size() == 1000);
  CHECK(pop.flags.size() == 1000);
  // Every column is sized alike, so the allocated bytes are the per-agent sum times the count.
  CHECK(pop.capacity_bytes() >= 1000 * Population::bytes_per_agent());
  CHECK(pop.capacity_bytes() < 1100 * Population::bytes_per_agent());
}

TEST_CASE("legal status names are unique and complete", "[sim]") {
  std::set<std::string> names;
  for (int s = 0; s < legal_status_count; ++s)
    names.insert(std::string(to_string(static_cast<LegalStatus>(s))));
  CHECK(names.size() == legal_status_count);
  CHECK(names.count("unknown") == 0);
  CHECK(to_string(LegalStatus::irregular) == "irregular");
}
