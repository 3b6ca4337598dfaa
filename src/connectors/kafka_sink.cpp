// The kafka sink (kafka_sink.h). Exactly-once, and what a crash can do to it,
// is described in docs/connectors.md ("Kafka", "Delivery guarantees"). In
// short: the transaction pre-committed at barrier n commits when checkpoint n
// completes, together with a marker -- the transaction's random token as the
// consumer-group offset of group "<transactional id>-eddy-commits" on partition
// 0 of the topic, sent with
// send_offsets_to_transaction so it commits atomically with the records (and
// committed plainly right after, for brokers that drop transactional offset
// commits, as librdkafka's mock does). The
// checkpoint state keeps the pre-committed records; a restore first lets
// init_transactions finish or abort whatever the old producer left open, then
// reads the marker: the token of transaction n means it committed (and
// nothing of that producer since); anything else means it did not, so its
// records are produced again and committed at once, with its token as marker.
// Tokens, not checkpoint ids: ids restart in a new checkpoint directory, and a
// stale higher id must never pass for a commit (that would lose records).
#include "connectors/kafka_sink.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <random>

#include "connectors/csv_format.h"
#include "connectors/kafka_client.h"
#include "connectors/kafka_transactions.h"
#include "connectors/text_writer.h"

namespace eddy {
namespace {

constexpr int kMetadataTimeoutMs = 10000;
constexpr int kTxnTimeoutMs = 60000;     // init, commit, abort, send offsets
constexpr int kFlushTimeoutMs = 120000;  // a barrier's flush

/// Splits formatted rows into one string per row: at '\n' outside CSV quotes.
void split_rows(const std::string& text, bool csv, std::vector<std::string>& out) {
  size_t start = 0;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (csv && c == '"') quoted = !quoted;
    if (c == '\n' && !quoted) {
      out.emplace_back(text, start, i - start);
      start = i + 1;
    }
  }
  if (start < text.size()) out.emplace_back(text, start);
}

class KafkaSink : public Operator {
 public:
  KafkaSink(KafkaSinkConfig config, SchemaPtr input, std::string what)
      : config_(std::move(config)), input_(std::move(input)), what_(std::move(what)) {}

  ~KafkaSink() override { release(); }

  Status open(const OperatorContext& ctx) override {
    subtask_ = ctx.subtask_index;
    exactly_once_ = config_.delivery == KafkaDelivery::kExactlyOnce;
    EDDY_RETURN_IF_ERROR(make_formats());
    EDDY_ASSIGN_OR_RETURN(client_, KafkaClient::make({config_.bootstrap_servers, config_.properties, what_}));
    std::vector<std::pair<std::string, std::string>> extra = {
        {"linger.ms", "5"},
        {"partitioner", "murmur2_random"},  // keys land where Java clients put them
        {"acks", config_.delivery == KafkaDelivery::kNone ? "1" : "all"},
    };
    if (exactly_once_) {
      extra.emplace_back("transactional.id", kafka_transactional_id(config_.transactional_id_prefix, subtask_));
      extra.emplace_back("transaction.timeout.ms", std::to_string(config_.transaction_timeout_ms));
    }
    EDDY_ASSIGN_OR_RETURN(rk_, client_->open(RD_KAFKA_PRODUCER, with_reports(extra), &KafkaSink::on_delivery));
    EDDY_ASSIGN_OR_RETURN(auto parts, client_->partitions(rk_.get(), config_.topic, kMetadataTimeoutMs));
    partitions_ = static_cast<int32_t>(parts.size());
    topic_ = rd_kafka_topic_new(rk_.get(), config_.topic.c_str(), nullptr);
    if (exactly_once_) {
      // Aborts (or finishes committing) what an earlier run of this subtask left open.
      EDDY_RETURN_IF_ERROR(txn_call("init_transactions", rd_kafka_init_transactions(rk_.get(), kTxnTimeoutMs)));
      EDDY_RETURN_IF_ERROR(begin());
    }
    return Status::ok();
  }

