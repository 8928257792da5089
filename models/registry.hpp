#pragma once
// Every mechanism migrasim has, one line each in registry.cpp (name, documentation, phase).
#include "sim/registry.hpp"

namespace migrasim::models {

const MechanismRegistry& mechanisms();

}  // namespace migrasim::models
