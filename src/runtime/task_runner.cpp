// TaskRunner: chain execution, input credits, output routing, end of input.
#include "runtime/task_runner.h"

#include <chrono>
#include <set>

#include "plan/operator_factory.h"
#include "runtime/channel_layout.h"

namespace eddy {
namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Partitioning to_router_partitioning(EdgePartitioning p) {
  switch (p) {
    case EdgePartitioning::kForward: return Partitioning::kForward;
    case EdgePartitioning::kRebalance: return Partitioning::kRebalance;
    case EdgePartitioning::kHash: return Partitioning::kHash;
    case EdgePartitioning::kBroadcast: return Partitioning::kBroadcast;
  }
  return Partitioning::kForward;
}

}  // namespace

/// Receives the output of ops_[index]: counts it, then hands it to the next
/// operator or, after the last one, to the output routers.
class TaskRunner::ChainCollector final : public Collector {
 public:
  ChainCollector(TaskRunner& runner, size_t metric) : runner_(runner), metric_(metric) {}
  Status emit(RecordBatchPtr batch) override {
    if (!batch || batch->num_rows == 0) return Status::ok();
    OperatorMetrics& m = runner_.metrics_[metric_];
    m.records_out += batch->num_rows;
    m.batches_out += 1;
    const size_t next_op = metric_ + 1 - runner_.first_op_metric_;
    const int64_t t0 = now_ns();
    Status st = next_op < runner_.ops_.size() ? runner_.run_operator(next_op, batch)
                                              : runner_.emit_from_chain(batch);
    child_ns += now_ns() - t0;
    return st;
  }
  Status emit_side(int index, RecordBatchPtr batch) override {
    if (!batch || batch->num_rows == 0) return Status::ok();
    const int node = runner_.vertex().nodes[metric_];
    return runner_.emit_to_routers(node, index + 1, batch);
  }
  int64_t child_ns = 0;  // time spent downstream, subtracted from this operator's busy time

 private:
  TaskRunner& runner_;
  size_t metric_;
};

/// The processing-time timers of one operator (a TimerService of the chain).
class TaskRunner::OperatorTimers final : public TimerService {
 public:
  int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
  }
  void register_processing_timer(int64_t at_ms) override { due.insert(at_ms); }
  std::set<int64_t> due;
};

TaskRunner::TaskRunner(JobGraphPtr graph, int vertex, int32_t subtask_index, TaskHost& host,
                       TaskOptions options)
    : graph_(std::move(graph)), vertex_(vertex), subtask_index_(subtask_index), host_(host),
      options_(options) {}

TaskRunner::~TaskRunner() { close(); }

