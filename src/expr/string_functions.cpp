// Flink's string functions: concat_ws, lpad, rpad, replace, initcap, reverse,
// repeat, locate/instr/position, left, right, split_index and the md5, sha1 and
// sha256 digests (OpenSSL's EVP). Lengths and positions count UTF-8
// characters. Called from function_kernel(); arguments are already typed.
#include <openssl/evp.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <string>
#include <string_view>

#include "expr/function_kernels.h"

namespace eddy::expr {
namespace {

Status too_long(const ExprNode& call, size_t bytes) {
  return Status::invalid(std::string(func_name(call.func)) + " would make a string of " + std::to_string(bytes) +
                         " bytes; the limit is " + std::to_string(kMaxResultBytes));
}

/// The byte length of the UTF-8 character starting at s[i].
size_t char_len(std::string_view s, size_t i) {
  size_t e = i + 1;
  while (e < s.size() && is_continuation(static_cast<unsigned char>(s[e]))) ++e;
  return e - i;
}

/// lpad/rpad as Flink: NULL for a negative length or an empty pad; `s` cut to
/// `len` characters, or padded with as much of the repeated pad as fits.
Status pad(const ExprNode& call, const std::vector<const Column*>& args, size_t n, Column& out) {
  const bool left = call.func == Func::kLpad;
  for (size_t i = 0; i < n; ++i)
    if (!out.is_null(i) && args[1]->ints[i] > static_cast<int64_t>(kMaxResultBytes / 4))
      return too_long(call, static_cast<size_t>(args[1]->ints[i]));
  build_strings(out, n, [&](size_t i, std::string& chars) {
    const std::string_view s = args[0]->string_at(i), p = args[2]->string_at(i);
    const int64_t len = args[1]->ints[i];
    if (len < 0 || p.empty()) return set_null(out, i, n);
    const int64_t have = char_count(s);
    if (have >= len) return chars.append(s.data(), char_offset(s, len)), void();
    const int64_t fill = len - have;
    auto append_fill = [&]() {
      for (int64_t done = 0, k = 0; done < fill; ++done) {
        const size_t l = char_len(p, static_cast<size_t>(k));
        chars.append(p.data() + k, l);
        k = static_cast<int64_t>(static_cast<size_t>(k) + l) % static_cast<int64_t>(p.size());
      }
    };
    if (left) append_fill();
    chars.append(s.data(), s.size());
    if (!left) append_fill();
  });
  return Status::ok();
}

/// Java's String.replace: every non-overlapping `from`, left to right; an
/// empty `from` puts `to` before every character and at the end.
void replace(std::string_view s, std::string_view from, std::string_view to, std::string& out) {
  if (from.empty()) {
    for (size_t i = 0; i < s.size();) {
      const size_t l = char_len(s, i);
      out.append(to.data(), to.size());
      out.append(s.data() + i, l);
      i += l;
    }
    out.append(to.data(), to.size());
    return;
  }
  size_t at = 0;
  for (size_t hit; (hit = s.find(from, at)) != std::string_view::npos; at = hit + from.size()) {
    out.append(s.data() + at, hit - at);
    out.append(to.data(), to.size());
  }
  out.append(s.data() + at, s.size() - at);
}

/// The first letter or digit of each run of them upper (title) case, the rest
/// lower case; bytes that are not UTF-8 are kept.
void initcap(std::string_view s, std::string& out) {
  bool in_word = false;
  for (int32_t i = 0, len = static_cast<int32_t>(s.size()); i < len;) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(s.data(), i, len, c);
    if (c < 0) {
      out.append(s.data() + start, static_cast<size_t>(i - start));
      in_word = false;
      continue;
    }
    const bool alnum = u_isalnum(c);
    const UChar32 mapped = !alnum ? c : in_word ? u_tolower(c) : u_totitle(c);
    in_word = alnum;
    char buf[U8_MAX_LENGTH];
    int32_t k = 0;
    U8_APPEND_UNSAFE(buf, k, mapped);
    out.append(buf, static_cast<size_t>(k));
  }
}

void reverse(std::string_view s, std::string& out) {
  size_t end = s.size();
  while (end > 0) {
    size_t start = end - 1;
    while (start > 0 && is_continuation(static_cast<unsigned char>(s[start]))) --start;
    out.append(s.data() + start, end - start);
    end = start;
  }
}

/// The 1-based character position of `needle` in `s` at or after character
/// `start` (positions below 1 read as 1, as Java's indexOf), 0 if absent.
int64_t locate(std::string_view needle, std::string_view s, int64_t start) {
  if (start < 1) start = 1;
  const size_t from = char_offset(s, start - 1);
  if (from == s.size() && start - 1 > char_count(s)) return 0;
  const size_t hit = s.find(needle, from);
  return hit == std::string_view::npos ? 0 : char_count(s.substr(0, hit)) + 1;
}

/// Field `index` of `s` split at each `delimiter` (empty fields kept, as
/// commons-lang's splitByWholeSeparatorPreserveAllTokens, which Flink uses:
/// an empty delimiter splits at whitespace, an empty string has no fields).
bool split_field(std::string_view s, std::string_view delimiter, int64_t index, std::string_view& field) {
  if (index < 0 || s.empty()) return false;
  size_t at = 0;
  for (int64_t k = 0;; ++k) {
    size_t hit, skip = delimiter.size();
    if (delimiter.empty()) {
      hit = s.find_first_of(" \t\n\r\f\v", at);
      skip = 1;
    } else {
      hit = s.find(delimiter, at);
    }
    const size_t end = hit == std::string_view::npos ? s.size() : hit;
    if (k == index) {
      field = s.substr(at, end - at);
      return true;
    }
    if (hit == std::string_view::npos) return false;
    at = hit + skip;
  }
}

Status digest(const ExprNode& call, const Column& s, size_t n, Column& out) {
  const EVP_MD* md = call.func == Func::kMd5 ? EVP_md5() : call.func == Func::kSha1 ? EVP_sha1() : EVP_sha256();
  static constexpr char kHex[] = "0123456789abcdef";
  bool failed = false;
  build_strings(out, n, [&](size_t i, std::string& chars) {
    unsigned char hash[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    const std::string_view v = s.string_at(i);
    if (EVP_Digest(v.data(), v.size(), hash, &len, md, nullptr) != 1) failed = true;
    for (unsigned k = 0; k < len; ++k) {
      chars += kHex[hash[k] >> 4];
      chars += kHex[hash[k] & 15];
    }
  });
  if (failed) return Status::internal(std::string(func_name(call.func)) + ": OpenSSL digest failed");
  return Status::ok();
}

}  // namespace

Status string_kernel(const ExprNode& call, const std::vector<const Column*>& args, size_t n, Column& out) {
  out = Column(call.type);
  const Column& s = *args[0];
  if (call.func == Func::kConcatWs) {  // NULL only with a NULL separator; NULL values are skipped
    out.valid = s.valid;
    build_strings(out, n, [&](size_t i, std::string& chars) {
      bool first = true;
      for (size_t a = 1; a < args.size(); ++a) {
        if (args[a]->is_null(i)) continue;
        if (!first) chars += s.string_at(i);
        chars += args[a]->string_at(i);
        first = false;
      }
    });
    return Status::ok();
  }
  and_validity(args, n, out.valid);
  switch (call.func) {
    case Func::kLpad:
    case Func::kRpad: return pad(call, args, n, out);
    case Func::kReplace:
      build_strings(out, n, [&](size_t i, std::string& chars) {
        replace(s.string_at(i), args[1]->string_at(i), args[2]->string_at(i), chars);
      });
      return Status::ok();
    case Func::kInitcap: build_strings(out, n, [&](size_t i, std::string& c) { initcap(s.string_at(i), c); }); break;
    case Func::kReverse: build_strings(out, n, [&](size_t i, std::string& c) { reverse(s.string_at(i), c); }); break;
    case Func::kRepeat:
      for (size_t i = 0; i < n; ++i) {
        const int64_t times = args[1]->ints[i];
        if (!out.is_null(i) && times > 0 && s.string_at(i).size() > kMaxResultBytes / static_cast<uint64_t>(times))
          return too_long(call, s.string_at(i).size() * std::min<uint64_t>(static_cast<uint64_t>(times), 1u << 30));
      }
      build_strings(out, n, [&](size_t i, std::string& chars) {
        for (int64_t k = 0; k < args[1]->ints[i]; ++k) chars += s.string_at(i);
      });
      break;
    case Func::kLocate:
    case Func::kInstr: {
      const bool instr = call.func == Func::kInstr;  // instr(s, needle) vs locate(needle, s [, start])
      const Column& hay = instr ? s : *args[1];
      const Column& needle = instr ? *args[1] : s;
      out.ints.resize(n);
      for (size_t i = 0; i < n; ++i)
        out.ints[i] = out.is_null(i) ? 0 : locate(needle.string_at(i), hay.string_at(i), args.size() > 2 ? args[2]->ints[i] : 1);
      break;
    }
    case Func::kLeft:
    case Func::kRight:
      build_strings(out, n, [&](size_t i, std::string& chars) {
        const std::string_view v = s.string_at(i);
        const int64_t k = args[1]->ints[i];
        if (k <= 0) return;
        if (call.func == Func::kLeft) return chars.append(v.data(), char_offset(v, k)), void();
        const int64_t total = char_count(v);
        const size_t from = k >= total ? 0 : char_offset(v, total - k);
        chars.append(v.data() + from, v.size() - from);
      });
      break;
    case Func::kSplitIndex:
      build_strings(out, n, [&](size_t i, std::string& chars) {
        std::string_view field;
        if (split_field(s.string_at(i), args[1]->string_at(i), args[2]->ints[i], field)) chars += field;
        else set_null(out, i, n);
      });
      break;
    case Func::kMd5:
    case Func::kSha1:
    case Func::kSha256: return digest(call, s, n, out);
    default: return Status::internal(std::string("no string kernel for ") + func_name(call.func));
  }
  return Status::ok();
}

}  // namespace eddy::expr
