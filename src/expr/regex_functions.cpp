// Kernels of REGEXP (a match anywhere), REGEXP_EXTRACT (a group of the first
// match, NULL when there is none) and REGEXP_REPLACE (every match replaced by
// literal text, as Flink quotes the replacement). Called from function_kernel().
#include "expr/regex_functions.h"

#include <re2/re2.h>

#include <string>
#include <vector>

#include "expr/function_kernels.h"

namespace eddy::expr {
namespace {

RE2::Options regex_options() {
  RE2::Options o;  // UTF-8, case-sensitive, '.' does not match a newline: Java's defaults
  o.set_log_errors(false);
  return o;
}

/// The compiled pattern of each row: the call's own when the pattern is a
/// literal, else compiled again whenever the row's pattern changes.
class Regexes {
 public:
  Regexes(const ExprNode& call, const Column& texts)
      : fixed_(static_cast<const CompiledRegex*>(call.state.get())), texts_(texts) {}

  /// Row i's pattern, or null when it does not compile (Flink logs the error
  /// and returns NULL, or FALSE for REGEXP).
  const RE2* at(size_t i) {
    if (fixed_) return fixed_->re.get();
    const std::string_view text = texts_.string_at(i);
    if (!last_ || text != last_text_) {
      last_ = std::make_unique<CompiledRegex>(text);
      last_text_.assign(text.data(), text.size());
    }
    return last_->re->ok() ? last_->re.get() : nullptr;
  }

 private:
  const CompiledRegex* fixed_;
  const Column& texts_;
  std::unique_ptr<CompiledRegex> last_;
  std::string last_text_;
};

void regexp(const ExprNode& call, const std::vector<const Column*>& args, size_t n, Column& out) {
  Regexes regexes(call, *args[1]);
  out.bools.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (out.is_null(i) || args[1]->string_at(i).empty()) continue;  // '' matches nothing in Flink
    const RE2* re = regexes.at(i);
    const std::string_view s = args[0]->string_at(i);
    out.bools[i] = re && RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *re);
  }
}

void regexp_extract(const ExprNode& call, const std::vector<const Column*>& args, size_t n, Column& out) {
  Regexes regexes(call, *args[1]);
  std::vector<re2::StringPiece> groups;
  build_strings(out, n, [&](size_t i, std::string& chars) {
    const RE2* re = regexes.at(i);
    const int64_t group = args.size() > 2 ? args[2]->ints[i] : 0;
    const std::string_view s = args[0]->string_at(i);
    if (re && group >= 0 && group <= re->NumberOfCapturingGroups()) {
      groups.assign(static_cast<size_t>(group) + 1, re2::StringPiece());
      if (re->Match(re2::StringPiece(s.data(), s.size()), 0, s.size(), RE2::UNANCHORED, groups.data(),
                    static_cast<int>(groups.size())) &&
          groups.back().data() != nullptr) {  // a group that took no part in the match is NULL
        chars.append(groups.back().data(), groups.back().size());
        return;
      }
    }
    set_null(out, i, n);
  });
}

/// Java's replaceAll: after an empty match the search moves on one
/// character, and a match may be empty right after a non-empty one.
void replace_all(const RE2& re, std::string_view s, std::string_view replacement, std::string& out) {
  const re2::StringPiece text(s.data(), s.size());
  re2::StringPiece m;
  size_t search = 0, copied = 0;
  while (search <= s.size() && re.Match(text, search, s.size(), RE2::UNANCHORED, &m, 1)) {
    const size_t start = static_cast<size_t>(m.data() - s.data()), end = start + m.size();
    out.append(s.data() + copied, start - copied);
    out.append(replacement.data(), replacement.size());
    copied = search = end;
    if (start == end) {  // step over one UTF-8 character
      ++search;
      while (search < s.size() && is_continuation(static_cast<unsigned char>(s[search]))) ++search;
    }
  }
  out.append(s.data() + copied, s.size() - copied);
}

void regexp_replace(const ExprNode& call, const std::vector<const Column*>& args, size_t n, Column& out) {
  Regexes regexes(call, *args[1]);
  build_strings(out, n, [&](size_t i, std::string& chars) {
    const RE2* re = regexes.at(i);
    if (re) replace_all(*re, args[0]->string_at(i), args[2]->string_at(i), chars);
    else set_null(out, i, n);
  });
}

}  // namespace

CompiledRegex::CompiledRegex(std::string_view pattern)
    : re(std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), regex_options())) {}

CompiledRegex::~CompiledRegex() = default;

Result<std::shared_ptr<const CompiledRegex>> compile_regex(std::string_view pattern) {
  auto compiled = std::make_shared<CompiledRegex>(pattern);
  if (!compiled->re->ok())
    return Status::invalid("invalid regular expression '" + std::string(pattern) + "': " + compiled->re->error());
  return std::shared_ptr<const CompiledRegex>(std::move(compiled));
}

Status regex_kernel(const ExprNode& call, const std::vector<const Column*>& args, size_t n, Column& out) {
  out = Column(call.type);
  and_validity(args, n, out.valid);
  switch (call.func) {
    case Func::kRegexp: regexp(call, args, n, out); break;
    case Func::kRegexpExtract: regexp_extract(call, args, n, out); break;
    case Func::kRegexpReplace: regexp_replace(call, args, n, out); break;
    default: return Status::internal(std::string("no regex kernel for ") + func_name(call.func));
  }
  return Status::ok();
}

}  // namespace eddy::expr