Status TaskRunner::open() {
  const JobVertex& v = vertex();
  const int first = v.nodes.front();
  if (graph_->nodes[static_cast<size_t>(first)].kind == NodeKind::kSource) {
    EDDY_ASSIGN_OR_RETURN(auto probe, make_source_reader(*graph_, first));  // fails early on bad config
    (void)probe;  // each split gets a reader of its own (open_source_split)
    is_source_ = true;
    source_node_ = first;
    metrics_.push_back({graph_->nodes[static_cast<size_t>(first)].name});
    first_op_metric_ = 1;
  }
  EDDY_ASSIGN_OR_RETURN(ops_, options_.make_operators ? options_.make_operators(*graph_, vertex_)
                                                      : make_chain_operators(*graph_, vertex_));
  for (int idx : v.nodes)
    if (graph_->nodes[static_cast<size_t>(idx)].kind != NodeKind::kSource)
      metrics_.push_back({graph_->nodes[static_cast<size_t>(idx)].name});
  // collectors_[k] receives the output of metrics_ entry k (the source, if any, first).
  for (size_t k = 0; k < metrics_.size(); ++k)
    collectors_.push_back(std::make_unique<ChainCollector>(*this, k));

  OperatorContext ctx;
  ctx.input_watermark = &input_watermark_;
  ctx.job_name = graph_->spec.name;
  ctx.output_tag = options_.output_tag;
  ctx.subtask_index = subtask_index_;
  ctx.parallelism = v.parallelism;
  ctx.max_parallelism = graph_->spec.max_parallelism;
  ctx.state.kind = graph_->spec.state_backend == "rocksdb" ? StateBackendOptions::Kind::kRocksDb
                                                           : StateBackendOptions::Kind::kHeap;
  for (size_t i = 0; i < ops_.size(); ++i) {
    timers_.push_back(std::make_unique<OperatorTimers>());
    ctx.operator_name = metrics_[first_op_metric_ + i].name;
    ctx.timers = timers_.back().get();
    ctx.state.local_dir = local_state_dir_for(options_.local_state_dir, ctx.operator_name, subtask_index_);
    EDDY_RETURN_IF_ERROR(guarded(first_op_metric_ + i, [&] { return ops_[i]->open(ctx); }));
  }
  if (is_source_) {
    const LogicalNode& src = graph_->nodes[static_cast<size_t>(first)];
    const EventTimeSpec& et = graph_->spec.sources[static_cast<size_t>(src.spec_index)].event_time;
    int64_t out_of_orderness_ms = 0, idle_timeout_ns = 0;
    if (et.enabled && !src.event_time_column.empty()) {
      source_time_column_ = src.output_schema->index_of(src.event_time_column);
      out_of_orderness_ms = et.max_out_of_orderness_ms;
      idle_timeout_ns = et.idle_timeout_us * 1000;
    }
    split_watermarks_ = std::make_unique<SplitWatermarks>(out_of_orderness_ms, idle_timeout_ns);
  }

  for (int e : v.outputs) {
    const JobEdge& edge = graph_->edges[static_cast<size_t>(e)];
    OutputRouter::Options o;
    o.partitioning = to_router_partitioning(edge.partitioning);
    o.channels = static_cast<int>(consumers_of(*graph_, e, subtask_index_).size());
    o.batch_size = graph_->spec.batch_size;
    o.key_columns = edge.key_columns;
    o.max_parallelism = graph_->spec.max_parallelism;
    o.producer_index = subtask_index_;
    routers_.push_back(std::make_unique<OutputRouter>(o, edge.schema));
    router_sources_.emplace_back(edge.from_node, edge.from_output);
  }
  input_channels_ = input_channel_count(*graph_, vertex_);
  watermarks_ = std::make_unique<WatermarkTracker>(input_channels_);
  channel_finished_.assign(static_cast<size_t>(input_channels_), false);
  channel_heard_.assign(static_cast<size_t>(input_channels_), false);
  unheard_channels_ = input_channels_;
  channel_blocked_.assign(static_cast<size_t>(input_channels_), false);
  held_.resize(static_cast<size_t>(input_channels_));
  if (input_channels_ > 0)
    credits_ = std::make_unique<InputCredits>(input_channels_, options_.exclusive_credits,
                                              options_.floating_credits);
  return Status::ok();
}

Status TaskRunner::start() {
  // A subtask says nothing downstream until it knows its status. A source says
  // "active" with its first split, or end of input when there is none (on_split).
  // Any other subtask says what its inputs said, once one did (handle_event): had
  // it said "idle" before, a consumer could take its sibling's watermark alone
  // and fire windows this subtask still has rows for. Consumers wait for every
  // first message, so neither a late split nor a missing one shifts a watermark.
  if (!credits_) return Status::ok();
  auto grants = credits_->initial_grants();
  for (int c = 0; c < static_cast<int>(grants.size()); ++c)
    if (grants[static_cast<size_t>(c)] > 0 && !channel_finished_[static_cast<size_t>(c)])
      host_.send_credit(c, grants[static_cast<size_t>(c)]);
  return drain_pending();  // whatever arrived before start
}

void TaskRunner::heard_from(int channel) {
  if (channel_heard_[static_cast<size_t>(channel)]) return;
  channel_heard_[static_cast<size_t>(channel)] = true;
  --unheard_channels_;
}

