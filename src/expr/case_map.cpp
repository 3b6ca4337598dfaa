// upper() and lower(): Unicode case mapping as Flink does it (Java's
// String.toUpperCase / toLowerCase with the root locale), by ICU's full case
// mapping (ß -> SS, final sigma, İ -> i and a combining dot). Rows of ASCII
// only, and whole batches of them, never reach ICU. Called by function_kernel.
#include <unicode/bytestream.h>
#include <unicode/casemap.h>
#include <unicode/stringpiece.h>

#include <cstring>
#include <string>
#include <string_view>

#include "expr/kernels.h"

namespace eddy::expr {
namespace {

/// True when no byte of [p, p + n) has its high bit set.
bool all_ascii(const char* p, size_t n) {
  uint64_t acc = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    acc |= w;
  }
  for (; i < n; ++i) acc |= static_cast<unsigned char>(p[i]);
  return (acc & 0x8080808080808080ULL) == 0;
}

void ascii_map(char* p, size_t n, CaseMapping mapping) {
  if (mapping == CaseMapping::kUpper) {
    for (size_t i = 0; i < n; ++i)
      if (p[i] >= 'a' && p[i] <= 'z') p[i] = static_cast<char>(p[i] - 'a' + 'A');
  } else {
    for (size_t i = 0; i < n; ++i)
      if (p[i] >= 'A' && p[i] <= 'Z') p[i] = static_cast<char>(p[i] - 'A' + 'a');
  }
}

/// Appends `text` mapped to `out` with ICU (root locale). Bytes that are not
/// UTF-8 pass through unchanged.
Status icu_map(std::string_view text, CaseMapping mapping, std::string& out) {
  UErrorCode err = U_ZERO_ERROR;
  icu::StringByteSink<std::string> sink(&out);
  const icu::StringPiece piece(text.data(), static_cast<int32_t>(text.size()));
  if (mapping == CaseMapping::kUpper)
    icu::CaseMap::utf8ToUpper("", 0, piece, sink, nullptr, err);
  else
    icu::CaseMap::utf8ToLower("", 0, piece, sink, nullptr, err);
  if (U_FAILURE(err))
    return Status::internal(std::string("Unicode case mapping failed: ") + u_errorName(err));
  return Status::ok();
}

}  // namespace

Status case_map_kernel(const Column& in, CaseMapping mapping, size_t n, Column& out) {
  out = Column(DataType::kString);
  out.valid = in.valid;
  if (all_ascii(in.chars.data(), in.chars.size())) {  // the usual case: one pass, no ICU
    out.offsets = in.offsets;
    out.chars = in.chars;
    ascii_map(out.chars.data(), out.chars.size(), mapping);
    return Status::ok();
  }
  out.offsets.resize(n + 1);
  out.offsets[0] = 0;
  out.chars.reserve(in.chars.size() + in.chars.size() / 8);
  for (size_t i = 0; i < n; ++i) {
    if (!in.is_null(i)) {
      const std::string_view s = in.string_at(i);
      if (all_ascii(s.data(), s.size())) {
        const size_t at = out.chars.size();
        out.chars.append(s.data(), s.size());
        ascii_map(&out.chars[at], s.size(), mapping);
      } else {
        EDDY_RETURN_IF_ERROR(icu_map(s, mapping, out.chars));
      }
    }
    out.offsets[i + 1] = static_cast<uint32_t>(out.chars.size());
  }
  return Status::ok();
}

}  // namespace eddy::expr
