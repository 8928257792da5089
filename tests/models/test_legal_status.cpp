#include <numeric>

#include <tbb/global_control.h>
#include <catch2/catch.hpp>

#include "../test_worlds.hpp"
#include "io/param_reader.hpp"
#include "io/yaml_tree.hpp"
#include "models/legal_status.hpp"
#include "models/smuggling.hpp"
#include "sim/errors.hpp"
#include "sim/memory_recorder.hpp"
#include "sim/simulation.hpp"

using namespace migrasim;
using models::LegalParams;
using models::LegalStatusModel;

namespace {

// A destination country (DST, city C) and a country of origin (ORI, town O).
std::shared_ptr<const World> two_countries() {
  std::vector<Country> countries{{"DST", "Destination"}, {"ORI", "Origin"}};
  std::vector<Place> places(2);
  places[0].name = "C";
  places[0].country = 0;
  places[0].kind = PlaceKind::destination;
  places[1].name = "O";
  places[1].country = 1;
  return std::make_shared<const World>(countries, places, std::vector<Route>{});
}

LegalParams base_params(std::int64_t residents) {
  LegalParams p;
  p.country_codes = {"DST", "ORI"};
  LegalParams::Residents r;
  r.place = 0;
  r.origin = 1;
  r.count = residents;
  r.resident_years_min = 0;
  r.resident_years_max = 4;
  p.residents.push_back(r);
  return p;
}

LegalParams::Programme one_off(std::int32_t open, std::int32_t close, std::int32_t capacity) {
  LegalParams::Programme pr;
  pr.name = "amnesty";
  pr.country = 0;
  pr.open_day = open;
  pr.close_day = close;
  pr.cutoff_day = 0;
  pr.take_up = 0.8;
  pr.eligible_share = 0.5;
  pr.documentation_barrier = 0.1;
  pr.processing_per_day = capacity;
  pr.no_show = 0.05;
  pr.rejection = 0.2;
  pr.permit_days = 30;
  pr.renewal = 0.5;
  return pr;
}

LegalParams::Enforcement enforcement(double per_day, std::int32_t detention_days, double removal) {
  LegalParams::Enforcement e;
  e.country = 0;
  e.apprehension_per_day = per_day;
  e.detention_days = detention_days;
  e.removal_share = removal;
  return e;
}

struct Run {
  std::unique_ptr<MemoryRecorder> rec = std::make_unique<MemoryRecorder>();
  std::unique_ptr<Simulation> sim;
};

Run run(const LegalParams& p, std::int32_t days, int threads = 2, std::uint64_t seed = 9) {
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<LegalStatusModel>(p));
  Run r;
  r.sim = std::make_unique<Simulation>(two_countries(), Schedule{}, std::move(models),
                                       SimulationConfig{seed, days, threads, "2020-01-01"});
  r.sim->add_recorder(r.rec.get());
  r.sim->run();
  return r;
}

// Sum of a series over days: values [day][...] flattened, `width` values per day, column `k`.
std::int64_t total(const std::vector<std::int64_t>& v, std::size_t width, std::size_t k) {
  std::int64_t s = 0;
  for (std::size_t i = k; i < v.size(); i += width) s += v[i];
  return s;
}

}  // namespace

TEST_CASE("a one-off programme takes applications in its window and decides them first come first served",
          "[models][legal]") {
  LegalParams p = base_params(20000);
  p.programmes.push_back(one_off(10, 19, 300));
  Run r = run(p, 120);
  REQUIRE(r.rec->series.size() == 3);
  const auto& dec = r.rec->series[1];  // programme_decisions (programme, outcome)
  const std::size_t w = LegalStatusModel::outcome_count;
  const std::int64_t apps = total(dec, w, LegalStatusModel::application);
  // Everyone entered before day 0 (the cutoff): 20,000 x eligible 0.5 x take-up 0.8 = 8,000 expected.
  CHECK(static_cast<double>(apps) == Approx(8000).epsilon(0.04));
  // No application outside the window.
  for (std::size_t d = 0; d < 120; ++d)
    if (d < 10 || d > 19) CHECK(dec[d * w + LegalStatusModel::application] == 0);
  const std::int64_t inadmissible = total(dec, w, LegalStatusModel::outcome_inadmissible);
  CHECK(static_cast<double>(inadmissible) / static_cast<double>(apps) == Approx(0.1).margin(0.015));
  // At most `processing_per_day` decisions a day.
  for (std::size_t d = 0; d < 120; ++d) {
    const std::int64_t decided = dec[d * w + LegalStatusModel::approved] +
                                 dec[d * w + LegalStatusModel::outcome_rejected] +
                                 dec[d * w + LegalStatusModel::outcome_absent];
    CHECK(decided <= 300);
  }
  const std::int64_t approved = total(dec, w, LegalStatusModel::approved);
  const std::int64_t rejected = total(dec, w, LegalStatusModel::outcome_rejected);
  const std::int64_t absent = total(dec, w, LegalStatusModel::outcome_absent);
  // Every admissible application is decided (7,200 admissible at 300 a day take 24 days).
  CHECK(approved + rejected + absent == apps - inadmissible);
  CHECK(static_cast<double>(absent) / static_cast<double>(approved + rejected + absent) ==
        Approx(0.05).margin(0.01));
  CHECK(static_cast<double>(rejected) / static_cast<double>(approved + rejected) == Approx(0.2).margin(0.02));
  // The queue peaks at the window's end and empties.
  const auto& queue = r.rec->series[0];
  CHECK(queue[19] > queue[10]);
  CHECK(queue[119] == 0);
}

TEST_CASE("a programme may admit regular residents: their status waits with them and comes back if refused",
          "[models][legal]") {
  // 10,000 irregular and 10,000 regular residents (permits without end) at C.
  LegalParams p = base_params(10000);
  LegalParams::Residents regular = p.residents[0];
  regular.status = LegalStatus::regular;
  p.residents.push_back(regular);
  auto pr = one_off(5, 5, 500);  // applications on day 5 only, 500 decisions a day
  pr.take_up = 1;
  pr.eligible_share = 1;
  pr.documentation_barrier = 0;
  pr.no_show = 0.1;
  pr.rejection = 0.3;
  pr.permit_days = 365;
  const std::size_t ls = legal_status_count;
  auto at_c = [&](const Run& r, std::size_t day, LegalStatus s) {
    return r.rec->population[(day * 2 + 0) * ls + static_cast<std::size_t>(s)];
  };
  const std::size_t w = LegalStatusModel::outcome_count;
  SECTION("by default only irregular residents and overstayers apply") {
    p.programmes.push_back(pr);
    Run r = run(p, 40);
    CHECK(total(r.rec->series[1], w, LegalStatusModel::application) == 10000);
    CHECK(at_c(r, 39, LegalStatus::regular) == 10000);
    CHECK(at_c(r, 39, LegalStatus::applicant) == 0);
    // The refused and absent irregular applicants are irregular again.
    CHECK(at_c(r, 39, LegalStatus::irregular) + at_c(r, 39, LegalStatus::regularised) == 10000);
  }
  SECTION("statuses: [regular] admits the regular residents only") {
    pr.statuses = {LegalStatus::regular};
    p.programmes.push_back(pr);
    Run r = run(p, 40);
    const auto& dec = r.rec->series[1];
    CHECK(total(dec, w, LegalStatusModel::application) == 10000);
    const std::int64_t approved = total(dec, w, LegalStatusModel::approved);
    CHECK(static_cast<double>(approved) == Approx(10000 * 0.9 * 0.7).epsilon(0.04));
    // While the queue waits (500 a day over 20 days), the applicants are applicants, not irregular.
    CHECK(at_c(r, 10, LegalStatus::applicant) > 5000);
    CHECK(at_c(r, 10, LegalStatus::irregular) == 10000);
    // All decided by day 25: the refused and absent hold their regular status again, nobody became
    // irregular, the irregular residents did not apply.
    CHECK(at_c(r, 39, LegalStatus::applicant) == 0);
    CHECK(at_c(r, 39, LegalStatus::regularised) == approved);
    CHECK(at_c(r, 39, LegalStatus::regular) == 10000 - approved);
    CHECK(at_c(r, 39, LegalStatus::irregular) == 10000);
  }
  SECTION("a permit that ends while the application waits: renewed or overstayed once refused") {
    p.residents[1].permit_days = 10;  // every regular resident's permit ends within 10 days
    p.visa_renewal = 0.5;
    pr.statuses = {LegalStatus::regular, LegalStatus::irregular};
    pr.no_show = 0;
    pr.rejection = 1;
    pr.processing_per_day = 2000;  // 20,000 applications decided on days 5-14
    p.programmes.push_back(pr);
    Run r = run(p, 40);
    // Permits ending before day 5 were renewed or overstayed before applying; the rest wait as
    // applicants and are refused: back to regular, then renewed or overstayers at the end of the permit.
    CHECK(at_c(r, 39, LegalStatus::applicant) == 0);
    CHECK(at_c(r, 39, LegalStatus::regularised) == 0);
    const std::int64_t regular_now = at_c(r, 39, LegalStatus::regular);
    const std::int64_t overstayers = at_c(r, 39, LegalStatus::overstayer);
    // The irregular residents are refused back to irregular; overstayers who applied too.
    CHECK(regular_now + overstayers + at_c(r, 39, LegalStatus::irregular) == 20000);
    CHECK(static_cast<double>(regular_now) == Approx(5000).epsilon(0.05));
    CHECK(at_c(r, 39, LegalStatus::irregular) >= 10000);
  }
}

