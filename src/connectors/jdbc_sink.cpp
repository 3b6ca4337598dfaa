// JdbcSink: buffered writes to PostgreSQL, committed per flush without
// checkpoints and by two-phase commit with them (jdbc_sink.h).
#include "connectors/jdbc_sink.h"

#include <chrono>
#include <cstdlib>
#include <map>
#include <thread>

#include "connectors/jdbc_buffer.h"
#include "connectors/jdbc_options.h"
#include "connectors/jdbc_statements.h"
#include "connectors/jdbc_transactions.h"
#include "connectors/pg_connection.h"

namespace eddy {
namespace {

constexpr int32_t kConnectTimeoutS = 10;
constexpr const char* kLockTimeout = "60s";
constexpr const char* kUndefinedObject = "42704";  // COMMIT PREPARED of an id that is gone
constexpr const char* kUndefinedTable = "42P01";

class JdbcSink : public Operator {
 public:
  JdbcSink(JdbcSinkConfig config, SchemaPtr input) : config_(std::move(config)), input_(std::move(input)) {}

  Status open(const OperatorContext& ctx) override {
    EDDY_ASSIGN_OR_RETURN(address_, parse_jdbc_url(config_.url));
    EDDY_ASSIGN_OR_RETURN(user_, expand_env(config_.username, "username", process_env, "jdbc sink"));
    EDDY_ASSIGN_OR_RETURN(password_, expand_env(config_.password, "password", process_env, "jdbc sink"));
    EDDY_RETURN_IF_ERROR(make_statements());
    checkpoints_ = ctx.checkpoints;
    index_ = ctx.subtask_index;
    parallelism_ = ctx.parallelism;
    prefix_ = jdbc_gid_prefix(ctx.output_tag, ctx.operator_name);
    timers_ = ctx.timers;
    EDDY_RETURN_IF_ERROR(connect());
    EDDY_RETURN_IF_ERROR(check_server());
    if (timers_ && config_.flush_interval_ms > 0)
      timers_->register_processing_timer(timers_->now_ms() + config_.flush_interval_ms);
    return Status::ok();
  }

  Status process(const RecordBatchPtr& batch, Collector&) override {
    EDDY_RETURN_IF_ERROR(buffer_->add(*batch));
    if (!holds_until_barrier() && buffer_->size() >= static_cast<size_t>(config_.flush_max_rows)) return flush();
    return Status::ok();
  }

  Status on_processing_time(int64_t now_ms, Collector&) override {
    timers_->register_processing_timer(now_ms + config_.flush_interval_ms);
    return holds_until_barrier() ? Status::ok() : flush();
  }

  // The end commits everything, as the file sink does: what is prepared
  // first, so the last rows never wait for its locks.
  Status finish(Collector&) override {
    EDDY_RETURN_IF_ERROR(commit_up_to(INT64_MAX));
    EDDY_RETURN_IF_ERROR(flush());
    if (in_transaction_) {
      EDDY_RETURN_IF_ERROR(conn_->exec("COMMIT"));
      in_transaction_ = false;
    }
    return Status::ok();
  }

  // Failure or cancellation: the open transaction dies with the connection;
  // prepared ones wait for a restore.
  Status close() override {
    conn_.reset();
    control_.reset();
    return Status::ok();
  }

  // Upserts wait while an earlier checkpoint's transaction is still
  // prepared (its completion came late, or it was aborted): its row locks
  // would block them. They are carried in this checkpoint's state instead
  // and written at a later barrier.
  Status snapshot_operator_state(int64_t checkpoint_id, std::string& out) override {
    JdbcSinkState state;
    if (holds_until_barrier() && !pending_.empty()) {
      state.carried = buffer_->save();
    } else {
      EDDY_RETURN_IF_ERROR(flush());
      EDDY_RETURN_IF_ERROR(prepare(checkpoint_id));
    }
    for (const auto& [id, gid] : pending_) state.gids.push_back(gid);
    out = encode_jdbc_state(state);
    return Status::ok();
  }

  Status notify_checkpoint_complete(int64_t checkpoint_id) override { return commit_up_to(checkpoint_id); }

