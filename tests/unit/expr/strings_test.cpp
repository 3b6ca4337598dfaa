// LIKE patterns, string functions, concatenation and greatest/least/coalesce.
#include "expr_test_util.h"

using namespace expr_test;

// s: "apple", "Banana", "", "cherry pie"     ns: "x", "y", NULL, "z"

TEST_CASE("LIKE matches percent and underscore wildcards") {
  CHECK(eval_rows("s LIKE 'a%'") == "true, false, false, false");
  CHECK(eval_rows("s LIKE '%e'") == "true, false, false, true");
  CHECK(eval_rows("s LIKE '%an%'") == "false, true, false, false");
  CHECK(eval_rows("s LIKE '_pple'") == "true, false, false, false");
  CHECK(eval_rows("s LIKE 'c%p_e'") == "false, false, false, true");
  CHECK(eval_rows("s LIKE ''") == "false, false, true, false");
  CHECK(eval_rows("s LIKE '%'") == "true, true, true, true");
  CHECK(eval_rows("s LIKE 'apple'") == "true, false, false, false");
  CHECK(eval_rows("s LIKE '_'") == "false, false, false, false");
  CHECK(eval_rows("s NOT LIKE 'a%'") == "false, true, true, true");
  CHECK(eval_rows("ns LIKE 'x'") == "true, false, NULL, false");
  CHECK(eval_rows("s LIKE NULL") == "NULL, NULL, NULL, NULL");
  CHECK(eval1("'abcabcabd' LIKE '%abc%abd'") == "true");
  CHECK(eval1("'aaa' LIKE 'a%a%a'") == "true");
  CHECK(eval1("'aa' LIKE 'a%a%a'") == "false");
  CHECK(eval1("'abc' LIKE '%_%_%_%'") == "true");
  CHECK(eval1("'ab' LIKE '%_%_%_%'") == "false");
  CHECK(eval1("'h\xC3\xA9llo' LIKE 'h_llo'") == "true");  // _ is one UTF-8 character
  CHECK(eval1("'h\xC3\xA9llo' LIKE '%\xC3\xA9%'") == "true");
}

TEST_CASE("upper and lower map every Unicode letter as Flink (Java, root locale) does") {
  CHECK(eval1("upper('\xC3\xA9lan vital')") == "\xC3\x89LAN VITAL");             // élan -> ÉLAN
  CHECK(eval1("lower('\xC3\x80\xC3\x89\xC3\x8E\xC3\x95\xC3\x9C')") ==
        "\xC3\xA0\xC3\xA9\xC3\xAE\xC3\xB5\xC3\xBC");                          // ÀÉÎÕÜ
  CHECK(eval1("upper('stra\xC3\x9F" "e')") == "STRASSE");                       // ß -> SS
  CHECK(eval1("length(upper('stra\xC3\x9F" "e'))") == "7");
  CHECK(eval1("upper('\xD0\xBC\xD0\xB8\xD1\x80')") == "\xD0\x9C\xD0\x98\xD0\xA0");  // мир
  CHECK(eval1("lower('\xCE\x9F\xCE\x94\xCE\xA5\xCE\xA3\xCE\xA3\xCE\x95\xCE\xA5\xCE\xA3')") ==
        "\xCE\xBF\xCE\xB4\xCF\x85\xCF\x83\xCF\x83\xCE\xB5\xCF\x85\xCF\x82");  // final sigma
  CHECK(eval1("upper('\xEF\xAC\x81ne')") == "FINE");                          // the ligature fi
  CHECK(eval1("lower('\xC4\xB0')") == "i\xCC\x87");                           // İ: i and a dot
  CHECK(eval1("upper('\xE6\x97\xA5\xE6\x9C\xAC abc')") == "\xE6\x97\xA5\xE6\x9C\xAC ABC");
  // One batch mixing ASCII rows, others and NULL.
  CHECK(eval_rows("upper(CASE WHEN i = 7 THEN 'stra\xC3\x9F" "e' WHEN i = 0 THEN NULL ELSE s END)") ==
        "STRASSE, BANANA, NULL, CHERRY PIE");
  CHECK(eval_rows("lower(CASE WHEN i = 10 THEN '\xC3\x89T\xC3\x89' ELSE ns END)") ==
        "x, y, NULL, \xC3\xA9t\xC3\xA9");
}

