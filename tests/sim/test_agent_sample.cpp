#include <algorithm>
#include <set>
#include <utility>

#include <catch2/catch.hpp>

#include "../test_worlds.hpp"
#include "sim/agent_sample.hpp"
#include "sim/memory_recorder.hpp"
#include "sim/simulation.hpp"

using namespace migrasim;

namespace {

// The `n` agents of [0, count) with the smallest keys, by brute force.
std::set<agent_id> smallest_keys(const KeyedRng& rng, std::size_t count, std::size_t n) {
  std::vector<std::pair<std::uint64_t, agent_id>> all;
  for (std::size_t i = 0; i < count; ++i)
    all.emplace_back(AgentSample::key(rng, static_cast<agent_id>(i)), static_cast<agent_id>(i));
  std::sort(all.begin(), all.end());
  std::set<agent_id> out;
  for (std::size_t k = 0; k < std::min(n, all.size()); ++k) out.insert(all[k].second);
  return out;
}

std::set<agent_id> sampled(const AgentSample& s) {
  std::set<agent_id> ids;
  for (const auto& r : s.rows()) ids.insert(r.agent);
  return ids;
}

std::unique_ptr<Simulation> corridor(int threads, std::int32_t days, AgentSampleSpec agents) {
  auto w = test::corridor_world();
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<models::EconomicModel>(test::corridor_params(*w, 1e-4)));
  SimulationConfig config{7, days, threads, "2024-01-01"};
  config.agents = agents;
  return std::make_unique<Simulation>(w, Schedule(std::vector<Event>{}), std::move(models), config);
}

bool same_rows(const std::vector<AgentRow>& a, const std::vector<AgentRow>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].agent != b[i].agent || a[i].day != b[i].day || a[i].location != b[i].location ||
        a[i].edge != b[i].edge || a[i].legal_status != b[i].legal_status ||
        a[i].nationality != b[i].nationality || a[i].sex != b[i].sex || a[i].age_band != b[i].age_band)
      return false;
  return true;
}

}  // namespace

TEST_CASE("the agent sample holds the agents with the smallest keys, however they arrive", "[sim][agents]") {
  auto world = test::corridor_world();
  const KeyedRng rng(5);
  Population pop;
  AgentSample once(AgentSampleSpec{50, 1}), batches(AgentSampleSpec{50, 1});
  // Batches of 30, 400 and 2,000 new agents: early members are evicted by later, smaller keys.
  for (std::size_t total : {30u, 430u, 2430u}) {
    const std::size_t first = pop.size();
    pop.resize(total);
    for (std::size_t i = first; i < total; ++i) pop.reset(i, static_cast<place_id>(i % 7), 0);
    batches.observe(pop, *world, rng, static_cast<std::int32_t>(total));
    CHECK(sampled(batches) == smallest_keys(rng, total, 50));
    CHECK(batches.agents() == std::min<std::size_t>(total, 50));
  }
  once.observe(pop, *world, rng, 2430);
  CHECK(sampled(once) == sampled(batches));
  // Rows by agent then day; an agent of the final sample has a row from its first sight on.
  const auto rows = batches.rows();
  CHECK(std::is_sorted(rows.begin(), rows.end(), [](const AgentRow& a, const AgentRow& b) {
    return std::make_pair(a.agent, a.day) < std::make_pair(b.agent, b.day);
  }));
  for (const auto& r : rows) {
    CHECK(r.location == static_cast<place_id>(r.agent % 7));
    CHECK(r.edge == -1);
    CHECK(r.day >= (r.agent < 30 ? 30 : r.agent < 430 ? 430 : 2430));
  }
  // A different seed samples other agents.
  CHECK(smallest_keys(KeyedRng(6), 2430, 50) != sampled(batches));
}

TEST_CASE("agent samples follow agents on the recording days, the same for any thread count and in a fork",
          "[sim][agents]") {
  const AgentSampleSpec spec{40, 5};
  auto one = corridor(1, 23, spec);
  one->run();
  const auto rows = one->agent_sample().rows();
  REQUIRE_FALSE(rows.empty());
  std::set<agent_id> ids;
  std::set<std::int32_t> days;
  for (const auto& r : rows) {
    ids.insert(r.agent);
    days.insert(r.day);
    CHECK((r.location >= 0) != (r.edge >= 0));  // at a place or on a route
    CHECK(r.nationality == 0);                  // ORI: the only origin country
  }
  CHECK(ids.size() == 40);
  CHECK(days == std::set<std::int32_t>{0, 5, 10, 15, 20, 22});  // every 5 days and the last
  // Somebody in the sample moved: travellers are followed along routes.
  CHECK(std::any_of(rows.begin(), rows.end(), [](const AgentRow& r) { return r.edge >= 0; }));

  auto three = corridor(3, 23, spec);
  three->run();
  CHECK(same_rows(three->agent_sample().rows(), rows));

  auto half = corridor(1, 23, spec);
  half->step(11);
  auto fork = half->fork({}, 2);
  half->run();
  fork->run();
  CHECK(same_rows(fork->agent_sample().rows(), rows));
  CHECK(same_rows(half->agent_sample().rows(), rows));

  auto none = corridor(1, 23, {});
  none->run();
  CHECK(none->agent_sample().rows().empty());
}
