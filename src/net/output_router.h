// The producer side of one output edge of a subtask: partitions the chain's
// batches onto the edge's channels, queues them, and sends them against the
// consumers' credits. Owned by the subtask actor (one per output edge) and
// touched only from it; knows nothing of actors or the wire.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "core/record_batch.h"
#include "core/status.h"
#include "net/stream_event.h"

namespace eddy {

/// How an edge spreads rows over the consumer subtasks (ARCHITECTURE.md, Data plane).
enum class Partitioning { kForward, kRebalance, kHash, kBroadcast };

/// "forward", "rebalance", "hash", "broadcast".
const char* partitioning_name(Partitioning p);
/// The inverse of partitioning_name.
std::optional<Partitioning> parse_partitioning(std::string_view name);

/// An estimate of a batch's encoded size: its column buffers' bytes. Costs a
/// few reads per column, nothing per row (metrics count bytes with it).
uint64_t batch_bytes(const RecordBatch& batch);

/// One thing to send on a channel: a batch or an event, exactly one of them set.
struct OutboundItem {
  RecordBatchPtr batch;
  std::optional<StreamEvent> event;
};

/// Per-channel queues, credits and partitioning of one output edge.
///
/// Batches need one credit each; events need none and leave as soon as
/// everything queued before them on their channel has left. Every batch
/// carries the backlog left behind it, so the consumer can hand out floating
/// credits (net/input_credits.h).
class OutputRouter {
 public:
  struct Options {
    Partitioning partitioning = Partitioning::kForward;
    /// Consumer subtasks of the edge; 1 for forward (the subtask with our index).
    int channels = 1;
    /// Rows per batch sent; partial batches wait for more rows or a flush().
    size_t batch_size = 1024;
    /// Hash partitioning: the key columns, in key order.
    std::vector<int> key_columns;
    /// Hash partitioning: key groups of the job (Flink's max parallelism), >= channels.
    int32_t max_parallelism = 128;
    /// This producer's subtask index: where rebalance's round robin starts,
    /// so that producers do not all favour consumer 0.
    int32_t producer_index = 0;
  };

  /// Called with (channel, item, backlog): backlog is the number of batches
  /// still queued for that channel after the item (rebalance: in the shared
  /// queue). It may read the router but must not change it.
  using SendFn = std::function<void(int, const OutboundItem&, int32_t)>;

  /// Checks `options` against the schema of the edge's batches: channel count,
  /// batch size, key columns and max parallelism.
  static Status validate(const Options& options, const Schema& schema);

  /// `options` must pass validate().
  OutputRouter(Options options, SchemaPtr schema);

  /// Routes one batch produced by the chain (schema as given at construction).
  /// Full batches queue for their channel(s); partial rows wait in builders.
  /// A batch of at least batch_size / 2 (and at most batch_size) rows that
  /// finds its builder empty is queued as it is, without a copy (forward,
  /// rebalance, broadcast; hash when all its rows go to one channel).
  void add(const RecordBatchPtr& batch);

  /// Moves partial builders into the queues (buffer timeout fired, or before an event).
  void flush();

  /// Flushes, then queues `event` for every channel after everything added before it.
  void add_event(const StreamEvent& event);

  /// The consumer of `channel` granted `n` more credits.
  void add_credit(int channel, int32_t n);

  /// Sends everything that can go now, in order per channel.
  void drain(const SendFn& send);

  /// Batches waiting, over all channels and the shared rebalance queue; a
  /// broadcast batch counts once per channel. Used for backpressure upstream.
  size_t queued_batches() const { return queued_total_; }
  /// Batches waiting for `channel` (not counting the shared rebalance queue).
  size_t queued_batches(int channel) const;
  /// Credits of `channel` not yet spent.
  int32_t credit(int channel) const;
  bool has_partial_rows() const;
  int channels() const { return static_cast<int>(channels_.size()); }
  const Options& options() const { return options_; }

  // -- metrics (docs/monitoring.md) ----------------------------------------------
  /// Batches queued over the number that stops the subtask (one per channel:
  /// TaskRunner::backpressured), capped at 1: Flink's outPoolUsage.
  double pool_usage() const;
  /// The channel the edge waits on: the one without credit holding the most
  /// batches (for rebalance, the first without credit); -1 when none waits.
  int waiting_channel() const;
  /// Batches and their estimated bytes (batch_bytes) sent so far; a broadcast
  /// batch counts once per channel.
  uint64_t batches_sent() const { return batches_sent_; }
  uint64_t bytes_sent() const { return bytes_sent_; }
  /// Hash partitioning over more than one channel: records routed per key
  /// group so far (max_parallelism long); empty otherwise.
  const std::vector<uint64_t>& key_group_records() const { return key_group_records_; }

 private:
  struct Channel {
    std::deque<OutboundItem> items;  // batches and events, in send order
    size_t batches = 0;              // batches among `items`
    int32_t credit = 0;
  };

  void route_hash(const RecordBatchPtr& batch);
  /// Forward, rebalance and broadcast: all rows share one builder.
  void route_whole(const RecordBatchPtr& batch);
  /// `target` of a complete batch: a channel, or kWholeEdge for the shared
  /// builder's batches, which go where the partitioning says (emit_whole).
  static constexpr int kWholeEdge = -1;
  /// Appends rows[0..n) of `src` to `builder`, completing a batch each time
  /// the builder reaches batch_size.
  void fill(BatchBuilder& builder, const RecordBatch& src, const uint32_t* rows, size_t n,
            int target);
  void complete(int target, RecordBatchPtr batch);
  void emit_whole(RecordBatchPtr batch);
  void enqueue(int channel, OutboundItem item);
  void drain_channel(int channel, const SendFn& send);
  void drain_shared(const SendFn& send);
  /// Rebalance: the channel with credit and the most of it, round robin among
  /// equals; -1 when no channel has credit.
  int pick_rebalance_channel();
  int32_t backlog_of(int channel) const;
  bool pass_through(const BatchBuilder& builder, size_t rows) const;
  const uint32_t* row_indices(size_t n);

  Options options_;
  SchemaPtr schema_;
  std::vector<Channel> channels_;
  std::deque<OutboundItem> shared_;  // rebalance: batches and event markers, in order
  size_t shared_batches_ = 0;        // batches among `shared_`
  size_t queued_total_ = 0;
  int rr_next_ = 0;                  // rebalance: where the next tie-break starts

  std::optional<BatchBuilder> whole_builder_;  // forward, rebalance, broadcast
  std::vector<BatchBuilder> hash_builders_;    // hash: one per channel
  std::vector<uint64_t> hashes_;               // scratch for route_hash
  std::vector<std::vector<uint32_t>> rows_of_channel_;
  std::vector<uint32_t> iota_;                 // 0, 1, 2, ... for contiguous appends
  void count_sent(const OutboundItem& item);
  uint64_t batches_sent_ = 0, bytes_sent_ = 0;
  std::vector<uint64_t> key_group_records_;   // hash over more than one channel: by key group
};

}  // namespace eddy
