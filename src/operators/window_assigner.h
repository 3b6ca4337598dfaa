// Window arithmetic of docs/windows.md: which slice and windows an event time
// belongs to, for tumbling, sliding and cumulating windows (a tumbling window
// is a sliding one whose slide equals its size). Pure functions; the window
// aggregate and window join operators and their tests call them.
#pragma once

#include <cstdint>
#include <numeric>

namespace eddy {

/// Event times (and processing times) outside [-kWindowTimeLimit, kWindowTimeLimit]
/// are refused as malformed: inside it, every window bound plus sizes, gaps and
/// lateness (each at most kMaxWindowDuration) fits an int64 without overflow.
constexpr int64_t kWindowTimeLimit = int64_t{1} << 61;
constexpr int64_t kMaxWindowDuration = int64_t{1} << 59;

/// floor(a / b) for b > 0, also for negative a (C++ division truncates toward zero).
inline int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

/// The largest multiple of `unit` (> 0) that is <= t.
inline int64_t floor_to(int64_t t, int64_t unit) { return floor_div(t, unit) * unit; }

/// a + b, clamped to the int64 range: fire times of windows near the end of time.
inline int64_t saturating_add(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? INT64_MAX : INT64_MIN;
  return r;
}

/// Epoch-aligned windows computed from slices, each slice and window named by
/// its end (exclusive):
/// - sliding: [start, start + size) with start a multiple of `slide`, over
///   slices of gcd(size, slide) (tumbling: slide = size);
/// - cumulating: [start, start + k * step) for k = 1 .. size / step, start a
///   multiple of `size` (a multiple of `step`), over slices of `step`: the
///   window ending at start + k * step is the union of the cycle's first k
///   slices. Every multiple of `step` is the end of exactly one window.
/// Either way window ends are `slide()` apart, and every window holding a
/// slice lies between the first and last window end of that slice.
class SliceAssigner {
 public:
  SliceAssigner(int64_t size, int64_t slide) : SliceAssigner(size, slide, slide, false) {}
  static SliceAssigner cumulating(int64_t size, int64_t step) { return SliceAssigner(size, step, size, true); }

  /// The longest window.
  int64_t size() const { return size_; }
  /// The distance between consecutive window ends (a cumulating window's step).
  int64_t slide() const { return slide_; }
  int64_t slice() const { return slice_; }
  bool cumulating() const { return cumulating_; }
  /// Slices per window (the longest, for cumulating windows).
  int64_t slices_per_window() const { return size_ / slice_; }

  /// The end of the slice holding time `t`.
  int64_t slice_end(int64_t t) const { return floor_to(t, slice_) + slice_; }
  /// The end of the last window that contains time `t` (docs/windows.md,
  /// "Late records"): the last start at or before t, plus size.
  int64_t last_window_end(int64_t t) const { return floor_to(t, start_every_) + size_; }
  /// The end of the last window that contains the slice ending at `slice_end`.
  int64_t last_window_end_of_slice(int64_t slice_end) const {
    return last_window_end(slice_end - slice_);
  }
  /// The end of the first window that contains the slice ending at `slice_end`.
  int64_t first_window_end_of_slice(int64_t slice_end) const {
    return first_window_end_after(slice_end - 1);
  }
  /// The smallest window end that is > t.
  int64_t first_window_end_after(int64_t t) const {
    if (cumulating_) return floor_to(t, slide_) + slide_;
    return floor_to(t - size_, slide_) + slide_ + size_;
  }
  /// The end of the last slice whose last window ends at or before the window end `end`.
  int64_t last_slice_done_by(int64_t end) const { return floor_to(end - size_, start_every_) + start_every_; }
  /// The start of the window ending at `end`.
  int64_t window_start(int64_t end) const {
    return cumulating_ ? floor_to(end - 1, size_) : end - size_;
  }
  /// The end of the first slice of the window ending at `end`.
  int64_t first_slice_end(int64_t end) const { return window_start(end) + slice_; }

 private:
  SliceAssigner(int64_t size, int64_t slide, int64_t start_every, bool cumulating)
      : size_(size), slide_(slide), slice_(std::gcd(size, slide)), start_every_(start_every),
        cumulating_(cumulating) {}

  int64_t size_;
  int64_t slide_;
  int64_t slice_;
  int64_t start_every_;  // window starts are the multiples of this
  bool cumulating_;
};

}  // namespace eddy
