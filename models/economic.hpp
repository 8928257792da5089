#pragma once
// Baseline economic migration (equations in docs/models/economic.md):
//   departures at origin o on day d ~ Poisson(population_o * rate_country(o) * push_country(o)(d))
//   P(destination k | origin o) ∝ attractiveness_k * (1 + diaspora_k,country(o))^a / path_km(o, k)^b
//   least-travel-time routes; stranded at a closed route or one the entry rules refuse (models/entry.hpp),
//   reroute after `patience_days`; settle on arrival.
//   Routes with a daily capacity admit, each day, the waiting agents with the best keyed priorities.
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "models/demography.hpp"
#include "models/route_walker.hpp"
#include "models/shared_columns.hpp"
#include "sim/model.hpp"
#include "sim/params.hpp"

namespace migrasim::models {

struct EconomicParams {
  struct Destination {
    place_id place = -1;
    double attractiveness = 1;     // relative, dimensionless
    std::vector<double> diaspora;  // [country] people born in that country living there, persons
  };
  std::vector<double> emigration_rate_per_day;      // [country] per capita per day; 0: not an origin
  std::vector<std::vector<DatedValue>> push_index;  // [country] departures multiplied by, sorted by day
  double diaspora_exponent = 1.0;                   // a
  double distance_exponent = 1.0;                   // b
  std::vector<Destination> destinations;
  double stranded_return_per_day = 0;  // stranded for `patience_days` or more: go home, per day
  std::vector<double> visa_share;      // [country] share holding a permit for it, 0..1
  std::array<double, travel_mode_count> speed_km_per_day{400, 25, 200, 3000};  // road, foot, sea, air
  std::int32_t patience_days = 7;  // days stranded before rerouting
  double resources_median_usd = 3000;
  double resources_sigma = 0.8;  // log-normal shape
  Demography demography;         // sex and age band of the movers, by country of origin

  // The parameter table (key paths, ranges, units, sources): read by io/, checked by validate(), printed
  // by `migrasim params`.
  static const ParamTableOf<EconomicParams>& table();
  // Throws InputError naming the parameter, the bad value and what was expected.
  void validate(const World& world, std::int32_t days = 0) const;
};

// Random-number purposes of the economic model (sim/rng.hpp); declared in declare().
namespace economic_purpose {
inline constexpr Purpose destination{16};
inline constexpr Purpose demography{17};
inline constexpr Purpose other_destination{18};  // another destination, chosen at a border
inline constexpr Purpose resources{19};
inline constexpr Purpose return_home{21};
}  // namespace economic_purpose

class EconomicModel final : public Model {
 public:
  explicit EconomicModel(EconomicParams params);
  std::string_view name() const override { return "economic"; }
  std::unique_ptr<Model> clone() const override { return std::make_unique<EconomicModel>(*this); }
  bool checkpointable() const override { return true; }
  void save_state(StateWriter& out) const override;
  void load_state(StateReader& in, StepContext& ctx) override;
  void declare(Declarations& declared) override;
  void on_start(StepContext& ctx) override;
  // Changeable mid-run: emigration_rate_per_day, visa_share.
  void change_params(StepContext& ctx, const void* params) override;
  void on_route_state_changed(StepContext& ctx) override;
  void spawn_counts(StepContext& ctx, std::vector<std::int64_t>& per_place) override;
  void init_agents(StepContext& ctx, std::size_t first, std::size_t last) override;
  void decide(StepContext& ctx) override;
  void move(StepContext& ctx) override;
  void update_status(StepContext& ctx) override;

  const EconomicParams& params() const { return params_; }
  // Destination-choice probabilities from an origin, in the order of params().destinations (for tests).
  std::vector<double> destination_probabilities(place_id origin) const;

 private:
  double push(country_id c, std::int32_t day) const;
  void find_origins(const World& world);

  EconomicParams params_;
  Column<float> resources_;  // shared: savings for fees and smugglers further on
  FlagBit holds_permit_;     // shared: a visa for the destination
  CrossingOptions ways_;     // declared ways of crossing a border
  std::vector<place_id> destination_places_;
  RouteWalker walker_;  // walks the movers to their destinations
  std::vector<place_id> origins_;
  std::vector<std::int32_t> origin_index_;  // [place] index into origins_, -1 otherwise
  std::vector<double> cumulative_weight_;   // [origin * destinations + k]
  std::vector<Demography::Shares> shares_;  // [country of origin] the movers' sex and age shares
};

}  // namespace migrasim::models
