#include "io/yaml_tree.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "io/csv.hpp"
#include "sim/errors.hpp"

namespace migrasim::io {

YamlNode::YamlNode() = default;
YamlNode::YamlNode(const YamlNode&) = default;
YamlNode::YamlNode(YamlNode&&) noexcept = default;
YamlNode& YamlNode::operator=(const YamlNode&) = default;
YamlNode& YamlNode::operator=(YamlNode&&) noexcept = default;
YamlNode::~YamlNode() = default;

std::string SourceMark::str() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

const YamlNode* YamlNode::find(const std::string& key) const {
  for (const auto& [k, v] : entries)
    if (k == key) return &v;
  return nullptr;
}

YamlNode* YamlNode::find(const std::string& key) {
  for (auto& [k, v] : entries)
    if (k == key) return &v;
  return nullptr;
}

namespace {

SourceMark mark_of(const YAML::Node& n, const std::string& label) {
  const YAML::Mark m = n.Mark();
  return SourceMark{label, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0};
}

// What one document may expand to. Aliases are copied into the tree, so a few hundred bytes of nested
// aliases ("billion laughs") would expand to billions of nodes and end in bad_alloc: refused instead.
struct TreeBudget {
  static constexpr std::size_t max_nodes = 2'000'000;
  static constexpr std::size_t max_text = std::size_t{256} << 20;  // bytes of scalars
  static constexpr int max_depth = 200;
  std::size_t nodes = 0, text = 0;
};

YamlNode convert(const YAML::Node& n, const std::string& label, TreeBudget& budget, int depth = 0) {
  if (depth > TreeBudget::max_depth)
    throw InputError(mark_of(n, label).str() + ": the YAML nests more than " +
                     std::to_string(TreeBudget::max_depth) + " levels deep; expected a scenario");
  if (++budget.nodes > TreeBudget::max_nodes)
    throw InputError(
        mark_of(n, label).str() + ": the YAML expands to more than " + std::to_string(TreeBudget::max_nodes) +
        " values (aliases are copied where they are used); expected a scenario of at most that size");
  YamlNode out;
  out.mark = mark_of(n, label);
  switch (n.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out.kind = YamlNode::Kind::null;
      break;
    case YAML::NodeType::Scalar:
      out.kind = YamlNode::Kind::scalar;
      out.scalar = n.Scalar();
      budget.text += out.scalar.size();
      if (budget.text > TreeBudget::max_text)
        throw InputError(out.mark.str() + ": the YAML expands to more than " +
                         std::to_string(TreeBudget::max_text >> 20) +
                         " MiB of text (aliases are copied where they are used)");
      break;
    case YAML::NodeType::Sequence:
      out.kind = YamlNode::Kind::sequence;
      for (const auto& item : n) out.items.push_back(convert(item, label, budget, depth + 1));
      break;
    case YAML::NodeType::Map:
      out.kind = YamlNode::Kind::map;
      for (const auto& kv : n) {
        if (!kv.first.IsScalar())
          throw InputError(mark_of(kv.first, label).str() + ": keys must be plain strings");
        const std::string key = kv.first.Scalar();
        for (const auto& e : out.entries)
          if (e.first == key)
            throw InputError(mark_of(kv.first, label).str() + ": key '" + key +
                             "' appears twice in this map");
        YamlNode value = convert(kv.second, label, budget, depth + 1);
        value.key_mark = mark_of(kv.first, label);
        if (value.kind == YamlNode::Kind::null) value.mark = value.key_mark;
        out.entries.emplace_back(key, std::move(value));
      }
      break;
  }
  return out;
}

void emit(const YamlNode& n, int indent, std::ostringstream& os, bool inline_start) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  switch (n.kind) {
    case YamlNode::Kind::null:
      os << "null\n";
      break;
    case YamlNode::Kind::scalar: {
      // Keep plain scalars plain where that is unambiguous, so numbers stay numbers.
      YAML::Emitter plain;
      plain << n.scalar;
      os << plain.c_str() << "\n";
      break;
    }
    case YamlNode::Kind::sequence:
      if (n.items.empty()) {
        os << "[]\n";
        break;
      }
      if (inline_start) os << "\n";
      for (const auto& item : n.items) {
        os << pad << "- ";
        if (item.kind == YamlNode::Kind::map && !item.entries.empty()) {
          bool first = true;
          for (const auto& [k, v] : item.entries) {
            if (!first) os << pad << "  ";
            first = false;
            os << k << ":";
            if (v.kind == YamlNode::Kind::map || v.kind == YamlNode::Kind::sequence) {
              emit(v, indent + 4, os, true);
            } else {
              os << " ";
              emit(v, indent + 4, os, false);
            }
          }
        } else {
          emit(item, indent + 2, os, false);
        }
      }
      break;
    case YamlNode::Kind::map:
      if (n.entries.empty()) {
        os << "{}\n";
        break;
      }
      if (inline_start) os << "\n";
      for (const auto& [k, v] : n.entries) {
        os << pad << k << ":";
        if ((v.kind == YamlNode::Kind::map || v.kind == YamlNode::Kind::sequence) &&
            !(v.entries.empty() && v.items.empty())) {
          emit(v, indent + 2, os, true);
        } else {
          os << " ";
          emit(v, indent + 2, os, false);
        }
      }
      break;
  }
}

}  // namespace

