#include "sim/agent_sample.hpp"

#include <algorithm>

namespace migrasim {

std::uint64_t AgentSample::key(const KeyedRng& rng, agent_id id) {
  const auto w = rng.words(static_cast<std::uint64_t>(id), 0, Purpose::agent_sample);
  return (static_cast<std::uint64_t>(w.v[0]) << 32) | w.v[1];
}

void AgentSample::observe(const Population& population, const World& world, const KeyedRng& rng,
                          std::int32_t day) {
  if (!enabled()) return;
  const auto size = static_cast<std::size_t>(spec_.size);
  // (key, id) pairs compare by key, then by id: a strict order, so the sample is unique.
  for (std::size_t i = seen_; i < population.size(); ++i) {
    const auto id = static_cast<agent_id>(i);
    const std::pair<std::uint64_t, agent_id> entry{key(rng, id), id};
    if (heap_.size() < size) {
      heap_.push_back(entry);
      std::push_heap(heap_.begin(), heap_.end());
      rows_[id];
    } else if (entry < heap_.front()) {
      std::pop_heap(heap_.begin(), heap_.end());
      rows_.erase(heap_.back().second);
      heap_.back() = entry;
      std::push_heap(heap_.begin(), heap_.end());
      rows_[id];
    }
  }
  seen_ = population.size();
  for (auto& [id, rows] : rows_) {
    const auto i = static_cast<std::size_t>(id);
    AgentRow r;
    r.agent = id;
    r.day = day;
    r.location = population.place[i];
    r.edge = population.arc[i] >= 0 ? world.arc_route(population.arc[i]) : -1;
    r.nationality = population.nationality[i];
    r.legal_status = population.legal_status[i];
    r.sex = population.sex[i];
    r.age_band = population.age_band[i];
    rows.push_back(r);
  }
}

std::vector<AgentRow> AgentSample::rows() const {
  std::vector<agent_id> ids;
  ids.reserve(rows_.size());
  std::size_t n = 0;
  for (const auto& [id, rows] : rows_) {
    ids.push_back(id);
    n += rows.size();
  }
  std::sort(ids.begin(), ids.end());
  std::vector<AgentRow> out;
  out.reserve(n);
  for (agent_id id : ids) {
    const auto& rows = rows_.at(id);
    out.insert(out.end(), rows.begin(), rows.end());
  }
  return out;
}

void AgentSample::save_state(StateWriter& out) const {
  out.section("agent_sample");
  out.fields(spec_.size, spec_.every, static_cast<std::uint64_t>(seen_), heap_);
  // The rows by agent id, so that the bytes do not depend on the hash table's order.
  std::vector<agent_id> ids;
  for (const auto& [id, rows] : rows_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  out.put(static_cast<std::uint64_t>(ids.size()));
  for (agent_id id : ids) out.fields(id, rows_.at(id));
}

void AgentSample::load_state(StateReader& in) {
  in.section("agent_sample");
  AgentSampleSpec spec;
  std::uint64_t seen = 0, count = 0;
  in.fields(spec.size, spec.every, seen, heap_);
  if (spec.size != spec_.size || spec.every != spec_.every)
    in.fail("an agent sample of " + std::to_string(spec.size) + " every " + std::to_string(spec.every) +
            " days, expected " + std::to_string(spec_.size) + " every " + std::to_string(spec_.every));
  seen_ = static_cast<std::size_t>(seen);
  in.get(count);
  rows_.clear();
  for (std::uint64_t k = 0; k < count; ++k) {
    agent_id id = -1;
    std::vector<AgentRow> rows;
    in.fields(id, rows);
    rows_.emplace(id, std::move(rows));
  }
}

}  // namespace migrasim
