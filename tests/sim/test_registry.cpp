#include <catch2/catch.hpp>

#include "sim/registry.hpp"
#include "sim/schedule.hpp"

using namespace migrasim;
using Catch::Contains;

namespace {

struct ToyParams {
  double rate = 0.5;
  static const ParamTableOf<ToyParams>& table() {
    static const ParamTableOf<ToyParams> t = [] {
      ParamTableOf<ToyParams> tt("toy", "a toy mechanism");
      tt.share("rate", &ToyParams::rate);
      return tt;
    }();
    return t;
  }
  void validate(const World&, std::int32_t) const {}
};

class ToyModel final : public Model {
 public:
  explicit ToyModel(ToyParams p) : params_(p) {}
  std::string_view name() const override { return "toy"; }
  double rate() const { return params_.rate; }

 private:
  ToyParams params_;
};

}  // namespace

TEST_CASE("the registry lists mechanisms in phase order and refuses a name twice", "[sim][registry]") {
  const MechanismRegistry r({mechanism_of<ToyParams, ToyModel>("late", "", 30),
                             mechanism_of<ToyParams, ToyModel>("early", "", 10, true),
                             mechanism_of<ToyParams, ToyModel>("also_early", "", 10)});
  REQUIRE(r.all().size() == 3);
  CHECK(r.all()[0].name == "early");  // ties keep the order of the list
  CHECK(r.all()[1].name == "also_early");
  CHECK(r.all()[2].name == "late");
  CHECK(r.find("late")->phase == 30);
  CHECK(r.find("early")->movement);
  CHECK(r.find("nothing") == nullptr);
  CHECK(r.find("late")->table == &ToyParams::table());
  CHECK_THROWS_WITH(MechanismRegistry({mechanism_of<ToyParams, ToyModel>("x", "", 1),
                                       mechanism_of<ToyParams, ToyModel>("x", "", 2)}),
                    Contains("mechanism 'x' registered twice"));
}

TEST_CASE("resolved parameters are read back only as their own type and build their model",
          "[sim][registry]") {
  const MechanismRegistry r({mechanism_of<ToyParams, ToyModel>("toy", "", 1)});
  const Mechanism* m = r.find("toy");
  auto params = m->create();
  static_cast<ToyParams*>(params.get())->rate = 0.25;
  const ResolvedMechanism resolved{m, params};
  CHECK(resolved.as<ToyParams>().rate == 0.25);
  CHECK_THROWS_AS(resolved.as<int>(), InternalError);
  const auto model = m->make(resolved.params.get());
  CHECK(model->name() == "toy");
  CHECK(dynamic_cast<const ToyModel&>(*model).rate() == 0.25);
}

namespace {

// A mechanism that takes the calendar and an earlier mechanism's parameters, and schedules an event.
struct Scheduler {
  std::vector<std::int32_t> month_starts;
  double toy_rate = -1;
  void validate(const World&, std::int32_t) const {}
  void resolve(ScenarioContext& ctx) {
    month_starts = ctx.month_starts;
    if (const ResolvedMechanism* toy = ctx.find("toy")) toy_rate = toy->as<ToyParams>().rate;
    Event e;
    e.day = 3;
    e.name = "scheduled by the mechanism";
    ctx.events.push_back(e);
  }
};

class SchedulerModel final : public Model {
 public:
  explicit SchedulerModel(const Scheduler&) {}
  std::string_view name() const override { return "scheduler"; }
};

}  // namespace

TEST_CASE("a mechanism's resolve() sees the calendar and earlier mechanisms and may schedule events",
          "[sim][registry]") {
  const MechanismRegistry r({mechanism_of<ToyParams, ToyModel>("toy", "", 1),
                             mechanism_of<Scheduler, SchedulerModel>("scheduler", "", 2, false, nullptr)});
  CHECK(!r.find("toy")->resolve);  // ToyParams has no resolve()
  REQUIRE(r.find("scheduler")->resolve);
  const World world({{"A", "A"}}, {}, {});
  std::vector<ResolvedMechanism> earlier;
  auto toy = r.find("toy")->create();
  static_cast<ToyParams*>(toy.get())->rate = 0.125;
  earlier.push_back({r.find("toy"), toy});
  std::vector<Event> events;
  ScenarioContext ctx{world, 60, {31, 59}, earlier, events};
  auto params = r.find("scheduler")->create();
  r.find("scheduler")->resolve(params.get(), ctx);
  const auto& s = *static_cast<const Scheduler*>(params.get());
  CHECK(s.month_starts == std::vector<std::int32_t>{31, 59});
  CHECK(s.toy_rate == 0.125);
  REQUIRE(events.size() == 1);
  CHECK(events[0].day == 3);
  CHECK(ctx.find("missing") == nullptr);
}
