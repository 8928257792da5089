#include <numeric>

#include <tbb/global_control.h>
#include <catch2/catch.hpp>

#include "../test_worlds.hpp"
#include "models/entry.hpp"
#include "sim/errors.hpp"
#include "sim/memory_recorder.hpp"
#include "sim/simulation.hpp"

using namespace migrasim;

namespace {

struct Run {
  MemoryRecorder rec;
  std::unique_ptr<Simulation> sim;
};

std::unique_ptr<Run> run_corridor(int threads, std::int32_t days, std::vector<Event> events = {},
                                  double rate = 1e-3, std::uint64_t seed = 11) {
  auto w = test::corridor_world();
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<models::EconomicModel>(test::corridor_params(*w, rate)));
  auto r = std::make_unique<Run>();
  r->sim = std::make_unique<Simulation>(w, Schedule(std::move(events)), std::move(models),
                                        SimulationConfig{seed, days, threads, "2024-01-01"});
  r->sim->add_recorder(&r->rec);
  r->sim->run();
  return r;
}

Event close_bx(const World& w, std::int32_t day, bool close) {
  Event e;
  e.day = day;
  e.action = close ? EventAction::close_routes : EventAction::open_routes;
  e.name = close ? "close B--X" : "open B--X";
  e.target = "B--X";
  e.routes = {w.find_route(w.find_place("B"), w.find_place("X"))};
  return e;
}

// A test model with series of its own: agents by legal status over a new dimension "status", and the day
// number (no dimension after time). With `wrong_size` it fills the first series with one value too many.
class StatusCounter final : public Model {
 public:
  explicit StatusCounter(bool wrong_size = false) : wrong_size_(wrong_size) {}
  std::string_view name() const override { return "status_counter"; }
  void declare_series(std::vector<SeriesSpec>& out) const override {
    std::vector<std::string> labels;
    for (int s = 0; s < legal_status_count; ++s) labels.emplace_back(to_string(static_cast<LegalStatus>(s)));
    out.push_back({"agents_by_status", "agents by legal status", "persons", {"status"}, {labels}});
    out.push_back({"day_number", "the day, counted from 1", "1", {}, {}});
  }
  void fill_series(StepContext& ctx, std::vector<std::vector<std::int64_t>>& values) override {
    REQUIRE(values.size() == 2);
    values[0].assign(static_cast<std::size_t>(legal_status_count) + (wrong_size_ ? 1 : 0), 0);
    const Population& pop = ctx.population();
    for (std::size_t i = 0; i < pop.size(); ++i) ++values[0][static_cast<std::size_t>(pop.legal_status[i])];
    values[1].assign(1, ctx.day() + 1);
  }

 private:
  bool wrong_size_;
};

std::unique_ptr<Run> run_counted(std::int32_t days, bool wrong_size = false) {
  auto w = test::corridor_world();
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<models::EconomicModel>(test::corridor_params(*w)));
  models.push_back(std::make_unique<StatusCounter>(wrong_size));
  auto r = std::make_unique<Run>();
  r->sim = std::make_unique<Simulation>(w, Schedule{}, std::move(models),
                                        SimulationConfig{3, days, 2, "2024-01-01"});
  r->sim->add_recorder(&r->rec);
  return r;
}

}  // namespace

