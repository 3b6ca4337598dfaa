// A bounded table read whole: the build side of a lookup join against a file
// (SQL's FOR SYSTEM_TIME AS OF with a filesystem table, Flink's "loaded once"
// lookup). Every split of the file source is read, in order, by one reader.
#pragma once

#include <vector>

#include "connectors/connector_config.h"
#include "core/record_batch.h"
#include "core/status.h"

namespace eddy {

/// Every row of the file (or directory) `config` names, as batches of its
/// schema. Malformed records follow config.on_error (skipped ones are
/// counted into `skipped` when given); a missing file is an error naming it.
Result<std::vector<RecordBatchPtr>> read_bounded_table(const FileSourceConfig& config, uint64_t* skipped = nullptr);

}  // namespace eddy
