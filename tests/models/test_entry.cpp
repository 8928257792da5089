// Entry rules (models/entry.hpp) on the corridor world, with the economic model as the mover: each kind of
// rule, nationalities, permit holders, dates, the last rule deciding, nationals entering their own
// country, the held waiting and going home, apprehensions counted, and the table's messages.
#include <limits>

#include <catch2/catch.hpp>

#include "../test_worlds.hpp"
#include "io/param_reader.hpp"
#include "io/yaml_tree.hpp"
#include "models/disaster.hpp"
#include "models/entry.hpp"
#include "sim/errors.hpp"
#include "sim/memory_recorder.hpp"
#include "sim/simulation.hpp"

using namespace migrasim;
using Kind = models::EntryParams::Kind;

namespace {

// Arrivals at D1 and D2 on the last day, by legal status; people stranded at B; returned; and the run's
// apprehensions.
struct Outcome {
  std::int64_t regular = 0, irregular = 0, stranded_b = 0, returned = 0, apprehended = 0;
};

Outcome outcome(const models::EconomicParams& p, const std::vector<models::EntryParams::Rule>& rules,
                std::int32_t days = 30) {
  auto w = test::corridor_world();
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<models::EconomicModel>(p));
  if (!rules.empty()) models.push_back(std::make_unique<models::EntryModel>(models::EntryParams{rules}));
  MemoryRecorder rec;
  Simulation sim(w, Schedule(std::vector<Event>{}), std::move(models),
                 SimulationConfig{3, days, 2, "2024-01-01"});
  sim.add_recorder(&rec);
  sim.run();
  const std::size_t ls = legal_status_count, places = 7, d = static_cast<std::size_t>(days - 1);
  auto at = [&](std::size_t place, LegalStatus s) {
    return rec.population[(d * places + place) * ls + static_cast<std::size_t>(s)];
  };
  Outcome o;
  for (std::size_t place : {4u, 5u}) {
    o.regular += at(place, LegalStatus::regular);
    o.irregular += at(place, LegalStatus::irregular);
  }
  o.returned = at(0, LegalStatus::returned) + at(1, LegalStatus::returned);
  o.stranded_b = rec.stranded[d * places + 2];
  for (std::size_t k = 0; k < rec.series_specs().size(); ++k)
    if (rec.series_specs()[k].name == "apprehensions")
      for (auto v : rec.series[k]) o.apprehended += v;
  return o;
}

models::EntryParams::Rule rule_on_bx(Kind kind, double permeability = 0) {
  models::EntryParams::Rule r;
  r.name = "rule";
  r.routes = {2};         // B--X
  r.nationalities = {0};  // ORI
  r.kind = kind;
  r.permeability = permeability;
  r.permeability_given = kind == Kind::permeability;
  return r;
}

}  // namespace

TEST_CASE("entry rules hold people by nationality and permit; the held wait, reroute or go home",
          "[models][entry]") {
  auto w = test::corridor_world();
  auto p = test::corridor_params(*w);
  const Outcome open = outcome(p, {});
  REQUIRE(open.irregular > 0);
  REQUIRE(open.regular > 0);
  CHECK(open.apprehended == 0);

  auto bx = rule_on_bx(Kind::permeability, 0);
  const Outcome shut = outcome(p, {bx});
  CHECK(shut.irregular == 0);  // rerouting follows open routes, and B--X is open: they keep trying
  CHECK(shut.regular > 0);     // permit holders pass
  CHECK(shut.stranded_b > 0);
  CHECK(shut.apprehended > 0);  // every refused attempt
  // Partial: a share gets through each day.
  bx.permeability = 0.3;
  const Outcome partial = outcome(p, {bx});
  CHECK(partial.irregular > 0);
  CHECK(partial.irregular < open.irregular);
  // Permit holders held too; another nationality's rule leaves ORI alone.
  bx.permeability = 0;
  bx.permit_holders_pass = false;
  CHECK(outcome(p, {bx}).regular == 0);
  auto other = rule_on_bx(Kind::closed);
  other.nationalities = {1};
  const Outcome untouched = outcome(p, {other});
  CHECK(untouched.irregular == open.irregular);
  CHECK(untouched.regular == open.regular);
  // Lifted after day 10: people get through again.
  auto lifted = rule_on_bx(Kind::closed);
  lifted.until_day = 10;
  CHECK(outcome(p, {lifted}).irregular > 0);
  // The held may go home after `patience_days`.
  p.stranded_return_per_day = 0.2;
  const Outcome home = outcome(p, {rule_on_bx(Kind::permeability, 0)});
  CHECK(home.returned > 0);
  CHECK(home.stranded_b < shut.stranded_b);
}