TEST_CASE("models' own series reach the recorders", "[sim][series]") {
  const std::int32_t days = 15;
  auto r = run_counted(days);
  r->sim->run();
  const auto& rec = r->rec;
  // The model's two, then the kernel's crossings and apprehensions (the corridor has border routes).
  REQUIRE(rec.series_specs().size() == 4);
  CHECK(rec.series_specs()[0].name == "agents_by_status");
  CHECK(rec.series_specs()[0].dims == std::vector<std::string>{"status"});
  CHECK(rec.series_specs()[1].dims.empty());
  CHECK(rec.series_specs()[2].name == "crossings");
  CHECK(rec.series_specs()[3].name == "apprehensions");
  REQUIRE(rec.series.size() == 4);
  const auto S = static_cast<std::size_t>(legal_status_count);
  REQUIRE(rec.series[0].size() == static_cast<std::size_t>(days) * S);
  REQUIRE(rec.series[1].size() == static_cast<std::size_t>(days));
  std::int64_t spawned = 0;
  for (std::size_t d = 0; d < static_cast<std::size_t>(days); ++d) {
    spawned += rec.spawned[d];
    INFO("day " << d);
    CHECK(rec.series[1][d] == static_cast<std::int64_t>(d) + 1);
    // Every agent has one legal status.
    CHECK(std::accumulate(rec.series[0].begin() + static_cast<std::ptrdiff_t>(d * S),
                          rec.series[0].begin() + static_cast<std::ptrdiff_t>((d + 1) * S),
                          std::int64_t{0}) == spawned);
  }
  REQUIRE(spawned > 1000);
  // The last day agrees with the agents themselves.
  std::vector<std::int64_t> direct(S, 0);
  const auto& pop = r->sim->population();
  for (std::size_t i = 0; i < pop.size(); ++i) ++direct[static_cast<std::size_t>(pop.legal_status[i])];
  const std::vector<std::int64_t> last(rec.series[0].end() - static_cast<std::ptrdiff_t>(S),
                                       rec.series[0].end());
  CHECK(last == direct);
  CHECK(direct[static_cast<std::size_t>(LegalStatus::regular)] > 0);

  // Replaying gives the same series.
  MemoryRecorder again;
  rec.replay(again);
  CHECK(again.series == rec.series);
  CHECK(again.series_specs().size() == 4);
}

TEST_CASE("a model that fills a series with the wrong size is an InternalError", "[sim][series]") {
  auto r = run_counted(5, true);
  CHECK_THROWS_AS(r->sim->step(1), InternalError);
  CHECK(r->rec.days == 0);
}

TEST_CASE("results are identical for 1, 2 and 8 threads", "[sim][determinism]") {
  // Really run 8 workers, even on a 2-core machine.
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 8);
  auto w = test::corridor_world();
  std::vector<Event> ev{close_bx(*w, 5, true), close_bx(*w, 15, false)};
  auto r1 = run_corridor(1, 30, ev);
  auto r2 = run_corridor(2, 30, ev);
  auto r8 = run_corridor(8, 30, ev);
  REQUIRE(r1->sim->population().size() > 20000);
  for (const auto* r : {r2.get(), r8.get()}) {
    CHECK(r->rec.population == r1->rec.population);
    CHECK(r->rec.stranded == r1->rec.stranded);
    CHECK(r->rec.on_route == r1->rec.on_route);
    CHECK(r->rec.flow == r1->rec.flow);
    CHECK(r->rec.spawned == r1->rec.spawned);
    CHECK(r->sim->population().km_done == r1->sim->population().km_done);
    CHECK(r->sim->population().destination == r1->sim->population().destination);
    const auto& pop = r->sim->population();
    const auto& pop1 = r1->sim->population();
    CHECK(pop[pop.find<float>("resources_usd")] == pop1[pop1.find<float>("resources_usd")]);
  }
  // A different seed gives a different run.
  auto other = run_corridor(2, 30, ev, 1e-3, 12);
  CHECK(other->rec.spawned != r1->rec.spawned);
}

TEST_CASE("people are conserved every day", "[sim]") {
  auto w = test::corridor_world();
  auto r = run_corridor(2, 25, {close_bx(*w, 3, true)});
  const auto& rec = r->rec;
  const std::size_t np = rec.population.size() / static_cast<std::size_t>(rec.days);
  const std::size_t ns = rec.stranded.size() / static_cast<std::size_t>(rec.days);
  const std::size_t nr = rec.on_route.size() / static_cast<std::size_t>(rec.days);
  std::int64_t spawned = 0;
  for (std::size_t d = 0; d < static_cast<std::size_t>(rec.days); ++d) {
    spawned += rec.spawned[d];
    const auto sum = [d](const std::vector<std::int64_t>& v, std::size_t n) {
      return std::accumulate(v.begin() + static_cast<std::ptrdiff_t>(d * n),
                             v.begin() + static_cast<std::ptrdiff_t>((d + 1) * n), std::int64_t{0});
    };
    INFO("day " << d);
    CHECK(sum(rec.population, np) + sum(rec.stranded, ns) + sum(rec.on_route, nr) == spawned);
  }
  CHECK(spawned == static_cast<std::int64_t>(r->sim->population().size()));
  CHECK(spawned == r->sim->spawned_total());
}

