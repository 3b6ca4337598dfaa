// The kafka source's enumerator and readers (src/connectors/kafka_source.h)
// against librdkafka's mock cluster in this process (rdkafka_mock.h): real
// protocol, no test double of ours. Splits and their bounds, reading to the
// end, resuming at an offset, two partitions through one shared consumer, and
// a malformed record named by topic, partition and offset.
#include <doctest/doctest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <string>
#include <thread>

#include "connectors/kafka_source.h"

using namespace eddy;

namespace {

/// A 3-broker mock cluster with topic "t" of 4 partitions: partition 0 holds
/// ids 0..9, partition 1 ids 100..104, partition 2 one malformed record.
class MockCluster {
 public:
  MockCluster() {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    holder_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    mc_ = rd_kafka_mock_cluster_new(holder_, 3);
    rd_kafka_mock_topic_create(mc_, "t", 4, 3);
    bootstrap_ = rd_kafka_mock_cluster_bootstraps(mc_);
    rd_kafka_conf_t* pc = rd_kafka_conf_new();
    rd_kafka_conf_set(pc, "bootstrap.servers", bootstrap_.c_str(), err, sizeof err);
    rd_kafka_t* p = rd_kafka_new(RD_KAFKA_PRODUCER, pc, err, sizeof err);
    for (int i = 0; i < 10; ++i) produce(p, 0, "{\"id\":" + std::to_string(i) + "}");
    for (int i = 100; i < 105; ++i) produce(p, 1, "{\"id\":" + std::to_string(i) + "}");
    produce(p, 2, "{\"id\": oops}");
    rd_kafka_flush(p, 10000);
    rd_kafka_destroy(p);
  }
  ~MockCluster() {
    rd_kafka_mock_cluster_destroy(mc_);
    rd_kafka_destroy(holder_);
  }
  const std::string& bootstrap() const { return bootstrap_; }

 private:
  static void produce(rd_kafka_t* p, int32_t partition, const std::string& v) {
    rd_kafka_producev(p, RD_KAFKA_V_TOPIC("t"), RD_KAFKA_V_PARTITION(partition),
                      RD_KAFKA_V_VALUE(const_cast<char*>(v.data()), v.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                      RD_KAFKA_V_END);
  }
  rd_kafka_t* holder_ = nullptr;
  rd_kafka_mock_cluster_t* mc_ = nullptr;
  std::string bootstrap_;
};

KafkaSourceConfig config(const std::string& bootstrap) {
  KafkaSourceConfig c;
  c.topics = {"t"};
  c.bootstrap_servers = bootstrap;
  c.group_id = "unit";
  c.startup = KafkaStartup::kEarliest;
  c.bounded_latest = true;
  c.schema = std::make_shared<Schema>(std::vector<Field>{{"id", DataType::kInt64}});
  return c;
}

/// Reads `reader` to the end of its split (or an error); the ids read.
Result<std::vector<int64_t>> read_all(SourceReader& reader) {
  std::vector<int64_t> ids;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    EDDY_ASSIGN_OR_RETURN(SourcePoll p, reader.poll(1024));
    if (p.kind == SourcePoll::Kind::kEndOfSplit) return ids;
    if (p.kind == SourcePoll::Kind::kIdle) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      continue;
    }
    for (size_t r = 0; r < p.batch->num_rows; ++r) ids.push_back(p.batch->columns[0].ints[r]);
  }
  return Status::internal("the split did not end in 20 s");
}

}  // namespace

TEST_CASE("the kafka enumerator makes a split per partition, bounded at the offsets current at the start") {
  MockCluster kafka;
  auto e = make_kafka_enumerator(config(kafka.bootstrap()), "kafka source 'ev'");
  auto splits = e->enumerate(2);
  REQUIRE(splits.ok());
  REQUIRE(splits->size() == 4);
  CHECK((*splits)[0].id == "t/0");
  CHECK((*splits)[0].position == 0);
  CHECK((*splits)[0].end == 10);
  CHECK((*splits)[1].end == 5);
  CHECK((*splits)[2].end == 1);
  CHECK((*splits)[3].end == 0);
  KafkaSourceConfig latest = config(kafka.bootstrap());
  latest.startup = KafkaStartup::kLatest;
  auto at_end = make_kafka_enumerator(latest, "s")->enumerate(1);
  REQUIRE(at_end.ok());
  CHECK((*at_end)[0].position == 10);
  KafkaSourceConfig missing = config(kafka.bootstrap());
  missing.topics = {"nope"};
  auto none = make_kafka_enumerator(missing, "kafka source 'ev'")->enumerate(1);
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().message().find("topic 'nope' does not exist") != std::string::npos);
}

TEST_CASE("kafka readers read their partitions to the bound through one shared consumer, and resume at an offset") {
  MockCluster kafka;
  KafkaSourceConfig c = config(kafka.bootstrap());
  auto splits = make_kafka_enumerator(c, "s")->enumerate(1);
  REQUIRE(splits.ok());
  auto first = make_kafka_reader(c, "kafka source 'ev'");
  REQUIRE(first->open_split((*splits)[0]).is_ok());
  auto second = first->make_sibling();  // the same consumer
  REQUIRE(second);
  REQUIRE(second->open_split((*splits)[1]).is_ok());
  auto a = read_all(*first);
  auto b = read_all(*second);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(*a == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(*b == std::vector<int64_t>{100, 101, 102, 103, 104});
  CHECK(first->resume_split().position == 10);
  // A checkpoint that stood at offset 7 of partition 0 resumes there.
  Split resumed = (*splits)[0];
  resumed.position = 7;
  auto again = make_kafka_reader(c, "s");
  REQUIRE(again->open_split(resumed).is_ok());
  auto rest = read_all(*again);
  REQUIRE(rest.ok());
  CHECK(*rest == std::vector<int64_t>{7, 8, 9});
}

TEST_CASE("a malformed kafka record fails naming topic, partition and offset, or is skipped and counted") {
  MockCluster kafka;
  KafkaSourceConfig c = config(kafka.bootstrap());
  auto splits = make_kafka_enumerator(c, "s")->enumerate(1);
  REQUIRE(splits.ok());
  auto reader = make_kafka_reader(c, "kafka source 'ev'");
  REQUIRE(reader->open_split((*splits)[2]).is_ok());
  auto r = read_all(*reader);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kParseError);
  CHECK(r.status().message().find("kafka source 'ev': malformed record at topic t, partition 2, offset 0") == 0);
  c.on_error = OnError::kSkip;
  auto skipping = make_kafka_reader(c, "s");
  REQUIRE(skipping->open_split((*splits)[2]).is_ok());
  auto s = read_all(*skipping);
  REQUIRE(s.ok());
  CHECK(s->empty());
  CHECK(skipping->skipped_records() == 1);
}
