// Unit tests of how TaskRunner (src/runtime) reports an operator that throws:
// a fault-injecting operator wraps a real window operator in the chain and
// throws std::bad_alloc, as allocation does when memory runs out.
#include <doctest/doctest.h>

#include <new>
#include <stdexcept>

#include "plan/job_graph.h"
#include "plan/operator_factory.h"
#include "runtime/task_runner.h"

using namespace eddy;

namespace {

const char* kPipeline = R"Y(name: oom
sources:
  - name: gen
    type: datagen
    rows: 100
    fields:
      k: { kind: sequence }
      ts: { kind: timestamp, start: "2024-01-01 00:00:00", step: 1ms }
    event_time: { column: ts }
operators:
  - name: per_key
    input: gen
    key_by: [k]
    window: { type: tumbling, size: 1h }
    aggregate: { n: "count(*)" }
sinks:
  - { name: out, input: per_key, type: blackhole }
)Y";

/// Forwards to `inner` until `throw_at`-th batch, which it answers by
/// throwing `error` from process(), after the inner operator took it.
class ThrowingOperator final : public Operator {
 public:
  ThrowingOperator(OperatorPtr inner, int throw_at, std::function<void()> error)
      : inner_(std::move(inner)), throw_at_(throw_at), error_(std::move(error)) {}
  Status open(const OperatorContext& ctx) override { return inner_->open(ctx); }
  Status process(const RecordBatchPtr& batch, Collector& out) override {
    EDDY_RETURN_IF_ERROR(inner_->process(batch, out));
    if (++batches_ == throw_at_) error_();
    return Status::ok();
  }
  Status on_watermark(int64_t watermark_ms, Collector& out) override {
    return inner_->on_watermark(watermark_ms, out);
  }
  OperatorCounters counters() const override { return inner_->counters(); }
  SchemaPtr output_schema() const override { return inner_->output_schema(); }
  KeyedStateBackend* keyed_state() override { return inner_->keyed_state(); }

 private:
  OperatorPtr inner_;
  int throw_at_;
  std::function<void()> error_;
  int batches_ = 0;
};

class QuietHost final : public TaskHost {
 public:
  void send_batch(int, int, const RecordBatchPtr&, int32_t) override {}
  void send_event(int, int, const StreamEvent&) override {}
  void send_credit(int, int32_t) override {}
  void ack_checkpoint(int64_t, const SubtaskSnapshot&) override {}
  void decline_checkpoint(int64_t, const std::string&) override {}
  void snapshot_written(int64_t) override {}
};

/// Rows k = first .. first + n - 1, all at the same event time.
RecordBatchPtr keys_batch(const SchemaPtr& schema, int64_t first, int64_t n) {
  auto b = std::make_shared<RecordBatch>();
  b->schema = schema;
  b->columns = make_columns(*schema);
  for (int64_t i = 0; i < n; ++i) {
    b->columns[0].ints.push_back(first + i);
    b->columns[1].ints.push_back(1704067200000);
  }
  b->num_rows = static_cast<size_t>(n);
  return b;
}

/// Runs the window's vertex, whose operator throws `error` at its second
/// batch, and returns the Status of that batch (the first holds 3 keys).
Status second_batch_status(std::function<void()> error) {
  auto graph = load_pipeline_text("oom.yaml", kPipeline);
  REQUIRE_MESSAGE(graph.ok(), graph.status().message());
  const int window_node = 1;
  REQUIRE((*graph)->nodes[window_node].name == "per_key");
  const int vertex = (*graph)->nodes[window_node].vertex;
  TaskOptions options;
  options.make_operators = [&](const JobGraph& g, int v) -> Result<std::vector<OperatorPtr>> {
    EDDY_ASSIGN_OR_RETURN(auto ops, make_chain_operators(g, v));
    ops[0] = std::make_unique<ThrowingOperator>(std::move(ops[0]), 2, error);
    return ops;
  };
  QuietHost host;
  TaskRunner runner(*graph, vertex, 0, host, options);
  REQUIRE(runner.open().is_ok());
  REQUIRE(runner.start().is_ok());
  const SchemaPtr input = (*graph)->nodes[window_node].input_schema;
  REQUIRE(runner.on_batch(0, keys_batch(input, 0, 3), 0).is_ok());
  return runner.on_batch(0, keys_batch(input, 0, 2), 0);
}

}  // namespace

TEST_CASE("an operator out of memory fails its subtask with its name, its keys and what to do") {
  Status st = second_batch_status([] { throw std::bad_alloc(); });
  REQUIRE_FALSE(st.is_ok());
  const std::string& m = st.message();
  CHECK_MESSAGE(m.find("operator 'per_key' (subtask 0 of 1) ran out of memory (std::bad_alloc) holding 3 "
                       "keys in state") != std::string::npos, m);
  CHECK_MESSAGE(m.find("state: {backend: rocksdb}") != std::string::npos, m);
  CHECK_MESSAGE(m.find("more memory") != std::string::npos, m);
}

TEST_CASE("any other exception from an operator names the operator and the exception") {
  Status st = second_batch_status([] { throw std::runtime_error("boom"); });
  REQUIRE_FALSE(st.is_ok());
  CHECK_MESSAGE(st.message() == "operator 'per_key' (subtask 0 of 1) threw: boom", st.message());
}
