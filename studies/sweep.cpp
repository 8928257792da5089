#include "studies/sweep.hpp"

#include <fmt/format.h>

#include <sstream>

#include "io/scenario.hpp"
#include "sim/errors.hpp"
#include "studies/ensemble.hpp"

namespace migrasim::studies {

SweepKey parse_vary(const std::string& text, const std::string& what) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw InputError(what + ": got '" + text + "', expected KEY.PATH=v1,v2,... (one value or more)");
  SweepKey k;
  k.key = text.substr(0, eq);
  std::string current;
  int depth = 0;
  for (std::size_t i = eq + 1; i <= text.size(); ++i) {
    const char c = i < text.size() ? text[i] : ',';
    if (c == '[' || c == '{') ++depth;
    if (c == ']' || c == '}') --depth;
    if (c == ',' && depth <= 0) {
      if (current.empty())
        throw InputError(what + ": got '" + text + "', an empty value; expected KEY.PATH=v1,v2,...");
      k.values.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  return k;
}

namespace {

// Sum over days [from, to) of a row-major [day][n] array.
double total(const std::vector<std::int64_t>& v, std::size_t n, std::int32_t from, std::int32_t to) {
  double s = 0;
  for (std::size_t i = static_cast<std::size_t>(from) * n; i < static_cast<std::size_t>(to) * n; ++i)
    s += static_cast<double>(v[i]);
  return s;
}

}  // namespace

double outcome_value(const MemoryRecorder& record, const std::string& outcome) {
  const bool over_days = outcome.rfind("sum:", 0) == 0;
  const std::string name = over_days ? outcome.substr(4) : outcome;
  const std::int32_t days = record.days;
  if (days == 0) throw InternalError("outcome_value: the run recorded no day");
  const std::int32_t from = over_days ? 0 : days - 1;
  const auto per_day = [days](const std::vector<std::int64_t>& v) {
    return v.size() / static_cast<std::size_t>(days);
  };
  const std::pair<const char*, const std::vector<std::int64_t>*> kernel[] = {
      {"population", &record.population},
      {"stranded", &record.stranded},
      {"on_route", &record.on_route},
      {"flow", &record.flow},
      {"spawned", &record.spawned}};
  for (const auto& [n, v] : kernel)
    if (name == n) return total(*v, per_day(*v), from, days);
  const auto& specs = record.series_specs();
  for (std::size_t k = 0; k < specs.size(); ++k)
    if (specs[k].name == name) return total(record.series[k], specs[k].size(), from, days);
  std::string names;
  for (const auto& [n, v] : kernel) names += std::string(names.empty() ? "" : ", ") + n;
  for (const auto& s : specs) names += ", " + s.name;
  throw InputError("outcome '" + outcome + "': no variable '" + name +
                   "' in the run; expected NAME or sum:NAME " + "with NAME one of " + names);
}

SweepTable run_sweep(const std::string& scenario, const std::vector<std::string>& sets,
                     const std::vector<SweepKey>& vary, int seeds, const std::vector<std::string>& outcomes,
                     int threads) {
  if (vary.empty()) throw InputError("sweep: no --vary given, expected at least one KEY.PATH=v1,v2,...");
  if (outcomes.empty()) throw InputError("sweep: no --outcome given");
  SweepTable table;
  for (const auto& v : vary) {
    for (const auto& k : table.keys)
      if (k == v.key) throw InputError("--vary " + v.key + ": the key is varied twice");
    table.keys.push_back(v.key);
  }
  table.outcomes = outcomes;
  // The points, the first key slowest; each one loaded (and so validated) before any run.
  std::vector<std::vector<std::size_t>> points{{}};
  for (const auto& v : vary) {
    std::vector<std::vector<std::size_t>> next;
    for (const auto& p : points)
      for (std::size_t i = 0; i < v.values.size(); ++i) {
        next.push_back(p);
        next.back().push_back(i);
      }
    points = std::move(next);
  }
  std::vector<io::ScenarioSpec> specs;
  for (const auto& p : points) {
    std::vector<std::string> overrides = sets;
    for (std::size_t k = 0; k < vary.size(); ++k)
      overrides.push_back(vary[k].key + "=" + vary[k].values[p[k]]);
    specs.push_back(io::load_scenario(scenario, overrides));
  }
  for (std::size_t q = 0; q < points.size(); ++q)
    for (int s = 0; s < seeds; ++s) {
      const std::uint64_t seed = specs[q].seed + static_cast<std::uint64_t>(s);
      const MemberRun m = run_member(specs[q], seed, threads);
      SweepRow row;
      for (std::size_t k = 0; k < vary.size(); ++k) row.values.push_back(vary[k].values[points[q][k]]);
      row.seed = seed;
      for (const auto& o : outcomes) row.outcomes.push_back(outcome_value(m.record, o));
      table.rows.push_back(std::move(row));
    }
  return table;
}

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

std::string sweep_csv(const SweepTable& table) {
  std::ostringstream out;
  for (const auto& k : table.keys) out << csv_field(k) << ",";
  out << "seed";
  for (const auto& o : table.outcomes) out << "," << csv_field(o);
  out << "\n";
  for (const auto& r : table.rows) {
    for (const auto& v : r.values) out << csv_field(v) << ",";
    out << r.seed;
    for (double v : r.outcomes) out << "," << fmt::format("{}", v);
    out << "\n";
  }
  return out.str();
}

}  // namespace migrasim::studies
