#pragma once
// Family and diaspora ties (docs/models/family.md): relatives join the people of their country who live
// at a destination. Departures from an origin place o towards destination d on day t:
//   ~ Poisson(join_rate(c) x diaspora(d, c) x population(o) / population(c))   c the country of o,
// population(c) the sum over the country's populated places; each mover's destination is drawn among the
// destinations it can reach with weights diaspora(d, c). A share `permit_share` (by destination country)
// holds a family permit; the others travel without one. Sex and age band come from the demography of the
// country of origin. The movers are walked by a route walker (models/route_walker.hpp), so the crossing
// market, the entry rules and the route risks of the run meet them as every other traveller.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/demography.hpp"
#include "models/route_walker.hpp"
#include "models/shared_columns.hpp"
#include "sim/model.hpp"
#include "sim/params.hpp"

namespace migrasim::models {

struct FamilyParams {
  struct Destination {
    place_id place = -1;
    std::vector<double> diaspora;  // [country] people born in that country living there, persons
  };
  std::vector<Destination> destinations;
  std::vector<double> join_rate_per_day;  // [country of origin] relatives leaving per diaspora member per day
  std::vector<double> permit_share;       // [destination country] share who hold a family permit
  std::array<double, travel_mode_count> speed_km_per_day{400, 25, 200, 3000};  // road, foot, sea, air
  std::int32_t patience_days = 7;      // days stranded before rerouting
  double stranded_return_per_day = 0;  // stranded `patience_days` or more: go home, per day
  double resources_median_usd = 3000;  // savings and the diaspora's help for the journey, log-normal
  double resources_sigma = 0.8;
  // Chain migration: the share of the run's arrivals of a country, settled at a destination, who join
  // its diaspora there (whom relatives then join in turn); 0: the diaspora stays as given.
  double network_share = 0;
  Demography demography;                       // sex and age band of the movers, by country of origin
  std::vector<std::string> destination_names;  // labels of the family_departures series (derived)

  static const ParamTableOf<FamilyParams>& table();
  // Throws InputError naming the parameter, the bad value and what was expected.
  void validate(const World& world, std::int32_t days = 0) const;
};

// Random-number purposes of the family model (sim/rng.hpp); declared in declare().
namespace family_purpose {
inline constexpr Purpose destination{330};
inline constexpr Purpose demography{331};
inline constexpr Purpose resources{332};
inline constexpr Purpose return_home{333};
inline constexpr Purpose departures{334};  // the daily count at an origin (not the kernel's spawn_count: the
                                           // economic driver draws its counts at the same places with it)
inline constexpr Purpose other_destination{335};  // another destination, chosen at a border
}  // namespace family_purpose

class FamilyModel final : public Model {
 public:
  explicit FamilyModel(FamilyParams params);
  std::string_view name() const override { return "family"; }
  std::unique_ptr<Model> clone() const override { return std::make_unique<FamilyModel>(*this); }
  bool checkpointable() const override { return true; }
  void save_state(StateWriter& out) const override;
  void load_state(StateReader& in, StepContext& ctx) override;
  void declare(Declarations& declared) override;
  void on_start(StepContext& ctx) override;
  void on_route_state_changed(StepContext& ctx) override { walker_.route_state_changed(ctx); }
  void spawn_counts(StepContext& ctx, std::vector<std::int64_t>& per_place) override;
  void init_agents(StepContext& ctx, std::size_t first, std::size_t last) override;
  void decide(StepContext& ctx) override { walker_.admit(ctx); }
  void move(StepContext& ctx) override { walker_.move(ctx, holds_permit_, ways_); }
  void update_status(StepContext& ctx) override { walker_.settle(ctx, holds_permit_); }
  void declare_series(std::vector<SeriesSpec>& out) const override;
  void fill_series(StepContext& ctx, std::vector<std::vector<std::int64_t>>& values) override;

  // Expected departures a day from an origin place, and the destination probabilities from it in the
  // order of the destinations (for tests).
  double departures_per_day(place_id origin) const;
  std::vector<double> destination_probabilities(place_id origin) const;

 private:
  FamilyParams params_;
  Column<float> resources_;  // shared: savings for fees and smugglers further on
  FlagBit holds_permit_;     // shared: a family permit for the destination
  CrossingOptions ways_;     // declared ways of crossing a border
  RouteWalker walker_;
  std::vector<place_id> destination_places_;
  std::vector<std::int32_t> origin_index_;  // [place] index into the origins, -1 otherwise
  std::vector<place_id> origins_;
  std::vector<double> mean_per_day_;        // [origin] expected departures a day
  std::vector<double> cumulative_weight_;   // [origin * destinations + k]
  std::vector<Demography::Shares> shares_;  // [country of origin]
  std::vector<std::int64_t> departures_;    // [destination] today's movers, by destination
  // Origins, their departures a day and destination weights for a diaspora [destination * countries + c].
  void weigh_origins(const World& world, const std::vector<double>& diaspora);
  // The diaspora today: as given, plus network_share x the run's arrivals settled at each destination.
  std::vector<double> diaspora_today(StepContext& ctx) const;
  std::vector<double> country_population_;       // [country] people of its populated places
  std::vector<std::int32_t> destination_index_;  // [place] index into the destinations, -1 otherwise
};

}  // namespace migrasim::models
