#pragma once
// The two exception roots (Arbor's habit): a user's mistake versus a bug in migrasim.
#include <stdexcept>
#include <string>

namespace migrasim {

// Bad input: a scenario, a value or a file that a user can fix. The CLI exits with code 2.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A broken invariant inside migrasim. The CLI exits with code 1.
struct InternalError : std::logic_error {
  using std::logic_error::logic_error;
};

}  // namespace migrasim
