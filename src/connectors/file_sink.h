// The file sink (type: file): every sink subtask writes its rows to its own
// part file in the sink's directory. Hosted by a sink subtask on its own
// thread (blocking I/O); emits nothing downstream.
#pragma once

#include "connectors/connector_config.h"
#include "operators/operator.h"

namespace eddy {

/// Writes `part-<subtask_index>.jsonl` or `part-<subtask_index>.csv` (CSV with
/// a header line) under `config.path`, a directory created if missing. The
/// file is created (truncated) in open(), written in large chunks as batches
/// arrive, and flushed and closed in finish(); every I/O failure is a Status.
OperatorPtr make_file_sink(const FileSinkConfig& config, SchemaPtr input);

}  // namespace eddy
