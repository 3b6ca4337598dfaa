/* Nexmark q14's count_char(s, c): how often the character c occurs in s.
 * An example of eddy's scalar UDF ABI (include/eddy_udf.h), built by CMake
 * as libeddy_count_char.so:
 *
 *   CREATE FUNCTION count_char AS 'build/examples/udf/libeddy_count_char.so:count_char_udf'; */
#include <eddy_udf.h>

static const eddy_type kArgs[] = {EDDY_STRING, EDDY_STRING};

static int eval(const eddy_column* args, size_t rows, eddy_result* result, char* error, size_t error_capacity) {
  (void)error;
  (void)error_capacity;
  const eddy_column* s = &args[0];
  const eddy_column* c = &args[1];
  for (size_t i = 0; i < rows; ++i) {
    const int is_null = (s->valid && !s->valid[i]) || (c->valid && !c->valid[i]);
    if (is_null) {
      result->valid[i] = 0;
      continue;
    }
    const uint32_t c_len = c->offsets[i + 1] - c->offsets[i];
    int64_t n = 0;
    if (c_len == 1) {
      const char want = c->chars[c->offsets[i]];
      for (uint32_t k = s->offsets[i]; k < s->offsets[i + 1]; ++k) n += s->chars[k] == want;
    }
    result->ints[i] = n;
  }
  return 0;
}

static const eddy_udf kCountChar = {EDDY_UDF_ABI_VERSION, EDDY_INT64, 2, kArgs, eval};

const eddy_udf* count_char_udf(void) { return &kCountChar; }

/* The same function under the C name of the Nexmark suite's Java class, so its
 * q14 (CREATE FUNCTION count_char AS 'com.github.nexmark.flink.udf.CountChar')
 * finds it when this library is on EDDY_UDF_PATH (eddy local -l DIR). */
const eddy_udf* com_github_nexmark_flink_udf_CountChar(void) { return &kCountChar; }
