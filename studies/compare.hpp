#pragma once
// Headline indicators of output files, for `migrasim compare`.
#include <cstdint>
#include <string>
#include <vector>

namespace migrasim::studies {

struct Headline {
  std::string path;
  std::string start_date;
  std::int64_t irregular_end = 0;    // irregular + overstayer residents on the last day
  std::int64_t regularised_end = 0;  // people holding a permit from a programme on the last day
  std::int64_t applications = 0;     // all programmes, whole run
  std::int64_t approvals = 0;
  std::int64_t rejections = 0;   // rejected + inadmissible
  std::int64_t backlog_end = 0;  // applications waiting on the last day
  std::int64_t removals = 0;
  std::int64_t deaths_end = 0;
  std::int64_t stranded_end = 0;
  // Smuggling markets (zero without the smuggling model): crossings that arrived, deaths on routes, the
  // mean daily price over services and days, and the smugglers' revenue.
  std::int64_t crossings = 0;
  std::int64_t route_deaths = 0;
  std::int64_t mean_price_usd = 0;
  std::int64_t revenue_usd = 0;
  std::vector<std::int64_t> irregular_by_day;  // irregular + overstayer, summed over places
};

// Reads a migrasim output file. Throws InputError naming the file if it is not one.
Headline read_headline(const std::string& path);

}  // namespace migrasim::studies
