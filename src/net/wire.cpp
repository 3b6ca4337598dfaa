// Encoding and validating decoding of the wire format described in net/wire.h.
// Decoding trusts nothing: msgpack runs under size limits derived from the
// input length, and every count, type code and offset is checked before use.
#include "net/wire.h"

#include <msgpack.hpp>

#include <cstring>
#include <exception>
#include <limits>
#include <vector>

namespace eddy {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the wire format stores numbers in host order and assumes little-endian");

namespace {

constexpr uint64_t kMaxRows = std::numeric_limits<uint32_t>::max();

/// Appends packer output to a string (msgpack's Stream concept).
struct StringSink {
  std::string* out;
  void write(const char* p, size_t n) { out->append(p, n); }
};
using Packer = msgpack::packer<StringSink>;

void pack_bytes(Packer& pk, const void* p, size_t n) {
  pk.pack_bin(static_cast<uint32_t>(n));
  pk.pack_bin_body(static_cast<const char*>(p), static_cast<uint32_t>(n));
}

/// Offsets and chars; rebased when a column's offsets do not start at 0 or do
/// not end at the end of chars, so the receiver can insist that they do.
void pack_strings(Packer& pk, const Column& col, size_t rows) {
  if (col.offsets.empty()) {  // a default-built column: no rows
    const uint32_t zero = 0;
    pack_bytes(pk, &zero, sizeof zero);
    pack_bytes(pk, "", 0);
    return;
  }
  const uint32_t first = col.offsets.front();
  const uint32_t last = col.offsets[rows];
  if (first == 0 && last == col.chars.size()) {
    pack_bytes(pk, col.offsets.data(), (rows + 1) * sizeof(uint32_t));
    pack_bytes(pk, col.chars.data(), col.chars.size());
    return;
  }
  std::vector<uint32_t> rebased(rows + 1);
  for (size_t i = 0; i <= rows; ++i) rebased[i] = col.offsets[i] - first;
  pack_bytes(pk, rebased.data(), rebased.size() * sizeof(uint32_t));
  pack_bytes(pk, col.chars.data() + first, last - first);
}

void pack_column(Packer& pk, const Column& col, size_t rows) {
  pk.pack_array(col.type() == DataType::kString ? 3 : 2);
  if (col.has_nulls()) {
    pack_bytes(pk, col.valid.data(), rows);
  } else {
    pk.pack_nil();
  }
  switch (col.type()) {
    case DataType::kInt64:
    case DataType::kTimestamp: pack_bytes(pk, col.ints.data(), rows * sizeof(int64_t)); break;
    case DataType::kFloat64: pack_bytes(pk, col.doubles.data(), rows * sizeof(double)); break;
    case DataType::kBool: pack_bytes(pk, col.bools.data(), rows); break;
    case DataType::kString: pack_strings(pk, col, rows); break;
  }
}

size_t encoded_size_hint(const RecordBatch& batch) {
  size_t n = 64;
  for (const Column& col : batch.columns) {
    n += 16 + col.valid.size() + col.ints.size() * 8 + col.doubles.size() * 8 + col.bools.size() +
         col.offsets.size() * 4 + col.chars.size();
  }
  if (batch.schema)
    for (const Field& f : batch.schema->fields()) n += 8 + f.name.size();
  return n;
}

// ---- decoding ------------------------------------------------------------------

Status malformed(const std::string& what) { return Status::parse_error("wire: " + what); }
/// A column's complaint; read_batch prefixes which column.
Status bad_column(const std::string& what) { return Status::parse_error(what); }

/// Lets str and bin objects point into the input instead of being copied;
/// the input outlives the object tree in every decode below.
bool reference_everything(msgpack::type::object_type, size_t, void*) { return true; }

/// Parses exactly one msgpack object spanning all of [data, data + size).
/// Every container or blob needs at least one input byte per element, so
/// limits of `size` bound what garbage can make msgpack allocate.
Status unpack_whole(const char* data, size_t size, msgpack::object_handle& out) {
  const msgpack::unpack_limit limits(/*array=*/size, /*map=*/0, /*str=*/size, /*bin=*/size,
                                     /*ext=*/0, /*depth=*/8);
  try {
    size_t offset = 0;
    out = msgpack::unpack(data, size, offset, &reference_everything, nullptr, limits);
    if (offset != size) return malformed("trailing bytes after the message");
  } catch (const std::exception& e) {
    return malformed(std::string("not a msgpack message (") + e.what() + ")");
  }
  return Status::ok();
}

bool read_uint(const msgpack::object& o, uint64_t& v) {
  if (o.type != msgpack::type::POSITIVE_INTEGER) return false;
  v = o.via.u64;
  return true;
}

bool read_int(const msgpack::object& o, int64_t& v) {
  if (o.type == msgpack::type::NEGATIVE_INTEGER) {
    v = o.via.i64;
    return true;
  }
  if (o.type != msgpack::type::POSITIVE_INTEGER ||
      o.via.u64 > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    return false;
  v = static_cast<int64_t>(o.via.u64);
  return true;
}

/// The elements of `o` when it is an array of exactly `n`, else nullptr.
const msgpack::object* array_of(const msgpack::object& o, uint32_t n) {
  if (o.type != msgpack::type::ARRAY || o.via.array.size != n) return nullptr;
  return n == 0 ? &o : o.via.array.ptr;  // non-null for n == 0; nothing to index then
}

/// The message's elements after checking its leading tag, else nullptr.
const msgpack::object* tagged(const msgpack::object& root, WireTag tag, uint32_t n) {
  const msgpack::object* e = array_of(root, n);
  uint64_t t = 0;
  if (!e || !read_uint(e[0], t) || t != static_cast<uint64_t>(tag)) return nullptr;
  return e;
}

bool is_flag_bytes(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] > 1) return false;
  return true;
}

/// Copies a bin of exactly `count` elements of T into `out`.
template <class T>
bool read_bin_array(const msgpack::object& o, size_t count, std::vector<T>& out) {
  if (o.type != msgpack::type::BIN || o.via.bin.size != count * sizeof(T)) return false;
  out.resize(count);
  if (count) std::memcpy(out.data(), o.via.bin.ptr, count * sizeof(T));
  return true;
}

Result<SchemaPtr> read_schema(const msgpack::object& o) {
  if (o.type != msgpack::type::ARRAY) return malformed("fields are not an array");
  std::vector<Field> fields;
  fields.reserve(o.via.array.size);
  for (uint32_t i = 0; i < o.via.array.size; ++i) {
    const msgpack::object* f = array_of(o.via.array.ptr[i], 2);
    uint64_t code = 0;
    if (!f || f[0].type != msgpack::type::STR || !read_uint(f[1], code))
      return malformed("field " + std::to_string(i) + " is not [name, type code]");
    if (code > static_cast<uint64_t>(DataType::kTimestamp))
      return malformed("field " + std::to_string(i) + " has unknown type code " +
                       std::to_string(code));
    fields.push_back(Field{std::string(f[0].via.str.ptr, f[0].via.str.size),
                           static_cast<DataType>(code)});
  }
  return SchemaPtr(std::make_shared<Schema>(std::move(fields)));
}

Status read_strings(const msgpack::object& offsets_obj, const msgpack::object& chars_obj,
                    size_t rows, Column& col) {
  if (!read_bin_array(offsets_obj, rows + 1, col.offsets))
    return bad_column("offsets are not a bin of num_rows + 1 uint32");
  if (chars_obj.type != msgpack::type::BIN) return bad_column("chars are not a bin");
  const size_t chars = chars_obj.via.bin.size;
  if (col.offsets[0] != 0) return bad_column("offsets do not start at 0");
  for (size_t i = 0; i < rows; ++i)
    if (col.offsets[i + 1] < col.offsets[i]) return bad_column("offsets decrease");
  if (col.offsets[rows] != chars) return bad_column("offsets do not end at the end of chars");
  col.chars.assign(chars_obj.via.bin.ptr, chars);
  return Status::ok();
}

/// `e` holds the column's parts: e[0] the mask, e[1] the values, e[2] a string column's chars.
Status read_values(const msgpack::object* e, size_t rows, Column& col) {
  switch (col.type()) {
    case DataType::kInt64:
    case DataType::kTimestamp:
      if (!read_bin_array(e[1], rows, col.ints)) return bad_column("values are not num_rows int64");
      return Status::ok();
    case DataType::kFloat64:
      if (!read_bin_array(e[1], rows, col.doubles))
        return bad_column("values are not num_rows float64");
      return Status::ok();
    case DataType::kBool:
      if (!read_bin_array(e[1], rows, col.bools) || !is_flag_bytes(col.bools.data(), rows))
        return bad_column("values are not num_rows bools of 0 or 1");
      return Status::ok();
    case DataType::kString: return read_strings(e[1], e[2], rows, col);
  }
  return bad_column("unknown column type");
}

Status read_column(const msgpack::object& o, size_t rows, Column& col) {
  const uint32_t parts = col.type() == DataType::kString ? 3 : 2;
  const msgpack::object* e = array_of(o, parts);
  if (!e) return bad_column("column is not an array of " + std::to_string(parts));
  if (e[0].type == msgpack::type::BIN) {
    if (!read_bin_array(e[0], rows, col.valid) || !is_flag_bytes(col.valid.data(), rows))
      return bad_column("null mask is not num_rows bytes of 0 or 1");
  } else if (e[0].type != msgpack::type::NIL) {
    return bad_column("null mask is neither nil nor bin");
  }
  return read_values(e, rows, col);
}

Result<std::shared_ptr<RecordBatch>> read_batch(const msgpack::object& root) {
  const msgpack::object* e = tagged(root, WireTag::kBatch, 4);
  if (!e) return malformed("not a batch message");
  EDDY_ASSIGN_OR_RETURN(SchemaPtr schema, read_schema(e[1]));
  uint64_t rows = 0;
  if (!read_uint(e[2], rows) || rows > kMaxRows) return malformed("bad num_rows");
  const msgpack::object* cols = array_of(e[3], static_cast<uint32_t>(schema->size()));
  if (!cols) return malformed("column count differs from field count");
  auto batch = std::make_shared<RecordBatch>();
  batch->schema = schema;
  batch->num_rows = static_cast<size_t>(rows);
  batch->columns = make_columns(*schema);
  for (size_t c = 0; c < schema->size(); ++c) {
    Status st = read_column(cols[c], batch->num_rows, batch->columns[c]);
    if (!st.is_ok())
      return malformed("column " + std::to_string(c) + " ('" + schema->field(c).name +
                       "'): " + st.message());
  }
  return batch;
}

}  // namespace

