// The redis sink (type: redis; SQL 'connector' = 'redis'): writes rows as
// hashes (one per key: HSET of the other columns, DEL on -D) or as stream
// entries (XADD), pipelined through hiredis (docs/connectors.md). Hosted by a
// sink subtask on its own thread (blocking I/O); emits nothing downstream.
#pragma once

#include "connectors/connector_config.h"
#include "operators/operator.h"

namespace eddy {

/// Delivery (`sink.delivery-guarantee`):
///  - none: commands are sent when max-rows are buffered, when the interval
///    passes, and at the end;
///  - at-least-once (default): also at every checkpoint's barrier;
///  - exactly-once: with checkpoints, the commands between two barriers are
///    kept in the checkpoint and sent when it completes, in one MULTI/EXEC
///    with the checkpoint's id recorded under kRedisCommitMarkerKey; a
///    restore sends those of its checkpoints that the marker does not list.
OperatorPtr make_redis_sink(const RedisSinkConfig& config, SchemaPtr input);

}  // namespace eddy
