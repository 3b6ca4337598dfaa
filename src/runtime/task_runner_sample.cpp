// TaskRunner, metrics: the activity the subtask is in between the host's
// calls, and the SubtaskSample it reports every metrics.interval
// (docs/monitoring.md). Nothing here runs per record: the activity changes
// once per call, the sample is read from counters kept anyway.
#include <algorithm>
#include <chrono>

#include "runtime/task_runner.h"

namespace eddy {
namespace {
int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

void TaskRunner::begin(Activity a, int64_t aux) { activity_.enter(a, steady_ns(), -1, -1, aux); }

void TaskRunner::settle() {
  const int64_t now = steady_ns();
  // Backpressured as the runner judges it: an output so full that no input
  // (or source read) is taken until credit comes.
  for (size_t e = 0; e < routers_.size(); ++e) {
    const OutputRouter& r = *routers_[e];
    if (r.queued_batches() >= static_cast<size_t>(r.channels())) {
      activity_.enter(Activity::kBackpressured, now, static_cast<int32_t>(e), r.waiting_channel());
      return;
    }
  }
  if (aligner_ && aligner_->aligning() != 0) {
    activity_.enter(Activity::kAligning, now, -1, -1, barrier_id(aligner_->aligning()));
    return;
  }
  activity_.enter(Activity::kIdle, now);
}

uint64_t TaskRunner::estimated_state_bytes(uint64_t keys) const {
  // Bytes per key as the last checkpoint wrote them, times the keys held now;
  // without a checkpoint nothing is known.
  if (!snapshotter_) return 0;
  const SubtaskCheckpointSample& last = snapshotter_->last_checkpoint();
  const uint64_t then = snapshotter_->last_checkpoint_keys();
  if (last.id < 0 || last.bytes <= 0) return 0;
  if (then == 0) return static_cast<uint64_t>(last.bytes);
  return static_cast<uint64_t>(static_cast<double>(last.bytes) * static_cast<double>(keys) /
                               static_cast<double>(then));
}

SubtaskSample TaskRunner::sample(int64_t now_ms, int32_t mailbox) const {
  SubtaskSample s;
  s.vertex = vertex_;
  s.subtask = subtask_index_;
  s.time_ms = now_ms;
  s.operators = metrics_;
  const int64_t now = steady_ns();
  s.busy_ns = activity_.busy_ns(now);
  s.backpressured_ns = activity_.backpressured_ns(now);
  s.idle_ns = activity_.idle_ns(now);
  s.activity = activity_name(activity_.current());
  s.bytes_in = bytes_in_;
  for (const auto& r : routers_) {
    s.bytes_out += r->bytes_sent();
    s.output_queue += static_cast<int32_t>(r->queued_batches());
    s.out_pool_usage = std::max(s.out_pool_usage, r->pool_usage());
    const auto& kg = r->key_group_records();
    if (kg.empty()) continue;
    s.key_group_records.resize(std::max(s.key_group_records.size(), kg.size()), 0);
    for (size_t i = 0; i < kg.size(); ++i) s.key_group_records[i] += kg[i];
  }
  if (gate_) {
    // The mailbox holds at most as many batches as credits are outstanding.
    s.input_queue = gate_->buffers_in_use() + std::min(std::max(mailbox, 0), gate_->outstanding_credits());
    // Over the buffers handed to channels: producers ask for pool buffers only
    // with a backlog, and stop at one queued batch per channel, so a full
    // input has spent its exclusive credits and few floating ones.
    const int32_t assigned = gate_->total_buffers() - gate_->pooled_buffers();
    s.in_pool_usage = assigned > 0 ? std::min(1.0, static_cast<double>(s.input_queue) / assigned) : 0.0;
    for (int c = 0; c < gate_->channels(); ++c)
      s.channels.push_back(ChannelSample{gate_->input_of(c), c, gate_->channel_watermark(c), gate_->channel_idle(c),
                                         gate_->finished(c), gate_->queued(c)});
    for (int i = 0; i < gate_->inputs(); ++i) s.input_watermarks.push_back(gate_->input_watermark(i));
  }
  s.output_watermark = sent_watermark_;
  if (source_) s.last_event_time = source_->last_event_time();
  uint64_t keys = 0;
  for (const auto& m : metrics_) keys += m.keys;
  s.state_bytes = estimated_state_bytes(keys);
  // Each keyed operator's share of the estimate, by its keys.
  for (auto& m : s.operators)
    if (keys > 0) m.state_bytes = s.state_bytes * m.keys / keys;
  if (snapshotter_) s.checkpoint = snapshotter_->last_checkpoint();
  return s;
}

}  // namespace eddy
