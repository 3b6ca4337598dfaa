// JobHealth to JSON (nlohmann) and to the summary line.
#include "monitor/health_json.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "monitor/diagnosis_input.h"

namespace eddy {
namespace {

using nlohmann::json;

/// Ratios and rates rounded so the JSON stays readable.
double rounded(double x, double unit = 1e-4) { return std::round(x / unit) * unit; }

json skew_json(const std::optional<SkewFinding>& s) {
  if (!s) return nullptr;
  return json{{"metric", s->metric},         {"subtask", s->subtask},     {"ratio", rounded(s->ratio)},
              {"share", rounded(s->share)},  {"key-groups", s->key_groups}, {"message", s->message}};
}

json stall_json(const std::optional<WatermarkStall>& s) {
  if (!s) return nullptr;
  json wm = s->watermark == kWatermarkNone ? json(nullptr) : json(s->watermark);
  return json{{"subtask", s->subtask}, {"input", s->input},     {"channel", s->channel},
              {"watermark", wm},       {"since", s->since_ms}, {"message", s->message}};
}

json vertex_json(const VertexHealth& v) {
  json capacity = v.capacity_records_per_s ? json(rounded(*v.capacity_records_per_s, 0.01)) : json(nullptr);
  return json{{"id", v.id},
              {"name", v.name},
              {"backpressure-level", backpressure_level_name(v.level)},
              {"busy-ratio", rounded(v.busy_ratio)},
              {"backpressured-ratio", rounded(v.backpressured_ratio)},
              {"in-pool-usage", rounded(v.in_pool_usage)},
              {"out-pool-usage", rounded(v.out_pool_usage)},
              {"input-records-per-second", rounded(v.input_records_per_s, 0.01)},
              {"capacity-records-per-second", capacity},
              {"flags", v.flags},
              {"skew", skew_json(v.skew)},
              {"watermark-stall", stall_json(v.watermark_stall)}};
}

std::string percent(double ratio) { return std::to_string(static_cast<int>(std::lround(ratio * 100))) + "%"; }

}  // namespace

std::string health_json(const JobHealth& health) {
  json out{{"timestamp", health.timestamp_ms}, {"status", health_status_name(health.status)}};
  if (const auto& b = health.bottleneck)
    out["bottleneck"] = json{{"vertex", b->id}, {"name", b->name}, {"subtask", b->subtask}, {"message", b->message}};
  else
    out["bottleneck"] = nullptr;
  out["vertices"] = json::array();
  for (const auto& v : health.vertices) out["vertices"].push_back(vertex_json(v));
  out["flags"] = json::array();
  for (const auto& f : health.flags) {
    json subtask = f.subtask < 0 ? json(nullptr) : json(f.subtask);
    out["flags"].push_back(
        json{{"kind", f.kind}, {"vertex", f.vertex_id}, {"subtask", subtask}, {"message", f.message}});
  }
  return out.dump();
}

std::string health_summary_line(const JobHealth& health) {
  std::vector<std::string> parts;
  if (const auto& b = health.bottleneck)
    parts.push_back("bottleneck: " + b->name + " (subtask " + std::to_string(b->subtask) + ", busy " +
                    percent(b->busy_ratio) + ", in-queue " + percent(b->in_pool_usage) + ")");
  for (const auto& v : health.vertices) {
    if (v.skew) parts.push_back("skew: " + v.skew->message);
    if (v.watermark_stall) parts.push_back("watermark stalled: " + v.watermark_stall->message);
  }
  if (parts.empty()) return "health: ok";
  std::string line;
  for (const auto& p : parts) line += (line.empty() ? "" : "; ") + p;
  return line;
}

}  // namespace eddy
