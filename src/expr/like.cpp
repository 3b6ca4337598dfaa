// LIKE pattern compilation and matching.
#include "expr/like.h"

namespace eddy::expr {
namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

/// Byte length of the UTF-8 character starting with `lead` (1 for stray bytes).
size_t utf8_len(unsigned char lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

bool starts_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

}  // namespace

Result<std::shared_ptr<const LikeMatcher>> LikeMatcher::compile(std::string_view pattern, char escape,
                                                                bool case_insensitive) {
  auto m = std::make_shared<LikeMatcher>();
  m->case_insensitive_ = case_insensitive;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (escape != '\0' && c == escape) {
      if (++i == pattern.size())
        return Status::invalid("LIKE pattern must not end with the escape character");
      c = pattern[i];
    } else if (c == '%') {
      if (m->elems_.empty() || m->elems_.back().kind != ElemKind::kAnyRun)
        m->elems_.push_back({ElemKind::kAnyRun, {}});
      continue;
    } else if (c == '_') {
      m->elems_.push_back({ElemKind::kOne, {}});
      continue;
    }
    if (case_insensitive) c = ascii_lower(c);
    if (m->elems_.empty() || m->elems_.back().kind != ElemKind::kLiteral)
      m->elems_.push_back({ElemKind::kLiteral, {}});
    m->elems_.back().text.push_back(c);
  }
  // Recognize the shapes that need no backtracking.
  const auto& e = m->elems_;
  auto is = [&](size_t i, ElemKind k) { return i < e.size() && e[i].kind == k; };
  if (e.empty()) {
    m->shape_ = Shape::kExact;  // '' matches only ''
  } else if (e.size() == 1 && is(0, ElemKind::kAnyRun)) {
    m->shape_ = Shape::kAny;
  } else if (e.size() == 1 && is(0, ElemKind::kLiteral)) {
    m->shape_ = Shape::kExact;
    m->literal_ = e[0].text;
  } else if (e.size() == 2 && is(0, ElemKind::kLiteral) && is(1, ElemKind::kAnyRun)) {
    m->shape_ = Shape::kPrefix;
    m->literal_ = e[0].text;
  } else if (e.size() == 2 && is(0, ElemKind::kAnyRun) && is(1, ElemKind::kLiteral)) {
    m->shape_ = Shape::kSuffix;
    m->literal_ = e[1].text;
  } else if (e.size() == 3 && is(0, ElemKind::kAnyRun) && is(1, ElemKind::kLiteral) &&
             is(2, ElemKind::kAnyRun)) {
    m->shape_ = Shape::kInfix;
    m->literal_ = e[1].text;
  }
  return std::shared_ptr<const LikeMatcher>(std::move(m));
}

bool LikeMatcher::matches(std::string_view s, std::string& scratch) const {
  if (shape_ == Shape::kAny) return true;
  if (case_insensitive_) {
    scratch.assign(s.data(), s.size());
    for (char& c : scratch) c = ascii_lower(c);
    s = scratch;
  }
  return shape_ == Shape::kGeneral ? match_general(s) : match_shape(s);
}

bool LikeMatcher::match_shape(std::string_view s) const {
  switch (shape_) {
    case Shape::kAny: return true;
    case Shape::kExact: return s == literal_;
    case Shape::kPrefix: return starts_with(s, literal_);
    case Shape::kSuffix: return ends_with(s, literal_);
    case Shape::kInfix: return s.find(literal_) != std::string_view::npos;
    case Shape::kGeneral: break;
  }
  return match_general(s);
}

bool LikeMatcher::match_general(std::string_view s) const {
  // Greedy matching that, on a mismatch, retries from the most recent `%`
  // with one more character swallowed. Earlier `%`s never need revisiting:
  // whatever a later one can reach, the earlier ones could too.
  const size_t n = s.size();
  size_t p = 0, i = 0;
  size_t star_p = std::string::npos, star_i = 0;
  while (true) {
    if (p < elems_.size()) {
      const Elem& e = elems_[p];
      if (e.kind == ElemKind::kAnyRun) {
        star_p = ++p;
        star_i = i;
        continue;
      }
      if (e.kind == ElemKind::kOne && i < n) {
        i += utf8_len(static_cast<unsigned char>(s[i]));
        if (i > n) i = n;
        ++p;
        continue;
      }
      if (e.kind == ElemKind::kLiteral && s.compare(i, e.text.size(), e.text) == 0 &&
          n - i >= e.text.size()) {
        i += e.text.size();
        ++p;
        continue;
      }
    } else if (i == n) {
      return true;
    }
    if (star_p == std::string::npos || star_i >= n) return false;
    star_i += utf8_len(static_cast<unsigned char>(s[star_i]));
    if (star_i > n) star_i = n;
    i = star_i;
    p = star_p;
  }
}

}  // namespace eddy::expr
