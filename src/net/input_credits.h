// Consumer-side credit accounting for one input gate (Flink's credit-based flow
// control): which channel may send how many more batches. Owned by the subtask
// actor, one per input gate, and touched only from that actor.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "core/status.h"

namespace eddy {

/// Credits to send to producers: (channel, count) pairs, at most one per channel per call.
using CreditGrants = std::vector<std::pair<int, int32_t>>;

/// Buffer bookkeeping for N input channels. Each channel owns `exclusive`
/// buffers, always promised back to its producer; a shared pool of `floating`
/// buffers goes to the channels whose announced backlog exceeds their credit,
/// largest unmet backlog first. A buffer is one batch: a credit is one free
/// buffer promised to a producer, spent when a batch arrives on it and
/// returned when the consumer has processed that batch.
///
/// Every buffer is always in exactly one place:
///   sum over channels of (in use + outstanding + withheld) + pool == N * exclusive + floating.
/// Events (watermarks, barriers, end of input) need no buffer and no credit.
class InputCredits {
 public:
  /// `exclusive_per_channel` is at least 1 (a smaller value is raised to 1):
  /// producers announce backlog only with batches, so a channel that had no
  /// credit of its own could never ask for floating ones.
  InputCredits(int channels, int exclusive_per_channel, int floating_buffers);

  int channels() const { return static_cast<int>(channels_.size()); }

  /// Credits to grant each channel at start: exclusive_per_channel each. They
  /// count as outstanding from construction on.
  std::vector<int32_t> initial_grants() const;

  /// A batch arrived on `channel`; its producer announced `backlog` more
  /// batches queued for this channel. An error (and nothing counted) when the
  /// producer had no credit left or the channel has finished: a protocol
  /// violation by the producer, which should fail the task.
  Status on_batch(int channel, int32_t backlog, CreditGrants& grants);

  /// The buffer of a batch of `channel` has been processed and is free again.
  /// Appends the credits to send now.
  void on_release(int channel, CreditGrants& grants);

  /// End of input on `channel`: its free buffers and its credits return to the
  /// pool (and, as they are released, the buffers still in use); no more
  /// grants go to it. Appends the credits the pool can now give to others.
  void on_finished(int channel, CreditGrants& grants);

  /// Alignment (checkpoints): while blocked, the channel gets no credit;
  /// buffers it frees are withheld. Credits already granted stay valid.
  void block(int channel);
  /// Ends the block: what was withheld is granted (or, being floating and not
  /// needed for backlog, goes back to the pool, whence others may get it).
  void unblock(int channel, CreditGrants& grants);

  /// Credits granted to `channel` and not yet used by a batch.
  int32_t outstanding(int channel) const;
  /// Batches of `channel` that arrived and are not yet released.
  int32_t in_use(int channel) const;
  /// Free buffers held back from `channel` while it is blocked.
  int32_t withheld(int channel) const;
  /// Backlog the producer of `channel` announced last.
  int32_t backlog(int channel) const;
  bool is_blocked(int channel) const;
  bool is_finished(int channel) const;
  /// Free floating buffers in the pool.
  int32_t floating_available() const { return pool_; }
  /// N * exclusive + floating: the buffers of this gate.
  int32_t total_buffers() const { return total_; }

 private:
  struct Channel {
    int32_t outstanding = 0;     // credits granted, not yet used
    int32_t in_use = 0;          // batches arrived, not yet released
    int32_t withheld = 0;        // free buffers kept from a blocked channel
    int32_t floating_held = 0;   // buffers of this channel taken from the pool
    int32_t backlog = 0;         // last announced by the producer
    bool blocked = false;
    bool finished = false;
    int32_t unmet() const { return backlog - outstanding; }
  };

  const Channel& at(int channel) const;
  /// Where one free buffer of a live, unblocked channel goes: its producer,
  /// or (a floating buffer not needed for backlog) the pool.
  void place_free_buffer(int channel);
  /// Hands pool buffers to channels with unmet backlog, largest first.
  void distribute_pool();
  /// Grants `n` credits to `channel` (counted now, sent by emit()).
  void grant(int channel, int32_t n);
  /// Moves the credits granted during this call into `grants`, one pair per channel.
  void emit(CreditGrants& grants);

  std::vector<Channel> channels_;
  std::vector<int32_t> pending_;  // credits granted during the current call, per channel
  std::vector<int> touched_;      // channels with pending_ > 0, in first-grant order
  int32_t exclusive_;
  int32_t pool_;
  int32_t total_;
};

}  // namespace eddy