TEST_CASE("permits expire: renewed or overstayed", "[models][legal]") {
  LegalParams p = base_params(20000);
  p.programmes.push_back(one_off(0, 0, 100000));  // everyone decided on day 0, permits of 30 days
  p.programmes[0].take_up = 1;
  p.programmes[0].eligible_share = 1;
  p.programmes[0].documentation_barrier = 0;
  p.programmes[0].no_show = 0;
  p.programmes[0].rejection = 0;
  Run r = run(p, 40);
  const auto& tr = r.rec->series[2];  // transitions (country, transition)
  const std::size_t w = LegalStatusModel::transition_count;
  const std::int64_t regularised = total(tr, 2 * w, LegalStatusModel::regularised);
  const std::int64_t renewed = total(tr, 2 * w, LegalStatusModel::permit_renewed);
  const std::int64_t overstay = total(tr, 2 * w, LegalStatusModel::became_overstayer);
  CHECK(regularised == 20000);
  CHECK(renewed + overstay == 20000);  // all permits expired on day 30
  CHECK(static_cast<double>(renewed) / 20000.0 == Approx(0.5).margin(0.02));
}

TEST_CASE("enforcement apprehends, detains, then removes or releases", "[models][legal]") {
  LegalParams p = base_params(50000);
  p.enforcement.push_back(enforcement(0.01, 10, 0.6));
  Run r = run(p, 60);
  const auto& tr = r.rec->series[2];
  const std::size_t w = LegalStatusModel::transition_count;
  const std::int64_t apprehended = total(tr, 2 * w, LegalStatusModel::apprehended);
  const std::int64_t removed = total(tr, 2 * w, LegalStatusModel::removed);
  const std::int64_t released = total(tr, 2 * w, LegalStatusModel::released);
  CHECK(apprehended > 15000);  // about 1 % a day of those at large
  CHECK(static_cast<double>(removed) / static_cast<double>(removed + released) == Approx(0.6).margin(0.02));
  // The removed are back at their origin with status returned.
  const Population& pop = r.sim->population();
  std::int64_t returned_home = 0;
  for (std::size_t i = 0; i < pop.size(); ++i)
    if (pop.legal_status[i] == LegalStatus::returned) {
      CHECK(pop.place[i] == 1);
      ++returned_home;
    }
  CHECK(returned_home == removed);
}

TEST_CASE("legal-status results do not depend on threads", "[models][legal][determinism]") {
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 8);
  LegalParams p = base_params(30000);
  p.programmes.push_back(one_off(5, 15, 500));
  p.enforcement.push_back(enforcement(0.002, 10, 0.5));
  Run a = run(p, 60, 1), b = run(p, 60, 8);
  CHECK(a.rec->series == b.rec->series);
  CHECK(a.rec->population == b.rec->population);
  CHECK(a.sim->population().legal_status == b.sim->population().legal_status);
}

TEST_CASE("legal-status parameters are validated", "[models][legal]") {
  auto w = two_countries();
  LegalParams bad_window = base_params(10);
  bad_window.programmes.push_back(one_off(20, 10, 5));
  CHECK_THROWS_WITH(bad_window.validate(*w, 30),
                    Catch::Contains("closes") && Catch::Contains("before it opens"));
  LegalParams bad_rate = base_params(10);
  bad_rate.programmes.push_back(one_off(1, 10, 5));
  bad_rate.programmes[0].rejection = 1.5;
  CHECK_THROWS_AS(bad_rate.validate(*w, 30), InputError);
  CHECK_THROWS_WITH(bad_rate.validate(*w, 30),
                    "behaviour.legal.programmes[0].rejection = 1.5: expected a share in [0, 1]");
  LegalParams bad_quota = base_params(10);
  bad_quota.programmes.push_back(one_off(1, 10, -5));
  CHECK_THROWS_WITH(bad_quota.validate(*w, 30),
                    "behaviour.legal.programmes[0].processing_per_day = -5: "
                    "expected an integer in [0, 2147483647] (decisions/day)");
  // -1 means "no quota" / "no limit" / "no permit" (the defaults); nothing else below the range.
  LegalParams unset = base_params(10);
  unset.pathways.push_back(LegalParams::Pathway{});
  unset.pathways[0].name = "p";
  unset.pathways[0].country = 0;
  unset.enforcement.push_back(enforcement(0.001, 10, 0.5));
  CHECK_NOTHROW(unset.validate(*w, 30));
  unset.pathways[0].quota_per_month = -2;
  CHECK_THROWS_WITH(unset.validate(*w, 30),
                    "behaviour.legal.pathways[0].quota_per_month = -2: expected an "
                    "integer in [0, 1000000000] (approvals/month)");
  unset.pathways[0].quota_per_month = -1;
  unset.residents[0].permit_days = 0;
  CHECK_THROWS_WITH(unset.validate(*w, 30), Catch::Contains("residents[0].permit_days = 0"));
  unset.residents[0].permit_days = -1;
  // Checks across entries and keys apply to parameters built in code too.
  unset.enforcement.push_back(enforcement(0.002, 10, 0.5));
  CHECK_THROWS_WITH(
      unset.validate(*w, 30),
      "behaviour.legal.enforcement[1].country: another enforcement entry for this country is in "
      "force on the same days (give from/until)");
  unset.enforcement[0].until_day = 9;
  unset.enforcement[1].from_day = 10;
  CHECK_NOTHROW(unset.validate(*w, 30));
  unset.enforcement[1].voluntary_return_per_day = 0.999;
  CHECK_THROWS_WITH(
      unset.validate(*w, 30),
      "behaviour.legal.enforcement[1]: apprehension_per_day + voluntary_return_per_day must not "
      "exceed 1");
  unset.enforcement[1].voluntary_return_per_day = 0;
  unset.programmes.push_back(one_off(1, 10, 5));
  unset.pathways[0].name = "amnesty";
  CHECK_THROWS_WITH(unset.validate(*w, 30),
                    "behaviour.legal.pathways[0].name: 'amnesty' names a programme too");
}

