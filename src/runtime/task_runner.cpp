// TaskRunner: building the chain, running it (batches, watermarks, timers, end
// of input), output routing, sources and checkpoints handed to their parts.
// Input channels are in task_runner_input.cpp.
#include "runtime/task_runner.h"

#include <chrono>
#include <set>

#include "operators/window_assigner.h"  // saturating_add
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

/// Receives the output of chain member `metric`: counts it, then hands it to
/// the next operator or, after the last one, to the output routers.
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

/// What the source driver feeds: the chain behind the source.
class TaskRunner::SourceAdapter final : public SourceChain {
 public:
  explicit SourceAdapter(TaskRunner& r) : r_(r) {}
  bool backpressured() const override { return r_.backpressured(); }
  int64_t watermark() const override { return r_.output_watermark_; }
  Status guarded_read(const std::function<Status()>& hook) override { return r_.guarded(0, hook); }
  Status emit(RecordBatchPtr batch, int64_t t0_ns) override { return r_.emit_read(std::move(batch), t0_ns); }
  Status advance_watermark(int64_t watermark) override { return r_.advance_watermark(watermark); }
  void announce_idle(bool idle) override {
    r_.status_announced_ = true;
    r_.broadcast(StreamEvent{EventKind::kIdleStatus, idle ? 1 : 0});
  }
  Status end_of_input() override { return r_.finish_chain(); }

 private:
  TaskRunner& r_;
};

TaskRunner::TaskRunner(JobGraphPtr graph, int vertex, int32_t subtask_index, TaskHost& host,
                       TaskOptions options)
    : graph_(std::move(graph)), vertex_(vertex), subtask_index_(subtask_index), host_(host),
      options_(options) {}

TaskRunner::~TaskRunner() { close(); }

