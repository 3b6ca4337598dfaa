// The redis sink's checkpoint state (redis_sink_state.h).
#include "connectors/redis_sink_state.h"

#include <cstring>

namespace eddy {
namespace {

constexpr const char* kHeader = "eddy-redis-sink 1\n";

template <class T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

template <class T>
bool get(const std::string& in, size_t& at, T& v) {
  if (in.size() - at < sizeof(T)) return false;
  std::memcpy(&v, in.data() + at, sizeof(T));
  at += sizeof(T);
  return true;
}

bool get_text(const std::string& in, size_t& at, std::string& out) {
  uint64_t n = 0;
  if (!get(in, at, n) || in.size() - at < n) return false;
  out.assign(in, at, n);
  at += n;
  return true;
}

void put_text(std::string& out, const std::string& s) {
  put<uint64_t>(out, s.size());
  out += s;
}

}  // namespace

std::string encode_redis_sink_state(const std::vector<RedisPendingCommit>& pending) {
  std::string out = kHeader;
  put<uint64_t>(out, pending.size());
  for (const auto& p : pending) {
    put<int64_t>(out, p.checkpoint_id);
    put_text(out, p.marker_field);
    put_text(out, p.commands.bytes());
  }
  return out;
}

Result<std::vector<RedisPendingCommit>> decode_redis_sink_state(const std::string& bytes) {
  const size_t header = std::strlen(kHeader);
  if (bytes.compare(0, header, kHeader) != 0) return Status::invalid("redis sink state: not written by a redis sink");
  size_t at = header;
  uint64_t count = 0;
  if (!get(bytes, at, count)) return Status::invalid("redis sink state: truncated");
  std::vector<RedisPendingCommit> out;
  for (uint64_t i = 0; i < count; ++i) {
    RedisPendingCommit p;
    std::string commands;
    if (!get(bytes, at, p.checkpoint_id) || !get_text(bytes, at, p.marker_field) || !get_text(bytes, at, commands))
      return Status::invalid("redis sink state: truncated");
    EDDY_ASSIGN_OR_RETURN(p.commands, RedisCommandBuffer::from_bytes(std::move(commands)));
    out.push_back(std::move(p));
  }
  return out;
}

std::string redis_marker_field(const std::string& output_tag, const std::string& sink, int32_t subtask) {
  return (output_tag.empty() ? "untagged" : output_tag) + "/" + sink + "/" + std::to_string(subtask);
}

}  // namespace eddy
