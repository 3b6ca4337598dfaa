// The kafka sink's exactly-once bookkeeping (kafka_transactions.h).
#include "connectors/kafka_transactions.h"

#include <cstring>

namespace eddy {
namespace {

constexpr uint32_t kMagic = 0x4b544e32;  // "KTN2"

void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
void put_bytes(std::string& out, const std::string& s) {
  put_u64(out, s.size());
  out += s;
}

struct Reader {
  const std::string& in;
  size_t at = 0;
  bool u64(uint64_t& v) {
    if (in.size() - at < 8) return false;
    v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(in[at + i])) << (8 * i);
    at += 8;
    return true;
  }
  bool bytes(std::string& s) {
    uint64_t n = 0;
    if (!u64(n) || in.size() - at < n) return false;
    s.assign(in, at, n);
    at += n;
    return true;
  }
};

}  // namespace

std::string encode_kafka_sink_state(const KafkaSinkState& state) {
  std::string out;
  put_u64(out, kMagic);
  put_u64(out, static_cast<uint64_t>(state.checkpoint_id));
  put_u64(out, static_cast<uint64_t>(static_cast<int64_t>(state.subtask)));
  put_u64(out, static_cast<uint64_t>(state.token));
  put_u64(out, state.records.size());
  for (const auto& r : state.records) {
    put_bytes(out, r.key);
    put_bytes(out, r.value);
    put_u64(out, static_cast<uint64_t>(static_cast<int64_t>(r.partition)));
  }
  return out;
}

Result<KafkaSinkState> decode_kafka_sink_state(const std::string& bytes) {
  Reader r{bytes};
  uint64_t magic = 0, id = 0, subtask = 0, token = 0, n = 0;
  const Status bad = Status::parse_error("the kafka sink's state in the checkpoint is damaged");
  if (!r.u64(magic) || magic != kMagic || !r.u64(id) || !r.u64(subtask) || !r.u64(token) || !r.u64(n)) return bad;
  KafkaSinkState s;
  s.checkpoint_id = static_cast<int64_t>(id);
  s.token = static_cast<int64_t>(token);
  s.subtask = static_cast<int32_t>(static_cast<int64_t>(subtask));
  for (uint64_t i = 0; i < n; ++i) {
    KafkaRecord rec;
    uint64_t p = 0;
    if (!r.bytes(rec.key) || !r.bytes(rec.value) || !r.u64(p)) return bad;
    rec.partition = static_cast<int32_t>(static_cast<int64_t>(p));
    s.records.push_back(std::move(rec));
  }
  if (r.at != bytes.size()) return bad;
  return s;
}

std::string kafka_transactional_id(const std::string& prefix, int32_t subtask) {
  return prefix + "-" + std::to_string(subtask);
}

}  // namespace eddy
