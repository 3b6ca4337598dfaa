-- expect-error: sql_syntax.sql:5:1: error: found 'SELEC', expected a statement: SET, CREATE TABLE
CREATE TABLE t (a BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE o (a BIGINT) WITH ('connector' = 'print');
-- SELECT, misspelled:
SELEC a FROM t;
