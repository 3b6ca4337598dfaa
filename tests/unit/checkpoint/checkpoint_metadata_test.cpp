// Unit tests for the _metadata codec (src/checkpoint/checkpoint_metadata.h):
// a round trip keeps every field, and damaged or hostile bytes are refused
// with a message instead of a crash or an exception.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "checkpoint/checkpoint_metadata.h"
#include "checkpoint/checksum.h"

#include <msgpack.hpp>

using namespace eddy;

namespace {

CheckpointMetadata sample_metadata() {
  CheckpointMetadata m;
  m.id = 42;
  m.savepoint = false;
  m.timestamp_ms = 1700000000123;
  m.job_name = "clicks per user";
  m.max_parallelism = 256;
  m.state_backend = "rocksdb";
  m.operators = {{"src", "source:datagen", true, {}},
                 {"only_clicks", "filter", false, {}},
                 {"counts", "window", true, {"int64", "string"},
                  {{"window", "tumbling 10s on event time"}, {"aggregates", "[n: count(*)]"}}},
                 {"out", "sink:file", true, {}, {{"format", "jsonl"}}}};
  m.coordinator_states["src"] = std::string("\x00\x01\xff splits", 10);
  m.coordinator_states["other"] = "";
  for (int32_t i = 0; i < 2; ++i) {
    SubtaskSnapshot s;
    s.vertex = "src -> only_clicks -> counts";
    s.nodes = {"src", "only_clicks", "counts"};
    s.subtask = i;
    s.parallelism = 2;
    s.state_file = {"counts-" + std::to_string(i) + ".state", 0xdeadbeef + i, 4096 + i};
    s.private_files = {{"rocksdb-" + std::to_string(i) + "/MANIFEST-000005", 7, 123},
                       {"rocksdb-" + std::to_string(i) + "/CURRENT", 0xffffffffu, 16}};
    s.shared_files = {{"000012.sst", 1, 1 << 20}, {"000013.sst", 2, 5}};
    s.full_bytes = 1 << 22;
    s.incremental_bytes = 12345;
    s.sync_duration_us = 987;
    s.alignment_us = 65;
    m.subtasks.push_back(s);
  }
  return m;
}

void check_same_file(const StateFileRef& a, const StateFileRef& b) {
  CHECK(a.path == b.path);
  CHECK(a.crc == b.crc);
  CHECK(a.size == b.size);
}

void check_same(const CheckpointMetadata& a, const CheckpointMetadata& b) {
  CHECK(a.id == b.id);
  CHECK(a.savepoint == b.savepoint);
  CHECK(a.timestamp_ms == b.timestamp_ms);
  CHECK(a.job_name == b.job_name);
  CHECK(a.max_parallelism == b.max_parallelism);
  CHECK(a.state_backend == b.state_backend);
  REQUIRE(a.operators.size() == b.operators.size());
  for (size_t i = 0; i < a.operators.size(); ++i) {
    CHECK(a.operators[i].name == b.operators[i].name);
    CHECK(a.operators[i].kind == b.operators[i].kind);
    CHECK(a.operators[i].has_state == b.operators[i].has_state);
    CHECK(a.operators[i].key_types == b.operators[i].key_types);
    CHECK(a.operators[i].layout == b.operators[i].layout);
    CHECK(a.operators[i].layout_version == b.operators[i].layout_version);
  }
  CHECK(a.coordinator_states == b.coordinator_states);
  REQUIRE(a.subtasks.size() == b.subtasks.size());
  for (size_t i = 0; i < a.subtasks.size(); ++i) {
    const SubtaskSnapshot& x = a.subtasks[i];
    const SubtaskSnapshot& y = b.subtasks[i];
    CHECK(x.vertex == y.vertex);
    CHECK(x.nodes == y.nodes);
    CHECK(x.subtask == y.subtask);
    CHECK(x.parallelism == y.parallelism);
    check_same_file(x.state_file, y.state_file);
    REQUIRE(x.private_files.size() == y.private_files.size());
    for (size_t j = 0; j < x.private_files.size(); ++j)
      check_same_file(x.private_files[j], y.private_files[j]);
    REQUIRE(x.shared_files.size() == y.shared_files.size());
    for (size_t j = 0; j < x.shared_files.size(); ++j)
      check_same_file(x.shared_files[j], y.shared_files[j]);
    CHECK(x.full_bytes == y.full_bytes);
    CHECK(x.incremental_bytes == y.incremental_bytes);
    CHECK(x.sync_duration_us == y.sync_duration_us);
    CHECK(x.alignment_us == y.alignment_us);
  }
}

/// Frames `body` the way encode_metadata does, with a correct length and CRC,
/// so tests can hand the decoder a well-framed but wrong body.
std::string framed(const std::string& body, uint32_t version = kMetadataFormatVersion) {
  std::string out = "EDDYCKPT";
  auto put = [&](uint64_t v, int width) {
    for (int i = 0; i < width; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  put(version, 4);
  put(body.size(), 8);
  put(crc32_of(body), 4);
  return out + body;
}

}  // namespace

TEST_CASE("checkpoint metadata survives an encode/decode round trip") {
  const CheckpointMetadata m = sample_metadata();
  Result<CheckpointMetadata> back = decode_metadata(encode_metadata(m));
  REQUIRE_MESSAGE(back.ok(), back.status().to_string());
  check_same(m, *back);
}

TEST_CASE("an empty savepoint's metadata survives a round trip") {
  CheckpointMetadata m;
  m.id = 3;
  m.savepoint = true;
  m.state_backend = "heap";
  Result<CheckpointMetadata> back = decode_metadata(encode_metadata(m));
  REQUIRE_MESSAGE(back.ok(), back.status().to_string());
  check_same(m, *back);
}

TEST_CASE("a flipped bit in any byte of the metadata is detected") {
  const std::string good = encode_metadata(sample_metadata());
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    Result<CheckpointMetadata> m = decode_metadata(bad);
    CHECK_MESSAGE(!m.ok(), "flipping byte " << i << " went unnoticed");
    if (i >= 24) CHECK(m.status().message().find("CRC-32 mismatch") != std::string::npos);
  }
}

TEST_CASE("truncated metadata is refused at every length") {
  const std::string good = encode_metadata(sample_metadata());
  for (size_t n = 0; n < good.size(); ++n) {
    Result<CheckpointMetadata> m = decode_metadata(std::string_view(good).substr(0, n));
    CHECK_MESSAGE(!m.ok(), "a prefix of " << n << " bytes was accepted");
    CHECK(m.status().code() == StatusCode::kParseError);
    CHECK(m.status().message().find("truncated") != std::string::npos);
  }
}

TEST_CASE("metadata with trailing bytes, a foreign magic or a newer version is refused") {
  const std::string good = encode_metadata(sample_metadata());
  CHECK(decode_metadata(good + "x").status().message().find("unexpected bytes") !=
        std::string::npos);
  CHECK(decode_metadata("PK\x03\x04" + good.substr(4)).status().message().find("bad magic") !=
        std::string::npos);
  std::string newer = good;
  newer[8] = 3;
  CHECK(decode_metadata(newer).status().message().find("format version 3 is not supported") !=
        std::string::npos);
}

TEST_CASE("a well-framed body of the wrong shape is refused naming the field") {
  // [id, savepoint, ...] with a string where the id belongs: msgpack fixarray(9), "x", ...
  std::string body = "\x99\xa1x";
  body += std::string(8, '\xc0');  // nil for the other fields
  Result<CheckpointMetadata> m = decode_metadata(framed(body));
  REQUIRE(!m.ok());
  CHECK(m.status().message().find("id: expected an integer") != std::string::npos);

  CHECK(decode_metadata(framed("\x93\x01\x02\x03")).status().message().find(
            "expected 9 fields, found 3") != std::string::npos);
  CHECK(decode_metadata(framed("\xc1")).status().message().find("not msgpack") !=
        std::string::npos);
  CHECK(decode_metadata(framed("\x01\x02")).status().message().find("trailing bytes") !=
        std::string::npos);
  // An array header claiming 4 billion elements in a few bytes.
  CHECK(!decode_metadata(framed("\xdd\xff\xff\xff\xff")).ok());
}

TEST_CASE("metadata naming a file outside the checkpoint dir is refused") {
  for (const std::string path : {"../../etc/passwd", "/etc/passwd", "a//b", "./x", ""}) {
    CheckpointMetadata m = sample_metadata();
    m.subtasks[1].shared_files[0].path = path;
    Result<CheckpointMetadata> back = decode_metadata(encode_metadata(m));
    REQUIRE(!back.ok());
    CHECK(back.status().message().find("subtasks[1].shared_files[0].path") != std::string::npos);
  }
}

TEST_CASE("metadata with an impossible subtask index is refused") {
  CheckpointMetadata m = sample_metadata();
  m.subtasks[0].subtask = 2;
  CHECK(decode_metadata(encode_metadata(m)).status().message().find(
            "subtask 2 of parallelism 2 is impossible") != std::string::npos);
}

TEST_CASE("random bodies never crash the decoder") {
  std::mt19937 rng(7);
  const std::string good = encode_metadata(sample_metadata()).substr(24);
  for (int round = 0; round < 3000; ++round) {
    std::string body = good;
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) body[rng() % body.size()] = static_cast<char>(rng());
    if (rng() % 4 == 0) body.resize(rng() % body.size());
    (void)decode_metadata(framed(body));  // must return, ok or not
  }
}

