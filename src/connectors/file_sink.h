// The file sink (type: file): every sink subtask writes its rows to its own
// part files in the sink's directory, exactly once by two-phase commit.
// Hosted by a sink subtask on its own thread (blocking I/O); emits nothing
// downstream.
#pragma once

#include "connectors/connector_config.h"
#include "operators/operator.h"

namespace eddy {

/// Writes part files under `config.path`, a directory created if missing:
/// `part-<owner>-<seq>.jsonl` or `.csv` (each CSV file with a header line),
/// where owner is the subtask index and seq counts that owner's files from 0.
/// Rows first go to a hidden `.part-<owner>-<seq>.<ext>.inprogress`, opened at
/// the first row after open() or a barrier. snapshot_operator_state closes it
/// (pre-commit); notify_checkpoint_complete renames it visible (commit);
/// finish() commits everything; close() never commits. A restore commits what
/// the checkpoint pre-committed and deletes what was written after it; a fresh
/// start deletes the part files an earlier run left for this subtask's owners
/// (owner % parallelism == subtask index). Every I/O failure is a Status.
OperatorPtr make_file_sink(const FileSinkConfig& config, SchemaPtr input);

}  // namespace eddy
