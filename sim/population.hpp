#pragma once
// Agents as a structure of arrays (tskit's column tables): one vector per field, integer ids, -1 for none.
// The budget is 48 bytes per agent for all fields together; bytes_per_agent() reports the current sum.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "sim/world.hpp"

namespace migrasim {

using agent_id = std::int64_t;

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
};
inline constexpr int legal_status_count = 10;
std::string_view to_string(LegalStatus s);

enum class Sex : std::uint8_t { female, male };
inline constexpr int age_band_count = 4;  // 0: 0-17, 1: 18-34, 2: 35-59, 3: 60+
std::string_view age_band_name(int band);

// Agent flags (bit field).
namespace agent_flag {
inline constexpr std::uint8_t settled = 1u << 0;      // arrived, no longer moving
inline constexpr std::uint8_t stranded = 1u << 1;     // waiting at a place because the next route is closed
inline constexpr std::uint8_t rerouted = 1u << 2;     // gave up the planned route, follows open routes only
inline constexpr std::uint8_t has_visa = 1u << 3;     // holds a permit for the destination country
inline constexpr std::uint8_t admitted = 1u << 4;     // may enter a capacity-limited route today
inline constexpr std::uint8_t displaced = 1u << 5;    // away from home because of a disaster
inline constexpr std::uint8_t unsheltered = 1u << 6;  // displaced, found no room in a shelter
inline constexpr std::uint8_t in_debt = 1u << 7;      // paid a smuggler with borrowed money
}  // namespace agent_flag

inline constexpr std::uint8_t no_programme = 255;

namespace agent_flag {}  // namespace agent_flag

struct Population {
  // Where the agent is: at `place` (arc == -1), or on directed `arc` with `km_done` travelled (place == -1).
  std::vector<place_id> place;
  std::vector<arc_id> arc;
  std::vector<float> km_done;
  std::vector<place_id> origin;
  std::vector<place_id> destination;
  std::vector<std::int32_t> departure_day;  // simulation day the agent left its origin
  std::vector<std::int32_t> entry_day;      // day of entry into the current country
  std::vector<float> resources_usd;         // savings and help available for the journey, USD
  std::vector<std::uint16_t> wait_days;     // consecutive days stranded
  std::vector<std::int32_t> status_since;  // day the current legal status began (applicants: application day)
  std::vector<std::int32_t> permit_until;  // last day of the permit held; -1 none (or unlimited)
  std::vector<std::uint8_t> programme;     // programme applied to or obtained through; 255 none
  std::vector<LegalStatus> legal_status;
  std::vector<std::uint8_t> age_band;
  std::vector<Sex> sex;
  std::vector<std::uint8_t> flags;
  std::vector<std::uint8_t> owner;  // index of the model that created the agent (it alone moves it)

  std::size_t size() const { return place.size(); }
  // Gives agent i the defaults of a new agent at `at` on `day`: at a place, origin `at`, no destination,
  // in transit, no permit, no programme, no flags. Models then set what they need.
  void reset(std::size_t i, place_id at, std::int32_t day) {
    place[i] = at;
    arc[i] = -1;
    km_done[i] = 0;
    origin[i] = at;
    destination[i] = -1;
    departure_day[i] = entry_day[i] = status_since[i] = day;
    resources_usd[i] = 0;
    wait_days[i] = 0;
    permit_until[i] = -1;
    programme[i] = no_programme;
    legal_status[i] = LegalStatus::in_transit;
    age_band[i] = 1;
    sex[i] = Sex::female;
    flags[i] = 0;
  }
  void resize(std::size_t n);
  void reserve(std::size_t n);
  std::size_t capacity_bytes() const;  // memory held by all columns

  // Sum of the sizes of all per-agent fields, bytes. Must stay <= 48 (checked by a test).
  static constexpr std::size_t bytes_per_agent() {
    return sizeof(place_id) + sizeof(arc_id) + sizeof(float) + 2 * sizeof(place_id) +
           4 * sizeof(std::int32_t) + sizeof(float) + sizeof(std::uint16_t) + sizeof(std::uint8_t) +
           sizeof(LegalStatus) + sizeof(std::uint8_t) + sizeof(Sex) + 2 * sizeof(std::uint8_t);
  }
};

}  // namespace migrasim
