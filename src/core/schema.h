// Data types and schemas: the column types of PIPELINES.md and the ordered,
// named fields of a stream. Shared by the planner, operators and the wire format.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace eddy {

/// Column types. Timestamps are int64 epoch milliseconds (UTC).
enum class DataType : uint8_t { kInt64 = 0, kFloat64 = 1, kBool = 2, kString = 3, kTimestamp = 4 };

/// "int64", "float64", "bool", "string", "timestamp".
const char* type_name(DataType type);

/// Accepts the pipeline names above and the SQL spellings used in CAST
/// (bigint, int8, double, float8, boolean, text, varchar).
std::optional<DataType> parse_type_name(std::string_view name);

inline bool is_numeric(DataType t) { return t == DataType::kInt64 || t == DataType::kFloat64; }
/// Types whose values live in Column::ints.
inline bool is_integer_backed(DataType t) { return t == DataType::kInt64 || t == DataType::kTimestamp; }

struct Field {
  std::string name;
  DataType type = DataType::kInt64;
  bool operator==(const Field& o) const { return name == o.name && type == o.type; }
};

/// Ordered fields of a stream. Immutable once shared.
class Schema {
 public:
  Schema() = default;
  explicit Schema(std::vector<Field> fields) : fields_(std::move(fields)) {}

  const std::vector<Field>& fields() const { return fields_; }
  size_t size() const { return fields_.size(); }
  const Field& field(size_t i) const { return fields_[i]; }
  /// Index of the column called `name`, or -1.
  int index_of(std::string_view name) const;
  bool operator==(const Schema& o) const { return fields_ == o.fields_; }
  /// "auction: int64, price: float64"
  std::string to_string() const;

 private:
  std::vector<Field> fields_;
};

using SchemaPtr = std::shared_ptr<const Schema>;

}  // namespace eddy
