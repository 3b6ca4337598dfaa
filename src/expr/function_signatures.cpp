// The signature table behind function_signatures.h and the checks it drives.
#include "expr/function_signatures.h"

#include <string>

#include "expr/date_pattern.h"
#include "expr/regex_functions.h"
#include "expr/time_unit.h"

namespace eddy::expr {
namespace {

/// Argument letters: N numeric (read as float64), X numeric (kept), I int64,
/// S string, T timestamp (a string literal is read as one), A timestamp or
/// string, U a time unit (SECOND ... YEAR). '[' starts the optional
/// arguments; '*' repeats the letter before it any number of times.
/// Result letters: D float64, I int64, S string, B bool, T timestamp, X the
/// type of the first argument.
struct Signature {
  Func func;
  const char* args;
  char result;
};

constexpr Signature kSignatures[] = {
    {Func::kPower, "NN", 'D'},          {Func::kSqrt, "N", 'D'},
    {Func::kExp, "N", 'D'},             {Func::kLn, "N", 'D'},
    {Func::kLog, "N[N", 'D'},           {Func::kLog10, "N", 'D'},
    {Func::kLog2, "N", 'D'},            {Func::kSign, "X", 'X'},
    {Func::kPi, "", 'D'},               {Func::kTruncate, "X[I", 'X'},
    {Func::kConcatWs, "SS*", 'S'},      {Func::kLpad, "SIS", 'S'},
    {Func::kRpad, "SIS", 'S'},          {Func::kReplace, "SSS", 'S'},
    {Func::kInitcap, "S", 'S'},         {Func::kReverse, "S", 'S'},
    {Func::kRepeat, "SI", 'S'},         {Func::kLocate, "SS[I", 'I'},
    {Func::kInstr, "SS", 'I'},          {Func::kLeft, "SI", 'S'},
    {Func::kRight, "SI", 'S'},          {Func::kSplitIndex, "SSI", 'S'},
    {Func::kMd5, "S", 'S'},             {Func::kSha1, "S", 'S'},
    {Func::kSha256, "S", 'S'},          {Func::kRegexp, "SS", 'B'},
    {Func::kRegexpExtract, "SS[I", 'S'}, {Func::kRegexpReplace, "SSS", 'S'},
    {Func::kDateFormat, "AS", 'S'},     {Func::kYear, "T", 'I'},
    {Func::kMonth, "T", 'I'},           {Func::kDayOfMonth, "T", 'I'},
    {Func::kHour, "T", 'I'},            {Func::kMinute, "T", 'I'},
    {Func::kSecond, "T", 'I'},          {Func::kToTimestamp, "S[S", 'T'},
    {Func::kUnixTimestamp, "S[S", 'I'}, {Func::kFromUnixtime, "I[S", 'S'},
    {Func::kTimestampAdd, "UIT", 'T'},  {Func::kTimestampDiff, "UTT", 'I'},
};

class CallChecker {
 public:
  CallChecker(ExprNode& call, const CoerceFn& coerce, ExprError* error)
      : call_(call), coerce_(coerce), error_(error) {}

  Status check(const Signature& sig);

 private:
  Status fail(int offset, std::string message) {
    return report(StatusCode::kTypeError, offset, std::move(message), error_);
  }
  Status check_arity(const std::string& spec);
  Status check_arg(char letter, NodePtr& arg);
  Status wrong_type(const NodePtr& arg, const char* wanted, const std::string& hint = "") {
    return fail(arg->offset, call_.name + " needs " + wanted + " argument, got " + type_name(arg->type) + hint);
  }
  /// Compiles the regular expression or date pattern of argument `k` when it
  /// is a literal (a literal NULL makes every row NULL: nothing to compile).
  Status compile_literal(size_t k);