  Status process(const RecordBatchPtr& batch, Collector&) override {
    EDDY_RETURN_IF_ERROR(reported());
    rows_.clear();
    keys_.clear();
    EDDY_RETURN_IF_ERROR(format(*batch));
    for (size_t i = 0; i < rows_.size(); ++i) {
      KafkaRecord rec;
      rec.value = std::move(rows_[i]);
      if (!keys_.empty()) rec.key = std::move(keys_[i]);
      rec.partition = partition_for(rec);
      if (exactly_once_ && !txns_.writes_through()) {
        held_.push_back(std::move(rec));
        continue;
      }
      EDDY_RETURN_IF_ERROR(produce(rec));
      if (exactly_once_) in_txn_.push_back(std::move(rec));
    }
    rd_kafka_poll(rk_.get(), 0);  // delivery reports
    return reported();
  }

  Status snapshot_operator_state(int64_t checkpoint_id, std::string& out) override {
    out.clear();
    if (config_.delivery == KafkaDelivery::kNone) return Status::ok();
    if (exactly_once_) {
      for (auto& rec : held_) {
        EDDY_RETURN_IF_ERROR(produce(rec));
        in_txn_.push_back(std::move(rec));
      }
      held_.clear();
    }
    EDDY_RETURN_IF_ERROR(flush());
    if (!exactly_once_) return Status::ok();
    txns_.precommitted(checkpoint_id);
    KafkaSinkState state;
    state.checkpoint_id = checkpoint_id;
    state.subtask = subtask_;
    state.token = token_;
    state.records = in_txn_;
    out = encode_kafka_sink_state(state);
    return Status::ok();
  }

  Status notify_checkpoint_complete(int64_t checkpoint_id) override {
    if (!exactly_once_ || !txns_.commits_on(checkpoint_id)) return Status::ok();
    EDDY_RETURN_IF_ERROR(commit({{subtask_, token_}}));
    EDDY_RETURN_IF_ERROR(begin());
    for (auto& rec : held_) {
      EDDY_RETURN_IF_ERROR(produce(rec));
      in_txn_.push_back(std::move(rec));
    }
    held_.clear();
    return Status::ok();
  }

  Status restore_operator_state(const std::vector<std::string>& states) override {
    if (!exactly_once_) return Status::ok();
    std::vector<KafkaSinkState> restored;
    for (const auto& bytes : states) {
      if (bytes.empty()) continue;
      EDDY_ASSIGN_OR_RETURN(KafkaSinkState s, decode_kafka_sink_state(bytes));
      restored.push_back(std::move(s));
    }
    std::vector<std::pair<int32_t, int64_t>> markers;  // (old subtask, token) of the transactions replayed
    size_t replayed = 0;
    for (const KafkaSinkState& s : restored) {
      // Another old subtask's producer (rescaled): finish its open transaction first.
      if (s.subtask != subtask_) EDDY_RETURN_IF_ERROR(fence(s.subtask));
      EDDY_ASSIGN_OR_RETURN(int64_t marker, committed_marker(s.subtask));
      if (marker == s.token) continue;  // that very transaction committed last
      markers.emplace_back(s.subtask, s.token);
      for (const KafkaRecord& rec : s.records) {
        EDDY_RETURN_IF_ERROR(produce(rec));
        ++replayed;
      }
    }
    restored_replays_ += replayed;
    if (!markers.empty()) {  // the records of completed checkpoints: commit them now, with their markers
      EDDY_RETURN_IF_ERROR(flush());
      EDDY_RETURN_IF_ERROR(commit(markers));
      EDDY_RETURN_IF_ERROR(begin());
    }
    return Status::ok();
  }

  Status finish(Collector&) override {
    if (exactly_once_) {
      for (auto& rec : held_) EDDY_RETURN_IF_ERROR(produce(rec));
      held_.clear();
      EDDY_RETURN_IF_ERROR(flush());
      // The end of a bounded input commits everything, as the file sink does.
      EDDY_RETURN_IF_ERROR(commit({{subtask_, token_}}));
      return Status::ok();
    }
    return config_.delivery == KafkaDelivery::kNone ? Status::ok() : flush();
  }

  Status close() override {
    release();
    return Status::ok();
  }

