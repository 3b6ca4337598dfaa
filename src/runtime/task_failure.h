// TaskFailure: why a subtask (or something the job needs) failed, as the job
// master decides on it: what kind of failure, whether a restart can cure it,
// and where it happened. Made by TaskRunner::failure() and the subtask actor;
// actors/messages.h gives it an inspect() so it crosses nodes.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace eddy {

enum class FailureKind : int8_t {
  kRecord,      // a malformed input record under on_error: fail
  kExpression,  // an expression failed on a record (division by zero, a cast, overflow)
  kRestore,     // the checkpoint or savepoint cannot be restored into this job
  kInvalid,     // the job cannot run as configured (a bad value, a missing input)
  kIo,          // reading or writing files: a disk, a mount
  kLost,        // a task manager or an actor of the job was lost
  kSlots,       // not enough task slots came within slot.request_timeout
  kInternal,    // anything else: an exception, an injected failure
};
const char* failure_kind_name(FailureKind kind);

struct TaskFailure {
  FailureKind kind = FailureKind::kInternal;
  /// A restart can cure it: the failure depends on the moment (a lost task
  /// manager, a full disk), not on the records or the pipeline, which a
  /// restart replays unchanged.
  bool restartable = true;
  std::string operator_name;  // the operator or source that raised it; empty: the subtask, or none
  int32_t subtask = -1;       // 0-based index of the failing subtask; -1: not a subtask's failure
  int32_t parallelism = 0;    // of that operator
  std::string message;        // what happened, without the operator's name

  /// "operator 'euros' (subtask 1 of 2): division by zero ...", or the message alone.
  std::string describe() const;
};

/// The failure a Status stands for, raised in operator `op` (may be empty) of
/// subtask `subtask` of `parallelism`. The kind follows the status code;
/// kParseError, kTypeError, kInvalidArgument and kNotFound are not restartable,
/// kIoError is when the status says a retry can help, anything else is.
TaskFailure failure_from_status(const Status& status, std::string op, int32_t subtask, int32_t parallelism);

/// A failure that is not a Status: a lost task manager or actor (restartable).
TaskFailure lost_failure(std::string message);

}  // namespace eddy
