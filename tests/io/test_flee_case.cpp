// The Flee case reader (io/flee_case.cpp): it takes what Flee takes and reads it as Flee reads it
// (docs/flee.md, "Input formats").
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "io/flee_case.hpp"
#include "io/scenario.hpp"
#include "sim/errors.hpp"

using namespace migrasim;
using namespace migrasim::io;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// A small suite: suite/simsetting.yml and suite/case/{input,validation}, in the forms seen in FabFlee's
// validation suite: a quoted header with an extra column, a `forward` location, a route listed twice (and
// one with a forced redirection), a location closure naming a country, a camp closure with no second
// name, a redirection removal naming none, several corrections of one camp (one raising the counts), a
// quoted data_layout with a camp summed from two files and a camp that is not a location.
fs::path make_suite(const std::string& simsetting = "") {
  const fs::path suite = fs::temp_directory_path() / "migrasim_test_flee_suite";
  fs::remove_all(suite);
  const fs::path in = suite / "case" / "input", val = suite / "case" / "validation";
  write(in / "locations.csv",
        "#\"name\",\"region\",\"country\",\"lat\",\"lon\",\"location_type\",\"conflict_date\",\"pop/cap\","
        "\"note\"\n"
        "Z,R,Home,0.0,0.0,conflict_zone,0,10000,big\n"
        "T,R,Home,0.1,0.1,town,,500,\n"
        "F,R,Home,0.2,0.2,forward,,0,\n"
        "X,R,Home,0.25,0.25,ferry_point,,0,\n"
        "C,R,Host,0.3,0.3,camp,,2000,\n"
        "D,R,Host,0.4,0.4,camp,,3000,\n");
  write(in / "routes.csv",
        "#name1,name2,distance,forced_redirection,link_type\n"
        "Z,T,50,,drive\n"
        "T,Z,50,0,drive\n"
        "T,F,20,1,walk\n"
        "F,C,100,,\n"
        "T,D,300,2,\n"
        "F,X,10,,\n");
  write(in / "closures.csv",
        "#closure_type,name1,name2,closure_start,closure_end\n"
        "location,D,Host,0,10\n"
        "camp,C,,5,8\n"
        "remove_forced_redirection,C,D,3,0\n"
        "border_wall,Z,T,0,1\n");
  write(in / "conflicts.csv", "#Day,Z,T\n0,1,0\n");
  write(in / "sim_period.csv", "StartDate,2020-01-01\nLength,20\n");
  write(in / "registration_corrections.csv",
        "C,2020-01-11,normalize\n"
        "C,2020-01-06\n");
  write(val / "data_layout.csv",
        "\"total\",\"refugees.csv\"\n"
        "\"C\",\"c.csv\"\n"
        "\"D\",\"d1.csv\",\"d2.csv\"\n"
        "\"Elsewhere\",\"e.csv\"\n");
  write(val / "refugees.csv", "Date,Count\n2020-01-01,100\n2020-01-21,300\n");
  // C: 100 on day 0, 200 on day 5, 150 on day 10 (a re-count), 150 after.
  write(val / "c.csv", "Date,Count\n2020-01-01,100\n2020-01-06,200\n2020-01-11,150\n");
  write(val / "d1.csv", "2020-01-01,10\n2020-01-21,30\n");
  write(val / "d2.csv", "#comment\n2020-01-01,5\n2020-01-21,5\n");
  write(val / "e.csv", "2020-01-01,7\n2020-01-21,27\n");
  write(suite / "simsetting.yml", simsetting.empty() ? "log_levels:\n  agent: 0\n"
                                                       "spawn_rules:\n  insert_day0: True\n"
                                                       "  conflict_spawn_decay: [1.0, 0.5]\n"
                                                       "  conflict_spawn_decay_interval: 10\n"
                                                       "move_rules:\n  max_move_speed: 400.0\n"
                                                       "  avoid_short_stints: True\n"
                                                       "  stay_close_to_home: False\n"
                                                       "optimisations:\n  hasten: 1\n"
                                                     : simsetting);
  return suite;
}

bool has_warning(const std::vector<std::string>& w, const std::string& part) {
  return std::any_of(w.begin(), w.end(),
                     [&](const std::string& s) { return s.find(part) != std::string::npos; });
}

ScenarioSpec import(const fs::path& suite) {
  const FleeCasePaths paths = locate_flee_case((suite / "case").string());
  const fs::path file = suite / "case.yaml";
  std::ofstream(file) << flee_case_to_yaml(paths, suite.string());
  return load_scenario(file.string());
}

}  // namespace

