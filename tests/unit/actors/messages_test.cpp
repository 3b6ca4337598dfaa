// Unit tests of the actor message vocabulary (actors/messages.h): every message
// type survives CAF's binary serialization, which is what crosses nodes in
// cluster mode; a batch goes through msgpack on the way.
#include <doctest/doctest.h>

#include "actors/messages.h"

using namespace eddy;

namespace {

struct TestConfig : caf::actor_system_config {
  TestConfig() { eddy::add_message_types(*this); }
};

template <class T>
T round_trip(caf::actor_system& sys, T value) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  auto err = sink(value);
  REQUIRE_MESSAGE(!err, sys.render(err));
  T out;
  caf::binary_deserializer source{sys, buf};
  err = source(out);
  REQUIRE_MESSAGE(!err, sys.render(err));
  return out;
}

RecordBatchPtr sample_batch() {
  auto schema = std::make_shared<Schema>(std::vector<Field>{
      {"id", DataType::kInt64}, {"name", DataType::kString}, {"ts", DataType::kTimestamp}});
  BatchBuilder b(schema);
  for (int i = 0; i < 100; ++i) {
    b.column(0).append_int(i);
    if (i % 10 == 0) b.column(1).append_null();
    else b.column(1).append_string("row " + std::to_string(i));
    b.column(2).append_int(1704067200000LL + i);
    b.commit_rows(1);
  }
  return b.finish();
}

}  // namespace

TEST_CASE("a batch payload crosses a serializer as msgpack and comes back equal") {
  TestConfig cfg;
  caf::actor_system sys{cfg};
  RecordBatchPtr batch = sample_batch();
  BatchPayload back = round_trip(sys, BatchPayload{batch});
  REQUIRE(back.batch);
  CHECK(back.batch->num_rows == 100);
  CHECK(*back.batch->schema == *batch->schema);
  CHECK(back.batch->to_debug_string() == batch->to_debug_string());
  CHECK(back.batch.get() != batch.get());
}

TEST_CASE("control messages round-trip through CAF serialization") {
  TestConfig cfg;
  caf::actor_system sys{cfg};
  Split s{"data/a.csv:0-100", "data/a.csv", 0, 100, 1, 0, 1};
  SplitReply reply = round_trip(sys, SplitReply{true, s, {s}, ""});
  CHECK(reply.more.size() == 1);
  CHECK(reply.has_split);
  CHECK(reply.split.id == s.id);
  CHECK(reply.split.end == 100);

  JobResult r;
  r.job_id = 7;
  r.state = "FINISHED";
  r.metrics.push_back({"gen", 0, 10, 0, 1, 123, 2});
  r.parallelism = {2};
  JobResult r2 = round_trip(sys, r);
  CHECK(r2.job_id == 7);
  CHECK(r2.state == "FINISHED");
  REQUIRE(r2.metrics.size() == 1);
  CHECK(r2.metrics[0].records_out == 10);
  CHECK(r2.metrics[0].skipped == 2);

  TaskDeployment d{3, {"p.yaml", "name: x", 4}, 1, 2, caf::actor{}};
  d.job.allow_non_restored_state = true;
  d.job.max_parallelism = 256;  // a key-group count the job manager adopted from a savepoint
  TaskDeployment d2 = round_trip(sys, d);
  CHECK(d2.job.text == "name: x");
  CHECK(d2.job.parallelism == 4);
  CHECK(d2.job.allow_non_restored_state);
  CHECK(d2.job.max_parallelism == 256);
  CHECK(d2.subtask == 2);

  JobAccepted accepted = round_trip(sys, JobAccepted{9, {"skipping the savepoint's state of operator 'w'"}});
  CHECK(accepted.id == 9);
  CHECK(accepted.notes == std::vector<std::string>{"skipping the savepoint's state of operator 'w'"});
}

TEST_CASE("a corrupt batch payload is refused, not crashed on") {
  TestConfig cfg;
  caf::actor_system sys{cfg};
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  std::string garbage = "\x93\x01\x02not msgpack";
  REQUIRE(!sink(garbage));
  BatchPayload out;
  caf::binary_deserializer source{sys, buf};
  CHECK(source(out));  // an error
  CHECK_FALSE(out.batch);
}

