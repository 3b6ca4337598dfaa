// RedisSink: rows to Redis hashes or streams (redis_sink.h).
#include "connectors/redis_sink.h"

#include <charconv>
#include <optional>

#include "connectors/redis_commands.h"
#include "connectors/redis_connection.h"
#include "connectors/redis_sink_state.h"
#include "connectors/secrets.h"

namespace eddy {
namespace {

constexpr int64_t kTimeoutMs = 10000;
constexpr const char* kWho = "redis sink";

class RedisSink : public Operator {
 public:
  RedisSink(RedisSinkConfig config, SchemaPtr input) : config_(std::move(config)), input_(std::move(input)) {}

  Status open(const OperatorContext& ctx) override {
    EDDY_ASSIGN_OR_RETURN(RedisRowCommands rows, RedisRowCommands::make(config_, input_));
    rows_.emplace(std::move(rows));
    EDDY_ASSIGN_OR_RETURN(std::string password, expand_env(config_.endpoint.password, "password", process_env, kWho));
    EDDY_ASSIGN_OR_RETURN(conn_, RedisConnection::connect(config_.endpoint, password, kTimeoutMs, kWho));
    transactional_ = ctx.checkpoints && config_.guarantee == DeliveryGuarantee::kExactlyOnce;
    marker_field_ = redis_marker_field(ctx.output_tag, ctx.operator_name, ctx.subtask_index);
    timers_ = ctx.timers;
    if (timers_ && config_.flush_interval_ms > 0 && !transactional_)
      timers_->register_processing_timer(timers_->now_ms() + config_.flush_interval_ms);
    return Status::ok();
  }

  Status process(const RecordBatchPtr& batch, Collector&) override {
    rows_->append(*batch, buffer_);
    if (!transactional_ && buffer_.commands() >= static_cast<size_t>(config_.flush_max_rows)) return flush();
    return Status::ok();
  }

  Status on_processing_time(int64_t now_ms, Collector&) override {
    timers_->register_processing_timer(now_ms + config_.flush_interval_ms);
    return flush();
  }

  // The end sends everything: what earlier checkpoints hold first, then the
  // rows since the last barrier (exactly-once too: no checkpoint follows).
  Status finish(Collector&) override {
    EDDY_RETURN_IF_ERROR(commit_up_to(INT64_MAX));
    transactional_ = false;
    return flush();
  }

  Status close() override {
    conn_.reset();
    return Status::ok();
  }

  Status snapshot_operator_state(int64_t checkpoint_id, std::string& out) override {
    out.clear();
    if (!transactional_) {
      return config_.guarantee == DeliveryGuarantee::kNone ? Status::ok() : flush();
    }
    pending_.push_back({checkpoint_id, marker_field_, std::move(buffer_)});
    buffer_ = RedisCommandBuffer();
    out = encode_redis_sink_state(pending_);
    return Status::ok();
  }

  Status notify_checkpoint_complete(int64_t checkpoint_id) override { return commit_up_to(checkpoint_id); }

  // The restored checkpoint completed, so every commit its states list is
  // due; those whose id the marker already records were sent before.
  Status restore_operator_state(const std::vector<std::string>& states) override {
    for (const auto& s : states) {
      if (s.empty()) continue;
      EDDY_ASSIGN_OR_RETURN(std::vector<RedisPendingCommit> listed, decode_redis_sink_state(s));
      for (auto& p : listed) {
        EDDY_ASSIGN_OR_RETURN(int64_t done, committed(p.marker_field));
        if (p.checkpoint_id > done) EDDY_RETURN_IF_ERROR(commit(p));
      }
    }
    return Status::ok();
  }

  SchemaPtr output_schema() const override { return input_; }
  bool blocking_io() const override { return true; }

 private:
  Status flush() {
    if (transactional_ || buffer_.empty()) return Status::ok();
    EDDY_RETURN_IF_ERROR(conn_->pipeline(buffer_));
    buffer_.clear();
    return Status::ok();
  }

  Status commit_up_to(int64_t checkpoint_id) {
    size_t n = 0;
    while (n < pending_.size() && pending_[n].checkpoint_id <= checkpoint_id) {
      EDDY_RETURN_IF_ERROR(commit(pending_[n]));
      ++n;
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    return Status::ok();
  }

  // One checkpoint's commands and its marker, all or nothing.
  Status commit(const RedisPendingCommit& p) {
    RedisCommandBuffer tx;
    tx.begin(1);
    tx.arg("MULTI");
    EDDY_RETURN_IF_ERROR(p.commands.for_each([&](const std::vector<const char*>& argv, const std::vector<size_t>& lens) {
      tx.begin(static_cast<uint32_t>(argv.size()));
      for (size_t i = 0; i < argv.size(); ++i) tx.arg(std::string_view(argv[i], lens[i]));
      return Status::ok();
    }));
    tx.begin(4);
    tx.arg("HSET");
    tx.arg(kRedisCommitMarkerKey);
    tx.arg(p.marker_field);
    tx.arg(std::to_string(p.checkpoint_id));
    tx.begin(1);
    tx.arg("EXEC");
    return conn_->pipeline(tx);
  }

  // The last checkpoint id `field` committed (0: none).
  Result<int64_t> committed(const std::string& field) {
    EDDY_ASSIGN_OR_RETURN(std::string text, conn_->command({"HGET", kRedisCommitMarkerKey, field}));
    int64_t id = 0;
    if (!text.empty()) std::from_chars(text.data(), text.data() + text.size(), id);
    return id;
  }

  RedisSinkConfig config_;
  SchemaPtr input_;
  std::optional<RedisRowCommands> rows_;
  std::unique_ptr<RedisConnection> conn_;
  TimerService* timers_ = nullptr;
  bool transactional_ = false;
  std::string marker_field_;
  RedisCommandBuffer buffer_;                 // commands not yet sent
  std::vector<RedisPendingCommit> pending_;   // exactly-once: by checkpoint, oldest first
};

}  // namespace

OperatorPtr make_redis_sink(const RedisSinkConfig& config, SchemaPtr input) {
  return std::make_unique<RedisSink>(config, std::move(input));
}

}  // namespace eddy
