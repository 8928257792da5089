#pragma once
// Parameters that several mechanisms declare with one meaning (their tables: sim/params.hpp).
#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "sim/params.hpp"
#include "sim/world.hpp"

namespace migrasim::models {

// speed_km_per_day.{road, foot, sea, air}: the travel speed of `who` (" of the displaced", or "") on routes
// of each mode, km/day in [1e-6, 1e6], with a source each.
template <class P>
void speed_entries(ParamTableOf<P>& t, std::array<double, travel_mode_count> P::*speeds,
                   const std::string& who, const std::array<const char*, travel_mode_count>& sources) {
  for (int m = 0; m < travel_mode_count; ++m) {
    const std::string mode(to_string(static_cast<TravelMode>(m)));
    t.number("speed_km_per_day." + mode,
             [speeds, m](P& p) -> double& { return (p.*speeds)[static_cast<std::size_t>(m)]; })
        .range(1e-6, 1e6)
        .noun("a speed")
        .unit("km/day")
        .about("travel speed" + who + " on " + mode + " routes")
        .source(sources[static_cast<std::size_t>(m)]);
  }
}

// The rules of a driver's route walker (models/route_walker.hpp): speed_km_per_day.*, patience_days and
// stranded_return_per_day.
template <class P>
void walker_entries(ParamTableOf<P>& t, std::array<double, travel_mode_count> P::*speeds,
                    std::int32_t P::*patience, double P::*stranded_return) {
  speed_entries(t, speeds, "",
                {"scenario assumption (bus travel)", "scenario assumption", "scenario assumption",
                 "scenario assumption"});
  t.integer("patience_days", patience)
      .range(0, 65535)
      .unit("days")
      .about("days stranded at a closed route before rerouting")
      .source("scenario assumption");
  t.share("stranded_return_per_day", stranded_return)
      .noun("a probability per day")
      .unit("1/day")
      .about("people stranded for `patience_days` or more who go home, per day")
      .source("scenario assumption");
}

// resources_usd.{median, sigma}: the log-normal money a driver's movers carry; `what` says what it is.
template <class P>
void resources_entries(ParamTableOf<P>& t, double P::*median, double P::*sigma, const std::string& what) {
  t.number("resources_usd.median", median)
      .range(0, 1e9)
      .unit("USD")
      .about("median " + what)
      .source("scenario assumption");
  t.number("resources_usd.sigma", sigma)
      .range(0, 10)
      .about("log-normal shape of resources")
      .source("scenario assumption");
}

// border / route: the crossings a record applies to, every route between two countries or the routes
// joining two places (give one); derives `routes` and refuses a choice that selects no route.
template <class R>
void route_selection(ParamTableOf<R>& t, std::vector<country_id> R::*border, std::vector<place_id> R::*ends,
                     std::vector<route_id> R::*routes) {
  t.countries("border", border)
      .length(2)
      .about("every route between these two countries (give border or route)")
      .source("scenario");
  t.places("route", ends)
      .length(2)
      .about("the routes joining these two places, e.g. a sea leg or a flight (give border or route)")
      .source("scenario");
  t.derive("give either border or route; some route must cross that border or join those places",
           [border, ends, routes](R& r, const ParamContext& ctx) {
             const auto& b = r.*border;
             const auto& e = r.*ends;
             if (b.empty() == e.empty()) throw ParamProblem("", "give either border or route");
             const World& w = ctx.world;
             auto& out = r.*routes;
             out.clear();
             for (route_id k = 0; k < w.route_count(); ++k) {
               const Route& route = w.routes()[static_cast<std::size_t>(k)];
               if (!b.empty()) {
                 const country_id ca = w.places()[static_cast<std::size_t>(route.a)].country;
                 const country_id cb = w.places()[static_cast<std::size_t>(route.b)].country;
                 if ((ca == b[0] && cb == b[1]) || (ca == b[1] && cb == b[0])) out.push_back(k);
               } else if ((route.a == e[0] && route.b == e[1]) || (route.a == e[1] && route.b == e[0])) {
                 out.push_back(k);
               }
             }
             if (out.empty())
               throw ParamProblem(b.empty() ? "route" : "border",
                                  b.empty() ? "no route joins these places" : "no route crosses this border");
           });
}

// A dated step series (`[{date, value}, ...]`, each value from its date on) of values in [lo, hi]: the
// table of its entries. `title` names an entry in the documentation; `about` and `source` describe the
// value.
inline std::shared_ptr<const ParamTableOf<DatedValue>> dated_steps_table(const std::string& title,
                                                                         const std::string& about, double lo,
                                                                         double hi, const std::string& unit,
                                                                         const std::string& source) {
  auto t = std::make_shared<ParamTableOf<DatedValue>>(title, about + " from a date on");
  t->date("date", &DatedValue::day).required().about("first day of the step").source("scenario");
  t->number("value", &DatedValue::value).range(lo, hi).unit(unit).required().about(about).source(source);
  return t;
}

}  // namespace migrasim::models