TEST_CASE("closed, visa_required and visa_free; the last rule in force decides", "[models][entry]") {
  auto w = test::corridor_world();
  auto p = test::corridor_params(*w);
  p.patience_days = 1000;  // nobody reroutes around B--X
  const Outcome closed = outcome(p, {rule_on_bx(Kind::closed)});
  CHECK(closed.regular == 0);
  CHECK(closed.irregular == 0);
  const Outcome visa = outcome(p, {rule_on_bx(Kind::visa_required)});
  CHECK(visa.regular > 0);
  CHECK(visa.irregular == 0);
  const Outcome open = outcome(p, {});
  // A visa_free rule after the closure exempts ORI; before it, the closure decides.
  auto everyone_closed = rule_on_bx(Kind::closed);
  everyone_closed.nationalities.clear();
  const Outcome exempt = outcome(p, {everyone_closed, rule_on_bx(Kind::visa_free)});
  CHECK(exempt.irregular == open.irregular);
  CHECK(exempt.regular == open.regular);
  CHECK(outcome(p, {rule_on_bx(Kind::visa_free), everyone_closed}).irregular == 0);
}

TEST_CASE("people entering their own country pass every rule", "[models][entry]") {
  // A closure of B--X for everyone, asked directly of the gate for an ORI national in both directions.
  auto w = test::corridor_world();
  models::EntryParams params;
  auto r = rule_on_bx(Kind::closed);
  r.nationalities.clear();
  params.rules = {r};
  std::vector<std::unique_ptr<Model>> models;
  auto entry = std::make_unique<models::EntryModel>(params);
  const models::EntryModel* gate = entry.get();
  models.push_back(std::make_unique<models::EconomicModel>(test::corridor_params(*w)));
  models.push_back(std::move(entry));
  Simulation sim(w, Schedule(std::vector<Event>{}), std::move(models),
                 SimulationConfig{3, 3, 1, "2024-01-01"});
  sim.step(2);
  const Population& pop = sim.population();
  REQUIRE(pop.size() > 0);
  CHECK(gate->active(2));
  CHECK_FALSE(gate->active(0));
  // Agent 0 is of ORI: refused on B -> X and on X -> B (X lies in DST, B in ORI: entering ORI is home).
  const arc_id b_to_x = [&] {
    for (const arc_id* a = w->out_arcs_begin(2); a != w->out_arcs_end(2); ++a)
      if (w->arc_target(*a) == 3) return *a;
    return arc_id{-1};
  }();
  REQUIRE(b_to_x >= 0);
  CHECK_FALSE(gate->admits(0, b_to_x, 0));
  CHECK(gate->admits(0, b_to_x ^ 1, 0));  // towards B, in the agent's own country
  CHECK(pop.nationality[0] == 0);
}

