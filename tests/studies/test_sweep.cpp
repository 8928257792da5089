#include <catch2/catch.hpp>

#include "io/scenario.hpp"
#include "sim/errors.hpp"
#include "studies/ensemble.hpp"
#include "studies/sweep.hpp"

using namespace migrasim;

namespace {

const std::string mini = std::string(MIGRASIM_SOURCE_DIR) + "/tests/data/mini.yaml";

}  // namespace

TEST_CASE("--vary values split at commas outside brackets", "[studies][sweep]") {
  const auto k = studies::parse_vary("behaviour.economic.patience_days=1,5,9", "--vary");
  CHECK(k.key == "behaviour.economic.patience_days");
  CHECK(k.values == std::vector<std::string>{"1", "5", "9"});
  const auto l = studies::parse_vary("events=[],[{date: 2024-01-03, action: close_border}]", "--vary");
  CHECK(l.values == std::vector<std::string>{"[]", "[{date: 2024-01-03, action: close_border}]"});
  CHECK_THROWS_WITH(studies::parse_vary("run.days", "--vary run.days"),
                    Catch::Contains("--vary run.days: got 'run.days', expected KEY.PATH=v1,v2,..."));
  CHECK_THROWS_WITH(studies::parse_vary("run.days=3,,4", "--vary"), Catch::Contains("an empty value"));
}

TEST_CASE("a sweep runs every combination for every seed, each row the run of its point",
          "[studies][sweep]") {
  const std::vector<studies::SweepKey> vary{
      {"behaviour.economic.emigration_rate_per_day.ORI", {"5.0e-4", "1.0e-3"}},
      {"behaviour.economic.patience_days", {"1", "5"}}};
  const auto t =
      studies::run_sweep(mini, {"run.days=10"}, vary, 2, {"sum:spawned", "population", "sum:flow"}, 1);
  REQUIRE(t.rows.size() == 8);
  CHECK(t.rows[5].values == std::vector<std::string>{"1.0e-3", "1"});
  CHECK(t.rows[5].seed == 8);  // mini.yaml's run.seed is 7
  const auto spec =
      io::load_scenario(mini, {"run.days=10", "behaviour.economic.emigration_rate_per_day.ORI=1.0e-3",
                               "behaviour.economic.patience_days=1"});
  const auto m = studies::run_member(spec, 8, 2);
  std::int64_t spawned = 0, last = 0;
  for (auto v : m.record.spawned) spawned += v;
  const std::size_t per_day = m.record.population.size() / 10;
  for (std::size_t i = 9 * per_day; i < 10 * per_day; ++i) last += m.record.population[i];
  CHECK(t.rows[5].outcomes[0] == static_cast<double>(spawned));
  CHECK(t.rows[5].outcomes[1] == static_cast<double>(last));
  // Twice the rate, about twice the movers (the first key varies slowest).
  CHECK(t.rows[4].outcomes[0] > 1.7 * t.rows[0].outcomes[0]);
  const std::string csv = studies::sweep_csv(t);
  CHECK(csv.rfind("behaviour.economic.emigration_rate_per_day.ORI,behaviour.economic.patience_days,seed,"
                  "sum:spawned,population,sum:flow\n",
                  0) == 0);
}

TEST_CASE("a bad sweep names the key or the outcome", "[studies][sweep]") {
  CHECK_THROWS_WITH(studies::run_sweep(mini, {}, {{"behaviour.economic.patience_days", {"1", "-3"}}}, 1,
                                       {"sum:spawned"}, 1),
                    Catch::Contains("behaviour.economic.patience_days"));
  CHECK_THROWS_WITH(
      studies::run_sweep(mini, {"run.days=2"}, {{"run.seed", {"1"}}}, 1, {"populaton"}, 1),
      Catch::Contains("outcome 'populaton': no variable 'populaton' in the run; expected NAME or "
                      "sum:NAME with NAME one of population, stranded, on_route, flow, spawned"));
  CHECK_THROWS_AS(studies::run_sweep(mini, {}, {{"run.days", {"3"}}, {"run.days", {"4"}}}, 1, {"spawned"}, 1),
                  InputError);
}
