// The jdbc sink (type: jdbc; SQL 'connector' = 'jdbc'): writes rows to a
// PostgreSQL table through libpq, batched, exactly once by two-phase commit
// when the job takes checkpoints (docs/connectors.md). Hosted by a sink
// subtask on its own thread (blocking I/O); emits nothing downstream.
#pragma once

#include "connectors/connector_config.h"
#include "operators/operator.h"

namespace eddy {

/// Append-only input without a key: multi-row INSERTs. With
/// config.primary_key: upserts (INSERT ... ON CONFLICT DO UPDATE), `-D`
/// deletes by key, `-U` dropped. A flush runs when max-rows changes are
/// buffered, when the interval passes, at a barrier and at the end.
/// With checkpoints, every flush between two barriers goes into one
/// transaction, prepared at the barrier as 'eddy-<tag>-<sink>-<subtask>-<id>'
/// (its id in the operator state) and committed when the checkpoint
/// completes; a restore commits the ids its state lists and rolls back the
/// sink's other prepared transactions of this subtask's share. Without
/// checkpoints each flush commits on its own, retried up to max-retries times.
OperatorPtr make_jdbc_sink(const JdbcSinkConfig& config, SchemaPtr input);

}  // namespace eddy
