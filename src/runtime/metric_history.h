// The job master's memory of a job's metrics: every subtask's samples
// (runtime/subtask_sample.h) and the job's own values, for the last five
// minutes, so a chart opened later is already full. Metric values are looked
// up by their Flink names (docs/monitoring.md); rates come from consecutive
// samples. CAF-free; owned by the job master, read by REST (a copy, shared
// as a pointer to const) and by the monitor's rules.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/subtask_sample.h"

namespace eddy {

struct MetricPoint {
  int64_t time_ms = 0;
  double value = 0;
};

class MetricHistory {
 public:
  static constexpr int64_t kDefaultKeepMs = 5 * 60 * 1000;
  explicit MetricHistory(int64_t keep_ms = kDefaultKeepMs);

  /// Adds a subtask's sample. A sample of a newer attempt starts that
  /// subtask's series again (counters restart with the attempt); samples older
  /// than keep_ms before the newest one are dropped.
  void add(SubtaskSample sample);
  /// Adds job-level values (docs/monitoring.md "Job metrics") taken at `time_ms`.
  void add_job(int64_t time_ms, const std::vector<std::pair<std::string, double>>& values);

  /// Subtasks of `vertex` that have reported (0 when none).
  int32_t subtasks(int32_t vertex) const;
  const SubtaskSample* latest(int32_t vertex, int32_t subtask) const;
  /// Metric `name` of a subtask at its latest sample: a subtask metric
  /// ("busyTimeMsPerSecond") or an operator's ("<operator>.numRecordsOut").
  /// nullopt: unknown name, or no sample (or, for a rate, only one) yet.
  std::optional<double> value(int32_t vertex, int32_t subtask, std::string_view name) const;
  /// The same over the kept history, oldest first.
  std::vector<MetricPoint> series(int32_t vertex, int32_t subtask, std::string_view name) const;
  /// The names value() answers for `vertex`: subtask metrics, then operator metrics.
  std::vector<std::string> names(int32_t vertex) const;

  std::optional<double> job_value(std::string_view name) const;
  std::vector<MetricPoint> job_series(std::string_view name) const;
  /// The job-level names that have values.
  std::vector<std::string> job_names() const;

  int64_t keep_ms() const { return keep_ms_; }

  // -- the samples themselves ------------------------------------------------
  /// Samples older than this before the newest keep their counters but lose
  /// `channels` and `key_group_records` (the bulk of a sample).
  static constexpr int64_t kDetailMs = 60 * 1000;
  /// Vertices that have reported, ascending.
  std::vector<int32_t> vertices() const;
  /// A subtask's kept samples, oldest first (empty when none).
  std::vector<const SubtaskSample*> samples(int32_t vertex, int32_t subtask) const;
  /// The sample before the latest (rates come from the two); null when none.
  const SubtaskSample* previous(int32_t vertex, int32_t subtask) const;
  /// The newest sample time seen (0 before any).
  int64_t newest_ms() const { return newest_ms_; }

 private:
  struct Key {
    int32_t vertex, subtask;
    bool operator<(const Key& o) const { return vertex != o.vertex ? vertex < o.vertex : subtask < o.subtask; }
  };
  /// Samples are shared, never changed once added: a copy of the history (the
  /// one REST reads) copies pointers, not samples.
  struct Series {
    std::deque<std::shared_ptr<const SubtaskSample>> samples;
    size_t stripped = 0;  // samples[0, stripped) had their detail dropped
  };
  void expire(Series& series);
  const Series* find(int32_t vertex, int32_t subtask) const;

  int64_t keep_ms_;
  int64_t newest_ms_ = 0;
  std::map<Key, Series> samples_;
  std::map<int32_t, int32_t> attempts_;  // per vertex: the newest attempt reported
  std::map<std::string, std::deque<MetricPoint>, std::less<>> job_;
};

using MetricHistoryPtr = std::shared_ptr<const MetricHistory>;

/// True when `name` is a subtask metric of docs/monitoring.md (rules check
/// the metrics they name against it).
bool is_subtask_metric(std::string_view name);
/// True for a job-level metric name.
bool is_job_metric(std::string_view name);
/// True for an operator metric's name without the operator ("numRecordsOut"
/// in "<operator>.numRecordsOut").
bool is_operator_metric(std::string_view name);

}  // namespace eddy