TEST_CASE("a Flee case is read as Flee reads it", "[io][flee]") {
  const fs::path suite = make_suite();
  // The suite's simsetting.yml, one folder above the case, is the case's.
  const FleeCasePaths paths = locate_flee_case((suite / "case").string());
  CHECK(fs::path(paths.simsetting).filename() == "simsetting.yml");
  const ScenarioSpec spec = import(suite);
  const World& w = *spec.world;
  const auto& flee = spec.params<models::FleeParams>("flee");
  CHECK(flee.max_move_speed == 400.0);
  CHECK(flee.avoid_short_stints);
  CHECK(flee.conflict_spawn_decay_interval == 10);

  // Locations by position under a quoted header; `forward` moves everyone on; an unknown type too, warned.
  REQUIRE(w.place_count() == 6);
  CHECK(flee.kind[static_cast<std::size_t>(w.find_place("F"))] == models::FleeKind::forwarding_hub);
  CHECK(flee.kind[static_cast<std::size_t>(w.find_place("X"))] == models::FleeKind::forwarding_hub);
  CHECK(has_warning(spec.warnings, "locations.csv:5:"));
  // A route listed twice (once reversed) is two links; every row is a route.
  CHECK(w.route_count() == 6);
  // The location closure closes every route of D (its second field, a country, is not read) from day 0
  // to day 9; the camp closure makes C a town on days 5-7 and closes no route; the removal of a
  // redirection and an unknown closure type close nothing (the latter warned).
  std::vector<std::string> names;
  for (const auto& e : spec.events) names.push_back(e.name + "@" + std::to_string(e.day));
  CHECK(names == std::vector<std::string>{"location closure D-Host@0", "location reopening D-Host@10"});
  CHECK(spec.events[0].routes.size() == 1);
  REQUIRE(flee.kind_changes.size() == 2);
  CHECK(flee.kind_changes[0].day == 5);
  CHECK(flee.kind_changes[0].kind == models::FleeKind::town);
  CHECK(flee.kind_changes[1].day == 8);
  CHECK(flee.kind_changes[1].kind == models::FleeKind::camp);
  CHECK(has_warning(spec.warnings, "closures.csv:5:1: closure_type 'border_wall'"));

  // Observed counts: C's two corrections in file order. The first (day 10: 200 -> 150) scales the
  // points before it by 0.75 (100 -> 75, 200 -> 150); the second (day 5, now 75 -> 150) by 2 (75 -> 150).
  const auto& obs = spec.observed;
  REQUIRE(obs.camps.size() == 2);  // C and D; "Elsewhere" is no location (warned) and not scored
  CHECK(has_warning(spec.warnings, "data_layout.csv:4:1: 'Elsewhere' is not a location"));
  CHECK(obs.camps[0].name == "C");
  CHECK(obs.camps[0].daily[0] == 150);
  CHECK(obs.camps[0].daily[5] == 150);
  CHECK(obs.camps[0].daily[10] == 150);
  // D is the sum of its two files: 15 on day 0, 35 on day 20 (the run ends on day 19: 34).
  CHECK(obs.camps[1].daily[0] == 15);
  CHECK(obs.camps[1].daily[19] == 34);
  // Spawning follows the sum of every camp row, "Elsewhere" included (7 -> 26 by day 19); with
  // insert_day0 the camps get their day-0 counts and the increases follow.
  CHECK(flee.day0_camp_agents[static_cast<std::size_t>(w.find_place("C"))] == 150);
  CHECK(flee.target_total[0] == 150 + 15);
  CHECK(flee.target_total[19] == 150 + 15 + (150 - 150) + (34 - 15) + (26 - 7));
  // ... and their capacities shrink by the day-0 counts, as in Flee.
  CHECK(w.places()[static_cast<std::size_t>(w.find_place("C"))].capacity == 2000 - 150);
}

TEST_CASE("sum_from_camps false spawns from the total row; empty_camps_on_day0 starts from zero",
          "[io][flee]") {
  const fs::path suite = make_suite(
      "spawn_rules:\n  sum_from_camps: false\n  empty_camps_on_day0: true\n  insert_day0: false\n");
  const ScenarioSpec spec = import(suite);
  const auto& flee = spec.params<models::FleeParams>("flee");
  // refugees.csv: 100 -> 300 over 20 days, less its day-0 value: 190 on day 19.
  CHECK(flee.target_total[0] == 0);
  CHECK(flee.target_total[19] == 190);
  CHECK(spec.observed.camps[0].daily[0] == 0);
  for (auto n : flee.day0_camp_agents) CHECK(n == 0);
}

TEST_CASE("Flee settings migrasim does not implement are refused at their line", "[io][flee]") {
  auto refused = [](const std::string& simsetting, const std::string& message) {
    const fs::path suite = make_suite(simsetting);
    CHECK_THROWS_WITH(import(suite), Catch::Contains(message));
  };
  refused("move_rules:\n  max_move_speed: 300\n  MatchCampEthnicity: True\n",
          "simsetting.yml:3:3: move_rules.MatchCampEthnicity: got 'True': this Flee rule is not implemented");
  refused("spawn_rules:\n  conflict_driven_spawning:\n    spawn_mode: fixed\n",
          "simsetting.yml:3:5: spawn_rules.conflict_driven_spawning.spawn_mode: got 'fixed': expected "
          "constant, pop_ratio or poisson");
  refused(
      "spawn_rules:\n  conflict_driven_spawning:\n    displaced_per_conflict_day: -3\n",
      "simsetting.yml:3:33: behaviour.flee.spawn_rules.conflict_driven_spawning.displaced_per_conflict_day: "
      "got '-3'");
  refused(
      "move_rules:\n  awareness_level: 11\n",
      "simsetting.yml:2:20: behaviour.flee.move_rules.awareness_level: got '11', expected an integer in [0, "
      "10]");
  // DFlee's flood rules: on wherever move_rules has a flood_rules map, as in FabFlee's DFlee cases.
  refused("move_rules:\n  flood_rules:\n    flood_movechances: [0.3, 1.0]\n",
          "simsetting.yml:2:3: move_rules.flood_rules: Flee's flood rules (DFlee) are not implemented");
  // Rules of later Flee versions, refused unless off.
  refused("move_rules:\n  WomenAvoidHazards: True\n",
          "simsetting.yml:2:3: move_rules.WomenAvoidHazards: got 'True': this Flee rule is not implemented");
  refused("move_rules:\n  pruning_threshold: 0.5\n",
          "simsetting.yml:2:3: move_rules.pruning_threshold: got '0.5': Flee's route pruning is not "
          "implemented");
  refused("default_conflict_intensity: 2\n",
          "simsetting.yml:1:1: default_conflict_intensity: got '2': this Flee rule is not implemented");
  // Values out of range are named at their line in simsetting.yml too.
  refused(
      "move_rules:\n  default_movechance: 1.5\n",
      "simsetting.yml:2:23: behaviour.flee.move_rules.default_movechance: got '1.5', expected a probability");
  // Inert keys (logging, speeds Flee's movement does not read, conflict_zone_spawning_only: Flee's spawning
  // weights are zero outside conflict either way) and rules at their off value load.
  const fs::path suite = make_suite(
      "log_levels:\n  camp: 1\nmove_rules:\n  max_crossing_speed: 20\n  use_v1_rules: false\n"
      "spawn_rules:\n  conflict_zone_spawning_only: False\n");
  CHECK_NOTHROW(import(suite));
}

