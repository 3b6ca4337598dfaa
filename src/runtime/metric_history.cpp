// The job master's five minutes of samples, and metric values by Flink name
// (runtime/metric_history.h, docs/monitoring.md). Rates divide the change
// between two consecutive samples of a subtask by the time between them.
#include "runtime/metric_history.h"

#include <algorithm>
#include <array>
#include <functional>

namespace eddy {

namespace {

using Getter = std::function<std::optional<double>(const SubtaskSample&, const SubtaskSample*)>;

double seconds_between(const SubtaskSample& cur, const SubtaskSample& prev) {
  return static_cast<double>(cur.time_ms - prev.time_ms) / 1000.0;
}

/// Change of a cumulative counter per second; nullopt without a previous
/// sample of the same attempt, or when no time passed.
template <typename F>
std::optional<double> per_second(const SubtaskSample& cur, const SubtaskSample* prev, F counter) {
  if (!prev || prev->attempt != cur.attempt) return std::nullopt;
  const double dt = seconds_between(cur, *prev);
  if (dt <= 0) return std::nullopt;
  return (static_cast<double>(counter(cur)) - static_cast<double>(counter(*prev))) / dt;
}

/// busy / backpressured / idle ms per second: the share of the time the
/// activity clock measured between the samples, so the three sum to 1000.
template <typename F>
std::optional<double> time_share(const SubtaskSample& cur, const SubtaskSample* prev, F part) {
  if (!prev || prev->attempt != cur.attempt) return std::nullopt;
  auto total = [](const SubtaskSample& s) { return s.busy_ns + s.backpressured_ns + s.idle_ns; };
  const int64_t whole = total(cur) - total(*prev);
  if (whole <= 0) return std::nullopt;
  return 1000.0 * static_cast<double>(part(cur) - part(*prev)) / static_cast<double>(whole);
}

const OperatorMetrics* head(const SubtaskSample& s) { return s.operators.empty() ? nullptr : &s.operators.front(); }
const OperatorMetrics* tail(const SubtaskSample& s) { return s.operators.empty() ? nullptr : &s.operators.back(); }

uint64_t sum_ops(const SubtaskSample& s, uint64_t OperatorMetrics::*field) {
  uint64_t total = 0;
  for (const auto& op : s.operators) total += op.*field;
  return total;
}

std::optional<double> input_watermark(const SubtaskSample& s, size_t input) {
  if (input >= s.input_watermarks.size()) return std::nullopt;
  return static_cast<double>(s.input_watermarks[input]);
}

// A subtask's records in are its chain head's, its records out its chain
// tail's, as Flink's task-level counters.
uint64_t records_in(const SubtaskSample& s) { return head(s) ? head(s)->records_in : 0; }
uint64_t records_out(const SubtaskSample& s) { return tail(s) ? tail(s)->records_out : 0; }
uint64_t batches_in(const SubtaskSample& s) { return head(s) ? head(s)->batches_in : 0; }
uint64_t batches_out(const SubtaskSample& s) { return tail(s) ? tail(s)->batches_out : 0; }

const std::vector<std::pair<std::string_view, Getter>>& subtask_getters() {
  using S = SubtaskSample;
  using P = const SubtaskSample*;
  auto d = [](auto v) { return std::optional<double>(static_cast<double>(v)); };
  static const std::vector<std::pair<std::string_view, Getter>> getters = {
      {"numRecordsIn", [d](const S& s, P) { return d(records_in(s)); }},
      {"numRecordsOut", [d](const S& s, P) { return d(records_out(s)); }},
      {"numBytesIn", [d](const S& s, P) { return d(s.bytes_in); }},
      {"numBytesOut", [d](const S& s, P) { return d(s.bytes_out); }},
      {"numRecordsInPerSecond", [](const S& s, P p) { return per_second(s, p, records_in); }},
      {"numRecordsOutPerSecond", [](const S& s, P p) { return per_second(s, p, records_out); }},
      {"numBytesInPerSecond", [](const S& s, P p) { return per_second(s, p, [](const S& x) { return x.bytes_in; }); }},
      {"numBytesOutPerSecond", [](const S& s, P p) { return per_second(s, p, [](const S& x) { return x.bytes_out; }); }},
      {"numBatchesIn", [d](const S& s, P) { return d(batches_in(s)); }},
      {"numBatchesOut", [d](const S& s, P) { return d(batches_out(s)); }},
      {"busyTimeMsPerSecond", [](const S& s, P p) { return time_share(s, p, [](const S& x) { return x.busy_ns; }); }},
      {"backPressuredTimeMsPerSecond",
       [](const S& s, P p) { return time_share(s, p, [](const S& x) { return x.backpressured_ns; }); }},
      {"idleTimeMsPerSecond", [](const S& s, P p) { return time_share(s, p, [](const S& x) { return x.idle_ns; }); }},
      {"accumulatedBusyTime", [d](const S& s, P) { return d(s.busy_ns / 1000000); }},
      {"accumulatedBackpressuredTime", [d](const S& s, P) { return d(s.backpressured_ns / 1000000); }},
      {"accumulatedIdleTime", [d](const S& s, P) { return d(s.idle_ns / 1000000); }},
      {"buffers.inPoolUsage", [d](const S& s, P) { return d(s.in_pool_usage); }},
      {"buffers.outPoolUsage", [d](const S& s, P) { return d(s.out_pool_usage); }},
      {"buffers.inputQueueLength", [d](const S& s, P) { return d(s.input_queue); }},
      {"buffers.outputQueueLength", [d](const S& s, P) { return d(s.output_queue); }},
      {"currentInputWatermark",
       [d](const S& s, P) -> std::optional<double> {
         if (s.input_watermarks.empty()) return std::nullopt;
         return d(*std::min_element(s.input_watermarks.begin(), s.input_watermarks.end()));
       }},
      {"currentInput1Watermark", [](const S& s, P) { return input_watermark(s, 0); }},
      {"currentInput2Watermark", [](const S& s, P) { return input_watermark(s, 1); }},
      {"currentOutputWatermark", [d](const S& s, P) { return d(s.output_watermark); }},
      {"currentEmitEventTimeLag",
       [d](const S& s, P) -> std::optional<double> {
         if (s.last_event_time == INT64_MIN) return std::nullopt;
         return d(s.time_ms - s.last_event_time);
       }},
      {"numKeys", [d](const S& s, P) { return d(sum_ops(s, &OperatorMetrics::keys)); }},
      {"stateSizeBytes", [d](const S& s, P) { return d(s.state_bytes); }},
      {"numLateRecordsDropped", [d](const S& s, P) { return d(sum_ops(s, &OperatorMetrics::late)); }},
      {"numRecordsSkipped", [d](const S& s, P) { return d(sum_ops(s, &OperatorMetrics::skipped)); }},
      {"numWindowsFired", [d](const S& s, P) { return d(sum_ops(s, &OperatorMetrics::windows_fired)); }},
      {"checkpointAlignmentTime", [d](const S& s, P) { return d(s.checkpoint.alignment_us * 1000); }},
      {"checkpointSyncDurationMs", [d](const S& s, P) { return d(s.checkpoint.sync_us / 1000); }},
      {"checkpointAsyncDurationMs", [d](const S& s, P) { return d(s.checkpoint.async_us / 1000); }},
      {"checkpointSizeBytes", [d](const S& s, P) { return d(s.checkpoint.bytes); }},
      {"lastCheckpointId", [d](const S& s, P) { return d(s.checkpoint.id); }},
  };
  return getters;
}

using OpGetter = std::function<std::optional<double>(const OperatorMetrics&, const OperatorMetrics*, double dt)>;

std::optional<double> op_rate(const OperatorMetrics& cur, const OperatorMetrics* prev, double dt,
                              uint64_t OperatorMetrics::*field) {
  if (!prev || dt <= 0) return std::nullopt;
  return (static_cast<double>(cur.*field) - static_cast<double>(prev->*field)) / dt;
}

const std::vector<std::pair<std::string_view, OpGetter>>& operator_getters() {
  using O = OperatorMetrics;
  using P = const OperatorMetrics*;
  auto d = [](auto v) { return std::optional<double>(static_cast<double>(v)); };
  static const std::vector<std::pair<std::string_view, OpGetter>> getters = {
      {"numRecordsIn", [d](const O& o, P, double) { return d(o.records_in); }},
      {"numRecordsOut", [d](const O& o, P, double) { return d(o.records_out); }},
      {"numRecordsInPerSecond", [](const O& o, P p, double dt) { return op_rate(o, p, dt, &O::records_in); }},
      {"numRecordsOutPerSecond", [](const O& o, P p, double dt) { return op_rate(o, p, dt, &O::records_out); }},
      {"numBatchesIn", [d](const O& o, P, double) { return d(o.batches_in); }},
      {"numBatchesOut", [d](const O& o, P, double) { return d(o.batches_out); }},
      {"numLateRecordsDropped", [d](const O& o, P, double) { return d(o.late); }},
      {"numRecordsSkipped", [d](const O& o, P, double) { return d(o.skipped); }},
      {"numWindowsFired", [d](const O& o, P, double) { return d(o.windows_fired); }},
      {"numKeys", [d](const O& o, P, double) { return d(o.keys); }},
      {"stateSizeBytes", [d](const O& o, P, double) { return d(o.state_bytes); }},
      {"currentInputWatermark", [d](const O& o, P, double) { return d(o.watermark); }},
      // eddy: the time spent inside this operator of the chain.
      {"accumulatedBusyTime", [d](const O& o, P, double) { return d(o.busy_ns / 1000000); }},
      {"busyTimeMsPerSecond",
       [](const O& o, P p, double dt) -> std::optional<double> {
         if (!p || dt <= 0) return std::nullopt;
         return static_cast<double>(o.busy_ns - p->busy_ns) / 1e6 / dt;
       }},
  };
  return getters;
}

template <typename Getters>
const typename Getters::value_type::second_type* lookup(const Getters& getters, std::string_view name) {
  for (const auto& [n, g] : getters) {
    if (n == name) return &g;
  }
  return nullptr;
}

const OperatorMetrics* find_op(const SubtaskSample& s, std::string_view name) {
  for (const auto& op : s.operators) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

/// `name` of sample `cur` given the one before it (null when none).
std::optional<double> evaluate(const SubtaskSample& cur, const SubtaskSample* prev, std::string_view name) {
  if (const auto* g = lookup(subtask_getters(), name)) return (*g)(cur, prev);
  // "<operator>.<metric>": operator names may hold dots, metric names (but
  // buffers.*, which are not operator metrics) do not.
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const auto* g = lookup(operator_getters(), name.substr(dot + 1));
  const OperatorMetrics* op = g ? find_op(cur, name.substr(0, dot)) : nullptr;
  if (!op) return std::nullopt;
  const bool same_run = prev && prev->attempt == cur.attempt;
  const OperatorMetrics* before = same_run ? find_op(*prev, op->name) : nullptr;
  return (*g)(*op, before, same_run ? seconds_between(cur, *prev) : 0.0);
}

/// A copy of `s` without the parts only recent samples keep.
std::shared_ptr<const SubtaskSample> without_detail(const SubtaskSample& s) {
  auto copy = std::make_shared<SubtaskSample>(s);
  copy->channels.clear();
  copy->channels.shrink_to_fit();
  copy->key_group_records.clear();
  copy->key_group_records.shrink_to_fit();
  return copy;
}

constexpr std::array<std::string_view, 9> kJobMetrics = {
    "lastCheckpointDuration",      "lastCheckpointSize",      "lastCheckpointFullSize",
    "numberOfCompletedCheckpoints", "numberOfFailedCheckpoints", "numberOfInProgressCheckpoints",
    "totalNumberOfCheckpoints",    "numRestarts",             "uptime"};

}  // namespace

MetricHistory::MetricHistory(int64_t keep_ms) : keep_ms_(keep_ms) {}

void MetricHistory::add(SubtaskSample sample) {
  auto [at, fresh] = attempts_.emplace(sample.vertex, sample.attempt);
  if (sample.attempt < at->second) return;  // a late sample of an attempt that was replaced
  if (!fresh && sample.attempt > at->second) {
    // A new attempt restarts every counter of the vertex, and may run at
    // another parallelism: the old attempt's series go.
    at->second = sample.attempt;
    for (auto it = samples_.begin(); it != samples_.end();) {
      it = it->first.vertex == sample.vertex ? samples_.erase(it) : std::next(it);
    }
  }
  newest_ms_ = std::max(newest_ms_, sample.time_ms);
  Series& series = samples_[Key{sample.vertex, sample.subtask}];
  if (!series.samples.empty() && series.samples.back()->time_ms > sample.time_ms) return;
  series.samples.push_back(std::make_shared<const SubtaskSample>(std::move(sample)));
  for (auto& [key, s] : samples_) expire(s);
}

void MetricHistory::expire(Series& series) {
  // The latest sample always stays: a finished subtask keeps its last values.
  while (series.samples.size() > 1 && series.samples.front()->time_ms < newest_ms_ - keep_ms_) {
    series.samples.pop_front();
    if (series.stripped > 0) --series.stripped;
  }
  // The last two keep their detail whatever their age (rates of key groups).
  while (series.stripped + 2 < series.samples.size() &&
         series.samples[series.stripped]->time_ms < newest_ms_ - kDetailMs) {
    auto& s = series.samples[series.stripped];
    if (!s->channels.empty() || !s->key_group_records.empty()) s = without_detail(*s);
    ++series.stripped;
  }
}

void MetricHistory::add_job(int64_t time_ms, const std::vector<std::pair<std::string, double>>& values) {
  for (const auto& [name, value] : values) {
    auto it = job_.find(name);
    if (it == job_.end()) it = job_.emplace(name, std::deque<MetricPoint>{}).first;
    auto& points = it->second;
    if (!points.empty() && points.back().time_ms > time_ms) continue;
    points.push_back(MetricPoint{time_ms, value});
    while (points.size() > 1 && points.front().time_ms < time_ms - keep_ms_) points.pop_front();
  }
}

const MetricHistory::Series* MetricHistory::find(int32_t vertex, int32_t subtask) const {
  auto it = samples_.find(Key{vertex, subtask});
  return it == samples_.end() || it->second.samples.empty() ? nullptr : &it->second;
}

int32_t MetricHistory::subtasks(int32_t vertex) const {
  int32_t n = 0;
  for (auto it = samples_.lower_bound(Key{vertex, INT32_MIN}); it != samples_.end() && it->first.vertex == vertex;
       ++it) {
    n = std::max(n, it->first.subtask + 1);
  }
  return n;
}

const SubtaskSample* MetricHistory::latest(int32_t vertex, int32_t subtask) const {
  const Series* s = find(vertex, subtask);
  return s ? s->samples.back().get() : nullptr;
}

const SubtaskSample* MetricHistory::previous(int32_t vertex, int32_t subtask) const {
  const Series* s = find(vertex, subtask);
  return s && s->samples.size() > 1 ? s->samples[s->samples.size() - 2].get() : nullptr;
}

std::vector<const SubtaskSample*> MetricHistory::samples(int32_t vertex, int32_t subtask) const {
  std::vector<const SubtaskSample*> out;
  if (const Series* s = find(vertex, subtask)) {
    for (const auto& sample : s->samples) out.push_back(sample.get());
  }
  return out;
}

std::vector<int32_t> MetricHistory::vertices() const {
  std::vector<int32_t> out;
  for (const auto& [key, s] : samples_) {
    if (out.empty() || out.back() != key.vertex) out.push_back(key.vertex);
  }
  return out;
}

std::optional<double> MetricHistory::value(int32_t vertex, int32_t subtask, std::string_view name) const {
  const SubtaskSample* cur = latest(vertex, subtask);
  return cur ? evaluate(*cur, previous(vertex, subtask), name) : std::nullopt;
}

std::vector<MetricPoint> MetricHistory::series(int32_t vertex, int32_t subtask, std::string_view name) const {
  std::vector<MetricPoint> out;
  const Series* s = find(vertex, subtask);
  if (!s) return out;
  const SubtaskSample* prev = nullptr;
  for (const auto& sample : s->samples) {
    if (auto v = evaluate(*sample, prev, name)) out.push_back(MetricPoint{sample->time_ms, *v});
    prev = sample.get();
  }
  return out;
}

std::vector<std::string> MetricHistory::names(int32_t vertex) const {
  std::vector<std::string> out;
  const SubtaskSample* cur = nullptr;
  const SubtaskSample* prev = nullptr;
  for (int32_t i = 0; i < subtasks(vertex) && !cur; ++i) {
    cur = latest(vertex, i);
    prev = previous(vertex, i);
  }
  if (!cur) return out;
  // A name is listed when the latest sample answers it, or when it is a rate
  // that will have a value from the next sample on.
  auto answers = [&](std::string_view name) {
    return evaluate(*cur, prev, name).has_value() || name.find("PerSecond") != std::string_view::npos;
  };
  for (const auto& [name, g] : subtask_getters()) {
    if (answers(name)) out.emplace_back(name);
  }
  for (const auto& op : cur->operators) {
    for (const auto& [name, g] : operator_getters()) {
      std::string full = op.name + "." + std::string(name);
      if (answers(full)) out.push_back(std::move(full));
    }
  }
  return out;
}

std::optional<double> MetricHistory::job_value(std::string_view name) const {
  auto it = job_.find(name);
  if (it == job_.end() || it->second.empty()) return std::nullopt;
  return it->second.back().value;
}

std::vector<MetricPoint> MetricHistory::job_series(std::string_view name) const {
  auto it = job_.find(name);
  if (it == job_.end()) return {};
  return std::vector<MetricPoint>(it->second.begin(), it->second.end());
}

std::vector<std::string> MetricHistory::job_names() const {
  std::vector<std::string> out;
  for (const auto& [name, points] : job_) {
    if (!points.empty()) out.push_back(name);
  }
  return out;
}

bool is_subtask_metric(std::string_view name) { return lookup(subtask_getters(), name) != nullptr; }

bool is_operator_metric(std::string_view name) { return lookup(operator_getters(), name) != nullptr; }

bool is_job_metric(std::string_view name) {
  return std::find(kJobMetrics.begin(), kJobMetrics.end(), name) != kJobMetrics.end();
}

}  // namespace eddy