TEST_CASE("a closed border strands people, who reroute after their patience", "[sim]") {
  auto w = test::corridor_world();
  auto r = run_corridor(2, 12, {close_bx(*w, 0, true)});
  const place_id b = w->find_place("B");
  const std::size_t places = static_cast<std::size_t>(w->place_count());
  const route_id bx = w->find_route(b, w->find_place("X"));
  const route_id yx = w->find_route(w->find_place("Y"), w->find_place("X"));
  const auto& rec = r->rec;
  const std::size_t routes = static_cast<std::size_t>(w->route_count());
  // Day 1: people from O2 wait at B (O1's are also sent via B at first).
  CHECK(rec.stranded[1 * places + static_cast<std::size_t>(b)] > 0);
  // Nobody ever enters the closed crossing.
  for (std::int32_t d = 0; d < rec.days; ++d)
    CHECK(rec.flow[static_cast<std::size_t>(d) * routes + static_cast<std::size_t>(bx)] == 0);
  // After patience (3 days) the detour via Y carries people.
  std::int64_t detour = 0;
  for (std::int32_t d = 0; d < rec.days; ++d)
    detour += rec.flow[static_cast<std::size_t>(d) * routes + static_cast<std::size_t>(yx)];
  CHECK(detour > 0);
  // The recorder saw the event.
  REQUIRE(rec.events.size() == 1);
  CHECK(rec.events[0].action == "close_routes");
  CHECK(rec.events[0].routes_affected == 1);
  CHECK(r->sim->route_state().open[static_cast<std::size_t>(bx)] == 0);
}

TEST_CASE("arrivals settle with a legal status", "[sim]") {
  auto r = run_corridor(2, 20);
  const auto& pop = r->sim->population();
  std::int64_t settled = 0, regular = 0, irregular = 0;
  const FlagBit holds_permit = pop.find_flag("holds_permit");
  for (std::size_t i = 0; i < pop.size(); ++i) {
    if (!(pop.flags[i] & agent_flag::settled)) {
      CHECK(pop.legal_status[i] == LegalStatus::in_transit);
      continue;
    }
    ++settled;
    CHECK(pop.place[i] == pop.destination[i]);
    if (pop.legal_status[i] == LegalStatus::regular) {
      ++regular;
      CHECK((pop.flags[i] & holds_permit.mask));
    } else {
      ++irregular;
      CHECK(pop.legal_status[i] == LegalStatus::irregular);
    }
  }
  REQUIRE(settled > 1000);
  // visa_share for DST is 0.25.
  CHECK(static_cast<double>(regular) / static_cast<double>(settled) == Approx(0.25).margin(0.03));
}

TEST_CASE("stepping stops at the end and validates its configuration", "[sim]") {
  auto w = test::corridor_world();
  std::vector<std::unique_ptr<Model>> models;
  Simulation sim(w, Schedule{}, std::move(models), SimulationConfig{1, 3, 1, "2024-01-01"});
  CHECK(sim.step(2) == 2);
  CHECK(sim.day() == 2);
  CHECK(sim.step(5) == 1);
  CHECK(sim.finished());
  CHECK(sim.step(1) == 0);
  CHECK_THROWS_AS(Simulation(w, Schedule{}, {}, SimulationConfig{1, 3, 0, ""}), InputError);
  Event bad;
  bad.routes = {99};
  CHECK_THROWS_AS(Simulation(w, Schedule({bad}), {}, SimulationConfig{1, 3, 1, ""}), InternalError);
}