bool TaskRunner::evaluates_expressions(size_t metric) const {
  const LogicalNode& node = graph_->nodes[static_cast<size_t>(vertex().nodes[metric])];
  if (node.kind != NodeKind::kOperator) return false;
  const OperatorKind kind = graph_->spec.operators[static_cast<size_t>(node.spec_index)].kind;
  return kind == OperatorKind::kFilter || kind == OperatorKind::kSelect;
}

std::string TaskRunner::batch_origin(const Split& before, const Split& after) const {
  if (!before.path.empty()) {
    const int64_t last = std::max(before.first_line, after.first_line - 1);
    return "read from " + before.path +
           (last == before.first_line ? ", line " + std::to_string(last)
                                      : ", lines " + std::to_string(before.first_line) + "-" + std::to_string(last));
  }
  const std::string& source = metrics_[0].name;
  return "generated by '" + source + "' (share " + std::to_string(before.index + 1) + " of " +
         std::to_string(before.count) + ", rows " + std::to_string(before.position) + "-" +
         std::to_string(std::max(before.position, after.position - 1)) + " of the share)";
}

TaskFailure TaskRunner::failure(const Status& status) const {
  const std::string op = failed_member_ ? metrics_[*failed_member_].name : vertex().name;
  TaskFailure f = failure_from_status(status, op, subtask_index_, vertex().parallelism);
  if (failed_member_ && f.kind == FailureKind::kInvalid && evaluates_expressions(*failed_member_)) {
    f.kind = FailureKind::kExpression;
    if (!failed_origin_.empty()) f.message += ", " + failed_origin_;
  }
  return f;
}

Status TaskRunner::exception_status(size_t metric, std::exception_ptr error) const {
  // The message leaves out who: failure() names the member.
  try {
    std::rethrow_exception(error);
  } catch (const std::bad_alloc&) {
    if (metric < first_op_metric_)
      return Status::internal("ran out of memory (std::bad_alloc) while reading; "
                              "give the task manager more memory or lower the batch size");
    uint64_t keys = metrics_[metric].keys;  // as last reported; the operator knows better
    try {
      keys = ops_[metric - first_op_metric_]->counters().keys_in_state;
    } catch (...) {
    }
    return Status::internal("ran out of memory (std::bad_alloc) holding " + std::to_string(keys) +
                            " keys in state; give the task manager more "
                            "memory, keep state on disk with state: {backend: rocksdb}, or hold less "
                            "state: fewer keys, shorter windows or a shorter allowed_lateness");
  } catch (const std::exception& e) {
    return Status::internal(std::string("threw: ") + e.what());
  } catch (...) {
    return Status::internal("threw an exception that is not a std::exception");
  }
}

bool TaskRunner::backpressured() const {
  for (const auto& r : routers_)
    if (r->queued_batches() >= static_cast<size_t>(r->channels())) return true;
  return false;
}

Status TaskRunner::run_operator(size_t op, const RecordBatchPtr& batch) {
  OperatorMetrics& m = metrics_[first_op_metric_ + op];
  ChainCollector& out = *collectors_[first_op_metric_ + op];
  m.records_in += batch->num_rows;
  m.batches_in += 1;
  const int64_t child_before = out.child_ns;
  const int64_t t0 = now_ns();
  Status st = guarded(first_op_metric_ + op, [&] { return ops_[op]->process(batch, out); });
  m.busy_ns += (now_ns() - t0) - (out.child_ns - child_before);
  return st;
}

Status TaskRunner::emit_from_chain(const RecordBatchPtr& batch) {
  return emit_to_routers(vertex().nodes.back(), 0, batch);
}

Status TaskRunner::emit_to_routers(int node, int output, const RecordBatchPtr& batch) {
  for (size_t r = 0; r < routers_.size(); ++r)
    if (router_sources_[r].first == node && router_sources_[r].second == output) routers_[r]->add(batch);
  return Status::ok();
}

void TaskRunner::broadcast(const StreamEvent& event) {
  for (auto& r : routers_) r->add_event(event);
  drain_outputs();
}

void TaskRunner::update_counters() {
  for (size_t i = 0; i < ops_.size(); ++i) {
    const OperatorCounters c = ops_[i]->counters();
    OperatorMetrics& m = metrics_[first_op_metric_ + i];
    m.skipped = c.skipped_records;
    m.late = c.late_records;
    m.windows_fired = c.windows_fired;
    m.keys = c.keys_in_state;
  }
}

