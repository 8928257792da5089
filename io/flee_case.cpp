#include "io/flee_case.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "io/csv.hpp"
#include "io/param_reader.hpp"
#include "io/scenario.hpp"
#include "io/yaml_tree.hpp"
#include "sim/errors.hpp"

namespace migrasim::io {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void bad(const CsvTable& t, const CsvRow& row, int field, const std::string& what) {
  throw InputError(t.mark(row, field).str() + ": " + what);
}

std::string field(const CsvRow& row, int i) {
  return i >= 0 && static_cast<std::size_t>(i) < row.fields.size()
             ? row.fields[static_cast<std::size_t>(i)].text
             : std::string();
}

std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// A number as Flee's float() reads it: surrounding blanks allowed.
double number(const CsvTable& t, const CsvRow& row, int i, const std::string& name) {
  const std::string s = trimmed(field(row, i));
  double v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v))
    bad(t, row, i, name + ": got '" + s + "', expected a number");
  return v;
}

// The whole text as a number as strtod reads it (the forms Python's float() takes, "inf" and "nan"
// included), or nothing when some of it is not part of the number.
std::optional<double> parsed_number(const std::string& s) {
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0') return std::nullopt;
  return d;
}

// All rows of a headerless file (CsvTable keeps the first line as its header).
std::vector<CsvRow> all_rows(const CsvTable& t) {
  std::vector<CsvRow> rows;
  CsvRow first;
  first.line = 1;
  int col = 1;
  for (const auto& h : t.header) {
    first.fields.push_back({h, col});
    col += static_cast<int>(h.size()) + 1;
  }
  rows.push_back(first);
  rows.insert(rows.end(), t.rows.begin(), t.rows.end());
  return rows;
}

}  // namespace

FleeCasePaths locate_flee_case(const std::string& dir, const std::string& simsetting) {
  FleeCasePaths p;
  fs::path d(dir);
  if (!fs::is_directory(d))
    throw InputError(dir + ": not a directory (expected a Flee case or its input folder)");
  // A case folder holds input/ and validation/, or, in FabFlee's own layout, input_csv/ and source_data/.
  auto validation_in = [](const fs::path& case_dir) {
    for (const char* name : {"validation", "source_data"})
      if (fs::exists(case_dir / name / "data_layout.csv")) return (case_dir / name).string();
    return std::string();
  };
  fs::path case_dir;
  if (fs::exists(d / "input" / "locations.csv")) {
    p.input = (d / "input").string();
    case_dir = d;
  } else if (fs::exists(d / "input_csv" / "locations.csv")) {
    p.input = (d / "input_csv").string();
    case_dir = d;
  } else if (fs::exists(d / "locations.csv")) {
    p.input = d.string();
    case_dir = d.lexically_normal().parent_path();
  } else {
    throw InputError(dir + ": no locations.csv here or in input/ or input_csv/ (expected a Flee case)");
  }
  p.validation = validation_in(case_dir);
  if (fs::exists(case_dir / "simsetting.yml")) p.simsetting = (case_dir / "simsetting.yml").string();
  // A suite of cases (FabFlee's validation suite) shares one simsetting.yml in the folder above the cases.
  if (p.simsetting.empty()) {
    const fs::path in_case = fs::path(p.input).lexically_normal().parent_path();
    const fs::path suite = in_case.parent_path() / "simsetting.yml";
    if ((fs::exists(in_case / "validation") || fs::exists(in_case / "source_data")) && fs::exists(suite))
      p.simsetting = suite.string();
  }
  if (!simsetting.empty()) {
    if (!fs::exists(simsetting)) throw InputError(simsetting + ": simsetting file does not exist");
    p.simsetting = simsetting;
  }
  return p;
}

void read_flee_period(const std::string& input_dir, std::string& start_date, std::int32_t& days) {
  // sim_period.csv (Flee 3), else conflict_period.csv (its earlier name, same format); keys in any case,
  // as Flee's read_period compares them lower-cased.
  std::string path = (fs::path(input_dir) / "sim_period.csv").string();
  if (!fs::exists(path) && fs::exists(fs::path(input_dir) / "conflict_period.csv"))
    path = (fs::path(input_dir) / "conflict_period.csv").string();
  const CsvTable t = read_csv(path, true);
  bool have_start = false, have_length = false;
  for (const auto& row : all_rows(t)) {
    std::string key = field(row, 0);
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key == "startdate") {
      std::int64_t d = 0;
      if (!parse_iso_date(field(row, 1), d))
        bad(t, row, 1, "StartDate: got '" + field(row, 1) + "', expected YYYY-MM-DD");
      start_date = format_iso_date(d);
      have_start = true;
    } else if (key == "length") {
      const double v = number(t, row, 1, "Length");
      if (v < 1 || v > 100000 || v != std::floor(v))
        bad(t, row, 1, "Length: expected a whole number of days >= 1");
      days = static_cast<std::int32_t>(v);
      have_length = true;
    }
  }
  if (!have_start || !have_length)
    throw InputError(path + ": expected rows 'StartDate,YYYY-MM-DD' and 'Length,N'");
}

