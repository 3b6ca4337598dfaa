// The blackhole sink (type: blackhole): counts rows and writes nothing; for
// benchmarks and tests. Hosted by a sink subtask; emits nothing downstream.
#pragma once

#include <cstdint>

#include "operators/operator.h"

namespace eddy {

/// Counts the rows it receives.
class BlackholeSink : public Operator {
 public:
  explicit BlackholeSink(SchemaPtr input) : input_(std::move(input)) {}

  Status process(const RecordBatchPtr& batch, Collector&) override {
    rows_ += batch->num_rows;
    return Status::ok();
  }
  SchemaPtr output_schema() const override { return input_; }
  /// Rows received so far.
  uint64_t rows() const { return rows_; }

 private:
  SchemaPtr input_;
  uint64_t rows_ = 0;
};

OperatorPtr make_blackhole_sink(SchemaPtr input);

}  // namespace eddy
