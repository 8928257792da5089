#pragma once
// Parameters that several mechanisms declare with one meaning (their tables: sim/params.hpp).
#include <array>
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
