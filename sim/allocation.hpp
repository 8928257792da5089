#pragma once
// Scarce resources (route capacity, smuggler seats, ...) are allocated by a rule that depends only on the
// set of requests: each request carries a priority drawn from the keyed RNG; per resource, the requests
// with the best (lowest) priorities are admitted, ties broken by agent id. Threads (and, later, MPI ranks)
// only change the order in which requests are gathered, never the result.
#include <algorithm>
#include <cstdint>
#include <vector>

namespace migrasim {

struct ResourceRequest {
  std::int32_t resource = 0;   // e.g. a route or a service
  std::uint32_t priority = 0;  // a keyed random word
  std::uint64_t agent = 0;
  bool operator<(const ResourceRequest& o) const {
    if (resource != o.resource) return resource < o.resource;
    if (priority != o.priority) return priority < o.priority;
    return agent < o.agent;
  }
};

// Sorts `requests` and calls admit(agent) for the best `capacity(resource)` requests of every resource,
// in priority order.
template <class Capacity, class Admit>
void admit_best(std::vector<ResourceRequest>& requests, Capacity capacity, Admit admit) {
  std::sort(requests.begin(), requests.end());
  for (std::size_t k = 0; k < requests.size();) {
    const std::int32_t resource = requests[k].resource;
    const std::size_t limit = capacity(resource);
    for (std::size_t n = 0; k < requests.size() && requests[k].resource == resource; ++k, ++n)
      if (n < limit) admit(requests[k].agent);
  }
}

}  // namespace migrasim
