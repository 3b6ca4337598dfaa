// The Operator interface: what every operator and sink implements. Operators
// see batches and a Collector, never actors, threads or sockets; the subtask
// actor (actors/subtask.cpp) hosts a chain of them through runtime/task_runner.h.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/record_batch.h"
#include "core/status.h"

namespace eddy {

/// Where an operator puts its output. Emitting an empty batch is allowed and ignored.
class Collector {
 public:
  virtual ~Collector() = default;
  virtual Status emit(RecordBatchPtr batch) = 0;
};

/// Counters an operator reports beyond records in/out (which the host counts).
struct OperatorCounters {
  uint64_t skipped_records = 0;  // malformed input dropped under on_error: skip
};

/// Where this operator instance runs: used for part file names and logs.
struct OperatorContext {
  std::string job_name;
  std::string operator_name;
  int32_t subtask_index = 0;
  int32_t parallelism = 1;
};

/// A config-built operator. Hooks return Status; none may throw.
class Operator {
 public:
  virtual ~Operator() = default;
  /// Called once before the first batch.
  virtual Status open(const OperatorContext& ctx) { return Status::ok(); }
  /// Processes one input batch, emitting zero or more batches to `out`.
  virtual Status process(const RecordBatchPtr& batch, Collector& out) = 0;
  /// End of input: flush whatever is buffered (sinks close their files here).
  virtual Status finish(Collector& out) { return Status::ok(); }
  /// Releases resources; called after finish() or on cancellation/failure.
  virtual Status close() { return Status::ok(); }
  /// Schema of the batches this operator emits (sinks: their input schema).
  virtual SchemaPtr output_schema() const = 0;
  virtual OperatorCounters counters() const { return {}; }
  /// True when the operator does blocking I/O (files, stdout), so the actor
  /// hosting it must run on its own thread.
  virtual bool blocking_io() const { return false; }
};

using OperatorPtr = std::unique_ptr<Operator>;

}  // namespace eddy
