// Compiling, formatting and parsing date-time patterns (date_pattern.h).
#include "expr/date_pattern.h"

#include <cctype>
#include <cstring>

#include "core/time_util.h"

namespace eddy::expr {
namespace {

constexpr int64_t kMsPerDay = 86400000;
constexpr const char* kMonths[12] = {"January", "February", "March",     "April",   "May",      "June",
                                     "July",    "August",   "September", "October", "November", "December"};
constexpr const char* kWeekdays[7] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
constexpr const char* kAmPm[2] = {"AM", "PM"};
constexpr std::string_view kLetters = "yMdDHhamsSE";

bool is_numeric_letter(char c) { return c != 0 && c != 'a' && c != 'E'; }
bool numeric_item(char letter, int width) { return is_numeric_letter(letter) && !(letter == 'M' && width >= 3); }

bool is_leap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }
int month_days(int64_t y, int m) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return kDays[m - 1] + (m == 2 && is_leap(y) ? 1 : 0);
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

void append_padded(std::string& out, int64_t v, int width) {
  if (v < 0) {
    out += '-';
    v = -v;
  }
  char buf[24];
  int len = 0;
  do {
    buf[len++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v > 0);
  for (int k = len; k < width; ++k) out += '0';
  while (len > 0) out += buf[--len];
}

/// The fields of a time being parsed, with the defaults of fields left out.
struct Parsed {
  int64_t year = 1970;
  int64_t month = 1, day = 1, day_of_year = 0;
  int64_t hour = 0, hour12 = -1, minute = 0, second = 0, millis = 0;
  int pm = -1;  // -1: no AM/PM field
};

/// Reads between `min` and `max` digits at `pos` into `v`.
bool read_number(std::string_view s, size_t& pos, size_t min, size_t max, int64_t& v) {
  size_t k = 0;
  v = 0;
  while (k < max && pos + k < s.size() && std::isdigit(static_cast<unsigned char>(s[pos + k]))) {
    v = v * 10 + (s[pos + k] - '0');
    ++k;
  }
  if (k < min) return false;
  pos += k;
  return true;
}

/// Reads one of `names` (or its first three letters when `short_form`),
/// ignoring case; `index` gets its position.
bool read_name(std::string_view s, size_t& pos, const char* const* names, int count, bool short_form, int64_t& index) {
  for (int k = 0; k < count; ++k) {
    const size_t len = short_form ? 3 : std::strlen(names[k]);
    if (pos + len > s.size()) continue;
    bool same = true;
    for (size_t c = 0; c < len && same; ++c)
      same = std::tolower(static_cast<unsigned char>(s[pos + c])) == std::tolower(static_cast<unsigned char>(names[k][c]));
    if (same) {
      pos += len;
      index = k;
      return true;
    }
  }
  return false;
}

bool to_epoch_ms(const Parsed& p, int64_t& epoch_ms) {
  int64_t month = p.month, day = p.day, hour = p.hour;
  if (p.day_of_year > 0) {  // D without M and d: the day of the year
    int64_t left = p.day_of_year;
    month = 1;
    while (month <= 12 && left > month_days(p.year, static_cast<int>(month))) left -= month_days(p.year, static_cast<int>(month++));
    if (month > 12) return false;
    day = left;
  }
  if (p.hour12 >= 0) {
    if (p.hour12 < 1 || p.hour12 > 12) return false;
    hour = p.hour12 % 12 + (p.pm == 1 ? 12 : 0);
  } else if (p.pm >= 0 && hour < 12) {
    hour += p.pm == 1 ? 12 : 0;
  }
  if (month < 1 || month > 12 || day < 1 || day > month_days(p.year, static_cast<int>(month))) return false;
  if (hour > 23 || p.minute > 59 || p.second > 59) return false;
  const int64_t days = days_from_civil(p.year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  epoch_ms = days * kMsPerDay + ((hour * 60 + p.minute) * 60 + p.second) * 1000 + p.millis;
  return true;
}

/// A fraction of `digits` digits as milliseconds (digits past the third dropped).
int64_t fraction_ms(int64_t value, size_t digits) {
  while (digits > 3) {
    value /= 10;
    --digits;
  }
  while (digits < 3) {
    value *= 10;
    ++digits;
  }
  return value;
}

}  // namespace

Result<std::shared_ptr<const DatePattern>> DatePattern::compile(std::string_view pattern) {
  auto p = std::make_shared<DatePattern>();
  auto literal = [&](std::string_view text) {
    if (p->items_.empty() || p->items_.back().letter != 0) p->items_.push_back(Item{});
    p->items_.back().text.append(text.data(), text.size());
  };
  for (size_t i = 0; i < pattern.size();) {
    const char c = pattern[i];
    if (c == '\'') {
      if (i + 1 < pattern.size() && pattern[i + 1] == '\'') {  // '' is a quote
        literal("'");
        i += 2;
        continue;
      }
      size_t j = i + 1;
      std::string text;
      for (;; ++j) {
        if (j >= pattern.size()) return Status::invalid("unclosed quote in date pattern '" + std::string(pattern) + "'");
        if (pattern[j] != '\'') {
          text += pattern[j];
        } else if (j + 1 < pattern.size() && pattern[j + 1] == '\'') {
          text += '\'';
          ++j;
        } else {
          break;
        }
      }
      literal(text);
      i = j + 1;
    } else if (std::isalpha(static_cast<unsigned char>(c))) {
      if (kLetters.find(c) == std::string_view::npos)
        return Status::invalid(std::string("date pattern letter '") + c + "' is not supported (supported: " +
                               "y M d D H h a m s S E; quote text as 'T')");
      size_t j = i;
      while (j < pattern.size() && pattern[j] == c) ++j;
      p->items_.push_back(Item{c, static_cast<int>(j - i), {}});
      i = j;
    } else {
      literal(pattern.substr(i, 1));
      ++i;
    }
  }
  return std::shared_ptr<const DatePattern>(std::move(p));
}

void DatePattern::format(int64_t epoch_ms, std::string& out) const {
  const int64_t days = floor_div(epoch_ms, kMsPerDay);
  const int64_t ms_of_day = epoch_ms - days * kMsPerDay;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  const int64_t hour = ms_of_day / 3600000, minute = ms_of_day / 60000 % 60, second = ms_of_day / 1000 % 60;
  const int64_t millis = ms_of_day % 1000;
  for (const Item& it : items_) {
    switch (it.letter) {
      case 0: out += it.text; break;
      case 'y': append_padded(out, it.width == 2 ? (y % 100 + 100) % 100 : y, it.width); break;
      case 'M':
        if (it.width >= 4) out += kMonths[m - 1];
        else if (it.width == 3) out.append(kMonths[m - 1], 3);
        else append_padded(out, m, it.width);
        break;
      case 'd': append_padded(out, d, it.width); break;
      case 'D': append_padded(out, days - days_from_civil(y, 1, 1) + 1, it.width); break;
      case 'H': append_padded(out, hour, it.width); break;
      case 'h': append_padded(out, hour % 12 == 0 ? 12 : hour % 12, it.width); break;
      case 'a': out += hour < 12 ? "AM" : "PM"; break;
      case 'm': append_padded(out, minute, it.width); break;
      case 's': append_padded(out, second, it.width); break;
      case 'S': {  // the first `width` digits of the fraction
        std::string digits;
        append_padded(digits, millis, 3);
        digits.resize(static_cast<size_t>(it.width), '0');
        out += digits;
        break;
      }
      case 'E': {
        const int64_t weekday = ((days % 7) + 7 + 3) % 7;  // 1970-01-01 was a Thursday
        if (it.width >= 4) out += kWeekdays[weekday];
        else out.append(kWeekdays[weekday], 3);
        break;
      }
    }
  }
}

bool DatePattern::parse(std::string_view text, int64_t& epoch_ms) const {
  Parsed p;
  size_t pos = 0;
  for (size_t k = 0; k < items_.size(); ++k) {
    const Item& it = items_[k];
    // A number right before another number has exactly its width ("yyyyMMdd").
    const bool adjacent = k + 1 < items_.size() && numeric_item(items_[k + 1].letter, items_[k + 1].width);
    const size_t w = static_cast<size_t>(it.width);
    int64_t v = 0;
    bool ok = true;
    switch (it.letter) {
      case 0:
        ok = text.substr(pos, it.text.size()) == it.text;
        pos += it.text.size();
        break;
      case 'y':
        if (w == 2) {
          ok = read_number(text, pos, 2, 2, v);
          p.year = 2000 + v;
        } else {
          ok = read_number(text, pos, w, adjacent ? w : 6, v);
          p.year = v;
        }
        break;
      case 'M':
        if (w >= 3) {
          ok = read_name(text, pos, kMonths, 12, w == 3, v);
          p.month = v + 1;
        } else {
          ok = read_number(text, pos, w, adjacent || w == 2 ? w : 2, p.month);
        }
        break;
      case 'E': ok = read_name(text, pos, kWeekdays, 7, w < 4, v); break;  // checked against nothing
      case 'a':
        ok = read_name(text, pos, kAmPm, 2, false, v);
        p.pm = static_cast<int>(v);
        break;
      case 'S':
        ok = read_number(text, pos, w, w, v);
        p.millis = fraction_ms(v, w);
        break;
      default: {
        const size_t max = adjacent || w >= 2 ? w : (it.letter == 'D' ? 3 : 2);
        ok = read_number(text, pos, w, max, v);
        switch (it.letter) {
          case 'd': p.day = v; break;
          case 'D': p.day_of_year = v > 0 ? v : -1; break;
          case 'H': p.hour = v; break;
          case 'h': p.hour12 = v; break;
          case 'm': p.minute = v; break;
          default: p.second = v; break;
        }
      }
    }
    if (!ok || pos > text.size()) return false;
  }
  if (pos != text.size() || p.day_of_year < 0) return false;
  return to_epoch_ms(p, epoch_ms);
}

bool parse_default_timestamp(std::string_view text, int64_t& epoch_ms) {
  Parsed p;
  size_t pos = 0;
  auto expect = [&](char c) {
    if (pos >= text.size() || text[pos] != c) return false;
    ++pos;
    return true;
  };
  if (!read_number(text, pos, 4, 6, p.year) || !expect('-') || !read_number(text, pos, 1, 2, p.month) ||
      !expect('-') || !read_number(text, pos, 1, 2, p.day))
    return false;
  if (pos < text.size()) {
    if (!expect(' ') || !read_number(text, pos, 1, 2, p.hour) || !expect(':') ||
        !read_number(text, pos, 1, 2, p.minute) || !expect(':') || !read_number(text, pos, 1, 2, p.second))
      return false;
    if (pos < text.size()) {
      if (!expect('.')) return false;
      const size_t start = pos;
      int64_t fraction = 0;
      if (!read_number(text, pos, 0, 9, fraction)) return false;
      p.millis = fraction_ms(fraction, pos - start);
    }
  }
  return pos == text.size() && to_epoch_ms(p, epoch_ms);
}

}  // namespace eddy::expr
