#pragma once
// Disasters and displacement (docs/models/disaster.md): hazards with a footprint displace a share of
// each place's residents (a logistic curve of intensity and vulnerability per hazard kind), split between
// shelters (nearest with room), kin in other towns and crossing a border; shelters admit up to their
// capacity (keyed priorities decide who gets the last beds); displaced people go home at a rate that
// follows the recovery of their place. Route damage is turned into scheduled route events by the reader
// (DisasterParams::route_events), which the loader schedules.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <tbb/enumerable_thread_specific.h>

#include "models/demography.hpp"
#include "models/shared_columns.hpp"
#include "sim/model.hpp"
#include "sim/params.hpp"
#include "sim/registry.hpp"
#include "sim/routing.hpp"

namespace migrasim::models {

struct DisasterParams {
  struct Curve {  // share displaced = max_share / (1 + exp(-steepness * (x - midpoint))), x = intensity x
                  // (0.5 + vulnerability)
    std::string kind;
    double max_share = 0.5;
    double midpoint = 0.5;
    double steepness = 10;
  };
  struct Event {
    std::string name;
    std::size_t curve = 0;  // index into curves
    std::int32_t onset_day = 0;
    std::int32_t duration_days = 1;  // displacement spread over these days
    std::int32_t lead_days = 0;      // early warning: evacuation starts this many days before onset
    std::vector<std::pair<place_id, double>> footprint;  // intensity 0..1 per place
    // What the scenario gives (the parameter table binds these; the reader derives `curve` and
    // `footprint` from them, and the route damage into DisasterParams::route_events). A struct built in
    // code may leave them empty and set the fields above.
    std::string kind;                       // a hazard kind listed in curves
    std::vector<double> footprint_places;   // [place] intensity 0..1 (footprint.places)
    double centre_lat = 0, centre_lon = 0;  // footprint.centre: intensity 1 - km / radius_km around it
    double radius_km = 1;
    double close_above = 0.8;  // route_damage: mean intensity of a route's ends that closes it
    double slow_factor = 2;    // travel-time factor at intensity 1 of a weaker hit
    double repair_days = 30;   // days to repair at intensity 1
    bool has_footprint = false, has_centre = false, has_radius = false, has_route_damage = false;
  };
  // Responses, dated scenario objects:
  struct Protection {  // from `day`, people displaced by disasters who are in `country` get `status`
    std::string name;
    std::int32_t day = 0;
    country_id country = -1;
    LegalStatus status = LegalStatus::temporary_protection;  // or regular (humanitarian visa)
  };
  struct Evacuation {  // from `day` to the event's onset, a further share of the places' residents leaves
    std::string name;
    std::size_t event = 0;
    std::int32_t day = 0;
    std::vector<place_id> places;
    double extra_share = 0;
  };
  // A response as the scenario gives it (responses[]); the reader derives protections and evacuations.
  enum class ResponseKind : std::uint8_t { temporary_protection, humanitarian_visa, evacuation_order };
  struct Response {
    std::string name;  // "" = the kind's word
    ResponseKind kind = ResponseKind::temporary_protection;
    std::int32_t day = 0;
    country_id country = -1;       // protection: where
    std::string event;             // evacuation order: before which event
    std::vector<place_id> places;  // evacuation order: where
    double extra_share = 0;        // evacuation order: further share leaving
    bool has_extra_share = false;
  };
  struct PlaceRecovery {  // return.places.<place>
    place_id place = -1;
    double recovery_days = 180;
  };
  std::vector<Curve> curves;
  std::vector<Event> events;
  std::vector<Response> responses;             // raw; empty in structs built in code
  double vulnerability_default = 0.5;          // vulnerability.default
  std::vector<PlaceRecovery> recovery_places;  // raw return.places; derives place_recovery_days
  // Route damage of the events as scheduled route events ("<event> damage", "<event> repair"), derived
  // by the reader; resolve() appends them to the scenario's events.
  std::vector<migrasim::Event> route_events;
  std::vector<Protection> protections;
  std::vector<Evacuation> evacuations;
  std::vector<double> vulnerability;        // [place] 0..1
  double share_shelter = 0.6;               // of the displaced: to shelters ...
  double share_kin = 0.35;                  // ... to kin in another town of the country ...
  double share_abroad = 0.05;               // ... across a border
  double kin_max_km = 400;                  // kin live within this path distance
  double shelter_overflow = 0.0;            // shelters admit up to capacity x (1 + overflow)
  double return_rate_per_day = 0.01;        // return hazard once the home place has recovered
  double recovery_days = 180;               // recovery(t) = 1 - exp(-t / recovery_days) after the event ends
  std::vector<double> place_recovery_days;  // [place] overrides (> 0), or empty / <= 0 for the default
  std::array<double, travel_mode_count> speed_km_per_day{300, 25, 200, 3000};
  // Sex and age band of the displaced, by country. Default: the world's population (UN DESA, World
  // Population Prospects, as charted in UNHCR Global Trends 2023: 30 % under 18, 56 % 18-59, 14 % 60+, half
  // women); the split of 18-59 into 18-34 and 35-59 is an assumption (docs/models/demography.md).
  Demography demography{{0.5, {0.30, 0.25, 0.31, 0.14}}, {}};
  LegalStatus abroad_status = LegalStatus::irregular;  // e.g. temporary_protection when a country opens it
  std::vector<std::string> shelter_names;  // labels of the `shelter` dimension: shelter places in place order

