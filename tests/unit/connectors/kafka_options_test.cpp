// Unit tests for the kafka connector's options (src/connectors/kafka_options.h)
// and the exactly-once sink's bookkeeping (src/connectors/kafka_transactions.h).
#include <doctest/doctest.h>

#include <string>

#include "connectors/kafka_options.h"
#include "connectors/kafka_source.h"
#include "connectors/kafka_transactions.h"

using namespace eddy;

namespace {
std::string all(const std::vector<KafkaOptionProblem>& ps) {
  std::string out;
  for (const auto& p : ps) out += p.message + "\n";
  return out;
}
}  // namespace

TEST_CASE("kafka source options take Flink's names and defaults") {
  KafkaSourceConfig c;
  auto problems = read_kafka_source_options({{"topic", "orders"},
                                             {"properties.bootstrap.servers", "127.0.0.1:9092"},
                                             {"properties.group.id", "g1"},
                                             {"properties.fetch.min.bytes", "1"},
                                             {"format", "csv"}},
                                            c);
  CHECK(all(problems) == "");
  CHECK(c.topics == std::vector<std::string>{"orders"});
  CHECK(c.bootstrap_servers == "127.0.0.1:9092");
  CHECK(c.group_id == "g1");
  REQUIRE(c.properties.size() == 1);
  CHECK(c.properties[0].first == "fetch.min.bytes");
  CHECK(c.startup == KafkaStartup::kGroupOffsets);
  CHECK(c.format == KafkaFormat::kCsv);
  CHECK(c.on_error == OnError::kFail);
  CHECK_FALSE(c.bounded_latest);
  CHECK(c.discovery_interval_ms == 300000);
}

TEST_CASE("kafka source options: startup modes, bounded mode, discovery and parse errors") {
  KafkaSourceConfig c;
  auto problems = read_kafka_source_options({{"topic", "a; b"},
                                             {"properties.bootstrap.servers", "h:1"},
                                             {"scan.startup.mode", "earliest-offset"},
                                             {"scan.bounded.mode", "latest-offset"},
                                             {"scan.topic-partition-discovery.interval", "30 s"},
                                             {"json.ignore-parse-errors", "true"}},
                                            c);
  CHECK(all(problems) == "");
  CHECK(c.topics == std::vector<std::string>{"a", "b"});
  CHECK(c.startup == KafkaStartup::kEarliest);
  CHECK(c.bounded_latest);
  CHECK(c.discovery_interval_ms == 30000);
  CHECK(c.on_error == OnError::kSkip);
  KafkaSourceConfig m;
  CHECK(all(read_kafka_source_options({{"topic-pattern", "ev.*"},
                                       {"properties.bootstrap.servers", "h:1"},
                                       {"scan.topic-partition-discovery.interval", "5 min"}},
                                      m)) == "");
  CHECK(m.topic_pattern == "ev.*");
  CHECK(m.discovery_interval_ms == 300000);
}

TEST_CASE("kafka source options are refused naming the option") {
  KafkaSourceConfig c;
  auto problems = read_kafka_source_options({{"topic", "t"},
                                             {"scan.startup.mode", "specific-offsets"},
                                             {"format", "avro"},
                                             {"scan.bounded.mode", "timestamp"},
                                             {"scan.startup.timestamp-millis", "yesterday"},
                                             {"bogus", "1"}},
                                            c);
  const std::string text = all(problems);
  CHECK(text.find("'format' must be 'json', 'csv' or 'raw', not 'avro'") != std::string::npos);
  CHECK(text.find("'scan.bounded.mode' must be") != std::string::npos);
  CHECK(text.find("'scan.startup.timestamp-millis' must be epoch milliseconds") != std::string::npos);
  CHECK(text.find("unknown option 'bogus'") != std::string::npos);
  CHECK(text.find("needs 'properties.bootstrap.servers'") != std::string::npos);
  CHECK(text.find("needs 'scan.startup.specific-offsets'") != std::string::npos);
  bool located = false;
  for (const auto& p : problems) located = located || (p.option == 2 && p.message.find("avro") != std::string::npos);
  CHECK(located);
  KafkaSourceConfig both;
  CHECK(all(read_kafka_source_options({{"topic", "t"}, {"topic-pattern", "t.*"}, {"properties.bootstrap.servers", "h:1"}},
                                      both))
            .find("exactly one of 'topic' and 'topic-pattern'") != std::string::npos);
}

TEST_CASE("specific offsets parse as Flink writes them") {
  auto o = parse_kafka_specific_offsets("partition:0,offset:42;partition:1,offset:300");
  REQUIRE(o.ok());
  REQUIRE(o->size() == 2);
  CHECK((*o)[0] == std::make_pair(int32_t{0}, int64_t{42}));
  CHECK((*o)[1] == std::make_pair(int32_t{1}, int64_t{300}));
  auto spaced = parse_kafka_specific_offsets(" partition : 3 , offset : 7 ; ");
  REQUIRE(spaced.ok());
  CHECK((*spaced)[0] == std::make_pair(int32_t{3}, int64_t{7}));
  for (const char* bad : {"", "partition:0", "offset:1,partition:0", "partition:-1,offset:0", "partition:0,offset:x",
                          "partition:0,offset:1;partition:0,offset:2"})
    CHECK_MESSAGE(!parse_kafka_specific_offsets(bad).ok(), bad);
}

