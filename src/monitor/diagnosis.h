// The diagnosis of a job at one moment: backpressure levels, the bottleneck,
// skew, watermark stalls and capacity per vertex (each rule in its own file:
// backpressure.h, bottleneck.h, skew.h, watermark_stall.h). Pure functions
// over plain inputs; the job master runs diagnose() once per metrics interval
// on what monitor/history_input.h builds from its MetricHistory.
#pragma once

#include <optional>

#include "monitor/diagnosis_input.h"
#include "monitor/diagnosis_options.h"
#include "monitor/job_health.h"

namespace eddy {

/// Sum of input rates over busy ratios of the subtasks busy enough to tell
/// (Flink autoscaler's "true processing rate"); nullopt when none is.
std::optional<double> vertex_capacity(const VertexInput& v, const DiagnosisOptions& options);

/// Everything above for the whole job. Status: warn with a bottleneck, a
/// high backpressure level, skew or a stall; ok otherwise (rules may raise it
/// to fatal: monitor/rule_evaluator.h).
JobHealth diagnose(const JobInput& job, const DiagnosisOptions& options = {});

}  // namespace eddy