  // The parameter table (key paths, ranges, units, sources): read by io/, checked by validate(), printed
  // by `migrasim params`.
  static const ParamTableOf<DisasterParams>& table();
  // Throws InputError naming the parameter, the bad value and what was expected.
  void validate(const World& world, std::int32_t days) const;
  // Once read (sim/registry.hpp): the route damage joins the schedule like any closure.
  void resolve(ScenarioContext& ctx) const;
};

// Random-number purposes of the disaster model (sim/rng.hpp); declared in declare().
namespace disaster_purpose {
inline constexpr Purpose count{40};
inline constexpr Purpose choice{41};
inline constexpr Purpose admission{42};
inline constexpr Purpose return_home{43};
inline constexpr Purpose evacuation{44};
}  // namespace disaster_purpose

class DisasterModel final : public Model {
 public:
  explicit DisasterModel(DisasterParams params);
  std::string_view name() const override { return "disaster"; }
  std::unique_ptr<Model> clone() const override { return std::make_unique<DisasterModel>(*this); }
  bool checkpointable() const override { return true; }
  void save_state(StateWriter& out) const override;
  void load_state(StateReader& in, StepContext& ctx) override;
  void declare(Declarations& declared) override;
  void on_start(StepContext& ctx) override;
  void on_route_state_changed(StepContext& ctx) override;
  void spawn_counts(StepContext& ctx, std::vector<std::int64_t>& per_place) override;
  void init_agents(StepContext& ctx, std::size_t first, std::size_t last) override;
  void move(StepContext& ctx) override;
  void update_status(StepContext& ctx) override;
  void declare_series(std::vector<SeriesSpec>& out) const override;
  void fill_series(StepContext& ctx, std::vector<std::vector<std::int64_t>>& values) override;

  enum Measure : std::uint8_t {
    displaced_today,
    displaced_now,
    in_shelters,
    unsheltered_now,
    with_kin,
    abroad,
    returned_home_total,
    crossed_border_total,
    measure_count
  };
  static const char* measure_name(int m);

 private:
  double share_displaced(const DisasterParams::Event& e, std::size_t k) const;
  // The day a displaced agent heads home (drawn once, from the recovery-driven return hazard).
  std::int32_t return_day(const KeyedRng& rng, std::uint64_t agent, place_id home, std::int32_t event_end,
                          std::int32_t day) const;

  DisasterParams params_;
  Column<std::int32_t> return_day_;  // the day a displaced agent heads home
  FlagBit displaced_, unsheltered_;
  CrossingOptions ways_;                     // declared ways of crossing a border
  std::vector<place_id> shelters_;           // shelter places
  std::vector<Demography::Shares> shares_;   // [country] sex and age band of the displaced
  std::vector<std::int32_t> shelter_index_;  // [place] -1 if not a shelter
  std::vector<place_id> all_places_;
  std::vector<place_id> nearest_shelter_, nearest_abroad_;                // [home place], -1 none
  std::vector<std::vector<std::pair<place_id, double>>> kin_cumulative_;  // [home place] cumulative weights
  RoutingTables planned_, open_;
  std::vector<std::int32_t> event_end_;  // [event] last day of the event
  // Today's spawn: per place, which event and how many.
  std::vector<std::int32_t> spawn_event_;  // [place] event index spawning there today, -1 none
  std::vector<std::int64_t> occupancy_;    // [shelter] displaced people admitted
  std::array<std::int64_t, measure_count> measures_{};
  std::int64_t returned_total_ = 0, crossed_total_ = 0, spawned_today_ = 0;
  tbb::enumerable_thread_specific<std::vector<std::uint64_t>> arrivals_;  // reached a shelter today
  tbb::enumerable_thread_specific<std::array<std::int64_t, 4>> local_;    // returned, crossed, ...
};

}  // namespace migrasim::models