TEST_CASE("the simulation exposes the model's series of the last day", "[models][legal]") {
  LegalParams p = base_params(2000);
  p.programmes.push_back(one_off(0, 5, 50));
  Run r = run(p, 8);
  const auto& specs = r.sim->series_specs();
  REQUIRE(specs.size() == 3);
  CHECK(specs[0].name == "programme_queue");
  CHECK(specs[1].dims == std::vector<std::string>{"programme", "outcome"});
  CHECK(specs[2].coords[0] == std::vector<std::string>{"DST", "ORI"});
  const auto& last = r.sim->series_values();
  const std::size_t w = specs[1].size();
  const std::vector<std::int64_t> recorded(r.rec->series[1].end() - static_cast<std::ptrdiff_t>(w),
                                           r.rec->series[1].end());
  CHECK(last[1] == recorded);
  CHECK(last[0][0] == r.rec->series[0].back());
}

namespace {

// The corridor world with the economic model (1,000 would-be migrants a day from O1 and O2, no visas)
// and the legal model with one pathway to DST.
struct PathwayRun {
  std::unique_ptr<MemoryRecorder> rec = std::make_unique<MemoryRecorder>();
  std::unique_ptr<Simulation> sim;
  std::shared_ptr<const World> world = test::corridor_world();
};

LegalParams::Pathway labour_pathway() {
  LegalParams::Pathway pw;
  pw.name = "labour";
  pw.permit_type = "circular_labour";
  pw.country = 1;
  pw.apply_share = 0.5;
  pw.processing_per_day = 200;
  pw.quota_per_month = 2000;
  pw.approval = 0.75;
  pw.permit_days = 20;
  pw.circular = true;
  return pw;
}

PathwayRun run_corridor(LegalParams lp, std::int32_t days, int threads = 2) {
  PathwayRun r;
  auto econ = test::corridor_params(*r.world, 1e-3);
  econ.visa_share = {0.0, 0.0};
  lp.country_codes = {"ORI", "DST"};
  lp.month_starts = {31, 60};  // 2020-02-01 and 2020-03-01
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<models::EconomicModel>(econ));
  models.push_back(std::make_unique<LegalStatusModel>(lp));
  r.sim = std::make_unique<Simulation>(r.world, Schedule{}, std::move(models),
                                       SimulationConfig{3, days, threads, "2020-01-01"});
  r.sim->add_recorder(r.rec.get());
  r.sim->run();
  return r;
}

PathwayRun run_pathway(const LegalParams::Pathway& pw, std::int32_t days, int threads = 2,
                       double reemigration = 0) {
  LegalParams lp;
  lp.pathways.push_back(pw);
  lp.reemigration.share = reemigration;
  lp.reemigration.delay_days = 5;
  return run_corridor(lp, days, threads);
}

std::int64_t transitions(const MemoryRecorder& r, std::size_t country, LegalStatusModel::Transition t,
                         std::size_t from = 0, std::size_t to = 1u << 30) {
  const std::size_t w = 2 * LegalStatusModel::transition_count;
  std::int64_t s = 0;
  for (std::size_t d = from; d < std::min<std::size_t>(to, r.series[2].size() / w); ++d)
    s += r.series[2][d * w + country * LegalStatusModel::transition_count + t];
  return s;
}

}  // namespace

TEST_CASE("a regular pathway: applications at origin, a first-come queue, monthly quota, permits",
          "[models][legal][pathway]") {
  auto r = run_pathway(labour_pathway(), 70);
  const std::size_t oc = LegalStatusModel::outcome_count;
  // Approvals never exceed the monthly quota (January: days 0-30, February: 31-59).
  const auto approved_jan = transitions(*r.rec, 1, LegalStatusModel::pathway_approved, 0, 31);
  const auto approved_feb = transitions(*r.rec, 1, LegalStatusModel::pathway_approved, 31, 60);
  CHECK(approved_jan <= 2000);
  CHECK(approved_feb == 2000);  // the queue is long enough to fill it
  // Processing: at most 200 decisions a day.
  for (std::size_t d = 0; d < 70; ++d) {
    const auto* dec = &r.rec->series[1][d * oc];
    CHECK(dec[LegalStatusModel::approved] + dec[LegalStatusModel::outcome_rejected] <= 200);
  }
  // About half of the would-be migrants apply instead of leaving, three quarters of decisions approve.
  const auto applied = transitions(*r.rec, 1, LegalStatusModel::pathway_applied);
  const auto rejected = transitions(*r.rec, 1, LegalStatusModel::pathway_rejected);
  const auto approved = transitions(*r.rec, 1, LegalStatusModel::pathway_approved);
  std::int64_t spawned = 0;
  for (auto v : r.rec->spawned) spawned += v;
  CHECK(static_cast<double>(applied) / static_cast<double>(spawned) == Approx(0.5).margin(0.03));
  CHECK(static_cast<double>(approved) / static_cast<double>(approved + rejected) ==
        Approx(0.75).margin(0.03));
  // The queue holds what was neither decided nor abandoned.
  CHECK(r.rec->series[0].back() == applied - approved - rejected);
  // Applicants wait at origin (status applicant); the approved travel with a permit and arrive regular;
  // circular permits (20 days) end with a return home.
  const std::size_t ls = legal_status_count, places = 7;
  auto at = [&](std::size_t day, std::size_t place, LegalStatus s) {
    return r.rec->population[(day * places + place) * ls + static_cast<std::size_t>(s)];
  };
  CHECK(at(69, 0, LegalStatus::applicant) + at(69, 1, LegalStatus::applicant) == r.rec->series[0].back());
  CHECK(at(69, 4, LegalStatus::regular) + at(69, 5, LegalStatus::regular) > 0);
  CHECK(transitions(*r.rec, 1, LegalStatusModel::circular_return) > 0);
  // Arrivals are counted: with a permit (the approved) and without (those who never applied).
  CHECK(transitions(*r.rec, 1, LegalStatusModel::arrived_regular) > 0);
  CHECK(transitions(*r.rec, 1, LegalStatusModel::arrived_regular) <= approved);
  CHECK(transitions(*r.rec, 1, LegalStatusModel::arrived_irregular) > 0);
  CHECK(at(69, 0, LegalStatus::returned) + at(69, 1, LegalStatus::returned) ==
        transitions(*r.rec, 1, LegalStatusModel::circular_return));
}

TEST_CASE("who applies may be chosen: the longer the queue, the fewer apply", "[models][legal][pathway]") {
  // Applying is worth ln(approval) - fee and the wait at 1,000 USD a day (per 1000 USD); setting off -5:
  // people apply while the expected wait is short, and the queue settles where the day's applicants
  // match the day's decisions. A pathway that decides twice as fast draws about twice the applicants.
  auto pw = labour_pathway();
  pw.choice_given = true;
  pw.quota_per_month = -1;
  pw.approval = 1;
  pw.set_off_utility = -5;
  pw.price_sensitivity = 1;
  pw.wait_cost_usd_per_day = 1000;
  auto applied_per_day = [](const PathwayRun& r) {  // days 20-59: settled
    return static_cast<double>(transitions(*r.rec, 1, LegalStatusModel::pathway_applied, 20, 60)) / 40;
  };
  auto queue_mean = [](const PathwayRun& r) {
    double q = 0;
    for (std::size_t d = 20; d < 60; ++d) q += static_cast<double>(r.rec->series[0][d]);
    return q / 40;
  };
  pw.processing_per_day = 100;
  auto slow = run_pathway(pw, 60);
  pw.processing_per_day = 200;
  auto fast = run_pathway(pw, 60);
  CHECK(applied_per_day(slow) == Approx(100).margin(10));
  CHECK(applied_per_day(fast) == Approx(200).margin(15));
  // The wait people accept, from the logit: chance c of applying where 5 - fee - wait = ln(c / (1 - c)).
  auto accepted_wait = [](const PathwayRun& r, double fee) {
    std::int64_t spawned = 0;
    for (std::size_t d = 20; d < 60; ++d) spawned += r.rec->spawned[d];
    const double c = static_cast<double>(transitions(*r.rec, 1, LegalStatusModel::pathway_applied, 20, 60)) /
                     static_cast<double>(spawned);
    return 5 - fee - std::log(c / (1 - c));
  };
  CHECK(queue_mean(slow) / 100 == Approx(accepted_wait(slow, 0)).margin(0.5));
  CHECK(queue_mean(fast) / 200 == Approx(accepted_wait(fast, 0)).margin(0.5));
  CHECK(queue_mean(fast) < 2 * queue_mean(slow));  // twice the pace: a shorter wait is accepted
  // A fee of 2,000 USD takes 2 from applying: fewer apply, the accepted wait is 2 days shorter.
  pw.fee_usd = 2000;
  auto dear = run_pathway(pw, 60);
  CHECK(applied_per_day(dear) == Approx(200).margin(15));
  CHECK(queue_mean(dear) / 200 == Approx(accepted_wait(dear, 2)).margin(0.5));
  CHECK(queue_mean(dear) / 200 == Approx(queue_mean(fast) / 200 - 2).margin(0.5));
  // apply_share and choice together are refused.
  pw.apply_share_given = true;
  LegalParams lp;
  lp.country_codes = {"ORI", "DST"};
  lp.pathways.push_back(pw);
  CHECK_THROWS_WITH(lp.validate(*test::corridor_world(), 60),
                    Catch::Contains("pathways[0].choice: give either apply_share"));
}

