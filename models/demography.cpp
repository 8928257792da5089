#include "models/demography.hpp"

namespace migrasim::models {

std::shared_ptr<const ParamTableOf<Demography::Origin>> demography_origin_table() {
  using O = Demography::Origin;
  auto t = std::make_shared<ParamTableOf<O>>("origin demography",
                                             "sex and age shares of the movers from one country of origin");
  t->country("country", &O::country).required().about("the country of origin").source("scenario");
  t->share("female_share", &O::female_share)
      .unset(-1)
      .shown_default("the shares of all")
      .about("share of women among its movers")
      .source("scenario (cite per origin)");
  t->shares("age_band_shares", &O::age_band_shares)
      .unset(-1)
      .shown_default("the shares of all")
      .about("shares of the age bands 0-17, 18-34, 35-59, 60+ among its movers")
      .source("scenario (cite per origin)");
  return t;
}

}  // namespace migrasim::models
