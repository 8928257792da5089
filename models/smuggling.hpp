#pragma once
// Smuggling markets on the route graph (docs/models/smuggling.md): people arrive at a departure place
// each day (the departure demand), ask for a seat on a smuggling service they can afford, and seats are
// allocated by keyed priority (best k). A crossing ends in death, interception (back at the departure
// side; some give up and go home) or arrival, where some fall into trafficking. Prices follow demand
// against capacity and enforcement; capacity grows after sustained excess demand; dated enforcement
// changes interception and capacity.
#include <cstdint>
#include <string>
#include <vector>

#include <tbb/enumerable_thread_specific.h>

#include "sim/model.hpp"

namespace migrasim::models {

struct SmugglingParams {
  struct Step {
    std::int32_t day = 0;
    double value = 0;
  };
  struct Demand {
    place_id place = -1;        // departure side
    place_id origin = -1;       // a place in the travellers' country of origin
    std::vector<Step> per_day;  // people arriving to cross, per day, from each step's day on
    double resources_median_usd = 3000;
    double resources_sigma = 0.8;
  };
  struct Service {
    std::string name;
    place_id from = -1, to = -1;
    route_id route = -1;         // the crossing (its deaths are counted on this edge)
    double seats_per_day = 100;  // capacity at the start
    double base_price_usd = 1000;
    double price_elasticity = 0.5;  // price x (demand / seats)^elasticity
    double risk_premium = 1.0;      // price x (1 + risk_premium x interception)
    double interception = 0.05;     // per crossing
    double death = 0.01;            // per crossing
    double trafficking = 0.02;      // of arrivals, fall into exploitation
    double trafficking_debt = 0.1;  // ... when the fee was paid by debt
    double capacity_growth = 0.0;   // per day while demand exceeded seats for `growth_lag_days`
    std::int32_t growth_lag_days = 30;
  };
  struct Enforcement {
    std::string name;
    std::int32_t day = 0;
    std::size_t service = 0;
    double interception = -1;      // new interception probability (-1: unchanged)
    double capacity_factor = 1.0;  // seats multiplied by this
  };
  std::vector<Demand> demand;
  std::vector<Service> services;
  std::vector<Enforcement> enforcement;
  double give_up_after_interception = 0.3;  // intercepted people who go home instead of trying again
  double debt_share = 0.3;                  // of those who cannot pay, the share who go into debt to pay
  double recorded_death_share = 1.0;        // share of deaths that data sources record
  std::vector<std::string> country_codes;   // labels of the trafficking series
  std::vector<std::string> edge_names;      // labels of the deaths series (the routes, "A--B")

  void validate(const World& world, std::int32_t days) const;
};

class SmugglingModel final : public Model {
 public:
  explicit SmugglingModel(SmugglingParams params);
  std::string_view name() const override { return "smuggling"; }
  void on_start(StepContext& ctx) override;
  void spawn_counts(StepContext& ctx, std::vector<std::int64_t>& per_place) override;
  void init_agents(StepContext& ctx, std::size_t first, std::size_t last) override;
  void decide(StepContext& ctx) override;
  void move(StepContext& ctx) override;
  void declare_series(std::vector<SeriesSpec>& out) const override;
  void fill_series(StepContext& ctx, std::vector<std::vector<std::int64_t>>& values) override;

  enum Quantity : std::uint8_t {
    demand,
    seats,
    seats_used,
    price_usd,
    revenue_usd,
    arrivals,
    intercepted,
    deaths,
    quantity_count
  };

 private:
  SmugglingParams params_;
  std::vector<double> seats_, price_, interception_;       // [service] today
  std::vector<std::int32_t> excess_days_;                  // [service] consecutive days demand exceeded seats
  std::vector<std::int64_t> today_;                        // [service * quantity_count + q]
  std::vector<std::int64_t> deaths_edge_, recorded_edge_;  // [route] today
  std::vector<std::int64_t> trafficked_;                   // [country] today
  std::vector<std::int32_t> service_from_;                 // [place] the service leaving it, -1 none
  std::vector<std::uint64_t> admitted_;                    // today's travellers
};

}  // namespace migrasim::models
