#pragma once
// Reading values out of a YamlNode tree, with errors that name file:line:column, the key path, the bad
// value and what was expected (thrown as InputError). Used by the scenario reader and the generic
// parameter-table reader.
#include <cstdint>
#include <string>
#include <vector>

#include "io/yaml_tree.hpp"

namespace migrasim::io {

// Dates: days since 1970-01-01 for an ISO date "YYYY-MM-DD" (false if malformed), and back.
bool parse_iso_date(const std::string& s, std::int64_t& days_since_epoch);
std::string format_iso_date(std::int64_t days_since_epoch);

[[noreturn]] void fail(const YamlNode& n, const std::string& key_path, const std::string& problem);
// The same at the key of a map entry (where the key itself is wrong: an unknown country or place).
[[noreturn]] void fail_at_key(const YamlNode& value, const std::string& key_path, const std::string& problem);
// How a value is shown in a message: 'text', "a list", "a map" or "nothing".
std::string shown(const YamlNode& n);
// "file:line:column: key.path: got X, expected WHAT".
[[noreturn]] void expected(const YamlNode& n, const std::string& key_path, const std::string& what);

// Reads one map, remembering which keys were used, so that unknown (misspelt) keys are reported.
class MapReader {
 public:
  MapReader(const YamlNode& node, std::string path, std::vector<std::string> allowed);
  const YamlNode* get(const std::string& key) const;  // null when absent or written as nothing
  const YamlNode& require(const std::string& key) const;
  std::string sub(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const YamlNode& node() const { return node_; }
  const std::string& path() const { return path_; }

 private:
  const YamlNode& node_;
  std::string path_;
  std::vector<std::string> allowed_;
};

// Throws InputError at the first key of the map `node` (at `path`) that is not in `allowed`.
void reject_unknown_keys(const YamlNode& node, const std::string& path,
                         const std::vector<std::string>& allowed);

std::string as_string(const YamlNode& n, const std::string& path);
double as_double(const YamlNode& n, const std::string& path, const std::string& what = "a number");
std::int64_t as_int(const YamlNode& n, const std::string& path, const std::string& what = "an integer");
double number_in(const YamlNode& n, const std::string& path, double lo, double hi, const std::string& what);
bool as_bool(const YamlNode& n, const std::string& path);
std::int64_t date_of(const YamlNode& n, const std::string& path);  // days since 1970-01-01

}  // namespace migrasim::io
