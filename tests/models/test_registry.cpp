#include <catch2/catch.hpp>

#include "models/economic.hpp"
#include "models/registry.hpp"

using namespace migrasim;

TEST_CASE("every mechanism is registered once, movement models first and legal status last",
          "[models][registry]") {
  const auto& all = models::mechanisms().all();
  std::vector<std::string> names;
  for (const auto& m : all) names.push_back(m.name);
  CHECK(names == std::vector<std::string>{"economic", "flee", "family", "entry", "route_risks", "disasters",
                                          "smuggling", "legal"});
  CHECK(all.front().movement);
  CHECK_FALSE(all.back().movement);
  const Mechanism* economic = models::mechanisms().find("economic");
  REQUIRE(economic != nullptr);
  CHECK(economic->table == &models::EconomicParams::table());
  const auto params = economic->create();
  CHECK(economic->make(params.get())->name() == "economic");
}
