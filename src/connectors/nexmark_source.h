// The nexmark source: one table (person, auction or bid) of the Nexmark event
// stream as columnar batches. Shares deal out blocks of events; a reader walks
// its share's events and keeps those of its table. Built by the connector
// factory; a source subtask hosts the reader. No threads, never blocks.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "connectors/connector_config.h"
#include "connectors/generator_shares.h"
#include "connectors/nexmark_generator.h"
#include "connectors/source.h"

namespace eddy {

// SchemaPtr nexmark_schema(NexmarkTable) is declared in nexmark_generator.h.

/// Checks a configuration (block size, rates).
Status validate_nexmark_config(const NexmarkConfig& config);

/// `parallelism` shares, "share-i-of-p"; share i owns the blocks of
/// `block_events` events with block % p == i.
std::unique_ptr<SplitEnumerator> make_nexmark_enumerator(const NexmarkConfig& config);
std::unique_ptr<SourceReader> make_nexmark_reader(const NexmarkConfig& config);

/// Reads one share after another. `events` and `events_per_second` count
/// events of every kind, so a bid reader's position also moves over the
/// people and auctions it skips.
class NexmarkReader : public SourceReader {
 public:
  explicit NexmarkReader(const NexmarkConfig& config);

  Status open_split(const Split& split) override;
  Result<SourcePoll> poll(size_t max_rows) override;
  SchemaPtr schema() const override { return schema_; }
  /// The open split with `position` = position().
  Split resume_split() const override;

  /// Next event position within the share's sequence (0 = its first event).
  int64_t position() const { return position_; }
  /// Continues from `position` (as returned by position() earlier); clamped to
  /// the share's end. Restarts pacing.
  void seek(int64_t position);

 private:
  /// Collects up to `max_rows` events of the table among the next `max_events`
  /// events of the share into events_; returns how many events it walked.
  int64_t collect(int64_t max_rows, int64_t max_events);

  NexmarkConfig config_;
  SchemaPtr schema_;
  Status config_status_;
  NexmarkGenerator generator_;
  NexmarkEventKind kind_;
  bool open_ = false;
  Split split_;                    // the split last opened
  BlockShare share_;
  int64_t share_size_ = -1;        // events of the share; -1: unbounded
  int64_t position_ = 0;
  SharePacer pacer_;
  std::vector<int64_t> events_;    // scratch: the event numbers of the batch being built
};

}  // namespace eddy
