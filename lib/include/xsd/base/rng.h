// A small, portable, seedable random generator. Results are identical on every
// platform and standard library (std::uniform_real_distribution is not), so a
// seeded stochastic run is reproducible anywhere.
#pragma once

#include <cstdint>

namespace xsd {

// xoshiro256** seeded through splitmix64.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { Seed(seed); }
  void Seed(uint64_t seed);
  uint64_t NextU64();
  // Uniform in [0, 1) with 53 random bits.
  double Uniform();
  // Uniform integer in [0, n); n > 0.
  uint64_t Below(uint64_t n);

 private:
  uint64_t s_[4];
};

// Mixes values into one 64-bit hash (splitmix64 finaliser); for seeds derived
// from (seed, request index, ...).
uint64_t MixHash(uint64_t a, uint64_t b);

}  // namespace xsd
