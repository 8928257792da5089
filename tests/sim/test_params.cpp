#include <catch2/catch.hpp>

#include "../test_worlds.hpp"
#include "sim/errors.hpp"
#include "sim/params.hpp"

using namespace migrasim;
using Catch::Contains;

namespace {

struct Leg {
  std::string name;
  double risk = 0.1;
  std::int32_t seats = 10;
};

struct Toy {
  double speed = 25;
  double share = 0.5;
  std::int32_t patience = 7;
  std::vector<double> rate;  // per country
  std::array<double, 3> split{0.2, 0.3, 0.5};
  std::vector<country_id> nationalities;
  std::vector<Leg> legs;
};

const ParamTableOf<Toy>& toy_table() {
  static const ParamTableOf<Toy> table = [] {
    ParamTableOf<Toy> t("toy", "a toy mechanism");
    t.number("speed", &Toy::speed).range(1, 100).unit("km/day").noun("a speed");
    t.share("nested.share", &Toy::share);
    t.integer("patience", &Toy::patience).range(0, 65535).unit("days");
    t.per_country("rate", &Toy::rate).range(0, 1).fill(0.25);
    t.shares("split", &Toy::split);
    t.countries("nationalities", &Toy::nationalities).length(2);
    auto legs = std::make_shared<ParamTableOf<Leg>>("leg", "one leg");
    legs->text("name", &Leg::name).required();
    legs->share("risk", &Leg::risk);
    legs->integer("seats", &Leg::seats).range(0, 1000);
    legs->rule("seats are given when risk is high", [](const Leg& l, const ParamContext&) {
      if (l.risk > 0.9 && l.seats == 0) throw ParamProblem("seats", "a risky leg needs seats");
    });
    t.records("legs", &Toy::legs, std::shared_ptr<const ParamTableOf<Leg>>(legs));
    return t;
  }();
  return table;
}

}  // namespace

TEST_CASE("expected texts name the kind and both bounds", "[sim][params]") {
  const auto& t = toy_table();
  CHECK(expected_text(*t.find("speed")) == "a speed in [1, 100] (km/day)");
  CHECK(expected_text(*t.find("nested.share")) == "a share in [0, 1]");
  CHECK(expected_text(*t.find("patience")) == "an integer in [0, 65535] (days)");
  CHECK(expected_text(*t.find("rate")) == "a map from country code to a number in [0, 1]");
  CHECK(expected_value_text(*t.find("rate")) == "a number in [0, 1]");
  CHECK(expected_text(*t.find("split")) == "a list of 3 shares in [0, 1] summing to 1");
  CHECK(expected_text(*t.find("nationalities")) == "a list of 2 country codes listed in world.countries");
  ParamTableOf<Leg> wide("wide", "");
  auto ref = wide.integer("seats", &Leg::seats);
  (void)ref;
  CHECK(expected_text(*wide.find("seats")) == "an integer in [-2147483648, 2147483647]");
  CHECK(format_number(0.25) == "0.25");
  CHECK(format_number(1e12) == "1e+12");
  CHECK(format_number(2147483647) == "2147483647");
  CHECK(format_number(1e-6) == "1e-06");
}

TEST_CASE("check_params validates a struct built in code against its table", "[sim][params]") {
  const auto w = test::corridor_world();
  const ParamContext ctx{*w, 30};
  Toy ok;
  ok.rate = {0.1, 0};
  CHECK_NOTHROW(check_params(toy_table(), &ok, ctx, "behaviour.toy"));

  Toy slow = ok;
  slow.speed = 0.5;
  CHECK_THROWS_WITH(check_params(toy_table(), &slow, ctx, "behaviour.toy"),
                    "behaviour.toy.speed = 0.5: expected a speed in [1, 100] (km/day)");
  Toy rate = ok;
  rate.rate[1] = 2;
  CHECK_THROWS_WITH(check_params(toy_table(), &rate, ctx, "behaviour.toy"),
                    "behaviour.toy.rate.DST = 2: expected a number in [0, 1]");
  Toy split = ok;
  split.split = {0.5, 0.5, 0.5};
  CHECK_THROWS_WITH(check_params(toy_table(), &split, ctx, "behaviour.toy"),
                    Contains("the shares sum to 1.5"));
  Toy nat = ok;
  nat.nationalities = {0};
  CHECK_THROWS_WITH(check_params(toy_table(), &nat, ctx, "behaviour.toy"), Contains("1 entries"));
  Toy legs = ok;
  legs.legs = {{"a", 0.5, 10}, {"b", 0.95, 0}};
  CHECK_THROWS_WITH(check_params(toy_table(), &legs, ctx, "behaviour.toy"),
                    "behaviour.toy.legs[1].seats: a risky leg needs seats");
  legs.legs[1].seats = 2000;
  CHECK_THROWS_WITH(check_params(toy_table(), &legs, ctx, "behaviour.toy"),
                    "behaviour.toy.legs[1].seats = 2000: expected an integer in [0, 1000]");
  Toy unsized = ok;
  unsized.rate.clear();
  CHECK_THROWS_AS(check_params(toy_table(), &unsized, ctx, "behaviour.toy"), InternalError);
}

TEST_CASE("a table's defaults are those of its struct", "[sim][params]") {
  const auto& t = toy_table();
  const void* d = t.defaults().get();
  CHECK(t.find("speed")->get(d).number == 25);
  CHECK(t.find("patience")->get(d).integer == 7);
  CHECK(t.find("legs")->count(d) == 0);
  CHECK(t.find("missing") == nullptr);
}
