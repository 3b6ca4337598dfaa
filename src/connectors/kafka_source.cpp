// The kafka source (kafka_source.h).
//
// One consumer per source subtask, shared by the readers of its partitions
// (KafkaConsumerShare): a subtask often reads many partitions, and every
// librdkafka handle runs a thread per broker plus its own, so a handle per
// partition would cost hundreds of threads at 32 partitions. The share assigns
// partitions at the offsets the splits carry (rd_kafka_incremental_assign, no
// group subscription: offsets live in eddy's checkpoints, never in the group),
// drains the consumer queue and routes each message to its partition's buffer;
// each reader parses what its own buffer holds. A reader fills the buffers
// only when its own is empty, and never past kMaxBuffered messages, so memory
// stays bounded whichever partition is fast.
#include "connectors/kafka_source.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <regex>

#include "connectors/csv_format.h"
#include "connectors/jsonl_format.h"
#include "connectors/kafka_client.h"

namespace eddy {
namespace {

constexpr int kMetadataTimeoutMs = 10000;
constexpr size_t kFillBatch = 4096;        // messages taken from the consumer queue at once
constexpr size_t kMaxBuffered = 65536;     // messages held in all partition buffers
constexpr int64_t kIdleRetryUs = 2000;     // poll again after this when nothing has come
constexpr const char* kOrigin = "kafka";   // the parsers' origin; errors are rewritten (name_record)

struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using Message = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

KafkaClientOptions client_options(const KafkaSourceConfig& c, const std::string& what) {
  return {c.bootstrap_servers, c.properties, what};
}

bool transient(rd_kafka_resp_err_t e) {
  return e == RD_KAFKA_RESP_ERR__TRANSPORT || e == RD_KAFKA_RESP_ERR__RESOLVE ||
         e == RD_KAFKA_RESP_ERR__TIMED_OUT || e == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT;
}

/// One consumer and the messages it fetched, by partition (see the file comment).
class KafkaConsumerShare {
 public:
  struct Partition {
    std::string topic;
    int32_t partition = 0;
    std::deque<Message> messages;
  };

  static Result<std::shared_ptr<KafkaConsumerShare>> open(const KafkaSourceConfig& config, const std::string& what,
                                                          const std::string& group_id) {
    auto share = std::make_shared<KafkaConsumerShare>();
    EDDY_ASSIGN_OR_RETURN(share->client_, KafkaClient::make(client_options(config, what)));
    EDDY_ASSIGN_OR_RETURN(share->rk_, share->client_.open(RD_KAFKA_CONSUMER,
                                                          {{"group.id", group_id},
                                                           {"enable.auto.commit", "false"},
                                                           {"enable.auto.offset.store", "false"},
                                                           {"enable.partition.eof", "true"},
                                                           {"auto.offset.reset", "earliest"}}));
    rd_kafka_poll_set_consumer(share->rk_.get());  // errors and logs come through the consumer queue
    share->queue_ = rd_kafka_queue_get_consumer(share->rk_.get());
    return share;
  }

  ~KafkaConsumerShare() {
    parts_.clear();
    if (staged_) {  // the last completed checkpoint's offsets: sent before the close, which waits for them
      rd_kafka_commit(rk_.get(), staged_, 1);
      rd_kafka_topic_partition_list_destroy(staged_);
    }
    if (queue_) rd_kafka_queue_destroy(queue_);
    if (rk_) rd_kafka_consumer_close(rk_.get());
  }

  const KafkaClient& client() const { return client_; }

  Result<Partition*> assign(const std::string& topic, int32_t partition, int64_t offset) {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, topic.c_str(), partition)->offset = offset;
    rd_kafka_error_t* err = rd_kafka_incremental_assign(rk_.get(), list);
    rd_kafka_topic_partition_list_destroy(list);
    if (err) {
      Status s = client_.error("cannot read " + topic + " partition " + std::to_string(partition) + ": " +
                               rd_kafka_error_string(err), true);
      rd_kafka_error_destroy(err);
      return s;
    }
    auto p = std::make_unique<Partition>();
    p->topic = topic;
    p->partition = partition;
    Partition* raw = p.get();
    parts_[{topic, partition}] = std::move(p);
    return raw;
  }

  void unassign(Partition* p) {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, p->topic.c_str(), p->partition);
    if (rd_kafka_error_t* err = rd_kafka_incremental_unassign(rk_.get(), list)) rd_kafka_error_destroy(err);
    rd_kafka_topic_partition_list_destroy(list);
    buffered_ -= p->messages.size();
    routes_.clear();  // may point at p
    parts_.erase({p->topic, p->partition});
  }

