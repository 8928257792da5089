#pragma once
// Legal status and the administrative machinery that changes it (docs/models/legal_status.md):
// a stock of residents at the start; regular pathways (quota, queue, approval, fee, permit, circular
// return; people who give up waiting leave irregularly); regularisation programmes (one-off windows and
// permanent mechanisms) with take-up, documentation barrier, a first-come processing queue, no-shows and
// rejections; permits that expire and are renewed or turn into overstay; enforcement (apprehension,
// detention with a capacity, removal or release, voluntary return) and re-emigration after a return.
// Runs beside a movement model (it holds pathway applicants at origin and releases them) or alone.
#include <array>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <tbb/enumerable_thread_specific.h>

#include "models/demography.hpp"
#include "sim/model.hpp"
#include "sim/params.hpp"
#include "sim/registry.hpp"

namespace migrasim::models {

struct LegalParams {
  // A date not given (the table's raw date fields below; never a day the reader produces).
  static constexpr std::int32_t no_day = std::numeric_limits<std::int32_t>::min();
  struct Residents {
    place_id place = -1;     // where they live
    place_id origin = -1;    // a place in their country of nationality
    std::int64_t count = 0;  // persons
    LegalStatus status = LegalStatus::irregular;
    double resident_years_min = 0;  // entry dates spread uniformly over [min, max] years before day 0
    double resident_years_max = 5;
    std::int32_t permit_days = -1;  // for regular residents: permit length from a uniform remaining share
  };
  // One step of a multi-stage procedure (pre-registration, biometrics or interview, decision, document
  // delivery): a first-come queue with a dated daily capacity, its own no-show and rejection.
  struct Stage {
    std::string name;
    std::vector<DatedValue> per_day;  // applicants the stage handles per day, from each step's day on
    double no_show = 0;               // share of those handled who are absent (back to irregular)
    double rejection = 0;             // share of the present who are refused here
  };
  struct Programme {
    std::string name;
    country_id country = -1;
    bool permanent = false;                 // false: one-off window; true: standing mechanism
    std::int32_t open_day = 0;              // window (one-off) or start (permanent), simulation days
    std::int32_t close_day = 0;             // last day applications are taken (inclusive)
    std::int32_t cutoff_day = 0;            // one-off: entry into the country on or before this day
    std::int32_t min_residence_days = 0;    // days resident before applying (permanent: the N years)
    std::vector<country_id> nationalities;  // empty: all
    // The statuses whose holders may apply (empty: irregular and overstayer). A lawful status (regular,
    // temporary protection) is remembered while the application waits (as `applicant`) and given back
    // when it is refused or the applicant is absent.
    std::vector<LegalStatus> statuses;
    double eligible_share = 1;         // share meeting the other conditions (job contract, documents...)
    double take_up = 1;                // one-off: probability an eligible person applies during the window;
                                       // permanent: per year once eligible
    double information_campaign = 1;   // multiplies take-up (odds of applying), >= 0
    double enforcement_fear = 0;       // share of take-up lost to fear of enforcement, 0..1
    double documentation_barrier = 0;  // share of applications inadmissible (cannot prove eligibility)
    std::int32_t processing_per_day = 0;  // decisions per day; first come, first served
    double no_show = 0;                   // share of decisions where the applicant is absent
    double rejection = 0;                 // share of the others that are rejected
    std::int32_t permit_days = 365;       // length of the permit granted
    double renewal = 0;                   // probability a permit is renewed at expiry
    // A multi-stage procedure: when given, the applications pass the stages in order, at most one a
    // day, and those who pass the last are regularised (processing_per_day, no_show and rejection are
    // then not given).
    std::vector<Stage> stages;
    bool processing_given = false, no_show_given = false, rejection_given = false;
    // The keys as the scenario gives them, read by the table, whose derivation sets the fields above
    // (open_day, close_day, cutoff_day, min_residence_days); no_day / -1 where not given.
    std::int32_t window_open = no_day, window_close = no_day;  // one_off
    std::int32_t start_day = no_day;                           // permanent
    std::int32_t cutoff_date = no_day;                         // one_off
    double min_residence_years = -1;
  };
  // A regular pathway between countries (labour, family, humanitarian, study): would-be migrants who
  // qualify apply at origin instead of leaving, wait in a first-come queue, and leave with a permit when
  // approved; some give up waiting and leave irregularly.
  struct Pathway {
    std::string name;
    std::string permit_type;              // temporary_labour, seasonal_labour, circular_labour, family, ...
    country_id country = -1;              // destination country
    std::vector<country_id> origins;      // nationalities that may apply (empty: all)
    std::vector<std::uint8_t> age_bands;  // age bands that may apply (empty: all)
    int sex = -1;                         // -1 any, 0 female, 1 male
    double skills_share = 1;              // share with the required skills (a fixed draw per person)
    // Who of those who qualify applies rather than leaving at once: a fixed share (`apply_share`), or
    // the logit choice (`choice`: docs/models/legal_status.md) between applying (fee, approval chance
    // and the expected wait in the queue at a daily cost) and setting off irregularly.
    double apply_share = 1;
    bool apply_share_given = false, choice_given = false;
    double set_off_utility = 0;  // utility of setting off irregularly at once
    // ... or the crossing market's value of the options met at the crossing points into `country`
    // (CrossingMarket::crossing_value, by nationality), set_off_utility until one is known.
    bool set_off_from_crossings = false;
    double price_sensitivity = 0;      // logit weight of a cost, per 1000 USD
    double wait_cost_usd_per_day = 0;  // what a day of waiting costs (earnings forgone)
    std::int32_t open_day = 0;         // applications taken from ...
    std::int32_t close_day = std::numeric_limits<std::int32_t>::max();  // ... to (inclusive)
    std::int64_t quota_per_month = -1;    // approvals per calendar month (-1: no quota)
    std::int32_t processing_per_day = 0;  // decisions per day, first come first served
    double approval = 1;                  // share of decisions that approve
    double fee_usd = 0;  // paid from the applicant's resources (who cannot pay, cannot apply)
    std::int32_t permit_days = 365;
    double renewal = 0;                    // probability the permit is renewed at expiry
    bool circular = false;                 // at expiry without renewal: return home (else overstay)
    double give_up_per_day = 0;            // hazard of giving up and leaving irregularly, at push 1 ...
    double give_up_growth_per_year = 0;    // ... x (1 + growth x years waited) x push of the origin country
    double irregular_after_rejection = 0;  // rejected applicants who leave irregularly (the rest stay home)
    // A multi-stage procedure (pre-registration, biometrics or interview, decision, document delivery):
    // when given, the applications pass the stages in order, at most one a day, and those through the
    // last, within the monthly quota, are approved (processing_per_day and approval are then not given).
    // The absent and the refused at any stage are rejected: irregular_after_rejection applies.
    std::vector<Stage> stages;
    bool processing_given = false, approval_given = false;
  };
  // Enforcement in a country, in force from `from_day` to `until_day` (several entries per country may
  // follow each other; they may not overlap).
  struct Enforcement {
    country_id country = -1;
    std::int32_t from_day = 0;
    std::int32_t until_day = std::numeric_limits<std::int32_t>::max();
    double apprehension_per_day = 0;      // per irregular resident (irregular or overstayer), per day
    double apprehension_at_crossing = 0;  // per person entering the country without a permit
    std::int32_t detention_days = 30;
    double removal_share = 0.5;            // of the detained, removed to their origin; the rest released
    std::int64_t detention_capacity = -1;  // places in detention (-1: no limit); apprehended beyond it are
                                           // not detained
    double voluntary_return_per_day = 0;   // per irregular resident, per day: goes home of their own accord
  };
  // People back in their country of origin (removed, returned of their own accord, or after a circular
  // permit) who emigrate again: a share, once, `delay_days` after their return. Only agents of a movement
  // model (with a destination) are concerned.
  struct Reemigration {
    double share = 0;
    std::int32_t delay_days = 365;
  };
  std::vector<Residents> residents;
  // Sex and age band of the residents, by their country of nationality (docs/models/demography.md): by
  // default an assumption, adults of working age, half women, 18-34 or 35-59 in equal shares.
  Demography demography{{0.5, {0, 0.5, 0.5, 0}}, {}};
  std::vector<Programme> programmes;
  std::vector<Pathway> pathways;  // programme index space: programmes first, then pathways
  std::vector<Enforcement> enforcement;
  Reemigration reemigration;
  std::vector<std::vector<DatedValue>> push;  // [country] the movement model's push index, may be empty
  std::vector<std::int32_t> month_starts;     // simulation days on which a calendar month begins, ascending
  std::vector<std::string> country_codes;     // labels of the `country` dimension of the transitions series
  std::int32_t visa_permit_days = 365;        // permit length given to people arriving with a visa
  double visa_renewal = 0.5;                  // renewal probability of those permits

