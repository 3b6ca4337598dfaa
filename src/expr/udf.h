// Scalar user-defined functions (include/eddy_udf.h): loaded from shared
// libraries by CREATE FUNCTION name AS 'library.so:symbol' (or AS a class
// name, the C function of that name on EDDY_UDF_PATH), registered by
// name for the expression parser, and called a column at a time by the
// evaluator. Libraries stay loaded for the life of the process.
#pragma once

#include <string>
#include <vector>

#include "core/column.h"
#include "core/schema.h"
#include "core/status.h"

struct eddy_udf;

namespace eddy::expr {

/// Where CREATE FUNCTION looks for a class name (`AS 'com.example.MyUdf'`):
/// `:`-separated shared libraries or directories of them, as a JVM's
/// classpath. `eddy local -l DIR` (as Flink's SQL client's --library) sets it.
constexpr const char* kUdfPathVariable = "EDDY_UDF_PATH";

struct Udf {
  std::string name;    // lower case
  std::string target;  // library.so:symbol
  DataType result_type = DataType::kInt64;
  std::vector<DataType> arg_types;
  const eddy_udf* abi = nullptr;

  /// Calls the function on `n` rows of `args` (already of arg_types).
  Status call(const std::vector<const Column*>& args, size_t n, Column& out) const;
};

/// Loads `target` ("library.so:symbol", or a class name found on
/// EDDY_UDF_PATH) as function `name`, or checks that the
/// same name is already loaded from the same target. Thread-safe.
Status load_udf(const std::string& name, const std::string& target);
/// Appends `paths` to EDDY_UDF_PATH in this process's environment (which
/// the processes it starts inherit).
void add_udf_path(const std::vector<std::string>& paths);
/// The function called `name` (lower case), or nullptr.
const Udf* find_udf(const std::string& name);

}  // namespace eddy::expr