TEST_CASE("waiting applicants give up and go irregularly, more so the longer they wait",
          "[models][legal][pathway]") {
  auto pw = labour_pathway();
  pw.processing_per_day = 20;  // a long wait
  pw.give_up_per_day = 0.01;
  auto flat = run_pathway(pw, 60);
  pw.give_up_growth_per_year = 30;
  auto growing = run_pathway(pw, 60);
  const auto gave_up_flat = transitions(*flat.rec, 1, LegalStatusModel::gave_up_irregular);
  const auto gave_up_growing = transitions(*growing.rec, 1, LegalStatusModel::gave_up_irregular);
  CHECK(gave_up_flat > 0);
  CHECK(gave_up_growing > gave_up_flat);
  // Those who gave up travel without a permit and arrive irregular.
  const std::size_t ls = legal_status_count, places = 7;
  std::int64_t irregular = 0;
  for (std::size_t p : {4u, 5u})
    irregular +=
        flat.rec->population[(59 * places + p) * ls + static_cast<std::size_t>(LegalStatus::irregular)];
  CHECK(irregular > 0);
}

TEST_CASE("pathways, re-emigration and detention do not depend on threads", "[models][legal][determinism]") {
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 8);
  auto pw = labour_pathway();
  pw.give_up_per_day = 0.01;
  auto a = run_pathway(pw, 50, 1, 0.5), b = run_pathway(pw, 50, 8, 0.5);
  CHECK(a.rec->series == b.rec->series);
  CHECK(a.rec->population == b.rec->population);
  // Returned circular migrants re-emigrate after the delay.
  CHECK(transitions(*a.rec, 0, LegalStatusModel::reemigrated) > 0);
}

TEST_CASE("detention has a capacity; irregular residents may return of their own accord", "[models][legal]") {
  LegalParams p = base_params(20000);
  LegalParams::Enforcement en;
  en.country = 0;
  en.apprehension_per_day = 0.01;
  en.detention_days = 30;
  en.detention_capacity = 500;
  en.voluntary_return_per_day = 0.002;
  p.enforcement.push_back(en);
  auto r = run(p, 40);
  const std::size_t ls = legal_status_count;
  for (std::size_t d = 0; d < 40; ++d)
    CHECK(r.rec->population[(d * 2 + 0) * ls + static_cast<std::size_t>(LegalStatus::detained)] <= 500);
  CHECK(r.rec->population[(39 * 2 + 0) * ls + static_cast<std::size_t>(LegalStatus::detained)] == 500);
  const std::size_t w = 2 * LegalStatusModel::transition_count;
  std::int64_t full = 0, home = 0, removed = 0;
  for (std::size_t d = 0; d < 40; ++d) {
    full += r.rec->series[2][d * w + LegalStatusModel::not_detained_full];
    home += r.rec->series[2][d * w + LegalStatusModel::voluntary_return];
    removed += r.rec->series[2][d * w + LegalStatusModel::removed];
  }
  CHECK(full > 0);
  CHECK(removed > 0);
  CHECK(static_cast<double>(home) == Approx(0.002 * 20000 * 40).epsilon(0.2));
  CHECK(r.rec->population[(39 * 2 + 1) * ls + static_cast<std::size_t>(LegalStatus::returned)] ==
        home + removed);
}

TEST_CASE("dated enforcement apprehends people crossing without a permit; the released go on",
          "[models][legal]") {
  LegalParams lp;
  LegalParams::Enforcement en;
  en.country = 1;  // DST
  en.from_day = 10;
  en.until_day = 29;
  en.apprehension_at_crossing = 0.3;
  en.detention_days = 5;
  en.removal_share = 0.5;
  lp.enforcement.push_back(en);
  auto r = run_corridor(lp, 45);
  const auto caught = [&](std::size_t from, std::size_t to) {
    return transitions(*r.rec, 1, LegalStatusModel::apprehended_at_crossing, from, to);
  };
  CHECK(caught(0, 10) == 0);   // not yet in force
  CHECK(caught(30, 45) == 0);  // no longer in force
  const auto stopped = caught(10, 30);
  CHECK(stopped > 0);
  // Released people go on to their destination (and arrive irregular); the removed go home.
  const auto released = transitions(*r.rec, 1, LegalStatusModel::released);
  const auto removed = transitions(*r.rec, 1, LegalStatusModel::removed);
  CHECK(released > 0);
  CHECK(removed > 0);
  CHECK(static_cast<double>(removed) / static_cast<double>(removed + released) == Approx(0.5).margin(0.1));
  // About 30 % of those who crossed in force were stopped: compare with the flows into DST.
  std::int64_t crossings = 0;
  for (std::size_t d = 10; d < 30; ++d) crossings += r.rec->flow[d * 7 + 2] + r.rec->flow[d * 7 + 6];
  CHECK(static_cast<double>(stopped) / static_cast<double>(crossings) == Approx(0.3).margin(0.05));
  // Everyone is accounted for, and detention ends after 5 days: nobody detained at the end.
  const std::size_t ls = legal_status_count;
  std::int64_t detained = 0;
  for (std::size_t p = 0; p < 7; ++p)
    detained += r.rec->population[(44 * 7 + p) * ls + static_cast<std::size_t>(LegalStatus::detained)];
  CHECK(detained == 0);
}

