-- expect-error: sql_set_key.sql:2:5: error: unknown key 'parallelism'; eddy takes parallelism.default
SET 'parallelism' = '2';
CREATE TABLE t (a BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE o (a BIGINT) WITH ('connector' = 'print');
INSERT INTO o SELECT a FROM t;
