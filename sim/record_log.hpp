#pragma once
// A recorder that keeps everything the kernel told the recorders (events and days, in order), so that a
// run resumed from a checkpoint can hand the days before it to fresh recorders (replay) and its output
// holds the whole run. It holds every value of every day: as much memory as the run's output before
// compression. Used only when checkpoints are asked for (migrasim run --checkpoint-every).
#include <cstdint>
#include <vector>

#include "sim/checkpoint.hpp"
#include "sim/recorder.hpp"

namespace migrasim {

class RecordLog final : public Recorder {
 public:
  void on_start(const RunInfo&) override {
    events_.clear();
    days_.clear();
  }
  void on_event(const EventRecord& event) override { events_.push_back({days_.size(), event}); }
  void on_day(const DayRecord& record) override;
  // Gives `to` every event and day kept, in the order the kernel gave them (not on_start, not on_finish).
  void replay(Recorder& to) const;
  std::size_t days() const { return days_.size(); }

  void save_state(StateWriter& out) const;
  void load_state(StateReader& in);

 private:
  struct Day {
    std::int32_t day = 0;
    std::vector<std::int64_t> population, stranded, on_route, flow;
    std::int64_t spawned_today = 0, spawned_total = 0;
    std::vector<std::vector<std::int64_t>> series;
  };
  struct Event {
    std::size_t before_day = 0;  // index of the first day kept after it
    EventRecord record;
  };
  std::vector<Event> events_;
  std::vector<Day> days_;
};

}  // namespace migrasim
