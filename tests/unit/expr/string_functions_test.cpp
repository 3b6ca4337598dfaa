// Flink's string functions: concat_ws, lpad/rpad, replace, initcap, reverse,
// repeat, locate/instr/position, left/right, split_index, the digests, and the
// regular expressions regexp, regexp_extract and regexp_replace.
#include "expr_test_util.h"

using namespace expr_test;

// s: "apple", "Banana", "", "cherry pie"     ns: "x", "y", NULL, "z"     i: 7, -7, 0, 10

TEST_CASE("concat_ws skips NULL values and is NULL only for a NULL separator") {
  CHECK(eval1("concat_ws('~', 'AA', NULL, 'BB', '', 'CC')") == "AA~BB~~CC");
  CHECK(eval_rows("concat_ws('-', s, ns)") == "apple-x, Banana-y, , cherry pie-z");
  CHECK(eval_rows("concat_ws(ns, 'a', 'b')") == "axb, ayb, NULL, azb");
  CHECK(eval1("concat_ws(',', NULL)") == "");
  CHECK(compile_error("concat_ws(',')").message == "function concat_ws takes at least 2 arguments, got 1");
  CHECK(compile_error("concat_ws(',', 'a', i)").message == "concat_ws needs a string argument, got int64");
}

TEST_CASE("lpad and rpad pad to a length in characters or cut the string to it") {
  CHECK(eval1("lpad('hi', 4, '*#')") == "*#hi");
  CHECK(eval1("lpad('hi', 1, '*#')") == "h");
  CHECK(eval1("rpad('hi', 4, '*#')") == "hi*#");
  CHECK(eval1("rpad('hi', 1, '*#')") == "h");
  CHECK(eval1("lpad('hi', 5, 'ab')") == "abahi");
  CHECK(eval1("rpad('hi', 5, 'ab')") == "hiaba");
  CHECK(eval1("lpad('h\xC3\xA9', 4, '\xE2\x82\xAC')") == "\xE2\x82\xAC\xE2\x82\xACh\xC3\xA9");  // é and €
  CHECK(eval1("lpad('hi', 0, 'x')") == "");
  CHECK(eval1("lpad('hi', -1, 'x')") == "NULL");
  CHECK(eval1("rpad('hi', 3, '')") == "NULL");
  CHECK(eval_rows("rpad(ns, 3, '.')") == "x.., y.., NULL, z..");
  CHECK(eval_rows("lpad('a', n, '0')") == "a, NULL, 00a, NULL");
  CHECK(eval_error("lpad(s, 100000000 + i, 'x')").message() ==
        "lpad would make a string of 100000007 bytes; the limit is 16777216");
  CHECK(compile_error("rpad('a', 100000000, 'x')").message.find("the limit is") != std::string::npos);
  CHECK(compile_error("lpad('a', '3', 'x')").message == "lpad needs an int64 argument, got string");
}

TEST_CASE("replace swaps every occurrence, left to right, as Java's String.replace") {
  CHECK(eval1("replace('hello world', 'world', 'flink')") == "hello flink");
  CHECK(eval1("replace('ababab', 'abab', 'z')") == "zab");
  CHECK(eval1("replace('aaa', 'a', '')") == "");
  CHECK(eval1("replace('abc', '', '-')") == "-a-b-c-");
  CHECK(eval_rows("replace(s, 'a', 'A')") == "Apple, BAnAnA, , cherry pie");
  CHECK(eval1("replace('abc', NULL, 'x')") == "NULL");
}

TEST_CASE("initcap, reverse and repeat") {
  CHECK(eval1("initcap('hello wORLD; it''s 2nd-rate')") == "Hello World; It'S 2nd-Rate");
  CHECK(eval1("initcap('\xC3\xA9t\xC3\xA9 \xC3\xA0 PARIS')") == "\xC3\x89t\xC3\xA9 \xC3\x80 Paris");
  CHECK(eval_rows("initcap(s)") == "Apple, Banana, , Cherry Pie");
  CHECK(eval_rows("reverse(s)") == "elppa, ananaB, , eip yrrehc");
  CHECK(eval1("reverse('h\xC3\xA9\xE2\x82\xAC')") == "\xE2\x82\xAC\xC3\xA9h");
  CHECK(eval1("reverse(NULL)") == "NULL");
  CHECK(eval1("repeat('ab', 3)") == "ababab");
  CHECK(eval1("repeat('ab', 0)") == "");
  CHECK(eval1("repeat('ab', -2)") == "");
  CHECK(eval_rows("repeat(ns, n)") == "x, NULL, NULL, NULL");
  CHECK(eval_error("repeat(s, 9000000 + i)").message() ==
        "repeat would make a string of 45000035 bytes; the limit is 16777216");
  CHECK(compile_error("repeat('a')").message == "function repeat takes 2 arguments, got 1");
}

TEST_CASE("locate, instr and position give 1-based character positions, 0 when absent") {
  CHECK(eval_rows("locate('an', s)") == "0, 2, 0, 0");
  CHECK(eval_rows("instr(s, 'e')") == "5, 0, 0, 3");
  CHECK(eval_rows("position('e' IN s)") == "5, 0, 0, 3");
  CHECK(eval1("locate('an', 'Banana', 3)") == "4");
  CHECK(eval1("locate('an', 'Banana', 5)") == "0");
  CHECK(eval1("locate('an', 'Banana', -4)") == "2");
  CHECK(eval1("locate('', 'abc')") == "1");
  CHECK(eval1("locate('c', '\xC3\xA9\xC3\xA9" "c')") == "3");
  CHECK(eval1("instr(NULL, 'a')") == "NULL");
  CHECK(compile_error("position(s, 'a')").message == "syntax error at or near \",\"");
  CHECK(compile_error("instr(s, 1)").message == "instr needs a string argument, got int64");
}