namespace {

// 2020-01-01 is day 18262 since 1970-01-01.
constexpr std::int64_t start_2020 = 18262;

LegalParams read_legal(const std::string& yaml) {
  const auto w = two_countries();
  return io::read_params(LegalParams::table(), io::parse_yaml(yaml, "l.yaml"), "behaviour.legal",
                         io::ParamReadContext{*w, start_2020, 365});
}

std::string legal_error(const std::string& yaml) {
  try {
    read_legal(yaml);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

const std::string one_off_yaml =
    "programmes:\n"
    "  - name: amnesty\n"
    "    country: DST\n"
    "    kind: one_off\n"
    "    window: [2020-03-01, 2020-05-31]\n"
    "    cutoff_date: 2019-12-31\n"
    "    processing_per_day: 100\n";

}  // namespace

TEST_CASE("behaviour.legal is read through its parameter table", "[models][legal][params]") {
  const std::string yaml =
      "visa_permit_days: 200\n"
      "residents:\n"
      "  - {place: C, origin: O, count: 1000, resident_years: [1, 3]}\n"
      "  - {place: C, origin: O, count: 10, status: regular, permit_days: 90}\n" +
      one_off_yaml +
      "  - {name: standing, country: DST, kind: permanent, start: 2020-02-01, min_residence_years: 3,\n"
      "     processing_per_day: 5, nationalities: [ORI]}\n"
      "pathways:\n"
      "  - {name: seasonal, permit_type: seasonal_labour, country: DST, origins: [ORI], age_bands: [18-34],\n"
      "     sex: female, processing_per_day: 20, quota_per_month: 300, circular: true}\n"
      "enforcement:\n"
      "  - {country: DST, until: 2020-06-30, apprehension_per_day: 1.0e-4, detention_capacity: 50}\n"
      "  - {country: DST, from: 2020-07-01, apprehension_per_day: 2.0e-4}\n"
      "reemigration: {share: 0.3}\n";
  const LegalParams p = read_legal(yaml);
  CHECK(p.visa_permit_days == 200);
  CHECK(p.visa_renewal == 0.5);
  CHECK(p.country_codes == std::vector<std::string>{"DST", "ORI"});
  REQUIRE(p.residents.size() == 2);
  CHECK((p.residents[0].place == 0 && p.residents[0].origin == 1 && p.residents[0].count == 1000));
  CHECK(p.residents[0].status == LegalStatus::irregular);
  CHECK((p.residents[0].resident_years_min == 1 && p.residents[0].resident_years_max == 3));
  CHECK(p.residents[0].permit_days == -1);
  CHECK((p.residents[1].status == LegalStatus::regular && p.residents[1].permit_days == 90));
  REQUIRE(p.programmes.size() == 2);
  const auto& a = p.programmes[0];
  CHECK((!a.permanent && a.open_day == 60 && a.close_day == 151 && a.cutoff_day == -1));
  CHECK((a.processing_per_day == 100 && a.min_residence_days == 0 && a.permit_days == 365));
  const auto& s = p.programmes[1];
  CHECK((s.permanent && s.open_day == 31 && s.close_day == std::numeric_limits<std::int32_t>::max()));
  CHECK(s.min_residence_days == 1096);  // 3 x 365.25
  CHECK(s.nationalities == std::vector<country_id>{1});
  REQUIRE(p.pathways.size() == 1);
  const auto& pw = p.pathways[0];
  CHECK((pw.permit_type == "seasonal_labour" && pw.country == 0 && pw.origins == std::vector<country_id>{1}));
  CHECK((pw.age_bands == std::vector<std::uint8_t>{1} && pw.sex == 0 && pw.circular));
  CHECK((pw.quota_per_month == 300 && pw.open_day == 0 &&
         pw.close_day == std::numeric_limits<std::int32_t>::max()));
  REQUIRE(p.enforcement.size() == 2);
  CHECK((p.enforcement[0].from_day == 0 && p.enforcement[0].until_day == 181));
  CHECK((p.enforcement[0].detention_capacity == 50 && p.enforcement[1].detention_capacity == -1));
  CHECK((p.enforcement[1].from_day == 182 &&
         p.enforcement[1].until_day == std::numeric_limits<std::int32_t>::max()));
  CHECK((p.reemigration.share == 0.3 && p.reemigration.delay_days == 365));
  CHECK_NOTHROW(p.validate(*two_countries(), 365));
  // Nothing given: the defaults.
  const LegalParams none = read_legal("{}\n");
  CHECK((none.programmes.empty() && none.reemigration.share == 0 && none.visa_permit_days == 365));
}

TEST_CASE("behaviour.legal errors name file:line:column, key path, value, kind and range",
          "[models][legal][params]") {
  auto with = [](std::string y, const std::string& from, const std::string& to) {
    const auto at = y.find(from);
    REQUIRE(at != std::string::npos);
    return y.replace(at, from.size(), to);
  };
  auto programme = [&](const std::string& from, const std::string& to) {
    return with(one_off_yaml, from, to);
  };
  CHECK(legal_error(one_off_yaml) == "no error");
  CHECK(legal_error(programme("processing_per_day: 100", "processing_per_day: -1")) ==
        "l.yaml:7:25: behaviour.legal.programmes[0].processing_per_day: got '-1', expected an integer in [0, "
        "2147483647] (decisions/day)");
  CHECK(
      legal_error(programme("processing_per_day: 100", "processing_per_day: 2.5")) ==
      "l.yaml:7:25: behaviour.legal.programmes[0].processing_per_day: got '2.5', expected an integer in [0, "
      "2147483647] (decisions/day)");
  CHECK(legal_error(programme("    processing_per_day: 100\n", "")) ==
        "l.yaml:2:5: behaviour.legal.programmes[0]: missing key 'processing_per_day' (or give stages)");
  // Multi-stage procedures: read in order, with dated capacity; not together with processing_per_day.
  const std::string stages =
      "stages:\n"
      "      - {name: pre_registration, per_day: [{date: 2020-03-01, value: 500}], no_show: 0.1}\n"
      "      - name: biometrics\n"
      "        per_day: [{date: 2020-03-01, value: 100}, {date: 2020-04-01, value: 300}]\n";
  const LegalParams staged = read_legal(programme("processing_per_day: 100", stages));
  REQUIRE(staged.programmes[0].stages.size() == 2);
  const auto& bio = staged.programmes[0].stages[1];
  CHECK((bio.name == "biometrics" && bio.per_day.size() == 2 && bio.per_day[1].day == 91 &&
         bio.per_day[1].value == 300 && staged.programmes[0].stages[0].no_show == 0.1));
  CHECK(legal_error(programme("processing_per_day: 100", "processing_per_day: 100\n    " + stages)) ==
        "l.yaml:7:25: behaviour.legal.programmes[0].processing_per_day: give either stages or "
        "processing_per_day (each stage has its own capacity, no_show and rejection)");
  CHECK(legal_error(programme("processing_per_day: 100", "no_show: 0.1\n    " + stages)) ==
        "l.yaml:7:14: behaviour.legal.programmes[0].no_show: give either stages or no_show (each stage has "
        "its own capacity, no_show and rejection)");
  CHECK(legal_error(programme("processing_per_day: 100", stages + "        no_show: 2\n")) ==
        "l.yaml:11:18: behaviour.legal.programmes[0].stages[1].no_show: got '2', expected a share in [0, 1]");
  CHECK(legal_error(programme("processing_per_day: 100", "stages:\n      - {name: decision}\n")) ==
        "l.yaml:8:9: behaviour.legal.programmes[0].stages[0]: missing key 'per_day'");
  CHECK(legal_error(programme("processing_per_day: 100", "processing_per_day: 100\n    take_up: 1.5")) ==
        "l.yaml:8:14: behaviour.legal.programmes[0].take_up: got '1.5', expected a probability in [0, 1]");
  CHECK(legal_error(programme("country: DST", "country: XXX")) ==
        "l.yaml:3:14: behaviour.legal.programmes[0].country: got 'XXX', expected a country code listed in "
        "world.countries");
  CHECK(
      legal_error(programme("kind: one_off", "kind: sometimes")) ==
      "l.yaml:4:11: behaviour.legal.programmes[0].kind: got 'sometimes', expected one of one_off, permanent");
  // Checks across keys: one_off needs window and cutoff_date and takes no start; permanent takes no window.
  CHECK(legal_error(programme("    window: [2020-03-01, 2020-05-31]\n", "")) ==
        "l.yaml:2:5: behaviour.legal.programmes[0]: missing key 'window' (a one_off programme needs a window "
        "and a cutoff_date)");
  CHECK(legal_error(programme("    cutoff_date: 2019-12-31\n", "")) ==
        "l.yaml:2:5: behaviour.legal.programmes[0]: missing key 'cutoff_date' (a one_off programme needs a "
        "window and a cutoff_date)");
  CHECK(legal_error(programme("window: [2020-03-01, 2020-05-31]", "window: [2020-05-31, 2020-03-01]")) ==
        "l.yaml:5:13: behaviour.legal.programmes[0].window: the window closes (2020-03-01) before it opens "
        "(2020-05-31)");
  CHECK(
      legal_error(programme("cutoff_date: 2019-12-31", "cutoff_date: 2019-12-31\n    start: 2020-01-01")) ==
      "l.yaml:7:12: behaviour.legal.programmes[0].start: a one_off programme has no start (it opens with its "
      "window)");
  CHECK(legal_error(programme("kind: one_off", "kind: permanent")) ==
        "l.yaml:5:13: behaviour.legal.programmes[0].window: a permanent mechanism has no window");
  CHECK(legal_error(one_off_yaml +
                    "  - {name: amnesty, country: ORI, kind: permanent, processing_per_day: 1}\n") ==
        "l.yaml:8:12: behaviour.legal.programmes[1].name: programme 'amnesty' is listed twice");

  const std::string pathway =
      "pathways:\n"
      "  - name: seasonal\n"
      "    permit_type: seasonal_labour\n"
      "    country: DST\n"
      "    processing_per_day: 20\n";
  auto pathways = [&](const std::string& from, const std::string& to) { return with(pathway, from, to); };
  CHECK(legal_error(pathway) == "no error");
  CHECK(legal_error(pathways("processing_per_day: 20", "processing_per_day: 20\n    quota: 5")) ==
        "l.yaml:6:5: behaviour.legal.pathways[0].quota: unknown key 'quota', expected one of: name, "
        "permit_type, country, origins, age_bands, sex, skills_share, apply_share, choice, window, "
        "quota_per_month, "
        "processing_per_day, approval, stages, fee_usd, permit_days, renewal, circular, give_up_per_day, "
        "give_up_growth_per_year, irregular_after_rejection");
  CHECK(
      legal_error(pathways("processing_per_day: 20", "processing_per_day: 20\n    quota_per_month: -100")) ==
      "l.yaml:6:22: behaviour.legal.pathways[0].quota_per_month: got '-100', expected an integer in [0, "
      "1000000000] (approvals/month)");
  CHECK(
      legal_error(pathways("permit_type: seasonal_labour", "permit_type: golden")) ==
      "l.yaml:3:18: behaviour.legal.pathways[0].permit_type: got 'golden', expected one of temporary_labour, "
      "seasonal_labour, circular_labour, family_reunification, humanitarian_visa, study");
  CHECK(legal_error(
            pathways("processing_per_day: 20", "processing_per_day: 20\n    age_bands: [18-34, 18-35]")) ==
        "l.yaml:6:24: behaviour.legal.pathways[0].age_bands[1]: got '18-35', expected one of 0-17, 18-34, "
        "35-59, 60+");
  const std::string choice =
      "processing_per_day: 20\n    choice: {set_off_utility: -3, price_sensitivity: 0.3, "
      "wait_cost_usd_per_day: 60}";
  CHECK(legal_error(pathways("processing_per_day: 20", choice)) == "no error");
  // A multi-stage procedure replaces processing_per_day and approval.
  const std::string stages_yaml = "stages: [{name: interview, per_day: [{date: 2024-01-01, value: 50}]}]";
  CHECK(legal_error(pathways("processing_per_day: 20", stages_yaml)) == "no error");
  CHECK_THAT(
      legal_error(pathways("processing_per_day: 20", "fee_usd: 10")),
      Catch::Contains("behaviour.legal.pathways[0]: missing key 'processing_per_day' (or give stages)"));
  CHECK_THAT(legal_error(pathways("processing_per_day: 20", "approval: 0.5\n    " + stages_yaml)),
             Catch::Contains("behaviour.legal.pathways[0].approval: give either stages or approval"));
  CHECK(legal_error(pathways("processing_per_day: 20", choice + "\n    apply_share: 0.5")) ==
        "l.yaml:6:13: behaviour.legal.pathways[0].choice: give either apply_share (a fixed share) or choice "
        "(who "
        "applies is chosen)");
  CHECK(legal_error(
            pathways("processing_per_day: 20",
                     "processing_per_day: 20\n    choice: {set_off_utility: -3, price_sensitivity: 0.3}")) ==
        "l.yaml:6:13: behaviour.legal.pathways[0].choice: missing key 'wait_cost_usd_per_day'");
  CHECK(legal_error(pathways("processing_per_day: 20", "processing_per_day: 20\n    sex: both")) ==
        "l.yaml:6:10: behaviour.legal.pathways[0].sex: got 'both', expected one of female, male, any");
  CHECK(legal_error(one_off_yaml + pathways("name: seasonal", "name: amnesty")) ==
        "l.yaml:9:11: behaviour.legal.pathways[0].name: 'amnesty' names a programme too");
  CHECK(legal_error(pathway +
                    "  - {name: seasonal, permit_type: study, country: ORI, processing_per_day: 1}\n") ==
        "l.yaml:6:12: behaviour.legal.pathways[1].name: pathway 'seasonal' is listed twice");

  CHECK(legal_error("residents:\n  - {place: C, origin: O, count: -5}\n") ==
        "l.yaml:2:34: behaviour.legal.residents[0].count: got '-5', expected an integer in [0, 1000000000] "
        "(persons)");
  CHECK(legal_error("residents:\n  - {place: C, origin: O, count: 5, permit_days: -1}\n") ==
        "l.yaml:2:50: behaviour.legal.residents[0].permit_days: got '-1', expected an integer in [1, 36500] "
        "(days)");
  CHECK(legal_error("residents:\n  - {place: C, origin: O, count: 5, resident_years: [2, 90]}\n") ==
        "l.yaml:2:57: behaviour.legal.residents[0].resident_years[1]: got '90', expected a number in [0, 89] "
        "(years)");
  CHECK(legal_error("residents:\n  - {place: C, origin: O, count: 5, status: citizen}\n") ==
        "l.yaml:2:45: behaviour.legal.residents[0].status: got 'citizen', expected one of irregular, "
        "overstayer, regular");
  CHECK(
      legal_error("residents:\n  - {place: X, origin: O, count: 5}\n") ==
      "l.yaml:2:13: behaviour.legal.residents[0].place: got 'X', expected a place listed in world.locations");

  const std::string enforcement = "enforcement:\n  - {country: DST, apprehension_per_day: 0.5}\n";
  CHECK(legal_error(enforcement + "  - {country: DST, from: 2020-06-01, voluntary_return_per_day: 0.1}\n") ==
        "l.yaml:3:15: behaviour.legal.enforcement[1].country: another enforcement entry for this country is "
        "in force on the same days (give from/until)");
  CHECK(
      legal_error(
          "enforcement:\n  - {country: DST, apprehension_per_day: 0.5, voluntary_return_per_day: 0.6}\n") ==
      "l.yaml:2:5: behaviour.legal.enforcement[0]: apprehension_per_day + voluntary_return_per_day must not "
      "exceed 1");
  CHECK(legal_error("enforcement:\n  - {country: DST, from: 2020-06-01, until: 2020-05-01}\n") ==
        "l.yaml:2:45: behaviour.legal.enforcement[0].until: the entry ends before it starts");
  CHECK(
      legal_error("enforcement:\n  - {country: DST, detention_capacity: -1}\n") ==
      "l.yaml:2:40: behaviour.legal.enforcement[0].detention_capacity: got '-1', expected an integer in [0, "
      "1000000000] (persons)");
  CHECK(legal_error("enforcement:\n  - {country: DST, apprehension_per_day: 2}\n") ==
        "l.yaml:2:42: behaviour.legal.enforcement[0].apprehension_per_day: got '2', expected a probability "
        "per day in [0, 1] (1/day)");

  // reemigration.share is required where reemigration is given.
  CHECK(legal_error("reemigration: {delay_days: 30}\n") ==
        "l.yaml:1:15: behaviour.legal.reemigration: missing key 'share'");
  CHECK(legal_error("reemigration: {share: 0.2, delay_days: 0}\n") ==
        "l.yaml:1:40: behaviour.legal.reemigration.delay_days: got '0', expected an integer in [1, 36500] "
        "(days)");
  CHECK(legal_error("visa_renewal: 0.5\nvisa_permit_days: 0\n") ==
        "l.yaml:2:19: behaviour.legal.visa_permit_days: got '0', expected an integer in [1, 36500] (days)");
  CHECK(legal_error("visa_permits: 3\n") ==
        "l.yaml:1:1: behaviour.legal.visa_permits: unknown key 'visa_permits', expected one of: "
        "visa_permit_days, visa_renewal, residents, demography, programmes, pathways, enforcement, "
        "reemigration");
}

namespace {

LegalParams::Stage stage(const char* name, std::vector<DatedValue> per_day, double no_show,
                         double rejection) {
  LegalParams::Stage s;
  s.name = name;
  s.per_day = std::move(per_day);
  s.no_show = no_show;
  s.rejection = rejection;
  return s;
}

}  // namespace

TEST_CASE("a programme of one stage decides as processing_per_day does", "[models][legal][stages]") {
  LegalParams single = base_params(20000);
  single.programmes.push_back(one_off(10, 19, 300));
  LegalParams staged = single;
  auto& pr = staged.programmes[0];
  pr.stages = {stage("decision", {{0, 300}}, pr.no_show, pr.rejection)};
  pr.processing_per_day = 0;
  pr.no_show = pr.rejection = 0;
  Run a = run(single, 120), b = run(staged, 120);
  REQUIRE(b.rec->series.size() == 4);
  for (std::size_t k = 0; k < 3; ++k) {
    INFO("series " << k);
    CHECK(a.rec->series[k] == b.rec->series[k]);
  }
  CHECK(a.rec->population == b.rec->population);
}

TEST_CASE("a multi-stage procedure: each stage's dated capacity, no-show and rejection, one stage a day",
          "[models][legal][stages]") {
  LegalParams p = base_params(100000);
  auto pr = one_off(10, 19, 0);
  pr.no_show = pr.rejection = 0;
  // Pre-registration, then biometrics (the bottleneck: 150 a day, 400 from day 60), then the decision.
  pr.stages = {stage("pre_registration", {{0, 1000}}, 0.1, 0),
               stage("biometrics", {{0, 150}, {60, 400}}, 0.05, 0), stage("decision", {{0, 2000}}, 0, 0.2)};
  p.programmes.push_back(pr);
  Run r = run(p, 120);
  REQUIRE(r.rec->series.size() == 4);
  const auto& dec = r.rec->series[1];
  const auto& st = r.rec->series[3];  // programme_stages (stage, quantity)
  const std::size_t w = LegalStatusModel::outcome_count, q = LegalStatusModel::stage_quantity_count;
  auto at = [&](std::size_t d, std::size_t s, std::size_t k) { return st[(d * 3 + s) * q + k]; };
  auto handled = [&](std::size_t d, std::size_t s) {
    return at(d, s, LegalStatusModel::stage_passed) + at(d, s, LegalStatusModel::stage_absent) +
           at(d, s, LegalStatusModel::stage_rejected);
  };
  std::int64_t pre = 0, pre_absent = 0, bio = 0, bio_absent = 0, decided = 0, refused = 0;
  bool above_old_capacity = false;
  for (std::size_t d = 0; d < 120; ++d) {
    CHECK(handled(d, 0) <= 1000);
    CHECK(handled(d, 1) <= (d < 60 ? 150 : 400));
    above_old_capacity = above_old_capacity || handled(d, 1) > 150;
    // One stage a day: today's decisions come from yesterday's queue of the last stage.
    if (d > 0) CHECK(handled(d, 2) <= at(d - 1, 2, LegalStatusModel::stage_waiting));
    pre += handled(d, 0);
    pre_absent += at(d, 0, LegalStatusModel::stage_absent);
    bio += handled(d, 1);
    bio_absent += at(d, 1, LegalStatusModel::stage_absent);
    decided += handled(d, 2);
    refused += at(d, 2, LegalStatusModel::stage_rejected);
  }
  CHECK(above_old_capacity);
  CHECK(static_cast<double>(pre_absent) / static_cast<double>(pre) == Approx(0.1).margin(0.015));
  CHECK(static_cast<double>(bio_absent) / static_cast<double>(bio) == Approx(0.05).margin(0.015));
  CHECK(static_cast<double>(refused) / static_cast<double>(decided) == Approx(0.2).margin(0.02));
  // Nobody is regularised before passing all three stages: not before day 12.
  for (std::size_t d = 0; d < 12; ++d) CHECK(dec[d * w + LegalStatusModel::approved] == 0);
  // Every admissible application is regularised, refused, absent, or still waiting at some stage.
  const std::int64_t admissible =
      total(dec, w, LegalStatusModel::application) - total(dec, w, LegalStatusModel::outcome_inadmissible);
  std::int64_t waiting = 0;
  for (std::size_t s = 0; s < 3; ++s) waiting += at(119, s, LegalStatusModel::stage_waiting);
  CHECK(total(dec, w, LegalStatusModel::approved) + total(dec, w, LegalStatusModel::outcome_rejected) +
            total(dec, w, LegalStatusModel::outcome_absent) + waiting ==
        admissible);
  CHECK(r.rec->series[0][119] == waiting);  // programme_queue counts every stage
  CHECK(waiting > 0);                       // 150-400 a day at biometrics: the queue is not through yet
  // Results do not depend on threads.
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 8);
  Run one = run(p, 120, 1), eight = run(p, 120, 8);
  CHECK(one.rec->series == eight.rec->series);
  CHECK(one.rec->population == eight.rec->population);
}

TEST_CASE("a pathway's multi-stage procedure: stage capacities, no-shows and refusals, the quota at the end",
          "[models][legal][stages][pathway]") {
  auto pw = labour_pathway();  // half the would-be migrants apply; 2,000 approvals a month
  pw.processing_per_day = 0;
  pw.approval = 1;
  pw.irregular_after_rejection = 0.5;
  // Pre-registration, an interview (the bottleneck: 150 a day, 300 from day 40), document delivery.
  pw.stages = {stage("pre_registration", {{0, 400}}, 0.1, 0),
               stage("interview", {{0, 150}, {40, 300}}, 0.05, 0.2),
               stage("document_delivery", {{0, 1000}}, 0, 0)};
  auto r = run_pathway(pw, 70);
  REQUIRE(r.rec->series.size() > 4);  // the legal model's four, then the kernel's
  REQUIRE(r.rec->series_specs()[3].name == "programme_stages");
  const auto& st = r.rec->series[3];  // programme_stages (stage, quantity)
  const auto& dec = r.rec->series[1];
  const std::size_t q = LegalStatusModel::stage_quantity_count, oc = LegalStatusModel::outcome_count;
  auto at = [&](std::size_t d, std::size_t s, std::size_t k) { return st[(d * 3 + s) * q + k]; };
  auto handled = [&](std::size_t d, std::size_t s) {
    return at(d, s, LegalStatusModel::stage_passed) + at(d, s, LegalStatusModel::stage_absent) +
           at(d, s, LegalStatusModel::stage_rejected);
  };
  std::int64_t interviewed = 0, interview_absent = 0, interview_refused = 0, absent = 0, rejected = 0;
  for (std::size_t d = 0; d < 70; ++d) {
    CHECK(handled(d, 0) <= 400);
    CHECK(handled(d, 1) <= (d < 40 ? 150 : 300));
    if (d < 2) CHECK(dec[d * oc + LegalStatusModel::approved] == 0);  // one stage a day
    interviewed += handled(d, 1);
    interview_absent += at(d, 1, LegalStatusModel::stage_absent);
    interview_refused += at(d, 1, LegalStatusModel::stage_rejected);
    absent += dec[d * oc + LegalStatusModel::outcome_absent];
    rejected += dec[d * oc + LegalStatusModel::outcome_rejected];
  }
  CHECK(static_cast<double>(interview_absent) / static_cast<double>(interviewed) ==
        Approx(0.05).margin(0.015));
  CHECK(static_cast<double>(interview_refused) / static_cast<double>(interviewed - interview_absent) ==
        Approx(0.2).margin(0.03));
  // Approvals within the monthly quota, which binds in both months (about 114 a day pass the interview).
  const auto approved_jan = transitions(*r.rec, 1, LegalStatusModel::pathway_approved, 0, 31);
  const auto approved_feb = transitions(*r.rec, 1, LegalStatusModel::pathway_approved, 31, 60);
  CHECK(approved_jan > 1800);
  CHECK(approved_jan <= 2000);
  CHECK(approved_feb == 2000);
  // The absent and the refused at any stage are rejected decisions of the pathway.
  CHECK(transitions(*r.rec, 1, LegalStatusModel::pathway_rejected) == absent + rejected);
  CHECK(absent > 0);
  // Every application is approved, rejected, absent or waiting at some stage.
  const auto applied = transitions(*r.rec, 1, LegalStatusModel::pathway_applied);
  std::int64_t waiting = 0;
  for (std::size_t s = 0; s < 3; ++s) waiting += at(69, s, LegalStatusModel::stage_waiting);
  CHECK(transitions(*r.rec, 1, LegalStatusModel::pathway_approved) + absent + rejected + waiting == applied);
  CHECK(r.rec->series[0].back() == waiting);
  // Results do not depend on threads.
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 8);
  auto one = run_pathway(pw, 70, 1), eight = run_pathway(pw, 70, 8);
  CHECK(one.rec->series == eight.rec->series);
  CHECK(one.rec->population == eight.rec->population);
}

