// Unit tests of how TaskRunner (src/runtime) reports a failure: an operator
// that throws (a fault-injecting operator wraps a real window operator in the
// chain and throws std::bad_alloc, as allocation does when memory runs out),
// and an expression that fails on a record read from a file.
#include <doctest/doctest.h>

#include <fstream>
#include <new>
#include <stdexcept>

#include "plan/job_graph.h"
#include "plan/operator_factory.h"
#include "runtime/task_runner.h"
#include "unit/temp_dir.h"

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
  bool uses_keyed_state() const override { return inner_->uses_keyed_state(); }

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
/// batch, and returns the failure of that batch (the first holds 3 keys).
TaskFailure second_batch_failure(std::function<void()> error) {
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
  Status st = runner.on_batch(0, keys_batch(input, 0, 2), 0);
  REQUIRE_FALSE(st.is_ok());
  return runner.failure(st);
}

}  // namespace

TEST_CASE("an operator out of memory fails its subtask with its name, its keys and what to do") {
  TaskFailure f = second_batch_failure([] { throw std::bad_alloc(); });
  const std::string m = f.describe();
  CHECK_MESSAGE(m.find("'per_key' (subtask 1 of 1): ran out of memory (std::bad_alloc) holding 3 "
                       "keys in state") != std::string::npos, m);
  CHECK_MESSAGE(m.find("state: {backend: rocksdb}") != std::string::npos, m);
  CHECK_MESSAGE(m.find("more memory") != std::string::npos, m);
  CHECK(f.kind == FailureKind::kInternal);
  CHECK(f.restartable);
}

TEST_CASE("any other exception from an operator names the operator and the exception") {
  TaskFailure f = second_batch_failure([] { throw std::runtime_error("boom"); });
  CHECK(f.operator_name == "per_key");
  CHECK(f.subtask == 0);
  CHECK_MESSAGE(f.describe() == "'per_key' (subtask 1 of 1): threw: boom", f.describe());
}

namespace {

/// Runs the source vertex of `pipeline` (one file source chained with its
/// operators) over one split of `path` until it fails; returns the failure.
TaskFailure read_until_failure(const std::string& pipeline, const std::string& path) {
  auto graph = load_pipeline_text("p.yaml", pipeline);
  REQUIRE_MESSAGE(graph.ok(), graph.status().message());
  QuietHost host;
  TaskRunner runner(*graph, 0, 0, host);
  REQUIRE(runner.open().is_ok());
  REQUIRE(runner.start().is_ok());
  Split split;
  split.id = path;
  split.path = path;
  split.end = static_cast<int64_t>(std::filesystem::file_size(path));
  REQUIRE(runner.on_split(split).is_ok());
  for (int i = 0; i < 100; ++i) {
    auto step = runner.source_step();
    if (!step.ok()) return runner.failure(step.status());
    REQUIRE(*step == SourceStep::kProduced);
  }
  FAIL("the chain did not fail");
  return {};
}

std::string file_pipeline(const std::string& path, const std::string& operators) {
  return "name: ratios\nexecution: { batch_size: 2 }\nsources:\n  - name: rows\n    type: file\n    path: " + path +
         "\n    format: csv\n    header: true\n    schema: { id: int64, a: int64, b: int64 }\noperators:\n" + operators +
         "sinks:\n  - { name: out, input: calc, type: blackhole }\n";
}

}  // namespace

TEST_CASE("an expression that fails on a record names the operator, the column, the record and its lines") {
  test::TempDir dir;
  const std::string path = dir.file("in.csv");
  std::ofstream(path) << "id,a,b\n1,10,2\n2,10,5\n3,7,1\n4,9,0\n5,1,1\n";
  TaskFailure f = read_until_failure(
      file_pipeline(path, "  - name: calc\n    input: rows\n    select: { id: id, ratio: a / b }\n"), path);
  CHECK(f.kind == FailureKind::kExpression);
  CHECK_FALSE(f.restartable);
  CHECK(f.operator_name == "calc");
  // Batches of 2 rows: the third holds lines 4-5 of the file.
  CHECK_MESSAGE(f.describe() == "'calc' (subtask 1 of 1): column 'ratio' (a / b): division by zero, on the record "
                                "id=4, a=9, b=0, read from " + path + ", lines 4-5", f.describe());
}

TEST_CASE("a filter that fails on a record names the predicate and the record") {
  test::TempDir dir;
  const std::string path = dir.file("in.csv");
  std::ofstream(path) << "id,a,b\n1,10,2\n2,10,3\n";
  TaskFailure filter = read_until_failure(
      file_pipeline(path, "  - name: calc\n    input: rows\n    filter: \"a % (b - 2) = 0\"\n"), path);
  CHECK(filter.kind == FailureKind::kExpression);
  CHECK_MESSAGE(filter.describe().find("'calc' (subtask 1 of 1): the filter (a % (b - 2) = 0): division by zero, "
                                       "on the record id=1, a=10, b=2, read from " + path + ", lines 2-3") == 0,
                filter.describe());
}

TEST_CASE("a malformed record fails its source, which a restart cannot cure") {
  test::TempDir dir;
  const std::string path = dir.file("in.csv");
  std::ofstream(path) << "id,a,b\n1,10,2\n2,10,x\n";
  TaskFailure f = read_until_failure(file_pipeline(path, "  - name: calc\n    input: rows\n    filter: \"a > 0\"\n"),
                                     path);
  CHECK(f.kind == FailureKind::kRecord);
  CHECK_FALSE(f.restartable);
  CHECK(f.operator_name == "rows");
  CHECK_MESSAGE(f.message.find(path + ":3:") == 0, f.message);
}
