// Redis commands for the redis sink (redis_commands.h).
#include "connectors/redis_commands.h"

#include <cstring>

namespace eddy {
namespace {

void put_u32(std::string& out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);  // little-endian hosts only (x86-64, aarch64), as the checkpoint files
  out.append(b, 4);
}

bool get_u32(const std::string& in, size_t& at, uint32_t& v) {
  if (in.size() - at < 4) return false;
  std::memcpy(&v, in.data() + at, 4);
  at += 4;
  return true;
}

}  // namespace

void RedisCommandBuffer::begin(uint32_t argc) {
  put_u32(bytes_, argc);
  ++commands_;
}

void RedisCommandBuffer::arg(std::string_view a) {
  put_u32(bytes_, static_cast<uint32_t>(a.size()));
  bytes_.append(a.data(), a.size());
}

void RedisCommandBuffer::clear() {
  bytes_.clear();
  commands_ = 0;
}

Result<RedisCommandBuffer> RedisCommandBuffer::from_bytes(std::string bytes) {
  RedisCommandBuffer b;
  b.bytes_ = std::move(bytes);
  size_t at = 0;
  while (at < b.bytes_.size()) {
    uint32_t argc = 0;
    if (!get_u32(b.bytes_, at, argc)) return Status::internal("redis sink state: a command is cut short");
    for (uint32_t i = 0; i < argc; ++i) {
      uint32_t len = 0;
      if (!get_u32(b.bytes_, at, len) || b.bytes_.size() - at < len)
        return Status::internal("redis sink state: an argument is cut short");
      at += len;
    }
    ++b.commands_;
  }
  return b;
}

Status RedisCommandBuffer::for_each(const Visit& fn) const {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  size_t at = 0;
  while (at < bytes_.size()) {
    uint32_t argc = 0;
    get_u32(bytes_, at, argc);
    argv.clear();
    lens.clear();
    for (uint32_t i = 0; i < argc; ++i) {
      uint32_t len = 0;
      get_u32(bytes_, at, len);
      argv.push_back(bytes_.data() + at);
      lens.push_back(len);
      at += len;
    }
    EDDY_RETURN_IF_ERROR(fn(argv, lens));
  }
  return Status::ok();
}

RedisRowCommands::RedisRowCommands(const RedisSinkConfig& config, SchemaPtr schema)
    : config_(config), schema_(std::move(schema)), first_(config.updating ? 1 : 0) {}

Result<RedisRowCommands> RedisRowCommands::make(const RedisSinkConfig& config, SchemaPtr schema) {
  RedisRowCommands c(config, schema);
  for (const auto& k : config.primary_key) {
    const int at = schema->index_of(k);
    if (at < static_cast<int>(c.first_))
      return Status::invalid("redis sink: key column '" + k + "' is not among the columns written");
    c.key_.push_back(static_cast<size_t>(at));
  }
  if (config.data_type == RedisDataType::kHash && c.key_.empty())
    return Status::invalid("redis sink: a hash sink needs key columns (primary_key) to name each hash");
  for (size_t i = c.first_; i < schema->size(); ++i) {
    bool is_key = false;
    for (size_t k : c.key_) is_key |= k == i;
    if (!is_key || config.data_type == RedisDataType::kStream) c.values_.push_back(i);
  }
  if (config.data_type == RedisDataType::kHash && c.values_.empty())
    return Status::invalid("redis sink: every column is a key column, so a hash would have no field to write");
  return c;
}

void RedisRowCommands::value_text(const Column& col, size_t row) {
  text_.clear();
  switch (col.type()) {
    case DataType::kInt64: append_int64_text(text_, col.ints[row]); break;
    case DataType::kFloat64: append_float64_text(text_, col.doubles[row]); break;
    case DataType::kBool: append_bool_text(text_, col.bools[row] != 0); break;
    case DataType::kString: text_.assign(col.string_at(row)); break;
    case DataType::kTimestamp: fmt_.append_timestamp(text_, col.ints[row]); break;
  }
}

size_t RedisRowCommands::append(const RecordBatch& batch, RedisCommandBuffer& out) {
  for (size_t row = 0; row < batch.num_rows; ++row) {
    if (config_.data_type == RedisDataType::kStream) {
      stream_row(batch, row, out);
      continue;
    }
    const std::string_view op = first_ ? batch.columns[0].string_at(row) : std::string_view("+I");
    hash_row(batch, row, op, out);
  }
  return batch.num_rows;
}

// The key: the prefix, then the key columns' values, `key-delimiter` between them.
void RedisRowCommands::hash_row(const RecordBatch& batch, size_t row, std::string_view op,
                                RedisCommandBuffer& out) {
  if (op == "-U") return;
  key_text_ = config_.key_prefix;
  for (size_t i = 0; i < key_.size(); ++i) {
    if (i > 0) key_text_ += config_.key_delimiter;
    const Column& c = batch.columns[key_[i]];
    if (!c.is_null(row)) {
      value_text(c, row);
      key_text_ += text_;
    }
  }
  if (op == "-D") {
    out.begin(2);
    out.arg("DEL");
    out.arg(key_text_);
    return;
  }
  nulls_.clear();
  for (size_t v : values_)
    if (batch.columns[v].is_null(row)) nulls_.push_back(v);
  const size_t fields = values_.size() - nulls_.size();
  if (fields > 0) {
    out.begin(static_cast<uint32_t>(2 + 2 * fields));
    out.arg("HSET");
    out.arg(key_text_);
    for (size_t v : values_) {
      const Column& c = batch.columns[v];
      if (c.is_null(row)) continue;
      out.arg(schema_->field(v).name);
      value_text(c, row);
      out.arg(text_);
    }
  }
  if (!nulls_.empty()) {  // a NULL column is no field: the hash matches the row
    out.begin(static_cast<uint32_t>(2 + nulls_.size()));
    out.arg("HDEL");
    out.arg(key_text_);
    for (size_t v : nulls_) out.arg(schema_->field(v).name);
  }
}

void RedisRowCommands::stream_row(const RecordBatch& batch, size_t row, RedisCommandBuffer& out) {
  size_t fields = first_;
  for (size_t v : values_) fields += batch.columns[v].is_null(row) ? 0 : 1;
  out.begin(static_cast<uint32_t>(3 + 2 * fields));
  out.arg("XADD");
  out.arg(config_.stream_key);
  out.arg("*");
  if (first_) {
    out.arg("op");
    out.arg(batch.columns[0].string_at(row));
  }
  for (size_t v : values_) {
    const Column& c = batch.columns[v];
    if (c.is_null(row)) continue;
    out.arg(schema_->field(v).name);
    value_text(c, row);
    out.arg(text_);
  }
}

}  // namespace eddy