TEST_CASE("residents draw sex and age band from behaviour.legal.demography, by nationality",
          "[models][legal][demography]") {
  // 40,000 residents of ORI at C. Shares: women and each age band, with a binomial sd of at most 0.0025.
  auto shares = [](const Population& pop) {
    std::array<double, age_band_count + 1> s{};  // the age bands, then women
    for (std::size_t i = 0; i < pop.size(); ++i) {
      s[pop.age_band[i]] += 1;
      if (pop.sex[i] == Sex::female) s[age_band_count] += 1;
    }
    for (auto& v : s) v /= static_cast<double>(pop.size());
    return s;
  };
  SECTION("by default: half women, 18-34 or 35-59 in equal shares") {
    Run r = run(base_params(40000), 1);
    const auto s = shares(r.sim->population());
    CHECK(s[0] == 0);
    CHECK(s[1] == Approx(0.5).margin(0.01));
    CHECK(s[2] == Approx(0.5).margin(0.01));
    CHECK(s[3] == 0);
    CHECK(s[4] == Approx(0.5).margin(0.01));
  }
  SECTION("by_origin gives the shares of one nationality; the draws are the same for any thread count") {
    LegalParams p = base_params(40000);
    models::Demography::Origin o;
    o.country = 1;  // ORI
    o.female_share = 0.3;
    o.age_band_shares = {0.1, 0.3, 0.4, 0.2};
    p.demography.by_origin.push_back(o);
    Run r = run(p, 1, 1);
    const auto s = shares(r.sim->population());
    CHECK(s[0] == Approx(0.1).margin(0.01));
    CHECK(s[1] == Approx(0.3).margin(0.01));
    CHECK(s[2] == Approx(0.4).margin(0.01));
    CHECK(s[3] == Approx(0.2).margin(0.01));
    CHECK(s[4] == Approx(0.3).margin(0.01));
    Run r8 = run(p, 1, 8);
    CHECK(r8.sim->population().sex == r.sim->population().sex);
    CHECK(r8.sim->population().age_band == r.sim->population().age_band);
  }
}

