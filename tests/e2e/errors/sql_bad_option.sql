-- expect-error: sql_bad_option.sql:3:34: error: unknown option 'rows' of the datagen connector; it takes 'rows-per-second', 'number-of-rows'
CREATE TABLE t (a BIGINT)
  WITH ('connector' = 'datagen', 'rows' = '10');
CREATE TABLE o (a BIGINT) WITH ('connector' = 'print');
INSERT INTO o SELECT a FROM t;
