#include "sim/rng.hpp"

#include <cmath>

namespace migrasim {

std::int64_t KeyedRng::poisson(double lambda, std::uint64_t id, std::int32_t day, Purpose purpose) const {
  if (!(lambda > 0)) return 0;
  DrawStream s(*this, id, day, purpose);
  if (lambda < 10) {
    // Inversion by sequential search over the cumulative distribution.
    double p = std::exp(-lambda), cdf = p;
    const double u = s.u();
    std::int64_t k = 0;
    while (u > cdf && k < 1000) {
      ++k;
      p *= lambda / static_cast<double>(k);
      cdf += p;
    }
    return k;
  }
  // PTRS: transformed rejection with squeeze, W. Hoermann, "The transformed rejection method for
  // generating Poisson random variables", Insurance: Mathematics and Economics 12 (1993) 39-45.
  const double slam = std::sqrt(lambda), loglam = std::log(lambda);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
  const double v_r = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const double u = s.u() - 0.5;
    const double v = s.u();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2 * a / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= v_r) return static_cast<std::int64_t>(k);
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <=
        -lambda + k * loglam - std::lgamma(k + 1))
      return static_cast<std::int64_t>(k);
  }
}

double KeyedRng::normal(std::uint64_t id, std::int32_t day, Purpose purpose, std::uint32_t index) const {
  const auto w = words(id, day, purpose, index);
  const double u1 = to_unit(w.v[0]), u2 = to_unit(w.v[1]);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

}  // namespace migrasim
