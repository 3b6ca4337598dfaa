-- expect-error: sql_function_java.sql:2:31: error: CREATE FUNCTION count_char AS 'com.github.nexmark.flink.udf.CountChar': expected 'library.so:symbol'
CREATE FUNCTION count_char AS 'com.github.nexmark.flink.udf.CountChar';
CREATE TABLE t (a STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '10', 'fields.a.values' = 'x');
CREATE TABLE o (n BIGINT) WITH ('connector' = 'print');
INSERT INTO o SELECT count_char(a, 'c') FROM t;