Status TaskRunner::advance_watermark(int64_t watermark) {
  if (watermark <= output_watermark_) return Status::ok();
  output_watermark_ = watermark;
  if (first_op_metric_ == 1) metrics_[0].watermark = watermark;
  // Each operator sees the watermark after all data before it, in chain order;
  // what it emits flows down the chain before the next operator's turn.
  for (size_t i = 0; i < ops_.size(); ++i) {
    metrics_[first_op_metric_ + i].watermark = watermark;
    ChainCollector& out = *collectors_[first_op_metric_ + i];
    const int64_t child_before = out.child_ns;
    const int64_t t0 = now_ns();
    Status st = guarded(first_op_metric_ + i, [&] { return ops_[i]->on_watermark(watermark, out); });
    metrics_[first_op_metric_ + i].busy_ns += (now_ns() - t0) - (out.child_ns - child_before);
    EDDY_RETURN_IF_ERROR(st);
  }
  update_counters();
  broadcast(StreamEvent{EventKind::kWatermark, watermark});
  return Status::ok();
}

Status TaskRunner::restore_watermark(int64_t watermark) {
  // Operators learn it (windows that fired before stay fired); nothing goes
  // downstream, where the restored subtasks know it already.
  output_watermark_ = watermark;
  for (size_t i = 0; i < ops_.size(); ++i) {
    metrics_[first_op_metric_ + i].watermark = watermark;
    ChainCollector& out = *collectors_[first_op_metric_ + i];
    EDDY_RETURN_IF_ERROR(guarded(first_op_metric_ + i, [&] { return ops_[i]->on_watermark(watermark, out); }));
  }
  return Status::ok();
}

std::optional<int64_t> TaskRunner::next_timer_ms() const {
  std::optional<int64_t> next;
  for (const auto& t : timers_)
    if (!t->due.empty() && (!next || *t->due.begin() < *next)) next = *t->due.begin();
  return next;
}

Status TaskRunner::fire_timers(int64_t now_ms) {
  if (input_done_) return Status::ok();
  for (size_t i = 0; i < ops_.size(); ++i) {
    auto& due = timers_[i]->due;
    if (due.empty() || *due.begin() > now_ms) continue;
    due.erase(due.begin(), due.upper_bound(now_ms));
    ChainCollector& out = *collectors_[first_op_metric_ + i];
    EDDY_RETURN_IF_ERROR(guarded(first_op_metric_ + i, [&] { return ops_[i]->on_processing_time(now_ms, out); }));
  }
  update_counters();
  drain_outputs();
  return Status::ok();
}

void TaskRunner::drain_outputs() {
  for (size_t e = 0; e < routers_.size(); ++e) {
    routers_[e]->drain([&](int channel, const OutboundItem& item, int32_t backlog) {
      if (item.batch) host_.send_batch(static_cast<int>(e), channel, item.batch, backlog);
      else if (item.event) host_.send_event(static_cast<int>(e), channel, *item.event);
    });
  }
}

void TaskRunner::send_grants() {
  for (const auto& [c, n] : grants_) host_.send_credit(c, n);
  grants_.clear();
}

void TaskRunner::release(int channel) {
  grants_.clear();
  credits_->on_release(channel, grants_);
  send_grants();
}

Status TaskRunner::count_records(size_t rows) {
  records_seen_ += rows;
  if (options_.fail_after_records >= 0 && records_seen_ >= static_cast<uint64_t>(options_.fail_after_records)) {
    const int64_t n = options_.fail_after_records;
    options_.fail_after_records = -1;
    return Status::internal("injected failure after " + std::to_string(n) +
                            " records (--inject-failure)");
  }
  return Status::ok();
}

Status TaskRunner::process_input(int channel, const RecordBatchPtr& batch) {
  EDDY_RETURN_IF_ERROR(count_records(batch->num_rows));
  input_watermark_ = watermarks_->channel_watermark(channel);
  Status st = ops_.empty() ? emit_from_chain(batch) : run_operator(0, batch);
  drain_outputs();
  release(channel);
  return st;
}

