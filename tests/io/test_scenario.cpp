#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "io/param_docs.hpp"
#include "io/scenario.hpp"
#include "io/yaml_tree.hpp"
#include "models/economic.hpp"
#include "models/family.hpp"
#include "sim/errors.hpp"
#include "sim/memory_recorder.hpp"

using namespace migrasim;
using namespace migrasim::io;
namespace fs = std::filesystem;

namespace {

const std::string data_dir = std::string(MIGRASIM_SOURCE_DIR) + "/tests/data/";

// Writes mini.yaml with one line replaced into a temporary directory (beside a copy of its CSV).
std::string variant(const std::string& from, const std::string& to) {
  std::ifstream in(data_dir + "mini.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  text.replace(pos, from.size(), to);
  const fs::path dir = fs::temp_directory_path() / "migrasim_test_scenario";
  fs::create_directories(dir);
  fs::copy_file(data_dir + "mini_locations.csv", dir / "mini_locations.csv",
                fs::copy_options::overwrite_existing);
  const fs::path p = dir / "bad.yaml";
  std::ofstream(p) << text;
  return p.string();
}

std::string error_of(const std::string& path, const std::vector<std::string>& sets = {}) {
  try {
    load_scenario(path, sets);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("dates convert both ways", "[io]") {
  std::int64_t d = 0;
  REQUIRE(parse_iso_date("1970-01-01", d));
  CHECK(d == 0);
  REQUIRE(parse_iso_date("2024-03-01", d));
  CHECK(format_iso_date(d) == "2024-03-01");
  std::int64_t feb29 = 0;
  REQUIRE(parse_iso_date("2024-02-29", feb29));
  CHECK(d - feb29 == 1);
  CHECK_FALSE(parse_iso_date("2023-02-29", d));
  CHECK_FALSE(parse_iso_date("2024-13-01", d));
  CHECK_FALSE(parse_iso_date("24-01-01", d));
}

TEST_CASE("the mini scenario resolves", "[io]") {
  ScenarioSpec s = load_scenario(data_dir + "mini.yaml");
  CHECK(s.start_date == "2024-01-01");
  CHECK(s.days == 20);
  CHECK(s.seed == 7);
  CHECK(s.world->place_count() == 6);
  CHECK(s.world->route_count() == 5);
  CHECK(s.world->places()[5].name == "D2");
  CHECK(s.world->routes()[2].mode == TravelMode::foot);
  CHECK(s.world->routes()[2].crosses_border);
  REQUIRE(s.events.size() == 2);
  CHECK(s.events[0].day == 4);
  CHECK(s.events[0].name == "closure");
  CHECK(s.events[0].routes.size() == 1);
  CHECK(s.events[1].name == "open_border ORI-DST");
  CHECK(s.params<models::EconomicParams>("economic").emigration_rate_per_day[0] == 1e-3);
  CHECK(s.params<models::EconomicParams>("economic").emigration_rate_per_day[1] == 0);
  REQUIRE(s.params<models::EconomicParams>("economic").push_index[0].size() == 1);
  CHECK(s.params<models::EconomicParams>("economic").push_index[0][0].day == 9);
  CHECK(s.params<models::EconomicParams>("economic").speed_km_per_day[static_cast<int>(TravelMode::foot)] ==
        20);
  CHECK(s.params<models::EconomicParams>("economic").speed_km_per_day[static_cast<int>(TravelMode::sea)] ==
        200);  // default kept
  CHECK(s.output_path == "mini.h5");
  CHECK(s.output.compression_level == 1);
  CHECK(s.text.find("A tiny scenario for tests") != std::string::npos);
}

TEST_CASE("extends overlays a base and --set overrides one value", "[io]") {
  ScenarioSpec child = load_scenario(data_dir + "mini_child.yaml");
  CHECK(child.days == 30);
  CHECK(child.seed == 7);
  CHECK(child.events.empty());
  CHECK(child.world->place_count() == 6);
  ScenarioSpec set =
      load_scenario(data_dir + "mini.yaml", {"run.days=12", "behaviour.economic.patience_days=9"});
  CHECK(set.days == 12);
  CHECK(set.params<models::EconomicParams>("economic").patience_days == 9);
  // The resolved scenario records the override and parses back to the same thing.
  CHECK(set.resolved_yaml.find("days: 12") != std::string::npos);
  YamlNode round = parse_yaml(set.resolved_yaml, "resolved");
  CHECK(round.find("run")->find("days")->scalar == "12");
}

TEST_CASE("output.record selects the kernel's variables; population_by_group is asked for", "[io]") {
  const ScenarioSpec plain = load_scenario(data_dir + "mini.yaml");
  CHECK(plain.output.record_population);
  CHECK(!plain.output.record_population_by_group);
  const ScenarioSpec groups =
      load_scenario(data_dir + "mini.yaml", {"output.record=[flow, population_by_group]"});
  CHECK(!groups.output.record_population);
  CHECK(groups.output.record_flow);
  CHECK(groups.output.record_population_by_group);
  MemoryRecorder record;
  auto sim = make_simulation(groups, 1);
  sim->add_recorder(&record);
  sim->run();
  CHECK(record.series_specs().back().name == "population_by_group");
  CHECK_THAT(error_of(data_dir + "mini.yaml", {"output.record=[flows]"}),
             Catch::Contains("output.record[0]: got 'flows', expected one of population, stranded, on_route, "
                             "flow, population_by_group"));
}

TEST_CASE("output.agents asks for a keyed sample of agents' trajectories", "[io][agents]") {
  CHECK(load_scenario(data_dir + "mini.yaml").output.agents.size == 0);
  const ScenarioSpec spec = load_scenario(data_dir + "mini.yaml", {"output.agents={sample: 25, every: 7}"});
  CHECK(spec.output.agents.size == 25);
  CHECK(spec.output.agents.every == 7);
  auto sim = make_simulation(spec, 1);
  sim->run();
  CHECK(sim->agent_sample().agents() == 25);
  CHECK(load_scenario(data_dir + "mini.yaml", {"output.agents={sample: 3}"}).output.agents.every == 1);
  CHECK_THAT(
      error_of(data_dir + "mini.yaml", {"output.agents={sample: 0}"}),
      Catch::Contains("output.agents.sample: got '0', expected a whole number of agents in [1, 10000000]"));
  CHECK_THAT(error_of(data_dir + "mini.yaml", {"output.agents={sample: 2.5}"}),
             Catch::Contains("output.agents.sample: got '2.5', expected a whole number of agents"));
  CHECK_THAT(error_of(data_dir + "mini.yaml", {"output.agents={sample: 5, every: 0}"}),
             Catch::Contains("output.agents.every: got '0', expected a whole number of days in [1, 32767]"));
  CHECK_THAT(error_of(data_dir + "mini.yaml", {"output.agents={every: 5}"}),
             Catch::Contains("output.agents"));
  CHECK_THAT(error_of(data_dir + "mini.yaml", {"output.agents={sample: 5, evry: 5}"}),
             Catch::Contains("evry"));
}

TEST_CASE("behaviour.family adds relatives to the run's movers, beside the economic model or alone",
          "[io][family]") {
  const std::string family =
      "    patience_days: 3\n"
      "  family:\n"
      "    join_rate_per_day: {ORI: 1.0e-2}\n"
      "    destinations:\n"
      "      D1: {diaspora: {ORI: 20000}}\n"
      "      D2: {diaspora: {ORI: 10000}}\n"
      "    permit_share: {DST: 0.5}\n";
  const std::string path = variant("    patience_days: 3\n", family);
  const ScenarioSpec both = load_scenario(path);
  const auto& p = both.params<models::FamilyParams>("family");
  CHECK(p.join_rate_per_day[0] == 1e-2);
  CHECK(p.destinations.size() == 2);
  CHECK(p.destination_names == std::vector<std::string>{"D1", "D2"});
  CHECK(p.permit_share[1] == 0.5);
  const auto departures = [](const ScenarioSpec& s) {
    MemoryRecorder record;
    auto sim = make_simulation(s, 1);
    sim->add_recorder(&record);
    sim->run();
    std::int64_t n = 0;
    for (std::size_t k = 0; k < record.series_specs().size(); ++k)
      if (record.series_specs()[k].name == "family_departures")
        for (auto v : record.series[k]) n += v;
    return std::pair{n, sim->spawned_total()};
  };
  const auto [with_economic, all] = departures(both);
  CHECK(with_economic > 20 * 300 * 8 / 10);  // 300 a day expected
  CHECK(all > with_economic);                // the economic movers too
  const auto [alone, only] = departures(load_scenario(path, {"behaviour.model=none"}));
  CHECK(alone == only);
  CHECK(alone == with_economic);  // its own keyed draws: the same relatives leave
  CHECK_THAT(error_of(path, {"behaviour.family.join_rate_per_day.ORI=2"}),
             Catch::Contains("behaviour.family.join_rate_per_day.ORI"));
}

TEST_CASE("--set addresses events by index and by name", "[io]") {
  ScenarioSpec s =
      load_scenario(data_dir + "mini.yaml", {"events[closure].date=2024-01-03", "events[1].date=2024-01-09"});
  REQUIRE(s.events.size() == 2);
  CHECK(s.events[0].name == "closure");
  CHECK(s.events[0].day == 2);
  CHECK(s.events[1].day == 8);
  CHECK(s.resolved_yaml.find("date: 2024-01-03") != std::string::npos);
  using Catch::Contains;
  CHECK_THAT(
      error_of(data_dir + "mini.yaml", {"events[5].date=2024-01-03"}),
      Contains("--set events[5].date=2024-01-03: index 5 out of range: events has 2 entries (0-1) (list at " +
               data_dir + "mini.yaml:31:3)"));
  CHECK_THAT(
      error_of(data_dir + "mini.yaml", {"events[flood].date=2024-01-03"}),
      Contains("--set events[flood].date=2024-01-03: no entry named 'flood' in events; names: closure"));
  CHECK_THAT(error_of(data_dir + "mini.yaml", {"run[0].days=3"}),
             Contains("--set run[0].days=3: run is a map, not a list, so it has no entry [0]"));
  // A value set inside an entry is validated like any other, and its error names the override.
  CHECK_THAT(
      error_of(data_dir + "mini.yaml", {"events[closure].date=2025-01-03"}),
      Contains(
          "--set events[closure].date: events[0].date: got '2025-01-03', expected a date within the run"));
}

TEST_CASE("extends patches one list entry by name or index", "[io]") {
  ScenarioSpec s = load_scenario(data_dir + "mini_patch.yaml");
  REQUIRE(s.events.size() == 2);
  CHECK(s.events[0].name == "closure");
  CHECK(s.events[0].day == 2);             // patched by name
  CHECK(s.events[0].routes.size() == 1);   // the rest of the entry comes from the base
  CHECK(s.events[1].name == "reopening");  // patched by index
  CHECK(s.events[1].day == 7);
  CHECK(s.days == 20);
  CHECK_THAT(
      error_of(data_dir + "mini_patch_unknown.yaml"),
      Catch::Contains("mini_patch_unknown.yaml:3:1: events[flood]: no entry named 'flood' in events; names: "
                      "closure (list at " +
                      data_dir + "mini.yaml:31:3)"));
  // A patch key in a file with no base patches nothing.
  CHECK_THAT(
      error_of(variant("events:\n", "events[closure]: {date: 2024-01-03}\nevents:\n")),
      Catch::Contains("bad.yaml:30:1: events[closure]: patches an entry of the list events, but this file "
                      "extends no base scenario"));
}

TEST_CASE("bad scenarios give file:line:column, key path, value and expectation", "[io]") {
  using Catch::Contains;
  using Catch::Matches;
  std::string e;
  e = error_of(variant("days: 20", "dayz: 20"));
  CHECK_THAT(
      e,
      Matches(".*bad\\.yaml:4:3: run\\.dayz: unknown key 'dayz', expected one of: start_date, days, seed"));
  e = error_of(variant("days: 20", "days: twenty"));
  CHECK_THAT(e, Matches(".*bad\\.yaml:4:9: run\\.days: got 'twenty', expected a whole number of days.*"));
  e = error_of(variant("distance_km: 150", "distance_km: -150"));
  CHECK_THAT(
      e, Contains("bad.yaml:13:38: world.routes[1].distance_km: got '-150', expected a distance in km > 0"));
  e = error_of(variant("{from: O2, to: B,", "{from: O3, to: B,"));
  CHECK_THAT(e, Contains("world.routes[1].from: got 'O3', expected a place listed in world.locations"));
  e = error_of(variant("date: 2024-01-05", "date: 2025-01-05"));
  CHECK_THAT(
      e, Contains(
             "events[0].date: got '2025-01-05', expected a date within the run (2024-01-01 to 2024-01-20)"));
  e = error_of(variant("    visa_share: {DST: 0.25}", "    visa_share: {DST: 1.25}"));
  CHECK_THAT(e, Contains("behaviour.economic.visa_share.DST: got '1.25', expected a share in [0, 1]"));
  e = error_of(variant("  model: economic", "  model: [economic"));
  CHECK_THAT(e, Contains("malformed YAML"));
  CHECK_THAT(e, Matches(".*bad\\.yaml:\\d+:\\d+: malformed YAML.*"));
  e = error_of(variant("emigration_rate_per_day: {ORI: 1.0e-3}", "emigration_rate_per_day: {XXX: 1.0e-3}"));
  CHECK_THAT(e, Contains("unknown country 'XXX'"));
  e = error_of(variant("action: close_border", "action: explode"));
  CHECK_THAT(e, Contains("events[0].action: got 'explode', expected one of close_route"));
  e = error_of(data_dir + "mini.yaml", {"run.seed=-4"});
  CHECK_THAT(e, Contains("--set run.seed: run.seed: got '-4', expected a whole number >= 0"));
  e = error_of(data_dir + "mini.yaml", {"nonsense"});
  CHECK_THAT(e, Contains("expected KEY.PATH=VALUE"));
  e = error_of("/nonexistent/scenario.yaml");
  CHECK_THAT(e, Contains("cannot open"));
}

TEST_CASE("bad CSV rows point into the CSV file", "[io]") {
  const fs::path dir = fs::temp_directory_path() / "migrasim_test_csv";
  fs::create_directories(dir);
  std::ifstream in(data_dir + "mini.yaml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir / "s.yaml") << text;
  std::ofstream(dir / "mini_locations.csv") << "name,country,kind,lat,lon,population,capacity\n"
                                               "O1,ORI,town,10.0,-80.0,1000000,-1\n"
                                               "O2,ORI,town,north,-80.5,500000,-1\n";
  const std::string e = error_of((dir / "s.yaml").string());
  CHECK_THAT(e, Catch::Contains(
                    "mini_locations.csv:3:13: world.locations[1].lat: got 'north', expected a latitude"));
  std::ofstream(dir / "mini_locations.csv")
      << "name,country,kind,lat,lon,population,capacity\nO1,ORI,town,10.0\n";
  CHECK_THAT(error_of((dir / "s.yaml").string()),
             Catch::Contains("mini_locations.csv:2:1: expected 7 fields"));
  // Issue 14: a capacity on a place that is not a shelter was silently ignored.
  std::ofstream(dir / "mini_locations.csv") << "name,country,kind,lat,lon,population,capacity\n"
                                               "O1,ORI,town,10.0,-80.0,1000000,-1\n"
                                               "O2,ORI,town,10.5,-80.5,500000,300\n";
  CHECK_THAT(
      error_of((dir / "s.yaml").string()),
      Catch::Contains("mini_locations.csv:3:31: world.locations[1].capacity: got '300', expected -1 or "
                      "nothing: only a shelter (or camp) has a capacity, and 'O2' is a town"));
  fs::remove(dir / "mini_locations.csv");
  CHECK_THAT(error_of((dir / "s.yaml").string()), Catch::Contains("s.yaml:10:14: CSV file"));
}

// A new mechanism is its own code plus one registry line: here a toy census (its struct, table and model
// would be models/census.hpp and .cpp) registered beside the economic model, read from the scenario
// through its table, documented from it, and run.
namespace census {

struct Params {
  double share = 0.5;           // share of the settled people counted
  std::int32_t every_days = 1;  // a count every so many days, 0 between
  static const ParamTableOf<Params>& table() {
    static const ParamTableOf<Params> t = [] {
      ParamTableOf<Params> tt("census", "A toy census of the settled.");
      tt.share("share", &Params::share).about("share of the settled people counted").source("test");
      tt.integer("every_days", &Params::every_days).range(1, 365).unit("days").about("days between counts");
      return tt;
    }();
    return t;
  }
  void validate(const World& world, std::int32_t days) const {
    check_params(table(), this, ParamContext{world, days}, "behaviour.census");
  }
};

class Model final : public migrasim::Model {
 public:
  explicit Model(Params p) : p_(p) {}
  std::string_view name() const override { return "census"; }
  void declare_series(std::vector<SeriesSpec>& out) const override {
    out.push_back({"census", "settled people counted", "persons", {}, {}});
  }
  void fill_series(StepContext& ctx, std::vector<std::vector<std::int64_t>>& values) override {
    std::int64_t settled = 0;
    const Population& pop = ctx.population();
    for (std::size_t i = 0; i < pop.size(); ++i) settled += (pop.flags[i] & agent_flag::settled) != 0;
    const bool count_day = ctx.day() % p_.every_days == 0;
    values[0] = {count_day ? static_cast<std::int64_t>(p_.share * static_cast<double>(settled)) : 0};
  }

 private:
  Params p_;
};

}  // namespace census

TEST_CASE("a toy mechanism needs its own code and one registry line", "[io][registry]") {
  using Catch::Contains;
  const MechanismRegistry registry({mechanism_of<models::EconomicParams, models::EconomicModel>(
                                        "economic", "docs/models/economic.md", 10, true),
                                    mechanism_of<census::Params, census::Model>("census", "(test)", 50)});
  const ScenarioSpec s = load_scenario(
      data_dir + "mini.yaml", {"behaviour.census.share=0.25", "behaviour.census.every_days=2"}, registry);
  REQUIRE(s.mechanisms.size() == 2);
  CHECK(s.params<census::Params>("census").share == 0.25);
  MemoryRecorder record;
  auto sim = make_simulation(s, 1);
  sim->add_recorder(&record);
  sim->run();
  REQUIRE(record.series_specs().size() == 3);  // the census, then the kernel's crossings, apprehensions
  CHECK(record.series_specs()[0].name == "census");
  const auto& counts = record.series[0];
  CHECK(counts[1] == 0);                                 // odd days are not counted
  CHECK(counts.back() + counts[counts.size() - 2] > 0);  // people settle during the run
  // Errors name the file, line, key path, value and range; the dictionary documents it.
  CHECK_THROWS_WITH(load_scenario(data_dir + "mini.yaml", {"behaviour.census.every_days=0"}, registry),
                    Contains("behaviour.census.every_days: got '0', expected an integer in [1, 365] (days)"));
  CHECK_THROWS_WITH(
      load_scenario(data_dir + "mini.yaml", {"behaviour.census.share=0.5"}),
      Contains("behaviour.census: unknown key 'census', expected one of: model, economic, flee"));
  const std::string md = params_markdown(registered_sections(registry));
  CHECK_THAT(
      md,
      Contains("| `behaviour.census.every_days` | integer | days | 1 | [1, 365] | days between counts |"));
}

TEST_CASE("an enforcement change may not push a service's risks above one", "[io][smuggling][reliability]") {
  using Catch::Contains;
  // Issue 14: `interception: 1.0, death: 1.0` in an enforcement entry was accepted.
  const std::string cm = std::string(MIGRASIM_SOURCE_DIR) + "/scenarios/central_mediterranean.yaml";
  CHECK_THAT(
      error_of(cm, {"behaviour.smuggling.enforcement[0].death=1.0",
                    "behaviour.smuggling.enforcement[0].interception=1.0"}),
      Contains(
          "central_mediterranean.yaml:55:9: behaviour.smuggling.enforcement[0]: service "
          "'libya_italy_sea' would have interception 1 + death 1 + abandonment 0 = 2, expected at most 1"));
  // A later change that raises death on top of an earlier interception rise counts both.
  CHECK_THAT(error_of(cm, {"behaviour.smuggling.enforcement[2].death=0.6"}),
             Contains("enforcement[2]: service 'libya_italy_sea' would have interception 0.45 + death 0.6"));
  CHECK(error_of(cm, {"behaviour.smuggling.enforcement[2].death=0.5"}) == "(no error)");
}

TEST_CASE("an extends cycle and a missing section are named at their line", "[io][reliability]") {
  using Catch::Contains;
  const fs::path dir = fs::temp_directory_path() / "migrasim_test_cycle";
  fs::create_directories(dir);
  std::ofstream(dir / "c1.yaml") << "# first\nextends: c2.yaml\nrun: {days: 3}\n";
  std::ofstream(dir / "c2.yaml") << "extends: c1.yaml\n";
  CHECK_THAT(error_of((dir / "c1.yaml").string()),
             Contains("c2.yaml:1:10: extends: 'c1.yaml' forms a cycle (c1.yaml -> c2.yaml -> c1.yaml)"));
  std::ofstream(dir / "self.yaml") << "extends: self.yaml\n";
  CHECK_THAT(error_of((dir / "self.yaml").string()),
             Contains("self.yaml:1:10: extends: 'self.yaml' forms a cycle"));
  std::ofstream(dir / "nosection.yaml") << "world: {}\n";
  CHECK_THAT(error_of((dir / "nosection.yaml").string()),
             Contains("nosection.yaml:1:1: (top level): missing key 'run'"));
  fs::remove_all(dir);
}

TEST_CASE("a path the system will not look at is bad input at its line, not an internal error",
          "[io][reliability]") {
  // Found by fuzz_scenario (tests/fuzz/scenario/crash-extends-a-file-name-too-long-for-the-system): a name
  // longer than the system takes (255 bytes) made std::filesystem throw its own error (exit 1).
  using Catch::Contains;
  const fs::path dir = fs::temp_directory_path() / "migrasim_test_long_name";
  fs::create_directories(dir);
  const std::string long_name(300, 'x');
  std::ofstream(dir / "extends.yaml") << "# overlay\nextends: " << long_name << ".yaml\n";
  CHECK_THAT(error_of((dir / "extends.yaml").string()),
             Contains("extends.yaml:2:10: extends: base scenario") &&
                 Contains("does not exist (File name too long)"));
  std::ofstream(dir / "flee.yaml") << "run: {start_date: 2024-01-01, days: 3, seed: 1}\nflee_case:\n  input: "
                                   << long_name << "\n  validation: .\nbehaviour: {model: flee, flee: {}}\n";
  CHECK_THAT(error_of((dir / "flee.yaml").string()),
             Contains("flee.yaml:3:10: flee_case.input: folder") && Contains("(File name too long)"));
  fs::remove_all(dir);
}

TEST_CASE("input that loads but changes nothing is a warning at its line", "[io][reliability]") {
  using Catch::Contains;
  auto warnings_of = [](const std::string& path, const std::vector<std::string>& sets = {}) {
    std::string all;
    for (const auto& w : load_scenario(path, sets).warnings) all += w + "\n";
    return all;
  };
  CHECK(warnings_of(data_dir + "mini.yaml").empty());  // closed on day 4, open again on day 7
  // The border closed and never opened again: nobody reaches either destination after the closure.
  const std::string never_reopened =
      warnings_of(variant("  - {date: 2024-01-08, action: open_border, countries: [ORI, DST]}\n", ""));
  CHECK_THAT(never_reopened, Contains("bad.yaml:31:12: events[0]: after this closure no open route joins "
                                      "destination 'D1' to a place with people until the end of the run"));
  CHECK_THAT(never_reopened, Contains("events[0]: after this closure no open route joins destination 'D2'"));
  // Reopened on the last day: a warning no more.
  CHECK(
      warnings_of(variant("{date: 2024-01-08, action: open_border", "{date: 2024-01-20, action: open_border"))
          .empty());
  // A destination of the economic model that no route joins to an origin.
  CHECK_THAT(warnings_of(variant("    - {from: X, to: D2, distance_km: 400}\n", "")),
             Contains("bad.yaml:24:7: behaviour.economic.destinations: no route joins 'D2' to an origin: "
                      "nobody goes there"));
  // ... also when that destination has people in a country with departures (a destination is never an
  // origin, so its own people do not count).
  {
    const fs::path dir = fs::temp_directory_path() / "migrasim_test_scenario";
    fs::create_directories(dir);
    const fs::path p = dir / "peopled.yaml";
    std::ofstream(p)
        << "run: {start_date: 2024-01-01, days: 5, seed: 1}\n"
           "world:\n"
           "  countries: [{code: ORI, name: Origin}, {code: DST, name: Destination}]\n"
           "  locations:\n"
           "    - {name: O, country: ORI, kind: town, lat: 0, lon: 0, population: 1000}\n"
           "    - {name: D1, country: DST, kind: destination, lat: 0, lon: 1}\n"
           "    - {name: D2, country: ORI, kind: destination, lat: 1, lon: 0, population: 5000}\n"
           "  routes: [{from: O, to: D1, distance_km: 100}]\n"
           "behaviour:\n"
           "  model: economic\n"
           "  economic:\n"
           "    emigration_rate_per_day: {ORI: 1.0e-3}\n"
           "    destinations: {D1: {}, D2: {}}\n";
    CHECK_THAT(warnings_of(p.string()), Contains("no route joins 'D2' to an origin"));
  }
  // A programme whose window the run never reaches: at its line, with the run's dates. (`--days` and
  // `--set run.days` shorten the run stepped, not the run the dates are measured against.)
  const std::string italy = std::string(MIGRASIM_SOURCE_DIR) + "/scenarios/italy_2002.yaml";
  CHECK(warnings_of(italy).empty());
  CHECK(warnings_of(italy, {"run.days=30"}).empty());
  CHECK_THAT(
      warnings_of(italy, {"behaviour.legal.programmes[0].window=[2004-09-09, 2004-11-11]"}),
      Contains("--set behaviour.legal.programmes[0].window: behaviour.legal.programmes[0].window: starts "
               "after the run ends (the run: 2002-06-01 to 2004-01-29): it changes nothing"));
  // Enforcement entries and entry rules (route risks, campaigns and pathways check their dates alike).
  const std::string deterrence =
      std::string(MIGRASIM_SOURCE_DIR) + "/scenarios/regularisation/border_deterrence.yaml";
  CHECK(warnings_of(deterrence).empty());
  CHECK_THAT(warnings_of(deterrence, {"behaviour.entry.rules[0].from=2022-01-01",
                                      "behaviour.entry.rules[0].until=2022-02-01"}),
             Contains("behaviour.entry.rules[0].from: starts after the run ends"));
  CHECK_THAT(warnings_of(deterrence, {"behaviour.legal.enforcement[1].until=2020-12-31",
                                      "behaviour.legal.enforcement[1].from=2020-06-01"}),
             Contains("behaviour.legal.enforcement[1].until: ends before the run starts"));
}