Status TaskRunner::open() {
  const JobVertex& v = vertex();
  const int first = v.nodes.front();
  const bool source = graph_->nodes[static_cast<size_t>(first)].kind == NodeKind::kSource;
  if (source) {
    EDDY_ASSIGN_OR_RETURN(auto probe, make_source_reader(*graph_, first));  // fails early on bad config
    (void)probe;  // each split gets a reader of its own (SourceDriver)
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
  EDDY_RETURN_IF_ERROR(open_operators());
  if (source) {
    source_chain_ = std::make_unique<SourceAdapter>(*this);
    source_ = std::make_unique<SourceDriver>(graph_, first, *source_chain_, metrics_[0]);
  }
  open_outputs();
  return source ? Status::ok() : open_inputs();
}

Status TaskRunner::open_operators() {
  const JobVertex& v = vertex();
  SnapshotterOptions so;
  so.vertex = vertex_;
  so.vertex_name = v.name;
  for (int n : v.nodes) so.vertex_nodes.push_back(graph_->nodes[static_cast<size_t>(n)].name);
  so.subtask = subtask_index_;
  so.parallelism = v.parallelism;
  so.checkpoint_root = options_.checkpoint_root;
  so.fork_heap_snapshots = graph_->spec.heap_snapshots == "fork";
  std::vector<std::string> names;
  for (size_t i = 0; i < ops_.size(); ++i) names.push_back(metrics_[first_op_metric_ + i].name);
  snapshotter_ = std::make_unique<Snapshotter>(so, ops_, names, host_);

  OperatorContext ctx;
  ctx.input_watermark = &input_watermark_;
  ctx.job_name = graph_->spec.name;
  ctx.output_tag = options_.output_tag;
  ctx.subtask_index = subtask_index_;
  ctx.parallelism = v.parallelism;
  ctx.max_parallelism = graph_->spec.max_parallelism;
  ctx.checkpoints = graph_->spec.checkpoints.enabled;
  ctx.state.kind = graph_->spec.state_backend == "rocksdb" ? StateBackendOptions::Kind::kRocksDb
                                                           : StateBackendOptions::Kind::kHeap;
  for (size_t i = 0; i < ops_.size(); ++i) {
    timers_.push_back(std::make_unique<OperatorTimers>());
    ctx.operator_name = names[i];
    ctx.timers = timers_.back().get();
    ctx.state.local_dir = local_state_dir_for(options_.local_state_dir, ctx.operator_name, subtask_index_);
    EDDY_RETURN_IF_ERROR(guarded(first_op_metric_ + i, [&] { return snapshotter_->create_backend(i, ctx); }));
    EDDY_RETURN_IF_ERROR(guarded(first_op_metric_ + i, [&] { return ops_[i]->open(ctx); }));
  }
  return Status::ok();
}

void TaskRunner::open_outputs() {
  for (int e : vertex().outputs) {
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
}

Status TaskRunner::open_inputs() {
  std::vector<int> inputs = channel_inputs(*graph_, vertex_);
  const int count = input_count(*graph_, vertex_);
  if (!ops_.empty() && ops_[0]->input_count() != count)
    return Status::internal("operator '" + metrics_[first_op_metric_].name + "' reads " +
                            std::to_string(ops_[0]->input_count()) + " inputs, but the job graph gives it " +
                            std::to_string(count));
  aligner_ = std::make_unique<BarrierAligner>(static_cast<int>(inputs.size()));
  gate_ = std::make_unique<InputGate>(std::move(inputs), count, options_.exclusive_credits,
                                      options_.floating_credits,
                                      [this](int c, int32_t n) { host_.send_credit(c, n); });
  return Status::ok();
}

Status TaskRunner::start() {
  // A subtask says nothing downstream until it knows its status. A source says
  // "active" with its first split, or end of input when there is none (on_split).
  // Any other subtask says what its inputs said, once one did (handle_event): had
  // it said "idle" before, a consumer could take its sibling's watermark alone
  // and fire windows this subtask still has rows for. Consumers wait for every
  // first message, so neither a late split nor a missing one shifts a watermark.
  if (!gate_) return Status::ok();
  gate_->start();
  return drain_pending();  // whatever arrived before start
}

bool TaskRunner::evaluates_expressions(size_t metric) const {
  const LogicalNode& node = graph_->nodes[static_cast<size_t>(vertex().nodes[metric])];
  if (node.kind != NodeKind::kOperator) return false;
  const OperatorKind kind = graph_->spec.operators[static_cast<size_t>(node.spec_index)].kind;
  return kind == OperatorKind::kFilter || kind == OperatorKind::kSelect;
}

TaskFailure TaskRunner::failure(const Status& status) const {
  const std::string op = failed_member_ ? metrics_[*failed_member_].name : vertex().name;
  TaskFailure f = failure_from_status(status, op, subtask_index_, vertex().parallelism);
  if (failed_member_ && f.kind == FailureKind::kInvalid && evaluates_expressions(*failed_member_)) {
    f.kind = FailureKind::kExpression;
    if (source_ && !source_->failed_origin().empty()) f.message += ", " + source_->failed_origin();
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

Status TaskRunner::run_hook(size_t op, const std::function<Status(Operator&, Collector&)>& call) {
  ChainCollector& out = *collectors_[first_op_metric_ + op];
  const int64_t child_before = out.child_ns;
  const int64_t t0 = now_ns();
  Status st = guarded(first_op_metric_ + op, [&] { return call(*ops_[op], out); });
  metrics_[first_op_metric_ + op].busy_ns += (now_ns() - t0) - (out.child_ns - child_before);
  return st;
}

Status TaskRunner::run_operator(size_t op, const RecordBatchPtr& batch) {
  OperatorMetrics& m = metrics_[first_op_metric_ + op];
  m.records_in += batch->num_rows;
  m.batches_in += 1;
  if (tap_ && tap_sink_ && op + 1 == ops_.size()) tap_->maybe_offer(*batch);
  return run_hook(op, [&](Operator& o, Collector& out) { return o.process(batch, out); });
}

Status TaskRunner::emit_from_chain(const RecordBatchPtr& batch) {
  if (tap_ && !tap_sink_) tap_->maybe_offer(*batch);
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
    m.lookup_hits = c.lookup_cache_hits;
    m.lookup_misses = c.lookup_cache_misses;
    m.lookup_timeouts = c.lookup_timeouts;
    m.lookup_null_rows = c.lookup_null_rows;
  }
}

Status TaskRunner::advance_watermark(int64_t watermark) {
  if (watermark <= output_watermark_) return Status::ok();
  // What an operator emits here (a window's results) precedes the new
  // watermark: the operators chained after it judge it by the one sent before.
  input_watermark_ = output_watermark_;
  output_watermark_ = watermark;
  if (first_op_metric_ == 1) metrics_[0].watermark = watermark;
  // Each operator sees the watermark after all data before it, in chain order;
  // what it emits flows down the chain before the next operator's turn. An
  // operator that holds the watermark back ends its chain (job_graph.cpp), so
  // only what goes downstream is held back.
  int64_t passed_on = watermark;
  for (size_t i = 0; i < ops_.size(); ++i) {
    metrics_[first_op_metric_ + i].watermark = watermark;
    EDDY_RETURN_IF_ERROR(run_hook(i, [&](Operator& o, Collector& out) { return o.on_watermark(watermark, out); }));
    const int64_t delay = ops_[i]->watermark_delay_ms();
    if (delay > 0 && passed_on != kEndOfTimeWatermark && passed_on != kNoWatermark)
      passed_on = saturating_add(passed_on, -delay);
  }
  update_counters();
  if (passed_on > sent_watermark_) {
    sent_watermark_ = passed_on;
    broadcast(StreamEvent{EventKind::kWatermark, passed_on});
  }
  return Status::ok();
}

Status TaskRunner::prepare_barrier(int64_t barrier) {
  for (size_t i = 0; i < ops_.size(); ++i)
    EDDY_RETURN_IF_ERROR(run_hook(i, [&](Operator& o, Collector& out) {
      return o.prepare_snapshot_pre_barrier(barrier, out);
    }));
  update_counters();
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
  return as(Activity::kFiringTimers, [&] { return run_timers(now_ms); });
}

Status TaskRunner::run_timers(int64_t now_ms) {
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

Status TaskRunner::on_credit(int out_edge, int channel, int32_t credits) {
  if (out_edge < 0 || out_edge >= static_cast<int>(routers_.size()))
    return Status::internal("credit for unknown output edge " + std::to_string(out_edge));
  return as(Activity::kProcessing, [&] {
    routers_[static_cast<size_t>(out_edge)]->add_credit(channel, credits);
    drain_outputs();
    return drain_pending();
  });
}

bool TaskRunner::has_partial_output() const {
  for (const auto& r : routers_)
    if (r->has_partial_rows()) return true;
  return false;
}

Status TaskRunner::on_flush_timer() {
  return as(Activity::kProcessing, [&] {
    for (auto& r : routers_) r->flush();
    drain_outputs();
    return Status::ok();
  });
}

Status TaskRunner::finish_chain() {
  // Each operator sees the end-of-time watermark (every event-time window fires),
  // then flushes into the next, in chain order.
  for (size_t i = 0; i < ops_.size(); ++i) {
    EDDY_RETURN_IF_ERROR(run_hook(i, [&](Operator& o, Collector& out) {
      EDDY_RETURN_IF_ERROR(o.on_watermark(kEndOfTimeWatermark, out));
      return o.finish(out);
    }));
  }
  update_counters();
  input_done_ = true;
  for (auto& r : routers_) r->add_event(StreamEvent{EventKind::kEndOfInput, 0});
  drain_outputs();
  return Status::ok();
}

Status TaskRunner::emit_read(RecordBatchPtr batch, int64_t t0_ns) {
  EDDY_RETURN_IF_ERROR(count_records(batch->num_rows));
  OperatorMetrics& m = metrics_[0];
  ChainCollector& out = *collectors_[0];
  const int64_t child_before = out.child_ns;
  // The chain judges lateness by the watermark this subtask sent before the batch.
  input_watermark_ = output_watermark_;
  Status st = out.emit(std::move(batch));
  m.busy_ns += (now_ns() - t0_ns) - (out.child_ns - child_before);
  if (!st.is_ok()) return st;
  update_counters();
  drain_outputs();
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
  if (snapshotter_) snapshotter_->abandon();
  for (auto& op : ops_) (void)op->close();
}

}  // namespace eddy
