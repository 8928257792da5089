#pragma once
// Smuggling markets on the route graph (docs/models/smuggling.md). People arrive at departure places each
// day (the departure demand). Each day every waiting person chooses among the options leaving the place
// where they are: smuggling services (a route or a chain of routes, with seats and a market price),
// crossing alone, or a regular pathway (a quota and a fee), by a logit over price and risk with keyed
// draws; those who can afford nothing, or get no seat, wait. Scarce seats go to the best keyed
// priorities. A trip ends in death, interception (back at the departure side; some give up and go
// home), abandonment (left where the risky leg starts) or arrival, where some fall into exploitation;
// injury or abuse is counted on the way. Prices follow yesterday's demand against seats and the
// interception risk; capacity grows after sustained excess demand and new operators enter while margins
// stay high; dated enforcement changes interception, deaths, seats and demand.
// The market serves the run's every traveller at its crossing points (the run's CrossingMarket,
// sim/model.hpp): whoever arrives there without a permit on the way out of the country, whatever drove
// its move, chooses among the same options, and is handed back to its driver where its trip ends.
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "models/demography.hpp"
#include "models/shared_columns.hpp"
#include "sim/model.hpp"
#include "sim/params.hpp"

namespace migrasim::models {

struct SmugglingParams {
  struct Demand {
    place_id place = -1;                 // departure side
    place_id origin = -1;                // a place in the travellers' country of origin
    std::vector<DatedValue> per_day;     // people arriving to cross, per day, from each step's day on
    double resources_median_usd = 3000;  // own savings, log-normal
    double resources_sigma = 0.8;
    double help_share = 0;       // share who get help from family or the diaspora ...
    double help_median_usd = 0;  // ... log-normal with the same sigma, added to the savings
  };
  enum class Kind : std::uint8_t { smuggler, alone, pathway };
  struct Service {
    std::string name;
    Kind kind = Kind::smuggler;
    std::vector<place_id> path;    // the places the trip passes: departure, stops..., arrival
    std::vector<route_id> legs;    // legs[j] joins path[j] and path[j + 1]
    std::size_t risk_leg = 0;      // the leg where incidents happen (its start is where people are abandoned)
    double seats_per_day = 100;    // capacity at the start (crossing alone: no limit)
    double base_price_usd = 1000;  // a pathway's fee; 0 when crossing alone
    double price_elasticity = 0.5;  // price x (demand / seats)^elasticity
    double risk_premium = 1.0;      // price x (1 + risk_premium x interception)
    double interception = 0.05;     // per trip
    double detention = 0.0;         // of those intercepted, the share detained (the rest return)
    double death = 0.01;            // per trip
    double injury = 0.0;            // injury or abuse on the way, per trip (survivors)
    double abandonment = 0.0;       // left by the smuggler at the start of the risky leg, per trip
    double trafficking = 0.02;      // of arrivals, fall into exploitation
    double trafficking_debt = 0.1;  // ... when the fee was paid by debt
    double capacity_growth = 0.0;   // per day while demand exceeded seats for `growth_lag_days`
    std::int32_t growth_lag_days = 30;
    double operating_cost_usd = 0;     // cost of a seat to the operators (0: no entry rule)
    double entry_margin = 0.5;         // a new operator enters when (price - cost) / price stays above this
    std::int32_t entry_lag_days = 60;  // ... for this many days in a row
    double entry_seats = 0;            // seats a new operator brings
    // Consequences of an interception (not detained): removed with probability `removal`, to the place
    // `removal_to` (a third country) or, when none is given, to the person's place of origin.
    double removal = 0;
    place_id removal_to = -1;
    // A pathway refuses people removed within the last `bar_after_removal_days` (0: no bar).
    std::int32_t bar_after_removal_days = 0;
    std::vector<country_id> nationalities;  // who may use the service (empty: every nationality)
    // A pathway applied for from home: travellers heading for the country it leads to choose at their
    // place of origin between applying (and waiting there for a permit, `seats` a day) and setting off
    // towards its crossing point, where the other options are; the permit holders travel on with their
    // driver. At the crossing point it is no option.
    bool from_home = false;
    bool runs_when_closed = true;  // keeps running while a route of its path is closed (smugglers)
    // As the scenario gives them (the table binds to these; a derivation sets path, legs and risk_leg):
    // `from` and `to` (one route) unless `path` is given, the risky leg's two places, and which of the
    // kind-dependent keys were given.
    place_id from_place = -1, to_place = -1;
    std::vector<place_id> risky_leg_places;
    bool seats_given = false, price_given = false;
    place_id from() const { return path.front(); }
    place_id to() const { return path.back(); }
  };
  // Logit choice among the options a person can afford: utility = -price_sensitivity x price / 1000
  // - risk_aversion x (death + interception + abandonment) - alone_penalty (crossing alone), plus a keyed
  // Gumbel draw per person, option and day.
  struct Choice {
    double price_sensitivity = 0.5;  // per 1000 USD
    double risk_aversion = 5.0;
    double alone_penalty = 2.0;
    // Waiting is an option too when set: utility `wait_utility` plus its own Gumbel draw (by default
    // people take the best affordable option at once).
    bool can_wait = false;
    double wait_utility = 0;
    // Deterrence and queues: utility - removal_aversion x interception x removal x (1 + bars), where
    // bars is 1 when a removal would bar the person from a pathway open to it at the place; and
    // - wait_aversion x the expected wait for a seat in days (yesterday's demand beyond the seats, per
    // seat).
    double removal_aversion = 0;
    double wait_aversion = 0;
    // Going back home, and staying in the country where the person is (the journey ends there: another
    // destination), are options too when set: utility `go_back_utility` (`stay_utility`) plus its own
    // Gumbel draw.
    bool can_go_back = false, can_stay = false;
    double go_back_utility = 0, stay_utility = 0;
    // Looking for another destination is an option too when set, for travellers whose driver draws
    // one (Declarations::takes_other_destinations): utility `another_destination_utility` plus its own
    // Gumbel draw; the driver draws the destination (in another country than the old one) that day.
    bool can_look_elsewhere = false;
    double another_destination_utility = 0;
    // Some choice may end or redirect the journey here (the journey_choices series).
    bool ends_journeys() const { return can_go_back || can_stay || can_look_elsewhere; }
    // The choice at home (a pathway applied for from home): a day's wait for the permit costs this many
    // USD (earnings forgone), weighed like a price.
    bool home_wait_given = false;
    double home_wait_cost_usd_per_day = 0;
  };
  // What people believe about the risks of the options (docs/models/smuggling.md, "Information"). Without
  // it they know the true death, interception and abandonment probabilities of today. With it, each
  // nationality believes, for each service, a rate E / N of pseudo-counts: at the start N = prior_trips
  // and E = prior_factor x the true rate x prior_trips; each day both fade by exp(-1 / memory_days) and
  // gain news_share x yesterday's trips and outcomes of that nationality on the service (news from people
  // who went before), plus, for a campaign in force, trips_per_day x (1, the true rate).
  struct Campaign {
    std::string name;
    std::int32_t from_day = 0, to_day = 0;  // in force from .. to (inclusive)
    std::vector<std::size_t> services;      // the services it speaks of
    std::vector<country_id> nationalities;  // whom it reaches (empty: every nationality)
    double trips_per_day = 0;               // worth this many trips' true outcomes a day
    // As the scenario gives them: one or more service names, or a place (every service leaving it).
    std::vector<std::string> service_names;
    place_id place = -1;
  };
  struct Information {
    double prior_factor = 1.0;  // first impression: believed rate = prior_factor x the true rate
    double prior_trips = 100;   // weight of the first impression, in trips
    double news_share =
        0.1;  // share of trips (and their outcomes) that people of the same nationality hear of
    double memory_days = 90;  // beliefs fade with this time scale
    std::vector<Campaign> campaigns;
  };
  struct Enforcement {
    std::string name;
    std::int32_t day = 0;
    std::vector<std::size_t> services;  // the services it acts on
    std::vector<std::size_t> demand;    // the demand entries it acts on (a place target)
    double interception = -1;           // new interception probability (-1: unchanged)
    double death = -1;                  // new death probability (-1: unchanged)
    double removal = -1;                // new removal share (-1: unchanged)
    double capacity_factor = 1.0;       // seats multiplied by this
    double seats = -1;                  // seats set to this (-1: unchanged); opens or closes a pathway
    double demand_factor = 1.0;         // deterrence: departure demand multiplied by this
    // As the scenario gives them (the table binds to these; a derivation sets services, demand and the
    // changes above): the target, one or more service names or a place, and the new values given.
    std::vector<std::string> service_names;
    place_id place = -1;
    double new_interception = 0, new_death = 0, new_seats = 0, new_removal = 0;
    bool demand_factor_given = false;
  };
  std::vector<Demand> demand;
  std::vector<Service> services;
  std::vector<Enforcement> enforcement;
  // Places where the market takes every traveller of the run (not only its own demand) who holds no
  // permit and whose destination lies in another country, when some option there open to it leads into
  // that country.
  std::vector<place_id> crossing_points;
  Choice choice;
  bool informed = false;  // `information` given: beliefs differ from the true rates
  Information information;
  double give_up_after_interception = 0.3;  // intercepted people who go home instead of trying again
  double give_up_per_day = 0.0;             // waiting people who go home, per day
  double debt_share = 0.3;                  // of those who cannot pay, the share who go into debt to pay
  double recorded_death_share = 1.0;        // share of deaths that data sources record
  std::vector<std::string> country_codes;   // labels of the trafficking series
  std::vector<std::string> edge_names;      // labels of the deaths series (the routes, "A--B")
  std::vector<std::string> place_names;     // labels of the journey_choices series
  Demography demography;                    // sex and age band of the own demand's travellers, by origin

