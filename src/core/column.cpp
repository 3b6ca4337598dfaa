// Column appends and gathers.
#include "core/column.h"

namespace eddy {

size_t Column::size() const {
  switch (type_) {
    case DataType::kInt64:
    case DataType::kTimestamp: return ints.size();
    case DataType::kFloat64: return doubles.size();
    case DataType::kBool: return bools.size();
    case DataType::kString: return offsets.empty() ? 0 : offsets.size() - 1;
  }
  return 0;
}

void Column::reserve(size_t rows) {
  switch (type_) {
    case DataType::kInt64:
    case DataType::kTimestamp: ints.reserve(rows); break;
    case DataType::kFloat64: doubles.reserve(rows); break;
    case DataType::kBool: bools.reserve(rows); break;
    case DataType::kString: offsets.reserve(rows + 1); break;
  }
}

void Column::materialize_mask() {
  if (valid.empty()) valid.assign(size(), 1);
}

void Column::append_null() {
  materialize_mask();
  switch (type_) {
    case DataType::kInt64:
    case DataType::kTimestamp: ints.push_back(0); break;
    case DataType::kFloat64: doubles.push_back(0); break;
    case DataType::kBool: bools.push_back(0); break;
    case DataType::kString: offsets.push_back(static_cast<uint32_t>(chars.size())); break;
  }
  valid.push_back(0);
}

void Column::append_from(const Column& other, size_t row) {
  if (other.is_null(row)) {
    append_null();
    return;
  }
  switch (type_) {
    case DataType::kInt64:
    case DataType::kTimestamp: append_int(other.ints[row]); break;
    case DataType::kFloat64: append_double(other.doubles[row]); break;
    case DataType::kBool: append_bool(other.bools[row] != 0); break;
    case DataType::kString: append_string(other.string_at(row)); break;
  }
}

void Column::append_selected(const Column& other, const uint32_t* rows, size_t n) {
  const size_t base = size();
  const bool masked = has_nulls() || other.has_nulls();
  switch (type_) {
    case DataType::kInt64:
    case DataType::kTimestamp: {
      ints.resize(base + n);
      int64_t* dst = ints.data() + base;
      const int64_t* src = other.ints.data();
      for (size_t i = 0; i < n; ++i) dst[i] = src[rows[i]];
      break;
    }
    case DataType::kFloat64: {
      doubles.resize(base + n);
      double* dst = doubles.data() + base;
      const double* src = other.doubles.data();
      for (size_t i = 0; i < n; ++i) dst[i] = src[rows[i]];
      break;
    }
    case DataType::kBool: {
      bools.resize(base + n);
      for (size_t i = 0; i < n; ++i) bools[base + i] = other.bools[rows[i]];
      break;
    }
    case DataType::kString: {
      offsets.reserve(base + n + 1);
      for (size_t i = 0; i < n; ++i) {
        auto s = other.string_at(rows[i]);
        chars.append(s.data(), s.size());
        offsets.push_back(static_cast<uint32_t>(chars.size()));
      }
      break;
    }
  }
  if (masked) {
    valid.resize(base + n, 1);
    if (other.has_nulls())
      for (size_t i = 0; i < n; ++i) valid[base + i] = other.valid[rows[i]];
  }
}

void Column::append_all(const Column& other) {
  const size_t base = size();
  const size_t n = other.size();
  const bool masked = has_nulls() || other.has_nulls();
  switch (type_) {
    case DataType::kInt64:
    case DataType::kTimestamp: ints.insert(ints.end(), other.ints.begin(), other.ints.end()); break;
    case DataType::kFloat64:
      doubles.insert(doubles.end(), other.doubles.begin(), other.doubles.end());
      break;
    case DataType::kBool: bools.insert(bools.end(), other.bools.begin(), other.bools.end()); break;
    case DataType::kString: {
      const uint32_t shift = static_cast<uint32_t>(chars.size());
      chars.append(other.chars);
      offsets.reserve(offsets.size() + n);
      for (size_t i = 1; i <= n; ++i) offsets.push_back(other.offsets[i] + shift);
      break;
    }
  }
  if (masked) {
    valid.resize(base, 1);
    if (other.has_nulls())
      valid.insert(valid.end(), other.valid.begin(), other.valid.end());
    else
      valid.resize(base + n, 1);
  }
}

void Column::clear() {
  ints.clear();
  doubles.clear();
  bools.clear();
  chars.clear();
  offsets.clear();
  if (type_ == DataType::kString) offsets.push_back(0);
  valid.clear();
}

}  // namespace eddy
