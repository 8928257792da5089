#include <string>

#include <catch2/catch.hpp>

#include "io/yaml_tree.hpp"
#include "sim/errors.hpp"

using namespace migrasim;
using namespace migrasim::io;
using Catch::Contains;

namespace {

// Lists of named and unnamed entries, as scenarios have them (programmes, events).
const char* const tree_text = R"yaml(behaviour:
  legal:
    programmes:
      - {name: one_off_2021, processing_per_day: 2500}
      - {name: permanent_3y, processing_per_day: 1500, window: [2021-01-01, 2021-06-30]}
events:
  - {name: roadblock, date: 2024-01-05}
  - {date: 2024-01-08}
  - {name: "flood.v2 (a=b)", date: 2024-01-09}
codes: [A, B]
empty: []
twins:
  - {name: x}
  - {name: x}
)yaml";

YamlNode tree() {
  return parse_yaml(tree_text, "t.yaml");
}

YamlNode& programme(YamlNode& root, std::size_t k) {
  return root.find("behaviour")->find("legal")->find("programmes")->items.at(k);
}

std::string scalar_at(YamlNode& entry, const std::string& key) {
  const YamlNode* v = entry.find(key);
  return v ? v->scalar : "(missing)";
}

std::string set_error(const std::string& assignment) {
  YamlNode root = tree();
  try {
    set_yaml_path(root, assignment);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string merge_error(const std::string& top_text) {
  YamlNode base = tree();
  try {
    merge_yaml(base, parse_yaml(top_text, "child.yaml"));
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("--set selects list entries by index and by name", "[io][yaml]") {
  YamlNode root = tree();
  set_yaml_path(root, "behaviour.legal.programmes[0].processing_per_day=150");
  CHECK(scalar_at(programme(root, 0), "processing_per_day") == "150");
  CHECK(scalar_at(programme(root, 1), "processing_per_day") == "1500");

  set_yaml_path(root, "behaviour.legal.programmes[permanent_3y].processing_per_day=99");
  CHECK(scalar_at(programme(root, 1), "processing_per_day") == "99");
  CHECK(scalar_at(programme(root, 0), "processing_per_day") == "150");

  // Nested: a list inside a named entry, and a name holding dots and '='.
  set_yaml_path(root, "behaviour.legal.programmes[permanent_3y].window[1]=2021-07-31");
  CHECK(programme(root, 1).find("window")->items.at(1).scalar == "2021-07-31");
  CHECK(programme(root, 1).find("window")->items.at(0).scalar == "2021-01-01");
  set_yaml_path(root, "events[flood.v2 (a=b)].date=2024-01-19");
  CHECK(scalar_at(root.find("events")->items.at(2), "date") == "2024-01-19");

  // A new key inside an entry is created; a whole entry can be replaced.
  set_yaml_path(root, "events[roadblock].countries=[A, B]");
  CHECK(root.find("events")->items.at(0).find("countries")->items.size() == 2);
  set_yaml_path(root, "events[1]={date: 2024-01-10, action: open_border}");
  CHECK(scalar_at(root.find("events")->items.at(1), "action") == "open_border");
  CHECK(root.find("events")->items.size() == 3);
}

TEST_CASE("--set keeps plain keys, created maps and flow values working", "[io][yaml]") {
  YamlNode root = tree();
  set_yaml_path(root, "run.days=30");
  REQUIRE(root.find("run"));
  CHECK(root.find("run")->find("days")->scalar == "30");
  set_yaml_path(root, "behaviour.economic={}");
  CHECK(root.find("behaviour")->find("economic")->is_map());
  set_yaml_path(root, "events=[]");
  CHECK(root.find("events")->items.empty());
  CHECK(root.find("events")->is_sequence());
}

TEST_CASE("--set on a missing list entry says what is valid", "[io][yaml]") {
  CHECK_THAT(set_error("behaviour.legal.programmes[5].processing_per_day=150"),
             Contains("--set behaviour.legal.programmes[5].processing_per_day=150: index 5 out of range: "
                      "behaviour.legal.programmes has 2 entries (0-1) (list at t.yaml:4:7)"));
  CHECK_THAT(set_error("empty[0]=1"), Contains("index 0 out of range: empty is empty"));
  CHECK_THAT(set_error("events[flood].date=2024-01-09"),
             Contains("--set events[flood].date=2024-01-09: no entry named 'flood' in events; names: "
                      "roadblock, flood.v2 (a=b) (list at t.yaml:7:3)"));
  CHECK_THAT(set_error("twins[x].name=y"),
             Contains("2 entries named 'x' in twins (indices 0, 1), select one by index"));
  CHECK_THAT(set_error("codes[A]=C"),
             Contains("no entry named 'A' in codes: no entry of it is a map with a name field, select one by "
                      "index; codes has 2 entries (0-1)"));
}

TEST_CASE("--set selecting inside what is not a list, or below what is not a map, is an error",
          "[io][yaml]") {
  CHECK_THAT(
      set_error("behaviour.legal[0].x=1"),
      Contains("--set behaviour.legal[0].x=1: behaviour.legal is a map, not a list, so it has no entry [0]"));
  CHECK_THAT(set_error("behaviour.nothing[0]=1"),
             Contains("behaviour.nothing is not set, not a list, so it has no entry [0]"));
  CHECK_THAT(set_error("codes[1].x=1"),
             Contains("codes[1] is the value 'B', not a map, so it has no key 'x' (at t.yaml:10:12)"));
  CHECK_THAT(set_error("events[0=1"), Contains("'[' without a closing ']' in 'events[0'"));
  CHECK_THAT(set_error("events[]=1"), Contains("empty [] in 'events[]'"));
  CHECK_THAT(set_error("events[0]x=1"), Contains("unexpected 'x' in 'events[0]x'"));
  CHECK_THAT(set_error("events..x=1"), Contains("empty key in 'events..x'"));
  CHECK_THAT(set_error("nonsense"), Contains("expected KEY.PATH=VALUE"));
}

TEST_CASE("an overlay key list[name] patches one entry of the base's list", "[io][yaml]") {
  YamlNode base = tree();
  merge_yaml(base, parse_yaml("behaviour:\n"
                              "  legal:\n"
                              "    programmes[permanent_3y]:\n"
                              "      processing_per_day: 10\n"
                              "      take_up: 0.5\n"
                              "    programmes[0]: {processing_per_day: 20}\n",
                              "child.yaml"));
  REQUIRE(base.find("behaviour")->find("legal")->find("programmes")->items.size() == 2);
  CHECK(scalar_at(programme(base, 1), "processing_per_day") == "10");
  CHECK(scalar_at(programme(base, 1), "take_up") == "0.5");
  CHECK(scalar_at(programme(base, 1), "name") == "permanent_3y");  // the rest of the entry is kept
  CHECK(programme(base, 1).find("window")->items.size() == 2);
  CHECK(scalar_at(programme(base, 0), "processing_per_day") == "20");
  CHECK(programme(base, 1).find("processing_per_day")->mark.file == "child.yaml");
  CHECK(base.find("behaviour")->find("legal")->find("programmes[0]") == nullptr);
}

TEST_CASE("an overlay patch of a missing list or entry names the overlay's file:line", "[io][yaml]") {
  CHECK_THAT(merge_error("behaviour:\n  legal:\n    programmes[nope]: {take_up: 1}\n"),
             Contains("child.yaml:3:5: behaviour.legal.programmes[nope]: no entry named 'nope' in "
                      "behaviour.legal.programmes; names: one_off_2021, permanent_3y"));
  CHECK_THAT(merge_error("events[3]: {date: 2024-01-09}\n"),
             Contains("child.yaml:1:1: events[3]: index 3 out of range: events has 3 entries (0-2)"));
  CHECK_THAT(
      merge_error("behaviour:\n  lists[x]: {a: 1}\n"),
      Contains("child.yaml:2:3: behaviour.lists[x]: the base scenario has no list behaviour.lists to patch"));
  CHECK_THAT(
      merge_error("fresh:\n  items[x]: {a: 1}\n"),
      Contains("child.yaml:2:3: fresh.items[x]: patches an entry of the list fresh.items, but the base "
               "scenario has no such list"));
  CHECK_THAT(merge_error("codes:\n  - A\nempty: {\"items[x]\": 1}\n"),
             Contains("child.yaml:3:9: empty.items[x]: patches an entry of the list empty.items"));
  CHECK_THAT(merge_error("codes:\n  - {\"k[x]\": 1}\n"),
             Contains("child.yaml:2:6: codes[0].k[x]: patches an entry of the list codes[0].k"));
  const YamlNode lone = parse_yaml("events[roadblock]: {date: 2024-01-09}\n", "lone.yaml");
  try {
    reject_list_patches(lone, "this file extends no base scenario");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK_THAT(std::string(e.what()),
               Contains("lone.yaml:1:1: events[roadblock]: patches an entry of the list "
                        "events, but this file extends no base scenario"));
  }
}

TEST_CASE("a byte-order mark is not part of the first key; a second document is refused", "[io][yaml]") {
  const YamlNode bom = parse_yaml("\xEF\xBB\xBFrun: {days: 3}\n", "b.yaml");
  REQUIRE(bom.find("run") != nullptr);
  CHECK(bom.entries.front().first == "run");
  CHECK_THROWS_WITH(
      parse_yaml("run: {days: 3}\n---\nrun: {days: 4}\n", "two.yaml"),
      Contains("two.yaml:3:1: a second YAML document starts here; a scenario file holds one document"));
  CHECK(parse_yaml("---\nrun: {days: 3}\n", "one.yaml").find("run") != nullptr);  // one marked document
}

TEST_CASE("a stream where no document can start is refused, not looped on", "[io][yaml][reliability]") {
  // yaml-cpp's LoadAll never returns on these (found by fuzzing: tests/fuzz/scenario/): it reports empty
  // document after empty document without moving on.
  CHECK_THROWS_WITH(
      parse_yaml(",", "c.yaml"),
      Contains("c.yaml:1:1: malformed YAML: unexpected ',' where a value or a key should start"));
  CHECK_THROWS_WITH(parse_yaml("# note\n\"a\"\n, b\n", "c.yaml"),
                    Contains("c.yaml:3:1: malformed YAML: unexpected ','"));
  CHECK_THROWS_WITH(parse_yaml("a: b\n---\n,\n", "c.yaml"), Contains("c.yaml:3:1: malformed YAML"));
  CHECK(parse_yaml("a: [1, 2]\n", "ok.yaml").find("a")->items.size() == 2);
}

TEST_CASE("aliases that expand beyond bounds and deep nesting are refused, not followed to bad_alloc",
          "[io][yaml][reliability]") {
  // "Billion laughs": 10 levels of 9 aliases each, about 500 bytes, would copy 3.9e9 nodes.
  std::string bomb = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 10; ++i) {
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 9; ++k) bomb += (k ? ", *a" : "*a") + std::to_string(i - 1);
    bomb += "]\n";
  }
  CHECK_THROWS_WITH(parse_yaml(bomb, "bomb.yaml"),
                    Contains("the YAML expands to more than 2000000 values (aliases are copied"));
  const std::string deep = "run: " + std::string(300, '[') + std::string(300, ']') + "\n";
  CHECK_THROWS_WITH(parse_yaml(deep, "deep.yaml"),
                    Contains("deep.yaml:1:") && Contains("nests more than 200"));
  // A few aliases within bounds still work.
  const YamlNode ok = parse_yaml("a: &x [1, 2]\nb: *x\n", "ok.yaml");
  CHECK(ok.find("b")->items.size() == 2);
}
