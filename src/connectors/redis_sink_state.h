// The redis sink's checkpoint state under exactly-once: the commands of every
// checkpoint not yet known to be committed, each with the marker field that
// records its commit in Redis. No I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "connectors/redis_commands.h"
#include "core/status.h"

namespace eddy {

/// The hash in which committed checkpoints are recorded: field = a sink
/// subtask's marker field, value = the last checkpoint id it committed.
constexpr const char* kRedisCommitMarkerKey = "eddy:redis-sink-commits";

/// The commands a sink subtask wrote between two barriers, for the
/// checkpoint of the second; committed with MULTI ... HSET marker ... EXEC.
struct RedisPendingCommit {
  int64_t checkpoint_id = 0;
  std::string marker_field;  // "<run tag>/<sink>/<subtask>"
  RedisCommandBuffer commands;
};

std::string encode_redis_sink_state(const std::vector<RedisPendingCommit>& pending);
Result<std::vector<RedisPendingCommit>> decode_redis_sink_state(const std::string& bytes);

/// The marker field of a sink subtask.
std::string redis_marker_field(const std::string& output_tag, const std::string& sink, int32_t subtask);

}  // namespace eddy