std::string encode_batch(const RecordBatch& batch) {
  std::string out;
  out.reserve(encoded_size_hint(batch));
  StringSink sink{&out};
  Packer pk(sink);
  pk.pack_array(4);
  pk.pack_uint8(static_cast<uint8_t>(WireTag::kBatch));
  const size_t nfields = batch.schema ? batch.schema->size() : 0;
  pk.pack_array(static_cast<uint32_t>(nfields));
  for (size_t i = 0; i < nfields; ++i) {
    const Field& f = batch.schema->field(i);
    pk.pack_array(2);
    pk.pack_str(static_cast<uint32_t>(f.name.size()));
    pk.pack_str_body(f.name.data(), static_cast<uint32_t>(f.name.size()));
    pk.pack_uint8(static_cast<uint8_t>(f.type));
  }
  pk.pack(static_cast<uint64_t>(batch.num_rows));
  pk.pack_array(static_cast<uint32_t>(nfields));
  for (size_t i = 0; i < nfields; ++i) pack_column(pk, batch.columns[i], batch.num_rows);
  return out;
}

Result<std::shared_ptr<RecordBatch>> decode_batch(const char* data, size_t size) {
  msgpack::object_handle handle;
  EDDY_RETURN_IF_ERROR(unpack_whole(data, size, handle));
  return read_batch(handle.get());
}