TEST_CASE("people already on a route when it closes finish it", "[sim]") {
  auto w = test::corridor_world();
  const place_id x = w->find_place("X"), d2 = w->find_place("D2");
  const route_id xd2 = w->find_route(x, d2);
  Event close;
  close.day = 6;
  close.action = EventAction::close_routes;
  close.name = "close X--D2";
  close.routes = {xd2};
  auto r = run_corridor(2, 12, {close});
  const auto& rec = r->rec;
  const auto routes = static_cast<std::size_t>(w->route_count());
  const auto places = static_cast<std::size_t>(w->place_count());
  auto at_d2 = [&](std::size_t d) {
    std::int64_t n = 0;
    for (int s = 0; s < legal_status_count; ++s)
      n += rec.population[(d * places + static_cast<std::size_t>(d2)) * legal_status_count +
                          static_cast<std::size_t>(s)];
    return n;
  };
  const std::int64_t on_route_day5 = rec.on_route[5 * routes + static_cast<std::size_t>(xd2)];
  REQUIRE(on_route_day5 > 0);
  // X--D2 takes 2 days at 200 km/day: everyone on it at the closure arrives, and nobody enters after.
  CHECK(rec.on_route[8 * routes + static_cast<std::size_t>(xd2)] == 0);
  CHECK(at_d2(8) >= at_d2(5) + on_route_day5);
  CHECK(at_d2(11) == at_d2(8));
  for (std::size_t d = 6; d < 12; ++d) CHECK(rec.flow[d * routes + static_cast<std::size_t>(xd2)] == 0);
}

namespace {

// A model that only declares: a purpose range and, optionally, an unshared column.
class Declarer final : public Model {
 public:
  Declarer(std::uint32_t first_purpose, bool column) : first_(first_purpose), column_(column) {}
  std::string_view name() const override { return "declarer"; }
  void declare(Declarations& declared) override {
    declared.purposes(first_, 2);
    if (column_) declared.add<float>({"resources_usd", "savings, USD", 0, false});
  }

 private:
  std::uint32_t first_;
  bool column_;
};

std::unique_ptr<Simulation> with_declarer(std::uint32_t first_purpose, bool column) {
  auto w = test::corridor_world();
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<models::EconomicModel>(test::corridor_params(*w)));
  models.push_back(std::make_unique<Declarer>(first_purpose, column));
  return std::make_unique<Simulation>(w, Schedule{}, std::move(models),
                                      SimulationConfig{3, 5, 1, "2024-01-01"});
}

}  // namespace

TEST_CASE("mechanisms declare their columns and purposes; conflicts stop the build", "[sim]") {
  CHECK_NOTHROW(with_declarer(400, false));
  // The economic model draws from purposes 16-19 and 21 and writes resources_usd as a shared column.
  CHECK_THROWS_WITH(with_declarer(21, false),
                    Catch::Contains("economic and declarer") && Catch::Contains("random-number purpose"));
  CHECK_THROWS_WITH(with_declarer(3, false), Catch::Contains("kernel"));
  CHECK_THROWS_WITH(with_declarer(400, true), Catch::Contains("resources_usd") && Catch::Contains("shared"));
}

TEST_CASE("the economic baseline holds at most 40 bytes per agent; nationality is the origin's", "[sim]") {
  auto r = run_corridor(2, 10);
  const Population& pop = r->sim->population();
  CHECK(pop.bytes_per_agent() <= 40);
  REQUIRE(pop.size() > 0);
  const auto& places = r->sim->world().places();
  for (std::size_t i = 0; i < pop.size(); ++i)
    REQUIRE(pop.nationality[i] == places[static_cast<std::size_t>(pop.origin[i])].country);
}

TEST_CASE("a run longer than per-agent days can hold is refused", "[sim]") {
  auto w = test::corridor_world();
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<models::EconomicModel>(test::corridor_params(*w)));
  CHECK_THROWS_AS(Simulation(w, Schedule{}, std::move(models), SimulationConfig{3, max_run_days + 1, 1, ""}),
                  InputError);
}