  SchemaPtr output_schema() const override { return input_; }
  bool blocking_io() const override { return true; }

 private:
  /// librdkafka's delivery report (on this thread, inside rd_kafka_poll/flush):
  /// only failures come (delivery.report.only.error); the first one is kept.
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    auto* self = static_cast<KafkaSink*>(m->_private);
    if (!m->err || !self || self->failed_) return;
    self->failed_ = true;
    self->failure_ = m->err;
  }

  std::vector<std::pair<std::string, std::string>> with_reports(std::vector<std::pair<std::string, std::string>> extra) {
    extra.emplace_back("delivery.report.only.error", "true");
    return extra;
  }

  void release() {
    if (exactly_once_ && rk_ && !logged_) {
      // What the transaction tests check (tests/e2e/kafka): one line per subtask.
      std::fprintf(stderr, "eddy: %s subtask %d: %llu transactions begun, %llu committed, %llu records produced "
                           "again on restore\n", what_.c_str(), subtask_, static_cast<unsigned long long>(begun_),
                   static_cast<unsigned long long>(committed_), static_cast<unsigned long long>(restored_replays_));
      logged_ = true;
    }
    if (topic_) rd_kafka_topic_destroy(topic_);
    topic_ = nullptr;
    marker_rk_.reset();
    other_marker_rk_.reset();
    rk_.reset();  // an open transaction is left to the next init_transactions (or its timeout)
  }

  Status make_formats() {
    if (config_.format == KafkaFormat::kRaw) {
      if (input_->size() != 1 || input_->field(0).type != DataType::kString)
        return Status::invalid(what_ + ": format 'raw' writes one string column, but the input has " +
                               input_->to_string());
    } else {
      writer_ = std::make_unique<TextWriter>(config_.format == KafkaFormat::kCsv ? FileFormat::kCsv : FileFormat::kJsonl,
                                             input_);
    }
    std::vector<Field> key_fields;
    for (const auto& name : config_.key_fields) {
      const int i = input_->index_of(name);
      if (i < 0) return Status::invalid(what_ + ": key.fields names '" + name + "', not a column of " + input_->to_string());
      key_columns_.push_back(static_cast<size_t>(i));
      key_fields.push_back(input_->field(static_cast<size_t>(i)));
    }
    if (!key_columns_.empty()) {
      key_schema_ = std::make_shared<Schema>(key_fields);
      key_writer_ = std::make_unique<CsvWriter>(key_schema_);
    }
    return Status::ok();
  }

  Status format(const RecordBatch& batch) {
    if (!writer_) {
      const Column& c = batch.columns[0];
      for (size_t r = 0; r < batch.num_rows; ++r) rows_.emplace_back(c.is_null(r) ? std::string() : std::string(c.string_at(r)));
    } else {
      text_.clear();
      EDDY_RETURN_IF_ERROR(writer_->append_rows(text_, batch));
      split_rows(text_, config_.format == KafkaFormat::kCsv, rows_);
    }
    if (key_writer_) {
      RecordBatch keys;
      keys.schema = key_schema_;
      keys.num_rows = batch.num_rows;
      for (size_t k : key_columns_) keys.columns.push_back(batch.columns[k]);
      text_.clear();
      key_writer_->append_rows(text_, keys);
      split_rows(text_, true, keys_);
    }
    if (rows_.size() != batch.num_rows || (key_writer_ && keys_.size() != batch.num_rows))
      return Status::internal(what_ + ": formatted " + std::to_string(rows_.size()) + " messages of " +
                              std::to_string(batch.num_rows) + " rows");
    return Status::ok();
  }

  int32_t partition_for(const KafkaRecord& rec) {
    switch (config_.partitioner) {
      case KafkaPartitioner::kFixed: return partitions_ > 0 ? subtask_ % partitions_ : RD_KAFKA_PARTITION_UA;
      case KafkaPartitioner::kRoundRobin:
        return partitions_ > 0 ? static_cast<int32_t>(next_partition_++ % static_cast<uint64_t>(partitions_))
                               : RD_KAFKA_PARTITION_UA;
      case KafkaPartitioner::kDefault: break;  // librdkafka: the key's hash, else sticky
    }
    return RD_KAFKA_PARTITION_UA;
  }

