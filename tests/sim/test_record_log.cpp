#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "sim/checkpoint.hpp"
#include "sim/memory_recorder.hpp"
#include "sim/record_log.hpp"

using namespace migrasim;

namespace {

// Two days of counts with an event before each, as the kernel gives them.
void feed(Recorder& r) {
  RunInfo info;
  info.days = 3;
  info.series = {{"queue", "a queue", "persons", {"programme"}, {{"p1", "p2"}}}};
  r.on_start(info);
  for (std::int32_t d = 0; d < 2; ++d) {
    std::vector<std::int64_t> pop{d, 2 * d}, stranded{d}, route{3 + d}, flow{d + 1}, queue{d, 5};
    r.on_event({d, "closure", "close_routes", "A--B", 0, 1});
    DayRecord rec{d, &pop, &stranded, &route, &flow, 10 + d, 20 + d, {&queue}};
    r.on_day(rec);
  }
}

}  // namespace

TEST_CASE("RecordLog replays what it kept, also after a save and a load", "[checkpoint]") {
  RecordLog log;
  MemoryRecorder direct;
  feed(log);
  feed(direct);
  CHECK(log.days() == 2);

  StateWriter out;
  log.save_state(out);
  RecordLog loaded;
  StateReader in(out.bytes().data(), out.bytes().size(), "test");
  loaded.load_state(in);
  CHECK(in.at_end());

  for (const RecordLog* l : {&log, &loaded}) {
    MemoryRecorder replayed;
    RunInfo info;
    info.days = 3;
    info.series = direct.series_specs();
    replayed.on_start(info);
    l->replay(replayed);
    CHECK(replayed.days == direct.days);
    CHECK(replayed.population == direct.population);
    CHECK(replayed.stranded == direct.stranded);
    CHECK(replayed.on_route == direct.on_route);
    CHECK(replayed.flow == direct.flow);
    CHECK(replayed.spawned == direct.spawned);
    CHECK(replayed.series == direct.series);
    REQUIRE(replayed.events.size() == direct.events.size());
    for (std::size_t k = 0; k < direct.events.size(); ++k) {
      CHECK(replayed.events[k].day == direct.events[k].day);
      CHECK(replayed.events[k].name == direct.events[k].name);
    }
  }
}
