// Type names and schema lookups.
#include "core/schema.h"

#include <algorithm>
#include <cctype>

namespace eddy {

const char* type_name(DataType type) {
  switch (type) {
    case DataType::kInt64: return "int64";
    case DataType::kFloat64: return "float64";
    case DataType::kBool: return "bool";
    case DataType::kString: return "string";
    case DataType::kTimestamp: return "timestamp";
  }
  return "?";
}

std::optional<DataType> parse_type_name(std::string_view name) {
  std::string n(name);
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  if (n == "int64" || n == "bigint" || n == "int8" || n == "int" || n == "int4" || n == "integer")
    return DataType::kInt64;
  if (n == "float64" || n == "double" || n == "float8" || n == "float" || n == "float4" ||
      n == "real" || n == "numeric" || n == "double precision")
    return DataType::kFloat64;
  if (n == "bool" || n == "boolean") return DataType::kBool;
  if (n == "string" || n == "text" || n == "varchar" || n == "bpchar") return DataType::kString;
  if (n == "timestamp" || n == "timestamptz") return DataType::kTimestamp;
  return std::nullopt;
}

int Schema::index_of(std::string_view name) const {
  for (size_t i = 0; i < fields_.size(); ++i)
    if (fields_[i].name == name) return static_cast<int>(i);
  return -1;
}

std::string Schema::to_string() const {
  std::string out;
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (i) out += ", ";
    out += fields_[i].name;
    out += ": ";
    out += type_name(fields_[i].type);
  }
  return out;
}

}  // namespace eddy
