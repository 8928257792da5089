#include <catch2/catch.hpp>

#include "io/csv.hpp"
#include "sim/errors.hpp"

using namespace migrasim;
using namespace migrasim::io;

TEST_CASE("csv parses quotes, blank lines and CRLF, with positions", "[io]") {
  const std::string text = "a,b,c\r\n1, 2 ,\"x, \"\"y\"\"\"\r\n\r\n\"multi\nline\",5,6\n";
  CsvTable t = parse_csv(text, "t.csv");
  REQUIRE(t.header == std::vector<std::string>{"a", "b", "c"});
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0].line == 2);
  CHECK(t.rows[0].fields[1].text == "2");
  CHECK(t.rows[0].fields[1].column == 3);
  CHECK(t.rows[0].fields[2].text == "x, \"y\"");
  CHECK(t.rows[1].line == 4);
  CHECK(t.rows[1].fields[0].text == "multi\nline");
  CHECK(t.column("c") == 2);
  CHECK(t.column("zz") == -1);
  CHECK(t.mark(t.rows[0], 2).str() == "t.csv:2:7");
}

TEST_CASE("csv errors name file, line and column", "[io]") {
  CHECK_THROWS_WITH(parse_csv("a,b\n1,2,3\n", "f.csv"), Catch::StartsWith("f.csv:2:1: expected 2 fields"));
  CHECK_THROWS_WITH(parse_csv("a,b\n1,\"open\n", "f.csv"), Catch::StartsWith("f.csv:2:3: unterminated"));
  CHECK_THROWS_WITH(parse_csv("", "f.csv"), Catch::Contains("empty CSV"));
  CHECK_THROWS_AS(read_csv("/nonexistent/file.csv"), InputError);
}

TEST_CASE("csv skips a UTF-8 byte-order mark and keeps the columns of the first line", "[io]") {
  CsvTable t = parse_csv("\xEF\xBB\xBFname,x\r\nA,1\r\n", "b.csv");
  REQUIRE(t.header.size() == 2);
  CHECK(t.header[0] == "name");
  CHECK(t.column("name") == 0);
  REQUIRE(t.rows.size() == 1);
  CHECK(t.rows[0].fields[1].text == "1");
  CHECK(t.mark(t.rows[0], 1).str() == "b.csv:2:3");
}

TEST_CASE("input files must be regular files; output paths never replace anything else",
          "[io][reliability]") {
  // /dev/zero would be read forever (issue 14: `locations: /dev/zero`, `extends: /dev/zero`).
  CHECK_THROWS_WITH(
      read_csv("/dev/zero"),
      Catch::Contains("/dev/zero: not a regular file (a device, FIFO or socket), expected the CSV file"));
  CHECK_THROWS_WITH(read_input_file("/tmp", "scenario file"),
                    Catch::Contains("/tmp: not a regular file (a folder)"));
  CHECK_THROWS_WITH(read_input_file("/nonexistent/s.yaml", "scenario file"),
                    Catch::Contains("cannot open the scenario file (no such file)"));
  CHECK_THROWS_WITH(check_output_path("/dev/null"),
                    Catch::Contains("/dev/null: exists and is not a regular file"));
  CHECK_THROWS_WITH(check_output_path(""), Catch::Contains("the output path is empty"));
  CHECK_THROWS_AS(write_file_atomically("/dev/null", "x"), InputError);
  CHECK_NOTHROW(check_output_path("/nonexistent-folder/new.csv"));  // a missing folder is the writer's error
}
