// Flink's temporal functions over eddy's timestamps (epoch milliseconds, UTC:
// eddy's session time zone is UTC): date_format, year/month/dayofmonth/hour/
// minute/second, to_timestamp, unix_timestamp, from_unixtime, timestampadd and
// timestampdiff. Called from function_kernel(); the type checker has checked
// the arguments, the time unit of timestampadd/diff and literal patterns.
#include <limits>
#include <optional>

#include "core/time_util.h"
#include "expr/date_pattern.h"
#include "expr/function_kernels.h"
#include "expr/time_unit.h"

namespace eddy::expr {
namespace {

constexpr int64_t kMsPerDay = 86400000;

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

struct Civil {
  int64_t year;
  unsigned month, day;
  int64_t ms_of_day;
};

Civil to_civil(int64_t epoch_ms) {
  Civil c;
  const int64_t days = floor_div(epoch_ms, kMsPerDay);
  c.ms_of_day = epoch_ms - days * kMsPerDay;
  civil_from_days(days, c.year, c.month, c.day);
  return c;
}

int month_days(int64_t y, unsigned m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
  return kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

/// ts plus `months` calendar months, the day clipped to the month's last day
/// (Jan 31 + 1 month = Feb 28 or 29), as Flink (Calcite) adds them.
std::optional<int64_t> add_months(int64_t ts, int64_t months) {
  constexpr int64_t kMaxMonths = int64_t{12} * 200000000;  // far past the int64 range of milliseconds
  if (months > kMaxMonths || months < -kMaxMonths) return std::nullopt;
  const Civil c = to_civil(ts);
  const int64_t total = c.year * 12 + (c.month - 1) + months;
  const int64_t y = floor_div(total, 12);
  const unsigned m = static_cast<unsigned>(total - y * 12 + 1);
  const unsigned d = std::min<unsigned>(c.day, static_cast<unsigned>(month_days(y, m)));
  int64_t out;
  if (__builtin_mul_overflow(days_from_civil(y, m, d), kMsPerDay, &out) ||
      __builtin_add_overflow(out, c.ms_of_day, &out))
    return std::nullopt;
  return out;
}

/// Whole calendar months from a to b (negative when b is earlier): the most
/// months that, added to a, do not pass b.
int64_t months_between(int64_t a, int64_t b) {
  if (b < a) return -months_between(b, a);
  const Civil ca = to_civil(a), cb = to_civil(b);
  int64_t m = (cb.year - ca.year) * 12 + (static_cast<int64_t>(cb.month) - ca.month);
  auto moved = add_months(a, m);
  if (m > 0 && (!moved || *moved > b)) --m;
  return m;
}

/// The compiled pattern of each row: the call's own when the pattern is a
/// literal, else compiled again whenever the row's pattern changes.
class Patterns {
 public:
  Patterns(const ExprNode& call, const Column* texts)
      : fixed_(static_cast<const DatePattern*>(call.state.get())), texts_(texts) {}

  /// Row i's pattern, or null when it does not compile (the result is NULL).
  const DatePattern* at(size_t i) {
    if (fixed_) return fixed_;
    if (!texts_) return default_pattern();
    const std::string_view text = texts_->string_at(i);
    if (!last_ || text != last_text_) {
      auto compiled = DatePattern::compile(text);
      last_ = compiled.ok() ? *compiled : nullptr;
      last_text_.assign(text.data(), text.size());
      if (!last_) return nullptr;
    }
    return last_.get();
  }

  static const DatePattern* default_pattern() {
    static const std::shared_ptr<const DatePattern> p = *DatePattern::compile(kDefaultDatePattern);
    return p.get();
  }

 private:
  const DatePattern* fixed_;
  const Column* texts_;
  std::shared_ptr<const DatePattern> last_;
  std::string last_text_;
};

Status extract_field(Func f, const Column& ts, size_t n, Column& out) {
  out.ints.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const Civil c = to_civil(ts.ints[i]);
    switch (f) {
      case Func::kYear: out.ints[i] = c.year; break;
      case Func::kMonth: out.ints[i] = c.month; break;
      case Func::kDayOfMonth: out.ints[i] = c.day; break;
      case Func::kHour: out.ints[i] = c.ms_of_day / 3600000; break;
      case Func::kMinute: out.ints[i] = c.ms_of_day / 60000 % 60; break;
      default: out.ints[i] = c.ms_of_day / 1000 % 60; break;
    }
  }
  return Status::ok();
}

/// date_format(ts or string, pattern) and from_unixtime(seconds [, pattern]).
void format_times(const ExprNode& call, const std::vector<const Column*>& args, size_t n, Column& out) {
  const Column& in = *args[0];
  Patterns patterns(call, args.size() > 1 ? args[1] : nullptr);
  build_strings(out, n, [&](size_t i, std::string& chars) {
    int64_t ms = 0;
    bool ok = true;
    if (call.func == Func::kFromUnixtime) ok = !__builtin_mul_overflow(in.ints[i], 1000, &ms);
    else if (in.type() == DataType::kString) ok = parse_default_timestamp(in.string_at(i), ms);
    else ms = in.ints[i];
    const DatePattern* p = ok ? patterns.at(i) : nullptr;
    if (p) p->format(ms, chars);
    else set_null(out, i, n);
  });
}

/// to_timestamp (NULL when the text does not parse) and unix_timestamp
/// (seconds; Long.MIN_VALUE when it does not, as Flink).
void parse_times(const ExprNode& call, const std::vector<const Column*>& args, size_t n, Column& out) {
  const Column& in = *args[0];
  const bool to_ts = call.func == Func::kToTimestamp;
  Patterns patterns(call, args.size() > 1 ? args[1] : nullptr);
  out.ints.resize(n);
  for (size_t i = 0; i < n; ++i) {
    if (out.is_null(i)) continue;
    int64_t ms = 0;
    bool ok;
    if (to_ts && args.size() == 1) {
      ok = parse_default_timestamp(in.string_at(i), ms);
    } else {
      const DatePattern* p = patterns.at(i);
      ok = p && p->parse(in.string_at(i), ms);
    }
    if (to_ts) {
      out.ints[i] = ms;
      if (!ok) set_null(out, i, n);
    } else {
      out.ints[i] = ok ? floor_div(ms, 1000) : std::numeric_limits<int64_t>::min();
    }
  }
}

Status timestamp_add(TimeUnit unit, const Column& amount, const Column& ts, size_t n, Column& out) {
  out.ints.resize(n);
  for (size_t i = 0; i < n; ++i) {
    if (out.is_null(i)) continue;
    std::optional<int64_t> r;
    int64_t v;
    if (const int64_t months = time_unit_months(unit)) {
      if (!__builtin_mul_overflow(amount.ints[i], months, &v)) r = add_months(ts.ints[i], v);
    } else if (!__builtin_mul_overflow(amount.ints[i], time_unit_ms(unit), &v) &&
               !__builtin_add_overflow(ts.ints[i], v, &v)) {
      r = v;
    }
    if (!r)
      return Status::invalid("timestampadd(" + std::string(time_unit_name(unit)) + ", " +
                             std::to_string(amount.ints[i]) + ", ...) is outside the range of timestamps");
    out.ints[i] = *r;
  }
  return Status::ok();
}

Status timestamp_diff(TimeUnit unit, const Column& from, const Column& to, size_t n, Column& out) {
  out.ints.resize(n);
  for (size_t i = 0; i < n; ++i) {
    if (out.is_null(i)) continue;
    if (const int64_t months = time_unit_months(unit)) {
      out.ints[i] = months_between(from.ints[i], to.ints[i]) / months;
      continue;
    }
    int64_t d;
    if (__builtin_sub_overflow(to.ints[i], from.ints[i], &d))
      return Status::invalid("timestampdiff: the difference of the timestamps is out of range");
    out.ints[i] = d / time_unit_ms(unit);  // toward zero, as Flink
  }
  return Status::ok();
}

}  // namespace

Status time_kernel(const ExprNode& call, const std::vector<const Column*>& args, size_t n, Column& out) {
  out = Column(call.type);
  and_validity(args, n, out.valid);
  switch (call.func) {
    case Func::kYear:
    case Func::kMonth:
    case Func::kDayOfMonth:
    case Func::kHour:
    case Func::kMinute:
    case Func::kSecond: return extract_field(call.func, *args[0], n, out);
    case Func::kDateFormat:
    case Func::kFromUnixtime: format_times(call, args, n, out); return Status::ok();
    case Func::kToTimestamp:
    case Func::kUnixTimestamp: parse_times(call, args, n, out); return Status::ok();
    case Func::kTimestampAdd:
    case Func::kTimestampDiff: {
      // The unit is a literal the type checker has read (time_unit.h).
      std::optional<TimeUnit> unit = n > 0 ? parse_time_unit(args[0]->string_at(0)) : TimeUnit::kSecond;
      if (!unit) return Status::internal("timestampadd/timestampdiff without a time unit");
      if (call.func == Func::kTimestampAdd) return timestamp_add(*unit, *args[1], *args[2], n, out);
      return timestamp_diff(*unit, *args[1], *args[2], n, out);
    }
    default: return Status::internal(std::string("no time kernel for ") + func_name(call.func));
  }
}

}  // namespace eddy::expr
