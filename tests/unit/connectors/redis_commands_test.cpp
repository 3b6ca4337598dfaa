// Unit tests for the redis sink's commands and state (src/connectors/
// redis_commands.h, redis_sink_state.h): rows into HSET/HDEL/DEL/XADD, the
// command buffer's encoding, and the exactly-once state round trip.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "connectors/redis_commands.h"
#include "connectors/redis_sink_state.h"

using namespace eddy;

namespace {

// Every command of `b` as its arguments joined by spaces.
std::vector<std::string> texts(const RedisCommandBuffer& b) {
  std::vector<std::string> out;
  Status s = b.for_each([&](const std::vector<const char*>& argv, const std::vector<size_t>& lens) {
    std::string line;
    for (size_t i = 0; i < argv.size(); ++i) line += (i ? " " : "") + std::string(argv[i], lens[i]);
    out.push_back(line);
    return Status::ok();
  });
  CHECK(s.is_ok());
  return out;
}

// op, id, name, score: rows given as (op, id, name or "" for NULL, score).
RecordBatchPtr changelog(const std::vector<std::tuple<std::string, int64_t, std::string, double>>& rows) {
  auto schema = std::make_shared<Schema>(std::vector<Field>{
      {"op", DataType::kString}, {"id", DataType::kInt64}, {"name", DataType::kString}, {"score", DataType::kFloat64}});
  BatchBuilder b(schema);
  for (const auto& [op, id, name, score] : rows) {
    b.column(0).append_string(op);
    b.column(1).append_int(id);
    if (name.empty()) b.column(2).append_null();
    else b.column(2).append_string(name);
    b.column(3).append_double(score);
    b.commit_rows(1);
  }
  return b.finish();
}

}  // namespace

TEST_CASE("a hash sink writes HSET per upsert, HDEL for NULL columns, DEL per delete, nothing for -U") {
  RedisSinkConfig c;
  c.key_prefix = "user:";
  c.primary_key = {"id"};
  c.updating = true;
  auto batch = changelog({{"+I", 1, "ann", 1.5}, {"-U", 1, "ann", 1.5}, {"+U", 1, "", 2.0}, {"-D", 2, "bo", 0.0}});
  auto rows = RedisRowCommands::make(c, batch->schema);
  REQUIRE(rows.ok());
  RedisCommandBuffer out;
  CHECK(rows->append(*batch, out) == 4);
  CHECK(texts(out) == std::vector<std::string>{"HSET user:1 name ann score 1.5", "HSET user:1 score 2.0",
                                               "HDEL user:1 name", "DEL user:2"});
}

TEST_CASE("a key of several columns joins their values with the delimiter") {
  RedisSinkConfig c;
  c.primary_key = {"id", "name"};
  c.key_delimiter = "|";
  c.updating = true;
  auto batch = changelog({{"+I", 7, "x", 3.0}});
  auto rows = RedisRowCommands::make(c, batch->schema);
  REQUIRE(rows.ok());
  RedisCommandBuffer out;
  rows->append(*batch, out);
  CHECK(texts(out) == std::vector<std::string>{"HSET 7|x score 3.0"});
}

TEST_CASE("a stream sink adds one entry per row, op included, NULLs left out") {
  RedisSinkConfig c;
  c.data_type = RedisDataType::kStream;
  c.stream_key = "events";
  c.updating = true;
  auto batch = changelog({{"+I", 1, "", 0.25}});
  auto rows = RedisRowCommands::make(c, batch->schema);
  REQUIRE(rows.ok());
  RedisCommandBuffer out;
  rows->append(*batch, out);
  CHECK(texts(out) == std::vector<std::string>{"XADD events * op +I id 1 score 0.25"});
}

TEST_CASE("a hash sink without a key, or with only key columns, is refused") {
  auto batch = changelog({});
  RedisSinkConfig c;
  c.updating = true;
  CHECK(!RedisRowCommands::make(c, batch->schema).ok());
  c.primary_key = {"op"};
  CHECK(!RedisRowCommands::make(c, batch->schema).ok());
  c.primary_key = {"id", "name", "score"};
  auto all = RedisRowCommands::make(c, batch->schema);
  REQUIRE(!all.ok());
  CHECK(all.status().message().find("no field") != std::string::npos);
}

TEST_CASE("the command buffer reads back its own bytes and refuses cut ones") {
  RedisCommandBuffer b;
  b.begin(3);
  b.arg("SET");
  b.arg("k");
  b.arg(std::string("v\0w", 3));  // binary-safe
  auto back = RedisCommandBuffer::from_bytes(b.bytes());
  REQUIRE(back.ok());
  CHECK(back->commands() == 1);
  CHECK(texts(*back) == std::vector<std::string>{std::string("SET k v\0w", 9)});
  CHECK(!RedisCommandBuffer::from_bytes(b.bytes().substr(0, b.bytes().size() - 1)).ok());
}

TEST_CASE("the exactly-once state keeps each checkpoint's commands and marker field") {
  std::vector<RedisPendingCommit> pending(2);
  pending[0].checkpoint_id = 4;
  pending[0].marker_field = redis_marker_field("abc", "sink1", 0);
  pending[0].commands.begin(2);
  pending[0].commands.arg("DEL");
  pending[0].commands.arg("k");
  pending[1].checkpoint_id = 5;
  pending[1].marker_field = redis_marker_field("", "sink1", 1);
  auto back = decode_redis_sink_state(encode_redis_sink_state(pending));
  REQUIRE(back.ok());
  REQUIRE(back->size() == 2);
  CHECK((*back)[0].checkpoint_id == 4);
  CHECK((*back)[0].marker_field == "abc/sink1/0");
  CHECK(texts((*back)[0].commands) == std::vector<std::string>{"DEL k"});
  CHECK((*back)[1].marker_field == "untagged/sink1/1");
  CHECK((*back)[1].commands.empty());
  CHECK(!decode_redis_sink_state("garbage").ok());
}
