#include "sim/population.hpp"

namespace migrasim {

std::string_view to_string(LegalStatus s) {
  switch (s) {
    case LegalStatus::in_transit:
      return "in_transit";
    case LegalStatus::regular:
      return "regular";
    case LegalStatus::irregular:
      return "irregular";
    case LegalStatus::overstayer:
      return "overstayer";
    case LegalStatus::applicant:
      return "applicant";
    case LegalStatus::temporary_protection:
      return "temporary_protection";
    case LegalStatus::regularised:
      return "regularised";
    case LegalStatus::detained:
      return "detained";
    case LegalStatus::returned:
      return "returned";
    case LegalStatus::dead:
      return "dead";
  }
  return "unknown";
}

std::string_view age_band_name(int band) {
  switch (band) {
    case 0:
      return "0-17";
    case 1:
      return "18-34";
    case 2:
      return "35-59";
    case 3:
      return "60+";
    default:
      return "unknown";
  }
}

// clang-format off
#define MIGRASIM_FOR_EACH_COLUMN(F) \
  F(place) F(arc) F(km_done) F(origin) F(destination) F(departure_day) F(entry_day) F(resources_usd) \
  F(wait_days) F(status_since) F(permit_until) F(programme) F(legal_status) F(age_band) F(sex) F(flags) F(owner)
// clang-format on

void Population::resize(std::size_t n) {
#define MIGRASIM_RESIZE(c) c.resize(n);
  MIGRASIM_FOR_EACH_COLUMN(MIGRASIM_RESIZE)
#undef MIGRASIM_RESIZE
}

void Population::reserve(std::size_t n) {
#define MIGRASIM_RESERVE(c) c.reserve(n);
  MIGRASIM_FOR_EACH_COLUMN(MIGRASIM_RESERVE)
#undef MIGRASIM_RESERVE
}

std::size_t Population::capacity_bytes() const {
  std::size_t total = 0;
#define MIGRASIM_BYTES(c) total += c.capacity() * sizeof(c[0]);
  MIGRASIM_FOR_EACH_COLUMN(MIGRASIM_BYTES)
#undef MIGRASIM_BYTES
  return total;
}

}  // namespace migrasim
