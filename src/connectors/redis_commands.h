// Redis commands for the redis sink, without a connection: a compact buffer of
// commands (RedisCommandBuffer, also the sink's checkpoint state) and the
// translation of rows into commands (RedisRowCommands). Unit-tested without a
// server; redis_connection.h sends them.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/connector_config.h"
#include "connectors/value_text.h"
#include "core/record_batch.h"
#include "core/status.h"

namespace eddy {

/// Commands as one byte string: per command its argument count, then each
/// argument's length and bytes (little-endian uint32s). Cheap to append, to
/// send and to keep in a checkpoint as it is.
class RedisCommandBuffer {
 public:
  /// A command is begun, then its arguments added.
  void begin(uint32_t argc);
  void arg(std::string_view a);
  size_t commands() const { return commands_; }
  bool empty() const { return commands_ == 0; }
  void clear();
  const std::string& bytes() const { return bytes_; }
  /// Takes commands encoded by bytes(); an error when they are cut short.
  static Result<RedisCommandBuffer> from_bytes(std::string bytes);

  /// Calls `fn(argv, lengths)` for each command in order.
  using Visit = std::function<Status(const std::vector<const char*>&, const std::vector<size_t>&)>;
  Status for_each(const Visit& fn) const;

 private:
  std::string bytes_;
  size_t commands_ = 0;
};

/// Turns rows into commands. Hash: +I/+U -> HSET key (non-key columns), with
/// HDEL for those that are NULL; -D -> DEL key; -U -> nothing (the +U after it
/// rewrites the hash). Stream: XADD stream-key * per row, NULL columns
/// omitted, an updating stream's `op` as a field.
class RedisRowCommands {
 public:
  /// `schema`: the sink's input (`op` first when config.updating). Fails when
  /// a key column is missing or a hash sink has no key.
  static Result<RedisRowCommands> make(const RedisSinkConfig& config, SchemaPtr schema);
  /// Appends the commands for every row of `batch`; returns how many rows.
  size_t append(const RecordBatch& batch, RedisCommandBuffer& out);

 private:
  RedisRowCommands(const RedisSinkConfig& config, SchemaPtr schema);
  void value_text(const Column& col, size_t row);
  void hash_row(const RecordBatch& batch, size_t row, std::string_view op, RedisCommandBuffer& out);
  void stream_row(const RecordBatch& batch, size_t row, RedisCommandBuffer& out);

  RedisSinkConfig config_;
  SchemaPtr schema_;
  size_t first_ = 0;               // 1 when `op` comes first
  std::vector<size_t> key_;        // key columns
  std::vector<size_t> values_;     // the other columns (after op)
  ValueFormatter fmt_;
  std::string text_, key_text_;    // reused per value / key
  std::vector<size_t> nulls_;      // per row: value columns that are NULL
};

}  // namespace eddy
