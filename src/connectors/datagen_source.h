// The datagen source (PIPELINES.md, "Sources for tests and benchmarks"):
// columns of sequences, random numbers, choices and timestamps whose row i
// depends only on the seed, the field's position and i. Built by the connector
// factory; a source subtask hosts the reader. No threads, never blocks.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "connectors/connector_config.h"
#include "connectors/generator_shares.h"
#include "connectors/source.h"

namespace eddy {

/// The output schema: one column per field, in order. Types follow the kind:
/// sequence int64, random int64|float64 (the field's type), choice string,
/// timestamp timestamp.
SchemaPtr datagen_schema(const DatagenConfig& config);

/// Checks one field against the rows it generates (`rows` < 0: unbounded):
/// the values of a bounded sequence or timestamp field, start + i * step for
/// every row i, must stay within int64; random bounds must be finite, within
/// int64 for int64 values, with a finite width for float64 ones. An unbounded
/// field that leaves int64 fails when it gets there (DatagenReader::poll).
Status check_datagen_field(const DatagenField& field, int64_t rows);

/// Checks a configuration (kinds, types, ranges, block size), each field with
/// check_datagen_field.
Status validate_datagen_config(const DatagenConfig& config);

/// `parallelism` shares, "share-i-of-p"; share i owns the blocks of
/// `block_rows` rows with block % p == i.
std::unique_ptr<SplitEnumerator> make_datagen_enumerator(const DatagenConfig& config);
std::unique_ptr<SourceReader> make_datagen_reader(const DatagenConfig& config);

/// Reads one share after another. Values are generated a column at a time.
class DatagenReader : public SourceReader {
 public:
  explicit DatagenReader(DatagenConfig config);

  Status open_split(const Split& split) override;
  Result<SourcePoll> poll(size_t max_rows) override;
  SchemaPtr schema() const override { return schema_; }
  /// The open split with `position` = position().
  Split resume_split() const override;

  /// Next position to produce within the share's sequence (0 = its first row).
  int64_t position() const { return position_; }
  /// Continues from `position` (as returned by position() earlier), e.g. on
  /// restore from a checkpoint; clamped to the share's end. Restarts pacing.
  void seek(int64_t position);

 private:
  /// Fails when an unbounded sequence or timestamp field would leave int64
  /// in the rows of runs_ (bounded ones were checked for every row up front).
  Status check_values_fit() const;
  void fill_column(size_t field, int64_t rows, Column& col);

  DatagenConfig config_;
  SchemaPtr schema_;
  Status config_status_;
  std::vector<uint64_t> field_keys_;   // per field: the seed mixed with its position
  bool open_ = false;
  Split split_;                        // the split last opened
  BlockShare share_;
  int64_t share_size_ = -1;            // rows of the share; -1: unbounded
  int64_t position_ = 0;
  SharePacer pacer_;
  std::vector<RowRun> runs_;           // scratch: the runs of the batch being built
  std::vector<uint32_t> choice_scratch_;
};

}  // namespace eddy
