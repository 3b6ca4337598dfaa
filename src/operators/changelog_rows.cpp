// Value comparison for changelog emitters: one switch over the column type.
#include "operators/changelog_rows.h"

#include <cmath>

namespace eddy {

bool same_value(const Column& col, size_t a, size_t b) {
  const bool null_a = col.is_null(a), null_b = col.is_null(b);
  if (null_a || null_b) return null_a == null_b;
  switch (col.type()) {
    case DataType::kInt64:
    case DataType::kTimestamp: return col.ints[a] == col.ints[b];
    case DataType::kFloat64: {
      const double x = col.doubles[a], y = col.doubles[b];
      return x == y || (std::isnan(x) && std::isnan(y));
    }
    case DataType::kBool: return col.bools[a] == col.bools[b];
    case DataType::kString: return col.string_at(a) == col.string_at(b);
  }
  return false;
}

}  // namespace eddy