TEST_CASE("a per-day series beyond 2^24 values a day is refused before the run, naming its size", "[sim]") {
  // population_by_group holds places x countries x 2 sexes x 4 age bands values a day: 1,449 countries of
  // one place each give 16,796,808 (just above 2^24 = 16,777,216); 1,448 give 16,773,632 (just below).
  auto world_of = [](int n) {
    std::vector<Country> c;
    std::vector<Place> p;
    for (int i = 0; i < n; ++i) {
      const std::string code = "C" + std::to_string(i);
      c.push_back({code, code});
      p.push_back(test::make_place(code.c_str(), static_cast<country_id>(i), PlaceKind::town, 0));
    }
    return std::make_shared<const World>(c, p, std::vector<Route>{});
  };
  SimulationConfig config{1, 2, 1, ""};
  config.record_groups = true;
  CHECK_THROWS_WITH(Simulation(world_of(1449), Schedule{}, {}, config),
                    Catch::Contains("population_by_group") && Catch::Contains("16796808 values a day") &&
                        Catch::Contains("at most 16777216"));
  CHECK_NOTHROW(Simulation(world_of(1448), Schedule{}, {}, config));
  config.record_groups = false;
  CHECK_NOTHROW(Simulation(world_of(1449), Schedule{}, {}, config));
}

TEST_CASE("border crossings are counted by way and nationality; stopped attempts as apprehensions", "[sim]") {
  auto w = test::corridor_world();
  auto params = test::corridor_params(*w);
  models::EntryParams::Rule checks;
  checks.name = "checks at B--X";
  checks.permeability = 0.5;
  checks.permeability_given = true;
  checks.routes = {w->find_route(w->find_place("B"), w->find_place("X"))};
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<models::EconomicModel>(params));
  models.push_back(std::make_unique<models::EntryModel>(models::EntryParams{{checks}}));
  MemoryRecorder rec;
  Simulation sim(w, Schedule(std::vector<Event>{}), std::move(models),
                 SimulationConfig{3, 20, 2, "2024-01-01"});
  sim.add_recorder(&rec);
  sim.run();
  std::size_t crossings = 0;
  while (rec.series_specs()[crossings].name != "crossings") ++crossings;
  const SeriesSpec& spec = rec.series_specs()[crossings];
  CHECK(rec.series_specs()[crossings + 1].name == "apprehensions");
  // Border routes B--X and Y--X; ways pathway, smuggler, alone; nationalities ORI, DST.
  REQUIRE(spec.coords[0] == std::vector<std::string>{"B--X", "Y--X"});
  REQUIRE(spec.coords[1] == std::vector<std::string>{"pathway", "smuggler", "alone"});
  REQUIRE(spec.coords[2] == std::vector<std::string>{"ORI", "DST"});
  auto total = [&](std::size_t series, std::size_t option) {
    std::int64_t n = 0;
    for (std::size_t d = 0; d < 20; ++d)
      for (std::size_t edge = 0; edge < 2; ++edge)
        n += rec.series[series][d * spec.size() + (edge * 3 + option) * 2 + 0];  // nationality ORI
    return n;
  };
  // Everyone counted as crossing is in DST now (at a place or on a route leaving one there), and the other
  // way round; permit holders crossed the regular way.
  const Population& pop = sim.population();
  const FlagBit holds_permit = pop.find_flag("holds_permit");
  std::int64_t across = 0, with_permit = 0;
  for (std::size_t i = 0; i < pop.size(); ++i) {
    const place_id p = pop.place[i] >= 0 ? pop.place[i] : w->arc_target(pop.arc[i] ^ 1);
    if (w->places()[static_cast<std::size_t>(p)].country != 1) continue;
    ++across;
    if (pop.flags[i] & holds_permit.mask) ++with_permit;
  }
  REQUIRE(across > 1000);
  CHECK(total(crossings, 0) + total(crossings, 2) == across);
  CHECK(total(crossings, 0) == with_permit);
  CHECK(total(crossings, 1) == 0);
  // Half the attempts at B--X fail each day.
  const std::int64_t stopped = total(crossings + 1, 0) + total(crossings + 1, 2);
  CHECK(stopped > 0);
  CHECK(total(crossings + 1, 1) == 0);
  CHECK(static_cast<double>(stopped) > 0.5 * static_cast<double>(across) * 0.5);
}

