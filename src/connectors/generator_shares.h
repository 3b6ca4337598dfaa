// Shares of a generated row (event) space and their pacing: the pieces the
// datagen and nexmark sources have in common. A share deals rows out in blocks
// so that all shares advance through the space (and event time) together.
// Used by datagen_source.cpp and nexmark_source.cpp; header-only, no threads.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "connectors/source.h"

namespace eddy {

/// Share `index` of `count` of the rows [0, total): it owns the blocks k of
/// `block` rows with k % count == index. Positions are local: position p is the
/// p-th row the share owns, in increasing global order.
struct BlockShare {
  int64_t block = 1024;   // rows per block, > 0
  int32_t index = 0;
  int32_t count = 1;      // > 0
  int64_t total = -1;     // rows of the whole space; -1: unbounded

  /// Rows this share owns; -1 when unbounded.
  int64_t size() const {
    if (total < 0) return -1;
    if (count == 1) return total;
    const int64_t full = total / block, rest = total % block;
    int64_t rows = (full / count + (index < full % count ? 1 : 0)) * block;
    if (rest > 0 && full % count == index) rows += rest;
    return rows;
  }
  /// Global row of local position `p`.
  int64_t global(int64_t p) const {
    if (count == 1) return p;
    return (p / block * count + index) * block + p % block;
  }
  /// Rows from local position `p` on that are globally contiguous (to the block's end).
  int64_t contiguous(int64_t p) const {
    return count == 1 ? std::numeric_limits<int64_t>::max() : block - p % block;
  }
};

/// A contiguous piece of a batch: global rows [first, first + rows) land at
/// output rows [out, out + rows).
struct RowRun {
  int64_t first = 0;
  int64_t rows = 0;
  int64_t out = 0;
};

/// Splits `rows` rows starting at local position `p` of `share` into runs.
inline void share_runs(const BlockShare& share, int64_t p, int64_t rows, std::vector<RowRun>& runs) {
  runs.clear();
  int64_t out = 0;
  while (rows > 0) {
    const int64_t n = std::min(rows, share.contiguous(p));
    runs.push_back({share.global(p), n, out});
    p += n;
    out += n;
    rows -= n;
  }
}

/// A poll's max_rows as a row count: at least 1, at most 2^30 (string offsets are 32-bit).
inline int64_t poll_row_cap(size_t max_rows) {
  return static_cast<int64_t>(std::min<size_t>(std::max<size_t>(max_rows, 1), size_t{1} << 30));
}

/// Checks a split handed to a generator reader and builds its share.
inline Status make_block_share(const Split& split, int64_t block, int64_t total, BlockShare& out) {
  if (split.count <= 0 || split.index < 0 || split.index >= split.count)
    return Status::invalid("generator split " + split.id + ": share " + std::to_string(split.index) +
                           " of " + std::to_string(split.count) + " is out of range");
  if (block <= 0) return Status::invalid("generator block size must be positive");
  out = BlockShare{block, split.index, split.count, total};
  return Status::ok();
}

/// The splits of a generator source: `parallelism` shares "share-i-of-p".
class ShareEnumerator : public SplitEnumerator {
 public:
  Result<std::vector<Split>> enumerate(int32_t parallelism) override {
    if (parallelism <= 0) return Status::invalid("generator parallelism must be positive");
    std::vector<Split> splits(static_cast<size_t>(parallelism));
    for (int32_t i = 0; i < parallelism; ++i) {
      Split& s = splits[static_cast<size_t>(i)];
      s.id = "share-" + std::to_string(i) + "-of-" + std::to_string(parallelism);
      s.index = i;
      s.count = parallelism;
    }
    return splits;
  }
};

/// Caps a share at `rate` units (rows or events) per second of wall time,
/// measured with steady_clock from the first poll. Never sleeps: the reader
/// asks for a budget and returns SourcePoll::idle when it is too small.
/// A burst of about 10 ms of units is allowed, so batches are not tiny.
class SharePacer {
 public:
  /// `rate` <= 0 means no cap. Restarts the clock.
  void reset(double rate) {
    rate_ = rate;
    burst_ = rate > 0 ? std::max<int64_t>(1, static_cast<int64_t>(std::ceil(rate / 100))) : 0;
    started_ = false;
    consumed_ = 0;
  }
  bool limited() const { return rate_ > 0; }
  /// Units that may be produced now; at least `want` (capped at the burst)
  /// or 0, so that a paced reader waits for a worthwhile batch.
  int64_t budget(int64_t want) {
    if (rate_ <= 0) return std::numeric_limits<int64_t>::max();
    const int64_t need = std::max<int64_t>(1, std::min(want, burst_));
    const int64_t available = allowed(elapsed_us()) - consumed_;
    return available >= need ? available : 0;
  }
  /// Microseconds until `budget(want)` becomes positive.
  int64_t retry_after_us(int64_t want) {
    const int64_t need = std::max<int64_t>(1, std::min(want, burst_));
    const double target_us = static_cast<double>(consumed_ + need - burst_) * 1e6 / rate_;
    const int64_t wait = saturated(std::ceil(target_us)) - elapsed_us();
    return std::max<int64_t>(1, wait);
  }
  void consume(int64_t units) { consumed_ += units; }

 private:
  /// A count as int64, capped far from its end: at a huge rate (or after
  /// long enough) elapsed * rate leaves int64, and converting such a double is
  /// undefined. The cap is 2^62: sums of it with a burst still fit.
  static int64_t saturated(double units) {
    constexpr double kCap = 4.611686018427387904e18;
    return units >= kCap ? static_cast<int64_t>(kCap) : static_cast<int64_t>(units);
  }
  int64_t allowed(int64_t elapsed) const {
    return saturated(static_cast<double>(elapsed) * rate_ / 1e6) + burst_;
  }
  int64_t elapsed_us() {
    const auto now = std::chrono::steady_clock::now();
    if (!started_) {
      started_ = true;
      start_ = now;
    }
    return std::chrono::duration_cast<std::chrono::microseconds>(now - start_).count();
  }

  double rate_ = 0;
  int64_t burst_ = 0;
  bool started_ = false;
  std::chrono::steady_clock::time_point start_;
  int64_t consumed_ = 0;  // units produced since the clock started
};

/// splitmix64's finalizer: a bijective 64-bit mix, the basis of every
/// counter-based value of the generators.
inline uint64_t gen_mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr uint64_t kGenGamma = 0x9e3779b97f4a7c15ULL;

/// Uniform in [0, n) from 64 random bits (multiply-shift; bias below 2^-40 for small n).
inline uint64_t gen_below(uint64_t bits, uint64_t n) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(bits) * n) >> 64);
}

/// Uniform in [0, 1) with 53 random bits.
inline double gen_unit(uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

}  // namespace eddy
