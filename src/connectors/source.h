// Sources: splits, the enumerator that makes them, and the reader that turns a
// split into batches. The source_coordinator actor hosts the enumeration and hands
// splits out on request; a source subtask hosts a SourceReader. No CAF here.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/record_batch.h"
#include "core/status.h"

namespace eddy {

/// A unit of source work. Plain data so it can be sent between actors and
/// stored in checkpoints.
///  - file:     `path`, bytes [begin, end) starting at a line start; `first_line`
///              is the 1-based line number of the byte at `begin`.
///  - datagen / nexmark: a share of the row (event) space: share `index` of
///              `count`; rows are dealt out in blocks (see the generators);
///              reading starts at local `position` of the share (0: its start).
/// A split read part-way (SourceReader::resume_split) is the same split with
/// `begin`/`first_line` (file) or `position` (generators) moved on.
struct Split {
  std::string id;          // unique within the source, e.g. "data/a.csv:0-67108864"
  std::string path;
  int64_t begin = 0;
  int64_t end = 0;
  int64_t first_line = 1;
  int32_t index = 0;
  int32_t count = 1;
  int64_t position = 0;
};

/// What one poll of a reader produced.
struct SourcePoll {
  enum class Kind { kBatch, kIdle, kEndOfSplit };
  Kind kind = Kind::kEndOfSplit;
  RecordBatchPtr batch;          // kBatch
  int64_t retry_after_us = 0;    // kIdle: poll again after this long (rate limits)

  static SourcePoll of(RecordBatchPtr b) { return {Kind::kBatch, std::move(b), 0}; }
  static SourcePoll idle(int64_t us) { return {Kind::kIdle, nullptr, us}; }
  static SourcePoll end() { return {Kind::kEndOfSplit, nullptr, 0}; }
};

/// Reads the splits assigned to one source subtask, one at a time.
class SourceReader {
 public:
  virtual ~SourceReader() = default;
  /// Starts reading `split`; the previous split (if any) has ended.
  virtual Status open_split(const Split& split) = 0;
  /// Next batch of at most `max_rows` rows from the current split. An error
  /// Status ends the job (on_error: fail); skipped records are only counted.
  virtual Result<SourcePoll> poll(size_t max_rows) = 0;
  virtual SchemaPtr schema() const = 0;
  /// What is left of the current split: the split as it must be reopened
  /// (open_split) to continue exactly after the last row returned by poll().
  /// Checkpoints store it. Only called while a split is open.
  virtual Split resume_split() const = 0;
  /// Malformed records dropped under on_error: skip, so far.
  virtual uint64_t skipped_records() const { return 0; }
  /// True when reading blocks on I/O (files): the host runs on its own thread.
  virtual bool blocking_io() const { return false; }
  /// A reader for another split of the same subtask that shares what this one
  /// holds (the kafka source: one consumer per subtask); null: the host makes
  /// a new reader.
  virtual std::unique_ptr<SourceReader> make_sibling() { return nullptr; }
  /// Checkpoint `checkpoint_id` stores this split as resume_split() gives it now.
  virtual void snapshotted(int64_t checkpoint_id) {}
  /// Checkpoint `checkpoint_id` completed. Nothing may depend on it for
  /// correctness (the split's position is in the checkpoint); the kafka source
  /// commits the offsets to its consumer group here, for monitoring.
  virtual void checkpoint_complete(int64_t checkpoint_id) {}
  /// Names the records read between `before` and `after` (resume_split()) in
  /// messages; empty: the host's default (file lines, generator rows).
  virtual std::string origin(const Split& before, const Split& after) const { return {}; }
};

/// How a source's splits are read (SplitEnumerator::reading()).
struct SplitReading {
  /// A subtask reads all of its splits at once (Kafka partitions), not one
  /// after the other: each request hands it all it has.
  bool together = false;
  /// Splits may come later (discovered partitions): a subtask with none waits
  /// for them instead of ending its input.
  bool unbounded = false;
  /// How often the coordinator calls discover(); 0: never.
  int64_t discovery_interval_ms = 0;
};

/// Makes the splits of a source once per job (hosted by the source_coordinator).
class SplitEnumerator {
 public:
  virtual ~SplitEnumerator() = default;
  /// All splits, in the order they should be handed out.
  virtual Result<std::vector<Split>> enumerate(int32_t parallelism) = 0;
  virtual SplitReading reading() const { return {}; }
  /// Splits that have appeared since (new partitions, new topics of a
  /// pattern): those whose id is not in `known`.
  virtual Result<std::vector<Split>> discover(const std::set<std::string>& known) {
    return std::vector<Split>{};
  }
  /// The subtask of `parallelism` that reads a split found by discover() (and,
  /// when reading together, every split).
  virtual int32_t owner(const Split& split, int32_t parallelism) const {
    return parallelism <= 0 ? 0 : split.index % parallelism;
  }
};

}  // namespace eddy