  /// Moves what the consumer has fetched to the partitions' buffers.
  Status fill() {
    if (staged_) {  // for monitoring only: asynchronous, and its outcome does not matter
      rd_kafka_commit(rk_.get(), staged_, 1);
      rd_kafka_topic_partition_list_destroy(staged_);
      staged_ = nullptr;
    }
    if (buffered_ >= kMaxBuffered) return Status::ok();
    rd_kafka_message_t* batch[kFillBatch];
    const ssize_t n = rd_kafka_consume_batch_queue(queue_, 0, batch, kFillBatch);
    Status status;
    for (ssize_t i = 0; i < n; ++i) {
      Message m(batch[i]);
      if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (status.is_ok()) status = message_error(*m);
        continue;
      }
      Partition* p = route(*m);
      if (!p) continue;  // a partition no longer read
      p->messages.push_back(std::move(m));
      ++buffered_;
    }
    if (const rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(rk_.get(), nullptr, 0))
      return client_.error(std::string("fatal consumer error: ") + rd_kafka_err2str(fatal), true);
    return status;
  }

  bool any_buffered() const { return buffered_ > 0; }

  /// Offsets of a completed checkpoint for the group, committed together at the next fill().
  void stage_commit(const std::string& topic, int32_t partition, int64_t offset) {
    if (!staged_) staged_ = rd_kafka_topic_partition_list_new(8);
    rd_kafka_topic_partition_list_add(staged_, topic.c_str(), partition)->offset = offset;
  }
  void took(size_t n) { buffered_ -= n; }

 private:
  /// The buffer of a message's partition: cached by topic handle and
  /// partition, so the common case is two vector lookups, no string.
  Partition* route(const rd_kafka_message_t& m) {
    if (!m.rkt || m.partition < 0) return nullptr;
    std::vector<Partition*>& by_partition = routes_[m.rkt];
    const size_t p = static_cast<size_t>(m.partition);
    if (p < by_partition.size() && by_partition[p]) return by_partition[p];
    auto it = parts_.find({rd_kafka_topic_name(m.rkt), m.partition});
    if (it == parts_.end()) return nullptr;
    if (by_partition.size() <= p) by_partition.resize(p + 1, nullptr);
    by_partition[p] = it->second.get();
    return by_partition[p];
  }

  Status message_error(const rd_kafka_message_t& m) {
    const std::string where =
        m.rkt ? " (topic " + std::string(rd_kafka_topic_name(m.rkt)) + ", partition " + std::to_string(m.partition) + ")"
              : std::string();
    const std::string text = rd_kafka_message_errstr(&m);
    if (m.err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
      return client_.error("cannot reach Kafka at " + client_.servers() + ": " + text, true);
    if (transient(m.err)) return Status::ok();  // librdkafka reconnects on its own
    return client_.error(text + where, true);
  }

  KafkaClient client_;
  KafkaHandle rk_;
  rd_kafka_queue_t* queue_ = nullptr;
  std::map<std::pair<std::string, int32_t>, std::unique_ptr<Partition>> parts_;
  size_t buffered_ = 0;
  rd_kafka_topic_partition_list_t* staged_ = nullptr;  // group offsets to commit (stage_commit)
  std::map<const rd_kafka_topic_t*, std::vector<Partition*>> routes_;  // route()'s cache
};

/// Reads one partition: its messages from the share, parsed as the format says.
class KafkaReader : public SourceReader {
 public:
  KafkaReader(KafkaSourceConfig config, std::string what, std::shared_ptr<KafkaConsumerShare> share)
      : config_(std::move(config)), what_(std::move(what)), share_(std::move(share)) {
    if (config_.format == KafkaFormat::kCsv) parser_ = std::make_unique<CsvParser>(config_.schema, config_.on_error);
    if (config_.format == KafkaFormat::kJson) parser_ = std::make_unique<JsonlParser>(config_.schema, config_.on_error);
    if (parser_) parser_->set_origin(kOrigin, 1);
  }
  ~KafkaReader() override {
    if (part_ && share_) share_->unassign(part_);
  }

  Status open_split(const Split& split) override {
    split_ = split;
    if (!share_) {
      EDDY_ASSIGN_OR_RETURN(share_, KafkaConsumerShare::open(config_, what_, config_.group_id));
    }
    if (split_.position >= split_.end) return Status::ok();  // nothing to read (bounded)
    EDDY_ASSIGN_OR_RETURN(part_, share_->assign(split.path, split.index, split.position));
    return Status::ok();
  }