namespace {

// A Flee CSV file as Flee reads it: every non-blank row, the first line included (Flee's readers have no
// header line: they skip rows by their first field). An empty file has no rows.
struct FleeCsv {
  CsvTable table;  // for marks
  std::vector<CsvRow> rows;
};
FleeCsv read_flee_csv(const std::string& path) {
  FleeCsv f;
  const std::string text = read_input_file(path, "Flee CSV file");
  f.table.path = path;
  if (text.find_first_not_of(" \t\r\n\xEF\xBB\xBF") == std::string::npos) return f;
  f.table = parse_csv(text, path, true);
  f.rows = all_rows(f.table);
  return f;
}

// Flee skips a row whose first field starts with '#' (headers and comments) or that is blank.
bool flee_comment(const CsvRow& row) {
  return row.fields.empty() || (!row.fields[0].text.empty() && row.fields[0].text[0] == '#');
}

// `s` with each byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD, so that text
// kept from a file in another encoding (Latin-1) is still readable UTF-8 in the outputs.
std::string as_utf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80                   ? 1
                    : (c >= 0xC2 && c <= 0xDF) ? 2
                    : (c >= 0xE0 && c <= 0xEF) ? 3
                    : (c >= 0xF0 && c <= 0xF4) ? 4
                                               : 0;
    bool ok = n > 0 && i + n <= s.size();
    for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok && n >= 3) {  // no overlong forms, surrogates or code points above U+10FFFF
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0) && !(c == 0xF0 && c1 < 0x90) &&
           !(c == 0xF4 && c1 >= 0x90);
    }
    if (ok) {
      out.append(s, i, n);
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

// The columns of a Flee file after its fixed ones (Flee's location or link attributes), kept as text:
// a `#` row with more fields than the fixed ones names them for the rows after it (as Flee takes its
// attribute names); a column it does not name is `column_N` (N from 1) and kept only where some row
// gives it a value. Names become letters, digits and '_' (each run of other characters one '_'); a name
// met twice in one header gets `_2`, `_3`, ...
class FleeAttributeColumns {
 public:
  FleeAttributeColumns(std::string file, std::size_t fixed) : file_(std::move(file)), fixed_(fixed) {}

  void header(const CsvRow& row) {
    if (row.fields.size() <= fixed_) return;
    names_.clear();
    for (std::size_t c = fixed_; c < row.fields.size(); ++c) {
      const std::string given = trimmed(row.fields[c].text);
      std::string name = sanitised(given);
      if (name.empty()) {
        names_.push_back(-1);  // unnamed: column_N when a row gives it a value
        continue;
      }
      names_.push_back(static_cast<int>(attribute(unique(name), given, c)));
    }
  }

  // A data row, the `index`th (0, 1, ... in the order kept).
  void add(const CsvRow& row, std::size_t index) {
    for (std::size_t c = fixed_; c < row.fields.size(); ++c) {
      const std::string& text = row.fields[c].text;
      const std::size_t k = c - fixed_;
      if (k >= names_.size()) names_.resize(k + 1, -1);
      if (names_[k] < 0) {
        if (text.empty()) continue;
        names_[k] = static_cast<int>(attribute(unique("column_" + std::to_string(c + 1)), "", c));
      }
      auto& values = attributes_[static_cast<std::size_t>(names_[k])].values;
      if (values.size() <= index) values.resize(index + 1);
      values[index] = as_utf8(text);
    }
  }

  std::vector<Attribute> take(std::size_t count) {
    for (auto& a : attributes_) a.values.resize(count);
    return std::move(attributes_);
  }

 private:
  static std::string sanitised(const std::string& given) {
    std::string name;
    for (char ch : given) {
      const bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
      if (keep)
        name += ch;
      else if (!name.empty() && name.back() != '_')
        name += '_';
    }
    while (!name.empty() && name.back() == '_') name.pop_back();
    if (name.size() > 100) name.resize(100);
    return name;
  }
  // `name`, or name_2, name_3, ... where this header already named a column so.
  std::string unique(const std::string& name) const {
    auto taken = [&](const std::string& n) {
      for (int k : names_)
        if (k >= 0 && attributes_[static_cast<std::size_t>(k)].name == n) return true;
      return false;
    };
    if (!taken(name)) return name;
    for (int i = 2;; ++i)
      if (!taken(name + "_" + std::to_string(i))) return name + "_" + std::to_string(i);
  }
  // The index of the attribute so named (an earlier header's, or a new one).
  std::size_t attribute(const std::string& name, const std::string& given, std::size_t column) {
    for (std::size_t k = 0; k < attributes_.size(); ++k)
      if (attributes_[k].name == name) return k;
    attributes_.push_back({name, as_utf8(given), file_ + ", column " + std::to_string(column + 1), {}});
    return attributes_.size() - 1;
  }

  std::string file_;
  std::size_t fixed_;
  std::vector<int> names_;  // [column - fixed] index into attributes_, -1: none yet
  std::vector<Attribute> attributes_;
};

// One data point series: (day, count) sorted by day.
using Points = std::vector<std::pair<std::int64_t, double>>;

// A validation series file: `YYYY-MM-DD,count` rows; other rows (headers, comments) are skipped.
Points read_series(const std::string& path) {
  const FleeCsv s = read_flee_csv(path);
  Points points;
  for (const auto& r : s.rows) {
    std::int64_t d = 0;
    if (flee_comment(r) || !parse_iso_date(field(r, 0), d)) continue;  // header or comment lines
    if (field(r, 1).empty()) continue;                                 // Flee skips an empty count
    points.emplace_back(d, number(s.table, r, 1, "count"));
  }
  if (points.empty()) throw InputError(path + ": no 'YYYY-MM-DD,count' rows");
  std::stable_sort(points.begin(), points.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return points;
}

// Linear interpolation (the first value before the first point, the last after the last).
double value_at(const Points& points, std::int64_t d) {
  if (d <= points.front().first) return points.front().second;
  if (d >= points.back().first) return points.back().second;
  auto hi = std::lower_bound(points.begin(), points.end(), std::make_pair(d, -1e300));
  if (hi->first == d) return hi->second;
  auto lo = hi - 1;
  return lo->second + (hi->second - lo->second) * static_cast<double>(d - lo->first) /
                          static_cast<double>(hi->first - lo->first);
}

// Several files on one data_layout row: their sum at every date of any of them (each file interpolated
// as above). Flee sums them where their dates coincide; where they do not, its merge carries values over
// unevenly (docs/flee.md).
Points sum_series(const std::vector<Points>& files) {
  if (files.size() == 1) return files[0];
  std::vector<std::int64_t> dates;
  for (const auto& f : files)
    for (const auto& p : f) dates.push_back(p.first);
  std::sort(dates.begin(), dates.end());
  dates.erase(std::unique(dates.begin(), dates.end()), dates.end());
  Points out;
  for (std::int64_t d : dates) {
    double v = 0;
    for (const auto& f : files) v += value_at(f, d);
    out.emplace_back(d, v);
  }
  return out;
}

}  // namespace

ObservedData read_observed(const std::string& validation_dir, const std::string& corrections_csv,
                           const World& world, std::int64_t start_day, std::int32_t days,
                           const FleeDataRules& rules, std::vector<std::string>* warnings) {
  ObservedData out;
  const std::string layout_path = (fs::path(validation_dir) / "data_layout.csv").string();
  const FleeCsv layout = read_flee_csv(layout_path);
  // data_layout.csv: name, file[, file ...] (several files are summed); the row `total` names the
  // observed total (refugees.csv).
  struct Series {
    std::string name;
    place_id place = -1;
    Points points;
  };
  std::vector<Series> series;
  for (const auto& row : layout.rows) {
    if (flee_comment(row) || row.fields.size() < 2) continue;
    Series s;
    s.name = field(row, 0);
    if (s.name.empty()) bad(layout.table, row, 0, "empty name (expected a camp or total)");
    for (const auto& other : series)
      if (other.name == s.name) bad(layout.table, row, 0, "'" + s.name + "' is listed twice");
    std::vector<Points> files;
    for (std::size_t k = 1; k < row.fields.size(); ++k)
      if (!row.fields[k].text.empty())
        files.push_back(read_series((fs::path(validation_dir) / row.fields[k].text).string()));
    if (files.empty()) bad(layout.table, row, 1, "expected the file of the camp's counts");
    s.points = sum_series(files);
    if (s.name != "total") {
      s.place = world.find_place(s.name);
      if (s.place < 0 && warnings)
        warnings->push_back(layout.table.mark(row, 0).str() + ": '" + s.name +
                            "' is not a location of the case: its counts add to the spawning total (as "
                            "Flee's sum_from_camps does) but it is not scored");
    }
    series.push_back(std::move(s));
  }
  // Registration corrections, in file order (each on the series as earlier ones left it): a registration
  // exercise on that date re-counted the camp; every data point before the date is multiplied by (count on
  // the date) / (the count just before it), whether that lowers or raises them. The date must be one of the
  // series' data points, not its first. As Flee's correctLevel1Registrations: a row of one field is skipped,
  // a correction dated before the run's start is ignored, and a third field is not read (all warned).
  if (!corrections_csv.empty() && fs::exists(corrections_csv)) {
    const FleeCsv corr = read_flee_csv(corrections_csv);
    auto warn = [&](const CsvRow& row, int i, const std::string& what) {
      if (warnings) warnings->push_back(corr.table.mark(row, i).str() + ": " + what);
    };
    for (const auto& row : corr.rows) {
      if (flee_comment(row)) continue;
      if (row.fields.size() < 2) {
        warn(row, 0, "expected camp,YYYY-MM-DD: a row of one field is skipped, as Flee skips it");
        continue;
      }
      const std::string name = field(row, 0);
      auto it = std::find_if(series.begin(), series.end(), [&](const Series& s) { return s.name == name; });
      if (it == series.end()) bad(corr.table, row, 0, "'" + name + "' is not a row of " + layout_path);
      std::int64_t d = 0;
      if (!parse_iso_date(field(row, 1), d))
        bad(corr.table, row, 1, "got '" + field(row, 1) + "', expected a date YYYY-MM-DD");
      const std::string method = field(row, 2);
      if (!method.empty() && method != "normalize")
        warn(row, 2,
             "'" + method + "' is not read (Flee reads the camp and the date only; normalize is its method)");
      if (d < start_day) {
        warn(row, 1, "dated before the run's start: ignored, as Flee ignores it");
        continue;
      }
      Points& p = it->points;
      std::size_t i = 0;
      while (i < p.size() && p[i].first != d) ++i;
      if (i == 0 || i == p.size())
        bad(corr.table, row, 1,
            "got " + field(row, 1) + ", expected the date of one of " + name +
                "'s data points after its first (Flee scales the counts before that point)");
      if (p[i - 1].second > 0) {
        const double factor = p[i].second / p[i - 1].second;
        for (std::size_t k = 0; k < i; ++k) p[k].second *= factor;
      }
    }
  }
  // Daily values as Flee's data table gives them: the counts divided by hasten, interpolated, the whole
  // part; with empty_camps_on_day0 less the day-0 value.
  auto daily = [&](const Points& p) {
    std::vector<double> v(static_cast<std::size_t>(days));
    Points scaled = p;
    for (auto& q : scaled) q.second /= rules.hasten;
    for (std::int32_t t = 0; t < days; ++t)
      v[static_cast<std::size_t>(t)] = std::trunc(value_at(scaled, start_day + t));
    return v;
  };
  auto from_day0 = [&](std::vector<double>& v) {
    if (!rules.empty_camps_on_day0 || v.empty()) return;
    const double day0 = v[0];
    for (auto& x : v) x -= day0;
  };
  out.total.assign(static_cast<std::size_t>(days), 0.0);
  out.spawn_total.assign(static_cast<std::size_t>(days), 0);
  const Series* total_row = nullptr;
  for (const auto& s : series) {
    if (s.name == "total") {
      total_row = &s;
      continue;
    }
    std::vector<double> v = daily(s.points);
    const double day0 = v.empty() ? 0 : v[0];
    from_day0(v);
    for (std::int32_t t = 0; t < days; ++t)
      out.spawn_total[static_cast<std::size_t>(t)] +=
          static_cast<std::int64_t>(v[static_cast<std::size_t>(t)]);
    if (s.place < 0) continue;
    ObservedCamp camp;
    camp.name = s.name;
    camp.place = s.place;
    camp.daily = v;
    camp.day0 = day0;
    for (std::int32_t t = 0; t < days; ++t)
      out.total[static_cast<std::size_t>(t)] += v[static_cast<std::size_t>(t)];
    out.camps.push_back(std::move(camp));
  }
  if (!rules.sum_from_camps) {
    if (!total_row)
      throw InputError(layout_path + ": no row 'total' (spawn_rules.sum_from_camps: false spawns from it)");
    std::vector<double> v = daily(total_row->points);
    from_day0(v);
    for (std::int32_t t = 0; t < days; ++t)
      out.spawn_total[static_cast<std::size_t>(t)] =
          static_cast<std::int64_t>(v[static_cast<std::size_t>(t)]);
  }
  if (out.camps.empty()) throw InputError(layout_path + ": lists no camp that is a location of the case");
  return out;
}

namespace {

// Flee's location types, matched as Flee matches them: lower case, by the first of these it contains:
// "camp" ("idp" too: an IDP camp), "conflict", "forward", "marker", "default" or "town". Anything else
// ("city" included) keeps the move chance Flee gives a location of no known type, 1, and is no camp and no
// town: it moves like a forwarding hub, as in Flee, with a warning.
bool flee_kind_of(std::string type, models::FleeKind& kind) {
  for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto has = [&](const char* s) { return type.find(s) != std::string::npos; };
  if (has("camp"))
    kind = has("idp") ? models::FleeKind::idpcamp : models::FleeKind::camp;
  else if (has("conflict"))
    kind = models::FleeKind::conflict_zone;
  else if (has("forward"))
    kind = models::FleeKind::forwarding_hub;
  else if (has("marker"))
    kind = models::FleeKind::marker;
  else if (has("default") || has("town"))
    kind = models::FleeKind::town;
  else {
    kind = models::FleeKind::forwarding_hub;
    return false;
  }
  return true;
}

// A Flee age value as an age band (0-17, 18-34, 35-59, 60+): years, or a range "lo-hi" / "lo+" by its
// lower end (`spans`: the range reaches into another band). -1: not an age.
int age_band_of(const std::string& text, bool& spans) {
  spans = false;
  auto band = [](double years) { return years < 18 ? 0 : years < 35 ? 1 : years < 60 ? 2 : 3; };
  const char* const end = text.data() + text.size();
  double lo = 0;
  auto r = std::from_chars(text.data(), end, lo);
  if (r.ec != std::errc() || !std::isfinite(lo) || lo < 0) return -1;
  if (r.ptr == end) return band(lo);
  if (*r.ptr == '+' && r.ptr + 1 == end) return band(lo);
  if (*r.ptr != '-') return -1;
  double hi = 0;
  auto r2 = std::from_chars(r.ptr + 1, end, hi);
  if (r2.ec != std::errc() || r2.ptr != end || !(hi >= lo)) return -1;
  spans = band(hi) != band(lo);
  return band(lo);
}

// A Flee gender value: 0 female, 1 male, -1 neither.
int sex_of(std::string v) {
  for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "female" || v == "f" || v == "woman" || v == "women") return 0;
  if (v == "male" || v == "m" || v == "man" || v == "men") return 1;
  return -1;
}

// Flee 3's demographics files (input/demographics_<attribute>.csv; Flee's demographics.py): a header line
// `<attribute>,Default,<location>,...`, then one row per value of the attribute with its weight in each
// column. A person created at a location draws each attribute from the location's column, else from
// Default. The attribute is the file name's second '_'-separated part, as Flee takes it. `age` (years, or
// ranges) sets the age band and `gender` (or `sex`: female / male) the sex of the people created at each
// place; other attributes have no use here (migrasim's agents have no religion, ethnicity, ...) and are
// warned. `out` holds the shares by place; what no file gives is left as it is.
void read_flee_demographics(const fs::path& in, const std::vector<Place>& places,
                            const std::unordered_map<std::string, place_id>& place_of,
                            std::vector<models::Demography::Shares>& out,
                            std::vector<std::string>& warnings) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(in, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 17 && name.rfind("demographics_", 0) == 0 &&
        name.compare(name.size() - 4, 4, ".csv") == 0)
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    const std::string stem = file.stem().string();
    const std::string rest = stem.substr(13);
    const std::string attribute = rest.substr(0, rest.find('_'));
    std::string lower = attribute;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool age = lower == "age", sex = lower == "gender" || lower == "sex";
    const std::string path = file.string();
    if (!age && !sex) {
      warnings.push_back(path + ":1:1: demographics attribute '" + attribute +
                         "': accepted and not used (migrasim's agents have a sex and an age band only; "
                         "Flee's rules that read it are not implemented)");
      continue;
    }
    const std::string text = read_input_file(path, "Flee demographics file");
    if (text.find_first_not_of(" \t\r\n\xEF\xBB\xBF") == std::string::npos) {
      warnings.push_back(path + ":1:1: empty demographics file: not used (Flee stops on it)");
      continue;
    }
    const CsvTable t = parse_csv(text, path, true);
    CsvRow header_row;
    header_row.line = 1;
    // Columns: -2 ignored, -1 Default, else a place.
    std::vector<place_id> column(t.header.size(), -2);
    int default_column = -1;
    int col = 1;
    for (std::size_t c = 0; c < t.header.size(); ++c) {
      header_row.fields.push_back({t.header[c], col});
      col += static_cast<int>(t.header[c].size()) + 1;
    }
    for (std::size_t c = 1; c < t.header.size(); ++c) {
      const std::string name = trimmed(t.header[c]);
      if (name == "Default") {
        if (default_column < 0) default_column = static_cast<int>(c);
      } else if (auto it = place_of.find(name); it != place_of.end()) {
        column[c] = it->second;
      } else if (!name.empty()) {
        warnings.push_back(t.mark(header_row, static_cast<int>(c)).str() + ": column '" + name +
                           "' names no location: ignored, as Flee ignores it");
      }
    }
    // Weights per column and category (age bands, or female / male).
    const std::size_t categories = age ? static_cast<std::size_t>(age_band_count) : 2;
    std::vector<std::vector<double>> weight(t.header.size(), std::vector<double>(categories, 0.0));
    for (const auto& row : t.rows) {
      const std::string value = trimmed(field(row, 0));
      bool spans = false;
      const int k = age ? age_band_of(value, spans) : sex_of(value);
      if (k < 0) {
        warnings.push_back(t.mark(row, 0).str() + ": " + attribute + " '" + value + "': expected " +
                           (age ? "an age in years (or a range lo-hi, lo+)" : "female or male") +
                           "; its weights are left out");
        continue;
      }
      if (spans)
        warnings.push_back(t.mark(row, 0).str() + ": age range '" + value +
                           "' spans more than one age band (0-17, 18-34, 35-59, 60+): counted in the band of "
                           "its lower end");
      for (std::size_t c = 1; c < t.header.size() && c < row.fields.size(); ++c) {
        const std::string w = trimmed(row.fields[c].text);
        if (w.empty()) continue;  // pandas reads it as missing: no weight
        double v = 0;
        auto r = std::from_chars(w.data(), w.data() + w.size(), v);
        if (r.ec != std::errc() || r.ptr != w.data() + w.size() || !std::isfinite(v) || v < 0)
          bad(t, row, static_cast<int>(c),
              "weight of " + attribute + " '" + value + "' for '" + trimmed(t.header[c]) + "': got '" + w +
                  "', expected a number >= 0");
        weight[c][static_cast<std::size_t>(k)] += v;
      }
    }
    auto total_of = [&](int c) {
      double s = 0;
      for (double v : weight[static_cast<std::size_t>(c)]) s += v;
      return s;
    };
    std::vector<std::uint8_t> warned(t.header.size(), 0);
    std::size_t uncovered = 0;
    std::string first_uncovered;
    for (std::size_t p = 0; p < places.size(); ++p) {
      int c = default_column;
      for (std::size_t k = 1; k < column.size(); ++k)
        if (column[k] == static_cast<place_id>(p)) {
          c = static_cast<int>(k);
          break;
        }
      if (c < 0) {
        if (uncovered++ == 0) first_uncovered = places[p].name;
        continue;
      }
      const double total = total_of(c);
      if (!(total > 0)) {
        if (!warned[static_cast<std::size_t>(c)]) {
          warned[static_cast<std::size_t>(c)] = 1;
          warnings.push_back(t.mark(header_row, c).str() + ": column '" +
                             trimmed(t.header[static_cast<std::size_t>(c)]) + "' gives no weight to any " +
                             attribute +
                             ": the people created where it applies keep behaviour.flee.demography's shares "
                             "(Flee stops when it draws from it)");
        }
        continue;
      }
      auto& shares = out[p];
      const auto& w = weight[static_cast<std::size_t>(c)];
      if (age)
        for (std::size_t k = 0; k < categories; ++k) shares.age_band_shares[k] = w[k] / total;
      else
        shares.female_share = w[0] / total;
    }
    if (uncovered > 0)
      warnings.push_back(path + ":1:1: no Default column and no column for " + std::to_string(uncovered) +
                         " location(s) (first: '" + first_uncovered +
                         "'): the people created there keep behaviour.flee.demography's shares (Flee stops "
                         "when it draws for them)");
  }
}

}  // namespace

