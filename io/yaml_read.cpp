#include "io/yaml_read.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "sim/errors.hpp"

namespace migrasim::io {

// ---------------------------------------------------------------------------------------------- dates
// Civil-date arithmetic after H. Hinnant, "chrono-Compatible Low-Level Date Algorithms".
namespace {

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? static_cast<unsigned>(-3) : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

bool parse_iso_date(const std::string& s, std::int64_t& out) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  auto num = [&](std::size_t pos, std::size_t len, auto& v) {
    auto r = std::from_chars(s.data() + pos, s.data() + pos + len, v);
    return r.ec == std::errc() && r.ptr == s.data() + pos + len;
  };
  if (!num(0, 4, y) || !num(5, 2, m) || !num(8, 2, d)) return false;
  if (m < 1 || m > 12 || d < 1) return false;
  static constexpr unsigned month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > month_days[m - 1] + (m == 2 && leap ? 1u : 0u)) return false;
  out = days_from_civil(y, m, d);
  return true;
}

std::string format_iso_date(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y + (m <= 2)), m, d);
  return buf;
}

// ---------------------------------------------------------------------------------------------- values

[[noreturn]] void fail(const YamlNode& n, const std::string& key_path, const std::string& problem) {
  throw InputError(n.mark.str() + ": " + key_path + ": " + problem);
}

void fail_at_key(const YamlNode& value, const std::string& key_path, const std::string& problem) {
  const SourceMark& m = value.key_mark.line > 0 ? value.key_mark : value.mark;
  throw InputError(m.str() + ": " + key_path + ": " + problem);
}

std::string shown(const YamlNode& n) {
  switch (n.kind) {
    case YamlNode::Kind::null:
      return "nothing";
    case YamlNode::Kind::scalar:
      return "'" + n.scalar + "'";
    case YamlNode::Kind::sequence:
      return "a list";
    case YamlNode::Kind::map:
      return "a map";
  }
  return "?";
}

[[noreturn]] void expected(const YamlNode& n, const std::string& key_path, const std::string& what) {
  fail(n, key_path, "got " + shown(n) + ", expected " + what);
}

MapReader::MapReader(const YamlNode& node, std::string path, std::vector<std::string> allowed)
    : node_(node), path_(std::move(path)), allowed_(std::move(allowed)) {
  if (!node.is_map()) expected(node, path_.empty() ? "(top level)" : path_, "a map");
  reject_unknown_keys(node, path_, allowed_);
}

void reject_unknown_keys(const YamlNode& node, const std::string& path,
                         const std::vector<std::string>& allowed) {
  for (const auto& [k, v] : node.entries) {
    bool ok = false;
    for (const auto& a : allowed) ok = ok || a == k;
    if (!ok) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      throw InputError((v.key_mark.line > 0 ? v.key_mark : v.mark).str() + ": " +
                       (path.empty() ? k : path + "." + k) + ": unknown key '" + k +
                       "', expected one of: " + list);
    }
  }
}

const YamlNode* MapReader::get(const std::string& key) const {
  const YamlNode* n = node_.find(key);
  return (n && n->kind != YamlNode::Kind::null) ? n : nullptr;
}

const YamlNode& MapReader::require(const std::string& key) const {
  const YamlNode* n = get(key);
  if (!n) fail(node_, path_.empty() ? "(top level)" : path_, "missing key '" + key + "'");
  return *n;
}

std::string as_string(const YamlNode& n, const std::string& path) {
  if (!n.is_scalar() || n.scalar.empty()) expected(n, path, "a non-empty text");
  return n.scalar;
}

double as_double(const YamlNode& n, const std::string& path, const std::string& what) {
  if (!n.is_scalar()) expected(n, path, what);
  const std::string& s = n.scalar;
  double v = 0;
  const char* first = s.data() + (!s.empty() && s[0] == '+' ? 1 : 0);
  auto r = std::from_chars(first, s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v)) expected(n, path, what);
  return v;
}

std::int64_t as_int(const YamlNode& n, const std::string& path, const std::string& what) {
  if (!n.is_scalar()) expected(n, path, what);
  const std::string& s = n.scalar;
  std::int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) expected(n, path, what);
  return v;
}

double number_in(const YamlNode& n, const std::string& path, double lo, double hi, const std::string& what) {
  const double v = as_double(n, path, what);
  if (v < lo || v > hi) expected(n, path, what);
  return v;
}

bool as_bool(const YamlNode& n, const std::string& path) {
  const std::string v = as_string(n, path);
  if (v == "true" || v == "True") return true;
  if (v == "false" || v == "False") return false;
  expected(n, path, "true or false");
}

std::int64_t date_of(const YamlNode& n, const std::string& path) {
  std::int64_t d = 0;
  if (!n.is_scalar() || !parse_iso_date(n.scalar, d)) expected(n, path, "a date YYYY-MM-DD");
  return d;
}

}  // namespace migrasim::io
