// Skew across subtasks (monitor/skew.h).
#include "monitor/skew.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "core/key_groups.h"

namespace eddy {
namespace {

/// max / median, capped so that a median of 0 stays a finite number.
constexpr double kRatioCap = 1000;

struct Spread {
  int32_t hot = 0;  // index into the subtasks
  double max = 0, median = 0, sum = 0, ratio = 0;
};

Spread spread(const VertexInput& v, const std::function<double(const SubtaskInput&)>& get) {
  Spread s;
  for (size_t i = 0; i < v.subtasks.size(); ++i) {
    const double x = get(v.subtasks[i]);
    s.sum += x;
    if (i == 0 || x > s.max) {
      s.max = x;
      s.hot = static_cast<int32_t>(i);
    }
  }
  // The others' median: with two subtasks max / median of all could never reach 2.
  std::vector<double> others;
  for (size_t i = 0; i < v.subtasks.size(); ++i)
    if (static_cast<int32_t>(i) != s.hot) others.push_back(get(v.subtasks[i]));
  s.median = median_of(others);
  s.ratio = s.median > 0 ? std::min(kRatioCap, s.max / s.median) : (s.max > 0 ? kRatioCap : 1);
  return s;
}

std::string percent(double ratio) { return std::to_string(static_cast<int>(std::lround(ratio * 100))) + "%"; }

std::string megabytes(double bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MB", bytes / 1e6);
  return buf;
}

std::string key_group_list(const std::vector<int32_t>& kgs) {
  std::string out;
  for (int32_t kg : kgs) out += (out.empty() ? "" : ", ") + std::to_string(kg);
  return out;
}

SkewFinding finding(const VertexInput& v, const char* metric, const Spread& s) {
  SkewFinding f;
  f.metric = metric;
  f.subtask = v.subtasks[s.hot].subtask;
  f.ratio = s.ratio;
  f.share = s.sum > 0 ? s.max / s.sum : 0;
  f.max = s.max;
  f.median = s.median;
  return f;
}

}  // namespace

double median_of(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::vector<int32_t> hot_key_groups(const JobInput& job, const VertexInput& v, int32_t subtask,
                                    const DiagnosisOptions& options) {
  std::vector<double> rates(static_cast<size_t>(std::max(v.max_parallelism, 1)), 0.0);
  for (int32_t u : v.hash_upstream) {
    if (u < 0 || u >= static_cast<int32_t>(job.vertices.size())) continue;
    for (const auto& producer : job.vertices[u].subtasks)
      for (size_t kg = 0; kg < producer.key_group_rates.size() && kg < rates.size(); ++kg)
        rates[kg] += producer.key_group_rates[kg];
  }
  const int32_t parallelism = static_cast<int32_t>(v.subtasks.size());
  std::vector<int32_t> mine;
  double total = 0;
  for (int32_t kg = 0; kg < static_cast<int32_t>(rates.size()); ++kg)
    if (subtask_for_key_group(v.max_parallelism, parallelism, kg) == subtask) {
      mine.push_back(kg);
      total += rates[kg];
    }
  std::stable_sort(mine.begin(), mine.end(), [&](int32_t a, int32_t b) { return rates[a] > rates[b]; });
  std::vector<int32_t> hot;
  for (int32_t kg : mine) {
    if (static_cast<int32_t>(hot.size()) >= options.skew_key_groups) break;
    if (total <= 0 || rates[kg] < options.skew_key_group_share * total) break;
    hot.push_back(kg);
  }
  return hot;
}

std::optional<SkewFinding> find_skew(const JobInput& job, const VertexInput& v, const DiagnosisOptions& options) {
  if (v.subtasks.size() < 2) return std::nullopt;
  const Spread rate = spread(v, [](const SubtaskInput& s) { return s.records_in_per_s; });
  if (rate.sum >= options.skew_min_records_per_s && rate.ratio >= options.skew_ratio) {
    SkewFinding f = finding(v, "numRecordsInPerSecond", rate);
    f.key_groups = hot_key_groups(job, v, f.subtask, options);
    f.message = v.name + " subtask " + std::to_string(f.subtask) + " gets " + percent(f.share) + " of records";
    if (!f.key_groups.empty()) f.message += " (key groups " + key_group_list(f.key_groups) + ")";
    return f;
  }
  const Spread busy = spread(v, [](const SubtaskInput& s) { return s.busy_ratio; });
  if (busy.max >= options.skew_min_busy && busy.ratio >= options.skew_ratio) {
    SkewFinding f = finding(v, "busyTimeMsPerSecond", busy);
    f.message = v.name + " subtask " + std::to_string(f.subtask) + " busy " + percent(f.max) + ", the others' median " +
                percent(f.median);
    return f;
  }
  const Spread state = spread(v, [](const SubtaskInput& s) { return s.state_bytes; });
  if (state.max >= options.skew_min_state_bytes && state.ratio >= options.skew_ratio) {
    SkewFinding f = finding(v, "stateSizeBytes", state);
    f.message = v.name + " subtask " + std::to_string(f.subtask) + " holds " + megabytes(f.max) +
                " of state, the others' median " + megabytes(f.median);
    return f;
  }
  return std::nullopt;
}

}  // namespace eddy
