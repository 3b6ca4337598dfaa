-- expect-error: sql_double_quotes.sql:5:22: error: Flink SQL quotes identifiers with backquotes (`name`) and strings with single quotes ('text'), not with "
CREATE TABLE t (a BIGINT)
  WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE o (a BIGINT) WITH ('connector' = 'print');
INSERT INTO o SELECT "a" FROM t;