  Status produce(const KafkaRecord& rec) {
    for (;;) {
      if (rd_kafka_produce(topic_, rec.partition, RD_KAFKA_MSG_F_COPY, const_cast<char*>(rec.value.data()),
                           rec.value.size(), rec.key.empty() ? nullptr : rec.key.data(), rec.key.size(), this) == 0)
        return Status::ok();
      const rd_kafka_resp_err_t e = rd_kafka_last_error();
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
        return client_->error("cannot produce to topic " + config_.topic + ": " + rd_kafka_err2str(e), true);
      rd_kafka_poll(rk_.get(), 10);  // the local queue is full: wait for deliveries
      EDDY_RETURN_IF_ERROR(reported());
    }
  }

  Status flush() {
    const rd_kafka_resp_err_t e = rd_kafka_flush(rk_.get(), kFlushTimeoutMs);
    EDDY_RETURN_IF_ERROR(reported());
    if (e) return client_->error("flushing to topic " + config_.topic + ": " + rd_kafka_err2str(e), true);
    return Status::ok();
  }

  /// The first failed delivery, as an error (the job restarts from its checkpoint).
  Status reported() {
    if (!failed_) {
      failure_ = rd_kafka_fatal_error(rk_.get(), nullptr, 0);
      failed_ = failure_ != RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    if (!failed_) return Status::ok();
    return client_->error(std::string("a message to topic ") + config_.topic + " was not delivered: " +
                              rd_kafka_err2str(failure_), true);
  }

  Status txn_call(const char* what, rd_kafka_error_t* err) {
    if (!err) return Status::ok();
    const std::string text = rd_kafka_error_string(err);
    rd_kafka_error_destroy(err);
    return client_->error(std::string(what) + " (transactional.id " +
                              kafka_transactional_id(config_.transactional_id_prefix, subtask_) + "): " + text, true);
  }

  /// A new transaction, with a token of its own (its marker when it commits).
  Status begin() {
    EDDY_RETURN_IF_ERROR(txn_call("begin_transaction", rd_kafka_begin_transaction(rk_.get())));
    txns_.began();
    token_ = static_cast<int64_t>(random_() >> 2);  // an offset: not negative
    ++begun_;
    return Status::ok();
  }

  /// Commits the open transaction, and in it each marker: the token of a
  /// transaction whose records it holds, as the offset of partition 0 of the
  /// topic for consumer group "<transactional id of that subtask>-eddy-commits".
  Status commit(const std::vector<std::pair<int32_t, int64_t>>& markers) {
    for (const auto& [subtask, token] : markers) {
      rd_kafka_topic_partition_list_t* marker = rd_kafka_topic_partition_list_new(1);
      rd_kafka_topic_partition_list_add(marker, config_.topic.c_str(), 0)->offset = token;
      rd_kafka_consumer_group_metadata_t* group = rd_kafka_consumer_group_metadata_new(marker_group(subtask).c_str());
      rd_kafka_error_t* err = rd_kafka_send_offsets_to_transaction(rk_.get(), marker, group, kTxnTimeoutMs);
      rd_kafka_consumer_group_metadata_destroy(group);
      rd_kafka_topic_partition_list_destroy(marker);
      EDDY_RETURN_IF_ERROR(txn_call("send_offsets_to_transaction", err));
    }
    EDDY_RETURN_IF_ERROR(txn_call("commit_transaction", rd_kafka_commit_transaction(rk_.get(), kTxnTimeoutMs)));
    txns_.ended();
    in_txn_.clear();
    ++committed_;
    for (const auto& [subtask, token] : markers) mark_committed(subtask, token);
    return Status::ok();
  }

  /// The marker again, committed plainly after the transaction: brokers that
  /// do not keep transactional offset commits (librdkafka's mock) still learn
  /// it. Only a crash between the two commits leaves it behind, and then a
  /// restore produces that checkpoint's records again (duplicates, never loss).
  void mark_committed(int32_t subtask, int64_t token) {
    KafkaHandle& handle = subtask == subtask_ ? marker_rk_ : other_marker_rk_;
    if (!handle || subtask != subtask_) {
      auto c = client_->open(RD_KAFKA_CONSUMER, {{"group.id", marker_group(subtask)}, {"enable.auto.commit", "false"}});
      if (!c.ok()) return;
      handle = std::move(*c);
    }
    rd_kafka_topic_partition_list_t* marker = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(marker, config_.topic.c_str(), 0)->offset = token;
    const rd_kafka_resp_err_t e = rd_kafka_commit(handle.get(), marker, 0);
    rd_kafka_topic_partition_list_destroy(marker);
    if (subtask != subtask_) other_marker_rk_.reset();
    if (e)
      std::fprintf(stderr, "eddy: %s: a commit marker was not stored (%s); a restore from that checkpoint would "
                           "write its records again\n", what_.c_str(), rd_kafka_err2str(e));
  }

  std::string marker_group(int32_t subtask) const {
    return kafka_transactional_id(config_.transactional_id_prefix, subtask) + "-eddy-commits";
  }

  /// The token of the transaction subtask `subtask` committed last (-1: none).
  Result<int64_t> committed_marker(int32_t subtask) {
    EDDY_ASSIGN_OR_RETURN(KafkaHandle c, client_->open(RD_KAFKA_CONSUMER, {{"group.id", marker_group(subtask)},
                                                                           {"enable.auto.commit", "false"}}));
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, config_.topic.c_str(), 0);
    const rd_kafka_resp_err_t e = rd_kafka_committed(c.get(), list, kTxnTimeoutMs);
    const int64_t offset = list->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(list);
    rd_kafka_consumer_close(c.get());
    if (e) return client_->error(std::string("reading the commit marker of ") + marker_group(subtask) + ": " +
                                     rd_kafka_err2str(e), true);
    return offset < 0 ? int64_t{-1} : offset;
  }

