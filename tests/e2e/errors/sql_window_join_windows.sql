-- expect-error: sql_window_join_windows.sql:12:20: error: a window join needs the same window on both sides, but the left's is TUMBLE(10 s) and the right's TUMBLE(5 s)
-- Flink refuses windows that differ; eddy says so at the first window equality.
CREATE TABLE d (did BIGINT, ad BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
  WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE c (cid BIGINT, ad BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
  WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE o (did BIGINT, cid BIGINT) WITH ('connector' = 'print');
INSERT INTO o
SELECT D.did, C.cid
FROM (SELECT * FROM TABLE(TUMBLE(TABLE d, DESCRIPTOR(ts), INTERVAL '10' SECOND))) D
JOIN (SELECT * FROM TABLE(TUMBLE(TABLE c, DESCRIPTOR(ts), INTERVAL '5' SECOND))) C
ON D.ad = C.ad AND D.window_start = C.window_start AND D.window_end = C.window_end;