  // The parameter table (key paths, ranges, units, sources): read by io/, checked by validate(), printed
  // by `migrasim params`.
  static const ParamTableOf<SmugglingParams>& table();
  void validate(const World& world, std::int32_t days) const;
};

// Random-number purposes of the smuggling model (sim/rng.hpp); declared in declare().
namespace smuggling_purpose {
inline constexpr Purpose demand{56};
inline constexpr Purpose resources{57};
inline constexpr Purpose seat{58};
inline constexpr Purpose outcome{59};
inline constexpr Purpose choice{60};
inline constexpr Purpose demography{62};
}  // namespace smuggling_purpose

inline constexpr std::uint8_t no_service = 255;
// In the `service` column of a traveller who chose at home to set off rather than apply: its home is
// not offered the choice again.
inline constexpr std::uint8_t set_off_from_home = 254;

class SmugglingModel final : public Model, public CrossingMarket {
 public:
  explicit SmugglingModel(SmugglingParams params);
  std::string_view name() const override { return "smuggling"; }
  std::unique_ptr<Model> clone() const override { return std::make_unique<SmugglingModel>(*this); }
  bool checkpointable() const override { return true; }
  void save_state(StateWriter& out) const override;
  void load_state(StateReader& in, StepContext& ctx) override;
  void declare(Declarations& declared) override;
  void attach(StepContext& ctx) override;
  void on_start(StepContext& ctx) override;
  // Changeable mid-run: enforcement (the dated changes; those before the next day must stay as they were).
  void change_params(StepContext& ctx, const void* params) override;
  void spawn_counts(StepContext& ctx, std::vector<std::int64_t>& per_place) override;
  void init_agents(StepContext& ctx, std::size_t first, std::size_t last) override;
  void decide(StepContext& ctx) override;
  void move(StepContext& ctx) override;
  void update_status(StepContext& ctx) override;  // publishes the day's crossing values
  void declare_series(std::vector<SeriesSpec>& out) const override;
  void fill_series(StepContext& ctx, std::vector<std::vector<std::int64_t>>& values) override;
  // CrossingMarket: at a crossing point, a traveller of another driver with no permit, heading for
  // another country, for whom some service there is open today.
  bool takes(std::size_t i, place_id p, std::uint8_t flags) const override;

