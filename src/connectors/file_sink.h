// The file sink (type: file): every sink subtask writes its rows to its own
// part files in the sink's directory, exactly once by two-phase commit.
// Hosted by a sink subtask on its own thread (blocking I/O); emits nothing
// downstream.
#pragma once

#include "connectors/connector_config.h"
#include "operators/operator.h"

namespace eddy {

/// Writes part files under `config.path`, a directory created if missing:
/// `part-<tag>-<owner>-<seq>.jsonl` or `.csv` (each CSV file with a header
/// line), where tag is the id of the job that started this output (restores
/// keep it), owner is the subtask index and seq counts that owner's files
/// from 0. Rows first go to a hidden `.part-<tag>-<owner>-<seq>.<ext>.inprogress`,
/// opened at the first row after open() or a barrier. snapshot_operator_state
/// closes it (pre-commit); notify_checkpoint_complete renames it visible
/// (commit); finish() commits everything; close() never commits. A restore
/// commits what the checkpoint pre-committed and deletes what its output wrote
/// after it; a start without a restore deletes what an earlier attempt of the
/// same job wrote for this subtask's owners (owner % parallelism == subtask
/// index). Files of other tags, and files that are not part files, are never
/// touched. Every I/O failure is a Status.
OperatorPtr make_file_sink(const FileSinkConfig& config, SchemaPtr input);

}  // namespace eddy
