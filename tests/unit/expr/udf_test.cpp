// User-defined functions loaded by library and symbol, and by class name
// through EDDY_UDF_PATH (as a JVM finds a class on its classpath), using the
// example library CMake builds (examples/udf/count_char.c).
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "expr/udf.h"

using namespace eddy;
using namespace eddy::expr;

namespace {

Column strings(const std::vector<std::string>& values) {
  Column c(DataType::kString);
  for (const auto& v : values) c.append_string(v);
  return c;
}

/// count_char over ("abcc", "c") and ("", "c").
std::vector<int64_t> counts(const Udf& f) {
  const Column s = strings({"abcc", ""}), c = strings({"c", "c"});
  Column out(DataType::kInt64);
  REQUIRE(f.call({&s, &c}, 2, out).is_ok());
  return out.ints;
}

}  // namespace

TEST_CASE("a function is loaded from library.so:symbol, and the same name again only from the same target") {
  const std::string lib = std::string(EDDY_UDF_EXAMPLES) + "/libeddy_count_char.so";
  REQUIRE(load_udf("cc_by_symbol", lib + ":count_char_udf").is_ok());
  const Udf* f = find_udf("cc_by_symbol");
  REQUIRE(f != nullptr);
  CHECK(f->arg_types == std::vector<DataType>{DataType::kString, DataType::kString});
  CHECK(counts(*f) == std::vector<int64_t>{2, 0});
  CHECK(load_udf("cc_by_symbol", lib + ":count_char_udf").is_ok());
  CHECK_FALSE(load_udf("cc_by_symbol", lib + ":other").is_ok());
  const Status missing = load_udf("cc_missing", lib + ":no_such_symbol");
  CHECK(missing.message().find("has no function 'no_such_symbol'") != std::string::npos);
}

TEST_CASE("a class name is the C function of its name on EDDY_UDF_PATH, which -l adds to") {
  ::unsetenv(kUdfPathVariable);
  const Status empty = load_udf("cc_class", "com.github.nexmark.flink.udf.CountChar");
  CHECK(empty.message().find("com_github_nexmark_flink_udf_CountChar") != std::string::npos);
  CHECK(empty.message().find("that is empty") != std::string::npos);
  add_udf_path({"/nonexistent/lib.so", EDDY_UDF_EXAMPLES});
  CHECK(std::string(std::getenv(kUdfPathVariable)) == std::string("/nonexistent/lib.so:") + EDDY_UDF_EXAMPLES);
  REQUIRE(load_udf("cc_class", "com.github.nexmark.flink.udf.CountChar").is_ok());
  const Udf* f = find_udf("cc_class");
  REQUIRE(f != nullptr);
  CHECK(f->target == "com.github.nexmark.flink.udf.CountChar");
  CHECK(counts(*f) == std::vector<int64_t>{2, 0});
  const Status absent = load_udf("cc_absent", "com.example.NoSuchUdf");
  CHECK(absent.message().find("none of its 2 libraries exports it") != std::string::npos);
  ::unsetenv(kUdfPathVariable);
}
