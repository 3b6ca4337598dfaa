-- expect-error: sql_function_java.sql:2:31: error: CREATE FUNCTION count_char AS 'com.github.nexmark.flink.udf.CountChar': eddy runs no Java classes; a class name stands for the C function com_github_nexmark_flink_udf_CountChar of a shared library on EDDY_UDF_PATH
CREATE FUNCTION count_char AS 'com.github.nexmark.flink.udf.CountChar';
CREATE TABLE t (a STRING) WITH ('connector' = 'datagen', 'number-of-rows' = '10', 'fields.a.values' = 'x');
CREATE TABLE o (n BIGINT) WITH ('connector' = 'print');
INSERT INTO o SELECT count_char(a, 'c') FROM t;
