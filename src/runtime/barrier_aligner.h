// BarrierAligner: which input channels of a subtask are blocked while a
// checkpoint barrier is being aligned, and when the alignment completes (every
// channel, of every input, delivered the barrier or ended). Pure bookkeeping,
// no I/O: the TaskRunner blocks credits and holds input for the channels it
// names (docs/checkpoints.md). Unit-tested on its own, as WatermarkTracker is.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace eddy {

/// Barrier values: checkpoint n travels as n, savepoint n as -n.
inline int64_t barrier_id(int64_t barrier) { return barrier < 0 ? -barrier : barrier; }
inline bool barrier_is_savepoint(int64_t barrier) { return barrier < 0; }

class BarrierAligner {
 public:
  explicit BarrierAligner(int channels);

  /// What the host does after a barrier arrived, in this order.
  struct Step {
    /// A newer barrier overtook the one being aligned: these channels (blocked
    /// for the abandoned one) are unblocked, their held input released.
    std::vector<int> released;
    /// An alignment started with this barrier (time it from here).
    bool started = false;
    /// Block the channel the barrier came on (it was not blocked yet).
    bool block = false;
    /// Every channel delivered this barrier or ended: snapshot, then release().
    std::optional<int64_t> aligned;
  };

  /// A barrier (barrier_id encoding) arrived on `channel`. Barriers of an
  /// abandoned or completed checkpoint are ignored (an empty Step).
  Step on_barrier(int channel, int64_t barrier);
  /// `channel` ended: everything it sent came before its end, so it counts as
  /// having delivered the barrier being aligned. Returns that barrier when the
  /// alignment completed with it (snapshot, then release()).
  std::optional<int64_t> on_end_of_input(int channel);
  /// The subtask injected `barrier` itself (a source): older barriers are stale.
  void on_triggered(int64_t barrier);
  /// Ends the alignment: returns the channels that were blocked (ascending).
  std::vector<int> release();

  bool blocked(int channel) const { return blocked_[static_cast<size_t>(channel)]; }
  /// The barrier being aligned; 0: none.
  int64_t aligning() const { return aligning_; }

 private:
  std::optional<int64_t> complete_if_aligned() const;

  std::vector<bool> blocked_;
  std::vector<bool> ended_;
  int blocked_count_ = 0;
  int ended_count_ = 0;
  int64_t aligning_ = 0;
  int64_t last_id_ = 0;  // highest barrier id seen
};

}  // namespace eddy
