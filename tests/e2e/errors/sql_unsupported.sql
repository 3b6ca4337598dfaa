-- expect-error: sql_unsupported.sql:5:31: error: MATCH_RECOGNIZE is not supported by eddy
CREATE TABLE t (a BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
  WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE o (a BIGINT) WITH ('connector' = 'print');
INSERT INTO o SELECT * FROM t MATCH_RECOGNIZE (PARTITION BY a ORDER BY ts MEASURES A.a AS a PATTERN (A) DEFINE A AS a > 0);
