#include "sim/routing.hpp"

#include <algorithm>
#include <limits>

#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/property_map/property_map.hpp>

#include "sim/errors.hpp"

namespace migrasim {

namespace {

// Records, for each vertex reached, the CSR edge through which it was last relaxed.
class RecordArc : public boost::default_dijkstra_visitor {
 public:
  explicit RecordArc(std::vector<arc_id>& via) : via_(via) {}
  template <class Edge, class Graph>
  void edge_relaxed(Edge e, const Graph& g) {
    via_[boost::target(e, g)] = g[e].id;
  }

 private:
  std::vector<arc_id>& via_;
};

}  // namespace

RoutingTables compute_routing(const World& world, const std::vector<place_id>& targets,
                              const RoutingOptions& options, const ParallelFor& parallel_for) {
  for (double s : options.speed_km_per_day)
    if (!(s > 0)) throw InputError("routing: every speed_km_per_day must be > 0");
  const RouteGraph& g = world.graph();
  const auto places = static_cast<std::size_t>(world.place_count());
  const std::size_t n_edges = boost::num_edges(g);
  constexpr double unreachable = std::numeric_limits<double>::max();

  // Edge weights in days, indexed by CSR edge index.
  std::vector<double> weight_days(n_edges);
  const auto edge_index = boost::get(boost::edge_index, g);
  for (auto [it, end] = boost::edges(g); it != end; ++it) {
    const auto edge = *it;
    const std::size_t e = get(edge_index, edge);  // ADL: the CSR index map lives in boost::detail
    const arc_id a = g[edge].id;
    const route_id r = world.arc_route(a);
    const Route& route = world.routes()[static_cast<std::size_t>(r)];
    double w = route.distance_km / options.speed_km_per_day[static_cast<std::size_t>(route.mode)];
    if (options.state) {
      if (!options.state->open[static_cast<std::size_t>(r)])
        w = unreachable;
      else
        w *= options.state->travel_time_factor[static_cast<std::size_t>(r)];
    }
    weight_days[e] = w;
  }

  RoutingTables t;
  t.targets = targets;
  t.target_index.assign(places, -1);
  for (std::size_t i = 0; i < targets.size(); ++i) {
    if (targets[i] < 0 || static_cast<std::size_t>(targets[i]) >= places)
      throw InternalError("routing: bad target");
    t.target_index[static_cast<std::size_t>(targets[i])] = static_cast<std::int32_t>(i);
  }
  t.next_arc.assign(targets.size() * places, -1);
  t.path_km.assign(targets.size() * places, std::numeric_limits<float>::infinity());
  t.path_days.assign(targets.size() * places, std::numeric_limits<float>::infinity());

  auto weight_map = boost::make_iterator_property_map(weight_days.begin(), boost::get(boost::edge_index, g));
  parallel_for(0, targets.size(), [&](std::size_t tb, std::size_t te) {
    std::vector<double> dist(places);
    std::vector<arc_id> via(places);
    std::vector<double> km(places);
    for (std::size_t ti = tb; ti < te; ++ti) {
      std::fill(via.begin(), via.end(), -1);
      const auto source = static_cast<std::size_t>(targets[ti]);
      // The graph is symmetric (every route has an arc each way with the same weight), so a search from the
      // target gives, for every place, the reverse of its least-time path to the target.
      boost::dijkstra_shortest_paths(g, source,
                                     boost::weight_map(weight_map)
                                         .distance_map(boost::make_iterator_property_map(
                                             dist.begin(), boost::get(boost::vertex_index, g)))
                                         .visitor(RecordArc(via))
                                         .distance_inf(unreachable));
      // Path lengths in km, in order of increasing travel time so that each parent is done first.
      std::vector<std::size_t> order;
      order.reserve(places);
      for (std::size_t p = 0; p < places; ++p)
        if (dist[p] < unreachable) order.push_back(p);
      std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
        return dist[x] < dist[y] || (dist[x] == dist[y] && x < y);
      });
      for (std::size_t p : order) {
        const std::size_t k = ti * places + p;
        if (p == source) {
          km[p] = 0;
        } else {
          const arc_id in = via[p];   // arc parent -> p, found from the target side
          const arc_id out = in ^ 1;  // the same route travelled p -> parent
          const auto parent = static_cast<std::size_t>(world.arc_source(in));
          km[p] = km[parent] + world.routes()[static_cast<std::size_t>(world.arc_route(in))].distance_km;
          t.next_arc[k] = out;
        }
        t.path_km[k] = static_cast<float>(km[p]);
        t.path_days[k] = static_cast<float>(dist[p]);
      }
    }
  });
  return t;
}

std::vector<char> places_reached(const World& world, std::vector<place_id> from,
                                 const std::vector<char>& open) {
  std::vector<char> reached(static_cast<std::size_t>(world.place_count()), 0);
  for (place_id p : from) reached[static_cast<std::size_t>(p)] = 1;
  while (!from.empty()) {
    const place_id p = from.back();
    from.pop_back();
    for (const arc_id* a = world.out_arcs_begin(p); a != world.out_arcs_end(p); ++a) {
      const place_id q = world.arc_target(*a);
      if (reached[static_cast<std::size_t>(q)] ||
          (!open.empty() && !open[static_cast<std::size_t>(world.arc_route(*a))]))
        continue;
      reached[static_cast<std::size_t>(q)] = 1;
      from.push_back(q);
    }
  }
  return reached;
}

}  // namespace migrasim