TEST_CASE("entry rules read from a scenario give file:line:column and what is expected", "[models][entry]") {
  const auto w = test::corridor_world();
  auto read = [&](const std::string& yaml) {
    const auto node = io::parse_yaml(yaml, "s.yaml");
    return io::read_params(models::EntryParams::table(), node, "behaviour.entry",
                           io::ParamReadContext{*w, 19723, 60});
  };
  auto error = [&](const std::string& yaml) {
    try {
      read(yaml);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const auto p = read(R"(rules:
  - {name: wall, from: 2024-01-05, border: [ORI, DST], permeability: 0.1}
  - {from: 2024-01-05, until: 2024-01-06, route: [B, X], rule: visa_required}
  - {from: 2024-01-01, route: [B, X], nationalities: [DST], rule: visa_free}
)");
  REQUIRE(p.rules.size() == 3);
  CHECK(p.rules[0].routes == std::vector<route_id>{2, 6});  // B--X and the detour Y--X
  CHECK(p.rules[0].kind == Kind::permeability);
  CHECK(p.rules[0].until_day == std::numeric_limits<std::int32_t>::max());
  CHECK(p.rules[1].name == "entry rule");
  CHECK(p.rules[1].kind == Kind::visa_required);
  CHECK(p.rules[1].routes == std::vector<route_id>{2});
  CHECK(p.rules[1].until_day == 5);
  CHECK(p.rules[2].nationalities == std::vector<country_id>{1});
  CHECK_NOTHROW(p.validate(*w, 60));
  const std::string rule = "rules:\n  - {from: 2024-01-05, ";
  CHECK(error(rule + "permeability: 0.1}\n") ==
        "s.yaml:2:5: behaviour.entry.rules[0]: give either border or route");
  CHECK(error(rule + "border: [ORI, DST], route: [B, X], permeability: 0.1}\n") ==
        "s.yaml:2:5: behaviour.entry.rules[0]: give either border or route");
  CHECK(error(rule + "route: [O1, D2], permeability: 0.1}\n") ==
        "s.yaml:2:31: behaviour.entry.rules[0].route: no route joins these places");
  CHECK(error(rule + "until: 2024-01-01, route: [B, X], permeability: 0.1}\n") ==
        "s.yaml:2:31: behaviour.entry.rules[0].until: the rule ends before it starts");
  CHECK(
      error(rule + "route: [B, X]}\n") ==
      "s.yaml:2:5: behaviour.entry.rules[0]: missing key 'permeability' (or give rule: closed, visa_required "
      "or visa_free)");
  CHECK_THAT(error(rule + "route: [B, X], rule: closed, permeability: 0.5}\n"),
             Catch::Contains("behaviour.entry.rules[0].permeability: permeability applies only to rule: "
                             "permeability"));
  CHECK_THAT(
      error(rule + "route: [B, X], rule: shut}\n"),
      Catch::Contains("behaviour.entry.rules[0].rule: got 'shut', expected one of closed, visa_required, "
                      "visa_free"));
  CHECK(error(rule + "route: [B, X], permeability: 1.5}\n") ==
        "s.yaml:2:53: behaviour.entry.rules[0].permeability: got '1.5', expected a probability per day in "
        "[0, 1] "
        "(1/day)");
}

TEST_CASE("entry rules hold every mover: people displaced by a disaster wait at a closed border",
          "[models][entry]") {
  auto run = [](const std::vector<models::EntryParams::Rule>& rules) {
    std::vector<std::unique_ptr<Model>> models;
    models.push_back(std::make_unique<models::DisasterModel>(test::drill_params()));
    if (!rules.empty()) models.push_back(std::make_unique<models::EntryModel>(models::EntryParams{rules}));
    auto rec = std::make_unique<MemoryRecorder>();
    Simulation sim(test::drill_world(), Schedule{}, std::move(models),
                   SimulationConfig{4, 12, 2, "2020-01-01"});
    sim.add_recorder(rec.get());
    sim.run();
    return rec;
  };
  auto total = [](const MemoryRecorder& rec, const std::string& name) {
    std::int64_t n = 0;
    for (std::size_t k = 0; k < rec.series_specs().size(); ++k)
      if (rec.series_specs()[k].name == name)
        for (auto v : rec.series[k]) n += v;
    return n;
  };
  models::EntryParams::Rule closed;
  closed.name = "closed to HOM";
  closed.kind = Kind::closed;
  closed.routes = {2};         // T--X
  closed.nationalities = {0};  // HOM
  const auto open = run({});
  const auto shut = run({closed});
  REQUIRE(total(*open, "crossings") > 0);
  CHECK(total(*shut, "crossings") == 0);
  CHECK(total(*shut, "apprehensions") > 0);
  CHECK(total(*open, "apprehensions") == 0);
  // They wait at T, stranded.
  std::int64_t stranded_t = 0;
  for (std::size_t d = 0; d < 12; ++d) stranded_t += shut->stranded[d * 4 + 0];
  CHECK(stranded_t > 0);
}