  ExprNode& call_;
  const CoerceFn& coerce_;
  ExprError* error_;
};

Status CallChecker::check_arity(const std::string& spec) {
  size_t lo = 0, hi = 0;
  bool optional = false;
  for (size_t k = 0; k < spec.size(); ++k) {
    if (spec[k] == '[') optional = true;
    else if (spec[k] == '*') hi = SIZE_MAX;
    else if (hi != SIZE_MAX) {
      ++hi;
      if (!optional) ++lo;
    }
  }
  const size_t count = call_.children.size();
  if (count >= lo && count <= hi) return Status::ok();
  if (call_.func == Func::kUnixTimestamp && count == 0)
    return fail(call_.offset, "unix_timestamp() reads the clock, which eddy's expressions do not; "
                              "unix_timestamp(string [, pattern]) reads a time");
  const std::string expected = lo == hi ? std::to_string(lo)
                               : hi == SIZE_MAX ? "at least " + std::to_string(lo)
                                                : std::to_string(lo) + " or " + std::to_string(hi);
  return fail(call_.offset, "function " + call_.name + " takes " + expected + " argument" +
                                (hi == 1 ? "" : "s") + ", got " + std::to_string(count));
}

Status CallChecker::check_arg(char letter, NodePtr& arg) {
  const bool null = arg->untyped_null;
  switch (letter) {
    case 'N':
      if (!null && !is_numeric(arg->type)) return wrong_type(arg, "a numeric");
      return coerce_(arg, DataType::kFloat64);
    case 'X':
      if (null) return coerce_(arg, DataType::kFloat64);
      return is_numeric(arg->type) ? Status::ok() : wrong_type(arg, "a numeric");
    case 'I':
      if (!null && arg->type != DataType::kInt64) return wrong_type(arg, "an int64");
      return coerce_(arg, DataType::kInt64);
    case 'S':
      if (!null && arg->type != DataType::kString) return wrong_type(arg, "a string");
      return coerce_(arg, DataType::kString);
    case 'A':
      if (!null && arg->type != DataType::kString && arg->type != DataType::kTimestamp)
        return wrong_type(arg, "a timestamp or string");
      return null ? coerce_(arg, DataType::kTimestamp) : Status::ok();
    case 'T':
      if (null || arg->type == DataType::kTimestamp ||
          (arg->type == DataType::kString && arg->kind == NodeKind::kLiteral))
        return coerce_(arg, DataType::kTimestamp);
      return wrong_type(arg, "a timestamp",
                        arg->type == DataType::kString ? " (to_timestamp reads a string as a timestamp)" : "");
    case 'U':
      if (arg->kind != NodeKind::kLiteral || arg->type != DataType::kString || arg->value.is_null ||
          !parse_time_unit(arg->value.s))
        return fail(arg->offset, call_.name + " needs a time unit as its first argument: SECOND, MINUTE, HOUR, "
                                              "DAY, WEEK, MONTH, QUARTER or YEAR");
      return Status::ok();
  }
  return fail(arg->offset, "bad signature letter");
}

Status CallChecker::compile_literal(size_t k) {
  if (k >= call_.children.size()) return Status::ok();
  const ExprNode& arg = *call_.children[k];
  if (arg.kind != NodeKind::kLiteral || arg.value.is_null) return Status::ok();
  switch (call_.func) {
    case Func::kRegexp:
    case Func::kRegexpExtract:
    case Func::kRegexpReplace: {
      auto re = compile_regex(arg.value.s);
      if (!re.ok()) return fail(arg.offset, call_.name + ": " + re.status().message());
      call_.state = *re;
      return Status::ok();
    }
    default: {
      auto pattern = DatePattern::compile(arg.value.s);
      if (!pattern.ok()) return fail(arg.offset, call_.name + ": " + pattern.status().message());
      call_.state = *pattern;
      return Status::ok();
    }
  }
}

Status CallChecker::check(const Signature& sig) {
  const std::string spec = sig.args;
  EDDY_RETURN_IF_ERROR(check_arity(spec));
  size_t k = 0;
  char last = 0;
  for (char c : spec) {
    if (c == '[') continue;
    if (c == '*') {
      for (; k < call_.children.size(); ++k) EDDY_RETURN_IF_ERROR(check_arg(last, call_.children[k]));
      break;
    }
    last = c;
    if (k < call_.children.size()) EDDY_RETURN_IF_ERROR(check_arg(c, call_.children[k++]));
  }
  switch (sig.result) {
    case 'D': call_.type = DataType::kFloat64; break;
    case 'I': call_.type = DataType::kInt64; break;
    case 'S': call_.type = DataType::kString; break;
    case 'B': call_.type = DataType::kBool; break;
    case 'T': call_.type = DataType::kTimestamp; break;
    default: call_.type = call_.children[0]->type; break;
  }
  switch (call_.func) {
    case Func::kLpad:
    case Func::kRpad:
    case Func::kRepeat:  // results past kMaxResultBytes
    case Func::kTimestampAdd:
    case Func::kTimestampDiff: call_.may_fail = true; break;  // out of the range of timestamps
    case Func::kRegexp:
    case Func::kRegexpExtract:
    case Func::kRegexpReplace:
    case Func::kDateFormat:
    case Func::kToTimestamp:
    case Func::kUnixTimestamp:
    case Func::kFromUnixtime: return compile_literal(1);
    default: break;
  }
  return Status::ok();
}

}  // namespace

Status check_flink_call(ExprNode& call, const CoerceFn& coerce, ExprError* error) {
  for (const Signature& sig : kSignatures)
    if (sig.func == call.func) return CallChecker(call, coerce, error).check(sig);
  return report(StatusCode::kTypeError, call.offset, "unknown function '" + call.name + "'", error);
}

}  // namespace eddy::expr
