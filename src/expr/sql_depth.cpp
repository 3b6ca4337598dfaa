// The depth bound over the scanner's tokens. pg_query_scan returns a
// protobuf ScanResult (pg_query.proto: tokens = 2, each ScanToken with
// start = 1, end = 2, token = 4, keyword_kind = 5); only token positions and
// keyword kinds are read, so the token numbering of a PostgreSQL version
// does not matter: the text of a token says what it is.
#include "expr/sql_depth.h"

#include <pg_query.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

namespace eddy::expr {
namespace {

struct Token {
  int start = 0;
  int end = 0;
  bool keyword = false;
};

bool read_varint(const uint8_t*& p, const uint8_t* end, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && p < end; shift += 7) {
    const uint8_t b = *p++;
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

/// Skips a field of wire type `type`; false on malformed input.
bool skip_field(const uint8_t*& p, const uint8_t* end, int type) {
  uint64_t v = 0;
  if (type == 0) return read_varint(p, end, v);
  if (type == 2) {
    if (!read_varint(p, end, v) || v > static_cast<uint64_t>(end - p)) return false;
    p += v;
    return true;
  }
  if (type == 1 || type == 5) {
    const int n = type == 1 ? 8 : 4;
    if (end - p < n) return false;
    p += n;
    return true;
  }
  return false;
}

bool parse_token(const uint8_t* p, const uint8_t* end, Token& t) {
  while (p < end) {
    uint64_t key = 0, v = 0;
    if (!read_varint(p, end, key)) return false;
    const int field = static_cast<int>(key >> 3), type = static_cast<int>(key & 7);
    if (type != 0) {
      if (!skip_field(p, end, type)) return false;
      continue;
    }
    if (!read_varint(p, end, v)) return false;
    if (field == 1) t.start = static_cast<int>(v);
    if (field == 2) t.end = static_cast<int>(v);
    if (field == 5) t.keyword = v != 0;
  }
  return true;
}

/// The tokens of a packed ScanResult; false on malformed input.
bool parse_tokens(const PgQueryProtobuf& pbuf, std::vector<Token>& out) {
  const auto* p = reinterpret_cast<const uint8_t*>(pbuf.data);
  const uint8_t* end = p + pbuf.len;
  while (p < end) {
    uint64_t key = 0;
    if (!read_varint(p, end, key)) return false;
    const int field = static_cast<int>(key >> 3), type = static_cast<int>(key & 7);
    if (field != 2 || type != 2) {
      if (!skip_field(p, end, type)) return false;
      continue;
    }
    uint64_t len = 0;
    if (!read_varint(p, end, len) || len > static_cast<uint64_t>(end - p)) return false;
    Token t;
    if (!parse_token(p, p + len, t)) return false;
    out.push_back(t);
    p += len;
  }
  return true;
}

enum class Kind { kLeaf, kOperator, kOpen, kClose, kSeparator, kAnd, kOr, kBetween, kCase, kEnd, kComment };

Kind classify(std::string_view text, bool keyword) {
  if (text.empty()) return Kind::kLeaf;
  if (text.substr(0, 2) == "--" || text.substr(0, 2) == "/*") return Kind::kComment;
  if (text == "(" || text == "[") return Kind::kOpen;
  if (text == ")" || text == "]") return Kind::kClose;
  if (text == ",") return Kind::kSeparator;
  if (keyword) {
    std::string word(text);
    for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (word == "and") return Kind::kAnd;
    if (word == "or") return Kind::kOr;
    if (word == "between") return Kind::kBetween;
    if (word == "case") return Kind::kCase;
    if (word == "end") return Kind::kEnd;
    if (word == "when" || word == "then" || word == "else") return Kind::kSeparator;
    if (word == "null" || word == "true" || word == "false") return Kind::kLeaf;
    return Kind::kOperator;
  }
  // Names, numbers, strings (also E'', B'', X'', U&'', $$...$$) and parameters.
  const unsigned char c = static_cast<unsigned char>(text[0]);
  if (std::isalnum(c) || c == '_' || c == '\'' || c == '"' || c == '$' || c >= 0x80) return Kind::kLeaf;
  if (c == '.' && text.size() > 1 && std::isdigit(static_cast<unsigned char>(text[1]))) return Kind::kLeaf;
  return Kind::kOperator;
}

/// One parenthesis, bracket or CASE (or the whole text), while it is scanned.
struct Group {
  bool is_case = false;
  bool has_and = false, has_or = false;
  bool between = false;  // a BETWEEN waits for its AND
  int ops = 0;           // operators in the current run of operands
  int child = 0;         // the deepest group closed in the current run
  int best = 0;          // the deepest run ended so far
  void end_run() {
    best = std::max(best, ops + std::max(child, 1));
    ops = 0;
    child = 0;
  }
  /// The group's own node (a call, a list, a CASE), its OR and AND nodes, its deepest run.
  int depth() {
    end_run();
    return 1 + (has_or ? 1 : 0) + (has_and ? 1 : 0) + best;
  }
};

class Bounder {
 public:
  explicit Bounder(int limit) : limit_(limit) { open(false); }

  /// Takes one token; false once the bound is past the limit.
  bool take(Kind kind, int offset) {
    Group& g = groups_.back();
    switch (kind) {
      case Kind::kLeaf:
      case Kind::kComment: break;
      case Kind::kOpen: open(false); break;
      case Kind::kCase: open(true); break;
      case Kind::kClose:
      case Kind::kEnd:
        if (groups_.size() > 1 && groups_.back().is_case == (kind == Kind::kEnd)) close();
        else add_operator();  // unbalanced: the parser will refuse it
        break;
      case Kind::kSeparator: end_run(g); break;
      case Kind::kOr:
        g.has_or = true;
        end_run(g);
        break;
      case Kind::kAnd:
        if (g.between) {
          g.between = false;
          add_operator();
        } else {
          g.has_and = true;
          end_run(g);
        }
        break;
      case Kind::kBetween:
        g.between = true;
        add_operator();
        break;
      case Kind::kOperator: add_operator(); break;
    }
    if (running_ > deepest_) {
      deepest_ = running_;
      deepest_offset_ = offset;
    }
    return running_ <= limit_;
  }

  DepthBound finish() {
    while (groups_.size() > 1) close();
    const int depth = std::max(groups_.back().depth(), deepest_);
    return DepthBound{depth, deepest_offset_};
  }
  DepthBound passed() const { return DepthBound{running_, deepest_offset_}; }

 private:
  // running_: the nesting along the current position, a lower bound of the
  // final depth (each open group and each operator of its current run).
  void open(bool is_case) {
    Group g;
    g.is_case = is_case;
    groups_.push_back(g);
    ++running_;
  }
  void close() {
    Group g = groups_.back();
    running_ -= 1 + g.ops;
    groups_.pop_back();
    Group& parent = groups_.back();
    parent.child = std::max(parent.child, g.depth());
  }
  void add_operator() {
    ++groups_.back().ops;
    ++running_;
  }
  void end_run(Group& g) {
    running_ -= g.ops;
    g.end_run();
  }

  int limit_;
  std::vector<Group> groups_;
  int running_ = 0;
  int deepest_ = 0;
  int deepest_offset_ = -1;
};

}  // namespace

DepthBound sql_depth_bound(std::string_view sql, int limit) {
  const std::string text(sql);
  PgQueryScanResult scan = pg_query_scan(text.c_str());
  std::vector<Token> tokens;
  const bool readable = scan.error == nullptr && parse_tokens(scan.pbuf, tokens);
  pg_query_free_scan_result(scan);
  if (!readable) return DepthBound{};
  Bounder bounder(limit);
  for (const Token& t : tokens) {
    if (t.start < 0 || t.end < t.start || static_cast<size_t>(t.end) > sql.size()) continue;
    const std::string_view word =
        sql.substr(static_cast<size_t>(t.start), static_cast<size_t>(t.end - t.start));
    if (!bounder.take(classify(word, t.keyword), t.start)) return bounder.passed();
  }
  return bounder.finish();
}

}  // namespace eddy::expr
