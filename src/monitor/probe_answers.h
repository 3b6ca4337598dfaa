// A task manager's answers to stacks and sample requests, from the
// process's subtask registry (runtime/subtask_registry.h), as the JSON text
// parts that the REST server merges (rest_json.h). CAF-free; the task
// manager calls them (stacks_answer on a worker thread: it waits for each
// subtask's thread to answer its signal).
#pragma once

#include <cstdint>
#include <string>

namespace eddy {

/// What each subtask of (job, vertex) here is doing, with its native stack.
std::string stacks_answer(uint64_t job_id, int32_t vertex, int timeout_ms = 200);
/// The last `rows` rows each subtask of (job, vertex) here emitted; arms their taps.
std::string sample_answer(uint64_t job_id, int32_t vertex, size_t rows);

}  // namespace eddy
