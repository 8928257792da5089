#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "sim/errors.hpp"
#include "sim/population.hpp"

using namespace migrasim;

TEST_CASE("kernel columns leave room for the mechanisms' own", "[sim]") {
  Population pop;
  CHECK(pop.bytes_per_agent() == Population::kernel_bytes_per_agent());
  CHECK(Population::kernel_bytes_per_agent() <= 36);
  pop.resize(1000);
  CHECK(pop.size() == 1000);
  CHECK(pop.legal_status.size() == 1000);
  CHECK(pop.nationality.size() == 1000);
  // Every column is sized alike, so the allocated bytes are the per-agent sum times the count.
  CHECK(pop.capacity_bytes() >= 1000 * pop.bytes_per_agent());
  CHECK(pop.capacity_bytes() < 1100 * pop.bytes_per_agent());
}

TEST_CASE("declared columns: filled, reset, counted, one meaning each", "[sim]") {
  Population pop;
  pop.resize(10);
  const auto until = pop.declare<std::int32_t>({"permit_until", "last day of the permit", -1}, "legal");
  const auto money = pop.declare<float>({"resources_usd", "savings, USD", 0, true}, "economic");
  // Agents that existed before the declaration get the fill value, and so do later ones.
  REQUIRE(pop[until].size() == 10);
  CHECK(pop[until][3] == -1);
  pop.resize(20);
  CHECK(pop[until][19] == -1);
  pop[until][19] = 400;
  pop.reset(19, 0, 5);
  CHECK(pop[until][19] == -1);
  CHECK(pop.entry_day[19] == 5);
  CHECK(pop.nationality[19] == -1);
  CHECK(pop.bytes_per_agent() == Population::kernel_bytes_per_agent() + 8);
  CHECK(pop.capacity_bytes() >= 20 * pop.bytes_per_agent());

  // A shared column declared again with the same description is the same column.
  const auto money2 = pop.declare<float>({"resources_usd", "savings, USD", 0, true}, "smuggling");
  CHECK(money2.index == money.index);
  CHECK(pop.bytes_per_agent() == Population::kernel_bytes_per_agent() + 8);
  // Written by two mechanisms without being shared, or shared with another meaning or type: refused.
  CHECK_THROWS_AS(pop.declare<std::int32_t>({"permit_until", "last day of the permit", -1}, "disaster"),
                  InternalError);
  CHECK_THROWS_WITH(pop.declare<float>({"resources_usd", "cash", 0, true}, "legal"),
                    Catch::Contains("resources_usd") && Catch::Contains("economic, smuggling"));
  CHECK_THROWS_AS(pop.declare<std::int32_t>({"resources_usd", "savings, USD", 0, true}, "legal"),
                  InternalError);
  CHECK_THROWS_AS(pop.find<std::int32_t>("resources_usd"), InternalError);
  CHECK_THROWS_AS(pop.find<float>("nothing"), InternalError);
  CHECK(pop.find<float>("resources_usd").index == money.index);

  const auto listed = pop.describe_columns();
  REQUIRE(listed.size() == 15 + 2);
  CHECK(listed[0].name == "place");
  CHECK(listed[0].declared_by == "kernel");
  CHECK(listed[15].name == "permit_until");
  CHECK(listed[15].type == "i32");
  CHECK(listed[16].declared_by == "economic, smuggling");
  CHECK_THAT(format_columns(pop), Catch::Contains("resources_usd") && Catch::Contains("bytes per agent"));
}

TEST_CASE("declared flags take the free bits of the flags byte", "[sim]") {
  Population pop;
  const FlagBit a = pop.declare_flag({"displaced", "away because of a disaster"}, "disaster");
  const FlagBit b = pop.declare_flag({"holds_permit", "holds a permit", 0, true}, "economic");
  CHECK(a.mask == (1u << agent_flag::kernel_bits));
  CHECK(b.mask == (1u << (agent_flag::kernel_bits + 1)));
  for (std::uint8_t kernel :
       {agent_flag::settled, agent_flag::stranded, agent_flag::rerouted, agent_flag::admitted})
    CHECK((kernel & (a.mask | b.mask)) == 0);
  CHECK(pop.declare_flag({"holds_permit", "holds a permit", 0, true}, "legal").mask == b.mask);
  CHECK_THROWS_AS(pop.declare_flag({"displaced", "away because of a disaster"}, "other"), InternalError);
  CHECK(pop.find_flag("displaced").mask == a.mask);
  pop.declare_flag({"c", "c"}, "x");
  pop.declare_flag({"d", "d"}, "x");
  CHECK_THROWS_WITH(pop.declare_flag({"e", "e"}, "x"), Catch::Contains("free flag bits"));
  CHECK(pop.bytes_per_agent() == Population::kernel_bytes_per_agent());
}

TEST_CASE("legal status names are unique and complete", "[sim]") {
  std::set<std::string> names;
  for (int s = 0; s < legal_status_count; ++s)
    names.insert(std::string(to_string(static_cast<LegalStatus>(s))));
  CHECK(names.size() == legal_status_count);
  CHECK(names.count("unknown") == 0);
  CHECK(to_string(LegalStatus::irregular) == "irregular");
}
