// Datagen: counter-based generation. Row i's value in field f is a pure
// function of (seed, f, i): the random kinds hash splitmix64-style the counter
// key_f + i * gamma, so parallelism, batch sizes and timing never change a value.
#include "connectors/datagen_source.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace eddy {
namespace {

DataType field_type(const DatagenField& f) {
  switch (f.kind) {
    case DatagenField::Kind::kSequence: return DataType::kInt64;
    case DatagenField::Kind::kRandom: return f.type;
    case DatagenField::Kind::kChoice: return DataType::kString;
    case DatagenField::Kind::kTimestamp: return DataType::kTimestamp;
  }
  return DataType::kInt64;
}

/// The random stream of field `field`: each field gets an unrelated counter start.
uint64_t field_key(uint64_t seed, size_t field) {
  return gen_mix64(seed ^ gen_mix64(static_cast<uint64_t>(field) * kGenGamma + 0x5851f42d4c957f2dULL));
}

constexpr double kTwoTo63 = 9.2233720368547758e18;  // 2^63, just outside int64

/// Inclusive int64 bounds of a random int64 field whose min and max lie in
/// [-2^63, 2^63] (check_random); 2^63 stands for INT64_MAX, which a double
/// cannot hold. False when no integer lies between them.
bool int_bounds(const DatagenField& f, int64_t& lo, int64_t& hi) {
  const double cmin = std::ceil(f.min), fmax = std::floor(f.max);
  if (cmin > fmax || cmin >= kTwoTo63) return false;
  lo = cmin <= -kTwoTo63 ? std::numeric_limits<int64_t>::min() : static_cast<int64_t>(cmin);
  hi = fmax >= kTwoTo63 ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(fmax);
  return true;
}

/// Row `row`'s value of a sequence (start + row * step) or timestamp field
/// (start + floor(row * step_us / 1000)), without overflow.
__int128 value_at(const DatagenField& f, int64_t row) {
  if (f.kind == DatagenField::Kind::kSequence)
    return static_cast<__int128>(f.start) + static_cast<__int128>(row) * f.step;
  const __int128 us = static_cast<__int128>(row) * f.ts_step_us;
  __int128 ms = us / 1000;
  if (us % 1000 < 0) --ms;
  return static_cast<__int128>(f.ts_start_ms) + ms;
}

bool fits_int64(__int128 v) {
  return v >= std::numeric_limits<int64_t>::min() && v <= std::numeric_limits<int64_t>::max();
}

/// Why row `row` of a sequence or timestamp field cannot be generated.
std::string overflow_message(const DatagenField& f, int64_t row) {
  const bool ts = f.kind == DatagenField::Kind::kTimestamp;
  return "datagen field '" + f.name + "': row " + std::to_string(row) + "'s value, " +
         (ts ? "start + " + std::to_string(row) + " * step (" + std::to_string(f.ts_step_us) + "us)"
             : "start + " + std::to_string(row) + " * step (" + std::to_string(f.step) + ")") +
         ", is beyond the int64 range" + (ts ? " of timestamps (epoch milliseconds)" : "");
}

Status check_random(const DatagenField& f, const std::string& where) {
  if (f.type != DataType::kInt64 && f.type != DataType::kFloat64)
    return Status::invalid(where + "random values are int64 or float64, not " + type_name(f.type));
  if (!std::isfinite(f.min) || !std::isfinite(f.max))
    return Status::invalid(where + "min and max must be finite numbers");
  if (!(f.min <= f.max)) return Status::invalid(where + "min is above max");
  if (f.type == DataType::kFloat64) {
    if (!std::isfinite(f.max - f.min))
      return Status::invalid(where + "max - min is beyond the float64 range");
    return Status::ok();
  }
  if (f.min < -kTwoTo63 || f.max > kTwoTo63)
    return Status::invalid(where + "min and max of int64 values must lie within the int64 range");
  int64_t lo, hi;
  if (!int_bounds(f, lo, hi)) return Status::invalid(where + "no integer lies between min and max");
  return Status::ok();
}

int64_t floor_div_1000(int64_t a) {
  int64_t q = a / 1000;
  if (a % 1000 < 0) --q;
  return q;
}

void fill_sequence(const DatagenField& f, const RowRun& run, int64_t* dst) {
  // The values fit int64 (checked up front, or per batch when unbounded); in
  // unsigned arithmetic the steps to them never overflow on the way.
  const uint64_t step = static_cast<uint64_t>(f.step);
  uint64_t v = static_cast<uint64_t>(f.start) + static_cast<uint64_t>(run.first) * step;
  for (int64_t r = 0; r < run.rows; ++r, v += step) dst[r] = static_cast<int64_t>(v);
}

void fill_random_int(const DatagenField& f, uint64_t key, const RowRun& run, int64_t* dst) {
  int64_t lo = 0, hi = 0;
  (void)int_bounds(f, lo, hi);  // checked by validate_datagen_config
  // range == 0 stands for the full 2^64 values.
  const uint64_t range = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
  uint64_t counter = key + static_cast<uint64_t>(run.first) * kGenGamma;
  if (range == 0) {
    for (int64_t r = 0; r < run.rows; ++r, counter += kGenGamma)
      dst[r] = static_cast<int64_t>(gen_mix64(counter));
    return;
  }
  const uint64_t base = static_cast<uint64_t>(lo);
  for (int64_t r = 0; r < run.rows; ++r, counter += kGenGamma)
    dst[r] = static_cast<int64_t>(base + gen_below(gen_mix64(counter), range));
}

void fill_random_double(const DatagenField& f, uint64_t key, const RowRun& run, double* dst) {
  const double lo = f.min, width = f.max - f.min;
  uint64_t counter = key + static_cast<uint64_t>(run.first) * kGenGamma;
  for (int64_t r = 0; r < run.rows; ++r, counter += kGenGamma)
    dst[r] = lo + gen_unit(gen_mix64(counter)) * width;
  // Rounding of lo + u * width can reach max itself; the range is half-open.
  if (width > 0) {
    const double below = std::nextafter(f.max, f.min);
    for (int64_t r = 0; r < run.rows; ++r)
      if (dst[r] >= f.max) dst[r] = below;
  }
}

void fill_timestamp(const DatagenField& f, const RowRun& run, int64_t* dst) {
  const int64_t start = f.ts_start_ms, step = f.ts_step_us;
  if (step % 1000 == 0) {
    const uint64_t step_ms = static_cast<uint64_t>(step / 1000);
    uint64_t v = static_cast<uint64_t>(start) + static_cast<uint64_t>(run.first) * step_ms;
    for (int64_t r = 0; r < run.rows; ++r, v += step_ms) dst[r] = static_cast<int64_t>(v);
    return;
  }
  const int64_t last = run.first + run.rows - 1;
  const int64_t abs_step = step < 0 ? -step : step;
  if (last == 0 || abs_step <= std::numeric_limits<int64_t>::max() / last) {
    for (int64_t r = 0; r < run.rows; ++r) dst[r] = start + floor_div_1000((run.first + r) * step);
    return;
  }
  // i * step_us leaves int64: compute in 128 bits (the values fit, poll checked).
  for (int64_t r = 0; r < run.rows; ++r) dst[r] = static_cast<int64_t>(value_at(f, run.first + r));
}

}  // namespace

