#pragma once
// The generic reader of parameter tables (sim/params.hpp): fills the struct a table describes from a
// scenario section. Every error names file:line:column, the key path, the bad value and what the table
// expects (kind and both bounds); unknown keys are refused with the list of known ones.
#include <cstdint>
#include <string>
#include <vector>

#include "io/yaml_tree.hpp"
#include "sim/params.hpp"

namespace migrasim::io {

struct ParamReadContext {
  const World& world;
  std::int64_t start_day;  // days since 1970-01-01 of simulation day 0
  std::int32_t days;       // the run's length as the files declare it
  // Receives "file:line:column: key.path: ..." for each table doubt that holds (null: doubts not asked).
  std::vector<std::string>* warnings = nullptr;
};

// Reads `node` (a map) at key path `path` into `obj`, a struct of the table's type whose fields hold
// the defaults; then runs the table's derivations and rules, and its doubts (into ctx.warnings).
void read_params(const ParamTable& table, const YamlNode& node, const std::string& path, void* obj,
                 const ParamReadContext& ctx);

template <class P>
P read_params(const ParamTableOf<P>& table, const YamlNode& node, const std::string& path,
              const ParamReadContext& ctx) {
  P p;
  read_params(table, node, path, &p, ctx);
  return p;
}

}  // namespace migrasim::io
