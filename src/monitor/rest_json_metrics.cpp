// REST JSON of metrics by Flink name: ids "<subtask>.<name>", values as
// strings (as Flink sends them), aggregates over subtasks, watermarks,
// backpressure levels and eddy's history.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "monitor/job_health.h"
#include "monitor/rest_json.h"
#include "monitor/vertex_id.h"

namespace eddy {
namespace {

/// A metric value as Flink's REST API writes it: a string; integers without a fraction.
std::string value_text(double x) {
  char buf[40];
  if (std::isfinite(x) && x == std::floor(x) && std::fabs(x) < 9.2e18)
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(x));
  else
    std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

std::vector<std::string> metric_names(const JobView& v, int vertex) {
  return v.history ? v.history->names(vertex) : std::vector<std::string>{};
}

int32_t parallelism(const JobView& v, int vertex) { return v.graph->vertices[static_cast<size_t>(vertex)].parallelism; }

std::string joined(const std::vector<std::string>& xs, size_t most = 60) {
  std::string out;
  for (size_t i = 0; i < xs.size() && i < most; ++i) out += (i ? ", " : "") + xs[i];
  if (xs.size() > most) out += ", ... (" + std::to_string(xs.size()) + " in all)";
  return out.empty() ? "none yet (the first sample comes after metrics.interval)" : out;
}

Status unknown_metric(const JobView& v, int vertex, const std::string& what) {
  const auto names = metric_names(v, vertex);
  return Status::not_found("no metric '" + what + "' in vertex '" + v.graph->vertices[static_cast<size_t>(vertex)].name +
                           "' (ids are <subtask>.<name>, subtask 0.." + std::to_string(parallelism(v, vertex) - 1) +
                           "); metrics: " + joined(names));
}

/// A metric of docs/monitoring.md for this vertex: one the history answers,
/// or (before the first samples) a subtask metric or an operator's of its chain.
bool known(const JobView& v, int vertex, const std::vector<std::string>& names, const std::string& n) {
  if (std::find(names.begin(), names.end(), n) != names.end() || is_subtask_metric(n)) return true;
  for (int node : v.graph->vertices[static_cast<size_t>(vertex)].nodes) {
    const std::string& op = v.graph->nodes[static_cast<size_t>(node)].name;
    if (n.size() > op.size() + 1 && n.compare(0, op.size(), op) == 0 && n[op.size()] == '.' &&
        is_operator_metric(std::string_view(n).substr(op.size() + 1)))
      return true;
  }
  return false;
}

/// "3.numRecordsIn" -> (3, "numRecordsIn"); subtask -1 when it has no subtask prefix.
std::pair<int32_t, std::string> split_id(const std::string& id) {
  const size_t dot = id.find('.');
  if (dot == std::string::npos || dot == 0 || dot > 6 || id.find_first_not_of("0123456789") < dot) return {-1, id};
  return {std::stoi(id.substr(0, dot)), id.substr(dot + 1)};
}

/// Flink's skew: mean absolute deviation over the mean, in percent, at most 100.
double skew(const std::vector<double>& xs, double avg) {
  if (xs.empty() || avg == 0) return 0;
  double dev = 0;
  for (double x : xs) dev += std::fabs(avg - x);
  return std::min(dev / static_cast<double>(xs.size()) / avg * 100.0, 100.0);
}

}  // namespace

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t from = 0;
  while (from <= text.size()) {
    size_t at = text.find(',', from);
    if (at == std::string::npos) at = text.size();
    std::string part = text.substr(from, at - from);
    while (!part.empty() && part.front() == ' ') part.erase(part.begin());
    while (!part.empty() && part.back() == ' ') part.pop_back();
    if (!part.empty()) out.push_back(part);
    from = at + 1;
  }
  return out;
}

Result<Json> vertex_metrics_json(const JobView& v, int vertex, const std::string& get) {
  const auto names = metric_names(v, vertex);
  const int32_t n = parallelism(v, vertex);
  Json out = Json::array();
  if (get.empty()) {
    for (int32_t i = 0; i < n; ++i)
      for (const auto& name : names) out.push_back(Json{{"id", std::to_string(i) + "." + name}});
    return out;
  }
  for (const auto& id : split_list(get)) {
    const auto [subtask, name] = split_id(id);
    if (subtask < 0 || subtask >= n || !known(v, vertex, names, name)) return unknown_metric(v, vertex, id);
    if (!v.history) continue;
    if (auto x = v.history->value(vertex, subtask, name)) out.push_back(Json{{"id", id}, {"value", value_text(*x)}});
  }
  return out;
}

