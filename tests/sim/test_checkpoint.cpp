#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "sim/checkpoint.hpp"
#include "sim/errors.hpp"

using namespace migrasim;

TEST_CASE("StateWriter and StateReader carry scalars, text and nested sequences", "[checkpoint]") {
  StateWriter out;
  out.section("part");
  const std::int32_t day = -7;
  const double rate = 0.125;
  const std::string name = "Tapachula";
  const std::vector<float> km{1.5f, 2.5f};
  const std::vector<std::vector<std::uint8_t>> nested{{1, 2}, {}, {3}};
  const std::vector<std::deque<std::uint64_t>> queues{{5, 6, 7}, {}};
  const std::array<std::int64_t, 3> counts{1, -2, 3};
  const std::vector<std::pair<std::int32_t, double>> pairs{{1, 0.5}, {4, 2.0}};
  const std::vector<std::string> words{"a", "", "bc"};
  out.fields(day, rate, name, km, nested, queues, counts, pairs, words);

  StateReader in(out.bytes().data(), out.bytes().size(), "test");
  in.section("part");
  std::int32_t day2 = 0;
  double rate2 = 0;
  std::string name2;
  std::vector<float> km2{9};
  std::vector<std::vector<std::uint8_t>> nested2;
  std::vector<std::deque<std::uint64_t>> queues2;
  std::array<std::int64_t, 3> counts2{};
  std::vector<std::pair<std::int32_t, double>> pairs2;
  std::vector<std::string> words2;
  in.fields(day2, rate2, name2, km2, nested2, queues2, counts2, pairs2, words2);
  CHECK(day2 == day);
  CHECK(rate2 == rate);
  CHECK(name2 == name);
  CHECK(km2 == km);
  CHECK(nested2 == nested);
  CHECK(queues2 == queues);
  CHECK(counts2 == counts);
  CHECK(pairs2 == pairs);
  CHECK(words2 == words);
  CHECK(in.at_end());
}

TEST_CASE("StateReader refuses another section, another type and a truncated state", "[checkpoint]") {
  StateWriter out;
  out.section("economic");
  out.put(std::int32_t{3});
  out.put(std::vector<std::int64_t>{1, 2, 3});
  const auto& bytes = out.bytes();

  SECTION("another section") {
    StateReader in(bytes.data(), bytes.size(), "ck");
    CHECK_THROWS_WITH(
        in.section("flee"),
        Catch::Contains("ck") && Catch::Contains("expected the state of 'flee', found 'economic'"));
  }
  SECTION("another type") {
    StateReader in(bytes.data(), bytes.size(), "ck");
    in.section("economic");
    std::int64_t wide = 0;
    CHECK_THROWS_AS(in.get(wide), InputError);
  }
  SECTION("a sequence of other elements") {
    StateReader in(bytes.data(), bytes.size(), "ck");
    in.section("economic");
    std::int32_t v = 0;
    in.get(v);
    std::vector<std::int32_t> narrow;
    CHECK_THROWS_WITH(in.get(narrow), Catch::Contains("in the state of 'economic'"));
  }
  SECTION("truncated") {
    StateReader in(bytes.data(), bytes.size() - 3, "ck");
    in.section("economic");
    std::int32_t v = 0;
    in.get(v);
    std::vector<std::int64_t> seq;
    CHECK_THROWS_WITH(in.get(seq), Catch::Contains("past the end") || Catch::Contains("ends early"));
  }
  SECTION("an array of another length") {
    StateReader in(bytes.data(), bytes.size(), "ck");
    in.section("economic");
    std::int32_t v = 0;
    in.get(v);
    std::array<std::int64_t, 2> two{};
    CHECK_THROWS_WITH(in.get(two), Catch::Contains("an array of 3 values, expected 2"));
  }
}