TEST_CASE("left and right take characters from either end") {
  CHECK(eval_rows("left(s, 3)") == "app, Ban, , che");
  CHECK(eval_rows("right(s, 3)") == "ple, ana, , pie");
  CHECK(eval1("left('abc', 10)") == "abc");
  CHECK(eval1("right('abc', 10)") == "abc");
  CHECK(eval1("left('abc', -1)") == "");
  CHECK(eval1("right('abc', 0)") == "");
  CHECK(eval1("right('h\xC3\xA9llo', 4)") == "\xC3\xA9llo");
  CHECK(eval1("left(NULL, 1)") == "NULL");
}

TEST_CASE("split_index picks a 0-based field, NULL out of range") {
  CHECK(eval1("split_index('Jack,John,Mary', ',', 2)") == "Mary");
  CHECK(eval1("split_index('Jack,John,Mary', ',', 3)") == "NULL");
  CHECK(eval1("split_index('Jack,John,Mary', ',', -1)") == "NULL");
  CHECK(eval1("split_index('a,,b', ',', 1)") == "");
  CHECK(eval1("split_index(',a', ',', 0)") == "");
  CHECK(eval1("split_index('a::b::c', '::', 1)") == "b");
  CHECK(eval1("split_index('a b', '', 1)") == "b");
  CHECK(eval1("split_index('', ',', 0)") == "NULL");
  CHECK(eval1("split_index('abc', ',', 0)") == "abc");
  CHECK(eval1("split_index('Jack,John', NULL, 0)") == "NULL");
  CHECK(eval_rows("split_index(s, 'a', 1)") == "pple, n, NULL, NULL");
}

TEST_CASE("md5, sha1 and sha256 give lower-case hex digests") {
  CHECK(eval1("md5('')") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(eval1("md5('abc')") == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(eval1("sha1('abc')") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(eval1("sha256('abc')") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(eval_rows("md5(ns) IS NULL") == "false, false, true, false");
  CHECK(compile_error("md5(i)").message == "md5 needs a string argument, got int64");
}

TEST_CASE("regexp matches anywhere in the string") {
  CHECK(eval_rows("regexp(s, 'an+a')") == "false, true, false, false");
  CHECK(eval_rows("regexp(s, '^[a-c]')") == "true, false, false, true");
  CHECK(eval1("regexp('abc', '')") == "false");
  CHECK(eval_rows("regexp(ns, '[xz]')") == "true, false, NULL, true");
  CHECK(eval1("regexp('abc', NULL)") == "NULL");
  // A pattern per row: compiled as it changes; a bad one is FALSE, as Flink.
  CHECK(eval_rows("regexp(s, CASE WHEN i > 0 THEN 'p+' ELSE '(' END)") == "true, false, false, true");
  ExprError e = compile_error("regexp(s, 'a(b')");
  CHECK(e.message == "regexp: invalid regular expression 'a(b': missing ): a(b");
  CHECK(e.offset == 10);
}

TEST_CASE("regexp_extract returns a group of the first match, NULL when there is none") {
  CHECK(eval1("regexp_extract('foothebar', 'foo(.*?)(bar)', 2)") == "bar");
  CHECK(eval1("regexp_extract('foothebar', 'foo(.*?)(bar)', 1)") == "the");
  CHECK(eval1("regexp_extract('foothebar', 'foo(.*?)(bar)')") == "foothebar");
  CHECK(eval1("regexp_extract('foothebar', 'foo(.*?)(bar)', 3)") == "NULL");
  CHECK(eval1("regexp_extract('foothebar', 'foo(.*?)(bar)', -1)") == "NULL");
  CHECK(eval1("regexp_extract('foo', 'x')") == "NULL");
  CHECK(eval1("regexp_extract('ac', 'a(b)?c', 1)") == "NULL");
  CHECK(eval_rows("regexp_extract(s, '([aeiou])([a-z])', 2)") == "p, n, NULL, r");
  CHECK(eval1("regexp_extract('100-200', '(\\d+)-(\\d+)', 2)") == "200");
  CHECK(eval_rows("regexp_extract(s, '(a)', n)") == "a, NULL, NULL, NULL");
  CHECK(compile_error("regexp_extract(s, 'a', 'b')").message == "regexp_extract needs an int64 argument, got string");
}

TEST_CASE("regexp_replace replaces every match with literal text, empty matches as Java") {
  CHECK(eval1("regexp_replace('foobar', 'oo|ar', '')") == "fb");
  CHECK(eval1("regexp_replace('abc', 'b*', '-')") == "-a--c-");
  CHECK(eval1("regexp_replace('a1b22', '[0-9]+', '$1\\')") == "a$1\\b$1\\");
  CHECK(eval1("regexp_replace('\xC3\xA9t\xC3\xA9', 'x*', '.')") == ".\xC3\xA9.t.\xC3\xA9.");
  CHECK(eval_rows("regexp_replace(s, '[aeiou]', '_')") == "_ppl_, B_n_n_, , ch_rry p__");
  CHECK(eval1("regexp_replace('abc', 'b', NULL)") == "NULL");
  CHECK(eval_rows("regexp_replace('abc', CASE WHEN i > 0 THEN 'b' ELSE '[' END, 'x')") == "axc, NULL, NULL, axc");
  CHECK(compile_error("regexp_replace('a', '*', 'b')").message.find("invalid regular expression '*'") !=
        std::string::npos);
}
