// Oceanus's bottleneck rule (monitor/bottleneck.h says it precisely).
#include "monitor/bottleneck.h"

#include <cmath>

#include "monitor/backpressure.h"

namespace eddy {
namespace {

std::string percent(double ratio) { return std::to_string(static_cast<int>(std::lround(ratio * 100))) + "%"; }

std::vector<int32_t> backpressured_upstream(const JobInput& job, const VertexInput& v) {
  std::vector<int32_t> out;
  for (int32_t u : v.upstream)
    if (u >= 0 && u < static_cast<int32_t>(job.vertices.size()) &&
        vertex_backpressure_level(job.vertices[u]) != BackpressureLevel::kOk)
      out.push_back(u);
  return out;
}

std::string bottleneck_message(const JobInput& job, const Bottleneck& b) {
  std::string m = b.name + " is the bottleneck: subtask " + std::to_string(b.subtask) + " busy " +
                  percent(b.busy_ratio) + ", in-queue " + percent(b.in_pool_usage) + ", out-queue " +
                  percent(b.out_pool_usage);
  for (size_t i = 0; i < b.backpressured_upstream.size(); ++i) {
    const VertexInput& u = job.vertices[b.backpressured_upstream[i]];
    m += (i == 0 ? "; upstream backpressured: " : ", ") + u.name + " (" +
         backpressure_level_name(vertex_backpressure_level(u)) + ")";
  }
  return m;
}

}  // namespace

bool subtask_saturated(const JobInput& job, const VertexInput& v, const SubtaskInput& s,
                       const DiagnosisOptions& options) {
  // A full output queue means something downstream holds it back: never the bottleneck.
  if (v.source || s.out_pool_usage >= options.out_queue_free) return false;
  if (s.in_pool_usage >= options.in_queue_full) return true;
  return s.busy_ratio >= options.busy_saturated && !backpressured_upstream(job, v).empty();
}

std::optional<Bottleneck> find_bottleneck(const JobInput& job, const DiagnosisOptions& options) {
  const VertexInput* best_v = nullptr;
  const SubtaskInput* best_s = nullptr;
  for (const auto& v : job.vertices)
    for (const auto& s : v.subtasks) {
      if (!subtask_saturated(job, v, s, options)) continue;
      if (!best_s || s.busy_ratio + s.in_pool_usage > best_s->busy_ratio + best_s->in_pool_usage) {
        best_v = &v;
        best_s = &s;
      }
    }
  if (!best_s) return std::nullopt;
  Bottleneck b;
  b.vertex = best_v->index;
  b.id = best_v->id;
  b.name = best_v->name;
  b.subtask = best_s->subtask;
  b.busy_ratio = best_s->busy_ratio;
  b.in_pool_usage = best_s->in_pool_usage;
  b.out_pool_usage = best_s->out_pool_usage;
  b.backpressured_upstream = backpressured_upstream(job, *best_v);
  b.message = bottleneck_message(job, b);
  return b;
}

}  // namespace eddy
