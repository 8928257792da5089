#include "models/registry.hpp"

#include "models/disaster.hpp"
#include "models/economic.hpp"
#include "models/entry.hpp"
#include "models/family.hpp"
#include "models/flee.hpp"
#include "models/legal_status.hpp"
#include "models/route_risks.hpp"
#include "models/smuggling.hpp"

namespace migrasim::models {

const MechanismRegistry& mechanisms() {
  // Phases: movement models first, then the mechanisms acting on movers, then legal status on everyone.
  static const MechanismRegistry registry({
      mechanism_of<EconomicParams, EconomicModel>("economic", "docs/models/economic.md", 10, true),
      mechanism_of<FleeParams, FleeModel>("flee", "docs/flee.md", 10, true),
      mechanism_of<FamilyParams, FamilyModel>("family", "docs/models/family.md", 12),
      mechanism_of<EntryParams, EntryModel>("entry", "docs/models/entry.md", 15),
      mechanism_of<RouteRiskParams, RouteRiskModel>("route_risks", "docs/models/route_risks.md", 16),
      mechanism_of<DisasterParams, DisasterModel>("disasters", "docs/models/disaster.md", 20),
      mechanism_of<SmugglingParams, SmugglingModel>("smuggling", "docs/models/smuggling.md", 30),
      mechanism_of<LegalParams, LegalStatusModel>("legal", "docs/models/legal_status.md", 40),
  });
  return registry;
}

}  // namespace migrasim::models
