// The name tables behind sql_names.h.
#include "expr/sql_names.h"

#include <algorithm>
#include <iterator>
#include <utility>
#include <vector>

#include "core/nearest_name.h"

namespace eddy::expr {

bool is_aggregate_name(const std::string& n) {
  static const char* const kNames[] = {
      "count", "sum", "avg", "min", "max", "stddev", "stddev_pop", "stddev_samp",
      "variance", "var_pop", "var_samp", "array_agg", "string_agg", "bool_and", "bool_or",
      "every", "bit_and", "bit_or", "bit_xor", "json_agg", "jsonb_agg", "json_object_agg",
      "jsonb_object_agg", "percentile_cont", "percentile_disc", "mode", "corr", "covar_pop",
      "covar_samp", "regr_slope", "regr_intercept", "regr_count", "xmlagg", "range_agg"};
  return std::find(std::begin(kNames), std::end(kNames), n) != std::end(kNames);
}

namespace {

/// Every built-in function by its (lower-case) name.
const std::pair<const char*, Func> kFuncs[] = {
      {"abs", Func::kAbs},           {"floor", Func::kFloor},
      {"ceil", Func::kCeil},         {"ceiling", Func::kCeil},
      {"round", Func::kRound},       {"mod", Func::kMod},
      {"lower", Func::kLower},       {"upper", Func::kUpper},
      {"length", Func::kLength},     {"char_length", Func::kLength},
      {"character_length", Func::kLength},
      {"substring", Func::kSubstring}, {"substr", Func::kSubstring},
      {"btrim", Func::kBtrim},       {"trim", Func::kBtrim},
      {"ltrim", Func::kLtrim},       {"rtrim", Func::kRtrim},
      {"concat", Func::kConcat},     {"coalesce", Func::kCoalesce},
      {"greatest", Func::kGreatest}, {"least", Func::kLeast},
      {"nullif", Func::kNullIf},
      {"power", Func::kPower},       {"pow", Func::kPower},
      {"sqrt", Func::kSqrt},         {"exp", Func::kExp},
      {"ln", Func::kLn},             {"log", Func::kLog},
      {"log10", Func::kLog10},       {"log2", Func::kLog2},
      {"sign", Func::kSign},         {"pi", Func::kPi},
      {"truncate", Func::kTruncate},
      {"concat_ws", Func::kConcatWs}, {"lpad", Func::kLpad},
      {"rpad", Func::kRpad},         {"replace", Func::kReplace},
      {"initcap", Func::kInitcap},   {"reverse", Func::kReverse},
      {"repeat", Func::kRepeat},     {"locate", Func::kLocate},
      {"instr", Func::kInstr},       {"left", Func::kLeft},
      {"right", Func::kRight},       {"split_index", Func::kSplitIndex},
      {"md5", Func::kMd5},           {"sha1", Func::kSha1},
      {"sha256", Func::kSha256},
      {"regexp", Func::kRegexp},     {"regexp_extract", Func::kRegexpExtract},
      {"regexp_replace", Func::kRegexpReplace},
      {"date_format", Func::kDateFormat}, {"year", Func::kYear},
      {"month", Func::kMonth},       {"dayofmonth", Func::kDayOfMonth},
      {"hour", Func::kHour},         {"minute", Func::kMinute},
      {"second", Func::kSecond},     {"to_timestamp", Func::kToTimestamp},
      {"unix_timestamp", Func::kUnixTimestamp}, {"from_unixtime", Func::kFromUnixtime},
      {"timestampadd", Func::kTimestampAdd}, {"timestampdiff", Func::kTimestampDiff},
  };

}  // namespace

std::string nearest_function(const std::string& name) {
  // Close only: at most one edit in four characters (date_formt, regexp_extrac).
  std::vector<std::string> known;
  for (const auto& [n, func] : kFuncs) known.push_back(n);
  return nearest_name(name, known, name.size() / 4 + 1);
}

bool lookup_function(const std::string& n, Func& f) {
  for (const auto& [name, func] : kFuncs)
    if (n == name) {
      f = func;
      return true;
    }
  return false;
}

/// CAST target names, PostgreSQL's internal spellings included.
bool lookup_type(const std::string& n, DataType& t) {
  if (n == "int2" || n == "smallint" || n == "int4" || n == "integer") {
    t = DataType::kInt64;
    return true;
  }
  if (n == "decimal") {
    t = DataType::kFloat64;
    return true;
  }
  if (n == "char" || n == "name") {
    t = DataType::kString;
    return true;
  }
  auto parsed = parse_type_name(n);
  if (!parsed) return false;
  t = *parsed;
  return true;
}

std::string keyword_column_name(const std::string& op) {
  static const std::pair<const char*, const char*> kWords[] = {
      {"SVFOP_USER", "user"},
      {"SVFOP_CURRENT_USER", "current_user"},
      {"SVFOP_SESSION_USER", "session_user"},
      {"SVFOP_CURRENT_ROLE", "current_role"},
      {"SVFOP_CURRENT_CATALOG", "current_catalog"},
      {"SVFOP_CURRENT_SCHEMA", "current_schema"},
      {"SVFOP_CURRENT_DATE", "current_date"},
      {"SVFOP_CURRENT_TIME", "current_time"},
      {"SVFOP_CURRENT_TIME_N", "current_time"},
      {"SVFOP_CURRENT_TIMESTAMP", "current_timestamp"},
      {"SVFOP_CURRENT_TIMESTAMP_N", "current_timestamp"},
      {"SVFOP_LOCALTIME", "localtime"},
      {"SVFOP_LOCALTIME_N", "localtime"},
      {"SVFOP_LOCALTIMESTAMP", "localtimestamp"},
      {"SVFOP_LOCALTIMESTAMP_N", "localtimestamp"}};
  for (const auto& [k, word] : kWords)
    if (op == k) return word;
  return {};
}

}  // namespace eddy::expr
