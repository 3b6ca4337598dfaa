-- expect-error: sql_window_join_start_only.sql:11:20: error: a join of window TVFs is a window join, which needs ON to equate both window_start and window_end of the two sides (this ON equates only window_start)
CREATE TABLE d (did BIGINT, ad BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
  WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE c (cid BIGINT, ad BIGINT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
  WITH ('connector' = 'datagen', 'number-of-rows' = '10');
CREATE TABLE o (did BIGINT, cid BIGINT) WITH ('connector' = 'print');
INSERT INTO o
SELECT D.did, C.cid
FROM (SELECT * FROM TABLE(TUMBLE(TABLE d, DESCRIPTOR(ts), INTERVAL '10' SECOND))) D
JOIN (SELECT * FROM TABLE(TUMBLE(TABLE c, DESCRIPTOR(ts), INTERVAL '10' SECOND))) C
ON D.ad = C.ad AND D.window_start = C.window_start;