TEST_CASE("simsetting keys Flee's settings reader does not read are ignored, with a warning, as Flee does",
          "[io][flee]") {
  // FabFlee's spain_fires has spawn_rules_camps; DFlee's cases put max_flood_level under move_rules and a
  // flood_driven_spawn_mode map under spawn_rules, where Flee looks for neither; a top-level key of no
  // section; rules at their off value (later Flee versions read them) and an empty flood_rules.
  const fs::path suite = make_suite(
      "log_levels:\n  granularity: location\nspawn_rules:\n  spawn_rules_camps: False\n"
      "  flood_driven_spawn_mode:\n    flood_spawn_mode: pop_ratio\nmove_rules:\n  max_flood_level: 4\n"
      "  flood_rules:\n  fixed_routes: False\n  pruning_threshold: 1.0\n  ElderlyAvoidHazards: False\n"
      "weather_rules:\n  rain: 1\ndefault_conflict_intensity: 1.0\noptimisations:\n  hasten: 1\n"
      "  fast_math: True\n");
  const FleeCasePaths paths = locate_flee_case((suite / "case").string());
  std::vector<std::string> warnings;
  const std::string yaml = flee_case_to_yaml(paths, suite.string(), &warnings);
  REQUIRE(warnings.size() == 5);
  const std::string why = ": not a key Flee's settings reader reads: ignored, as Flee ignores it";
  CHECK(has_warning(warnings, "simsetting.yml:4:3: spawn_rules.spawn_rules_camps" + why));
  CHECK(has_warning(warnings, "simsetting.yml:5:3: spawn_rules.flood_driven_spawn_mode" + why));
  CHECK(has_warning(warnings, "simsetting.yml:8:3: move_rules.max_flood_level" + why));
  CHECK(has_warning(warnings, "simsetting.yml:13:1: weather_rules" + why));
  CHECK(has_warning(warnings, "simsetting.yml:18:3: optimisations.fast_math" + why));
  // The scenario written lists them in its header, and loads.
  CHECK(yaml.find("# warning: ") != std::string::npos);
  CHECK(yaml.find("spawn_rules.spawn_rules_camps" + why) != std::string::npos);
  std::ofstream(suite / "case.yaml") << yaml;
  CHECK_NOTHROW(load_scenario((suite / "case.yaml").string()));
}

TEST_CASE("hasten, awareness_level and conflict_spawn_decay_interval are whole numbers, as Flee's int()",
          "[io][flee]") {
  // FabFlee's syria2013 writes hasten: 20.0.
  const ScenarioSpec s = import(
      make_suite("spawn_rules:\n  conflict_spawn_decay_interval: 30.9\nmove_rules:\n  awareness_level: 2.0\n"
                 "optimisations:\n  hasten: 20.0\n"));
  const auto& f = s.params<models::FleeParams>("flee");
  CHECK(f.hasten == 20);
  CHECK(f.awareness_level == 2);
  CHECK(f.conflict_spawn_decay_interval == 30);
  CHECK(import(make_suite("optimisations:\n  hasten: 2.7\n")).params<models::FleeParams>("flee").hasten == 2);
  // Awareness level 0 (Flee's uniform route choice) is read.
  CHECK(import(make_suite("move_rules:\n  awareness_level: 0\n"))
            .params<models::FleeParams>("flee")
            .awareness_level == 0);
}

