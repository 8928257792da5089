#include <numeric>

#include <tbb/global_control.h>
#include <catch2/catch.hpp>

#include "../test_worlds.hpp"
#include "models/legal_status.hpp"
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
  LegalParams bad_quota = base_params(10);
  bad_quota.programmes.push_back(one_off(1, 10, -5));
  CHECK_THROWS_WITH(bad_quota.validate(*w, 30), Catch::Contains("processing_per_day"));
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
