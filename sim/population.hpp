#pragma once
// Agents as a structure of arrays (tskit's column tables): one vector per field, integer ids, -1 for none.
// The kernel keeps the columns every agent has (below); each mechanism declares the columns and flag bits it
// needs before day 0 (sim/columns.hpp), so that no column carries two meanings. Budget (checked by tests):
// at most 40 bytes per agent for the economic baseline, 64 with every mechanism on; describe_columns()
// lists what a run holds.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/columns.hpp"
#include "sim/world.hpp"

namespace migrasim {

class StateWriter;
class StateReader;

using agent_id = std::int64_t;

// Per-agent days are stored as days since day 0 in 16 bits: runs of up to 32,767 days (about 89 years),
// entries back to 32,768 days before day 0.
using stored_day = std::int16_t;
inline constexpr std::int32_t max_run_days = 32767;
inline constexpr std::int32_t min_stored_day = -32768;
inline stored_day store_day(std::int32_t day) {
  return static_cast<stored_day>(day);
}

// Legal status in the country where the agent is. The kernel only stores and counts it; models change it.
enum class LegalStatus : std::uint8_t {
  in_transit,            // left the place of origin, not settled
  regular,               // lawfully present (visa, permit or citizen)
  irregular,             // entered irregularly
  overstayer,            // permit expired, still present
  applicant,             // pathway, asylum or regularisation decision pending
  temporary_protection,  // temporary or humanitarian protection
  regularised,           // permit obtained through a regularisation programme
  detained,
  returned,  // back in the country of origin after migrating
  dead,
  missing,  // died or disappeared on the way, and never recorded by any source
};
inline constexpr int legal_status_count = 11;
std::string_view to_string(LegalStatus s);

enum class Sex : std::uint8_t { female, male };
inline constexpr int age_band_count = 4;  // 0: 0-17, 1: 18-34, 2: 35-59, 3: 60+
std::string_view age_band_name(int band);

// The kernel's own flag bits. The upper four bits of the flags byte go to flags that mechanisms declare.
namespace agent_flag {
inline constexpr std::uint8_t settled = 1u << 0;   // arrived, no longer moving
inline constexpr std::uint8_t stranded = 1u << 1;  // waiting at a place because the next route is closed
inline constexpr std::uint8_t rerouted = 1u << 2;  // gave up the planned route, follows open routes only
inline constexpr std::uint8_t admitted = 1u << 3;  // may enter a capacity-limited route today
inline constexpr int kernel_bits = 4;
}  // namespace agent_flag

// The `driver` byte. Its low seven bits name the model that created the agent: its reason to move and its
// way of choosing routes; only that model's rules walk it along routes. The top bit is set while the run's
// crossing market (sim/model.hpp, CrossingMarket) holds the agent at a place where it chooses a way across
// a border (a pathway, a smuggler, alone, waiting); the market clears it when it hands the agent back.
namespace journey {
inline constexpr std::uint8_t at_crossing = 0x80;
inline constexpr std::uint8_t driver_bits = 0x7f;
inline std::uint8_t driver_of(std::uint8_t b) {
  return static_cast<std::uint8_t>(b & driver_bits);
}
// A traveller who chose, at a border, to look for another destination (the crossing market's option,
// offered where its driver takes one: Declarations::takes_other_destinations): its `destination` reads
// away_from(the old one) until its driver draws a new one, in the same day's move.
inline constexpr std::int32_t away_from(std::int32_t old_destination) {
  return -2 - old_destination;
}
inline constexpr bool looks_elsewhere(std::int32_t destination) {
  return destination < -1;
}
inline constexpr std::int32_t old_destination(std::int32_t destination) {
  return -2 - destination;
}
}  // namespace journey

struct Population {
  // Where the agent is: at `place` (arc == -1), or on directed `arc` with `km_done` travelled (place == -1).
  std::vector<place_id> place;
  std::vector<arc_id> arc;
  std::vector<float> km_done;
  std::vector<place_id> origin;
  std::vector<place_id> destination;
  // Country of nationality; the kernel sets the country of origin where the creating mechanism left -1.
  std::vector<std::int16_t> nationality;
  std::vector<stored_day> departure_day;  // day the agent left its origin
  std::vector<stored_day> entry_day;      // day of entry into the current country
  std::vector<stored_day> status_since;   // day the current legal status began (applicants: application day)
  std::vector<std::uint16_t> wait_days;   // consecutive days stranded
  std::vector<LegalStatus> legal_status;
  std::vector<std::uint8_t> age_band;
  std::vector<Sex> sex;
  std::vector<std::uint8_t> flags;
  // Who holds the agent's journey (journey:: above): the model that created it, whose rules choose its
  // routes (its driver), with the top bit set while the run's crossing market holds it at a border.
  std::vector<std::uint8_t> driver;

  std::size_t size() const { return place.size(); }
  // Gives agent i the defaults of a new agent at `at` on `day`: at a place, origin `at`, no destination,
  // nationality unset, in transit, no flags, every declared column at its fill value.
  void reset(std::size_t i, place_id at, std::int32_t day);
  void resize(std::size_t n);
  void reserve(std::size_t n);
  std::size_t capacity_bytes() const;  // memory held by all columns
  // Checkpoints (sim/checkpoint.hpp): every column, by name; load_state expects the same declarations.
  void save_state(StateWriter& out) const;
  void load_state(StateReader& in);

  // Declared columns and flags (sim/columns.hpp). `by` names the declaring mechanism. Declaring a name
  // again returns the same column when both declarations are shared and agree; otherwise InternalError.
  template <class T>
  Column<T> declare(const ColumnSpec& spec, std::string_view by) {
    return Column<T>{declare_column(spec, column_type_of<T>(), by)};
  }
  FlagBit declare_flag(const ColumnSpec& spec, std::string_view by);
  // A declared column or flag by name (tests, recorders); InternalError when absent or of another type.
  template <class T>
  Column<T> find(std::string_view name) const {
    return Column<T>{find_column(name, column_type_of<T>())};
  }
  FlagBit find_flag(std::string_view name) const;
  template <class T>
  std::vector<T>& operator[](Column<T> c) {
    return std::get<std::vector<T>>(declared_[static_cast<std::size_t>(c.index)].data);
  }
  template <class T>
  const std::vector<T>& operator[](Column<T> c) const {
    return std::get<std::vector<T>>(declared_[static_cast<std::size_t>(c.index)].data);
  }

  // Bytes per agent of the kernel's columns alone, and of everything this population holds.
  static constexpr std::size_t kernel_bytes_per_agent() {
    return 5 * sizeof(std::int32_t) + sizeof(std::int16_t) + 3 * sizeof(stored_day) + sizeof(std::uint16_t) +
           sizeof(LegalStatus) + 2 * sizeof(std::uint8_t) + sizeof(Sex) + sizeof(std::uint8_t);
  }
  std::size_t bytes_per_agent() const;
  // Every column: the kernel's, then the declared ones and the declared flags, in declaration order.
  std::vector<ColumnInfo> describe_columns() const;

 private:
  std::int32_t declare_column(const ColumnSpec& spec, ColumnType type, std::string_view by);
  std::int32_t find_column(std::string_view name, ColumnType type) const;
  std::vector<detail::DeclaredColumn> declared_;
  std::vector<detail::DeclaredFlag> flags_declared_;
};

// A table of describe_columns() for people: one line per column (name, type, bytes, who declared it), then
// the total bytes per agent.
std::string format_columns(const Population& population);

}  // namespace migrasim