TEST_CASE("Flee case errors name the file, line and what is expected", "[io][flee]") {
  const fs::path suite = make_suite();
  const fs::path in = suite / "case" / "input";
  write(in / "registration_corrections.csv", "C,2020-01-08\n");
  CHECK_THROWS_WITH(import(suite), Catch::Contains("registration_corrections.csv:1:") &&
                                       Catch::Contains("expected the date of one of C's data points"));
  write(in / "registration_corrections.csv", "");  // an empty file is no correction
  CHECK_NOTHROW(import(suite));
  // As Flee: a correction dated before the run's start is ignored (even one no data point has), a row of one
  // field is skipped and a third field other than normalize is not read; each warned.
  write(in / "registration_corrections.csv", "C,2019-12-25\nC\nC,2020-01-06,scale\n");
  const ScenarioSpec corrected = import(suite);
  CHECK(has_warning(corrected.warnings, "registration_corrections.csv:1:3: dated before the run's start"));
  CHECK(has_warning(corrected.warnings, "registration_corrections.csv:2:1: expected camp,YYYY-MM-DD"));
  CHECK(has_warning(corrected.warnings, "registration_corrections.csv:3:14: 'scale' is not read"));
  CHECK(corrected.observed.camps[0].daily[0] == 200);  // the day-5 correction (100 -> 200) doubles day 0
  write(in / "registration_corrections.csv", "");
  write(in / "conflicts.csv", "#Day,Z,T\n1e300,1,0\n");
  CHECK_THROWS_WITH(import(suite), Catch::Contains("conflicts.csv:2:1: Day: got '1e300', expected a day"));
  write(in / "conflicts.csv", "#Day,Z,T\n0,1,0\n");
  write(in / "routes.csv", "#name1,name2,distance\nZ,Nowhere,50\n");
  CHECK_THROWS_WITH(import(suite), Catch::Contains("routes.csv:2:3: unknown location 'Nowhere'"));
  write(in / "routes.csv", "Z,T,50,yes\n");
  CHECK_THROWS_WITH(import(suite), Catch::Contains("forced_redirection: got 'yes', expected a whole number"));
  // A control character in a file name (a damaged data_layout.csv, found by tests/mutants/campaign.py) is
  // written escaped, so the whole message prints (it used to stop at the NUL).
  write(in / "routes.csv", "Z,T,50\n");
  write(suite / "case" / "validation" / "data_layout.csv",
        std::string("total,refugees.csv\nC,c") + '\0' + ".csv\n");
  CHECK_THROWS_WITH(import(suite), Catch::Contains("c\\x00.csv"));
}

TEST_CASE("demographics_*.csv set the sex and age band shares of the people created at each location",
          "[io][flee]") {
  const fs::path suite = make_suite();
  const fs::path in = suite / "case" / "input";
  // Flee 3's format: <attribute>,Default,<location>,... then one row per value. Ages in years or ranges.
  write(in / "demographics_age.csv",
        "age,Default,Z,Nowhere\n"
        "5,1,0,1\n"
        "20-30,1,0,1\n"
        "40,1,1,1\n"
        "61+,1,3,1\n"
        "15-24,0,0,1\n"
        "old,1,1,1\n");
  write(in / "demographics_gender.csv", "gender,Default,C,F\nfemale,0.7,0,0\nmale,0.3,2,\n");
  write(in / "demographics_religion.csv", "religion,Default\nchristian,1\n");
  const ScenarioSpec spec = import(suite);
  const World& w = *spec.world;
  const auto& flee = spec.params<models::FleeParams>("flee");
  REQUIRE(flee.place_demography.size() == static_cast<std::size_t>(w.place_count()));
  const auto& z = flee.place_demography[static_cast<std::size_t>(w.find_place("Z"))];
  const auto& t = flee.place_demography[static_cast<std::size_t>(w.find_place("T"))];
  const auto& c = flee.place_demography[static_cast<std::size_t>(w.find_place("C"))];
  // Z's own column: 40 (35-59) once, 61+ three times; "old" is no age (warned, left out).
  CHECK(z.age_band_shares == std::array<double, age_band_count>{0, 0, 0.25, 0.75});
  // T has no column: Default (5, 20-30, 40, 61+ once each).
  CHECK(t.age_band_shares == std::array<double, age_band_count>{0.25, 0.25, 0.25, 0.25});
  CHECK(t.female_share == Approx(0.7));
  CHECK(c.female_share == 0.0);
  // F's column gives no weight: F keeps behaviour.flee.demography (warned; Flee stops there).
  CHECK(flee.place_demography[static_cast<std::size_t>(w.find_place("F"))].female_share ==
        flee.demography.female_share);
  CHECK(has_warning(spec.warnings, "demographics_gender.csv:1:18: column 'F' gives no weight"));
  CHECK(has_warning(spec.warnings, "demographics_age.csv:7:1: age 'old'"));
  CHECK(has_warning(spec.warnings, "demographics_age.csv:6:1: age range '15-24' spans"));
  CHECK(has_warning(spec.warnings, "demographics_age.csv:1:15: column 'Nowhere' names no location"));
  CHECK(has_warning(spec.warnings, "demographics_religion.csv:1:1: demographics attribute 'religion'"));
  CHECK_FALSE(has_warning(spec.warnings, "major_routes.csv"));

  // Without a Default column, locations with no column keep behaviour.flee.demography (warned).
  write(in / "demographics_gender.csv", "gender,C\nfemale,1\nmale,3\n");
  fs::remove(in / "demographics_age.csv");
  const ScenarioSpec partial = import(suite);
  const auto& pf = partial.params<models::FleeParams>("flee");
  REQUIRE(pf.place_demography.size() == static_cast<std::size_t>(partial.world->place_count()));
  CHECK(pf.place_demography[static_cast<std::size_t>(partial.world->find_place("C"))].female_share == 0.25);
  CHECK(pf.place_demography[static_cast<std::size_t>(partial.world->find_place("Z"))].female_share ==
        pf.demography.female_share);
  CHECK(pf.place_demography[0].age_band_shares == pf.demography.age_band_shares);
  CHECK(has_warning(partial.warnings, "demographics_gender.csv:1:1: no Default column"));

  // A weight that is not a number >= 0 is an error at its cell.
  write(in / "demographics_gender.csv", "gender,Default\nfemale,-1\nmale,3\n");
  CHECK_THROWS_WITH(import(suite),
                    Catch::Contains("demographics_gender.csv:2:8: weight of gender 'female'") &&
                        Catch::Contains("expected a number >= 0"));
  // Without any demographics file, every place draws from behaviour.flee.demography.
  fs::remove(in / "demographics_gender.csv");
  fs::remove(in / "demographics_religion.csv");
  CHECK(import(suite).params<models::FleeParams>("flee").place_demography.empty());
  // Flee's major routes are not implemented: a major_routes.csv is warned, not silently dropped.
  write(in / "major_routes.csv", "Z,T,F,C\n");
  CHECK(has_warning(import(suite).warnings, "major_routes.csv:1:1: Flee's major routes are not implemented"));
}

