#pragma once
// Legal status and the administrative machinery that changes it (docs/models/legal_status.md):
// a stock of residents at the start, regularisation programmes (one-off windows and permanent
// mechanisms) with take-up, documentation barrier, a first-come processing queue, no-shows and
// rejections; permits that expire and are renewed or turn into overstay; enforcement (apprehension,
// detention, removal or release). Runs beside a movement model or alone.
#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <tbb/enumerable_thread_specific.h>

#include "sim/model.hpp"

namespace migrasim::models {

struct LegalParams {
  struct Residents {
    place_id place = -1;     // where they live
    place_id origin = -1;    // a place in their country of nationality
    std::int64_t count = 0;  // persons
    LegalStatus status = LegalStatus::irregular;
    double resident_years_min = 0;  // entry dates spread uniformly over [min, max] years before day 0
    double resident_years_max = 5;
    std::int32_t permit_days = -1;  // for regular residents: permit length from a uniform remaining share
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
    double eligible_share = 1;              // share meeting the other conditions (job contract, documents...)
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
  };
  struct Enforcement {
    country_id country = -1;
    double apprehension_per_day = 0;  // per irregular resident (irregular or overstayer), per day
    std::int32_t detention_days = 30;
    double removal_share = 0.5;  // of the detained, removed to their origin; the rest released
  };
  std::vector<Residents> residents;
  std::vector<Programme> programmes;
  std::vector<Enforcement> enforcement;
  std::vector<std::string> country_codes;  // labels of the `country` dimension of the transitions series
  std::int32_t visa_permit_days = 365;     // permit length given to people arriving with a visa
  double visa_renewal = 0.5;               // renewal probability of those permits

  void validate(const World& world, std::int32_t days) const;
};

class LegalStatusModel final : public Model {
 public:
  explicit LegalStatusModel(LegalParams params);
  std::string_view name() const override { return "legal"; }
  void on_start(StepContext& ctx) override;
  void spawn_counts(StepContext& ctx, std::vector<std::int64_t>& per_place) override;
  void init_agents(StepContext& ctx, std::size_t first, std::size_t last) override;
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
    transition_count
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
    outcome_count
  };

 private:
  struct Counters {
    std::vector<std::int64_t> transitions;               // [country * transition_count + t]
    std::vector<std::int64_t> decisions;                 // [programme * outcome_count + o]
    std::vector<std::vector<std::uint64_t>> applicants;  // [programme] agents who applied today
  };
  Counters& local(std::size_t countries);

  LegalParams params_;
  std::vector<std::int64_t> residents_at_;        // [place] residents created on day 0
  std::vector<std::deque<std::uint64_t>> queue_;  // [programme] admissible applications, first come first
  std::vector<std::int64_t> transitions_today_, decisions_today_;
  tbb::enumerable_thread_specific<Counters> counters_;
  std::size_t countries_ = 0;
};

}  // namespace migrasim::models