Status TaskRunner::on_batch(int input_channel, RecordBatchPtr batch, int32_t backlog) {
  if (input_channel < 0 || input_channel >= input_channels_)
    return Status::internal("batch on unknown input channel " + std::to_string(input_channel));
  grants_.clear();
  EDDY_RETURN_IF_ERROR(credits_->on_batch(input_channel, backlog, grants_));
  send_grants();
  heard_from(input_channel);
  PendingInput in{input_channel, std::move(batch), std::nullopt};
  if (hold_if_blocked(input_channel, in)) return Status::ok();
  if (!pending_.empty() || backpressured() || unheard_channels_ > 0) {
    pending_.push_back(std::move(in));
    return drain_pending();
  }
  return process_input(input_channel, in.batch);
}

bool TaskRunner::hold_if_blocked(int channel, PendingInput& in) {
  // Input of a channel that delivered the barrier being aligned waits until
  // every channel delivered it. Behind older pending input it queues there
  // first, so each channel's order holds.
  if (!channel_blocked_[static_cast<size_t>(channel)] || !pending_.empty()) return false;
  held_[static_cast<size_t>(channel)].push_back(std::move(in));
  return true;
}

Status TaskRunner::on_event(int input_channel, const StreamEvent& event) {
  if (input_channel < 0 || input_channel >= input_channels_)
    return Status::internal("event on unknown input channel " + std::to_string(input_channel));
  const bool first = !channel_heard_[static_cast<size_t>(input_channel)];
  heard_from(input_channel);
  if (first && (event.kind == EventKind::kIdleStatus || event.kind == EventKind::kEndOfInput)) {
    // A channel's first message is its initial status (or end of input, from a
    // source without a split): nothing of that channel precedes it, so it applies
    // at once, ahead of other channels' queued input.
    EDDY_RETURN_IF_ERROR(handle_event(input_channel, event));
    return drain_pending();
  }
  PendingInput in{input_channel, nullptr, event};
  if (hold_if_blocked(input_channel, in)) return Status::ok();
  if (!pending_.empty() || unheard_channels_ > 0) {
    pending_.push_back(std::move(in));
    return drain_pending();
  }
  EDDY_RETURN_IF_ERROR(handle_event(input_channel, event));
  return drain_pending();  // an alignment that ended may have released held input
}

Status TaskRunner::handle_event(int channel, const StreamEvent& event) {
  if (channel_finished_[static_cast<size_t>(channel)]) return Status::ok();
  switch (event.kind) {
    case EventKind::kWatermark:
      if (auto w = watermarks_->on_watermark(channel, event.value)) return advance_watermark(*w);
      return Status::ok();
    case EventKind::kIdleStatus: {
      auto w = watermarks_->on_idle(channel, event.value != 0);
      // "Active" goes out before the watermark it may release; a subtask that
      // turned idle releases none (all_idle: no live channel holds one).
      announce_input_status();
      if (w) return advance_watermark(*w);
      return Status::ok();
    }
    case EventKind::kBarrier: return on_barrier(channel, event.value);
    case EventKind::kEndOfInput: break;
  }
  channel_finished_[static_cast<size_t>(channel)] = true;
  grants_.clear();
  credits_->on_finished(channel, grants_);
  send_grants();
  ++finished_channels_;
  // An ended channel counts as having delivered the barrier being aligned:
  // everything it sent came before it.
  EDDY_RETURN_IF_ERROR(check_aligned());
  if (finished_channels_ == input_channels_) return finish_chain();
  auto w = watermarks_->on_finished(channel);
  if (status_announced_) announce_input_status();  // the inputs left may all be idle
  if (w) return advance_watermark(*w);
  return Status::ok();
}

void TaskRunner::announce_input_status() {
  const bool idle = watermarks_->all_idle();  // false while a channel is unheard
  if (status_announced_ && idle == forwarded_idle_) return;
  status_announced_ = true;
  forwarded_idle_ = idle;
  broadcast(StreamEvent{EventKind::kIdleStatus, idle ? 1 : 0});
}

