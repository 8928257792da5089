#include "sim/rng.hpp"

#include <algorithm>
#include <cmath>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace migrasim {

// Philox4x32-10 (Random123's constants and rounds) on batch_max counters at once, in vector registers
// where the processor has AVX-512 or AVX2 (chosen at run time), else one counter at a time. Integer
// arithmetic only: every path gives the words of words().
namespace {

constexpr std::uint32_t philox_m0 = 0xD2511F53u, philox_m1 = 0xCD9E8D57u;
constexpr std::uint32_t philox_w0 = 0x9E3779B9u, philox_w1 = 0xBB67AE85u;

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MIGRASIM_PHILOX_X86 1
// 16 counters in one register per word. A 32 x 32 -> 64-bit product of the even lanes and one of the odd
// lanes (shifted down), recombined into the low and high halves per lane.
// The batch's counters: ids first + j (their low halves from first's, without a carry into the high half:
// the caller takes the scalar path for a batch that crosses a multiple of 2^32), then day and purpose.
__attribute__((target("avx512f"))) void philox_avx512(std::uint64_t first, std::uint32_t c2, std::uint32_t c3,
                                                      std::uint32_t k0, std::uint32_t k1,
                                                      std::uint32_t (*out)[KeyedRng::batch_max]) {
  __m512i x0 = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(first)),
                                _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
  __m512i x1 = _mm512_set1_epi32(static_cast<int>(first >> 32));
  __m512i x2 = _mm512_set1_epi32(static_cast<int>(c2)), x3 = _mm512_set1_epi32(static_cast<int>(c3));
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(philox_m0));
  const __m512i m1 = _mm512_set1_epi32(static_cast<int>(philox_m1));
  constexpr __mmask16 odd = 0xAAAA;
  constexpr __mmask8 all = 0xFF;  // the maskz forms: the plain ones trip GCC 12's -Wuninitialized
  for (int round = 0; round < 10; ++round) {
    const __m512i p0e = _mm512_maskz_mul_epu32(all, x0, m0);
    const __m512i p0o = _mm512_maskz_mul_epu32(all, _mm512_maskz_srli_epi64(all, x0, 32), m0);
    const __m512i p1e = _mm512_maskz_mul_epu32(all, x2, m1);
    const __m512i p1o = _mm512_maskz_mul_epu32(all, _mm512_maskz_srli_epi64(all, x2, 32), m1);
    const __m512i lo0 = _mm512_mask_blend_epi32(odd, p0e, _mm512_maskz_slli_epi64(all, p0o, 32));
    const __m512i hi0 = _mm512_mask_blend_epi32(odd, _mm512_maskz_srli_epi64(all, p0e, 32), p0o);
    const __m512i lo1 = _mm512_mask_blend_epi32(odd, p1e, _mm512_maskz_slli_epi64(all, p1o, 32));
    const __m512i hi1 = _mm512_mask_blend_epi32(odd, _mm512_maskz_srli_epi64(all, p1e, 32), p1o);
    x0 = _mm512_xor_si512(_mm512_xor_si512(hi1, x1), _mm512_set1_epi32(static_cast<int>(k0)));
    x1 = lo1;
    x2 = _mm512_xor_si512(_mm512_xor_si512(hi0, x3), _mm512_set1_epi32(static_cast<int>(k1)));
    x3 = lo0;
    k0 += philox_w0;
    k1 += philox_w1;
  }
  _mm512_storeu_si512(out[0], x0);
  _mm512_storeu_si512(out[1], x1);
  _mm512_storeu_si512(out[2], x2);
  _mm512_storeu_si512(out[3], x3);
}