  Result<SourcePoll> poll(size_t max_rows) override {
    if (split_.position >= split_.end) return SourcePoll::end();
    if (part_->messages.empty()) EDDY_RETURN_IF_ERROR(share_->fill());
    if (part_->messages.empty()) return SourcePoll::idle(share_->any_buffered() ? 0 : kIdleRetryUs);
    BatchBuilder out(config_.schema);
    text_.clear();
    offsets_.clear();
    size_t taken = 0;
    while (taken < part_->messages.size() && offsets_.size() < max_rows) {
      const rd_kafka_message_t& m = *part_->messages[taken++];
      if (m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        // Nothing follows up to m.offset (control records and compaction leave gaps).
        if (m.offset >= split_.end) split_.position = std::max(split_.position, m.offset);
        continue;
      }
      if (m.offset >= split_.end) {  // past the bound: everything before it has come
        split_.position = split_.end;
        break;
      }
      add(m, out);
      split_.position = m.offset + 1;
    }
    part_->messages.erase(part_->messages.begin(), part_->messages.begin() + static_cast<std::ptrdiff_t>(taken));
    share_->took(taken);
    if (parser_ && !offsets_.empty()) {
      auto used = parser_->parse(text_, true, SIZE_MAX, out);
      if (!used.ok()) return name_record(used.status());
    }
    if (out.empty()) return split_.position >= split_.end ? SourcePoll::end() : SourcePoll::idle(0);
    return SourcePoll::of(out.finish());
  }

  SchemaPtr schema() const override { return config_.schema; }
  Split resume_split() const override { return split_; }

  void snapshotted(int64_t checkpoint_id) override { snapshots_.emplace_back(checkpoint_id, split_.position); }

  /// Commits the checkpoint's offset to the consumer group (Flink's
  /// commit.offsets.on.checkpoint): lag monitors see eddy's progress; eddy
  /// itself never reads it back unless scan.startup.mode is group-offsets.
  void checkpoint_complete(int64_t checkpoint_id) override {
    int64_t offset = -1;
    while (!snapshots_.empty() && snapshots_.front().first <= checkpoint_id) {
      offset = snapshots_.front().second;
      snapshots_.pop_front();
    }
    if (offset >= 0 && part_) share_->stage_commit(split_.path, split_.index, offset);
  }
  uint64_t skipped_records() const override { return parser_ ? parser_->skipped_records() : 0; }

  std::unique_ptr<SourceReader> make_sibling() override {
    return std::make_unique<KafkaReader>(config_, what_, share_);
  }

  std::string origin(const Split& before, const Split& after) const override {
    return "read from topic " + before.path + ", partition " + std::to_string(before.index) + ", offsets " +
           std::to_string(before.position) + "-" + std::to_string(std::max(before.position, after.position - 1));
  }

 private:
  /// One message: its value as a line of text (json, csv) or as the one column (raw).
  void add(const rd_kafka_message_t& m, BatchBuilder& out) {
    const char* v = static_cast<const char*>(m.payload);
    size_t n = m.payload ? m.len : 0;
    if (!parser_) {
      if (!m.payload) return;  // a tombstone (no value): no record, as in json and csv
      out.column(0).append_string(std::string_view(v, n));
      out.commit_rows(1);
      offsets_.push_back(m.offset);
      return;
    }
    while (n > 0 && (v[n - 1] == '\n' || v[n - 1] == '\r')) --n;
    offsets_.push_back(m.offset);  // line k of text_ is message offsets_[k - 1]
    const size_t at = text_.size();
    text_.append(v ? v : "", n);
    // A message is one record: a newline inside it (pretty-printed JSON, where
    // it is whitespace) must not split it into lines.
    if (n > 0 && std::memchr(v, '\n', n))
      std::replace(text_.begin() + static_cast<std::ptrdiff_t>(at), text_.end(), '\n', ' ');
    text_ += '\n';
  }

  /// "kafka:<line>: what" -> "topic t, partition p, offset o: what".
  Status name_record(const Status& s) const {
    const std::string& msg = s.message();
    const std::string prefix = std::string(kOrigin) + ":";
    if (msg.rfind(prefix, 0) == 0) {
      size_t colon = msg.find(':', prefix.size());
      int64_t line = std::atoll(msg.c_str() + prefix.size());
      if (colon != std::string::npos && line >= 1 && static_cast<size_t>(line) <= offsets_.size())
        return Status(s.code(), what_ + ": malformed record at topic " + split_.path + ", partition " +
                                    std::to_string(split_.index) + ", offset " +
                                    std::to_string(offsets_[static_cast<size_t>(line - 1)]) + msg.substr(colon),
                      s.retryable());
    }
    return Status(s.code(), what_ + " (topic " + split_.path + ", partition " + std::to_string(split_.index) +
                                "): " + msg, s.retryable());
  }

