#pragma once
// Who the movers are: the sex and age band a driver gives the people it creates, drawn from shares
// that may differ by country of origin (docs/models/demography.md). One meaning for every driver that
// declares the `demography` keys.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/params.hpp"
#include "sim/population.hpp"

namespace migrasim::models {

struct Demography {
  // The defaults describe people who migrate (the economic and family drivers'; docs/models/
  // demography.md): 46 % women among immigrants to EU Member States in 2017 (Eurostat); the bands are
  // an assumption whose median age, 28.2 years with ages spread evenly within a band, matches those
  // immigrants' 28.3.
  struct Shares {
    double female_share = 0.46;
    std::array<double, age_band_count> age_band_shares{0.2, 0.5, 0.25, 0.05};  // 0-17, 18-34, 35-59, 60+
  };
  // Shares for the movers of one origin country; what it does not give comes from the shares of all.
  struct Origin {
    country_id country = -1;
    double female_share = -1;                                            // -1: not given
    std::array<double, age_band_count> age_band_shares{-1, -1, -1, -1};  // -1 first: not given
  };
  Shares all;
  std::vector<Origin> by_origin;

  // The shares of movers from country c.
  Shares of(country_id c) const {
    Shares s = all;
    for (const auto& o : by_origin)
      if (o.country == c) {
        if (o.female_share >= 0) s.female_share = o.female_share;
        if (o.age_band_shares[0] >= 0) s.age_band_shares = o.age_band_shares;
      }
    return s;
  }
  // The shares of the movers of each of `countries` countries of origin, by country id.
  std::vector<Shares> by_country(std::size_t countries) const {
    std::vector<Shares> out;
    for (std::size_t c = 0; c < countries; ++c) out.push_back(of(static_cast<country_id>(c)));
    return out;
  }
  // Sex and age band from two uniform draws in [0, 1).
  static void draw(const Shares& s, double u_sex, double u_age, Sex& sex, std::uint8_t& band) {
    int b = 0;
    for (double acc = s.age_band_shares[0]; b + 1 < age_band_count && u_age >= acc;)
      acc += s.age_band_shares[static_cast<std::size_t>(++b)];
    band = static_cast<std::uint8_t>(b);
    sex = u_sex < s.female_share ? Sex::female : Sex::male;
  }
};

std::shared_ptr<const ParamTableOf<Demography::Origin>> demography_origin_table();

// The source of the default shares (Demography::Shares) of people who migrate.
inline constexpr const char* mover_demography_source =
    "Eurostat, Migration and migrant population statistics (Statistics Explained, 2019): immigrants to EU "
    "Member States in 2017, 54 % men, median age 28.3; band split assumed";

// The keys `demography.female_share`, `demography.age_band_shares` and `demography.by_origin[]` of a
// driver's table, bound to its Demography member; `source` describes where the shares of all come from.
template <class P>
void demography_entries(ParamTableOf<P>& t, Demography P::*m, const std::string& source) {
  t.share("demography.female_share", [m](P& p) -> double& { return (p.*m).all.female_share; })
      .about("share of women")
      .source(source);
  t.template shares<age_band_count>(
       "demography.age_band_shares",
       [m](P& p) -> std::array<double, age_band_count>& { return (p.*m).all.age_band_shares; })
      .about("shares of the age bands 0-17, 18-34, 35-59, 60+")
      .source(source);
  t.template records<Demography::Origin>(
       "demography.by_origin", [m](P& p) -> std::vector<Demography::Origin>& { return (p.*m).by_origin; },
       demography_origin_table())
      .about("shares for the movers of some countries of origin (see the origin demography rows)")
      .source("scenario (cite per origin)");
  t.rule("one demography.by_origin entry per country", [m](const P& p, const ParamContext&) {
    const auto& list = (p.*m).by_origin;
    for (std::size_t i = 0; i < list.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (list[i].country == list[j].country)
          throw ParamProblem("demography.by_origin",
                             "[" + std::to_string(i) + "].country: one entry per country of origin");
  });
}

}  // namespace migrasim::models