TEST_CASE("safe relative paths stay inside their dir") {
  CHECK(is_safe_relative_path("counts-0.state"));
  CHECK(is_safe_relative_path("rocksdb-1/MANIFEST-000005"));
  CHECK(is_safe_relative_path(".hidden"));
  CHECK_FALSE(is_safe_relative_path(""));
  CHECK_FALSE(is_safe_relative_path("/abs"));
  CHECK_FALSE(is_safe_relative_path(".."));
  CHECK_FALSE(is_safe_relative_path("a/../../b"));
  CHECK_FALSE(is_safe_relative_path("a/./b"));
  CHECK_FALSE(is_safe_relative_path("a/"));
  CHECK_FALSE(is_safe_relative_path(std::string("a\0b", 3)));
}

TEST_CASE("metadata of format version 1 decodes with its layouts marked unknown") {
  // The body an eddy before state layouts wrote: operators [name, kind, has_state, key_types].
  std::string body;
  struct Sink {
    std::string& out;
    void write(const char* p, size_t n) { out.append(p, n); }
  } sink{body};
  msgpack::packer<Sink> pk(sink);
  pk.pack_array(9);
  pk.pack(int64_t{7});
  pk.pack(true);
  pk.pack(int64_t{1700000000000});
  pk.pack(std::string("old job"));
  pk.pack(int32_t{128});
  pk.pack(std::string("heap"));
  pk.pack_array(1);
  pk.pack_array(4);
  pk.pack(std::string("counts"));
  pk.pack(std::string("keyed_aggregate"));
  pk.pack(true);
  pk.pack(std::vector<std::string>{"int64"});
  pk.pack_map(0);
  pk.pack_array(0);
  Result<CheckpointMetadata> m = decode_metadata(framed(body, 1));
  REQUIRE_MESSAGE(m.ok(), m.status().to_string());
  REQUIRE(m->operators.size() == 1);
  CHECK(m->operators[0].name == "counts");
  CHECK(m->operators[0].key_types == std::vector<std::string>{"int64"});
  CHECK(m->operators[0].layout.empty());
  CHECK(m->operators[0].layout_version == 0);
  // The same body framed as version 2 lacks the layouts: refused, naming the field.
  CHECK(decode_metadata(framed(body, 2)).status().message().find("operators[0]: expected 5 fields, found 4") !=
        std::string::npos);
}
