// SourceDriver: the reading side of a source subtask. Its splits, one reader
// each, read round-robin; each split's watermark and idleness (SplitWatermarks);
// the watermark-alignment limit; and what the subtask does next (SourceStep).
// Owned by a TaskRunner, which implements SourceChain: where batches, the
// watermark and the idle status go. No actors.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "connectors/source.h"
#include "plan/job_graph.h"
#include "runtime/metrics.h"
#include "runtime/split_watermarks.h"

namespace eddy {

/// What a source subtask should do next.
enum class SourceStep {
  kProduced,        // a batch went out; step again soon
  kIdle,            // nothing to read yet; step again after idle_us()
  kNeedSplit,       // ask the source coordinator for a split, then call on_split()
  kBackpressured,   // outputs are full; step again when a credit arrives
  kHeldBack,        // ahead of the slowest subtask by the allowed drift (watermark
                    // alignment); step again when the source coordinator raises the limit
  kFinished,        // input exhausted; end of input has been queued downstream
};

/// What a SourceDriver needs of the chain it feeds.
class SourceChain {
 public:
  virtual ~SourceChain() = default;
  virtual bool backpressured() const = 0;
  /// The subtask's output watermark (kNoWatermark before the first).
  virtual int64_t watermark() const = 0;
  /// Runs a reader's hook; a thrown exception becomes a Status naming the source.
  virtual Status guarded_read(const std::function<Status()>& hook) = 0;
  /// A batch read (starting at steady time `t0_ns`) goes down the chain.
  virtual Status emit(RecordBatchPtr batch, int64_t t0_ns) = 0;
  virtual Status advance_watermark(int64_t watermark) = 0;
  /// Consumers learn that this subtask is idle (it reads nothing) or active.
  virtual void announce_idle(bool idle) = 0;
  /// No split is left: the chain finishes and end of input goes downstream.
  virtual Status end_of_input() = 0;
};

class SourceDriver {
 public:
  /// `node`: the source node of `graph`; `metrics`: its metrics (outlive the driver).
  SourceDriver(JobGraphPtr graph, int node, SourceChain& chain, OperatorMetrics& metrics);

  /// Reads one batch if outputs have room and alignment allows.
  Result<SourceStep> step();
  /// The coordinator's answer to a split request; nullopt: no more splits.
  /// `more`: further splits read at the same time (after a rescaling restore).
  Status on_split(const std::optional<Split>& split, const std::vector<Split>& more);
  /// The coordinator has no split for this unbounded source now, and will
  /// send splits found later (on_split): the subtask stays, idle, instead of ending.
  void wait_for_splits();
  /// The watermark this source may not read past (INT64_MAX: none).
  void set_alignment_limit(int64_t limit) { alignment_limit_ = limit; }
  /// True while reading: a split is open, not every split is idle, input not done.
  bool active() const { return !done_ && !idle_ && !splits_.empty(); }
  int64_t idle_us() const { return idle_us_; }
  /// The largest event time read so far (INT64_MIN: none): source lag.
  int64_t last_event_time() const { return last_event_time_; }
  /// What is left of each split being read (checkpoints).
  std::vector<Split> resume_splits() const;
  /// Checkpoint `id` stores resume_splits() as they are now / has completed:
  /// told to every reader (SourceReader::snapshotted, checkpoint_complete).
  void snapshotted(int64_t id);
  void checkpoint_complete(int64_t id);
  /// Where the batch the chain failed on came from ("read from in.csv, lines 2-9").
  const std::string& failed_origin() const { return failed_origin_; }

 private:
  Result<SourceStep> emit(size_t k, RecordBatchPtr batch, int64_t t0, const Split& before);
  Result<SourceStep> nothing_read(size_t k, int64_t retry_after_us);
  Result<SourceStep> split_ended(size_t k);
  /// The splits' watermark, sent when it advanced; "idle" once every split is idle.
  Status event_time();
  Status open_split(const Split& split);
  std::string batch_origin(const Split& before, const Split& after) const;

  JobGraphPtr graph_;
  int node_;
  SourceChain& chain_;
  OperatorMetrics& metrics_;
  std::vector<std::unique_ptr<SourceReader>> splits_;  // round-robin, one batch each
  std::unique_ptr<SplitWatermarks> watermarks_;        // per split, same index
  size_t next_split_ = 0;
  uint64_t skipped_closed_ = 0;  // skipped records of readers already closed
  int time_column_ = -1;         // event-time column; -1: none
  int64_t alignment_limit_ = INT64_MAX;
  int64_t idle_us_ = 0;
  int64_t last_event_time_ = INT64_MIN;
  bool idle_ = false;       // said "idle" downstream: every split being read is idle
  bool announced_ = false;  // said anything downstream yet
  bool done_ = false;
  bool waiting_ = false;  // unbounded source: no split yet, more may come (wait_for_splits)
  std::string failed_origin_;
};

}  // namespace eddy