SchemaPtr datagen_schema(const DatagenConfig& config) {
  std::vector<Field> fields;
  fields.reserve(config.fields.size());
  for (const auto& f : config.fields) fields.push_back({f.name, field_type(f)});
  return std::make_shared<Schema>(std::move(fields));
}

Status check_datagen_field(const DatagenField& f, int64_t rows) {
  const std::string where = "datagen field '" + f.name + "': ";
  switch (f.kind) {
    case DatagenField::Kind::kSequence:
    case DatagenField::Kind::kTimestamp:
      // Values are monotonic in the row: the last row is the one to check.
      if (rows > 0 && !fits_int64(value_at(f, rows - 1)))
        return Status::invalid(overflow_message(f, rows - 1) + "; lower the step or the rows");
      return Status::ok();
    case DatagenField::Kind::kRandom: return check_random(f, where);
    case DatagenField::Kind::kChoice:
      if (f.values.empty()) return Status::invalid(where + "choice needs at least one value");
      return Status::ok();
  }
  return Status::invalid(where + "unknown kind");
}

Status validate_datagen_config(const DatagenConfig& config) {
  if (config.fields.empty()) return Status::invalid("datagen: no fields");
  if (config.block_rows <= 0) return Status::invalid("datagen: block_rows must be positive");
  if (config.rows_per_second < 0) return Status::invalid("datagen: rows_per_second must be >= 0");
  for (const auto& f : config.fields) EDDY_RETURN_IF_ERROR(check_datagen_field(f, config.rows));
  return Status::ok();
}

std::unique_ptr<SplitEnumerator> make_datagen_enumerator(const DatagenConfig&) {
  return std::make_unique<ShareEnumerator>();
}

std::unique_ptr<SourceReader> make_datagen_reader(const DatagenConfig& config) {
  return std::make_unique<DatagenReader>(config);
}

DatagenReader::DatagenReader(DatagenConfig config)
    : config_(std::move(config)), schema_(datagen_schema(config_)),
      config_status_(validate_datagen_config(config_)) {
  for (size_t f = 0; f < config_.fields.size(); ++f) field_keys_.push_back(field_key(config_.seed, f));
}