  KafkaSourceConfig config_;
  std::string what_;
  std::shared_ptr<KafkaConsumerShare> share_;
  KafkaConsumerShare::Partition* part_ = nullptr;  // owned by share_
  Split split_;
  std::deque<std::pair<int64_t, int64_t>> snapshots_;  // (checkpoint id, position) not yet completed
  std::unique_ptr<TextParser> parser_;  // null: raw
  std::string text_;                    // the batch's messages, a line each
  std::vector<int64_t> offsets_;        // offset of each line of text_
};

/// Lists partitions and turns scan.startup.mode into offsets (see kafka_source.h).
class KafkaEnumerator : public SplitEnumerator {
 public:
  KafkaEnumerator(KafkaSourceConfig config, std::string what) : config_(std::move(config)), what_(std::move(what)) {}

  Result<std::vector<Split>> enumerate(int32_t) override {
    EDDY_RETURN_IF_ERROR(connect());
    EDDY_ASSIGN_OR_RETURN(auto parts, partitions());
    return starting_splits(parts, config_.startup);
  }

  SplitReading reading() const override {
    SplitReading r;
    r.together = true;
    r.unbounded = !config_.bounded_latest;
    r.discovery_interval_ms = config_.bounded_latest ? 0 : config_.discovery_interval_ms;
    return r;
  }

  /// New partitions start at their earliest offset (as Flink's): they were
  /// created after the job started, so all their records are new.
  Result<std::vector<Split>> discover(const std::set<std::string>& known) override {
    EDDY_RETURN_IF_ERROR(connect());
    EDDY_ASSIGN_OR_RETURN(auto parts, partitions());
    std::vector<std::pair<std::string, int32_t>> fresh;
    for (const auto& tp : parts)
      if (!known.count(kafka_split(tp.first, tp.second, 0, 0).id)) fresh.push_back(tp);
    if (fresh.empty()) return std::vector<Split>{};
    return starting_splits(fresh, KafkaStartup::kEarliest);
  }

  int32_t owner(const Split& split, int32_t parallelism) const override {
    if (parallelism <= 0) return 0;
    // As Flink's: a topic's partitions go round robin from a start that depends on the topic.
    uint32_t h = 2166136261u;
    for (unsigned char c : split.path) h = (h ^ c) * 16777619u;
    return static_cast<int32_t>((h % static_cast<uint32_t>(parallelism) + static_cast<uint32_t>(split.index)) %
                                static_cast<uint32_t>(parallelism));
  }

 private:
  Status connect() {
    if (rk_) return Status::ok();
    EDDY_ASSIGN_OR_RETURN(client_, KafkaClient::make(client_options(config_, what_)));
    EDDY_ASSIGN_OR_RETURN(rk_, client_->open(RD_KAFKA_CONSUMER, {{"group.id", config_.group_id},
                                                                  {"enable.auto.commit", "false"}}));
    return Status::ok();
  }

  Result<std::vector<std::pair<std::string, int32_t>>> partitions() {
    std::vector<std::pair<std::string, int32_t>> out;
    if (!config_.topic_pattern.empty()) {
      EDDY_ASSIGN_OR_RETURN(auto topics, client_->topics(rk_.get(), kMetadataTimeoutMs));
      const std::regex re(config_.topic_pattern);
      for (const auto& [t, n] : topics) {
        if (!std::regex_match(t, re)) continue;
        EDDY_ASSIGN_OR_RETURN(auto ps, client_->partitions(rk_.get(), t, kMetadataTimeoutMs));
        for (int32_t p : ps) out.emplace_back(t, p);
      }
      std::sort(out.begin(), out.end());
      return out;
    }
    for (const auto& t : config_.topics) {
      EDDY_ASSIGN_OR_RETURN(auto ps, client_->partitions(rk_.get(), t, kMetadataTimeoutMs));
      for (int32_t p : ps) out.emplace_back(t, p);
    }
    return out;
  }

