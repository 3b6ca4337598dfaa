// AggregateEvaluator: a column at a time over the rows of one key and slice.
// Integer sums wrap around on overflow (two's complement) instead of failing a
// job on data; float64 sums depend on the order slices are merged, as in Flink.
#include "operators/aggregate_accumulators.h"

#include <cmath>
#include <cstring>

#include "expr/expression.h"
#include "operators/expression_failure.h"

namespace eddy {
namespace {

/// Calls f(row) for each of rows[0..n) whose value in `col` is not NULL.
template <class F>
void for_each_valid(const Column& col, const uint32_t* rows, size_t n, F&& f) {
  if (!col.has_nulls()) {
    for (size_t k = 0; k < n; ++k) f(rows[k]);
    return;
  }
  for (size_t k = 0; k < n; ++k)
    if (col.valid[rows[k]]) f(rows[k]);
}

inline int64_t wrapping_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

/// Orders doubles as PostgreSQL does: NaN above every number, all NaNs equal.
inline bool double_less(double a, double b) {
  if (std::isnan(a)) return false;
  return std::isnan(b) || a < b;
}

/// Keeps the smaller (kMax = false) or larger value in `st` for every int-backed
/// (int64, timestamp) or bool row; `value(row)` reads one.
template <bool kMax, class V>
void min_max_int(AggregateState& st, const Column& col, const uint32_t* rows, size_t n, V&& value) {
  for_each_valid(col, rows, n, [&](uint32_t r) {
    const int64_t v = value(r);
    if (st.count == 0 || (kMax ? v > st.i : v < st.i)) st.i = v;
    ++st.count;
  });
}

template <bool kMax>
void min_max(AggregateState& st, const Column& col, const uint32_t* rows, size_t n) {
  switch (col.type()) {
    case DataType::kInt64:
    case DataType::kTimestamp:
      min_max_int<kMax>(st, col, rows, n, [&](uint32_t r) { return col.ints[r]; });
      return;
    case DataType::kBool:
      min_max_int<kMax>(st, col, rows, n, [&](uint32_t r) { return int64_t{col.bools[r]}; });
      return;
    case DataType::kFloat64:
      for_each_valid(col, rows, n, [&](uint32_t r) {
        const double v = col.doubles[r];
        if (st.count == 0 || (kMax ? double_less(st.d, v) : double_less(v, st.d))) st.d = v;
        ++st.count;
      });
      return;
    case DataType::kString:
      for_each_valid(col, rows, n, [&](uint32_t r) {
        const std::string_view v = col.string_at(r);
        if (st.count == 0 || (kMax ? st.s() < v : v < st.s())) st.s().assign(v.data(), v.size());
        ++st.count;
      });
      return;
  }
}

/// Merges the min or max held in `from` into `into` (same function and type).
void merge_min_max(bool is_max, DataType type, AggregateState& into, const AggregateState& from) {
  if (from.count == 0) return;
  if (into.count == 0) {
    into.i = from.i;
    into.d = from.d;
    if (type == DataType::kString) into.s() = from.s();
  } else if (type == DataType::kFloat64) {
    if (is_max ? double_less(into.d, from.d) : double_less(from.d, into.d)) into.d = from.d;
  } else if (type == DataType::kString) {
    if (is_max ? into.s() < from.s() : from.s() < into.s()) into.s() = from.s();
  } else {
    if (is_max ? from.i > into.i : from.i < into.i) into.i = from.i;
  }
  into.count += from.count;
}

void append_big_endian(uint64_t v, std::string& out) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

void encode_distinct_into(const Column& col, size_t row, std::string& out) {
  switch (col.type()) {
    case DataType::kInt64:
    case DataType::kTimestamp: append_big_endian(static_cast<uint64_t>(col.ints[row]), out); return;
    case DataType::kFloat64: {
      double v = col.doubles[row];
      if (v == 0) v = 0;                     // -0.0 is 0.0
      if (std::isnan(v)) v = std::nan("");  // one NaN
      uint64_t bits;
      std::memcpy(&bits, &v, sizeof bits);
      append_big_endian(bits, out);
      return;
    }
    case DataType::kBool: out.push_back(col.bools[row] ? 1 : 0); return;
    case DataType::kString: {
      const std::string_view s = col.string_at(row);
      out.append(s.data(), s.size());
      return;
    }
  }
}

uint64_t read_big_endian(std::string_view bytes) {
  uint64_t v = 0;
  for (size_t k = 0; k < 8 && k < bytes.size(); ++k) v = (v << 8) | static_cast<unsigned char>(bytes[k]);
  return v;
}

constexpr uint64_t kSignBit = uint64_t{1} << 63;

/// A double's bits flipped so that unsigned order is numeric order.
uint64_t ordered_double_bits(double v) {
  if (v == 0) v = 0;                          // -0.0 is 0.0
  if (std::isnan(v)) v = std::fabs(std::nan(""));  // one NaN, above +infinity
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return (bits & kSignBit) ? ~bits : bits | kSignBit;
}

double double_from_ordered(uint64_t bits) {
  bits = (bits & kSignBit) ? bits & ~kSignBit : ~bits;
  double v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

void encode_ordered_into(const Column& col, size_t row, std::string& out) {
  switch (col.type()) {
    case DataType::kInt64:
    case DataType::kTimestamp: append_big_endian(static_cast<uint64_t>(col.ints[row]) ^ kSignBit, out); return;
    case DataType::kFloat64: append_big_endian(ordered_double_bits(col.doubles[row]), out); return;
    case DataType::kBool: out.push_back(col.bools[row] ? 1 : 0); return;
    case DataType::kString: {
      const std::string_view s = col.string_at(row);
      out.append(s.data(), s.size());
      return;
    }
  }
}

/// Appends the value encode_ordered_into wrote as `bytes` to `out` (of `type`).
void append_ordered_value(DataType type, const std::string& bytes, Column& out) {
  switch (type) {
    case DataType::kInt64:
    case DataType::kTimestamp: out.append_int(static_cast<int64_t>(read_big_endian(bytes) ^ kSignBit)); return;
    case DataType::kFloat64: out.append_double(double_from_ordered(read_big_endian(bytes))); return;
    case DataType::kBool: out.append_bool(!bytes.empty() && bytes[0] != 0); return;
    case DataType::kString: out.append_string(bytes); return;
  }
}

/// Adds `delta` live rows to `value` in `counts`, dropping values left with none.
void add_count(std::map<std::string, int64_t>& counts, const std::string& value, int64_t delta) {
  auto [it, fresh] = counts.try_emplace(value, 0);
  it->second += delta;
  if (it->second == 0) counts.erase(it);
}

}  // namespace

const AggregateState::Text AggregateState::kNoText;

AggregateState& AggregateState::operator=(const AggregateState& other) {
  count = other.count;
  i = other.i;
  d = other.d;
  if (!other.text_)
    text_.reset();
  else if (text_)
    *text_ = *other.text_;
  else
    text_ = std::make_unique<Text>(*other.text_);
  return *this;
}

void AggregateState::msgpack_unpack(const msgpack::object& o) {
  if (o.type != msgpack::type::ARRAY || (o.via.array.size != 5 && o.via.array.size != 6))
    throw msgpack::type_error();
  const msgpack::object* f = o.via.array.ptr;
  f[0].convert(count);
  f[1].convert(i);
  f[2].convert(d);
  std::string text;
  f[3].convert(text);
  std::set<std::string> values;
  f[4].convert(values);
  std::map<std::string, int64_t> value_counts;
  if (o.via.array.size == 6) f[5].convert(value_counts);
  if (text.empty() && values.empty() && value_counts.empty()) {
    text_.reset();
  } else {
    s() = std::move(text);
    distinct() = std::move(values);
    counts() = std::move(value_counts);
  }
}

std::string encode_distinct_value(const Column& col, size_t row) {
  std::string out;
  encode_distinct_into(col, row, out);
  return out;
}

std::string encode_ordered_value(const Column& col, size_t row) {
  std::string out;
  encode_ordered_into(col, row, out);
  return out;
}

Result<DataType> aggregate_result_type(AggregateFunction function, DataType input) {
  switch (function) {
    case AggregateFunction::kCountStar:
    case AggregateFunction::kCount:
    case AggregateFunction::kCountDistinct: return DataType::kInt64;
    case AggregateFunction::kSum:
      if (is_numeric(input)) return input;
      return Status::type_error(std::string("sum needs an int64 or float64 column, not ") +
                                type_name(input));
    case AggregateFunction::kAvg:
      if (is_numeric(input)) return DataType::kFloat64;
      return Status::type_error(std::string("avg needs an int64 or float64 column, not ") +
                                type_name(input));
    case AggregateFunction::kMin:
    case AggregateFunction::kMax: return input;
  }
  return Status::internal("unknown aggregate function");
}

AggregateEvaluator::AggregateEvaluator(std::vector<AggregateSpec> specs, Retraction retraction)
    : specs_(std::move(specs)), retraction_(retraction), filter_masks_(specs_.size()) {}

Status AggregateEvaluator::validate(const std::vector<AggregateSpec>& specs, const Schema& input) {
  for (const AggregateSpec& spec : specs) {
    const std::string what = "aggregate '" + spec.output + "'";
    DataType in = DataType::kInt64;
    if (spec.function != AggregateFunction::kCountStar) {
      if (spec.input_column < 0 || static_cast<size_t>(spec.input_column) >= input.size())
        return Status::invalid(what + " reads column " + std::to_string(spec.input_column) +
                               ", which the input (" + input.to_string() + ") does not have");
      in = input.field(static_cast<size_t>(spec.input_column)).type;
      if (in != spec.input_type)
        return Status::type_error(what + " expects a " + type_name(spec.input_type) +
                                  " column, but the input column is " + type_name(in));
    }
    auto type = aggregate_result_type(spec.function, in);
    if (!type.ok()) return Status::type_error(what + ": " + type.status().message());
    if (*type != spec.output_type)
      return Status::type_error(what + " produces " + type_name(*type) + ", not " +
                                type_name(spec.output_type));
  }
  return Status::ok();
}

WindowAccumulator AggregateEvaluator::make() const {
  WindowAccumulator acc;
  acc.aggregates.resize(specs_.size() + (retraction_ == Retraction::kSupported ? 1 : 0));
  return acc;
}

int64_t AggregateEvaluator::row_count(const WindowAccumulator& acc) const {
  if (retraction_ != Retraction::kSupported || acc.aggregates.size() <= specs_.size()) return 0;
  return acc.aggregates[specs_.size()].count;
}

Status AggregateEvaluator::evaluate_filters(const RecordBatch& batch) {
  for (size_t a = 0; a < specs_.size(); ++a) {
    const AggregateSpec& spec = specs_[a];
    if (!spec.filter) continue;
    if (Status st = spec.filter->select_true(batch, filtered_rows_); !st.is_ok())
      return expression_failure(st, *spec.filter, "the FILTER of aggregate '" + spec.output + "'",
                                spec.filter_sql, batch);
    std::vector<uint8_t>& mask = filter_masks_[a];
    mask.assign(batch.num_rows, 0);
    for (uint32_t r : filtered_rows_) mask[r] = 1;
  }
  return Status::ok();
}

const uint32_t* AggregateEvaluator::filtered(size_t a, const uint32_t* rows, size_t& n) const {
  if (!specs_[a].filter) return rows;
  const std::vector<uint8_t>& mask = filter_masks_[a];
  filtered_rows_.clear();
  for (size_t k = 0; k < n; ++k)
    if (rows[k] < mask.size() && mask[rows[k]]) filtered_rows_.push_back(rows[k]);
  n = filtered_rows_.size();
  return filtered_rows_.data();
}

namespace {

/// Whether `st` uses only the fields that `spec`'s function and input type
/// write (with `retractable`: min, max and count(distinct) keep counts()).
bool fits(const AggregateSpec& spec, const AggregateState& st, bool retractable) {
  const bool no_text = st.s().empty(), no_set = st.distinct().empty(), no_counts = st.counts().empty();
  const bool floats = spec.input_type == DataType::kFloat64, strings = spec.input_type == DataType::kString;
  const bool counted = spec.function == AggregateFunction::kCountDistinct ||
                       spec.function == AggregateFunction::kMin || spec.function == AggregateFunction::kMax;
  if (retractable && counted) return st.i == 0 && st.d == 0 && no_text && no_set;
  if (!no_counts) return false;
  switch (spec.function) {
    case AggregateFunction::kCountStar:
    case AggregateFunction::kCount: return st.i == 0 && st.d == 0 && no_text && no_set;
    case AggregateFunction::kCountDistinct: return st.count == 0 && st.i == 0 && st.d == 0 && no_text;
    case AggregateFunction::kSum:
    case AggregateFunction::kAvg: return no_text && no_set && (floats ? st.i == 0 : st.d == 0);
    case AggregateFunction::kMin:
    case AggregateFunction::kMax:
      if (!no_set) return false;
      if (floats) return st.i == 0 && no_text;
      if (strings) return st.i == 0 && st.d == 0;
      return st.d == 0 && no_text;
  }
  return false;
}

}  // namespace

Status AggregateEvaluator::check_restored(const WindowAccumulator& acc) const {
  const bool retractable = retraction_ == Retraction::kSupported;
  const size_t want = specs_.size() + (retractable ? 1 : 0);
  if (acc.aggregates.size() != want)
    return Status::invalid("the state holds " + std::to_string(acc.aggregates.size()) +
                           " aggregates per key or window, the operator computes " + std::to_string(want) +
                           ": it was taken by a pipeline with other aggregates" +
                           (retractable ? " or over an append-only input" : ""));
  for (size_t a = 0; a < specs_.size(); ++a)
    if (!fits(specs_[a], acc.aggregates[a], retractable))
      return Status::invalid("the state of aggregate '" + specs_[a].output + "' (" +
                             std::to_string(a + 1) + " of " + std::to_string(specs_.size()) +
                             ") is that of another function or input type: it was taken by a pipeline with "
                             "other aggregates");
  return Status::ok();
}

void AggregateEvaluator::update(WindowAccumulator& acc, const RecordBatch& batch,
                                const uint32_t* rows, size_t n, RowSign sign) const {
  static const Column kNoColumn;
  const bool retractable = retraction_ == Retraction::kSupported;
  const int64_t delta = sign == RowSign::kAdd ? 1 : -1;
  for (size_t a = 0; a < specs_.size(); ++a) {
    const AggregateSpec& spec = specs_[a];
    const Column& col =
        spec.input_column >= 0 ? batch.columns[static_cast<size_t>(spec.input_column)] : kNoColumn;
    size_t count = n;
    const uint32_t* passing = filtered(a, rows, count);
    if (retractable)
      update_retractable(spec, acc.aggregates[a], col, passing, count, delta);
    else
      update_one(spec, acc.aggregates[a], col, passing, count);
  }
  if (retractable) acc.aggregates[specs_.size()].count += delta * static_cast<int64_t>(n);
}

void AggregateEvaluator::update_retractable(const AggregateSpec& spec, AggregateState& st,
                                            const Column& col, const uint32_t* rows, size_t n,
                                            int64_t delta) const {
  std::string value;  // reused
  switch (spec.function) {
    case AggregateFunction::kCountStar: st.count += delta * static_cast<int64_t>(n); return;
    case AggregateFunction::kCount: for_each_valid(col, rows, n, [&](uint32_t) { st.count += delta; }); return;
    case AggregateFunction::kSum:
    case AggregateFunction::kAvg:
      // Two's complement: subtracting what was added restores the sum exactly.
      for_each_valid(col, rows, n, [&](uint32_t r) {
        if (col.type() == DataType::kFloat64)
          st.d += static_cast<double>(delta) * col.doubles[r];
        else
          st.i = wrapping_add(st.i, delta > 0 ? col.ints[r] : static_cast<int64_t>(0 - static_cast<uint64_t>(col.ints[r])));
        st.count += delta;
      });
      return;
    case AggregateFunction::kCountDistinct:
    case AggregateFunction::kMin:
    case AggregateFunction::kMax: {
      const bool distinct = spec.function == AggregateFunction::kCountDistinct;
      for_each_valid(col, rows, n, [&](uint32_t r) {
        value.clear();
        if (distinct) encode_distinct_into(col, r, value);
        else encode_ordered_into(col, r, value);
        add_count(st.counts(), value, delta);
      });
      return;
    }
  }
}

void AggregateEvaluator::update_one(const AggregateSpec& spec, AggregateState& st,
                                    const Column& col, const uint32_t* rows, size_t n) const {
  switch (spec.function) {
    case AggregateFunction::kCountStar: st.count += static_cast<int64_t>(n); return;
    case AggregateFunction::kCount:
      if (!col.has_nulls()) {
        st.count += static_cast<int64_t>(n);
        return;
      }
      for_each_valid(col, rows, n, [&](uint32_t) { ++st.count; });
      return;
    case AggregateFunction::kCountDistinct: {
      std::string value;  // reused: one allocation per new distinct value, not per row
      for_each_valid(col, rows, n, [&](uint32_t r) {
        value.clear();
        encode_distinct_into(col, r, value);
        std::set<std::string>& distinct = st.distinct();
        if (distinct.find(value) == distinct.end()) distinct.insert(value);
      });
      return;
    }
    case AggregateFunction::kSum:
    case AggregateFunction::kAvg:
      if (col.type() == DataType::kFloat64) {
        for_each_valid(col, rows, n, [&](uint32_t r) {
          st.d += col.doubles[r];
          ++st.count;
        });
      } else {
        for_each_valid(col, rows, n, [&](uint32_t r) {
          st.i = wrapping_add(st.i, col.ints[r]);
          ++st.count;
        });
      }
      return;
    case AggregateFunction::kMin: min_max<false>(st, col, rows, n); return;
    case AggregateFunction::kMax: min_max<true>(st, col, rows, n); return;
  }
}

void AggregateEvaluator::merge(WindowAccumulator& into, const WindowAccumulator& from) const {
  for (size_t a = 0; a < specs_.size(); ++a) {
    const AggregateSpec& spec = specs_[a];
    AggregateState& dst = into.aggregates[a];
    const AggregateState& src = from.aggregates[a];
    switch (spec.function) {
      case AggregateFunction::kCountStar:
      case AggregateFunction::kCount: dst.count += src.count; break;
      case AggregateFunction::kCountDistinct:
        if (!src.distinct().empty()) dst.distinct().insert(src.distinct().begin(), src.distinct().end());
        for (const auto& [value, n] : src.counts()) add_count(dst.counts(), value, n);
        break;
      case AggregateFunction::kSum:
      case AggregateFunction::kAvg:
        dst.count += src.count;
        dst.i = wrapping_add(dst.i, src.i);
        dst.d += src.d;
        break;
      case AggregateFunction::kMin:
      case AggregateFunction::kMax:
        merge_min_max(spec.function == AggregateFunction::kMax, spec.input_type, dst, src);
        for (const auto& [value, n] : src.counts()) add_count(dst.counts(), value, n);
        break;
    }
  }
  if (retraction_ == Retraction::kSupported && into.aggregates.size() > specs_.size() &&
      from.aggregates.size() > specs_.size())
    into.aggregates[specs_.size()].count += from.aggregates[specs_.size()].count;
}

void AggregateEvaluator::append_results(const WindowAccumulator& acc,
                                        std::vector<Column*>& columns) const {
  const bool retractable = retraction_ == Retraction::kSupported;
  for (size_t a = 0; a < specs_.size(); ++a) {
    const AggregateSpec& spec = specs_[a];
    const AggregateState& st = acc.aggregates[a];
    Column& out = *columns[a];
    switch (spec.function) {
      case AggregateFunction::kCountStar:
      case AggregateFunction::kCount: out.append_int(st.count); break;
      case AggregateFunction::kCountDistinct:
        if (retractable) {
          int64_t live = 0;  // a value retracted more often than added is not live
          for (const auto& entry : st.counts()) live += entry.second > 0 ? 1 : 0;
          out.append_int(live);
        } else {
          out.append_int(static_cast<int64_t>(st.distinct().size()));
        }
        break;
      case AggregateFunction::kSum:
        if (st.count == 0)
          out.append_null();
        else if (spec.input_type == DataType::kFloat64)
          out.append_double(st.d);
        else
          out.append_int(st.i);
        break;
      case AggregateFunction::kAvg:
        if (st.count == 0)
          out.append_null();
        else if (spec.input_type == DataType::kFloat64)
          out.append_double(st.d / static_cast<double>(st.count));
        else
          out.append_double(static_cast<double>(st.i) / static_cast<double>(st.count));
        break;
      case AggregateFunction::kMin:
      case AggregateFunction::kMax:
        if (retractable) {
          // Values with a negative count were retracted more often than added: not live.
          const std::string* best = nullptr;
          const bool is_max = spec.function == AggregateFunction::kMax;
          if (is_max) {
            for (auto it = st.counts().rbegin(); it != st.counts().rend() && !best; ++it)
              if (it->second > 0) best = &it->first;
          } else {
            for (auto it = st.counts().begin(); it != st.counts().end() && !best; ++it)
              if (it->second > 0) best = &it->first;
          }
          if (best) append_ordered_value(spec.input_type, *best, out);
          else out.append_null();
          break;
        }
        if (st.count == 0) {
          out.append_null();
          break;
        }
        switch (spec.input_type) {
          case DataType::kInt64:
          case DataType::kTimestamp: out.append_int(st.i); break;
          case DataType::kBool: out.append_bool(st.i != 0); break;
          case DataType::kFloat64: out.append_double(st.d); break;
          case DataType::kString: out.append_string(st.s()); break;
        }
        break;
    }
  }
}

}  // namespace eddy