// Where each document of a stream starts (its first node), from a pass over its events that expands no
// alias. yaml-cpp's LoadAll never ends on a stream where a document cannot start (e.g. "," outside a
// flow collection): the parser then reports empty document after empty document at the same place,
// consuming nothing, while memory grows (found by fuzzing: tests/fuzz/scenario/).
namespace {

class DocumentStarts : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;

  void OnDocumentStart(const YAML::Mark& m) override {
    starts.push_back(m);
    node_seen_ = false;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { node(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { node(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override {
    node(m);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    node(m);
  }
  void OnMapEnd() override {}

 private:
  void node(const YAML::Mark& m) {
    if (!node_seen_ && !starts.empty()) starts.back() = m;
    node_seen_ = true;
  }
  bool node_seen_ = false;
};

}  // namespace

YamlNode parse_yaml(const std::string& text, const std::string& label) {
  // A UTF-8 byte-order mark is not part of the first key.
  const std::string body = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? text.substr(3) : text;
  auto mark_of = [&](const YAML::Mark& at) {
    return SourceMark{label, at.line >= 0 ? at.line + 1 : 0, at.column >= 0 ? at.column + 1 : 0};
  };
  YAML::Node doc;
  try {
    // At most four documents are looked at: a second one is refused, a stuck parser seen.
    std::istringstream in(body);
    YAML::Parser parser(in);
    DocumentStarts docs;
    for (int k = 0; k < 4 && parser.HandleNextDocument(docs); ++k) {
      const auto n = docs.starts.size();
      if (n >= 2 && docs.starts[n - 1].pos == docs.starts[n - 2].pos) {
        const auto pos = static_cast<std::size_t>(docs.starts[n - 1].pos);
        const std::string what = pos < body.size() ? "'" + body.substr(pos, 1) + "'" : "the end";
        throw InputError(mark_of(docs.starts[n - 1]).str() + ": malformed YAML: unexpected " + what +
                         " where a value or a key should start");
      }
    }
    if (docs.starts.size() >
        1)  // what follows a second `---` would be ignored: refuse it rather than lose it
      throw InputError(mark_of(docs.starts[1]).str() +
                       ": a second YAML document starts here; a scenario file holds one document");
    if (!docs.starts.empty()) doc = YAML::Load(body);
  } catch (const YAML::Exception& e) {
    throw InputError(mark_of(e.mark).str() + ": malformed YAML: " + e.msg);
  }
  TreeBudget budget;
  return convert(doc, label, budget);
}

YamlNode load_yaml_file(const std::string& path) {
  return parse_yaml(read_input_file(path, "YAML file"), path);
}

namespace {

// One step down a key path: a map key, or a list entry chosen by its index or by its `name:` field.
struct PathStep {
  enum class Kind { key, index, name };
  Kind kind = Kind::key;
  std::string text;       // the key, or what stood between the brackets
  std::size_t index = 0;  // Kind::index
};

std::string joined(const std::string& path, const PathStep& step) {
  if (step.kind != PathStep::Kind::key) return path + "[" + step.text + "]";
  return path.empty() ? step.text : path + "." + step.text;
}

// Digits only select by index; anything else selects the entry whose `name:` is that text.
PathStep selector(const std::string& text) {
  PathStep s;
  s.text = text;
  s.kind = PathStep::Kind::name;
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    s.kind = PathStep::Kind::index;
    // An index too large for size_t is out of range of every list; saturating keeps that true.
    if (std::from_chars(text.data(), text.data() + text.size(), s.index).ec != std::errc{})
      s.index = std::numeric_limits<std::size_t>::max();
  }
  return s;
}

// Appends the `[...]` selectors that start at text[pos]; returns the position after the last one.
std::size_t parse_selectors(const std::string& text, std::size_t pos, std::vector<PathStep>& steps,
                            const std::string& context) {
  while (pos < text.size() && text[pos] == '[') {
    const auto close = text.find(']', pos + 1);
    if (close == std::string::npos)
      throw InputError(context + ": '[' without a closing ']' in '" + text + "'");
    if (close == pos + 1)
      throw InputError(context + ": empty [] in '" + text + "', expected an index or an entry's name");
    steps.push_back(selector(text.substr(pos + 1, close - pos - 1)));
    pos = close + 1;
  }
  return pos;
}

// "a.b[2].c[some name]" as steps; a name in brackets may contain dots.
std::vector<PathStep> parse_key_path(const std::string& path, const std::string& context) {
  std::vector<PathStep> steps;
  std::size_t pos = 0;
  while (true) {
    const auto end = std::min(path.find_first_of(".[]", pos), path.size());
    const std::string key = path.substr(pos, end - pos);
    if (key.empty()) throw InputError(context + ": empty key in '" + path + "'");
    steps.push_back(PathStep{PathStep::Kind::key, key, 0});
    pos = parse_selectors(path, end, steps, context);
    if (pos == path.size()) return steps;
    if (path[pos] != '.')
      throw InputError(context + ": unexpected '" + std::string(1, path[pos]) + "' in '" + path +
                       "', expected KEY, KEY[INDEX] or KEY[NAME] steps joined by dots");
    ++pos;
  }
}

// The '=' that ends the key path: the first one outside brackets, since a name may contain '='.
std::size_t assignment_split(const std::string& assignment) {
  bool in_brackets = false;
  for (std::size_t i = 0; i < assignment.size(); ++i) {
    if (assignment[i] == '[') in_brackets = true;
    if (assignment[i] == ']') in_brackets = false;
    if (assignment[i] == '=' && !in_brackets) return i;
  }
  // An unclosed '[': split at the first '=' so that the key path's own error names the problem.
  return assignment.find('=');
}

std::string describe(const YamlNode& n) {
  switch (n.kind) {
    case YamlNode::Kind::null:
      return "not set";
    case YamlNode::Kind::scalar:
      return "the value '" + n.scalar + "'";
    case YamlNode::Kind::sequence:
      return "a list";
    case YamlNode::Kind::map:
      break;
  }
  return "a map";
}

// " (list at FILE:LINE:COLUMN)", so that a user finds the list an override or a patch missed.
std::string where(const YamlNode& list) {
  return list.mark.line > 0 ? " (list at " + list.mark.str() + ")" : "";
}

std::string size_of(const YamlNode& list) {
  const std::size_t n = list.items.size();
  if (n == 0) return "is empty";
  return "has " + std::to_string(n) + (n == 1 ? " entry" : " entries") + " (0-" + std::to_string(n - 1) + ")";
}

const std::string* name_of(const YamlNode& entry) {
  const YamlNode* name = entry.is_map() ? entry.find("name") : nullptr;
  return name && name->is_scalar() ? &name->scalar : nullptr;
}

YamlNode& entry_named(YamlNode& list, const std::string& name, const std::string& list_path,
                      const std::string& context) {
  std::vector<std::size_t> matches;
  std::string names;
  for (std::size_t k = 0; k < list.items.size(); ++k) {
    const std::string* n = name_of(list.items[k]);
    if (!n) continue;
    if (*n == name) matches.push_back(k);
    names += (names.empty() ? "" : ", ") + *n;
  }
  if (matches.size() == 1) return list.items[matches[0]];
  if (matches.size() > 1) {
    std::string indices;
    for (const auto k : matches) indices += (indices.empty() ? "" : ", ") + std::to_string(k);
    throw InputError(context + ": " + std::to_string(matches.size()) + " entries named '" + name + "' in " +
                     list_path + " (indices " + indices + "), select one by index" + where(list));
  }
  if (names.empty())
    throw InputError(context + ": no entry named '" + name + "' in " + list_path +
                     ": no entry of it is a map " + "with a name field, select one by index; " + list_path +
                     " " + size_of(list) + where(list));
  throw InputError(context + ": no entry named '" + name + "' in " + list_path + "; names: " + names +
                   where(list));
}

// The entry of `list` that `step` (an index or a name) selects; `list_path` names the list in messages.
YamlNode& select_entry(YamlNode& list, const PathStep& step, const std::string& list_path,
                       const std::string& context) {
  if (!list.is_sequence())
    throw InputError(context + ": " + list_path + " is " + describe(list) +
                     ", not a list, so it has no entry [" + step.text + "]");
  if (step.kind == PathStep::Kind::name) return entry_named(list, step.text, list_path, context);
  if (step.index >= list.items.size())
    throw InputError(context + ": index " + step.text + " out of range: " + list_path + " " + size_of(list) +
                     where(list));
  return list.items[step.index];
}

// The value under `key` in `node` (a map, or unset and then made one), created unset when missing.
YamlNode& child_for_set(YamlNode& node, const std::string& key, const std::string& node_path,
                        const std::string& context, const SourceMark& created_at) {
  if (node.kind == YamlNode::Kind::null) {
    node.kind = YamlNode::Kind::map;
  } else if (!node.is_map()) {
    throw InputError(context + ": " + (node_path.empty() ? "the top level" : node_path) + " is " +
                     describe(node) + ", not a map, so it has no key '" + key + "'" +
                     (node.mark.line > 0 ? " (at " + node.mark.str() + ")" : ""));
  }
  if (YamlNode* child = node.find(key)) return *child;
  node.entries.emplace_back(key, YamlNode{});
  node.entries.back().second.mark = created_at;
  return node.entries.back().second;
}

// An overlay key written `key[selector]...` patches entries of the base's list `key` instead of naming a key.
struct PatchKey {
  std::string list_key;
  std::vector<PathStep> selectors;
};

std::optional<PatchKey> patch_key(const std::string& key, const std::string& context) {
  const auto open = key.find('[');
  if (open == std::string::npos || open == 0 || key.back() != ']') return std::nullopt;
  PatchKey p{key.substr(0, open), {}};
  if (parse_selectors(key, open, p.selectors, context) != key.size())
    throw InputError(context +
                     ": expected KEY[INDEX] or KEY[NAME] (possibly repeated) to patch a list entry");
  return p;
}

void reject_patches_below(const YamlNode& node, const std::string& path, const std::string& why) {
  for (std::size_t k = 0; k < node.items.size(); ++k)
    reject_patches_below(node.items[k], path + "[" + std::to_string(k) + "]", why);
  for (const auto& [k, v] : node.entries) {
    const std::string key_path = path.empty() ? k : path + "." + k;
    const std::string context = v.key_mark.str() + ": " + key_path;
    if (const auto p = patch_key(k, context))
      throw InputError(context + ": patches an entry of the list " + (path.empty() ? "" : path + ".") +
                       p->list_key + ", but " + why);
    reject_patches_below(v, key_path, why);
  }
}

void merge_at(YamlNode& base, const YamlNode& top, const std::string& path);

// Merges `patch` into the entry of the base's list that the patch key selects.
void merge_patch(YamlNode& base, const PatchKey& key, const YamlNode& patch, const std::string& path,
                 const std::string& context) {
  const std::string list_path = path.empty() ? key.list_key : path + "." + key.list_key;
  YamlNode* entry = base.find(key.list_key);
  if (!entry) throw InputError(context + ": the base scenario has no list " + list_path + " to patch");
  std::string at = list_path;
  for (const auto& step : key.selectors) {
    entry = &select_entry(*entry, step, at, context);
    at = joined(at, step);
  }
  merge_at(*entry, patch, at);
}

void merge_at(YamlNode& base, const YamlNode& top, const std::string& path) {
  if (!base.is_map() || !top.is_map()) {
    reject_patches_below(top, path, "the base scenario has no such list");
    base = top;
    return;
  }
  for (const auto& [k, v] : top.entries) {
    const std::string key_path = path.empty() ? k : path + "." + k;
    const std::string context = v.key_mark.str() + ": " + key_path;
    if (const auto patch = patch_key(k, context)) {
      merge_patch(base, *patch, v, path, context);
    } else if (YamlNode* existing = base.find(k)) {
      merge_at(*existing, v, key_path);
    } else {
      reject_patches_below(v, key_path, "the base scenario has no such list");
      base.entries.emplace_back(k, v);
    }
  }
}

}  // namespace

void merge_yaml(YamlNode& base, const YamlNode& top) {
  merge_at(base, top, "");
}

void reject_list_patches(const YamlNode& doc, const std::string& why) {
  reject_patches_below(doc, "", why);
}

void set_yaml_path(YamlNode& root, const std::string& assignment) {
  const auto eq = assignment_split(assignment);
  if (eq == std::string::npos || eq == 0)
    throw InputError("--set " + assignment + ": expected KEY.PATH=VALUE, e.g. run.days=30");
  const std::string path = assignment.substr(0, eq);
  const std::string context = "--set " + assignment;
  const std::vector<PathStep> steps = parse_key_path(path, context);
  const SourceMark set_mark{"--set " + path, 0, 0};
  YamlNode value = parse_yaml(assignment.substr(eq + 1), set_mark.file);
  value.mark = set_mark;
  YamlNode* node = &root;
  std::string at;
  for (const auto& step : steps) {
    node = step.kind == PathStep::Kind::key ? &child_for_set(*node, step.text, at, context, set_mark)
                                            : &select_entry(*node, step, at, context);
    at = joined(at, step);
  }
  *node = value;
}

std::string emit_yaml(const YamlNode& node) {
  std::ostringstream os;
  emit(node, 0, os, false);
  return os.str();
}

}  // namespace migrasim::io