namespace {

// The corridor with the smuggling market at B (a smuggler, `interception`, and crossing alone into DST)
// and a pathway to DST, open from day 5, whose choice weighs setting off by the market's crossing value
// (`from_crossings`) or by its fixed set_off_utility (-1.2).
PathwayRun run_with_market(double interception, bool from_crossings, int threads = 2) {
  using models::SmugglingParams;
  PathwayRun r;
  const World& w = *r.world;
  auto econ = test::corridor_params(w, 1e-3);
  econ.visa_share = {0.0, 0.0};
  SmugglingParams m;
  for (const auto& c : w.countries()) m.country_codes.push_back(c.code);
  m.edge_names = w.route_names();
  for (const auto& place : w.places()) m.place_names.push_back(place.name);
  const place_id b = w.find_place("B"), x = w.find_place("X");
  m.crossing_points = {b};
  m.services.push_back(test::one_route_service(w, "coyote", SmugglingParams::Kind::smuggler, b, x,
                                               interception, 0.001, 1e6, 2000));
  m.services.push_back(
      test::one_route_service(w, "alone", SmugglingParams::Kind::alone, b, x, 0.3, 0.01, 0, 0));
  m.choice.price_sensitivity = 0.3;
  m.choice.risk_aversion = 5;
  m.choice.alone_penalty = 1;
  m.debt_share = 0.5;
  LegalParams lp;
  LegalParams::Pathway pw;
  pw.name = "visa";
  pw.permit_type = "temporary_labour";
  pw.country = 1;
  pw.choice_given = true;
  pw.set_off_utility = -1.2;
  pw.set_off_from_crossings = from_crossings;
  pw.price_sensitivity = 0.3;
  pw.wait_cost_usd_per_day = 10;
  pw.processing_per_day = 100000;
  pw.approval = 0.8;
  pw.open_day = 5;
  lp.pathways.push_back(pw);
  lp.country_codes = {"ORI", "DST"};
  lp.month_starts = {31, 60};
  std::vector<std::unique_ptr<Model>> models;
  models.push_back(std::make_unique<models::EconomicModel>(econ));
  models.push_back(std::make_unique<models::SmugglingModel>(m));
  models.push_back(std::make_unique<LegalStatusModel>(lp));
  r.sim = std::make_unique<Simulation>(r.world, Schedule{}, std::move(models),
                                       SimulationConfig{3, 30, threads, "2020-01-01"});
  r.sim->add_recorder(r.rec.get());
  r.sim->run();
  return r;
}

// The applications and decisions of a run with several models (programme_decisions, found by name).
const std::vector<std::int64_t>& decisions(const PathwayRun& r) {
  const auto& specs = r.rec->series_specs();
  for (std::size_t k = 0; k < specs.size(); ++k)
    if (specs[k].name == "programme_decisions") return r.rec->series[k];
  FAIL("no series programme_decisions");
  return r.rec->series[0];
}

// Share of the would-be migrants created from day 5 on who applied.
double applied_share(const PathwayRun& r) {
  std::int64_t spawned = 0;
  for (std::size_t d = 5; d < r.rec->spawned.size(); ++d) spawned += r.rec->spawned[d];
  return static_cast<double>(
             total(decisions(r), LegalStatusModel::outcome_count, LegalStatusModel::application)) /
         static_cast<double>(spawned);
}

}  // namespace

