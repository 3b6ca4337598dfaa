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

/// Inclusive int64 bounds of a random int64 field.
void int_bounds(const DatagenField& f, int64_t& lo, int64_t& hi) {
  const double kMax = 9.2233720368547748e18;  // 2^63 as a double, out of int64's range
  lo = f.min <= -kMax ? std::numeric_limits<int64_t>::min() : static_cast<int64_t>(std::ceil(f.min));
  hi = f.max >= kMax ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(std::floor(f.max));
}

int64_t floor_div_1000(int64_t a) {
  int64_t q = a / 1000;
  if (a % 1000 < 0) --q;
  return q;
}

void fill_sequence(const DatagenField& f, const RowRun& run, int64_t* dst) {
  // Unsigned arithmetic: a long sequence may wrap, which is defined here.
  const uint64_t step = static_cast<uint64_t>(f.step);
  uint64_t v = static_cast<uint64_t>(f.start) + static_cast<uint64_t>(run.first) * step;
  for (int64_t r = 0; r < run.rows; ++r, v += step) dst[r] = static_cast<int64_t>(v);
}

void fill_random_int(const DatagenField& f, uint64_t key, const RowRun& run, int64_t* dst) {
  int64_t lo, hi;
  int_bounds(f, lo, hi);
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
  // i * step_us leaves int64: divide in 128 bits (floor for negative steps).
  for (int64_t r = 0; r < run.rows; ++r) {
    const __int128 us = static_cast<__int128>(run.first + r) * step;
    __int128 q = us / 1000;
    if (us % 1000 < 0) --q;
    dst[r] = start + static_cast<int64_t>(q);
  }
}

}  // namespace

SchemaPtr datagen_schema(const DatagenConfig& config) {
  std::vector<Field> fields;
  fields.reserve(config.fields.size());
  for (const auto& f : config.fields) fields.push_back({f.name, field_type(f)});
  return std::make_shared<Schema>(std::move(fields));
}

Status validate_datagen_config(const DatagenConfig& config) {
  if (config.fields.empty()) return Status::invalid("datagen: no fields");
  if (config.block_rows <= 0) return Status::invalid("datagen: block_rows must be positive");
  if (config.rows_per_second < 0) return Status::invalid("datagen: rows_per_second must be >= 0");
  for (const auto& f : config.fields) {
    const std::string where = "datagen field '" + f.name + "': ";
    switch (f.kind) {
      case DatagenField::Kind::kSequence:
      case DatagenField::Kind::kTimestamp: break;
      case DatagenField::Kind::kRandom:
        if (f.type != DataType::kInt64 && f.type != DataType::kFloat64)
          return Status::invalid(where + "random values are int64 or float64, not " + type_name(f.type));
        if (!(f.min <= f.max)) return Status::invalid(where + "min is above max");
        if (f.type == DataType::kInt64) {
          int64_t lo, hi;
          int_bounds(f, lo, hi);
          if (lo > hi) return Status::invalid(where + "no integer lies between min and max");
        }
        break;
      case DatagenField::Kind::kChoice:
        if (f.values.empty()) return Status::invalid(where + "choice needs at least one value");
        break;
    }
  }
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
  auto batch = std::make_shared<RecordBatch>();
  batch->schema = schema_;
  batch->columns = make_columns(*schema_);
  batch->num_rows = static_cast<size_t>(rows);
  for (size_t f = 0; f < config_.fields.size(); ++f) fill_column(f, rows, batch->columns[f]);
  position_ += rows;
  return SourcePoll::of(std::move(batch));
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