FleeBuild build_flee_case(const FleeCasePaths& paths, std::int64_t start_day, std::int32_t days,
                          models::FleeParams rules) {
  FleeBuild b;
  b.params = std::move(rules);
  const double hasten = b.params.hasten;
  const fs::path in(paths.input);
  std::unordered_map<std::string, country_id> country_of;
  std::unordered_map<std::string, place_id> place_of;
  std::vector<std::int32_t> conflict_date;
  auto warn = [&](const CsvTable& t, const CsvRow& row, int i, const std::string& what) {
    b.warnings.push_back(t.mark(row, i).str() + ": " + what);
  };

  // locations.csv: name, region, country, latitude, longitude, location_type, conflict_date, population
  // (by position, as Flee reads them); rows starting with '#' are headers or comments; further columns
  // are Flee's location attributes: kept as the places' attributes (the movement reads one, below).
  const FleeCsv loc = read_flee_csv((in / "locations.csv").string());
  FleeAttributeColumns location_attributes("locations.csv", 8);
  // Flee names the columns after the 8th by the last '#' row with more than 8 fields (its attributes);
  // it reads one of them in its movement: conflict_intensity, the intensity a location of a conflict type
  // starts with (below).
  int intensity_column = -1;
  std::vector<float> initial_conflict;  // [place] the conflict a location starts with in Flee (0: none)
  std::vector<int> location_line;       // [place] its row in locations.csv
  for (const auto& row : loc.rows) {
    if (flee_comment(row)) {
      location_attributes.header(row);
      if (row.fields.size() > 8) {
        intensity_column = -1;
        for (std::size_t c = 8; c < row.fields.size(); ++c)
          if (trimmed(row.fields[c].text) == "conflict_intensity") intensity_column = static_cast<int>(c);
      }
      continue;
    }
    if (row.fields.size() < 6)
      bad(loc.table, row, 0,
          "expected at least 6 fields: name,region,country,latitude,longitude,location_type");
    Place p;
    p.name = field(row, 0);
    if (p.name.empty()) bad(loc.table, row, 0, "empty location name");
    if (place_of.count(p.name)) bad(loc.table, row, 0, "location '" + p.name + "' is listed twice");
    std::string country = field(row, 2);
    if (country.empty()) country = "unknown";  // Flee's name for an empty country
    auto [cit, added] = country_of.emplace(country, static_cast<country_id>(b.countries.size()));
    if (added) b.countries.push_back({country, country});
    p.country = cit->second;
    p.lat_deg = field(row, 3).empty() ? 0.0 : number(loc.table, row, 3, "latitude");
    p.lon_deg = field(row, 4).empty() ? 0.0 : number(loc.table, row, 4, "longitude");
    if (!(p.lat_deg >= -90 && p.lat_deg <= 90))
      bad(loc.table, row, 3, "latitude: expected degrees in [-90, 90]");
    if (!(p.lon_deg >= -180 && p.lon_deg <= 180))
      bad(loc.table, row, 4, "longitude: expected degrees in [-180, 180]");
    models::FleeKind kind{};
    const std::string type = field(row, 5);
    if (!flee_kind_of(type, kind))
      warn(loc.table, row, 5,
           "location_type '" + type +
               "' is none Flee knows (camp, idpcamp, conflict_zone, forwarding_hub, marker, town): it "
               "moves everyone on, as in Flee (move chance 1)");
    const std::string cdate = field(row, 6);
    const double cday = cdate.empty() ? -1 : number(loc.table, row, 6, "conflict_date");
    if (!(cday >= -1 && cday <= 1e6))
      bad(loc.table, row, 6, "conflict_date: got '" + cdate + "', expected a day in [0, 1e6] (or nothing)");
    conflict_date.push_back(static_cast<std::int32_t>(cday));
    // Flee makes a location of a conflict type with a conflict_date above 0 a town (conflicts.csv starts its
    // conflict); with 0 or less it starts in conflict, at its conflict_intensity attribute (1 without one).
    float start_conflict = 0.0f;
    if (kind == models::FleeKind::conflict_zone && !cdate.empty() && cday <= 0) {
      start_conflict = 1.0f;
      if (intensity_column >= 0 && !trimmed(field(row, intensity_column)).empty()) {
        const double v = number(loc.table, row, intensity_column, "conflict_intensity");
        if (!(v >= 0 && v <= 1e6))
          bad(loc.table, row, intensity_column, "conflict_intensity: expected a value >= 0");
        start_conflict = static_cast<float>(v);
      }
    }
    initial_conflict.push_back(start_conflict);
    location_line.push_back(row.line);
    const std::string pop = field(row, 7);
    const double population = pop.empty() ? 0 : number(loc.table, row, 7, "population");
    if (population < 0 || population > 1e12)
      bad(loc.table, row, 7, "population: expected persons in [0, 1e12]");
    const bool camp = kind == models::FleeKind::camp || kind == models::FleeKind::idpcamp;
    p.kind = camp ? PlaceKind::shelter
             : (kind == models::FleeKind::forwarding_hub || kind == models::FleeKind::marker)
                 ? PlaceKind::transit_hub
                 : PlaceKind::town;
    if (camp) {
      // Flee: a camp's capacity times capacity_scaling below 1 (an empty column) is no limit.
      p.capacity = static_cast<std::int64_t>(population / hasten);
    } else {
      p.population = static_cast<std::int64_t>(population / hasten);
    }
    location_attributes.add(row, b.places.size());
    place_of.emplace(p.name, static_cast<place_id>(b.places.size()));
    b.places.push_back(std::move(p));
    b.params.kind.push_back(kind);
  }
  if (b.places.empty()) throw InputError(loc.table.path + ": no locations");
  b.place_attributes = location_attributes.take(b.places.size());
  b.params.home_country = 0;
  // major_routes.csv: Flee's predefined long routes (added to its route lists by its route crawling);
  // not implemented, so warned rather than silently dropped.
  if (fs::exists(in / "major_routes.csv"))
    b.warnings.push_back((in / "major_routes.csv").string() +
                         ":1:1: Flee's major routes are not implemented in migrasim: not read");
  // demographics_*.csv: the sex and age band of the people created at each place.
  {
    std::vector<models::Demography::Shares> shares(b.places.size(), b.params.demography);
    read_flee_demographics(in, b.places, place_of, shares, b.warnings);
    bool any = false;
    for (const auto& s : shares)
      any = any || s.female_share != b.params.demography.female_share ||
            s.age_band_shares != b.params.demography.age_band_shares;
    b.params.place_demography = any ? std::move(shares) : std::vector<models::Demography::Shares>{};
  }
  auto place_ref = [&](const FleeCsv& t, const CsvRow& row, int i) {
    auto it = place_of.find(field(row, i));
    if (it == place_of.end()) bad(t.table, row, i, "unknown location '" + field(row, i) + "'");
    return it->second;
  };

  // routes.csv: name1, name2, distance[, forced_redirection[, attributes]]. A route listed twice is two
  // links, as in Flee (its neighbour is twice as likely to be chosen). Flee's movement does not read the
  // forced_redirection column (it must be a whole number, as Flee parses it); see docs/flee.md. Further
  // columns are Flee's link attributes: kept as the routes' attributes.
  const FleeCsv rt = read_flee_csv((in / "routes.csv").string());
  FleeAttributeColumns link_attributes("routes.csv", 4);
  for (const auto& row : rt.rows) {
    if (flee_comment(row)) {
      link_attributes.header(row);
      continue;
    }
    Route r;
    r.a = place_ref(rt, row, 0);
    r.b = place_ref(rt, row, 1);
    if (r.a == r.b) bad(rt.table, row, 1, "a route must join two different locations");
    r.distance_km = number(rt.table, row, 2, "distance");
    if (!(r.distance_km > 0) || r.distance_km > 1e6)
      bad(rt.table, row, 2, "distance: expected km in (0, 1e6]");
    const std::string fr = field(row, 3);
    if (!fr.empty()) {
      int v = 0;
      auto res = std::from_chars(fr.data(), fr.data() + fr.size(), v);
      if (res.ec != std::errc() || res.ptr != fr.data() + fr.size())
        bad(rt.table, row, 3, "forced_redirection: got '" + fr + "', expected a whole number (0, 1 or 2)");
    }
    link_attributes.add(row, b.routes.size());
    b.routes.push_back(r);
  }
  b.route_attributes = link_attributes.take(b.routes.size());
  auto routes_between = [&](place_id x, place_id y) {
    std::vector<route_id> out;
    for (std::size_t k = 0; k < b.routes.size(); ++k)
      if ((b.routes[k].a == x && b.routes[k].b == y) || (b.routes[k].a == y && b.routes[k].b == x))
        out.push_back(static_cast<route_id>(k));
    return out;
  };
  // conflicts.csv: #Day, then one intensity column per location; missing: conflict_date of conflict zones.
  const auto n_places = b.places.size();
  b.params.conflict_intensity.assign(static_cast<std::size_t>(days) * n_places, 0.0f);
  const fs::path conflicts = in / "conflicts.csv";
  if (fs::exists(conflicts)) {
    const CsvTable cf = read_csv(conflicts.string(), true);
    std::vector<place_id> column_place(cf.header.size(), -1);
    for (std::size_t c = 1; c < cf.header.size(); ++c)
      if (auto it = place_of.find(trimmed(cf.header[c])); it != place_of.end())
        column_place[c] = it->second;  // Flee strips the header's names
    std::vector<float> row_values(n_places, 0.0f);
    std::int32_t next_day = 0;
    for (const auto& row : cf.rows) {
      const double day_v = number(cf, row, 0, "Day");
      if (!(day_v >= 0 && day_v <= 1e6))
        bad(cf, row, 0, "Day: got '" + field(row, 0) + "', expected a day in [0, 1e6]");
      const auto day = static_cast<std::int32_t>(day_v);
      if (day < next_day) bad(cf, row, 0, "days must increase down the file");
      // Carry the previous row forward over days the file skips.
      for (; next_day < std::min(day, days); ++next_day)
        std::copy(row_values.begin(), row_values.end(),
                  b.params.conflict_intensity.begin() +
                      static_cast<std::ptrdiff_t>(static_cast<std::size_t>(next_day) * n_places));
      for (std::size_t c = 1; c < cf.header.size() && c < row.fields.size(); ++c) {
        if (column_place[c] < 0 || row.fields[c].text.empty()) continue;
        const double v = number(cf, row, static_cast<int>(c), cf.header[c]);
        if (!(v >= 0 && v <= 1e6))
          bad(cf, row, static_cast<int>(c), "conflict intensity: expected a value >= 0");
        row_values[static_cast<std::size_t>(column_place[c])] = static_cast<float>(v);
      }
      if (day < days)
        std::copy(row_values.begin(), row_values.end(),
                  b.params.conflict_intensity.begin() +
                      static_cast<std::ptrdiff_t>(static_cast<std::size_t>(day) * n_places));
      next_day = std::max(next_day, day + 1);
    }
    for (; next_day < days; ++next_day)
      std::copy(row_values.begin(), row_values.end(),
                b.params.conflict_intensity.begin() +
                    static_cast<std::ptrdiff_t>(static_cast<std::size_t>(next_day) * n_places));
    // The file's values as Flee takes them (its AddNewConflictZones): a location's intensity is set on the
    // day its value rises above 1e-6 (or on day 0, if above), kept while the value stays above, and set to
    // the value on the day it falls below; before any of that, it is the conflict the location started
    // with (above); a location with no column keeps that conflict all run.
    std::vector<std::uint8_t> has_column(n_places, 0);
    for (place_id q : column_place)
      if (q >= 0) has_column[static_cast<std::size_t>(q)] = 1;
    constexpr float eps = 1e-6f;
    auto& ci = b.params.conflict_intensity;
    for (std::size_t q = 0; q < n_places; ++q) {
      const float day0 = has_column[q] ? ci[q] : 0.0f;
      if (initial_conflict[q] > 0 && !(day0 > eps))
        b.warnings.push_back(
            loc.table.path + ":" + std::to_string(location_line[q]) + ":1: '" + b.places[q].name +
            "' is of a conflict type with conflict_date 0 or less and conflicts.csv gives it "
            "no conflict on day 0" +
            (has_column[q] ? "" : " (it has no column)") +
            ": Flee starts it in conflict anyway, and so does migrasim, until its column "
            "first rises above 0");
      float current = initial_conflict[q];
      float previous = 0.0f;
      for (std::int32_t d = 0; d < days; ++d) {
        float& at = ci[static_cast<std::size_t>(d) * n_places + q];
        const float v = has_column[q] ? at : 0.0f;
        if (has_column[q]) {
          if (v > eps && (d == 0 || previous < eps))
            current = v;
          else if (v < eps && d > 0 && previous >= eps)
            current = v;
        }
        previous = v;
        at = current;
      }
    }
  } else {
    for (std::size_t p = 0; p < n_places; ++p)
      if (b.params.kind[p] == models::FleeKind::conflict_zone && conflict_date[p] >= 0)
        for (std::int32_t d = std::max(0, conflict_date[p]); d < days; ++d)
          b.params.conflict_intensity[static_cast<std::size_t>(d) * n_places + p] = 1.0f;
  }

  // closures.csv: closure_type, name1, name2, closure_start, closure_end (days; in force from start to the
  // day before end; -1: to the end of the run), read as Flee reads them (docs/flee.md):
  //   country   every route between the countries name1 and name2;
  //   location  every route to or from the location name1 (name2 is not read);
  //   link      the route(s) name1--name2;
  //   camp, idpcamp  the camp name1 is an ordinary town for the period (closes no route; name2 is not read),
  //             and a camp (an IDP camp) again from closure_end;
  //   remove_forced_redirection  nothing (Flee's movement does not read redirections).
  const fs::path closures = in / "closures.csv";
  if (fs::exists(closures)) {
    const FleeCsv cl = read_flee_csv(closures.string());
    for (const auto& row : cl.rows) {
      if (flee_comment(row)) continue;
      const std::string type = field(row, 0);
      auto whole = [&](int i, const char* name) {
        const double v = number(cl.table, row, i, name);
        if (v != std::floor(v) || v < -1 || v > 1e6)
          bad(cl.table, row, i,
              std::string(name) + ": got '" + field(row, i) + "', expected a day >= 0 or -1");
        return static_cast<std::int32_t>(v);
      };
      const std::int32_t start = whole(3, "closure_start");
      const std::int32_t end = whole(4, "closure_end");
      if (type == "remove_forced_redirection") continue;
      if (type == "camp" || type == "idpcamp") {
        auto it = place_of.find(field(row, 1));
        if (it == place_of.end()) {
          warn(cl.table, row, 1, "unknown location '" + field(row, 1) + "': closure ignored");
          continue;
        }
        b.params.kind_changes.push_back({start, it->second, models::FleeKind::town});
        b.params.kind_changes.push_back(
            {end, it->second, type == "idpcamp" ? models::FleeKind::idpcamp : models::FleeKind::camp});
        continue;
      }
      Event close;
      close.day = start;
      close.action = EventAction::close_routes;
      close.target = field(row, 1) + "-" + field(row, 2);
      close.name = type + " closure " + close.target;
      if (type == "country") {
        auto c1 = country_of.find(field(row, 1)), c2 = country_of.find(field(row, 2));
        if (c1 == country_of.end() || c2 == country_of.end()) {
          warn(
              cl.table, row, c1 == country_of.end() ? 1 : 2,
              "unknown country '" + field(row, c1 == country_of.end() ? 1 : 2) + "': closure closes nothing");
          continue;
        }
        for (std::size_t k = 0; k < b.routes.size(); ++k) {
          const country_id x = b.places[static_cast<std::size_t>(b.routes[k].a)].country;
          const country_id y = b.places[static_cast<std::size_t>(b.routes[k].b)].country;
          if ((x == c1->second && y == c2->second) || (x == c2->second && y == c1->second))
            close.routes.push_back(static_cast<route_id>(k));
        }
      } else if (type == "location") {
        const place_id at = place_ref(cl, row, 1);
        for (std::size_t k = 0; k < b.routes.size(); ++k)
          if (b.routes[k].a == at || b.routes[k].b == at) close.routes.push_back(static_cast<route_id>(k));
      } else if (type == "link") {
        close.routes = routes_between(place_ref(cl, row, 1), place_ref(cl, row, 2));
        if (close.routes.empty())
          bad(cl.table, row, 1, "no route joins '" + field(row, 1) + "' and '" + field(row, 2) + "'");
      } else {
        warn(cl.table, row, 0,
             "closure_type '" + type +
                 "' is none Flee knows (country, location, link, camp, idpcamp, remove_forced_redirection): "
                 "ignored, as Flee ignores it");
        continue;
      }
      if (close.routes.empty() || start < 0 || start >= days) continue;
      b.events.push_back(close);
      if (end >= 0 && end < days && end != start) {
        if (end < start) {
          warn(cl.table, row, 4, "closure_end before closure_start: the closure lasts to the end of the run");
          continue;
        }
        Event open = close;
        open.action = EventAction::open_routes;
        open.name = type + " reopening " + close.target;
        open.day = end;
        b.events.push_back(open);
      } else if (end == start) {
        b.events.pop_back();  // closed and reopened on the same day: no closure
      }
    }
  }
  std::stable_sort(b.params.kind_changes.begin(), b.params.kind_changes.end(),
                   [](const auto& x, const auto& y) { return x.day < y.day; });

  // Spawning targets from the observed camp counts.
  if (paths.validation.empty())
    throw InputError(paths.input +
                     ": Flee spawning needs the observed data (validation/data_layout.csv) beside it");
  const World probe(b.countries, b.places, b.routes);
  const fs::path corrections = in / "registration_corrections.csv";
  b.observed = read_observed(paths.validation, fs::exists(corrections) ? corrections.string() : std::string(),
                             probe, start_day, days, data_rules(b.params), &b.warnings);
  // Cumulative agents to have made by each day: Flee's daily increases of the observed counts (their sum
  // over camps, or the total with sum_from_camps false), added up; on day 0 with insert_day0 the camps
  // receive their day-0 counts instead, and their capacities shrink by as much (as in Flee).
  const bool insert = b.params.insert_day0 && !b.params.empty_camps_on_day0;
  b.params.day0_camp_agents.assign(n_places, 0);
  std::int64_t day0_inserted = 0;
  if (insert)
    for (const auto& camp : b.observed.camps) {
      const auto n = static_cast<std::int64_t>(camp.daily[0]);
      b.params.day0_camp_agents[static_cast<std::size_t>(camp.place)] += n;
      day0_inserted += n;
    }
  if (b.params.insert_day0)
    for (const auto& camp : b.observed.camps) {
      Place& p = b.places[static_cast<std::size_t>(camp.place)];
      if (p.capacity > 0) {
        p.capacity = std::max<std::int64_t>(0, p.capacity - static_cast<std::int64_t>(camp.day0));
      }
    }
  b.params.target_total.resize(static_cast<std::size_t>(days));
  const std::int64_t base0 = b.observed.spawn_total.empty() ? 0 : b.observed.spawn_total[0];
  for (std::int32_t t = 0; t < days; ++t) {
    const std::int64_t v = b.observed.spawn_total[static_cast<std::size_t>(t)];
    b.params.target_total[static_cast<std::size_t>(t)] = insert ? day0_inserted + (v - base0) : v;
  }
  // Flee 3's `initial_idps` location attribute (spawning.py's add_initial_refugees): each camp (IDP camps
  // included) receives that many people on day 0 beside its observed count, unless camps start empty, and
  // whatever insert_day0 says; not divided by hasten (Flee takes the attribute as it is) and not counted
  // against the observed totals: the targets move up by as much.
  std::int64_t initial_total = 0;
  for (const auto& a : b.place_attributes) {
    if (a.name != "initial_idps" || b.params.empty_camps_on_day0) continue;
    for (std::size_t q = 0; q < n_places; ++q) {
      const std::string text = trimmed(a.values[q]);
      const models::FleeKind k = b.params.kind[q];
      if (text.empty() || (k != models::FleeKind::camp && k != models::FleeKind::idpcamp)) continue;
      std::int64_t n = -1;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), n);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size() || n < 0 || n > 1'000'000'000'000)
        throw InputError(loc.table.path + ":" + std::to_string(location_line[q]) + ":1: '" +
                         b.places[q].name + "': initial_idps '" + text + "' (" + a.source +
                         "): expected a whole number of persons in [0, 1e12], as Flee's int() takes it");
      b.params.day0_camp_agents[q] += n;
      initial_total += n;
    }
  }
  for (auto& t : b.params.target_total) t += initial_total;
  // camps_are_sinks: each camp's `deactivation_probability` attribute (Flee reads it, as a number, only
  // with the rule on; none or an empty cell: 0; above 1, as 1).
  if (b.params.camps_are_sinks)
    for (const auto& a : b.place_attributes) {
      if (a.name != "deactivation_probability") continue;
      b.params.deactivation_probability.assign(n_places, 0.0);
      for (std::size_t q = 0; q < n_places; ++q) {
        const std::string text = trimmed(a.values[q]);
        if (text.empty()) continue;
        const std::optional<double> v = parsed_number(text);
        if (!v || !(*v >= 0 && *v <= 1e9))
          throw InputError(loc.table.path + ":" + std::to_string(location_line[q]) + ":1: '" +
                           b.places[q].name + "': deactivation_probability '" + text + "' (" + a.source +
                           "): expected a probability, a number >= 0 (above 1: always)");
        b.params.deactivation_probability[q] = std::min(*v, 1.0);
      }
    }
  return b;
}