TEST_CASE("location types are matched by what they contain, as Flee matches them", "[io][flee]") {
  const fs::path suite = make_suite();
  write(suite / "case" / "input" / "locations.csv",
        "#name,region,country,lat,lon,location_type,conflict_date,pop/cap\n"
        "Z,R,Home,0.0,0.0,Conflict_Zone,0,10000\n"
        "T,R,Home,0.1,0.1,city,,500\n"
        "F,R,Home,0.2,0.2,default_town,,0\n"
        "X,R,Home,0.25,0.25,Marker,,0\n"
        "C,R,Host,0.3,0.3,IDPCamp,,2000\n"
        "D,R,Host,0.4,0.4,transit_camp,,3000\n");
  const ScenarioSpec spec = import(suite);
  const auto& flee = spec.params<models::FleeParams>("flee");
  const auto kind = [&](const char* name) {
    return flee.kind[static_cast<std::size_t>(spec.world->find_place(name))];
  };
  CHECK(kind("Z") == models::FleeKind::conflict_zone);
  // Flee knows no `city`: a location of no known type keeps move chance 1 (warned).
  CHECK(kind("T") == models::FleeKind::forwarding_hub);
  CHECK(has_warning(spec.warnings, "locations.csv:3:18: location_type 'city'"));
  CHECK(kind("F") == models::FleeKind::town);
  CHECK(kind("X") == models::FleeKind::marker);
  CHECK(kind("C") == models::FleeKind::idpcamp);
  CHECK(kind("D") == models::FleeKind::camp);
}

TEST_CASE("conflict_driven_spawning, use_v1_rules and empty sections are read as Flee 3 reads them",
          "[io][flee]") {
  // FabFlee's nigeria2024: spawning by conflict, a share of the population a day.
  const ScenarioSpec ratio = import(make_suite(
      "spawn_rules:\n  conflict_driven_spawning:\n    spawn_mode: \"pop_ratio\"\n"
      "    displaced_per_conflict_day: 0.01\n  take_from_population: True\n  camps_are_sinks: True\n"));
  const auto& r = ratio.params<models::FleeParams>("flee");
  CHECK(r.spawn_mode == models::FleeSpawnMode::pop_ratio);
  CHECK(r.displaced_per_conflict_day == 0.01);
  CHECK(r.take_from_population);
  // Flee's defaults: constant, 500 a day (0.01 for pop_ratio); Poisson in any case; a whole number of
  // persons outside pop_ratio (Flee's int()); a null subsection is no subsection.
  const auto mode = [](const std::string& body) {
    const ScenarioSpec s = import(make_suite("spawn_rules:\n  conflict_driven_spawning:" + body));
    const auto& f = s.params<models::FleeParams>("flee");
    return std::make_pair(f.spawn_mode, f.displaced_per_conflict_day);
  };
  CHECK(mode("\n    spawn_mode: constant\n") == std::make_pair(models::FleeSpawnMode::constant, 500.0));
  CHECK(mode("\n    spawn_mode: pop_ratio\n") == std::make_pair(models::FleeSpawnMode::pop_ratio, 0.01));
  CHECK(mode("\n    spawn_mode: Poisson\n    displaced_per_conflict_day: 20.7\n") ==
        std::make_pair(models::FleeSpawnMode::poisson, 20.0));
  CHECK(mode("\n") == std::make_pair(models::FleeSpawnMode::observed, 500.0));
  // use_v1_rules: Flee 3's settings reader overrides five move rules, whatever the file gives; an empty
  // section (FabFlee's ukraine2022_2024 has `spawn_rules:` with nothing under it) takes Flee's defaults;
  // awareness level -1 is Flee's level 1.
  const ScenarioSpec v1 = import(
      make_suite("spawn_rules:\nmove_rules:\n  use_v1_rules: True\n  max_move_speed: 600\n  camp_weight: 5\n"
                 "  avoid_short_stints: True\n  awareness_level: -1\n"));
  const auto& f = v1.params<models::FleeParams>("flee");
  CHECK(f.max_move_speed == 200);
  CHECK(f.camp_weight == 2.0);
  CHECK(f.conflict_weight == 0.25);
  CHECK_FALSE(f.avoid_short_stints);
  CHECK_FALSE(f.start_on_foot);
  CHECK(f.awareness_level == 1);
  CHECK(f.spawn_mode == models::FleeSpawnMode::observed);
}

