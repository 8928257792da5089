#include "sim/registry.hpp"

#include <algorithm>

namespace migrasim {

MechanismRegistry::MechanismRegistry(std::vector<Mechanism> all) : all_(std::move(all)) {
  std::stable_sort(all_.begin(), all_.end(),
                   [](const Mechanism& a, const Mechanism& b) { return a.phase < b.phase; });
  for (std::size_t i = 0; i < all_.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (all_[i].name == all_[j].name)
        throw InternalError("mechanism '" + all_[i].name + "' registered twice");
}

const Mechanism* MechanismRegistry::find(const std::string& name) const {
  for (const auto& m : all_)
    if (m.name == name) return &m;
  return nullptr;
}

const ResolvedMechanism* ScenarioContext::find(const std::string& name) const {
  for (const auto& r : earlier)
    if (r.mechanism->name == name) return &r;
  return nullptr;
}

}  // namespace migrasim
