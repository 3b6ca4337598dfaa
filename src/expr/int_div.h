// Truncating int64 division and remainder by a divisor fixed at compile time,
// without the (slow, unvectorizable) idiv instruction: `x % 10000` in a
// pipeline costs a multiply and a few shifts per row. Used by the arithmetic
// kernels when the divisor is a literal.
//
// Method (round-up reciprocal): for |n| <= 2^63 and a divisor d > 0 that is
// not a power of two, let l = ceil(log2 d) and m = floor(2^(63+l) / d) + 1.
// Writing m*d = 2^(63+l) + e with 0 < e <= d < 2^l, and n = q*d + r, we get
// m*n / 2^(63+l) = q + (r + e*n/2^(63+l)) / d, and e*n < 2^(63+l), so the
// fraction stays below 1 and floor(m*n / 2^(63+l)) = q. m < 2^64 because
// d > 2^(l-1). Powers of two are a plain shift. Signs are handled on |n|.
#pragma once

#include <cstdint>

namespace eddy::expr {

class ConstDivisor {
 public:
  /// `d` must not be 0.
  explicit ConstDivisor(int64_t d) : d_(d) {
    abs_d_ = d < 0 ? 0 - static_cast<uint64_t>(d) : static_cast<uint64_t>(d);
    d_sign_ = d < 0 ? ~uint64_t{0} : 0;
    if ((abs_d_ & (abs_d_ - 1)) == 0) {
      pow2_ = true;
      shift_ = __builtin_ctzll(abs_d_);
    } else {
      const int l = 64 - __builtin_clzll(abs_d_ - 1);  // ceil(log2 |d|)
      const unsigned __int128 one = 1;
      magic_ = static_cast<uint64_t>((one << (63 + l)) / abs_d_) + 1;
      shift_ = l - 1;  // applied after taking the high 64 bits
    }
  }

  int64_t divisor() const { return d_; }
  bool is_pow2() const { return pow2_; }

  /// n / d truncated toward zero. For d == -1 and n == INT64_MIN the result
  /// wraps to INT64_MIN; callers report that overflow themselves. With
  /// kNonNegative the caller promises n >= 0, which saves the sign handling.
  template <bool kPow2, bool kNonNegative = false>
  int64_t quotient(int64_t n) const {
    const uint64_t n_sign = kNonNegative ? 0 : static_cast<uint64_t>(n >> 63);  // all ones when n < 0
    const uint64_t un = (static_cast<uint64_t>(n) ^ n_sign) - n_sign;
    uint64_t q;
    if constexpr (kPow2) {
      q = un >> shift_;
    } else {
      q = static_cast<uint64_t>((static_cast<unsigned __int128>(un) * magic_) >> 64) >> shift_;
    }
    const uint64_t s = n_sign ^ d_sign_;
    return static_cast<int64_t>((q ^ s) - s);
  }

  /// n % d with the sign of n (SQL and C++ semantics); 0 for d == -1.
  template <bool kPow2, bool kNonNegative = false>
  int64_t remainder(int64_t n) const {
    const uint64_t q = static_cast<uint64_t>(quotient<kPow2, kNonNegative>(n));
    return static_cast<int64_t>(static_cast<uint64_t>(n) - q * static_cast<uint64_t>(d_));
  }

 private:
  int64_t d_;
  uint64_t abs_d_ = 0;
  uint64_t d_sign_ = 0;
  uint64_t magic_ = 0;
  int shift_ = 0;
  bool pow2_ = false;
};

}  // namespace eddy::expr