  Status restore_operator_state(const std::vector<std::string>& states) override {
    std::vector<std::string> listed;
    for (const auto& s : states) {
      EDDY_ASSIGN_OR_RETURN(JdbcSinkState state, decode_jdbc_state(s));
      listed.insert(listed.end(), state.gids.begin(), state.gids.end());
      EDDY_RETURN_IF_ERROR(buffer_->load(state.carried));
    }
    EDDY_RETURN_IF_ERROR(resolve(listed));
    // Changes the restored checkpoint carried were due at one of its barriers.
    // Written now, before the job reads a row, they precede every later change
    // of their keys on whichever subtask those arrive (a rescaled restore can
    // hand this one keys it no longer receives). Written again by a second
    // restore from the same checkpoint, they leave the same rows.
    return buffer_->empty() ? Status::ok() : flush_autocommit(buffer_->take());
  }

  SchemaPtr output_schema() const override { return input_; }
  bool blocking_io() const override { return true; }

 private:
  Status make_statements();
  Status connect();
  Status check_server();
  Status flush();
  Status flush_autocommit(const std::vector<std::string>& statements);
  Status resolve(const std::vector<std::string>& listed);
  Status connect_control();
  Status end_prepared(const char* verb, const std::string& gid);

  // Upserts with checkpoints wait for the barrier: the transaction prepared
  // at the last barrier holds its keys' row locks until that checkpoint
  // completes, so writing one of them before then would wait for a commit
  // this very thread has to make. The buffer keeps one change per key, so it
  // stays as large as the keys one interval touches.
  Status prepare(int64_t checkpoint_id) {
    if (!in_transaction_) return Status::ok();
    const std::string gid = jdbc_gid(prefix_, index_, checkpoint_id);
    EDDY_RETURN_IF_ERROR(conn_->exec("PREPARE TRANSACTION " + conn_->literal(gid)));
    in_transaction_ = false;
    pending_[checkpoint_id] = gid;
    return Status::ok();
  }

  bool holds_until_barrier() const { return checkpoints_ && !statements_->key().empty(); }

  Status commit_up_to(int64_t checkpoint_id) {
    while (!pending_.empty() && pending_.begin()->first <= checkpoint_id) {
      EDDY_RETURN_IF_ERROR(end_prepared("COMMIT", pending_.begin()->second));
      pending_.erase(pending_.begin());
    }
    return Status::ok();
  }

