// Configuration of the built-in sources and sinks, as parsed from a pipeline
// file (src/plan) and consumed by the connector factories below.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "connectors/source.h"
#include "core/schema.h"
#include "operators/operator.h"

namespace eddy {

enum class FileFormat { kCsv, kJsonl };
enum class OnError { kFail, kSkip };

struct FileSourceConfig {
  std::string path;         // a file, or a directory whose files (sorted by name) are the splits
  FileFormat format = FileFormat::kCsv;
  bool header = false;      // csv: first line of each file holds column names (skipped)
  OnError on_error = OnError::kFail;
  SchemaPtr schema;
  int64_t split_size = 64LL << 20;  // a file larger than this is cut into byte ranges
};

/// One generated column of a datagen source (PIPELINES.md, "Sources for tests").
struct DatagenField {
  enum class Kind { kSequence, kRandom, kChoice, kTimestamp };
  std::string name;
  Kind kind = Kind::kSequence;
  DataType type = DataType::kInt64;  // sequence: int64; random: int64|float64; choice: string;
                                     // timestamp: timestamp
  int64_t start = 0, step = 1;       // sequence
  double min = 0, max = 0;           // random (inclusive for int64)
  std::vector<std::string> values;   // choice
  int64_t ts_start_ms = 0;           // timestamp: start + floor(i * step_us / 1000)
  int64_t ts_step_us = 1000;
};

struct DatagenConfig {
  std::vector<DatagenField> fields;
  int64_t rows = -1;             // -1: unbounded
  int64_t rows_per_second = 0;   // 0: no cap; otherwise over all subtasks together
  uint64_t seed = 0;
  int64_t block_rows = 1024;     // rows are dealt to subtasks in blocks of this size
};

enum class NexmarkTable { kBid, kAuction, kPerson };

struct NexmarkConfig {
  NexmarkTable table = NexmarkTable::kBid;
  int64_t events = -1;              // generator events of all kinds; -1: unbounded
  int64_t events_per_second = 0;    // 0: as fast as possible (over all subtasks)
  uint64_t seed = 0;
  int64_t base_time_ms = 1436918400000LL;  // 2015-07-15 00:00:00 UTC, as the Nexmark suite
  int64_t inter_event_delay_us = 0;  // 0: derived from first_event_rate (10M/s -> 0.1 us)
  int64_t first_event_rate = 10000000;
  int64_t block_events = 1000;      // events dealt to subtasks in blocks of this size
};

struct FileSinkConfig {
  std::string path;                // a directory: one part file per sink subtask
  FileFormat format = FileFormat::kJsonl;
};

/// The jdbc sink (docs/connectors.md): Flink's JDBC connector options. Values
/// may be `${env:NAME}`; they are expanded when the sink opens, so plans and
/// `eddy validate` never hold the secret itself.
struct JdbcSinkConfig {
  std::string url;                       // jdbc:postgresql://HOST[:PORT]/DB
  std::string table;                     // table-name, optionally schema.table
  std::string username, password;
  int64_t flush_max_rows = 100;          // sink.buffer-flush.max-rows
  int64_t flush_interval_ms = 1000;      // sink.buffer-flush.interval; 0: only by rows
  int64_t max_retries = 3;               // sink.max-retries (autocommit flushes only)
  std::vector<std::string> primary_key;  // upsert key; required for updating streams
  bool updating = false;                 // the input is a changelog, `op` first (planner)
};

/// Where a Redis server is (the redis sink; docs/connectors.md). `password`
/// may be `${env:NAME}`, expanded when the connector opens.
struct RedisEndpoint {
  std::string host = "localhost";
  int32_t port = 6379;
  std::string password;
  int32_t database = 0;
  /// "HOST:PORT", for messages.
  std::string address() const { return host + ":" + std::to_string(port); }
};

/// `data-type` of a redis table: hashes (sink and lookup), plain strings
/// (lookup), stream entries (sink).
enum class RedisDataType { kHash, kString, kStream };
enum class DeliveryGuarantee { kNone, kAtLeastOnce, kExactlyOnce };

/// The redis sink: a hash per key (`key-prefix` + the key's values, HSET of
/// the other columns, DEL for -D) or one entry per row on a stream (XADD).
struct RedisSinkConfig {
  RedisEndpoint endpoint;
  RedisDataType data_type = RedisDataType::kHash;
  std::string key_prefix;                // hash: the key is this + the key columns' values
  std::string key_delimiter = ":";       // between the values of a key of several columns
  std::string stream_key;                // stream: the stream written to
  std::vector<std::string> primary_key;  // hash: the key columns
  int64_t flush_max_rows = 1000;         // sink.buffer-flush.max-rows
  int64_t flush_interval_ms = 1000;      // sink.buffer-flush.interval; 0: only by rows
  DeliveryGuarantee guarantee = DeliveryGuarantee::kAtLeastOnce;  // sink.delivery-guarantee
  bool updating = false;                 // the input is a changelog, `op` first (planner)
};

struct PrintSinkConfig {
  FileFormat format = FileFormat::kJsonl;  // how each row is printed
};


// -- Kafka (docs/connectors.md, "Kafka"; kafka_options.h parses the options) -----

/// `format` of a Kafka topic: each message value is one record.
enum class KafkaFormat { kJson, kCsv, kRaw };
/// `scan.startup.mode`: where a source without a checkpoint starts reading.
enum class KafkaStartup { kEarliest, kLatest, kGroupOffsets, kTimestamp, kSpecificOffsets };

/// The kafka source: Flink's Kafka connector options. Values may be
/// `${env:NAME}`, expanded when the source connects.
struct KafkaSourceConfig {
  std::vector<std::string> topics;       // topic: one or more, ';'-separated
  std::string topic_pattern;             // topic-pattern: a regex over topic names (instead of topic)
  std::string bootstrap_servers;         // properties.bootstrap.servers
  std::string group_id;                  // properties.group.id; empty: "eddy-<job tag>"
  std::vector<std::pair<std::string, std::string>> properties;  // other properties.*, for librdkafka
  KafkaStartup startup = KafkaStartup::kGroupOffsets;           // Flink's default
  std::vector<std::pair<int32_t, int64_t>> specific_offsets;    // scan.startup.specific-offsets
  int64_t startup_timestamp_ms = 0;      // scan.startup.timestamp-millis
  bool bounded_latest = false;           // scan.bounded.mode = latest-offset: end there
  int64_t discovery_interval_ms = 300000;  // scan.topic-partition-discovery.interval (Flink: 5 min); 0: off
  KafkaFormat format = KafkaFormat::kJson;
  OnError on_error = OnError::kFail;     // json/csv.ignore-parse-errors = true: skip
  SchemaPtr schema;
};

enum class KafkaDelivery { kNone, kAtLeastOnce, kExactlyOnce };
/// `sink.partitioner`: default (key hash, else librdkafka's sticky), fixed
/// (subtask i writes partition i % partitions), round-robin.
enum class KafkaPartitioner { kDefault, kFixed, kRoundRobin };

struct KafkaSinkConfig {
  std::string topic;
  std::string bootstrap_servers;
  std::vector<std::pair<std::string, std::string>> properties;  // other properties.*
  KafkaFormat format = KafkaFormat::kJson;
  KafkaDelivery delivery = KafkaDelivery::kAtLeastOnce;          // Flink's default
  std::string transactional_id_prefix;   // sink.transactional-id-prefix (exactly-once)
  KafkaPartitioner partitioner = KafkaPartitioner::kDefault;
  std::vector<std::string> key_fields;   // key.fields: the message key (csv of these columns)
  int64_t transaction_timeout_ms = 900000;  // properties.transaction.timeout.ms (15 min)
};

}  // namespace eddy