  // The parameter table (key paths, ranges, units, sources): read by io/, checked by validate(), printed
  // by `migrasim params`.
  static const ParamTableOf<LegalParams>& table();
  // Throws InputError naming the parameter, the bad value and what was expected.
  void validate(const World& world, std::int32_t days) const;
  // Once read (sim/registry.hpp): the calendar's month starts (quotas count calendar months) and the
  // economic model's push index when it runs (giving up follows the push at origin).
  void resolve(ScenarioContext& ctx);
};

// Random-number purposes of the legal model (sim/rng.hpp); declared in declare().
namespace legal_purpose {
inline constexpr Purpose residents{48};
inline constexpr Purpose apply{50};
inline constexpr Purpose queue{52};
inline constexpr Purpose decision{53};
inline constexpr Purpose permit{54};
inline constexpr Purpose enforcement{55};
inline constexpr Purpose eligibility_base{64};
inline constexpr Purpose pathway_apply{320};
inline constexpr Purpose give_up{321};
inline constexpr Purpose reemigration{323};
inline constexpr Purpose detention_priority{324};
}  // namespace legal_purpose

inline constexpr std::uint8_t no_programme = 255;

class LegalStatusModel final : public Model {
 public:
  explicit LegalStatusModel(LegalParams params);
  std::string_view name() const override { return "legal"; }
  std::unique_ptr<Model> clone() const override { return std::make_unique<LegalStatusModel>(*this); }
  bool checkpointable() const override { return true; }
  void save_state(StateWriter& out) const override;
  void load_state(StateReader& in, StepContext& ctx) override;
  void declare(Declarations& declared) override;
  void on_start(StepContext& ctx) override;
  // Changeable mid-run (pathways[].quota_per_month and processing_per_day;
  // enforcement[].apprehension_per_day, removal_share, detention_capacity): read afresh each day.
  void change_params(StepContext& ctx, const void* params) override {
    LegalParams p = *static_cast<const LegalParams*>(params);
    p.validate(ctx.world(), ctx.days());
    params_ = std::move(p);
  }
  void spawn_counts(StepContext& ctx, std::vector<std::int64_t>& per_place) override;
  void init_agents(StepContext& ctx, std::size_t first, std::size_t last) override;
  void decide(StepContext& ctx) override;
  void update_status(StepContext& ctx) override;
  void declare_series(std::vector<SeriesSpec>& out) const override;
  void fill_series(StepContext& ctx, std::vector<std::vector<std::int64_t>>& values) override;

