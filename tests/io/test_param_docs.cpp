#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "io/param_docs.hpp"
#include "sim/errors.hpp"

using namespace migrasim;
using namespace migrasim::io;
using Catch::Contains;

TEST_CASE("docs/parameters.md holds the dictionary generated from the parameter tables", "[io][params]") {
  std::ifstream in(std::string(MIGRASIM_SOURCE_DIR) + "/docs/parameters.md", std::ios::binary);
  REQUIRE(in);
  std::ostringstream page;
  page << in.rdbuf();
  const std::string generated = params_markdown(registered_sections());
  // Regenerate with: ./build/release/cli/migrasim params --into docs/parameters.md
  CHECK(splice_generated(page.str(), generated, "docs/parameters.md") == page.str());
}

TEST_CASE("the dictionary lists every registered table with kinds, ranges and sources", "[io][params]") {
  const auto sections = registered_sections();
  REQUIRE_FALSE(sections.empty());
  CHECK(sections.front().path == "behaviour.economic");
  const std::string md = params_markdown(sections);
  CHECK_THAT(md, Contains("| `behaviour.economic.patience_days` | integer | days | 7 | [0, 65535] |"));
  CHECK_THAT(md, Contains("`behaviour.entry.rules[].permeability`"));
  CHECK_THAT(md, Contains("gravity-model convention"));
  CHECK_THAT(md, Contains("departures per resident per day; changeable mid-run (`Simulation.set`)"));
  const std::string json = params_json(sections);
  CHECK_THAT(
      json,
      Contains("\"key\": \"patience_days\", \"kind\": \"integer\", \"unit\": \"days\", \"required\": false, "
               "\"changeable\": false, \"default\": \"7\", \"min\": 0, \"max\": 65535"));
  CHECK_THAT(json, Contains("\"expected\": \"an integer in [0, 65535] (days)\""));
}

TEST_CASE("splicing needs the generated block's markers", "[io][params]") {
  const std::string page = std::string("head\n") + generated_begin + "\nold\n" + generated_end + "\ntail\n";
  CHECK(splice_generated(page, "new\n", "p.md") ==
        std::string("head\n") + generated_begin + "\n\nnew\n" + generated_end + "\ntail\n");
  CHECK_THROWS_WITH(splice_generated("no markers", "x", "p.md"), Contains("p.md: no '"));
}
