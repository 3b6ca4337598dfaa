// TaskFailure: kinds, their names, and how a Status becomes one.
#include "runtime/task_failure.h"

namespace eddy {

const char* failure_kind_name(FailureKind kind) {
  switch (kind) {
    case FailureKind::kRecord: return "malformed record";
    case FailureKind::kExpression: return "expression error";
    case FailureKind::kRestore: return "restore error";
    case FailureKind::kInvalid: return "invalid job";
    case FailureKind::kIo: return "I/O error";
    case FailureKind::kLost: return "lost";
    case FailureKind::kSlots: return "not enough task slots";
    case FailureKind::kInternal: return "internal error";
  }
  return "internal error";
}

std::string TaskFailure::describe() const {
  if (operator_name.empty() && subtask < 0) return message;
  std::string where = operator_name.empty() ? std::string("subtask") : "'" + operator_name + "'";
  if (subtask >= 0)
    where += " (subtask " + std::to_string(subtask + 1) + " of " + std::to_string(parallelism) + ")";
  return where + ": " + message;
}

TaskFailure failure_from_status(const Status& status, std::string op, int32_t subtask, int32_t parallelism) {
  TaskFailure f;
  f.operator_name = std::move(op);
  f.subtask = subtask;
  f.parallelism = parallelism;
  f.message = status.message();
  switch (status.code()) {
    case StatusCode::kParseError: f.kind = FailureKind::kRecord; break;
    case StatusCode::kTypeError:
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound: f.kind = FailureKind::kInvalid; break;
    case StatusCode::kIoError: f.kind = FailureKind::kIo; break;
    default: f.kind = FailureKind::kInternal; break;
  }
  f.restartable = f.kind == FailureKind::kInternal || (f.kind == FailureKind::kIo && status.retryable());
  return f;
}

TaskFailure lost_failure(std::string message) {
  TaskFailure f;
  f.kind = FailureKind::kLost;
  f.restartable = true;
  f.message = std::move(message);
  return f;
}

}  // namespace eddy