  // Transitions counted per country and day (the `transition` dimension of the output).
  enum Transition : std::uint8_t {
    applied,
    inadmissible,
    regularised,
    rejected,
    absent,
    permit_renewed,
    became_overstayer,
    apprehended,
    removed,
    released,
    pathway_applied,  // counted under the pathway's destination country, as the next three
    pathway_approved,
    pathway_rejected,
    gave_up_irregular,  // left the pathway queue to travel irregularly
    circular_return,    // a circular permit ended: back home
    voluntary_return,
    not_detained_full,        // apprehended, but detention was full
    reemigrated,              // counted under the country of origin
    apprehended_at_crossing,  // entering the country without a permit (detained on the way)
    arrived_irregular,        // settled today in this country without a permit (moved by another model)
    arrived_regular,          // ... with a permit
    transition_count
  };
  // Per stage of a multi-stage procedure and day (the programme_stages(time, stage, quantity) series).
  enum StageQuantity : std::uint8_t {
    stage_waiting,
    stage_passed,
    stage_absent,
    stage_rejected,
    stage_quantity_count
  };
  // Decisions per programme and day (the `outcome` dimension).
  // `decided_within_365_days`: decisions made within 365 days of the application.
  enum Outcome : std::uint8_t {
    application,
    outcome_inadmissible,
    approved,
    outcome_rejected,
    outcome_absent,
    decided_within_365_days,
    gave_up,  // pathways: left the queue to travel irregularly
    outcome_count
  };