namespace {

// Flee's simsetting.yml, key by key. The keys migrasim implements fill `move`, `spawn` and `hasten`; the
// ones that only change Flee's logging or its input paths are accepted; Flee's optional rules migrasim does
// not implement are accepted only at the value that leaves them off (Flee's default) and refused at their
// line otherwise. A key Flee's settings reader does not read (it looks each key up by name and ignores the
// rest) is ignored, as Flee ignores it, with a line in `warnings`.
void read_simsetting(const std::string& path, std::map<std::string, std::string>& move,
                     std::map<std::string, std::string>& spawn, std::string& hasten,
                     std::vector<std::string>& warnings) {
  const YamlNode s = load_yaml_file(path);
  auto lower = [](std::string v) {
    for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return v;
  };
  // Flee's files write booleans True / False; migrasim's reader takes true / false.
  auto boolean_case = [&](const std::string& v) {
    const std::string l = lower(v);
    return (l == "true" || l == "false") ? l : v;
  };
  auto scalar = [&](const std::string& key, const YamlNode& v) {
    if (v.is_sequence()) {
      std::string out = "[";
      for (std::size_t i = 0; i < v.items.size(); ++i) {
        if (!v.items[i].is_scalar())
          throw InputError(v.items[i].mark.str() + ": " + key + ": expected a list of numbers");
        out += (i ? ", " : "") + v.items[i].scalar;
      }
      return out + "]";
    }
    if (!v.is_scalar()) throw InputError(v.mark.str() + ": " + key + ": expected a value");
    return boolean_case(v.scalar);
  };
  auto refuse = [&](const YamlNode& v, const std::string& key, const std::string& why) {
    throw InputError((v.key_mark.line ? v.key_mark : v.mark).str() + ": " + key + ": " + why);
  };
  auto ignored = [&](const YamlNode& v, const std::string& key, const std::string& why) {
    warnings.push_back((v.key_mark.line ? v.key_mark : v.mark).str() + ": " + key + ": " + why);
  };
  // A whole number as Flee's int() takes it (toward zero) where Flee reads the key with int(); anything
  // else is left to the range check below, which names it.
  auto whole = [](YamlNode v) {
    if (!v.is_scalar()) return v;
    if (const auto d = parsed_number(v.scalar); d && std::isfinite(*d) && std::fabs(*d) < 1e15)
      v.scalar = std::to_string(static_cast<std::int64_t>(*d));
    return v;
  };
  // Flee's optional rules that migrasim does not implement, with the value that leaves each off: Flee 3's
  // settings reader, and the rules later Flee versions read (Simulation_settings_reference.md in Flee's
  // documentation): the hazard and matching rules, the two-system decisions, the economic pull, fixed
  // routes, a default conflict intensity other than 1. Keys are matched in any case.
  const std::map<std::string, std::string> off = {{"move_rules.childrenavoidhazards", "false"},
                                                  {"move_rules.boystakerisk", "false"},
                                                  {"move_rules.womenavoidhazards", "false"},
                                                  {"move_rules.elderlyavoidhazards", "false"},
                                                  {"move_rules.matchcampethnicity", "false"},
                                                  {"move_rules.matchtownethnicity", "false"},
                                                  {"move_rules.matchconflictethnicity", "false"},
                                                  {"move_rules.matchcampreligion", "false"},
                                                  {"move_rules.two_system_decision_making", "false"},
                                                  {"move_rules.use_economic_pull", "false"},
                                                  {"move_rules.fixed_routes", "false"},
                                                  {"spawn_rules.flood_zone_spawning_only", "false"},
                                                  {"spawn_rules.read_from_agents_csv_file", "false"},
                                                  {"default_conflict_intensity", "1"}};
  // Keys that matter only with one of those rules on, or not to Flee's movement at all.
  // conflict_zone_spawning_only: Flee's spawning weights are zero outside conflict either way (spawning.py's
  // refresh_spawn_weights); it matters only beside flood_zone_spawning_only, refused above.
  // camps_are_sinks: Flee's settings reader looks for `camps_are_sicks` (sic), read below, and never reads
  // this one.
  // avg_religion_fraction, average_social_connectivity: read only by MatchCampReligion and the two-system
  // decisions, refused above unless off.
  const std::vector<std::string> inert = {"move_rules.max_crossing_speed",
                                          "spawn_rules.conflict_zone_spawning_only",
                                          "spawn_rules.camps_are_sinks", "move_rules.avg_religion_fraction",
                                          "spawn_rules.average_social_connectivity"};
  // Whether a rule is on: its value, lower case, is not the one that leaves it off.
  auto rule_on = [&](const std::string& value, const std::string& off_value) {
    if (value == off_value) return false;
    if (off_value == "1" || off_value == "0") {
      const auto d = parsed_number(value);
      return !(d && *d == *parsed_number(off_value));
    }
    return true;
  };
  bool v1_rules = false;
  if (!s.is_map()) throw InputError(path + ": expected a map of Flee's settings");
  // The values read, with their marks in simsetting.yml, checked by behaviour.flee's table below so that a
  // value out of range is named at its line here (not in the scenario written from it).
  YamlNode check;
  check.kind = YamlNode::Kind::map;
  auto checked = [&](const std::string& section, const std::string& key, const YamlNode& v) {
    YamlNode copy = v;
    if (copy.is_scalar()) copy.scalar = boolean_case(copy.scalar);
    if (section.empty()) {
      check.entries.emplace_back(key, std::move(copy));
      return;
    }
    YamlNode* sec = check.find(section);
    if (!sec) {
      YamlNode m;
      m.kind = YamlNode::Kind::map;
      m.mark = v.mark;
      check.entries.emplace_back(section, std::move(m));
      sec = &check.entries.back().second;
    }
    sec->entries.emplace_back(key, std::move(copy));
  };
  // Flee 3's conflict_driven_spawning subsection: present (a map), it turns the spawning by observed totals
  // into spawning by conflict; spawn_mode defaults to constant, displaced_per_conflict_day to 0.01 for
  // pop_ratio and 500 otherwise (a whole number there: Flee takes its int()). Returns the flow map written
  // into the scenario, and hands the values to the range check at their lines.
  auto conflict_driven_spawning = [&](const YamlNode& v, const std::string& full) -> std::string {
    if (v.kind == YamlNode::Kind::null) return "{spawn_mode: off}";  // Flee: absent, so off
    if (!v.is_map()) refuse(v, full, "expected a map of spawn_mode and displaced_per_conflict_day");
    std::string mode = "constant";
    const YamlNode* n = nullptr;
    YamlNode checks;
    checks.kind = YamlNode::Kind::map;
    checks.mark = v.mark;
    for (const auto& [k, x] : v.entries) {
      if (k == "spawn_mode") {
        mode = scalar(full + "." + k, x);
        if (lower(mode) == "poisson") mode = "poisson";  // Flee lower-cases this one only
        if (mode != "constant" && mode != "pop_ratio" && mode != "poisson")
          refuse(x, full + "." + k,
                 "got '" + x.scalar +
                     "': expected constant, pop_ratio or poisson (with any other Flee spawns "
                     "nobody)");
        YamlNode m = x;
        m.scalar = mode;
        checks.entries.emplace_back(k, std::move(m));
      } else if (k == "displaced_per_conflict_day") {
        n = &x;
      } else {
        refuse(x, full + "." + k,
               "not a key of Flee's conflict_driven_spawning (spawn_mode, displaced_per_conflict_day)");
      }
    }
    std::string per_day = mode == "pop_ratio" ? "0.01" : "500";
    if (n) {
      YamlNode m = *n;
      if (mode != "pop_ratio" && m.is_scalar()) {
        if (const auto d = parsed_number(m.scalar); d && std::isfinite(*d) && *d >= 0 && *d < 1e15)
          m.scalar = std::to_string(static_cast<std::int64_t>(*d));  // Flee's int(): toward zero
      }
      per_day = scalar(full + ".displaced_per_conflict_day", m);
      checks.entries.emplace_back("displaced_per_conflict_day", std::move(m));
    }
    checked("spawn_rules", "conflict_driven_spawning", checks);
    return "{spawn_mode: " + mode + ", displaced_per_conflict_day: " + per_day + "}";
  };
  const std::string not_read = "not a key Flee's settings reader reads: ignored, as Flee ignores it";
  // Keys read below only in their place: where they are, their value decides.
  auto refuse_rule = [&](const YamlNode& v, const std::string& full, const std::string& off_value) {
    const std::string value = lower(scalar(full, v));
    if (rule_on(value, off_value))
      refuse(v, full,
             "got '" + v.scalar + "': this Flee rule is not implemented in migrasim (only " + off_value +
                 ", which leaves it off, is accepted)");
  };
  for (const auto& [section, node] : s.entries) {
    if (section == "log_levels" || section == "number_of_steps" || section == "conflict_input_file" ||
        section == "flood_level_input_file")
      continue;  // Flee's logging, and paths its run script sets
    if (auto it = off.find(lower(section)); it != off.end()) {
      refuse_rule(node, section, it->second);
      continue;
    }
    if (section != "move_rules" && section != "spawn_rules" && section != "optimisations") {
      ignored(node, section, not_read + " (Flee reads move_rules, spawn_rules, optimisations, log_levels)");
      continue;
    }
    if (node.kind == YamlNode::Kind::null) continue;  // an empty section: Flee's defaults
    if (!node.is_map()) refuse(node, section, "expected a map");
    for (const auto& [key, v] : node.entries) {
      const std::string full = section + "." + key;
      if (std::find(inert.begin(), inert.end(), full) != inert.end()) continue;
      // DFlee's flood rules: Flee turns them on when move_rules has a flood_rules map (any content).
      if (full == "move_rules.flood_rules") {
        if (v.kind != YamlNode::Kind::null)
          refuse(v, full,
                 "Flee's flood rules (DFlee) are not implemented in migrasim (an empty flood_rules, which "
                 "leaves them off, is accepted)");
        continue;
      }
      // pruning_threshold (later Flee versions): routes below this share of the best are dropped; 1 or
      // more (the default) drops none.
      if (full == "move_rules.pruning_threshold") {
        const std::string value = scalar(full, v);
        if (const auto d = parsed_number(value); !(d && *d >= 1))
          refuse(v, full,
                 "got '" + value +
                     "': Flee's route pruning is not implemented in migrasim (1 or more, which prunes "
                     "nothing, is accepted)");
        continue;
      }
      if (full == "spawn_rules.camps_are_sicks") {  // (sic) Flee's key for camps_are_sinks
        spawn["camps_are_sinks"] = scalar(full, v);
        checked(section, "camps_are_sinks", v);
        continue;
      }
      if (full == "spawn_rules.conflict_driven_spawning") {
        spawn[key] = conflict_driven_spawning(v, full);
        continue;
      }
      if (full == "move_rules.use_v1_rules") {
        const std::string value = lower(scalar(full, v));
        if (value != "true" && value != "false")
          refuse(v, full, "got '" + v.scalar + "': expected true or false");
        v1_rules = value == "true";
        continue;
      }
      if (full == "move_rules.awareness_level" || full == "spawn_rules.conflict_spawn_decay_interval" ||
          full == "optimisations.hasten") {
        // Flee reads these three with int(): 20.0 is 20, 2.5 is 2. Flee 3 (selectRoute,
        // calculateLinkWeight) treats awareness level -1 as 1: only 0 is special.
        YamlNode n = whole(v);
        if (full == "move_rules.awareness_level" && n.is_scalar() && n.scalar == "-1") n.scalar = "1";
        if (section == "optimisations") {
          hasten = scalar(full, n);
          checked("", key, n);
        } else {
          (section == "move_rules" ? move : spawn)[key] = scalar(full, n);
          checked(section, key, n);
        }
        continue;
      }
      if (section == "move_rules" && move.count(key)) {
        move[key] = scalar(full, v);
        checked(section, key, v);
      } else if (section == "spawn_rules" && spawn.count(key)) {
        spawn[key] = scalar(full, v);
        checked(section, key, v);
      } else if (auto it = off.find(section + "." + lower(key)); it != off.end()) {
        refuse_rule(v, full, it->second);
      } else {
        // Flee's settings reader looks its keys up by name and ignores any other (FabFlee's spain_fires
        // has spawn_rules_camps; DFlee's cases write flood keys where Flee does not look for them).
        ignored(v, full, not_read);
      }
    }
  }
  // use_v1_rules: Flee 3's settings reader then sets these five, whatever the file gives (its movement
  // reads the flag nowhere else).
  if (v1_rules) {
    move["max_move_speed"] = "200";
    move["start_on_foot"] = "false";
    move["avoid_short_stints"] = "false";
    move["camp_weight"] = "2.0";
    move["conflict_weight"] = "0.25";
  }
  const World no_world({}, {}, {});
  read_params(models::FleeParams::table(), check, "behaviour.flee", ParamReadContext{no_world, 0, 1});
}

}  // namespace

