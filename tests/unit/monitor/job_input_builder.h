// Synthetic jobs for the monitor's unit tests: vertices in a line (or as
// given), subtasks with the ratios a test sets, no metric history needed.
#pragma once

#include <string>
#include <vector>

#include "monitor/diagnosis_input.h"

namespace eddy::test {

/// A subtask with the time split (busy, backpressured; idle is the rest) and queue usage.
inline SubtaskInput subtask(int32_t index, double busy, double backpressured, double in_pool = 0,
                            double out_pool = 0, double records_in_per_s = 0) {
  SubtaskInput s;
  s.subtask = index;
  s.busy_ratio = busy;
  s.backpressured_ratio = backpressured;
  s.idle_ratio = 1 - busy - backpressured;
  s.in_pool_usage = in_pool;
  s.out_pool_usage = out_pool;
  s.records_in_per_s = records_in_per_s;
  return s;
}

/// A vertex fed by `upstream` (its first vertex is a source when upstream is empty).
inline VertexInput vertex(int32_t index, const std::string& name, std::vector<SubtaskInput> subtasks,
                          std::vector<int32_t> upstream = {}, bool hash = false) {
  VertexInput v;
  v.index = index;
  v.id = std::string(31, '0') + std::to_string(index);
  v.name = name;
  v.source = upstream.empty();
  v.upstream = upstream;
  if (hash) v.hash_upstream = upstream;
  v.subtasks = std::move(subtasks);
  return v;
}

}  // namespace eddy::test