// The same, 8 counters per register, twice.
__attribute__((target("avx2"))) void philox_avx2(std::uint64_t first, std::uint32_t c2, std::uint32_t c3,
                                                 std::uint32_t key0, std::uint32_t key1,
                                                 std::uint32_t (*out)[KeyedRng::batch_max]) {
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(philox_m0));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(philox_m1));
  for (std::size_t half = 0; half < KeyedRng::batch_max; half += 8) {
    __m256i x0 = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(first + half)),
                                  _mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0));
    __m256i x1 = _mm256_set1_epi32(static_cast<int>(first >> 32));
    __m256i x2 = _mm256_set1_epi32(static_cast<int>(c2)), x3 = _mm256_set1_epi32(static_cast<int>(c3));
    std::uint32_t k0 = key0, k1 = key1;
    for (int round = 0; round < 10; ++round) {
      const __m256i p0e = _mm256_mul_epu32(x0, m0), p0o = _mm256_mul_epu32(_mm256_srli_epi64(x0, 32), m0);
      const __m256i p1e = _mm256_mul_epu32(x2, m1), p1o = _mm256_mul_epu32(_mm256_srli_epi64(x2, 32), m1);
      const __m256i lo0 = _mm256_blend_epi32(p0e, _mm256_slli_epi64(p0o, 32), 0xAA);
      const __m256i hi0 = _mm256_blend_epi32(_mm256_srli_epi64(p0e, 32), p0o, 0xAA);
      const __m256i lo1 = _mm256_blend_epi32(p1e, _mm256_slli_epi64(p1o, 32), 0xAA);
      const __m256i hi1 = _mm256_blend_epi32(_mm256_srli_epi64(p1e, 32), p1o, 0xAA);
      x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), _mm256_set1_epi32(static_cast<int>(k0)));
      x1 = lo1;
      x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), _mm256_set1_epi32(static_cast<int>(k1)));
      x3 = lo0;
      k0 += philox_w0;
      k1 += philox_w1;
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[0] + half), x0);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[1] + half), x1);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[2] + half), x2);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[3] + half), x3);
  }
}

#endif

}  // namespace

bool KeyedRng::has(BatchPath path) {
#ifdef MIGRASIM_PHILOX_X86
  static const bool avx512 = __builtin_cpu_supports("avx512f"), avx2 = __builtin_cpu_supports("avx2");
  if (path == BatchPath::avx512) return avx512;
  if (path == BatchPath::avx2) return avx2;
#else
  if (path == BatchPath::avx512 || path == BatchPath::avx2) return false;
#endif
  return true;
}

void KeyedRng::words_batch(std::uint64_t first_id, std::size_t count, std::int32_t day, Purpose purpose,
                           std::uint32_t block, std::uint32_t (*out)[batch_max], BatchPath path) const {
  count = std::min(count, batch_max);
  const auto c2 = static_cast<std::uint32_t>(day);
  const std::uint32_t c3 = (static_cast<std::uint32_t>(purpose) << 20) ^ block;
#ifdef MIGRASIM_PHILOX_X86
  static const BatchPath best = has(BatchPath::avx512) ? BatchPath::avx512
                                : has(BatchPath::avx2) ? BatchPath::avx2
                                                       : BatchPath::scalar;
  if (path == BatchPath::best || !has(path)) path = best;
  // The vector paths write all batch_max lanes: a short batch goes through a buffer.
  const bool carry = static_cast<std::uint32_t>(first_id) > 0xFFFFFFFFu - (batch_max - 1);
  if (path != BatchPath::scalar && !carry) {
    std::uint32_t buffer[4][batch_max];
    std::uint32_t(*const to)[batch_max] = count == batch_max ? out : buffer;
    if (path == BatchPath::avx512)
      philox_avx512(first_id, c2, c3, key_.v[0], key_.v[1], to);
    else
      philox_avx2(first_id, c2, c3, key_.v[0], key_.v[1], to);
    if (to != out)
      for (std::size_t k = 0; k < 4; ++k) std::copy(buffer[k], buffer[k] + count, out[k]);
    return;
  }
#endif
  for (std::size_t j = 0; j < count; ++j) {
    const std::uint64_t id = first_id + j;
    const auto w = r123::Philox4x32()(
        {{static_cast<std::uint32_t>(id), static_cast<std::uint32_t>(id >> 32), c2, c3}}, key_);
    for (std::size_t k = 0; k < 4; ++k) out[k][j] = w.v[k];
  }
}

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
