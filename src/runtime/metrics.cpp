// Metric merging and the end-of-job summary table.
#include "runtime/metrics.h"

#include <cstdio>
#include <map>

#include "core/time_util.h"

namespace eddy {

std::vector<OperatorMetrics> merge_metrics(const std::vector<std::vector<OperatorMetrics>>& parts) {
  std::vector<OperatorMetrics> out;
  std::map<std::string, size_t> index;
  for (const auto& part : parts) {
    for (const auto& m : part) {
      auto [it, fresh] = index.emplace(m.name, out.size());
      if (fresh) {
        out.push_back(m);
      } else {
        out[it->second].add(m);
      }
    }
  }
  return out;
}

namespace {
std::string with_commas(uint64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}
}  // namespace

namespace {
std::string percent(double ratio) {
  if (ratio < 0) return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", ratio * 100);
  return buf;
}

/// " busy  backp  in q  out q" cells of row `i`.
std::string load_cells(const std::vector<VertexLoad>& load, size_t i) {
  const VertexLoad l = i < load.size() ? load[i] : VertexLoad{};
  char line[64];
  std::snprintf(line, sizeof line, " %5s %6s %5s %5s", percent(l.busy).c_str(), percent(l.backpressured).c_str(),
                percent(l.in_pool).c_str(), percent(l.out_pool).c_str());
  return line;
}
}  // namespace

std::string render_metrics_table(const std::vector<OperatorMetrics>& rows,
                                 const std::vector<int32_t>& parallelism,
                                 const std::vector<VertexLoad>& load) {
  size_t name_w = 8;
  bool windows = false;
  for (const auto& r : rows) {
    name_w = std::max(name_w, r.name.size());
    windows = windows || r.windows_fired > 0 || r.late > 0 || r.keys > 0;
  }
  std::string out;
  char line[768];
  std::snprintf(line, sizeof line, "%-*s %4s %14s %14s %11s %11s %10s %9s", static_cast<int>(name_w),
                "operator", "par", "records in", "records out", "batches in", "batches out", "busy",
                "skipped");
  out += line;
  if (!load.empty()) {
    std::snprintf(line, sizeof line, " %5s %6s %5s %5s", "busy%", "backp%", "in q", "out q");
    out += line;
  }
  if (windows) {
    std::snprintf(line, sizeof line, " %9s %11s %9s", "late", "windows", "keys");
    out += line;
  }
  out += "  watermark\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    char busy[32];
    std::snprintf(busy, sizeof busy, "%.3fs", static_cast<double>(r.busy_ns) / 1e9);
    std::snprintf(line, sizeof line, "%-*s %4d %14s %14s %11s %11s %10s %9s", static_cast<int>(name_w),
                  r.name.c_str(), i < parallelism.size() ? parallelism[i] : 0,
                  with_commas(r.records_in).c_str(), with_commas(r.records_out).c_str(),
                  with_commas(r.batches_in).c_str(), with_commas(r.batches_out).c_str(), busy,
                  with_commas(r.skipped).c_str());
    out += line;
    if (!load.empty()) out += load_cells(load, i);
    if (windows) {
      std::snprintf(line, sizeof line, " %9s %11s %9s", with_commas(r.late).c_str(),
                    with_commas(r.windows_fired).c_str(), with_commas(r.keys).c_str());
      out += line;
    }
    out += "  ";
    if (r.watermark == INT64_MIN) out += "-";
    else if (r.watermark == INT64_MAX) out += "end";
    else out += format_timestamp_ms(r.watermark);
    out += "\n";
  }
  return out;
}

}  // namespace eddy