TEST_CASE("upper and lower keep bytes that are not UTF-8 as they are") {
  auto schema = std::make_shared<Schema>(std::vector<Field>{{"s", DataType::kString}});
  BatchBuilder b(schema);
  for (const char* v : {"a\xFF" "b", "\xC3", "\xC3\xA9\xE2\x82", "ok"}) {
    b.column(0).append_string(v);
    b.commit_rows(1);
  }
  auto batch = b.finish();
  ExprError err;
  auto up = compile_expression("upper(s)", *schema, &err);
  REQUIRE(up.ok());
  auto col = (*up)->evaluate(*batch);
  REQUIRE(col.ok());
  CHECK(col->string_at(0) == "A\xFF" "B");
  CHECK(col->string_at(1) == "\xC3");
  CHECK(col->string_at(2) == "\xC3\x89\xE2\x82");
  CHECK(col->string_at(3) == "OK");
}

TEST_CASE("LIKE escapes and ILIKE") {
  CHECK(eval1("'50%' LIKE '50\\%'") == "true");
  CHECK(eval1("'500' LIKE '50\\%'") == "false");
  CHECK(eval1("'a_c' LIKE 'a!_c' ESCAPE '!'") == "true");
  CHECK(eval1("'abc' LIKE 'a!_c' ESCAPE '!'") == "false");
  CHECK(eval1("'a\\c' LIKE 'a\\c' ESCAPE ''") == "true");
  CHECK(eval_rows("s ILIKE 'BANANA'") == "false, true, false, false");
  CHECK(eval_rows("s ILIKE 'b%'") == "false, true, false, false");
  CHECK(eval_rows("s NOT ILIKE '%E%'") == "false, true, true, false");
  CHECK(eval_rows("'xyz' LIKE ns || '%'") == "true, false, NULL, false");
  ExprError e = compile_error("s LIKE 'abc\\'");
  CHECK(e.message == "LIKE pattern must not end with the escape character");
  CHECK(e.offset == 7);
  e = compile_error("i LIKE 'a'");
  CHECK(e.message == "LIKE needs string operands, got int64 and string");
  CHECK(e.offset == 2);
}

TEST_CASE("string functions count and cut UTF-8 characters") {
  CHECK(eval_rows("upper(s)") == "APPLE, BANANA, , CHERRY PIE");
  CHECK(eval_rows("lower(s)") == "apple, banana, , cherry pie");
  CHECK(eval_rows("length(s)") == "5, 6, 0, 10");
  CHECK(eval_rows("char_length(ns)") == "1, 1, NULL, 1");
  CHECK(eval1("character_length('h\xC3\xA9llo')") == "5");
  CHECK(eval_rows("substring(s, 2, 3)") == "ppl, ana, , her");
  CHECK(eval_rows("substring(s FROM 2)") == "pple, anana, , herry pie");
  CHECK(eval_rows("substring(s FROM 2 FOR 3)") == "ppl, ana, , her");
  CHECK(eval_rows("substr(s, 8)") == ", , , pie");
  CHECK(eval1("substring('hello' FOR 2)") == "he");
  CHECK(eval1("substr('hello', 0, 3)") == "he");
  CHECK(eval1("substring('hello', -1, 3)") == "h");
  CHECK(eval1("substring('hello', 4, 100)") == "lo");
  CHECK(eval1("substring('h\xC3\xA9llo', 2, 2)") == "\xC3\xA9l");
  CHECK(eval_rows("substring(ns, n)") == "x, NULL, NULL, NULL");
  CHECK(compile_error("substring('hello', 2, -1)").message == "negative substring length not allowed");
  CHECK(eval_error("substring(s, 1, i)").message() == "negative substring length not allowed");
}

TEST_CASE("trim strips spaces or the given characters") {
  CHECK(eval1("trim('  a b  ')") == "a b");
  CHECK(eval1("btrim('xxaxx', 'x')") == "a");
  CHECK(eval1("ltrim('xxaxx', 'x')") == "axx");
  CHECK(eval1("rtrim('xxaxx', 'x')") == "xxa");
  CHECK(eval1("trim(both 'xy' from 'xyaxy')") == "a");
  CHECK(eval1("trim(leading from '  a ')") == "a ");
  CHECK(eval1("trim(trailing from '  a ')") == "  a");
  CHECK(eval1("trim('\xC3\xA9' from '\xC3\xA9" "a\xC3\xA9')") == "a");
  CHECK(eval_rows("trim(ns)") == "x, y, NULL, z");
}

