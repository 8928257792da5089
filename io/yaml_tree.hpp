#pragma once
// A YAML document as a plain tree whose every node remembers its source (file, line, column), so that
// overlays (`extends:`) and `--set` overrides can be merged and every later error still points at the
// line a user wrote.
#include <string>
#include <utility>
#include <vector>

namespace migrasim::io {

struct SourceMark {
  std::string file;         // a path, or "--set" for command-line overrides
  int line = 0;             // 1-based; 0 when unknown
  int column = 0;           // 1-based
  std::string str() const;  // "file:line:column"
};

struct YamlNode {
  enum class Kind { null, scalar, sequence, map };
  Kind kind = Kind::null;
  std::string scalar;                                     // Kind::scalar
  std::vector<YamlNode> items;                            // Kind::sequence
  std::vector<std::pair<std::string, YamlNode>> entries;  // Kind::map, in document order
  SourceMark mark;                                        // where the value starts
  SourceMark key_mark;                                    // where its key starts, for a value inside a map

  // Declared here and defaulted in yaml_tree.cpp, where YamlNode is complete: a vector of pairs holding
  // the type being defined may not be instantiated inside its own definition (clang refuses it).
  YamlNode();
  YamlNode(const YamlNode&);
  YamlNode(YamlNode&&) noexcept;
  YamlNode& operator=(const YamlNode&);
  YamlNode& operator=(YamlNode&&) noexcept;
  ~YamlNode();

  const YamlNode* find(const std::string& key) const;
  YamlNode* find(const std::string& key);
  bool is_map() const { return kind == Kind::map; }
  bool is_sequence() const { return kind == Kind::sequence; }
  bool is_scalar() const { return kind == Kind::scalar; }
};

// Throws InputError "file:line:column: malformed YAML: ..." on a syntax error, or naming the file when it
// cannot be read.
YamlNode load_yaml_file(const std::string& path);
YamlNode parse_yaml(const std::string& text, const std::string& label);

// Overlays `top` onto `base`: maps merge key by key (recursively), anything else is replaced. A key of
// `top` written `list[NAME]` or `list[INDEX]` (repeatable: `list[0][1]`) does not name a key: it patches
// the entry of the base's list `list` whose `name:` field is NAME (or that sits at INDEX), merging its
// value into that entry as above. Throws InputError "file:line:column: key.path: ..." when the base has
// no such list or no such entry.
void merge_yaml(YamlNode& base, const YamlNode& top);

// Throws InputError at the first `list[...]` patch key in `doc`, saying it patches nothing because `why`
// (for a file with no base to patch).
void reject_list_patches(const YamlNode& doc, const std::string& why);

// Sets a key path to a YAML scalar/flow value, e.g. "run.days=30". A step may select a list entry by
// index or by its `name:` field: "events[0].date=2024-01-09", "events[closure].date=2024-01-09". Missing
// map keys are created; list entries never are. Throws InputError naming the assignment, the key path
// and what is valid when the assignment is malformed or a selected entry does not exist.
void set_yaml_path(YamlNode& root, const std::string& assignment);

// Block-style YAML text of the tree (for provenance).
std::string emit_yaml(const YamlNode& node);

}  // namespace migrasim::io