Status DatagenReader::open_split(const Split& split) {
  EDDY_RETURN_IF_ERROR(config_status_);
  EDDY_RETURN_IF_ERROR(make_block_share(split, config_.block_rows, config_.rows, share_));
  share_size_ = share_.size();
  open_ = true;
  split_ = split;
  seek(split.position);
  return Status::ok();
}

Split DatagenReader::resume_split() const {
  Split s = split_;
  s.position = position_;
  return s;
}

void DatagenReader::seek(int64_t position) {
  position = std::max<int64_t>(0, position);
  if (share_size_ >= 0) position = std::min(position, share_size_);
  position_ = position;
  const double rate = static_cast<double>(config_.rows_per_second);
  pacer_.reset(rate > 0 ? rate / share_.count : 0);
}

Result<SourcePoll> DatagenReader::poll(size_t max_rows) {
  EDDY_RETURN_IF_ERROR(config_status_);
  if (!open_) return Status::internal("datagen: poll before open_split");
  const int64_t remaining =
      share_size_ < 0 ? std::numeric_limits<int64_t>::max() : share_size_ - position_;
  if (remaining <= 0) return SourcePoll::end();
  int64_t rows = std::min(remaining, poll_row_cap(max_rows));
  if (pacer_.limited()) {
    const int64_t budget = pacer_.budget(rows);
    if (budget == 0) return SourcePoll::idle(pacer_.retry_after_us(rows));
    rows = std::min(rows, budget);
    pacer_.consume(rows);
  }
  share_runs(share_, position_, rows, runs_);
  EDDY_RETURN_IF_ERROR(check_values_fit());
  auto batch = std::make_shared<RecordBatch>();
  batch->schema = schema_;
  batch->columns = make_columns(*schema_);
  batch->num_rows = static_cast<size_t>(rows);
  for (size_t f = 0; f < config_.fields.size(); ++f) fill_column(f, rows, batch->columns[f]);
  position_ += rows;
  return SourcePoll::of(std::move(batch));
}

Status DatagenReader::check_values_fit() const {
  // Runs ascend and values are monotonic in the row: the batch's last row is
  // the one to check. Bounded sources were checked for all rows up front.
  if (config_.rows >= 0 || runs_.empty()) return Status::ok();
  const int64_t last = runs_.back().first + runs_.back().rows - 1;
  for (const DatagenField& f : config_.fields) {
    const bool counted = f.kind == DatagenField::Kind::kSequence || f.kind == DatagenField::Kind::kTimestamp;
    if (counted && !fits_int64(value_at(f, last)))
      return Status::invalid(overflow_message(f, last) + "; the unbounded source cannot go on");
  }
  return Status::ok();
}

void DatagenReader::fill_column(size_t field, int64_t rows, Column& col) {
  const DatagenField& f = config_.fields[field];
  const size_t n = static_cast<size_t>(rows);
  switch (f.kind) {
    case DatagenField::Kind::kSequence:
      col.ints.resize(n);
      for (const auto& run : runs_) fill_sequence(f, run, col.ints.data() + run.out);
      return;
    case DatagenField::Kind::kTimestamp:
      col.ints.resize(n);
      for (const auto& run : runs_) fill_timestamp(f, run, col.ints.data() + run.out);
      return;
    case DatagenField::Kind::kRandom:
      if (f.type == DataType::kFloat64) {
        col.doubles.resize(n);
        for (const auto& run : runs_)
          fill_random_double(f, field_keys_[field], run, col.doubles.data() + run.out);
      } else {
        col.ints.resize(n);
        for (const auto& run : runs_)
          fill_random_int(f, field_keys_[field], run, col.ints.data() + run.out);
      }
      return;
    case DatagenField::Kind::kChoice: break;
  }
  // Choice: pick indexes first, then lay the strings out in one chars buffer.
  const uint64_t count = f.values.size();
  choice_scratch_.resize(n);
  uint32_t* pick = choice_scratch_.data();
  for (const auto& run : runs_) {
    uint64_t counter = field_keys_[field] + static_cast<uint64_t>(run.first) * kGenGamma;
    for (int64_t r = 0; r < run.rows; ++r, counter += kGenGamma)
      pick[run.out + r] = static_cast<uint32_t>(gen_below(gen_mix64(counter), count));
  }
  col.offsets.resize(n + 1);
  uint32_t* offsets = col.offsets.data();
  offsets[0] = 0;
  for (size_t r = 0; r < n; ++r)
    offsets[r + 1] = offsets[r] + static_cast<uint32_t>(f.values[pick[r]].size());
  col.chars.resize(offsets[n]);
  char* chars = col.chars.data();
  for (size_t r = 0; r < n; ++r) {
    const std::string& v = f.values[pick[r]];
    std::memcpy(chars + offsets[r], v.data(), v.size());
  }
}

}  // namespace eddy