TEST_CASE("a task failure crosses nodes with its kind, operator, subtask and message") {
  TestConfig cfg;
  caf::actor_system sys{cfg};
  TaskFailure f = failure_from_status(Status::invalid("column 'ratio' (a / b): division by zero"), "calc", 1, 2);
  f.kind = FailureKind::kExpression;
  TaskFailure back = round_trip(sys, f);
  CHECK(back.kind == FailureKind::kExpression);
  CHECK_FALSE(back.restartable);
  CHECK(back.operator_name == "calc");
  CHECK(back.subtask == 1);
  CHECK(back.parallelism == 2);
  CHECK(back.describe() == "'calc' (subtask 2 of 2): column 'ratio' (a / b): division by zero");

  std::vector<char> buf;  // a kind this build does not know is refused
  caf::binary_serializer sink{sys, buf};
  REQUIRE(!sink(int8_t{99}, true, std::string("x"), int32_t{0}, int32_t{1}, std::string("m")));
  TaskFailure unknown;
  caf::binary_deserializer source{sys, buf};
  CHECK(source(unknown));
}

TEST_CASE("eddy's job errors keep their code and their text") {
  TestConfig cfg;
  caf::actor_system sys{cfg};
  caf::error err = make_job_error(JobError::kNoSuchJob, "no job with id 0123456789abcdef");
  CHECK(is_job_error(err, JobError::kNoSuchJob));
  CHECK_FALSE(is_job_error(err, JobError::kJobEnded));
  CHECK_FALSE(is_job_error(caf::make_error(caf::sec::invalid_argument, "x"), JobError::kNoSuchJob));
  CHECK(error_text(sys, err) == "no job with id 0123456789abcdef");
}

TEST_CASE("a lost link reads as a closed connection, not as a CAF exit reason") {
  const std::string text = exit_reason_text(caf::make_error(caf::exit_reason::remote_link_unreachable));
  CHECK(text == "its connection closed (the process died, or the network failed)");
  CHECK(exit_reason_text(caf::make_error(caf::exit_reason::kill)) == "it was killed");
}

TEST_CASE("a subtask's metrics sample round-trips through CAF serialization") {
  TestConfig cfg;
  caf::actor_system sys{cfg};
  SubtaskSample s;
  s.vertex = 2;
  s.subtask = 1;
  s.attempt = 3;
  s.time_ms = 1700000000000;
  OperatorMetrics op{"win"};
  op.records_in = 10;
  op.state_bytes = 4096;
  s.operators = {op};
  s.bytes_in = 80;
  s.busy_ns = 5;
  s.backpressured_ns = 6;
  s.idle_ns = 7;
  s.in_pool_usage = 0.5;
  s.output_queue = 4;
  s.channels = {ChannelSample{1, 3, 1234, true, false, 2}};
  s.input_watermarks = {1234, INT64_MIN};
  s.last_event_time = 99;
  s.key_group_records = {0, 5, 0, 7};
  s.checkpoint = SubtaskCheckpointSample{8, 100, 200, 300, 400};
  s.activity = "backpressured";
  SubtaskSample back = round_trip(sys, s);
  CHECK(back.vertex == 2);
  CHECK(back.attempt == 3);
  CHECK(back.time_ms == 1700000000000);
  REQUIRE(back.operators.size() == 1);
  CHECK(back.operators[0].state_bytes == 4096);
  CHECK(back.idle_ns == 7);
  CHECK(back.in_pool_usage == 0.5);
  REQUIRE(back.channels.size() == 1);
  CHECK(back.channels[0].input == 1);
  CHECK(back.channels[0].idle);
  CHECK(back.channels[0].queued == 2);
  CHECK(back.input_watermarks == s.input_watermarks);
  CHECK(back.key_group_records == s.key_group_records);
  CHECK(back.checkpoint.async_us == 300);
  CHECK(back.activity == "backpressured");
  JobResult r;
  r.load = {VertexLoad{0.5, 0.25, 0.75, 1.0}};
  CHECK(round_trip(sys, r).load[0].in_pool == 0.75);
}