  JdbcSinkConfig config_;
  SchemaPtr input_;
  JdbcAddress address_;
  std::string user_, password_;  // expanded; never in a message
  std::unique_ptr<JdbcStatements> statements_;
  std::unique_ptr<JdbcBuffer> buffer_;
  std::unique_ptr<PgConnection> conn_;     // writes; holds the open transaction
  std::unique_ptr<PgConnection> control_;  // COMMIT/ROLLBACK PREPARED: never in a transaction block
  TimerService* timers_ = nullptr;
  bool checkpoints_ = false;
  bool in_transaction_ = false;
  bool resolved_ = false;                 // leftovers of earlier runs handled
  int32_t index_ = 0, parallelism_ = 1;
  std::string prefix_;                    // of this sink's transaction ids
  std::map<int64_t, std::string> pending_;  // checkpoint id -> prepared gid
};

Status JdbcSink::make_statements() {
  const size_t first = config_.updating ? 1 : 0;
  std::vector<std::string> columns;
  for (size_t i = first; i < input_->size(); ++i) columns.push_back(input_->field(i).name);
  std::vector<size_t> key;
  for (const auto& k : config_.primary_key) {
    const int at = input_->index_of(k);
    if (at < static_cast<int>(first))
      return Status::invalid("jdbc sink: primary key column '" + k + "' is not among the columns written");
    key.push_back(static_cast<size_t>(at) - first);
  }
  if (config_.updating && key.empty())
    return Status::invalid("jdbc sink: an updating stream needs a primary key");
  statements_ = std::make_unique<JdbcStatements>(config_.table, std::move(columns), std::move(key));
  buffer_ = std::make_unique<JdbcBuffer>(*statements_, config_.updating);
  return Status::ok();
}

Status JdbcSink::connect() {
  in_transaction_ = false;
  EDDY_ASSIGN_OR_RETURN(conn_, PgConnection::connect(address_, user_, password_, kConnectTimeoutS));
  // A checkpoint that never completes (aborted after this sink prepared)
  // keeps its rows locked; a write waiting on them fails after this, and the
  // restart strategy's restore resolves the transaction instead of a hang.
  return checkpoints_ ? conn_->exec(std::string("SET lock_timeout = '") + kLockTimeout + "'") : Status::ok();
}

// The table and its columns exist; exactly-once needs prepared transactions.
Status JdbcSink::check_server() {
  std::string state;
  Status s = conn_->exec(statements_->probe(), &state);
  if (!s.is_ok() && state == kUndefinedTable)
    return Status::not_found("jdbc sink: table '" + config_.table + "' does not exist in database '" +
                             address_.database + "' at " + address_.endpoint());
  EDDY_RETURN_IF_ERROR(s);
  if (!checkpoints_) return Status::ok();
  EDDY_ASSIGN_OR_RETURN(std::vector<std::string> max, conn_->column("SHOW max_prepared_transactions"));
  if (max.empty() || max[0] == "0")
    return Status::invalid("jdbc sink: exactly-once needs prepared transactions, but max_prepared_transactions "
                           "is 0 on the PostgreSQL server at " + address_.endpoint() +
                           "; set it above 0 (e.g. to max_connections) and restart the server");
  return Status::ok();
}

Status JdbcSink::flush() {
  if (checkpoints_ && !resolved_) EDDY_RETURN_IF_ERROR(resolve({}));
  if (buffer_->empty()) return Status::ok();
  const std::vector<std::string> statements = buffer_->take();
  if (!checkpoints_) return flush_autocommit(statements);
  if (!in_transaction_) {
    EDDY_RETURN_IF_ERROR(conn_->exec("BEGIN"));
    in_transaction_ = true;
  }
  for (const auto& sql : statements) EDDY_RETURN_IF_ERROR(conn_->exec(sql));
  return Status::ok();
}

// One transaction per flush, retried on a new connection (Flink's
// sink.max-retries, with its growing pause between attempts).
Status JdbcSink::flush_autocommit(const std::vector<std::string>& statements) {
  Status last = Status::ok();
  for (int64_t attempt = 0; attempt <= config_.max_retries; ++attempt) {
    if (attempt > 0) {
      std::this_thread::sleep_for(std::chrono::seconds(attempt));
      if (!conn_ || !conn_->alive()) {
        Status c = connect();
        if (!c.is_ok()) {
          last = c;
          continue;
        }
      }
    }
    last = conn_->exec("BEGIN");
    for (size_t i = 0; last.is_ok() && i < statements.size(); ++i) last = conn_->exec(statements[i]);
    if (last.is_ok()) last = conn_->exec("COMMIT");
    if (last.is_ok()) return last;
    if (conn_->alive()) (void)conn_->exec("ROLLBACK");  // the retry reports the failure
  }
  return last;
}

// Commits what the restored checkpoint pre-committed and rolls back this
// subtask's share of the sink's other prepared transactions.
Status JdbcSink::resolve(const std::vector<std::string>& listed) {
  resolved_ = true;
  EDDY_RETURN_IF_ERROR(connect_control());
  EDDY_ASSIGN_OR_RETURN(std::vector<std::string> prepared,
                        control_->column("SELECT gid FROM pg_prepared_xacts WHERE database = current_database() AND "
                                      "left(gid, " + std::to_string(prefix_.size()) + ") = " +
                                      control_->literal(prefix_) + " ORDER BY gid"));
  const JdbcResolution r = resolve_jdbc_prepared(prefix_, listed, prepared, index_, parallelism_);
  for (const auto& gid : r.commit) EDDY_RETURN_IF_ERROR(end_prepared("COMMIT", gid));
  for (const auto& gid : r.rollback) EDDY_RETURN_IF_ERROR(end_prepared("ROLLBACK", gid));
  return Status::ok();
}

// A second connection ends prepared transactions: the writing one may be in
// the next checkpoint's transaction already, where COMMIT PREPARED may not run.
Status JdbcSink::connect_control() {
  if (control_ && control_->alive()) return Status::ok();
  EDDY_ASSIGN_OR_RETURN(control_, PgConnection::connect(address_, user_, password_, kConnectTimeoutS));
  return Status::ok();
}

// COMMIT or ROLLBACK PREPARED; an id that no longer exists was ended already.
Status JdbcSink::end_prepared(const char* verb, const std::string& gid) {
  EDDY_RETURN_IF_ERROR(connect_control());
  std::string state;
  Status s = control_->exec(std::string(verb) + " PREPARED " + control_->literal(gid), &state);
  return s.is_ok() || state == kUndefinedObject ? Status::ok() : s;
}

}  // namespace

OperatorPtr make_jdbc_sink(const JdbcSinkConfig& config, SchemaPtr input) {
  return std::make_unique<JdbcSink>(config, std::move(input));
}

}  // namespace eddy