TEST_CASE("population_by_group counts everyone at a place by nationality, sex and age band", "[sim]") {
  auto w = test::corridor_world();
  std::vector<std::unique_ptr<Model>> models;
  auto params = test::corridor_params(*w);
  params.demography.all.female_share = 0.3;
  models.push_back(std::make_unique<models::EconomicModel>(params));
  SimulationConfig config{8, 12, 2, "2024-01-01"};
  config.record_groups = true;
  MemoryRecorder rec;
  Simulation sim(w, Schedule(std::vector<Event>{}), std::move(models), config);
  sim.add_recorder(&rec);
  sim.run();
  const SeriesSpec& spec = rec.series_specs().back();
  REQUIRE(spec.name == "population_by_group");
  REQUIRE(spec.dims == std::vector<std::string>{"location", "nationality", "sex", "age_band"});
  CHECK(spec.coords[2] == std::vector<std::string>{"female", "male"});
  CHECK(spec.coords[3] == std::vector<std::string>{"0-17", "18-34", "35-59", "60+"});
  const std::size_t places = static_cast<std::size_t>(w->place_count()), n = spec.size();
  const std::size_t S = static_cast<std::size_t>(legal_status_count);
  std::int64_t female = 0, all = 0;
  for (std::size_t d = 0; d < 12; ++d)
    for (std::size_t p = 0; p < places; ++p) {
      // Per place and day: the groups add up to the population (every status) plus the stranded.
      std::int64_t groups = 0, counted = rec.stranded[d * places + p];
      for (std::size_t k = 0; k < n / places; ++k) groups += rec.series.back()[d * n + p * (n / places) + k];
      for (std::size_t s = 0; s < S; ++s) counted += rec.population[(d * places + p) * S + s];
      CHECK(groups == counted);
      if (d == 11)
        for (std::size_t k = 0; k < n / places; ++k) {
          const std::int64_t v = rec.series.back()[d * n + p * (n / places) + k];
          all += v;
          if ((k / 4) % 2 == 0) female += v;  // (nationality, sex, age band) within a place
          CHECK((k / 8 == 0 || v == 0));      // everyone is from ORI
        }
    }
  REQUIRE(all > 1000);
  CHECK(static_cast<double>(female) / static_cast<double>(all) == Approx(0.3).margin(0.03));
}

TEST_CASE("a day that would make more agents than the limits stops the run before allocating",
          "[sim][reliability]") {
  auto w = test::corridor_world();
  auto make = [&](std::int64_t max_agents, std::uint64_t memory_bytes, double rate) {
    std::vector<std::unique_ptr<Model>> models;
    models.push_back(std::make_unique<models::EconomicModel>(test::corridor_params(*w, rate)));
    SimulationConfig config{11, 10, 1, "2024-01-01"};
    config.max_agents = max_agents;
    config.memory_bytes = memory_bytes;
    return std::make_unique<Simulation>(w, Schedule(std::vector<Event>{}), std::move(models), config);
  };
  // 1.5 million residents at 1e-3 a day: about 1,500 agents a day.
  auto capped = make(4000, 0, 1e-3);
  CHECK_THROWS_WITH(capped->run(), Catch::Contains("day 2: 'economic' would bring the run to") &&
                                       Catch::Contains("more than the limit of 4000 agents (--max-agents)"));
  CHECK(capped->population().size() <= 4000);
  // Everyone leaving on day 0 would need 1.5 million agents; 10 MB holds about 250,000.
  auto small = make(0, 10'000'000, 1.0);
  CHECK_THROWS_WITH(small->step(), Catch::Contains("what 0.0 GiB of memory holds"));
  CHECK(small->population().size() == 0);
  auto fits = make(1'000'000, 0, 1e-4);
  CHECK_NOTHROW(fits->run());
}
