#pragma once
// Flee cases (input/ and validation/ folders of the Flee project's format) as migrasim scenarios.
// Formats: docs/flee.md. The files are read where they are; nothing is copied.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/world.hpp"

namespace migrasim::io {

// Where a Flee case's files are. `dir` may be the case folder (holding input/, validation/ and
// simsetting.yml) or its input folder.
struct FleeCasePaths {
  std::string input;       // locations.csv, routes.csv, closures.csv, conflicts.csv, sim_period.csv, ...
  std::string validation;  // data_layout.csv and the camp series; may be empty when absent
  std::string simsetting;  // may be empty: Flee's defaults apply
};
FleeCasePaths locate_flee_case(const std::string& dir, const std::string& simsetting = "");

// Observed registered refugees per camp and day, from validation/data_layout.csv and its series:
// linear interpolation between data points (the first value before the first point, the last after the
// last), registration corrections applied (see docs/flee.md), divided by `hasten`.
// The observed values are whole numbers, as Flee's data table gives them (the interpolated count / hasten,
// its whole part).
struct ObservedCamp {
  std::string name;
  place_id place = -1;
  std::vector<double> daily;  // [day]; with empty_camps_on_day0 less the day-0 count
  double day0 = 0;            // the day-0 count (before empty_camps_on_day0)
};
struct ObservedData {
  std::vector<ObservedCamp> camps;        // the data_layout rows that are locations of the case (scored)
  std::vector<double> total;              // [day] sum over those camps
  std::vector<std::int64_t> spawn_total;  // [day] what spawning follows: the sum over every camp row
                                          // (locations or not), or the `total` row without sum_from_camps
};
// Flee's settings that decide how the observed data are read.
struct FleeDataRules {
  double hasten = 1;                 // counts divided by this
  bool empty_camps_on_day0 = false;  // every series less its day-0 value
  bool sum_from_camps = true;        // spawn_total: the camps' sum (true) or the `total` row (false)
};
// `warnings` (may be null) receives a line for each row Flee would skip (a camp that is no location).
ObservedData read_observed(const std::string& validation_dir, const std::string& registration_corrections_csv,
                           const World& world, std::int64_t start_day, std::int32_t days,
                           const FleeDataRules& rules, std::vector<std::string>* warnings = nullptr);

// The text of a migrasim scenario (YAML) for a Flee case: run period from sim_period.csv, the case's
// folders, and every Flee parameter from the simsetting file (or Flee's default) written out.
// `relative_to`: folder the scenario will be saved in (paths in it are made relative to it).
// `warnings` (may be null) receives a line for each key of the simsetting file that Flee's settings reader
// does not read (Flee ignores it; so does migrasim); the scenario's header comments list them too.
std::string flee_case_to_yaml(const FleeCasePaths& paths, const std::string& relative_to,
                              std::vector<std::string>* warnings = nullptr);

}  // namespace migrasim::io

#include "models/flee.hpp"
#include "sim/schedule.hpp"

namespace migrasim::io {

// Everything a run of a Flee case needs, read from its files.
struct FleeBuild {
  std::vector<Country> countries;
  std::vector<Place> places;
  std::vector<Route> routes;
  // locations.csv's columns after the 8th and routes.csv's after the 4th (Flee's location and link
  // attributes), as text; names from the `#` header row, `column_N` for a column it does not name.
  std::vector<Attribute> place_attributes, route_attributes;
  std::vector<Event> events;  // closures and their lifting, as route events
  models::FleeParams params;  // kinds, kind changes, intensities, targets filled in; rules as passed
  ObservedData observed;
  std::vector<std::string> warnings;  // "file:line:column: ..." for each row Flee would skip or misread
};
// `rules` carries the move and spawn rules (hasten, insert_day0, ... included).
FleeBuild build_flee_case(const FleeCasePaths& paths, std::int64_t start_day, std::int32_t days,
                          models::FleeParams rules);
inline FleeDataRules data_rules(const models::FleeParams& p) {
  return {p.hasten, p.empty_camps_on_day0, p.sum_from_camps};
}

// sim_period.csv: StartDate and Length.
void read_flee_period(const std::string& input_dir, std::string& start_date, std::int32_t& days);

}  // namespace migrasim::io
