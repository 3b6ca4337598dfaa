// The msgpack wire format of batches and in-band events, for channels whose two
// ends live in different processes (in-process channels pass shared pointers).
// Called by the CAF `inspect` of the subtask actor's data messages; free of CAF.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "core/record_batch.h"
#include "core/status.h"
#include "net/stream_event.h"

namespace eddy {

/// The first element of every encoded message; says what follows. The values
/// are part of the format: a new layout gets a new tag, old tags keep decoding.
enum class WireTag : uint8_t { kBatch = 1, kEvent = 2 };

// Layout (msgpack; every message is one array, nothing may follow it):
//   batch:  [1, fields, num_rows, columns]
//     fields:  [[name: str, type: uint (DataType code)], ...]
//     columns: one per field, [mask, values] or, for strings, [mask, offsets, chars]
//       mask:    nil when the column has no NULLs, else bin of num_rows bytes, 1 = not NULL
//       values:  bin, the raw int64 / double / uint8 (bool, 0 or 1) array
//       offsets: bin, num_rows + 1 uint32, starting at 0, ascending, ending at chars' size
//       chars:   bin, the string bytes (any bytes, NUL included)
//   event:  [2, kind: uint (EventKind code), value: int]
// Numbers inside bins are in the host's byte order, which must be little-endian
// (checked at compile time): every platform we build for is, and it lets values
// go out and in with one memcpy per column.

/// Encodes `batch` (columns as described by its schema). Never fails; a
/// column whose bytes exceed 4 GiB (msgpack's bin limit) is not supported.
std::string encode_batch(const RecordBatch& batch);

/// Decodes and validates a batch encoded by encode_batch. Garbage, truncated
/// or inconsistent input yields a parse error, never a crash or a batch that
/// breaks Column's invariants. The batch gets a schema of its own.
Result<std::shared_ptr<RecordBatch>> decode_batch(const char* data, size_t size);

/// As above, but the batch shares `expected` as its schema (saving one schema
/// per batch), and a batch of any other schema is an error.
Result<std::shared_ptr<RecordBatch>> decode_batch(const char* data, size_t size,
                                                  const SchemaPtr& expected);

std::string encode_event(const StreamEvent& event);
Result<StreamEvent> decode_event(const char* data, size_t size);

/// What an encoded message holds, from its first two bytes: lets one transport
/// carry both kinds. Validates nothing else; decode_* does that.
Result<WireTag> peek_wire_tag(const char* data, size_t size);

}  // namespace eddy
