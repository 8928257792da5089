#include "io/param_docs.hpp"

#include <cmath>
#include <cstdio>

#include "models/registry.hpp"

namespace migrasim::io {

namespace {

// How a key is written in the dictionary: per-country maps and keyed records show their key's role.
std::string shown_key(const ParamEntry& e) {
  switch (e.kind) {
    case ParamKind::per_country:
      return e.key + ".<country>";
    case ParamKind::per_country_series:
      return e.key + ".<country>[]";
    case ParamKind::records:
      return e.key + "[]";
    case ParamKind::keyed_records:
      return e.key + (e.keyed_by_place ? ".<place>" : ".<name>");
    case ParamKind::per_place:
      return e.key + ".<place>";
    default:
      return e.key;
  }
}

std::string default_of(const ParamEntry& e, const void* defaults) {
  if (!e.default_text.empty()) return e.default_text;
  if (e.required) return "required";
  const ParamValue v = e.get ? e.get(defaults) : ParamValue{};
  switch (e.kind) {
    case ParamKind::number:
      return format_number(v.number);
    case ParamKind::integer:
      return std::to_string(v.integer);
    case ParamKind::boolean:
      return v.integer ? "true" : "false";
    case ParamKind::text:
      return v.text.empty() ? "none" : v.text;
    case ParamKind::choice:
      return v.integer >= 0 && static_cast<std::size_t>(v.integer) < e.choices.size()
                 ? e.choices[static_cast<std::size_t>(v.integer)]
                 : "none";
    case ParamKind::per_country:
    case ParamKind::per_place:
      return format_number(e.fill);
    case ParamKind::number_range:
      return "[" + format_number(v.numbers[0]) + ", " + format_number(v.numbers[1]) + "]";
    case ParamKind::choice_list: {
      std::string s;
      for (auto i : v.ids) s += (s.empty() ? "" : ", ") + e.choices[static_cast<std::size_t>(i)];
      return s.empty() ? "none" : s;
    }
    case ParamKind::shares:
    case ParamKind::numbers: {
      std::string s;
      for (double x : v.numbers) s += (s.empty() ? "" : ", ") + format_number(x);
      return s;
    }
    case ParamKind::date:
    case ParamKind::window:
    case ParamKind::country:
    case ParamKind::place:
    case ParamKind::countries:
    case ParamKind::places:
    case ParamKind::per_country_series:
    case ParamKind::records:
    case ParamKind::keyed_records:
    case ParamKind::names:
      return "none";
  }
  return "";
}

std::string range_of(const ParamEntry& e) {
  switch (e.kind) {
    case ParamKind::number:
    case ParamKind::integer:
    case ParamKind::per_country:
    case ParamKind::per_country_series:
    case ParamKind::per_place:
    case ParamKind::number_range:
    case ParamKind::shares:
    case ParamKind::numbers:
      if (std::isinf(e.lo) && std::isinf(e.hi)) return "";
      return "[" + format_number(e.lo) + ", " + format_number(e.hi) + "]";
    case ParamKind::choice:
    case ParamKind::choice_list: {
      std::string s;
      for (const auto& c : e.choices) s += (s.empty() ? "" : ", ") + c;
      return s;
    }
    default:
      return e.length > 0 ? std::to_string(e.length) + " entries" : "";
  }
}

std::string cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

void markdown_rows(const ParamTable& t, const std::string& prefix, std::string& out,
                   std::vector<std::pair<std::string, std::string>>& rules) {
  const void* defaults = t.defaults().get();
  for (const auto& e : t.entries()) {
    const std::string key = prefix + shown_key(e);
    out += "| `" + key + "` | " + to_string(e.kind) + " | " + cell(e.unit) + " | " +
           cell(default_of(e, defaults)) + " | " + cell(range_of(e)) + " | " +
           cell(e.description + (e.changeable ? "; changeable mid-run (`Simulation.set`)" : "")) + " | " +
           cell(e.source) + " |\n";
    if (e.fields) markdown_rows(*e.fields, key + ".", out, rules);
  }
  const std::string where = prefix.substr(0, prefix.size() - 1);
  for (const auto& d : t.derivations()) rules.emplace_back(where, d.description);
  for (const auto& r : t.rules()) rules.emplace_back(where, r.description);
  for (const auto& r : t.doubts()) rules.emplace_back(where, "warns of " + r.description);
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string json_number(double v) {
  if (std::isinf(v) || std::isnan(v)) return "null";
  return format_number(v);
}

// What the table checks across keys: its derivations' requirements, its rules, then its doubts (warnings).
std::string json_rules(const ParamTable& t) {
  std::string out = "[";
  for (const auto& d : t.derivations()) out += (out.size() > 1 ? ", " : "") + json_string(d.description);
  for (const auto& r : t.rules()) out += (out.size() > 1 ? ", " : "") + json_string(r.description);
  for (const auto& r : t.doubts())
    out += (out.size() > 1 ? ", " : "") + json_string("warns of " + r.description);
  return out + "]";
}

std::string json_table(const ParamTable& t, const std::string& indent) {
  const void* defaults = t.defaults().get();
  std::string out = "[";
  bool first = true;
  for (const auto& e : t.entries()) {
    out += first ? "\n" : ",\n";
    first = false;
    const std::string in = indent + "  ";
    out += indent + "{\"key\": " + json_string(e.key) + ", \"kind\": " + json_string(to_string(e.kind)) +
           ", \"unit\": " + json_string(e.unit) + ", \"required\": " + (e.required ? "true" : "false") +
           ", \"changeable\": " + (e.changeable ? "true" : "false") +
           ", \"default\": " + json_string(default_of(e, defaults));
    const bool ranged = e.kind == ParamKind::number || e.kind == ParamKind::integer ||
                        e.kind == ParamKind::per_country || e.kind == ParamKind::per_country_series ||
                        e.kind == ParamKind::per_place || e.kind == ParamKind::number_range ||
                        e.kind == ParamKind::shares || e.kind == ParamKind::numbers;
    if (ranged) out += ", \"min\": " + json_number(e.lo) + ", \"max\": " + json_number(e.hi);
    if (e.length > 0) out += ", \"length\": " + std::to_string(e.length);
    if (!e.choices.empty()) {
      out += ", \"choices\": [";
      for (std::size_t i = 0; i < e.choices.size(); ++i) out += (i ? ", " : "") + json_string(e.choices[i]);
      out += "]";
    }
    out += ",\n" + in + "\"expected\": " + json_string(expected_text(e)) + ",\n" + in +
           "\"description\": " + json_string(e.description) + ",\n" + in +
           "\"source\": " + json_string(e.source);
    if (e.fields) out += ",\n" + in + "\"fields\": " + json_table(*e.fields, in + "  ");
    if (e.fields) out += ",\n" + in + "\"rules\": " + json_rules(*e.fields);
    out += "}";
  }
  return out + "\n" + indent.substr(0, indent.size() >= 2 ? indent.size() - 2 : 0) + "]";
}

}  // namespace

std::string params_markdown(const std::vector<ParamSection>& sections) {
  std::string out;
  for (const auto& s : sections) {
    out += "## " + s.path + "\n\n" + s.table->description() + (s.doc.empty() ? "" : " See " + s.doc + ".") +
           "\n\n";
    out += "| key | kind | unit | default | range | meaning | source |\n|---|---|---|---|---|---|---|\n";
    std::vector<std::pair<std::string, std::string>> rules;
    markdown_rows(*s.table, s.path + ".", out, rules);
    if (!rules.empty()) {
      out += "\nChecks across keys:\n";
      for (const auto& [where, text] : rules) out += "- `" + where + "`: " + text + "\n";
    }
    out += "\n";
  }
  return out;
}

std::string params_json(const std::vector<ParamSection>& sections) {
  std::string out = "{\"sections\": [";
  for (std::size_t i = 0; i < sections.size(); ++i) {
    const auto& s = sections[i];
    out += (i ? ",\n" : "\n");
    out += "  {\"path\": " + json_string(s.path) + ", \"title\": " + json_string(s.table->title()) +
           ", \"doc\": " + json_string(s.doc) +
           ",\n   \"description\": " + json_string(s.table->description()) +
           ",\n   \"rules\": " + json_rules(*s.table) +
           ",\n   \"parameters\": " + json_table(*s.table, "     ") + "}";
  }
  return out + "\n]}\n";
}

std::vector<ParamSection> registered_sections() {
  return registered_sections(models::mechanisms());
}

std::vector<ParamSection> registered_sections(const MechanismRegistry& registry) {
  std::vector<ParamSection> out;
  for (const auto& m : registry.all())
    if (m.table) out.push_back({"behaviour." + m.name, m.doc, m.table});
  return out;
}

std::string splice_generated(const std::string& page, const std::string& generated,
                             const std::string& label) {
  const auto b = page.find(generated_begin);
  const auto e = page.find(generated_end);
  if (b == std::string::npos || e == std::string::npos || e < b)
    throw InputError(label + ": no '" + generated_begin + "' ... '" + generated_end + "' block to replace");
  const auto from = b + std::string(generated_begin).size();
  return page.substr(0, from) + "\n\n" + generated + page.substr(e);
}

}  // namespace migrasim::io