 private:
  struct Counters {
    std::vector<std::int64_t> transitions;               // [country * transition_count + t]
    std::vector<std::int64_t> decisions;                 // [programme * outcome_count + o]
    std::vector<std::vector<std::uint64_t>> applicants;  // [programme] agents who applied today
    std::vector<std::vector<std::uint64_t>> detain;      // [country] apprehended, awaiting a detention place
    std::vector<std::int64_t> detained_now;              // [country] in detention after today's releases
  };
  Counters& local(std::size_t countries);

  double push(country_id c, std::int32_t day) const;
  static void join_queue(std::deque<std::uint64_t>& queue, const std::vector<std::uint64_t>& today,
                         const KeyedRng& rng, std::int32_t day);
  // The enforcement entry of a country in force on `day` (nullptr: none), and the one whose detention rule
  // applies to people detained there (the entry in force, else the latest that began).
  const LegalParams::Enforcement* in_force(country_id c, std::int32_t day) const;
  const LegalParams::Enforcement* detention_rule(country_id c, std::int32_t day) const;

  // The model's view of the agent columns it uses, taken at the start of each phase.
  struct Columns {
    std::int32_t* permit_until;  // last day of the permit held; -1 none (or unlimited)
    std::uint8_t* programme;     // programmes: [0, programmes); pathways: programmes + index; no_programme
    float* resources;            // shared: savings and help (fees)
    std::uint8_t* applied_from;  // the lawful status an applicant holds while waiting (null: none declared)
  };
  // Who may apply to programme k: a bit per LegalStatus.
  static std::uint32_t admits(const LegalParams::Programme& pr);
  // Where a programme's application ends without a permit (absent, refused): back to the lawful
  // status held before applying, else irregular.
  static LegalStatus refused_status(const Columns& col, std::uint64_t a);
  Columns columns(Population& pop) const;
  // The stages of programme or pathway k (programmes first, then pathways).
  const std::vector<LegalParams::Stage>& stages_of(std::size_t k) const {
    return k < params_.programmes.size() ? params_.programmes[k].stages
                                         : params_.pathways[k - params_.programmes.size()].stages;
  }
  // Today's work of the multi-stage procedure of programme or pathway k: each stage, from the last to
  // the first (so that an application passes at most one stage a day), handles up to its capacity from
  // its queue, first come first served, skipping applications no longer `waiting(a)`. An application
  // ends absent, refused, or through the last stage (while `may_pass()`): `end(a, outcome, draws)`
  // with outcome outcome_absent, outcome_rejected or approved and the stage's draws. The last stage's
  // draws are those of a one-stage decision.
  template <class Waiting, class MayPass, class End>
  void work_stages(std::size_t k, const KeyedRng& rng, std::int32_t day, Waiting waiting, MayPass may_pass,
                   End end);
  // The applications of programme or pathway k waiting at any stage.
  std::size_t waiting_at_any_stage(std::size_t k) const;

  LegalParams params_;
  Column<std::int32_t> permit_until_;
  Column<std::uint8_t> programme_;
  Column<float> resources_;
  Column<std::uint8_t> applied_from_;  // declared when a programme admits a lawful status
  bool lawful_applicants_ = false;
  std::vector<std::uint32_t> programme_admits_;  // [programme] admits()
  std::uint32_t admitted_statuses_ = 0;          // their union
  FlagBit holds_permit_;
  std::vector<std::int64_t> residents_at_;       // [place] residents created on day 0
  std::size_t seen_ = 0;                         // agents created before today (pathways: new ones apply)
  std::vector<std::int64_t> approved_in_month_;  // [pathway] approvals in the current calendar month
  std::int32_t month_ = -1;                      // index of the current calendar month
  std::vector<std::int64_t> pathway_transitions_, pathway_decisions_;  // today's, from decide()
  // [programme or pathway][stage - 1] the queues of a multi-stage procedure's later stages (stage 0 is
  // queue_).
  std::vector<std::vector<std::deque<std::uint64_t>>> later_stages_;
  // [stage of any programme or pathway, in that order][stage_quantity_count] today (programme_stages).
  std::vector<std::int64_t> stages_today_;
  std::vector<std::size_t> first_stage_;  // [programme or pathway] index of its first stage in stages_today_
  std::vector<std::deque<std::uint64_t>> queue_;  // [programme] admissible applications, first come first
  std::vector<std::int64_t> transitions_today_, decisions_today_;
  tbb::enumerable_thread_specific<Counters> counters_;
  std::size_t countries_ = 0;
};

}  // namespace migrasim::models