  Result<std::vector<Split>> starting_splits(const std::vector<std::pair<std::string, int32_t>>& parts,
                                             KafkaStartup mode) {
    std::vector<Split> out;
    if (parts.empty()) return out;
    std::vector<int64_t> low, high;
    EDDY_ASSIGN_OR_RETURN(low, list_offsets(parts, RD_KAFKA_OFFSET_BEGINNING));
    EDDY_ASSIGN_OR_RETURN(high, list_offsets(parts, RD_KAFKA_OFFSET_END));
    std::vector<int64_t> start(parts.size());
    const bool reset_latest = client_->property("auto.offset.reset", "earliest") == "latest" ||
                              client_->property("auto.offset.reset", "earliest") == "largest";
    switch (mode) {
      case KafkaStartup::kEarliest: start = low; break;
      case KafkaStartup::kLatest: start = high; break;
      case KafkaStartup::kSpecificOffsets:
        start = low;  // partitions the option does not name start at their earliest offset
        for (size_t i = 0; i < parts.size(); ++i)
          for (const auto& [p, o] : config_.specific_offsets)
            if (p == parts[i].second) start[i] = o;
        break;
      case KafkaStartup::kGroupOffsets:
      case KafkaStartup::kTimestamp: {
        rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(parts.size()));
        for (const auto& [t, p] : parts)
          rd_kafka_topic_partition_list_add(list, t.c_str(), p)->offset = config_.startup_timestamp_ms;
        rd_kafka_resp_err_t e = mode == KafkaStartup::kTimestamp
                                    ? rd_kafka_offsets_for_times(rk_.get(), list, kMetadataTimeoutMs)
                                    : rd_kafka_committed(rk_.get(), list, kMetadataTimeoutMs);
        for (size_t i = 0; i < parts.size(); ++i) {
          const int64_t o = list->elems[i].offset;
          // No committed offset: auto.offset.reset; no record at or after the timestamp: the end.
          start[i] = o >= 0 ? o : mode == KafkaStartup::kTimestamp ? high[i] : reset_latest ? high[i] : low[i];
        }
        rd_kafka_topic_partition_list_destroy(list);
        if (e)
          return client_->error(std::string(mode == KafkaStartup::kTimestamp ? "offsets for timestamp"
                                                                             : "committed offsets of the group") +
                                    " from " + client_->servers() + ": " + rd_kafka_err2str(e), true);
        break;
      }
    }
    for (size_t i = 0; i < parts.size(); ++i)
      out.push_back(kafka_split(parts[i].first, parts[i].second, std::max(start[i], low[i]),
                                config_.bounded_latest ? high[i] : INT64_MAX));
    return out;
  }

  /// The earliest (RD_KAFKA_OFFSET_BEGINNING) or latest (RD_KAFKA_OFFSET_END)
  /// offset of every partition: Kafka's ListOffsets with its special
  /// timestamps, one request per leader instead of one per partition.
  Result<std::vector<int64_t>> list_offsets(const std::vector<std::pair<std::string, int32_t>>& parts, int64_t which) {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(parts.size()));
    for (const auto& [t, p] : parts) rd_kafka_topic_partition_list_add(list, t.c_str(), p)->offset = which;
    const rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(rk_.get(), list, kMetadataTimeoutMs);
    std::vector<int64_t> out(parts.size(), -1);
    for (size_t i = 0; i < parts.size(); ++i) out[i] = list->elems[i].err ? -1 : list->elems[i].offset;
    rd_kafka_topic_partition_list_destroy(list);
    if (e)
      return client_->error(std::string(which == RD_KAFKA_OFFSET_END ? "latest" : "earliest") + " offsets from " +
                                client_->servers() + ": " + rd_kafka_err2str(e), true);
    for (size_t i = 0; i < parts.size(); ++i)
      if (out[i] < 0)
        return client_->error("no offsets for topic " + parts[i].first + ", partition " +
                                  std::to_string(parts[i].second) + " from " + client_->servers(), true);
    return out;
  }

  KafkaSourceConfig config_;
  std::string what_;
  std::optional<KafkaClient> client_;
  KafkaHandle rk_;
};

}  // namespace

Split kafka_split(const std::string& topic, int32_t partition, int64_t offset, int64_t end) {
  Split s;
  s.id = topic + "/" + std::to_string(partition);
  s.path = topic;
  s.index = partition;
  s.position = offset;
  s.begin = offset;
  s.end = end;
  return s;
}

std::unique_ptr<SourceReader> make_kafka_reader(const KafkaSourceConfig& config, std::string what) {
  return std::make_unique<KafkaReader>(config, std::move(what), nullptr);
}

std::unique_ptr<SplitEnumerator> make_kafka_enumerator(const KafkaSourceConfig& config, std::string what) {
  return std::make_unique<KafkaEnumerator>(config, std::move(what));
}

}  // namespace eddy