Result<Json> subtask_metrics_json(const JobView& v, int vertex, const std::string& get, const std::string& agg,
                                  const std::string& subtasks) {
  const auto names = metric_names(v, vertex);
  const int32_t n = parallelism(v, vertex);
  if (get.empty()) {
    Json out = Json::array();
    for (const auto& name : names) out.push_back(Json{{"id", name}});
    return out;
  }
  std::vector<std::string> aggs = split_list(agg);
  if (aggs.empty()) aggs = {"min", "max", "avg", "sum", "skew"};
  for (const auto& a : aggs)
    if (a != "min" && a != "max" && a != "avg" && a != "sum" && a != "skew")
      return Status::invalid("agg '" + a + "' is not one of min, max, avg, sum, skew");
  std::vector<int32_t> which;
  for (const auto& s : split_list(subtasks)) {
    const bool digits = s.size() < 7 && s.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoi(s) >= n)
      return Status::not_found("no subtask '" + s + "' in vertex '" + v.graph->vertices[static_cast<size_t>(vertex)].name +
                               "': it has subtasks 0.." + std::to_string(n - 1));
    which.push_back(std::stoi(s));
  }
  if (which.empty())
    for (int32_t i = 0; i < n; ++i) which.push_back(i);
  Json out = Json::array();
  for (const auto& name : split_list(get)) {
    if (!known(v, vertex, names, name)) return unknown_metric(v, vertex, name);
    std::vector<double> xs;
    for (int32_t i : which)
      if (auto x = v.history ? v.history->value(vertex, i, name) : std::nullopt) xs.push_back(*x);
    if (xs.empty()) continue;
    double sum = 0;
    for (double x : xs) sum += x;
    const double avg = sum / static_cast<double>(xs.size());
    Json row{{"id", name}};
    for (const auto& a : aggs) {
      if (a == "min") row["min"] = *std::min_element(xs.begin(), xs.end());
      if (a == "max") row["max"] = *std::max_element(xs.begin(), xs.end());
      if (a == "avg") row["avg"] = avg;
      if (a == "sum") row["sum"] = sum;
      if (a == "skew") row["skew"] = skew(xs, avg);
    }
    out.push_back(std::move(row));
  }
  return out;
}

Json watermarks_json(const JobView& v, int vertex) {
  Json out = Json::array();
  for (int32_t i = 0; i < parallelism(v, vertex); ++i) {
    std::optional<double> wm;
    if (v.history) wm = v.history->value(vertex, i, "currentInputWatermark");
    if (!wm && v.history) wm = v.history->value(vertex, i, "currentOutputWatermark");  // sources: what they emit
    const long long value = wm ? static_cast<long long>(*wm) : INT64_MIN;  // Flink: Long.MIN_VALUE, none
    out.push_back(Json{{"id", std::to_string(i) + ".currentInputWatermark"}, {"value", std::to_string(value)}});
  }
  return out;
}

Json backpressure_json(const JobView& v, int vertex) {
  Json subtasks = Json::array();
  double worst = 0;
  for (int32_t i = 0; i < parallelism(v, vertex); ++i) {
    auto ms = [&](const char* name) { return v.history ? v.history->value(vertex, i, name).value_or(0) / 1000.0 : 0.0; };
    const double ratio = ms("backPressuredTimeMsPerSecond");
    worst = std::max(worst, ratio);
    subtasks.push_back(Json{{"subtask", i},
                            {"attempt-number", v.attempt},
                            {"backpressure-level", backpressure_level_name(backpressure_level(ratio))},
                            {"ratio", ratio},
                            {"busyRatio", ms("busyTimeMsPerSecond")},
                            {"idleRatio", ms("idleTimeMsPerSecond")},
                            {"other-concurrent-attempts", Json::array()}});
  }
  return Json{{"status", "ok"},
              {"backpressure-level", backpressure_level_name(backpressure_level(worst))},
              {"end-timestamp", v.now_ms},
              {"subtasks", subtasks}};
}

Result<Json> history_json(const JobView& v, int vertex, const std::string& get) {
  const auto names = metric_names(v, vertex);
  const auto wanted = split_list(get);
  if (wanted.empty())
    return Status::invalid("name the metrics: ?get=a,b (metrics of this vertex: " + joined(names) + ")");
  Json metrics = Json::array();
  for (const auto& name : wanted) {
    if (!known(v, vertex, names, name)) return unknown_metric(v, vertex, name);
    Json subtasks = Json::array();
    for (int32_t i = 0; i < parallelism(v, vertex); ++i) {
      Json points = Json::array();
      if (v.history)
        for (const MetricPoint& p : v.history->series(vertex, i, name)) points.push_back(Json::array({p.time_ms, p.value}));
      subtasks.push_back(Json{{"subtask", i}, {"points", points}});
    }
    metrics.push_back(Json{{"id", name}, {"subtasks", subtasks}});
  }
  return Json{{"interval-ms", v.metrics_interval_ms}, {"metrics", metrics}};
}

}  // namespace eddy
