// AsyncLookupJoinOperator (async_lookup_join_operator.h).
#include "operators/async_lookup_join_operator.h"

#include <algorithm>
#include <chrono>

#include "operators/lookup_keys.h"

namespace eddy {
namespace {

constexpr int64_t kPollMs = 1;   // the timer that collects finished lookups
constexpr int64_t kWaitMs = 50;  // a blocking wait for a finished lookup, per round

}  // namespace

AsyncLookupJoinOperator::AsyncLookupJoinOperator(std::shared_ptr<const JoinConfig> config,
                                                 LookupClientFactory connect)
    : config_(std::move(config)), connect_(std::move(connect)) {}

AsyncLookupJoinOperator::~AsyncLookupJoinOperator() { (void)close(); }

int64_t AsyncLookupJoinOperator::now_ms() const {
  if (timers_) return timers_->now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

Status AsyncLookupJoinOperator::open(const OperatorContext& ctx) {
  if (!config_ || config_->kind != JoinKind::kLookup || !config_->lookup_service)
    return Status::invalid("lookup join: config is not a lookup join against a server table");
  if (config_->type != JoinType::kInner && config_->type != JoinType::kLeft)
    return Status::invalid("lookup join: only inner and left lookup joins exist");
  table_ = config_->lookup_service.get();
  timers_ = ctx.timers;
  EDDY_ASSIGN_OR_RETURN(auto sides, join_sides(*config_));
  left_ = std::move(sides.first);
  right_ = std::move(sides.second);
  output_ = std::make_unique<JoinOutput>(config_, left_, right_);
  EDDY_RETURN_IF_ERROR(output_->check());
  EDDY_RETURN_IF_ERROR(check_lookup_keys(*table_, config_->right_keys));
  if (!connect_) {
    auto table = config_->lookup_service;
    auto keys = config_->right_keys;
    connect_ = [table, keys] { return connect_lookup_client(*table, keys); };
  }
  std::vector<std::unique_ptr<LookupClient>> clients;
  for (int64_t i = 0; i < table_->io_threads; ++i) {
    EDDY_ASSIGN_OR_RETURN(auto client, connect_());
    clients.push_back(std::move(client));
  }
  executor_ = std::make_unique<LookupExecutor>(std::move(clients), table_->timeout_ms);
  queue_ = std::make_unique<AsyncResultQueue>(table_->output_mode);
  cache_ = std::make_unique<LookupCache>(table_->cache);
  return Status::ok();
}

Status AsyncLookupJoinOperator::process(const RecordBatchPtr& batch, Collector& out) {
  if (batch->num_rows == 0) return Status::ok();
  // Flink's buffer: while it cannot take this batch's rows, wait for lookups.
  const size_t capacity = table_->async ? static_cast<size_t>(table_->buffer_capacity) : 0;
  while (!queue_->empty() && queue_->rows() + batch->num_rows > capacity) EDDY_RETURN_IF_ERROR(step(kWaitMs, out));

  const uint64_t id = next_pending_++;
  Pending& p = pending_[id];
  p.batch = batch;
  RecordBatch key_columns;
  EDDY_RETURN_IF_ERROR(lookup_left_keys(*config_, left_, *batch, p.keys, &key_columns));
  const int64_t now = now_ms();
  Request request;
  absl::flat_hash_set<std::string> seen;
  for (size_t r = 0; r < batch->num_rows; ++r) {
    const std::string& key = p.keys[r];
    if (join_key_has_null(key) || !seen.insert(key).second) continue;
    if (LookupRows rows = cache_->get(key, now)) {
      ++hits_;
      p.found.emplace(key, std::move(rows));
      continue;
    }
    ++misses_;
    ++p.waiting;
    auto [waiters, fresh] = inflight_keys_.try_emplace(key);
    waiters->second.push_back(id);
    if (!fresh) continue;  // an earlier batch asked for it already
    LookupKeyText text;
    for (const Column& c : key_columns.columns) text.push_back(lookup_key_text(c, r));
    request.keys.push_back(key);
    request.texts.push_back(std::move(text));
    if (static_cast<int64_t>(request.keys.size()) >= table_->batch_size) {
      EDDY_RETURN_IF_ERROR(submit(std::move(request)));
      request = Request{};
    }
  }
  if (!request.keys.empty()) EDDY_RETURN_IF_ERROR(submit(std::move(request)));
  queue_->push(id, batch->num_rows);
  if (p.waiting == 0) queue_->complete(id);
  if (!table_->async) return drain(out);
  EDDY_RETURN_IF_ERROR(step(0, out));
  arm_timer();
  return Status::ok();
}

Status AsyncLookupJoinOperator::submit(Request request) {
  const uint64_t id = next_request_++;
  ++lookups_sent_;
  keys_sent_ += request.keys.size();
  LookupTask task{id, request.texts};
  requests_.emplace(id, std::move(request));
  executor_->submit(std::move(task));
  return Status::ok();
}

Status AsyncLookupJoinOperator::step(int64_t wait_ms, Collector& out) {
  done_.clear();
  executor_->collect(done_, wait_ms);
  for (LookupDone& d : done_) EDDY_RETURN_IF_ERROR(handle(d));
  return emit_ready(out);
}

Status AsyncLookupJoinOperator::handle(LookupDone& done) {
  auto it = requests_.find(done.id);
  if (it == requests_.end()) return Status::internal("lookup join: an unknown lookup finished");
  Request request = std::move(it->second);
  requests_.erase(it);
  if (!done.reply.status.is_ok()) {
    if (done.reply.timed_out) ++timeouts_;
    switch (decide_lookup_failure(table_->timeout_policy, done.reply.timed_out, request.attempt, table_->max_retries)) {
      case LookupRetryDecision::kRetry:
        ++request.attempt;
        return submit(std::move(request));
      case LookupRetryDecision::kEmitNull:
        for (const std::string& key : request.keys) resolve(key, nullptr, true);
        return Status::ok();
      case LookupRetryDecision::kFail: {
        Status st = done.reply.status;
        const std::string tries = request.attempt > 1 ? " (after " + std::to_string(request.attempt) + " attempts)" : "";
        return Status(st.code(), st.message() + tries, st.retryable());
      }
    }
  }
  // Each key's rows, grouped by the table's key bytes.
  absl::flat_hash_map<std::string, std::vector<std::string>> rows;
  const RecordBatch* b = done.reply.rows.get();
  std::string key;
  for (size_t r = 0; b && r < b->num_rows; ++r) {
    join_key_bytes(right_, *b, r, key);
    if (join_key_has_null(key)) continue;
    bytes_.clear();
    join_row_bytes(right_, *b, r, bytes_);
    rows[key].push_back(bytes_);
  }
  const int64_t now = now_ms();
  for (const std::string& k : request.keys) {
    auto found = rows.find(k);
    auto list = std::make_shared<const std::vector<std::string>>(
        found == rows.end() ? std::vector<std::string>{} : std::move(found->second));
    cache_->put(k, list, now);
    resolve(k, list, false);
  }
  return Status::ok();
}

void AsyncLookupJoinOperator::resolve(const std::string& key, const LookupRows& rows, bool nulled) {
  auto waiters = inflight_keys_.find(key);
  if (waiters == inflight_keys_.end()) return;
  for (uint64_t id : waiters->second) {
    Pending& p = pending_.at(id);
    if (nulled) p.nulled.insert(key);
    else p.found.emplace(key, rows);
    if (--p.waiting == 0) queue_->complete(id);
  }
  inflight_keys_.erase(waiters);
}

Status AsyncLookupJoinOperator::emit_ready(Collector& out) {
  ready_.clear();
  queue_->pop_ready(ready_);
  for (uint64_t id : ready_) {
    auto it = pending_.find(id);
    Status st = emit(it->second, out);
    pending_.erase(it);
    EDDY_RETURN_IF_ERROR(st);
  }
  return Status::ok();
}

Status AsyncLookupJoinOperator::emit(Pending& p, Collector& out) {
  const RecordBatch& batch = *p.batch;
  arena_.clear();
  candidates_.clear();
  owner_.clear();
  std::vector<uint32_t> probe(batch.num_rows);
  std::vector<uint8_t> retract(batch.num_rows), nulled(batch.num_rows);
  for (size_t r = 0; r < batch.num_rows; ++r) {
    EDDY_ASSIGN_OR_RETURN(RowChange change, row_change(left_, batch, r));
    retract[r] = change == RowChange::kRetract;
    bytes_.clear();
    join_row_bytes(left_, batch, r, bytes_);
    probe[r] = arena_.add(bytes_);
    const std::string& key = p.keys[r];
    if (join_key_has_null(key)) continue;
    if (p.nulled.count(key)) {
      nulled[r] = 1;
      continue;
    }
    auto hit = p.found.find(key);
    if (hit == p.found.end() || !hit->second) continue;
    for (const std::string& row : *hit->second) {
      candidates_.push_back({probe[r], arena_.refer(row), retract[r] != 0, 0, 0});
      owner_.push_back(static_cast<uint32_t>(r));
    }
  }
  EDDY_RETURN_IF_ERROR(output_->residual(arena_, candidates_, pass_));
  out_.clear();
  const bool pad = config_->type == JoinType::kLeft;
  size_t c = 0;
  for (size_t r = 0; r < batch.num_rows; ++r) {
    bool matched = false;
    for (; c < candidates_.size() && owner_[c] == r; ++c)
      if (pass_[c]) {
        out_.push_back(candidates_[c]);
        matched = true;
      }
    // A row whose lookup timed out under policy null goes on with NULLs, in
    // an inner join too, so no input row disappears without a count.
    if (nulled[r]) ++null_rows_;
    if (!matched && (pad || nulled[r])) out_.push_back({probe[r], RowArena::kNull, retract[r] != 0, 0, 0});
  }
  return output_->emit(arena_, out_, out);
}

Status AsyncLookupJoinOperator::drain(Collector& out) {
  while (!queue_->empty()) EDDY_RETURN_IF_ERROR(step(kWaitMs, out));
  return Status::ok();
}

void AsyncLookupJoinOperator::arm_timer() {
  if (!timers_ || queue_->empty()) return;
  const int64_t at = timers_->now_ms() + kPollMs;
  if (timer_at_ != 0 && timer_at_ <= at) return;
  timer_at_ = at;
  timers_->register_processing_timer(at);
}

Status AsyncLookupJoinOperator::on_processing_time(int64_t now_ms, Collector& out) {
  if (timer_at_ != 0 && now_ms >= timer_at_) timer_at_ = 0;
  if (!queue_) return Status::ok();
  EDDY_RETURN_IF_ERROR(step(0, out));
  arm_timer();
  return Status::ok();
}

Status AsyncLookupJoinOperator::on_watermark(int64_t, Collector& out) {
  // The host passes the watermark on when this returns: no row before it may follow it.
  return queue_ ? drain(out) : Status::ok();
}

Status AsyncLookupJoinOperator::prepare_snapshot_pre_barrier(int64_t, Collector& out) {
  return queue_ ? drain(out) : Status::ok();
}

Status AsyncLookupJoinOperator::finish(Collector& out) { return queue_ ? drain(out) : Status::ok(); }

Status AsyncLookupJoinOperator::close() {
  if (executor_) executor_->stop();
  executor_.reset();
  return Status::ok();
}

OperatorCounters AsyncLookupJoinOperator::counters() const {
  OperatorCounters c;
  c.lookup_cache_hits = hits_;
  c.lookup_cache_misses = misses_;
  c.lookup_timeouts = timeouts_;
  c.lookup_null_rows = null_rows_;
  return c;
}

}  // namespace eddy
