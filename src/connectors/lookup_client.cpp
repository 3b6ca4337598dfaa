// What the lookup clients share (lookup_client.h): value text both ways, and
// the choice of client by connector.
#include "connectors/lookup_client.h"

#include <charconv>
#include <cstdlib>

#include "connectors/value_text.h"
#include "core/time_util.h"

namespace eddy {

Result<std::unique_ptr<LookupClient>> connect_lookup_client(const LookupTableConfig& cfg,
                                                            const std::vector<int>& key_columns) {
  EDDY_RETURN_IF_ERROR(check_lookup_keys(cfg, key_columns));
  if (cfg.connector == LookupConnector::kRedis) return connect_redis_lookup_client(cfg, key_columns);
  return connect_pg_lookup_client(cfg, key_columns);
}

bool append_lookup_text(Column& col, std::string_view text) {
  switch (col.type()) {
    case DataType::kInt64: {
      int64_t v = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || p != text.data() + text.size()) return false;
      col.append_int(v);
      return true;
    }
    case DataType::kFloat64: {
      std::string s(text);
      char* end = nullptr;
      const double v = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size()) return false;
      col.append_double(v);
      return true;
    }
    case DataType::kBool:
      if (text == "t" || text == "true" || text == "1" || text == "TRUE") col.append_bool(true);
      else if (text == "f" || text == "false" || text == "0" || text == "FALSE") col.append_bool(false);
      else return false;
      return true;
    case DataType::kString:
      col.append_string(text);
      return true;
    case DataType::kTimestamp: {
      // PostgreSQL writes timestamptz with the session's zone (eddy sets UTC): "...+00".
      std::string_view t = text;
      for (std::string_view zone : {"+00:00", "+00", "Z"})
        if (t.size() > zone.size() && t.substr(t.size() - zone.size()) == zone) {
          t.remove_suffix(zone.size());
          break;
        }
      auto ms = parse_timestamp_ms(t);
      if (!ms.ok()) return false;
      col.append_int(*ms);
      return true;
    }
  }
  return false;
}

std::string lookup_key_text(const Column& col, size_t row) {
  std::string out;
  switch (col.type()) {
    case DataType::kInt64: append_int64_text(out, col.ints[row]); break;
    case DataType::kFloat64: append_float64_text(out, col.doubles[row]); break;
    case DataType::kBool: out = col.bools[row] ? "true" : "false"; break;
    case DataType::kString: out = std::string(col.string_at(row)); break;
    case DataType::kTimestamp: out = format_timestamp_ms(col.ints[row]); break;
  }
  return out;
}

}  // namespace eddy
