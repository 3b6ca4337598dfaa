// SourceDriver (see source_driver.h).
#include "runtime/source_driver.h"

#include <algorithm>
#include <chrono>

#include "plan/operator_factory.h"

namespace eddy {
namespace {
constexpr int64_t kWaitingStepUs = 1000000;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

SourceDriver::SourceDriver(JobGraphPtr graph, int node, SourceChain& chain, OperatorMetrics& metrics)
    : graph_(std::move(graph)), node_(node), chain_(chain), metrics_(metrics) {
  const LogicalNode& src = graph_->nodes[static_cast<size_t>(node_)];
  const EventTimeSpec& et = graph_->spec.sources[static_cast<size_t>(src.spec_index)].event_time;
  int64_t out_of_orderness_ms = 0, idle_timeout_ns = 0;
  if (et.enabled && !src.event_time_column.empty()) {
    time_column_ = src.output_schema->index_of(src.event_time_column);
    out_of_orderness_ms = et.max_out_of_orderness_ms;
    idle_timeout_ns = et.idle_timeout_us * 1000;
  }
  watermarks_ = std::make_unique<SplitWatermarks>(out_of_orderness_ms, idle_timeout_ns);
}

Result<SourceStep> SourceDriver::step() {
  if (done_) return SourceStep::kFinished;
  if (splits_.empty() && waiting_) {  // splits come with on_split(); look again now and then
    idle_us_ = kWaitingStepUs;
    return SourceStep::kIdle;
  }
  if (splits_.empty()) return SourceStep::kNeedSplit;
  if (chain_.watermark() > alignment_limit_) return SourceStep::kHeldBack;
  if (chain_.backpressured()) return SourceStep::kBackpressured;
  const int64_t t0 = now_ns();
  const size_t k = next_split_++ % splits_.size();
  SourceReader& reader = *splits_[k];
  const Split before = reader.resume_split();  // names the batch's records if the chain fails on them
  SourcePoll poll;
  EDDY_RETURN_IF_ERROR(chain_.guarded_read([&] {
    EDDY_ASSIGN_OR_RETURN(poll, reader.poll(graph_->spec.batch_size));
    return Status::ok();
  }));
  metrics_.skipped = skipped_closed_;
  for (const auto& r : splits_) metrics_.skipped += r->skipped_records();
  switch (poll.kind) {
    case SourcePoll::Kind::kIdle:
      metrics_.busy_ns += now_ns() - t0;
      return nothing_read(k, poll.retry_after_us);
    case SourcePoll::Kind::kEndOfSplit:
      metrics_.busy_ns += now_ns() - t0;
      return split_ended(k);
    case SourcePoll::Kind::kBatch: break;
  }
  return emit(k, std::move(poll.batch), t0, before);
}

Result<SourceStep> SourceDriver::emit(size_t k, RecordBatchPtr batch, int64_t t0, const Split& before) {
  const int64_t high = time_column_ < 0 ? INT64_MIN
                                         : max_event_time(batch->columns[static_cast<size_t>(time_column_)],
                                                          batch->num_rows);
  watermarks_->on_records(k, high, now_ns());
  last_event_time_ = std::max(last_event_time_, high);
  if (idle_) {  // active again: say so before the data
    idle_ = false;
    chain_.announce_idle(false);
  }
  Status st = chain_.emit(std::move(batch), t0);
  if (!st.is_ok()) {
    failed_origin_ = batch_origin(before, splits_[k]->resume_split());
    return st;
  }
  EDDY_RETURN_IF_ERROR(event_time());  // after the data: the batch moved its split's watermark
  return SourceStep::kProduced;
}

Result<SourceStep> SourceDriver::nothing_read(size_t k, int64_t retry_after_us) {
  idle_us_ = retry_after_us;
  const int64_t now = now_ns();
  // An idle split no longer holds the watermark back; once all are, the subtask is idle.
  if (watermarks_->on_nothing_read(k, now)) EDDY_RETURN_IF_ERROR(event_time());
  const int64_t next_idle = watermarks_->next_idle_ns();
  if (next_idle != INT64_MAX)  // wake at the next idle deadline too, or a long wait would hide it
    idle_us_ = std::min(idle_us_, std::max<int64_t>((next_idle - now) / 1000, 1));
  return SourceStep::kIdle;
}

Result<SourceStep> SourceDriver::split_ended(size_t k) {
  skipped_closed_ += splits_[k]->skipped_records();
  splits_.erase(splits_.begin() + static_cast<std::ptrdiff_t>(k));
  watermarks_->remove(k);
  if (splits_.empty()) return SourceStep::kNeedSplit;  // the watermark stays where it is
  // A finished split no longer holds the watermark back; the others go on.
  EDDY_RETURN_IF_ERROR(event_time());
  return SourceStep::kProduced;
}

Status SourceDriver::event_time() {
  if (watermarks_->all_idle()) {
    if (!idle_) {  // downstream stops waiting for this subtask's watermark
      idle_ = true;
      chain_.announce_idle(true);
    }
    return Status::ok();
  }
  if (auto w = watermarks_->advance()) return chain_.advance_watermark(*w);
  return Status::ok();
}

Status SourceDriver::open_split(const Split& split) {
  // Readers of one subtask may share a client (kafka: one consumer); else a new one.
  std::unique_ptr<SourceReader> reader = splits_.empty() ? nullptr : splits_.front()->make_sibling();
  if (!reader) {
    EDDY_ASSIGN_OR_RETURN(reader, make_source_reader(*graph_, node_));
  }
  EDDY_RETURN_IF_ERROR(reader->open_split(split));
  splits_.push_back(std::move(reader));
  watermarks_->add(now_ns());
  return Status::ok();
}

Status SourceDriver::on_split(const std::optional<Split>& split, const std::vector<Split>& more) {
  if (!split) {
    done_ = true;
    return chain_.end_of_input();
  }
  EDDY_RETURN_IF_ERROR(open_split(*split));
  for (const auto& s : more) EDDY_RETURN_IF_ERROR(open_split(s));
  if (idle_ || !announced_) {  // a split to read: this subtask's watermark counts
    idle_ = false;
    announced_ = true;
    chain_.announce_idle(false);
  }
  return Status::ok();
}

void SourceDriver::wait_for_splits() {
  waiting_ = true;
  if (!idle_ && splits_.empty()) {  // nothing to read: downstream need not wait for this subtask
    idle_ = true;
    announced_ = true;
    chain_.announce_idle(true);
  }
}

void SourceDriver::snapshotted(int64_t id) {
  for (const auto& r : splits_) r->snapshotted(id);
}

void SourceDriver::checkpoint_complete(int64_t id) {
  for (const auto& r : splits_) r->checkpoint_complete(id);
}

std::vector<Split> SourceDriver::resume_splits() const {
  std::vector<Split> out;
  for (const auto& r : splits_) out.push_back(r->resume_split());
  return out;
}

std::string SourceDriver::batch_origin(const Split& before, const Split& after) const {
  for (const auto& r : splits_)
    if (std::string o = r->origin(before, after); !o.empty()) return o;
  if (!before.path.empty()) {
    const int64_t last = std::max(before.first_line, after.first_line - 1);
    return "read from " + before.path +
           (last == before.first_line ? ", line " + std::to_string(last)
                                      : ", lines " + std::to_string(before.first_line) + "-" + std::to_string(last));
  }
  const std::string& source = graph_->nodes[static_cast<size_t>(node_)].name;
  return "generated by '" + source + "' (share " + std::to_string(before.index + 1) + " of " +
         std::to_string(before.count) + ", rows " + std::to_string(before.position) + "-" +
         std::to_string(std::max(before.position, after.position - 1)) + " of the share)";
}

}  // namespace eddy