  // Quantities of the smuggling(time, service, quantity) series.
  enum Quantity : std::uint8_t {
    demand,  // people who chose the service today (and could pay)
    seats,
    seats_used,
    price_usd,
    revenue_usd,  // smugglers' revenue (0 for pathways and crossing alone)
    arrivals,
    intercepted,
    deaths,
    injured,
    abandoned,
    operators,  // operators that entered the market since the start
    removed,    // intercepted and removed (to the origin or a third country)
    quantity_count
  };
  // Kinds of the incidents(time, edge, kind) series.
  enum Incident : std::uint8_t { interception, death, injury_abuse, abandonment, incident_count };
  // Risks people hold beliefs about (the perceived_risk(time, service, nationality, risk) series).
  enum Risk : std::uint8_t { risk_death, risk_interception, risk_abandonment, risk_count };
  // Choices that end a journey at a place with options, or send it elsewhere (the
  // journey_choices(time, location, choice) series, when going back, staying or another destination
  // is an option).
  enum EndChoice : std::uint8_t { went_back, stayed, looked_elsewhere, end_choice_count };
  // Choices at home (the home_choices(time, service, choice) series, when a pathway is applied for from
  // home): applied for it, or set off towards its crossing point.
  enum HomeChoice : std::uint8_t { applied, set_off, home_choice_count };

