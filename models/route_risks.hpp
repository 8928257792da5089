#pragma once
// Deaths on the way for every traveller (docs/models/route_risks.md). Dated risks on routes (a border's
// routes, or the routes joining two places: a desert road, a sea leg): each traveller of any mechanism who
// travels such a route to its end dies there with the route's probability per trip (one keyed draw per
// person, day and route). Deaths are recorded on the route and at the place where the route ends; a share
// `recorded_share` of them is known to data sources (status `dead`), the others are never recorded
// (status `missing`). Smuggling trips carry their own risks (models/smuggling.hpp).
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <tbb/enumerable_thread_specific.h>

#include "models/shared_columns.hpp"
#include "sim/model.hpp"
#include "sim/params.hpp"

namespace migrasim::models {

struct RouteRiskParams {
  struct Risk {
    std::string name = "route risk";
    std::int32_t from_day = 0;
    std::int32_t until_day = std::numeric_limits<std::int32_t>::max();
    std::vector<country_id> border;
    std::vector<place_id> route_ends;
    std::vector<route_id> routes;       // derived
    double death = 0;                   // probability per trip along the route
    bool permit_holders_exempt = true;  // people with a permit cross at an official post, not at risk
  };
  std::vector<Risk> risks;
  double recorded_share = 1.0;          // deaths that data sources record (status dead; the rest missing)
  std::vector<std::string> edge_names;  // labels of the route_deaths series ("A--B"), set by the reader

  static const ParamTableOf<RouteRiskParams>& table();
  void validate(const World& world, std::int32_t days) const;
};

namespace route_risk_purpose {
inline constexpr Purpose death{61};
}  // namespace route_risk_purpose

class RouteRiskModel final : public Model, public RouteHazard {
 public:
  explicit RouteRiskModel(RouteRiskParams params);
  std::string_view name() const override { return "route_risks"; }
  std::unique_ptr<Model> clone() const override { return std::make_unique<RouteRiskModel>(*this); }
  bool checkpointable() const override { return true; }
  void save_state(StateWriter& out) const override;
  void load_state(StateReader& in, StepContext& ctx) override;
  void declare(Declarations& declared) override;
  void attach(StepContext& ctx) override;
  void on_start(StepContext& ctx) override;
  // Changeable mid-run (risks[].death, recorded_share): read afresh each day.
  void change_params(StepContext& ctx, const void* params) override {
    RouteRiskParams p = *static_cast<const RouteRiskParams*>(params);
    p.validate(ctx.world(), ctx.days());
    params_ = std::move(p);
  }
  void decide(StepContext& ctx) override;
  void declare_series(std::vector<SeriesSpec>& out) const override;
  void fill_series(StepContext& ctx, std::vector<std::vector<std::int64_t>>& values) override;

  // RouteHazard
  bool active(route_id r) const override { return death_[static_cast<std::size_t>(r)] > 0; }
  bool dies(std::size_t i, arc_id a) const override;

 private:
  RouteRiskParams params_;
  Population* population_ = nullptr;
  const World* world_ = nullptr;
  const KeyedRng* rng_ = nullptr;
  FlagBit holds_permit_;              // shared
  std::vector<std::uint8_t> exempt_;  // [route] permit holders exempt today (from the largest risk in force)
  std::int32_t day_ = 0;
  std::vector<double> death_;  // [route] probability per trip today: the largest risk in force
  // [route * 2 + (0 recorded, 1 missing)] today, per thread (deaths are few: one lookup each)
  mutable tbb::enumerable_thread_specific<std::vector<std::int64_t>> counts_;
};

}  // namespace migrasim::models
