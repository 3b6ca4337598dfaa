/* eddy's C ABI for scalar user-defined functions (docs/sql.md, "User-defined
 * functions"). A shared library exports a function returning a description
 * of the UDF; eddy calls its `eval` once per batch, a column at a time:
 *
 *   CREATE FUNCTION count_char AS 'libcount_char.so:count_char_udf';
 *
 * loads `libcount_char.so` and calls `const eddy_udf* count_char_udf(void)`.
 * Plain C, so any compiler that builds a shared library can make one; the
 * header is all a library needs from eddy. */
#ifndef EDDY_UDF_H
#define EDDY_UDF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EDDY_UDF_ABI_VERSION 1

/* Column types. TIMESTAMP is epoch milliseconds (UTC) in `ints`. */
typedef enum {
  EDDY_INT64 = 0,
  EDDY_FLOAT64 = 1,
  EDDY_BOOL = 2,
  EDDY_STRING = 3,
  EDDY_TIMESTAMP = 4
} eddy_type;

/* An argument column of `rows` values, read-only. `valid[i]` is 0 for a NULL
 * row; `valid` itself is NULL when no row is NULL. The member matching `type`
 * holds the values: ints (INT64, TIMESTAMP), doubles, bools (0 or 1), or, for
 * STRING, row i as chars[offsets[i] .. offsets[i + 1]) (UTF-8, not
 * NUL-terminated). */
typedef struct eddy_column {
  eddy_type type;
  const uint8_t* valid;
  const int64_t* ints;
  const double* doubles;
  const uint8_t* bools;
  const uint32_t* offsets;
  const char* chars;
} eddy_column;

/* The result column, made by eddy. For INT64, TIMESTAMP, FLOAT64 and BOOL,
 * write row i to ints[i], doubles[i] or bools[i]. For STRING, call
 * append_string once per row, in row order. A NULL row: set valid[i] = 0
 * (every row starts valid) and, for STRING, still append (an empty string). */
typedef struct eddy_result {
  eddy_type type;
  uint8_t* valid;
  int64_t* ints;
  double* doubles;
  uint8_t* bools;
  void* strings;
  void (*append_string)(void* strings, const char* data, size_t length);
} eddy_result;

typedef struct eddy_udf {
  uint32_t abi_version;        /* EDDY_UDF_ABI_VERSION */
  eddy_type result_type;
  uint32_t arg_count;
  const eddy_type* arg_types;  /* arguments are cast to these before the call */
  /* Computes `rows` results. Returns 0, or non-zero after writing a message
   * (at most error_capacity bytes, NUL-terminated) into `error`: the job fails
   * with it. Called from several threads at once: keep no shared mutable state. */
  int (*eval)(const eddy_column* args, size_t rows, eddy_result* result, char* error, size_t error_capacity);
} eddy_udf;

#ifdef __cplusplus
}
#endif

#endif /* EDDY_UDF_H */