Result<std::shared_ptr<RecordBatch>> decode_batch(const char* data, size_t size,
                                                  const SchemaPtr& expected) {
  EDDY_ASSIGN_OR_RETURN(auto batch, decode_batch(data, size));
  if (!(*batch->schema == *expected))
    return malformed("batch schema (" + batch->schema->to_string() +
                     ") differs from the expected (" + expected->to_string() + ")");
  batch->schema = expected;
  return batch;
}

std::string encode_event(const StreamEvent& event) {
  std::string out;
  StringSink sink{&out};
  Packer pk(sink);
  pk.pack_array(3);
  pk.pack_uint8(static_cast<uint8_t>(WireTag::kEvent));
  pk.pack_uint8(static_cast<uint8_t>(event.kind));
  pk.pack_int64(event.value);
  return out;
}

Result<StreamEvent> decode_event(const char* data, size_t size) {
  msgpack::object_handle handle;
  EDDY_RETURN_IF_ERROR(unpack_whole(data, size, handle));
  const msgpack::object* e = tagged(handle.get(), WireTag::kEvent, 3);
  if (!e) return malformed("not an event message");
  uint64_t kind = 0;
  StreamEvent event;
  if (!read_uint(e[1], kind) || kind < static_cast<uint64_t>(EventKind::kWatermark) ||
      kind > static_cast<uint64_t>(EventKind::kIdleStatus))
    return malformed("unknown event kind");
  if (!read_int(e[2], event.value)) return malformed("event value is not an int64");
  event.kind = static_cast<EventKind>(kind);
  return event;
}

Result<WireTag> peek_wire_tag(const char* data, size_t size) {
  // Both messages start with a fixarray header (0x90 | n) and a positive fixint tag.
  if (size < 2 || (static_cast<uint8_t>(data[0]) & 0xf0) != 0x90)
    return malformed("not a wire message");
  const uint8_t tag = static_cast<uint8_t>(data[1]);
  if (tag == static_cast<uint8_t>(WireTag::kBatch)) return WireTag::kBatch;
  if (tag == static_cast<uint8_t>(WireTag::kEvent)) return WireTag::kEvent;
  return malformed("unknown message tag " + std::to_string(tag));
}

}  // namespace eddy
