// InputGate: the input side of a subtask. Its input channels, grouped into one
// or two inputs (a join's left and right); per input the credits, the
// watermark (least over its live channels) and the end of input; per channel
// whether it was heard from, is idle or ended; and the input waiting to be
// processed: pending (in arrival order) or held (its channel is blocked by a
// barrier being aligned). Owned by a TaskRunner; no actors, unit-tested alone.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "core/record_batch.h"
#include "core/status.h"
#include "net/input_credits.h"
#include "net/wire.h"
#include "runtime/watermark_tracker.h"

namespace eddy {

/// One batch or event of an input channel, waiting to be processed.
struct InputItem {
  int channel = 0;
  RecordBatchPtr batch;
  std::optional<StreamEvent> event;
};

/// What a watermark, idle status or end of a channel changed.
struct InputChange {
  int input = 0;                    // the channel's input
  std::optional<int64_t> input_watermark;  // that input's watermark advanced to this
  std::optional<int64_t> watermark;        // the subtask's (least over every live channel) advanced
  bool input_ended = false;         // the channel was its input's last open one
  bool all_ended = false;           // every channel of every input has ended
};

class InputGate {
 public:
  /// Sends `credits` more batches' worth of credit to the producer of `channel`.
  using CreditSender = std::function<void(int channel, int32_t credits)>;

  /// `channel_inputs[c]`: the input (0 or 1) of channel c; `inputs`: how many
  /// inputs there are. Credits per input: `exclusive` per channel and a pool
  /// of `floating` shared by the input's channels.
  InputGate(std::vector<int> channel_inputs, int inputs, int32_t exclusive, int32_t floating,
            CreditSender send_credit);

  int channels() const { return static_cast<int>(channel_inputs_.size()); }
  int inputs() const { return static_cast<int>(inputs_.size()); }
  int input_of(int channel) const { return channel_inputs_[static_cast<size_t>(channel)]; }

  /// Grants every open channel its initial credits.
  void start();

  // -- arrival -------------------------------------------------------------------------
  /// A batch arrived: spends a credit (an error if the producer had none) and
  /// queues it (held if its channel is blocked).
  Status receive_batch(int channel, RecordBatchPtr batch, int32_t backlog);
  /// An event arrived. True: handle it now (it is the channel's first message
  /// and a status or end of input, which nothing of its channel precedes; or
  /// nothing waits and every channel was heard from). False: it was queued.
  Result<bool> receive_event(int channel, const StreamEvent& event);
  /// The next queued item to process, if input may be processed now: every
  /// channel was heard from and the outputs are not `backpressured`. Items of a
  /// blocked channel move to its held queue on the way.
  std::optional<InputItem> next(bool backpressured);
  /// A batch of `channel` was processed: its buffer is free (credit may go back).
  void release(int channel);

  // -- events --------------------------------------------------------------------------
  InputChange on_watermark(int channel, int64_t watermark);
  InputChange on_idle(int channel, bool idle);
  InputChange on_end_of_input(int channel);

  // -- alignment -----------------------------------------------------------------------
  /// No credit for `channel` until unblocked; what it sends meanwhile is held.
  void block(int channel);
  /// Unblocks `channels`: credits flow again, held input goes ahead of what is pending.
  void unblock(const std::vector<int>& channels);

  // -- state ---------------------------------------------------------------------------
  bool finished(int channel) const { return channels_[static_cast<size_t>(channel)].finished; }
  bool input_finished(int input) const { return inputs_[static_cast<size_t>(input)].open == 0; }
  bool all_heard() const { return unheard_ == 0; }
  bool has_pending() const { return !pending_.empty(); }
  /// The last watermark `channel` sent (kNoWatermark before any).
  int64_t channel_watermark(int channel) const;
  /// Input `input`'s watermark (kNoWatermark before any).
  int64_t input_watermark(int input) const;
  /// The subtask's input watermark: least over every live channel.
  int64_t watermark() const { return all_->current(); }
  /// Every channel that has not ended is idle (false while one is unheard).
  bool all_idle() const { return all_->all_idle(); }
  // -- metrics (docs/monitoring.md) ---------------------------------------------------
  /// The producer of `channel` said it is idle.
  bool channel_idle(int channel) const { return all_->idle(channel); }
  /// Batches of `channel` that arrived and are not yet processed.
  int32_t queued(int channel) const;
  /// Over every input: buffers holding a batch not yet processed, credits
  /// granted and not yet spent on a batch that arrived, and all buffers.
  int32_t buffers_in_use() const;
  int32_t outstanding_credits() const;
  /// Floating buffers left in the inputs' pools (handed to no channel).
  int32_t pooled_buffers() const;
  int32_t total_buffers() const;
  /// Per input: its credit accounting (tests).
  const InputCredits& credits(int input) const { return *inputs_[static_cast<size_t>(input)].credits; }

 private:
  struct Channel {
    int input = 0;
    int local = 0;  // index among its input's channels
    bool heard = false;
    bool finished = false;
    bool blocked = false;
    std::deque<InputItem> held;
  };
  struct Input {
    std::unique_ptr<InputCredits> credits;
    std::unique_ptr<WatermarkTracker> watermarks;  // over its channels, by local index
    int open = 0;                                  // channels not ended
    std::vector<int> channels;                     // gate channel of each local index
  };
  void heard_from(int channel);
  void send(const Input& in, CreditGrants& grants);
  /// Held when its channel is blocked and nothing older of it is pending.
  bool hold_if_blocked(InputItem& item);
  InputChange change(int channel, std::optional<int64_t> in_wm, std::optional<int64_t> all_wm) const;

  std::vector<int> channel_inputs_;
  std::vector<Channel> channels_;
  std::vector<Input> inputs_;
  std::unique_ptr<WatermarkTracker> all_;  // over every channel
  int unheard_ = 0;
  int open_ = 0;
  std::deque<InputItem> pending_;
  CreditSender send_credit_;
  CreditGrants grants_;  // scratch
};

}  // namespace eddy