  /// init_transactions with another old subtask's transactional.id (rescaled restore).
  Status fence(int32_t old_subtask) {
    EDDY_ASSIGN_OR_RETURN(KafkaHandle p, client_->open(RD_KAFKA_PRODUCER,
                                                        {{"transactional.id", kafka_transactional_id(
                                                                                  config_.transactional_id_prefix, old_subtask)}}));
    return txn_call("init_transactions", rd_kafka_init_transactions(p.get(), kTxnTimeoutMs));
  }

  KafkaSinkConfig config_;
  SchemaPtr input_;
  std::string what_;
  std::optional<KafkaClient> client_;
  KafkaHandle rk_;
  KafkaHandle marker_rk_;  // exactly-once: commits the marker plainly (mark_committed)
  KafkaHandle other_marker_rk_;  // the same for an old subtask's group, at a rescaled restore
  std::mt19937_64 random_{std::random_device{}()};  // transaction tokens
  int64_t token_ = -1;  // the open transaction's token
  rd_kafka_topic_t* topic_ = nullptr;
  int32_t partitions_ = 0;
  int32_t subtask_ = 0;
  uint64_t next_partition_ = 0;
  bool exactly_once_ = false;
  std::unique_ptr<TextWriter> writer_;  // null: raw
  std::vector<size_t> key_columns_;
  SchemaPtr key_schema_;
  std::unique_ptr<CsvWriter> key_writer_;
  std::string text_;
  std::vector<std::string> rows_, keys_;
  KafkaTransactions txns_;
  std::vector<KafkaRecord> in_txn_;  // produced into the open transaction (the checkpoint state)
  std::vector<KafkaRecord> held_;    // waiting for the pre-committed transaction to commit
  bool failed_ = false;
  rd_kafka_resp_err_t failure_ = RD_KAFKA_RESP_ERR_NO_ERROR;
  uint64_t begun_ = 0, committed_ = 0, restored_replays_ = 0;
  bool logged_ = false;
};

}  // namespace

OperatorPtr make_kafka_sink(const KafkaSinkConfig& config, SchemaPtr input, std::string what) {
  return std::make_unique<KafkaSink>(config, std::move(input), std::move(what));
}

}  // namespace eddy
