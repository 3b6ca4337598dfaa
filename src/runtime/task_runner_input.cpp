// TaskRunner, input side: batches and events of the input channels through the
// InputGate, watermarks per input and combined, end of input per input, and
// checkpoint barriers through the BarrierAligner (docs/checkpoints.md).
#include <chrono>

#include "runtime/task_runner.h"

namespace eddy {
namespace {
int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

Status TaskRunner::on_batch(int input_channel, RecordBatchPtr batch, int32_t backlog) {
  if (!gate_) return Status::internal("batch on unknown input channel " + std::to_string(input_channel));
  return as(Activity::kProcessing, [&]() -> Status {
    EDDY_RETURN_IF_ERROR(gate_->receive_batch(input_channel, std::move(batch), backlog));
    return drain_pending();
  });
}

Status TaskRunner::on_event(int input_channel, const StreamEvent& event) {
  if (!gate_) return Status::internal("event on unknown input channel " + std::to_string(input_channel));
  return as(Activity::kProcessing, [&]() -> Status {
    EDDY_ASSIGN_OR_RETURN(bool now, gate_->receive_event(input_channel, event));
    if (now) EDDY_RETURN_IF_ERROR(handle_event(input_channel, event));
    return drain_pending();  // an alignment that ended may have released held input
  });
}

Status TaskRunner::drain_pending() {
  if (!gate_) return Status::ok();
  while (auto item = gate_->next(backpressured())) {
    if (item->batch) {
      EDDY_RETURN_IF_ERROR(process_input(item->channel, item->batch));
    } else if (item->event) {
      EDDY_RETURN_IF_ERROR(handle_event(item->channel, *item->event));
    }
  }
  return Status::ok();
}

Status TaskRunner::process_input(int channel, const RecordBatchPtr& batch) {
  EDDY_RETURN_IF_ERROR(count_records(batch->num_rows));
  bytes_in_ += batch_bytes(*batch);
  input_watermark_ = gate_->channel_watermark(channel);
  Status st;
  if (ops_.empty()) {
    st = emit_from_chain(batch);
  } else {
    const int input = gate_->input_of(channel);
    OperatorMetrics& m = metrics_[first_op_metric_];
    m.records_in += batch->num_rows;
    m.batches_in += 1;
    if (tap_ && tap_sink_ && ops_.size() == 1) tap_->maybe_offer(*batch);  // the sink is the whole chain
    st = run_hook(0, [&](Operator& o, Collector& out) { return o.process_input(input, batch, out); });
  }
  drain_outputs();
  gate_->release(channel);
  return st;
}

Status TaskRunner::handle_event(int channel, const StreamEvent& event) {
  if (gate_->finished(channel)) return Status::ok();
  switch (event.kind) {
    case EventKind::kWatermark: return on_input_change(gate_->on_watermark(channel, event.value));
    case EventKind::kIdleStatus: {
      InputChange change = gate_->on_idle(channel, event.value != 0);
      // "Active" goes out before the watermark it may release; a subtask that
      // turned idle releases none (all_idle: no live channel holds one).
      announce_input_status();
      return on_input_change(change);
    }
    case EventKind::kBarrier: return on_barrier(channel, event.value);
    case EventKind::kEndOfInput: break;
  }
  InputChange change = gate_->on_end_of_input(channel);
  // An ended channel counts as having delivered the barrier being aligned:
  // everything it sent came before it.
  if (auto barrier = aligner_->on_end_of_input(channel)) EDDY_RETURN_IF_ERROR(aligned(*barrier));
  if (change.input_ended && gate_->inputs() > 1)  // that input holds nothing back any more
    EDDY_RETURN_IF_ERROR(input_watermark(change.input, kEndOfTimeWatermark));
  if (change.all_ended) return finish_chain();
  if (status_announced_) announce_input_status();  // the inputs left may all be idle
  return on_input_change(change);
}

Status TaskRunner::on_input_change(const InputChange& change) {
  if (change.input_watermark && gate_->inputs() > 1)
    EDDY_RETURN_IF_ERROR(input_watermark(change.input, *change.input_watermark));
  if (change.watermark) return advance_watermark(*change.watermark);
  return Status::ok();
}

Status TaskRunner::input_watermark(int input, int64_t watermark) {
  if (ops_.empty()) return Status::ok();
  return run_hook(0, [&](Operator& o, Collector& out) { return o.on_input_watermark(input, watermark, out); });
}

void TaskRunner::announce_input_status() {
  const bool idle = gate_->all_idle();  // false while a channel is unheard
  if (status_announced_ && idle == forwarded_idle_) return;
  status_announced_ = true;
  forwarded_idle_ = idle;
  broadcast(StreamEvent{EventKind::kIdleStatus, idle ? 1 : 0});
}

Status TaskRunner::on_barrier(int channel, int64_t barrier) {
  BarrierAligner::Step step = aligner_->on_barrier(channel, barrier);
  if (!step.released.empty()) gate_->unblock(step.released);  // a newer barrier overtook
  if (step.started) align_start_ns_ = steady_ns();
  if (step.block) gate_->block(channel);
  if (step.aligned) return aligned(*step.aligned);
  return Status::ok();
}

Status TaskRunner::aligned(int64_t barrier) {
  const int64_t waited = steady_ns() - align_start_ns_;
  begin(Activity::kSnapshotting, barrier_id(barrier));
  EDDY_RETURN_IF_ERROR(prepare_barrier(barrier));
  EDDY_RETURN_IF_ERROR(snapshotter_->take(barrier, waited, position(),
                                          [&] { broadcast(StreamEvent{EventKind::kBarrier, barrier}); }));
  gate_->unblock(aligner_->release());
  begin(Activity::kProcessing);  // the input held during the alignment comes next
  return Status::ok();
}

}  // namespace eddy
