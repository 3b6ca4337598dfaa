// The kafka sink's exactly-once path against librdkafka's mock cluster in this
// process (real protocol): a transaction pre-committed at a barrier commits on
// completion with its marker; a restore from a checkpoint whose transaction never
// committed produces its records again, one whose transaction committed does not.
// (The mock shows aborted records to readers too, so the counts below include them.)
#include <doctest/doctest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <string>

#include "connectors/kafka_sink.h"

using namespace eddy;

namespace {

class NoOutput : public Collector {
 public:
  Status emit(RecordBatchPtr) override { return Status::ok(); }
};

struct Mock {
  Mock() {
    char err[256];
    holder = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), err, sizeof err);
    mc = rd_kafka_mock_cluster_new(holder, 3);
    rd_kafka_mock_topic_create(mc, "out", 1, 3);
    bootstrap = rd_kafka_mock_cluster_bootstraps(mc);
  }
  ~Mock() {
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(holder);
  }
  /// Messages in the topic (the mock writes no transaction markers).
  int64_t messages() const {
    char err[256];
    rd_kafka_conf_t* c = rd_kafka_conf_new();
    rd_kafka_conf_set(c, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
    rd_kafka_t* p = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
    int64_t lo = 0, hi = 0;
    rd_kafka_query_watermark_offsets(p, "out", 0, &lo, &hi, 10000);
    rd_kafka_destroy(p);
    return hi - lo;
  }
  rd_kafka_t* holder = nullptr;
  rd_kafka_mock_cluster_t* mc = nullptr;
  std::string bootstrap;
};

SchemaPtr schema() { return std::make_shared<Schema>(std::vector<Field>{{"id", DataType::kInt64}}); }

RecordBatchPtr rows(int64_t from, int64_t n) {
  BatchBuilder b(schema());
  for (int64_t i = from; i < from + n; ++i) {
    b.column(0).append_int(i);
    b.commit_rows(1);
  }
  return b.finish();
}

OperatorPtr open_sink(const Mock& mock) {
  KafkaSinkConfig c;
  c.topic = "out";
  c.bootstrap_servers = mock.bootstrap;
  c.delivery = KafkaDelivery::kExactlyOnce;
  c.transactional_id_prefix = "unit-eo";
  OperatorPtr sink = make_kafka_sink(c, schema(), "kafka sink 'out'");
  OperatorContext ctx;
  ctx.checkpoints = true;
  REQUIRE(sink->open(ctx).is_ok());
  return sink;
}

}  // namespace

TEST_CASE("a restored exactly-once kafka sink writes a checkpoint's records again unless its transaction committed last") {
  Mock mock;
  NoOutput out;
  std::string state1, state2;
  {
    OperatorPtr sink = open_sink(mock);
    REQUIRE(sink->process(rows(0, 3), out).is_ok());
    REQUIRE(sink->snapshot_operator_state(1, state1).is_ok());  // pre-committed
    REQUIRE(sink->notify_checkpoint_complete(1).is_ok());       // committed, with its token as marker
    REQUIRE(sink->process(rows(3, 2), out).is_ok());
    REQUIRE(sink->snapshot_operator_state(2, state2).is_ok());  // pre-committed ...
    REQUIRE(sink->close().is_ok());                             // ... and the process dies before it commits
  }
  CHECK(mock.messages() == 5);
  {
    // Restored from checkpoint 2: its transaction never committed (marker 1 < 2): written again.
    OperatorPtr sink = open_sink(mock);
    REQUIRE(sink->restore_operator_state({state2}).is_ok());
    CHECK(mock.messages() == 7);
    REQUIRE(sink->close().is_ok());
  }
  {
    // The replay above committed checkpoint 2's records with its marker: a second restore from it writes nothing.
    OperatorPtr sink = open_sink(mock);
    REQUIRE(sink->restore_operator_state({state2}).is_ok());
    CHECK(mock.messages() == 7);
    REQUIRE(sink->close().is_ok());
  }
  {
    // Restored from the older checkpoint 1 after later transactions committed: its
    // records come again (duplicates when rewinding, never a loss).
    OperatorPtr sink = open_sink(mock);
    REQUIRE(sink->restore_operator_state({state1}).is_ok());
    CHECK(mock.messages() == 10);
    REQUIRE(sink->close().is_ok());
  }
}