TEST_CASE(
    "setting off may be worth what the crossing market's options are worth: riskier smugglers, more apply",
    "[models][legal][pathway][journey]") {
  // The crossing value at B for ORI nationals: about ln(exp(-0.6 - 5 x 0.101) + exp(-5 x 0.31 - 1)) = -0.89
  // for those who can pay the smuggler (-2.55 for the others), against ln(0.8) - 0.3 x 10 x wait / 1000 for
  // applying; with the smuggler intercepting 60 % it falls to about -2.3.
  const PathwayRun safe = run_with_market(0.1, true), risky = run_with_market(0.6, true);
  const double a = applied_share(safe), b = applied_share(risky);
  CHECK(a > 0.5);
  CHECK(a < 0.85);
  CHECK(b > a + 0.08);
  // With a fixed set-off utility the smugglers' risk does not reach the choice: the same people apply.
  const PathwayRun fixed_safe = run_with_market(0.1, false), fixed_risky = run_with_market(0.6, false);
  CHECK(decisions(fixed_safe) == decisions(fixed_risky));
  CHECK(applied_share(fixed_safe) != a);
  // Results do not depend on threads (the crossing values are summed in fixed point).
  tbb::global_control allow(tbb::global_control::max_allowed_parallelism, 8);
  const PathwayRun one = run_with_market(0.6, true, 1), eight = run_with_market(0.6, true, 8);
  CHECK(one.rec->series == eight.rec->series);
  CHECK(one.rec->population == eight.rec->population);
}