Status TaskRunner::drain_pending() {
  while (!pending_.empty() && !backpressured() && unheard_channels_ == 0) {
    PendingInput in = std::move(pending_.front());
    pending_.pop_front();
    if (channel_blocked_[static_cast<size_t>(in.channel)]) {
      held_[static_cast<size_t>(in.channel)].push_back(std::move(in));
    } else if (in.batch) {
      EDDY_RETURN_IF_ERROR(process_input(in.channel, in.batch));
    } else if (in.event) {
      EDDY_RETURN_IF_ERROR(handle_event(in.channel, *in.event));
    }
  }
  return Status::ok();
}

Status TaskRunner::on_credit(int out_edge, int channel, int32_t credits) {
  if (out_edge < 0 || out_edge >= static_cast<int>(routers_.size()))
    return Status::internal("credit for unknown output edge " + std::to_string(out_edge));
  routers_[static_cast<size_t>(out_edge)]->add_credit(channel, credits);
  drain_outputs();
  return drain_pending();
}

bool TaskRunner::has_partial_output() const {
  for (const auto& r : routers_)
    if (r->has_partial_rows()) return true;
  return false;
}

Status TaskRunner::on_flush_timer() {
  for (auto& r : routers_) r->flush();
  drain_outputs();
  return Status::ok();
}

Status TaskRunner::finish_chain() {
  // Each operator sees the end-of-time watermark (every event-time window fires),
  // then flushes into the next, in chain order.
  for (size_t i = 0; i < ops_.size(); ++i) {
    ChainCollector& out = *collectors_[first_op_metric_ + i];
    const int64_t child_before = out.child_ns;
    const int64_t t0 = now_ns();
    EDDY_RETURN_IF_ERROR(guarded(first_op_metric_ + i, [&] {
      EDDY_RETURN_IF_ERROR(ops_[i]->on_watermark(kEndOfTimeWatermark, out));
      return ops_[i]->finish(out);
    }));
    metrics_[first_op_metric_ + i].busy_ns += (now_ns() - t0) - (out.child_ns - child_before);
  }
  update_counters();
  input_done_ = true;
  for (auto& r : routers_) r->add_event(StreamEvent{EventKind::kEndOfInput, 0});
  drain_outputs();
  return Status::ok();
}

Result<SourceStep> TaskRunner::source_step() {
  if (input_done_) return SourceStep::kFinished;
  if (open_splits_.empty()) return SourceStep::kNeedSplit;
  if (output_watermark_ > alignment_limit_) return SourceStep::kHeldBack;
  if (backpressured()) return SourceStep::kBackpressured;
  OperatorMetrics& m = metrics_[0];
  const int64_t t0 = now_ns();
  const size_t k = next_split_++ % open_splits_.size();
  SourceReader& reader = *open_splits_[k].reader;
  const Split before = reader.resume_split();  // names the batch's records if the chain fails on them
  SourcePoll poll;
  EDDY_RETURN_IF_ERROR(guarded(0, [&] {
    EDDY_ASSIGN_OR_RETURN(poll, reader.poll(graph_->spec.batch_size));
    return Status::ok();
  }));
  m.skipped = skipped_closed_;
  for (const auto& o : open_splits_) m.skipped += o.reader->skipped_records();
  switch (poll.kind) {
    case SourcePoll::Kind::kIdle:
      m.busy_ns += now_ns() - t0;
      return source_nothing_read(k, poll.retry_after_us);
    case SourcePoll::Kind::kEndOfSplit:
      m.busy_ns += now_ns() - t0;
      return source_split_ended(k);
    case SourcePoll::Kind::kBatch: break;
  }
  return source_emit(k, std::move(poll.batch), t0, before);
}

