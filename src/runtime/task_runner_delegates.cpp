// TaskRunner, the calls it hands on: source steps and splits to its
// SourceDriver, snapshots, restores and commits to its Snapshotter.
#include "runtime/task_runner.h"

namespace eddy {

// -- sources -------------------------------------------------------------------------

Result<SourceStep> TaskRunner::source_step() {
  if (!source_) return Status::internal("source_step() on a subtask that reads no source");
  if (input_done_) return SourceStep::kFinished;
  return as(Activity::kProcessing, [&] { return source_->step(); });
}

Status TaskRunner::on_split(const std::optional<Split>& split, const std::vector<Split>& more) {
  if (!source_) return Status::internal("a split for a subtask that reads no source");
  return source_->on_split(split, more);
}

// -- checkpoints ---------------------------------------------------------------------

ChainPosition TaskRunner::position() const {
  ChainPosition at;
  at.watermark = output_watermark_;
  if (source_) at.source_splits = source_->resume_splits();
  return at;
}

Status TaskRunner::trigger_checkpoint(int64_t barrier) {
  if (input_done_) return Status::ok();  // ended: the final snapshot stands in
  return as(Activity::kSnapshotting, [&]() -> Status {
    if (aligner_) aligner_->on_triggered(barrier);
    EDDY_RETURN_IF_ERROR(prepare_barrier(barrier));
    if (source_) source_->snapshotted(barrier);
    return snapshotter_->take(barrier, 0, position(), [&] { broadcast(StreamEvent{EventKind::kBarrier, barrier}); });
  }, barrier_id(barrier));
}

Status TaskRunner::finish_snapshot(int64_t barrier) {
  return as(Activity::kSnapshotting, [&] { return snapshotter_->finish(barrier); }, barrier_id(barrier));
}

Result<std::string> TaskRunner::final_snapshot() { return snapshotter_->final_snapshot(position()); }

Status TaskRunner::notify_checkpoint_complete(int64_t id) {
  return as(Activity::kProcessing, [&] {
    if (source_) source_->checkpoint_complete(id);
    return snapshotter_->notify_checkpoint_complete(id);
  });
}

Status TaskRunner::restore(const std::string& dir, const CheckpointMetadata& meta) {
  EDDY_ASSIGN_OR_RETURN(std::optional<int64_t> watermark, snapshotter_->restore(dir, meta));
  if (watermark) return restore_watermark(*watermark);
  return Status::ok();
}

}  // namespace eddy
