#include "io/yaml_tree.hpp"

#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "sim/errors.hpp"

namespace migrasim::io {

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

YamlNode convert(const YAML::Node& n, const std::string& label) {
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
      break;
    case YAML::NodeType::Sequence:
      out.kind = YamlNode::Kind::sequence;
      for (const auto& item : n) out.items.push_back(convert(item, label));
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
        YamlNode value = convert(kv.second, label);
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

YamlNode parse_yaml(const std::string& text, const std::string& label) {
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    SourceMark m{label, e.mark.line >= 0 ? e.mark.line + 1 : 0, e.mark.column >= 0 ? e.mark.column + 1 : 0};
    throw InputError(m.str() + ": malformed YAML: " + e.msg);
  }
  return convert(doc, label);
}

YamlNode load_yaml_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open the file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_yaml(ss.str(), path);
}

void merge_yaml(YamlNode& base, const YamlNode& top) {
  if (base.kind != YamlNode::Kind::map || top.kind != YamlNode::Kind::map) {
    base = top;
    return;
  }
  for (const auto& [k, v] : top.entries) {
    if (YamlNode* existing = base.find(k))
      merge_yaml(*existing, v);
    else
      base.entries.emplace_back(k, v);
  }
}

void set_yaml_path(YamlNode& root, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError("--set " + assignment + ": expected KEY.PATH=VALUE, e.g. run.days=30");
  const std::string path = assignment.substr(0, eq);
  YamlNode value = parse_yaml(assignment.substr(eq + 1), "--set " + path);
  value.mark = SourceMark{"--set " + path, 0, 0};
  YamlNode* node = &root;
  std::size_t start = 0;
  while (true) {
    const auto dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (key.empty()) throw InputError("--set " + assignment + ": empty key in '" + path + "'");
    if (node->kind == YamlNode::Kind::null) {
      node->kind = YamlNode::Kind::map;
    } else if (node->kind != YamlNode::Kind::map) {
      throw InputError("--set " + assignment + ": '" + key + "' is inside a value that is not a map");
    }
    YamlNode* child = node->find(key);
    if (!child) {
      node->entries.emplace_back(key, YamlNode{});
      child = &node->entries.back().second;
      child->mark = SourceMark{"--set " + path, 0, 0};
    }
    if (dot == std::string::npos) {
      *child = value;
      return;
    }
    node = child;
    start = dot + 1;
  }
}

std::string emit_yaml(const YamlNode& node) {
  std::ostringstream os;
  emit(node, 0, os, false);
  return os.str();
}

}  // namespace migrasim::io