std::string flee_case_to_yaml(const FleeCasePaths& paths, const std::string& relative_to,
                              std::vector<std::string>* warnings) {
  std::string start_date;
  std::int32_t days = 0;
  read_flee_period(paths.input, start_date, days);
  if (paths.validation.empty())  // (it was an exit 1: "cannot make absolute path")
    throw InputError(
        paths.input +
        ": no validation/data_layout.csv beside it or in the case folder; Flee spawning takes the "
        "observed totals (refugees.csv) from the case's validation folder");
  const fs::path base = relative_to.empty() ? fs::current_path() : fs::absolute(relative_to);
  auto rel = [&](const std::string& p) {
    return fs::absolute(p).lexically_normal().lexically_relative(base).string();
  };

  models::FleeParams d;  // Flee's defaults
  std::map<std::string, std::string> move = {
      {"conflict_movechance", std::to_string(d.conflict_movechance)},
      {"camp_movechance", std::to_string(d.camp_movechance)},
      {"idpcamp_movechance", std::to_string(d.idpcamp_movechance)},
      {"default_movechance", std::to_string(d.default_movechance)},
      {"awareness_level", std::to_string(d.awareness_level)},
      {"weight_softening", std::to_string(d.weight_softening)},
      {"softening", std::to_string(d.softening)},
      {"distance_power", std::to_string(d.distance_power)},
      {"weight_power", std::to_string(d.weight_power)},
      {"camp_weight", std::to_string(d.camp_weight)},
      {"foreign_weight", std::to_string(d.foreign_weight)},
      {"conflict_weight", std::to_string(d.conflict_weight)},
      {"max_move_speed", std::to_string(d.max_move_speed)},
      {"max_walk_speed", std::to_string(d.max_walk_speed)},
      {"start_on_foot", d.start_on_foot ? "true" : "false"},
      {"avoid_short_stints", d.avoid_short_stints ? "true" : "false"},
      {"capacity_buffer", std::to_string(d.capacity_buffer)},
      {"capacity_scaling", std::to_string(d.capacity_scaling)},
      {"use_pop_for_loc_weight", d.use_pop_for_loc_weight ? "true" : "false"},
      {"pop_power_for_loc_weight", std::to_string(d.pop_power_for_loc_weight)},
      {"stay_close_to_home", d.stay_close_to_home ? "true" : "false"},
      {"home_distance_power", std::to_string(d.home_distance_power)},
      {"movechance_pop_scale_factor", std::to_string(d.movechance_pop_scale_factor)},
      {"movechance_pop_base", std::to_string(d.movechance_pop_base)}};
  std::map<std::string, std::string> spawn = {
      {"insert_day0", d.insert_day0 ? "true" : "false"},
      {"conflict_spawn_decay", "[1.0]"},
      {"conflict_spawn_decay_interval", std::to_string(d.conflict_spawn_decay_interval)},
      {"sum_from_camps", d.sum_from_camps ? "true" : "false"},
      {"take_from_population", d.take_from_population ? "true" : "false"},
      {"empty_camps_on_day0", d.empty_camps_on_day0 ? "true" : "false"},
      {"camps_are_sinks", d.camps_are_sinks ? "true" : "false"}};
  std::string hasten = "1";
  std::vector<std::string> ignored;
  if (!paths.simsetting.empty()) read_simsetting(paths.simsetting, move, spawn, hasten, ignored);
  if (warnings) warnings->insert(warnings->end(), ignored.begin(), ignored.end());
  std::ostringstream y;
  y << "# A Flee case as a migrasim scenario (written by `migrasim import-flee`).\n"
    << "# Places, routes, closures, conflicts and observed camp counts are read from the Flee files named\n"
    << "# below; every Flee parameter is written out (from "
    << (paths.simsetting.empty() ? "Flee's defaults" : rel(paths.simsetting)) << "). See docs/flee.md.\n";
  for (const auto& w : ignored) y << "# warning: " << w << "\n";
  y << "run:\n  start_date: " << start_date << "\n  days: " << days << "\n  seed: 1\n"
    << "flee_case:\n  input: " << rel(paths.input) << "\n  validation: " << rel(paths.validation) << "\n"
    << "behaviour:\n  model: flee\n  flee:\n"
    << "    variant: flee  # Flee's published rules; 'improved' adds full-day travel (docs/flee.md)\n"
    << "    hasten: " << hasten << "\n    spawn_rules:\n";
  for (const auto& [k, v] : spawn) y << "      " << k << ": " << v << "\n";
  y << "    move_rules:\n";
  for (const auto& [k, v] : move) y << "      " << k << ": " << v << "\n";
  return y.str();
}

}  // namespace migrasim::io
