-- A full outer window join in SQL, as Flink writes it: two window TVFs joined
-- ON the key and both window_start and window_end. Rows pair only within
-- their 10 s window (display 3 and click 4 share ad 1 but not a window); a
-- row without a partner in its window is padded, its side's window columns
-- NULL (docs/sql.md, "Joins").
CREATE TABLE display (
    did BIGINT,
    ad BIGINT,
    ts TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'display.csv', 'format' = 'csv', 'csv.header' = 'true');

CREATE TABLE click (
    cid BIGINT,
    ad BIGINT,
    ts TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'click.csv', 'format' = 'csv', 'csv.header' = 'true');

CREATE TABLE pairs (
    did BIGINT,
    cid BIGINT,
    d_start TIMESTAMP(3),
    c_start TIMESTAMP(3),
    c_end TIMESTAMP(3)
) WITH ('connector' = 'filesystem', 'path' = 'out', 'format' = 'json');

INSERT INTO pairs
SELECT D.did, C.cid, D.window_start, C.window_start, C.window_end
FROM (SELECT * FROM TABLE(TUMBLE(TABLE display, DESCRIPTOR(ts), INTERVAL '10' SECOND))) D
FULL JOIN (SELECT * FROM TABLE(TUMBLE(TABLE click, DESCRIPTOR(ts), INTERVAL '10' SECOND))) C
ON D.ad = C.ad AND D.window_start = C.window_start AND D.window_end = C.window_end;
