-- expect-error: sql_cumulate_step.sql:8:21: error: the window step must be at least 1ms
CREATE TABLE t (a BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
  WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE o (a BIGINT, n BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO o
SELECT a, COUNT(*)
FROM TABLE(CUMULATE(TABLE t, DESCRIPTOR(ts),
                    INTERVAL '0' SECOND, INTERVAL '1' MINUTE))
GROUP BY a, window_start, window_end;
