// Flink's row kinds in an updating stream (PIPELINES.md "Changelog streams"):
// the first column `op` holds "+I", "-U", "+U" or "-D". Helpers for the
// operators that emit changelogs (keyed aggregate, top-n, windows with
// allowed_lateness) and those that consume them with retraction.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/record_batch.h"

namespace eddy {

/// The row kinds, as the `op` column spells them.
constexpr const char* kOpInsert = "+I";
constexpr const char* kOpUpdateBefore = "-U";
constexpr const char* kOpUpdateAfter = "+U";
constexpr const char* kOpDelete = "-D";
/// The name of an updating stream's first column.
constexpr const char* kOpColumn = "op";

/// True when the row kind `op` takes back an earlier row (-U, -D); +I, +U and
/// anything else add one.
inline bool is_retraction(std::string_view op) { return !op.empty() && op[0] == '-'; }

/// True when rows `a` and `b` of `col` hold the same value (both NULL counts
/// as the same; float64 NaN equals NaN and -0.0 equals 0.0), so an update that
/// changes nothing need not be emitted.
bool same_value(const Column& col, size_t a, size_t b);

}  // namespace eddy
