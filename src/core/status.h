// Status and Result<T>: how engine code reports expected failures.
// Every fallible engine call returns one of these; exceptions never cross an
// actor boundary. Used everywhere under src/.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace eddy {

enum class StatusCode {
  kOk,
  kInvalidArgument,  // bad configuration or pipeline
  kParseError,       // malformed input record or text
  kTypeError,        // expression or schema type mismatch
  kNotFound,
  kIoError,
  kCancelled,
  kInternal,
};

const char* status_code_name(StatusCode code);

/// Outcome of a fallible call: a code, a message for the user, and whether a
/// retry (e.g. a task restart) can help.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message, bool retryable = false)
      : code_(code), message_(std::move(message)), retryable_(retryable) {}

  static Status ok() { return {}; }
  static Status invalid(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status parse_error(std::string m) { return {StatusCode::kParseError, std::move(m)}; }
  static Status type_error(std::string m) { return {StatusCode::kTypeError, std::move(m)}; }
  static Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m), true}; }
  static Status cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
  static Status internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  bool retryable() const { return retryable_; }

  /// "parse error: line 3: ..." style text for logs and the CLI.
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  bool retryable_ = false;
};

/// A value or the Status that explains why there is none.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : data_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(data_).is_ok());
  }

  bool ok() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return ok(); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(data_);
  }
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> data_;
};

}  // namespace eddy

#define EDDY_CONCAT_INNER(a, b) a##b
#define EDDY_CONCAT(a, b) EDDY_CONCAT_INNER(a, b)

/// Returns the Status of `expr` from the enclosing function when it failed.
#define EDDY_RETURN_IF_ERROR(expr)              \
  do {                                          \
    ::eddy::Status eddy_status_ = (expr);       \
    if (!eddy_status_.is_ok()) return eddy_status_; \
  } while (0)

#define EDDY_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()

/// `EDDY_ASSIGN_OR_RETURN(auto x, f());` binds the value or returns the error.
#define EDDY_ASSIGN_OR_RETURN(lhs, expr) \
  EDDY_ASSIGN_OR_RETURN_IMPL(EDDY_CONCAT(eddy_result_, __LINE__), lhs, expr)
