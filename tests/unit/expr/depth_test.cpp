// Deep and long expressions on threads with small stacks (src/expr): what
// would overflow the stack is refused, or fails with an error, never crashes.
// Before the depth bound ran ahead of PostgreSQL's parser, 10,000 chained
// terms crashed even an 8 MiB stack under ASan.
#include <pthread.h>

#include <functional>
#include <string>

#include "expr_test_util.h"

using namespace expr_test;

namespace {

constexpr size_t kSmallStack = 256 * 1024;

/// Runs `fn` on a new thread whose stack is `bytes` long, and waits for it.
void on_stack_of(size_t bytes, const std::function<void()>& fn) {
  pthread_attr_t attr;
  REQUIRE(pthread_attr_init(&attr) == 0);
  REQUIRE(pthread_attr_setstacksize(&attr, bytes) == 0);
  pthread_t thread;
  auto run = [](void* f) -> void* {
    (*static_cast<const std::function<void()>*>(f))();
    return nullptr;
  };
  REQUIRE(pthread_create(&thread, &attr, run, const_cast<std::function<void()>*>(&fn)) == 0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
}

/// `head`, then `term` n times, then `tail` n times, then `last`... as text.
std::string repeat(const std::string& head, const std::string& term, int n, const std::string& leaf,
                   const std::string& closer) {
  std::string s = head;
  for (int k = 0; k < n; ++k) s += term;
  s += leaf;
  for (int k = 0; k < n; ++k) s += closer;
  return s;
}

/// The most repetitions of `per_level` bytes that fit the 65536-byte limit, at most `n`.
int fitting(int n, size_t per_level) { return std::min<int>(n, static_cast<int>(65000 / per_level)); }

/// Compiles `sql` on a thread with a small stack: its Status.
Status compile_on_small_stack(const std::string& sql) {
  Status st;
  on_stack_of(kSmallStack, [&] {
    auto r = compile_expression(sql, *sample_schema());
    st = r.ok() ? Status::ok() : r.status();
  });
  return st;
}

bool refused_for_depth(const Status& st) {
  return !st.is_ok() && (st.message().find("nested too deeply") != std::string::npos ||
                         st.message().find("too long") != std::string::npos);
}

}  // namespace

TEST_CASE("10,000 chained or nested terms are refused on a 256 KiB stack, of every shape") {
  const int n = 10000;
  const std::vector<std::pair<const char*, std::string>> shapes = {
      {"a + chain", repeat("", "i + ", n, "i", "")},
      {"an OR chain of comparisons in parentheses", repeat("", "(i = 1 OR ", fitting(n, 10), "b", ")")},
      {"NOT", repeat("", "NOT ", n, "b", "")},
      {"unary minus", repeat("", "- ", n, "i", "")},
      {"nested calls", repeat("", "abs(", n, "i", ")")},
      {"parentheses", repeat("", "(", n, "i", ")")},
      {"casts", repeat("i", "::bigint", fitting(n, 8), "", "")},
      {"IS NULL", repeat("b", " IS NULL", fitting(n, 8), "", "")},
      {"CASE", repeat("", "CASE WHEN b THEN ", fitting(n, 22), "1", " END")},
      {"concatenation", repeat("", "s || ", n, "s", "")},
      {"coalesce", repeat("", "coalesce(", fitting(n, 10), "i", ")")},
      {"BETWEEN", repeat("", "i BETWEEN 0 AND (", fitting(n, 18), "i", ")")},
  };
  for (const auto& [name, sql] : shapes) {
    INFO(name);
    Status st = compile_on_small_stack(sql);
    CHECK_MESSAGE(refused_for_depth(st), st.message());
  }
}

TEST_CASE("100,000 chained terms are refused for their length on a 256 KiB stack") {
  Status st = compile_on_small_stack(repeat("", "i + ", 100000, "i", ""));
  REQUIRE_FALSE(st.is_ok());
  CHECK(st.message().find("expression is too long") != std::string::npos);
}

TEST_CASE("a too-deep expression is refused with the offset of its deepest part") {
  ExprError e;
  auto r = compile_expression(repeat("", "abs(", 2000, "i", ")"), *sample_schema(), &e);
  REQUIRE_FALSE(r.ok());
  CHECK(e.message == "expression is nested too deeply (the limit is 256 levels of operators, calls and "
                     "parentheses)");
  CHECK(e.offset > 0);
  CHECK(e.offset < 2000 * 4);
}

TEST_CASE("long but shallow expressions work on a 256 KiB stack: 500 OR terms, IN lists, CASE, arguments") {
  std::string ors = "i = 7";
  for (int k = 1; k < 500; ++k) ors += " OR i = " + std::to_string(k * 10);
  std::string in = "i IN (";
  for (int k = 0; k < 5000; ++k) in += std::to_string(k) + ", ";
  in += "-7)";
  std::string cases = "CASE";
  for (int k = 0; k < 1000; ++k) cases += " WHEN i = " + std::to_string(k) + " THEN " + std::to_string(k);
  cases += " ELSE -1 END";
  std::string args = "coalesce(" + repeat("", "n, ", 2000, "i", "") + ")";
  std::vector<std::string> results(4);
  on_stack_of(kSmallStack, [&] {
    const std::string* sqls[] = {&ors, &in, &cases, &args};
    for (size_t k = 0; k < 4; ++k) {
      auto e = compile_expression(*sqls[k], *sample_schema());
      if (!e.ok()) {
        results[k] = e.status().message();
        continue;
      }
      auto col = (*e)->evaluate(*sample_batch());
      if (!col.ok()) {
        results[k] = col.status().message();
        continue;
      }
      for (size_t r = 0; r < col->size(); ++r) results[k] += (r ? ", " : "") + cell(*col, r);
    }
  });
  CHECK(results[0] == "true, false, false, true");  // i = 7 (the first term) and i = 10
  CHECK(results[1] == "true, true, true, true");     // 0..4999 and -7
  CHECK(results[2] == "7, -1, 0, 10");
  CHECK(results[3] == "1, -7, 3, 10");               // n is 1, NULL, 3, NULL
}

TEST_CASE("an expression at the depth limit compiles and runs on an ordinary stack") {
  CHECK(eval1(repeat("", "abs(", 255, "i", ")")) == "7");
  CHECK(eval1(repeat("", "- ", 255, "i", "")) == "-7");
  CHECK(eval_rows(repeat("", "CASE WHEN b THEN ", 127, "i", " ELSE 0 END")) == "7, 0, 0, 0");
}

TEST_CASE("evaluating on a thread whose stack is too small fails with an error instead of crashing") {
  auto deep = compile(repeat("", "coalesce(", 250, "n", ")"));
  Result<Column> out = Status::internal("not run");
  on_stack_of(96 * 1024, [&] { out = deep->evaluate(*sample_batch()); });
  REQUIRE_FALSE(out.ok());
  CHECK_MESSAGE(out.status().message().find("nested too deeply for the stack of this thread") != std::string::npos,
                out.status().message());
}

TEST_CASE("a simple CASE whose subject would be copied into too many WHENs is refused") {
  std::string big_subject = "coalesce(" + repeat("", "i, ", 500, "i", "") + ")";
  std::string sql = "CASE " + big_subject;
  for (int k = 0; k < 300; ++k) sql += " WHEN " + std::to_string(k) + " THEN 1";
  sql += " END";
  ExprError e;
  auto r = compile_expression(sql, *sample_schema(), &e);
  REQUIRE_FALSE(r.ok());
  CHECK_MESSAGE(e.message.find("is repeated in each of its 300 WHENs") != std::string::npos, e.message);
  CHECK(eval1("CASE i WHEN 7 THEN 'seven' WHEN 10 THEN 'ten' END") == "seven");
}