Result<SourceStep> TaskRunner::source_emit(size_t k, RecordBatchPtr batch, int64_t t0, const Split& before) {
  const int64_t high = source_time_column_ < 0
                           ? INT64_MIN
                           : max_event_time(batch->columns[static_cast<size_t>(source_time_column_)],
                                            batch->num_rows);
  split_watermarks_->on_records(k, high, now_ns());
  if (source_idle_) {  // active again: say so before the data
    source_idle_ = false;
    broadcast(StreamEvent{EventKind::kIdleStatus, 0});
  }
  EDDY_RETURN_IF_ERROR(count_records(batch->num_rows));
  OperatorMetrics& m = metrics_[0];
  ChainCollector& out = *collectors_[0];
  const int64_t child_before = out.child_ns;
  // The chain judges lateness by the watermark this subtask sent before the batch.
  input_watermark_ = output_watermark_;
  Status st = out.emit(batch);
  m.busy_ns += (now_ns() - t0) - (out.child_ns - child_before);
  if (!st.is_ok()) {
    failed_origin_ = batch_origin(before, open_splits_[k].reader->resume_split());
    return st;
  }
  EDDY_RETURN_IF_ERROR(source_event_time());  // after the data: the batch moved its split's watermark
  update_counters();
  drain_outputs();
  return SourceStep::kProduced;
}

Result<SourceStep> TaskRunner::source_nothing_read(size_t k, int64_t retry_after_us) {
  idle_us_ = retry_after_us;
  const int64_t now = now_ns();
  // An idle split no longer holds the watermark back; once all are, the subtask is idle.
  if (split_watermarks_->on_nothing_read(k, now)) EDDY_RETURN_IF_ERROR(source_event_time());
  const int64_t next_idle = split_watermarks_->next_idle_ns();
  if (next_idle != INT64_MAX)  // wake at the next idle deadline too, or a long wait would hide it
    idle_us_ = std::min(idle_us_, std::max<int64_t>((next_idle - now) / 1000, 1));
  return SourceStep::kIdle;
}

Result<SourceStep> TaskRunner::source_split_ended(size_t k) {
  skipped_closed_ += open_splits_[k].reader->skipped_records();
  open_splits_.erase(open_splits_.begin() + static_cast<std::ptrdiff_t>(k));
  split_watermarks_->remove(k);
  if (open_splits_.empty()) return SourceStep::kNeedSplit;  // the watermark stays where it is
  // A finished split no longer holds the watermark back; the others go on.
  EDDY_RETURN_IF_ERROR(source_event_time());
  return SourceStep::kProduced;
}

Status TaskRunner::source_event_time() {
  if (split_watermarks_->all_idle()) {
    if (!source_idle_) {  // downstream stops waiting for this subtask's watermark
      source_idle_ = true;
      broadcast(StreamEvent{EventKind::kIdleStatus, 1});
    }
    return Status::ok();
  }
  if (auto w = split_watermarks_->advance()) return advance_watermark(*w);
  return Status::ok();
}

Status TaskRunner::open_source_split(const Split& split) {
  EDDY_ASSIGN_OR_RETURN(auto reader, make_source_reader(*graph_, source_node_));
  EDDY_RETURN_IF_ERROR(reader->open_split(split));
  open_splits_.push_back(OpenSplit{std::move(reader)});
  split_watermarks_->add(now_ns());
  return Status::ok();
}

Status TaskRunner::on_split(const std::optional<Split>& split, const std::vector<Split>& more) {
  if (!split) return finish_chain();
  EDDY_RETURN_IF_ERROR(open_source_split(*split));
  for (const auto& s : more) EDDY_RETURN_IF_ERROR(open_source_split(s));
  if (source_idle_ || !status_announced_) {  // a split to read: this subtask's watermark counts
    source_idle_ = false;
    status_announced_ = true;
    broadcast(StreamEvent{EventKind::kIdleStatus, 0});
  }
  return Status::ok();
}

bool TaskRunner::finished() const {
  if (!input_done_) return false;
  for (const auto& r : routers_)
    if (r->queued_batches() > 0 || r->has_partial_rows()) return false;
  return true;
}

void TaskRunner::close() {
  if (closed_) return;
  closed_ = true;
  pending_snapshot_.reset();  // waits for its state file; nobody acks it any more
  for (auto& op : ops_) (void)op->close();
}

}  // namespace eddy