TEST_CASE("|| converts non-strings to text and propagates NULL") {
  CHECK(eval_rows("s || '!'") == "apple!, Banana!, !, cherry pie!");
  CHECK(eval_rows("s || i") == "apple7, Banana-7, 0, cherry pie10");
  CHECK(eval_rows("ns || 'q'") == "xq, yq, NULL, zq");
  CHECK(eval_rows("'b=' || b") == "b=true, b=false, b=true, b=false");
  CHECK(eval1("'a' || 1.5") == "a1.5");
  CHECK(eval1("'t=' || t") == "t=1970-01-01 00:00:00.000");
  CHECK(eval1("1 || 2") == "12");
  CHECK(eval1("'a' || NULL") == "NULL");
}

TEST_CASE("concat skips NULLs and never returns NULL") {
  CHECK(eval_rows("concat(s, '-', i, '-', n)") == "apple-7-1, Banana--7-, -0-3, cherry pie-10-");
  CHECK(eval1("concat(NULL, NULL)") == "");
  CHECK(eval1("concat('x', 2.5, TRUE)") == "x2.5true");
}

TEST_CASE("coalesce, greatest, least and nullif") {
  CHECK(eval_rows("coalesce(ns, 'none')") == "x, y, none, z");
  CHECK(eval_rows("coalesce(n, i)") == "1, -7, 3, 10");
  CHECK(eval_rows("coalesce(n, NULL)") == "1, NULL, 3, NULL");
  CHECK(eval_rows("coalesce(n, f)") == "1, -0.5, 3, 100");
  CHECK(eval1("coalesce(NULL, 2)") == "2");
  CHECK(eval_rows("greatest(i, n)") == "7, -7, 3, 10");
  CHECK(eval_rows("least(i, n, 5)") == "1, -7, 0, 5");
  CHECK(eval_rows("greatest(f, i)") == "7, -0.5, 0, 100");
  CHECK(eval_rows("greatest(s, 'b')") == "b, b, b, cherry pie");
  CHECK(eval_rows("least(ns, 'y')") == "x, y, y, y");
  CHECK(eval1("greatest(NULL, NULL)") == "NULL");
  CHECK(eval_rows("nullif(i, 0)") == "7, -7, NULL, 10");
  CHECK(eval_rows("nullif(ns, 'y')") == "x, NULL, NULL, z");
  ExprError e = compile_error("coalesce(i, s)");
  CHECK(e.message == "coalesce arguments have different types: int64 and string");
  CHECK(e.offset == 12);
}

TEST_CASE("math functions keep integer types where SQL does") {
  CHECK(eval_rows("abs(i)") == "7, 7, 0, 10");
  CHECK(eval_rows("abs(f)") == "2.5, 0.5, 0, 100");
  CHECK(eval_rows("floor(f)") == "2, -1, 0, 100");
  CHECK(eval_rows("ceil(f - 1)") == "2, -1, -1, 99");
  CHECK(eval1("ceiling(2.1)") == "3");
  CHECK(eval_rows("floor(i)") == "7, -7, 0, 10");
  CHECK(compile("floor(i)")->type() == DataType::kInt64);
  CHECK(compile("floor(f)")->type() == DataType::kFloat64);
  CHECK(eval1("round(2.5)") == "3");
  CHECK(eval1("round(-2.5)") == "-3");
  CHECK(eval1("round(2.345, 2)") == "2.35");
  CHECK(eval1("round(-2.345, 2)") == "-2.35");
  CHECK(eval1("round(1234.5, -2)") == "1200");
  CHECK(eval1("round(9.99, 1)") == "10");
  CHECK(eval1("round(0.004, 2)") == "0");
  CHECK(eval1("round(7, 1)") == "7");
  CHECK(eval_rows("round(i)") == "7, -7, 0, 10");
  CHECK(eval1("mod(7, 3)") == "1");
  CHECK(eval_rows("mod(i, 4)") == "3, -3, 0, 2");
  CHECK(eval_rows("mod(f, 2)") == "0.5, -0.5, 0, 0");
  CHECK(eval_error("mod(1, i)").message() == "division by zero");
  ExprError e = compile_error("abs(s)");
  CHECK(e.message == "abs needs a numeric argument, got string");
  CHECK(e.offset == 4);
  e = compile_error("round(f, 1.5)");
  CHECK(e.message == "round needs an int64 number of digits, got float64");
  e = compile_error("round(1, 2, 3)");
  CHECK(e.message == "function round takes 1 or 2 arguments, got 3");
  CHECK(e.offset == 0);
  e = compile_error("upper(i)");
  CHECK(e.message == "upper needs a string argument, got int64");
}