TEST_CASE("the initial_idps attribute places people in camps on day 0, as Flee 3 does", "[io][flee]") {
  const fs::path suite = make_suite();
  const fs::path in = suite / "case" / "input";
  auto locations = [&](const std::string& c_value, const std::string& t_value) {
    write(in / "locations.csv",
          "#name,region,country,lat,lon,location_type,conflict_date,pop/cap,initial_idps\n"
          "Z,R,Home,0.0,0.0,conflict_zone,0,10000,\n"
          "T,R,Home,0.1,0.1,town,,500," +
              t_value +
              "\n"
              "C,R,Host,0.3,0.3,camp,,2000," +
              c_value +
              "\n"
              "D,R,Host,0.4,0.4,idpcamp,,3000,40\n");
    write(in / "routes.csv", "Z,T,50\nT,C,100\nT,D,300\n");
    write(in / "closures.csv", "");
    write(in / "registration_corrections.csv", "");
  };
  locations("25", "99");
  const ScenarioSpec spec = import(suite);
  const auto& flee = spec.params<models::FleeParams>("flee");
  const World& w = *spec.world;
  const auto at = [&](const char* name) { return static_cast<std::size_t>(w.find_place(name)); };
  // C: its observed day-0 count (100) and 25 more; D (an IDP camp): 15 observed and 40; a town gets none.
  CHECK(flee.day0_camp_agents[at("C")] == 100 + 25);
  CHECK(flee.day0_camp_agents[at("D")] == 15 + 40);
  CHECK(flee.day0_camp_agents[at("T")] == 0);
  // Not counted against the observed totals: the targets move up by C's 25 against the same case without
  // it (D keeps its 40 there).
  const ScenarioSpec plain = [&] {
    locations("", "");
    return import(suite);
  }();
  const auto& p = plain.params<models::FleeParams>("flee");
  for (std::size_t d = 0; d < p.target_total.size(); ++d)
    CHECK(flee.target_total[d] == p.target_total[d] + 25);
  // Flee's int(): a whole number, else an error at the location's row.
  locations("2.5", "");
  CHECK_THROWS_WITH(import(suite), Catch::Contains("locations.csv:4:1: 'C': initial_idps '2.5'") &&
                                       Catch::Contains("expected a whole number of persons"));
}

TEST_CASE(
    "camps_are_sicks (Flee's spelling) turns on camps_are_sinks with the camps' deactivation_probability",
    "[io][flee]") {
  const fs::path suite = make_suite("spawn_rules:\n  camps_are_sicks: True\n");
  const fs::path in = suite / "case" / "input";
  auto locations = [&](const std::string& c_value) {
    write(in / "locations.csv",
          "#name,region,country,lat,lon,location_type,conflict_date,pop/cap,deactivation_probability\n"
          "Z,R,Home,0.0,0.0,conflict_zone,0,10000,\n"
          "T,R,Home,0.1,0.1,town,,500,0.5\n"
          "C,R,Host,0.3,0.3,camp,,2000," +
              c_value +
              "\n"
              "D,R,Host,0.4,0.4,camp,,3000,\n");
    write(in / "routes.csv", "Z,T,50\nT,C,100\nT,D,300\n");
    write(in / "closures.csv", "");
    write(in / "registration_corrections.csv", "");
  };
  locations("2");
  const ScenarioSpec spec = import(suite);
  const auto& flee = spec.params<models::FleeParams>("flee");
  CHECK(flee.camps_are_sinks);
  REQUIRE(flee.deactivation_probability.size() == 4);
  CHECK(flee.deactivation_probability == std::vector<double>{0.0, 0.5, 1.0, 0.0});  // 2 acts as 1
  locations("often");
  CHECK_THROWS_WITH(import(suite),
                    Catch::Contains("locations.csv:4:1: 'C': deactivation_probability 'often'"));
  // camps_are_sinks itself is a key Flee never reads: accepted, and nothing changes.
  const ScenarioSpec ignored = import(make_suite("spawn_rules:\n  camps_are_sinks: True\n"));
  CHECK_FALSE(ignored.params<models::FleeParams>("flee").camps_are_sinks);
}

TEST_CASE("Flee's optional weighting rules are read from simsetting.yml", "[io][flee]") {
  const fs::path suite = make_suite(
      "move_rules:\n  stay_close_to_home: True\n  home_distance_power: 2.0\n  use_pop_for_loc_weight: True\n"
      "  pop_power_for_loc_weight: 0.05\n  movechance_pop_scale_factor: 0.2\n  movechance_pop_base: 5000\n");
  const ScenarioSpec spec = import(suite);
  const auto& flee = spec.params<models::FleeParams>("flee");
  CHECK(flee.stay_close_to_home);
  CHECK(flee.home_distance_power == 2.0);
  CHECK(flee.use_pop_for_loc_weight);
  CHECK(flee.pop_power_for_loc_weight == 0.05);
  CHECK(flee.movechance_pop_scale_factor == 0.2);
  CHECK(flee.movechance_pop_base == 5000);
  // Off by default, with Flee's default powers.
  const ScenarioSpec defaults = import(make_suite());
  const auto& d = defaults.params<models::FleeParams>("flee");
  CHECK_FALSE(d.stay_close_to_home);
  CHECK_FALSE(d.use_pop_for_loc_weight);
  CHECK(d.home_distance_power == 0.5);
  CHECK(d.pop_power_for_loc_weight == 0.1);
  CHECK(d.movechance_pop_scale_factor == 0.0);
  CHECK(d.movechance_pop_base == 10000.0);
}