TEST_CASE("kafka sink options: delivery guarantees, partitioners, keys") {
  KafkaSinkConfig c;
  CHECK(all(read_kafka_sink_options({{"topic", "out"}, {"properties.bootstrap.servers", "h:1"}}, c)) == "");
  CHECK(c.delivery == KafkaDelivery::kAtLeastOnce);
  CHECK(c.partitioner == KafkaPartitioner::kDefault);
  CHECK(c.format == KafkaFormat::kJson);
  KafkaSinkConfig e;
  CHECK(all(read_kafka_sink_options({{"topic", "out"},
                                     {"properties.bootstrap.servers", "h:1"},
                                     {"sink.delivery-guarantee", "exactly-once"},
                                     {"sink.transactional-id-prefix", "job7"},
                                     {"sink.partitioner", "fixed"},
                                     {"key.fields", "a;b"},
                                     {"properties.transaction.timeout.ms", "60000"}},
                                    e)) == "");
  CHECK(e.delivery == KafkaDelivery::kExactlyOnce);
  CHECK(e.partitioner == KafkaPartitioner::kFixed);
  CHECK(e.key_fields == std::vector<std::string>{"a", "b"});
  CHECK(e.transaction_timeout_ms == 60000);
  KafkaSinkConfig bad;
  const std::string text = all(read_kafka_sink_options({{"topic", "out"},
                                                        {"properties.bootstrap.servers", "h:1"},
                                                        {"sink.delivery-guarantee", "exactly-once"},
                                                        {"properties.transactional.id", "x"},
                                                        {"sink.partitioner", "hash"}},
                                                       bad));
  CHECK(text.find("needs 'sink.transactional-id-prefix'") != std::string::npos);
  CHECK(text.find("set 'sink.transactional-id-prefix' instead") != std::string::npos);
  CHECK(text.find("'sink.partitioner' must be") != std::string::npos);
}

TEST_CASE("secret properties print as ***") {
  CHECK(describe_kafka_properties({{"sasl.username", "u"}, {"sasl.password", "hunter2"}}) ==
        "sasl.username=u, sasl.password=***");
}

TEST_CASE("a kafka split carries topic, partition, next offset and end") {
  Split s = kafka_split("orders", 7, 42, INT64_MAX);
  CHECK(s.id == "orders/7");
  CHECK(s.path == "orders");
  CHECK(s.index == 7);
  CHECK(s.position == 42);
  CHECK(s.end == INT64_MAX);
}

TEST_CASE("kafka enumerators deal partitions to subtasks and read them together, without end") {
  KafkaSourceConfig c;
  c.topics = {"t"};
  c.bootstrap_servers = "127.0.0.1:1";
  auto e = make_kafka_enumerator(c, "kafka source 's'");
  SplitReading r = e->reading();
  CHECK(r.together);
  CHECK(r.unbounded);
  CHECK(r.discovery_interval_ms == 300000);
  // Partitions of one topic go round robin over the subtasks, from a topic-dependent start.
  const int32_t first = e->owner(kafka_split("t", 0, 0, 0), 4);
  for (int32_t p = 0; p < 8; ++p) CHECK(e->owner(kafka_split("t", p, 0, 0), 4) == (first + p) % 4);
  c.bounded_latest = true;
  SplitReading b = make_kafka_enumerator(c, "s")->reading();
  CHECK(b.together);
  CHECK_FALSE(b.unbounded);
  CHECK(b.discovery_interval_ms == 0);
}

TEST_CASE("an exactly-once transaction is pre-committed at a barrier and committed when its checkpoint completes") {
  KafkaTransactions t;
  CHECK(t.phase() == KafkaTransactions::Phase::kNone);
  t.began();
  CHECK(t.writes_through());
  t.precommitted(3);
  CHECK_FALSE(t.writes_through());  // records wait for the commit
  CHECK_FALSE(t.commits_on(2));     // an older checkpoint's completion does not commit it
  CHECK(t.commits_on(3));
  CHECK(t.commits_on(5));           // nor does a later one leave it open
  t.ended();
  CHECK(t.phase() == KafkaTransactions::Phase::kNone);
  CHECK_FALSE(t.commits_on(5));
}

TEST_CASE("a checkpoint that never completes leaves its transaction for the next barrier") {
  KafkaTransactions t;
  t.began();
  t.precommitted(4);  // checkpoint 4 is declined somewhere
  t.precommitted(5);  // barrier 5: the same transaction now stands for 5
  CHECK(t.pending() == 5);
  CHECK_FALSE(t.commits_on(4));
  CHECK(t.commits_on(5));
}

TEST_CASE("the kafka sink state round-trips and refuses damage") {
  KafkaSinkState s;
  s.checkpoint_id = 9;
  s.subtask = 2;
  s.token = 1234567890123LL;
  s.records = {{"k1", "{\"a\":1}", -1}, {"", std::string("x\0y", 3), 4}};
  auto back = decode_kafka_sink_state(encode_kafka_sink_state(s));
  REQUIRE(back.ok());
  CHECK(back->checkpoint_id == 9);
  CHECK(back->subtask == 2);
  CHECK(back->token == 1234567890123LL);
  REQUIRE(back->records.size() == 2);
  CHECK(back->records[0].key == "k1");
  CHECK(back->records[1].value == std::string("x\0y", 3));
  CHECK(back->records[1].partition == 4);
  std::string bytes = encode_kafka_sink_state(s);
  CHECK_FALSE(decode_kafka_sink_state(bytes.substr(0, bytes.size() - 1)).ok());
  CHECK_FALSE(decode_kafka_sink_state("nonsense").ok());
  CHECK(kafka_transactional_id("job7", 3) == "job7-3");
}
