#pragma once
// The registry of mechanisms: each mechanism registers by name (its scenario section behaviour.<name>)
// with its parameter table, a factory for its model and the phase at which it runs. The scenario reader
// walks the registry; the simulation runs the models in phase order. The list of mechanisms is in
// models/registry.cpp, one line each.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <typeindex>
#include <vector>

#include "sim/errors.hpp"
#include "sim/model.hpp"
#include "sim/params.hpp"

namespace migrasim {

struct ResolvedMechanism;

// What a mechanism may take from the scenario, and add to it, once its parameters are read
// (P::resolve(ScenarioContext&), optional): the run's calendar as day numbers, the mechanisms read before
// it, and the schedule of route events.
struct ScenarioContext {
  const World& world;
  std::int32_t horizon = 0;                       // days the scenario declares (dates are checked to it)
  std::vector<std::int32_t> month_starts;         // days in [1, horizon] on which a calendar month begins
  const std::vector<ResolvedMechanism>& earlier;  // the scenario's mechanisms read before, in phase order
  std::vector<Event>& events;                     // dated route events; a mechanism may add its own
  const ResolvedMechanism* find(const std::string& name) const;
};

struct Mechanism {
  std::string name;  // section behaviour.<name>
  std::string doc;   // the page that explains it
  int phase = 0;     // models run in increasing phase (a day's phases call them in this order)
  // A movement model runs when behaviour.model names it; any other mechanism when its section is given.
  bool movement = false;
  const ParamTable* table = nullptr;  // its parameters (the scenario reader refuses a mechanism without)
  std::type_index params_type = typeid(void);
  std::function<std::shared_ptr<void>()> create;  // default parameters
  std::function<void(const void* params, const World& world, std::int32_t days)> validate;
  std::function<std::unique_ptr<Model>(const void* params)> make;
  // Called once the parameters are read; empty when P has no resolve().
  std::function<void(void* params, ScenarioContext& ctx)> resolve;
};

// A mechanism with parameter struct P (P::table(), P::validate(world, days)) and model M(P).
template <class P, class M>
Mechanism mechanism_of(std::string name, std::string doc, int phase, bool movement = false,
                       const ParamTable* table = &P::table()) {
  Mechanism m;
  m.name = std::move(name);
  m.doc = std::move(doc);
  m.phase = phase;
  m.movement = movement;
  m.table = table;
  m.params_type = typeid(P);
  m.create = [] { return std::shared_ptr<void>(std::make_shared<P>()); };
  m.validate = [](const void* p, const World& w, std::int32_t days) {
    static_cast<const P*>(p)->validate(w, days);
  };
  m.make = [](const void* p) -> std::unique_ptr<Model> {
    return std::make_unique<M>(*static_cast<const P*>(p));
  };
  if constexpr (requires(P & p, ScenarioContext & ctx) { p.resolve(ctx); })
    m.resolve = [](void* p, ScenarioContext& ctx) { static_cast<P*>(p)->resolve(ctx); };
  return m;
}

// One mechanism of a scenario with its resolved parameters.
struct ResolvedMechanism {
  const Mechanism* mechanism = nullptr;
  std::shared_ptr<const void> params;

  template <class P>
  const P& as() const {
    if (mechanism->params_type != std::type_index(typeid(P)))
      throw InternalError("mechanism " + mechanism->name + " does not hold these parameters");
    return *static_cast<const P*>(params.get());
  }
};

class MechanismRegistry {
 public:
  explicit MechanismRegistry(std::vector<Mechanism> all);     // throws InternalError on a duplicate name
  const std::vector<Mechanism>& all() const { return all_; }  // in phase order (stable)
  const Mechanism* find(const std::string& name) const;

 private:
  std::vector<Mechanism> all_;
};

}  // namespace migrasim
