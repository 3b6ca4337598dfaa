// The print sink (type: print): rows as JSONL (default) or CSV lines (no
// header) on a stdio stream, normally stdout. Hosted by a sink subtask on its
// own thread (blocking I/O); emits nothing downstream.
#pragma once

#include <cstdio>

#include "connectors/connector_config.h"
#include "operators/operator.h"

namespace eddy {

/// Prints each batch as one buffer with a single fwrite and then fflush, so the
/// lines of parallel print sinks sharing `out` never interleave within a line
/// (stdio locks the stream for the whole fwrite). Lines carry no subtask
/// prefix: they are exactly what a file sink would write. `out` is not owned.
OperatorPtr make_print_sink(const PrintSinkConfig& config, SchemaPtr input, std::FILE* out);

}  // namespace eddy