TEST_CASE(
    "FabFlee's own layout (input_csv/, source_data/) and conflict_period.csv are read as Flee reads them",
    "[io][flee]") {
  const fs::path suite = make_suite();
  const fs::path c = suite / "case";
  fs::rename(c / "input", c / "input_csv");
  fs::rename(c / "validation", c / "source_data");
  // Flee's earlier name for the period file, keys in another case (Flee compares them lower-cased).
  fs::remove(c / "input_csv" / "sim_period.csv");
  write(c / "input_csv" / "conflict_period.csv", "startdate,2020-01-01\nLENGTH,20\n");
  const FleeCasePaths paths = locate_flee_case(c.string());
  CHECK(fs::path(paths.input).filename() == "input_csv");
  CHECK(fs::path(paths.validation).filename() == "source_data");
  CHECK(fs::path(paths.simsetting).filename() == "simsetting.yml");  // the suite's, one folder up
  // Given the input folder itself, the validation folder beside it is found too.
  CHECK(fs::path(locate_flee_case((c / "input_csv").string()).validation).filename() == "source_data");
  const ScenarioSpec spec = import(suite);
  CHECK(spec.days == 20);
  CHECK(spec.observed.camps.size() == 2);
}

TEST_CASE("numbers with blanks around them and blank-padded conflict columns are read, as Flee reads them",
          "[io][flee]") {
  const fs::path suite = make_suite();
  const fs::path in = suite / "case" / "input";
  // FabFlee's mali2022_2024 has a longitude " 1.40882475": Python's float() takes it.
  write(in / "locations.csv",
        "#name,region,country,lat,lon,location_type,conflict_date,pop/cap\n"
        "Z,R,Home,0.0, 1.5,conflict_zone,0, 10000\n"
        "T,R,Home,0.1,0.1,town,,500\n"
        "F,R,Home,0.2,0.2,forward,,0\n"
        "X,R,Home,0.25,0.25,marker,,0\n"
        "C,R,Host,0.3,0.3,camp,,2000\n"
        "D,R,Host,0.4,0.4,camp,,3000\n");
  write(in / "conflicts.csv", "#Day, Z , T\n0, 0.5 ,0\n");
  const ScenarioSpec spec = import(suite);
  const World& w = *spec.world;
  const auto z = static_cast<std::size_t>(w.find_place("Z"));
  CHECK(w.places()[z].lon_deg == 1.5);
  CHECK(w.places()[z].population == 10000);
  const auto& flee = spec.params<models::FleeParams>("flee");
  CHECK(flee.conflict_intensity[z] == 0.5f);  // day 0, Z's column despite its blanks
}

TEST_CASE(
    "conflicts.csv is read as Flee reads it: intensities set on onset, conflict types start in conflict",
    "[io][flee]") {
  const fs::path suite = make_suite();
  const fs::path in = suite / "case" / "input";
  // Z: a conflict type with conflict_date 0 and a conflict_intensity attribute of 0.4, but 0 in conflicts.csv
  // until day 3. T: graded values. F: a conflict type dated 0 with no column. X: a conflict type dated 5
  // (a town for Flee until conflicts.csv says otherwise) with no column.
  write(in / "locations.csv",
        "#name,region,country,lat,lon,location_type,conflict_date,pop/cap,conflict_intensity\n"
        "Z,R,Home,0.0,0.0,conflict_zone,0,10000,0.4\n"
        "T,R,Home,0.1,0.1,town,,500,\n"
        "F,R,Home,0.2,0.2,conflict_zone,0,100,\n"
        "X,R,Home,0.25,0.25,conflict_zone,5,100,\n"
        "C,R,Host,0.3,0.3,camp,,2000,\n"
        "D,R,Host,0.4,0.4,camp,,3000,\n");
  write(in / "conflicts.csv", "#Day,Z,T\n0,0,0\n1,0,0.5\n2,0,0.8\n3,1,0.8\n4,1,0\n5,0.7,0.3\n6,0.7,2.5\n");
  const ScenarioSpec spec = import(suite);
  const World& w = *spec.world;
  const auto& flee = spec.params<models::FleeParams>("flee");
  const auto n = static_cast<std::size_t>(w.place_count());
  const auto at = [&](const char* name, std::size_t day) {
    return flee.conflict_intensity[day * n + static_cast<std::size_t>(w.find_place(name))];
  };
  // Z: its attribute until its column rises (day 3: 1), kept while the column stays above 0 (0.7 on day 5 is
  // no onset: Flee keeps 1).
  CHECK(at("Z", 0) == 0.4f);
  CHECK(at("Z", 2) == 0.4f);
  CHECK(at("Z", 3) == 1.0f);
  CHECK(at("Z", 6) == 1.0f);
  CHECK(has_warning(spec.warnings, "locations.csv:2:1: 'Z' is of a conflict type"));
  // T: set on onset (0.5), kept at 0.5 through 0.8, 0 when the column falls, 0.3 at the next onset (kept
  // through 2.5, a value Flee takes as it is).
  CHECK(at("T", 0) == 0.0f);
  CHECK(at("T", 1) == 0.5f);
  CHECK(at("T", 3) == 0.5f);
  CHECK(at("T", 4) == 0.0f);
  CHECK(at("T", 5) == 0.3f);
  CHECK(at("T", 19) == 0.3f);
  // F: in conflict (1) all run; X: never (a town for Flee, with no column).
  CHECK(at("F", 19) == 1.0f);
  CHECK(at("X", 19) == 0.0f);
  CHECK(has_warning(spec.warnings, "locations.csv:4:1: 'F' is of a conflict type"));
}

