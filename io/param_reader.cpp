#include "io/param_reader.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "io/yaml_read.hpp"
#include "sim/errors.hpp"

namespace migrasim::io {

namespace {

std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

// The keys a table allows directly under `prefix` ("" = its top level, "gravity." = inside gravity), in
// table order, and whether each is a group of further keys.
std::vector<std::pair<std::string, bool>> keys_under(const ParamTable& t, const std::string& prefix) {
  std::vector<std::pair<std::string, bool>> out;
  for (const auto& e : t.entries()) {
    if (e.key.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = e.key.substr(prefix.size());
    const auto dot = rest.find('.');
    const std::string first = rest.substr(0, dot);
    bool seen = false;
    for (const auto& k : out) seen = seen || k.first == first;
    if (!seen) out.emplace_back(first, dot != std::string::npos);
  }
  return out;
}

// Refuses unknown keys at every level of the groups the table declares.
void check_keys(const ParamTable& t, const YamlNode& node, const std::string& path,
                const std::string& prefix) {
  if (!node.is_map()) expected(node, path.empty() ? "(top level)" : path, "a map");
  const auto keys = keys_under(t, prefix);
  std::vector<std::string> names;
  for (const auto& k : keys) names.push_back(k.first);
  reject_unknown_keys(node, path, names);
  for (const auto& [name, group] : keys) {
    if (!group) continue;
    const YamlNode* sub = node.find(name);
    if (sub && sub->kind != YamlNode::Kind::null) check_keys(t, *sub, join(path, name), prefix + name + ".");
  }
}

// The entry `part` of a map, or of a list entry where `part` is "name[i]" or "name[i][j]" (as a rule's key
// may be).
const YamlNode* find_part(const YamlNode& at, const std::string& part) {
  const auto open = part.find('[');
  const YamlNode* n = at.is_map() ? at.find(part.substr(0, open)) : nullptr;
  for (auto b = open; n && b != std::string::npos; b = part.find('[', b + 1)) {
    std::size_t i = 0;
    const auto r = std::from_chars(part.data() + b + 1, part.data() + part.size(), i);
    if (r.ec != std::errc() || !n->is_sequence() || i >= n->items.size()) return nullptr;
    n = &n->items[i];
  }
  return n;
}

// The node at a dotted key below `node`, or null; `parent` receives the deepest map found on the way
// and `parent_path` its key path (for "missing key" messages).
const YamlNode* lookup(const YamlNode& node, const std::string& key, const std::string& path,
                       const YamlNode*& parent, std::string& parent_path) {
  const YamlNode* at = &node;
  parent = &node;
  parent_path = path;
  std::size_t from = 0;
  while (true) {
    const auto dot = key.find('.', from);
    const std::string part = key.substr(from, dot == std::string::npos ? std::string::npos : dot - from);
    const YamlNode* next = find_part(*at, part);
    if (!next || next->kind == YamlNode::Kind::null) return nullptr;
    if (dot == std::string::npos) return next;
    parent = next;
    parent_path = join(parent_path, part);
    at = next;
    from = dot + 1;
  }
}

// The node at a key a rule names, relative to `node`: dotted, each part optionally followed by list
// indices ("events[2].kind"); null where the file does not have it.
const YamlNode* locate(const YamlNode& node, const std::string& key) {
  const YamlNode* parent = nullptr;
  std::string parent_path;
  return lookup(node, key, "", parent, parent_path);
}

double read_number(const ParamEntry& e, const YamlNode& n, const std::string& path) {
  const std::string what = expected_value_text(e);
  const double v = as_double(n, path, what);
  if (v < e.lo || v > e.hi) expected(n, path, what);
  return v;
}

std::int64_t read_integer(const ParamEntry& e, const YamlNode& n, const std::string& path) {
  const std::string what = expected_value_text(e);
  if (!n.is_scalar()) expected(n, path, what);
  std::int64_t v = 0;
  const std::string& s = n.scalar;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) {
    // A whole number written as a real (1e5, 200.0) is accepted; anything else is not an integer.
    const double d = as_double(n, path, what);
    if (d != std::floor(d) || std::fabs(d) > 9e18) expected(n, path, what);
    v = static_cast<std::int64_t>(d);
  }
  if (static_cast<double>(v) < e.lo || static_cast<double>(v) > e.hi) expected(n, path, what);
  return v;
}

std::int32_t read_day(const YamlNode& n, const std::string& path, const ParamReadContext& ctx,
                      bool within_run = false) {
  const std::int64_t day = date_of(n, path) - ctx.start_day;
  if (within_run && (day < 0 || day >= ctx.days))
    expected(n, path,
             "a date within the run (" + format_iso_date(ctx.start_day) + " to " +
                 format_iso_date(ctx.start_day + ctx.days - 1) + ")");
  if (day < std::numeric_limits<std::int32_t>::min() / 2 ||
      day > std::numeric_limits<std::int32_t>::max() / 2)
    expected(n, path, "a date within a few million years of the run");
  return static_cast<std::int32_t>(day);
}

std::int32_t read_id(const ParamEntry& e, const YamlNode& n, const std::string& path,
                     const ParamReadContext& ctx) {
  const std::string name = as_string(n, path);
  const std::int32_t id =
      e.kind == ParamKind::country ? ctx.world.find_country(name) : ctx.world.find_place(name);
  if (id < 0) expected(n, path, expected_text(e));
  return id;
}

std::vector<std::int32_t> read_ids(const ParamEntry& e, const YamlNode& n, const std::string& path,
                                   const ParamReadContext& ctx) {
  const bool countries = e.kind == ParamKind::countries;
  if (!n.is_sequence() || (e.length > 0 && n.items.size() != e.length)) expected(n, path, expected_text(e));
  std::vector<std::int32_t> out;
  for (std::size_t k = 0; k < n.items.size(); ++k) {
    const std::string at = path + "[" + std::to_string(k) + "]";
    const std::string name = as_string(n.items[k], at);
    const std::int32_t id = countries ? ctx.world.find_country(name) : ctx.world.find_place(name);
    if (id < 0)
      expected(n.items[k], at,
               countries ? "a country code listed in world.countries" : "a place listed in world.locations");
    out.push_back(id);
  }
  return out;
}

country_id country_key(const YamlNode& value, const std::string& path, const std::string& code,
                       const ParamReadContext& ctx) {
  const country_id c = ctx.world.find_country(code);
  if (c < 0)
    fail_at_key(value, path, "unknown country '" + code + "', expected a code listed in world.countries");
  return c;
}

void read_entry(const ParamEntry& e, const YamlNode& n, const std::string& path, void* obj,
                const ParamReadContext& ctx) {
  ParamValue v;
  const std::size_t countries = ctx.world.countries().size();
  switch (e.kind) {
    case ParamKind::number:
      v.number = read_number(e, n, path);
      break;
    case ParamKind::integer:
      v.integer = read_integer(e, n, path);
      break;
    case ParamKind::boolean:
      v.integer = as_bool(n, path) ? 1 : 0;
      break;
    case ParamKind::text:
      v.text = as_string(n, path);
      break;
    case ParamKind::choice: {
      const std::string word = as_string(n, path);
      v.integer = -1;
      for (std::size_t i = 0; i < e.choices.size(); ++i)
        if (e.choices[i] == word) v.integer = static_cast<std::int64_t>(i);
      if (v.integer < 0) expected(n, path, expected_text(e));
      break;
    }
    case ParamKind::date:
      v.integer = read_day(n, path, ctx, e.within_run);
      break;
    case ParamKind::country:
    case ParamKind::place:
      v.integer = read_id(e, n, path, ctx);
      break;
    case ParamKind::per_place: {
      if (!n.is_map()) expected(n, path, expected_text(e));
      v.numbers.assign(ctx.world.places().size(), e.fill);
      for (const auto& [name, value] : n.entries) {
        const std::string at = path + "." + name;
        const place_id q = ctx.world.find_place(name);
        if (q < 0)
          fail_at_key(value, at, "unknown place '" + name + "', expected a place in world.locations");
        v.numbers[static_cast<std::size_t>(q)] = read_number(e, value, at);
      }
      break;
    }
    case ParamKind::choice_list: {
      if (!n.is_sequence()) expected(n, path, expected_text(e));
      for (std::size_t k = 0; k < n.items.size(); ++k) {
        const std::string at = path + "[" + std::to_string(k) + "]";
        const std::string word = as_string(n.items[k], at);
        std::int32_t found = -1;
        for (std::size_t i = 0; i < e.choices.size(); ++i)
          if (e.choices[i] == word) found = static_cast<std::int32_t>(i);
        if (found < 0) {
          std::string list;
          for (std::size_t i = 0; i < e.choices.size(); ++i) list += (i ? ", " : "") + e.choices[i];
          expected(n.items[k], at, "one of " + list);
        }
        v.ids.push_back(found);
      }
      break;
    }
    case ParamKind::window: {
      if (!n.is_sequence() || n.items.size() != 2) expected(n, path, expected_text(e));
      v.ids = {read_day(n.items[0], path + "[0]", ctx, e.within_run),
               read_day(n.items[1], path + "[1]", ctx, e.within_run)};
      if (v.ids[1] < v.ids[0])
        fail(n, path,
             "the window closes (" + n.items[1].scalar + ") before it opens (" + n.items[0].scalar + ")");
      break;
    }
    case ParamKind::number_range: {
      if (!n.is_sequence() || n.items.size() != 2) expected(n, path, expected_text(e));
      v.numbers = {read_number(e, n.items[0], path + "[0]"), read_number(e, n.items[1], path + "[1]")};
      if (v.numbers[1] < v.numbers[0])
        expected(n.items[1], path + "[1]",
                 expected_value_text(e) + " and >= the minimum " + format_number(v.numbers[0]));
      break;
    }
    case ParamKind::countries:
    case ParamKind::places:
      v.ids = read_ids(e, n, path, ctx);
      break;
    case ParamKind::numbers: {
      if (!n.is_sequence() || n.items.empty() || (e.length > 0 && n.items.size() != e.length))
        expected(n, path, expected_text(e));
      for (std::size_t k = 0; k < n.items.size(); ++k)
        v.numbers.push_back(read_number(e, n.items[k], path + "[" + std::to_string(k) + "]"));
      break;
    }
    case ParamKind::names: {
      if (n.is_scalar()) {
        v.texts.push_back(as_string(n, path));
        break;
      }
      if (!n.is_sequence() || n.items.empty()) expected(n, path, expected_text(e));
      for (std::size_t k = 0; k < n.items.size(); ++k)
        v.texts.push_back(as_string(n.items[k], path + "[" + std::to_string(k) + "]"));
      break;
    }
    case ParamKind::per_country: {
      if (!n.is_map()) expected(n, path, expected_text(e));
      v.numbers.assign(countries, e.fill);
      for (const auto& [code, value] : n.entries) {
        const std::string at = path + "." + code;
        v.numbers[static_cast<std::size_t>(country_key(value, at, code, ctx))] = read_number(e, value, at);
      }
      break;
    }
    case ParamKind::per_country_series: {
      if (!n.is_map()) expected(n, path, expected_text(e));
      v.series.assign(countries, {});
      for (const auto& [code, steps] : n.entries) {
        const std::string at = path + "." + code;
        auto& out = v.series[static_cast<std::size_t>(country_key(steps, at, code, ctx))];
        if (!steps.is_sequence()) expected(steps, at, "a list of {date, value}");
        for (std::size_t i = 0; i < steps.items.size(); ++i) {
          const std::string sp = at + "[" + std::to_string(i) + "]";
          MapReader s(steps.items[i], sp, {"date", "value"});
          DatedValue step;
          step.day = read_day(s.require("date"), s.sub("date"), ctx);
          if (!out.empty() && step.day <= out.back().day)
            fail(s.require("date"), s.sub("date"), "dates must increase along the list");
          step.value = read_number(e, s.require("value"), s.sub("value"));
          out.push_back(step);
        }
      }
      break;
    }
    case ParamKind::shares: {
      if (!n.is_sequence() || n.items.size() != e.length) expected(n, path, expected_text(e));
      double total = 0;
      for (std::size_t i = 0; i < n.items.size(); ++i) {
        v.numbers.push_back(read_number(e, n.items[i], path + "[" + std::to_string(i) + "]"));
        total += v.numbers.back();
      }
      if (std::fabs(total - 1) > 1e-6)
        expected(n, path, expected_text(e) + " (they sum to " + format_number(total) + ")");
      break;
    }
    case ParamKind::records: {
      if (!n.is_sequence() || (e.required && n.items.empty())) expected(n, path, expected_text(e));
      for (std::size_t i = 0; i < n.items.size(); ++i)
        read_params(*e.fields, n.items[i], path + "[" + std::to_string(i) + "]", e.append(obj, -1, {}), ctx);
      return;
    }
    case ParamKind::keyed_records: {
      if (!n.is_map() || (e.required && n.entries.empty())) expected(n, path, expected_text(e));
      for (const auto& [name, value] : n.entries) {
        const std::string at = path + "." + name;
        place_id p = -1;
        if (e.keyed_by_place) {
          p = ctx.world.find_place(name);
          if (p < 0)
            fail_at_key(value, at, "unknown place '" + name + "', expected a place in world.locations");
        }
        void* record = e.append(obj, p, name);
        if (value.kind == YamlNode::Kind::null) {
          YamlNode empty;
          empty.kind = YamlNode::Kind::map;
          empty.mark = value.mark;
          read_params(*e.fields, empty, at, record, ctx);
        } else {
          read_params(*e.fields, value, at, record, ctx);
        }
      }
      return;
    }
  }
  e.set(obj, v);
}

// An entry left out: where the struct's default is not sized by the world, size it.
void fill_default(const ParamEntry& e, void* obj, const ParamReadContext& ctx) {
  ParamValue v;
  const std::size_t countries = ctx.world.countries().size();
  if (e.kind == ParamKind::per_country) {
    v.numbers.assign(countries, e.fill);
    e.set(obj, v);
  } else if (e.kind == ParamKind::per_country_series) {
    v.series.assign(countries, {});
    e.set(obj, v);
  } else if (e.kind == ParamKind::per_place) {
    v.numbers.assign(ctx.world.places().size(), e.fill);
    e.set(obj, v);
  }
}

}  // namespace

void read_params(const ParamTable& table, const YamlNode& node, const std::string& path, void* obj,
                 const ParamReadContext& ctx) {
  check_keys(table, node, path, "");
  std::vector<std::string> absent;  // keys whose presence the table records, not given
  for (const auto& g : table.presence()) {
    if (locate(node, g.key))
      g.mark(obj);
    else
      absent.push_back(g.key + ".");
  }
  auto under_absent = [&](const std::string& key) {
    for (const auto& a : absent)
      if (key.compare(0, a.size(), a) == 0) return true;
    return false;
  };
  for (const auto& e : table.entries()) {
    const YamlNode* parent = nullptr;
    std::string parent_path;
    const YamlNode* n = lookup(node, e.key, path, parent, parent_path);
    if (!n) {
      // A required key inside a group (reemigration.share) is required where the group is given, and
      // not below a key whose presence the table records and which is absent.
      const auto dot = e.key.rfind('.');
      const bool group_given = dot == std::string::npos || parent_path == join(path, e.key.substr(0, dot));
      if (e.required && group_given && !under_absent(e.key)) {
        const std::string last = e.key.substr(dot == std::string::npos ? 0 : dot + 1);
        fail(*parent, parent_path.empty() ? "(top level)" : parent_path, "missing key '" + last + "'");
      }
      fill_default(e, obj, ctx);
      continue;
    }
    read_entry(e, *n, join(path, e.key), obj, ctx);
  }
  const ParamContext pc{
      ctx.world, ctx.days,
      format_iso_date(ctx.start_day) + " to " + format_iso_date(ctx.start_day + ctx.days - 1)};
  auto at = [&](const ParamProblem& p) -> const YamlNode& {
    const YamlNode* n = p.key.empty() ? nullptr : locate(node, p.key);
    return n ? *n : node;
  };
  try {
    for (const auto& d : table.derivations()) d.apply(obj, pc);
    for (const auto& r : table.rules()) r.check(obj, pc);
  } catch (const ParamProblem& p) {
    fail(at(p), p.key.empty() ? path : join(path, p.key), p.what());
  }
  if (!ctx.warnings) return;
  for (const auto& d : table.doubts()) {
    try {
      d.check(obj, pc);
    } catch (const ParamProblem& p) {
      ctx.warnings->push_back(at(p).mark.str() + ": " + (p.key.empty() ? path : join(path, p.key)) + ": " +
                              p.what());
    }
  }
}

}  // namespace migrasim::io
