#include "plan/source_alignment.h"

#include <algorithm>
#include <vector>

namespace eddy {
namespace {

/// The largest event-time window (size or gap) among the nodes downstream of `from`.
int64_t largest_window_downstream(const JobGraph& graph, int from) {
  int64_t largest = 0;
  std::vector<int> todo{from};
  std::vector<bool> seen(graph.nodes.size(), false);
  while (!todo.empty()) {
    const int n = todo.back();
    todo.pop_back();
    if (n < 0 || static_cast<size_t>(n) >= graph.nodes.size() || seen[static_cast<size_t>(n)]) continue;
    seen[static_cast<size_t>(n)] = true;
    const LogicalNode& node = graph.nodes[static_cast<size_t>(n)];
    if (node.window && node.window->time_column >= 0) {
      const WindowSpec& w = node.window->window;
      largest = std::max(largest, w.type == WindowType::kSession ? w.gap_ms : w.size_ms);
    }
    for (int out : node.outputs) todo.push_back(out);
  }
  return largest;
}

}  // namespace

int64_t source_alignment_drift_ms(const JobGraph& graph, int source) {
  if (source < 0 || static_cast<size_t>(source) >= graph.nodes.size()) return 0;
  const LogicalNode& node = graph.nodes[static_cast<size_t>(source)];
  if (node.kind != NodeKind::kSource || node.parallelism <= 1) return 0;
  const EventTimeSpec& et = graph.spec.sources[static_cast<size_t>(node.spec_index)].event_time;
  if (!et.enabled || et.alignment_max_drift_ms == 0) return 0;
  if (et.alignment_max_drift_ms > 0) return et.alignment_max_drift_ms;
  return largest_window_downstream(graph, source);
}

}  // namespace eddy