TEST_CASE("Flee's location and link attributes (columns after the fixed ones) are kept as text",
          "[io][flee]") {
  const fs::path suite = make_suite();
  const fs::path in = suite / "case" / "input";
  // A header naming fewer columns than the rows have, an empty name, names with odd characters and two
  // names that become the same; quoted values with commas and quotes; short rows; a Latin-1 byte (kept as
  // U+FFFD: the outputs hold UTF-8); a later header naming the columns again (its names are the rows' after
  // it).
  write(in / "locations.csv",
        "#name,region,country,lat,lon,location_type,conflict_date,pop/cap,\"density (per km\xC2\xB2)\","
        "ethnic group,ethnic_group,\n"
        "Z,R,Home,0.0,0.0,conflict_zone,0,10000,12.5,\"a, b\",x,,extra\n"
        "T,R,Home,0.1,0.1,town,,500\n"
        "F,R,Home,0.2,0.2,forward,,0,,\"say \"\"hi\"\"\"\n"
        "#name,region,country,lat,lon,location_type,conflict_date,pop/cap,ethnic group,density\n"
        "X,R,Home,0.25,0.25,marker,,0,y,3\n"
        "C,R,Host,0.3,0.3,camp,,2000,caf\xE9\n"
        "D,R,Host,0.4,0.4,camp,,3000,,,,,\n");
  write(in / "routes.csv",
        "#name1,name2,distance,forced_redirection,link_type,link_type\n"
        "Z,T,50,,drive,a,b\n"
        "T,F,20,1,walk\n"
        "F,C,100\n"
        "T,D,300,2,\n"
        "F,X,10,,\n");
  const ScenarioSpec spec = import(suite);
  const World& w = *spec.world;
  auto values_of = [](const std::vector<Attribute>& list, const std::string& name) {
    for (const auto& a : list)
      if (a.name == name) return a.values;
    FAIL("no attribute " << name);
    return std::vector<std::string>{};
  };
  std::vector<std::string> names;
  for (const auto& a : w.place_attributes()) names.push_back(a.name);
  CHECK(names ==
        std::vector<std::string>{"density_per_km", "ethnic_group", "ethnic_group_2", "column_13", "density"});
  // Places in file order: Z, T, F, X, C, D.
  CHECK(values_of(w.place_attributes(), "density_per_km") ==
        std::vector<std::string>{"12.5", "", "", "", "", ""});
  CHECK(values_of(w.place_attributes(), "ethnic_group") ==
        std::vector<std::string>{"a, b", "", "say \"hi\"", "y", "caf\xEF\xBF\xBD", ""});
  CHECK(values_of(w.place_attributes(), "ethnic_group_2") ==
        std::vector<std::string>{"x", "", "", "", "", ""});
  CHECK(values_of(w.place_attributes(), "column_13") ==
        std::vector<std::string>{"extra", "", "", "", "", ""});
  CHECK(values_of(w.place_attributes(), "density") == std::vector<std::string>{"", "", "", "3", "", ""});
  CHECK(w.place_attributes()[0].long_name == "density (per km\xC2\xB2)");
  CHECK(w.place_attributes()[0].source == "locations.csv, column 9");
  names.clear();
  for (const auto& a : w.route_attributes()) names.push_back(a.name);
  CHECK(names == std::vector<std::string>{"link_type", "link_type_2", "column_7"});
  CHECK(values_of(w.route_attributes(), "link_type") ==
        std::vector<std::string>{"drive", "walk", "", "", ""});
  CHECK(values_of(w.route_attributes(), "link_type_2") == std::vector<std::string>{"a", "", "", "", ""});
  CHECK(values_of(w.route_attributes(), "column_7") == std::vector<std::string>{"b", "", "", "", ""});

  // No further columns: no attributes.
  write(in / "locations.csv",
        "#name,region,country,lat,lon,location_type,conflict_date,pop/cap\n"
        "Z,R,Home,0.0,0.0,conflict_zone,0,10000\nT,R,Home,0.1,0.1,town,,500\nF,R,Home,0.2,0.2,forward,,0\n"
        "X,R,Home,0.25,0.25,marker,,0\nC,R,Host,0.3,0.3,camp,,2000\nD,R,Host,0.4,0.4,camp,,3000\n");
  write(in / "routes.csv", "Z,T,50\nT,F,20\nF,C,100\nT,D,300\nF,X,10\n");
  const ScenarioSpec plain = import(suite);
  CHECK(plain.world->place_attributes().empty());
  CHECK(plain.world->route_attributes().empty());
}
