// What a completed checkpoint or savepoint records (its _metadata file): the
// operators it holds state for, and every file each subtask needs with its size
// and CRC-32. Written by the checkpoint coordinator through CheckpointStorage,
// read back on restore; encode/decode are plain functions, no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace eddy {

/// One file a checkpoint needs, with what it must look like to be trusted.
struct StateFileRef {
  /// Relative to the checkpoint's dir; for shared files the name under <root>/shared.
  std::string path;
  /// CRC-32 (zlib) of the whole file.
  uint32_t crc = 0;
  /// Size in bytes.
  int64_t size = 0;
};

/// What one subtask contributed to a checkpoint.
struct SubtaskSnapshot {
  /// Vertex name, for messages.
  std::string vertex;
  /// Operator (node) names of this subtask's chain, in order.
  std::vector<std::string> nodes;
  /// Index of the subtask within its vertex, in [0, parallelism).
  int32_t subtask = 0;
  /// Parallelism of the vertex when the checkpoint was taken.
  int32_t parallelism = 1;
  /// The subtask's state file; its format is owned by the runtime and opaque here.
  StateFileRef state_file;
  /// Files in the checkpoint's own dir (e.g. RocksDB MANIFEST/CURRENT copies).
  std::vector<StateFileRef> private_files;
  /// Files under <root>/shared, possibly referenced by other checkpoints too.
  std::vector<StateFileRef> shared_files;
  /// State size of this subtask.
  int64_t full_bytes = 0;
  /// Bytes this checkpoint wrote for this subtask.
  int64_t incremental_bytes = 0;
  /// Time the subtask spent snapshotting.
  int64_t sync_duration_us = 0;
  /// Time from the first barrier to the last (alignment).
  int64_t alignment_us = 0;
};

/// One thing the layout of an operator's state depends on, spelled so that
/// equal text means the same layout: {"aggregates", "[n: count(*), total:
/// sum(amount)]"}, {"window", "tumbling 10s on event time"}. Messages quote it.
struct StateLayoutItem {
  /// What it is: "aggregates", "argument types", "window", "top_n", "rows", "format".
  std::string aspect;
  /// Its value in the pipeline the snapshot was taken from (or is restored into).
  std::string value;
  bool operator==(const StateLayoutItem& o) const { return aspect == o.aspect && value == o.value; }
};

/// How StateLayoutItem values are spelled (plan/operator_signatures.cpp). A
/// snapshot whose layouts were spelled otherwise, or not recorded at all
/// (metadata format version 1: layout_version 0), cannot be compared item by item.
inline constexpr int32_t kStateLayoutVersion = 1;

/// An operator as savepoint compatibility sees it.
struct OperatorSignature {
  /// Node name in the pipeline.
  std::string name;
  /// e.g. "source:datagen", "window", "keyed_aggregate", "sink:file", "filter".
  std::string kind;
  /// Whether the operator keeps state (only those must match on restore).
  bool has_state = false;
  /// Types of the key columns in key_by order; empty when not keyed.
  std::vector<std::string> key_types;
  /// What else its state layout depends on, in a fixed order per kind (empty
  /// for stateless operators and for state that depends on nothing more).
  std::vector<StateLayoutItem> layout;
  /// kStateLayoutVersion when `layout` was recorded; 0 when the metadata
  /// predates layouts (format version 1) and `layout` is unknown.
  int32_t layout_version = kStateLayoutVersion;
};

/// The content of a _metadata file.
struct CheckpointMetadata {
  /// Checkpoint (or savepoint) id.
  int64_t id = 0;
  /// True for a savepoint: self-contained, no shared files, never deleted automatically.
  bool savepoint = false;
  /// Wall clock at trigger.
  int64_t timestamp_ms = 0;
  /// Name of the job that took it.
  std::string job_name;
  /// Number of key groups; fixed for the life of the job's state.
  int32_t max_parallelism = 128;
  /// "heap" | "rocksdb" (savepoints: canonical, restorable by both).
  std::string state_backend;
  /// Every operator of the pipeline at checkpoint time.
  std::vector<OperatorSignature> operators;
  /// By source node name: the split enumerator's opaque bytes.
  std::map<std::string, std::string> coordinator_states;
  /// One entry per subtask that acknowledged the checkpoint.
  std::vector<SubtaskSnapshot> subtasks;
};

/// Version of the _metadata layout written by encode_metadata. Version 2 added
/// each operator's state layout (OperatorSignature::layout); decode reads
/// version 1 too (its operators get layout_version 0) and refuses others.
inline constexpr uint32_t kMetadataFormatVersion = 2;
/// The oldest version decode_metadata reads.
inline constexpr uint32_t kOldestMetadataFormatVersion = 1;

/// The bytes of a _metadata file: a 24-byte header ("EDDYCKPT", version,
/// body length, CRC-32 of the body, little-endian) followed by a msgpack body.
std::string encode_metadata(const CheckpointMetadata& m);

/// Parses and validates bytes from encode_metadata. Never throws: garbage,
/// truncation or a flipped byte yields a parse error saying what is wrong.
Result<CheckpointMetadata> decode_metadata(std::string_view bytes);

/// Whether `path` may name a file inside a checkpoint dir: relative, non-empty,
/// and without "", "." or ".." components (so it cannot escape the dir).
bool is_safe_relative_path(std::string_view path);

}  // namespace eddy
