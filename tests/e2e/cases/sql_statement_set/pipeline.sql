-- Several INSERTs as one job, in a statement set: one source read once feeds
-- a filter into one table and a window count into another (docs/sql.md,
-- "Statements").
CREATE TABLE bids (
    bid BIGINT,
    auction BIGINT,
    price BIGINT,
    ts TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'bids.csv', 'format' = 'csv', 'csv.header' = 'true');

CREATE TABLE expensive (bid BIGINT, price BIGINT)
WITH ('connector' = 'filesystem', 'path' = 'out/expensive', 'format' = 'json');

CREATE TABLE per_window (auction BIGINT, bids BIGINT, window_start TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = 'out/per_window', 'format' = 'json');

EXECUTE STATEMENT SET
BEGIN
    INSERT INTO expensive SELECT bid, price FROM bids WHERE price > 100;
    INSERT INTO per_window
    SELECT auction, COUNT(*), window_start
    FROM TABLE(TUMBLE(TABLE bids, DESCRIPTOR(ts), INTERVAL '10' SECOND))
    GROUP BY auction, window_start, window_end;
END;
