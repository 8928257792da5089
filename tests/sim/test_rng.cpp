#include <cmath>
#include <set>

#include <catch2/catch.hpp>

#include "sim/rng.hpp"

using namespace migrasim;

// Purposes of a mechanism (values above the kernel's).
constexpr Purpose test_purpose{16}, other_purpose{18};

TEST_CASE("keyed draws are pure functions of (seed, id, day, purpose)", "[sim]") {
  KeyedRng a(42), b(42), c(43);
  CHECK(a.uniform(7, 3, test_purpose) == b.uniform(7, 3, test_purpose));
  CHECK(a.uniform(7, 3, test_purpose) != c.uniform(7, 3, test_purpose));
  CHECK(a.uniform(7, 3, test_purpose) != a.uniform(8, 3, test_purpose));
  CHECK(a.uniform(7, 3, test_purpose) != a.uniform(7, 4, test_purpose));
  CHECK(a.uniform(7, 3, test_purpose) != a.uniform(7, 3, other_purpose));
  // Ids above 2^32 use the high word.
  CHECK(a.uniform(1ull << 33, 0, Purpose::spawn_count) != a.uniform(0, 0, Purpose::spawn_count));
}

TEST_CASE("words_batch gives the words of words() for consecutive ids", "[sim]") {
  const KeyedRng rng(0x1234'5678'9abcull);
  std::uint32_t out[4][KeyedRng::batch_max];
  using Path = KeyedRng::BatchPath;
  const auto path = GENERATE(Path::best, Path::avx512, Path::avx2, Path::scalar);
  if (!KeyedRng::has(path)) return;  // this processor lacks it (AVX-512 or AVX2)
  // Ids across 2^32 (the counter's high word changes within a batch), partial batches, other blocks.
  for (const std::uint64_t first : {0ull, 5ull, (1ull << 32) - 7, 1ull << 40, ~0ull - 20}) {
    for (const std::size_t count : {std::size_t{1}, std::size_t{9}, KeyedRng::batch_max}) {
      for (const std::uint32_t block : {0u, 3u}) {
        for (auto& row : out)
          for (auto& w : row) w = 0xdeadbeef;
        rng.words_batch(first, count, -4, test_purpose, block, out, path);
        for (std::size_t j = 0; j < KeyedRng::batch_max; ++j) {
          const auto w = rng.words(first + j, -4, test_purpose, block);
          for (std::size_t k = 0; k < 4; ++k) {
            INFO("path " << static_cast<int>(path) << ", id " << first + j << ", word " << k << ", count "
                         << count << ", block " << block);
            CHECK(out[k][j] == (j < count ? w.v[k] : 0xdeadbeef));
          }
        }
      }
    }
  }
}

TEST_CASE("a stream given its first block draws what it would have drawn", "[sim]") {
  const KeyedRng rng(77);
  DrawStream plain(rng, 12, 5, test_purpose);
  DrawStream primed(rng, 12, 5, test_purpose, rng.words(12, 5, test_purpose));
  for (int k = 0; k < 11; ++k) CHECK(plain.u() == primed.u());
}

TEST_CASE("uniform draws lie in (0, 1) with mean 1/2", "[sim]") {
  KeyedRng rng(1);
  double sum = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform(static_cast<std::uint64_t>(i), 0, Purpose::spawn_count);
    REQUIRE(u > 0);
    REQUIRE(u < 1);
    sum += u;
  }
  CHECK(sum / n == Approx(0.5).margin(0.005));
}

TEST_CASE("poisson counts have the right mean and variance", "[sim]") {
  KeyedRng rng(9);
  for (double lambda : {0.3, 4.0, 25.0, 1000.0}) {
    const int n = 40000;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; ++i) {
      const auto k =
          static_cast<double>(rng.poisson(lambda, static_cast<std::uint64_t>(i), 1, Purpose::spawn_count));
      REQUIRE(k >= 0);
      sum += k;
      sum2 += k * k;
    }
    const double mean = sum / n, var = sum2 / n - mean * mean;
    INFO("lambda " << lambda);
    CHECK(mean == Approx(lambda).epsilon(0.03).margin(0.02));
    CHECK(var == Approx(lambda).epsilon(0.06).margin(0.03));
  }
  CHECK(rng.poisson(0, 1, 1, Purpose::spawn_count) == 0);
}

TEST_CASE("normal draws have mean 0 and variance 1", "[sim]") {
  KeyedRng rng(5);
  double sum = 0, sum2 = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const double z = rng.normal(static_cast<std::uint64_t>(i), 0, test_purpose);
    sum += z;
    sum2 += z * z;
  }
  CHECK(sum / n == Approx(0).margin(0.02));
  CHECK(sum2 / n == Approx(1).epsilon(0.03));
}