 private:
  void apply_enforcement(std::int32_t day);
  // Today's beliefs from yesterday's news and the campaigns in force (information given).
  void update_beliefs(std::int32_t day);
  double true_rate(std::size_t k, std::size_t r) const {
    return r == risk_death          ? death_[k]
           : r == risk_interception ? interception_[k]
                                    : params_.services[k].abandonment;
  }
  // Believed rate of risk r on service k by nationality c (the true rate without information).
  double believed(std::size_t k, std::int16_t c, std::size_t r) const {
    if (!params_.informed || c < 0) return true_rate(k, r);
    const std::size_t at = k * countries_ + static_cast<std::size_t>(c);
    return heard_[at * (risk_count + 1) + 1 + r] / heard_[at * (risk_count + 1)];
  }
  void update_market(std::size_t k);
  // A pathway's queue: earlier applications first, ties by a keyed draw.
  static std::uint32_t queue_priority(std::int16_t since, std::uint32_t draw) {
    return (static_cast<std::uint32_t>(static_cast<std::int32_t>(since) + 32768) << 16) | (draw >> 16);
  }
  // Is agent i barred from service k today after a removal?
  bool barred(std::size_t k, const Population& pop, std::size_t i, std::int32_t day) const {
    const std::int32_t bar = params_.services[k].bar_after_removal_days;
    if (bar <= 0 || !removals_) return false;
    const std::int16_t on = pop[removed_on_][i];
    return on != min_stored_day && day - on <= bar;
  }
  bool open_to(std::size_t k, std::int16_t nationality) const {
    return open_[k] && (nationality_ok_.empty() ||
                        nationality_ok_[k * countries_ + static_cast<std::size_t>(nationality)]);
  }
  bool any_from_home() const {
    for (const auto& s : params_.services)
      if (s.from_home) return true;
    return false;
  }
  // Hands agent i back to its driver, which walks it on from where it is (sim/population.hpp, journey).
  static void release(Population& pop, std::size_t i) { pop.driver[i] = journey::driver_of(pop.driver[i]); }

  SmugglingParams params_;
  Column<float> resources_;          // shared: savings and help, spent on the fee
  Column<std::uint8_t> service_;     // the service chosen today; no_service none
  Column<std::int16_t> removed_on_;  // day of the last removal (min_stored_day: never); when removals exist
  bool removals_ = false;            // some service removes people
  FlagBit holds_permit_, in_debt_;   // holds_permit shared: set by a regular-pathway service
  CrossingOptions ways_;             // declared ways of crossing a border
  std::vector<double> seats_, price_, interception_, death_, removal_;  // [service] today
  std::vector<double> wait_days_;          // [service] expected wait for a seat, from yesterday's demand
  std::int32_t today_day_ = 0;             // the day decide() last ran (for takes())
  std::vector<std::int32_t> excess_days_;  // [service] consecutive days demand > seats
  std::vector<std::int32_t> margin_days_;  // [service] consecutive days of a high margin
  std::vector<std::int64_t> operators_;    // [service] operators entered so far
  std::vector<std::int64_t> requests_;     // [service] yesterday's, then today's demand
  std::vector<double> demand_factor_;      // [demand entry] deterrence
  std::vector<std::vector<std::uint8_t>> options_at_;      // [place] services leaving it
  std::vector<std::int32_t> demand_at_;                    // [place] demand entry, -1 none
  std::vector<std::int64_t> today_;                        // [service * quantity_count + q]
  std::vector<std::int64_t> incidents_;                    // [route * incident_count + kind] today
  std::vector<std::int64_t> deaths_edge_, recorded_edge_;  // [route] today
  std::vector<std::int64_t> trafficked_;                   // [country] today
  // Beliefs (information given): [(service * countries + nationality) * (risk_count + 1) + j], j = 0 the
  // trips heard of (N), 1 + r the outcomes of risk r among them (E); news_ counts yesterday's trips and
  // outcomes in the same layout.
  std::vector<double> heard_;
  std::vector<std::int64_t> news_;
  std::vector<std::int64_t> ended_;      // [place * end_choice_count + choice] today
  std::vector<std::uint64_t> admitted_;  // today's travellers
  std::vector<std::uint64_t> active_;    // own agents still waiting, by id
  std::vector<std::uint64_t> held_;      // travellers of other drivers the market holds today, by id
  // Pathways applied for from home: [place] those that travellers standing there at their place of
  // origin may apply for (their nationalities include the place's country, which is not the one the
  // pathway leads to); [place] 1 at the crossing points.
  std::vector<std::vector<std::uint8_t>> home_options_;
  std::vector<std::uint8_t> crossing_point_;
  std::vector<std::int64_t> home_choices_;  // [service * home_choice_count + choice] today
  std::vector<std::uint8_t> open_;  // [service] open today (seats, or alone; routes open or not needed)
  std::vector<std::uint8_t> nationality_ok_;  // [service * countries + country]; empty: all open to all
  std::size_t countries_ = 0;
  // Today's crossing values (CrossingMarket::crossing_value), when requested: [into * countries +
  // nationality] the sum of the choosers' log-sums in units of 1 / value_scale, and their number.
  static constexpr double value_scale = 1 << 20;
  std::vector<std::int64_t> value_sum_, value_n_;
  std::vector<Demography::Shares> shares_;  // [country of origin] of the own demand's travellers
  const Population* pop_ = nullptr;         // for takes(), set in attach
  const World* world_ = nullptr;
};

}  // namespace migrasim::models
